//! Smart communities and the 80 % rule (issue 5, county indicator #44 智慧社区覆盖率).
//!
//! The Yishui task book: "参照地方标准 DB37/T 3890.3-2020 … 智慧社区规定建设任务完成权重达到
//! 80%以上，即可视为智慧社区". The community indicators of DB37/T 3890.3 are not in our sources,
//! so the platform does not score them: each community's self-assessment against that standard
//! is entered as one figure, the completed weight of its required tasks.
//!
//! - **Communities** are the regions at village level (12-digit codes) whose name ends with
//!   社区 ([`is_community`]); the other village-level regions (村) are not communities.
//! - **Assessments**: per month (`YYYY-MM`, UTC+8, not after the current month) and community,
//!   the completed weight (0–100 %), a note, who and when. Rows are never updated; the latest
//!   per (community, month) counts. Entered by admins and operators, or by department users of
//!   the lead units of #44 in the pack (县委政法委, 县民政局); viewers and other departments are
//!   refused (403). A closed month is 409. Audited (`community.assessment`).
//! - **The 80 % rule** ([`is_smart`]): a community is smart when its latest weight of the month
//!   is at least [`SMART_LINE`]. Coverage = smart communities / communities × 100.
//! - **#44** is `hybrid` in the pack: `percent(ratio(input(smart_communities),
//!   input(communities)))`. [`Engine::community_inputs`] supplies both inputs for the measured
//!   month only when at least one community has an assessment in it; otherwise the inputs are
//!   absent (no data, never 0) and the department's approved submission counts.
//! - **Evidence**: files attached to an assessment by whoever may assess (admins, operators,
//!   users of #44's lead departments), while its month is open; checked and stored as
//!   [`crate::evidence`] describes (`community.evidence` in the audit). Any signed-in user reads
//!   the board, the history and the files: the figure is the county's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Region, RegionLevel, Role};
use zhicheng_store::{CommunityAssessment, CommunityAssessmentQuery, CommunityEvidence};

use crate::error::invalid;
use crate::submissions::{period_of, valid_period};
use crate::{Engine, Error, Result};

/// The completed weight (per cent) at which a community is smart.
pub const SMART_LINE: f64 = 80.0;

/// The county indicator the communities feed: 智慧社区覆盖率.
pub const INDICATOR: u32 = 44;

/// The formula input holding the number of communities (only when the month has assessments).
pub const INPUT_COMMUNITIES: &str = "communities";

/// The formula input holding the number of smart communities.
pub const INPUT_SMART: &str = "smart_communities";

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Is `r` a community: a village-level region (12-digit code) whose name ends with 社区?
pub fn is_community(r: &Region) -> bool {
    r.level == RegionLevel::Village
        && r.code.len() == 12
        && r.code.bytes().all(|b| b.is_ascii_digit())
        && r.name.trim_end().ends_with("社区")
}

/// Is a community with this completed weight (per cent) smart?
pub fn is_smart(weight: f64) -> bool {
    weight >= SMART_LINE
}

/// The counts of a month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CommunityTotals {
    /// Communities in the registry.
    pub communities: usize,
    /// Of them, those with an assessment in the month.
    pub assessed: usize,
    /// Of them, those at [`SMART_LINE`] or above.
    pub smart: usize,
    /// `smart / communities × 100`; `None` when no community is assessed (no data).
    pub coverage: Option<f64>,
}

/// The totals of `communities` communities whose latest weights of the month are `weights`.
pub fn totals(communities: usize, weights: impl IntoIterator<Item = f64>) -> CommunityTotals {
    let (mut assessed, mut smart) = (0, 0);
    for w in weights {
        assessed += 1;
        if is_smart(w) {
            smart += 1;
        }
    }
    CommunityTotals {
        communities,
        assessed,
        smart,
        coverage: (assessed > 0 && communities > 0)
            .then(|| smart as f64 / communities as f64 * 100.0),
    }
}

/// The formula inputs of the totals: none without assessments (no data, never 0).
pub fn inputs(t: &CommunityTotals) -> BTreeMap<String, f64> {
    if t.assessed == 0 {
        return BTreeMap::new();
    }
    BTreeMap::from([
        (INPUT_COMMUNITIES.to_string(), t.communities as f64),
        (INPUT_SMART.to_string(), t.smart as f64),
    ])
}

/// An assessment with its verdict and evidence files.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentView {
    #[serde(flatten)]
    pub assessment: CommunityAssessment,
    /// At or above the 80 % line.
    pub smart: bool,
    pub evidence: Vec<CommunityEvidence>,
}

/// One community on the board.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityRow {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    /// The town or street it belongs to.
    pub parent: Option<String>,
    /// The latest assessment of the month; `None`: not assessed.
    pub latest: Option<AssessmentView>,
    /// `None` when not assessed.
    pub smart: Option<bool>,
}

/// Every community of a month against the 80 % line.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityBoard {
    /// `YYYY-MM`.
    pub period: String,
    /// The month is closed (assessments refused).
    pub closed: bool,
    /// [`SMART_LINE`].
    pub smart_line: f64,
    /// The indicator the coverage feeds.
    pub indicator: u32,
    /// May the reader enter assessments?
    pub may_assess: bool,
    pub totals: CommunityTotals,
    pub communities: Vec<CommunityRow>,
}

/// A new assessment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    /// `YYYY-MM`.
    pub period: String,
    /// Completed weight of the required tasks, per cent (0–100).
    pub weight: f64,
    #[serde(default)]
    pub note: Option<String>,
}

/// An evidence file's record and bytes.
#[derive(Debug, Clone)]
pub struct CommunityEvidenceFile {
    pub record: CommunityEvidence,
    pub bytes: Vec<u8>,
}

fn check_month(period: Option<&str>, now: i64) -> Result<String> {
    let current = period_of(now);
    let p = period.map_or_else(|| current.clone(), |p| p.trim().to_string());
    if !valid_period(&p) {
        return Err(invalid("period", "a month YYYY-MM, e.g. 2026-11"));
    }
    if p > current {
        return Err(invalid("period", format!("{p} has not begun")));
    }
    Ok(p)
}

impl Engine {
    /// The department ids of #44's lead units in the pack.
    fn community_leads(&self) -> Vec<String> {
        self.scorecard_pack()
            .indicator(INDICATOR)
            .map(|i| i.lead.iter().filter_map(|u| u.id.clone()).collect())
            .unwrap_or_default()
    }

    /// May `actor` enter community assessments? Admins, operators, and department users of
    /// #44's lead units.
    pub fn may_assess_communities(&self, actor: &Actor) -> bool {
        match actor.role {
            Role::Admin | Role::Operator => true,
            Role::Viewer => false,
            Role::Department => actor
                .department
                .as_ref()
                .is_some_and(|d| self.community_leads().contains(d)),
        }
    }

    fn check_may_assess(&self, actor: &Actor) -> Result<()> {
        if self.may_assess_communities(actor) {
            return Ok(());
        }
        Err(Error::Forbidden(match actor.role {
            Role::Viewer => "viewers do not assess communities".into(),
            _ => format!(
                "only the lead units of indicator #{INDICATOR} ({}), operators and admins assess \
                 communities",
                self.community_leads().join(", ")
            ),
        }))
    }

    /// The communities of the registry, by code.
    async fn community_regions(&self) -> Result<Vec<Region>> {
        let mut out: Vec<Region> = self
            .inner
            .store
            .list_regions()
            .await?
            .into_iter()
            .filter(is_community)
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }

    /// The community `code`: 404 when no region has it, 422 when the region is not a community.
    async fn community(&self, code: &str) -> Result<Region> {
        let code = code.trim();
        let region = self.region(code).await?;
        if !is_community(&region) {
            return Err(invalid(
                "code",
                format!(
                    "{} ({code}) is not a community: communities are village-level regions whose \
                     name ends with 社区 (不是社区)",
                    region.name
                ),
            ));
        }
        Ok(region)
    }

    /// The latest assessment of each community in `period`.
    async fn latest_assessments(
        &self,
        period: &str,
    ) -> Result<BTreeMap<String, CommunityAssessment>> {
        let mut latest = BTreeMap::new();
        // Newest first: the first row of a community is its latest.
        for a in self
            .inner
            .store
            .list_community_assessments(&CommunityAssessmentQuery {
                period: Some(period.to_string()),
                ..Default::default()
            })
            .await?
        {
            latest.entry(a.community.clone()).or_insert(a);
        }
        Ok(latest)
    }

    /// The totals of `period` over today's communities.
    pub(crate) async fn community_totals(&self, period: &str) -> Result<CommunityTotals> {
        let regions = self.community_regions().await?;
        let latest = self.latest_assessments(period).await?;
        Ok(totals(
            regions.len(),
            regions
                .iter()
                .filter_map(|r| latest.get(&r.code).map(|a| a.weight)),
        ))
    }

    /// The formula inputs of #44 for `period` (see the module docs).
    pub(crate) async fn community_inputs(&self, period: &str) -> Result<BTreeMap<String, f64>> {
        Ok(inputs(&self.community_totals(period).await?))
    }

    async fn assessment_views(
        &self,
        list: Vec<CommunityAssessment>,
    ) -> Result<Vec<AssessmentView>> {
        let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
        let mut evidence: BTreeMap<i64, Vec<CommunityEvidence>> = BTreeMap::new();
        for e in self.inner.store.list_community_evidence(&ids).await? {
            evidence.entry(e.assessment).or_default().push(e);
        }
        Ok(list
            .into_iter()
            .map(|a| AssessmentView {
                smart: is_smart(a.weight),
                evidence: evidence.remove(&a.id).unwrap_or_default(),
                assessment: a,
            })
            .collect())
    }

    /// Every community of `period` (default: the current month) with its latest assessment,
    /// and the totals. Any signed-in user.
    pub async fn community_board(
        &self,
        actor: &Actor,
        period: Option<&str>,
    ) -> Result<CommunityBoard> {
        self.community_board_at(actor, period, now_ms()).await
    }

    /// [`Engine::community_board`] with the clock as a parameter.
    pub async fn community_board_at(
        &self,
        actor: &Actor,
        period: Option<&str>,
        now: i64,
    ) -> Result<CommunityBoard> {
        let period = check_month(period, now)?;
        let regions = self.community_regions().await?;
        let mut latest = self.latest_assessments(&period).await?;
        let mut kept: Vec<CommunityAssessment> = Vec::new();
        for r in &regions {
            if let Some(a) = latest.remove(&r.code) {
                kept.push(a);
            }
        }
        let t = totals(regions.len(), kept.iter().map(|a| a.weight));
        let mut views: BTreeMap<String, AssessmentView> = self
            .assessment_views(kept)
            .await?
            .into_iter()
            .map(|v| (v.assessment.community.clone(), v))
            .collect();
        let closed = self
            .period_row(&period)
            .await?
            .is_some_and(|p| p.status == "closed");
        let communities = regions
            .into_iter()
            .map(|r| {
                let latest = views.remove(&r.code);
                CommunityRow {
                    smart: latest.as_ref().map(|v| v.smart),
                    latest,
                    code: r.code,
                    name: r.name,
                    name_en: r.name_en,
                    parent: r.parent,
                }
            })
            .collect();
        Ok(CommunityBoard {
            period,
            closed,
            smart_line: SMART_LINE,
            indicator: INDICATOR,
            may_assess: self.may_assess_communities(actor),
            totals: t,
            communities,
        })
    }

    /// Enters a community's self-assessment (see the module docs for who may).
    pub async fn assess_community(
        &self,
        actor: &Actor,
        code: &str,
        input: AssessmentInput,
    ) -> Result<AssessmentView> {
        self.assess_community_at(actor, code, input, now_ms()).await
    }

    /// [`Engine::assess_community`] with the clock as a parameter.
    pub async fn assess_community_at(
        &self,
        actor: &Actor,
        code: &str,
        input: AssessmentInput,
        now: i64,
    ) -> Result<AssessmentView> {
        // Held until stored: a month cannot be closed between the check and the write.
        let _months = self.inner.scorecard.month_writes.read().await;
        self.check_may_assess(actor)?;
        let region = self.community(code).await?;
        let period = check_month(Some(&input.period), now)?;
        if !input.weight.is_finite() || !(0.0..=100.0).contains(&input.weight) {
            return Err(invalid(
                "weight",
                "a completed weight from 0 to 100 (per cent)",
            ));
        }
        let note = input.note.unwrap_or_default().trim().to_string();
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(invalid(
                "note",
                format!("at most {MAX_NOTE_CHARS} characters"),
            ));
        }
        self.refuse_closed_period(&period).await?;
        let department = match actor.role {
            Role::Department => actor.department.clone(),
            _ => None,
        };
        let mut rec = CommunityAssessment {
            id: 0,
            community: region.code.clone(),
            period,
            weight: input.weight,
            note,
            department,
            assessed_by: actor.username.clone(),
            assessed_ms: now,
        };
        rec.id = self.inner.store.insert_community_assessment(&rec).await?;
        self.scorecard_changed();
        self.audit(
            &actor.username,
            "community.assessment",
            &rec.community,
            json!({"id": rec.id, "name": region.name, "period": rec.period,
                   "weight": rec.weight, "smart": is_smart(rec.weight),
                   "department": rec.department}),
        )
        .await;
        Ok(AssessmentView {
            smart: is_smart(rec.weight),
            assessment: rec,
            evidence: Vec::new(),
        })
    }

    /// The assessments of a community, newest first. Any signed-in user.
    pub async fn community_assessments(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<Vec<AssessmentView>> {
        let _ = actor;
        let region = self.community(code).await?;
        let list = self
            .inner
            .store
            .list_community_assessments(&CommunityAssessmentQuery {
                community: Some(region.code),
                ..Default::default()
            })
            .await?;
        self.assessment_views(list).await
    }

    /// The assessment `id` of the community `code` (404 when it is another community's).
    async fn assessment_of(&self, code: &str, id: i64) -> Result<CommunityAssessment> {
        let region = self.community(code).await?;
        match self.inner.store.get_community_assessment(id).await? {
            Some(a) if a.community == region.code => Ok(a),
            _ => Err(Error::NotFound(format!(
                "assessment {id} of community {}",
                region.code
            ))),
        }
    }

    /// Attaches an evidence file to an assessment (see the module docs for who may).
    pub async fn upload_community_evidence(
        &self,
        actor: &Actor,
        code: &str,
        id: i64,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<CommunityEvidence> {
        // Held until stored: a month cannot be closed between the check and the write.
        let _months = self.inner.scorecard.month_writes.read().await;
        self.check_may_assess(actor)?;
        let a = self.assessment_of(code, id).await?;
        self.refuse_closed_period(&a.period).await?;
        let file = crate::evidence::check_upload(name, content_type, bytes)?;
        let sha = self.store_evidence_bytes(bytes).await?;
        let mut rec = CommunityEvidence {
            id: 0,
            assessment: a.id,
            file_name: file.file_name,
            content_type: file.content_type.to_string(),
            size: bytes.len() as i64,
            sha256: sha,
            uploaded_by: actor.username.clone(),
            uploaded_ms: now_ms(),
        };
        rec.id = self.inner.store.insert_community_evidence(&rec).await?;
        self.audit(
            &actor.username,
            "community.evidence",
            &a.community,
            json!({"assessment": a.id, "period": a.period, "evidence": rec.id,
                   "file_name": rec.file_name, "size": rec.size, "sha256": rec.sha256}),
        )
        .await;
        Ok(rec)
    }

    /// An evidence file of an assessment. Any signed-in user.
    pub async fn community_evidence_file(
        &self,
        actor: &Actor,
        code: &str,
        id: i64,
        eid: i64,
    ) -> Result<CommunityEvidenceFile> {
        let _ = actor;
        let a = self.assessment_of(code, id).await?;
        let record = match self.inner.store.get_community_evidence(eid).await? {
            Some(e) if e.assessment == a.id => e,
            _ => {
                return Err(Error::NotFound(format!(
                    "evidence {eid} of assessment {}",
                    a.id
                )))
            }
        };
        let bytes = self
            .read_evidence_bytes(&record.sha256, &format!("evidence {eid}"))
            .await?;
        Ok(CommunityEvidenceFile { record, bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineConfig;

    fn region(code: &str, name: &str) -> Region {
        let mut r = Region {
            code: code.into(),
            name: name.into(),
            name_en: None,
            level: RegionLevel::County,
            parent: Some(code[..code.len().min(9)].into()),
            geometry: None,
        };
        r.level = RegionLevel::from_code(code).unwrap();
        r
    }

    #[test]
    fn communities_are_village_level_regions_named_shequ() {
        assert!(is_community(&region("370323001001", "城里社区")));
        assert!(is_community(&region("370323001002", "振兴社区 ")));
        assert!(!is_community(&region("370323001201", "东里村")));
        // 社区 at another level is not a community.
        assert!(!is_community(&region("370323001", "南麻社区")));
        assert!(!is_community(&region("370323001003", "社区卫生服务站")));
    }

    #[test]
    fn smart_at_80_percent_and_above() {
        assert!(is_smart(80.0));
        assert!(is_smart(85.0));
        assert!(is_smart(100.0));
        assert!(!is_smart(79.9));
        assert!(!is_smart(79.999_999));
        assert!(!is_smart(0.0));
    }

    #[test]
    fn coverage_is_smart_over_all_communities() {
        let t = totals(5, [85.0, 80.0, 79.9]);
        assert_eq!(
            t,
            CommunityTotals {
                communities: 5,
                assessed: 3,
                smart: 2,
                coverage: Some(40.0),
            }
        );
        assert_eq!(
            inputs(&t),
            BTreeMap::from([
                ("communities".into(), 5.0),
                ("smart_communities".into(), 2.0)
            ])
        );
        // Assessed but none smart: 0 %, a value.
        let t = totals(4, [10.0]);
        assert_eq!(t.coverage, Some(0.0));
        assert_eq!(inputs(&t)[INPUT_SMART], 0.0);
    }

    #[test]
    fn no_assessment_is_no_data_never_zero() {
        let t = totals(5, []);
        assert_eq!(t.assessed, 0);
        assert_eq!(t.coverage, None);
        assert!(inputs(&t).is_empty());
        assert_eq!(totals(0, []).coverage, None);
    }

    #[test]
    fn indicator_44_is_measured_from_the_inputs() {
        use zhicheng_scorecard::expr::Facts;
        use zhicheng_scorecard::{measure, score, Observed, Pack, Submissions};
        let pack = Pack::builtin_county();
        let facts =
            |t: &CommunityTotals| crate::scorecard::RegistryFacts::default().with_inputs(inputs(t));
        let mut subs = Submissions::new();
        subs.insert((INDICATOR, None), 12.5);
        // Assessed: auto from the inputs, whatever was submitted.
        let f = facts(&totals(5, [85.0, 80.0, 79.9]));
        assert_eq!(f.input(INPUT_SMART), Some(2.0));
        let obs = measure(&pack, &f, &subs);
        match obs.get(&(INDICATOR, None)) {
            Some(Observed::Value {
                value, provenance, ..
            }) => {
                assert!((value - 40.0).abs() < 1e-9);
                let calls: Vec<(&str, Option<f64>)> = provenance
                    .iter()
                    .map(|c| (c.call.as_str(), c.result))
                    .collect();
                assert!(
                    calls.contains(&("input(smart_communities)", Some(2.0))),
                    "{calls:?}"
                );
                assert!(
                    calls.contains(&("input(communities)", Some(5.0))),
                    "{calls:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        let card = score(&pack, &obs, 4);
        assert_eq!(
            card.indicator_status(INDICATOR),
            zhicheng_scorecard::score::Status::Met
        );
        // Not assessed: the submitted value, as any hybrid indicator.
        let obs = measure(&pack, &facts(&totals(5, [])), &subs);
        match obs.get(&(INDICATOR, None)) {
            Some(Observed::Value { value, source, .. }) => {
                assert_eq!(*value, 12.5);
                assert_eq!(*source, zhicheng_scorecard::score::Source::Submitted);
            }
            other => panic!("{other:?}"),
        }
        // Neither: no data.
        let obs = measure(&pack, &facts(&totals(5, [])), &Submissions::new());
        assert!(matches!(
            obs.get(&(INDICATOR, None)),
            Some(Observed::NoData { .. })
        ));
    }

    fn actor(name: &str, role: Role, department: Option<&str>) -> Actor {
        Actor {
            username: name.into(),
            role,
            department: department.map(str::to_string),
        }
    }

    #[tokio::test]
    async fn assessments_are_checked_counted_and_audited() {
        let store = zhicheng_store::open("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        let engine = Engine::start(store.clone(), EngineConfig::default())
            .await
            .unwrap();
        let admin = actor("admin", Role::Admin, None);
        for (code, name) in [
            ("370323", "沂源县"),
            ("370323001", "南麻街道"),
            ("370323001001", "城里社区"),
            ("370323001002", "振兴社区"),
            ("370323001201", "西关村"),
        ] {
            let mut r = region(code, name);
            r.parent = (code.len() > 6).then(|| code[..code.len() - 3].into());
            engine.put_region(&admin, r).await.unwrap();
        }
        // 2025-11-15 08:00 (UTC+8).
        let now = 1_763_164_800_000;
        let period = period_of(now);
        let input = |w: f64| AssessmentInput {
            period: period.clone(),
            weight: w,
            note: Some(" 自评 ".into()),
        };
        assert!(engine.community_inputs(&period).await.unwrap().is_empty());

        let ca = actor("ca1", Role::Department, Some("civil-affairs"));
        let a = engine
            .assess_community_at(&ca, "370323001001", input(80.0), now)
            .await
            .unwrap();
        assert!(a.smart);
        assert_eq!(a.assessment.note, "自评");
        assert_eq!(a.assessment.department.as_deref(), Some("civil-affairs"));
        for (who, code, w) in [
            (
                actor("pol1", Role::Department, Some("police")),
                "370323001002",
                90.0,
            ),
            (actor("v", Role::Viewer, None), "370323001002", 90.0),
        ] {
            assert!(matches!(
                engine.assess_community_at(&who, code, input(w), now).await,
                Err(Error::Forbidden(_))
            ));
        }
        assert!(matches!(
            engine
                .assess_community_at(&admin, "370323001201", input(90.0), now)
                .await,
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            engine
                .assess_community_at(&admin, "370323001009", input(90.0), now)
                .await,
            Err(Error::NotFound(_))
        ));
        for w in [-1.0, 100.1, f64::NAN] {
            assert!(matches!(
                engine
                    .assess_community_at(&admin, "370323001002", input(w), now)
                    .await,
                Err(Error::Invalid(_))
            ));
        }
        assert_eq!(
            engine.community_inputs(&period).await.unwrap(),
            BTreeMap::from([
                ("communities".into(), 2.0),
                ("smart_communities".into(), 1.0)
            ])
        );
        // Another month has none.
        assert!(engine.community_inputs("2026-10").await.unwrap().is_empty());

        let audit = store.list_audit(20, None).await.unwrap();
        let e = audit
            .iter()
            .find(|x| x.action == "community.assessment")
            .expect("the assessment is audited");
        assert_eq!(
            (e.actor.as_str(), e.target.as_str()),
            ("ca1", "370323001001")
        );
        let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
        assert_eq!(detail["weight"], 80.0);
        assert_eq!(detail["smart"], true);
        assert_eq!(detail["period"], period.as_str());
        // Refusals are not.
        assert_eq!(
            audit
                .iter()
                .filter(|x| x.action == "community.assessment")
                .count(),
            1
        );
        engine.shutdown().await;
    }
}
