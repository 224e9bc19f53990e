//! Departments' submitted indicator values with evidence, and the big-data center's review
//! (issue 5, department workflow).
//!
//! - **Submitting**: a department user may submit a value of a `submitted` or `hybrid`
//!   indicator whose lead or partner units (the pack's [`UnitRef`] ids) include its department;
//!   admins and operators may submit for any such indicator (for one of its units, by default
//!   the first lead unit with an id). Viewers never submit. A value is for one month
//!   (`YYYY-MM`, not after the current month in UTC+8).
//! - **Reading**: a department user sees only its own department's submissions (another
//!   department's answers 404, as entities do); the other roles see all.
//! - **Review**: only admins and operators (the big-data center) review, once per submission:
//!   approve, or return with a comment (required).
//! - **Evidence**: files of at most [`MAX_EVIDENCE_BYTES`], PDF, PNG, JPEG, XLSX or DOCX (the
//!   declared type must match the file's leading bytes), attached while the submission awaits
//!   review; checked and stored by content as [`crate::evidence`] describes.
//! - The latest **approved** submission of the current month (by submission time) is the
//!   scorecard's value of a submitted indicator, and of a hybrid one without platform data.
//!
//! The checks of a new submission are in one place, `Engine::check_submission`, which the
//! Excel import ([`crate::submission_import`]) runs on each row. Every submission, review and
//! upload is audited.

use serde::{Deserialize, Serialize};
use serde_json::json;
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Role};
use zhicheng_scorecard::{Indicator, Measure, Submissions, UnitRef};
use zhicheng_store::{IndicatorEvidence, IndicatorSubmission, SubmissionQuery};

use crate::error::invalid;
pub use crate::evidence::MAX_EVIDENCE_BYTES;
use crate::{Engine, Error, Result};

/// Longest note or review comment, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// A value as a department enters it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionInput {
    /// Indicator number in the scorecard's pack.
    pub indicator: u32,
    /// The month, `YYYY-MM`.
    pub period: String,
    pub value: f64,
    #[serde(default)]
    pub note: Option<String>,
    /// For admins and operators: the unit submitted for (one of the indicator's units).
    #[serde(default)]
    pub department: Option<String>,
}

/// Filters of a submission list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionFilter {
    pub status: Option<String>,
    pub indicator: Option<u32>,
    pub period: Option<String>,
    pub department: Option<String>,
}

/// An evidence file as the API shows it (the stored path stays on the server).
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    pub id: i64,
    pub submission: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_ms: i64,
}

impl From<IndicatorEvidence> for EvidenceView {
    fn from(e: IndicatorEvidence) -> Self {
        EvidenceView {
            id: e.id,
            submission: e.submission,
            file_name: e.file_name,
            content_type: e.content_type,
            size: e.size,
            sha256: e.sha256,
            uploaded_by: e.uploaded_by,
            uploaded_ms: e.uploaded_ms,
        }
    }
}

/// A submission with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionView {
    #[serde(flatten)]
    pub submission: IndicatorSubmission,
    pub evidence: Vec<EvidenceView>,
}

/// A review decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Return,
}

/// An evidence file's record and bytes.
#[derive(Debug, Clone)]
pub struct EvidenceFile {
    pub record: IndicatorEvidence,
    pub bytes: Vec<u8>,
}

/// The month (`YYYY-MM`, UTC+8) of `ms`.
pub fn period_of(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    format!("{:04}-{:02}", t.year(), u8::from(t.month()))
}

/// The current month (`YYYY-MM`, UTC+8): the period the live scorecard shows.
pub fn current_period() -> String {
    period_of(now_ms())
}

/// Checks `YYYY-MM` with a month 01–12.
pub(crate) fn valid_period(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(p[5..].parse::<u8>(), Ok(1..=12))
        && &p[..4] >= "2000"
}

/// Why the checks of a new submission refused it.
#[derive(Debug)]
pub(crate) struct Refusal {
    /// The input at fault: `indicator`, `period`, `value`, `note`, `department`, or `actor`.
    pub(crate) field: &'static str,
    /// A short label (the metrics' reason), e.g. `closed_period`.
    pub(crate) reason: &'static str,
    /// A Chinese summary for people.
    pub(crate) zh: &'static str,
    /// What a single submission answers with (its status and English detail).
    pub(crate) error: Error,
}

impl Refusal {
    fn new(field: &'static str, reason: &'static str, zh: &'static str, error: Error) -> Self {
        Refusal {
            field,
            reason,
            zh,
            error,
        }
    }
}

pub(crate) fn unit_ids(ind: &Indicator) -> impl Iterator<Item = &str> {
    ind.lead
        .iter()
        .chain(&ind.partners)
        .filter_map(|u: &UnitRef| u.id.as_deref())
}

fn check_text(field: &str, s: &str) -> Result<()> {
    if s.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(
            field,
            format!("at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Can `actor` see a submission entered for `department`?
fn visible(actor: &Actor, s: &IndicatorSubmission) -> bool {
    match actor.role {
        Role::Department => {
            actor.department.is_some() && s.department.as_deref() == actor.department.as_deref()
        }
        Role::Admin | Role::Operator | Role::Viewer => true,
    }
}

fn need_reviewer(actor: &Actor) -> Result<()> {
    if actor.can_admin_registry() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the big-data center (operator) or an admin reviews submissions".into(),
        ))
    }
}

impl Engine {
    /// A submission visible to `actor` (404 otherwise).
    async fn visible_submission(&self, actor: &Actor, id: i64) -> Result<IndicatorSubmission> {
        match self.inner.store.get_submission(id).await? {
            Some(s) if visible(actor, &s) => Ok(s),
            _ => Err(Error::NotFound(format!("submission {id}"))),
        }
    }

    async fn submission_view(&self, s: IndicatorSubmission) -> Result<SubmissionView> {
        let evidence = self.inner.store.list_evidence(s.id).await?;
        Ok(SubmissionView {
            submission: s,
            evidence: evidence.into_iter().map(EvidenceView::from).collect(),
        })
    }

    /// Submits a value of an indicator for a month (see the module docs for who may).
    pub async fn submit_indicator_value(
        &self,
        actor: &Actor,
        input: SubmissionInput,
    ) -> Result<SubmissionView> {
        // Held until stored: a month cannot be closed between the check and the write.
        let _months = self.inner.scorecard.month_writes.read().await;
        let rec = self
            .check_submission(actor, input, now_ms())
            .await?
            .map_err(|r| r.error)?;
        let rec = self.store_submission(actor, rec).await?;
        Ok(SubmissionView {
            submission: rec,
            evidence: Vec::new(),
        })
    }

    /// Every check of a new submission, in one place for the single submission and the Excel
    /// import (`crate::submission_import`): who may submit what, the month, the value, the note.
    /// `Ok(Ok(record))` is ready to store (id 0, status `submitted`, submitted at `now`);
    /// `Ok(Err(refusal))` says why not; `Err` only when the store fails.
    pub(crate) async fn check_submission(
        &self,
        actor: &Actor,
        input: SubmissionInput,
        now: i64,
    ) -> Result<std::result::Result<IndicatorSubmission, Refusal>> {
        if actor.role == Role::Viewer {
            return Ok(Err(Refusal::new(
                "actor",
                "viewer",
                "查看者不能报送数据",
                Error::Forbidden("viewers do not submit values".into()),
            )));
        }
        let pack = self.scorecard_pack();
        let Some(ind) = pack.indicator(input.indicator) else {
            return Ok(Err(Refusal::new(
                "indicator",
                "unknown_indicator",
                "指标不存在",
                invalid(
                    "indicator",
                    format!("pack {} has no indicator {}", pack.id, input.indicator),
                ),
            )));
        };
        if matches!(ind.measure, Measure::Auto { .. }) {
            return Ok(Err(Refusal::new(
                "indicator",
                "auto_measured",
                "该指标由平台自动取数，不接受填报",
                invalid(
                    "indicator",
                    format!(
                        "indicator {} is measured by the platform, not submitted",
                        ind.number
                    ),
                ),
            )));
        }
        let department = match actor.role {
            Role::Department => {
                let own = actor.department.clone().unwrap_or_default();
                if !unit_ids(ind).any(|u| u == own) {
                    return Ok(Err(Refusal::new(
                        "indicator",
                        "not_unit",
                        "本部门不是该指标的牵头或配合单位",
                        Error::Forbidden(format!(
                            "department {own} is not a lead or partner unit of indicator {}",
                            ind.number
                        )),
                    )));
                }
                if input.department.as_deref().is_some_and(|d| d != own) {
                    return Ok(Err(Refusal::new(
                        "department",
                        "other_department",
                        "部门用户只能为本部门报送",
                        Error::Forbidden("a department submits for itself only".into()),
                    )));
                }
                Some(own)
            }
            _ => match input.department {
                Some(d) => {
                    if !unit_ids(ind).any(|u| u == d) {
                        return Ok(Err(Refusal::new(
                            "department",
                            "not_unit",
                            "该部门不是该指标的牵头或配合单位",
                            invalid(
                                "department",
                                format!("{d} is not a unit of indicator {}", ind.number),
                            ),
                        )));
                    }
                    Some(d)
                }
                None => unit_ids(ind).next().map(str::to_string),
            },
        };
        let period = input.period.trim().to_string();
        if !valid_period(&period) {
            return Ok(Err(Refusal::new(
                "period",
                "bad_period",
                "期间应为 YYYY-MM 格式的月份",
                invalid("period", "a month YYYY-MM, e.g. 2026-11"),
            )));
        }
        if period > period_of(now) {
            return Ok(Err(Refusal::new(
                "period",
                "future_period",
                "该期尚未开始",
                invalid("period", format!("{period} has not begun")),
            )));
        }
        match self.refuse_closed_period(&period).await {
            Ok(()) => {}
            Err(e @ Error::Conflict(_)) => {
                return Ok(Err(Refusal::new(
                    "period",
                    "closed_period",
                    "该期已关账，需先重新开启",
                    e,
                )))
            }
            Err(e) => return Err(e),
        }
        if !input.value.is_finite() || input.value.abs() > 1e12 {
            return Ok(Err(Refusal::new(
                "value",
                "bad_value",
                "数值超出范围",
                invalid("value", "a finite number within ±1e12"),
            )));
        }
        let note = input.note.unwrap_or_default();
        if let Err(e) = check_text("note", &note) {
            return Ok(Err(Refusal::new("note", "note_too_long", "说明过长", e)));
        }
        Ok(Ok(IndicatorSubmission {
            id: 0,
            pack: pack.id.clone(),
            indicator: i64::from(ind.number),
            period,
            value: input.value,
            note,
            department,
            submitted_by: actor.username.clone(),
            submitted_ms: now,
            status: "submitted".into(),
            reviewed_by: None,
            reviewed_ms: None,
            review_comment: None,
        }))
    }

    /// Stores a checked submission (from [`Engine::check_submission`]) and audits it.
    pub(crate) async fn store_submission(
        &self,
        actor: &Actor,
        mut rec: IndicatorSubmission,
    ) -> Result<IndicatorSubmission> {
        rec.id = self.inner.store.insert_submission(&rec).await?;
        self.audit(
            &actor.username,
            "submission.create",
            &rec.id.to_string(),
            json!({"indicator": rec.indicator, "period": rec.period, "value": rec.value,
                   "department": rec.department}),
        )
        .await;
        Ok(rec)
    }

    /// Submissions of the scorecard's pack visible to `actor`, newest first.
    pub async fn submissions(
        &self,
        actor: &Actor,
        f: SubmissionFilter,
    ) -> Result<Vec<IndicatorSubmission>> {
        if let Some(s) = &f.status {
            if !matches!(s.as_str(), "submitted" | "approved" | "returned") {
                return Err(invalid("status", "submitted, approved or returned"));
            }
        }
        if let Some(p) = &f.period {
            if !valid_period(p) {
                return Err(invalid("period", "a month YYYY-MM, e.g. 2026-11"));
            }
        }
        let department = match actor.role {
            Role::Department => {
                let own = actor.department.clone();
                if f.department.is_some() && f.department != own {
                    return Ok(Vec::new());
                }
                match own {
                    Some(d) => Some(d),
                    None => return Ok(Vec::new()),
                }
            }
            _ => f.department,
        };
        Ok(self
            .inner
            .store
            .list_submissions(&SubmissionQuery {
                pack: Some(self.scorecard_pack().id.clone()),
                indicator: f.indicator.map(i64::from),
                period: f.period,
                status: f.status,
                department,
            })
            .await?)
    }

    /// One submission with its evidence.
    pub async fn submission(&self, actor: &Actor, id: i64) -> Result<SubmissionView> {
        let s = self.visible_submission(actor, id).await?;
        self.submission_view(s).await
    }

    /// Approves a submission, or returns it with a comment. Once per submission.
    pub async fn review_submission(
        &self,
        actor: &Actor,
        id: i64,
        decision: Decision,
        comment: Option<String>,
    ) -> Result<SubmissionView> {
        // Held until stored: a month cannot be closed between the check and the write.
        let _months = self.inner.scorecard.month_writes.read().await;
        need_reviewer(actor)?;
        let comment = comment
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        if let Some(c) = &comment {
            check_text("comment", c)?;
        }
        if decision == Decision::Return && comment.is_none() {
            return Err(invalid(
                "comment",
                "returning a submission needs a comment saying what to fix",
            ));
        }
        let s = self.visible_submission(actor, id).await?;
        self.refuse_closed_period(&s.period).await?;
        let status = match decision {
            Decision::Approve => "approved",
            Decision::Return => "returned",
        };
        let now = now_ms();
        if !self
            .inner
            .store
            .review_submission(id, status, &actor.username, now, comment.as_deref())
            .await?
        {
            return Err(Error::Conflict(format!(
                "submission {id} was reviewed already ({})",
                s.status
            )));
        }
        self.audit(
            &actor.username,
            match decision {
                Decision::Approve => "submission.approve",
                Decision::Return => "submission.return",
            },
            &id.to_string(),
            json!({"indicator": s.indicator, "period": s.period, "comment": comment}),
        )
        .await;
        if decision == Decision::Approve {
            self.scorecard_changed();
        }
        let s = self.visible_submission(actor, id).await?;
        self.submission_view(s).await
    }

    /// Attaches an evidence file to a submission awaiting review.
    pub async fn upload_evidence(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<EvidenceView> {
        // Held until stored: a month cannot be closed between the check and the write.
        let _months = self.inner.scorecard.month_writes.read().await;
        let s = self.visible_submission(actor, id).await?;
        if actor.role == Role::Viewer {
            return Err(Error::Forbidden("viewers do not upload evidence".into()));
        }
        let file = crate::evidence::check_upload(name, content_type, bytes)?;
        if s.status != "submitted" {
            return Err(Error::Conflict(format!(
                "submission {id} is {}: evidence is attached before review",
                s.status
            )));
        }
        self.refuse_closed_period(&s.period).await?;
        let sha = self.store_evidence_bytes(bytes).await?;
        let mut rec = IndicatorEvidence {
            id: 0,
            submission: id,
            file_name: file.file_name,
            content_type: file.content_type.to_string(),
            size: bytes.len() as i64,
            path: format!("evidence/{}/{sha}", &sha[..2]),
            sha256: sha,
            uploaded_by: actor.username.clone(),
            uploaded_ms: now_ms(),
        };
        rec.id = self.inner.store.insert_evidence(&rec).await?;
        self.audit(
            &actor.username,
            "submission.evidence",
            &id.to_string(),
            json!({"evidence": rec.id, "file_name": rec.file_name, "size": rec.size,
                   "sha256": rec.sha256}),
        )
        .await;
        Ok(rec.into())
    }

    /// An evidence file of a submission visible to `actor`.
    pub async fn evidence_file(&self, actor: &Actor, id: i64, eid: i64) -> Result<EvidenceFile> {
        self.visible_submission(actor, id).await?;
        let rec = match self.inner.store.get_evidence(eid).await? {
            Some(e) if e.submission == id => e,
            _ => {
                return Err(Error::NotFound(format!(
                    "evidence {eid} of submission {id}"
                )))
            }
        };
        let bytes = self
            .read_evidence_bytes(&rec.sha256, &format!("evidence {eid}"))
            .await?;
        Ok(EvidenceFile { record: rec, bytes })
    }

    /// The latest approved value of each indicator of the scorecard's pack for `period`, and
    /// the submission (with its evidence files) each value comes from.
    pub(crate) async fn approved_submissions(
        &self,
        period: &str,
    ) -> Result<(Submissions, crate::scorecard::SubmissionRefs)> {
        let list = self
            .inner
            .store
            .list_submissions(&SubmissionQuery {
                pack: Some(self.scorecard_pack().id.clone()),
                period: Some(period.to_string()),
                status: Some("approved".into()),
                ..Default::default()
            })
            .await?;
        let mut values = Submissions::new();
        let mut refs = crate::scorecard::SubmissionRefs::new();
        // Newest first: the first seen per indicator wins.
        for s in list {
            let Ok(n) = u32::try_from(s.indicator) else {
                continue;
            };
            if values.contains_key(&(n, None)) {
                continue;
            }
            values.insert((n, None), s.value);
            let evidence = self
                .inner
                .store
                .list_evidence(s.id)
                .await?
                .into_iter()
                .map(|e| crate::scorecard::EvidenceRef {
                    id: e.id,
                    file_name: e.file_name,
                    size: e.size,
                    sha256: e.sha256,
                })
                .collect();
            refs.insert(
                (n, None),
                crate::scorecard::SubmissionRef {
                    id: s.id,
                    department: s.department,
                    submitted_by: s.submitted_by,
                    submitted_ms: s.submitted_ms,
                    reviewed_by: s.reviewed_by,
                    reviewed_ms: s.reviewed_ms,
                    note: s.note,
                    evidence,
                },
            );
        }
        Ok((values, refs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        // 2026-11-30 16:00 UTC is 2026-12-01 00:00 in UTC+8.
        assert_eq!(period_of(1_796_054_400_000), "2026-12");
        assert_eq!(period_of(1_796_054_399_999), "2026-11");
        assert!(valid_period("2026-11"));
        for p in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "1999-12",
            "２026-11",
        ] {
            assert!(!valid_period(p), "{p}");
        }
    }
}
