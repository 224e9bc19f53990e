//! Message bodies, both directions: decode from a frame's body bytes and encode back to the
//! same bytes.
//!
//! [`Body::decode`] picks the layout from the message ID and the header [`Version`];
//! [`Message`] pairs a body with its header.

mod general;
mod location;
mod params;
mod registration;
mod text;

pub use general::{GeneralResponse, ResultCode};
pub use location::{
    AlarmFlags, BatchLocation, Load, Location, LocationItem, LocationResponse, StatusFlags,
    TemperatureFormat,
};
pub use params::{Param, ParamsResponse};
pub use registration::{
    AuthExtension, Authentication, Registration, RegistrationResponse, RegistrationResult,
};
pub use text::{TextFlags, TextMessage};

use time::{OffsetDateTime, UtcOffset};

use crate::error::Result;
use crate::frame::{encode_frame, FrameRef, Header, Version};
use crate::wire::{bcd_time_decode, bcd_time_encode, Reader};

/// Message IDs this crate decodes into typed bodies.
pub mod msg_id {
    /// 0x0001 terminal general response.
    pub const TERMINAL_RESPONSE: u16 = 0x0001;
    /// 0x8001 platform general response.
    pub const PLATFORM_RESPONSE: u16 = 0x8001;
    /// 0x0002 heartbeat.
    pub const HEARTBEAT: u16 = 0x0002;
    /// 0x0003 terminal logout.
    pub const LOGOUT: u16 = 0x0003;
    /// 0x0004 query server time (2019).
    pub const QUERY_SERVER_TIME: u16 = 0x0004;
    /// 0x8004 server time reply (2019).
    pub const SERVER_TIME: u16 = 0x8004;
    /// 0x0100 terminal registration.
    pub const REGISTRATION: u16 = 0x0100;
    /// 0x8100 registration response.
    pub const REGISTRATION_RESPONSE: u16 = 0x8100;
    /// 0x0102 terminal authentication.
    pub const AUTHENTICATION: u16 = 0x0102;
    /// 0x0200 location report.
    pub const LOCATION: u16 = 0x0200;
    /// 0x0704 batch location upload.
    pub const BATCH_LOCATION: u16 = 0x0704;
    /// 0x8201 location query.
    pub const QUERY_LOCATION: u16 = 0x8201;
    /// 0x0201 location query response.
    pub const LOCATION_RESPONSE: u16 = 0x0201;
    /// 0x8103 set terminal parameters.
    pub const SET_PARAMS: u16 = 0x8103;
    /// 0x8104 query all terminal parameters.
    pub const QUERY_PARAMS: u16 = 0x8104;
    /// 0x0104 terminal parameters reply.
    pub const PARAMS_RESPONSE: u16 = 0x0104;
    /// 0x8300 text message.
    pub const TEXT_MESSAGE: u16 = 0x8300;
}

/// The body layout edition, where it matters beyond the header (0x0100 field widths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edition {
    /// JT/T 808-2011: 8-byte terminal model.
    V2011,
    /// JT/T 808-2013: 20-byte terminal model.
    V2013,
    /// JT/T 808-2019: 11-byte maker, 30-byte model and terminal ID.
    V2019,
}

/// How to read a 2011/2013-header 0x0100 registration, whose layout the header does not tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LegacyRegistration {
    /// 2013 layout when the body has room for it (≥ 37 bytes), otherwise 2011. A 2011 body with
    /// a plate of 12 or more bytes would be misread; pick [`V2011`](Self::V2011) for such fleets.
    #[default]
    Auto,
    /// Always the 2011 layout.
    V2011,
    /// Always the 2013 layout.
    V2013,
}

/// Choices a decoder makes where the standard leaves room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DecodeOptions {
    /// Layout of 0x0100 under a 2011/2013 header.
    pub legacy_registration: LegacyRegistration,
}

/// A typed message body.
///
/// Variants for messages without a body (heartbeat, …) fail to decode if bytes are present,
/// so nothing is silently lost; IDs this crate does not know stay [`Body::Raw`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// 0x0001 terminal general response.
    TerminalResponse(GeneralResponse),
    /// 0x8001 platform general response.
    PlatformResponse(GeneralResponse),
    /// 0x0002 heartbeat (empty body).
    Heartbeat,
    /// 0x0003 terminal logout (empty body).
    Logout,
    /// 0x0004 query server time (empty body).
    QueryServerTime,
    /// 0x8004 server time reply: `BCD[6]` `YYMMDDhhmmss`, read as **UTC** (the 2019 text says
    /// UTC, unlike the Beijing-time location report).
    ServerTime(OffsetDateTime),
    /// 0x0100 terminal registration.
    Registration(Registration),
    /// 0x8100 registration response.
    RegistrationResponse(RegistrationResponse),
    /// 0x0102 authentication.
    Authentication(Authentication),
    /// 0x0200 location report.
    Location(Location),
    /// 0x0704 batch location upload.
    BatchLocation(BatchLocation),
    /// 0x8201 location query (empty body).
    QueryLocation,
    /// 0x0201 location query response.
    LocationResponse(LocationResponse),
    /// 0x8103 set terminal parameters.
    SetParams(Vec<Param>),
    /// 0x8104 query all terminal parameters (empty body).
    QueryParams,
    /// 0x0104 terminal parameters reply.
    ParamsResponse(ParamsResponse),
    /// 0x8300 text message.
    Text(TextMessage),
    /// Any other message, an encrypted body, or one packet of a sub-packaged message.
    Raw(Vec<u8>),
}

impl Body {
    /// Decodes `bytes` as the body of message `msg_id` under a `version` header.
    pub fn decode(
        msg_id: u16,
        version: Version,
        bytes: &[u8],
        options: &DecodeOptions,
    ) -> Result<Body> {
        use crate::body::msg_id as id;
        let empty = |b: Body| -> Result<Body> {
            Reader::new(bytes).finish()?;
            Ok(b)
        };
        Ok(match msg_id {
            id::TERMINAL_RESPONSE => Body::TerminalResponse(GeneralResponse::decode(bytes)?),
            id::PLATFORM_RESPONSE => Body::PlatformResponse(GeneralResponse::decode(bytes)?),
            id::HEARTBEAT => empty(Body::Heartbeat)?,
            id::LOGOUT => empty(Body::Logout)?,
            id::QUERY_SERVER_TIME => empty(Body::QueryServerTime)?,
            id::SERVER_TIME => {
                let mut r = Reader::new(bytes);
                let t = r.array("server_time")?;
                r.finish()?;
                Body::ServerTime(bcd_time_decode(t, UtcOffset::UTC, "server_time")?)
            }
            id::REGISTRATION => {
                let edition = match (version, options.legacy_registration) {
                    (Version::V2019 { .. }, _) => Edition::V2019,
                    (_, LegacyRegistration::V2011) => Edition::V2011,
                    (_, LegacyRegistration::V2013) => Edition::V2013,
                    (_, LegacyRegistration::Auto) if bytes.len() >= 37 => Edition::V2013,
                    (_, LegacyRegistration::Auto) => Edition::V2011,
                };
                Body::Registration(Registration::decode(bytes, edition)?)
            }
            id::REGISTRATION_RESPONSE => {
                Body::RegistrationResponse(RegistrationResponse::decode(bytes)?)
            }
            id::AUTHENTICATION => {
                Body::Authentication(Authentication::decode(bytes, version.is_2019())?)
            }
            id::LOCATION => Body::Location(Location::decode(bytes)?),
            id::BATCH_LOCATION => Body::BatchLocation(BatchLocation::decode(bytes)?),
            id::QUERY_LOCATION => empty(Body::QueryLocation)?,
            id::LOCATION_RESPONSE => Body::LocationResponse(LocationResponse::decode(bytes)?),
            id::SET_PARAMS => Body::SetParams(params::decode_set(bytes)?),
            id::QUERY_PARAMS => empty(Body::QueryParams)?,
            id::PARAMS_RESPONSE => Body::ParamsResponse(ParamsResponse::decode(bytes)?),
            id::TEXT_MESSAGE => Body::Text(TextMessage::decode(bytes, version.is_2019())?),
            _ => Body::Raw(bytes.to_vec()),
        })
    }

    /// The message ID this body belongs to (`None` for [`Body::Raw`]).
    pub fn msg_id(&self) -> Option<u16> {
        use crate::body::msg_id as id;
        Some(match self {
            Body::TerminalResponse(_) => id::TERMINAL_RESPONSE,
            Body::PlatformResponse(_) => id::PLATFORM_RESPONSE,
            Body::Heartbeat => id::HEARTBEAT,
            Body::Logout => id::LOGOUT,
            Body::QueryServerTime => id::QUERY_SERVER_TIME,
            Body::ServerTime(_) => id::SERVER_TIME,
            Body::Registration(_) => id::REGISTRATION,
            Body::RegistrationResponse(_) => id::REGISTRATION_RESPONSE,
            Body::Authentication(_) => id::AUTHENTICATION,
            Body::Location(_) => id::LOCATION,
            Body::BatchLocation(_) => id::BATCH_LOCATION,
            Body::QueryLocation => id::QUERY_LOCATION,
            Body::LocationResponse(_) => id::LOCATION_RESPONSE,
            Body::SetParams(_) => id::SET_PARAMS,
            Body::QueryParams => id::QUERY_PARAMS,
            Body::ParamsResponse(_) => id::PARAMS_RESPONSE,
            Body::Text(_) => id::TEXT_MESSAGE,
            Body::Raw(_) => return None,
        })
    }

    /// Appends the body bytes to `out`.
    ///
    /// The layout follows the value (a [`Registration`]'s `edition`, an [`Authentication`] with
    /// or without its 2019 extension, a [`TextMessage`] with or without a text type); keep it
    /// consistent with the header version you send it under.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Body::TerminalResponse(r) | Body::PlatformResponse(r) => r.encode(out),
            Body::Heartbeat
            | Body::Logout
            | Body::QueryServerTime
            | Body::QueryLocation
            | Body::QueryParams => {}
            Body::ServerTime(t) => {
                out.extend_from_slice(&bcd_time_encode(*t, UtcOffset::UTC, "server_time")?)
            }
            Body::Registration(r) => r.encode(out)?,
            Body::RegistrationResponse(r) => r.encode(out)?,
            Body::Authentication(a) => a.encode(out)?,
            Body::Location(l) => l.encode(out)?,
            Body::BatchLocation(b) => b.encode(out)?,
            Body::LocationResponse(r) => r.encode(out)?,
            Body::SetParams(p) => params::encode_list(p, out)?,
            Body::ParamsResponse(r) => r.encode(out)?,
            Body::Text(t) => t.encode(out)?,
            Body::Raw(b) => out.extend_from_slice(b),
        }
        Ok(())
    }

    /// The body bytes as a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }
}

/// A header with its decoded body.
///
/// ```
/// use zhicheng_jt808::{decode_frame, Body, Message};
///
/// let wire = hex("7E020000280139123456780003000000000000000301CDF26607296C0E000C025D005A24050108300001040001E24030011F31010CAB7E");
/// let mut scratch = Vec::new();
/// let msg = Message::decode(decode_frame(&wire, &mut scratch)?)?;
/// let Body::Location(loc) = &msg.body else { panic!("not a location") };
/// assert_eq!(msg.header.phone.as_str(), "13912345678");
/// assert_eq!(loc.latitude(), 30.27415);
/// assert_eq!(loc.speed_kmh(), 60.5);
/// assert_eq!(loc.mileage(), Some(123456)); // 0.1 km units
/// assert_eq!(msg.to_bytes()?, wire);
/// # fn hex(s: &str) -> Vec<u8> {
/// #     (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
/// # }
/// # Ok::<(), zhicheng_jt808::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The header. Its `msg_id` is overridden by the body's when encoding a typed body.
    pub header: Header,
    /// The body.
    pub body: Body,
}

impl Message {
    /// A message for `body` with a plain header (no encryption, not sub-packaged). The message
    /// ID comes from the body; for [`Body::Raw`] it is 0, so set `header.msg_id` yourself.
    pub fn new(body: Body, version: Version, phone: crate::Phone, serial: u16) -> Message {
        let msg_id = body.msg_id().unwrap_or(0);
        Message {
            header: Header::new(msg_id, version, phone, serial),
            body,
        }
    }

    /// Decodes the body of `frame` with the default [`DecodeOptions`].
    pub fn decode(frame: FrameRef<'_>) -> Result<Message> {
        Message::decode_with(frame, &DecodeOptions::default())
    }

    /// Decodes the body of `frame`. Encrypted bodies and packets of a message split into
    /// several stay [`Body::Raw`] (reassemble first, see [`crate::Reassembler`]).
    pub fn decode_with(frame: FrameRef<'_>, options: &DecodeOptions) -> Result<Message> {
        let h = frame.header;
        let split = h.package.is_some_and(|p| p.total > 1);
        let body = if h.encryption != 0 || split {
            Body::Raw(frame.body.to_vec())
        } else {
            Body::decode(h.msg_id, h.version, frame.body, options)?
        };
        Ok(Message { header: h, body })
    }

    /// Appends the wire form to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut header = self.header;
        if let Some(id) = self.body.msg_id() {
            header.msg_id = id;
        }
        let body = self.body.to_bytes()?;
        encode_frame(&header, &body, out)
    }

    /// The wire form as a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(64);
        self.encode(&mut out)?;
        Ok(out)
    }
}
