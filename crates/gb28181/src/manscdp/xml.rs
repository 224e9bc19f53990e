//! A small, bounded XML element tree over quick-xml: no DTD, no custom entities.

use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{Charset, ParseOptions};
use crate::error::{clip, Error, Result};

/// An XML element: name, attributes, trimmed text and child elements.
///
/// Text of an element is its character data with leading and trailing whitespace removed
/// (MANSCDP is written one element per line; no field value keeps edge whitespace).
/// Comments and processing instructions are dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The element name.
    pub name: String,
    /// Attributes in document order, values unescaped.
    pub attrs: Vec<(String, String)>,
    /// The trimmed text content (empty when the element only has children).
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// An element with no attributes, text or children.
    pub fn new(name: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            ..Element::default()
        }
    }

    /// A leaf element with text.
    pub fn leaf(name: impl Into<String>, text: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            text: text.into(),
            ..Element::default()
        }
    }

    /// The first child of this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child of this name, `None` when absent or empty.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
    }

    /// Every child of this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// An attribute value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (n, v) in &self.attrs {
            let _ = write!(out, " {n}=\"{}\"", escape(v));
        }
        if self.children.is_empty() {
            if self.text.is_empty() {
                out.push_str("/>\r\n");
            } else {
                let _ = write!(out, ">{}</{}>\r\n", escape(&self.text), self.name);
            }
            return;
        }
        // Mixed content (rare): the text goes first, so that it reads back the same.
        let _ = write!(out, ">{}\r\n", escape(&self.text));
        for c in &self.children {
            c.write(out);
        }
        let _ = write!(out, "</{}>\r\n", self.name);
    }
}

/// Escapes text and attribute values (`&`, `<`, `>`, `"`, `'`).
pub(crate) fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// The document with its XML declaration, in the charset's bytes.
pub(crate) fn encode(root: &Element, charset: Charset) -> Vec<u8> {
    let mut out = String::with_capacity(512);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"{}\"?>\r\n",
        charset.label()
    );
    root.write(&mut out);
    match charset {
        Charset::Utf8 => out.into_bytes(),
        // Characters outside GBK come out as numeric character references (&#NNNN;), which
        // XML reads back as the same characters.
        Charset::Gb2312 => encoding_rs::GBK.encode(&out).0.into_owned(),
    }
}

/// The `encoding` of the XML declaration, if there is one.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &bytes[start..bytes.len().min(start + 256)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + 8..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_owned())
}

/// Bytes to text by the declared charset: UTF-8 when none is declared. Bytes that are not
/// valid UTF-8 in a body declared (or defaulting to) UTF-8 are read as GBK — that fallback
/// never misreads valid input. The other direction is opt-in, see
/// [`ParseOptions::gb2312_may_be_utf8`].
fn decode(bytes: &[u8], opts: &ParseOptions) -> Result<String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec())
            .map_err(|_| Error::Xml("invalid UTF-8 after a UTF-8 BOM".into()));
    }
    let declared = declared_encoding(bytes);
    let gb = match declared.as_deref() {
        None => false,
        Some(e) if e.eq_ignore_ascii_case("UTF-8") || e.eq_ignore_ascii_case("UTF8") => false,
        Some(e)
            if ["GB2312", "GBK", "GB18030", "GB_2312-80", "CP936"]
                .iter()
                .any(|g| g.eq_ignore_ascii_case(e)) =>
        {
            true
        }
        Some(e) => return Err(Error::Charset(clip(e, 40))),
    };
    let utf8 = std::str::from_utf8(bytes).ok();
    let gbk = || {
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned())
    };
    let text = match (gb, utf8) {
        (false, Some(s)) => Some(s.to_owned()),
        (false, None) => gbk(),
        (true, Some(s)) if opts.gb2312_may_be_utf8 && !s.is_ascii() => Some(s.to_owned()),
        (true, _) => gbk(),
    };
    text.ok_or_else(|| {
        Error::Xml(format!(
            "body is not valid {}",
            if gb { "GB2312/GBK" } else { "UTF-8" }
        ))
    })
}

fn xml_err(e: impl std::fmt::Display) -> Error {
    Error::Xml(clip(&e.to_string(), 200))
}

/// Whether `name` is an XML name (letters, digits, `_`, `:`, `-`, `.`, non-ASCII; not
/// starting with a digit, `-` or `.`). quick-xml is lenient here, and a name it lets through
/// (empty, or with spaces) could not be written back.
fn check_name(name: &str) -> Result<()> {
    let ok = name.chars().enumerate().all(|(i, c)| {
        c.is_alphabetic()
            || c == '_'
            || c == ':'
            || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
            || (i > 0 && (c.is_ascii_digit() || c == '-' || c == '.'))
    });
    if name.is_empty() || !ok {
        return Err(Error::Xml(format!(
            "bad element or attribute name {:?}",
            clip(name, 40)
        )));
    }
    Ok(())
}

/// Finds `<!DOCTYPE` anywhere (ASCII case-insensitive).
fn has_doctype(bytes: &[u8]) -> bool {
    // Only at each '<' (cheap), then the 9-byte comparison.
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'<'
            && bytes
                .get(i..i + 9)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"<!DOCTYPE"))
    })
}

/// Reads a document into its root element, within the options' bounds.
pub(crate) fn read(bytes: &[u8], opts: &ParseOptions) -> Result<Element> {
    if bytes.len() > opts.max_body {
        return Err(Error::TooLarge {
            what: "XML body",
            limit: opts.max_body,
        });
    }
    if has_doctype(bytes) {
        return Err(Error::Doctype);
    }
    let text = decode(bytes, opts)?;
    if has_doctype(text.as_bytes()) {
        return Err(Error::Doctype);
    }
    let mut reader = Reader::from_str(&text);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = false;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let event = reader.read_event().map_err(xml_err)?;
        match event {
            Event::DocType(_) => return Err(Error::Doctype),
            Event::Start(_) | Event::Empty(_) => {
                let (start, empty) = match &event {
                    Event::Start(s) => (s, false),
                    Event::Empty(s) => (s, true),
                    _ => unreachable!("matched above"),
                };
                if root.is_some() {
                    return Err(Error::Xml("more than one root element".into()));
                }
                elements += 1;
                if elements > opts.max_elements {
                    return Err(Error::TooLarge {
                        what: "XML element count",
                        limit: opts.max_elements,
                    });
                }
                if stack.len() >= opts.max_depth {
                    return Err(Error::TooLarge {
                        what: "XML depth",
                        limit: opts.max_depth,
                    });
                }
                let name = std::str::from_utf8(start.name().as_ref())
                    .map_err(xml_err)?
                    .to_owned();
                check_name(&name)?;
                let mut el = Element::new(name);
                for attr in start.attributes().with_checks(true) {
                    let attr = attr.map_err(xml_err)?;
                    let key = std::str::from_utf8(attr.key.as_ref())
                        .map_err(xml_err)?
                        .to_owned();
                    check_name(&key)?;
                    let value = attr.unescape_value().map_err(xml_err)?.into_owned();
                    el.attrs.push((key, value));
                }
                if empty {
                    close(el, &mut stack, &mut root);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| Error::Xml("end tag without start".into()))?;
                close(el, &mut stack, &mut root);
            }
            Event::Text(t) => {
                let s = t.decode().map_err(xml_err)?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(Error::Xml("text outside the root element".into())),
                }
            }
            Event::CData(c) => {
                let s = c.decode().map_err(xml_err)?;
                stack
                    .last_mut()
                    .ok_or_else(|| Error::Xml("CDATA outside the root element".into()))?
                    .text
                    .push_str(&s);
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(xml_err)? {
                    Some(c) => c,
                    None => match r.decode().map_err(xml_err)?.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => {
                            return Err(Error::Xml(format!(
                                "entity &{}; is not allowed (only the five predefined entities and character references)",
                                clip(other, 40)
                            )))
                        }
                    },
                };
                stack
                    .last_mut()
                    .ok_or_else(|| Error::Xml("reference outside the root element".into()))?
                    .text
                    .push(c);
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(Error::Xml("document ends inside an element".into()));
    }
    root.ok_or_else(|| Error::Xml("no root element".into()))
}

fn close(mut el: Element, stack: &mut [Element], root: &mut Option<Element>) {
    let trimmed = el.text.trim();
    if trimmed.len() != el.text.len() {
        el.text = trimmed.to_owned();
    }
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}
