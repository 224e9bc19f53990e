//! Every response body in both formats.
//!
//! XML: the `<?xml version="1.0" encoding="utf-8"?>` prolog, then the spec's root element
//! (`<services>`, `<service_definition>`, `<service_requests>`, `<errors>`, `<discovery>`),
//! indented by two spaces; an absent value is an empty element (`<account_id/>`), except in a
//! service request, whose absent optional fields are left out. Characters that XML 1.0
//! cannot hold (control characters other than tab and line breaks) are dropped.
//!
//! JSON: the Spark convention, so list resources are bare arrays (`[{"code":403,…}]`) and the
//! service definition and discovery document are objects.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use crate::discovery::Discovery;
use crate::resource::{
    PostResponse, Receipt, Service, ServiceDefinition, ServiceRequest, TokenResponse,
};
use crate::{datetime, Format, Open311Error};

/// A response body that can be written in both formats.
pub trait Render {
    /// The JSON body.
    fn to_json(&self) -> String;
    /// The XML body, prolog included.
    fn to_xml(&self) -> String;
    /// The body in `format`.
    fn render(&self, format: Format) -> String {
        match format {
            Format::Json => self.to_json(),
            Format::Xml => self.to_xml(),
        }
    }
}

type W = Writer<Vec<u8>>;

/// Writes the prolog, lets `body` write the root, and returns the text.
fn xml_document(body: impl FnOnce(&mut W) -> io::Result<()>) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written = w
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
        .and_then(|()| body(&mut w));
    // Writing into a Vec cannot fail.
    debug_assert!(written.is_ok());
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

/// `<name>…</name>` holding `f`'s elements.
fn parent(w: &mut W, name: &str, f: impl FnOnce(&mut W) -> io::Result<()>) -> io::Result<()> {
    w.create_element(name).write_inner_content(f)?;
    Ok(())
}

/// `<name>` holding one element per item, written by `f`; `<name/>` when there is none.
fn list<T>(
    w: &mut W,
    name: &str,
    items: &[T],
    mut f: impl FnMut(&mut W, &T) -> io::Result<()>,
) -> io::Result<()> {
    if items.is_empty() {
        w.create_element(name).write_empty()?;
        return Ok(());
    }
    parent(w, name, |w| items.iter().try_for_each(|item| f(w, item)))
}

/// `<name>text</name>`, or `<name/>` for an empty text.
fn leaf(w: &mut W, name: &str, text: &str) -> io::Result<()> {
    let clean: String = text.chars().filter(|&c| xml_char(c)).collect();
    if clean.is_empty() {
        w.create_element(name).write_empty()?;
    } else {
        w.create_element(name)
            .write_text_content(BytesText::new(&clean))?;
    }
    Ok(())
}

fn leaf_opt(w: &mut W, name: &str, text: Option<&str>) -> io::Result<()> {
    leaf(w, name, text.unwrap_or(""))
}

/// A leaf only when there is a value.
fn leaf_some(w: &mut W, name: &str, text: Option<&str>) -> io::Result<()> {
    match text {
        Some(t) => leaf(w, name, t),
        None => Ok(()),
    }
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// A character XML 1.0 can carry.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Our types have string keys and finite-or-null numbers, so this cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

impl Render for [Service] {
    fn to_json(&self) -> String {
        json(self)
    }

    fn to_xml(&self) -> String {
        xml_document(|w| {
            list(w, "services", self, |w, s| {
                parent(w, "service", |w| {
                    leaf(w, "service_code", &s.service_code)?;
                    leaf(w, "service_name", &s.service_name)?;
                    leaf(w, "description", &s.description)?;
                    leaf(w, "metadata", bool_text(s.metadata))?;
                    leaf(w, "type", s.type_.as_str())?;
                    leaf(w, "keywords", &s.keywords.join(", "))?;
                    leaf(w, "group", &s.group)
                })
            })
        })
    }
}

impl Render for ServiceDefinition {
    fn to_json(&self) -> String {
        json(self)
    }

    fn to_xml(&self) -> String {
        xml_document(|w| {
            parent(w, "service_definition", |w| {
                leaf(w, "service_code", &self.service_code)?;
                list(w, "attributes", &self.attributes, |w, a| {
                    parent(w, "attribute", |w| {
                        leaf(w, "variable", bool_text(a.variable))?;
                        leaf(w, "code", &a.code)?;
                        leaf(w, "datatype", a.datatype.as_str())?;
                        leaf(w, "required", bool_text(a.required))?;
                        leaf_opt(w, "datatype_description", a.datatype_description.as_deref())?;
                        leaf(w, "order", &a.order.to_string())?;
                        leaf(w, "description", &a.description)?;
                        list(w, "values", &a.values, |w, v| {
                            parent(w, "value", |w| {
                                leaf(w, "key", &v.key)?;
                                leaf(w, "name", &v.name)
                            })
                        })
                    })
                })
            })
        })
    }
}

impl Render for [ServiceRequest] {
    fn to_json(&self) -> String {
        json(self)
    }

    fn to_xml(&self) -> String {
        let time = |ms: Option<i64>| ms.map(datetime::format);
        xml_document(|w| {
            list(w, "service_requests", self, |w, r| {
                parent(w, "request", |w| {
                    leaf(w, "service_request_id", &r.service_request_id)?;
                    leaf(w, "status", r.status.as_str())?;
                    leaf_some(w, "status_notes", r.status_notes.as_deref())?;
                    leaf(w, "service_name", &r.service_name)?;
                    leaf(w, "service_code", &r.service_code)?;
                    leaf_some(w, "description", r.description.as_deref())?;
                    leaf_some(w, "agency_responsible", r.agency_responsible.as_deref())?;
                    leaf_some(w, "service_notice", r.service_notice.as_deref())?;
                    leaf(
                        w,
                        "requested_datetime",
                        &datetime::format(r.requested_datetime),
                    )?;
                    leaf_some(w, "updated_datetime", time(r.updated_datetime).as_deref())?;
                    leaf_some(w, "expected_datetime", time(r.expected_datetime).as_deref())?;
                    leaf_some(w, "address", r.address.as_deref())?;
                    leaf_some(w, "address_id", r.address_id.as_deref())?;
                    leaf_some(w, "zipcode", r.zipcode.as_deref())?;
                    leaf_some(w, "lat", r.lat.map(|v| v.to_string()).as_deref())?;
                    leaf_some(w, "long", r.long.map(|v| v.to_string()).as_deref())?;
                    leaf_some(w, "media_url", r.media_url.as_deref())
                })
            })
        })
    }
}

impl Render for [PostResponse] {
    fn to_json(&self) -> String {
        json(self)
    }

    fn to_xml(&self) -> String {
        xml_document(|w| {
            list(w, "service_requests", self, |w, r| {
                parent(w, "request", |w| {
                    match &r.receipt {
                        Receipt::ServiceRequestId(id) => leaf(w, "service_request_id", id)?,
                        Receipt::Token(t) => leaf(w, "token", t)?,
                    }
                    leaf_opt(w, "service_notice", r.service_notice.as_deref())?;
                    leaf_opt(w, "account_id", r.account_id.as_deref())
                })
            })
        })
    }
}

impl Render for [TokenResponse] {
    fn to_json(&self) -> String {
        json(self)
    }

    fn to_xml(&self) -> String {
        xml_document(|w| {
            list(w, "service_requests", self, |w, r| {
                parent(w, "request", |w| {
                    leaf_opt(w, "service_request_id", r.service_request_id.as_deref())?;
                    leaf(w, "token", &r.token)
                })
            })
        })
    }
}

impl Render for [Open311Error] {
    fn to_json(&self) -> String {
        json(self)
    }

    fn to_xml(&self) -> String {
        xml_document(|w| {
            list(w, "errors", self, |w, e| {
                parent(w, "error", |w| {
                    leaf(w, "code", &e.code.to_string())?;
                    leaf(w, "description", &e.description)
                })
            })
        })
    }
}

impl Render for Discovery {
    fn to_json(&self) -> String {
        json(self)
    }

    fn to_xml(&self) -> String {
        xml_document(|w| {
            parent(w, "discovery", |w| {
                leaf(w, "changeset", &datetime::format(self.changeset))?;
                leaf(w, "contact", &self.contact)?;
                leaf(w, "key_service", &self.key_service)?;
                list(w, "endpoints", &self.endpoints, |w, e| {
                    parent(w, "endpoint", |w| {
                        leaf(w, "specification", &e.specification)?;
                        leaf(w, "url", &e.url)?;
                        leaf(w, "changeset", &datetime::format(e.changeset))?;
                        leaf(w, "type", e.type_.as_str())?;
                        list(w, "formats", &e.formats, |w, f| leaf(w, "format", f))
                    })
                })
            })
        })
    }
}
