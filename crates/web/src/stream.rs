//! `GET /api/v1/stream`: state changes (event `state`), alarm changes (event `alarm`: a
//! list of `{change, alarm, event?}`, see `zhicheng_engine::alarms::AlarmEvent`) and case
//! changes (event `case`: a list of `{id, action, status, department, at_ms}`, see
//! `zhicheng_engine::cases::CaseChange`; the case itself is read through the API) as
//! Server-Sent Events. State and alarms are filtered by kind, region or entity and confined to
//! the caller's department for department users; cases to those the department sees.
//!
//! Each client reads from a broadcast channel of write batches. A client that falls more than
//! the channel's depth behind is dropped (it sees the stream end and reconnects); the writer
//! never waits for it.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use futures::stream::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::api::Auth;
use crate::error::ApiError;
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/stream", get(stream))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Filter {
    kind: Option<String>,
    region: Option<String>,
    entity: Option<String>,
}

struct ClientGuard(zhicheng_engine::Engine);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.metrics().stream_clients(-1);
    }
}

async fn stream(
    State(s): State<AppState>,
    Auth(actor): Auth,
    q: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(f) = q?;
    let mut rx = s.engine.subscribe();
    let mut alarms = s.engine.subscribe_alarms();
    let mut cases = s.engine.subscribe_cases();
    let engine = s.engine.clone();
    engine.metrics().stream_clients(1);
    let out: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> = Box::pin(
        async_stream(move |tx| async move {
            let _guard = ClientGuard(engine.clone());
            let scope = actor.scope().map(str::to_string);
            let _ = tx.send(Event::default().event("hello").data("{}")).await;
            loop {
                let sent = tokio::select! {
                    r = rx.recv() => match r {
                        Ok(batch) => {
                            let items: Vec<_> = batch
                                .iter()
                                .filter(|c| scope.as_deref().is_none_or(|d| &*c.department == d))
                                .filter(|c| f.kind.as_deref().is_none_or(|k| &*c.kind == k))
                                .filter(|c| f.entity.as_deref().is_none_or(|e| &*c.entity == e))
                                .filter(|c| f.region.as_deref().is_none_or(|r| c.region.starts_with(r)))
                                .collect();
                            if items.is_empty() {
                                continue;
                            }
                            let data = serde_json::to_string(&items).unwrap_or_else(|_| "[]".into());
                            Ok(tx.try_send(Event::default().event("state").data(data)))
                        }
                        Err(e) => Err(e),
                    },
                    r = alarms.recv() => match r {
                        Ok(batch) => {
                            let items: Vec<_> = batch
                                .iter()
                                .filter(|e| scope.as_deref().is_none_or(|d| e.alarm.record.department == d))
                                .filter(|e| f.kind.as_deref().is_none_or(|k| e.alarm.record.kind == k))
                                .filter(|e| f.entity.as_deref().is_none_or(|x| e.alarm.record.entity == x))
                                .filter(|e| f.region.as_deref().is_none_or(|r| e.alarm.record.region.starts_with(r)))
                                .collect();
                            if items.is_empty() {
                                continue;
                            }
                            let data = serde_json::to_string(&items).unwrap_or_else(|_| "[]".into());
                            Ok(tx.try_send(Event::default().event("alarm").data(data)))
                        }
                        Err(e) => Err(e),
                    },
                    r = cases.recv() => match r {
                        Ok(c) => {
                            if scope.as_deref().is_some_and(|d| !c.visible_to.iter().any(|v| v == d)) {
                                continue;
                            }
                            let data = serde_json::to_string(&[&*c]).unwrap_or_else(|_| "[]".into());
                            Ok(tx.try_send(Event::default().event("case").data(data)))
                        }
                        Err(e) => Err(e),
                    },
                };
                match sent {
                    // A full client buffer means the client is slow: drop it rather than wait.
                    Ok(Err(_)) => {
                        engine.metrics().stream_dropped();
                        break;
                    }
                    Ok(Ok(())) => {}
                    Err(RecvError::Lagged(_)) => {
                        engine.metrics().stream_dropped();
                        let _ = tx.try_send(
                            Event::default()
                                .event("dropped")
                                .data("{\"reason\":\"too slow\"}"),
                        );
                        break;
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        }),
    );
    Ok(Sse::new(out).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// A stream fed by a task through a small bounded channel.
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Event>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    use futures::StreamExt;
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(f(tx));
    tokio_stream::wrappers::ReceiverStream::new(rx).map(Ok::<Event, Infallible>)
}
