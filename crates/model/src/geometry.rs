//! GeoJSON geometry checks and bounding boxes (WGS84 lon/lat), without a geometry library:
//! the registry only needs to know a geometry is well formed and where it is.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A bounding box in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// West edge (longitude).
    pub min_lon: f64,
    /// South edge (latitude).
    pub min_lat: f64,
    /// East edge.
    pub max_lon: f64,
    /// North edge.
    pub max_lat: f64,
}

impl BBox {
    /// Parses `min_lon,min_lat,max_lon,max_lat`.
    pub fn parse(s: &str) -> Result<BBox, GeometryError> {
        let v: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                GeometryError("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat".into())
            })?;
        if v.len() != 4 {
            return Err(GeometryError(
                "bbox must be four numbers: min_lon,min_lat,max_lon,max_lat".into(),
            ));
        }
        let b = BBox {
            min_lon: v[0],
            min_lat: v[1],
            max_lon: v[2],
            max_lat: v[3],
        };
        check_position(b.min_lon, b.min_lat)?;
        check_position(b.max_lon, b.max_lat)?;
        if b.min_lon > b.max_lon || b.min_lat > b.max_lat {
            return Err(GeometryError(
                "bbox minimum is greater than its maximum".into(),
            ));
        }
        Ok(b)
    }

    /// Do the two boxes share any point?
    pub fn intersects(&self, o: &BBox) -> bool {
        self.min_lon <= o.max_lon
            && o.min_lon <= self.max_lon
            && self.min_lat <= o.max_lat
            && o.min_lat <= self.max_lat
    }

    /// Centre point.
    pub fn center(&self) -> (f64, f64) {
        (
            (self.min_lon + self.max_lon) / 2.0,
            (self.min_lat + self.max_lat) / 2.0,
        )
    }
}

/// A malformed geometry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GeometryError(pub String);

fn check_position(lon: f64, lat: f64) -> Result<(), GeometryError> {
    // `contains` is false for NaN, so this also refuses non-finite values.
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(GeometryError(format!(
            "position [{lon}, {lat}] is outside lon −180..180, lat −90..90"
        )));
    }
    Ok(())
}

fn position(v: &Value) -> Result<(f64, f64), GeometryError> {
    let a = v
        .as_array()
        .filter(|a| a.len() >= 2 && a.len() <= 3)
        .ok_or_else(|| GeometryError("a position must be [lon, lat] or [lon, lat, alt]".into()))?;
    let lon = a[0]
        .as_f64()
        .ok_or_else(|| GeometryError("longitude must be a number".into()))?;
    let lat = a[1]
        .as_f64()
        .ok_or_else(|| GeometryError("latitude must be a number".into()))?;
    check_position(lon, lat)?;
    Ok((lon, lat))
}

fn positions(v: &Value, min: usize) -> Result<Vec<(f64, f64)>, GeometryError> {
    let a = v
        .as_array()
        .ok_or_else(|| GeometryError("coordinates must be an array".into()))?;
    if a.len() < min {
        return Err(GeometryError(format!("needs at least {min} positions")));
    }
    a.iter().map(position).collect()
}

fn ring(v: &Value) -> Result<Vec<(f64, f64)>, GeometryError> {
    let r = positions(v, 4)?;
    if r.first() != r.last() {
        return Err(GeometryError(
            "a polygon ring must be closed (first position = last)".into(),
        ));
    }
    Ok(r)
}

fn polygon(v: &Value) -> Result<Vec<(f64, f64)>, GeometryError> {
    let rings = v
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| GeometryError("a polygon needs at least one ring".into()))?;
    let mut all = Vec::new();
    for r in rings {
        all.extend(ring(r)?);
    }
    Ok(all)
}

/// Checks a GeoJSON geometry object and returns all its positions.
fn walk(g: &Value) -> Result<Vec<(f64, f64)>, GeometryError> {
    let obj = g
        .as_object()
        .ok_or_else(|| GeometryError("geometry must be a GeoJSON object".into()))?;
    let ty = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| GeometryError("geometry has no \"type\"".into()))?;
    if ty == "GeometryCollection" {
        let gs = obj
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or_else(|| GeometryError("GeometryCollection needs \"geometries\"".into()))?;
        let mut all = Vec::new();
        for g in gs {
            all.extend(walk(g)?);
        }
        return Ok(all);
    }
    let c = obj
        .get("coordinates")
        .ok_or_else(|| GeometryError("geometry has no \"coordinates\"".into()))?;
    let arr = |v: &Value| -> Result<Vec<Value>, GeometryError> {
        v.as_array()
            .cloned()
            .ok_or_else(|| GeometryError("coordinates must be an array".into()))
    };
    match ty {
        "Point" => Ok(vec![position(c)?]),
        "MultiPoint" => positions(c, 1),
        "LineString" => positions(c, 2),
        "MultiLineString" => {
            let mut all = Vec::new();
            for l in arr(c)? {
                all.extend(positions(&l, 2)?);
            }
            Ok(all)
        }
        "Polygon" => polygon(c),
        "MultiPolygon" => {
            let mut all = Vec::new();
            for p in arr(c)? {
                all.extend(polygon(&p)?);
            }
            Ok(all)
        }
        other => Err(GeometryError(format!("unknown geometry type {other:?}"))),
    }
}

/// Checks that `g` is a well-formed GeoJSON geometry with positions in range.
pub fn validate(g: &Value) -> Result<(), GeometryError> {
    walk(g).map(|_| ())
}

/// Checks that `g` is a well-formed Polygon or MultiPolygon (an area: region or grid boundary).
pub fn validate_area(g: &Value) -> Result<(), GeometryError> {
    match g.get("type").and_then(Value::as_str) {
        Some("Polygon" | "MultiPolygon") => validate(g),
        _ => Err(GeometryError("must be a Polygon or MultiPolygon".into())),
    }
}

/// Bounding box of a valid geometry.
pub fn bbox(g: &Value) -> Option<BBox> {
    let pts = walk(g).ok()?;
    let mut b = BBox {
        min_lon: f64::INFINITY,
        min_lat: f64::INFINITY,
        max_lon: f64::NEG_INFINITY,
        max_lat: f64::NEG_INFINITY,
    };
    for (x, y) in pts {
        b.min_lon = b.min_lon.min(x);
        b.min_lat = b.min_lat.min(y);
        b.max_lon = b.max_lon.max(x);
        b.max_lat = b.max_lat.max(y);
    }
    b.min_lon.is_finite().then_some(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn point_and_polygon() {
        let p = json!({"type": "Point", "coordinates": [118.17, 36.18]});
        assert!(validate(&p).is_ok());
        assert_eq!(bbox(&p).unwrap().min_lon, 118.17);
        let poly = json!({"type": "Polygon", "coordinates": [[[118.0,36.0],[118.2,36.0],[118.2,36.2],[118.0,36.0]]]});
        assert!(validate_area(&poly).is_ok());
        assert_eq!(bbox(&poly).unwrap().max_lat, 36.2);
        assert!(validate_area(&p).is_err());
    }

    #[test]
    fn malformed_geometries_are_explained() {
        let open = json!({"type": "Polygon", "coordinates": [[[118.0,36.0],[118.2,36.0],[118.2,36.2],[118.0,36.1]]]});
        assert!(validate(&open).unwrap_err().0.contains("closed"));
        let far = json!({"type": "Point", "coordinates": [200.0, 36.0]});
        assert!(validate(&far).is_err());
        assert!(validate(&json!({"type": "Circle", "coordinates": []})).is_err());
        assert!(validate(&json!("Point")).is_err());
    }

    #[test]
    fn bbox_parse() {
        let b = BBox::parse("118,36,118.5,36.5").unwrap();
        assert!(b.intersects(&BBox::parse("118.4,36.4,119,37").unwrap()));
        assert!(!b.intersects(&BBox::parse("119,36,120,37").unwrap()));
        assert!(BBox::parse("1,2,3").is_err());
        assert!(BBox::parse("3,2,1,4").is_err());
    }
}
