//! logfmt (`key=value key2="quoted \"x\"" flag`) and generic `key=value`
//! text.
//!
//! Both keep the application's own keys, as JSON app logs do: `level`,
//! `msg`, `ts` stay `level`, `msg`, `ts`. Values stay strings (logfmt has
//! no types, and guessing would give one field two types across lines); a
//! bare key is `true`. A repeated key keeps its first position and its last
//! value.

use std::borrow::Cow;

use serde_json::Value;

use crate::scan::Cursor;
use crate::{ParseError, Record};

/// Parses one logfmt line.
///
/// Keys run up to a space, `=` or `"`. A value is either double-quoted,
/// with JSON's escapes (`\" \\ \/ \b \f \n \r \t \uXXXX`, plus `\'`), or
/// runs to the next space; an unquoted value may contain `=` (query
/// strings), and `key=` is the empty string.
///
/// ```
/// let record = sluice_parsers::parse_logfmt(br#"level=info msg="a \"b\"" cached"#).unwrap();
/// assert_eq!(record["msg"], r#"a "b""#);
/// assert_eq!(record["cached"], true);
/// ```
///
/// # Errors
/// [`ParseError::InvalidUtf8`], or [`ParseError::Malformed`] for a `=`
/// with no key, a quote inside a key, an unterminated quoted value, a bad
/// escape, or a quoted value not followed by a space.
pub fn parse_logfmt(line: &[u8]) -> Result<Record, ParseError> {
    let mut c = Cursor::new("logfmt", line)?;
    let bytes = c.line().as_bytes();
    // Sized for the usual case, one `=` per pair, to spare the map's growth.
    let mut record = Record::with_capacity(memchr::memchr_iter(b'=', bytes).count());
    loop {
        c.skip_spaces();
        if c.is_at_end() {
            break;
        }
        let key_start = c.pos();
        let key_len = bytes[key_start..]
            .iter()
            .position(|b| matches!(b, b' ' | b'\t' | b'=' | b'"'))
            .unwrap_or(bytes.len() - key_start);
        c.set_pos(key_start + key_len);
        let key = &c.line()[key_start..key_start + key_len];
        match c.peek() {
            Some(b'"') if key.is_empty() => {
                return Err(c.error("expected a key, found a quoted string"));
            }
            Some(b'"') => return Err(c.error("unexpected '\"' in a key")),
            Some(b'=') if key.is_empty() => return Err(c.error("expected a key before '='")),
            Some(b'=') => {
                c.eat(b'=');
                let value = if c.peek() == Some(b'"') {
                    let value = quoted_json_string(&mut c)?;
                    if !matches!(c.peek(), None | Some(b' ' | b'\t')) {
                        return Err(c.error(format!(
                            "expected a space after the quoted value, found {}",
                            c.found()
                        )));
                    }
                    value.into_owned()
                } else {
                    c.token().to_owned()
                };
                record.insert(key.to_owned(), Value::String(value));
            }
            _ => {
                record.insert(key.to_owned(), Value::Bool(true));
            }
        }
    }
    Ok(record)
}

/// A double-quoted value with JSON-style escapes; the cursor is on the
/// opening quote and ends after the closing one.
fn quoted_json_string<'a>(c: &mut Cursor<'a>) -> Result<Cow<'a, str>, ParseError> {
    let open = c.pos();
    let line = c.line();
    let bytes = line.as_bytes();
    let body_start = open + 1;
    let Some(first) = memchr::memchr2(b'"', b'\\', &bytes[body_start..]) else {
        return Err(c.error_at(open, "unterminated quoted value"));
    };
    if bytes[body_start + first] == b'"' {
        c.set_pos(body_start + first + 1);
        return Ok(Cow::Borrowed(&line[body_start..body_start + first]));
    }
    let mut out = String::with_capacity(first + 16);
    let mut at = body_start;
    loop {
        let Some(found) = memchr::memchr2(b'"', b'\\', &bytes[at..]) else {
            return Err(c.error_at(open, "unterminated quoted value"));
        };
        let index = at + found;
        out.push_str(&line[at..index]);
        if bytes[index] == b'"' {
            c.set_pos(index + 1);
            return Ok(Cow::Owned(out));
        }
        let (decoded, next) = escape(line, index).map_err(|reason| c.error_at(index, reason))?;
        out.push(decoded);
        at = next;
    }
}

/// Decodes the escape starting with the backslash at `at`; returns the
/// character and the offset after the escape.
fn escape(line: &str, at: usize) -> Result<(char, usize), &'static str> {
    let simple = match line.as_bytes().get(at + 1) {
        None => return Err("unterminated escape"),
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'\'') => '\'',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return unicode_escape(line, at),
        Some(_) => return Err("invalid escape"),
    };
    Ok((simple, at + 2))
}

/// `\uXXXX`, with a surrogate pair as two escapes.
fn unicode_escape(line: &str, at: usize) -> Result<(char, usize), &'static str> {
    let hex4 = |from: usize| {
        line.get(from..from + 4)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
    };
    let high = hex4(at + 2).ok_or("expected four hex digits after \\u")?;
    if !(0xD800..0xDC00).contains(&high) {
        return char::from_u32(high)
            .map(|c| (c, at + 6))
            .ok_or("lone low surrogate in \\u escape");
    }
    let low = line
        .get(at + 6..at + 8)
        .filter(|next| *next == "\\u")
        .and_then(|_| hex4(at + 8))
        .filter(|low| (0xDC00..0xE000).contains(low))
        .ok_or("high surrogate not followed by a low one")?;
    let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
    char::from_u32(code)
        .map(|c| (c, at + 12))
        .ok_or("invalid surrogate pair")
}

/// Parses free text with `key=value` pairs in it: `message` holds the
/// whole line, and each pair becomes a field (a pair named `message`
/// wins).
///
/// A key is a run of letters, digits, `_`, `.` and `-` right before `=`.
/// A value is double- or single-quoted (`\"` and `\\` unescaped in double
/// quotes) or runs to the next space, minus a trailing `,` or `;`. Text
/// that is not a pair is skipped, and so is a quote left open.
///
/// ```
/// let record = sluice_parsers::parse_kv(b"login failed user=bob, from=10.0.0.1 (3 tries)").unwrap();
/// assert_eq!(record["user"], "bob");
/// assert_eq!(record["from"], "10.0.0.1");
/// ```
///
/// # Errors
/// [`ParseError::InvalidUtf8`] only: any text is valid.
pub fn parse_kv(line: &[u8]) -> Result<Record, ParseError> {
    let c = Cursor::new("kv", line)?;
    let line = c.line();
    let bytes = line.as_bytes();
    let mut record = Record::new();
    record.insert("message".to_owned(), Value::from(line));
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'=', &bytes[from..]) {
        let equals = from + found;
        let key_start = bytes[..equals]
            .iter()
            .rposition(|b| !is_kv_key_byte(*b))
            .map_or(0, |index| index + 1)
            .max(from);
        let key = &line[key_start..equals];
        let value_start = equals + 1;
        let Some((value, end)) = kv_value(line, value_start) else {
            // An unterminated quote: skip the quote character and go on.
            from = value_start + 1;
            continue;
        };
        if !key.is_empty() {
            record.insert(key.to_owned(), Value::String(value.into_owned()));
        }
        from = end.max(value_start);
    }
    Ok(record)
}

fn is_kv_key_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-')
}

/// The value starting at `start` and the offset just after it.
fn kv_value(line: &str, start: usize) -> Option<(Cow<'_, str>, usize)> {
    let bytes = line.as_bytes();
    match bytes.get(start) {
        Some(&quote @ (b'"' | b'\'')) => {
            let body = start + 1;
            let mut at = body;
            let mut escaped = false;
            loop {
                let index = at + memchr::memchr2(quote, b'\\', &bytes[at..])?;
                if bytes[index] == b'\\' && quote == b'"' {
                    escaped = true;
                    at = index + 2;
                    if at > bytes.len() {
                        return None;
                    }
                    continue;
                }
                if bytes[index] == b'\\' {
                    at = index + 1;
                    continue;
                }
                let text = &line[body..index];
                let value = if escaped {
                    Cow::Owned(text.replace("\\\"", "\"").replace("\\\\", "\\"))
                } else {
                    Cow::Borrowed(text)
                };
                return Some((value, index + 1));
            }
        }
        _ => {
            let rest = &line[start..];
            let len = memchr::memchr2(b' ', b'\t', rest.as_bytes()).unwrap_or(rest.len());
            let value = rest[..len].trim_end_matches([',', ';']);
            Some((Cow::Borrowed(value), start + len))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn logfmt(line: &str) -> Value {
        Value::Object(parse_logfmt(line.as_bytes()).unwrap())
    }

    fn logfmt_error(line: &str) -> (usize, String) {
        match parse_logfmt(line.as_bytes()) {
            Err(ParseError::Malformed { offset, reason, .. }) => (offset, reason),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn pairs_flags_and_empty_values() {
        assert_eq!(
            logfmt("a=1 b= c  d=x=y\t e"),
            json!({"a": "1", "b": "", "c": true, "d": "x=y", "e": true})
        );
    }

    #[test]
    fn quoted_values_unescape() {
        assert_eq!(
            logfmt(r#"m="a \"b\" \\ \n \u00e9 \ud83d\ude00" n="""#),
            json!({"m": "a \"b\" \\ \n é 😀", "n": ""})
        );
    }

    #[test]
    fn errors_have_offsets() {
        assert_eq!(logfmt_error("a=1 =2").0, 4);
        assert_eq!(
            logfmt_error(r#"a=1 b="open"#),
            (6, "unterminated quoted value".into())
        );
        assert_eq!(logfmt_error(r#"a="x\q""#), (4, "invalid escape".into()));
        assert_eq!(logfmt_error(r#"a="x"y"#).0, 5);
        assert_eq!(logfmt_error(r#"a"b=c"#).0, 1);
        assert_eq!(logfmt_error(r#"a="\ud800x""#).0, 3);
    }

    #[test]
    fn duplicate_key_keeps_last_value() {
        assert_eq!(logfmt("a=1 b=2 a=3"), json!({"a": "3", "b": "2"}));
    }

    #[test]
    fn kv_skips_free_text() {
        let record = parse_kv(br#"GET done: user=bob; path="/a b" ok = 1 q='x' t="open"#).unwrap();
        assert_eq!(record["user"], "bob");
        assert_eq!(record["path"], "/a b");
        assert_eq!(record["q"], "x");
        assert!(!record.contains_key("ok"));
        assert!(!record.contains_key("t"));
    }

    #[test]
    fn kv_values_may_hold_equals() {
        let record = parse_kv(b"url=/x?a=b&c=d next=1").unwrap();
        assert_eq!(record["url"], "/x?a=b&c=d");
        assert_eq!(record["next"], "1");
        assert!(!record.contains_key("a"));
    }
}
