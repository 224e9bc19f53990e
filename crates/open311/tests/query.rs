//! `GET /requests` query strings: comma lists, the 90-day window, ids overriding the rest,
//! paging.

use zhicheng_open311::query::MAX_RANGE_MS;
use zhicheng_open311::{http_status, parse_requests_query, Filter, RequestsQuery, Status};

/// 2026-11-30T14:05:00+08:00
const NOW: i64 = 1_796_018_700_000;
const DAY: i64 = 86_400_000;

fn query(q: &str) -> RequestsQuery {
    parse_requests_query(q, NOW).unwrap_or_else(|e| panic!("{q}: {e:?}"))
}

fn search(q: &str) -> (Vec<String>, i64, i64, Vec<Status>) {
    match query(q).filter {
        Filter::Search {
            service_codes,
            start_ms,
            end_ms,
            statuses,
        } => (service_codes, start_ms, end_ms, statuses),
        other => panic!("{q}: {other:?}"),
    }
}

fn refused(q: &str, needle: &str) {
    let errors = parse_requests_query(q, NOW).expect_err(q);
    assert!(
        errors.iter().any(|e| e.description.contains(needle)),
        "{q}: {errors:?}"
    );
    assert_eq!(http_status(&errors), 400);
}

#[test]
fn defaults_are_the_last_90_days_first_1000() {
    let q = query("");
    assert_eq!(
        q.filter,
        Filter::Search {
            service_codes: vec![],
            start_ms: NOW - 90 * DAY,
            end_ms: NOW,
            statuses: vec![]
        }
    );
    assert_eq!((q.page, q.page_size, q.offset()), (1, 1000, 0));
    assert_eq!(q.jurisdiction_id, None);
    assert_eq!(MAX_RANGE_MS, 90 * DAY);
}

#[test]
fn the_spec_sample_query() {
    let q = query("start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open&jurisdiction_id=city.gov");
    assert_eq!(q.jurisdiction_id.as_deref(), Some("city.gov"));
    let (codes, start, end, statuses) =
        search("start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open");
    assert!(codes.is_empty());
    assert_eq!((start, end), (1_274_659_200_000, 1_277_337_600_000));
    assert_eq!(statuses, [Status::Open]);
}

#[test]
fn comma_lists_and_repeats_add_up() {
    let (codes, _, _, statuses) =
        search("service_code=LAMP,%20ROAD,,&service_code=WATER,LAMP&status=closed,OPEN,open");
    assert_eq!(codes, ["LAMP", "ROAD", "WATER"]);
    assert_eq!(statuses, [Status::Open, Status::Closed]);
    refused(
        "status=open,in_progress",
        "status `in_progress` is not open or closed",
    );
}

#[test]
fn service_request_id_overrides_the_rest() {
    let q = query("service_request_id=C-1,C-2,%20C-3&service_code=LAMP&status=bogus&start_date=junk&page_size=10&jurisdiction_id=z.example");
    assert_eq!(
        q.filter,
        Filter::Ids(vec!["C-1".into(), "C-2".into(), "C-3".into()])
    );
    assert_eq!(q.page_size, 10);
    assert_eq!(q.jurisdiction_id.as_deref(), Some("z.example"));
    // An empty id list is no id list.
    assert!(matches!(
        query("service_request_id=,&status=open").filter,
        Filter::Search { .. }
    ));
}

#[test]
fn dates_in_any_zone_and_the_90_day_rule() {
    let (_, start, end, _) =
        search("start_date=2026-09-01T00:00:00%2B08:00&end_date=2026-11-29T00:00:00Z");
    assert_eq!(start, 1_788_192_000_000);
    assert_eq!(end, 1_795_910_400_000);
    // Exactly 90 days is allowed; one second more is not.
    let (_, s, e, _) = search("start_date=2026-09-01T00:00:00Z&end_date=2026-11-30T00:00:00Z");
    assert_eq!(e - s, 90 * DAY);
    refused(
        "start_date=2026-09-01T00:00:00Z&end_date=2026-11-30T00:00:01Z",
        "more than 90 days",
    );
    refused(
        "start_date=2026-11-30T00:00:00Z&end_date=2026-11-29T00:00:00Z",
        "end_date is before start_date",
    );
    // Only one end given: 90 days from it.
    let (_, s, e, _) = search("start_date=2026-01-01T00:00:00Z");
    assert_eq!((s, e), (1_767_225_600_000, 1_767_225_600_000 + 90 * DAY));
    let (_, s, e, _) = search("end_date=2026-01-01T00:00:00Z");
    assert_eq!((s, e), (1_767_225_600_000 - 90 * DAY, 1_767_225_600_000));
    refused("start_date=2026-01-01", "start_date");
    refused("end_date=yesterday", "end_date");
    refused(
        "start_date=2026-01-01T00:00:00Z&start_date=2026-01-02T00:00:00Z",
        "start_date is given more than once",
    );
}

#[test]
fn paging() {
    let q = query("page=3&page_size=50");
    assert_eq!((q.page, q.page_size, q.offset()), (3, 50, 100));
    assert_eq!(query("page_size=1000").page_size, 1000);
    refused("page=0", "page must be");
    refused("page=-1", "page must be");
    refused("page=x", "page must be");
    refused(
        "page_size=1001",
        "page_size must be a whole number from 1 to 1000",
    );
    refused("page_size=0", "page_size must be");
}

#[test]
fn lists_are_bounded_and_unknowns_ignored() {
    let many: Vec<String> = (0..=100).map(|i| format!("C{i}")).collect();
    refused(
        &format!("service_request_id={}", many.join(",")),
        "more than 100 items",
    );
    refused(
        &format!("service_code={}", "x".repeat(129)),
        "longer than 128",
    );
    assert_eq!(query("api_key=k&foo=bar%00&status=").page, 1);
    refused(
        "jurisdiction_id=a%0Ab",
        "jurisdiction_id has control characters",
    );
    // A leading `?` is allowed.
    assert_eq!(search("?status=closed").3, [Status::Closed]);
    // Every fault at once.
    let errors = parse_requests_query("status=x&page=0&page_size=0", NOW).unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:?}");
}
