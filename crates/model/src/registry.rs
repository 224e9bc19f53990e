//! Regions, grids, departments, kinds and entities: the registry of what a county manages.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::geometry::{self, BBox};
use crate::{validate_ident, Invalid, Result};

/// Level of an administrative division, read from the length of its code.
///
/// GB/T 2260 gives 6-digit codes down to counties; the statistical division codes extend them to
/// 9 digits for towns and streets and 12 digits for villages and communities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// Province, city or county (6 digits).
    County,
    /// Town (镇), township (乡) or street (街道) (9 digits).
    Town,
    /// Village (村) or community (社区) (12 digits).
    Village,
}

impl RegionLevel {
    /// The level implied by a code's length, or an error for anything that is not 6, 9 or 12 digits.
    pub fn from_code(code: &str) -> Result<RegionLevel> {
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new("code", "must be digits only (GB/T 2260)"));
        }
        match code.len() {
            6 => Ok(RegionLevel::County),
            9 => Ok(RegionLevel::Town),
            12 => Ok(RegionLevel::Village),
            _ => Err(Invalid::new(
                "code",
                "must be 6 (county), 9 (town/street) or 12 (village/community) digits",
            )),
        }
    }
}

/// An administrative division.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// GB/T 2260 / statistical division code, e.g. `370323` or `370323100`.
    pub code: String,
    /// Chinese name, e.g. `沂源县`.
    pub name: String,
    /// English or pinyin name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Derived from the code; ignored on input.
    #[serde(default = "default_level")]
    pub level: RegionLevel,
    /// Parent code; must be a prefix of `code` (a town's parent is its county).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Boundary as a GeoJSON geometry (Polygon or MultiPolygon), WGS84.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry: Option<Value>,
}

fn default_level() -> RegionLevel {
    RegionLevel::County
}

impl Region {
    /// Checks the code, the parent relation and the geometry; sets `level` from the code.
    pub fn validate(&mut self) -> Result<()> {
        self.level = RegionLevel::from_code(&self.code)?;
        check_name(&self.name)?;
        if let Some(p) = &self.parent {
            let pl = RegionLevel::from_code(p).map_err(|e| Invalid::new("parent", e.reason))?;
            if pl >= self.level || !self.code.starts_with(p.as_str()) {
                return Err(Invalid::new(
                    "parent",
                    format!("{p} cannot be the parent of {}", self.code),
                ));
            }
        } else if self.level != RegionLevel::County {
            // Infer the parent from the code, as GB/T 2260 codes nest.
            let plen = if self.level == RegionLevel::Village {
                9
            } else {
                6
            };
            self.parent = Some(self.code[..plen].to_string());
        }
        if let Some(g) = &self.geometry {
            geometry::validate_area(g).map_err(|e| Invalid::new("geometry", e.to_string()))?;
        }
        Ok(())
    }
}

/// A county bureau, a town government or another unit that owns things and answers for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Short identifier, e.g. `bigdata` or `eco-env`.
    pub id: String,
    /// Chinese name, e.g. `县大数据中心`.
    pub name: String,
    /// English name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Region it belongs to (a town government's town), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Department {
    /// Checks identifier and name.
    pub fn validate(&self) -> Result<()> {
        validate_ident("id", &self.id)?;
        check_name(&self.name)
    }
}

/// A governance grid (网格): a polygon inside a region, owned by one or more departments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// Identifier, e.g. `370323100-g01`.
    pub id: String,
    /// Name, e.g. `南麻街道第一网格`.
    pub name: String,
    /// The region that contains it.
    pub region: String,
    /// Owning departments (more than one = multi-grid fusion, 多网合一).
    #[serde(default)]
    pub departments: Vec<String>,
    /// Boundary (Polygon or MultiPolygon).
    pub geometry: Value,
}

impl Grid {
    /// Checks identifier, name, region code and geometry.
    pub fn validate(&self) -> Result<()> {
        validate_ident("id", &self.id)?;
        check_name(&self.name)?;
        RegionLevel::from_code(&self.region).map_err(|e| Invalid::new("region", e.reason))?;
        for d in &self.departments {
            validate_ident("departments", d)?;
        }
        geometry::validate_area(&self.geometry)
            .map_err(|e| Invalid::new("geometry", e.to_string()))?;
        Ok(())
    }
}

/// The type of an attribute or a metric value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// Any finite number.
    Number,
    /// A whole number.
    Integer,
    /// `true`/`false` (stored as 1/0 in history).
    Boolean,
    /// Text (attributes only; metrics are numeric).
    Text,
}

/// One attribute of a kind: a property that changes rarely (height, capacity, installation date).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    /// Key in `Entity::attributes`, e.g. `capacity`.
    pub name: String,
    /// Chinese label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Value type.
    #[serde(rename = "type")]
    pub ty: ValueType,
    /// Unit, e.g. `m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Must every entity of the kind carry it?
    #[serde(default)]
    pub required: bool,
}

/// One metric of a kind: a value that devices report over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    /// Name used in readings, e.g. `pm25`.
    pub name: String,
    /// Chinese label, e.g. `PM2.5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Unit, e.g. `µg/m³`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Value type; `text` is not allowed for metrics.
    #[serde(rename = "type", default = "default_metric_type")]
    pub ty: ValueType,
}

fn default_metric_type() -> ValueType {
    ValueType::Number
}

/// The schema of entities of one sort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    /// Identifier, e.g. `air_station`.
    pub id: String,
    /// Chinese name, e.g. `空气质量监测站`.
    pub name: String,
    /// English name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Attributes.
    #[serde(default)]
    pub attributes: Vec<AttributeDef>,
    /// Metrics.
    #[serde(default)]
    pub metrics: Vec<MetricDef>,
    /// Days of raw history kept; rollups are kept longer. `None` = the configured default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}

impl Kind {
    /// Checks names and that metric names are unique and numeric.
    pub fn validate(&self) -> Result<()> {
        validate_ident("id", &self.id)?;
        check_name(&self.name)?;
        let mut seen = std::collections::HashSet::new();
        for m in &self.metrics {
            validate_ident("metrics.name", &m.name)?;
            if m.ty == ValueType::Text {
                return Err(Invalid::new(
                    format!("metrics.{}", m.name),
                    "metrics must be number, integer or boolean",
                ));
            }
            if !seen.insert(m.name.as_str()) {
                return Err(Invalid::new(
                    format!("metrics.{}", m.name),
                    "duplicate metric",
                ));
            }
        }
        seen.clear();
        for a in &self.attributes {
            validate_ident("attributes.name", &a.name)?;
            if !seen.insert(a.name.as_str()) {
                return Err(Invalid::new(
                    format!("attributes.{}", a.name),
                    "duplicate attribute",
                ));
            }
        }
        if self.retention_days == Some(0) {
            return Err(Invalid::new("retention_days", "must be at least 1"));
        }
        Ok(())
    }

    /// The metric named `name`.
    pub fn metric(&self, name: &str) -> Option<&MetricDef> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// Checks an entity's attributes against this kind: required ones present, types right,
    /// no attribute the kind does not declare.
    pub fn check_attributes(&self, attrs: &Map<String, Value>) -> Result<()> {
        for a in &self.attributes {
            match attrs.get(&a.name) {
                None | Some(Value::Null) if a.required => {
                    return Err(Invalid::new(
                        format!("attributes.{}", a.name),
                        "required by the kind",
                    ))
                }
                None | Some(Value::Null) => {}
                Some(v) => {
                    let ok = match a.ty {
                        ValueType::Number => v.as_f64().is_some(),
                        ValueType::Integer => v.as_i64().is_some(),
                        ValueType::Boolean => v.is_boolean(),
                        ValueType::Text => v.is_string(),
                    };
                    if !ok {
                        return Err(Invalid::new(
                            format!("attributes.{}", a.name),
                            format!("expected {:?}", a.ty).to_lowercase(),
                        ));
                    }
                }
            }
        }
        if let Some(k) = attrs
            .keys()
            .find(|k| !self.attributes.iter().any(|a| &a.name == *k))
        {
            return Err(Invalid::new(
                format!("attributes.{k}"),
                format!("not an attribute of kind {}", self.id),
            ));
        }
        Ok(())
    }
}

/// Lifecycle status of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EntityStatus {
    /// In service.
    #[default]
    Active,
    /// Installed but not yet in service.
    Planned,
    /// Temporarily out of service.
    Maintenance,
    /// Permanently out of service; kept for history.
    Retired,
}

impl EntityStatus {
    /// The name used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityStatus::Active => "active",
            EntityStatus::Planned => "planned",
            EntityStatus::Maintenance => "maintenance",
            EntityStatus::Retired => "retired",
        }
    }

    /// Parses the storage name.
    pub fn parse(s: &str) -> Option<EntityStatus> {
        Some(match s {
            "active" => EntityStatus::Active,
            "planned" => EntityStatus::Planned,
            "maintenance" => EntityStatus::Maintenance,
            "retired" => EntityStatus::Retired,
            _ => return None,
        })
    }
}

/// Anything the platform manages: an air station, a streetlight, a meter, a parking lot...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// Identifier, unique in the deployment.
    pub id: String,
    /// Kind identifier.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Owning department.
    pub department: String,
    /// Region code.
    pub region: String,
    /// Location or shape (GeoJSON geometry, WGS84).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry: Option<Value>,
    /// Attributes, checked against the kind.
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// Lifecycle status.
    #[serde(default)]
    pub status: EntityStatus,
    /// Creation time (epoch ms); set by the server.
    #[serde(default)]
    pub created_ms: i64,
    /// Last change (epoch ms); set by the server.
    #[serde(default)]
    pub updated_ms: i64,
}

impl Entity {
    /// Checks the fields that need no lookup (the kind's attributes are checked by [`Kind::check_attributes`]).
    pub fn validate(&self) -> Result<()> {
        validate_ident("id", &self.id)?;
        validate_ident("kind", &self.kind)?;
        validate_ident("department", &self.department)?;
        check_name(&self.name)?;
        RegionLevel::from_code(&self.region).map_err(|e| Invalid::new("region", e.reason))?;
        if let Some(g) = &self.geometry {
            geometry::validate(g).map_err(|e| Invalid::new("geometry", e.to_string()))?;
        }
        Ok(())
    }

    /// Bounding box of the geometry, if it has one.
    pub fn bbox(&self) -> Option<BBox> {
        self.geometry.as_ref().and_then(geometry::bbox)
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Invalid::new("name", "must not be empty"));
    }
    if name.chars().count() > 200 {
        return Err(Invalid::new("name", "at most 200 characters"));
    }
    Ok(())
}

/// Filters for listing entities. All given filters must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntityQuery {
    /// Kind identifier.
    pub kind: Option<String>,
    /// Owning department (forced to the caller's own for `department` users).
    pub department: Option<String>,
    /// Region code; matches the region and everything below it.
    pub region: Option<String>,
    /// Only entities whose geometry's bounding box intersects this one.
    pub bbox: Option<BBox>,
    /// Text matched against id and name (substring, case-insensitive for ASCII).
    pub text: Option<String>,
    /// Return entities with id greater than this (the previous page's `next_cursor`).
    pub after: Option<String>,
    /// Page size (1–1000).
    pub limit: usize,
}

/// One page of a listing, with the cursor for the next one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn region_parent_is_inferred_and_checked() {
        let mut r = Region {
            code: "370323100".into(),
            name: "南麻街道".into(),
            name_en: None,
            level: RegionLevel::County,
            parent: None,
            geometry: None,
        };
        r.validate().unwrap();
        assert_eq!(r.level, RegionLevel::Town);
        assert_eq!(r.parent.as_deref(), Some("370323"));
        r.parent = Some("370322".into());
        assert_eq!(r.validate().unwrap_err().field, "parent");
    }

    #[test]
    fn attributes_are_checked_against_the_kind() {
        let kind: Kind = serde_json::from_value(json!({
            "id": "parking_lot", "name": "停车场",
            "attributes": [{"name": "capacity", "type": "integer", "required": true}],
            "metrics": [{"name": "occupied", "type": "integer"}]
        }))
        .unwrap();
        kind.validate().unwrap();
        let ok = json!({"capacity": 120}).as_object().unwrap().clone();
        assert!(kind.check_attributes(&ok).is_ok());
        let missing = Map::new();
        assert_eq!(
            kind.check_attributes(&missing).unwrap_err().field,
            "attributes.capacity"
        );
        let wrong = json!({"capacity": "many"}).as_object().unwrap().clone();
        assert!(kind.check_attributes(&wrong).is_err());
        let extra = json!({"capacity": 1, "colour": "red"})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            kind.check_attributes(&extra).unwrap_err().field,
            "attributes.colour"
        );
    }

    #[test]
    fn text_metrics_are_refused() {
        let kind: Kind = serde_json::from_value(json!({
            "id": "k", "name": "k", "metrics": [{"name": "note", "type": "text"}]
        }))
        .unwrap();
        assert!(kind.validate().is_err());
    }
}
