//! The one error type of the crate.

/// Everything that can go wrong when decoding, encoding or checking GB/T 28181 data.
///
/// Each variant names what was wrong in words a log reader can act on; decoders never panic
/// on bad input, they return one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A size limit was exceeded (`what` names the limit, see [`crate::sip::Limits`] and
    /// [`crate::manscdp::ParseOptions`]).
    #[error("{what} exceeds the limit of {limit}")]
    TooLarge {
        /// Which limit, e.g. `"header line"` or `"body"`.
        what: &'static str,
        /// The limit in force.
        limit: usize,
    },
    /// The bytes end before the message does (datagram shorter than its `Content-Length`, no
    /// blank line after the headers).
    #[error("incomplete message: {0}")]
    Incomplete(&'static str),
    /// The first line is neither a SIP request line nor a status line.
    #[error("bad start line: {0}")]
    StartLine(String),
    /// A header line or a header value could not be read.
    #[error("bad {name} header: {reason}")]
    Header {
        /// The header name as written (or its full form for compact names).
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A header the operation needs is absent.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// A SIP or SIPS URI could not be read.
    #[error("bad URI {uri:?}: {reason}")]
    Uri {
        /// The text that was offered as a URI (cut to 80 characters).
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A 20-digit GB/T 28181 identifier is malformed or out of the known ranges.
    #[error("bad device ID {id:?}: {reason}")]
    DeviceId {
        /// The offered text (cut to 40 characters).
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Digest authentication failed or its parameters are unusable.
    #[error("digest authentication: {0}")]
    Auth(crate::auth::AuthError),
    /// The XML body is not well-formed, or uses something this crate refuses.
    #[error("bad XML: {0}")]
    Xml(String),
    /// The XML body carries a document type declaration; DTDs (and so external and custom
    /// entities) are refused outright.
    #[error("XML document type declarations (DOCTYPE) are not accepted")]
    Doctype,
    /// A MANSCDP document lacks an element it must have.
    #[error("MANSCDP document lacks <{0}>")]
    MissingElement(&'static str),
    /// A MANSCDP element holds a value that does not fit its type.
    #[error("MANSCDP <{element}>: {reason}")]
    InvalidValue {
        /// The element name.
        element: String,
        /// What is wrong with its value.
        reason: String,
    },
    /// The body declares a character set this crate does not decode.
    #[error("unsupported character set {0:?} (GB2312, GBK, GB18030 and UTF-8 are accepted)")]
    Charset(String),
    /// A `Date` value is not in the GB/T 28181 form `YYYY-MM-DDTHH:MM:SS[.mmm]`.
    #[error("bad date {0:?}: expected YYYY-MM-DDTHH:MM:SS[.mmm]")]
    Date(String),
}

/// Result of this crate's operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<crate::auth::AuthError> for Error {
    fn from(e: crate::auth::AuthError) -> Self {
        Error::Auth(e)
    }
}

/// Cuts untrusted text for an error message, on a character boundary.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

pub(crate) fn header_err(name: &str, reason: impl Into<String>) -> Error {
    Error::Header {
        name: clip(name, 40),
        reason: reason.into(),
    }
}
