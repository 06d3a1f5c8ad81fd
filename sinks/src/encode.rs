//! NDJSON encoding shared by the file, stdout and (later) bulk sinks.

use chrono::SecondsFormat;

use crate::Event;

/// Appends one JSON line per event. Records without `@timestamp` get the
/// event time first, so files load into Elasticsearch as they are.
pub fn encode_ndjson(events: &[Event], out: &mut Vec<u8>) {
    for event in events {
        encode_record(event, out);
        out.push(b'\n');
    }
}

/// Appends one event's JSON object (no newline).
pub fn encode_record(event: &Event, out: &mut Vec<u8>) {
    let start = out.len();
    // Serialising a map of JSON values into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &event.record);
    if event.record.contains_key("@timestamp") {
        return;
    }
    let stamp = event.time.to_rfc3339_opts(SecondsFormat::Millis, true);
    let separator = if event.record.is_empty() { "" } else { "," };
    let prefix = format!("{{\"@timestamp\":\"{stamp}\"{separator}");
    out.splice(start..start + 1, prefix.into_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn event(record: serde_json::Value) -> Event {
        Event {
            tag: "t".into(),
            time: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            index: None,
            record: record.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn existing_timestamp_is_kept() {
        let mut out = Vec::new();
        encode_ndjson(
            &[event(serde_json::json!({"@timestamp": "x", "a": 1}))],
            &mut out,
        );
        assert_eq!(out, b"{\"@timestamp\":\"x\",\"a\":1}\n");
    }

    #[test]
    fn empty_record_gets_only_the_timestamp() {
        let mut out = Vec::new();
        encode_ndjson(&[event(serde_json::json!({}))], &mut out);
        assert_eq!(out, b"{\"@timestamp\":\"2026-01-02T03:04:05.000Z\"}\n");
    }
}
