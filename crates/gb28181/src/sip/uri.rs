//! SIP and SIPS URIs (RFC 3261 §19.1), the subset GB/T 28181 uses.

use std::fmt;
use std::str::FromStr;

use super::Params;
use crate::error::{clip, Error, Result};

/// A `sip:` or `sips:` URI: `sip:user@host:port;param=value?headers`.
///
/// GB/T 28181 URIs are `sip:<20-digit ID>@<domain or IP>[:port]`; the user part is the
/// device ID and the host is the 10-digit domain or an address.
///
/// ```
/// use zhicheng_gb28181::sip::Uri;
/// let uri: Uri = "sip:34020000001320000001@192.168.2.64:5060".parse().unwrap();
/// assert_eq!(uri.user.as_deref(), Some("34020000001320000001"));
/// assert_eq!(uri.port, Some(5060));
/// assert_eq!(uri.to_string(), "sip:34020000001320000001@192.168.2.64:5060");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uri {
    /// `true` for `sips:`.
    pub secure: bool,
    /// The user part, password included if one was written (`user:password`).
    pub user: Option<String>,
    /// Host name, IPv4 address, or IPv6 reference with its brackets (`[::1]`).
    pub host: String,
    /// The port, if written.
    pub port: Option<u16>,
    /// URI parameters (`;transport=tcp`, `;lr`), in order.
    pub params: Params,
    /// The raw header part after `?`, if any (kept, not interpreted).
    pub headers: Option<String>,
}

impl Uri {
    /// `sip:user@host` with no port or parameters.
    pub fn new(user: impl Into<String>, host: impl Into<String>) -> Self {
        Uri {
            secure: false,
            user: Some(user.into()),
            host: host.into(),
            port: None,
            params: Params::default(),
            headers: None,
        }
    }

    /// The same URI with a port.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Reads a URI.
    pub fn parse(s: &str) -> Result<Self> {
        let err = |reason| Error::Uri {
            uri: clip(s, 80),
            reason,
        };
        let (scheme, rest) = s.split_once(':').ok_or_else(|| err("no scheme"))?;
        let secure = if scheme.eq_ignore_ascii_case("sip") {
            false
        } else if scheme.eq_ignore_ascii_case("sips") {
            true
        } else {
            return Err(err("scheme is not sip or sips"));
        };
        if rest
            .bytes()
            .any(|b| b <= b' ' || matches!(b, b'<' | b'>' | b'"' | 0x7f))
        {
            return Err(err("contains spaces, controls, quotes or angle brackets"));
        }
        let (rest, headers) = match rest.split_once('?') {
            Some((r, h)) => (r, Some(h.to_owned())),
            None => (rest, None),
        };
        // The user part may contain ';' (rare), so split at the last '@' before parameters:
        // parameters cannot contain '@' in the hosts we accept.
        let (user, hostpart) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        if let Some(u) = user {
            if u.is_empty() {
                return Err(err("empty user part"));
            }
        }
        let mut pieces = hostpart.split(';');
        let hostport = pieces.next().unwrap_or_default();
        let params = Params::parse_pieces(pieces).map_err(|_| err("empty parameter name"))?;
        let (host, port) = split_host_port(hostport).ok_or_else(|| err("bad host or port"))?;
        Ok(Uri {
            secure,
            user: user.map(str::to_owned),
            host: host.to_owned(),
            port,
            params,
            headers,
        })
    }

    /// `host` or `host:port`.
    pub fn host_port(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

/// Splits `host[:port]`, `[v6][:port]`; `None` when malformed.
pub(crate) fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if s.starts_with('[') {
        let close = s.find(']')?;
        let host = &s[..=close];
        match &s[close + 1..] {
            "" => (host, None),
            rest => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() || (!host.starts_with('[') && host.contains(['[', ']', ':', '@', ',', ';']))
    {
        return None;
    }
    let port = match port {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
        None => None,
    };
    Some((host, port))
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)?;
        if let Some(h) = &self.headers {
            write!(f, "?{h}")?;
        }
        Ok(())
    }
}

impl FromStr for Uri {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Uri::parse(s)
    }
}
