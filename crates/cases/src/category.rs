//! The case category tree: configurable, loaded from JSON, validated.
//!
//! Each node has a stable `code`, Chinese and English names, a `parent` (none for a top class),
//! a [`Group`] (component, event, hotline, environment), and optionally a default urgency and
//! time-limit overrides ([`LimitPatch`]) that apply to its whole subtree unless a deeper node
//! says otherwise. Codes are unique, parents exist and come in the same group, there is no
//! cycle, and the tree is at most [`MAX_DEPTH`] levels deep.
//!
//! The built-in tree ([`CategoryTree::builtin`], `data/categories.json`) follows the class
//! structure of the national digital urban-management standard CJ/T 214-2007, continued by
//! GB/T 30428.2-2013 (管理部件和事件分类、编码及数据要求): six major classes of components
//! (部件: 公用设施, 道路交通, 市容环境, 园林绿化, 房屋土地, 其他设施) and six of events (事件:
//! 市容环境, 宣传广告, 施工管理, 突发事件, 街面秩序, 其他事件), each with common sub-classes;
//! the 12345 hotline's request types (咨询, 求助, 投诉, 举报, 建议, 表扬) with common subject
//! areas; and environmental complaints (大气, 水, 噪声, 固体废物, 辐射, 土壤, 生态). The codes are
//! this project's own (`C01-03`, `E05-02`, `H03-01`, `ENV-NOISE-02`), not the standard's
//! numeric codes; the names and grouping follow the standard.
//!
//! ```
//! use zhicheng_cases::CategoryTree;
//!
//! let tree = CategoryTree::builtin();
//! assert_eq!(tree.get("E05").unwrap().name_zh, "街面秩序");
//! assert!(tree.is_under("E05-02", "E05"));
//! assert!(!tree.is_under("E05", "E05-02"));
//! let up: Vec<&str> = tree.ancestors("C01-03").iter().map(|c| c.code.as_str()).collect();
//! assert_eq!(up, ["C01"]);
//!
//! let err = CategoryTree::from_json(r#"{"nodes": [
//!     {"code": "X1", "name_zh": "甲", "name_en": "a", "group": "event", "parent": "X9"}
//! ]}"#).unwrap_err();
//! assert_eq!(err.to_string(), "category `X1`, field `parent`: no category `X9`");
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::deadline::LimitPatch;
use crate::{Error, Result, Urgency};

/// The deepest a tree may be: top classes are level 1.
pub const MAX_DEPTH: usize = 4;

const BUILTIN: &str = include_str!("../data/categories.json");

/// Which kind of category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// 部件: a managed object (manhole cover, street lamp, …) is missing or damaged.
    Component,
    /// 事件: something happening (street vending, exposed rubbish, …).
    Event,
    /// A 12345 hotline request.
    Hotline,
    /// An environmental complaint.
    Environment,
}

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable code: 1–32 of letters, digits, `-` and `_`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The parent's code; none for a top class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The group; a child's is its parent's.
    pub group: Group,
    /// The urgency a case of this subtree gets unless the reporter says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_urgency: Option<Urgency>,
    /// Time limits for this subtree, over the policy's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitPatch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeFile {
    nodes: Vec<Category>,
}

/// A validated category tree.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryTree {
    nodes: Vec<Category>,
    index: HashMap<String, usize>,
    depth: Vec<usize>,
}

impl CategoryTree {
    /// The built-in tree (`data/categories.json`).
    pub fn builtin() -> CategoryTree {
        // The file is part of the crate and a test loads it: it is valid.
        CategoryTree::from_json(BUILTIN).expect("the built-in category tree is valid")
    }

    /// The built-in tree's JSON, to start a county's own from.
    pub fn builtin_json() -> &'static str {
        BUILTIN
    }

    /// Parses `{"nodes": [...]}` and validates it.
    pub fn from_json(json: &str) -> Result<CategoryTree> {
        let file: TreeFile =
            serde_json::from_str(json).map_err(|e| Error::parse("category tree", e))?;
        CategoryTree::new(file.nodes)
    }

    /// Validates nodes into a tree; the error names the first wrong node and field.
    pub fn new(nodes: Vec<Category>) -> Result<CategoryTree> {
        let bad = |c: &Category, field: &str, message: String| Error::Invalid {
            what: "category",
            id: c.code.clone(),
            field: field.to_owned(),
            message,
        };
        let mut index = HashMap::new();
        for (i, c) in nodes.iter().enumerate() {
            check_code(&c.code).map_err(|m| bad(c, "code", m))?;
            if index.insert(c.code.clone(), i).is_some() {
                return Err(Error::Duplicate {
                    what: "category",
                    id: c.code.clone(),
                });
            }
            for (field, v) in [("name_zh", &c.name_zh), ("name_en", &c.name_en)] {
                if v.trim().is_empty() || v.chars().count() > 100 {
                    return Err(bad(c, field, "must be 1–100 characters".into()));
                }
            }
            if let Some(l) = &c.limits {
                l.validate()
                    .map_err(|(f, m)| bad(c, &format!("limits.{f}"), m))?;
            }
        }
        for c in &nodes {
            if let Some(p) = &c.parent {
                let Some(&pi) = index.get(p) else {
                    return Err(bad(c, "parent", format!("no category `{p}`")));
                };
                if nodes[pi].group != c.group {
                    return Err(bad(c, "group", format!("differs from its parent `{p}`'s")));
                }
            }
        }
        let mut depth = vec![0; nodes.len()];
        for (i, c) in nodes.iter().enumerate() {
            let mut d = 1;
            let mut at = i;
            while let Some(p) = &nodes[at].parent {
                at = index[p];
                d += 1;
                if d > MAX_DEPTH {
                    // A cycle is infinitely deep, so this catches it too; say which it is.
                    let message = cycle_or_depth(
                        &nodes,
                        &index,
                        i,
                        format!("more than {MAX_DEPTH} levels deep"),
                    );
                    return Err(bad(c, "parent", message));
                }
            }
            depth[i] = d;
        }
        Ok(CategoryTree {
            nodes,
            index,
            depth,
        })
    }

    /// Every node, in file order.
    pub fn nodes(&self) -> &[Category] {
        &self.nodes
    }

    /// The node of a code.
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.index.get(code).map(|&i| &self.nodes[i])
    }

    /// Whether the code exists.
    pub fn contains(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    /// The level of a code: 1 for a top class; `None` when unknown.
    pub fn depth(&self, code: &str) -> Option<usize> {
        self.index.get(code).map(|&i| self.depth[i])
    }

    /// The ancestors of a code, parent first, top class last; empty for a top class or an
    /// unknown code.
    pub fn ancestors(&self, code: &str) -> Vec<&Category> {
        let mut out = Vec::new();
        let mut at = self.get(code);
        while let Some(p) = at.and_then(|c| c.parent.as_deref()) {
            at = self.get(p);
            out.extend(at);
        }
        out
    }

    /// The code and its ancestors, deepest first (for "deeper wins" lookups); just the code
    /// when unknown.
    pub fn lineage<'a>(&'a self, code: &'a str) -> Vec<&'a str> {
        let mut out = vec![code];
        out.extend(self.ancestors(code).iter().map(|c| c.code.as_str()));
        out
    }

    /// Whether `code` is `prefix_code` or below it.
    pub fn is_under(&self, code: &str, prefix_code: &str) -> bool {
        code == prefix_code || self.ancestors(code).iter().any(|c| c.code == prefix_code)
    }

    /// The ancestor-or-self of `code` at `level` (1 = top class); the code itself when it is
    /// shallower than `level`, `None` when unknown.
    pub fn at_level(&self, code: &str, level: usize) -> Option<&Category> {
        let d = self.depth(code)?;
        let up = d.saturating_sub(level.max(1));
        if up == 0 {
            return self.get(code);
        }
        self.ancestors(code).get(up - 1).copied()
    }

    /// The direct children of a code (top classes for `None`), in file order.
    pub fn children(&self, code: Option<&str>) -> Vec<&Category> {
        self.nodes
            .iter()
            .filter(|c| c.parent.as_deref() == code)
            .collect()
    }

    /// The default urgency of a code: its own or its nearest ancestor's, else normal.
    pub fn default_urgency(&self, code: &str) -> Urgency {
        self.lineage(code)
            .into_iter()
            .find_map(|c| self.get(c).and_then(|n| n.default_urgency))
            .unwrap_or_default()
    }
}

fn cycle_or_depth(
    nodes: &[Category],
    index: &HashMap<String, usize>,
    start: usize,
    fallback: String,
) -> String {
    // Walk up at most the node count: coming back to `start` is a cycle through it.
    let mut at = start;
    for _ in 0..=nodes.len() {
        match &nodes[at].parent {
            Some(p) => at = index[p],
            None => return fallback,
        }
        if at == start {
            return "is its own ancestor (a cycle)".to_owned();
        }
    }
    // A cycle above `start` that does not include it.
    "has a cycle among its ancestors".to_owned()
}

fn check_code(code: &str) -> std::result::Result<(), String> {
    if code.is_empty() || code.len() > 32 {
        return Err("must be 1–32 characters".into());
    }
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("letters, digits, `-` and `_` only".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(code: &str, parent: Option<&str>) -> Category {
        Category {
            code: code.into(),
            name_zh: "甲".into(),
            name_en: "a".into(),
            parent: parent.map(Into::into),
            group: Group::Event,
            default_urgency: None,
            limits: None,
        }
    }

    #[test]
    fn builtin_tree_loads_with_every_major_class() {
        let t = CategoryTree::builtin();
        let tops: Vec<&str> = t
            .children(None)
            .iter()
            .map(|c| c.name_zh.as_str())
            .collect();
        for name in [
            "公用设施",
            "道路交通",
            "市容环境",
            "园林绿化",
            "房屋土地",
            "其他设施",
            "宣传广告",
            "施工管理",
            "突发事件",
            "街面秩序",
            "其他事件",
            "咨询",
            "求助",
            "投诉",
            "举报",
            "建议",
            "表扬",
            "大气污染",
            "水污染",
            "噪声污染",
            "固体废物污染",
            "辐射污染",
        ] {
            assert!(tops.contains(&name), "{name} missing");
        }
        assert!(t.nodes().len() > 150, "{}", t.nodes().len());
        // Every top class has sub-classes (except the catch-alls and 表扬).
        for top in t.children(None) {
            if !["E06", "H05", "H06", "ENV-OTHER"].contains(&top.code.as_str()) {
                assert!(!t.children(Some(&top.code)).is_empty(), "{}", top.code);
            }
        }
        assert_eq!(t.get("C01-01").unwrap().name_zh, "上水井盖");
        assert_eq!(t.default_urgency("C01-01"), Urgency::Urgent);
        assert_eq!(t.default_urgency("E05-02"), Urgency::Normal);
    }

    #[test]
    fn lookups() {
        let t = CategoryTree::new(vec![
            node("A", None),
            node("A1", Some("A")),
            node("A1x", Some("A1")),
            node("A1xy", Some("A1x")),
        ])
        .unwrap();
        assert_eq!(t.depth("A1xy"), Some(4));
        assert_eq!(t.lineage("A1xy"), ["A1xy", "A1x", "A1", "A"]);
        assert_eq!(t.at_level("A1xy", 1).unwrap().code, "A");
        assert_eq!(t.at_level("A1xy", 2).unwrap().code, "A1");
        assert_eq!(t.at_level("A1", 3).unwrap().code, "A1");
        assert!(t.at_level("nope", 1).is_none());
        assert!(t.is_under("A1xy", "A1") && t.is_under("A", "A") && !t.is_under("A", "A1"));
        assert!(!t.is_under("nope", "A"));
    }

    #[test]
    fn refusals_name_the_field() {
        let cases: Vec<(Vec<Category>, &str)> = vec![
            (
                vec![node("A", None), node("A", None)],
                "category `A` is given twice",
            ),
            (
                vec![node("a b", None)],
                "category `a b`, field `code`: letters, digits, `-` and `_` only",
            ),
            (
                vec![node("A", Some("B"))],
                "category `A`, field `parent`: no category `B`",
            ),
            (
                vec![node("A", Some("B")), node("B", Some("A"))],
                "category `A`, field `parent`: is its own ancestor (a cycle)",
            ),
            (
                vec![
                    node("A", None),
                    node("B", Some("A")),
                    node("C", Some("B")),
                    node("D", Some("C")),
                    node("E", Some("D")),
                ],
                "category `E`, field `parent`: more than 4 levels deep",
            ),
            (
                vec![
                    node("A", None),
                    Category {
                        group: Group::Component,
                        ..node("B", Some("A"))
                    },
                ],
                "category `B`, field `group`: differs from its parent `A`'s",
            ),
            (
                vec![Category {
                    name_zh: " ".into(),
                    ..node("A", None)
                }],
                "category `A`, field `name_zh`: must be 1–100 characters",
            ),
        ];
        for (nodes, want) in cases {
            assert_eq!(CategoryTree::new(nodes).unwrap_err().to_string(), want);
        }
        let e = CategoryTree::from_json(r#"{"nodes": [{"code": "A", "name_zh": "甲", "name_en": "a", "group": "event", "colour": 1}]}"#)
            .unwrap_err();
        assert!(e.to_string().contains("unknown field `colour`"), "{e}");
    }

    #[test]
    fn limits_of_a_node_are_validated() {
        let e = CategoryTree::from_json(
            r#"{"nodes": [{"code": "A", "name_zh": "甲", "name_en": "a",
            "group": "event", "limits": {"urgent": {"handle_minutes": 0}}}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "category `A`, field `limits.urgent.handle_minutes`: must be 1 to 527040 minutes (366 days)"
        );
    }
}
