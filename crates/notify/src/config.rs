//! [`EndpointConfig`]: one webhook receiver, as serde data, validated with errors that name the
//! field.
//!
//! In JSON the durations are whole milliseconds (`timeout_ms`, `backoff_initial_ms`,
//! `backoff_max_ms`); unknown fields are refused; everything but `id` and `url` has a default:
//!
//! ```json
//! {"id": "county-duty-room", "url": "https://duty.example.gov.cn/hooks/zhicheng",
//!  "secret": "s3cret", "timeout_ms": 10000, "max_attempts": 8,
//!  "backoff_initial_ms": 1000, "backoff_max_ms": 600000, "queue_capacity": 10000,
//!  "enabled": true}
//! ```

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Default time for one attempt, connection to last byte read: 10 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of attempts per delivery, the first included: 8.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;
/// Default longest wait after the first failure: 1 s.
pub const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_secs(1);
/// Default longest wait between two attempts: 10 minutes.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(600);
/// Default number of deliveries waiting for one endpoint: 10 000.
pub const DEFAULT_QUEUE_CAPACITY: usize = 10_000;

/// Longest id, in bytes (it is a header value and a key in the engine's outbox).
const MAX_ID_LEN: usize = 128;

/// One webhook receiver.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    /// Unique name of the endpoint (visible ASCII, at most 128 bytes).
    pub id: String,
    /// Where deliveries are POSTed: an `http://` or `https://` URL with a host.
    pub url: String,
    /// Key of the `X-Zhicheng-Signature` HMAC; no signature without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Time allowed for one attempt, from connecting to the end of the answer (`timeout_ms`).
    #[serde(
        rename = "timeout_ms",
        with = "crate::millis",
        default = "default_timeout"
    )]
    pub timeout: Duration,
    /// Attempts per delivery, the first included (at least 1).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Upper bound of the first wait (`backoff_initial_ms`); each later one doubles it.
    #[serde(
        rename = "backoff_initial_ms",
        with = "crate::millis",
        default = "default_backoff_initial"
    )]
    pub backoff_initial: Duration,
    /// Longest wait between two attempts, `Retry-After` included (`backoff_max_ms`).
    #[serde(
        rename = "backoff_max_ms",
        with = "crate::millis",
        default = "default_backoff_max"
    )]
    pub backoff_max: Duration,
    /// Deliveries that may wait for this endpoint; one more is refused with
    /// [`Error::QueueFull`].
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    /// A disabled endpoint refuses deliveries ([`Error::Disabled`]) and sends none.
    #[serde(default = "default_enabled")]
    pub enabled: bool,
}

fn default_timeout() -> Duration {
    DEFAULT_TIMEOUT
}
fn default_max_attempts() -> u32 {
    DEFAULT_MAX_ATTEMPTS
}
fn default_backoff_initial() -> Duration {
    DEFAULT_BACKOFF_INITIAL
}
fn default_backoff_max() -> Duration {
    DEFAULT_BACKOFF_MAX
}
fn default_queue_capacity() -> usize {
    DEFAULT_QUEUE_CAPACITY
}
fn default_enabled() -> bool {
    true
}

// Why by hand: the secret must never reach a log line.
impl fmt::Debug for EndpointConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointConfig")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_initial", &self.backoff_initial)
            .field("backoff_max", &self.backoff_max)
            .field("queue_capacity", &self.queue_capacity)
            .field("enabled", &self.enabled)
            .finish()
    }
}

impl EndpointConfig {
    /// An enabled endpoint with the defaults and no secret.
    pub fn new(id: impl Into<String>, url: impl Into<String>) -> EndpointConfig {
        EndpointConfig {
            id: id.into(),
            url: url.into(),
            secret: None,
            timeout: DEFAULT_TIMEOUT,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff_initial: DEFAULT_BACKOFF_INITIAL,
            backoff_max: DEFAULT_BACKOFF_MAX,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            enabled: true,
        }
    }

    /// Parses one endpoint from JSON and validates it.
    pub fn from_json(json: &str) -> Result<EndpointConfig> {
        let config: EndpointConfig = serde_json::from_str(json).map_err(|e| Error::Parse {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every field; the error names the first wrong one.
    pub fn validate(&self) -> Result<()> {
        let invalid = |field: &str, message: String| Error::Invalid {
            endpoint: self.id.clone(),
            field: field.to_owned(),
            message,
        };
        if self.id.is_empty() || self.id.len() > MAX_ID_LEN {
            return Err(invalid("id", format!("must have 1 to {MAX_ID_LEN} bytes")));
        }
        if !self.id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "id",
                "must be visible ASCII without spaces".to_owned(),
            ));
        }
        let url = reqwest::Url::parse(&self.url)
            .map_err(|e| invalid("url", format!("`{}` is not a URL: {e}", self.url)))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(invalid(
                "url",
                format!("scheme `{}` is not http or https", url.scheme()),
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("url", "has no host".to_owned()));
        }
        if let Some(secret) = &self.secret {
            if secret.is_empty() {
                return Err(invalid(
                    "secret",
                    "is empty (leave it out for no signature)".to_owned(),
                ));
            }
        }
        if self.timeout.is_zero() {
            return Err(invalid("timeout_ms", "must be more than 0".to_owned()));
        }
        if self.max_attempts == 0 {
            return Err(invalid("max_attempts", "must be at least 1".to_owned()));
        }
        if self.backoff_initial.is_zero() {
            return Err(invalid(
                "backoff_initial_ms",
                "must be more than 0".to_owned(),
            ));
        }
        if self.backoff_max < self.backoff_initial {
            return Err(invalid(
                "backoff_max_ms",
                format!(
                    "{} ms is less than backoff_initial_ms {} ms",
                    self.backoff_max.as_millis(),
                    self.backoff_initial.as_millis()
                ),
            ));
        }
        if self.queue_capacity == 0 {
            return Err(invalid("queue_capacity", "must be at least 1".to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(c: &EndpointConfig) -> String {
        match c.validate() {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        let c = EndpointConfig::new("duty", "http://10.0.0.5:8080/hook");
        assert!(c.validate().is_ok());
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert_eq!(c.max_attempts, 8);
        assert_eq!(c.backoff_initial, Duration::from_secs(1));
        assert_eq!(c.backoff_max, Duration::from_secs(600));
        assert_eq!(c.queue_capacity, 10_000);
        assert!(c.enabled);
    }

    #[test]
    fn each_bad_field_is_named() {
        let ok = EndpointConfig::new("duty", "https://example.gov.cn/hook");
        let with = |f: &dyn Fn(&mut EndpointConfig)| {
            let mut c = ok.clone();
            f(&mut c);
            field_of(&c)
        };
        assert_eq!(with(&|c| c.id.clear()), "id");
        assert_eq!(with(&|c| c.id = "has space".into()), "id");
        assert_eq!(with(&|c| c.url = "ftp://example.gov.cn/x".into()), "url");
        assert_eq!(with(&|c| c.url = "file:///etc/passwd".into()), "url");
        assert_eq!(with(&|c| c.url = "not a url".into()), "url");
        assert_eq!(with(&|c| c.url = "/relative/hook".into()), "url");
        assert_eq!(with(&|c| c.secret = Some(String::new())), "secret");
        assert_eq!(with(&|c| c.timeout = Duration::ZERO), "timeout_ms");
        assert_eq!(with(&|c| c.max_attempts = 0), "max_attempts");
        assert_eq!(
            with(&|c| c.backoff_initial = Duration::ZERO),
            "backoff_initial_ms"
        );
        assert_eq!(
            with(&|c| c.backoff_max = Duration::from_millis(999)),
            "backoff_max_ms"
        );
        assert_eq!(with(&|c| c.queue_capacity = 0), "queue_capacity");
    }

    #[test]
    fn json_uses_milliseconds_and_refuses_unknown_fields() {
        let c = EndpointConfig::from_json(
            r#"{"id": "a", "url": "http://127.0.0.1:9/x", "timeout_ms": 250,
                "backoff_initial_ms": 5, "backoff_max_ms": 50, "secret": "k"}"#,
        )
        .unwrap();
        assert_eq!(c.timeout, Duration::from_millis(250));
        assert_eq!(c.backoff_initial, Duration::from_millis(5));
        assert_eq!(c.backoff_max, Duration::from_millis(50));
        assert_eq!(c.secret.as_deref(), Some("k"));
        assert_eq!(c.max_attempts, DEFAULT_MAX_ATTEMPTS);
        let back: EndpointConfig =
            serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);

        let e = EndpointConfig::from_json(r#"{"id": "a", "url": "http://h/", "timeout": 5}"#);
        assert!(matches!(e, Err(Error::Parse { .. })), "{e:?}");
        let e = EndpointConfig::from_json(r#"{"id": "a", "url": "gopher://h/"}"#);
        assert!(matches!(e, Err(Error::Invalid { ref field, .. }) if field == "url"));
    }

    #[test]
    fn debug_hides_the_secret() {
        let mut c = EndpointConfig::new("a", "http://h/");
        c.secret = Some("topsecret".into());
        assert!(!format!("{c:?}").contains("topsecret"));
    }
}
