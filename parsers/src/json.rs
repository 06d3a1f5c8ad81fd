//! JSON object lines.

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
    // serde_json validates UTF-8 as it parses; a second pass is only worth
    // it on failure, to report where the bad byte is.
    serde_json::from_slice::<Record>(line).map_err(|err| {
        if let Err(utf8) = std::str::from_utf8(line) {
            return ParseError::InvalidUtf8 {
                offset: utf8.valid_up_to(),
            };
        }
        ParseError::InvalidJson {
            offset: if err.is_eof() {
                line.len()
            } else {
                byte_offset(line, err.line(), err.column())
            },
            reason: strip_position(&err.to_string()),
        }
    })
}

/// serde_json reports 1-based line/column; the line may contain escaped
/// newlines only, so line is almost always 1.
fn byte_offset(input: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match memchr::memchr(b'\n', &input[offset..]) {
            Some(pos) => offset += pos + 1,
            None => return input.len(),
        }
    }
    (offset + column.saturating_sub(1)).min(input.len())
}

fn strip_position(message: &str) -> String {
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
