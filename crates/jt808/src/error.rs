//! What can go wrong: [`FrameError`] for bytes that do not make a frame (the stream decoder
//! reports these and carries on), [`Error`] for everything else (bodies, encoding).

/// Why a run of bytes between two 0x7E flags is not a usable frame.
///
/// The stream decoder yields one of these per bad frame and keeps going; use
/// [`FrameError::kind`] to count them by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Bytes before the first 0x7E flag of the stream (or after the decoder lost sync).
    #[error("{len} byte(s) of garbage before a frame flag")]
    Garbage {
        /// How many bytes were skipped.
        len: usize,
    },
    /// More bytes between two flags than the configured maximum frame length; they were dropped.
    #[error("frame longer than {max} escaped bytes was dropped")]
    TooLong {
        /// The configured maximum.
        max: usize,
    },
    /// 0x7D followed by something other than 0x01 or 0x02 (or by nothing).
    #[error("invalid escape sequence at byte {offset}")]
    BadEscape {
        /// Offset of the 0x7D byte within the escaped frame content.
        offset: usize,
    },
    /// A 0x7E flag inside bytes given to [`crate::decode_frame`] as one frame.
    #[error("flag byte inside a frame at byte {offset}")]
    StrayFlag {
        /// Offset of the flag within the frame content.
        offset: usize,
    },
    /// Too few bytes for the header (and checksum) the frame claims to have.
    #[error("frame too short: {len} byte(s)")]
    TooShort {
        /// Unescaped length of the frame content (header + body + checksum).
        len: usize,
    },
    /// The XOR checksum does not match.
    #[error("checksum mismatch: frame says {expected:#04x}, content gives {actual:#04x}")]
    Checksum {
        /// The checksum byte carried by the frame.
        expected: u8,
        /// The XOR of the header and body bytes received.
        actual: u8,
    },
    /// The body length in the body attributes differs from the bytes received.
    #[error("body length mismatch: header says {declared}, frame carries {actual}")]
    LengthMismatch {
        /// Length from bits 0–9 of the body attributes.
        declared: usize,
        /// Bytes actually between the header and the checksum.
        actual: usize,
    },
    /// The terminal phone number has a BCD nibble above 9.
    #[error("terminal phone number is not BCD")]
    BadPhone,
    /// The sub-package fields are impossible (total 0, index 0, or index above total).
    #[error("invalid sub-package fields: packet {index} of {total}")]
    BadPackage {
        /// Total packet count from the header.
        total: u16,
        /// Packet sequence number from the header (counts from 1).
        index: u16,
    },
}

impl FrameError {
    /// The reason without its details, for counting (e.g. as a metric label).
    pub fn kind(&self) -> FrameErrorKind {
        match self {
            FrameError::Garbage { .. } => FrameErrorKind::Garbage,
            FrameError::TooLong { .. } => FrameErrorKind::TooLong,
            FrameError::BadEscape { .. } => FrameErrorKind::BadEscape,
            FrameError::StrayFlag { .. } => FrameErrorKind::StrayFlag,
            FrameError::TooShort { .. } => FrameErrorKind::TooShort,
            FrameError::Checksum { .. } => FrameErrorKind::Checksum,
            FrameError::LengthMismatch { .. } => FrameErrorKind::LengthMismatch,
            FrameError::BadPhone => FrameErrorKind::BadPhone,
            FrameError::BadPackage { .. } => FrameErrorKind::BadPackage,
        }
    }
}

/// The reason a frame was rejected, without details: one per [`FrameError`] variant.
///
/// `kind as usize` indexes an array of [`FrameErrorKind::COUNT`] counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FrameErrorKind {
    /// See [`FrameError::Garbage`].
    Garbage,
    /// See [`FrameError::TooLong`].
    TooLong,
    /// See [`FrameError::BadEscape`].
    BadEscape,
    /// See [`FrameError::StrayFlag`].
    StrayFlag,
    /// See [`FrameError::TooShort`].
    TooShort,
    /// See [`FrameError::Checksum`].
    Checksum,
    /// See [`FrameError::LengthMismatch`].
    LengthMismatch,
    /// See [`FrameError::BadPhone`].
    BadPhone,
    /// See [`FrameError::BadPackage`].
    BadPackage,
}

impl FrameErrorKind {
    /// Number of kinds.
    pub const COUNT: usize = 9;
    /// Every kind, in `as usize` order.
    pub const ALL: [FrameErrorKind; Self::COUNT] = [
        FrameErrorKind::Garbage,
        FrameErrorKind::TooLong,
        FrameErrorKind::BadEscape,
        FrameErrorKind::StrayFlag,
        FrameErrorKind::TooShort,
        FrameErrorKind::Checksum,
        FrameErrorKind::LengthMismatch,
        FrameErrorKind::BadPhone,
        FrameErrorKind::BadPackage,
    ];

    /// A short snake_case label, stable for metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            FrameErrorKind::Garbage => "garbage",
            FrameErrorKind::TooLong => "too_long",
            FrameErrorKind::BadEscape => "bad_escape",
            FrameErrorKind::StrayFlag => "stray_flag",
            FrameErrorKind::TooShort => "too_short",
            FrameErrorKind::Checksum => "checksum",
            FrameErrorKind::LengthMismatch => "length_mismatch",
            FrameErrorKind::BadPhone => "bad_phone",
            FrameErrorKind::BadPackage => "bad_package",
        }
    }
}

/// Any error of this crate other than a bad frame seen by the stream decoder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The bytes do not make a valid frame.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A body ended before a field it must contain.
    #[error("message body truncated in field `{field}`")]
    Truncated {
        /// The field being read.
        field: &'static str,
    },
    /// A body has bytes left over after its last field.
    #[error("{count} unexpected byte(s) after the end of the message body")]
    TrailingBytes {
        /// How many bytes were left.
        count: usize,
    },
    /// A BCD field has a nibble above 9.
    #[error("field `{field}` is not BCD")]
    InvalidBcd {
        /// The field being read.
        field: &'static str,
    },
    /// A BCD timestamp is not a real date and time.
    #[error("field `{field}` is not a valid date and time: {bytes:02x?}")]
    InvalidTime {
        /// The field being read.
        field: &'static str,
        /// The six BCD bytes as received.
        bytes: [u8; 6],
    },
    /// A text field is not valid GBK.
    #[error("field `{field}` is not valid GBK text")]
    InvalidText {
        /// The field being read.
        field: &'static str,
    },
    /// A text field holds a character GBK cannot represent.
    #[error("field `{field}` has a character GBK cannot encode")]
    Unencodable {
        /// The field being written.
        field: &'static str,
    },
    /// A value is too long for its field (encoding).
    #[error("field `{field}` is {len} byte(s), at most {max} fit")]
    FieldTooLong {
        /// The field being written.
        field: &'static str,
        /// Encoded length of the value.
        len: usize,
        /// Capacity of the field.
        max: usize,
    },
    /// A timestamp falls outside what the two-digit BCD year can carry (2000–2099).
    #[error("timestamp in field `{field}` is outside 2000–2099")]
    TimeOutOfRange {
        /// The field being written.
        field: &'static str,
    },
    /// A body is longer than the 1023 bytes a single frame can carry (split it into sub-packages).
    #[error("message body of {len} bytes exceeds 1023; use sub-packages")]
    BodyTooLong {
        /// The body length.
        len: usize,
    },
    /// The phone number has more significant digits than the header edition can carry.
    #[error("phone number {phone} does not fit in {digits} BCD digits")]
    PhoneTooLong {
        /// The phone number.
        phone: String,
        /// Digits available (12 for 2011/2013, 20 for 2019).
        digits: usize,
    },
    /// A phone number string is empty, longer than 20 characters or not all digits.
    #[error("invalid phone number {0:?}: 1 to 20 decimal digits expected")]
    InvalidPhone(String),
    /// A header field value does not fit its bits (e.g. encryption above 7).
    #[error("header field `{field}` out of range")]
    HeaderOutOfRange {
        /// The field.
        field: &'static str,
    },
}

/// Result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
