//! Header storage and the typed header values a GB/T 28181 exchange uses.

use std::fmt;
use std::str::FromStr;

use time::{Date, Month, PrimitiveDateTime, Time};

use super::{Method, Uri};
use crate::auth::{Challenge, Credentials};
use crate::error::{clip, header_err, Error, Result};

/// Compact forms (RFC 3261 §7.3.3 and RFC 3265/3515) and the canonical spelling of the
/// headers this crate knows, so that `i:` and `call-id:` both come out as `Call-ID`.
const KNOWN: &[(&str, Option<char>)] = &[
    ("Accept", None),
    ("Allow", None),
    ("Allow-Events", Some('u')),
    ("Authorization", None),
    ("Call-ID", Some('i')),
    ("Contact", Some('m')),
    ("Content-Encoding", Some('e')),
    ("Content-Length", Some('l')),
    ("Content-Type", Some('c')),
    ("CSeq", None),
    ("Date", None),
    ("Event", Some('o')),
    ("Expires", None),
    ("From", Some('f')),
    ("Max-Forwards", None),
    ("Min-Expires", None),
    ("Monitor-User-Agent", None),
    ("Proxy-Authenticate", None),
    ("Proxy-Authorization", None),
    ("Reason", None),
    ("Record-Route", None),
    ("Refer-To", Some('r')),
    ("Route", None),
    ("Server", None),
    ("Subject", Some('s')),
    ("Subscription-State", None),
    ("Supported", Some('k')),
    ("To", Some('t')),
    ("User-Agent", None),
    ("Via", Some('v')),
    ("Warning", None),
    ("WWW-Authenticate", None),
    ("X-GB-Ver", None),
];

/// The canonical name of a header: compact forms expanded, known names in their usual
/// spelling, unknown names as given.
pub fn canonical_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name.len() == 1 {
        let c = name.as_bytes()[0].to_ascii_lowercase() as char;
        if let Some((full, _)) = KNOWN.iter().find(|(_, short)| *short == Some(c)) {
            return (*full).into();
        }
    }
    match KNOWN
        .iter()
        .find(|(full, _)| full.eq_ignore_ascii_case(name))
    {
        Some((full, _)) => (*full).into(),
        None => name.into(),
    }
}

/// Parameters after `;` in a URI or header value, in order, names as written.
///
/// A parameter without `=` (like `rport` or `lr`) has value `None`. Values are kept as
/// written, quotes included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Params(pub Vec<(String, Option<String>)>);

impl Params {
    /// Looks a parameter up by name (case-insensitive). `Some(None)` is a flag parameter.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// The value of a parameter that has one.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    /// Whether the parameter is present, with or without a value.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets a parameter, replacing one of the same name or appending it.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_owned);
        match self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    /// Removes a parameter.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn parse_pieces<'a>(pieces: impl Iterator<Item = &'a str>) -> Result<Self, ()> {
        let mut out = Vec::new();
        for piece in pieces {
            let (n, v) = match piece.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim().to_owned())),
                None => (piece.trim(), None),
            };
            if n.is_empty() || n.contains(|c: char| c.is_whitespace() || c == '"') {
                return Err(());
            }
            out.push((n.to_owned(), v));
        }
        Ok(Params(out))
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, v) in &self.0 {
            match v {
                Some(v) => write!(f, ";{n}={v}")?,
                None => write!(f, ";{n}")?,
            }
        }
        Ok(())
    }
}

/// Splits at `sep` outside double quotes and angle brackets.
pub(crate) fn split_outside(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '<' => angle = true,
            '>' => angle = false,
            c if c == sep && !angle => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The headers of a message, in order, names in [canonical form](canonical_name).
///
/// Lookups are case-insensitive and accept compact names. The typed accessors
/// ([`Headers::call_id`], [`Headers::cseq`], …) read a value when asked, so a message with
/// one bad header still parses and a server can answer `400` naming the header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a header (values with line breaks are written with spaces, see
    /// [`crate::sip::Request::encode`]).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0
            .push((canonical_name(name).into_owned(), value.into()));
    }

    /// Replaces every header of this name with one value (appended at the end when new).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let name = canonical_name(name);
        let value = value.into();
        match self
            .0
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            Some(first) => {
                self.0[first].1 = value;
                let mut i = 0;
                self.0.retain(|(n, _)| {
                    i += 1;
                    i - 1 == first || !n.eq_ignore_ascii_case(&name)
                });
            }
            None => self.0.push((name.into_owned(), value)),
        }
    }

    /// Removes every header of this name.
    pub fn remove(&mut self, name: &str) {
        let name = canonical_name(name);
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
    }

    /// The first value of a header.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).next()
    }

    /// Every value of a header, in order.
    pub fn get_all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = canonical_name(name).into_owned();
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.as_str())
    }

    /// All headers as `(name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// How many header lines.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn required(&self, name: &'static str) -> Result<&str> {
        self.get(name).ok_or(Error::MissingHeader(name))
    }

    fn number<T: FromStr>(&self, name: &'static str) -> Result<Option<T>> {
        self.get(name)
            .map(|v| {
                let v = v.trim();
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(header_err(name, "not a decimal number"));
                }
                v.parse()
                    .map_err(|_| header_err(name, "number out of range"))
            })
            .transpose()
    }

    /// Every `Via`, top first (comma-separated values and repeated headers both count).
    pub fn vias(&self) -> Result<Vec<Via>> {
        let mut out = Vec::new();
        for v in self.get_all("Via") {
            for part in split_outside(v, ',') {
                out.push(part.parse()?);
            }
        }
        Ok(out)
    }

    /// The top `Via`, where a response goes.
    pub fn top_via(&self) -> Result<Via> {
        let v = self.required("Via")?;
        split_outside(v, ',')[0].parse()
    }

    /// Replaces the top `Via` (the first entry of the first `Via` header), e.g. after
    /// [`Via::set_received`] on a response's copy. Errors when there is no `Via`.
    ///
    /// ```
    /// use zhicheng_gb28181::sip::Headers;
    /// let mut h = Headers::new();
    /// h.push("Via", "SIP/2.0/UDP 192.168.2.64:5060;rport;branch=z9hG4bK1, SIP/2.0/UDP proxy;branch=z9hG4bK0");
    /// let mut top = h.top_via().unwrap();
    /// top.set_received("10.1.1.1", 40000);
    /// h.replace_top_via(&top).unwrap();
    /// assert_eq!(
    ///     h.get("Via").unwrap(),
    ///     "SIP/2.0/UDP 192.168.2.64:5060;rport=40000;branch=z9hG4bK1;received=10.1.1.1, SIP/2.0/UDP proxy;branch=z9hG4bK0"
    /// );
    /// ```
    pub fn replace_top_via(&mut self, via: &Via) -> Result<()> {
        let slot = self
            .0
            .iter_mut()
            .find(|(n, _)| n == "Via")
            .ok_or(Error::MissingHeader("Via"))?;
        let parts = split_outside(&slot.1, ',');
        let rest: Vec<&str> = parts[1..].iter().map(|p| p.trim()).collect();
        let mut value = via.to_string();
        for p in rest {
            value.push_str(", ");
            value.push_str(p);
        }
        slot.1 = value;
        Ok(())
    }

    /// `From`.
    pub fn from(&self) -> Result<NameAddr> {
        NameAddr::parse_header("From", self.required("From")?)
    }

    /// `To`.
    pub fn to(&self) -> Result<NameAddr> {
        NameAddr::parse_header("To", self.required("To")?)
    }

    /// `Call-ID`.
    pub fn call_id(&self) -> Result<&str> {
        let v = self.required("Call-ID")?.trim();
        if v.is_empty() || v.contains(char::is_whitespace) {
            return Err(header_err("Call-ID", "empty or contains spaces"));
        }
        Ok(v)
    }

    /// `CSeq`.
    pub fn cseq(&self) -> Result<CSeq> {
        self.required("CSeq")?.parse()
    }

    /// Every `Contact` address; `Contact: *` gives an empty list (see
    /// [`Headers::contact_is_wildcard`]).
    pub fn contacts(&self) -> Result<Vec<NameAddr>> {
        let mut out = Vec::new();
        for v in self.get_all("Contact") {
            if v.trim() == "*" {
                continue;
            }
            for part in split_outside(v, ',') {
                out.push(NameAddr::parse_header("Contact", part)?);
            }
        }
        Ok(out)
    }

    /// The first `Contact` address.
    pub fn contact(&self) -> Result<NameAddr> {
        self.contacts()?
            .into_iter()
            .next()
            .ok_or(Error::MissingHeader("Contact"))
    }

    /// Whether `Contact: *` (remove all bindings) was sent.
    pub fn contact_is_wildcard(&self) -> bool {
        self.get_all("Contact").any(|v| v.trim() == "*")
    }

    /// `Expires` in seconds, if present. On a REGISTER, `0` means unregister; no minimum is
    /// enforced (see [`super::DEFAULT_REGISTER_EXPIRES`]).
    pub fn expires(&self) -> Result<Option<u32>> {
        self.number("Expires")
    }

    /// `Max-Forwards`, if present.
    pub fn max_forwards(&self) -> Result<Option<u32>> {
        self.number("Max-Forwards")
    }

    /// `Content-Length`, if present.
    pub fn content_length(&self) -> Result<Option<usize>> {
        self.number("Content-Length")
    }

    /// `Content-Type`, as written (e.g. `Application/MANSCDP+xml`).
    pub fn content_type(&self) -> Option<&str> {
        self.get("Content-Type").map(str::trim)
    }

    /// Whether `Content-Type` is `Application/MANSCDP+xml` (any case, parameters ignored).
    pub fn is_manscdp(&self) -> bool {
        self.content_type()
            .map(|t| {
                t.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case(super::MANSCDP_XML)
            })
            .unwrap_or(false)
    }

    /// `WWW-Authenticate` read as a digest challenge.
    pub fn www_authenticate(&self) -> Result<Challenge> {
        Ok(self.required("WWW-Authenticate")?.parse()?)
    }

    /// `Authorization` read as digest credentials.
    pub fn authorization(&self) -> Result<Credentials> {
        Ok(self.required("Authorization")?.parse()?)
    }

    /// `User-Agent`.
    pub fn user_agent(&self) -> Option<&str> {
        self.get("User-Agent")
    }

    /// `Date` in the GB/T 28181 time-sync form (see [`parse_gb_date`]).
    pub fn date(&self) -> Result<Option<PrimitiveDateTime>> {
        self.get("Date").map(parse_gb_date).transpose()
    }

    /// `Subject` of an INVITE (see [`Subject`]).
    pub fn subject(&self) -> Result<Option<Subject>> {
        self.get("Subject").map(str::parse).transpose()
    }

    /// `Event` (SUBSCRIBE/NOTIFY), e.g. `Catalog` or `presence`.
    pub fn event(&self) -> Option<&str> {
        self.get("Event").map(str::trim)
    }

    /// The optional `X-GB-Ver` header (`2.0` = 2016, `3.0` = 2022).
    pub fn gb_version(&self) -> Option<&str> {
        self.get("X-GB-Ver").map(str::trim)
    }
}

/// One `Via` entry: `SIP/2.0/UDP 192.168.2.64:5060;rport;branch=z9hG4bK…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Via {
    /// `UDP`, `TCP`, `TLS`… (kept as written, compared case-insensitively by users).
    pub transport: String,
    /// The sent-by host.
    pub host: String,
    /// The sent-by port.
    pub port: Option<u16>,
    /// `branch`, `rport`, `received` and any others, in order.
    pub params: Params,
}

/// The RFC 3261 magic cookie every branch of a compliant client starts with.
pub const BRANCH_COOKIE: &str = "z9hG4bK";

impl Via {
    /// A `Via` with `;rport;branch=…` as GB devices send; `branch` should start with
    /// [`BRANCH_COOKIE`].
    pub fn new(transport: &str, host: &str, port: Option<u16>, branch: &str) -> Self {
        let mut params = Params::default();
        params.set("rport", None);
        params.set("branch", Some(branch));
        Via {
            transport: transport.to_owned(),
            host: host.to_owned(),
            port,
            params,
        }
    }

    /// `branch`.
    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// `rport`: `Some(None)` when requested without a value, `Some(Some(p))` when filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// `received`.
    pub fn received(&self) -> Option<&str> {
        self.params.value("received")
    }

    /// Fills in `received` and `rport` as a server does before answering (RFC 3581): the
    /// address the request really came from. `rport` is only set when the client asked.
    pub fn set_received(&mut self, ip: &str, port: u16) {
        self.params.set("received", Some(ip));
        if self.params.contains("rport") {
            self.params.set("rport", Some(&port.to_string()));
        }
    }
}

impl FromStr for Via {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = |r: &str| header_err("Via", format!("{r} in {:?}", clip(s.trim(), 80)));
        let s = s.trim();
        let mut parts = s.splitn(3, '/');
        let (name, version, rest) = (parts.next(), parts.next(), parts.next());
        let (Some(name), Some(version), Some(rest)) = (name, version, rest) else {
            return Err(bad("no SIP/2.0/transport"));
        };
        if !name.trim().eq_ignore_ascii_case("SIP") || version.trim() != "2.0" {
            return Err(bad("protocol is not SIP/2.0"));
        }
        let rest = rest.trim_start();
        let split = rest
            .find(char::is_whitespace)
            .ok_or_else(|| bad("no sent-by"))?;
        let transport = &rest[..split];
        if transport.is_empty()
            || !transport
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(bad("bad transport"));
        }
        let mut pieces = split_outside(rest[split..].trim_start(), ';').into_iter();
        let sent_by = pieces.next().unwrap_or_default().trim();
        let (host, port) =
            super::uri::split_host_port(sent_by).ok_or_else(|| bad("bad sent-by"))?;
        let params = Params::parse_pieces(pieces).map_err(|_| bad("bad parameter"))?;
        Ok(Via {
            transport: transport.to_ascii_uppercase(),
            host: host.to_owned(),
            port,
            params,
        })
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

/// An address as in `From`, `To` and `Contact`: `"Name" <sip:…>;tag=…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameAddr {
    /// The display name, unquoted.
    pub display: Option<String>,
    /// The address.
    pub uri: Uri,
    /// Header parameters (`tag`, `expires`…).
    pub params: Params,
}

impl NameAddr {
    /// `<uri>` with no display name or parameters.
    pub fn new(uri: Uri) -> Self {
        NameAddr {
            display: None,
            uri,
            params: Params::default(),
        }
    }

    /// The same address with a `tag`.
    pub fn with_tag(mut self, tag: &str) -> Self {
        self.params.set("tag", Some(tag));
        self
    }

    /// `tag`.
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }

    /// The user part of the URI, which in GB/T 28181 is the device or platform ID.
    pub fn user(&self) -> Option<&str> {
        self.uri.user.as_deref()
    }

    fn parse_header(name: &str, s: &str) -> Result<Self> {
        let s = s.trim();
        let bad = |r: &str| header_err(name, format!("{r} in {:?}", clip(s, 80)));
        let (display, uri, rest) = if let Some(open) = find_outside_quotes(s, '<') {
            let close = s[open..].find('>').ok_or_else(|| bad("no closing '>'"))? + open;
            let display = s[..open].trim();
            let display = if display.is_empty() {
                None
            } else if let Some(q) = display.strip_prefix('"') {
                let inner = q
                    .strip_suffix('"')
                    .ok_or_else(|| bad("unterminated display name"))?;
                Some(unquote(inner))
            } else {
                Some(display.to_owned())
            };
            (display, &s[open + 1..close], &s[close + 1..])
        } else {
            // addr-spec without brackets: parameters after it belong to the header.
            match s.find(';') {
                Some(semi) => (None, &s[..semi], &s[semi..]),
                None => (None, s, ""),
            }
        };
        let uri = Uri::parse(uri.trim())?;
        let rest = rest.trim();
        let params = if rest.is_empty() {
            Params::default()
        } else {
            let rest = rest
                .strip_prefix(';')
                .ok_or_else(|| bad("text after the address"))?;
            Params::parse_pieces(split_outside(rest, ';').into_iter())
                .map_err(|_| bad("bad parameter"))?
        };
        Ok(NameAddr {
            display,
            uri,
            params,
        })
    }
}

fn find_outside_quotes(s: &str, target: char) -> Option<usize> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in s.char_indices() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
        } else if c == '"' {
            quoted = true;
        } else if c == target {
            return Some(i);
        }
    }
    None
}

pub(crate) fn unquote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl FromStr for NameAddr {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        NameAddr::parse_header("address", s)
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write!(f, "{} ", quote(d))?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// `CSeq: 1 REGISTER`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CSeq {
    /// The sequence number.
    pub seq: u32,
    /// The method it counts.
    pub method: Method,
}

impl CSeq {
    /// A `CSeq`.
    pub fn new(seq: u32, method: Method) -> Self {
        CSeq { seq, method }
    }
}

impl FromStr for CSeq {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let mut it = s.split_whitespace();
        let (Some(n), Some(m), None) = (it.next(), it.next(), it.next()) else {
            return Err(header_err("CSeq", "expected '<number> <method>'"));
        };
        if !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(header_err("CSeq", "sequence is not a number"));
        }
        let seq = n
            .parse()
            .map_err(|_| header_err("CSeq", "sequence out of range"))?;
        let method = Method::parse(m).ok_or_else(|| header_err("CSeq", "bad method"))?;
        Ok(CSeq { seq, method })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// The `Subject` of a GB/T 28181 INVITE:
/// `<media sender ID>:<sender stream seq>,<media receiver ID>:<receiver stream seq>`, e.g.
/// `34020000001320000001:0200000001,34020000002000000001:0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject {
    /// The media sender's ID (the channel for live video).
    pub sender_id: String,
    /// The sender's stream sequence (the SSRC in decimal for live video).
    pub sender_seq: String,
    /// The media receiver's ID.
    pub receiver_id: String,
    /// The receiver's stream sequence.
    pub receiver_seq: String,
}

impl FromStr for Subject {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || header_err("Subject", "expected 'sender:seq,receiver:seq'");
        let (a, b) = s.trim().split_once(',').ok_or_else(bad)?;
        let (sid, sseq) = a.trim().split_once(':').ok_or_else(bad)?;
        let (rid, rseq) = b.trim().split_once(':').ok_or_else(bad)?;
        Ok(Subject {
            sender_id: sid.to_owned(),
            sender_seq: sseq.to_owned(),
            receiver_id: rid.to_owned(),
            receiver_seq: rseq.to_owned(),
        })
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{},{}:{}",
            self.sender_id, self.sender_seq, self.receiver_id, self.receiver_seq
        )
    }
}

/// Reads the GB/T 28181 time-sync `Date`: `YYYY-MM-DDTHH:MM:SS` with an optional fraction
/// of 1–9 digits (devices send `.mmm`). Local time, no zone — this is *not* the RFC 1123 SIP
/// date, and that form is refused.
///
/// ```
/// use zhicheng_gb28181::sip::{format_gb_date, parse_gb_date};
/// let t = parse_gb_date("2024-05-01T08:30:00.123").unwrap();
/// assert_eq!(format_gb_date(t), "2024-05-01T08:30:00.123");
/// ```
pub fn parse_gb_date(s: &str) -> Result<PrimitiveDateTime> {
    let bad = || Error::Date(clip(s, 40));
    let s = s.trim();
    let b = s.as_bytes();
    if !s.is_ascii()
        || b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32> {
        let d = &s[r];
        if !d.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        d.parse().map_err(|_| bad())
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let nanos = match &s[19..] {
        "" => 0,
        frac => {
            let digits = frac.strip_prefix('.').ok_or_else(bad)?;
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|c| c.is_ascii_digit())
            {
                return Err(bad());
            }
            digits.parse::<u32>().map_err(|_| bad())? * 10u32.pow(9 - digits.len() as u32)
        }
    };
    let month = Month::try_from(mo as u8).map_err(|_| bad())?;
    let date = Date::from_calendar_date(y as i32, month, d as u8).map_err(|_| bad())?;
    let time = Time::from_hms_nano(h as u8, mi as u8, sec as u8, nanos).map_err(|_| bad())?;
    Ok(PrimitiveDateTime::new(date, time))
}

/// Writes the GB/T 28181 time-sync `Date` (`YYYY-MM-DDTHH:MM:SS.mmm`, milliseconds
/// truncated), for the `200 OK` to a REGISTER.
pub fn format_gb_date(t: PrimitiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}
