//! Golden bodies for every response type in both formats, mostly the spec's own examples,
//! and JSON round trips.

use zhicheng_open311::{
    Attribute, AttributeValue, Datatype, Discovery, EndpointType, Format, Open311Error,
    PostResponse, Receipt, Render, Service, ServiceDefinition, ServiceRequest, ServiceType, Status,
    TokenResponse,
};

const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
/// 2026-11-30T14:05:00+08:00
const AT: i64 = 1_796_018_700_000;

/// The first service of the spec's GET Service List example.
fn spec_service() -> Service {
    Service {
        service_code: "001".into(),
        service_name: "Cans left out 24x7".into(),
        description: "Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.".into(),
        metadata: true,
        type_: ServiceType::Realtime,
        keywords: vec!["lorem".into(), "ipsum".into(), "dolor".into()],
        group: "sanitation".into(),
    }
}

#[test]
fn services_as_the_spec_shows_them() {
    let xml = [spec_service()].render(Format::Xml);
    assert_eq!(
        xml,
        format!(
            "{PROLOG}<services>
  <service>
    <service_code>001</service_code>
    <service_name>Cans left out 24x7</service_name>
    <description>Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.</description>
    <metadata>true</metadata>
    <type>realtime</type>
    <keywords>lorem, ipsum, dolor</keywords>
    <group>sanitation</group>
  </service>
</services>"
        )
    );
    let json = [spec_service()].render(Format::Json);
    assert_eq!(
        json,
        r#"[{"service_code":"001","service_name":"Cans left out 24x7","description":"Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.","metadata":true,"type":"realtime","keywords":"lorem, ipsum, dolor","group":"sanitation"}]"#
    );
    let back: Vec<Service> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, [spec_service()]);
}

#[test]
fn no_services_is_an_empty_root() {
    let none: [Service; 0] = [];
    assert_eq!(none.render(Format::Xml), format!("{PROLOG}<services/>"));
    assert_eq!(none.render(Format::Json), "[]");
}

/// The spec's GET Service Definition example (its JSON writes the keys as numbers; ours are
/// strings, as codes are).
fn spec_definition() -> ServiceDefinition {
    ServiceDefinition {
        service_code: "DMV66".into(),
        attributes: vec![Attribute {
            variable: true,
            code: "WHISHETN".into(),
            datatype: Datatype::Singlevaluelist,
            required: true,
            datatype_description: None,
            order: 1,
            description: "What is the ticket/tag/DL number?".into(),
            values: vec![
                AttributeValue {
                    key: "123".into(),
                    name: "Ford".into(),
                },
                AttributeValue {
                    key: "124".into(),
                    name: "Chrysler".into(),
                },
            ],
        }],
    }
}

#[test]
fn service_definition_as_the_spec_shows_it() {
    assert_eq!(
        spec_definition().render(Format::Xml),
        format!(
            "{PROLOG}<service_definition>
  <service_code>DMV66</service_code>
  <attributes>
    <attribute>
      <variable>true</variable>
      <code>WHISHETN</code>
      <datatype>singlevaluelist</datatype>
      <required>true</required>
      <datatype_description/>
      <order>1</order>
      <description>What is the ticket/tag/DL number?</description>
      <values>
        <value>
          <key>123</key>
          <name>Ford</name>
        </value>
        <value>
          <key>124</key>
          <name>Chrysler</name>
        </value>
      </values>
    </attribute>
  </attributes>
</service_definition>"
        )
    );
    let json = spec_definition().render(Format::Json);
    assert_eq!(
        json,
        r#"{"service_code":"DMV66","attributes":[{"variable":true,"code":"WHISHETN","datatype":"singlevaluelist","required":true,"datatype_description":null,"order":1,"description":"What is the ticket/tag/DL number?","values":[{"key":"123","name":"Ford"},{"key":"124","name":"Chrysler"}]}]}"#
    );
    let back: ServiceDefinition = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec_definition());
}

#[test]
fn every_datatype_has_its_spec_word() {
    for (d, word) in [
        (Datatype::String, "string"),
        (Datatype::Number, "number"),
        (Datatype::Datetime, "datetime"),
        (Datatype::Text, "text"),
        (Datatype::Singlevaluelist, "singlevaluelist"),
        (Datatype::Multivaluelist, "multivaluelist"),
    ] {
        assert_eq!(d.as_str(), word);
        assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{word}\""));
    }
    for (t, word) in [
        (ServiceType::Realtime, "realtime"),
        (ServiceType::Batch, "batch"),
        (ServiceType::Blackbox, "blackbox"),
    ] {
        assert_eq!(t.as_str(), word);
        assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{word}\""));
    }
}

fn full_request() -> ServiceRequest {
    ServiceRequest {
        service_request_id: "638344".into(),
        status: Status::Closed,
        status_notes: Some("Duplicate request.".into()),
        service_name: "Sidewalk and Curb Issues".into(),
        service_code: "006".into(),
        description: Some("井盖缺失 & <危险>".into()),
        agency_responsible: Some("城管局".into()),
        service_notice: Some("24 小时内处理".into()),
        requested_datetime: AT,
        updated_datetime: Some(AT + 3_600_000),
        expected_datetime: Some(AT + 86_400_000),
        address: Some("中山路 8 号".into()),
        address_id: Some("545483".into()),
        zipcode: Some("310000".into()),
        lat: Some(30.274084),
        long: Some(120.15507),
        media_url: Some("http://media.example/a.jpg".into()),
    }
}

fn bare_request() -> ServiceRequest {
    ServiceRequest {
        service_request_id: "7".into(),
        status: Status::Open,
        status_notes: None,
        service_name: "路灯不亮".into(),
        service_code: "LAMP".into(),
        description: None,
        agency_responsible: None,
        service_notice: None,
        requested_datetime: AT,
        updated_datetime: None,
        expected_datetime: None,
        address: None,
        address_id: None,
        zipcode: None,
        lat: None,
        long: None,
        media_url: None,
    }
}

#[test]
fn service_requests_with_every_field_and_with_none() {
    let xml = [full_request(), bare_request()].render(Format::Xml);
    assert_eq!(
        xml,
        format!(
            "{PROLOG}<service_requests>
  <request>
    <service_request_id>638344</service_request_id>
    <status>closed</status>
    <status_notes>Duplicate request.</status_notes>
    <service_name>Sidewalk and Curb Issues</service_name>
    <service_code>006</service_code>
    <description>井盖缺失 &amp; &lt;危险&gt;</description>
    <agency_responsible>城管局</agency_responsible>
    <service_notice>24 小时内处理</service_notice>
    <requested_datetime>2026-11-30T14:05:00+08:00</requested_datetime>
    <updated_datetime>2026-11-30T15:05:00+08:00</updated_datetime>
    <expected_datetime>2026-12-01T14:05:00+08:00</expected_datetime>
    <address>中山路 8 号</address>
    <address_id>545483</address_id>
    <zipcode>310000</zipcode>
    <lat>30.274084</lat>
    <long>120.15507</long>
    <media_url>http://media.example/a.jpg</media_url>
  </request>
  <request>
    <service_request_id>7</service_request_id>
    <status>open</status>
    <service_name>路灯不亮</service_name>
    <service_code>LAMP</service_code>
    <requested_datetime>2026-11-30T14:05:00+08:00</requested_datetime>
  </request>
</service_requests>"
        )
    );
    let json = [full_request(), bare_request()].render(Format::Json);
    assert_eq!(
        json,
        concat!(
            r#"[{"service_request_id":"638344","status":"closed","status_notes":"Duplicate request.","#,
            r#""service_name":"Sidewalk and Curb Issues","service_code":"006","description":"井盖缺失 & <危险>","#,
            r#""agency_responsible":"城管局","service_notice":"24 小时内处理","#,
            r#""requested_datetime":"2026-11-30T14:05:00+08:00","updated_datetime":"2026-11-30T15:05:00+08:00","#,
            r#""expected_datetime":"2026-12-01T14:05:00+08:00","address":"中山路 8 号","address_id":"545483","#,
            r#""zipcode":"310000","lat":30.274084,"long":120.15507,"media_url":"http://media.example/a.jpg"},"#,
            r#"{"service_request_id":"7","status":"open","service_name":"路灯不亮","service_code":"LAMP","#,
            r#""requested_datetime":"2026-11-30T14:05:00+08:00"}]"#
        )
    );
    let back: Vec<ServiceRequest> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, [full_request(), bare_request()]);
}

#[test]
fn request_times_in_another_zone_read_back_to_the_same_instant() {
    let json = r#"[{"service_request_id":"1","status":"open","service_name":"n","service_code":"c",
        "requested_datetime":"2026-11-30T06:05:00Z","updated_datetime":"2026-11-30T01:05:00-05:00"}]"#;
    let back: Vec<ServiceRequest> = serde_json::from_str(json).unwrap();
    assert_eq!(back[0].requested_datetime, AT);
    assert_eq!(back[0].updated_datetime, Some(AT));
    assert!(serde_json::from_str::<Vec<ServiceRequest>>(
        r#"[{"service_request_id":"1","status":"in_progress","service_name":"n","service_code":"c","requested_datetime":"2026-11-30T06:05:00Z"}]"#
    )
    .is_err());
}

#[test]
fn post_response_as_the_spec_shows_it() {
    let notice = "The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code";
    let realtime = [PostResponse {
        receipt: Receipt::ServiceRequestId("293944".into()),
        service_notice: Some(notice.into()),
        account_id: None,
    }];
    assert_eq!(
        realtime.render(Format::Xml),
        format!(
            "{PROLOG}<service_requests>
  <request>
    <service_request_id>293944</service_request_id>
    <service_notice>{notice}</service_notice>
    <account_id/>
  </request>
</service_requests>"
        )
    );
    let json = realtime.render(Format::Json);
    assert_eq!(
        json,
        format!(
            r#"[{{"service_request_id":"293944","service_notice":"{notice}","account_id":null}}]"#
        )
    );
    assert_eq!(
        serde_json::from_str::<Vec<PostResponse>>(&json).unwrap(),
        realtime
    );

    let batch = [PostResponse {
        receipt: Receipt::Token("12345".into()),
        service_notice: None,
        account_id: Some("A-1".into()),
    }];
    assert_eq!(
        batch.render(Format::Xml),
        format!(
            "{PROLOG}<service_requests>
  <request>
    <token>12345</token>
    <service_notice/>
    <account_id>A-1</account_id>
  </request>
</service_requests>"
        )
    );
    let json = batch.render(Format::Json);
    assert_eq!(
        json,
        r#"[{"token":"12345","service_notice":null,"account_id":"A-1"}]"#
    );
    assert_eq!(
        serde_json::from_str::<Vec<PostResponse>>(&json).unwrap(),
        batch
    );
}

#[test]
fn token_response_as_the_spec_shows_it() {
    let known = [TokenResponse {
        service_request_id: Some("638344".into()),
        token: "12345".into(),
    }];
    assert_eq!(
        known.render(Format::Xml),
        format!(
            "{PROLOG}<service_requests>
  <request>
    <service_request_id>638344</service_request_id>
    <token>12345</token>
  </request>
</service_requests>"
        )
    );
    assert_eq!(
        known.render(Format::Json),
        r#"[{"service_request_id":"638344","token":"12345"}]"#
    );
    let pending = [TokenResponse {
        service_request_id: None,
        token: "12345".into(),
    }];
    assert!(pending
        .render(Format::Xml)
        .contains("<service_request_id/>"));
    assert_eq!(
        pending.render(Format::Json),
        r#"[{"service_request_id":null,"token":"12345"}]"#
    );
}

#[test]
fn errors_as_the_spec_shows_them() {
    let errors = [
        Open311Error::forbidden("api_key was not provided"),
        Open311Error::bad_request("service_code was not provided"),
    ];
    assert_eq!(
        errors.render(Format::Xml),
        format!(
            "{PROLOG}<errors>
  <error>
    <code>403</code>
    <description>api_key was not provided</description>
  </error>
  <error>
    <code>400</code>
    <description>service_code was not provided</description>
  </error>
</errors>"
        )
    );
    let json = errors.render(Format::Json);
    assert_eq!(
        json,
        r#"[{"code":403,"description":"api_key was not provided"},{"code":400,"description":"service_code was not provided"}]"#
    );
    assert_eq!(
        serde_json::from_str::<Vec<Open311Error>>(&json).unwrap(),
        errors
    );
}

#[test]
fn discovery_document() {
    let d = Discovery::new(
        AT,
        "12345 热线 / open311@zhicheng.example",
        "https://zhicheng.example/keys",
    )
    .georeport_v2(
        "https://zhicheng.example/open311/v2/",
        EndpointType::Production,
    )
    .georeport_v2(
        "https://test.zhicheng.example/open311/v2",
        EndpointType::Test,
    );
    assert_eq!(
        d.render(Format::Xml),
        format!(
            "{PROLOG}<discovery>
  <changeset>2026-11-30T14:05:00+08:00</changeset>
  <contact>12345 热线 / open311@zhicheng.example</contact>
  <key_service>https://zhicheng.example/keys</key_service>
  <endpoints>
    <endpoint>
      <specification>http://wiki.open311.org/GeoReport_v2</specification>
      <url>https://zhicheng.example/open311/v2</url>
      <changeset>2026-11-30T14:05:00+08:00</changeset>
      <type>production</type>
      <formats>
        <format>text/xml</format>
        <format>application/json</format>
      </formats>
    </endpoint>
    <endpoint>
      <specification>http://wiki.open311.org/GeoReport_v2</specification>
      <url>https://test.zhicheng.example/open311/v2</url>
      <changeset>2026-11-30T14:05:00+08:00</changeset>
      <type>test</type>
      <formats>
        <format>text/xml</format>
        <format>application/json</format>
      </formats>
    </endpoint>
  </endpoints>
</discovery>"
        )
    );
    let json = d.render(Format::Json);
    assert!(json.starts_with(
        r#"{"changeset":"2026-11-30T14:05:00+08:00","contact":"12345 热线 / open311@zhicheng.example","key_service":"https://zhicheng.example/keys","endpoints":[{"specification":"http://wiki.open311.org/GeoReport_v2","url":"https://zhicheng.example/open311/v2","changeset":"2026-11-30T14:05:00+08:00","type":"production","formats":["text/xml","application/json"]}"#
    ), "{json}");
    assert_eq!(serde_json::from_str::<Discovery>(&json).unwrap(), d);
}

#[test]
fn xml_drops_characters_xml_cannot_hold_and_escapes_markup() {
    let mut r = bare_request();
    r.description = Some("a\u{1}b\u{1b}c\td <x> & \"y\"".into());
    let xml = [r.clone()].render(Format::Xml);
    assert!(
        xml.contains("<description>abc\td &lt;x&gt; &amp; &quot;y&quot;</description>"),
        "{xml}"
    );
    // JSON carries them escaped.
    assert!([r]
        .render(Format::Json)
        .contains(r#""description":"a\u0001b\u001bc\td <x> & \"y\"""#));
}
