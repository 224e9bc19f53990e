//! Property tests: the parsers take any input without panicking, and every request record
//! reads back from its JSON and is well-formed XML.

use proptest::prelude::*;
use quick_xml::events::Event;
use quick_xml::Reader;
use zhicheng_open311::{parse_post, parse_requests_query, Format, Render, ServiceRequest, Status};

fn well_formed(xml: &str) -> bool {
    let mut reader = Reader::from_str(xml);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => return depth == 0,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

proptest! {
    #[test]
    fn parse_post_takes_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_post(&body, None);
    }

    #[test]
    fn parse_post_takes_any_form(
        pairs in proptest::collection::vec(
            ("(api_key|service_code|lat|long|address_id|description|media_url|email|attribute\\[[A-Z]{0,3}\\](\\[\\])?|x)", ".{0,20}"),
            0..20,
        )
    ) {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            ser.append_pair(k, v);
        }
        let _ = parse_post(ser.finish().as_bytes(), Some("application/x-www-form-urlencoded"));
    }

    #[test]
    fn parse_requests_query_takes_any_text(q in ".{0,200}", now in any::<i64>()) {
        let _ = parse_requests_query(&q, now);
    }

    #[test]
    fn requests_read_back_and_are_well_formed_xml(
        id in ".{1,20}", notes in proptest::option::of(".{0,40}"), name in ".{0,20}",
        at in -62_000_000_000_000i64..253_000_000_000_000, lat in proptest::option::of(-90.0f64..90.0),
        closed in any::<bool>(),
    ) {
        let r = ServiceRequest {
            service_request_id: id,
            status: if closed { Status::Closed } else { Status::Open },
            status_notes: notes,
            service_name: name,
            service_code: "C".into(),
            description: None,
            agency_responsible: None,
            service_notice: None,
            requested_datetime: at - at.rem_euclid(1000),
            updated_datetime: None,
            expected_datetime: None,
            address: None,
            address_id: None,
            zipcode: None,
            lat,
            long: lat,
            media_url: None,
        };
        let rs = [r];
        let mut back: Vec<ServiceRequest> = serde_json::from_str(&rs.render(Format::Json)).unwrap();
        // serde_json reads floats to within an ulp (without its float_roundtrip feature).
        let near = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-12,
            (a, b) => a == b,
        };
        prop_assert!(near(back[0].lat, rs[0].lat) && near(back[0].long, rs[0].long));
        (back[0].lat, back[0].long) = (rs[0].lat, rs[0].long);
        prop_assert_eq!(&back[..], &rs[..]);
        prop_assert!(well_formed(&rs.render(Format::Xml)));
    }
}
