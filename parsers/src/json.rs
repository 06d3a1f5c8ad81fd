//! JSON object lines.

use serde::de::{Deserializer as _, MapAccess, Visitor};
use serde_json::Value;

use crate::{ParseError, Record};

/// Parses one line holding a JSON object.
///
/// Leading and trailing ASCII whitespace (including a `\r` left by CRLF
/// framing) is ignored.
///
/// # Errors
/// [`ParseError::NotAnObject`] when the line does not hold a JSON object,
/// [`ParseError::InvalidUtf8`] or [`ParseError::InvalidJson`] otherwise.
pub fn parse_json(line: &[u8]) -> Result<Record, ParseError> {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    if line.get(start) != Some(&b'{') {
        return Err(ParseError::NotAnObject { offset: start });
    }
    // One UTF-8 check of the whole line (fast on ASCII) spares serde_json
    // from checking each string as it goes.
    let text = std::str::from_utf8(line).map_err(|err| ParseError::InvalidUtf8 {
        offset: err.valid_up_to(),
    })?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer
        .deserialize_map(RecordVisitor)
        .and_then(|record| deserializer.end().map(|()| record))
        .map_err(|err| ParseError::InvalidJson {
            offset: if err.is_eof() {
                line.len()
            } else {
                byte_offset(line, err.line(), err.column())
            },
            reason: strip_position(&err.to_string()),
        })
}

/// Top-level objects of log lines hold a dozen or so keys: reserving room
/// up front saves the map regrowing (and rehashing) several times, since
/// JSON gives no length to size it by.
const EXPECTED_TOP_LEVEL_KEYS: usize = 16;

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Record, A::Error> {
        let mut record = Record::with_capacity(EXPECTED_TOP_LEVEL_KEYS);
        while let Some((key, value)) = entries.next_entry::<String, Value>()? {
            record.insert(key, value);
        }
        Ok(record)
    }
}

/// serde_json reports 1-based line/column; the line may contain escaped
/// newlines only, so line is almost always 1.
pub(crate) fn byte_offset(input: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match memchr::memchr(b'\n', &input[offset..]) {
            Some(pos) => offset += pos + 1,
            None => return input.len(),
        }
    }
    (offset + column.saturating_sub(1)).min(input.len())
}

pub(crate) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_object_and_keeps_key_order() {
        let record = parse_json(br#" {"b":1,"a":{"c":true}} "#).unwrap();
        let keys: Vec<_> = record.keys().cloned().collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn text_line_is_not_an_object() {
        assert_eq!(
            parse_json(b"  hello"),
            Err(ParseError::NotAnObject { offset: 2 })
        );
        assert_eq!(
            parse_json(b"[1,2]"),
            Err(ParseError::NotAnObject { offset: 0 })
        );
    }

    #[test]
    fn truncated_json_reports_offset() {
        let err = parse_json(br#"{"a":"#).unwrap_err();
        match err {
            ParseError::InvalidJson { offset, reason } => {
                assert_eq!(offset, 5);
                assert!(reason.contains("EOF"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn invalid_utf8_reports_offset() {
        assert_eq!(
            parse_json(b"{\"a\":\"\xff\"}"),
            Err(ParseError::InvalidUtf8 { offset: 6 })
        );
    }
}
