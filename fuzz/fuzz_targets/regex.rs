#![no_main]
//! `RegexParser`: a fixed, typed access-log pattern over the whole input,
//! and a user pattern taken from the input (`pattern \0 line`). A record
//! holds only the pattern's capture names; a typed field holds its type;
//! `BadFieldType` names a typed capture and lies within the line; a
//! `timestamp` capture comes out as an RFC 3339 UTC string.

use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sluice_fuzz::{check_result, reference_times, zone_for};
use sluice_parsers::{FieldType, ParseError, RegexParser, TimeFormat, TimestampReader};

const ACCESS: &str = r#"^(?P<client>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<path>\S*) (?P<proto>[^"]*)" (?P<status>\S+) (?P<bytes>\S+)(?: (?P<ratio>\S+))?(?: (?P<cached>\S+))?"#;

fn access() -> &'static RegexParser {
    static PARSER: OnceLock<RegexParser> = OnceLock::new();
    PARSER.get_or_init(|| {
        let types = HashMap::from([
            ("status".to_owned(), FieldType::Int),
            ("bytes".to_owned(), FieldType::Int),
            ("ratio".to_owned(), FieldType::Float),
            ("cached".to_owned(), FieldType::Bool),
        ]);
        RegexParser::new(ACCESS, types).expect("the fixed pattern compiles")
    })
}

fn check(parser: &RegexParser, types: &HashMap<String, FieldType>, line: &[u8]) {
    check_at(parser, types, line, reference_times()[0]);
}

fn check_at(
    parser: &RegexParser,
    types: &HashMap<String, FieldType>,
    line: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) {
    let result = parser.parse_at(line, now);
    check_result("regex", line, &result);
    match &result {
        Ok(record) => {
            for (key, value) in record {
                assert!(
                    parser.capture_names().any(|name| name == key),
                    "field {key:?} is not a capture name"
                );
                match types.get(key) {
                    Some(FieldType::Int) => assert!(value.is_i64(), "{key}: {value}"),
                    Some(FieldType::Float) => assert!(value.is_f64(), "{key}: {value}"),
                    Some(FieldType::Bool) => assert!(value.is_boolean(), "{key}: {value}"),
                    Some(FieldType::Timestamp) => assert!(
                        value
                            .as_str()
                            .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
                            .is_some(),
                        "{key}: {value}"
                    ),
                    _ => assert!(matches!(value, Value::String(_)), "{key}: {value}"),
                }
            }
        }
        Err(ParseError::BadFieldType { field, .. }) => {
            assert!(
                types.contains_key(field),
                "BadFieldType for untyped field {field:?}"
            )
        }
        Err(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let fixed_types = access()
        .types()
        .into_iter()
        .map(|(name, kind)| (name.to_owned(), kind))
        .collect();
    check(access(), &fixed_types, data);

    // `pattern \0 line`: the pattern's captures get types in turn, every fourth untyped.
    let Some(split) = data.iter().position(|&byte| byte == 0) else {
        return;
    };
    let Ok(pattern) = std::str::from_utf8(&data[..split]) else {
        return;
    };
    if pattern.len() > 200 {
        return;
    }
    let line = &data[split + 1..];
    let Ok(untyped) = RegexParser::new(pattern, HashMap::new()) else {
        return;
    };
    let kinds = [
        FieldType::Int,
        FieldType::Float,
        FieldType::Bool,
        FieldType::Timestamp,
    ];
    let types: HashMap<String, FieldType> = untyped
        .capture_names()
        .enumerate()
        .filter(|(index, _)| index % 5 != 4)
        .map(|(index, name)| (name.to_owned(), kinds[index % 5 % 4]))
        .collect();
    // Timestamp captures read with the automatic rules, or a format picked
    // from the line's length, in a zone picked the same way.
    let formats = [
        None,
        Some("%Y-%m-%d %H:%M:%S%.f"),
        Some("%b %e %H:%M:%S"),
        Some("epoch_ms"),
    ];
    let format = formats[line.len() % formats.len()]
        .map(|format| TimeFormat::new(format).expect("a valid format"));
    let parser = RegexParser::new(pattern, types.clone())
        .expect("compiled once already")
        .with_timestamps(TimestampReader::new(format, zone_for(line)));
    for now in reference_times() {
        check_at(&parser, &types, line, now);
    }
});
