//! GB/T 28181 (the public-security video network standard, 2016 and 2022): SIP messages,
//! digest authentication, MANSCDP XML bodies and the 20-digit device ID.
//!
//! This crate is pure: no I/O, no async, no database. A SIP server (registration, keepalive
//! tracking, catalog sync, INVITE for live video) is built on top of it:
//!
//! * [`sip`] — requests and responses, typed headers, a datagram decoder and a bounded
//!   stream decoder for TCP;
//! * [`auth`] — the digest challenge/response of REGISTER, both sides;
//! * [`manscdp`] — Keepalive, Catalog, DeviceInfo, DeviceStatus and Alarm documents in
//!   GB2312 or UTF-8, with DOCTYPE refused and sizes bounded;
//! * [`id`] — the `CCCCCCCC II TTT N SSSSSS` device ID.
//!
//! Every decoder of untrusted bytes is bounded, returns [`Error`] instead of panicking, and
//! has a `cargo fuzz` target under `fuzz/`.
//!
//! ```
//! use zhicheng_gb28181::auth::{Challenge, Credentials};
//! use zhicheng_gb28181::manscdp::{Charset, Document, Keepalive};
//! use zhicheng_gb28181::sip::{Message, Method, Request, Response, Uri, MANSCDP_XML};
//! use zhicheng_gb28181::DeviceId;
//!
//! // A camera's keepalive arrives…
//! let body = Document::Keepalive(Keepalive::new(2, "34020000001320000001")).encode(Charset::Gb2312);
//! let wire = Request::new(Method::Message, "sip:34020000002000000001@3402000000".parse().unwrap())
//!     .with_header("Via", "SIP/2.0/UDP 192.168.2.64:5060;rport;branch=z9hG4bK741568174")
//!     .with_header("From", "<sip:34020000001320000001@3402000000>;tag=790237397")
//!     .with_header("To", "<sip:34020000002000000001@3402000000>")
//!     .with_header("Call-ID", "282416456")
//!     .with_header("CSeq", "20 MESSAGE")
//!     .with_body(MANSCDP_XML, body)
//!     .encode();
//!
//! // …and the platform reads it and answers 200 OK.
//! let Message::Request(req) = Message::parse(&wire).unwrap() else { unreachable!() };
//! assert!(req.headers.is_manscdp());
//! let doc = Document::parse(&req.body).unwrap();
//! let sender = DeviceId::parse(doc.device_id()).unwrap();
//! assert_eq!(sender.type_code(), 132); // an IPC
//! let ok = Response::for_request(&req, 200).encode();
//! assert!(ok.starts_with(b"SIP/2.0 200 OK\r\n"));
//! ```

#![warn(missing_docs)]

pub mod auth;
mod error;
pub mod id;
pub mod manscdp;
pub mod sip;

pub use error::{Error, Result};
pub use id::{DeviceId, DeviceType, IdClass};
