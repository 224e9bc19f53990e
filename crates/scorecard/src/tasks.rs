//! Key-task packs: the works a county commits to, with responsible units and deadlines.
//!
//! Two are compiled in: the 21 key works (重点工作) of the 2021 Yiyuan implementation plan
//! ([`TaskPack::builtin_yiyuan`]) and the tasks of Yishui's 2020 task book
//! ([`TaskPack::builtin_yishui`]). Texts are verbatim from the source documents.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::pack::UnitRef;
use crate::{Error, Result};

const YIYUAN: &str = include_str!("../data/yiyuan-key-tasks.json");
const YISHUI: &str = include_str!("../data/yishui-tasks.json");

/// A county's list of tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskPack {
    pub id: String,
    pub name: String,
    pub name_en: String,
    /// The document the tasks come from.
    pub source: String,
    pub tasks: Vec<Task>,
}

/// One task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Stable identifier within the pack, e.g. `key-01`.
    pub id: String,
    /// Numbering as in the document, e.g. `1` or `(一)3`.
    pub number: String,
    /// The section heading the task sits under, verbatim.
    pub section: String,
    /// `required` (规定任务), `key` (重点工作), `local` (地方特色) …
    pub category: String,
    /// Title, verbatim (may be empty in the document; then the task's first words).
    pub title: String,
    pub title_en: String,
    /// The task's text, verbatim.
    pub text: String,
    /// The responsibility clause, verbatim, when the document gives one per task.
    #[serde(default)]
    pub responsibility: Option<String>,
    pub lead: Vec<UnitRef>,
    #[serde(default)]
    pub partners: Vec<UnitRef>,
    /// `YYYY-MM`: the month by whose end the task is due; `None` for ongoing work.
    #[serde(default)]
    pub deadline: Option<String>,
    /// The deadline as written (完成时限), verbatim.
    pub deadline_text: String,
    /// Indicator numbers of DB37/T 3890-2020 (county) the task serves.
    #[serde(default)]
    pub indicators: Vec<u32>,
}

impl TaskPack {
    /// The 21 key works of the Yiyuan plan.
    pub fn builtin_yiyuan() -> TaskPack {
        TaskPack::from_json(YIYUAN.as_bytes()).expect("the builtin Yiyuan task pack is valid")
    }

    /// The tasks of the Yishui task book.
    pub fn builtin_yishui() -> TaskPack {
        TaskPack::from_json(YISHUI.as_bytes()).expect("the builtin Yishui task pack is valid")
    }

    /// Parses and validates a task pack.
    pub fn from_json(bytes: &[u8]) -> Result<TaskPack> {
        let pack: TaskPack = serde_json::from_slice(bytes).map_err(|e| Error::Parse {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        pack.validate()?;
        Ok(pack)
    }

    pub fn validate(&self) -> Result<()> {
        if self.tasks.is_empty() {
            return Err(Error::InvalidPack {
                field: "tasks".into(),
                message: "no tasks".into(),
            });
        }
        let mut ids = BTreeSet::new();
        for t in &self.tasks {
            let err = |field: &str, message: String| Error::InvalidTask {
                id: t.id.clone(),
                field: field.into(),
                message,
            };
            if t.id.trim().is_empty() || !ids.insert(t.id.as_str()) {
                return Err(err("id", "empty or repeated".into()));
            }
            if t.text.trim().is_empty() {
                return Err(err("text", "must not be empty".into()));
            }
            if t.lead.is_empty() {
                return Err(err("lead", "no responsible unit".into()));
            }
            if let Some(d) = &t.deadline {
                if !is_year_month(d) {
                    return Err(err("deadline", format!("expected YYYY-MM, got {d:?}")));
                }
            }
            for u in t.lead.iter().chain(&t.partners) {
                if u.name.trim().is_empty() || u.id.as_deref().is_some_and(|i| i.trim().is_empty())
                {
                    return Err(err("lead/partners", format!("bad unit {u:?}")));
                }
            }
        }
        Ok(())
    }

    /// Every unit reference with no department id, as (task id, unit name).
    pub fn unmapped_units(&self) -> Vec<(String, String)> {
        self.tasks
            .iter()
            .flat_map(|t| {
                t.lead
                    .iter()
                    .chain(&t.partners)
                    .filter(|u| u.id.is_none())
                    .map(|u| (t.id.clone(), u.name.clone()))
            })
            .collect()
    }
}

fn is_year_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u8>(), Ok(1..=12))
}
