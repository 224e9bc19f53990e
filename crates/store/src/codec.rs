//! Rows ↔ model types, shared by both backends: the JSON pieces, the enums stored as text, and
//! the decoding checks that turn a bad stored value into [`Error::Corrupt`] instead of a panic.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use zhicheng_model::{Department, Entity, EntityStatus, Grid, Kind, Region, RegionLevel};

use crate::{Error, Result, RollupPoint, Series};
use zhicheng_model::{Page, Step};

/// Serializes a JSON piece for a TEXT column.
pub(crate) fn to_json<T: Serialize + ?Sized>(what: &str, v: &T) -> Result<String> {
    // A `Value` or a derived struct always serializes; the error path is for completeness only.
    serde_json::to_string(v).map_err(|e| Error::Corrupt(format!("cannot encode {what}: {e}")))
}

/// Parses a JSON piece read from a TEXT column.
pub(crate) fn from_json<T: DeserializeOwned>(what: &str, key: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::Corrupt(format!("{what} {key:?}: bad JSON: {e}")))
}

/// Storage name of a region level.
pub(crate) fn level_str(l: RegionLevel) -> &'static str {
    match l {
        RegionLevel::County => "county",
        RegionLevel::Town => "town",
        RegionLevel::Village => "village",
    }
}

fn parse_level(code: &str, s: &str) -> Result<RegionLevel> {
    match s {
        "county" => Ok(RegionLevel::County),
        "town" => Ok(RegionLevel::Town),
        "village" => Ok(RegionLevel::Village),
        other => Err(Error::Corrupt(format!(
            "region {code:?}: unknown level {other:?}"
        ))),
    }
}

/// A `regions` row.
#[derive(sqlx::FromRow)]
pub(crate) struct RegionRow {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub level: String,
    pub parent: Option<String>,
    pub geometry: Option<String>,
}

impl RegionRow {
    pub(crate) fn into_region(self) -> Result<Region> {
        Ok(Region {
            level: parse_level(&self.code, &self.level)?,
            geometry: self
                .geometry
                .as_deref()
                .map(|g| from_json("region", &self.code, g))
                .transpose()?,
            code: self.code,
            name: self.name,
            name_en: self.name_en,
            parent: self.parent,
        })
    }
}

/// A `departments` row.
#[derive(sqlx::FromRow)]
pub(crate) struct DepartmentRow {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub region: Option<String>,
}

impl From<DepartmentRow> for Department {
    fn from(r: DepartmentRow) -> Department {
        Department {
            id: r.id,
            name: r.name,
            name_en: r.name_en,
            region: r.region,
        }
    }
}

/// A `grids` row; the departments come from `grid_departments`.
#[derive(sqlx::FromRow)]
pub(crate) struct GridRow {
    pub id: String,
    pub name: String,
    pub region: String,
    pub geometry: String,
}

impl GridRow {
    pub(crate) fn into_grid(self, departments: Vec<String>) -> Result<Grid> {
        Ok(Grid {
            geometry: from_json("grid", &self.id, &self.geometry)?,
            id: self.id,
            name: self.name,
            region: self.region,
            departments,
        })
    }
}

/// Groups `(grid, department)` rows, ordered by grid then position, onto their grids.
pub(crate) fn attach_departments(
    rows: Vec<GridRow>,
    links: Vec<(String, String)>,
) -> Result<Vec<Grid>> {
    let mut by_grid: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for (grid, dept) in links {
        by_grid.entry(grid).or_default().push(dept);
    }
    rows.into_iter()
        .map(|r| {
            let d = by_grid.remove(&r.id).unwrap_or_default();
            r.into_grid(d)
        })
        .collect()
}

/// Decodes a `kinds.body`.
pub(crate) fn kind_from_body(id: &str, body: &str) -> Result<Kind> {
    from_json("kind", id, body)
}

/// An `entities` row (without the derived bounding box).
#[derive(sqlx::FromRow)]
pub(crate) struct EntityRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub department: String,
    pub region: String,
    pub geometry: Option<String>,
    pub attributes: String,
    pub status: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// The columns of [`EntityRow`], for SELECT lists.
pub(crate) const ENTITY_COLUMNS: &str =
    "id, kind, name, department, region, geometry, attributes, status, created_ms, updated_ms";

impl EntityRow {
    pub(crate) fn into_entity(self) -> Result<Entity> {
        let status = EntityStatus::parse(&self.status).ok_or_else(|| {
            Error::Corrupt(format!(
                "entity {:?}: unknown status {:?}",
                self.id, self.status
            ))
        })?;
        let geometry: Option<Value> = self
            .geometry
            .as_deref()
            .map(|g| from_json("entity", &self.id, g))
            .transpose()?;
        let attributes: Map<String, Value> = from_json("entity", &self.id, &self.attributes)?;
        Ok(Entity {
            id: self.id,
            kind: self.kind,
            name: self.name,
            department: self.department,
            region: self.region,
            geometry,
            attributes,
            status,
            created_ms: self.created_ms,
            updated_ms: self.updated_ms,
        })
    }
}

/// An entity ready to bind: JSON pieces encoded and the bounding box derived.
pub(crate) struct EntityParams<'a> {
    pub e: &'a Entity,
    pub geometry: Option<String>,
    pub attributes: String,
    pub bbox: [Option<f64>; 4],
}

impl<'a> EntityParams<'a> {
    pub(crate) fn new(e: &'a Entity) -> Result<Self> {
        let geometry = e
            .geometry
            .as_ref()
            .map(|g| to_json("geometry", g))
            .transpose()?;
        let attributes = to_json("attributes", &e.attributes)?;
        // Why: a geometry without a box (e.g. an empty GeometryCollection) is stored with NULL
        // bounds and so never matches a bbox filter, like an entity without geometry.
        let bbox = match e.bbox() {
            Some(b) => [
                Some(b.min_lon),
                Some(b.min_lat),
                Some(b.max_lon),
                Some(b.max_lat),
            ],
            None => [None; 4],
        };
        Ok(EntityParams {
            e,
            geometry,
            attributes,
            bbox,
        })
    }
}

/// Error for a row-count or id value that does not fit the Rust type.
pub(crate) fn count(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("negative count {n}")))
}

/// Turns a unique violation into [`Error::Conflict`] with `what` as the message.
pub(crate) fn conflict_on_unique(e: sqlx::Error, what: impl FnOnce() -> String) -> Error {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => Error::Conflict(what()),
        _ => Error::Database(e),
    }
}

/// A foreign-key violation as [`Error::NotFound`] of what it references, anything else as is.
pub(crate) fn missing_on_foreign_key(e: sqlx::Error, what: impl FnOnce() -> String) -> Error {
    match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => Error::NotFound(what()),
        _ => Error::Database(e),
    }
}

/// Applied and pending versions, given the versions recorded as applied in `_sqlx_migrations`.
pub(crate) fn migration_status(
    migrator: &sqlx::migrate::Migrator,
    mut applied: Vec<i64>,
) -> crate::MigrationStatus {
    applied.sort_unstable();
    applied.dedup();
    let pending = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .filter(|v| applied.binary_search(v).is_err())
        .collect();
    crate::MigrationStatus { applied, pending }
}

/// Column list of an entity insert (the row columns plus the derived bounding box).
pub(crate) const ENTITY_INSERT: &str =
    "id, kind, name, department, region, geometry, min_lon, min_lat, \
                             max_lon, max_lat, attributes, status, created_ms, updated_ms";

/// The first id that appears twice in a batch.
pub(crate) fn first_duplicate(es: &[Entity]) -> Option<&str> {
    let mut seen = std::collections::HashSet::with_capacity(es.len());
    es.iter()
        .map(|e| e.id.as_str())
        .find(|id| !seen.insert(*id))
}

/// Turns `limit + 1` fetched rows into a page.
pub(crate) fn page_of(mut rows: Vec<EntityRow>, limit: usize) -> Result<Page<Entity>> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let items: Vec<Entity> = rows
        .into_iter()
        .map(EntityRow::into_entity)
        .collect::<Result<_>>()?;
    let next_cursor = if more {
        items.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Number of distinct keys.
pub(crate) fn distinct_keys(keys: &[(String, String)]) -> usize {
    keys.iter().collect::<std::collections::HashSet<_>>().len()
}

/// Series in the order of `keys`; a key without a row means the store lost it mid-call.
pub(crate) fn order_series(keys: &[(String, String)], found: Vec<Series>) -> Result<Vec<Series>> {
    let by_key: std::collections::HashMap<(&str, &str), &Series> = found
        .iter()
        .map(|s| ((s.entity.as_str(), s.metric.as_str()), s))
        .collect();
    keys.iter()
        .map(|(e, m)| {
            by_key
                .get(&(e.as_str(), m.as_str()))
                .map(|s| (*s).clone())
                .ok_or_else(|| {
                    Error::Corrupt(format!(
                        "series ({e}, {m}) missing right after its creation"
                    ))
                })
        })
        .collect()
}

/// Roll-up table of a step.
pub(crate) fn rollup_table(step: Step) -> &'static str {
    match step {
        Step::Minute => "rollup_1m",
        Step::Hour => "rollup_1h",
        Step::Day => "rollup_1d",
    }
}

/// (bucket, min, max, sum, count) rows as points.
pub(crate) fn rollup_points(rows: Vec<(i64, f64, f64, f64, i64)>) -> Vec<RollupPoint> {
    rows.into_iter()
        .filter(|r| r.4 > 0)
        .map(|(ts, min, max, sum, count)| RollupPoint {
            ts,
            min,
            max,
            avg: sum / count as f64,
            count,
        })
        .collect()
}
