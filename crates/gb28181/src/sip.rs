//! SIP messages (RFC 3261) as GB/T 28181 uses them: requests and responses, their headers,
//! a datagram decoder ([`Message::parse`]) and a stream decoder for TCP ([`StreamDecoder`]).
//!
//! Decoding is bounded by [`Limits`] (head size, line length, header count, body size) and
//! never panics on bad input. Typed header values ([`Via`], [`NameAddr`], [`CSeq`],
//! [`Subject`], the digest [`crate::auth`] types) are read on demand through [`Headers`].
//!
//! ```
//! use zhicheng_gb28181::sip::{Message, Method, Response};
//! let raw = b"REGISTER sip:34020000002000000001@3402000000 SIP/2.0\r\n\
//! v: SIP/2.0/UDP 192.168.2.64:5060;rport;branch=z9hG4bK1\r\n\
//! f: <sip:34020000001320000001@3402000000>;tag=1\r\n\
//! t: <sip:34020000001320000001@3402000000>\r\n\
//! i: 575393982\r\nCSeq: 1 REGISTER\r\nExpires: 3600\r\nl: 0\r\n\r\n";
//! let Message::Request(req) = Message::parse(raw).unwrap() else { panic!() };
//! assert_eq!(req.method, Method::Register);
//! assert_eq!(req.headers.call_id().unwrap(), "575393982");
//! let ok = Response::for_request(&req, 200).with_to_tag("776284809");
//! assert!(String::from_utf8(ok.encode()).unwrap().starts_with("SIP/2.0 200 OK\r\n"));
//! ```

pub(crate) mod header;
mod message;
mod stream;
mod uri;

use std::fmt;

pub use header::{
    canonical_name, format_gb_date, parse_gb_date, CSeq, Headers, NameAddr, Params, Subject, Via,
    BRANCH_COOKIE,
};
pub use message::{reason_phrase, Message, Request, Response};
pub use stream::StreamDecoder;
pub use uri::Uri;

/// The `Content-Type` of MANSCDP bodies, spelled as GB/T 28181 writes it.
pub const MANSCDP_XML: &str = "Application/MANSCDP+xml";

/// The registration lifetime commonly used by GB/T 28181 devices, in seconds. Whether the
/// standard sets a minimum is not known; this crate enforces none, and a server that wants
/// one answers `423 Interval Too Brief` with `Min-Expires`.
pub const DEFAULT_REGISTER_EXPIRES: u32 = 3600;

/// The `Content-Type` of SDP bodies (INVITE for live video).
pub const SDP: &str = "application/sdp";

/// Size bounds for decoding SIP messages. Anything over a bound is refused with
/// [`crate::Error::TooLarge`] naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes from the start line to the blank line after the headers (default 16 KiB).
    pub max_head: usize,
    /// Bytes of any one line of the head (default 4 KiB).
    pub max_line: usize,
    /// Header lines (default 64).
    pub max_headers: usize,
    /// Body bytes (default 256 KiB: a catalog page over TCP; UDP carries at most 64 KiB).
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 16 * 1024,
            max_line: 4096,
            max_headers: 64,
            max_body: 256 * 1024,
        }
    }
}

/// A SIP method. Methods are case-sensitive (RFC 3261 §7.1); unknown tokens are kept in
/// [`Method::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// `REGISTER`: device registration, refresh and (with `Expires: 0`) unregistration.
    Register,
    /// `MESSAGE`: MANSCDP queries, responses and notifications.
    Message,
    /// `INVITE`: start a media session (live video, playback).
    Invite,
    /// `ACK`.
    Ack,
    /// `BYE`.
    Bye,
    /// `CANCEL`.
    Cancel,
    /// `OPTIONS`.
    Options,
    /// `INFO`: playback control (MANSRTSP).
    Info,
    /// `SUBSCRIBE`: catalog, alarm and mobile-position subscriptions.
    Subscribe,
    /// `NOTIFY`.
    Notify,
    /// `UPDATE`.
    Update,
    /// `PRACK`.
    Prack,
    /// `REFER`.
    Refer,
    /// Any other token.
    Other(String),
}

impl Method {
    /// Reads a method token; `None` when it is not a token.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() || !s.bytes().all(is_token_byte) {
            return None;
        }
        Some(match s {
            "REGISTER" => Method::Register,
            "MESSAGE" => Method::Message,
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "OPTIONS" => Method::Options,
            "INFO" => Method::Info,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            "REFER" => Method::Refer,
            other => Method::Other(other.to_owned()),
        })
    }

    /// The method as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Register => "REGISTER",
            Method::Message => "MESSAGE",
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Info => "INFO",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Refer => "REFER",
            Method::Other(s) => s,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RFC 3261 `token` characters.
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}
