//! Event-time extraction from parsed fields.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// Field names tried, in order, when an input names no `time_key`.
pub const TIME_KEY_CANDIDATES: [&str; 3] = ["@timestamp", "timestamp", "time"];

/// Reads an event time from a JSON value.
///
/// Accepts RFC 3339 strings, ISO 8601 without a zone (taken as UTC, with `T`
/// or a space between date and time), and epoch numbers or numeric strings
/// in seconds, milliseconds, microseconds or nanoseconds (told apart by
/// magnitude). Returns `None` for anything else.
pub fn parse_timestamp(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(text) => parse_text(text),
        Value::Number(number) => number
            .as_i64()
            .and_then(from_epoch_integer)
            .or_else(|| number.as_f64().and_then(from_epoch_seconds_float)),
        _ => None,
    }
}

/// Like [`parse_timestamp`], for a field picked by its name alone
/// (`time`, `timestamp`): epoch numbers before 2001-09-09 (1e9 seconds) are
/// refused, since a small number under such a name is more often a
/// duration (`"time": 0.153`) than a date.
pub fn parse_guessed_timestamp(value: &Value) -> Option<DateTime<Utc>> {
    const MIN_PLAUSIBLE_EPOCH_SECONDS: f64 = 1e9;
    let numeric = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) if text.trim().parse::<f64>().is_ok() => {
            text.trim().parse::<f64>().ok()
        }
        _ => None,
    };
    match numeric {
        Some(number) if number.abs() < MIN_PLAUSIBLE_EPOCH_SECONDS => None,
        _ => parse_timestamp(value),
    }
}

fn parse_text(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    // Offsets without a colon (`+0200`), common in Java and nginx logs.
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(time) = DateTime::parse_from_str(text, format) {
            return Some(time.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    // "2026-11-23 10:00:00+00:00" style: RFC 3339 with a space separator.
    if text.len() > 10 && text.as_bytes()[10] == b' ' {
        let with_t = format!("{}T{}", &text[..10], &text[11..]);
        if let Ok(time) = DateTime::parse_from_rfc3339(&with_t) {
            return Some(time.with_timezone(&Utc));
        }
    }
    if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
        return text.parse::<i64>().ok().and_then(from_epoch_integer);
    }
    text.parse::<f64>().ok().and_then(from_epoch_seconds_float)
}

/// Magnitude tells the unit apart: seconds reach 1e10 only in the year 2286.
fn from_epoch_integer(value: i64) -> Option<DateTime<Utc>> {
    let magnitude = value.unsigned_abs();
    if magnitude < 10_000_000_000 {
        Utc.timestamp_opt(value, 0).single()
    } else if magnitude < 10_000_000_000_000 {
        Utc.timestamp_millis_opt(value).single()
    } else if magnitude < 10_000_000_000_000_000 {
        Some(Utc.timestamp_nanos(value.checked_mul(1_000)?))
    } else {
        Some(Utc.timestamp_nanos(value))
    }
}

fn from_epoch_seconds_float(value: f64) -> Option<DateTime<Utc>> {
    if !value.is_finite() || value.abs() >= 1e10 {
        return None;
    }
    let seconds = value.floor();
    let nanos = ((value - seconds) * 1e9).round() as u32;
    Utc.timestamp_opt(seconds as i64, nanos.min(999_999_999))
        .single()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iso(value: Value) -> Option<String> {
        parse_timestamp(&value).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }

    #[test]
    fn rfc3339_with_offset_is_converted_to_utc() {
        assert_eq!(
            iso(json!("2026-11-23T10:29:01.5+02:00")).as_deref(),
            Some("2026-11-23T08:29:01.500Z")
        );
    }

    #[test]
    fn zoneless_iso_is_utc() {
        assert_eq!(
            iso(json!("2026-11-23 10:29:01")).as_deref(),
            Some("2026-11-23T10:29:01.000Z")
        );
    }

    #[test]
    fn epoch_units_by_magnitude() {
        let want = Some("2026-11-23T10:29:01.000Z");
        assert_eq!(iso(json!(1_795_429_741)).as_deref(), want);
        assert_eq!(iso(json!(1_795_429_741_000_i64)).as_deref(), want);
        assert_eq!(iso(json!(1_795_429_741_000_000_i64)).as_deref(), want);
        assert_eq!(iso(json!(1_795_429_741_000_000_000_i64)).as_deref(), want);
        assert_eq!(iso(json!("1795429741")).as_deref(), want);
        assert_eq!(
            iso(json!(1_795_429_741.25)).as_deref(),
            Some("2026-11-23T10:29:01.250Z")
        );
    }

    #[test]
    fn offsets_without_colon() {
        assert_eq!(
            iso(json!("2026-11-23T10:29:01.5+0200")).as_deref(),
            Some("2026-11-23T08:29:01.500Z")
        );
    }

    #[test]
    fn guessed_keys_refuse_durations_and_short_numbers() {
        assert_eq!(parse_guessed_timestamp(&json!(0.153)), None);
        assert_eq!(parse_guessed_timestamp(&json!("20261123")), None);
        assert!(parse_guessed_timestamp(&json!(1_795_429_741)).is_some());
        assert!(parse_guessed_timestamp(&json!("2026-11-23T10:29:01Z")).is_some());
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(iso(json!("yesterday")), None);
        assert_eq!(iso(json!(true)), None);
        assert_eq!(iso(json!(f64::MAX)), None);
    }
}
