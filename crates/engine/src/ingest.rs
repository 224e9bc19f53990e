//! The one validation path of every gateway: HTTP, MQTT and (later) JT/T 808 and GB/T 28181
//! all turn their messages into [`IngestReading`]s and call [`Engine::ingest`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use zhicheng_model::time_util::{now_ms, parse_rfc3339_ms};
use zhicheng_model::ValueType;

use crate::bus::{Job, Pending};
use crate::{Engine, Error, Result};

/// Which gateway a reading came through (a metrics label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// `POST /api/v1/ingest`.
    Http,
    /// The MQTT subscriber.
    Mqtt,
    /// Inside the server (CLI, tests).
    Internal,
}

impl Source {
    /// Label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Http => "http",
            Source::Mqtt => "mqtt",
            Source::Internal => "internal",
        }
    }
}

/// A time as sent: RFC 3339 text or epoch milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum TsInput {
    /// Epoch milliseconds.
    Millis(i64),
    /// Text that should be RFC 3339.
    Text(String),
    /// Anything else (kept to report it).
    Bad,
}

/// A value as sent, before it is checked against the metric's type.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueInput {
    /// A JSON number.
    Number(f64),
    /// A JSON boolean.
    Bool(bool),
    /// Something else: text, null, an object (its JSON type name).
    Other(&'static str),
}

/// One reading as a gateway received it. The names borrow from the request body when they can
/// (no JSON escapes), so a bulk request is parsed without an allocation per reading.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IngestReading<'a> {
    /// Entity id.
    #[serde(borrow)]
    pub entity: Cow<'a, str>,
    /// Metric name.
    #[serde(borrow)]
    pub metric: Cow<'a, str>,
    /// Time; the server's clock when absent.
    #[serde(default)]
    pub ts: Option<TsInput>,
    /// Value.
    pub value: ValueInput,
    /// Position in the request, for error reports; `usize::MAX` = its place in the list.
    #[serde(skip, default = "no_index")]
    pub index: usize,
}

fn no_index() -> usize {
    usize::MAX
}

/// A reading that was refused, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// Position in the request (0-based reading or line index).
    pub index: usize,
    /// Entity as sent.
    pub entity: String,
    /// Metric as sent.
    pub metric: String,
    /// Why.
    pub reason: String,
}

/// What happened to a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestOutcome {
    /// Readings durably stored (or already stored: replays count as accepted).
    pub accepted: usize,
    /// Readings refused.
    pub rejected: Vec<Rejection>,
}

impl<'de> Deserialize<'de> for TsInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TsInput;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("RFC 3339 text or epoch milliseconds")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TsInput, E> {
                Ok(TsInput::Millis(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TsInput, E> {
                Ok(i64::try_from(v)
                    .map(TsInput::Millis)
                    .unwrap_or(TsInput::Bad))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TsInput, E> {
                Ok(if v.is_finite() && v.abs() < 9.0e15 {
                    TsInput::Millis(v as i64)
                } else {
                    TsInput::Bad
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TsInput, E> {
                Ok(TsInput::Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<TsInput, E> {
                Ok(TsInput::Bad)
            }
            fn visit_unit<E: de::Error>(self) -> Result<TsInput, E> {
                Ok(TsInput::Bad)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for ValueInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ValueInput;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a boolean")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ValueInput, E> {
                Ok(ValueInput::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ValueInput, E> {
                Ok(ValueInput::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ValueInput, E> {
                Ok(ValueInput::Number(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ValueInput, E> {
                Ok(ValueInput::Bool(v))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ValueInput, E> {
                Ok(ValueInput::Other("text"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ValueInput, E> {
                Ok(ValueInput::Other("null"))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<ValueInput, A::Error> {
                while a.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(ValueInput::Other("array"))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<ValueInput, A::Error> {
                while a.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                Ok(ValueInput::Other("object"))
            }
        }
        d.deserialize_any(V)
    }
}

impl ValueInput {
    /// Converts a `serde_json::Value` (as found in an MQTT `values` map).
    pub fn from_json(v: &serde_json::Value) -> ValueInput {
        match v {
            serde_json::Value::Number(n) => n
                .as_f64()
                .map(ValueInput::Number)
                .unwrap_or(ValueInput::Other("number")),
            serde_json::Value::Bool(b) => ValueInput::Bool(*b),
            serde_json::Value::String(_) => ValueInput::Other("text"),
            serde_json::Value::Null => ValueInput::Other("null"),
            serde_json::Value::Array(_) => ValueInput::Other("array"),
            serde_json::Value::Object(_) => ValueInput::Other("object"),
        }
    }
}

/// The reasons a reading is refused (also the `reason` label of the rejected counter).
pub(crate) mod reason {
    pub const UNKNOWN_ENTITY: &str = "unknown_entity";
    pub const NOT_OWNER: &str = "not_owner";
    pub const UNKNOWN_METRIC: &str = "unknown_metric";
    pub const WRONG_TYPE: &str = "wrong_type";
    pub const NOT_FINITE: &str = "not_finite";
    pub const BAD_TIME: &str = "bad_time";
    pub const FUTURE: &str = "future";
    pub const RETIRED: &str = "retired";
    pub const MALFORMED: &str = "malformed";
}

impl Engine {
    /// Checks readings and hands the good ones to the bus; returns once they are durable.
    ///
    /// `owner` is the entity a device token is bound to: readings for any other entity are
    /// refused. `None` means the gateway authenticated the sender some other way (the MQTT
    /// topic names the entity; the internal source is trusted).
    pub async fn ingest(
        &self,
        source: Source,
        readings: Vec<IngestReading<'_>>,
        owner: Option<&str>,
        mut rejected: Vec<Rejection>,
    ) -> Result<IngestOutcome> {
        let m = &self.inner.metrics;
        m.received(source, readings.len() + rejected.len());
        for r in &rejected {
            m.rejected(source, reason_label(&r.reason));
        }
        let now = now_ms();
        let max_future = self.inner.cfg.max_future.as_millis() as i64;
        let mut points = Vec::with_capacity(readings.len());
        {
            let idx = self.inner.index.read();
            let series_idx = self.inner.live.series_index();
            // The entity of the previous reading: id, kind, retired, its known series.
            type Last<'a> = (
                &'a str,
                Arc<str>,
                Arc<zhicheng_model::Kind>,
                bool,
                Option<&'a HashMap<Arc<str>, i64>>,
            );
            let mut last: Option<Last<'_>> = None;
            for (i, r) in readings.iter().enumerate() {
                let index = if r.index == usize::MAX { i } else { r.index };
                let fail = |why: &'static str, text: String| {
                    m.rejected(source, why);
                    Rejection {
                        index,
                        entity: r.entity.to_string(),
                        metric: r.metric.to_string(),
                        reason: text,
                    }
                };
                // Consecutive readings of one entity are the common case: look it up once.
                if last.as_ref().map(|l| l.0) != Some(&*r.entity) {
                    let Some(info) = idx.entities.get(&*r.entity) else {
                        rejected.push(fail(
                            reason::UNKNOWN_ENTITY,
                            format!(
                                "{}: entity {} does not exist",
                                reason::UNKNOWN_ENTITY,
                                r.entity
                            ),
                        ));
                        continue;
                    };
                    let Some(kind) = idx.kinds.get(&*info.kind) else {
                        rejected.push(fail(
                            reason::UNKNOWN_ENTITY,
                            format!(
                                "{}: kind {} of entity {} does not exist",
                                reason::UNKNOWN_ENTITY,
                                info.kind,
                                r.entity
                            ),
                        ));
                        continue;
                    };
                    last = Some((
                        &*r.entity,
                        Arc::from(&*r.entity),
                        kind.clone(),
                        info.retired,
                        series_idx.by_key.get(&*r.entity),
                    ));
                }
                let Some((_, entity, kind, retired, known)) = &last else {
                    continue;
                };
                if let Some(o) = owner {
                    if o != &*r.entity {
                        rejected.push(fail(
                            reason::NOT_OWNER,
                            format!(
                                "{}: this device token may only write entity {o}",
                                reason::NOT_OWNER
                            ),
                        ));
                        continue;
                    }
                }
                if *retired {
                    rejected.push(fail(
                        reason::RETIRED,
                        format!("{}: entity {} is retired", reason::RETIRED, r.entity),
                    ));
                    continue;
                }
                let Some(def) = kind.metric(&r.metric) else {
                    rejected.push(fail(
                        reason::UNKNOWN_METRIC,
                        format!(
                            "{}: kind {} has no metric {}",
                            reason::UNKNOWN_METRIC,
                            kind.id,
                            r.metric
                        ),
                    ));
                    continue;
                };
                let value = match (&r.value, def.ty) {
                    (ValueInput::Number(v), _) if !v.is_finite() => {
                        rejected.push(fail(
                            reason::NOT_FINITE,
                            format!("{}: value must be a finite number", reason::NOT_FINITE),
                        ));
                        continue;
                    }
                    (ValueInput::Number(v), ValueType::Number) => *v,
                    (ValueInput::Number(v), ValueType::Integer) if v.fract() == 0.0 => *v,
                    (ValueInput::Number(v), ValueType::Boolean) if *v == 0.0 || *v == 1.0 => *v,
                    (ValueInput::Bool(b), ValueType::Boolean) => f64::from(u8::from(*b)),
                    (got, want) => {
                        let got = match got {
                            ValueInput::Number(_) => "number",
                            ValueInput::Bool(_) => "boolean",
                            ValueInput::Other(t) => t,
                        };
                        rejected.push(fail(
                            reason::WRONG_TYPE,
                            format!(
                                "{}: metric {} expects {}, got {got}",
                                reason::WRONG_TYPE,
                                r.metric,
                                format!("{want:?}").to_lowercase()
                            ),
                        ));
                        continue;
                    }
                };
                let ts = match &r.ts {
                    None => now,
                    Some(TsInput::Millis(t)) => *t,
                    Some(TsInput::Text(s)) => match parse_rfc3339_ms(s) {
                        Some(t) => t,
                        None => {
                            rejected.push(fail(
                                reason::BAD_TIME,
                                format!(
                                    "{}: ts {s:?} is not RFC 3339 or epoch milliseconds",
                                    reason::BAD_TIME
                                ),
                            ));
                            continue;
                        }
                    },
                    Some(TsInput::Bad) => {
                        rejected.push(fail(
                            reason::BAD_TIME,
                            format!(
                                "{}: ts must be RFC 3339 text or epoch milliseconds",
                                reason::BAD_TIME
                            ),
                        ));
                        continue;
                    }
                };
                if ts > now + max_future {
                    rejected.push(fail(
                        reason::FUTURE,
                        format!(
                            "{}: ts is more than {} s in the future",
                            reason::FUTURE,
                            max_future / 1000
                        ),
                    ));
                    continue;
                }
                if ts < 0 {
                    rejected.push(fail(
                        reason::BAD_TIME,
                        format!("{}: ts is before 1970", reason::BAD_TIME),
                    ));
                    continue;
                }
                let series = known.and_then(|m| m.get(&*r.metric).copied());
                points.push(Pending {
                    series,
                    key: series
                        .is_none()
                        .then(|| (entity.clone(), r.metric.to_string())),
                    ts,
                    value,
                });
            }
        }
        rejected.sort_by_key(|r| r.index);
        let accepted = points.len();
        if accepted > 0 {
            let (job, done) = Job::new(source, points);
            self.inner.bus.send(job).await?;
            match done.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(Error::Unavailable(format!("store write failed: {e}"))),
                Err(_) => return Err(Error::Unavailable("the writer stopped".into())),
            }
        }
        Ok(IngestOutcome { accepted, rejected })
    }
}

/// The counter label of a rejection reason (the text before the colon).
fn reason_label(text: &str) -> &'static str {
    use reason::*;
    let head = text.split(':').next().unwrap_or("");
    [
        UNKNOWN_ENTITY,
        NOT_OWNER,
        UNKNOWN_METRIC,
        WRONG_TYPE,
        NOT_FINITE,
        BAD_TIME,
        FUTURE,
        RETIRED,
    ]
    .into_iter()
    .find(|r| *r == head)
    .unwrap_or(MALFORMED)
}
