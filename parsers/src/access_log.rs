//! The NCSA common and combined access-log formats, as nginx and Apache
//! both write them:
//!
//! ```text
//! 203.0.113.9 - frank [23/Nov/2026:10:29:01 +0000] "GET /a?b=1 HTTP/1.1" 200 2326 "https://ref/" "curl/8.5.0"
//! ```
//!
//! Fields after the bytes are optional: referrer, user agent, then a third
//! quoted field taken as `X-Forwarded-For` (nginx's stock `main` format),
//! then a bare number taken as the request time in seconds (nginx's
//! `$request_time`). Anything past that is kept verbatim, not dropped.

use std::borrow::Cow;

use chrono::FixedOffset;

use crate::scan::{put, put_source, put_vendor, Cursor};
use crate::{ParseError, Record, TimeZone};

/// Parses one common/combined line; `format` (`nginx` or `apache`) names
/// the errors and the vendor namespace for fields ECS has no name for.
pub(crate) fn parse_access(format: &'static str, line: &[u8]) -> Result<Record, ParseError> {
    let mut c = Cursor::new(format, line)?;
    c.skip_spaces();
    if c.is_at_end() {
        return Err(c.error("empty line"));
    }
    let remote = c.token();
    c.spaces_before("the identity")?;
    let identity = c.token();
    c.spaces_before("the user name")?;
    let user = if c.peek() == Some(b'"') {
        // Apache writes an empty user name as `""`.
        quoted(&mut c, "the user name")?
    } else {
        Cow::Borrowed(c.token())
    };
    c.spaces_before("the time")?;
    c.expect(b'[', "'[' opening the time")?;
    let timestamp = clf_time(&mut c)?;
    c.expect(b']', "']' closing the time")?;
    c.spaces_before("the request")?;
    let request = quoted(&mut c, "the request")?;
    c.spaces_before("the status code")?;
    let status = optional_number(&mut c, "the status code")?;
    c.spaces_before("the response size")?;
    let bytes = optional_number(&mut c, "the response size")?;

    let mut quoted_fields: [Option<Cow<'_, str>>; 3] = [None, None, None];
    let mut request_time = None;
    let mut extra = None;
    for slot in &mut quoted_fields {
        if c.skip_spaces() == 0 || c.peek() != Some(b'"') {
            break;
        }
        *slot = Some(quoted(&mut c, "a quoted field")?);
    }
    // The quoted fields and the numbers before them all end at a space or
    // the end of the line, so whatever is left is a separate field.
    if !c.is_at_end() {
        c.skip_spaces();
        let before = c.pos();
        if let Some(seconds) = seconds_token(c.token()) {
            request_time = Some(seconds);
            c.skip_spaces();
        } else {
            c.set_pos(before);
        }
        let rest = c.rest().trim_end();
        if !rest.is_empty() {
            extra = Some(rest);
        }
    }
    let [referrer, user_agent, forwarded_for] = quoted_fields;

    let mut record = Record::with_capacity(14);
    put(&mut record, "@timestamp", timestamp);
    put_source(&mut record, remote, None);
    if let Some(name) = present(Some(user)) {
        put(&mut record, "user.name", name);
    }
    let mut unparsed_request = None;
    match split_request(&request) {
        RequestLine::Absent => {}
        RequestLine::Parsed {
            method,
            target,
            version,
        } => {
            put(&mut record, "http.request.method", method);
            put(&mut record, "url.original", target);
            if let Some(version) = version {
                put(&mut record, "http.version", version);
            }
        }
        RequestLine::Unparsed(text) => unparsed_request = Some(text),
    }
    if let Some(referrer) = present(referrer) {
        put(&mut record, "http.request.referrer", referrer);
    }
    if let Some(status) = status {
        put(&mut record, "http.response.status_code", status);
    }
    if let Some(bytes) = bytes {
        put(&mut record, "http.response.body.bytes", bytes);
    }
    if let Some(agent) = present(user_agent) {
        put(&mut record, "user_agent.original", agent);
    }
    if let Some(seconds) = request_time {
        put(&mut record, "event.duration", seconds);
    }
    if identity != "-" {
        put_vendor(&mut record, format, "access.identity", identity);
    }
    if let Some(request) = unparsed_request {
        put_vendor(&mut record, format, "access.request", request);
    }
    if let Some(forwarded) = present(forwarded_for) {
        put_vendor(&mut record, format, "access.x_forwarded_for", forwarded);
    }
    if let Some(extra) = extra {
        put_vendor(&mut record, format, "access.extra", extra);
    }
    Ok(record)
}

/// `-`, an empty string and absence all mean "not logged".
fn present(value: Option<Cow<'_, str>>) -> Option<String> {
    match value {
        Some(text) if !text.is_empty() && text != "-" => Some(text.into_owned()),
        _ => None,
    }
}

/// A status code or size, or `-` for none.
fn optional_number(c: &mut Cursor<'_>, what: &str) -> Result<Option<u64>, ParseError> {
    if c.peek() == Some(b'-') {
        let after = c.line().as_bytes().get(c.pos() + 1);
        if matches!(after, None | Some(b' ' | b'\t')) {
            c.eat(b'-');
            return Ok(None);
        }
    }
    let value = c.number(what)?;
    if !matches!(c.peek(), None | Some(b' ' | b'\t')) {
        return Err(c.error(format!(
            "expected a space after {what}, found {}",
            c.found()
        )));
    }
    Ok(Some(value))
}

/// `0.005` (seconds, as nginx's `$request_time`) as whole nanoseconds.
fn seconds_token(token: &str) -> Option<u64> {
    let (whole, fraction) = token.split_once('.').unwrap_or((token, ""));
    if whole.is_empty() || fraction.len() > 9 {
        return None;
    }
    let whole = crate::scan::parse_u64(whole.as_bytes())?;
    let mut nanos = 0u64;
    for (index, digit) in fraction.bytes().enumerate() {
        if !digit.is_ascii_digit() {
            return None;
        }
        nanos += u64::from(digit - b'0') * 10u64.pow(8 - index as u32);
    }
    whole.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// `23/Nov/2026:10:29:01 +0000` to RFC 3339 UTC.
pub(crate) fn clf_time(c: &mut Cursor<'_>) -> Result<String, ParseError> {
    let start = c.pos();
    let day = c.fixed_digits(2, "the day")?;
    c.expect(b'/', "'/' after the day")?;
    let month = c.month_name()?;
    c.expect(b'/', "'/' after the month")?;
    let year = c.fixed_digits(4, "the year")?;
    c.expect(b':', "':' between date and time")?;
    let clock = c.clock()?;
    c.expect(b' ', "a space before the UTC offset")?;
    let zone_start = c.pos();
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(c.error("expected '+' or '-' opening the UTC offset")),
    };
    c.bump();
    let hours = c.fixed_digits(2, "the UTC offset")?;
    let minutes = c.fixed_digits(2, "the UTC offset")?;
    let zone = FixedOffset::east_opt(sign * (hours as i32 * 3600 + minutes as i32 * 60))
        .filter(|_| minutes < 60)
        .ok_or_else(|| c.error_at(zone_start, "UTC offset out of range"))?;
    clock
        .on(year as i32, month, day)
        .and_then(|civil| civil.to_rfc3339_utc(&TimeZone::fixed(zone)))
        .ok_or_else(|| c.error_at(start, "date or time out of range"))
}

/// A double-quoted field as nginx and Apache escape it. The closing quote
/// is the first unescaped `"` followed by a space or the end of the line,
/// so a stray unescaped quote inside (old Apache, custom loggers) stays in.
///
/// Unescapes `\"` and `\\` (Apache), and `\xHH` when HH is printable ASCII
/// (nginx writes `"` and `\` that way); other `\xHH` are kept as written,
/// since decoding them (TLS handshakes sent to port 80, say) gives bytes
/// that are not text.
pub(crate) fn quoted<'a>(c: &mut Cursor<'a>, what: &str) -> Result<Cow<'a, str>, ParseError> {
    let open = c.pos();
    if c.peek() != Some(b'"') {
        return Err(c.error(format!("expected '\"' opening {what}, found {}", c.found())));
    }
    c.bump();
    let body_start = c.pos();
    let bytes = c.line().as_bytes();
    let mut escaped = false;
    let mut at = body_start;
    loop {
        let Some(found) = memchr::memchr2(b'"', b'\\', &bytes[at..]) else {
            return Err(c.error_at(open, format!("no closing '\"' for {what}")));
        };
        let index = at + found;
        if bytes[index] == b'\\' {
            escaped = true;
            at = index + 2;
            if at > bytes.len() {
                return Err(c.error_at(open, format!("no closing '\"' for {what}")));
            }
            continue;
        }
        if matches!(bytes.get(index + 1), None | Some(b' ' | b'\t')) {
            let body = &c.line()[body_start..index];
            c.set_pos(index + 1);
            return Ok(if escaped {
                Cow::Owned(unescape(body))
            } else {
                Cow::Borrowed(body)
            });
        }
        at = index + 1;
    }
}

fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(index) = rest.find('\\') {
        out.push_str(&rest[..index]);
        let after = &rest[index + 1..];
        match after.as_bytes().first() {
            Some(b'"') => {
                out.push('"');
                rest = &after[1..];
            }
            Some(b'\\') => {
                out.push('\\');
                rest = &after[1..];
            }
            Some(b'x') => match after
                .get(1..3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                Some(byte @ 0x20..=0x7e) if after.as_bytes()[1].is_ascii_hexdigit() => {
                    out.push(char::from(byte));
                    rest = &after[3..];
                }
                _ => {
                    out.push('\\');
                    rest = after;
                }
            },
            _ => {
                out.push('\\');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A request line taken apart.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RequestLine<'a> {
    /// `-` or empty: no request was read (a 400 or 408 from nginx).
    Absent,
    /// `METHOD target [HTTP/version]`.
    Parsed {
        method: &'a str,
        target: &'a str,
        /// `1.1` from `HTTP/1.1`; absent for HTTP/0.9-style lines.
        version: Option<&'a str>,
    },
    /// Anything else (TLS bytes, scanners' junk), kept verbatim.
    Unparsed(&'a str),
}

/// Splits `GET /a b HTTP/1.1`: the method is the first token, the version
/// the last one when it starts with `HTTP/`, the target what lies between
/// (so a target with a raw space survives).
pub(crate) fn split_request(line: &str) -> RequestLine<'_> {
    let trimmed = line.trim_matches(' ');
    if trimmed.is_empty() || trimmed == "-" {
        return RequestLine::Absent;
    }
    let Some((method, rest)) = trimmed.split_once(' ') else {
        return RequestLine::Unparsed(line);
    };
    if !method.bytes().all(is_token_byte) {
        return RequestLine::Unparsed(line);
    }
    let rest = rest.trim_start_matches(' ');
    let (target, version) = match rest.rsplit_once(' ') {
        Some((target, last)) if last.starts_with("HTTP/") && !target.trim_end().is_empty() => {
            (target.trim_end_matches(' '), Some(&last["HTTP/".len()..]))
        }
        _ if rest.starts_with("HTTP/") => return RequestLine::Unparsed(line),
        _ => (rest, None),
    };
    if target.is_empty() {
        return RequestLine::Unparsed(line);
    }
    RequestLine::Parsed {
        method,
        target,
        version,
    }
}

/// RFC 9110 `tchar`.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn cursor(line: &str) -> Cursor<'_> {
        Cursor::new("nginx", line.as_bytes()).unwrap()
    }

    #[test]
    fn clf_time_converts_to_utc() {
        assert_eq!(
            clf_time(&mut cursor("23/Nov/2026:10:29:01 +0000")).unwrap(),
            "2026-11-23T10:29:01Z"
        );
        assert_eq!(
            clf_time(&mut cursor("01/Jan/2026:00:10:00 +0130")).unwrap(),
            "2025-12-31T22:40:00Z"
        );
        assert_eq!(
            clf_time(&mut cursor("31/Dec/2026:23:00:00 -0700")).unwrap(),
            "2027-01-01T06:00:00Z"
        );
    }

    #[test]
    fn clf_time_errors_point_at_the_field() {
        let err = clf_time(&mut cursor("23/Nox/2026:10:29:01 +0000")).unwrap_err();
        assert!(
            matches!(err, ParseError::Malformed { offset: 3, .. }),
            "{err:?}"
        );
        let err = clf_time(&mut cursor("30/Feb/2026:10:29:01 +0000")).unwrap_err();
        assert!(
            matches!(err, ParseError::Malformed { offset: 0, .. }),
            "{err:?}"
        );
        let err = clf_time(&mut cursor("23/Nov/2026:10:29:01 0000")).unwrap_err();
        assert!(
            matches!(err, ParseError::Malformed { offset: 21, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn quoted_unescapes_only_when_needed() {
        let mut c = cursor(r#""plain" x"#);
        assert!(matches!(
            quoted(&mut c, "f").unwrap(),
            Cow::Borrowed("plain")
        ));
        assert_eq!(c.rest(), " x");
        let mut c = cursor(r#""a \"b\" \\ \x22c\x22 \x16\x03" "#);
        assert_eq!(quoted(&mut c, "f").unwrap(), r#"a "b" \ "c" \x16\x03"#);
        let mut c = cursor(r#""Mozilla/5.0 "compatible"; x" 200"#);
        assert_eq!(
            quoted(&mut c, "f").unwrap(),
            r#"Mozilla/5.0 "compatible"; x"#
        );
    }

    #[test]
    fn quoted_unterminated_points_at_the_opening_quote() {
        let mut c = cursor(r#"x "abc\""#);
        c.set_pos(2);
        assert_eq!(
            quoted(&mut c, "the request").unwrap_err(),
            ParseError::Malformed {
                format: "nginx",
                offset: 2,
                reason: "no closing '\"' for the request".into()
            }
        );
    }

    #[test]
    fn request_lines() {
        assert_eq!(
            split_request("GET /a HTTP/1.1"),
            RequestLine::Parsed {
                method: "GET",
                target: "/a",
                version: Some("1.1")
            }
        );
        assert_eq!(
            split_request("GET /a b  HTTP/1.0"),
            RequestLine::Parsed {
                method: "GET",
                target: "/a b",
                version: Some("1.0")
            }
        );
        assert_eq!(
            split_request("GET /"),
            RequestLine::Parsed {
                method: "GET",
                target: "/",
                version: None
            }
        );
        assert_eq!(split_request("-"), RequestLine::Absent);
        assert_eq!(
            split_request(r"\x16\x03\x01"),
            RequestLine::Unparsed(r"\x16\x03\x01")
        );
        assert_eq!(
            split_request("GET HTTP/1.1"),
            RequestLine::Unparsed("GET HTTP/1.1")
        );
    }

    #[test]
    fn seconds_tokens() {
        assert_eq!(seconds_token("0.005"), Some(5_000_000));
        assert_eq!(seconds_token("12"), Some(12_000_000_000));
        assert_eq!(seconds_token("-"), None);
        assert_eq!(seconds_token(".5"), None);
        assert_eq!(seconds_token("0.5s"), None);
    }

    #[test]
    fn common_line() {
        let record = parse_access(
            "apache",
            br#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#,
        )
        .unwrap();
        assert_eq!(
            Value::Object(record),
            json!({
                "@timestamp": "2000-10-10T20:55:36Z",
                "source.address": "127.0.0.1",
                "source.ip": "127.0.0.1",
                "user.name": "frank",
                "http.request.method": "GET",
                "url.original": "/apache_pb.gif",
                "http.version": "1.0",
                "http.response.status_code": 200,
                "http.response.body.bytes": 2326
            })
        );
    }
}
