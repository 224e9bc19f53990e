//! JT/T 808 (道路运输车辆卫星定位系统 终端通讯协议), the protocol vehicle terminals speak to
//! the platform over TCP: the 2011/2013 and 2019 editions.
//!
//! This crate is pure: no I/O, no async, no clock. It turns bytes into typed messages and
//! back, byte for byte:
//!
//! - [`frame`]: flags, escaping, XOR checksum, both header editions ([`decode_frame`],
//!   [`encode_frame`], [`Frame`], [`FrameRef`]);
//! - [`stream`]: [`StreamDecoder`] splits a TCP byte stream cut anywhere into frames with a
//!   bounded buffer, reporting every bad frame with a [`FrameError`] and carrying on;
//! - [`reassembly`]: [`Reassembler`] joins sub-packaged messages within a memory bound and a
//!   timeout on a clock the caller supplies;
//! - [`body`]: typed bodies ([`Body`], [`Message`]) for registration, authentication,
//!   general responses, location reports (all alarm/status bits named, additional items
//!   typed), batch upload, parameters, text, server time.
//!
//! ```
//! use zhicheng_jt808::{Body, Message, Phone, StreamDecoder, Version, GeneralResponse, ResultCode};
//!
//! // A terminal sends a location report (standards.md §1.13).
//! let wire = hex("7E020000280139123456780003000000000000000301CDF26607296C0E000C025D005A24050108300001040001E24030011F31010CAB7E");
//! let mut decoder = StreamDecoder::new();
//! decoder.push(&wire);
//! let frame = decoder.next_frame().expect("one frame").expect("valid");
//! let msg = Message::decode(frame.as_ref())?;
//! let Body::Location(loc) = &msg.body else { unreachable!() };
//! assert_eq!((loc.latitude(), loc.longitude()), (30.27415, 120.15515));
//! assert_eq!(loc.time.unwrap().to_string(), "2024-05-01 8:30:00.0 +08:00:00");
//!
//! // The platform acknowledges it with 0x8001.
//! let ack = Message::new(
//!     Body::PlatformResponse(GeneralResponse {
//!         serial: msg.header.serial,
//!         msg_id: msg.header.msg_id,
//!         result: ResultCode::Success,
//!     }),
//!     Version::V2013,
//!     msg.header.phone,
//!     2,
//! );
//! assert_eq!(ack.to_bytes()?, hex("7E8001000501391234567800020003020000B77E"));
//! # fn hex(s: &str) -> Vec<u8> {
//! #     (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
//! # }
//! # Ok::<(), zhicheng_jt808::Error>(())
//! ```
//!
//! Where the standard (or its implementations) disagree, the choice is documented on the item
//! concerned: 0x0100 2011-vs-2013 detection ([`LegacyRegistration`]), the 0x0102 2019
//! software-version field ([`AuthExtension`]), the 0x06 temperature ([`TemperatureFormat`]),
//! all-zero location times ([`Location::time`]), 0x8004 in UTC ([`Body::ServerTime`]).

#![warn(missing_docs)]

pub mod body;
pub mod error;
pub mod frame;
#[doc(hidden)]
pub mod fuzzing;
pub mod reassembly;
pub mod stream;
pub mod wire;

pub use body::{
    msg_id, AlarmFlags, AuthExtension, Authentication, BatchLocation, Body, DecodeOptions, Edition,
    GeneralResponse, LegacyRegistration, Load, Location, LocationItem, LocationResponse, Message,
    Param, ParamsResponse, Registration, RegistrationResponse, RegistrationResult, ResultCode,
    StatusFlags, TemperatureFormat, TextFlags, TextMessage,
};
pub use error::{Error, FrameError, FrameErrorKind, Result};
pub use frame::{
    checksum, decode_frame, encode_frame, fragment, parse_frame, Frame, FrameRef, Header, Package,
    Phone, Version,
};
pub use reassembly::{Expired, MessageKey, Reassembler, ReassemblyConfig, ReassemblyError};
pub use stream::{StreamConfig, StreamDecoder};
