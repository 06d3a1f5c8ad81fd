#![no_main]
//! Event-time reading. `parse_timestamp` / `parse_guessed_timestamp` over a
//! JSON value built from the input (the input as JSON, as a string, and its
//! first 8 bytes as an integer and as a float), in UTC and in a zone picked
//! from the input: the guessed variant only ever refuses more. And a user
//! `time_format` taken from the input (`format \0 text`), which either
//! is refused at construction or reads the text without panicking, at
//! reference times on both sides of New Year. `TimeZone::from_name` takes
//! any text.

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sluice_fuzz::{reference_times, zone_for};
use sluice_parsers::{
    parse_guessed_timestamp, parse_guessed_timestamp_in, parse_timestamp, parse_timestamp_in,
    TimeFormat, TimeZone,
};

fn check(value: &Value, zone: &TimeZone) {
    let plain = parse_timestamp(value);
    let guessed = parse_guessed_timestamp(value);
    if let Some(guessed) = guessed {
        assert_eq!(plain, Some(guessed), "guessed time differs for {value}");
    }
    if let Some(time) = plain {
        // Renders, as the pipeline does for `@timestamp`.
        let _ = time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    }
    let zoned = parse_timestamp_in(value, zone);
    if let Some(guessed) = parse_guessed_timestamp_in(value, zone) {
        assert_eq!(
            zoned,
            Some(guessed),
            "guessed zoned time differs for {value}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let zone = zone_for(data);
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        check(&value, &zone);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check(&Value::String(text.to_owned()), &zone);
        let _ = TimeZone::from_name(text);
    }
    let mut bytes = [0u8; 8];
    let head = &data[..data.len().min(8)];
    bytes[..head.len()].copy_from_slice(head);
    check(&Value::from(i64::from_le_bytes(bytes)), &zone);
    check(&Value::from(u64::from_le_bytes(bytes)), &zone);
    if let Some(number) = serde_json::Number::from_f64(f64::from_le_bytes(bytes)) {
        check(&Value::Number(number), &zone);
    }

    let Some(split) = data.iter().position(|&byte| byte == 0) else {
        return;
    };
    let (Ok(format), Ok(text)) = (
        std::str::from_utf8(&data[..split]),
        std::str::from_utf8(&data[split + 1..]),
    ) else {
        return;
    };
    let Ok(format) = TimeFormat::new(format) else {
        return;
    };
    for now in reference_times() {
        if let Some(time) = format.parse(text, &zone, now) {
            let _ = time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        }
        let _ = format.parse_value(&Value::String(text.to_owned()), &zone, now);
    }
});
