//! The resources of GeoReport v2, as Rust values. Serde gives their JSON (Spark convention);
//! [`crate::render`] writes both formats. Times are epoch milliseconds, written as W3C
//! date-times in +08:00.

use serde::{Deserialize, Serialize};

/// How a service answers a POST (`type` in the service list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceType {
    /// The service request id is returned at once.
    Realtime,
    /// A token is returned; `/tokens/{token}` gives the id later.
    Batch,
    /// Nothing is returned.
    Blackbox,
}

impl ServiceType {
    /// The spec's word: `realtime`, `batch`, `blackbox`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::Realtime => "realtime",
            ServiceType::Batch => "batch",
            ServiceType::Blackbox => "blackbox",
        }
    }
}

/// One entry of `GET /services`: a kind of request that can be filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// The unique id of the service type (our case category code).
    pub service_code: String,
    /// Its human-readable name.
    pub service_name: String,
    /// A short description.
    pub description: String,
    /// `true` when the service has a definition (attributes) to fetch.
    pub metadata: bool,
    /// How a POST is answered.
    #[serde(rename = "type")]
    pub type_: ServiceType,
    /// Tags and synonyms; written as one comma-separated string, as the spec has it.
    #[serde(with = "keywords")]
    pub keywords: Vec<String>,
    /// The category the service is grouped under.
    pub group: String,
}

/// The type of an attribute's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    /// A line of text, no line breaks.
    String,
    /// A number.
    Number,
    /// A W3C date-time.
    Datetime,
    /// Text that may have line breaks.
    Text,
    /// One key out of `values`.
    Singlevaluelist,
    /// Several keys out of `values`.
    Multivaluelist,
}

impl Datatype {
    /// The spec's word: `string`, `number`, `datetime`, `text`, `singlevaluelist`,
    /// `multivaluelist`.
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Datetime => "datetime",
            Datatype::Text => "text",
            Datatype::Singlevaluelist => "singlevaluelist",
            Datatype::Multivaluelist => "multivaluelist",
        }
    }
}

/// One option of a list attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue {
    /// What is sent back in `attribute[CODE]`.
    pub key: String,
    /// What is shown.
    pub name: String,
}

/// One extra field of a service (`<attribute>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// `true`: the user gives a value; `false`: information shown only, no input.
    pub variable: bool,
    /// Its unique code, used as `attribute[CODE]` in a POST.
    pub code: String,
    /// The type of input.
    pub datatype: Datatype,
    /// Whether a POST must give it.
    pub required: bool,
    /// Help on the datatype (`null` in JSON, empty in XML, when there is none).
    pub datatype_description: Option<String>,
    /// Display order, 1 first.
    pub order: u32,
    /// What to enter, for the user.
    pub description: String,
    /// The options of a list attribute; empty for the others.
    #[serde(default)]
    pub values: Vec<AttributeValue>,
}

/// `GET /services/{service_code}`: the attributes of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceDefinition {
    /// The service the definition is for.
    pub service_code: String,
    /// Its attributes, in [`Attribute::order`].
    pub attributes: Vec<Attribute>,
}

impl ServiceDefinition {
    /// The attribute with this code.
    pub fn attribute(&self, code: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.code == code)
    }
}

/// A request's status: only these two exist in the spec; finer workflow states go in
/// `status_notes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Reported, not yet resolved.
    Open,
    /// Resolved.
    Closed,
}

impl Status {
    /// `open` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    /// `open` or `closed` (ASCII case ignored); anything else is `None`.
    pub fn parse(text: &str) -> Option<Status> {
        if text.eq_ignore_ascii_case("open") {
            Some(Status::Open)
        } else if text.eq_ignore_ascii_case("closed") {
            Some(Status::Closed)
        } else {
            None
        }
    }
}

/// One service request as `GET /requests` and `GET /requests/{id}` return it. Optional
/// fields that are `None` are left out of both formats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRequest {
    /// Its unique id.
    pub service_request_id: String,
    /// Open or closed.
    pub status: Status,
    /// Why the status is what it is, or finer detail (our workflow state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_notes: Option<String>,
    /// The service's name.
    pub service_name: String,
    /// The service's code.
    pub service_code: String,
    /// The report's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The agency in charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_responsible: Option<String>,
    /// What will be done about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_notice: Option<String>,
    /// When it was filed, epoch ms.
    #[serde(with = "w3c")]
    pub requested_datetime: i64,
    /// When it last changed (for a closed request: when it was closed), epoch ms.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "w3c_opt")]
    pub updated_datetime: Option<i64>,
    /// When it is expected to be closed, epoch ms.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "w3c_opt")]
    pub expected_datetime: Option<i64>,
    /// A human-readable address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The id of the address in the jurisdiction's address register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<String>,
    /// The postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
    /// Latitude, WGS84.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude, WGS84.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long: Option<f64>,
    /// A photo or other media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
}

/// What a POST gives back to find the request again: an id or a token, never both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Receipt {
    /// A realtime service: the request's id.
    ServiceRequestId(String),
    /// A batch service: a token to exchange at `/tokens/{token}`.
    Token(String),
}

/// One entry of the POST response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostResponse {
    /// The id or the token.
    #[serde(flatten)]
    pub receipt: Receipt,
    /// What will be done (`null` / empty when none).
    pub service_notice: Option<String>,
    /// The account the request was filed under (`null` / empty when none).
    pub account_id: Option<String>,
}

/// One entry of `GET /tokens/{token}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The request's id once known.
    pub service_request_id: Option<String>,
    /// The token asked about.
    pub token: String,
}

/// Keywords as the spec writes them: one comma-separated string.
mod keywords {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.join(", "))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let text = String::deserialize(d)?;
        Ok(split(&text))
    }

    pub fn split(text: &str) -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Epoch ms as a W3C date-time.
pub(crate) mod w3c {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::datetime::format(*ms))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = String::deserialize(d)?;
        crate::datetime::parse(&text).map_err(D::Error::custom)
    }
}

/// Optional epoch ms as a W3C date-time.
pub(crate) mod w3c_opt {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match ms {
            Some(ms) => s.serialize_str(&crate::datetime::format(*ms)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => crate::datetime::parse(&text)
                .map(Some)
                .map_err(D::Error::custom),
            None => Ok(None),
        }
    }
}
