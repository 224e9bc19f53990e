//! 0x8300 text message.

use crate::error::Result;
use crate::wire::{gbk_decode, gbk_encode, Reader};

bitflags::bitflags! {
    /// The flag byte of 0x8300. Unnamed bits are kept as received.
    ///
    /// Bits 2, 3 and 5 mean the same in 2013 and 2019. In 2019, bits 0–1 are read by some
    /// implementations as a two-bit priority (01 service, 10 emergency, 11 notice) rather than
    /// the 2013 emergency bit; both are carried through unchanged.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct TextFlags: u8 {
        /// Bit 0: emergency (2013).
        const EMERGENCY = 1 << 0;
        /// Bit 1: reserved in 2013 (see the type's note for 2019).
        const BIT1 = 1 << 1;
        /// Bit 2: show on the terminal display.
        const DISPLAY = 1 << 2;
        /// Bit 3: read out by the terminal TTS.
        const TTS = 1 << 3;
        /// Bit 4: show on the advertising screen (2013; reserved in 2019).
        const AD_SCREEN = 1 << 4;
        /// Bit 5: 0 = centre navigation information, 1 = CAN fault code information.
        const CAN_FAULT = 1 << 5;
    }
}

/// Body of 0x8300 text message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextMessage {
    /// The flag byte.
    pub flags: TextFlags,
    /// 2019 text type byte (1 notice, 2 service); present under a 2019 header only.
    pub text_type: Option<u8>,
    /// The text (GBK, rest of body).
    pub text: String,
}

impl TextMessage {
    pub(crate) fn decode(bytes: &[u8], v2019: bool) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = TextFlags::from_bits_retain(r.u8("flags")?);
        let text_type = if v2019 {
            Some(r.u8("text_type")?)
        } else {
            None
        };
        Ok(TextMessage {
            flags,
            text_type,
            text: gbk_decode(r.rest(), "text")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.push(self.flags.bits());
        if let Some(t) = self.text_type {
            out.push(t);
        }
        gbk_encode(&self.text, "text", out)
    }
}
