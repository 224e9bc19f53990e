//! Imports of entities, regions and grids from GeoJSON and CSV, row by row: good rows are
//! stored, each bad row is reported with its number and the reason.

use serde::Serialize;
use serde_json::{Map, Value};
use zhicheng_model::{Actor, Entity, EntityStatus, Grid, Region, RegionLevel, ValueType};

use crate::error::invalid;
use crate::{Engine, Error, Result};

/// What an import is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Entities.
    Entities,
    /// Regions.
    Regions,
    /// Grids.
    Grids,
}

/// The format of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A GeoJSON FeatureCollection.
    GeoJson,
    /// CSV with a header row.
    Csv,
}

impl Format {
    /// Guesses the format from a file name or content type.
    pub fn guess(name: &str) -> Option<Format> {
        let n = name.to_ascii_lowercase();
        if n.ends_with(".geojson") || n.ends_with(".json") || n.contains("json") {
            Some(Format::GeoJson)
        } else if n.ends_with(".csv") || n.contains("csv") {
            Some(Format::Csv)
        } else {
            None
        }
    }
}

/// One refused row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// Row number: the CSV line (header = 1) or the feature's position (1-based).
    pub row: usize,
    /// The id in the row, if it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why it was refused.
    pub error: String,
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    /// Rows stored.
    pub imported: usize,
    /// Rows refused.
    pub errors: Vec<RowError>,
}

/// A record read from a file: its row number, an id if any, properties, geometry.
struct Record {
    row: usize,
    props: Map<String, Value>,
    geometry: Option<Value>,
}

fn parse(format: Format, body: &[u8]) -> Result<(Vec<Record>, Vec<RowError>)> {
    match format {
        Format::GeoJson => {
            let v: Value = serde_json::from_slice(body)
                .map_err(|e| invalid("file", format!("not JSON: {e}")))?;
            let features = match v.get("type").and_then(Value::as_str) {
                Some("FeatureCollection") => {
                    v.get("features")
                        .and_then(Value::as_array)
                        .cloned()
                        .ok_or_else(|| invalid("file", "FeatureCollection without \"features\""))?
                }
                Some("Feature") => vec![v],
                _ => return Err(invalid("file", "expected a GeoJSON FeatureCollection")),
            };
            let mut out = Vec::new();
            let mut errors = Vec::new();
            for (i, f) in features.into_iter().enumerate() {
                let row = i + 1;
                let Some(obj) = f.as_object() else {
                    errors.push(RowError {
                        row,
                        id: None,
                        error: "feature is not an object".into(),
                    });
                    continue;
                };
                let mut props = obj
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                if let Some(id) = obj.get("id") {
                    let id = match id {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    props.entry("id").or_insert(Value::String(id));
                }
                let geometry = obj.get("geometry").filter(|g| !g.is_null()).cloned();
                out.push(Record {
                    row,
                    props,
                    geometry,
                });
            }
            Ok((out, errors))
        }
        Format::Csv => {
            let mut rdr = csv::ReaderBuilder::new()
                .flexible(false)
                .trim(csv::Trim::All)
                .from_reader(body);
            let headers = rdr
                .headers()
                .map_err(|e| invalid("file", format!("CSV header: {e}")))?
                .clone();
            let mut out = Vec::new();
            let mut errors = Vec::new();
            for (i, rec) in rdr.records().enumerate() {
                let row = i + 2;
                let rec = match rec {
                    Ok(r) => r,
                    Err(e) => {
                        errors.push(RowError {
                            row,
                            id: None,
                            error: format!("CSV: {e}"),
                        });
                        continue;
                    }
                };
                let mut props = Map::new();
                for (h, v) in headers.iter().zip(rec.iter()) {
                    if !v.is_empty() {
                        props.insert(h.to_string(), Value::String(v.to_string()));
                    }
                }
                // lon/lat columns become a Point; a `geometry` column may hold GeoJSON text.
                let mut geometry = None;
                if let Some(g) = props.remove("geometry") {
                    match serde_json::from_str::<Value>(g.as_str().unwrap_or_default()) {
                        Ok(v) => geometry = Some(v),
                        Err(e) => {
                            errors.push(RowError {
                                row,
                                id: str_prop(&props, "id"),
                                error: format!("geometry: not GeoJSON: {e}"),
                            });
                            continue;
                        }
                    }
                }
                let lon = props.remove("lon");
                let lat = props.remove("lat");
                match (lon, lat) {
                    (Some(lo), Some(la)) => {
                        let p = (
                            lo.as_str().unwrap_or("").parse::<f64>(),
                            la.as_str().unwrap_or("").parse::<f64>(),
                        );
                        match p {
                            (Ok(x), Ok(y)) => {
                                geometry = Some(
                                    serde_json::json!({"type": "Point", "coordinates": [x, y]}),
                                )
                            }
                            _ => {
                                errors.push(RowError {
                                    row,
                                    id: str_prop(&props, "id"),
                                    error: "lon/lat: not numbers".into(),
                                });
                                continue;
                            }
                        }
                    }
                    (None, None) => {}
                    _ => {
                        errors.push(RowError {
                            row,
                            id: str_prop(&props, "id"),
                            error: "lon/lat: give both or neither".into(),
                        });
                        continue;
                    }
                }
                out.push(Record {
                    row,
                    props,
                    geometry,
                });
            }
            Ok((out, errors))
        }
    }
}

fn str_prop(p: &Map<String, Value>, k: &str) -> Option<String> {
    match p.get(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn take_str(p: &mut Map<String, Value>, k: &str) -> std::result::Result<String, String> {
    match p.remove(k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(format!("{k}: required")),
    }
}

/// CSV cells are text: convert them to the attribute's declared type.
fn coerce(v: Value, ty: ValueType) -> std::result::Result<Value, String> {
    let Value::String(s) = &v else { return Ok(v) };
    match ty {
        ValueType::Text => Ok(v),
        ValueType::Number => s
            .parse::<f64>()
            .map(Value::from)
            .map_err(|_| format!("{s:?} is not a number")),
        ValueType::Integer => s
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{s:?} is not an integer")),
        ValueType::Boolean => match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "是" => Ok(Value::Bool(true)),
            "false" | "0" | "no" | "否" => Ok(Value::Bool(false)),
            _ => Err(format!("{s:?} is not true/false")),
        },
    }
}

impl Engine {
    /// Imports a file. With `dry_run`, checks every row and stores nothing.
    pub async fn import(
        &self,
        actor: &Actor,
        target: Target,
        format: Format,
        body: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport> {
        let (records, mut errors) = parse(format, body)?;
        let mut imported = 0;
        match target {
            Target::Entities => {
                let mut good = Vec::new();
                let mut ids = std::collections::HashSet::new();
                for r in records {
                    let id = str_prop(&r.props, "id");
                    match self.entity_from_record(actor, r.props, r.geometry).await {
                        Ok(e) if !ids.insert(e.id.clone()) => errors.push(RowError {
                            row: r.row,
                            id,
                            error: "id repeated in this file".into(),
                        }),
                        Ok(e) => good.push(e),
                        Err(e) => errors.push(RowError {
                            row: r.row,
                            id,
                            error: error_text(&e),
                        }),
                    }
                }
                if !dry_run {
                    for chunk in good.chunks(1000) {
                        self.insert_checked_entities(chunk).await?;
                    }
                    self.audit(
                        &actor.username,
                        "import.entities",
                        "",
                        serde_json::json!({"rows": good.len(), "errors": errors.len()}),
                    )
                    .await;
                }
                imported = good.len();
            }
            Target::Regions => {
                if !actor.can_admin_registry() {
                    return Err(Error::Forbidden(
                        "only the big-data center or an admin may import regions".into(),
                    ));
                }
                // Parents first, so a file may list a town before its county.
                let mut rows: Vec<_> = records
                    .into_iter()
                    .map(|r| {
                        let level = str_prop(&r.props, "code")
                            .and_then(|c| RegionLevel::from_code(&c).ok());
                        (level, r)
                    })
                    .collect();
                rows.sort_by_key(|(l, r)| (*l, r.row));
                for (_, mut r) in rows {
                    let id = str_prop(&r.props, "code");
                    let region = (|| -> std::result::Result<Region, String> {
                        Ok(Region {
                            code: take_str(&mut r.props, "code")?,
                            name: take_str(&mut r.props, "name")?,
                            name_en: str_prop(&r.props, "name_en"),
                            level: RegionLevel::County,
                            parent: str_prop(&r.props, "parent"),
                            geometry: r.geometry.clone(),
                        })
                    })();
                    let res = match region {
                        Ok(reg) if dry_run => {
                            let mut reg = reg;
                            reg.validate().map(|_| ()).map_err(|e| e.to_string())
                        }
                        Ok(reg) => self
                            .put_region(actor, reg)
                            .await
                            .map(|_| ())
                            .map_err(|e| error_text(&e)),
                        Err(e) => Err(e),
                    };
                    match res {
                        Ok(()) => imported += 1,
                        Err(error) => errors.push(RowError {
                            row: r.row,
                            id,
                            error,
                        }),
                    }
                }
            }
            Target::Grids => {
                if !actor.can_admin_registry() {
                    return Err(Error::Forbidden(
                        "only the big-data center or an admin may import grids".into(),
                    ));
                }
                for mut r in records {
                    let id = str_prop(&r.props, "id");
                    let grid = (|| -> std::result::Result<Grid, String> {
                        let departments = match r.props.remove("departments") {
                            Some(Value::Array(a)) => a
                                .iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect(),
                            Some(Value::String(s)) => s
                                .split([',', ';', '，', '、'])
                                .map(|s| s.trim().to_string())
                                .filter(|s| !s.is_empty())
                                .collect(),
                            _ => vec![],
                        };
                        Ok(Grid {
                            id: take_str(&mut r.props, "id")?,
                            name: take_str(&mut r.props, "name")?,
                            region: take_str(&mut r.props, "region")?,
                            departments,
                            geometry: r.geometry.clone().ok_or("geometry: required")?,
                        })
                    })();
                    let res = match grid {
                        Ok(g) if dry_run => g.validate().map_err(|e| e.to_string()),
                        Ok(g) => self
                            .put_grid(actor, g)
                            .await
                            .map(|_| ())
                            .map_err(|e| error_text(&e)),
                        Err(e) => Err(e),
                    };
                    match res {
                        Ok(()) => imported += 1,
                        Err(error) => errors.push(RowError {
                            row: r.row,
                            id,
                            error,
                        }),
                    }
                }
            }
        }
        errors.sort_by_key(|e| e.row);
        Ok(ImportReport { imported, errors })
    }

    async fn entity_from_record(
        &self,
        actor: &Actor,
        mut p: Map<String, Value>,
        geometry: Option<Value>,
    ) -> Result<Entity> {
        let field = |r: std::result::Result<String, String>| {
            r.map_err(|e| invalid(e.split(':').next().unwrap_or(""), "required"))
        };
        let id = field(take_str(&mut p, "id"))?;
        let kind_id = field(take_str(&mut p, "kind"))?;
        let name = field(take_str(&mut p, "name"))?;
        let department = field(take_str(&mut p, "department"))?;
        let region = field(take_str(&mut p, "region"))?;
        let status = match p.remove("status") {
            Some(Value::String(s)) => EntityStatus::parse(&s).ok_or_else(|| {
                invalid(
                    "status",
                    format!("{s:?} is not active, planned, maintenance or retired"),
                )
            })?,
            _ => EntityStatus::Active,
        };
        let kind = self
            .kind(&kind_id)
            .ok_or_else(|| invalid("kind", format!("kind {kind_id} does not exist")))?;
        // Whatever is left are attributes; `attributes` may also come as one JSON object.
        let mut attributes = match p.remove("attributes") {
            Some(Value::Object(m)) => m,
            Some(Value::String(s)) => serde_json::from_str(&s)
                .map_err(|e| invalid("attributes", format!("not a JSON object: {e}")))?,
            _ => Map::new(),
        };
        for (k, v) in p {
            let def = kind
                .attributes
                .iter()
                .find(|a| a.name == k)
                .ok_or_else(|| {
                    invalid(
                        &format!("attributes.{k}"),
                        format!("not an attribute of kind {kind_id}"),
                    )
                })?;
            let v = coerce(v, def.ty).map_err(|e| invalid(&format!("attributes.{k}"), e))?;
            attributes.insert(k, v);
        }
        let e = Entity {
            id,
            kind: kind_id,
            name,
            department,
            region,
            geometry,
            attributes,
            status,
            created_ms: 0,
            updated_ms: 0,
        };
        self.check_new_entity(actor, e).await
    }
}

fn error_text(e: &Error) -> String {
    match e {
        Error::Invalid(i) => format!("{}: {}", i.field, i.reason),
        other => other.to_string(),
    }
}
