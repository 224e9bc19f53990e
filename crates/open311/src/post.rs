//! `POST /requests`: the form body read into a [`PostRequest`], and its attributes checked
//! against the service's definition ([`validate_attributes`]).
//!
//! The body must be `application/x-www-form-urlencoded` (UTF-8), as the spec says; a missing
//! `Content-Type` is read as that too, since some clients leave it out. Anything else,
//! `multipart/form-data` included, is refused with a 400: the spec has no file upload (a
//! photo is a `media_url`). The body's size is the server's business; here every field's
//! length, the number of fields and the number of attributes and values are bounded.
//!
//! Every fault found is reported, not just the first. An empty value is an absent one
//! ("a null parameter should be treated as equivalent to a non-declared parameter").
//! Unknown fields are ignored, as the spec lets servers and clients extend it.

use std::collections::BTreeMap;

use crate::resource::{Datatype, ServiceDefinition};
use crate::{datetime, Open311Error};

/// At most this many characters in `description` (the spec's limit).
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// At most this many `name=value` pairs in a body.
pub const MAX_FIELDS: usize = 300;
/// At most this many distinct attribute codes.
pub const MAX_ATTRIBUTES: usize = 100;
/// At most this many values for one multi-value attribute.
pub const MAX_ATTRIBUTE_VALUES: usize = 100;
/// At most this many characters in one attribute value.
pub const MAX_ATTRIBUTE_VALUE_CHARS: usize = 1000;
/// At most this many characters in a `media_url`.
pub const MAX_URL_CHARS: usize = 2048;
/// At most this many characters in the other fields (codes, names, phone, ids).
pub const MAX_FIELD_CHARS: usize = 256;

/// Where the request is: at least one of the three is given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Location {
    /// `lat` and `long`, WGS84, both given or neither.
    pub lat_long: Option<(f64, f64)>,
    /// A free-text address.
    pub address_string: Option<String>,
    /// The id of an address in the jurisdiction's register.
    pub address_id: Option<String>,
}

/// A value given for `attribute[CODE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeInput {
    /// `attribute[CODE]=v`.
    Single(String),
    /// `attribute[CODE][]=v1&attribute[CODE][]=v2`, in the order given.
    Multi(Vec<String>),
}

impl AttributeInput {
    /// The values, one or several.
    pub fn values(&self) -> &[String] {
        match self {
            AttributeInput::Single(v) => std::slice::from_ref(v),
            AttributeInput::Multi(v) => v,
        }
    }
}

/// A POST body, read and checked field by field.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PostRequest {
    /// The client's key (always present once parsed; the server checks it is valid).
    pub api_key: String,
    /// The jurisdiction, when given.
    pub jurisdiction_id: Option<String>,
    /// The service to file under.
    pub service_code: String,
    /// Where.
    pub location: Location,
    /// `attribute[CODE]` values, by code.
    pub attributes: BTreeMap<String, AttributeInput>,
    /// The reporter's e-mail.
    pub email: Option<String>,
    /// The reporting device's id.
    pub device_id: Option<String>,
    /// The reporter's account id.
    pub account_id: Option<String>,
    /// The reporter's first name.
    pub first_name: Option<String>,
    /// The reporter's last name.
    pub last_name: Option<String>,
    /// The reporter's phone number.
    pub phone: Option<String>,
    /// The report's text (≤ 4000 characters, no HTML).
    pub description: Option<String>,
    /// A photo or other media, `http` or `https`.
    pub media_url: Option<String>,
}

/// The scalar fields, in the order their errors are reported.
const SCALARS: [&str; 15] = [
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
];

fn bad(msg: impl Into<String>) -> Open311Error {
    Open311Error::bad_request(msg)
}

/// Whether the `Content-Type` is form-urlencoded (parameters allowed; a charset, if any,
/// must be UTF-8). `None` (no header) is taken as form-urlencoded.
fn check_content_type(content_type: Option<&str>) -> Result<(), Open311Error> {
    let Some(ct) = content_type else {
        return Ok(());
    };
    let mut parts = ct.split(';');
    let mime = parts.next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        let shown: String = mime.chars().take(64).collect();
        return Err(bad(format!(
            "Content-Type `{shown}` is not accepted; send application/x-www-form-urlencoded"
        )));
    }
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            let v = v.trim().trim_matches('"');
            if k.trim().eq_ignore_ascii_case("charset")
                && !v.eq_ignore_ascii_case("utf-8")
                && !v.eq_ignore_ascii_case("utf8")
            {
                return Err(bad("the form body must be UTF-8 (charset=utf-8)"));
            }
        }
    }
    Ok(())
}

/// `attribute[CODE]` → `(CODE, false)`, `attribute[CODE][]` → `(CODE, true)`.
fn attribute_key(key: &str) -> Option<(&str, bool)> {
    let rest = key.strip_prefix("attribute[")?;
    if let Some(code) = rest.strip_suffix("][]") {
        Some((code, true))
    } else {
        Some((rest.strip_suffix(']')?, false))
    }
}

/// Control characters other than tab and line breaks.
fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Looks for markup: `<` followed by a letter, `/`, `!` or `?` (a tag, a comment, a
/// processing instruction). A lone `<` as in `3 < 5` is text.
fn has_html(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<' {
            if let Some(&n) = chars.peek() {
                if n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?') {
                    return true;
                }
            }
        }
    }
    false
}

fn valid_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty()
        && !host.starts_with(':')
        && !host.contains('@')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Reads a POST body. On failure, every fault found, each naming its field; the list's
/// HTTP status is given by [`crate::http_status`] (403 when `api_key` is missing).
///
/// ```
/// use zhicheng_open311::{parse_post, AttributeInput};
///
/// let body = b"api_key=k1&service_code=LAMP&lat=30.27&long=120.15\
///              &attribute[POLE]=P-17&attribute[FAULT][]=dark&attribute[FAULT][]=flicker";
/// let req = parse_post(body, Some("application/x-www-form-urlencoded; charset=utf-8")).unwrap();
/// assert_eq!(req.location.lat_long, Some((30.27, 120.15)));
/// assert_eq!(req.attributes["FAULT"], AttributeInput::Multi(vec!["dark".into(), "flicker".into()]));
///
/// let errors = parse_post(b"service_code=LAMP", None).unwrap_err();
/// assert_eq!(zhicheng_open311::http_status(&errors), 403);
/// ```
pub fn parse_post(
    body: &[u8],
    content_type: Option<&str>,
) -> Result<PostRequest, Vec<Open311Error>> {
    check_content_type(content_type).map_err(|e| vec![e])?;
    if std::str::from_utf8(body).is_err() {
        return Err(vec![bad("the form body is not UTF-8")]);
    }

    let mut errors = Vec::new();
    let mut scalars: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut twice: Vec<&'static str> = Vec::new();
    let mut attributes: BTreeMap<String, AttributeInput> = BTreeMap::new();
    let mut attribute_faults: Vec<String> = Vec::new();

    for (n, (key, value)) in form_urlencoded::parse(body).enumerate() {
        if n == MAX_FIELDS {
            errors.push(bad(format!("the form has more than {MAX_FIELDS} fields")));
            break;
        }
        let value = value.trim();
        if let Some(name) = SCALARS.iter().find(|&&s| s == key) {
            if value.is_empty() {
                continue;
            }
            if scalars.insert(name, value.to_owned()).is_some() && !twice.contains(name) {
                twice.push(name);
            }
        } else if let Some((code, multi)) = attribute_key(&key) {
            let shown: String = code.chars().take(64).collect();
            if code.is_empty() || code.chars().count() > MAX_FIELD_CHARS || has_control(code) {
                attribute_faults.push(format!("attribute code `{shown}` is not valid"));
                continue;
            }
            if value.is_empty() {
                continue;
            }
            if value.chars().count() > MAX_ATTRIBUTE_VALUE_CHARS || has_control(value) {
                attribute_faults.push(format!(
                    "attribute[{shown}]: a value is longer than {MAX_ATTRIBUTE_VALUE_CHARS} characters or has control characters"
                ));
                continue;
            }
            if !attributes.contains_key(code) && attributes.len() == MAX_ATTRIBUTES {
                attribute_faults.push(format!("more than {MAX_ATTRIBUTES} attributes"));
                break;
            }
            match (attributes.get_mut(code), multi) {
                (None, false) => {
                    attributes.insert(code.to_owned(), AttributeInput::Single(value.to_owned()));
                }
                (None, true) => {
                    attributes.insert(
                        code.to_owned(),
                        AttributeInput::Multi(vec![value.to_owned()]),
                    );
                }
                (Some(AttributeInput::Multi(values)), true) => {
                    if values.len() == MAX_ATTRIBUTE_VALUES {
                        attribute_faults.push(format!(
                            "attribute[{shown}][] has more than {MAX_ATTRIBUTE_VALUES} values"
                        ));
                    } else {
                        values.push(value.to_owned());
                    }
                }
                (Some(AttributeInput::Single(_)), false) => attribute_faults.push(format!(
                    "attribute[{shown}] is given twice; use attribute[{shown}][] for several values"
                )),
                (Some(_), _) => attribute_faults.push(format!(
                    "attribute[{shown}] and attribute[{shown}][] are both given"
                )),
            }
        }
    }
    attribute_faults.dedup();

    let mut take = |name: &str| scalars.remove(name);
    let api_key = take("api_key");
    if api_key.is_none() {
        errors.push(Open311Error::missing_api_key());
    }
    let jurisdiction_id = take("jurisdiction_id");
    let service_code = take("service_code");
    if service_code.is_none() {
        errors.push(bad("service_code was not provided"));
    }
    let lat = take("lat");
    let long = take("long");
    let address_string = take("address_string");
    let address_id = take("address_id");
    let req_fields = [
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
    ]
    .map(&mut take);
    let [email, device_id, account_id, first_name, last_name, phone, description, media_url] =
        req_fields;

    for name in &twice {
        errors.push(bad(format!("{name} is given more than once")));
    }

    // Lengths and characters of the short fields.
    let short = [
        ("api_key", &api_key),
        ("jurisdiction_id", &jurisdiction_id),
        ("service_code", &service_code),
        ("address_string", &address_string),
        ("address_id", &address_id),
        ("email", &email),
        ("device_id", &device_id),
        ("account_id", &account_id),
        ("first_name", &first_name),
        ("last_name", &last_name),
        ("phone", &phone),
    ];
    for (name, value) in short {
        if let Some(v) = value {
            if v.chars().count() > MAX_FIELD_CHARS {
                errors.push(bad(format!(
                    "{name} is longer than {MAX_FIELD_CHARS} characters"
                )));
            } else if has_control(v) || (name != "address_string" && v.contains(['\n', '\r'])) {
                errors.push(bad(format!("{name} has control characters")));
            }
        }
    }

    // Location: lat and long together, or an address.
    let lat_long = match (&lat, &long) {
        (Some(lat), Some(long)) => {
            let la = lat
                .parse::<f64>()
                .ok()
                .filter(|v| (-90.0..=90.0).contains(v));
            let lo = long
                .parse::<f64>()
                .ok()
                .filter(|v| (-180.0..=180.0).contains(v));
            if la.is_none() {
                errors.push(bad("lat must be a WGS84 latitude between -90 and 90"));
            }
            if lo.is_none() {
                errors.push(bad("long must be a WGS84 longitude between -180 and 180"));
            }
            la.zip(lo)
        }
        (Some(_), None) => {
            errors.push(bad("lat is given without long"));
            None
        }
        (None, Some(_)) => {
            errors.push(bad("long is given without lat"));
            None
        }
        (None, None) => None,
    };
    if lat.is_none() && long.is_none() && address_string.is_none() && address_id.is_none() {
        errors.push(bad(
            "a location is required: lat and long, or address_string, or address_id",
        ));
    }

    if let Some(e) = &email {
        if !valid_email(e) {
            errors.push(bad("email is not an e-mail address"));
        }
    }
    if let Some(d) = &description {
        if d.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(bad(format!(
                "description is longer than {MAX_DESCRIPTION_CHARS} characters"
            )));
        } else if has_html(d) {
            errors.push(bad("description must not contain HTML"));
        } else if has_control(d) {
            errors.push(bad("description has control characters"));
        }
    }
    if let Some(u) = &media_url {
        if u.chars().count() > MAX_URL_CHARS {
            errors.push(bad(format!(
                "media_url is longer than {MAX_URL_CHARS} characters"
            )));
        } else if !valid_http_url(u) {
            errors.push(bad("media_url must be an http or https URL"));
        }
    }
    errors.extend(attribute_faults.into_iter().map(bad));

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PostRequest {
        api_key: api_key.unwrap_or_default(),
        jurisdiction_id,
        service_code: service_code.unwrap_or_default(),
        location: Location {
            lat_long,
            address_string,
            address_id,
        },
        attributes,
        email,
        device_id,
        account_id,
        first_name,
        last_name,
        phone,
        description,
        media_url,
    })
}

/// Checks the request's attributes against the service's definition: the definition is the
/// service's; every required (variable) attribute is given; no code is unknown or
/// informational only; a `string` has no line break; a `number` is a finite number; a
/// `datetime` is a W3C date-time; a `singlevaluelist` is one key of its values; a
/// `multivaluelist` is keys of its values, none twice. Every fault is reported.
pub fn validate_attributes(
    request: &PostRequest,
    definition: &ServiceDefinition,
) -> Result<(), Vec<Open311Error>> {
    let mut errors = Vec::new();
    if request.service_code != definition.service_code {
        errors.push(bad(format!(
            "the definition of `{}` does not apply to service_code `{}`",
            definition.service_code, request.service_code
        )));
    }
    for a in &definition.attributes {
        if a.variable && a.required && !request.attributes.contains_key(&a.code) {
            errors.push(bad(format!("attribute[{}] is required", a.code)));
        }
    }
    for (code, input) in &request.attributes {
        let Some(a) = definition.attribute(code) else {
            errors.push(bad(format!(
                "attribute[{code}] is not an attribute of service `{}`",
                definition.service_code
            )));
            continue;
        };
        if !a.variable {
            errors.push(bad(format!(
                "attribute[{code}] is information only and takes no value"
            )));
            continue;
        }
        let values = input.values();
        let single = match (a.datatype, input) {
            (Datatype::Multivaluelist, _) | (_, AttributeInput::Single(_)) => true,
            (_, AttributeInput::Multi(v)) => v.len() == 1,
        };
        if !single {
            errors.push(bad(format!("attribute[{code}] takes one value")));
            continue;
        }
        let is_key = |v: &str| a.values.iter().any(|k| k.key == v);
        match a.datatype {
            Datatype::String | Datatype::Text => {
                if a.datatype == Datatype::String && values[0].contains(['\n', '\r']) {
                    errors.push(bad(format!("attribute[{code}] must be one line")));
                }
            }
            Datatype::Number => {
                if !values[0].parse::<f64>().is_ok_and(f64::is_finite) {
                    errors.push(bad(format!("attribute[{code}] must be a number")));
                }
            }
            Datatype::Datetime => {
                if datetime::parse(&values[0]).is_err() {
                    errors.push(bad(format!(
                        "attribute[{code}] must be a date-time with a zone, e.g. 2026-11-30T14:05:00+08:00"
                    )));
                }
            }
            Datatype::Singlevaluelist => {
                if !is_key(&values[0]) {
                    errors.push(bad(format!(
                        "attribute[{code}]: `{}` is not one of its values",
                        values[0].chars().take(64).collect::<String>()
                    )));
                }
            }
            Datatype::Multivaluelist => {
                for (i, v) in values.iter().enumerate() {
                    if !is_key(v) {
                        errors.push(bad(format!(
                            "attribute[{code}]: `{}` is not one of its values",
                            v.chars().take(64).collect::<String>()
                        )));
                    } else if values[..i].contains(v) {
                        errors.push(bad(format!(
                            "attribute[{code}]: `{}` is given twice",
                            v.chars().take(64).collect::<String>()
                        )));
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
