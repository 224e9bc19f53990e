//! The JT/T 808 data types on the wire: big-endian integers, BCD, GBK text and the BCD
//! timestamp, read from a borrowed slice and written to a `Vec<u8>`.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::error::{Error, Result};

/// Beijing time, the offset of every terminal timestamp (China has no daylight saving).
pub const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("+08:00 is a valid offset"),
};

/// A cursor over a body.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(Error::Truncated { field });
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N]> {
        let b = self.take(N, field)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.buf)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8> {
        Ok(self.array::<1>(field)?[0])
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    /// Fails with [`Error::TrailingBytes`] if anything is left.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes {
                count: self.buf.len(),
            })
        }
    }
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Strict GBK decode: anything that would not re-encode to the same bytes is an error.
///
/// Besides malformed sequences that rules out GB18030 four-byte sequences (GBK cannot encode
/// them) and the two byte pairs whose character GBK encodes differently (`A2E3` → `€` → `80`,
/// `A3A0` → U+3000 → `A1A1`); a decoded message therefore always re-encodes byte for byte.
pub fn gbk_decode(bytes: &[u8], field: &'static str) -> Result<String> {
    if bytes.is_ascii() {
        // Fast path: ASCII is the same in GBK; from_utf8 cannot fail on ASCII.
        return String::from_utf8(bytes.to_vec()).map_err(|_| Error::InvalidText { field });
    }
    let text = encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or(Error::InvalidText { field })?;
    let (again, _, unmappable) = encoding_rs::GBK.encode(&text);
    if unmappable || again[..] != bytes[..] {
        return Err(Error::InvalidText { field });
    }
    Ok(text.into_owned())
}

/// GBK encode; a character outside GBK is an error rather than a silent `&#NNNN;`.
pub fn gbk_encode(text: &str, field: &'static str, out: &mut Vec<u8>) -> Result<()> {
    if text.is_ascii() {
        out.extend_from_slice(text.as_bytes());
        return Ok(());
    }
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    if unmappable {
        return Err(Error::Unencodable { field });
    }
    out.extend_from_slice(&bytes);
    Ok(())
}

/// Decodes a fixed-width `BYTE[n]` text field: trailing 0x00 padding is stripped, the rest is
/// GBK (leading ASCII `'0'` padding, seen from some terminals, is kept as text).
pub(crate) fn fixed_text_decode(bytes: &[u8], field: &'static str) -> Result<String> {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    gbk_decode(&bytes[..end], field)
}

/// Encodes a fixed-width `BYTE[width]` text field, right-padded with 0x00.
pub(crate) fn fixed_text_encode(
    text: &str,
    width: usize,
    field: &'static str,
    out: &mut Vec<u8>,
) -> Result<()> {
    let start = out.len();
    gbk_encode(text, field, out)?;
    let len = out.len() - start;
    if len > width {
        out.truncate(start);
        return Err(Error::FieldTooLong {
            field,
            len,
            max: width,
        });
    }
    out.resize(start + width, 0);
    Ok(())
}

/// Two BCD digits to their value, or `None` if a nibble is above 9.
#[inline]
pub(crate) fn bcd_byte(b: u8) -> Option<u8> {
    let (hi, lo) = (b >> 4, b & 0x0f);
    if hi > 9 || lo > 9 {
        None
    } else {
        Some(hi * 10 + lo)
    }
}

/// A value 0–99 as two BCD digits.
#[inline]
pub(crate) fn to_bcd(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

/// Decodes a `BCD[6]` `YYMMDDhhmmss` timestamp read in `offset` (years are 2000–2099).
pub fn bcd_time_decode(
    bytes: [u8; 6],
    offset: UtcOffset,
    field: &'static str,
) -> Result<OffsetDateTime> {
    let mut d = [0u8; 6];
    for (v, &b) in d.iter_mut().zip(bytes.iter()) {
        *v = bcd_byte(b).ok_or(Error::InvalidBcd { field })?;
    }
    let invalid = || Error::InvalidTime { field, bytes };
    let month = Month::try_from(d[1]).map_err(|_| invalid())?;
    let date =
        Date::from_calendar_date(2000 + i32::from(d[0]), month, d[2]).map_err(|_| invalid())?;
    let time = Time::from_hms(d[3], d[4], d[5]).map_err(|_| invalid())?;
    Ok(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// Encodes a timestamp as `BCD[6]` `YYMMDDhhmmss` in `offset`.
pub fn bcd_time_encode(
    t: OffsetDateTime,
    offset: UtcOffset,
    field: &'static str,
) -> Result<[u8; 6]> {
    let t = t.to_offset(offset);
    let year = t.year();
    if !(2000..=2099).contains(&year) {
        return Err(Error::TimeOutOfRange { field });
    }
    Ok([
        to_bcd((year - 2000) as u8),
        to_bcd(u8::from(t.month())),
        to_bcd(t.day()),
        to_bcd(t.hour()),
        to_bcd(t.minute()),
        to_bcd(t.second()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcd_time_round_trip_and_rejects() {
        let t = bcd_time_decode([0x24, 0x05, 0x01, 0x08, 0x30, 0x00], BEIJING, "t").unwrap();
        assert_eq!(t.unix_timestamp(), 1_714_523_400); // 2024-05-01T00:30:00Z
        assert_eq!(
            bcd_time_encode(t, BEIJING, "t").unwrap(),
            [0x24, 0x05, 0x01, 0x08, 0x30, 0x00]
        );
        assert!(matches!(
            bcd_time_decode([0x24, 0x13, 0x01, 0, 0, 0], BEIJING, "t"),
            Err(Error::InvalidTime { .. })
        ));
        assert!(matches!(
            bcd_time_decode([0x24, 0x1a, 0x01, 0, 0, 0], BEIJING, "t"),
            Err(Error::InvalidBcd { .. })
        ));
        assert!(matches!(
            bcd_time_decode([0x23, 0x02, 0x29, 0, 0, 0], BEIJING, "t"),
            Err(Error::InvalidTime { .. })
        ));
    }

    #[test]
    fn gbk_strict() {
        let mut out = Vec::new();
        gbk_encode("粤A12345", "p", &mut out).unwrap();
        assert_eq!(out, [0xD4, 0xC1, 0x41, 0x31, 0x32, 0x33, 0x34, 0x35]);
        assert_eq!(gbk_decode(&out, "p").unwrap(), "粤A12345");
        assert!(gbk_decode(&[0xD4], "p").is_err());
        // Decodable, but not back to the same bytes.
        assert!(gbk_decode(&[0xA3, 0xA0], "p").is_err());
        assert!(gbk_decode(&[0xA2, 0xE3], "p").is_err());
        assert!(gbk_decode(&[0x81, 0x30, 0x81, 0x30], "p").is_err()); // GB18030 4-byte
        assert_eq!(gbk_decode(&[0x80], "p").unwrap(), "€");
        assert!(gbk_encode("🚗", "p", &mut out).is_err());
        let mut fixed = Vec::new();
        assert!(fixed_text_encode("toolong", 3, "f", &mut fixed).is_err());
        assert!(fixed.is_empty());
        fixed_text_encode("ab", 4, "f", &mut fixed).unwrap();
        assert_eq!(fixed, b"ab\0\0");
        assert_eq!(fixed_text_decode(&fixed, "f").unwrap(), "ab");
    }
}
