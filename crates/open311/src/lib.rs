//! The Open311 GeoReport v2 wire format, as pure code: no server, no database, no clock.
//! The web crate routes `/open311/v2/…` here and fetches from the case store.
//!
//! * [`resource`] — the resources: [`Service`], [`ServiceDefinition`] with its
//!   [`Attribute`]s, [`ServiceRequest`], [`PostResponse`], [`TokenResponse`], and
//!   [`Discovery`] (built by [`Discovery::georeport_v2`]).
//! * [`format`](mod@format) — [`Format`] (`.xml` required by the spec, `.json` optional; we serve both),
//!   taken from the resource's suffix by [`split_format`] / [`resource_format`].
//! * [`render`] — [`Render`]: every body in both formats as the spec shows them (XML with the
//!   prolog and the spec's root elements; JSON in the Spark convention, bare arrays).
//! * [`post`] — [`parse_post`] reads a form-urlencoded `POST /requests` body;
//!   [`validate_attributes`] checks its `attribute[CODE]`s against the definition.
//! * [`query`] — [`parse_requests_query`] reads `GET /requests?…` (comma lists, the 90-day
//!   window, `service_request_id` overriding the rest, our `page`/`page_size`).
//! * [`error`] — [`Open311Error`] and [`http_status`]: 404 not found (also an unknown
//!   jurisdiction), 403 a missing or invalid `api_key`, 400 anything else; several per body.
//! * [`datetime`] — W3C date-times: written in +08:00 from epoch ms, read in any zone.
//!
//! ```
//! use zhicheng_open311::{
//!     parse_post, split_format, Format, PostResponse, Receipt, Render, ServiceRequest, Status,
//! };
//!
//! let (resource, format) = split_format("requests.xml").unwrap();
//! assert_eq!((resource, format), ("requests", Format::Xml));
//!
//! let post = parse_post(b"api_key=k&service_code=LAMP&address_string=%E4%B8%AD%E5%B1%B1%E8%B7%AF+8%E5%8F%B7",
//!                       Some("application/x-www-form-urlencoded")).unwrap();
//! assert_eq!(post.location.address_string.as_deref(), Some("中山路 8号"));
//!
//! let receipt = [PostResponse {
//!     receipt: Receipt::ServiceRequestId("C-2026-0042".into()),
//!     service_notice: None,
//!     account_id: None,
//! }];
//! assert_eq!(receipt.render(Format::Json),
//!            r#"[{"service_request_id":"C-2026-0042","service_notice":null,"account_id":null}]"#);
//!
//! let request = ServiceRequest {
//!     service_request_id: "C-2026-0042".into(),
//!     status: Status::Open,
//!     status_notes: None,
//!     service_name: "路灯不亮".into(),
//!     service_code: "LAMP".into(),
//!     description: None,
//!     agency_responsible: None,
//!     service_notice: None,
//!     requested_datetime: 1_796_018_700_000,
//!     updated_datetime: None,
//!     expected_datetime: None,
//!     address: None,
//!     address_id: None,
//!     zipcode: None,
//!     lat: None,
//!     long: None,
//!     media_url: None,
//! };
//! let xml = [request].render(Format::Xml);
//! assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests>"));
//! assert!(xml.contains("<requested_datetime>2026-11-30T14:05:00+08:00</requested_datetime>"));
//! ```

#![warn(missing_docs)]

pub mod datetime;
pub mod discovery;
pub mod error;
pub mod format;
pub mod post;
pub mod query;
pub mod render;
pub mod resource;

pub use discovery::{Discovery, Endpoint, EndpointType, GEOREPORT_V2};
pub use error::{http_status, Open311Error};
pub use format::{resource_format, split_format, Format};
pub use post::{parse_post, validate_attributes, AttributeInput, Location, PostRequest};
pub use query::{parse_requests_query, Filter, RequestsQuery};
pub use render::Render;
pub use resource::{
    Attribute, AttributeValue, Datatype, PostResponse, Receipt, Service, ServiceDefinition,
    ServiceRequest, ServiceType, Status, TokenResponse,
};
