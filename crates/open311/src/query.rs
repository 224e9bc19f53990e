//! `GET /requests?…`: the query string read into a [`RequestsQuery`].
//!
//! * `service_request_id` — a comma list; when given it overrides every other filter (they
//!   are not even read, as the spec says), only `page`, `page_size` and `jurisdiction_id`
//!   still apply.
//! * `service_code`, `status` (`open`, `closed`) — comma lists; a parameter given several
//!   times adds to the list.
//! * `start_date`, `end_date` — W3C date-times in any zone; the range is at most 90 days.
//!   Neither: the last 90 days up to now. Only `start_date`: 90 days from it. Only
//!   `end_date`: the 90 days before it.
//! * `page` (from 1) and `page_size` (1 to 1000, default 1000, the spec's cap) — our
//!   extension, so a client can read more than the first 1000.
//!
//! Empty values are absent ones; unknown parameters (`api_key`, a client's own) are ignored.

use crate::resource::Status;
use crate::{datetime, Open311Error};

/// 90 days, the spec's longest range and default window, in ms.
pub const MAX_RANGE_MS: i64 = 90 * 24 * 3600 * 1000;
/// The spec's default cap on records, and our largest page.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// At most this many items in one comma list.
pub const MAX_LIST_ITEMS: usize = 100;
/// At most this many characters in one id or code of a list.
pub const MAX_ITEM_CHARS: usize = 128;

/// Which requests are asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// These requests, by id, whatever their service, date or status.
    Ids(Vec<String>),
    /// A search.
    Search {
        /// These services (empty: all).
        service_codes: Vec<String>,
        /// Requested at or after this instant, epoch ms.
        start_ms: i64,
        /// Requested at or before this instant, epoch ms.
        end_ms: i64,
        /// These statuses (empty: both).
        statuses: Vec<Status>,
    },
}

/// A `GET /requests` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestsQuery {
    /// The jurisdiction, when given.
    pub jurisdiction_id: Option<String>,
    /// Which requests.
    pub filter: Filter,
    /// The page, from 1.
    pub page: u32,
    /// Records per page, 1 to [`MAX_PAGE_SIZE`].
    pub page_size: u32,
}

impl RequestsQuery {
    /// How many records to skip for this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.page_size)
    }
}

fn bad(msg: impl Into<String>) -> Open311Error {
    Open311Error::bad_request(msg)
}

/// Adds the comma-separated items of `value` to `list`.
fn add_items(name: &str, value: &str, list: &mut Vec<String>, errors: &mut Vec<Open311Error>) {
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if item.chars().count() > MAX_ITEM_CHARS || item.chars().any(char::is_control) {
            errors.push(bad(format!(
                "{name}: an item is longer than {MAX_ITEM_CHARS} characters or has control characters"
            )));
        } else if list.len() == MAX_LIST_ITEMS {
            errors.push(bad(format!("{name} has more than {MAX_LIST_ITEMS} items")));
            return;
        } else if !list.iter().any(|i| i == item) {
            list.push(item.to_owned());
        }
    }
}

fn set_once(name: &str, slot: &mut Option<String>, value: &str, errors: &mut Vec<Open311Error>) {
    if slot.is_some() {
        errors.push(bad(format!("{name} is given more than once")));
    } else {
        *slot = Some(value.to_owned());
    }
}

fn parse_page(
    name: &str,
    value: Option<&str>,
    default: u32,
    max: u32,
) -> Result<u32, Open311Error> {
    match value {
        None => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| bad(format!("{name} must be a whole number from 1 to {max}"))),
    }
}

/// Reads a `GET /requests` query string (without the `?`), `now_ms` being the current time
/// for the default window. Every fault found is reported.
///
/// ```
/// use zhicheng_open311::{parse_requests_query, Filter, Status};
///
/// let now = 1_796_018_700_000; // 2026-11-30T14:05:00+08:00
/// let q = parse_requests_query("service_code=LAMP,ROAD&status=open", now).unwrap();
/// let Filter::Search { service_codes, start_ms, end_ms, statuses } = q.filter else { panic!() };
/// assert_eq!(service_codes, ["LAMP", "ROAD"]);
/// assert_eq!((end_ms - start_ms, end_ms), (90 * 86_400_000, now));
/// assert_eq!(statuses, [Status::Open]);
/// assert_eq!((q.page, q.page_size), (1, 1000));
///
/// let q = parse_requests_query("service_request_id=7,9&status=nonsense", now).unwrap();
/// assert_eq!(q.filter, Filter::Ids(vec!["7".into(), "9".into()]));
/// ```
pub fn parse_requests_query(query: &str, now_ms: i64) -> Result<RequestsQuery, Vec<Open311Error>> {
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    let mut codes = Vec::new();
    let mut status_words = Vec::new();
    let (mut start, mut end, mut page, mut page_size, mut jurisdiction) =
        (None, None, None, None, None);

    let query = query.strip_prefix('?').unwrap_or(query);
    for (n, (key, value)) in form_urlencoded::parse(query.as_bytes()).enumerate() {
        if n == 200 {
            errors.push(bad("the query has more than 200 parameters"));
            break;
        }
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        const KNOWN: [&str; 8] = [
            "service_request_id",
            "service_code",
            "status",
            "start_date",
            "end_date",
            "page",
            "page_size",
            "jurisdiction_id",
        ];
        if KNOWN.contains(&&*key) && value.chars().any(char::is_control) {
            errors.push(bad(format!("{key} has control characters")));
            continue;
        }
        match &*key {
            "service_request_id" => add_items("service_request_id", value, &mut ids, &mut errors),
            "service_code" => add_items("service_code", value, &mut codes, &mut errors),
            "status" => add_items("status", value, &mut status_words, &mut errors),
            "start_date" => set_once("start_date", &mut start, value, &mut errors),
            "end_date" => set_once("end_date", &mut end, value, &mut errors),
            "page" => set_once("page", &mut page, value, &mut errors),
            "page_size" => set_once("page_size", &mut page_size, value, &mut errors),
            "jurisdiction_id" => set_once("jurisdiction_id", &mut jurisdiction, value, &mut errors),
            _ => {}
        }
    }
    if jurisdiction
        .as_ref()
        .is_some_and(|j| j.chars().count() > MAX_ITEM_CHARS)
    {
        errors.push(bad(format!(
            "jurisdiction_id is longer than {MAX_ITEM_CHARS} characters"
        )));
    }
    let page = parse_page("page", page.as_deref(), 1, u32::MAX / MAX_PAGE_SIZE)
        .map_err(|e| errors.push(e))
        .unwrap_or(1);
    let page_size = parse_page(
        "page_size",
        page_size.as_deref(),
        MAX_PAGE_SIZE,
        MAX_PAGE_SIZE,
    )
    .map_err(|e| errors.push(e))
    .unwrap_or(MAX_PAGE_SIZE);

    let filter = if !ids.is_empty() {
        Filter::Ids(ids)
    } else {
        let mut statuses = Vec::new();
        for w in &status_words {
            match Status::parse(w) {
                Some(s) if !statuses.contains(&s) => statuses.push(s),
                Some(_) => {}
                None => errors.push(bad(format!(
                    "status `{}` is not open or closed",
                    w.chars().take(32).collect::<String>()
                ))),
            }
        }
        statuses.sort();
        let mut date = |name: &str, v: Option<String>| {
            v.and_then(|v| match datetime::parse(&v) {
                Ok(ms) => Some(ms),
                Err(e) => {
                    errors.push(bad(format!("{name}: {e}")));
                    None
                }
            })
        };
        let (s, e) = (
            date("start_date", start.clone()),
            date("end_date", end.clone()),
        );
        let bad_dates = (start.is_some() && s.is_none()) || (end.is_some() && e.is_none());
        let (start_ms, end_ms) = match (s, e) {
            (Some(s), Some(e)) => (s, e),
            (Some(s), None) => (s, s.saturating_add(MAX_RANGE_MS)),
            (None, Some(e)) => (e.saturating_sub(MAX_RANGE_MS), e),
            (None, None) => (now_ms.saturating_sub(MAX_RANGE_MS), now_ms),
        };
        if !bad_dates {
            if end_ms < start_ms {
                errors.push(bad("end_date is before start_date"));
            } else if end_ms - start_ms > MAX_RANGE_MS {
                errors.push(bad("start_date to end_date may not span more than 90 days"));
            }
        }
        Filter::Search {
            service_codes: codes,
            start_ms,
            end_ms,
            statuses,
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RequestsQuery {
        jurisdiction_id: jurisdiction,
        filter,
        page,
        page_size,
    })
}
