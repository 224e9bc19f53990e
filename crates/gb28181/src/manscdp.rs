//! MANSCDP (GB/T 28181 Annex A): the XML bodies of `MESSAGE` and `NOTIFY` —
//! keepalive, catalog, device info, device status and alarm — parsed and built.
//!
//! [`Document::parse`] reads GB2312/GBK/GB18030 (decoded with `encoding_rs`) or UTF-8 bodies,
//! refuses any `DOCTYPE` (so no DTD, no external or custom entities), and is bounded by
//! [`ParseOptions`]. Command types this crate does not model come back as
//! [`Document::Other`] with the element tree, so nothing is lost. [`Document::encode`]
//! writes the body in GB2312 (the standard's charset) or UTF-8.
//!
//! ```
//! use zhicheng_gb28181::manscdp::{Charset, Document, Health, Keepalive};
//! let body = b"<?xml version=\"1.0\" encoding=\"GB2312\"?>\n<Notify>\n<CmdType>Keepalive</CmdType>\n\
//! <SN>2</SN>\n<DeviceID>34020000001320000001</DeviceID>\n<Status>OK</Status>\n</Notify>\n";
//! let Document::Keepalive(k) = Document::parse(body).unwrap() else { panic!() };
//! assert_eq!((k.sn, k.status), (2, Health::Ok));
//! let again = Document::Keepalive(k.clone()).encode(Charset::Gb2312);
//! assert_eq!(Document::parse(&again).unwrap(), Document::Keepalive(k));
//! ```

mod catalog;
mod device;
mod xml;

use std::fmt;
use std::str::FromStr;

pub use catalog::{CatalogAssembly, CatalogItem, CatalogResponse};
pub use device::{Alarm, AlarmInputStatus, DeviceInfo, DeviceStatus, Keepalive, Query};
pub use xml::Element;

use crate::error::{clip, Error, Result};

/// The default keepalive interval, GB/T 28181-2016 §9.6.1 (both sides must agree).
pub const KEEPALIVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// The default number of missed keepalives after which a device is offline (§9.6.1).
pub const KEEPALIVE_TIMEOUT_COUNT: u32 = 3;

/// Bounds and charset policy for reading MANSCDP bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Body bytes (default 256 KiB).
    pub max_body: usize,
    /// Element nesting depth (default 16; MANSCDP needs about 5).
    pub max_depth: usize,
    /// Elements in the document (default 50 000).
    pub max_elements: usize,
    /// Items in one list, e.g. catalog `<Item>`s in one message (default 2 000).
    pub max_items: usize,
    /// Read a body that declares GB2312 (or GBK/GB18030) but is valid UTF-8 as UTF-8
    /// (default `false`). Some devices mislabel UTF-8 bodies as GB2312; but short Chinese
    /// text in real GBK is valid UTF-8 surprisingly often (one common level-1 hanzi such as
    /// `0xC3 0xA9`, 茅, is also UTF-8 é), so guessing would corrupt correct bodies. Turn it on per device
    /// when a device is known to mislabel. (Bodies declared UTF-8, or with no declaration,
    /// that are not valid UTF-8 are always read as GBK: that fallback cannot misread.)
    pub gb2312_may_be_utf8: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_body: 256 * 1024,
            max_depth: 16,
            max_elements: 50_000,
            max_items: 2_000,
            gb2312_may_be_utf8: false,
        }
    }
}

/// The charset a body is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    /// `GB2312` as the standard says (written with the GBK encoder, its superset; characters
    /// outside GBK become character references).
    Gb2312,
    /// `UTF-8`.
    Utf8,
}

impl Charset {
    /// The `encoding` label of the XML declaration.
    pub fn label(self) -> &'static str {
        match self {
            Charset::Gb2312 => "GB2312",
            Charset::Utf8 => "UTF-8",
        }
    }
}

/// The root element: what kind of command a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Root {
    /// `<Query>`: a request for information.
    Query,
    /// `<Control>`: a device control command.
    Control,
    /// `<Response>`: the answer to a query or control.
    Response,
    /// `<Notify>`: an unsolicited notification.
    Notify,
}

impl Root {
    /// The element name.
    pub fn as_str(self) -> &'static str {
        match self {
            Root::Query => "Query",
            Root::Control => "Control",
            Root::Response => "Response",
            Root::Notify => "Notify",
        }
    }

    fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "Query" => Root::Query,
            "Control" => Root::Control,
            "Response" => Root::Response,
            "Notify" => Root::Notify,
            other => {
                return Err(Error::InvalidValue {
                    element: clip(other, 40),
                    reason: "root must be Query, Control, Response or Notify".into(),
                })
            }
        })
    }
}

/// `OK` / `ERROR`, as in keepalive `Status` and the `Result` of responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Health {
    /// `OK`.
    Ok,
    /// `ERROR`.
    Error,
}

impl FromStr for Health {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        if s.eq_ignore_ascii_case("OK") {
            Ok(Health::Ok)
        } else if s.eq_ignore_ascii_case("ERROR") {
            Ok(Health::Error)
        } else {
            Err(())
        }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Health::Ok => "OK",
            Health::Error => "ERROR",
        })
    }
}

/// On/off and online/offline. Reading accepts `ON`, `OFF`, `ONLINE` and `OFFLINE` in any
/// case (devices mix them up); writing uses `ON`/`OFF`, except DeviceStatus `Online` which
/// is written `ONLINE`/`OFFLINE` as the standard spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnOff {
    /// `ON` / `ONLINE`.
    On,
    /// `OFF` / `OFFLINE`.
    Off,
}

impl FromStr for OnOff {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        if s.eq_ignore_ascii_case("ON") || s.eq_ignore_ascii_case("ONLINE") {
            Ok(OnOff::On)
        } else if s.eq_ignore_ascii_case("OFF") || s.eq_ignore_ascii_case("OFFLINE") {
            Ok(OnOff::Off)
        } else {
            Err(())
        }
    }
}

impl fmt::Display for OnOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OnOff::On => "ON",
            OnOff::Off => "OFF",
        })
    }
}

/// A command type this crate does not model (RecordInfo, DeviceControl, MediaStatus…),
/// with the whole element tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generic {
    /// The root kind.
    pub root: Root,
    /// `CmdType`.
    pub cmd_type: String,
    /// `SN`.
    pub sn: u32,
    /// `DeviceID`.
    pub device_id: String,
    /// The root element, all children included.
    pub element: Element,
}

/// A MANSCDP document.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Document {
    /// `<Notify>` `Keepalive`: device → platform heartbeat.
    Keepalive(Keepalive),
    /// `<Query>` `Catalog`: platform asks a device (or lower platform) for its channels.
    CatalogQuery(Query),
    /// `<Response>` `Catalog`: one page of the answer.
    Catalog(CatalogResponse),
    /// `<Notify>` `Catalog`: a subscription update (items usually carry `<Event>`).
    CatalogNotify(CatalogResponse),
    /// `<Query>` `DeviceInfo`.
    DeviceInfoQuery(Query),
    /// `<Response>` `DeviceInfo`.
    DeviceInfo(DeviceInfo),
    /// `<Query>` `DeviceStatus`.
    DeviceStatusQuery(Query),
    /// `<Response>` `DeviceStatus`.
    DeviceStatus(DeviceStatus),
    /// `<Notify>` `Alarm`: device → platform alarm.
    Alarm(Alarm),
    /// Anything else, kept as a tree.
    Other(Generic),
}

impl Document {
    /// Reads a body with the default [`ParseOptions`].
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        Self::parse_with(bytes, &ParseOptions::default())
    }

    /// Reads a body.
    pub fn parse_with(bytes: &[u8], opts: &ParseOptions) -> Result<Self> {
        let root = xml::read(bytes, opts)?;
        Self::from_element(root, opts)
    }

    /// Interprets an element tree (the root element).
    pub fn from_element(el: Element, opts: &ParseOptions) -> Result<Self> {
        let root = Root::parse(&el.name)?;
        let cmd = required(&el, "CmdType")?;
        Ok(match (root, cmd) {
            (Root::Notify, "Keepalive") => Document::Keepalive(Keepalive::from_element(&el)?),
            (Root::Query, "Catalog") => Document::CatalogQuery(Query::from_element(&el)?),
            (Root::Response, "Catalog") => {
                Document::Catalog(CatalogResponse::from_element(&el, opts)?)
            }
            (Root::Notify, "Catalog") => {
                Document::CatalogNotify(CatalogResponse::from_element(&el, opts)?)
            }
            (Root::Query, "DeviceInfo") => Document::DeviceInfoQuery(Query::from_element(&el)?),
            (Root::Response, "DeviceInfo") => Document::DeviceInfo(DeviceInfo::from_element(&el)?),
            (Root::Query, "DeviceStatus") => Document::DeviceStatusQuery(Query::from_element(&el)?),
            (Root::Response, "DeviceStatus") => {
                Document::DeviceStatus(DeviceStatus::from_element(&el, opts)?)
            }
            (Root::Notify, "Alarm") => Document::Alarm(Alarm::from_element(&el)?),
            _ => Document::Other(Generic {
                root,
                cmd_type: cmd.to_owned(),
                sn: number(&el, "SN")?.ok_or(Error::MissingElement("SN"))?,
                device_id: required(&el, "DeviceID")?.to_owned(),
                element: el,
            }),
        })
    }

    /// The root kind.
    pub fn root(&self) -> Root {
        match self {
            Document::Keepalive(_) | Document::CatalogNotify(_) | Document::Alarm(_) => {
                Root::Notify
            }
            Document::CatalogQuery(_)
            | Document::DeviceInfoQuery(_)
            | Document::DeviceStatusQuery(_) => Root::Query,
            Document::Catalog(_) | Document::DeviceInfo(_) | Document::DeviceStatus(_) => {
                Root::Response
            }
            Document::Other(g) => g.root,
        }
    }

    /// `CmdType`.
    pub fn cmd_type(&self) -> &str {
        match self {
            Document::Keepalive(_) => "Keepalive",
            Document::CatalogQuery(_) | Document::Catalog(_) | Document::CatalogNotify(_) => {
                "Catalog"
            }
            Document::DeviceInfoQuery(_) | Document::DeviceInfo(_) => "DeviceInfo",
            Document::DeviceStatusQuery(_) | Document::DeviceStatus(_) => "DeviceStatus",
            Document::Alarm(_) => "Alarm",
            Document::Other(g) => &g.cmd_type,
        }
    }

    /// `SN`: a response echoes the SN of its query.
    pub fn sn(&self) -> u32 {
        match self {
            Document::Keepalive(d) => d.sn,
            Document::CatalogQuery(d)
            | Document::DeviceInfoQuery(d)
            | Document::DeviceStatusQuery(d) => d.sn,
            Document::Catalog(d) | Document::CatalogNotify(d) => d.sn,
            Document::DeviceInfo(d) => d.sn,
            Document::DeviceStatus(d) => d.sn,
            Document::Alarm(d) => d.sn,
            Document::Other(d) => d.sn,
        }
    }

    /// `DeviceID` of the document (the sender for notifications and responses, the target
    /// for queries).
    pub fn device_id(&self) -> &str {
        match self {
            Document::Keepalive(d) => &d.device_id,
            Document::CatalogQuery(d)
            | Document::DeviceInfoQuery(d)
            | Document::DeviceStatusQuery(d) => &d.device_id,
            Document::Catalog(d) | Document::CatalogNotify(d) => &d.device_id,
            Document::DeviceInfo(d) => &d.device_id,
            Document::DeviceStatus(d) => &d.device_id,
            Document::Alarm(d) => &d.device_id,
            Document::Other(d) => &d.device_id,
        }
    }

    /// The element tree of this document.
    pub fn to_element(&self) -> Element {
        let (root, cmd) = (self.root(), self.cmd_type());
        let mut el = match self {
            Document::Keepalive(d) => d.to_element(),
            Document::CatalogQuery(d)
            | Document::DeviceInfoQuery(d)
            | Document::DeviceStatusQuery(d) => d.to_element(cmd),
            Document::Catalog(d) | Document::CatalogNotify(d) => d.to_element(),
            Document::DeviceInfo(d) => d.to_element(),
            Document::DeviceStatus(d) => d.to_element(),
            Document::Alarm(d) => d.to_element(),
            Document::Other(g) => return g.element.clone(),
        };
        el.name = root.as_str().to_owned();
        el
    }

    /// The body bytes with the XML declaration, one element per line (CRLF).
    pub fn encode(&self, charset: Charset) -> Vec<u8> {
        xml::encode(&self.to_element(), charset)
    }
}

/// The common head of every document: `CmdType`, `SN`, `DeviceID`.
pub(crate) fn head(cmd: &str, sn: u32, device_id: &str) -> Element {
    let mut el = Element::new("");
    el.children.push(Element::leaf("CmdType", cmd));
    el.children.push(Element::leaf("SN", sn.to_string()));
    el.children.push(Element::leaf("DeviceID", device_id));
    el
}

pub(crate) fn required<'a>(el: &'a Element, name: &'static str) -> Result<&'a str> {
    el.child_text(name).ok_or(Error::MissingElement(name))
}

pub(crate) fn text(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).map(str::to_owned)
}

pub(crate) fn invalid(name: &str, reason: impl Into<String>) -> Error {
    Error::InvalidValue {
        element: clip(name, 40),
        reason: reason.into(),
    }
}

pub(crate) fn number<T: FromStr>(el: &Element, name: &str) -> Result<Option<T>> {
    el.child_text(name)
        .map(|t| {
            t.parse()
                .map_err(|_| invalid(name, format!("{:?} is not a number", clip(t, 40))))
        })
        .transpose()
}

pub(crate) fn float(el: &Element, name: &str) -> Result<Option<f64>> {
    match number::<f64>(el, name)? {
        Some(v) if !v.is_finite() => Err(invalid(name, "not a finite number")),
        v => Ok(v),
    }
}

pub(crate) fn parsed<T: FromStr>(el: &Element, name: &str, what: &str) -> Result<Option<T>> {
    el.child_text(name)
        .map(|t| {
            t.parse()
                .map_err(|_| invalid(name, format!("{:?} is not {what}", clip(t, 40))))
        })
        .transpose()
}

/// Children not in `known`, kept so that re-encoding loses nothing.
pub(crate) fn extras(el: &Element, known: &[&str]) -> Vec<Element> {
    el.children
        .iter()
        .filter(|c| !known.contains(&c.name.as_str()))
        .cloned()
        .collect()
}

pub(crate) fn push_opt(el: &mut Element, name: &str, value: Option<impl fmt::Display>) {
    if let Some(v) = value {
        el.children.push(Element::leaf(name, v.to_string()));
    }
}
