//! The response format, chosen by the resource's suffix: `/services.xml`, `/requests.json`.

use crate::Open311Error;

/// A response format. XML is required by the spec; JSON is optional and we serve it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `application/json; charset=utf-8`, the Spark convention (bare root arrays).
    Json,
    /// `text/xml; charset=utf-8`, with the `<?xml version="1.0" encoding="utf-8"?>` prolog.
    Xml,
}

impl Format {
    /// The format of a suffix without its dot (`json`, `xml`; ASCII case ignored).
    pub fn from_extension(ext: &str) -> Option<Format> {
        if ext.eq_ignore_ascii_case("json") {
            Some(Format::Json)
        } else if ext.eq_ignore_ascii_case("xml") {
            Some(Format::Xml)
        } else {
            None
        }
    }

    /// The suffix without its dot: `json` or `xml`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }

    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }

    /// The MIME type as the discovery document lists it (`application/json`, `text/xml`).
    pub fn mime(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "text/xml",
        }
    }
}

/// Splits a resource path at its format suffix: `"requests.xml"` → `("requests", Xml)`,
/// `"services/033.json"` → `("services/033", Json)`. `None` when the last segment has no
/// suffix or one that is neither `json` nor `xml`; see [`resource_format`] for the error.
pub fn split_format(path: &str) -> Option<(&str, Format)> {
    let (stem, ext) = path.rsplit_once('.')?;
    if ext.contains('/') || stem.is_empty() || stem.ends_with('/') {
        return None;
    }
    Some((stem, Format::from_extension(ext)?))
}

/// [`split_format`], with a 404 error that names the suffix when it fails (a resource in an
/// unknown format is a resource that does not exist).
pub fn resource_format(path: &str) -> Result<(&str, Format), Open311Error> {
    split_format(path).ok_or_else(|| {
        let last = path.rsplit('/').next().unwrap_or(path);
        let shown: String = last.chars().take(64).collect();
        match last.rsplit_once('.') {
            Some((_, ext)) if !ext.is_empty() => Open311Error::not_found(format!(
                "`{shown}`: unknown format `.{}`; use .xml or .json",
                ext.chars().take(16).collect::<String>()
            )),
            _ => Open311Error::not_found(format!(
                "`{shown}`: the resource needs a format suffix, .xml or .json"
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_suffixes() {
        assert_eq!(
            split_format("requests.xml"),
            Some(("requests", Format::Xml))
        );
        assert_eq!(
            split_format("requests.json"),
            Some(("requests", Format::Json))
        );
        assert_eq!(
            split_format("services/033.JSON"),
            Some(("services/033", Format::Json))
        );
        assert_eq!(
            split_format("/open311/v2/tokens/12345.xml"),
            Some(("/open311/v2/tokens/12345", Format::Xml))
        );
        assert_eq!(split_format("requests"), None);
        assert_eq!(split_format("requests.csv"), None);
        assert_eq!(split_format("v2.1/requests"), None);
        assert_eq!(split_format(".json"), None);
        assert_eq!(split_format("services/.json"), None);
    }

    #[test]
    fn unknown_suffix_is_a_404_naming_it() {
        let e = resource_format("requests.csv").unwrap_err();
        assert_eq!(e.code, 404);
        assert!(e.description.contains(".csv"), "{}", e.description);
        let e = resource_format("requests").unwrap_err();
        assert_eq!(e.code, 404);
        assert!(e.description.contains("suffix"), "{}", e.description);
        assert_eq!(
            resource_format("services.xml"),
            Ok(("services", Format::Xml))
        );
    }

    #[test]
    fn content_types() {
        assert_eq!(Format::Xml.content_type(), "text/xml; charset=utf-8");
        assert_eq!(
            Format::Json.content_type(),
            "application/json; charset=utf-8"
        );
        assert_eq!(Format::Json.extension(), "json");
        assert_eq!(Format::Xml.mime(), "text/xml");
    }
}
