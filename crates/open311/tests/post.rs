//! `POST /requests` bodies: what is read, and every fault refused.

use zhicheng_open311::post::{MAX_ATTRIBUTES, MAX_ATTRIBUTE_VALUES, MAX_FIELDS};
use zhicheng_open311::{
    http_status, parse_post, validate_attributes, Attribute, AttributeInput, AttributeValue,
    Datatype, Open311Error, PostRequest, ServiceDefinition,
};

const FORM: Option<&str> = Some("application/x-www-form-urlencoded; charset=utf-8");

fn post(body: &str) -> Result<PostRequest, Vec<Open311Error>> {
    parse_post(body.as_bytes(), FORM)
}

/// The faults of a body that must fail, as descriptions.
fn faults(body: &str) -> Vec<String> {
    post(body)
        .expect_err(body)
        .into_iter()
        .map(|e| e.description)
        .collect()
}

/// Asserts the body fails with one fault that contains `needle`, with status 400.
fn refused(body: &str, needle: &str) {
    let errors = post(body).expect_err(body);
    assert_eq!(errors.len(), 1, "{body}: {errors:?}");
    assert!(errors[0].description.contains(needle), "{body}: {errors:?}");
    assert_eq!(http_status(&errors), 400, "{body}");
}

const OK: &str = "api_key=k1&service_code=LAMP&lat=30.27&long=120.15";

#[test]
fn the_spec_example_body() {
    let body = "api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043\
        &address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456\
        &first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street\
        &media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg\
        &attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001";
    let r = post(body).unwrap();
    assert_eq!(r.api_key, "xyz");
    assert_eq!(r.jurisdiction_id.as_deref(), Some("city.gov"));
    assert_eq!(r.service_code, "001");
    assert_eq!(r.location.lat_long, Some((37.76524078, -122.4212043)));
    assert_eq!(
        r.location.address_string.as_deref(),
        Some("1234 5th street")
    );
    assert_eq!(r.email.as_deref(), Some("smit333@sfgov.edu"));
    assert_eq!(r.device_id.as_deref(), Some("tt222111"));
    assert_eq!(r.account_id.as_deref(), Some("123456"));
    assert_eq!(
        (r.first_name.as_deref(), r.last_name.as_deref()),
        (Some("john"), Some("smith"))
    );
    assert_eq!(r.phone.as_deref(), Some("111111111"));
    assert_eq!(
        r.description.as_deref(),
        Some("A large sinkhole is destroying the street")
    );
    assert_eq!(
        r.media_url.as_deref(),
        Some("http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg")
    );
    assert_eq!(
        r.attributes["WHISPAWN"],
        AttributeInput::Single("123456".into())
    );
    assert_eq!(
        r.attributes["WHISDORN"],
        AttributeInput::Single("COISL001".into())
    );
}

#[test]
fn attributes_single_and_multi_percent_encoded_keys_too() {
    let r = post(&format!(
        "{OK}&attribute%5BFAULT%5D%5B%5D=dark&attribute[FAULT][]=flicker&attribute[POLE]=P-17&attribute[EMPTY]="
    ))
    .unwrap();
    assert_eq!(
        r.attributes["FAULT"],
        AttributeInput::Multi(vec!["dark".into(), "flicker".into()])
    );
    assert_eq!(r.attributes["FAULT"].values(), ["dark", "flicker"]);
    assert_eq!(r.attributes["POLE"].values(), ["P-17"]);
    assert!(!r.attributes.contains_key("EMPTY"));
}

#[test]
fn chinese_text_and_empty_optional_fields() {
    let r = post(&format!(
        "{OK}&description=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE%0A%E7%AC%AC%E4%BA%8C%E8%A1%8C&email=&phone=+"
    ))
    .unwrap();
    assert_eq!(r.description.as_deref(), Some("路灯不亮\n第二行"));
    assert_eq!((r.email, r.phone), (None, None));
}

#[test]
fn a_location_is_one_of_three() {
    assert!(post("api_key=k&service_code=S&address_string=%E4%B8%AD%E5%B1%B1%E8%B7%AF").is_ok());
    assert!(post("api_key=k&service_code=S&address_id=545483").is_ok());
    assert!(post("api_key=k&service_code=S&lat=-90&long=180").is_ok());
    refused("api_key=k&service_code=S", "a location is required");
    refused(
        "api_key=k&service_code=S&lat=&long=",
        "a location is required",
    );
}

#[test]
fn lat_and_long_go_together_within_wgs84() {
    refused(
        "api_key=k&service_code=S&lat=30",
        "lat is given without long",
    );
    refused(
        "api_key=k&service_code=S&long=120",
        "long is given without lat",
    );
    refused("api_key=k&service_code=S&lat=90.1&long=120", "lat must be");
    refused(
        "api_key=k&service_code=S&lat=30&long=-180.5",
        "long must be",
    );
    refused("api_key=k&service_code=S&lat=NaN&long=120", "lat must be");
    refused("api_key=k&service_code=S&lat=30&long=inf", "long must be");
    refused("api_key=k&service_code=S&lat=north&long=120", "lat must be");
    // Given with an address, a half location is still a fault.
    refused(
        "api_key=k&service_code=S&lat=30&address_id=1",
        "lat is given without long",
    );
}

#[test]
fn api_key_missing_is_a_403() {
    let errors = post("service_code=S&address_id=1").unwrap_err();
    assert_eq!(errors, [Open311Error::missing_api_key()]);
    assert_eq!(http_status(&errors), 403);
}

#[test]
fn service_code_is_required() {
    refused("api_key=k&address_id=1", "service_code was not provided");
    refused(
        "api_key=k&service_code=&address_id=1",
        "service_code was not provided",
    );
}

#[test]
fn every_fault_is_reported_at_once() {
    let f =
        faults("lat=100&long=120&description=%3Cb%3Ex%3C%2Fb%3E&media_url=ftp://x&email=nobody");
    assert_eq!(f.len(), 6, "{f:?}");
    assert!(f[0].contains("api_key"));
    assert!(f[1].contains("service_code"));
    assert!(f.iter().any(|d| d.contains("lat must be")));
    assert!(f.iter().any(|d| d.contains("HTML")));
    assert!(f.iter().any(|d| d.contains("media_url")));
    assert!(f.iter().any(|d| d.contains("email")));
}

#[test]
fn description_is_bounded_and_plain_text() {
    let at_limit = "字".repeat(4000);
    assert!(post(&format!("{OK}&description={at_limit}")).is_ok());
    refused(&format!("{OK}&description={at_limit}x"), "longer than 4000");
    for html in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "a%3Cbr%3Eb",
        "x%3C%2Fp%3E",
        "%3C!--c--%3E",
        "%3C%3Fphp",
    ] {
        refused(&format!("{OK}&description={html}"), "must not contain HTML");
    }
    // A lone `<` is text.
    assert!(post(&format!("{OK}&description=3+%3C+5+and+5+%3E+3")).is_ok());
    refused(&format!("{OK}&description=a%00b"), "control characters");
}

#[test]
fn media_url_is_http_or_https() {
    assert!(post(&format!("{OK}&media_url=HTTPS%3A%2F%2Fcdn.example%2Fa.jpg")).is_ok());
    for bad in [
        "javascript:alert(1)",
        "ftp://x.example/a",
        "http://",
        "https:///a",
        "http://a%20b.example/",
        "http://user@evil.example/",
        "/relative.jpg",
    ] {
        refused(&format!("{OK}&media_url={bad}"), "media_url must be");
    }
    refused(
        &format!("{OK}&media_url=http://x.example/{}", "a".repeat(2048)),
        "longer than 2048",
    );
}

#[test]
fn email_has_a_shape() {
    for bad in [
        "nobody",
        "@x.example",
        "a@",
        "a@b@c",
        "a b@c.example",
        "a@.example",
    ] {
        refused(&format!("{OK}&email={bad}"), "email");
    }
}

#[test]
fn short_fields_are_bounded_and_single_line() {
    let long = "x".repeat(257);
    for field in [
        "api_key",
        "jurisdiction_id",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
    ] {
        let base = if field == "api_key" {
            "service_code=LAMP&address_id=1"
        } else {
            OK
        };
        refused(
            &format!("{base}&{field}={long}"),
            &format!("{field} is longer than 256"),
        );
    }
    refused(
        &format!("{OK}&first_name=a%0Ab"),
        "first_name has control characters",
    );
    refused(
        "api_key=k&address_id=1&service_code=S%09%01",
        "service_code has control characters",
    );
    // An address may span lines.
    assert!(post(&format!(
        "{OK}&address_string=%E4%B8%AD%E5%B1%B1%E8%B7%AF%0A8%E5%8F%B7"
    ))
    .is_ok());
}

#[test]
fn a_field_given_twice_is_refused() {
    refused(
        &format!("{OK}&service_code=ROAD"),
        "service_code is given more than once",
    );
    refused(
        &format!("{OK}&attribute[A]=1&attribute[A]=2"),
        "attribute[A] is given twice",
    );
    refused(
        &format!("{OK}&attribute[A]=1&attribute[A][]=2"),
        "are both given",
    );
    refused(
        &format!("{OK}&attribute[A][]=1&attribute[A]=2"),
        "are both given",
    );
}

#[test]
fn attributes_are_bounded() {
    let many: String = (0..=MAX_ATTRIBUTES)
        .map(|i| format!("&attribute[A{i}]=v"))
        .collect();
    refused(&format!("{OK}{many}"), "more than 100 attributes");
    let values: String = (0..=MAX_ATTRIBUTE_VALUES)
        .map(|i| format!("&attribute[M][]=v{i}"))
        .collect();
    refused(&format!("{OK}{values}"), "more than 100 values");
    refused(
        &format!("{OK}&attribute[A]={}", "v".repeat(1001)),
        "longer than 1000",
    );
    refused(
        &format!("{OK}&attribute[]=v"),
        "attribute code `` is not valid",
    );
    let fields: String = (0..MAX_FIELDS).map(|i| format!("&x{i}=1")).collect();
    refused(&format!("{OK}{fields}"), "more than 300 fields");
}

#[test]
fn only_form_urlencoded_utf8_bodies() {
    let body = OK.as_bytes();
    assert!(parse_post(body, None).is_ok());
    assert!(parse_post(body, Some("Application/X-WWW-Form-Urlencoded")).is_ok());
    assert!(parse_post(
        body,
        Some("application/x-www-form-urlencoded;charset=\"UTF-8\"")
    )
    .is_ok());
    for ct in [
        "multipart/form-data; boundary=x",
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded; charset=gbk",
    ] {
        let errors = parse_post(body, Some(ct)).unwrap_err();
        assert_eq!(errors.len(), 1, "{ct}");
        assert_eq!(http_status(&errors), 400, "{ct}");
    }
    let errors = parse_post(b"api_key=k&service_code=\xff&address_id=1", FORM).unwrap_err();
    assert!(errors[0].description.contains("not UTF-8"));
}

#[test]
fn unknown_fields_are_ignored() {
    assert!(post(&format!("{OK}&x_client=foo&attribute=odd")).is_ok());
}

fn definition() -> ServiceDefinition {
    let attr = |code: &str, datatype, required| Attribute {
        variable: true,
        code: code.into(),
        datatype,
        required,
        datatype_description: None,
        order: 1,
        description: code.into(),
        values: vec![],
    };
    let keys = |keys: &[&str]| {
        keys.iter()
            .map(|k| AttributeValue {
                key: (*k).into(),
                name: k.to_uppercase(),
            })
            .collect::<Vec<_>>()
    };
    ServiceDefinition {
        service_code: "LAMP".into(),
        attributes: vec![
            Attribute {
                values: keys(&["dark", "flicker", "leaning"]),
                ..attr("FAULT", Datatype::Multivaluelist, true)
            },
            Attribute {
                values: keys(&["steel", "wood"]),
                ..attr("POLE_KIND", Datatype::Singlevaluelist, false)
            },
            attr("POLE", Datatype::String, true),
            attr("HEIGHT", Datatype::Number, false),
            attr("SINCE", Datatype::Datetime, false),
            attr("NOTE", Datatype::Text, false),
            Attribute {
                variable: false,
                ..attr("INFO", Datatype::Text, false)
            },
        ],
    }
}

fn validate(attrs: &str) -> Result<(), Vec<String>> {
    let r = post(&format!("{OK}{attrs}")).expect(attrs);
    validate_attributes(&r, &definition())
        .map_err(|e| e.into_iter().map(|e| e.description).collect())
}

fn invalid(attrs: &str, needle: &str) {
    let f = validate(attrs).expect_err(attrs);
    assert_eq!(f.len(), 1, "{attrs}: {f:?}");
    assert!(f[0].contains(needle), "{attrs}: {f:?}");
}

#[test]
fn valid_attributes_pass() {
    let all = "&attribute[FAULT][]=dark&attribute[FAULT][]=leaning&attribute[POLE_KIND]=steel\
        &attribute[POLE]=P-17&attribute[HEIGHT]=-7.5e0&attribute[SINCE]=2026-11-30T06:05:00Z\
        &attribute[NOTE]=line+1%0Aline+2";
    assert_eq!(validate(all), Ok(()));
    // One value of a multi-value list may be sent the single way; a single list the multi way.
    assert_eq!(
        validate("&attribute[FAULT]=dark&attribute[POLE]=P&attribute[POLE_KIND][]=wood"),
        Ok(())
    );
}

#[test]
fn required_attributes_must_be_given() {
    let f = validate("").unwrap_err();
    assert_eq!(
        f,
        [
            "attribute[FAULT] is required",
            "attribute[POLE] is required"
        ]
    );
    invalid("&attribute[FAULT]=dark", "attribute[POLE] is required");
}

#[test]
fn attribute_value_faults() {
    let base = "&attribute[FAULT]=dark&attribute[POLE]=P";
    invalid(
        &format!("{base}&attribute[COLOR]=red"),
        "attribute[COLOR] is not an attribute of service `LAMP`",
    );
    invalid(&format!("{base}&attribute[INFO]=x"), "information only");
    invalid(
        &format!("{base}&attribute[POLE_KIND]=plastic"),
        "`plastic` is not one of its values",
    );
    invalid(
        &format!("{base}&attribute[POLE_KIND][]=steel&attribute[POLE_KIND][]=wood"),
        "takes one value",
    );
    invalid(
        "&attribute[FAULT][]=dark&attribute[FAULT][]=melted&attribute[POLE]=P",
        "`melted` is not one of its values",
    );
    invalid(
        "&attribute[FAULT][]=dark&attribute[FAULT][]=dark&attribute[POLE]=P",
        "`dark` is given twice",
    );
    invalid(
        &format!("{base}&attribute[HEIGHT]=tall"),
        "attribute[HEIGHT] must be a number",
    );
    invalid(
        &format!("{base}&attribute[HEIGHT]=NaN"),
        "attribute[HEIGHT] must be a number",
    );
    invalid(
        &format!("{base}&attribute[SINCE]=2026-11-30"),
        "attribute[SINCE] must be a date-time",
    );
    invalid(
        "&attribute[FAULT]=dark&attribute[POLE]=P%0AQ",
        "attribute[POLE] must be one line",
    );
}

#[test]
fn a_definition_of_another_service_is_refused() {
    let r =
        post("api_key=k&service_code=ROAD&address_id=1&attribute[FAULT]=dark&attribute[POLE]=P")
            .unwrap();
    let errors = validate_attributes(&r, &definition()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]
        .description
        .contains("does not apply to service_code `ROAD`"));
}
