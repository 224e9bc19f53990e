//! Webhook delivery against real HTTP receivers on 127.0.0.1.
//!
//! No test sleeps to wait for something or asserts on elapsed time: each waits, with a
//! deadline, for a journal record, a request received or a counter.

#[path = "webhooks/support.rs"]
mod support;

use std::collections::HashSet;
use std::time::Duration;

use support::{
    answer, closed_url, delivery, dispatcher, endpoint, wait_stats, Answer, Receiver, Recorder,
    Silent, SECRET,
};
use zhicheng_notify::{AttemptError, DropReason, EndpointState, Error, Outcome, USER_AGENT};

/// The test: an endpoint that never answers (A) and one that refuses connections (B)
/// delay nothing of a live one (C). When C has received all its 200 deliveries, A is still on
/// its first attempt: its only request accepted, unanswered, nothing delivered or retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_and_refusing_endpoints_do_not_delay_a_live_one() {
    let silent = Silent::start().await;
    let refused = closed_url().await;
    let live = Receiver::start(Vec::new()).await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let mut a = endpoint("a", &silent.url);
    a.timeout = Duration::from_secs(60);
    d.set_endpoints(vec![a, endpoint("b", &refused), endpoint("c", &live.url)])
        .unwrap();

    for i in 0..200 {
        for ep in ["a", "b", "c"] {
            d.enqueue(ep, delivery(&format!("{ep}-{i}"), i)).unwrap();
        }
    }

    let seen = live.wait_for_requests(200).await;
    // The moment C has everything: A's first attempt is still in flight.
    let a_stats = d.endpoint_stats("a").unwrap();
    assert_eq!(a_stats.in_flight, 1, "{a_stats:?}");
    assert_eq!(a_stats.queued, 199, "{a_stats:?}");
    assert_eq!(
        (a_stats.delivered, a_stats.retries, a_stats.gave_up),
        (0, 0, 0),
        "{a_stats:?}"
    );
    assert!(
        recorder.of("a-0").is_empty(),
        "A's first attempt has no outcome yet"
    );
    let heads = silent.wait_for_requests(1).await;
    assert_eq!(
        heads.len(),
        1,
        "A got one request, accepted and never answered"
    );
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("x-zhicheng-delivery: a-0\r\n"),
        "{}",
        heads[0]
    );

    // C: all 200, in order, each once, signed.
    assert_eq!(seen.len(), 200);
    for (i, s) in seen.iter().enumerate() {
        assert_eq!(s.id(), format!("c-{i}"));
        assert_eq!(s.body, delivery("", i).body);
        assert!(s.signed_with(SECRET), "request {i} badly signed");
        assert!(!s.signed_with("another secret"));
        assert_eq!(s.header("x-zhicheng-event"), "alarm.raised");
        assert_eq!(s.header("content-type"), "application/json");
        assert_eq!(s.header("user-agent"), USER_AGENT);
        assert!(s.header("x-zhicheng-timestamp").parse::<i64>().unwrap() > 1_700_000_000);
    }
    recorder
        .wait_for("200 deliveries to C", |v| {
            v.iter()
                .filter(|r| {
                    r.endpoint == "c" && matches!(r.outcome, Outcome::Delivered { attempts: 1, .. })
                })
                .count()
                == 200
        })
        .await;

    // B went on failing on its own: every delivery tried 3 times and given up.
    let b = wait_stats(&d, "b", "200 given up", |s| s.gave_up == 200).await;
    assert_eq!((b.delivered, b.retries, b.queued), (0, 400, 0));
    assert_eq!(b.state, EndpointState::Down);
    assert!(matches!(
        &recorder.of("b-7")[..],
        [
            Outcome::Retrying {
                attempt: 1,
                error: AttemptError::Connect { .. },
                ..
            },
            Outcome::Retrying { attempt: 2, .. },
            Outcome::GaveUp {
                attempts: 3,
                error: AttemptError::Connect { .. }
            },
        ]
    ));
    let c = d.endpoint_stats("c").unwrap();
    assert_eq!(
        (c.delivered, c.state, c.consecutive_failures),
        (200, EndpointState::Up, 0)
    );
    assert!(c.last_success_ms.is_some());

    // Shutdown does not wait for A's answer and records nothing for it.
    d.shutdown().await;
    assert!(recorder.all().iter().all(|r| r.endpoint != "a"));
    assert!(matches!(
        d.enqueue("c", delivery("late", 0)),
        Err(Error::ShutDown)
    ));
}

#[tokio::test]
async fn server_errors_are_retried_with_the_same_id_and_body() {
    let rx = Receiver::start(vec![answer(500), answer(502)]).await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let mut e = endpoint("e", &rx.url);
    e.max_attempts = 5;
    d.set_endpoints(vec![e]).unwrap();
    d.enqueue("e", delivery("alarm-1", 1)).unwrap();

    let outcomes = recorder.finished("alarm-1").await;
    assert!(
        matches!(
            &outcomes[..],
            [
                Outcome::Retrying {
                    attempt: 1,
                    error: AttemptError::Status { status: 500, .. },
                    ..
                },
                Outcome::Retrying {
                    attempt: 2,
                    error: AttemptError::Status { status: 502, .. },
                    ..
                },
                Outcome::Delivered {
                    status: 200,
                    attempts: 3,
                    ..
                },
            ]
        ),
        "{outcomes:#?}"
    );
    let seen = rx.seen();
    assert_eq!(seen.len(), 3);
    for s in &seen {
        assert_eq!(s.id(), "alarm-1");
        assert_eq!(s.body, delivery("alarm-1", 1).body);
        assert!(s.signed_with(SECRET));
    }
    let stats = d.endpoint_stats("e").unwrap();
    assert_eq!(
        (stats.delivered, stats.retries, stats.consecutive_failures),
        (1, 2, 0)
    );
    assert_eq!(stats.in_flight, 0);
}

#[tokio::test]
async fn retry_after_zero_is_honoured() {
    // Why a 10-minute back-off: only the receiver's `Retry-After: 0` lets the test end.
    let rx = Receiver::start(vec![Answer {
        status: 429,
        headers: vec![("retry-after", "0")],
        body: "slow down",
    }])
    .await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let mut e = endpoint("e", &rx.url);
    e.backoff_initial = Duration::from_secs(600);
    e.backoff_max = Duration::from_secs(600);
    d.set_endpoints(vec![e]).unwrap();
    d.enqueue("e", delivery("r-1", 1)).unwrap();

    let outcomes = recorder.finished("r-1").await;
    assert_eq!(outcomes.len(), 2, "{outcomes:#?}");
    assert_eq!(
        outcomes[0],
        Outcome::Retrying {
            attempt: 1,
            error: AttemptError::Status {
                status: 429,
                body: "slow down".into()
            },
            next_in: Duration::ZERO,
        }
    );
    assert!(matches!(
        outcomes[1],
        Outcome::Delivered { attempts: 2, .. }
    ));
}

#[tokio::test]
async fn client_errors_and_redirects_give_up_at_once_and_attempts_run_out() {
    let rx = Receiver::start(vec![
        Answer {
            status: 400,
            headers: vec![],
            body: "bad alarm",
        },
        Answer {
            status: 301,
            headers: vec![("location", "http://elsewhere.invalid/")],
            body: "",
        },
        answer(503),
        answer(503),
        answer(503),
    ])
    .await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let mut e = endpoint("e", &rx.url);
    e.secret = None;
    d.set_endpoints(vec![e]).unwrap();
    for id in ["bad", "moved", "unlucky"] {
        d.enqueue("e", delivery(id, 0)).unwrap();
    }

    assert_eq!(
        recorder.finished("bad").await,
        vec![Outcome::GaveUp {
            attempts: 1,
            error: AttemptError::Status {
                status: 400,
                body: "bad alarm".into()
            },
        }]
    );
    assert_eq!(
        recorder.finished("moved").await,
        vec![Outcome::GaveUp {
            attempts: 1,
            error: AttemptError::Redirect {
                status: 301,
                location: Some("http://elsewhere.invalid/".into()),
            },
        }]
    );
    let unlucky = recorder.finished("unlucky").await;
    assert!(
        matches!(
            &unlucky[..],
            [
                Outcome::Retrying { attempt: 1, .. },
                Outcome::Retrying { attempt: 2, .. },
                Outcome::GaveUp {
                    attempts: 3,
                    error: AttemptError::Status { status: 503, .. }
                },
            ]
        ),
        "{unlucky:#?}"
    );
    let seen = rx.seen();
    assert_eq!(
        seen.len(),
        5,
        "1 for bad, 1 for moved (not followed), 3 for unlucky"
    );
    assert!(seen
        .iter()
        .all(|s| s.headers.get("x-zhicheng-signature").is_none()));
    let stats = d.endpoint_stats("e").unwrap();
    assert_eq!((stats.gave_up, stats.retries, stats.delivered), (3, 2, 0));
    assert_eq!(stats.consecutive_failures, 5);
    assert_eq!(stats.state, EndpointState::Down);
    assert!(stats.last_error.unwrap().contains("503"));
}

#[tokio::test]
async fn a_full_queue_refuses_and_records_the_drop() {
    let silent = Silent::start().await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let mut e = endpoint("e", &silent.url);
    e.queue_capacity = 2;
    let mut off = endpoint("off", &silent.url);
    off.enabled = false;
    d.set_endpoints(vec![e, off]).unwrap();

    d.enqueue("e", delivery("q-0", 0)).unwrap();
    wait_stats(&d, "e", "q-0 in flight", |s| s.in_flight == 1).await;
    d.enqueue("e", delivery("q-1", 1)).unwrap();
    d.enqueue("e", delivery("q-2", 2)).unwrap();
    let full = d.enqueue("e", delivery("q-3", 3));
    assert!(
        matches!(full, Err(Error::QueueFull { ref endpoint, capacity: 2 }) if endpoint == "e"),
        "{full:?}"
    );
    assert_eq!(
        recorder.of("q-3"),
        vec![Outcome::Dropped {
            reason: DropReason::QueueFull
        }]
    );
    let stats = d.endpoint_stats("e").unwrap();
    assert_eq!((stats.queued, stats.in_flight, stats.dropped), (2, 1, 1));

    assert!(matches!(
        d.enqueue("nobody", delivery("x", 0)),
        Err(Error::UnknownEndpoint { ref endpoint }) if endpoint == "nobody"
    ));
    assert!(matches!(
        d.enqueue("off", delivery("x", 0)),
        Err(Error::Disabled { ref endpoint }) if endpoint == "off"
    ));
    assert_eq!(
        d.endpoint_stats("off").unwrap().state,
        EndpointState::Disabled
    );
    let mut bad = delivery("x", 0);
    bad.event = "alarm raised".into();
    assert!(matches!(
        d.enqueue("e", bad),
        Err(Error::InvalidDelivery { ref field, .. }) if field == "event"
    ));
    assert!(matches!(
        d.enqueue("e", delivery("", 0)),
        Err(Error::InvalidDelivery { ref field, .. }) if field == "id"
    ));
    d.shutdown().await;
}

/// After a restart the engine enqueues again with the attempts already made; they count
/// towards `max_attempts`.
#[tokio::test]
async fn re_enqueued_deliveries_continue_counting() {
    let rx = Receiver::start(vec![answer(500)]).await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let mut e = endpoint("e", &rx.url);
    e.max_attempts = 5;
    d.set_endpoints(vec![e]).unwrap();

    let mut again = delivery("again", 1);
    again.attempts = 3;
    d.enqueue("e", again).unwrap();
    let outcomes = recorder.finished("again").await;
    assert!(
        matches!(
            &outcomes[..],
            [
                Outcome::Retrying { attempt: 4, .. },
                Outcome::Delivered { attempts: 5, .. },
            ]
        ),
        "{outcomes:#?}"
    );
    assert_eq!(recorder.all()[1].delivery.attempts, 5);

    let mut spent = delivery("spent", 2);
    spent.attempts = 5;
    d.enqueue("e", spent).unwrap();
    assert_eq!(
        recorder.finished("spent").await,
        vec![Outcome::GaveUp {
            attempts: 5,
            error: AttemptError::NoAttemptsLeft
        }]
    );
    assert_eq!(
        rx.seen().len(),
        2,
        "no request for a delivery without attempts left"
    );
}

#[tokio::test]
async fn a_new_url_applies_from_the_next_attempt() {
    let refused = closed_url().await;
    let rx = Receiver::start(Vec::new()).await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let mut e = endpoint("e", &refused);
    e.max_attempts = 1_000_000;
    d.set_endpoints(vec![e.clone()]).unwrap();
    d.enqueue("e", delivery("moving", 1)).unwrap();
    d.enqueue("e", delivery("behind", 2)).unwrap();
    recorder
        .wait_for("a failed attempt", |v| {
            v.iter()
                .any(|r| matches!(r.outcome, Outcome::Retrying { .. }))
        })
        .await;

    e.url = rx.url.clone();
    d.set_endpoints(vec![e]).unwrap();
    assert!(matches!(
        recorder.finished("moving").await.last(),
        Some(Outcome::Delivered { status: 200, .. })
    ));
    assert!(matches!(
        recorder.finished("behind").await[..],
        [Outcome::Delivered { attempts: 1, .. }]
    ));
    let ids: Vec<String> = rx.seen().iter().map(|s| s.id().to_owned()).collect();
    assert_eq!(ids, ["moving", "behind"]);
    let stats = d.endpoint_stats("e").unwrap();
    assert!(
        stats.retries >= 1,
        "counters kept across the change: {stats:?}"
    );
    assert_eq!((stats.delivered, stats.state), (2, EndpointState::Up));
}

#[tokio::test]
async fn removing_or_disabling_an_endpoint_drops_its_deliveries() {
    let silent = Silent::start().await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    // Why 60 s: the attempts in flight must still be in flight when the endpoints change.
    let slow = |id: &str| {
        let mut e = endpoint(id, &silent.url);
        e.timeout = Duration::from_secs(60);
        e
    };
    d.set_endpoints(vec![slow("gone"), slow("off")]).unwrap();
    for i in 0..5 {
        d.enqueue("gone", delivery(&format!("gone-{i}"), i))
            .unwrap();
        d.enqueue("off", delivery(&format!("off-{i}"), i)).unwrap();
    }
    wait_stats(&d, "gone", "one in flight", |s| s.in_flight == 1).await;
    wait_stats(&d, "off", "one in flight", |s| s.in_flight == 1).await;
    silent.wait_for_requests(2).await;

    let mut off = slow("off");
    off.enabled = false;
    d.set_endpoints(vec![off]).unwrap();

    // Removed: the 4 queued and the one in flight, each once.
    recorder
        .wait_for("5 drops of `gone`", |v| {
            v.iter().filter(|r| r.endpoint == "gone").count() == 5
        })
        .await;
    let gone: HashSet<String> = recorder
        .all()
        .into_iter()
        .filter(|r| r.endpoint == "gone")
        .inspect(|r| {
            assert_eq!(
                r.outcome,
                Outcome::Dropped {
                    reason: DropReason::EndpointRemoved
                }
            )
        })
        .map(|r| r.delivery.id)
        .collect();
    assert_eq!(gone.len(), 5);
    assert!(d.endpoint_stats("gone").is_none());
    assert!(matches!(
        d.enqueue("gone", delivery("x", 0)),
        Err(Error::UnknownEndpoint { .. })
    ));

    // Disabled: the 4 queued dropped at once; the one in flight may finish.
    let off_drops: Vec<String> = recorder
        .all()
        .into_iter()
        .filter(|r| r.endpoint == "off")
        .map(|r| {
            assert_eq!(
                r.outcome,
                Outcome::Dropped {
                    reason: DropReason::EndpointDisabled
                }
            );
            r.delivery.id
        })
        .collect();
    assert_eq!(off_drops, ["off-1", "off-2", "off-3", "off-4"]);
    let stats = d.endpoint_stats("off").unwrap();
    assert_eq!(
        (stats.state, stats.queued, stats.dropped),
        (EndpointState::Disabled, 0, 4)
    );
    assert!(matches!(
        d.enqueue("off", delivery("x", 0)),
        Err(Error::Disabled { .. })
    ));

    // A wrong set changes nothing.
    let dup = d.set_endpoints(vec![endpoint("x", &silent.url), endpoint("x", &silent.url)]);
    assert!(matches!(dup, Err(Error::DuplicateEndpoint { ref endpoint }) if endpoint == "x"));
    let bad = d.set_endpoints(vec![endpoint("y", "ftp://127.0.0.1/")]);
    assert!(matches!(bad, Err(Error::Invalid { ref field, .. }) if field == "url"));
    let ids: Vec<String> = d.stats().into_iter().map(|s| s.endpoint).collect();
    assert_eq!(ids, ["off"]);
    d.shutdown().await;
}

#[tokio::test]
async fn a_delivery_being_retried_stops_when_its_endpoint_is_disabled() {
    let refused = closed_url().await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let mut e = endpoint("e", &refused);
    e.max_attempts = 1_000_000;
    d.set_endpoints(vec![e.clone()]).unwrap();
    d.enqueue("e", delivery("stuck", 1)).unwrap();
    recorder
        .wait_for("a failed attempt", |v| {
            v.iter()
                .any(|r| matches!(r.outcome, Outcome::Retrying { .. }))
        })
        .await;
    e.enabled = false;
    d.set_endpoints(vec![e]).unwrap();
    assert_eq!(
        recorder.finished("stuck").await.last(),
        Some(&Outcome::Dropped {
            reason: DropReason::EndpointDisabled
        })
    );
    let stats = wait_stats(&d, "e", "nothing in flight", |s| s.in_flight == 0).await;
    assert_eq!((stats.dropped, stats.state), (1, EndpointState::Disabled));
}

#[tokio::test]
async fn an_unanswered_attempt_times_out_and_is_retried() {
    let silent = Silent::start().await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let mut e = endpoint("e", &silent.url);
    e.timeout = Duration::from_millis(50);
    e.max_attempts = 2;
    d.set_endpoints(vec![e]).unwrap();
    d.enqueue("e", delivery("quiet", 1)).unwrap();
    let outcomes = recorder.finished("quiet").await;
    assert!(
        matches!(
            &outcomes[..],
            [
                Outcome::Retrying {
                    attempt: 1,
                    error: AttemptError::Timeout,
                    ..
                },
                Outcome::GaveUp {
                    attempts: 2,
                    error: AttemptError::Timeout
                },
            ]
        ),
        "{outcomes:#?}"
    );
    let heads = silent.wait_for_requests(2).await;
    assert!(heads.iter().all(|h| h
        .to_ascii_lowercase()
        .contains("x-zhicheng-delivery: quiet\r\n")));
}

#[tokio::test]
async fn only_the_start_of_a_large_error_body_is_kept() {
    let huge: &'static str = Box::leak("错".repeat(100_000).into_boxed_str());
    let rx = Receiver::start(vec![Answer {
        status: 422,
        headers: vec![],
        body: huge,
    }])
    .await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    d.set_endpoints(vec![endpoint("e", &rx.url)]).unwrap();
    d.enqueue("e", delivery("big", 1)).unwrap();
    match &recorder.finished("big").await[..] {
        [Outcome::GaveUp {
            attempts: 1,
            error: AttemptError::Status { status: 422, body },
        }] => {
            // 512 bytes cut inside a 3-byte character: 170 whole ones and a replacement.
            assert!(body.starts_with(&"错".repeat(170)), "{body}");
            assert!(body.len() <= 512 + 3, "{}", body.len());
        }
        other => panic!("{other:#?}"),
    }
}

/// HTTPS is built in (rustls): an `https://` URL is attempted, and a receiver that does not
/// speak TLS fails the handshake as a connection error, which is retried.
#[tokio::test]
async fn https_urls_are_attempted_with_tls() {
    let rx = Receiver::start(Vec::new()).await;
    let recorder = Recorder::new();
    let d = dispatcher(&recorder);
    let e = endpoint("tls", &rx.url.replacen("http://", "https://", 1));
    d.set_endpoints(vec![e]).unwrap();
    d.enqueue("tls", delivery("secure", 1)).unwrap();
    let outcomes = recorder.finished("secure").await;
    assert!(
        matches!(
            &outcomes[..],
            [
                Outcome::Retrying {
                    attempt: 1,
                    error: AttemptError::Connect { .. },
                    ..
                },
                Outcome::Retrying { attempt: 2, .. },
                Outcome::GaveUp {
                    attempts: 3,
                    error: AttemptError::Connect { .. }
                },
            ]
        ),
        "{outcomes:#?}"
    );
    assert!(rx.seen().is_empty(), "no plain HTTP request got through");
}
