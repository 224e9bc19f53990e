//! The wire formats the simulated devices send.
//!
//! - HTTP ingest: `POST /api/v1/ingest` with `{"readings":[{"entity","metric","ts","value"}, …]}`.
//! - MQTT: topic `city/{entity}/telemetry`, payload `{"ts":…, "values":{"pm25":35.2, …}}`.
//!
//! Times are epoch milliseconds (UTC). Whole-number values (integer and boolean metrics) are
//! written as JSON integers, so a receiver that checks integer metrics strictly accepts them.

use serde_json::{Map, Number, Value};

use super::values::Sample;

/// A JSON number for a metric value: an integer when the value is whole, `None` if not finite.
fn number(v: f64) -> Option<Value> {
    if !v.is_finite() {
        return None;
    }
    // Below 2^53 an f64 holds every integer exactly.
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        return Some(Value::from(v as i64));
    }
    Number::from_f64(v).map(Value::Number)
}

/// The HTTP ingest body for one device report.
pub fn ingest_body(entity: &str, ts_ms: i64, samples: &[Sample]) -> Value {
    let readings: Vec<Value> = samples
        .iter()
        .filter_map(|s| {
            let value = number(s.value)?;
            let mut r = Map::new();
            r.insert("entity".into(), Value::from(entity));
            r.insert("metric".into(), Value::from(s.name));
            r.insert("ts".into(), Value::from(ts_ms));
            r.insert("value".into(), value);
            Some(Value::Object(r))
        })
        .collect();
    let mut body = Map::new();
    body.insert("readings".into(), Value::Array(readings));
    Value::Object(body)
}

/// The MQTT topic a device publishes its telemetry on.
pub fn mqtt_topic(entity: &str) -> String {
    format!("city/{entity}/telemetry")
}

/// The MQTT telemetry payload for one device report.
pub fn mqtt_payload(ts_ms: i64, samples: &[Sample]) -> Value {
    let mut values = Map::new();
    for s in samples {
        if let Some(v) = number(s.value) {
            values.insert(s.name.to_string(), v);
        }
    }
    let mut body = Map::new();
    body.insert("ts".into(), Value::from(ts_ms));
    body.insert("values".into(), Value::Object(values));
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TS: i64 = 1_795_399_200_000;

    fn samples() -> Vec<Sample> {
        vec![
            Sample {
                name: "pm25",
                value: 35.2,
            },
            Sample {
                name: "pm10",
                value: 60.0,
            },
            Sample {
                name: "bad",
                value: f64::NAN,
            },
        ]
    }

    #[test]
    fn ingest_body_has_one_reading_per_metric() {
        let body = ingest_body("air-001", TS, &samples());
        assert_eq!(
            body,
            json!({"readings": [
                {"entity": "air-001", "metric": "pm25", "ts": TS, "value": 35.2},
                {"entity": "air-001", "metric": "pm10", "ts": TS, "value": 60}
            ]})
        );
        // Whole values are integers on the wire; the ts is an integer too.
        let text = serde_json::to_string(&body).unwrap();
        assert!(text.contains("\"value\":60}"), "{text}");
        assert!(text.contains("\"ts\":1795399200000"), "{text}");
    }

    #[test]
    fn ingest_body_parses_as_model_readings() {
        let body = ingest_body(
            "park-001",
            TS,
            &[Sample {
                name: "occupied_spots",
                value: 12.0,
            }],
        );
        let readings: Vec<zhicheng_model::Reading> =
            serde_json::from_value(body["readings"].clone()).unwrap();
        assert_eq!(
            readings,
            vec![zhicheng_model::Reading {
                entity: "park-001".into(),
                metric: "occupied_spots".into(),
                ts: TS,
                value: 12.0
            }]
        );
    }

    #[test]
    fn mqtt_payload_maps_metrics_to_values() {
        assert_eq!(
            mqtt_payload(TS, &samples()),
            json!({"ts": TS, "values": {"pm25": 35.2, "pm10": 60}})
        );
        assert_eq!(mqtt_topic("lamp-0001"), "city/lamp-0001/telemetry");
    }
}
