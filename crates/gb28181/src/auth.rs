//! Digest authentication (RFC 2617, as RFC 3261 §22.4 uses it) for both sides of a
//! GB/T 28181 registration.
//!
//! The platform sends a [`Challenge`] in `WWW-Authenticate` on `401`, and checks the
//! [`Credentials`] of the next REGISTER with [`Credentials::verify`]. The device answers a
//! challenge with [`Credentials::answer`]. MD5 and MD5-sess, with `qop=auth` or without qop
//! (RFC 2069 compatibility — many cameras ignore qop) are supported; `auth-int` is not.
//!
//! Nonces, their lifetime and `nc` replay tracking are server state and belong to the caller:
//! this module compares the nonce in the credentials with the challenge it is given.
//!
//! ```
//! use zhicheng_gb28181::auth::{Challenge, Credentials};
//! let challenge = Challenge::new("3402000000", "9bd055c6a7c9b1e6f8a2d3c4b5a69788").with_qop_auth();
//! let uri = "sip:34020000002000000001@3402000000";
//! let creds = Credentials::answer(&challenge, "REGISTER", uri, "34020000001320000001", "12345678", "0a4f113b", 1).unwrap();
//! assert_eq!(creds.response, "8f1e610f082f762d4ce29458128e7e8c");
//! assert!(creds.verify(&challenge, "REGISTER", "12345678").is_ok());
//! assert!(creds.verify(&challenge, "REGISTER", "wrong").is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use md5::{Digest, Md5};

use crate::sip::header::{quote, split_outside, unquote};

/// Why digest authentication failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The header is not `Digest …` (e.g. `Basic`).
    #[error("scheme is not Digest")]
    NotDigest,
    /// A `name=value` list could not be read.
    #[error("malformed parameters: {0}")]
    Malformed(String),
    /// A parameter the exchange needs is absent.
    #[error("missing parameter {0}")]
    Missing(&'static str),
    /// The algorithm is neither MD5 nor MD5-sess.
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The qop is not `auth` (e.g. `auth-int`), or the challenge offers none we support.
    #[error("unsupported qop {0:?}")]
    UnsupportedQop(String),
    /// The credentials name another realm than the challenge.
    #[error("realm does not match the challenge")]
    RealmMismatch,
    /// The credentials answer another nonce (stale or forged).
    #[error("nonce does not match the challenge")]
    NonceMismatch,
    /// The opaque value does not match the challenge.
    #[error("opaque does not match the challenge")]
    OpaqueMismatch,
    /// The response does not match the password: answer `403 Forbidden`.
    #[error("wrong response (bad password)")]
    WrongResponse,
}

type AResult<T> = std::result::Result<T, AuthError>;

/// A digest hash algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5` (the default when absent).
    Md5,
    /// `MD5-sess`: HA1 also covers the nonce and cnonce.
    Md5Sess,
}

impl Algorithm {
    fn parse(s: &str) -> AResult<Self> {
        if s.eq_ignore_ascii_case("MD5") {
            Ok(Algorithm::Md5)
        } else if s.eq_ignore_ascii_case("MD5-sess") {
            Ok(Algorithm::Md5Sess)
        } else {
            Err(AuthError::UnsupportedAlgorithm(crate::error::clip(s, 40)))
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
        })
    }
}

/// Lower-case hex MD5 of `parts` joined with `:`.
pub fn md5_hex(parts: &[&str]) -> String {
    let mut h = Md5::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b":");
        }
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `HA1 = MD5(username:realm:password)`, what a server can store instead of the password.
pub fn ha1(username: &str, realm: &str, password: &str) -> String {
    md5_hex(&[username, realm, password])
}

/// The `response` value from an HA1 (already turned into the session HA1 for MD5-sess).
/// `qop` is `Some((nc, cnonce))` for `qop=auth`, `None` for the RFC 2069 form.
pub fn digest_response(
    ha1: &str,
    nonce: &str,
    method: &str,
    uri: &str,
    qop: Option<(&str, &str)>,
) -> String {
    let ha2 = md5_hex(&[method, uri]);
    match qop {
        Some((nc, cnonce)) => md5_hex(&[ha1, nonce, nc, cnonce, "auth", &ha2]),
        None => md5_hex(&[ha1, nonce, &ha2]),
    }
}

/// Reads `name=value, name="value"` lists after the `Digest` scheme.
fn parse_params(s: &str) -> AResult<Vec<(String, String)>> {
    let s = s.trim();
    let rest = match s.split_once(char::is_whitespace) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("Digest") => rest,
        _ if s.eq_ignore_ascii_case("Digest") => "",
        _ => return Err(AuthError::NotDigest),
    };
    let mut out = Vec::new();
    for part in split_outside(rest, ',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, value) = part.split_once('=').ok_or_else(|| {
            AuthError::Malformed(format!("no '=' in {:?}", crate::error::clip(part, 40)))
        })?;
        let name = name.trim();
        let value = value.trim();
        let value = match value.strip_prefix('"') {
            Some(q) => unquote(
                q.strip_suffix('"')
                    .ok_or_else(|| AuthError::Malformed(format!("unterminated quote in {name}")))?,
            ),
            None => value.to_owned(),
        };
        if name.is_empty() {
            return Err(AuthError::Malformed("empty parameter name".into()));
        }
        out.push((name.to_ascii_lowercase(), value));
    }
    Ok(out)
}

fn take(params: &mut Vec<(String, String)>, name: &str) -> Option<String> {
    let i = params.iter().position(|(n, _)| n == name)?;
    Some(params.remove(i).1)
}

/// A digest challenge, the value of `WWW-Authenticate` on a `401`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The realm: by GB/T 28181 convention the 10-digit SIP domain (`3402000000`).
    pub realm: String,
    /// The nonce (chosen by the server; make it unpredictable).
    pub nonce: String,
    /// The offered qop options as written (`auth`, `auth,auth-int`), if any.
    pub qop: Option<String>,
    /// Opaque data the client must echo.
    pub opaque: Option<String>,
    /// The algorithm, if stated (absent means MD5).
    pub algorithm: Option<Algorithm>,
    /// `stale=true`: the password was right but the nonce expired.
    pub stale: bool,
}

impl Challenge {
    /// A challenge without qop (the RFC 2069 form every device understands).
    pub fn new(realm: &str, nonce: &str) -> Self {
        Challenge {
            realm: realm.to_owned(),
            nonce: nonce.to_owned(),
            qop: None,
            opaque: None,
            algorithm: None,
            stale: false,
        }
    }

    /// The same challenge offering `qop="auth"`. Verification still accepts answers without
    /// qop, as many cameras ignore it.
    pub fn with_qop_auth(mut self) -> Self {
        self.qop = Some("auth".into());
        self
    }

    /// The same challenge with `algorithm=MD5` written out.
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = Some(algorithm);
        self
    }

    /// Whether `auth` is among the qop options.
    pub fn offers_auth(&self) -> bool {
        self.qop
            .as_deref()
            .is_some_and(|q| q.split(',').any(|o| o.trim().eq_ignore_ascii_case("auth")))
    }
}

impl FromStr for Challenge {
    type Err = AuthError;
    fn from_str(s: &str) -> AResult<Self> {
        let mut p = parse_params(s)?;
        Ok(Challenge {
            realm: take(&mut p, "realm").ok_or(AuthError::Missing("realm"))?,
            nonce: take(&mut p, "nonce").ok_or(AuthError::Missing("nonce"))?,
            qop: take(&mut p, "qop"),
            opaque: take(&mut p, "opaque"),
            algorithm: take(&mut p, "algorithm")
                .map(|a| Algorithm::parse(&a))
                .transpose()?,
            stale: take(&mut p, "stale").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }
}

impl fmt::Display for Challenge {
    /// `Digest realm="…",qop="auth",nonce="…"` — the field order and comma style of the
    /// GB/T 28181 captures.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest realm={}", quote(&self.realm))?;
        if let Some(q) = &self.qop {
            write!(f, ",qop={}", quote(q))?;
        }
        write!(f, ",nonce={}", quote(&self.nonce))?;
        if let Some(o) = &self.opaque {
            write!(f, ",opaque={}", quote(o))?;
        }
        if let Some(a) = self.algorithm {
            write!(f, ",algorithm={a}")?;
        }
        if self.stale {
            f.write_str(",stale=true")?;
        }
        Ok(())
    }
}

/// Digest credentials, the value of `Authorization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name: in GB/T 28181 the device ID.
    pub username: String,
    /// The realm answered.
    pub realm: String,
    /// The nonce answered.
    pub nonce: String,
    /// The digest URI (normally the Request-URI).
    pub uri: String,
    /// 32 hex digits.
    pub response: String,
    /// The algorithm, if stated.
    pub algorithm: Option<Algorithm>,
    /// Client nonce (with qop).
    pub cnonce: Option<String>,
    /// `auth` when the client used qop.
    pub qop: Option<String>,
    /// Nonce count, 8 hex digits (with qop).
    pub nc: Option<String>,
    /// Echoed opaque.
    pub opaque: Option<String>,
}

impl Credentials {
    /// The device side: answers `challenge` for `method` and `uri` (the Request-URI).
    ///
    /// Uses `qop=auth` with `cnonce` and `nc` when the challenge offers it, the RFC 2069 form
    /// otherwise. `cnonce` should be fresh random text; `nc` counts uses of this nonce from 1.
    pub fn answer(
        challenge: &Challenge,
        method: &str,
        uri: &str,
        username: &str,
        password: &str,
        cnonce: &str,
        nc: u32,
    ) -> AResult<Self> {
        let algorithm = challenge.algorithm.unwrap_or(Algorithm::Md5);
        let use_qop = match &challenge.qop {
            None => false,
            Some(_) if challenge.offers_auth() => true,
            Some(q) => return Err(AuthError::UnsupportedQop(crate::error::clip(q, 40))),
        };
        let nc = format!("{nc:08x}");
        let mut h = ha1(username, &challenge.realm, password);
        if algorithm == Algorithm::Md5Sess {
            h = md5_hex(&[&h, &challenge.nonce, cnonce]);
        }
        let qop = use_qop.then_some((nc.as_str(), cnonce));
        let response = digest_response(&h, &challenge.nonce, method, uri, qop);
        let session = use_qop || algorithm == Algorithm::Md5Sess;
        Ok(Credentials {
            username: username.to_owned(),
            realm: challenge.realm.clone(),
            nonce: challenge.nonce.clone(),
            uri: uri.to_owned(),
            response,
            algorithm: Some(algorithm),
            cnonce: session.then(|| cnonce.to_owned()),
            qop: use_qop.then(|| "auth".to_owned()),
            nc: use_qop.then_some(nc),
            opaque: challenge.opaque.clone(),
        })
    }

    /// The platform side: checks these credentials against the challenge that was sent and
    /// the device's password. [`AuthError::WrongResponse`] means a bad password (`403`); the
    /// mismatch errors mean a stale or foreign nonce (send a fresh `401`).
    pub fn verify(&self, challenge: &Challenge, method: &str, password: &str) -> AResult<()> {
        self.verify_ha1(
            challenge,
            method,
            &ha1(&self.username, &self.realm, password),
        )
    }

    /// As [`Credentials::verify`], from a stored `HA1 = MD5(username:realm:password)`.
    pub fn verify_ha1(&self, challenge: &Challenge, method: &str, ha1: &str) -> AResult<()> {
        if self.realm != challenge.realm {
            return Err(AuthError::RealmMismatch);
        }
        if self.nonce != challenge.nonce {
            return Err(AuthError::NonceMismatch);
        }
        if challenge.opaque.is_some() && self.opaque != challenge.opaque {
            return Err(AuthError::OpaqueMismatch);
        }
        let algorithm = self
            .algorithm
            .or(challenge.algorithm)
            .unwrap_or(Algorithm::Md5);
        let mut h = ha1.to_ascii_lowercase();
        if algorithm == Algorithm::Md5Sess {
            let cnonce = self.cnonce.as_deref().ok_or(AuthError::Missing("cnonce"))?;
            h = md5_hex(&[&h, &self.nonce, cnonce]);
        }
        let qop = match self.qop.as_deref() {
            None => None,
            Some(q) if q.eq_ignore_ascii_case("auth") => Some((
                self.nc.as_deref().ok_or(AuthError::Missing("nc"))?,
                self.cnonce.as_deref().ok_or(AuthError::Missing("cnonce"))?,
            )),
            Some(q) => return Err(AuthError::UnsupportedQop(crate::error::clip(q, 40))),
        };
        let expected = digest_response(&h, &self.nonce, method, &self.uri, qop);
        if constant_time_eq_hex(&expected, &self.response) {
            Ok(())
        } else {
            Err(AuthError::WrongResponse)
        }
    }
}

/// Compares hex digests case-insensitively without an early exit.
fn constant_time_eq_hex(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| {
        acc | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase())
    }) == 0
}

impl FromStr for Credentials {
    type Err = AuthError;
    fn from_str(s: &str) -> AResult<Self> {
        let mut p = parse_params(s)?;
        Ok(Credentials {
            username: take(&mut p, "username").ok_or(AuthError::Missing("username"))?,
            realm: take(&mut p, "realm").ok_or(AuthError::Missing("realm"))?,
            nonce: take(&mut p, "nonce").ok_or(AuthError::Missing("nonce"))?,
            uri: take(&mut p, "uri").ok_or(AuthError::Missing("uri"))?,
            response: take(&mut p, "response").ok_or(AuthError::Missing("response"))?,
            algorithm: take(&mut p, "algorithm")
                .map(|a| Algorithm::parse(&a))
                .transpose()?,
            cnonce: take(&mut p, "cnonce"),
            qop: take(&mut p, "qop"),
            nc: take(&mut p, "nc"),
            opaque: take(&mut p, "opaque"),
        })
    }
}

impl fmt::Display for Credentials {
    /// `Digest username="…", realm="…", nonce="…", uri="…", response="…", algorithm=MD5,
    /// cnonce="…", qop=auth, nc=00000001` — the order of the GB/T 28181 captures.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Digest username={}, realm={}, nonce={}, uri={}, response={}",
            quote(&self.username),
            quote(&self.realm),
            quote(&self.nonce),
            quote(&self.uri),
            quote(&self.response)
        )?;
        if let Some(a) = self.algorithm {
            write!(f, ", algorithm={a}")?;
        }
        if let Some(c) = &self.cnonce {
            write!(f, ", cnonce={}", quote(c))?;
        }
        if let Some(q) = &self.qop {
            write!(f, ", qop={q}")?;
        }
        if let Some(n) = &self.nc {
            write!(f, ", nc={n}")?;
        }
        if let Some(o) = &self.opaque {
            write!(f, ", opaque={}", quote(o))?;
        }
        Ok(())
    }
}
