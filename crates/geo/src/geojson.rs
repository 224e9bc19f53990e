//! GeoJSON (RFC 7946) in and out.
//!
//! Decoding is for untrusted input (uploads, API bodies, imported boundary files): it reads
//! JSON once, walks it into [`geo`] types, and refuses with a [`DecodeError`] that names the
//! place (`features[3].geometry.coordinates[0][5]`) and the reason: wrong type, unclosed ring,
//! too few positions, a coordinate out of lon −180..180 / lat −90..90, over a size limit.
//! It never panics (fuzzed: `crates/geo/fuzz`). Sizes are bounded by [`Limits`]; peak memory is
//! about 20 times the input size (the parsed JSON tree), so set `max_bytes` to what a caller
//! may send — the web layer caps bodies before this anyway.
//!
//! Accepted: a Geometry, a Feature or a FeatureCollection at the top. Positions are
//! `[lon, lat]` with up to two further numbers (altitude, measure) that are ignored. Polygon
//! rings must be closed and have at least four positions; ring orientation is not enforced
//! (RFC 7946 says parsers should not reject on it). Empty `Multi*` coordinates are refused
//! ("nothing there" is better said with `null` geometry); an empty GeometryCollection is
//! accepted. Foreign members are ignored.
//!
//! Encoding goes through the [`::geojson`] crate's types, so callers can also build on them.
//!
//! ```
//! use zhicheng_geo::geojson::{self, DecodeError};
//! let g = geojson::parse_geometry(br#"{"type":"Point","coordinates":[118.17,36.18]}"#)?;
//! assert_eq!(g, geo::Geometry::Point(geo::Point::new(118.17, 36.18)));
//! assert_eq!(geojson::write_geometry(&g), r#"{"type":"Point","coordinates":[118.17,36.18]}"#);
//!
//! let open = br#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#;
//! let err = geojson::parse_area(open).unwrap_err();
//! assert!(matches!(err, DecodeError::UnclosedRing { .. }));
//! assert_eq!(err.to_string(), "coordinates[0]: polygon ring is not closed (its last position must equal its first)");
//! # Ok::<(), DecodeError>(())
//! ```

use std::fmt;

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};
use serde_json::{Map, Value};

/// Bounds on what a decoder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input in bytes (default 64 MiB: a county's grid boundaries at full detail).
    pub max_bytes: usize,
    /// Most positions in all geometries together (default 4,000,000).
    pub max_positions: usize,
    /// Most features in a FeatureCollection, or geometries in all GeometryCollections
    /// (default 200,000).
    pub max_features: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 << 20,
            max_positions: 4_000_000,
            max_features: 200_000,
        }
    }
}

/// Where in the document an error is: `features[3].geometry.coordinates[0][5]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path(String);

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(top level)")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// Why a GeoJSON document was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// The input is larger than [`Limits::max_bytes`].
    #[error("GeoJSON is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// Input size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input is not JSON (or nests deeper than 128 levels); the parser's message.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// A member is missing or of the wrong JSON kind, e.g. `"type"` absent or `"features"` not
    /// an array.
    #[error("{path}: {reason}")]
    Malformed {
        /// Where.
        path: Path,
        /// What is wrong, in words.
        reason: String,
    },
    /// A GeoJSON object of another type than this place (or the caller) needs.
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        /// Where.
        path: Path,
        /// What was needed, e.g. `"Polygon or MultiPolygon"`.
        expected: &'static str,
        /// The `"type"` found.
        found: String,
    },
    /// A position that is not an array of two to four numbers.
    #[error("{path}: a position must be [longitude, latitude] (optionally with altitude)")]
    BadPosition {
        /// Where.
        path: Path,
    },
    /// A coordinate outside longitude −180..180 or latitude −90..90 (or not finite).
    #[error("{path}: [{lon}, {lat}] is outside longitude −180..180, latitude −90..90")]
    BadCoordinate {
        /// Where.
        path: Path,
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// A line or ring with fewer positions than it needs.
    #[error("{path}: {what} needs at least {min} positions, found {found}")]
    TooFewPositions {
        /// Where.
        path: Path,
        /// `"LineString"` or `"polygon ring"`.
        what: &'static str,
        /// The minimum.
        min: usize,
        /// Found.
        found: usize,
    },
    /// A polygon ring whose last position differs from its first.
    #[error("{path}: polygon ring is not closed (its last position must equal its first)")]
    UnclosedRing {
        /// Where (the ring).
        path: Path,
    },
    /// A Polygon without rings, or a `Multi*` geometry without members.
    #[error("{path}: {what} is empty")]
    Empty {
        /// Where.
        path: Path,
        /// What kind of geometry.
        what: &'static str,
    },
    /// More positions than [`Limits::max_positions`].
    #[error("more than {max} positions")]
    TooManyPositions {
        /// The limit.
        max: usize,
    },
    /// More features (or collected geometries) than [`Limits::max_features`].
    #[error("more than {max} features or geometries")]
    TooManyFeatures {
        /// The limit.
        max: usize,
    },
    /// A feature with `"geometry": null` (or none) where a geometry is needed.
    #[error("{path}: feature has no geometry")]
    MissingGeometry {
        /// Where (the feature).
        path: Path,
    },
    /// A feature without an identifier where one is needed.
    #[error("{path}: feature has no \"id\" and no property {property:?}")]
    MissingId {
        /// Where (the feature).
        path: Path,
        /// The property that was looked for.
        property: String,
    },
}

/// A decoded feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The feature's `"id"`, a number written as its JSON text.
    pub id: Option<String>,
    /// The `"properties"` (empty when null or absent).
    pub properties: Map<String, Value>,
    /// The geometry, or `None` for `"geometry": null`.
    pub geometry: Option<Geometry>,
}

impl Feature {
    /// The geometry as an area, if it is a Polygon or MultiPolygon.
    pub fn area(&self) -> Option<MultiPolygon> {
        match &self.geometry {
            Some(Geometry::Polygon(p)) => Some(MultiPolygon(vec![p.clone()])),
            Some(Geometry::MultiPolygon(m)) => Some(m.clone()),
            _ => None,
        }
    }

    /// The `"id"` member, else the property `name` if it is a string or number.
    pub fn id_or_property(&self, name: &str) -> Option<String> {
        self.id
            .clone()
            .or_else(|| match self.properties.get(name)? {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    }

    /// As a [`::geojson::Feature`], for writing.
    pub fn to_geojson(&self) -> ::geojson::Feature {
        ::geojson::Feature {
            bbox: None,
            geometry: self.geometry.as_ref().map(to_geometry),
            id: self.id.clone().map(::geojson::feature::Id::String),
            properties: Some(self.properties.clone()),
            foreign_members: None,
        }
    }
}

/// A decoder with its [`Limits`]; the free functions of this module use the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct Decoder {
    /// The bounds applied.
    pub limits: Limits,
}

impl Decoder {
    /// A decoder with `limits`.
    pub fn new(limits: Limits) -> Decoder {
        Decoder { limits }
    }

    fn json(&self, bytes: &[u8]) -> Result<Value, DecodeError> {
        if bytes.len() > self.limits.max_bytes {
            return Err(DecodeError::TooLarge {
                len: bytes.len(),
                max: self.limits.max_bytes,
            });
        }
        serde_json::from_slice(bytes).map_err(|e| DecodeError::Json(e.to_string()))
    }

    /// Every feature of a FeatureCollection; a single Feature, or a bare Geometry (as one
    /// feature without id or properties), is accepted too.
    pub fn features(&self, bytes: &[u8]) -> Result<Vec<Feature>, DecodeError> {
        self.features_from_value(&self.json(bytes)?)
    }

    /// [`features`](Self::features) from already-parsed JSON.
    pub fn features_from_value(&self, v: &Value) -> Result<Vec<Feature>, DecodeError> {
        let mut w = Walker::new(self.limits);
        let obj = w.object(v)?;
        match w.type_of(obj)? {
            "FeatureCollection" => {
                w.push_key("features");
                let arr = obj
                    .get("features")
                    .and_then(Value::as_array)
                    .ok_or_else(|| w.malformed("\"features\" must be an array"))?;
                w.pop();
                if arr.len() > self.limits.max_features {
                    return Err(DecodeError::TooManyFeatures {
                        max: self.limits.max_features,
                    });
                }
                let mut out = Vec::with_capacity(arr.len());
                for (i, f) in arr.iter().enumerate() {
                    w.push_key("features");
                    w.push_index(i);
                    out.push(w.feature(f)?);
                    w.pop();
                    w.pop();
                }
                Ok(out)
            }
            "Feature" => Ok(vec![w.feature(v)?]),
            _ => Ok(vec![Feature {
                id: None,
                properties: Map::new(),
                geometry: Some(w.geometry(v)?),
            }]),
        }
    }

    /// One geometry: a Geometry object, or a Feature's geometry.
    pub fn geometry(&self, bytes: &[u8]) -> Result<Geometry, DecodeError> {
        self.geometry_from_value(&self.json(bytes)?)
    }

    /// [`geometry`](Self::geometry) from already-parsed JSON — e.g. the GeoJSON geometry
    /// stored on an entity.
    pub fn geometry_from_value(&self, v: &Value) -> Result<Geometry, DecodeError> {
        let mut w = Walker::new(self.limits);
        let obj = w.object(v)?;
        match w.type_of(obj)? {
            "Feature" => w.feature(v)?.geometry.ok_or(DecodeError::MissingGeometry {
                path: Path::default(),
            }),
            "FeatureCollection" => Err(DecodeError::WrongType {
                path: Path::default(),
                expected: "a Geometry or a Feature",
                found: "FeatureCollection".into(),
            }),
            _ => w.geometry(v),
        }
    }

    /// One area: a Polygon or MultiPolygon geometry, or a Feature with one.
    pub fn area(&self, bytes: &[u8]) -> Result<MultiPolygon, DecodeError> {
        self.area_from_value(&self.json(bytes)?)
    }

    /// [`area`](Self::area) from already-parsed JSON.
    pub fn area_from_value(&self, v: &Value) -> Result<MultiPolygon, DecodeError> {
        match self.geometry_from_value(v)? {
            Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
            Geometry::MultiPolygon(m) => Ok(m),
            other => Err(DecodeError::WrongType {
                path: Path::default(),
                expected: "Polygon or MultiPolygon",
                found: geometry_type(&other).into(),
            }),
        }
    }

    /// `(id, area)` for every feature, ready for [`crate::FenceIndex::build`]: the id is the
    /// feature's `"id"`, else its property `id_property`; every feature must have an id and a
    /// Polygon or MultiPolygon geometry.
    pub fn fences(
        &self,
        bytes: &[u8],
        id_property: &str,
    ) -> Result<Vec<(String, MultiPolygon)>, DecodeError> {
        let features = self.features(bytes)?;
        let mut out = Vec::with_capacity(features.len());
        for (i, f) in features.into_iter().enumerate() {
            let path = Path(format!("features[{i}]"));
            let id = f
                .id_or_property(id_property)
                .ok_or_else(|| DecodeError::MissingId {
                    path: path.clone(),
                    property: id_property.to_owned(),
                })?;
            let area = match f.geometry {
                Some(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
                Some(Geometry::MultiPolygon(m)) => m,
                Some(other) => {
                    return Err(DecodeError::WrongType {
                        path: Path(format!("features[{i}].geometry")),
                        expected: "Polygon or MultiPolygon",
                        found: geometry_type(&other).into(),
                    })
                }
                None => return Err(DecodeError::MissingGeometry { path }),
            };
            out.push((id, area));
        }
        Ok(out)
    }
}

/// [`Decoder::features`] with default limits.
pub fn parse_features(bytes: &[u8]) -> Result<Vec<Feature>, DecodeError> {
    Decoder::default().features(bytes)
}

/// [`Decoder::geometry`] with default limits.
pub fn parse_geometry(bytes: &[u8]) -> Result<Geometry, DecodeError> {
    Decoder::default().geometry(bytes)
}

/// [`Decoder::area`] with default limits.
pub fn parse_area(bytes: &[u8]) -> Result<MultiPolygon, DecodeError> {
    Decoder::default().area(bytes)
}

/// [`Decoder::fences`] with default limits.
pub fn parse_fences(
    bytes: &[u8],
    id_property: &str,
) -> Result<Vec<(String, MultiPolygon)>, DecodeError> {
    Decoder::default().fences(bytes, id_property)
}

/// [`Decoder::geometry_from_value`] with default limits.
pub fn geometry_from_value(v: &Value) -> Result<Geometry, DecodeError> {
    Decoder::default().geometry_from_value(v)
}

/// The GeoJSON `"type"` name of a geometry (`Rect`, `Line` and `Triangle` are written as
/// Polygon, LineString and Polygon).
pub fn geometry_type(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// A geometry as a [`::geojson::Geometry`].
pub fn to_geometry(g: &Geometry) -> ::geojson::Geometry {
    ::geojson::Geometry::new(::geojson::Value::from(g))
}

/// A geometry as GeoJSON text.
pub fn write_geometry(g: &Geometry) -> String {
    to_geometry(g).to_string()
}

/// Features as a GeoJSON FeatureCollection text.
pub fn write_features(features: &[Feature]) -> String {
    ::geojson::FeatureCollection {
        bbox: None,
        features: features.iter().map(Feature::to_geojson).collect(),
        foreign_members: None,
    }
    .to_string()
}

enum Seg {
    Key(&'static str),
    Index(usize),
}

/// Walks the JSON tree, keeping the path for errors and counting against the limits.
struct Walker {
    limits: Limits,
    positions: usize,
    geometries: usize,
    path: Vec<Seg>,
}

impl Walker {
    fn new(limits: Limits) -> Walker {
        Walker {
            limits,
            positions: 0,
            geometries: 0,
            path: Vec::new(),
        }
    }

    fn push_key(&mut self, k: &'static str) {
        self.path.push(Seg::Key(k));
    }

    fn push_index(&mut self, i: usize) {
        self.path.push(Seg::Index(i));
    }

    fn pop(&mut self) {
        self.path.pop();
    }

    fn path(&self) -> Path {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Seg::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        Path(s)
    }

    fn malformed(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::Malformed {
            path: self.path(),
            reason: reason.into(),
        }
    }

    fn object<'v>(&self, v: &'v Value) -> Result<&'v Map<String, Value>, DecodeError> {
        v.as_object()
            .ok_or_else(|| self.malformed("expected a GeoJSON object"))
    }

    fn type_of<'v>(&self, obj: &'v Map<String, Value>) -> Result<&'v str, DecodeError> {
        obj.get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| self.malformed("missing \"type\" string"))
    }

    fn feature(&mut self, v: &Value) -> Result<Feature, DecodeError> {
        let obj = self.object(v)?;
        let ty = self.type_of(obj)?;
        if ty != "Feature" {
            return Err(DecodeError::WrongType {
                path: self.path(),
                expected: "Feature",
                found: ty.to_owned(),
            });
        }
        let id = match obj.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => return Err(self.malformed("\"id\" must be a string or a number")),
        };
        let properties = match obj.get("properties") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(self.malformed("\"properties\" must be an object or null")),
        };
        let geometry = match obj.get("geometry") {
            None | Some(Value::Null) => None,
            Some(g) => {
                self.push_key("geometry");
                let g = self.geometry(g)?;
                self.pop();
                Some(g)
            }
        };
        Ok(Feature {
            id,
            properties,
            geometry,
        })
    }

    fn geometry(&mut self, v: &Value) -> Result<Geometry, DecodeError> {
        self.geometries += 1;
        if self.geometries > self.limits.max_features {
            return Err(DecodeError::TooManyFeatures {
                max: self.limits.max_features,
            });
        }
        let obj = self.object(v)?;
        let ty = self.type_of(obj)?;
        if ty == "GeometryCollection" {
            self.push_key("geometries");
            let arr = obj
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or_else(|| self.malformed("\"geometries\" must be an array"))?;
            let mut gs = Vec::with_capacity(arr.len().min(1024));
            for (i, g) in arr.iter().enumerate() {
                self.push_index(i);
                gs.push(self.geometry(g)?);
                self.pop();
            }
            self.pop();
            return Ok(Geometry::GeometryCollection(GeometryCollection(gs)));
        }
        if !matches!(
            ty,
            "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "Polygon" | "MultiPolygon"
        ) {
            return Err(DecodeError::WrongType {
                path: self.path(),
                expected: "a GeoJSON geometry type",
                found: ty.to_owned(),
            });
        }
        let c = obj
            .get("coordinates")
            .ok_or_else(|| self.malformed("missing \"coordinates\""))?;
        self.push_key("coordinates");
        let g = match ty {
            "Point" => Geometry::Point(Point(self.position(c)?)),
            "MultiPoint" => {
                let pts = self.non_empty(c, "MultiPoint")?;
                Geometry::MultiPoint(MultiPoint(self.each(pts, |w, p| w.position(p).map(Point))?))
            }
            "LineString" => Geometry::LineString(self.line(c)?),
            "MultiLineString" => {
                let ls = self.non_empty(c, "MultiLineString")?;
                Geometry::MultiLineString(MultiLineString(self.each(ls, Walker::line)?))
            }
            "Polygon" => Geometry::Polygon(self.polygon(c)?),
            "MultiPolygon" => {
                let ps = self.non_empty(c, "MultiPolygon")?;
                Geometry::MultiPolygon(MultiPolygon(self.each(ps, Walker::polygon)?))
            }
            _ => unreachable!("geometry types are checked above"),
        };
        self.pop();
        Ok(g)
    }

    fn array<'v>(&self, v: &'v Value) -> Result<&'v [Value], DecodeError> {
        v.as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| self.malformed("expected an array"))
    }

    fn non_empty<'v>(&self, v: &'v Value, what: &'static str) -> Result<&'v [Value], DecodeError> {
        let a = self.array(v)?;
        if a.is_empty() {
            return Err(DecodeError::Empty {
                path: self.path(),
                what,
            });
        }
        Ok(a)
    }

    fn each<T>(
        &mut self,
        items: &[Value],
        mut f: impl FnMut(&mut Walker, &Value) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            self.push_index(i);
            out.push(f(self, item)?);
            self.pop();
        }
        Ok(out)
    }

    fn position(&mut self, v: &Value) -> Result<Coord, DecodeError> {
        self.positions += 1;
        if self.positions > self.limits.max_positions {
            return Err(DecodeError::TooManyPositions {
                max: self.limits.max_positions,
            });
        }
        let a = v
            .as_array()
            .filter(|a| (2..=4).contains(&a.len()) && a.iter().all(Value::is_number))
            .ok_or_else(|| DecodeError::BadPosition { path: self.path() })?;
        let (lon, lat) = (
            a[0].as_f64().unwrap_or(f64::NAN),
            a[1].as_f64().unwrap_or(f64::NAN),
        );
        crate::check_coord((lon, lat)).map_err(|_| DecodeError::BadCoordinate {
            path: self.path(),
            lon,
            lat,
        })
    }

    fn positions(
        &mut self,
        v: &Value,
        what: &'static str,
        min: usize,
    ) -> Result<Vec<Coord>, DecodeError> {
        let a = self.array(v)?;
        if a.len() < min {
            return Err(DecodeError::TooFewPositions {
                path: self.path(),
                what,
                min,
                found: a.len(),
            });
        }
        self.each(a, Walker::position)
    }

    fn line(&mut self, v: &Value) -> Result<LineString, DecodeError> {
        Ok(LineString(self.positions(v, "LineString", 2)?))
    }

    fn ring(&mut self, v: &Value) -> Result<LineString, DecodeError> {
        let r = self.positions(v, "polygon ring", 4)?;
        if r.first() != r.last() {
            return Err(DecodeError::UnclosedRing { path: self.path() });
        }
        Ok(LineString(r))
    }

    fn polygon(&mut self, v: &Value) -> Result<Polygon, DecodeError> {
        let rings = self.non_empty(v, "Polygon")?;
        let mut rings = self.each(rings, Walker::ring)?.into_iter();
        let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
        Ok(Polygon::new(exterior, rings.collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_geometry_type_round_trips() {
        let doc = br#"{"type":"GeometryCollection","geometries":[
            {"type":"Point","coordinates":[118.1,36.1,12.5]},
            {"type":"MultiPoint","coordinates":[[118.1,36.1],[118.2,36.2]]},
            {"type":"LineString","coordinates":[[118.1,36.1],[118.2,36.2]]},
            {"type":"MultiLineString","coordinates":[[[118.1,36.1],[118.2,36.2]]]},
            {"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]},
            {"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}]}"#;
        let g = parse_geometry(doc).unwrap();
        let Geometry::GeometryCollection(gc) = &g else {
            panic!("{g:?}")
        };
        assert_eq!(gc.0.len(), 6);
        let Geometry::Polygon(p) = &gc.0[4] else {
            panic!()
        };
        assert_eq!(p.interiors().len(), 1);
        let again = parse_geometry(write_geometry(&g).as_bytes()).unwrap();
        assert_eq!(again, g);
    }

    #[test]
    fn errors_name_the_place() {
        let cases: &[(&[u8], &str)] = &[
            (b"{", "not valid JSON"),
            (b"[]", "(top level): expected a GeoJSON object"),
            (br#"{"coordinates":[1,2]}"#, "missing \"type\""),
            (br#"{"type":"Circle","coordinates":[1,2]}"#, "(top level): expected a GeoJSON geometry type, found Circle"),
            (br#"{"type":"Point","coordinates":[1]}"#, "coordinates: a position must be"),
            (br#"{"type":"Point","coordinates":["1","2"]}"#, "a position must be"),
            (br#"{"type":"Point","coordinates":[181,2]}"#, "coordinates: [181, 2] is outside"),
            (br#"{"type":"Point","coordinates":[1,-90.5]}"#, "is outside"),
            (br#"{"type":"Point","coordinates":[1e400,2]}"#, "not valid JSON"),
            (br#"{"type":"LineString","coordinates":[[1,2]]}"#, "coordinates: LineString needs at least 2 positions, found 1"),
            (br#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#, "coordinates[0]: polygon ring needs at least 4 positions, found 3"),
            (br#"{"type":"Polygon","coordinates":[]}"#, "coordinates: Polygon is empty"),
            (br#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[1,0],[1,1],[0,1]]]]}"#, "coordinates[1][0]: polygon ring is not closed"),
            (br#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null},{"type":"Feature","geometry":{"type":"Point","coordinates":[0,91]}}]}"#, "features[1].geometry.coordinates: [0, 91] is outside"),
            (br#"{"type":"FeatureCollection","features":{}}"#, "features: \"features\" must be an array"),
            (br#"{"type":"FeatureCollection","features":[{"type":"Point","coordinates":[0,0]}]}"#, "features[0]: expected Feature, found Point"),
        ];
        for (doc, want) in cases {
            let err = parse_features(doc).unwrap_err().to_string();
            assert!(
                err.contains(want),
                "{}: {err:?} lacks {want:?}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    #[test]
    fn limits_are_enforced() {
        let small = Decoder::new(Limits {
            max_bytes: 200,
            max_positions: 3,
            max_features: 2,
        });
        let long = br#"{"type":"LineString","coordinates":[[0,0],[1,1],[2,2],[3,3]]}"#;
        assert_eq!(
            small.geometry(long).unwrap_err(),
            DecodeError::TooManyPositions { max: 3 }
        );
        assert!(matches!(
            small.geometry(&[b' '; 201]),
            Err(DecodeError::TooLarge { len: 201, max: 200 })
        ));
        let fc = br#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null},{"type":"Feature","geometry":null},{"type":"Feature","geometry":null}]}"#;
        assert_eq!(
            small.features(fc).unwrap_err(),
            DecodeError::TooManyFeatures { max: 2 }
        );
        // Deep nesting is refused by the JSON parser, not by a stack overflow.
        let deep = format!(
            "{}{}",
            r#"{"type":"GeometryCollection","geometries":["#.repeat(200),
            "]}".repeat(200)
        );
        assert!(matches!(
            parse_geometry(deep.as_bytes()),
            Err(DecodeError::Json(_))
        ));
    }

    #[test]
    fn features_and_fences() {
        let fc = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","id":7,"properties":{"name":"东城"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
            {"type":"Feature","properties":{"code":"370323001"},"geometry":{"type":"MultiPolygon","coordinates":[[[[2,2],[3,2],[3,3],[2,2]]]]}}]}"#
            .as_bytes();
        let fs = parse_features(fc).unwrap();
        assert_eq!(fs[0].id.as_deref(), Some("7"));
        assert_eq!(fs[0].properties["name"], "东城");
        let fences = parse_fences(fc, "code").unwrap();
        assert_eq!(fences[0].0, "7");
        assert_eq!(fences[1].0, "370323001");
        let err = parse_fences(fc, "nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "features[1]: feature has no \"id\" and no property \"nope\""
        );
        let text = write_features(&fs);
        assert_eq!(parse_features(text.as_bytes()).unwrap(), fs);
        let pt = br#"{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[0,0]}}"#;
        assert!(matches!(
            parse_fences(pt, "id"),
            Err(DecodeError::WrongType {
                expected: "Polygon or MultiPolygon",
                ..
            })
        ));
        assert!(matches!(parse_area(pt), Err(DecodeError::WrongType { .. })));
        let area = parse_area(br#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#).unwrap();
        assert_eq!(area.0.len(), 1);
        assert!(matches!(
            parse_geometry(br#"{"type":"Feature","geometry":null}"#),
            Err(DecodeError::MissingGeometry { .. })
        ));
    }
}
