//! Routing: which department a case goes to, by category and place.
//!
//! A [`RoutingTable`] is a list of [`RouteEntry`]s: a category (matching its whole subtree),
//! optionally a grid, optionally a GB/T 2260 region-code prefix (`3713` city, `371323` county,
//! `371323101` town), a department and its [`Level`] (town or county). An entry matches a case
//! when the case's category is under the entry's, and the grid and region (when the entry names
//! them) are the case's.
//!
//! **The most specific match wins**, compared in this order:
//! 1. an entry naming the case's grid beats one naming no grid;
//! 2. then a longer region prefix beats a shorter one (none is length 0);
//! 3. then a deeper category beats a shallower one.
//!
//! Two matching entries equal on all three would have the same grid, the same prefix (two
//! prefixes of one code with the same length are equal) and the same category (a code has one
//! ancestor per level): so the table refuses entries that repeat (category, grid, prefix) at
//! load time, and [`RoutingTable::route`] never meets a tie.
//!
//! **乡呼县应.** [`RoutingTable::escalation_target`] is the same choice among county-level
//! entries only: the county department a town escalates an overdue case to. A department has
//! one level in the whole table.
//!
//! **Multi-grid fusion** (多网合一). Several departments may have entries for one grid, each for
//! its own categories; [`RoutingTable::departments_seeing`] lists every department with an entry
//! for the grid whose category subtree holds the case's category: those whose screens show it.
//!
//! ```
//! use zhicheng_cases::{CategoryTree, Level, RoutingTable};
//!
//! let table = RoutingTable::from_json(r#"{
//!   "command_center": "ccc",
//!   "entries": [
//!     {"category": "E05", "region_prefix": "371323", "department": "county-cgj", "level": "county"},
//!     {"category": "E05", "region_prefix": "371323101", "department": "town-101", "level": "town"},
//!     {"category": "ENV-AIR", "grid": "G7", "department": "county-sthj", "level": "county"}
//!   ]}"#, &CategoryTree::builtin()).unwrap();
//! let r = table.route("E05-02", Some("G7"), Some("371323101205")).unwrap();
//! assert_eq!((r.department.as_str(), r.level), ("town-101", Level::Town));
//! let up = table.escalation_target("E05-02", Some("G7"), Some("371323101205")).unwrap();
//! assert_eq!(up.department, "county-cgj");
//! assert_eq!(table.departments_seeing("ENV-AIR-02", "G7"), ["county-sthj"]);
//! ```

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::{CategoryTree, Error, Result};

/// The level of a department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A town (乡镇/街道) government or office.
    Town,
    /// A county department (县直部门).
    County,
}

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteEntry {
    /// Category code; matches its subtree.
    pub category: String,
    /// Only this grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
    /// Only regions whose code starts with this (2, 4, 6, 9 or 12 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_prefix: Option<String>,
    /// The department.
    pub department: String,
    /// Its level.
    pub level: Level,
}

/// The table as configured (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingConfig {
    /// The command center's department id: where level-2 escalations go.
    pub command_center: String,
    /// The entries.
    pub entries: Vec<RouteEntry>,
}

/// The routing answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The department.
    pub department: String,
    /// Its level.
    pub level: Level,
    /// The index of the entry that matched.
    pub entry: usize,
}

/// A validated routing table.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingTable {
    config: RoutingConfig,
    tree: CategoryTree,
    levels: HashMap<String, Level>,
}

impl RoutingTable {
    /// Parses [`RoutingConfig`] JSON and validates it against the tree.
    pub fn from_json(json: &str, tree: &CategoryTree) -> Result<RoutingTable> {
        let config = serde_json::from_str(json).map_err(|e| Error::parse("routing table", e))?;
        RoutingTable::new(config, tree)
    }

    /// Validates: known categories, plausible region prefixes, departments named, one level per
    /// department, no repeated (category, grid, prefix).
    pub fn new(config: RoutingConfig, tree: &CategoryTree) -> Result<RoutingTable> {
        if config.command_center.trim().is_empty() {
            return Err(Error::Invalid {
                what: "routing table",
                id: "command_center".into(),
                field: "command_center".into(),
                message: "must not be empty".into(),
            });
        }
        let mut levels: HashMap<String, Level> = HashMap::new();
        let mut seen = HashSet::new();
        for (i, e) in config.entries.iter().enumerate() {
            let bad = |field: &str, message: String| Error::Invalid {
                what: "route",
                id: format!("#{i} {}", e.category),
                field: format!("entries[{i}].{field}"),
                message,
            };
            if !tree.contains(&e.category) {
                return Err(bad("category", format!("no category `{}`", e.category)));
            }
            if e.department.trim().is_empty() {
                return Err(bad("department", "must not be empty".into()));
            }
            if e.grid.as_deref().is_some_and(|g| g.trim().is_empty()) {
                return Err(bad("grid", "must not be empty when given".into()));
            }
            if let Some(p) = &e.region_prefix {
                if ![2, 4, 6, 9, 12].contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(
                        "region_prefix",
                        "a GB/T 2260 code prefix of 2, 4, 6, 9 or 12 digits".into(),
                    ));
                }
            }
            match levels.get(&e.department) {
                Some(&l) if l != e.level => {
                    return Err(bad(
                        "level",
                        format!(
                            "department `{}` is also listed at another level",
                            e.department
                        ),
                    ))
                }
                _ => {
                    levels.insert(e.department.clone(), e.level);
                }
            }
            if !seen.insert((&e.category, &e.grid, &e.region_prefix)) {
                return Err(Error::Duplicate {
                    what: "route (category, grid, region_prefix)",
                    id: format!(
                        "{}, {}, {}",
                        e.category,
                        e.grid.as_deref().unwrap_or("-"),
                        e.region_prefix.as_deref().unwrap_or("-")
                    ),
                });
            }
        }
        Ok(RoutingTable {
            config,
            tree: tree.clone(),
            levels,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RoutingConfig {
        &self.config
    }

    /// The command center's department id.
    pub fn command_center(&self) -> &str {
        &self.config.command_center
    }

    /// A department's level, if the table lists it.
    pub fn level_of(&self, department: &str) -> Option<Level> {
        self.levels.get(department).copied()
    }

    /// The most specific entry for a case (see the [module docs](self)).
    pub fn route(&self, category: &str, grid: Option<&str>, region: Option<&str>) -> Option<Route> {
        self.best(category, grid, region, None)
    }

    /// The county-level route: where a town escalates the case (乡呼县应).
    pub fn escalation_target(
        &self,
        category: &str,
        grid: Option<&str>,
        region: Option<&str>,
    ) -> Option<Route> {
        self.best(category, grid, region, Some(Level::County))
    }

    /// Every department with an entry for `grid` whose category subtree holds `category`,
    /// sorted.
    pub fn departments_seeing(&self, category: &str, grid: &str) -> Vec<String> {
        let set: BTreeSet<&str> = self
            .config
            .entries
            .iter()
            .filter(|e| {
                e.grid.as_deref() == Some(grid) && self.tree.is_under(category, &e.category)
            })
            .map(|e| e.department.as_str())
            .collect();
        set.into_iter().map(str::to_owned).collect()
    }

    fn best(
        &self,
        category: &str,
        grid: Option<&str>,
        region: Option<&str>,
        level: Option<Level>,
    ) -> Option<Route> {
        self.config
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| level.is_none_or(|l| e.level == l))
            .filter(|(_, e)| e.grid.is_none() || e.grid.as_deref() == grid)
            .filter(|(_, e)| {
                e.region_prefix
                    .as_deref()
                    .is_none_or(|p| region.is_some_and(|r| r.starts_with(p)))
            })
            .filter(|(_, e)| self.tree.is_under(category, &e.category))
            .max_by_key(|(_, e)| {
                (
                    e.grid.is_some(),
                    e.region_prefix.as_ref().map_or(0, String::len),
                    self.tree.depth(&e.category).unwrap_or(0),
                )
            })
            .map(|(i, e)| Route {
                department: e.department.clone(),
                level: e.level,
                entry: i,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RoutingTable {
        RoutingTable::from_json(
            r#"{"command_center": "ccc", "entries": [
              {"category": "E05", "department": "county-cgj", "level": "county"},
              {"category": "E05-02", "region_prefix": "371323", "department": "county-scjg", "level": "county"},
              {"category": "E05", "region_prefix": "371323101", "department": "town-101", "level": "town"},
              {"category": "E01", "grid": "G1", "department": "town-101", "level": "town"},
              {"category": "ENV-NOISE", "grid": "G1", "department": "county-sthj", "level": "county"},
              {"category": "E01-02", "grid": "G1", "department": "county-hw", "level": "county"},
              {"category": "C01", "grid": "G1", "department": "county-zjj", "level": "county"}
            ]}"#,
            &CategoryTree::builtin(),
        )
        .unwrap()
    }

    #[test]
    fn most_specific_wins() {
        let t = table();
        let dep = |c, g, r| t.route(c, g, r).map(|r| r.department);
        // Region prefix of a town (9) beats the county's (6), whatever the category depth.
        assert_eq!(
            dep("E05-02", None, Some("371323101001")).as_deref(),
            Some("town-101")
        );
        // Outside the town: the county prefix beats no prefix.
        assert_eq!(
            dep("E05-02", None, Some("371323102001")).as_deref(),
            Some("county-scjg")
        );
        assert_eq!(
            dep("E05-01", None, Some("371323102001")).as_deref(),
            Some("county-cgj")
        );
        assert_eq!(dep("E05-01", None, None).as_deref(), Some("county-cgj"));
        // A grid entry beats region prefixes; a deeper category beats a shallower one.
        assert_eq!(
            dep("E01-02", Some("G1"), Some("371323101001")).as_deref(),
            Some("county-hw")
        );
        assert_eq!(dep("E01-03", Some("G1"), None).as_deref(), Some("town-101"));
        assert_eq!(dep("E01-03", Some("G2"), None), None);
        assert_eq!(
            t.route("E05-02", None, Some("371323101001")).unwrap().entry,
            2
        );
    }

    #[test]
    fn escalation_and_fusion() {
        let t = table();
        let up = t
            .escalation_target("E05-02", None, Some("371323101001"))
            .unwrap();
        assert_eq!(
            (up.department.as_str(), up.level),
            ("county-scjg", Level::County)
        );
        assert_eq!(t.level_of("town-101"), Some(Level::Town));
        assert_eq!(t.level_of("nobody"), None);
        assert_eq!(
            t.departments_seeing("E01-02", "G1"),
            ["county-hw", "town-101"]
        );
        assert_eq!(t.departments_seeing("ENV-NOISE-01", "G1"), ["county-sthj"]);
        assert_eq!(t.departments_seeing("C01-01", "G1"), ["county-zjj"]);
        assert!(t.departments_seeing("C01-01", "G9").is_empty());
        assert_eq!(t.command_center(), "ccc");
    }

    #[test]
    fn refusals() {
        let tree = CategoryTree::builtin();
        let load = |entries: &str| {
            RoutingTable::from_json(
                &format!(r#"{{"command_center": "ccc", "entries": [{entries}]}}"#),
                &tree,
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            load(r#"{"category": "Q9", "department": "d", "level": "town"}"#),
            "route `#0 Q9`, field `entries[0].category`: no category `Q9`"
        );
        assert_eq!(
            load(r#"{"category": "E01", "department": " ", "level": "town"}"#),
            "route `#0 E01`, field `entries[0].department`: must not be empty"
        );
        assert_eq!(
            load(r#"{"category": "E01", "region_prefix": "37132", "department": "d", "level": "town"}"#),
            "route `#0 E01`, field `entries[0].region_prefix`: a GB/T 2260 code prefix of 2, 4, 6, 9 or 12 digits"
        );
        assert_eq!(
            load(
                r#"{"category": "E01", "department": "d", "level": "town"},
                   {"category": "E02", "department": "d", "level": "county"}"#
            ),
            "route `#1 E02`, field `entries[1].level`: department `d` is also listed at another level"
        );
        assert_eq!(
            load(
                r#"{"category": "E01", "grid": "G", "department": "d", "level": "town"},
                   {"category": "E01", "grid": "G", "department": "e", "level": "town"}"#
            ),
            "route (category, grid, region_prefix) `E01, G, -` is given twice"
        );
        let e =
            RoutingTable::from_json(r#"{"command_center": "", "entries": []}"#, &tree).unwrap_err();
        assert!(e.to_string().contains("command_center"), "{e}");
    }
}
