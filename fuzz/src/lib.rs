//! Shared checks for the sluice fuzz targets.

use serde_json::Value;
use sluice_parsers::{ParseError, Record};

/// The byte offset an error carries, if its variant has one.
pub fn error_offset(err: &ParseError) -> Option<usize> {
    match err {
        ParseError::InvalidUtf8 { offset }
        | ParseError::NotAnObject { offset }
        | ParseError::InvalidJson { offset, .. }
        | ParseError::Malformed { offset, .. }
        | ParseError::BadFieldType { offset, .. } => Some(*offset),
        _ => None,
    }
}

/// What every parser result must satisfy, whatever the format:
/// - an error's offset lies within the line (`<= line.len()`);
/// - `InvalidUtf8` is only reported for a line that is not valid UTF-8, and
///   its offset is where the line stops being valid UTF-8 or later;
/// - the error renders (Display) without panicking;
/// - a record serialises to JSON and reads back as the same object.
pub fn check_result(name: &str, line: &[u8], result: &Result<Record, ParseError>) {
    match result {
        Ok(record) => check_record(name, record),
        Err(err) => {
            let _ = err.to_string();
            if let Some(offset) = error_offset(err) {
                assert!(
                    offset <= line.len(),
                    "{name}: error offset {offset} past the end of a {}-byte line: {err:?}",
                    line.len()
                );
            }
            if let ParseError::InvalidUtf8 { offset } = err {
                let valid_up_to = match std::str::from_utf8(line) {
                    Ok(_) => panic!("{name}: InvalidUtf8 for a valid UTF-8 line: {err:?}"),
                    Err(utf8) => utf8.valid_up_to(),
                };
                assert!(
                    *offset >= valid_up_to,
                    "{name}: InvalidUtf8 at {offset}, but the line is valid up to {valid_up_to}"
                );
            }
        }
    }
}

/// A record is a JSON object that survives a round trip.
pub fn check_record(name: &str, record: &Record) {
    let text = serde_json::to_string(record)
        .unwrap_or_else(|err| panic!("{name}: record does not serialise: {err}"));
    let back: Record = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{name}: record does not read back: {err}: {text}"));
    assert!(
        same_value(&Value::Object(back.clone()), &Value::Object(record.clone())),
        "{name}: record changes in a JSON round trip:\n{record:?}\n{back:?}"
    );
}

/// Equality, except that floats may differ in the last place: serde_json
/// without its `float_roundtrip` feature reads some 17-digit floats one ulp
/// off, which is serde_json's documented trade-off, not a parser bug.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => {
                    x == y || (x - y).abs() <= f64::EPSILON * 4.0 * x.abs().max(y.abs())
                }
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same_value(vx, vy))
        }
        _ => a == b,
    }
}

/// Reference times for the parsers that infer a year: mid-year, and both
/// sides of New Year (where year inference turns around).
pub fn reference_times() -> [chrono::DateTime<chrono::Utc>; 3] {
    [
        "2026-06-15T12:00:00Z",
        "2026-12-31T23:59:59Z",
        "2027-01-01T00:00:01Z",
    ]
    .map(|text| text.parse().expect("a valid RFC 3339 time"))
}

/// A zone picked from the line's length, so the zoned paths run too: UTC,
/// odd fixed offsets, and zones with daylight saving (Lord Howe shifts by
/// half an hour).
pub fn zone_for(line: &[u8]) -> sluice_parsers::TimeZone {
    const NAMES: [&str; 6] = [
        "UTC",
        "+05:45",
        "-09:30",
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",
    ];
    sluice_parsers::TimeZone::from_name(NAMES[line.len() % NAMES.len()]).expect("a known zone")
}
