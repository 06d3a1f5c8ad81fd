#![no_main]
//! `RegexParser`: a fixed, typed access-log pattern over the whole input,
//! and a user pattern taken from the input (`pattern \0 line`). A record
//! holds only the pattern's capture names; a typed field holds its type;
//! `BadFieldType` names a typed capture and lies within the line.

use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sluice_fuzz::check_result;
use sluice_parsers::{FieldType, ParseError, RegexParser};

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
    let result = parser.parse(line);
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
    let kinds = [FieldType::Int, FieldType::Float, FieldType::Bool];
    let types: HashMap<String, FieldType> = untyped
        .capture_names()
        .enumerate()
        .filter(|(index, _)| index % 4 != 3)
        .map(|(index, name)| (name.to_owned(), kinds[index % 4 % 3]))
        .collect();
    let parser = RegexParser::new(pattern, types.clone()).expect("compiled once already");
    check(&parser, &types, line);
});
