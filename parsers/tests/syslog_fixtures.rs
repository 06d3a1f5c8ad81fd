//! Runs the syslog cases in `fixtures/parsers/syslog/cases.jsonl`.
//!
//! Each line is one case: `name`, the line as `input` (a JSON string) or
//! `input_escaped` (the same, with `\xNN` for a raw byte, so that invalid
//! UTF-8 can be written), and either `expect`, the full record, or
//! `error`, `{"offset": N, "reason_contains": "..."}`.
//!
//! RFC 3164 years depend on the reference time, which is fixed here at
//! 2026-11-23T12:00:00Z.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use sluice_parsers::{parse_syslog_at, ParseError};

const CASES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/parsers/syslog/cases.jsonl"
);

fn reference_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

/// `\xNN` is the byte NN, `\\` a backslash; everything else is itself.
fn unescape_bytes(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match (bytes[index], bytes.get(index + 1)) {
            (b'\\', Some(b'\\')) => {
                out.push(b'\\');
                index += 2;
            }
            (b'\\', Some(b'x')) => {
                let hex = std::str::from_utf8(&bytes[index + 2..index + 4]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                index += 4;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    out
}

fn input_of(case: &Value) -> Vec<u8> {
    match (case.get("input"), case.get("input_escaped")) {
        (Some(Value::String(text)), None) => text.as_bytes().to_vec(),
        (None, Some(Value::String(text))) => unescape_bytes(text),
        _ => panic!("case needs exactly one of `input` and `input_escaped`: {case}"),
    }
}

/// Checks one case; `Err` describes the mismatch.
fn check(case: &Value) -> Result<(), String> {
    let input = input_of(case);
    let parsed = parse_syslog_at(&input, reference_time());
    match (case.get("expect"), case.get("error"), parsed) {
        (Some(expect), None, Ok(record)) => {
            let got = Value::Object(record);
            if &got == expect {
                Ok(())
            } else {
                Err(format!("expected {expect}\n     got {got}"))
            }
        }
        (Some(_), None, Err(err)) => Err(format!("expected a record, got error {err}")),
        (
            None,
            Some(error),
            Err(ParseError::Malformed {
                format,
                offset,
                reason,
            }),
        ) => {
            let want_offset = error["offset"].as_u64().ok_or("error.offset missing")?;
            let want_reason = error["reason_contains"]
                .as_str()
                .ok_or("error.reason_contains missing")?;
            if format != "syslog" || offset as u64 != want_offset || !reason.contains(want_reason) {
                return Err(format!(
                    "expected error at {want_offset} containing {want_reason:?}, \
                     got {format} at {offset}: {reason:?}"
                ));
            }
            Ok(())
        }
        (None, Some(_), Err(other)) => Err(format!("expected Malformed, got {other:?}")),
        (None, Some(_), Ok(record)) => Err(format!("expected an error, got {record:?}")),
        _ => Err("case needs exactly one of `expect` and `error`".to_owned()),
    }
}

#[test]
fn syslog_fixture_cases() {
    let text = std::fs::read_to_string(CASES).unwrap();
    let mut names = std::collections::HashSet::new();
    let mut failures = Vec::new();
    let mut count = 0;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Value = serde_json::from_str(line)
            .unwrap_or_else(|err| panic!("cases.jsonl:{}: {err}", index + 1));
        let name = case["name"].as_str().unwrap_or("?").to_owned();
        assert!(names.insert(name.clone()), "duplicate case name {name}");
        count += 1;
        if let Err(mismatch) = check(&case) {
            failures.push(format!("cases.jsonl:{} {name}:\n  {mismatch}", index + 1));
        }
    }
    assert!(count >= 20, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
