#![no_main]
//! `parse_timestamp` / `parse_guessed_timestamp` over a JSON value built from
//! the input (the input as JSON, as a string, and its first 8 bytes as an
//! integer and as a float). The guessed variant only ever refuses more: when
//! it returns a time, `parse_timestamp` returns the same one.

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sluice_parsers::{parse_guessed_timestamp, parse_timestamp};

fn check(value: &Value) {
    let plain = parse_timestamp(value);
    let guessed = parse_guessed_timestamp(value);
    if let Some(guessed) = guessed {
        assert_eq!(plain, Some(guessed), "guessed time differs for {value}");
    }
    if let Some(time) = plain {
        // Renders, as the pipeline does for `@timestamp`.
        let _ = time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        check(&value);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check(&Value::String(text.to_owned()));
    }
    let mut bytes = [0u8; 8];
    let head = &data[..data.len().min(8)];
    bytes[..head.len()].copy_from_slice(head);
    check(&Value::from(i64::from_le_bytes(bytes)));
    check(&Value::from(u64::from_le_bytes(bytes)));
    if let Some(number) = serde_json::Number::from_f64(f64::from_le_bytes(bytes)) {
        check(&Value::Number(number));
    }
});
