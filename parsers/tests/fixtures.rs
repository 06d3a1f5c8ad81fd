//! Runs every `fixtures/parsers/<format>/cases.jsonl` through
//! `parse_format_at`, or through the user regex parser a case defines
//! (the case format is in `fixtures/parsers/README.md`). Year inference
//! uses a fixed "now", 2026-11-23T12:00:00Z.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sluice_parsers::{
    parse_format_at, FieldType, ParseError, RegexParser, TimeFormat, TimeZone, TimestampReader,
};

const MIN_CASES: usize = 10;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/parsers")
}

fn now() -> DateTime<Utc> {
    "2026-11-23T12:00:00Z"
        .parse()
        .expect("valid reference time")
}

fn error_offset(err: &ParseError) -> Option<usize> {
    match err {
        ParseError::Malformed { offset, .. }
        | ParseError::InvalidUtf8 { offset }
        | ParseError::NotAnObject { offset }
        | ParseError::InvalidJson { offset, .. }
        | ParseError::BadFieldType { offset, .. } => Some(*offset),
        _ => None,
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("input_hex is hex"))
        .collect()
}

/// The parser a case's `regex` object defines: `pattern`, and optionally
/// `types`, `time_format` and `timezone` as in a config's `parsers:`.
fn regex_parser(definition: &Value) -> Result<RegexParser, String> {
    let pattern = definition["pattern"]
        .as_str()
        .ok_or("regex case without a `pattern`")?;
    let mut types = HashMap::new();
    for (field, name) in definition["types"].as_object().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        let kind = FieldType::from_name(name).ok_or(format!("unknown type {name:?}"))?;
        types.insert(field.clone(), kind);
    }
    let format = match definition["time_format"].as_str() {
        Some(format) => Some(TimeFormat::new(format).map_err(|err| err.to_string())?),
        None => None,
    };
    let zone = match definition["timezone"].as_str() {
        Some(name) => TimeZone::from_name(name).map_err(|err| err.to_string())?,
        None => TimeZone::UTC,
    };
    let parser = RegexParser::new(pattern, types).map_err(|err| err.to_string())?;
    Ok(parser.with_timestamps(TimestampReader::new(format, zone)))
}

/// Checks one case; `Err` describes the mismatch.
fn check(format_dir: &str, case: &Value) -> Result<(), String> {
    let format = case["format"].as_str().unwrap_or(format_dir);
    let input = match (&case["input"], &case["input_hex"]) {
        (Value::String(text), _) => text.as_bytes().to_vec(),
        (_, Value::String(text)) => hex(text),
        _ => return Err("case has neither input nor input_hex".into()),
    };
    let result = match case.get("regex") {
        Some(definition) => regex_parser(definition)?.parse_at(&input, now()),
        None => match parse_format_at(format, &input, now()) {
            Some(result) => result,
            None => return Err(format!("unknown format {format:?}")),
        },
    };
    match (result, &case["expect"], &case["error"]) {
        (Ok(record), expect @ Value::Object(_), _) => {
            let got = Value::Object(record);
            if &got == expect {
                Ok(())
            } else {
                Err(format!("record differs\n  want {expect}\n  got  {got}"))
            }
        }
        (Err(err), _, Value::Object(want)) => {
            let offset = error_offset(&err);
            let reason = err.to_string();
            let want_offset = want.get("offset").and_then(Value::as_u64);
            let want_reason = want
                .get("reason_contains")
                .and_then(Value::as_str)
                .unwrap_or("");
            if offset.map(|o| o as u64) != want_offset || !reason.contains(want_reason) {
                Err(format!(
                    "error differs: want offset {want_offset:?} and {want_reason:?}, got {offset:?} {reason:?}"
                ))
            } else {
                Ok(())
            }
        }
        (Ok(record), _, _) => Err(format!("expected an error, got {}", Value::Object(record))),
        (Err(err), _, _) => Err(format!("unexpected error: {err}")),
    }
}

/// Every directory under `fixtures/parsers`, sorted.
fn formats() -> Vec<String> {
    let mut formats: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/parsers")
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    formats.sort();
    formats
}

#[test]
fn every_format_matches_its_fixtures() {
    let formats = formats();
    assert!(formats.len() >= 6, "fixture directories: {formats:?}");
    let mut failures = Vec::new();
    for format in &formats {
        let format = format.as_str();
        let path = fixtures_dir().join(format).join("cases.jsonl");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let mut cases = 0;
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let case: Value = serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("{}:{}: {err}", path.display(), index + 1));
            cases += 1;
            let name = case["name"].as_str().unwrap_or("?");
            if let Err(problem) = check(format, &case) {
                failures.push(format!("{format}:{} {name}: {problem}", index + 1));
            }
        }
        assert!(
            cases >= MIN_CASES,
            "{}: {cases} cases, want at least {MIN_CASES}",
            path.display()
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
