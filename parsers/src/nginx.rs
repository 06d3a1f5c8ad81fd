//! nginx access logs (`combined`, `common`, and the stock `main` format
//! with `"$http_x_forwarded_for"`) and error logs:
//!
//! ```text
//! 2026/11/23 10:29:01 [error] 1234#1234: *5 open() "/x" failed (2: No such file or directory), client: 203.0.113.9, server: example.org, request: "GET /x HTTP/1.1", host: "example.org"
//! ```

use crate::access_log::{parse_access, split_request, RequestLine};
use crate::scan::{put, put_source, put_vendor, Cursor};
use crate::{ParseError, Record, TimeZone};

const FORMAT: &str = "nginx";

/// Parses an nginx access-log line (`combined`, `common`, or either with
/// extra fields after the user agent); see the crate docs for the fields.
///
/// # Errors
/// [`ParseError::InvalidUtf8`], or [`ParseError::Malformed`] with the
/// offset of the first field that does not fit.
pub fn parse_nginx_access(line: &[u8]) -> Result<Record, ParseError> {
    parse_access(FORMAT, line)
}

/// Parses an nginx line of either kind: lines starting `YYYY/` go to
/// [`parse_nginx_error`], all others to [`parse_nginx_access`].
///
/// # Errors
/// The error of the parser the line was routed to.
pub fn parse_nginx(line: &[u8]) -> Result<Record, ParseError> {
    parse_nginx_in(line, &TimeZone::UTC)
}

/// [`parse_nginx`], reading error-log times in `zone` (access-log times
/// carry their offset).
///
/// # Errors
/// The error of the parser the line was routed to.
pub fn parse_nginx_in(line: &[u8], zone: &TimeZone) -> Result<Record, ParseError> {
    if looks_like_error_log(line) {
        parse_nginx_error_in(line, zone)
    } else {
        parse_nginx_access(line)
    }
}

fn looks_like_error_log(line: &[u8]) -> bool {
    line.len() > 5 && line[..4].iter().all(u8::is_ascii_digit) && line[4] == b'/'
}

/// Parses an nginx error-log line, reading its zoneless time as UTC.
///
/// # Errors
/// As [`parse_nginx_error_in`].
pub fn parse_nginx_error(line: &[u8]) -> Result<Record, ParseError> {
    parse_nginx_error_in(line, &TimeZone::UTC)
}

/// Parses an nginx error-log line whose time was written in `zone`.
///
/// The context nginx appends (`, client: …, server: …, request: "…"`) is
/// taken apart: `client` → `source.*`, `request` → `http.request.method`,
/// `url.original`, `http.version`, `referrer` → `http.request.referrer`,
/// any other key → `nginx.error.<key>`; `message` is the text before it.
/// When the context does not parse, `message` keeps it all.
///
/// # Errors
/// [`ParseError::InvalidUtf8`], or [`ParseError::Malformed`] when the
/// header (time, level, `pid#tid:`) does not fit.
pub fn parse_nginx_error_in(line: &[u8], zone: &TimeZone) -> Result<Record, ParseError> {
    let mut c = Cursor::new(FORMAT, line)?;
    let start = c.pos();
    let year = c.fixed_digits(4, "the year")?;
    c.expect(b'/', "'/' after the year")?;
    let month = c.fixed_digits(2, "the month")?;
    c.expect(b'/', "'/' after the month")?;
    let day = c.fixed_digits(2, "the day")?;
    c.expect(b' ', "a space between date and time")?;
    let clock = c.clock()?;
    let timestamp = clock
        .on(year as i32, month, day)
        .and_then(|time| time.to_rfc3339_utc(zone))
        .ok_or_else(|| c.error_at(start, "date or time out of range"))?;
    c.spaces_before("the level")?;
    c.expect(b'[', "'[' opening the level")?;
    let level_start = c.pos();
    let level = c
        .until(b']')
        .filter(|level| !level.is_empty() && level.bytes().all(|b| b.is_ascii_lowercase()))
        .ok_or_else(|| c.error_at(level_start, "expected a level such as [error]"))?;
    c.spaces_before("the process id")?;
    let pid = c.number("the process id")?;
    c.expect(b'#', "'#' between process and thread id")?;
    let tid = c.number("the thread id")?;
    c.expect(b':', "':' after the thread id")?;
    c.skip_spaces();
    let mut connection = None;
    if c.peek() == Some(b'*') {
        let star = c.pos();
        c.eat(b'*');
        match c.number("the connection number") {
            Ok(number) if matches!(c.peek(), None | Some(b' ')) => {
                connection = Some(number);
                c.skip_spaces();
            }
            _ => c.set_pos(star),
        }
    }
    let text = c.rest();

    let mut record = Record::with_capacity(10);
    put(&mut record, "@timestamp", timestamp);
    put(&mut record, "log.level", level);
    put(&mut record, "process.pid", pid);
    put(&mut record, "process.thread.id", tid);
    if let Some(connection) = connection {
        put(&mut record, "nginx.error.connection_id", connection);
    }
    let message = match split_context(text) {
        Some((message, pairs)) => {
            add_context(&mut record, &pairs);
            message
        }
        None => text,
    };
    put(&mut record, "message", message);
    Ok(record)
}

/// Splits `message, client: a, server: b, request: "c"` at the last
/// `, client: `, into the message and the context's key/value pairs.
/// `None` when there is no context or it does not parse.
fn split_context(text: &str) -> Option<(&str, Vec<(&str, &str)>)> {
    const MARK: &str = ", client: ";
    let at = memchr::memmem::rfind(text.as_bytes(), MARK.as_bytes())?;
    let mut rest = &text[at + 2..];
    let mut pairs = Vec::with_capacity(6);
    while !rest.is_empty() {
        let (key, after) = rest.split_once(": ")?;
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return None;
        }
        let (value, next) = if let Some(body) = after.strip_prefix('"') {
            let end = closing_quote(body)?;
            (&body[..end], &body[end + 1..])
        } else {
            match after.find(", ") {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        pairs.push((key, value));
        rest = match next.strip_prefix(", ") {
            Some(next) => next,
            None if next.is_empty() => next,
            None => return None,
        };
    }
    Some((&text[..at], pairs))
}

/// nginx does not escape quotes inside context values, so the closing
/// quote is the first one followed by the end or `, key: `.
fn closing_quote(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    memchr::memchr_iter(b'"', bytes).find(|&index| {
        let after = &body[index + 1..];
        after.is_empty()
            || after.strip_prefix(", ").is_some_and(|next| {
                next.split_once(": ").is_some_and(|(key, _)| {
                    !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                })
            })
    })
}

fn add_context(record: &mut Record, pairs: &[(&str, &str)]) {
    for &(key, value) in pairs {
        match key {
            "client" => put_source(record, value, None),
            "request" => match split_request(value) {
                RequestLine::Parsed {
                    method,
                    target,
                    version,
                } => {
                    put(record, "http.request.method", method);
                    put(record, "url.original", target);
                    if let Some(version) = version {
                        put(record, "http.version", version);
                    }
                }
                RequestLine::Absent => {}
                RequestLine::Unparsed(text) => put(record, "nginx.error.request", text),
            },
            "referrer" => put(record, "http.request.referrer", value),
            _ => put_vendor(record, "nginx.error", key, value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn routes_by_the_first_bytes() {
        assert!(looks_like_error_log(b"2026/11/23 10:29:01 [error]"));
        assert!(!looks_like_error_log(b"2001:db8::1 - - [23/Nov/2026"));
        assert!(!looks_like_error_log(b"10.0.0.1 - -"));
    }

    #[test]
    fn context_splits_at_the_last_client() {
        let (message, pairs) = split_context(
            r#"x, client: fake, y, client: 1.2.3.4, server: , request: "GET /a "b", c HTTP/1.1", host: "h""#,
        )
        .unwrap();
        assert_eq!(message, "x, client: fake, y");
        assert_eq!(
            pairs,
            [
                ("client", "1.2.3.4"),
                ("server", ""),
                ("request", r#"GET /a "b", c HTTP/1.1"#),
                ("host", "h")
            ]
        );
        assert_eq!(split_context("no context here"), None);
        assert_eq!(split_context("m, client: 1.2.3.4, Bad Key: x"), None);
    }

    #[test]
    fn error_line_without_connection() {
        let record = parse_nginx_error(
            b"2026/11/23 10:29:01 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)",
        )
        .unwrap();
        assert_eq!(
            Value::Object(record),
            json!({
                "@timestamp": "2026-11-23T10:29:01Z",
                "log.level": "emerg",
                "process.pid": 1,
                "process.thread.id": 1,
                "message": "bind() to 0.0.0.0:80 failed (98: Address already in use)"
            })
        );
    }

    #[test]
    fn zone_moves_the_timestamp() {
        let record = parse_nginx_error_in(
            b"2026/11/23 10:29:01 [warn] 1#1: x",
            &TimeZone::fixed(chrono::FixedOffset::east_opt(3600).unwrap()),
        )
        .unwrap();
        assert_eq!(record["@timestamp"], "2026-11-23T09:29:01Z");
        // Berlin keeps summer time in July: two hours ahead of UTC.
        let berlin = TimeZone::from_name("Europe/Berlin").unwrap();
        let summer = parse_nginx_error_in(b"2026/07/01 00:30:00 [warn] 1#1: x", &berlin).unwrap();
        assert_eq!(summer["@timestamp"], "2026-06-30T22:30:00Z");
    }
}
