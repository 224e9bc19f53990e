//! One conformance suite, run against both backends.
//!
//! Each case is an `async fn case_xxx(store: Arc<dyn Store>)` written once; the
//! [`conformance!`] macro generates `sqlite::case_xxx` (a fresh file in a temporary directory)
//! and `postgres::case_xxx` (a fresh database on the server named by
//! `ZHICHENG_TEST_POSTGRES_URL`, dropped afterwards; the test is skipped when the variable is
//! unset). Stores arrive un-migrated; cases call [`ready`] first.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use zhicheng_model::{
    BBox, Department, Entity, EntityQuery, EntityStatus, Grid, Kind, Region, RegionLevel, Step,
};
use zhicheng_store::{
    AlarmAction, AlarmChange, AlarmChangeKind, AlarmQuery, AlarmRecord, AuditEntry, Backend,
    BaseFigure, CaseAttachment, CaseQuery, CaseRow, CaseTimelineRow, CommunityAssessment,
    CommunityAssessmentQuery, CommunityEvidence, DeviceToken, Error, IndicatorEvidence,
    IndicatorSubmission, NewEvent, Point, RollupPoint, RuleVersion, ScorecardPeriod, Series,
    Session, Store, SubmissionQuery, TaskEvidence, TaskProgress, TaskProgressQuery, UserRecord,
    Webhook, WebhookLog, WriteStats,
};

// ---------------------------------------------------------------- harness

async fn run_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("zhicheng.db").display());
    let store = zhicheng_store::open(&url).await.expect("open sqlite");
    assert_eq!(store.backend(), Backend::Sqlite);
    case(store.clone()).await;
    store.close().await;
}

fn random_hex() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(SEQ.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// `url` with its database replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[host_start..]
        .find('/')
        .map_or(base.len(), |i| host_start + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn run_postgres<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(server) = std::env::var("ZHICHENG_TEST_POSTGRES_URL") else {
        eprintln!("skipping: ZHICHENG_TEST_POSTGRES_URL not set");
        return;
    };
    let name = format!("zc_t_{}", random_hex());
    let mut admin = PgConnection::connect(&server)
        .await
        .expect("connect to ZHICHENG_TEST_POSTGRES_URL");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let store = zhicheng_store::open(&with_database(&server, &name))
        .await
        .expect("open postgres");
    assert_eq!(store.backend(), Backend::Postgres);
    // Run the case as a task so that a failure still lets us drop the database.
    let outcome = tokio::spawn(case(store.clone())).await;
    store.close().await;
    drop(store);
    if let Err(e) = admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
    {
        eprintln!("could not drop test database {name}: {e}");
    }
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("case did not finish: {e}");
    }
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::run_sqlite(super::$case).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::run_postgres(super::$case).await
                }
            )*
        }
    };
}

conformance!(
    case_migrations,
    case_base_figures,
    case_ping,
    case_regions,
    case_departments,
    case_grids,
    case_kinds,
    case_entity_crud,
    case_insert_entities_all_or_nothing,
    case_list_entities_filters,
    case_list_entities_pagination,
    case_users_and_sessions,
    case_device_tokens,
    case_audit,
    case_ensure_series,
    case_write_batch_idempotent,
    case_write_batch_large,
    case_values_round_trip_exactly,
    case_non_finite_values_refused,
    case_latest_moves_forward,
    case_history_raw_range,
    case_rollups_by_hand,
    case_rollup_ranges,
    case_compact_rollups_counts,
    case_retention_by_kind,
    case_delete_entity_cascades,
    case_concurrent_writes_and_compaction,
    case_late_and_replayed_points_merge,
    case_writes_to_a_deleted_series_are_dropped,
    case_repack_joins_small_blocks,
    case_indicator_submissions,
    case_scorecard_periods,
    case_task_progress,
    case_task_evidence,
    case_community_assessments,
    case_alarms,
    case_alarm_bursts,
    case_rule_versions_state_and_webhooks,
    case_cases,
);

// ---------------------------------------------------------------- fixtures

async fn ready(store: &Arc<dyn Store>) {
    store.migrate().await.expect("migrate");
}

fn region(code: &str, name: &str) -> Region {
    let mut r = Region {
        code: code.into(),
        name: name.into(),
        name_en: None,
        level: RegionLevel::County,
        parent: None,
        geometry: None,
    };
    r.validate().expect("valid region");
    r
}

fn department(id: &str) -> Department {
    Department {
        id: id.into(),
        name: format!("部门 {id}"),
        name_en: Some(format!("Dept {id}")),
        region: Some("370323".into()),
    }
}

fn square(lon: f64, lat: f64, size: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]
    ]]})
}

fn grid(id: &str, region: &str, departments: &[&str]) -> Grid {
    Grid {
        id: id.into(),
        name: format!("网格 {id}"),
        region: region.into(),
        departments: departments.iter().map(|d| d.to_string()).collect(),
        geometry: square(118.1, 36.1, 0.01),
    }
}

fn kind(id: &str) -> Kind {
    serde_json::from_value(json!({
        "id": id,
        "name": format!("类型 {id}"),
        "attributes": [{"name": "height_m", "type": "number", "unit": "m"}],
        "metrics": [{"name": "pm25", "unit": "µg/m³"}, {"name": "on", "type": "boolean"}],
        "retention_days": 30
    }))
    .expect("valid kind")
}

fn entity(id: &str, kind: &str, department: &str, region: &str) -> Entity {
    Entity {
        id: id.into(),
        kind: kind.into(),
        name: format!("设施 {id}"),
        department: department.into(),
        region: region.into(),
        geometry: Some(json!({"type": "Point", "coordinates": [118.17, 36.18]})),
        attributes: json!({"height_m": 3.5})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        status: EntityStatus::Active,
        created_ms: 1_700_000_000_000,
        updated_ms: 1_700_000_000_000,
    }
}

fn user(name: &str, department: Option<&str>) -> UserRecord {
    UserRecord {
        username: name.into(),
        display_name: format!("User {name}"),
        role: if department.is_some() {
            "department"
        } else {
            "admin"
        }
        .into(),
        department: department.map(str::to_string),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        disabled: false,
        created_ms: 1_700_000_000_000,
    }
}

fn pt(series: i64, ts: i64, value: f64) -> Point {
    Point { series, ts, value }
}

async fn one_series(store: &Arc<dyn Store>, entity: &str, metric: &str) -> i64 {
    store
        .ensure_series(&[(entity.to_string(), metric.to_string())])
        .await
        .expect("ensure series")[0]
        .id
}

fn rp(ts: i64, min: f64, max: f64, sum: f64, count: i64) -> RollupPoint {
    RollupPoint {
        ts,
        min,
        max,
        avg: sum / count as f64,
        count,
    }
}

fn ids(page: &[Entity]) -> Vec<&str> {
    page.iter().map(|e| e.id.as_str()).collect()
}

async fn list_ids(store: &Arc<dyn Store>, q: EntityQuery) -> Vec<String> {
    let page = store.list_entities(&q).await.expect("list entities");
    assert!(page.next_cursor.is_none(), "expected one page for {q:?}");
    page.items.into_iter().map(|e| e.id).collect()
}

// 2026-11-22T16:00:00Z = 2026-11-23T00:00:00+08:00: a China day starts here.
const DAY: i64 = 1_795_363_200_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;

// ---------------------------------------------------------------- cases

async fn case_migrations(store: Arc<dyn Store>) {
    let before = store.migration_status().await.expect("status before");
    assert!(before.applied.is_empty());
    assert_eq!(before.pending, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    let after = store.migrate().await.expect("migrate");
    assert_eq!(after.applied, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert!(after.pending.is_empty());
    // Re-running is a no-op.
    assert_eq!(store.migrate().await.expect("migrate again"), after);
    assert_eq!(store.migration_status().await.expect("status"), after);
}

async fn case_ping(store: Arc<dyn Store>) {
    store.ping().await.expect("ping before migrations");
    ready(&store).await;
    store.ping().await.expect("ping");
}

async fn case_regions(store: Arc<dyn Store>) {
    ready(&store).await;
    let mut county = region("370323", "沂源县");
    county.geometry = Some(square(118.0, 36.0, 0.5));
    let town = region("370323100", "南麻街道");
    store.put_region(&town).await.expect("put town");
    store.put_region(&county).await.expect("put county");
    assert_eq!(
        store.get_region("370323").await.unwrap(),
        Some(county.clone())
    );
    assert_eq!(
        store.get_region("370323100").await.unwrap().unwrap().level,
        RegionLevel::Town
    );
    assert_eq!(store.get_region("999999").await.unwrap(), None);

    // Upsert.
    county.name_en = Some("Yiyuan".into());
    store.put_region(&county).await.expect("upsert county");
    let all = store.list_regions().await.unwrap();
    assert_eq!(all, vec![county.clone(), town.clone()]);

    // A county with a town below it cannot go.
    assert!(matches!(
        store.delete_region("370323").await,
        Err(Error::Conflict(_))
    ));
    // Nor a town with a grid or an entity in it (or below it).
    store
        .put_grid(&grid("g1", "370323100", &["dept"]))
        .await
        .unwrap();
    assert!(matches!(
        store.delete_region("370323100").await,
        Err(Error::Conflict(_))
    ));
    assert!(store.delete_grid("g1").await.unwrap());
    store
        .insert_entity(&entity("e1", "k", "dept", "370323100201"))
        .await
        .unwrap();
    assert!(matches!(
        store.delete_region("370323100").await,
        Err(Error::Conflict(_))
    ));
    assert!(store.delete_entity("e1").await.unwrap());
    // A neighbour's code sharing digits is not a child.
    store
        .put_region(&region("370323101", "悦庄镇"))
        .await
        .unwrap();
    assert!(store.delete_region("370323100").await.expect("delete town"));
    assert!(!store
        .delete_region("370323100")
        .await
        .expect("delete again"));
    assert!(store.delete_region("370323101").await.unwrap());
    assert!(store.delete_region("370323").await.expect("delete county"));
    assert!(store.list_regions().await.unwrap().is_empty());
}

async fn case_departments(store: Arc<dyn Store>) {
    ready(&store).await;
    let mut d = department("eco-env");
    store.put_department(&d).await.unwrap();
    store.put_department(&department("bigdata")).await.unwrap();
    d.name = "生态环境分局".into();
    d.region = None;
    store.put_department(&d).await.expect("upsert");
    assert_eq!(
        store.get_department("eco-env").await.unwrap(),
        Some(d.clone())
    );
    let ids: Vec<String> = store
        .list_departments()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, vec!["bigdata", "eco-env"]);

    store
        .insert_entity(&entity("air-1", "air", "eco-env", "370323"))
        .await
        .unwrap();
    assert!(matches!(
        store.delete_department("eco-env").await,
        Err(Error::Conflict(_))
    ));
    store.delete_entity("air-1").await.unwrap();
    store.put_user(&user("li", Some("eco-env"))).await.unwrap();
    assert!(matches!(
        store.delete_department("eco-env").await,
        Err(Error::Conflict(_))
    ));
    store.delete_user("li").await.unwrap();
    assert!(store.delete_department("eco-env").await.expect("delete"));
    assert!(!store.delete_department("eco-env").await.unwrap());
    assert_eq!(store.get_department("eco-env").await.unwrap(), None);
}

async fn case_grids(store: Arc<dyn Store>) {
    ready(&store).await;
    // Departments keep their order, including the owner listed first.
    let mut g1 = grid("370323100-g01", "370323100", &["zz", "aa", "mm"]);
    let g2 = grid("370323101-g01", "370323101", &[]);
    let g3 = grid("370324100-g01", "370324100", &["aa"]);
    for g in [&g1, &g2, &g3] {
        store.put_grid(g).await.expect("put grid");
    }
    assert_eq!(store.get_grid(&g1.id).await.unwrap(), Some(g1.clone()));
    assert_eq!(
        store.list_grids(None).await.unwrap(),
        vec![g1.clone(), g2.clone(), g3.clone()]
    );
    assert_eq!(
        store.list_grids(Some("370323")).await.unwrap(),
        vec![g1.clone(), g2.clone()]
    );
    assert_eq!(
        store.list_grids(Some("370323101")).await.unwrap(),
        vec![g2.clone()]
    );
    assert!(store.list_grids(Some("370325")).await.unwrap().is_empty());

    // Upsert replaces the departments.
    g1.departments = vec!["bb".into()];
    g1.name = "第一网格".into();
    store.put_grid(&g1).await.expect("upsert grid");
    assert_eq!(store.get_grid(&g1.id).await.unwrap(), Some(g1.clone()));

    assert!(store.delete_grid(&g1.id).await.unwrap());
    assert!(!store.delete_grid(&g1.id).await.unwrap());
    assert_eq!(store.get_grid(&g1.id).await.unwrap(), None);
    assert_eq!(store.list_grids(None).await.unwrap(), vec![g2, g3]);
}

async fn case_kinds(store: Arc<dyn Store>) {
    ready(&store).await;
    let mut k = kind("air_station");
    store.put_kind(&k).await.unwrap();
    store.put_kind(&kind("streetlight")).await.unwrap();
    assert_eq!(
        store.get_kind("air_station").await.unwrap(),
        Some(k.clone())
    );
    k.retention_days = None;
    k.metrics.pop();
    store.put_kind(&k).await.expect("upsert");
    assert_eq!(
        store.get_kind("air_station").await.unwrap(),
        Some(k.clone())
    );
    let ids: Vec<String> = store
        .list_kinds()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(ids, vec!["air_station", "streetlight"]);

    store
        .insert_entity(&entity("air-1", "air_station", "eco", "370323"))
        .await
        .unwrap();
    assert!(matches!(
        store.delete_kind("air_station").await,
        Err(Error::Conflict(_))
    ));
    assert!(store.delete_kind("streetlight").await.unwrap());
    store.delete_entity("air-1").await.unwrap();
    assert!(store.delete_kind("air_station").await.unwrap());
    assert!(!store.delete_kind("air_station").await.unwrap());
    assert!(store.list_kinds().await.unwrap().is_empty());
}

async fn case_entity_crud(store: Arc<dyn Store>) {
    ready(&store).await;
    let mut e = entity("air-0001", "air_station", "eco-env", "370323100");
    e.status = EntityStatus::Planned;
    store.insert_entity(&e).await.expect("insert");
    assert_eq!(store.get_entity("air-0001").await.unwrap(), Some(e.clone()));
    assert_eq!(store.get_entity("nope").await.unwrap(), None);

    match store.insert_entity(&e).await {
        Err(Error::Conflict(msg)) => assert!(msg.contains("air-0001"), "{msg}"),
        other => panic!("expected a conflict, got {other:?}"),
    }

    // Update replaces everything but the creation time.
    let mut changed = e.clone();
    changed.name = "新名字".into();
    changed.geometry = None;
    changed.attributes.clear();
    changed.status = EntityStatus::Retired;
    changed.created_ms = 1;
    changed.updated_ms = e.updated_ms + 1000;
    assert!(store.update_entity(&changed).await.expect("update"));
    let stored = store
        .get_entity("air-0001")
        .await
        .unwrap()
        .expect("still there");
    assert_eq!(stored.created_ms, e.created_ms);
    changed.created_ms = e.created_ms;
    assert_eq!(stored, changed);
    let mut ghost = e.clone();
    ghost.id = "ghost".into();
    assert!(!store.update_entity(&ghost).await.unwrap());
    assert_eq!(store.get_entity("ghost").await.unwrap(), None);

    store
        .insert_entity(&entity("light-1", "streetlight", "urban", "370323"))
        .await
        .unwrap();
    assert_eq!(store.count_entities(None).await.unwrap(), 2);
    assert_eq!(store.count_entities(Some("streetlight")).await.unwrap(), 1);
    assert_eq!(store.count_entities(Some("nothing")).await.unwrap(), 0);

    assert!(store.delete_entity("air-0001").await.unwrap());
    assert!(!store.delete_entity("air-0001").await.unwrap());
    assert_eq!(store.count_entities(None).await.unwrap(), 1);
}

async fn case_insert_entities_all_or_nothing(store: Arc<dyn Store>) {
    ready(&store).await;
    store
        .insert_entity(&entity("b-0500", "k", "d", "370323"))
        .await
        .unwrap();
    // 1200 entities (more than one statement's worth), one of which exists already.
    let batch: Vec<Entity> = (0..1200)
        .map(|i| entity(&format!("b-{i:04}"), "k", "d", "370323"))
        .collect();
    match store.insert_entities(&batch).await {
        Err(Error::Conflict(msg)) => assert!(msg.contains("b-0500"), "{msg}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        store.count_entities(None).await.unwrap(),
        1,
        "nothing imported"
    );

    // A batch that repeats an id is refused whole too.
    let twice = vec![
        entity("c-1", "k", "d", "370323"),
        entity("c-2", "k", "d", "370323"),
        entity("c-1", "k", "d", "370323"),
    ];
    match store.insert_entities(&twice).await {
        Err(Error::Conflict(msg)) => assert!(msg.contains("c-1"), "{msg}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.count_entities(None).await.unwrap(), 1);

    let good: Vec<Entity> = batch.into_iter().filter(|e| e.id != "b-0500").collect();
    store.insert_entities(&good).await.expect("import");
    assert_eq!(store.count_entities(None).await.unwrap(), 1200);
    assert_eq!(
        store.get_entity("b-1199").await.unwrap(),
        Some(good[1198].clone())
    );
    store.insert_entities(&[]).await.expect("empty import");
}

async fn case_list_entities_filters(store: Arc<dyn Store>) {
    ready(&store).await;
    let mut es = vec![
        entity("air-1", "air", "eco", "370323"),
        entity("air-2", "air", "eco", "370323100"),
        entity("air-3", "air", "eco", "370323100201"),
        entity("light-1", "light", "urban", "370323101"),
        entity("light-2", "light", "urban", "370324100"),
        entity("park-1", "parking", "urban", "3703231"),
    ];
    // Geometry: a point, a polygon, and one without geometry.
    es[0].geometry = Some(json!({"type": "Point", "coordinates": [118.10, 36.10]}));
    es[1].geometry = Some(square(118.0, 36.0, 0.5));
    es[2].geometry = None;
    es[3].geometry = Some(json!({"type": "Point", "coordinates": [119.0, 37.0]}));
    es[4].geometry =
        Some(json!({"type": "LineString", "coordinates": [[118.3, 35.0], [118.3, 35.5]]}));
    // Names with LIKE wildcards and mixed case.
    es[0].name = "PM2.5 站 50% North".into();
    es[1].name = "南麻 a_b 站".into();
    es[2].name = "南麻 axb 站".into();
    es[3].name = "Street Light".into();
    store.insert_entities(&es).await.unwrap();

    let q = |f: fn(&mut EntityQuery)| {
        let mut q = EntityQuery::default();
        f(&mut q);
        q
    };
    assert_eq!(
        list_ids(&store, q(|q| q.kind = Some("air".into()))).await,
        vec!["air-1", "air-2", "air-3"]
    );
    assert_eq!(
        list_ids(&store, q(|q| q.department = Some("urban".into()))).await,
        vec!["light-1", "light-2", "park-1"]
    );
    // Region: itself and every code below it, by prefix.
    assert_eq!(
        list_ids(&store, q(|q| q.region = Some("370323".into()))).await,
        vec!["air-1", "air-2", "air-3", "light-1", "park-1"]
    );
    assert_eq!(
        list_ids(&store, q(|q| q.region = Some("370323100".into()))).await,
        vec!["air-2", "air-3"]
    );
    assert_eq!(
        list_ids(&store, q(|q| q.region = Some("370324".into()))).await,
        vec!["light-2"]
    );
    assert!(list_ids(&store, q(|q| q.region = Some("37032310".into())))
        .await
        .contains(&"air-2".to_string()));
    // BBox: intersects the stored box; no geometry never matches.
    let bbox = |s: &str| BBox::parse(s).expect("bbox");
    let near = bbox("118.05,36.05,118.15,36.15");
    assert_eq!(
        list_ids(
            &store,
            EntityQuery {
                bbox: Some(near),
                ..Default::default()
            }
        )
        .await,
        vec!["air-1", "air-2"]
    );
    let line = bbox("118.29,35.2,118.31,35.3");
    assert_eq!(
        list_ids(
            &store,
            EntityQuery {
                bbox: Some(line),
                ..Default::default()
            }
        )
        .await,
        vec!["light-2"]
    );
    let world = bbox("-180,-90,180,90");
    let all_geo = list_ids(
        &store,
        EntityQuery {
            bbox: Some(world),
            ..Default::default()
        },
    )
    .await;
    assert!(!all_geo.contains(&"air-3".to_string()));
    assert_eq!(all_geo.len(), 5);
    let empty = bbox("100,10,100.5,10.5");
    assert!(list_ids(
        &store,
        EntityQuery {
            bbox: Some(empty),
            ..Default::default()
        }
    )
    .await
    .is_empty());
    // Text: substring of id or name, ASCII case-insensitive, wildcards literal.
    let text = |t: &str| EntityQuery {
        text: Some(t.into()),
        ..Default::default()
    };
    assert_eq!(list_ids(&store, text("50%")).await, vec!["air-1"]);
    assert_eq!(list_ids(&store, text("a_b")).await, vec!["air-2"]);
    assert_eq!(list_ids(&store, text("%")).await, vec!["air-1"]);
    assert_eq!(list_ids(&store, text("_")).await, vec!["air-2"]);
    assert_eq!(list_ids(&store, text("STREET")).await, vec!["light-1"]);
    assert_eq!(
        list_ids(&store, text("LIGHT-")).await,
        vec!["light-1", "light-2"]
    );
    assert_eq!(list_ids(&store, text("南麻")).await, vec!["air-2", "air-3"]);
    assert_eq!(list_ids(&store, text("pm2.5")).await, vec!["air-1"]);
    assert!(list_ids(&store, text("nothing")).await.is_empty());
    // Filters combine.
    let combined = EntityQuery {
        kind: Some("air".into()),
        region: Some("370323100".into()),
        text: Some("站".into()),
        bbox: Some(near),
        ..Default::default()
    };
    assert_eq!(list_ids(&store, combined).await, vec!["air-2"]);
    // Cursor alone.
    assert_eq!(
        list_ids(
            &store,
            EntityQuery {
                after: Some("light-1".into()),
                ..Default::default()
            }
        )
        .await,
        vec!["light-2", "park-1"]
    );
}

async fn case_list_entities_pagination(store: Arc<dyn Store>) {
    ready(&store).await;
    // Ids whose byte order differs from a locale's: upper case, digits, - _ . :
    let mut all: Vec<String> = (0..1003).map(|i| format!("e-{i:04}")).collect();
    all.extend(
        ["A-1", "Z.9", "_x", "a:b", "e_0001", "e.5", "0", "E-0001"]
            .iter()
            .map(|s| s.to_string()),
    );
    let es: Vec<Entity> = all
        .iter()
        .enumerate()
        .map(|(i, id)| entity(id, if i % 3 == 0 { "even" } else { "odd" }, "d", "370323"))
        .collect();
    store.insert_entities(&es).await.unwrap();
    let mut expected = all.clone();
    expected.sort(); // Rust's String order is bytewise.

    // Walk every page.
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_entities(&EntityQuery {
                after: cursor.clone(),
                limit: 7,
                ..Default::default()
            })
            .await
            .unwrap();
        pages += 1;
        assert!(page.items.len() <= 7);
        seen.extend(page.items.iter().map(|e| e.id.clone()));
        match page.next_cursor {
            Some(c) => {
                assert_eq!(Some(c.as_str()), ids(&page.items).last().copied());
                cursor = Some(c);
            }
            None => break,
        }
        assert!(pages < 1000, "pagination does not end");
    }
    assert_eq!(seen, expected, "every entity once, in id order");
    assert_eq!(pages, expected.len().div_ceil(7));

    // Exactly a page's worth left: the last page may announce a next one, which is empty.
    let mut filtered = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_entities(&EntityQuery {
                kind: Some("even".into()),
                after: cursor.clone(),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        filtered.extend(page.items.into_iter().map(|e| e.id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut want: Vec<String> = all.iter().step_by(3).cloned().collect();
    want.sort();
    assert_eq!(filtered, want);

    // Limits: 0 means 100, above 1000 is clamped.
    let page = store.list_entities(&EntityQuery::default()).await.unwrap();
    assert_eq!(page.items.len(), 100);
    assert_eq!(page.next_cursor.as_deref(), Some(expected[99].as_str()));
    let page = store
        .list_entities(&EntityQuery {
            limit: 5000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1000);
    assert!(page.next_cursor.is_some());
}

async fn case_users_and_sessions(store: Arc<dyn Store>) {
    ready(&store).await;
    let mut admin = user("admin", None);
    let li = user("li", Some("eco-env"));
    store.put_user(&li).await.unwrap();
    store.put_user(&admin).await.unwrap();
    assert_eq!(store.get_user("li").await.unwrap(), Some(li.clone()));
    admin.disabled = true;
    admin.display_name = "管理员".into();
    store.put_user(&admin).await.expect("upsert");
    assert_eq!(
        store.list_users().await.unwrap(),
        vec![admin.clone(), li.clone()]
    );
    assert_eq!(store.get_user("nobody").await.unwrap(), None);

    let s = |hash: &str, who: &str, expires: i64| Session {
        token_hash: hash.into(),
        username: who.into(),
        created_ms: 1000,
        expires_ms: expires,
    };
    store.create_session(&s("h1", "li", 5_000)).await.unwrap();
    store.create_session(&s("h2", "li", 10_000)).await.unwrap();
    store
        .create_session(&s("h3", "admin", 2_000))
        .await
        .unwrap();
    assert!(matches!(
        store.create_session(&s("h1", "admin", 1)).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(
        store.get_session("h1").await.unwrap(),
        Some(s("h1", "li", 5_000))
    );
    store.delete_session("h1").await.unwrap();
    store
        .delete_session("h1")
        .await
        .expect("deleting twice is fine");
    assert_eq!(store.get_session("h1").await.unwrap(), None);
    // Expired ones (strictly before now) go.
    assert_eq!(store.delete_expired_sessions(2_000).await.unwrap(), 0);
    assert_eq!(store.delete_expired_sessions(2_001).await.unwrap(), 1);
    assert_eq!(store.get_session("h3").await.unwrap(), None);
    // Deleting a user ends their sessions.
    assert!(store.delete_user("li").await.unwrap());
    assert!(!store.delete_user("li").await.unwrap());
    assert_eq!(store.get_session("h2").await.unwrap(), None);
    assert_eq!(store.list_users().await.unwrap(), vec![admin]);
}

async fn case_device_tokens(store: Arc<dyn Store>) {
    ready(&store).await;
    let t = |id: &str, entity: &str, hash: &str| DeviceToken {
        id: id.into(),
        entity: entity.into(),
        token_hash: hash.into(),
        created_ms: 1_700_000_000_000,
        created_by: "admin".into(),
    };
    store
        .create_device_token(&t("t2", "air-1", "h2"))
        .await
        .unwrap();
    store
        .create_device_token(&t("t1", "air-1", "h1"))
        .await
        .unwrap();
    store
        .create_device_token(&t("t3", "air-2", "h3"))
        .await
        .unwrap();
    assert!(matches!(
        store.create_device_token(&t("t4", "air-2", "h1")).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        store.create_device_token(&t("t1", "air-2", "h9")).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(
        store.list_device_tokens(Some("air-1")).await.unwrap(),
        vec![t("t1", "air-1", "h1"), t("t2", "air-1", "h2")]
    );
    assert_eq!(store.list_device_tokens(None).await.unwrap().len(), 3);
    assert!(store
        .list_device_tokens(Some("none"))
        .await
        .unwrap()
        .is_empty());
    // Revoking needs the right entity.
    assert!(!store.revoke_device_token("air-2", "t1").await.unwrap());
    assert!(store.revoke_device_token("air-1", "t1").await.unwrap());
    assert!(!store.revoke_device_token("air-1", "t1").await.unwrap());
    assert_eq!(
        store.list_device_tokens(Some("air-1")).await.unwrap(),
        vec![t("t2", "air-1", "h2")]
    );
}

async fn case_audit(store: Arc<dyn Store>) {
    ready(&store).await;
    for i in 0..5 {
        store
            .append_audit(&AuditEntry {
                id: 0,
                ts: 1000 + i,
                actor: "admin".into(),
                action: "entity.delete".into(),
                target: format!("e{i}"),
                detail: json!({"n": i}).to_string(),
            })
            .await
            .unwrap();
    }
    let all = store.list_audit(100, None).await.unwrap();
    assert_eq!(all.len(), 5);
    let targets: Vec<&str> = all.iter().map(|a| a.target.as_str()).collect();
    assert_eq!(targets, vec!["e4", "e3", "e2", "e1", "e0"]);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "ids increase");
    assert_eq!(all[0].ts, 1004);
    assert_eq!(all[0].detail, r#"{"n":4}"#);
    let first = store.list_audit(2, None).await.unwrap();
    assert_eq!(first, all[..2].to_vec());
    let next = store.list_audit(2, Some(first[1].id)).await.unwrap();
    assert_eq!(next, all[2..4].to_vec());
    assert!(store
        .list_audit(10, Some(all[4].id))
        .await
        .unwrap()
        .is_empty());
}

async fn case_ensure_series(store: Arc<dyn Store>) {
    ready(&store).await;
    let k = |e: &str, m: &str| (e.to_string(), m.to_string());
    let first = store
        .ensure_series(&[k("air-1", "pm25"), k("air-1", "pm10"), k("air-2", "pm25")])
        .await
        .unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(
        (first[0].entity.as_str(), first[0].metric.as_str()),
        ("air-1", "pm25")
    );
    assert_eq!(
        (first[1].entity.as_str(), first[1].metric.as_str()),
        ("air-1", "pm10")
    );
    let distinct: HashSet<i64> = first.iter().map(|s| s.id).collect();
    assert_eq!(distinct.len(), 3);

    // Idempotent, in the order asked, with repeats and a new key mixed in.
    let again = store
        .ensure_series(&[
            k("air-2", "pm25"),
            k("air-3", "no2"),
            k("air-1", "pm25"),
            k("air-2", "pm25"),
        ])
        .await
        .unwrap();
    assert_eq!(again[0], first[2]);
    assert_eq!(again[2], first[0]);
    assert_eq!(again[3], first[2]);
    assert!(!distinct.contains(&again[1].id));
    assert!(store.ensure_series(&[]).await.unwrap().is_empty());

    let mut listed = store.list_series().await.unwrap();
    listed.sort_by_key(|s| s.id);
    let mut want: Vec<Series> = first.clone();
    want.push(again[1].clone());
    want.sort_by_key(|s| s.id);
    assert_eq!(listed, want);
}

async fn case_write_batch_idempotent(store: Arc<dyn Store>) {
    ready(&store).await;
    let a = one_series(&store, "air-1", "pm25").await;
    let b = one_series(&store, "air-2", "pm25").await;
    let batch: Vec<Point> = (0..100)
        .flat_map(|i| {
            [
                pt(a, DAY + i * 15_000, i as f64),
                pt(b, DAY + i * 15_000, -(i as f64)),
            ]
        })
        .collect();
    let stats = store.write_batch(&batch).await.unwrap();
    assert_eq!(
        stats,
        WriteStats {
            inserted: 200,
            duplicates: 0
        }
    );
    assert_eq!(store.count_history().await.unwrap(), 200);

    // Replaying is a no-op.
    let stats = store.write_batch(&batch).await.unwrap();
    assert_eq!(
        stats,
        WriteStats {
            inserted: 0,
            duplicates: 200
        }
    );
    assert_eq!(store.count_history().await.unwrap(), 200);

    // Duplicates within a batch: the first one given wins.
    let stats = store
        .write_batch(&[pt(a, 5, 1.0), pt(a, 5, 2.0), pt(a, DAY, 99.0)])
        .await
        .unwrap();
    assert_eq!(
        stats,
        WriteStats {
            inserted: 1,
            duplicates: 2
        }
    );
    assert_eq!(
        store.history_raw(a, 0, 10, 10).await.unwrap(),
        vec![(5, 1.0)]
    );
    assert_eq!(
        store.history_raw(a, DAY, DAY + 1, 10).await.unwrap(),
        vec![(DAY, 0.0)]
    );
    assert_eq!(store.write_batch(&[]).await.unwrap(), WriteStats::default());
}

async fn case_write_batch_large(store: Arc<dyn Store>) {
    ready(&store).await;
    let keys: Vec<(String, String)> = (0..500)
        .map(|i| (format!("e-{i}"), "v".to_string()))
        .collect();
    let series = store.ensure_series(&keys).await.unwrap();
    let batch: Vec<Point> = (0..100)
        .flat_map(|t| {
            series
                .iter()
                .map(move |s| pt(s.id, DAY + t * 1000, (s.id * t) as f64))
        })
        .collect();
    assert_eq!(batch.len(), 50_000);
    let stats = store.write_batch(&batch).await.unwrap();
    assert_eq!(stats.inserted, 50_000);
    assert_eq!(store.count_history().await.unwrap(), 50_000);
    let stats = store.write_batch(&batch).await.unwrap();
    assert_eq!(
        stats,
        WriteStats {
            inserted: 0,
            duplicates: 50_000
        }
    );
    let latest = store.list_latest().await.unwrap();
    assert_eq!(latest.len(), 500);
    assert!(latest
        .iter()
        .all(|l| l.ts == DAY + 99_000 && l.value == (l.series * 99) as f64));
    // 100 s of readings span two minutes per series.
    let mut folded = 0;
    loop {
        let n = store.compact_rollups(300).await.unwrap();
        if n == 0 {
            break;
        }
        folded += n;
    }
    assert_eq!(folded, 1000);
    let s = series[7].id;
    let r = store
        .history_rollup(s, Step::Minute, DAY, DAY + 2 * MIN)
        .await
        .unwrap();
    let sum0: f64 = (0..60).map(|t| (s * t) as f64).sum();
    let sum1: f64 = (60..100).map(|t| (s * t) as f64).sum();
    assert_eq!(
        r,
        vec![
            rp(DAY, 0.0, (s * 59) as f64, sum0, 60),
            rp(DAY + MIN, (s * 60) as f64, (s * 99) as f64, sum1, 40)
        ]
    );
}

async fn case_values_round_trip_exactly(store: Arc<dyn Store>) {
    ready(&store).await;
    let s = one_series(&store, "e", "m").await;
    let mut values = vec![
        0.1,
        1.0 / 3.0,
        -2.5e-8,
        123_456_789.123_456_79,
        1e300,
        -1e300,
        f64::MIN_POSITIVE,
        5e-324,
        1e300,
        0.0,
        -1.0,
        9_007_199_254_740_993.0,
        std::f64::consts::PI,
    ];
    // And a spread of awkward decimals.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = f64::from_bits(x);
        if v.is_finite() && v.abs() <= 1e300 {
            values.push(v);
        }
    }
    let batch: Vec<Point> = values
        .iter()
        .enumerate()
        .map(|(i, v)| pt(s, i as i64, *v))
        .collect();
    store.write_batch(&batch).await.unwrap();
    let back = store.history_raw(s, 0, i64::MAX, usize::MAX).await.unwrap();
    assert_eq!(back.len(), values.len());
    for ((ts, got), want) in back.iter().zip(&values) {
        assert_eq!(
            got.to_bits(),
            want.to_bits(),
            "value at {ts}: {got:e} != {want:e}"
        );
    }
    // Timestamps up to ±2^53 ms are stored; beyond, the batch is refused (bucket arithmetic).
    let limit = 1i64 << 53;
    let edge = [pt(s, -limit, 1.0), pt(s, limit, 2.0)];
    assert_eq!(store.write_batch(&edge).await.unwrap().inserted, 2);
    assert_eq!(
        store.history_raw(s, i64::MIN, -limit + 1, 5).await.unwrap(),
        vec![(-limit, 1.0)]
    );
    let latest = store.list_latest().await.unwrap();
    assert_eq!((latest[0].ts, latest[0].value), (limit, 2.0));
    assert!(store.write_batch(&[pt(s, i64::MAX, 1.0)]).await.is_err());
    assert!(store.write_batch(&[pt(s, i64::MIN, 1.0)]).await.is_err());
    // Query bounds may be anything.
    for step in [Step::Minute, Step::Hour, Step::Day] {
        let all = store
            .history_rollup(s, step, i64::MIN, i64::MAX)
            .await
            .unwrap();
        let n: i64 = all.iter().map(|r| r.count).sum();
        assert_eq!(n as usize, values.len() + 2, "{step:?}");
    }
}

async fn case_non_finite_values_refused(store: Arc<dyn Store>) {
    ready(&store).await;
    let s = one_series(&store, "e", "m").await;
    for bad in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        -1.1e300,
    ] {
        assert!(store
            .write_batch(&[pt(s, 1, 1.0), pt(s, 2, bad)])
            .await
            .is_err());
    }
    assert_eq!(
        store.count_history().await.unwrap(),
        0,
        "the whole batch is refused"
    );
}

async fn case_latest_moves_forward(store: Arc<dyn Store>) {
    ready(&store).await;
    let a = one_series(&store, "e", "a").await;
    let b = one_series(&store, "e", "b").await;
    store.write_batch(&[pt(a, 100, 1.0)]).await.unwrap();
    store
        .write_batch(&[pt(a, 50, 2.0), pt(b, 10, 7.0)])
        .await
        .unwrap();
    let latest = store.list_latest().await.unwrap();
    assert_eq!(latest.len(), 2);
    let la = latest.iter().find(|l| l.series == a).expect("a");
    assert_eq!(
        (la.ts, la.value),
        (100, 1.0),
        "an older reading does not overwrite"
    );
    // A batch holding older and newer points keeps the newest.
    store
        .write_batch(&[pt(a, 300, 3.0), pt(a, 200, 4.0), pt(a, 250, 5.0)])
        .await
        .unwrap();
    let latest = store.list_latest().await.unwrap();
    let la = latest.iter().find(|l| l.series == a).expect("a");
    assert_eq!((la.ts, la.value), (300, 3.0));
    let lb = latest.iter().find(|l| l.series == b).expect("b");
    assert_eq!((lb.ts, lb.value), (10, 7.0));
}

async fn case_history_raw_range(store: Arc<dyn Store>) {
    ready(&store).await;
    let a = one_series(&store, "e", "a").await;
    let b = one_series(&store, "e", "b").await;
    // Written out of order.
    let batch: Vec<Point> = [5, 1, 3, 2, 4, 0]
        .iter()
        .map(|i| pt(a, 1000 * i, *i as f64))
        .chain([pt(b, 2000, 99.0)])
        .collect();
    store.write_batch(&batch).await.unwrap();
    let r = store.history_raw(a, 1000, 4000, 100).await.unwrap();
    assert_eq!(
        r,
        vec![(1000, 1.0), (2000, 2.0), (3000, 3.0)],
        "[from, to), oldest first"
    );
    assert_eq!(store.history_raw(a, 1000, 4000, 2).await.unwrap().len(), 2);
    assert_eq!(
        store.history_raw(a, 999, 1001, 5).await.unwrap(),
        vec![(1000, 1.0)]
    );
    assert!(store
        .history_raw(a, 4000, 4000, 5)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .history_raw(a, 5000, 1000, 5)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.history_raw(b, 0, 10_000, 5).await.unwrap(),
        vec![(2000, 99.0)]
    );
    assert!(store
        .history_raw(a + b + 100, 0, 10_000, 5)
        .await
        .unwrap()
        .is_empty());
}

/// Readings around a China-day boundary (16:00 UTC) and the roll-ups computed by hand.
fn day_boundary_points(s: i64) -> Vec<Point> {
    vec![
        pt(s, DAY - 2 * MIN, 1.0),          // 15:58:00
        pt(s, DAY - 2 * MIN + 30_000, 3.0), // 15:58:30
        pt(s, DAY - MIN + 10_000, 5.0),     // 15:59:10
        pt(s, DAY, 10.0),                   // 16:00:00, next China day
        pt(s, DAY + MIN - 1, 20.0),         // 16:00:59.999
        pt(s, DAY + HOUR + 5_000, 7.0),     // 17:00:05
    ]
}

async fn check_day_boundary(store: &Arc<dyn Store>, s: i64, late: bool) {
    // `late`: a reading of 0.0 at 16:00:30 arrived after compaction.
    let (m_min, m_sum, m_n) = if late {
        (0.0, 30.0, 3)
    } else {
        (10.0, 30.0, 2)
    };
    let minutes = store
        .history_rollup(s, Step::Minute, DAY - HOUR, DAY + 2 * HOUR)
        .await
        .unwrap();
    assert_eq!(
        minutes,
        vec![
            rp(DAY - 2 * MIN, 1.0, 3.0, 4.0, 2),
            rp(DAY - MIN, 5.0, 5.0, 5.0, 1),
            rp(DAY, m_min, 20.0, m_sum, m_n),
            rp(DAY + HOUR, 7.0, 7.0, 7.0, 1),
        ]
    );
    let hours = store
        .history_rollup(s, Step::Hour, DAY - HOUR, DAY + 2 * HOUR)
        .await
        .unwrap();
    assert_eq!(
        hours,
        vec![
            rp(DAY - HOUR, 1.0, 5.0, 9.0, 3),
            rp(DAY, m_min, 20.0, m_sum, m_n),
            rp(DAY + HOUR, 7.0, 7.0, 7.0, 1),
        ]
    );
    let days = store
        .history_rollup(s, Step::Day, DAY - 86_400_000, DAY + 86_400_000)
        .await
        .unwrap();
    assert_eq!(
        days,
        vec![
            rp(DAY - 86_400_000, 1.0, 5.0, 9.0, 3),
            rp(DAY, m_min.min(7.0), 20.0, m_sum + 7.0, m_n + 1),
        ]
    );
}

async fn case_rollups_by_hand(store: Arc<dyn Store>) {
    ready(&store).await;
    let s = one_series(&store, "air-1", "pm25").await;
    let other = one_series(&store, "air-2", "pm25").await;
    store.write_batch(&day_boundary_points(s)).await.unwrap();
    store.write_batch(&[pt(other, DAY, 1000.0)]).await.unwrap();

    // Explicit compaction, in small steps.
    assert_eq!(store.compact_rollups(2).await.unwrap(), 2);
    assert_eq!(store.compact_rollups(100).await.unwrap(), 3);
    assert_eq!(store.compact_rollups(100).await.unwrap(), 0);
    check_day_boundary(&store, s, false).await;

    // Replaying everything changes nothing, whether compacted by a read or explicitly.
    let stats = store.write_batch(&day_boundary_points(s)).await.unwrap();
    assert_eq!(stats.inserted, 0);
    check_day_boundary(&store, s, false).await;
    store.write_batch(&day_boundary_points(s)).await.unwrap();
    assert_eq!(store.compact_rollups(100).await.unwrap(), 4);
    check_day_boundary(&store, s, false).await;

    // A late reading lands in an already-compacted bucket.
    store
        .write_batch(&[pt(s, DAY + 30_000, 0.0)])
        .await
        .unwrap();
    check_day_boundary(&store, s, true).await;
    // ...and is not counted twice when replayed.
    store
        .write_batch(&[pt(s, DAY + 30_000, 0.0)])
        .await
        .unwrap();
    store.compact_rollups(100).await.unwrap();
    check_day_boundary(&store, s, true).await;

    // The other series is untouched by all this.
    assert_eq!(
        store
            .history_rollup(other, Step::Day, DAY, DAY + 1)
            .await
            .unwrap(),
        vec![rp(DAY, 1000.0, 1000.0, 1000.0, 1)]
    );
}

async fn case_rollup_ranges(store: Arc<dyn Store>) {
    ready(&store).await;
    let s = one_series(&store, "e", "m").await;
    store.write_batch(&day_boundary_points(s)).await.unwrap();
    // Without any explicit compaction, a read is complete.
    // A bucket overlapping the start of the range is included.
    assert_eq!(
        store
            .history_rollup(s, Step::Hour, DAY + 1, DAY + 2)
            .await
            .unwrap(),
        vec![rp(DAY, 10.0, 20.0, 30.0, 2)]
    );
    // `to` is exclusive.
    assert_eq!(
        store
            .history_rollup(s, Step::Hour, DAY - HOUR, DAY)
            .await
            .unwrap(),
        vec![rp(DAY - HOUR, 1.0, 5.0, 9.0, 3)]
    );
    // A day asked for by a range inside it is complete, though its minutes were dirty.
    assert_eq!(
        store
            .history_rollup(s, Step::Day, DAY + 2 * HOUR, DAY + 3 * HOUR)
            .await
            .unwrap(),
        vec![rp(DAY, 7.0, 20.0, 37.0, 3)]
    );
    assert!(store
        .history_rollup(s, Step::Day, DAY, DAY)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .history_rollup(s, Step::Minute, DAY + 2 * MIN, DAY + HOUR)
        .await
        .unwrap()
        .is_empty());
}

async fn case_compact_rollups_counts(store: Arc<dyn Store>) {
    ready(&store).await;
    assert_eq!(store.compact_rollups(10).await.unwrap(), 0);
    let s = one_series(&store, "e", "m").await;
    // 30 minutes, two readings each.
    let batch: Vec<Point> = (0..60).map(|i| pt(s, DAY + i * 30_000, i as f64)).collect();
    store.write_batch(&batch).await.unwrap();
    assert_eq!(store.compact_rollups(0).await.unwrap(), 0);
    // Only minutes that start before the bound: none, then the first ten.
    assert_eq!(
        store.compact_rollups_before(100, i64::MIN).await.unwrap(),
        0
    );
    assert_eq!(
        store
            .compact_rollups_before(100, DAY + 10 * MIN)
            .await
            .unwrap(),
        10
    );
    assert_eq!(store.compact_rollups(15).await.unwrap(), 15);
    assert_eq!(store.compact_rollups(25).await.unwrap(), 5);
    assert_eq!(store.compact_rollups(25).await.unwrap(), 0);
    let h = store
        .history_rollup(s, Step::Hour, DAY, DAY + HOUR)
        .await
        .unwrap();
    assert_eq!(h, vec![rp(DAY, 0.0, 59.0, (0..60).sum::<i64>() as f64, 60)]);
}

async fn case_retention_by_kind(store: Arc<dyn Store>) {
    ready(&store).await;
    store.put_kind(&kind("short")).await.unwrap();
    store.put_kind(&kind("long")).await.unwrap();
    store
        .insert_entities(&[
            entity("a", "short", "d", "370323"),
            entity("b", "long", "d", "370323"),
        ])
        .await
        .unwrap();
    let sa = one_series(&store, "a", "pm25").await;
    let sb = one_series(&store, "b", "pm25").await;
    // One reading a minute for three hours from 16:00, value = minute number.
    let start = DAY;
    let batch: Vec<Point> = (0..180)
        .flat_map(|m| {
            [
                pt(sa, start + m * MIN, m as f64),
                pt(sb, start + m * MIN, m as f64),
            ]
        })
        .collect();
    store.write_batch(&batch).await.unwrap();
    // Compact only part of it: retention must roll up the rest before deleting raw rows.
    store.compact_rollups(50).await.unwrap();

    // Cut at 17:30 (inside the second hour).
    let cutoff = start + 90 * MIN;
    let removed = store.apply_retention("short", cutoff).await.unwrap();
    assert_eq!(removed, 90, "raw rows of `a` before the cutoff");
    assert_eq!(store.count_history().await.unwrap(), 360 - 90);
    assert_eq!(
        store.history_raw(sa, 0, i64::MAX, 1).await.unwrap(),
        vec![(cutoff, 90.0)]
    );
    assert_eq!(
        store.history_raw(sb, 0, i64::MAX, 1).await.unwrap(),
        vec![(start, 0.0)]
    );
    // 1m roll-ups of whole hours before the cutoff are gone; hours and days stay.
    assert!(store
        .history_rollup(sa, Step::Minute, start, start + HOUR)
        .await
        .unwrap()
        .is_empty());
    let sum = |r: std::ops::Range<i64>| r.sum::<i64>() as f64;
    let hours = vec![
        rp(start, 0.0, 59.0, sum(0..60), 60),
        rp(start + HOUR, 60.0, 119.0, sum(60..120), 60),
        rp(start + 2 * HOUR, 120.0, 179.0, sum(120..180), 60),
    ];
    assert_eq!(
        store
            .history_rollup(sa, Step::Hour, start, start + 3 * HOUR)
            .await
            .unwrap(),
        hours
    );
    let day = vec![rp(start, 0.0, 179.0, sum(0..180), 180)];
    assert_eq!(
        store
            .history_rollup(sa, Step::Day, start, start + 1)
            .await
            .unwrap(),
        day
    );
    assert_eq!(
        store
            .history_rollup(sb, Step::Hour, start, start + 3 * HOUR)
            .await
            .unwrap(),
        hours
    );

    // A new reading in the cut hour, after the cutoff, keeps that hour whole.
    store
        .write_batch(&[pt(sa, cutoff + 30_000, 1000.0)])
        .await
        .unwrap();
    let h = store
        .history_rollup(sa, Step::Hour, start + HOUR, start + HOUR + 1)
        .await
        .unwrap();
    assert_eq!(
        h,
        vec![rp(start + HOUR, 60.0, 1000.0, sum(60..120) + 1000.0, 61)]
    );
    // A reading older than the horizon no longer changes roll-ups.
    store
        .write_batch(&[pt(sa, start + 5 * MIN + 1, -50.0)])
        .await
        .unwrap();
    assert_eq!(
        store
            .history_rollup(sa, Step::Hour, start, start + 1)
            .await
            .unwrap(),
        hours[..1]
    );

    // Running retention again removes only what is newly old; other kinds are untouched.
    assert_eq!(store.apply_retention("short", cutoff).await.unwrap(), 1);
    assert_eq!(store.apply_retention("nothing", i64::MAX).await.unwrap(), 0);
    assert_eq!(
        store
            .history_raw(sb, 0, i64::MAX, usize::MAX)
            .await
            .unwrap()
            .len(),
        180
    );
}

async fn case_delete_entity_cascades(store: Arc<dyn Store>) {
    ready(&store).await;
    store
        .insert_entities(&[
            entity("gone", "k", "d", "370323"),
            entity("kept", "k", "d", "370323"),
        ])
        .await
        .unwrap();
    let keys = [
        ("gone".to_string(), "a".to_string()),
        ("gone".to_string(), "b".to_string()),
        ("kept".to_string(), "a".to_string()),
    ];
    let series = store.ensure_series(&keys).await.unwrap();
    let (ga, gb, ka) = (series[0].id, series[1].id, series[2].id);
    let batch: Vec<Point> = (0..10)
        .flat_map(|i| {
            [
                pt(ga, DAY + i * MIN, 1.0),
                pt(gb, DAY + i * MIN, 2.0),
                pt(ka, DAY + i * MIN, 3.0),
            ]
        })
        .collect();
    store.write_batch(&batch).await.unwrap();
    store.compact_rollups(12).await.unwrap(); // some rolled up, some still dirty
    for (id, entity) in [("t1", "gone"), ("t2", "kept")] {
        store
            .create_device_token(&DeviceToken {
                id: id.into(),
                entity: entity.into(),
                token_hash: format!("hash-{id}"),
                created_ms: 0,
                created_by: "admin".into(),
            })
            .await
            .unwrap();
    }

    assert!(store.delete_entity("gone").await.unwrap());
    assert_eq!(store.get_entity("gone").await.unwrap(), None);
    assert_eq!(store.list_series().await.unwrap(), vec![series[2].clone()]);
    assert_eq!(store.count_history().await.unwrap(), 10);
    let latest = store.list_latest().await.unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].series, ka);
    assert!(store
        .list_device_tokens(Some("gone"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.list_device_tokens(None).await.unwrap().len(), 1);
    for step in [Step::Minute, Step::Hour, Step::Day] {
        assert!(store
            .history_rollup(ga, step, 0, i64::MAX)
            .await
            .unwrap()
            .is_empty());
    }
    // Only the kept series' dirty minutes remain to fold.
    let mut left = 0;
    loop {
        let n = store.compact_rollups(100).await.unwrap();
        if n == 0 {
            break;
        }
        left += n;
    }
    assert!(left <= 10);
    assert_eq!(
        store
            .history_rollup(ka, Step::Hour, DAY, DAY + 1)
            .await
            .unwrap(),
        vec![rp(DAY, 3.0, 3.0, 30.0, 10)]
    );
    // The same entity id can come back, with fresh series ids.
    store
        .insert_entity(&entity("gone", "k", "d", "370323"))
        .await
        .unwrap();
    let fresh = one_series(&store, "gone", "a").await;
    assert!(fresh != ga && fresh != gb, "series ids are not reused");
    assert!(store
        .history_raw(fresh, 0, i64::MAX, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(!store.delete_entity("never").await.unwrap());
}

async fn case_concurrent_writes_and_compaction(store: Arc<dyn Store>) {
    ready(&store).await;
    let keys: Vec<(String, String)> = (0..20).map(|i| (format!("c-{i}"), "m".into())).collect();
    let ids: Vec<i64> = store
        .ensure_series(&keys)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    // Four writers interleave readings into the same few minutes of every series, while a
    // compactor and a reader keep folding those minutes; no reading may be lost from the
    // roll-ups (on PostgreSQL this is the race between a batch and a compaction).
    let writing = Arc::new(std::sync::atomic::AtomicUsize::new(4));
    let mut tasks = Vec::new();
    for w in 0..4i64 {
        let (store, ids, writing) = (store.clone(), ids.clone(), writing.clone());
        tasks.push(tokio::spawn(async move {
            for b in 0..50i64 {
                let ts = DAY + (b * 4 + w) * 1000;
                let batch: Vec<Point> = ids.iter().map(|&s| pt(s, ts, 1.0)).collect();
                store.write_batch(&batch).await.expect("write");
            }
            writing.fetch_sub(1, Ordering::SeqCst);
        }));
    }
    {
        let (store, writing) = (store.clone(), writing.clone());
        tasks.push(tokio::spawn(async move {
            while writing.load(Ordering::SeqCst) > 0 {
                store.compact_rollups(1000).await.expect("compact");
            }
        }));
    }
    {
        let (store, s, writing) = (store.clone(), ids[0], writing.clone());
        tasks.push(tokio::spawn(async move {
            while writing.load(Ordering::SeqCst) > 0 {
                store
                    .history_rollup(s, Step::Minute, DAY, DAY + HOUR)
                    .await
                    .expect("read");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    while store.compact_rollups(1000).await.unwrap() > 0 {}
    assert_eq!(store.count_history().await.unwrap(), 20 * 200);
    for &s in &ids {
        let h = store
            .history_rollup(s, Step::Hour, DAY, DAY + HOUR)
            .await
            .unwrap();
        assert_eq!(h, vec![rp(DAY, 1.0, 1.0, 200.0, 200)], "series {s}");
        let m = store
            .history_rollup(s, Step::Minute, DAY, DAY + HOUR)
            .await
            .unwrap();
        let n: i64 = m.iter().map(|r| r.count).sum();
        assert_eq!(n, 200, "series {s}");
    }
}

/// Raw history is kept in blocks (one series, one hour); readings that arrive late, out of order
/// or replayed must merge into them exactly. A seeded random run against a model.
async fn case_late_and_replayed_points_merge(store: Arc<dyn Store>) {
    ready(&store).await;
    let a = one_series(&store, "late-1", "m").await;
    let b = one_series(&store, "late-2", "m").await;
    let mut model: std::collections::BTreeMap<(i64, i64), f64> = Default::default();
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    const HOUR: i64 = 3_600_000;
    for round in 0..40 {
        let mut batch = Vec::new();
        // A run of consecutive points (sometimes longer than a block), then scattered ones over
        // three hours, some of them exactly on stored times.
        let s = if round % 2 == 0 { a } else { b };
        let start = DAY + next(3 * HOUR as u64) as i64;
        let run = if round % 7 == 0 {
            1500
        } else {
            next(300) as i64
        };
        for k in 0..run {
            batch.push(pt(s, start + k * 997, (round * 10_000 + k) as f64));
        }
        for _ in 0..next(50) {
            let s = if next(2) == 0 { a } else { b };
            batch.push(pt(
                s,
                DAY + next(3 * HOUR as u64) as i64,
                round as f64 + 0.5,
            ));
        }
        if let Some((&(s, ts), _)) = model.iter().nth(next(model.len().max(1) as u64) as usize) {
            batch.push(pt(s, ts, -1.0));
        }
        let mut new = 0u64;
        for p in &batch {
            if let std::collections::btree_map::Entry::Vacant(v) = model.entry((p.series, p.ts)) {
                v.insert(p.value);
                new += 1;
            }
        }
        let stats = store.write_batch(&batch).await.unwrap();
        assert_eq!(
            stats,
            WriteStats {
                inserted: new,
                duplicates: batch.len() as u64 - new
            },
            "round {round}"
        );
    }
    assert_eq!(store.count_history().await.unwrap(), model.len() as u64);
    for s in [a, b] {
        let want: Vec<(i64, f64)> = model
            .range((s, i64::MIN)..(s, i64::MAX))
            .map(|(&(_, ts), &v)| (ts, v))
            .collect();
        let got = store
            .history_raw(s, DAY - HOUR, DAY + 4 * HOUR, 1_000_000)
            .await
            .unwrap();
        assert_eq!(got, want, "series {s}");
        // A window inside an hour, with a limit.
        let lo = DAY + HOUR + 1234;
        let inside: Vec<(i64, f64)> = want.iter().copied().filter(|p| p.0 >= lo).take(7).collect();
        assert_eq!(
            store.history_raw(s, lo, DAY + 4 * HOUR, 7).await.unwrap(),
            inside
        );
        // Minute roll-ups of the second hour, worked out from the model.
        let mut minutes: std::collections::BTreeMap<i64, (f64, f64, f64, i64)> = Default::default();
        for &(ts, v) in want
            .iter()
            .filter(|p| p.0 >= DAY + HOUR && p.0 < DAY + 2 * HOUR)
        {
            let e = minutes.entry(ts - ts.rem_euclid(60_000)).or_insert((
                f64::INFINITY,
                f64::NEG_INFINITY,
                0.0,
                0,
            ));
            e.0 = e.0.min(v);
            e.1 = e.1.max(v);
            e.2 += v;
            e.3 += 1;
        }
        let rolled = store
            .history_rollup(s, Step::Minute, DAY + HOUR, DAY + 2 * HOUR)
            .await
            .unwrap();
        let want_rolled: Vec<RollupPoint> = minutes
            .into_iter()
            .map(|(m, (min, max, sum, count))| rp(m, min, max, sum, count))
            .collect();
        assert_eq!(rolled.len(), want_rolled.len());
        for (g, w) in rolled.iter().zip(&want_rolled) {
            assert_eq!((g.ts, g.min, g.max, g.count), (w.ts, w.min, w.max, w.count));
            assert!((g.avg - w.avg).abs() < 1e-6, "{g:?} vs {w:?}");
        }
    }
}

/// A writer may still hold the id of a series whose entity was just deleted: what it writes has
/// nowhere to go and must not come back as orphan history.
async fn case_writes_to_a_deleted_series_are_dropped(store: Arc<dyn Store>) {
    ready(&store).await;
    store.put_region(&region("370323", "沂源县")).await.unwrap();
    store.put_department(&department("d1")).await.unwrap();
    store.put_kind(&kind("k1")).await.unwrap();
    store
        .insert_entity(&entity("gone-1", "k1", "d1", "370323"))
        .await
        .unwrap();
    let keep = one_series(&store, "keep-1", "m").await;
    let gone = one_series(&store, "gone-1", "m").await;
    store
        .write_batch(&[pt(gone, DAY, 1.0), pt(keep, DAY, 1.0)])
        .await
        .unwrap();
    assert!(store.delete_entity("gone-1").await.unwrap());
    let stats = store
        .write_batch(&[pt(gone, DAY + 1000, 2.0), pt(keep, DAY + 1000, 2.0)])
        .await
        .unwrap();
    assert_eq!(
        stats,
        WriteStats {
            inserted: 1,
            duplicates: 1
        }
    );
    assert_eq!(store.count_history().await.unwrap(), 2);
    assert!(store
        .history_raw(gone, 0, DAY * 2, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .list_latest()
        .await
        .unwrap()
        .iter()
        .all(|l| l.series != gone));
}

// ---------------------------------------------------------------- corrupt blocks

/// Raw SQL on the store's database, to damage a block as a disk or a bug might.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

impl Raw {
    async fn exec(&self, sql: &str) {
        match self {
            Raw::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            Raw::Pg(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        }
        .expect("raw SQL");
    }

    async fn count(&self, sql: &str) -> i64 {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
            Raw::Pg(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        }
        .expect("raw count")
    }
}

/// A block that cannot be decoded is skipped by reads and roll-ups, and moved to
/// `history_quarantine` by the first write that must merge into it; the write goes on.
async fn corrupt_block_is_quarantined(store: Arc<dyn Store>, raw: Raw) {
    ready(&store).await;
    let s = one_series(&store, "bad-1", "m").await;
    store
        .write_batch(&[
            pt(s, DAY, 1.0),
            pt(s, DAY + 1000, 2.0),
            pt(s, DAY + 2000, 3.0),
        ])
        .await
        .unwrap();
    store
        .write_batch(&[pt(s, DAY + 10_000, 4.0)])
        .await
        .unwrap();
    // A wrong point count: the block no longer decodes.
    raw.exec(&format!(
        "UPDATE history_block SET n = n + 1 WHERE series = {s} AND t0 = {DAY}"
    ))
    .await;
    assert_eq!(
        store.history_raw(s, DAY, DAY + MIN, 100).await.unwrap(),
        vec![(DAY + 10_000, 4.0)],
        "reads skip the damaged block"
    );
    // A late reading in the damaged block's range: stored, and the block quarantined.
    let stats = store.write_batch(&[pt(s, DAY + 500, 9.0)]).await.unwrap();
    assert_eq!(stats.inserted, 1);
    assert_eq!(
        store.history_raw(s, DAY, DAY + MIN, 100).await.unwrap(),
        vec![(DAY + 500, 9.0), (DAY + 10_000, 4.0)]
    );
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM history_quarantine").await,
        1
    );
    assert_eq!(
        raw.count(&format!(
            "SELECT COUNT(*) FROM history_quarantine WHERE series = {s} AND t0 = {DAY} AND n = 4"
        ))
        .await,
        1,
        "the damaged block is kept as it was"
    );
    let minute = store
        .history_rollup(s, Step::Minute, DAY, DAY + MIN)
        .await
        .unwrap();
    assert_eq!(minute, vec![rp(DAY, 4.0, 9.0, 13.0, 2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_corrupt_block_is_quarantined() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("zhicheng.db").display());
    let store = zhicheng_store::open(&url).await.expect("open sqlite");
    let raw = sqlx::SqlitePool::connect(&url).await.expect("raw pool");
    corrupt_block_is_quarantined(store.clone(), Raw::Sqlite(raw)).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_corrupt_block_is_quarantined() {
    let Ok(server) = std::env::var("ZHICHENG_TEST_POSTGRES_URL") else {
        eprintln!("skipping: ZHICHENG_TEST_POSTGRES_URL not set");
        return;
    };
    let name = format!("zc_t_{}", random_hex());
    let mut admin = PgConnection::connect(&server).await.expect("connect");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let url = with_database(&server, &name);
    let store = zhicheng_store::open(&url).await.expect("open postgres");
    let raw = sqlx::PgPool::connect(&url).await.expect("raw pool");
    let outcome = tokio::spawn(corrupt_block_is_quarantined(
        store.clone(),
        Raw::Pg(raw.clone()),
    ))
    .await;
    store.close().await;
    raw.close().await;
    let _ = admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Readings that arrive one per batch leave one-point blocks; once their hour is over, repacking
/// joins them without changing a single point or roll-up.
async fn case_repack_joins_small_blocks(store: Arc<dyn Store>) {
    ready(&store).await;
    let s = one_series(&store, "small-1", "m").await;
    for i in 0..5 {
        store
            .write_batch(&[pt(s, DAY + i * 1000, i as f64)])
            .await
            .unwrap();
    }
    store.write_batch(&[pt(s, DAY + HOUR, 9.0)]).await.unwrap();
    let raw_before = store
        .history_raw(s, DAY, DAY + 2 * HOUR, 100)
        .await
        .unwrap();
    assert_eq!(raw_before.len(), 6);
    // Compaction notes the hours that changed; only ended hours are repacked.
    while store.compact_rollups(1000).await.unwrap() > 0 {}
    assert_eq!(store.repack_history(100, DAY + HOUR - 1).await.unwrap(), 0);
    assert_eq!(store.repack_history(100, DAY + HOUR).await.unwrap(), 1);
    // The second hour has one block: nothing to join.
    assert_eq!(store.repack_history(100, i64::MAX).await.unwrap(), 0);
    assert_eq!(store.repack_history(100, i64::MAX).await.unwrap(), 0);
    assert_eq!(
        store
            .history_raw(s, DAY, DAY + 2 * HOUR, 100)
            .await
            .unwrap(),
        raw_before
    );
    assert_eq!(store.count_history().await.unwrap(), 6);
    assert_eq!(
        store
            .history_rollup(s, Step::Hour, DAY, DAY + 2 * HOUR)
            .await
            .unwrap(),
        vec![rp(DAY, 0.0, 4.0, 10.0, 5), rp(DAY + HOUR, 9.0, 9.0, 9.0, 1)]
    );
    // A late reading still merges into the joined block, and a replay is still a duplicate.
    let stats = store
        .write_batch(&[pt(s, DAY + 500, 0.5), pt(s, DAY + 2000, 7.0)])
        .await
        .unwrap();
    assert_eq!(
        stats,
        WriteStats {
            inserted: 1,
            duplicates: 1
        }
    );
    assert_eq!(
        store.history_raw(s, DAY, DAY + 3000, 100).await.unwrap(),
        vec![
            (DAY, 0.0),
            (DAY + 500, 0.5),
            (DAY + 1000, 1.0),
            (DAY + 2000, 2.0)
        ]
    );
}

async fn case_indicator_submissions(store: Arc<dyn Store>) {
    ready(&store).await;
    let sub = |indicator: i64, period: &str, dep: &str, ms: i64, value: f64| IndicatorSubmission {
        id: 0,
        pack: "p1".into(),
        indicator,
        period: period.into(),
        value,
        note: "说明".into(),
        department: Some(dep.into()),
        submitted_by: "edu1".into(),
        submitted_ms: ms,
        status: "submitted".into(),
        reviewed_by: None,
        reviewed_ms: None,
        review_comment: None,
    };
    let a = store
        .insert_submission(&sub(4, "2026-11", "education", 1000, 62.5))
        .await
        .unwrap();
    let b = store
        .insert_submission(&sub(4, "2026-11", "education", 2000, 0.1 + 0.2))
        .await
        .unwrap();
    let c = store
        .insert_submission(&sub(6, "2026-10", "health", 1500, 3.0))
        .await
        .unwrap();
    assert!(a > 0 && b != a && c != a && c != b);
    let got = store.get_submission(b).await.unwrap().unwrap();
    assert_eq!(
        got,
        IndicatorSubmission {
            id: b,
            ..sub(4, "2026-11", "education", 2000, 0.1 + 0.2)
        }
    );
    assert_eq!(store.get_submission(b + c + 100).await.unwrap(), None);

    // Filters; newest first.
    let ids = |v: Vec<IndicatorSubmission>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let all = store
        .list_submissions(&SubmissionQuery::default())
        .await
        .unwrap();
    assert_eq!(ids(all), vec![b, c, a]);
    let q = SubmissionQuery {
        pack: Some("p1".into()),
        indicator: Some(4),
        period: Some("2026-11".into()),
        ..Default::default()
    };
    assert_eq!(ids(store.list_submissions(&q).await.unwrap()), vec![b, a]);
    let q = SubmissionQuery {
        department: Some("health".into()),
        ..Default::default()
    };
    assert_eq!(ids(store.list_submissions(&q).await.unwrap()), vec![c]);
    let q = SubmissionQuery {
        pack: Some("other".into()),
        ..Default::default()
    };
    assert!(store.list_submissions(&q).await.unwrap().is_empty());

    // A review happens once.
    assert!(store
        .review_submission(a, "approved", "op1", 3000, None)
        .await
        .unwrap());
    assert!(!store
        .review_submission(a, "returned", "op1", 3100, Some("again"))
        .await
        .unwrap());
    assert!(store
        .review_submission(b, "returned", "op1", 3200, Some("缺少证明材料"))
        .await
        .unwrap());
    assert!(!store
        .review_submission(b + c + 100, "approved", "op1", 3300, None)
        .await
        .unwrap());
    let ra = store.get_submission(a).await.unwrap().unwrap();
    assert_eq!(
        (
            ra.status.as_str(),
            ra.reviewed_by.as_deref(),
            ra.reviewed_ms,
            ra.review_comment
        ),
        ("approved", Some("op1"), Some(3000), None)
    );
    let rb = store.get_submission(b).await.unwrap().unwrap();
    assert_eq!(rb.status, "returned");
    assert_eq!(rb.review_comment.as_deref(), Some("缺少证明材料"));
    let q = SubmissionQuery {
        status: Some("approved".into()),
        ..Default::default()
    };
    assert_eq!(ids(store.list_submissions(&q).await.unwrap()), vec![a]);

    // Evidence.
    let ev = |submission: i64, name: &str| IndicatorEvidence {
        id: 0,
        submission,
        file_name: name.into(),
        content_type: "application/pdf".into(),
        size: 1234,
        sha256: "ab".repeat(32),
        path: format!("evidence/ab/{}", "ab".repeat(32)),
        uploaded_by: "edu1".into(),
        uploaded_ms: 1100,
    };
    let e1 = store.insert_evidence(&ev(a, "证明.pdf")).await.unwrap();
    let e2 = store.insert_evidence(&ev(a, "second.pdf")).await.unwrap();
    assert_ne!(e1, e2);
    let listed = store.list_evidence(a).await.unwrap();
    assert_eq!(
        listed,
        vec![
            IndicatorEvidence {
                id: e1,
                ..ev(a, "证明.pdf")
            },
            IndicatorEvidence {
                id: e2,
                ..ev(a, "second.pdf")
            }
        ]
    );
    assert!(store.list_evidence(c).await.unwrap().is_empty());
    assert_eq!(
        store.get_evidence(e2).await.unwrap().unwrap().file_name,
        "second.pdf"
    );
    assert_eq!(store.get_evidence(e1 + e2 + 100).await.unwrap(), None);
    // Evidence of a submission that does not exist is refused.
    match store.insert_evidence(&ev(a + b + c + 100, "x.pdf")).await {
        Err(Error::NotFound(_)) => {}
        other => panic!("{other:?}"),
    }
    // A batch: every row in one transaction, ids in order.
    let batch = store
        .insert_submissions(&[
            sub(7, "2026-09", "education", 500, 1.0),
            sub(8, "2026-09", "education", 600, 2.0),
        ])
        .await
        .unwrap();
    assert_eq!(batch.len(), 2);
    assert!(batch[0] < batch[1] && !batch.contains(&a) && !batch.contains(&c));
    assert_eq!(
        store.get_submission(batch[1]).await.unwrap().unwrap(),
        IndicatorSubmission {
            id: batch[1],
            ..sub(8, "2026-09", "education", 600, 2.0)
        }
    );
    assert_eq!(
        store.insert_submissions(&[]).await.unwrap(),
        Vec::<i64>::new()
    );
}

async fn case_scorecard_periods(store: Arc<dyn Store>) {
    ready(&store).await;
    let pack = "db37t3890-2020-county";
    assert_eq!(
        store.get_scorecard_period(pack, "2026-10").await.unwrap(),
        None
    );
    assert!(store.list_scorecard_periods(pack).await.unwrap().is_empty());
    // Reopening a period never closed does nothing.
    assert!(!store
        .reopen_scorecard_period(pack, "2026-10", "admin", 1)
        .await
        .unwrap());

    let snapshot = r#"{"4":{"value":0.30000000000000004,"name":"智能照明设备安装率"}}"#;
    let closing = |period: &str, by: &str, ms: i64| ScorecardPeriod {
        pack: pack.into(),
        period: period.into(),
        status: "ignored".into(),
        closed_by: Some(by.into()),
        closed_ms: Some(ms),
        reopened_by: Some("ignored".into()),
        reopened_ms: Some(-1),
        snapshot: Some(snapshot.into()),
        snapshot_sha256: Some("cd".repeat(32)),
    };
    assert!(store
        .close_scorecard_period(&closing("2026-10", "op1", 1000))
        .await
        .unwrap());
    let want = ScorecardPeriod {
        status: "closed".into(),
        reopened_by: None,
        reopened_ms: None,
        ..closing("2026-10", "op1", 1000)
    };
    assert_eq!(
        store.get_scorecard_period(pack, "2026-10").await.unwrap(),
        Some(want.clone())
    );
    // Closing again is refused and changes nothing.
    assert!(!store
        .close_scorecard_period(&closing("2026-10", "op2", 2000))
        .await
        .unwrap());
    assert_eq!(
        store.get_scorecard_period(pack, "2026-10").await.unwrap(),
        Some(want.clone())
    );
    // Another pack's month is another period.
    assert_eq!(
        store
            .get_scorecard_period("other", "2026-10")
            .await
            .unwrap(),
        None
    );

    // Reopen: open, who and when, snapshot dropped; the closing is kept.
    assert!(store
        .reopen_scorecard_period(pack, "2026-10", "admin", 3000)
        .await
        .unwrap());
    assert!(!store
        .reopen_scorecard_period(pack, "2026-10", "admin", 3100)
        .await
        .unwrap());
    let reopened = ScorecardPeriod {
        status: "open".into(),
        reopened_by: Some("admin".into()),
        reopened_ms: Some(3000),
        snapshot: None,
        snapshot_sha256: None,
        ..want.clone()
    };
    assert_eq!(
        store.get_scorecard_period(pack, "2026-10").await.unwrap(),
        Some(reopened)
    );
    // Closed again: the new closing, the reopening kept.
    assert!(store
        .close_scorecard_period(&closing("2026-10", "op2", 4000))
        .await
        .unwrap());
    assert!(store
        .close_scorecard_period(&closing("2026-09", "op1", 500))
        .await
        .unwrap());
    let list = store.list_scorecard_periods(pack).await.unwrap();
    assert_eq!(
        list.iter().map(|p| p.period.as_str()).collect::<Vec<_>>(),
        vec!["2026-09", "2026-10"]
    );
    assert_eq!(
        list[1],
        ScorecardPeriod {
            status: "closed".into(),
            reopened_by: Some("admin".into()),
            reopened_ms: Some(3000),
            ..closing("2026-10", "op2", 4000)
        }
    );
    // The snapshot text comes back byte for byte.
    assert_eq!(list[1].snapshot.as_deref(), Some(snapshot));
}

async fn case_task_progress(store: Arc<dyn Store>) {
    ready(&store).await;
    let rep = |task: &str, period: &str, dep: &str, ms: i64, percent: i64| TaskProgress {
        id: 0,
        pack: "tp".into(),
        task: task.into(),
        number: task.trim_start_matches("key-").into(),
        period: period.into(),
        percent,
        narrative: "完成需求调研".into(),
        person: "张三".into(),
        contact: "13812345678".into(),
        department: Some(dep.into()),
        reported_by: "it1".into(),
        reported_ms: ms,
    };
    let a = store
        .insert_task_progress(&rep("key-01", "2026-10", "industry-it", 1000, 10))
        .await
        .unwrap();
    let b = store
        .insert_task_progress(&rep("key-01", "2026-11", "industry-it", 900, 30))
        .await
        .unwrap();
    let c = store
        .insert_task_progress(&rep("key-01", "2026-11", "industry-it", 2000, 40))
        .await
        .unwrap();
    let d = store
        .insert_task_progress(&rep("key-03", "2026-11", "bigdata", 1500, 100))
        .await
        .unwrap();
    assert!(a > 0 && b > a && c > b && d > c);
    let ids = |v: Vec<TaskProgress>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
    // Newest first: by period, then time.
    let all = store
        .list_task_progress(&TaskProgressQuery::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].id, c);
    let mut want = rep("key-01", "2026-11", "industry-it", 2000, 40);
    want.id = c;
    assert_eq!(all[0], want);
    let q = TaskProgressQuery {
        pack: Some("tp".into()),
        task: Some("key-01".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(store.list_task_progress(&q).await.unwrap()),
        vec![c, b, a]
    );
    let q = TaskProgressQuery {
        up_to_period: Some("2026-10".into()),
        ..Default::default()
    };
    assert_eq!(ids(store.list_task_progress(&q).await.unwrap()), vec![a]);
    let q = TaskProgressQuery {
        period: Some("2026-11".into()),
        department: Some("bigdata".into()),
        ..Default::default()
    };
    assert_eq!(ids(store.list_task_progress(&q).await.unwrap()), vec![d]);
    let q = TaskProgressQuery {
        pack: Some("other".into()),
        ..Default::default()
    };
    assert!(store.list_task_progress(&q).await.unwrap().is_empty());
    // Percent outside 0–100 is refused by the schema.
    assert!(store
        .insert_task_progress(&rep("key-01", "2026-11", "industry-it", 3000, 101))
        .await
        .is_err());
}

async fn case_task_evidence(store: Arc<dyn Store>) {
    ready(&store).await;
    let rep = |task: &str| TaskProgress {
        id: 0,
        pack: "tp".into(),
        task: task.into(),
        number: "1".into(),
        period: "2026-11".into(),
        percent: 20,
        narrative: String::new(),
        person: "张三".into(),
        contact: "13812345678".into(),
        department: None,
        reported_by: "op1".into(),
        reported_ms: 1000,
    };
    let a = store.insert_task_progress(&rep("key-01")).await.unwrap();
    let b = store.insert_task_progress(&rep("key-02")).await.unwrap();
    let c = store.insert_task_progress(&rep("key-03")).await.unwrap();
    let mut got = store.get_task_progress(b).await.unwrap().unwrap();
    assert_eq!(got.task, "key-02");
    got.id = 0;
    assert_eq!(got, rep("key-02"));
    assert_eq!(
        store.get_task_progress(a + b + c + 100).await.unwrap(),
        None
    );

    let ev = |progress: i64, name: &str| TaskEvidence {
        id: 0,
        progress,
        file_name: name.into(),
        content_type: "application/pdf".into(),
        size: 12,
        sha256: "cd".repeat(32),
        uploaded_by: "it1".into(),
        uploaded_ms: 5000,
    };
    let e1 = store
        .insert_task_evidence(&ev(b, "进展.pdf"))
        .await
        .unwrap();
    let e2 = store.insert_task_evidence(&ev(a, "a.pdf")).await.unwrap();
    let e3 = store
        .insert_task_evidence(&ev(b, "second.pdf"))
        .await
        .unwrap();
    assert!(e1 > 0 && e2 > e1 && e3 > e2);
    // By report, then upload order; only the reports asked for.
    let listed = store.list_task_evidence(&[b, a, c]).await.unwrap();
    let pairs: Vec<_> = listed.iter().map(|e| (e.progress, e.id)).collect();
    assert_eq!(pairs, vec![(a, e2), (b, e1), (b, e3)]);
    let mut want = ev(b, "进展.pdf");
    want.id = e1;
    assert_eq!(listed[1], want);
    assert!(store.list_task_evidence(&[c]).await.unwrap().is_empty());
    assert!(store.list_task_evidence(&[]).await.unwrap().is_empty());
    assert_eq!(store.list_task_evidence(&[b]).await.unwrap().len(), 2);
    assert_eq!(
        store
            .get_task_evidence(e3)
            .await
            .unwrap()
            .unwrap()
            .file_name,
        "second.pdf"
    );
    assert_eq!(store.get_task_evidence(e1 + e2 + e3).await.unwrap(), None);
    // Not for a report that does not exist.
    match store
        .insert_task_evidence(&ev(a + b + c + 100, "x.pdf"))
        .await
    {
        Err(Error::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

async fn case_community_assessments(store: Arc<dyn Store>) {
    ready(&store).await;
    let a = |community: &str, period: &str, weight: f64, ms: i64| CommunityAssessment {
        id: 0,
        community: community.into(),
        period: period.into(),
        weight,
        note: "自评".into(),
        department: Some("civil-affairs".into()),
        assessed_by: "ca1".into(),
        assessed_ms: ms,
    };
    let a1 = store
        .insert_community_assessment(&a("370323001001", "2026-10", 60.0, 1000))
        .await
        .unwrap();
    let a2 = store
        .insert_community_assessment(&a("370323001001", "2026-11", 79.9, 2000))
        .await
        .unwrap();
    let a3 = store
        .insert_community_assessment(&a("370323001002", "2026-11", 85.5, 3000))
        .await
        .unwrap();
    // A second assessment of the same month, at the same time: the later id comes first.
    let mut admin = a("370323001001", "2026-11", 80.0, 2000);
    admin.department = None;
    let a4 = store.insert_community_assessment(&admin).await.unwrap();
    assert!(a1 > 0 && a2 > a1 && a3 > a2 && a4 > a3);

    let ids = |v: Vec<CommunityAssessment>| v.into_iter().map(|x| x.id).collect::<Vec<_>>();
    let all = store
        .list_community_assessments(&CommunityAssessmentQuery::default())
        .await
        .unwrap();
    assert_eq!(ids(all), vec![a3, a4, a2, a1]);
    let month = store
        .list_community_assessments(&CommunityAssessmentQuery {
            period: Some("2026-11".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(month), vec![a3, a4, a2]);
    let one = store
        .list_community_assessments(&CommunityAssessmentQuery {
            community: Some("370323001001".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(one.clone()), vec![a4, a2, a1]);
    let mut want = a("370323001001", "2026-11", 79.9, 2000);
    want.id = a2;
    assert_eq!(one[1], want);
    assert!(store
        .list_community_assessments(&CommunityAssessmentQuery {
            community: Some("370323001002".into()),
            period: Some("2026-10".into()),
        })
        .await
        .unwrap()
        .is_empty());
    let mut got = store.get_community_assessment(a4).await.unwrap().unwrap();
    assert_eq!(got.department, None);
    got.id = 0;
    assert_eq!(got, admin);
    assert_eq!(
        store.get_community_assessment(a4 + 100).await.unwrap(),
        None
    );
    // The weight stays within 0–100 in the schema too.
    assert!(store
        .insert_community_assessment(&a("370323001002", "2026-11", 100.5, 4000))
        .await
        .is_err());

    let ev = |assessment: i64, name: &str| CommunityEvidence {
        id: 0,
        assessment,
        file_name: name.into(),
        content_type: "image/png".into(),
        size: 8,
        sha256: "ef".repeat(32),
        uploaded_by: "ca1".into(),
        uploaded_ms: 5000,
    };
    let e1 = store
        .insert_community_evidence(&ev(a3, "自评表.png"))
        .await
        .unwrap();
    let e2 = store
        .insert_community_evidence(&ev(a2, "b.png"))
        .await
        .unwrap();
    let e3 = store
        .insert_community_evidence(&ev(a3, "c.png"))
        .await
        .unwrap();
    assert!(e1 > 0 && e2 > e1 && e3 > e2);
    let listed = store.list_community_evidence(&[a3, a2, a1]).await.unwrap();
    let pairs: Vec<_> = listed.iter().map(|e| (e.assessment, e.id)).collect();
    assert_eq!(pairs, vec![(a2, e2), (a3, e1), (a3, e3)]);
    let mut want = ev(a3, "自评表.png");
    want.id = e1;
    assert_eq!(listed[1], want);
    assert!(store
        .list_community_evidence(&[a1])
        .await
        .unwrap()
        .is_empty());
    assert!(store.list_community_evidence(&[]).await.unwrap().is_empty());
    assert_eq!(
        store
            .get_community_evidence(e3)
            .await
            .unwrap()
            .unwrap()
            .file_name,
        "c.png"
    );
    assert_eq!(store.get_community_evidence(e3 + 100).await.unwrap(), None);
    match store
        .insert_community_evidence(&ev(a4 + 100, "x.png"))
        .await
    {
        Err(Error::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

async fn case_base_figures(store: Arc<dyn Store>) {
    ready(&store).await;
    let fig = |name: &str, period: &str, value: f64, ms: i64| BaseFigure {
        id: 0,
        pack: "p1".into(),
        name: name.into(),
        period: period.into(),
        value,
        note: "统计局年末数".into(),
        entered_by: "op1".into(),
        entered_ms: ms,
    };
    let a = store
        .insert_base_figure(&fig("households", "2026-09", 1000.0, 10))
        .await
        .unwrap();
    let b = store
        .insert_base_figure(&fig("households", "2026-11", 1200.0, 20))
        .await
        .unwrap();
    let c = store
        .insert_base_figure(&fig("households", "2026-11", 1250.5, 30))
        .await
        .unwrap();
    let d = store
        .insert_base_figure(&fig("households", "2026-10", 1100.0, 40))
        .await
        .unwrap();
    store
        .insert_base_figure(&BaseFigure {
            pack: "p2".into(),
            ..fig("households", "2026-10", 9.0, 50)
        })
        .await
        .unwrap();
    let ids = |v: Vec<BaseFigure>| v.into_iter().map(|f| f.id).collect::<Vec<_>>();
    // Newest month first, then the latest entry.
    assert_eq!(
        ids(store.list_base_figures("p1", None).await.unwrap()),
        vec![c, b, d, a]
    );
    assert_eq!(
        ids(store
            .list_base_figures("p1", Some("2026-10"))
            .await
            .unwrap()),
        vec![d, a]
    );
    assert!(store
        .list_base_figures("p1", Some("2026-08"))
        .await
        .unwrap()
        .is_empty());
    let got = store
        .list_base_figures("p1", Some("2026-11"))
        .await
        .unwrap();
    assert_eq!(
        got[0],
        BaseFigure {
            id: c,
            ..fig("households", "2026-11", 1250.5, 30)
        }
    );
}

// ---------------------------------------------------------------- alarms (schema v10)

fn change(kind: AlarmChangeKind, rule: &str, entity: &str, at: i64, value: f64) -> AlarmChange {
    AlarmChange {
        kind,
        rule: rule.into(),
        rule_version: 1,
        rule_name: "PM2.5 持续超标".into(),
        severity: "major".into(),
        entity: entity.into(),
        kind_of_entity: "air_station".into(),
        region: "371323".into(),
        department: if entity.starts_with('a') {
            "env"
        } else {
            "traffic"
        }
        .into(),
        at_ms: at,
        updated_ms: at,
        since_ms: at - 60_000,
        value,
        peak: value,
        count: 1,
        message: format!("{rule} {entity} {value}"),
    }
}

async fn case_alarms(store: Arc<dyn Store>) {
    use AlarmChangeKind::*;
    ready(&store).await;
    let out = store
        .apply_alarm_changes(&[
            change(Raised, "r1", "aq-1", 1_000, 80.0),
            change(Raised, "r1", "bus-1", 1_000, 5.0),
            change(Updated, "r1", "aq-1", 2_000, 90.0),
        ])
        .await
        .unwrap();
    assert_eq!(out.len(), 3);
    let a1 = out[0].0.id;
    assert_eq!(out[0].0.status, "active");
    assert_eq!(out[0].1.as_ref().unwrap().topic, "alarm.raised");
    assert_eq!(out[0].1.as_ref().unwrap().department, "env");
    assert!(out[2].1.is_none(), "an update is not an event");
    assert_eq!(out[2].0.id, a1, "the update lands on the open alarm");
    assert_eq!(out[2].0.value, 90.0);
    assert_eq!(out[2].0.raised_ms, 1_000);
    assert_eq!(out[2].0.updated_ms, 2_000);

    // A replayed raise updates the open alarm instead of opening a second one.
    let again = store
        .apply_alarm_changes(&[change(Raised, "r1", "aq-1", 2_500, 95.0)])
        .await
        .unwrap();
    assert_eq!(again[0].0.id, a1);
    assert!(again[0].1.is_none());
    // A clear without an open alarm does nothing; with one it closes it with an event.
    let none = store
        .apply_alarm_changes(&[change(Cleared, "r2", "aq-1", 3_000, 10.0)])
        .await
        .unwrap();
    assert!(none.is_empty());
    let cleared = store
        .apply_alarm_changes(&[
            change(Cleared, "r1", "aq-1", 3_000, 50.0),
            change(Raised, "r1", "aq-1", 4_000, 99.0),
        ])
        .await
        .unwrap();
    assert_eq!(cleared[0].0.status, "cleared");
    assert_eq!(cleared[0].0.cleared_ms, Some(3_000));
    assert_eq!(cleared[0].1.as_ref().unwrap().topic, "alarm.cleared");
    let a2 = cleared[1].0.id;
    assert_ne!(a2, a1, "after a clear the next raise is a new alarm");

    // People's actions.
    let (acked, ev) = store
        .alarm_action(a2, &AlarmAction::Acknowledge, "op1", 5_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acked.acknowledged_by.as_deref(), Some("op1"));
    assert_eq!(ev.topic, "alarm.acknowledged");
    assert_eq!(ev.actor.as_deref(), Some("op1"));
    assert!(matches!(
        store
            .alarm_action(a2, &AlarmAction::Acknowledge, "op2", 5_100)
            .await,
        Err(zhicheng_store::Error::Conflict(_))
    ));
    let (assigned, _) = store
        .alarm_action(
            a2,
            &AlarmAction::Assign {
                assignee: Some("env1".into()),
            },
            "op1",
            5_200,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(assigned.assignee.as_deref(), Some("env1"));
    let (_, ev) = store
        .alarm_action(
            a2,
            &AlarmAction::Comment {
                text: "已派人核查".into(),
            },
            "env1",
            5_300,
        )
        .await
        .unwrap()
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&ev.body).unwrap();
    assert_eq!(body["text"], "已派人核查");
    assert_eq!(body["alarm"]["id"], a2);
    let (manual, _) = store
        .alarm_action(
            a2,
            &AlarmAction::Clear {
                note: Some("传感器故障".into()),
            },
            "op1",
            6_000,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(manual.status, "cleared");
    assert_eq!(manual.cleared_by.as_deref(), Some("op1"));
    assert!(matches!(
        store
            .alarm_action(a2, &AlarmAction::Clear { note: None }, "op1", 6_100)
            .await,
        Err(zhicheng_store::Error::Conflict(_))
    ));
    assert!(store
        .alarm_action(9_999, &AlarmAction::Acknowledge, "op1", 1)
        .await
        .unwrap()
        .is_none());
    let comments = store.list_alarm_comments(a2).await.unwrap();
    assert_eq!(
        comments.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        ["已派人核查", "传感器故障"]
    );

    // Queries.
    let q = |f: &dyn Fn(&mut AlarmQuery)| {
        let mut q = AlarmQuery {
            limit: 100,
            ..AlarmQuery::default()
        };
        f(&mut q);
        q
    };
    let ids = |v: Vec<AlarmRecord>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    let bus = out[1].0.id;
    assert_eq!(
        ids(store.list_alarms(&q(&|_| {})).await.unwrap()),
        [a2, bus, a1]
    );
    assert_eq!(
        ids(store
            .list_alarms(&q(&|q| q.status = Some("active".into())))
            .await
            .unwrap()),
        [bus]
    );
    assert_eq!(
        ids(store
            .list_alarms(&q(&|q| q.departments = vec!["env".into()]))
            .await
            .unwrap()),
        [a2, a1]
    );
    assert_eq!(
        ids(store
            .list_alarms(&q(&|q| q.departments = vec!["traffic".into(), "x".into()]))
            .await
            .unwrap()),
        [bus]
    );
    assert_eq!(
        ids(store
            .list_alarms(&q(&|q| q.acknowledged = Some(true)))
            .await
            .unwrap()),
        [a2]
    );
    assert_eq!(
        ids(store
            .list_alarms(&q(&|q| q.acknowledged = Some(false)))
            .await
            .unwrap()),
        [bus, a1]
    );
    assert_eq!(
        ids(store
            .list_alarms(&q(&|q| q.severities = vec!["critical".into()]))
            .await
            .unwrap()),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(store
            .list_alarms(&q(&|q| q.before_id = Some(a2)))
            .await
            .unwrap()),
        [bus, a1]
    );
    assert_eq!(
        ids(store
            .list_alarms(&q(&|q| q.assignee = Some("env1".into())))
            .await
            .unwrap()),
        [a2]
    );
    let counts = store.count_open_alarms().await.unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(
        (
            counts[0].department.as_str(),
            counts[0].n,
            counts[0].acknowledged
        ),
        ("traffic", 1, false)
    );

    // The event log, in order.
    let events = store.list_events(0, 100).await.unwrap();
    let topics: Vec<&str> = events.iter().map(|e| e.topic.as_str()).collect();
    assert_eq!(
        topics,
        [
            "alarm.raised",
            "alarm.raised",
            "alarm.cleared",
            "alarm.raised",
            "alarm.acknowledged",
            "alarm.assigned",
            "alarm.commented",
            "alarm.cleared"
        ]
    );
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(
        store.last_event_id().await.unwrap(),
        events.last().unwrap().id
    );
    assert_eq!(store.list_events(events[5].id, 100).await.unwrap().len(), 2);
}

async fn case_alarm_bursts(store: Arc<dyn Store>) {
    use AlarmChangeKind::*;
    ready(&store).await;
    // One pair raised and cleared again and again within one batch (a few multi-row
    // statements, whatever the batch holds): every step answered in order, as it was right
    // after the step, with its events in order.
    let burst = store
        .apply_alarm_changes(&[
            change(Raised, "r3", "aq-1", 10_000, 80.0),
            change(Cleared, "r3", "aq-1", 11_000, 10.0),
            change(Raised, "r3", "bus-1", 11_500, 9.0),
            change(Raised, "r3", "aq-1", 12_000, 85.0),
            change(Updated, "r3", "aq-1", 12_500, 88.0),
            change(Cleared, "r3", "aq-1", 13_000, 20.0),
            change(Raised, "r3", "aq-1", 14_000, 90.0),
        ])
        .await
        .unwrap();
    let steps: Vec<(&str, Option<&str>, f64)> = burst
        .iter()
        .map(|(r, e)| {
            (
                r.status.as_str(),
                e.as_ref().map(|e| e.topic.as_str()),
                r.value,
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("active", Some("alarm.raised"), 80.0),
            ("cleared", Some("alarm.cleared"), 10.0),
            ("active", Some("alarm.raised"), 9.0),
            ("active", Some("alarm.raised"), 85.0),
            ("active", None, 88.0),
            ("cleared", Some("alarm.cleared"), 20.0),
            ("active", Some("alarm.raised"), 90.0),
        ]
    );
    let ids: Vec<i64> = burst.iter().map(|(r, _)| r.id).collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[3], ids[4]);
    assert_eq!(ids[4], ids[5]);
    let mut distinct = vec![ids[0], ids[2], ids[3], ids[6]];
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "four alarms: {ids:?}");
    let events: Vec<i64> = burst
        .iter()
        .filter_map(|(_, e)| e.as_ref().map(|e| e.id))
        .collect();
    assert!(
        events.windows(2).all(|w| w[0] < w[1]),
        "events in order: {events:?}"
    );
    let raised: serde_json::Value =
        serde_json::from_str(&burst[3].1.as_ref().unwrap().body).unwrap();
    assert_eq!(
        raised["alarm"]["status"], "active",
        "a raise's event shows the raise"
    );
    assert_eq!(raised["alarm"]["value"], 85.0);
    assert_eq!(burst[1].1.as_ref().unwrap().at_ms, 11_000);
    let second = store.get_alarm(ids[3]).await.unwrap().unwrap();
    assert_eq!(
        (
            second.status.as_str(),
            second.raised_ms,
            second.cleared_ms,
            second.value
        ),
        ("cleared", 12_000, Some(13_000), 20.0)
    );
    let last = store.get_alarm(ids[6]).await.unwrap().unwrap();
    assert_eq!((last.status.as_str(), last.value), ("active", 90.0));

    // Readings and the alarms they cause in one transaction.
    let series = one_series(&store, "aq-1", "pm25").await;
    let points: Vec<Point> = (0..3)
        .map(|i| pt(series, 20_000 + i * 1_000, 100.0 + i as f64))
        .collect();
    let (stats, written) = store
        .write_batch_with_alarms(&points, &[change(Cleared, "r3", "aq-1", 22_000, 102.0)])
        .await
        .unwrap();
    assert_eq!(stats.inserted, 3);
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].0.id, ids[6]);
    assert_eq!(written[0].0.status, "cleared");
    assert_eq!(
        store
            .history_raw(series, 0, 100_000, 10)
            .await
            .unwrap()
            .len(),
        3
    );
}

async fn case_rule_versions_state_and_webhooks(store: Arc<dyn Store>) {
    ready(&store).await;
    let v = |id: &str, version: i64, deleted: bool| RuleVersion {
        id: id.into(),
        version,
        definition: if deleted {
            String::new()
        } else {
            format!("{{\"id\":\"{id}\"}}")
        },
        deleted,
        source: "api".into(),
        created_by: "op1".into(),
        created_ms: version * 10,
    };
    store.insert_rule_version(&v("b", 1, false)).await.unwrap();
    store.insert_rule_version(&v("a", 2, false)).await.unwrap();
    store.insert_rule_version(&v("a", 1, false)).await.unwrap();
    store.insert_rule_version(&v("b", 2, true)).await.unwrap();
    assert!(matches!(
        store.insert_rule_version(&v("a", 2, false)).await,
        Err(zhicheng_store::Error::Conflict(_))
    ));
    let all = store.list_rule_versions(None).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|r| (r.id.as_str(), r.version, r.deleted))
            .collect::<Vec<_>>(),
        [
            ("a", 1, false),
            ("a", 2, false),
            ("b", 1, false),
            ("b", 2, true)
        ]
    );
    assert_eq!(store.list_rule_versions(Some("b")).await.unwrap().len(), 2);

    assert!(store.load_rule_state().await.unwrap().is_none());
    store.save_rule_state(100, 200, b"{\"a\":1}").await.unwrap();
    store.save_rule_state(300, 400, &[0, 255, 7]).await.unwrap();
    assert_eq!(
        store.load_rule_state().await.unwrap(),
        Some((300, 400, vec![0, 255, 7]))
    );

    let hook = Webhook {
        id: "ops".into(),
        url: "http://127.0.0.1:9/hook".into(),
        secret: Some("s3cret".into()),
        topics: "alarm.".into(),
        min_severity: Some("major".into()),
        department: None,
        enabled: true,
        cursor: 5,
        created_by: "admin".into(),
        created_ms: 1,
    };
    store.put_webhook(&hook).await.unwrap();
    // Replacing keeps the cursor.
    store
        .put_webhook(&Webhook {
            url: "http://127.0.0.1:10/hook".into(),
            cursor: 0,
            ..hook.clone()
        })
        .await
        .unwrap();
    let list = store.list_webhooks().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].url, "http://127.0.0.1:10/hook");
    assert_eq!(list[0].cursor, 5);
    let log = |event: i64, outcome: &str| WebhookLog {
        id: 0,
        webhook: "ops".into(),
        event,
        at_ms: event * 10,
        outcome: outcome.into(),
        attempts: 1,
        status: Some(200),
        error: None,
    };
    store
        .record_webhook_outcome(&log(7, "delivered"))
        .await
        .unwrap();
    store
        .record_webhook_outcome(&log(6, "gave_up"))
        .await
        .unwrap();
    assert_eq!(
        store.list_webhooks().await.unwrap()[0].cursor,
        7,
        "the cursor never goes back"
    );
    let l = store.list_webhook_log("ops", 10).await.unwrap();
    assert_eq!(l.iter().map(|x| x.event).collect::<Vec<_>>(), [6, 7]);
    assert!(store.delete_webhook("ops").await.unwrap());
    assert!(!store.delete_webhook("ops").await.unwrap());
    assert!(store.list_webhook_log("ops", 10).await.unwrap().is_empty());

    assert_eq!(store.notification_cursor("u1").await.unwrap(), 0);
    store.set_notification_cursor("u1", 9).await.unwrap();
    store.set_notification_cursor("u1", 4).await.unwrap();
    assert_eq!(store.notification_cursor("u1").await.unwrap(), 9);
}

// ---------------------------------------------------------------- cases (schema v11)

fn case_row(seq: i64, status: &str, department: &str, category: &str, created: i64) -> CaseRow {
    CaseRow {
        id: format!("AJ{seq:06}"),
        seq,
        status: status.into(),
        open: !matches!(status, "closed" | "rejected" | "merged"),
        source: "hotline".into(),
        category: category.into(),
        urgency: "normal".into(),
        region: Some("370323001".into()),
        grid: Some("g1".into()),
        department: Some(department.into()),
        visible_to: format!(",{department},"),
        lon: Some(118.17),
        lat: Some(36.18),
        address: Some("城关镇振兴路 1 号".into()),
        description: "井盖缺失".into(),
        reporter_name: Some("张三".into()),
        reporter_phone: Some("13912345678".into()),
        reporter_department: None,
        source_ref: None,
        created_ms: created,
        updated_ms: created,
        closed_ms: None,
        due_ms: Some(created + 1_000),
        escalation_level: 0,
        state: format!("{{\"status\":\"{status}\"}}"),
        version: 1,
    }
}

fn entry(case: &str, at: i64, action: &str, from: &str, to: &str) -> CaseTimelineRow {
    CaseTimelineRow {
        id: 0,
        case_id: case.into(),
        at_ms: at,
        actor: "op1".into(),
        action: action.into(),
        from_status: from.into(),
        to_status: to.into(),
        entry: "{}".into(),
    }
}

async fn case_cases(store: Arc<dyn Store>) {
    ready(&store).await;
    let s1 = store.next_case_seq().await.unwrap();
    let s2 = store.next_case_seq().await.unwrap();
    assert!(s2 > s1);
    let ev = |topic: &str| NewEvent {
        at_ms: 10,
        topic: topic.into(),
        department: "town".into(),
        severity: None,
        actor: Some("op1".into()),
        body: "{}".into(),
    };
    let a = case_row(s1, "reported", "town", "C01-02", 100);
    let first = store
        .insert_case(
            &a,
            &[entry(&a.id, 100, "report", "reported", "reported")],
            Some(&ev("case.reported")),
        )
        .await
        .unwrap();
    let event_id = first.expect("an event id");
    assert!(matches!(
        store.insert_case(&a, &[], None).await,
        Err(zhicheng_store::Error::Conflict(_))
    ));
    let b = case_row(s2, "dispatched", "water", "E05-01", 200);
    store.insert_case(&b, &[], None).await.unwrap();

    // An update needs the version it was computed from.
    let mut a2 = a.clone();
    a2.status = "registered".into();
    a2.version = 2;
    a2.due_ms = None;
    let r = store
        .update_case(
            &a2,
            &[entry(&a.id, 150, "register", "reported", "registered")],
            Some(&ev("case.registered")),
        )
        .await
        .unwrap();
    assert!(matches!(r, Some(Some(id)) if id > event_id));
    // The same change again (a stale version) writes nothing.
    assert_eq!(
        store
            .update_case(&a2, &[entry(&a.id, 160, "x", "a", "b")], None)
            .await
            .unwrap(),
        None
    );
    let got = store.get_case(&a.id).await.unwrap().unwrap();
    assert_eq!((got.status.as_str(), got.version), ("registered", 2));
    assert_eq!(got.reporter_phone.as_deref(), Some("13912345678"));
    let tl = store.list_case_timeline(&a.id).await.unwrap();
    assert_eq!(
        tl.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["report", "register"]
    );

    let q = |f: &dyn Fn(&mut CaseQuery)| {
        let mut q = CaseQuery {
            limit: 100,
            ..CaseQuery::default()
        };
        f(&mut q);
        q
    };
    let ids = |v: Vec<CaseRow>| v.into_iter().map(|c| c.seq).collect::<Vec<_>>();
    assert_eq!(ids(store.list_cases(&q(&|_| {})).await.unwrap()), [s2, s1]);
    assert_eq!(
        ids(store
            .list_cases(&q(&|q| q.department = Some("water".into())))
            .await
            .unwrap()),
        [s2]
    );
    assert_eq!(
        ids(store
            .list_cases(&q(
                &|q| q.statuses = vec!["registered".into(), "closed".into()]
            ))
            .await
            .unwrap()),
        [s1]
    );
    assert_eq!(
        ids(store
            .list_cases(&q(&|q| q.categories = vec!["E05".into()]))
            .await
            .unwrap()),
        [s2]
    );
    assert_eq!(
        ids(store
            .list_cases(&q(&|q| q.region = Some("370323".into())))
            .await
            .unwrap()),
        [s2, s1]
    );
    assert_eq!(
        ids(store
            .list_cases(&q(&|q| q.region = Some("370324".into())))
            .await
            .unwrap()),
        Vec::<i64>::new()
    );
    // Overdue at 1,500: b's deadline (1,200) passed; a has none now.
    assert_eq!(
        ids(store
            .list_cases(&q(&|q| q.overdue_at = Some(1_500)))
            .await
            .unwrap()),
        [s2]
    );
    assert_eq!(
        ids(store
            .list_cases(&q(&|q| q.before_seq = Some(s2)))
            .await
            .unwrap()),
        [s1]
    );
    assert_eq!(
        ids(store
            .list_cases(&q(&|q| q.open = Some(false)))
            .await
            .unwrap()),
        Vec::<i64>::new()
    );

    let att = CaseAttachment {
        id: 0,
        case_id: a.id.clone(),
        file_name: "现场.jpg".into(),
        content_type: "image/jpeg".into(),
        size: 3,
        sha256: "ab".repeat(32),
        uploaded_by: "grid1".into(),
        uploaded_ms: 5,
    };
    let id = store.insert_case_attachment(&att).await.unwrap();
    assert_eq!(
        store
            .get_case_attachment(id)
            .await
            .unwrap()
            .unwrap()
            .file_name,
        "现场.jpg"
    );
    assert_eq!(store.list_case_attachments(&a.id).await.unwrap().len(), 1);
    assert!(matches!(
        store
            .insert_case_attachment(&CaseAttachment {
                case_id: "nope".into(),
                ..att
            })
            .await,
        Err(zhicheng_store::Error::NotFound(_))
    ));
    let events = store.list_events(0, 10).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.topic.as_str()).collect::<Vec<_>>(),
        ["case.reported", "case.registered"]
    );
    assert_eq!(events[0].ref_id, s1);
}
