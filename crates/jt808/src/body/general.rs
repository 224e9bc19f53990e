//! 0x0001 / 0x8001 general responses.

use crate::error::Result;
use crate::wire::{put_u16, Reader};

/// Result byte of a general response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// 0: success / acknowledged.
    Success,
    /// 1: failure.
    Failure,
    /// 2: message error.
    MessageError,
    /// 3: not supported.
    NotSupported,
    /// 4: alarm handling confirmed (0x8001 only).
    AlarmConfirmed,
    /// Any other value, kept as received.
    Other(u8),
}

impl From<u8> for ResultCode {
    fn from(b: u8) -> Self {
        match b {
            0 => ResultCode::Success,
            1 => ResultCode::Failure,
            2 => ResultCode::MessageError,
            3 => ResultCode::NotSupported,
            4 => ResultCode::AlarmConfirmed,
            b => ResultCode::Other(b),
        }
    }
}

impl From<ResultCode> for u8 {
    fn from(r: ResultCode) -> u8 {
        match r {
            ResultCode::Success => 0,
            ResultCode::Failure => 1,
            ResultCode::MessageError => 2,
            ResultCode::NotSupported => 3,
            ResultCode::AlarmConfirmed => 4,
            ResultCode::Other(b) => b,
        }
    }
}

/// Body of 0x0001 (terminal general response) and 0x8001 (platform general response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneralResponse {
    /// Serial number of the message being answered.
    pub serial: u16,
    /// ID of the message being answered.
    pub msg_id: u16,
    /// The result.
    pub result: ResultCode,
}

impl GeneralResponse {
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let v = GeneralResponse {
            serial: r.u16("serial")?,
            msg_id: r.u16("msg_id")?,
            result: r.u8("result")?.into(),
        };
        r.finish()?;
        Ok(v)
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.serial);
        put_u16(out, self.msg_id);
        out.push(self.result.into());
    }
}
