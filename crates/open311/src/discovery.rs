//! The service discovery document (`/discovery.json`, `/discovery.xml`): which versions of
//! which Open311 APIs live where, in which formats.

use serde::{Deserialize, Serialize};

use crate::resource::w3c;
use crate::Format;

/// The specification URL that names GeoReport v2 in a discovery document.
pub const GEOREPORT_V2: &str = "http://wiki.open311.org/GeoReport_v2";

/// Whether an endpoint is the real one or a test one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointType {
    /// Live data.
    Production,
    /// A sandbox.
    Test,
}

impl EndpointType {
    /// `production` or `test`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointType::Production => "production",
            EndpointType::Test => "test",
        }
    }
}

/// One API endpoint of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The specification it implements ([`GEOREPORT_V2`]).
    pub specification: String,
    /// Its base URL (resources are `{url}/services.xml` and so on).
    pub url: String,
    /// When it last changed, epoch ms.
    #[serde(with = "w3c")]
    pub changeset: i64,
    /// Production or test.
    #[serde(rename = "type")]
    pub type_: EndpointType,
    /// The MIME types it answers in (`text/xml`, `application/json`).
    pub formats: Vec<String>,
}

/// The discovery document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// When the document last changed, epoch ms.
    #[serde(with = "w3c")]
    pub changeset: i64,
    /// Who to contact about the API.
    pub contact: String,
    /// Where to ask for an api_key.
    pub key_service: String,
    /// The endpoints.
    pub endpoints: Vec<Endpoint>,
}

impl Discovery {
    /// A document with no endpoint yet; add them with [`Discovery::georeport_v2`].
    pub fn new(
        changeset_ms: i64,
        contact: impl Into<String>,
        key_service: impl Into<String>,
    ) -> Self {
        Self {
            changeset: changeset_ms,
            contact: contact.into(),
            key_service: key_service.into(),
            endpoints: Vec::new(),
        }
    }

    /// Adds a GeoReport v2 endpoint at `url` answering in XML and JSON (ours always does both),
    /// changed at the document's changeset.
    pub fn georeport_v2(mut self, url: impl Into<String>, type_: EndpointType) -> Self {
        self.endpoints.push(Endpoint {
            specification: GEOREPORT_V2.to_owned(),
            url: url.into().trim_end_matches('/').to_owned(),
            changeset: self.changeset,
            type_,
            formats: vec![
                Format::Xml.mime().to_owned(),
                Format::Json.mime().to_owned(),
            ],
        });
        self
    }
}
