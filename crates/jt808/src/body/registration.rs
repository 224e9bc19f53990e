//! 0x0100 registration, 0x8100 registration response, 0x0102 authentication.

use super::Edition;
use crate::error::{Error, Result};
use crate::wire::{fixed_text_decode, fixed_text_encode, gbk_decode, gbk_encode, put_u16, Reader};

/// Body of 0x0100 terminal registration.
///
/// Fixed-width text fields lose their trailing 0x00 padding when decoded and get it back when
/// encoded. Leading ASCII `'0'` padding (seen from some 2019 terminals) is kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Registration {
    /// Which field widths this body uses.
    pub edition: Edition,
    /// Province ID: the first 2 digits of the GB/T 2260 code.
    pub province: u16,
    /// City/county ID: the last 4 digits of the GB/T 2260 code.
    pub city: u16,
    /// Manufacturer ID (5 bytes; 11 in 2019).
    pub manufacturer: String,
    /// Terminal model (8 bytes in 2011, 20 in 2013, 30 in 2019).
    pub model: String,
    /// Terminal ID (7 bytes; 30 in 2019).
    pub terminal_id: String,
    /// Plate colour (JT/T 697.7: 1 blue, 2 yellow, 3 black, 4 white, 5 green, 9 other);
    /// 0 means unplated, and then `plate` carries the VIN.
    pub plate_color: u8,
    /// Plate number (GBK), or the VIN when `plate_color` is 0.
    pub plate: String,
}

impl Registration {
    /// Field widths (maker, model, terminal ID) for an edition.
    pub fn widths(edition: Edition) -> (usize, usize, usize) {
        match edition {
            Edition::V2011 => (5, 8, 7),
            Edition::V2013 => (5, 20, 7),
            Edition::V2019 => (11, 30, 30),
        }
    }

    pub(crate) fn decode(bytes: &[u8], edition: Edition) -> Result<Self> {
        let (wm, wt, wi) = Self::widths(edition);
        let mut r = Reader::new(bytes);
        Ok(Registration {
            edition,
            province: r.u16("province")?,
            city: r.u16("city")?,
            manufacturer: fixed_text_decode(r.take(wm, "manufacturer")?, "manufacturer")?,
            model: fixed_text_decode(r.take(wt, "model")?, "model")?,
            terminal_id: fixed_text_decode(r.take(wi, "terminal_id")?, "terminal_id")?,
            plate_color: r.u8("plate_color")?,
            plate: gbk_decode(r.rest(), "plate")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let (wm, wt, wi) = Self::widths(self.edition);
        put_u16(out, self.province);
        put_u16(out, self.city);
        fixed_text_encode(&self.manufacturer, wm, "manufacturer", out)?;
        fixed_text_encode(&self.model, wt, "model", out)?;
        fixed_text_encode(&self.terminal_id, wi, "terminal_id", out)?;
        out.push(self.plate_color);
        gbk_encode(&self.plate, "plate", out)
    }
}

/// Result of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationResult {
    /// 0: success (an auth code follows).
    Success,
    /// 1: the vehicle is already registered.
    VehicleRegistered,
    /// 2: the vehicle is not in the database.
    VehicleUnknown,
    /// 3: the terminal is already registered.
    TerminalRegistered,
    /// 4: the terminal is not in the database.
    TerminalUnknown,
    /// Any other value, kept as received.
    Other(u8),
}

impl From<u8> for RegistrationResult {
    fn from(b: u8) -> Self {
        match b {
            0 => RegistrationResult::Success,
            1 => RegistrationResult::VehicleRegistered,
            2 => RegistrationResult::VehicleUnknown,
            3 => RegistrationResult::TerminalRegistered,
            4 => RegistrationResult::TerminalUnknown,
            b => RegistrationResult::Other(b),
        }
    }
}

impl From<RegistrationResult> for u8 {
    fn from(r: RegistrationResult) -> u8 {
        match r {
            RegistrationResult::Success => 0,
            RegistrationResult::VehicleRegistered => 1,
            RegistrationResult::VehicleUnknown => 2,
            RegistrationResult::TerminalRegistered => 3,
            RegistrationResult::TerminalUnknown => 4,
            RegistrationResult::Other(b) => b,
        }
    }
}

/// Body of 0x8100 registration response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistrationResponse {
    /// Serial number of the 0x0100 being answered.
    pub serial: u16,
    /// The result.
    pub result: RegistrationResult,
    /// Auth code (GBK, rest of body). The standard sends it only on success; decoding takes
    /// whatever follows the result byte (`None` when nothing does), whatever the result.
    pub auth_code: Option<String>,
}

impl RegistrationResponse {
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let serial = r.u16("serial")?;
        let result = r.u8("result")?.into();
        let rest = r.rest();
        let auth_code = if rest.is_empty() {
            None
        } else {
            Some(gbk_decode(rest, "auth_code")?)
        };
        Ok(RegistrationResponse {
            serial,
            result,
            auth_code,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        put_u16(out, self.serial);
        out.push(self.result.into());
        if let Some(code) = &self.auth_code {
            gbk_encode(code, "auth_code", out)?;
        }
        Ok(())
    }
}

/// The fields 2019 adds to 0x0102.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthExtension {
    /// Terminal IMEI (`BYTE[15]`).
    pub imei: String,
    /// Software version (`BYTE[20]`, right-padded with 0x00).
    ///
    /// The EMQX guide describes a length byte instead; the fixed 20 bytes follow two
    /// independent codecs and their test frames (standards.md §1.8).
    pub software_version: String,
}

/// Body of 0x0102 terminal authentication.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Authentication {
    /// The auth code from 0x8100.
    pub auth_code: String,
    /// IMEI and software version: present under a 2019 header, absent in 2011/2013.
    pub extension: Option<AuthExtension>,
}

impl Authentication {
    pub(crate) fn decode(bytes: &[u8], v2019: bool) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if !v2019 {
            return Ok(Authentication {
                auth_code: gbk_decode(r.rest(), "auth_code")?,
                extension: None,
            });
        }
        let n = r.u8("auth_code_len")?;
        let auth_code = gbk_decode(r.take(usize::from(n), "auth_code")?, "auth_code")?;
        let imei = fixed_text_decode(r.take(15, "imei")?, "imei")?;
        let software_version =
            fixed_text_decode(r.take(20, "software_version")?, "software_version")?;
        r.finish()?;
        Ok(Authentication {
            auth_code,
            extension: Some(AuthExtension {
                imei,
                software_version,
            }),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let Some(ext) = &self.extension else {
            return gbk_encode(&self.auth_code, "auth_code", out);
        };
        let at = out.len();
        out.push(0);
        gbk_encode(&self.auth_code, "auth_code", out)?;
        let n = out.len() - at - 1;
        out[at] = u8::try_from(n).map_err(|_| Error::FieldTooLong {
            field: "auth_code",
            len: n,
            max: 255,
        })?;
        fixed_text_encode(&ext.imei, 15, "imei", out)?;
        fixed_text_encode(&ext.software_version, 20, "software_version", out)
    }
}
