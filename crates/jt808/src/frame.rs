//! Frames: `0x7E | header | body | checksum | 0x7E`, escaping, the XOR checksum and the
//! 2011/2013 and 2019 headers.
//!
//! Receiving: [`decode_frame`] (or [`parse_frame`] on already unescaped bytes) gives a
//! [`FrameRef`] that borrows its body from a caller-owned scratch buffer, so a hot loop does
//! not allocate. Sending: [`encode_frame`] / [`Frame::encode`].

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, FrameError, Result};

/// The flag byte that opens and closes every frame.
pub const FLAG: u8 = 0x7e;
/// The escape byte.
pub const ESCAPE: u8 = 0x7d;
/// Largest body one frame can carry (10 bits of length).
pub const MAX_BODY_LEN: usize = 0x3ff;
/// Largest unescaped frame content: 2019 sub-packaged header + body + checksum.
pub const MAX_UNESCAPED_LEN: usize = 21 + MAX_BODY_LEN + 1;
/// Largest escaped frame content between the flags (every byte escaped).
pub const MAX_ESCAPED_LEN: usize = 2 * MAX_UNESCAPED_LEN;

const ATTR_LEN_MASK: u16 = 0x03ff;
const ATTR_ENCRYPTION_SHIFT: u16 = 10;
const ATTR_SUBPACKAGE: u16 = 1 << 13;
const ATTR_VERSION: u16 = 1 << 14;
const ATTR_RESERVED: u16 = 1 << 15;

/// Which header layout a frame uses (bit 14 of the body attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// 2011 and 2013 editions: 12-byte header, `BCD[6]` phone number.
    V2013,
    /// 2019 edition: 17-byte header with a protocol version byte and a `BCD[10]` phone number.
    V2019 {
        /// Protocol version byte (the first 2019 version is 1).
        protocol_version: u8,
    },
}

impl Version {
    /// The 2019 edition with protocol version 1.
    pub const V2019_1: Version = Version::V2019 {
        protocol_version: 1,
    };

    /// Digits of the BCD phone number in this header.
    pub fn phone_digits(self) -> usize {
        match self {
            Version::V2013 => 12,
            Version::V2019 { .. } => 20,
        }
    }

    /// Header length without the sub-package fields.
    pub fn header_len(self) -> usize {
        match self {
            Version::V2013 => 12,
            Version::V2019 { .. } => 17,
        }
    }

    /// Whether this is the 2019 header.
    pub fn is_2019(self) -> bool {
        matches!(self, Version::V2019 { .. })
    }
}

/// A terminal phone number: up to 20 decimal digits, stored **without leading zeros**.
///
/// A 2013 header carries 12 BCD digits and a 2019 header 20, left-padded with zeros, so the
/// same device arrives as `013912345678` and `00000000013912345678`. Both decode to the same
/// `Phone` (`13912345678`), which therefore works as a session key; encoding pads again to the
/// header's width, so nothing is lost. An all-zero number is `"0"`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phone {
    digits: [u8; 20],
    len: u8,
}

impl Phone {
    /// Parses 1 to 20 ASCII digits (leading zeros are dropped).
    pub fn new(s: &str) -> Result<Phone> {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 20 || !b.iter().all(u8::is_ascii_digit) {
            return Err(Error::InvalidPhone(s.to_owned()));
        }
        Ok(Phone::from_ascii_digits(b))
    }

    fn from_ascii_digits(b: &[u8]) -> Phone {
        let zeros = b
            .iter()
            .take_while(|&&c| c == b'0')
            .count()
            .min(b.len() - 1);
        let b = &b[zeros..];
        let mut digits = [0u8; 20];
        digits[..b.len()].copy_from_slice(b);
        Phone {
            digits,
            len: b.len() as u8,
        }
    }

    /// Decodes a BCD field (2 digits per byte, 1 to 10 bytes).
    pub fn from_bcd(bcd: &[u8]) -> Option<Phone> {
        if bcd.is_empty() || bcd.len() > 10 {
            return None;
        }
        let mut ascii = [0u8; 20];
        for (i, &b) in bcd.iter().enumerate() {
            let (hi, lo) = (b >> 4, b & 0x0f);
            if hi > 9 || lo > 9 {
                return None;
            }
            ascii[2 * i] = b'0' + hi;
            ascii[2 * i + 1] = b'0' + lo;
        }
        Some(Phone::from_ascii_digits(&ascii[..bcd.len() * 2]))
    }

    /// The digits, without leading zeros.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.digits[..usize::from(self.len)]).unwrap_or("0")
    }

    /// The digits left-padded with zeros to `width` (as in a header: 12 or 20); longer numbers
    /// are returned whole.
    pub fn padded(&self, width: usize) -> String {
        format!("{:0>width$}", self.as_str())
    }

    /// Writes the number as `digits / 2` BCD bytes, left-padded with zeros.
    fn write_bcd(&self, digits: usize, out: &mut [u8]) -> Result<()> {
        let s = self.as_str().as_bytes();
        if s.len() > digits {
            return Err(Error::PhoneTooLong {
                phone: self.as_str().to_owned(),
                digits,
            });
        }
        let mut padded = [b'0'; 20];
        padded[digits - s.len()..digits].copy_from_slice(s);
        for (i, o) in out.iter_mut().take(digits / 2).enumerate() {
            *o = ((padded[2 * i] - b'0') << 4) | (padded[2 * i + 1] - b'0');
        }
        Ok(())
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.as_str())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Phone {
    type Err = Error;
    fn from_str(s: &str) -> Result<Phone> {
        Phone::new(s)
    }
}

/// The sub-package fields of a header (present when body attribute bit 13 is set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Package {
    /// Total number of packets of the message (≥ 1).
    pub total: u16,
    /// This packet's sequence number, from 1 to `total`.
    pub index: u16,
}

/// A message header, either edition.
///
/// The body length is not stored: it is taken from the body when encoding and checked against
/// the bytes received when decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Message ID (uplink 0x0xxx, downlink 0x8xxx).
    pub msg_id: u16,
    /// Header edition (and the 2019 protocol version byte).
    pub version: Version,
    /// Encryption bits 10–12 of the body attributes: 0 none, 1 RSA, others reserved.
    /// An encrypted body is not decoded (it stays [`crate::Body::Raw`]).
    pub encryption: u8,
    /// Body attribute bit 15 (reserved); kept so that a frame re-encodes to the same bytes.
    pub reserved_bit: bool,
    /// Terminal phone number.
    pub phone: Phone,
    /// Message serial number.
    pub serial: u16,
    /// Sub-package fields, when the message is split.
    pub package: Option<Package>,
}

impl Header {
    /// A plain header: no encryption, not sub-packaged.
    pub fn new(msg_id: u16, version: Version, phone: Phone, serial: u16) -> Header {
        Header {
            msg_id,
            version,
            encryption: 0,
            reserved_bit: false,
            phone,
            serial,
            package: None,
        }
    }

    /// Header length in bytes on the wire before escaping, sub-package fields included.
    pub fn encoded_len(&self) -> usize {
        self.version.header_len() + if self.package.is_some() { 4 } else { 0 }
    }

    /// Writes the unescaped header for a body of `body_len` bytes into `out`, returning its length.
    fn write(&self, body_len: usize, out: &mut [u8; 21]) -> Result<usize> {
        if body_len > MAX_BODY_LEN {
            return Err(Error::BodyTooLong { len: body_len });
        }
        if self.encryption > 7 {
            return Err(Error::HeaderOutOfRange {
                field: "encryption",
            });
        }
        let mut attrs = body_len as u16 | (u16::from(self.encryption) << ATTR_ENCRYPTION_SHIFT);
        if self.package.is_some() {
            attrs |= ATTR_SUBPACKAGE;
        }
        if self.reserved_bit {
            attrs |= ATTR_RESERVED;
        }
        out[0..2].copy_from_slice(&self.msg_id.to_be_bytes());
        let mut at = match self.version {
            Version::V2013 => {
                self.phone.write_bcd(12, &mut out[4..10])?;
                10
            }
            Version::V2019 { protocol_version } => {
                attrs |= ATTR_VERSION;
                out[4] = protocol_version;
                self.phone.write_bcd(20, &mut out[5..15])?;
                15
            }
        };
        out[2..4].copy_from_slice(&attrs.to_be_bytes());
        out[at..at + 2].copy_from_slice(&self.serial.to_be_bytes());
        at += 2;
        if let Some(p) = self.package {
            if p.total == 0 || p.index == 0 || p.index > p.total {
                return Err(Error::HeaderOutOfRange { field: "package" });
            }
            out[at..at + 2].copy_from_slice(&p.total.to_be_bytes());
            out[at + 2..at + 4].copy_from_slice(&p.index.to_be_bytes());
            at += 4;
        }
        Ok(at)
    }
}

/// A decoded frame whose body borrows the unescaped buffer it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRef<'a> {
    /// The header.
    pub header: Header,
    /// The body bytes (possibly one fragment of a sub-packaged message, possibly encrypted).
    pub body: &'a [u8],
}

impl FrameRef<'_> {
    /// Copies the body into an owned [`Frame`].
    pub fn to_frame(&self) -> Frame {
        Frame {
            header: self.header,
            body: self.body.to_vec(),
        }
    }
}

/// A frame that owns its body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Frame {
    /// The header.
    pub header: Header,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Frame {
    /// Borrows this frame as a [`FrameRef`].
    pub fn as_ref(&self) -> FrameRef<'_> {
        FrameRef {
            header: self.header,
            body: &self.body,
        }
    }

    /// Appends the wire form (flags, escaped header, body and checksum) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        encode_frame(&self.header, &self.body, out)
    }

    /// The wire form as a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.body.len() + 32);
        self.encode(&mut out)?;
        Ok(out)
    }
}

/// XOR of all bytes (the JT/T 808 checksum of header + body).
#[inline]
pub fn checksum(bytes: &[u8]) -> u8 {
    // Folding 8 bytes at a time lets the compiler use wide XORs.
    let mut chunks = bytes.chunks_exact(8);
    let mut acc = 0u64;
    for c in &mut chunks {
        acc ^= u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
    }
    let acc = acc.to_ne_bytes().iter().fold(0u8, |a, &b| a ^ b);
    chunks.remainder().iter().fold(acc, |a, &b| a ^ b)
}

const LSB: u64 = 0x0101_0101_0101_0101;
const MSB: u64 = 0x8080_8080_8080_8080;

/// Non-zero when some byte of `x` equals `b` (the classic "has zero byte" test on `x ^ bb…`).
#[inline(always)]
fn has_byte(x: u64, b: u8) -> u64 {
    let y = x ^ (LSB * u64::from(b));
    y.wrapping_sub(LSB) & !y & MSB
}

/// Index of the first 0x7E or 0x7D, testing 8 bytes at a time.
#[inline]
pub(crate) fn find_special(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        if has_byte(x, FLAG) | has_byte(x, ESCAPE) != 0 {
            return c
                .iter()
                .position(|&b| b == FLAG || b == ESCAPE)
                .map(|i| base + i);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == FLAG || b == ESCAPE)
        .map(|i| base + i)
}

/// Index of the first 0x7E, testing 8 bytes at a time.
#[inline]
pub(crate) fn find_flag(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        if has_byte(x, FLAG) != 0 {
            return c.iter().position(|&b| b == FLAG).map(|i| base + i);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == FLAG)
        .map(|i| base + i)
}

/// Appends `bytes` to `out` with 0x7E → 0x7D 0x02 and 0x7D → 0x7D 0x01.
pub fn escape_into(bytes: &[u8], out: &mut Vec<u8>) {
    let mut rest = bytes;
    while let Some(i) = find_special(rest) {
        out.extend_from_slice(&rest[..i]);
        out.push(ESCAPE);
        out.push(if rest[i] == FLAG { 0x02 } else { 0x01 });
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// Replaces `out`'s contents with `escaped` unescaped (0x7D 0x02 → 0x7E, 0x7D 0x01 → 0x7D).
/// `escaped` is the content between the flags; a 0x7E in it is [`FrameError::StrayFlag`].
pub fn unescape_into(escaped: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
    out.clear();
    let mut rest = escaped;
    let mut base = 0;
    while let Some(i) = find_special(rest) {
        out.extend_from_slice(&rest[..i]);
        if rest[i] == FLAG {
            return Err(FrameError::StrayFlag { offset: base + i });
        }
        match rest.get(i + 1) {
            Some(0x01) => out.push(ESCAPE),
            Some(0x02) => out.push(FLAG),
            _ => return Err(FrameError::BadEscape { offset: base + i }),
        }
        rest = &rest[i + 2..];
        base += i + 2;
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// Parses unescaped frame content (header + body + checksum, no flags): verifies the checksum,
/// reads the header and checks the body length.
pub fn parse_frame(content: &[u8]) -> Result<FrameRef<'_>, FrameError> {
    let too_short = FrameError::TooShort { len: content.len() };
    let Some((&expected, data)) = content.split_last() else {
        return Err(too_short);
    };
    if data.len() < 12 {
        return Err(too_short);
    }
    let actual = checksum(data);
    if actual != expected {
        return Err(FrameError::Checksum { expected, actual });
    }
    let msg_id = u16::from_be_bytes([data[0], data[1]]);
    let attrs = u16::from_be_bytes([data[2], data[3]]);
    let (version, phone_at, phone_len) = if attrs & ATTR_VERSION != 0 {
        (
            Version::V2019 {
                protocol_version: data[4],
            },
            5,
            10,
        )
    } else {
        (Version::V2013, 4, 6)
    };
    let sub = attrs & ATTR_SUBPACKAGE != 0;
    let header_len = version.header_len() + if sub { 4 } else { 0 };
    if data.len() < header_len {
        return Err(too_short);
    }
    let phone =
        Phone::from_bcd(&data[phone_at..phone_at + phone_len]).ok_or(FrameError::BadPhone)?;
    let at = phone_at + phone_len;
    let serial = u16::from_be_bytes([data[at], data[at + 1]]);
    let package = if sub {
        let total = u16::from_be_bytes([data[at + 2], data[at + 3]]);
        let index = u16::from_be_bytes([data[at + 4], data[at + 5]]);
        if total == 0 || index == 0 || index > total {
            return Err(FrameError::BadPackage { total, index });
        }
        Some(Package { total, index })
    } else {
        None
    };
    let body = &data[header_len..];
    let declared = usize::from(attrs & ATTR_LEN_MASK);
    if body.len() != declared {
        return Err(FrameError::LengthMismatch {
            declared,
            actual: body.len(),
        });
    }
    Ok(FrameRef {
        header: Header {
            msg_id,
            version,
            encryption: ((attrs >> ATTR_ENCRYPTION_SHIFT) & 0x7) as u8,
            reserved_bit: attrs & ATTR_RESERVED != 0,
            phone,
            serial,
            package,
        },
        body,
    })
}

/// Decodes one frame from its wire bytes, with or without the surrounding 0x7E flags, using
/// `scratch` for the unescaped bytes (reuse it across calls to avoid allocating).
pub fn decode_frame<'s>(wire: &[u8], scratch: &'s mut Vec<u8>) -> Result<FrameRef<'s>, FrameError> {
    let mut w = wire;
    if let [FLAG, inner @ ..] = w {
        w = inner;
    }
    if let [inner @ .., FLAG] = w {
        w = inner;
    }
    unescape_into(w, scratch)?;
    parse_frame(scratch)
}

/// Appends the wire form of `header` + `body` to `out`: flag, escaped header, body and
/// checksum, flag.
pub fn encode_frame(header: &Header, body: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let mut head = [0u8; 21];
    let n = header.write(body.len(), &mut head)?;
    let head = &head[..n];
    let cs = checksum(head) ^ checksum(body);
    out.reserve(n + body.len() + 4);
    out.push(FLAG);
    escape_into(head, out);
    escape_into(body, out);
    escape_into(&[cs], out);
    out.push(FLAG);
    Ok(())
}

/// Splits a long body into sub-packaged frames of at most `chunk` body bytes each (1–1023),
/// numbered 1..=total, with consecutive serial numbers starting at `header.serial`.
///
/// A body that fits in one chunk still becomes one frame with `package = 1 of 1`.
pub fn fragment(header: &Header, body: &[u8], chunk: usize) -> Result<Vec<Frame>> {
    let chunk = chunk.clamp(1, MAX_BODY_LEN);
    let total = body.len().div_ceil(chunk).max(1);
    let total = u16::try_from(total).map_err(|_| Error::BodyTooLong { len: body.len() })?;
    let mut frames = Vec::with_capacity(usize::from(total));
    let mut pieces = body.chunks(chunk);
    for index in 1..=total {
        let mut h = *header;
        h.serial = header.serial.wrapping_add(index - 1);
        h.package = Some(Package { total, index });
        frames.push(Frame {
            header: h,
            body: pieces.next().unwrap_or(&[]).to_vec(),
        });
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_and_unescape() {
        let mut out = Vec::new();
        escape_into(&[1, FLAG, 2, ESCAPE, 3], &mut out);
        assert_eq!(out, [1, 0x7d, 0x02, 2, 0x7d, 0x01, 3]);
        let mut back = Vec::new();
        unescape_into(&out, &mut back).unwrap();
        assert_eq!(back, [1, FLAG, 2, ESCAPE, 3]);
        assert_eq!(
            unescape_into(&[1, 2, 0x7d, 0x03], &mut back),
            Err(FrameError::BadEscape { offset: 2 })
        );
        assert_eq!(
            unescape_into(&[0x7d, 0x01, 0x7d], &mut back),
            Err(FrameError::BadEscape { offset: 2 })
        );
        assert_eq!(
            unescape_into(
                &[0; 20].iter().chain(&[0x7e]).copied().collect::<Vec<_>>(),
                &mut back
            ),
            Err(FrameError::StrayFlag { offset: 20 })
        );
    }

    #[test]
    fn swar_search_matches_naive() {
        let mut data = vec![0u8; 40];
        assert_eq!(find_special(&data), None);
        assert_eq!(find_flag(&data), None);
        for i in 0..data.len() {
            for b in [FLAG, ESCAPE, 0x7f, 0xfe, 0x3e] {
                data[i] = b;
                let want = (b == FLAG || b == ESCAPE).then_some(i);
                assert_eq!(find_special(&data), want, "byte {b:#x} at {i}");
                assert_eq!(find_flag(&data), (b == FLAG).then_some(i));
                data[i] = 0;
            }
        }
        // Neighbouring bytes just below the searched value must not produce false hits.
        let near = [0x7c, 0x7f, 0xfd, 0xfe, 0x7c, 0x7f, 0x00, 0xff, 0x7c, 0x7e];
        assert_eq!(find_special(&near), Some(9));
        assert_eq!(find_flag(&near), Some(9));
    }

    #[test]
    fn checksum_matches_naive_xor() {
        let data: Vec<u8> = (0..=200u8).map(|i| i.wrapping_mul(37)).collect();
        for n in 0..data.len() {
            let naive = data[..n].iter().fold(0, |a, &b| a ^ b);
            assert_eq!(checksum(&data[..n]), naive, "length {n}");
        }
    }

    #[test]
    fn phone_padding_and_normalizing() {
        let p = Phone::new("13912345678").unwrap();
        let mut out = [0u8; 10];
        p.write_bcd(12, &mut out[..6]).unwrap();
        assert_eq!(out[..6], [0x01, 0x39, 0x12, 0x34, 0x56, 0x78]);
        let long = Phone::new("00000000013912345678").unwrap();
        long.write_bcd(12, &mut out[..6]).unwrap();
        assert_eq!(out[..6], [0x01, 0x39, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(long, p);
        assert_eq!(long.as_str(), "13912345678");
        assert_eq!(long.padded(12), "013912345678");
        assert_eq!(Phone::new("000").unwrap().as_str(), "0");
        assert_eq!(Phone::from_bcd(&[0, 0]).unwrap(), Phone::new("0").unwrap());
        assert!(Phone::new("1234567890123")
            .unwrap()
            .write_bcd(12, &mut out)
            .is_err());
        assert!(Phone::new("12a").is_err());
        assert!(Phone::new("").is_err());
        assert!(Phone::from_bcd(&[0x1a]).is_none());
    }

    #[test]
    fn heartbeat_with_escaped_serial() {
        // standards.md §1.13 escaping demo.
        let h = Header::new(
            0x0002,
            Version::V2013,
            Phone::new("13912345678").unwrap(),
            0x7e,
        );
        let mut out = Vec::new();
        encode_frame(&h, &[], &mut out).unwrap();
        assert_eq!(
            out,
            [
                0x7e, 0x00, 0x02, 0x00, 0x00, 0x01, 0x39, 0x12, 0x34, 0x56, 0x78, 0x00, 0x7d, 0x02,
                0x4c, 0x7e
            ]
        );
        let mut scratch = Vec::new();
        let f = decode_frame(&out, &mut scratch).unwrap();
        assert_eq!(f.header, h);
        assert!(f.body.is_empty());
    }

    #[test]
    fn rejects_bad_frames() {
        let h = Header::new(0x0002, Version::V2013, Phone::new("1").unwrap(), 1);
        let mut wire = Vec::new();
        encode_frame(&h, &[9, 9], &mut wire).unwrap();
        let mut scratch = Vec::new();
        // Flip the checksum.
        let mut bad = wire.clone();
        let n = bad.len();
        bad[n - 2] ^= 0xff;
        assert!(matches!(
            decode_frame(&bad, &mut scratch),
            Err(FrameError::Checksum { .. })
        ));
        // Too short.
        assert_eq!(
            decode_frame(&[0x7e, 1, 2, 3, 0x7e], &mut scratch),
            Err(FrameError::TooShort { len: 3 })
        );
        // Length mismatch: drop one body byte and fix the checksum.
        let mut content = Vec::new();
        unescape_into(&wire[1..wire.len() - 1], &mut content).unwrap();
        content.remove(12);
        let l = content.len();
        content[l - 1] = checksum(&content[..l - 1]);
        assert_eq!(
            parse_frame(&content),
            Err(FrameError::LengthMismatch {
                declared: 2,
                actual: 1
            })
        );
        assert!(encode_frame(&h, &[0; 1024], &mut wire).is_err());
    }

    #[test]
    fn fragments_are_numbered() {
        let h = Header::new(0x0801, Version::V2019_1, Phone::new("1").unwrap(), 0xfffe);
        let frames = fragment(&h, &[1, 2, 3, 4, 5], 2).unwrap();
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[2].header.serial, 0);
        assert_eq!(
            frames[2].header.package,
            Some(Package { total: 3, index: 3 })
        );
        assert_eq!(frames[2].body, [5]);
    }
}
