//! Requests, responses, and the datagram decoder.

use std::fmt;

use super::{is_token_byte, Headers, Limits, Method, Uri};
use crate::error::{clip, header_err, Error, Result};

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The Request-URI.
    pub uri: Uri,
    /// The headers, in order.
    pub headers: Headers,
    /// The body (`Content-Length` is written from its length).
    pub body: Vec<u8>,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code, 100–699.
    pub status: u16,
    /// The reason phrase (may be empty).
    pub reason: String,
    /// The headers, in order.
    pub headers: Headers,
    /// The body.
    pub body: Vec<u8>,
}

/// A request or a response, as read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

/// The usual reason phrase of a status code (`""` for codes without one here).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => "",
    }
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, uri: Uri) -> Self {
        Request {
            method,
            uri,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// Appends a header (builder style). Any `Display` works: typed values like
    /// [`super::Via`] or numbers.
    pub fn with_header(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.headers.push(name, value.to_string());
        self
    }

    /// Sets the body and its `Content-Type` (e.g. [`super::MANSCDP_XML`]).
    pub fn with_body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.headers.set("Content-Type", content_type);
        self.body = body.into();
        self
    }

    /// Reads a datagram that must hold a request.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        match Message::parse(bytes)? {
            Message::Request(r) => Ok(r),
            Message::Response(_) => Err(Error::StartLine(
                "expected a request, got a response".into(),
            )),
        }
    }

    /// The bytes on the wire, with `Content-Length` set from the body (replaced where the
    /// headers have one, appended otherwise).
    ///
    /// Header values and the reason phrase cannot hold line breaks: any CR or LF in them is
    /// written as a space, so text taken from elsewhere cannot inject a header.
    pub fn encode(&self) -> Vec<u8> {
        let start = format!("{} {} SIP/2.0", self.method, self.uri);
        encode(&start, &self.headers, &self.body)
    }
}

impl Response {
    /// A response with the usual reason phrase and no headers.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            reason: reason_phrase(status).to_owned(),
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// A response to `req` (RFC 3261 §8.2.6): `Via` (all, in order), `From`, `To`, `Call-ID`
    /// and `CSeq` copied. Add a `To` tag with [`Response::with_to_tag`] for non-100 answers.
    pub fn for_request(req: &Request, status: u16) -> Self {
        let mut resp = Response::new(status);
        for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
            for v in req.headers.get_all(name) {
                resp.headers.push(name, v);
            }
        }
        resp
    }

    /// Adds `;tag=…` to `To` unless it already has a tag.
    pub fn with_to_tag(mut self, tag: &str) -> Self {
        if let Ok(to) = self.headers.to() {
            if to.tag().is_none() {
                self.headers.set("To", to.with_tag(tag).to_string());
            }
        } else if let Some(to) = self.headers.get("To") {
            // Unreadable To: append the tag textually rather than lose it.
            let v = format!("{to};tag={tag}");
            self.headers.set("To", v);
        }
        self
    }

    /// Appends a header (builder style).
    pub fn with_header(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.headers.push(name, value.to_string());
        self
    }

    /// Sets the body and its `Content-Type`.
    pub fn with_body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.headers.set("Content-Type", content_type);
        self.body = body.into();
        self
    }

    /// Reads a datagram that must hold a response.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        match Message::parse(bytes)? {
            Message::Response(r) => Ok(r),
            Message::Request(_) => Err(Error::StartLine(
                "expected a response, got a request".into(),
            )),
        }
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The bytes on the wire (see [`Request::encode`]).
    pub fn encode(&self) -> Vec<u8> {
        let start = format!("SIP/2.0 {} {}", self.status, self.reason);
        encode(start.trim_end(), &self.headers, &self.body)
    }
}

impl Message {
    /// Reads one message from a datagram with the default [`Limits`].
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        Self::parse_with(bytes, &Limits::default())
    }

    /// Reads one message from a datagram (RFC 3261 §18.3): leading CR/LF (keep-alive) are
    /// skipped; with `Content-Length` the body is that many bytes and any bytes after it
    /// are discarded; without it the body is the rest of the datagram.
    pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<Self> {
        let start = bytes
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(bytes.len());
        let bytes = &bytes[start..];
        if bytes.is_empty() {
            return Err(Error::Incomplete("empty datagram"));
        }
        let (head_end, body_start) = match find_head_end(bytes, 0, limits.max_head) {
            Some(found) => found,
            None if bytes.len() > limits.max_head => {
                return Err(Error::TooLarge {
                    what: "header section",
                    limit: limits.max_head,
                })
            }
            None => return Err(Error::Incomplete("no blank line after the headers")),
        };
        let mut msg = parse_head(&bytes[..head_end], limits)?;
        let rest = &bytes[body_start..];
        let body = match msg.headers().content_length()? {
            Some(n) if n > limits.max_body => {
                return Err(Error::TooLarge {
                    what: "body",
                    limit: limits.max_body,
                })
            }
            Some(n) if n > rest.len() => {
                return Err(Error::Incomplete("body shorter than Content-Length"))
            }
            Some(n) => &rest[..n],
            None if rest.len() > limits.max_body => {
                return Err(Error::TooLarge {
                    what: "body",
                    limit: limits.max_body,
                })
            }
            None => rest,
        };
        msg.set_body(body.to_vec());
        Ok(msg)
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }

    pub(crate) fn set_body(&mut self, body: Vec<u8>) {
        match self {
            Message::Request(r) => r.body = body,
            Message::Response(r) => r.body = body,
        }
    }

    /// The bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.encode(),
            Message::Response(r) => r.encode(),
        }
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Message::Request(r)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Message::Response(r)
    }
}

fn push_clean(out: &mut Vec<u8>, s: &str) {
    out.extend(
        s.bytes()
            .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
}

fn encode(start: &str, headers: &Headers, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + body.len());
    push_clean(&mut out, start);
    out.extend_from_slice(b"\r\n");
    let mut wrote_length = false;
    for (name, value) in headers.iter() {
        if name == "Content-Length" {
            // Written from the body, once, where the headers had it.
            if !wrote_length {
                wrote_length = true;
                out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
            }
            continue;
        }
        push_clean(&mut out, name);
        out.extend_from_slice(b": ");
        push_clean(&mut out, value);
        out.extend_from_slice(b"\r\n");
    }
    if !wrote_length {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Finds the blank line ending the head: `(end of the head, start of the body)`. Accepts
/// CRLF and bare LF line ends. Starts looking at `from` (where an earlier search of the
/// same bytes stopped), and looks no further than `max_head` (+ the terminator).
pub(crate) fn find_head_end(buf: &[u8], from: usize, max_head: usize) -> Option<(usize, usize)> {
    let limit = buf.len().min(max_head.saturating_add(4));
    let mut i = from;
    while i < limit {
        if buf[i] == b'\n' {
            match (buf.get(i + 1), buf.get(i + 2)) {
                (Some(b'\n'), _) => return Some((i, i + 2)),
                (Some(b'\r'), Some(b'\n')) => return Some((i, i + 3)),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// Whether a line looks like a request line or a status line (for resynchronising a stream).
pub(crate) fn looks_like_start_line(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() >= 12 && line[..8].eq_ignore_ascii_case(b"SIP/2.0 ") {
        return line[8..11].iter().all(u8::is_ascii_digit);
    }
    let mut parts = line.split(|&b| b == b' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(uri), Some(v), None) => {
            !m.is_empty()
                && m.iter().all(|&b| is_token_byte(b))
                && !uri.is_empty()
                && v.eq_ignore_ascii_case(b"SIP/2.0")
        }
        _ => false,
    }
}

/// Decodes head bytes: UTF-8 as RFC 3261 says, falling back to GBK because some devices
/// write GB2312 display names and user agents.
fn head_text(head: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(head) {
        Ok(s) => s.into(),
        Err(_) => encoding_rs::GBK.decode_without_bom_handling(head).0,
    }
}

/// Reads the start line and headers (no body).
pub(crate) fn parse_head(head: &[u8], limits: &Limits) -> Result<Message> {
    if head.len() > limits.max_head {
        return Err(Error::TooLarge {
            what: "header section",
            limit: limits.max_head,
        });
    }
    let text = head_text(head);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let first = lines.next().unwrap_or_default();
    if first.len() > limits.max_line {
        return Err(Error::TooLarge {
            what: "start line",
            limit: limits.max_line,
        });
    }
    let mut msg = parse_start_line(first)?;
    let headers = msg.headers_mut();
    let mut pending: Option<(String, String)> = None;
    let mut count = 0usize;
    for line in lines {
        if line.len() > limits.max_line {
            return Err(Error::TooLarge {
                what: "header line",
                limit: limits.max_line,
            });
        }
        if line.starts_with([' ', '\t']) {
            // Folded continuation (RFC 3261 §7.3.1): joins the previous header with a space.
            let Some((_, value)) = pending.as_mut() else {
                return Err(header_err(
                    "(continuation)",
                    "continuation line before any header",
                ));
            };
            if value.len() + line.len() > limits.max_line {
                return Err(Error::TooLarge {
                    what: "header line",
                    limit: limits.max_line,
                });
            }
            value.push(' ');
            value.push_str(line.trim());
            continue;
        }
        if let Some((n, v)) = pending.take() {
            headers.push(&n, v);
        }
        count += 1;
        if count > limits.max_headers {
            return Err(Error::TooLarge {
                what: "header count",
                limit: limits.max_headers,
            });
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| header_err(line, "no ':' in header line"))?;
        let name = name.trim_end();
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(header_err(name, "header name is not a token"));
        }
        pending = Some((name.to_owned(), value.trim().to_owned()));
    }
    if let Some((n, v)) = pending {
        headers.push(&n, v);
    }
    Ok(msg)
}

fn parse_start_line(line: &str) -> Result<Message> {
    let bad = |why: &str| Error::StartLine(format!("{why}: {:?}", clip(line, 80)));
    if line.len() >= 7 && line.as_bytes()[..7].eq_ignore_ascii_case(b"SIP/2.0") {
        let rest = line[7..]
            .strip_prefix(' ')
            .ok_or_else(|| bad("no status code"))?;
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("status code is not three digits"));
        }
        let status: u16 = code.parse().map_err(|_| bad("bad status code"))?;
        if !(100..=699).contains(&status) {
            return Err(bad("status code outside 100-699"));
        }
        return Ok(Message::Response(Response {
            status,
            reason: reason.trim().to_owned(),
            headers: Headers::new(),
            body: Vec::new(),
        }));
    }
    let mut parts = line.split(' ');
    let (Some(m), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(
            "expected 'METHOD URI SIP/2.0' or 'SIP/2.0 CODE REASON'",
        ));
    };
    if !version.eq_ignore_ascii_case("SIP/2.0") {
        return Err(bad("version is not SIP/2.0"));
    }
    let method = Method::parse(m).ok_or_else(|| bad("method is not a token"))?;
    let uri = Uri::parse(uri)?;
    Ok(Message::Request(Request::new(method, uri)))
}
