//! `auto`: a cheap detection chain for a line of unknown format.
//!
//! Each candidate has a test on the first bytes that costs a few
//! comparisons; only a candidate whose test passes is parsed, and the first
//! parse that succeeds wins. In order:
//!
//! 1. `{` → `json`;
//! 2. `<` → `syslog` (a PRI);
//! 3. `[` → `apache_error` (`[Mon Nov 23 …]`);
//! 4. `YYYY/MM/DD ` → `nginx_error`;
//! 5. `I`, `W`, `E` or `F` and four digits → `klog`;
//! 6. a month name, a space, a day → `syslog` (RFC 3164 without PRI);
//! 7. `YYYY-MM-DDT` → `syslog` (RFC 3164 with rsyslog's precise time);
//! 8. `[…]` then a `"` (the time and the request of an access log) →
//!    `nginx_access` (Apache's common and combined formats are the same
//!    lines, so they come out under `nginx.access`);
//! 9. a first word with `=` in it → `logfmt`.
//!
//! A line nothing claims becomes `{"message": line}`: `auto` never fails.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::scan::month_number;
use crate::{
    parse_apache_error_in, parse_json, parse_klog_in, parse_logfmt, parse_nginx_access,
    parse_nginx_error_in, parse_syslog_in, ParseError, Record, TimeContext,
};

/// Parses `line` with the first detected format that accepts it; `now`
/// anchors formats without a year.
///
/// # Errors
/// Never: a line no format accepts is kept whole as `message`. The
/// `Result` matches the other parsers.
pub fn parse_auto_at(line: &[u8], now: DateTime<Utc>) -> Result<Record, ParseError> {
    parse_auto_in(line, &TimeContext::new(now))
}

/// [`parse_auto_at`], reading zoneless times in the context's zone.
///
/// # Errors
/// Never, as [`parse_auto_at`].
pub fn parse_auto_in(line: &[u8], context: &TimeContext) -> Result<Record, ParseError> {
    let zone = context.zone();
    let start = line
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(line.len());
    let head = &line[start..];
    let candidates: [Candidate<'_>; 9] = [
        (head.first() == Some(&b'{'), &|| parse_json(line)),
        (head.first() == Some(&b'<'), &|| {
            parse_syslog_in(line, context)
        }),
        (head.first() == Some(&b'['), &|| {
            parse_apache_error_in(line, zone)
        }),
        (is_slashed_date(head), &|| parse_nginx_error_in(line, zone)),
        (is_klog_header(head), &|| parse_klog_in(line, context)),
        (is_month_day(head), &|| parse_syslog_in(line, context)),
        (is_iso_date(head), &|| parse_syslog_in(line, context)),
        (has_bracketed_time_then_quote(line), &|| {
            parse_nginx_access(line)
        }),
        (first_word_has_equals(head), &|| parse_logfmt(line)),
    ];
    for (applies, parse) in candidates {
        if applies {
            if let Ok(record) = parse() {
                return Ok(record);
            }
        }
    }
    let mut record = Record::new();
    let text = String::from_utf8_lossy(line);
    record.insert(
        "message".to_owned(),
        Value::String(text.trim_end_matches(['\r', '\n']).to_owned()),
    );
    Ok(record)
}

/// Whether a candidate applies, and how it parses.
type Candidate<'a> = (bool, &'a dyn Fn() -> Result<Record, ParseError>);

/// `2026-11-23T` (rsyslog's high-precision RFC 3164 timestamps).
fn is_iso_date(head: &[u8]) -> bool {
    head.len() > 10
        && head[..4].iter().all(u8::is_ascii_digit)
        && head[4] == b'-'
        && head[7] == b'-'
        && head[10] == b'T'
}

/// `[…]` and then a `"`: an access log's time and request.
fn has_bracketed_time_then_quote(line: &[u8]) -> bool {
    let Some(open) = memchr::memchr(b'[', line) else {
        return false;
    };
    let Some(close) = memchr::memchr(b']', &line[open..]) else {
        return false;
    };
    memchr::memchr(b'"', &line[open + close..]).is_some()
}

/// `2026/11/23 `
fn is_slashed_date(head: &[u8]) -> bool {
    head.len() > 10
        && head[..4].iter().all(u8::is_ascii_digit)
        && head[4] == b'/'
        && head[7] == b'/'
        && head[10] == b' '
}

/// `I1123 ` and the like.
fn is_klog_header(head: &[u8]) -> bool {
    head.len() > 5
        && matches!(head[0], b'I' | b'W' | b'E' | b'F')
        && head[1..5].iter().all(u8::is_ascii_digit)
}

/// `Nov 23 ` or `Nov  3 `
fn is_month_day(head: &[u8]) -> bool {
    head.len() > 6
        && head.get(..3).and_then(month_number).is_some()
        && head[3] == b' '
        && (head[4].is_ascii_digit() || head[4] == b' ')
        && head[5].is_ascii_digit()
}

fn first_word_has_equals(head: &[u8]) -> bool {
    let word_end = memchr::memchr(b' ', head).unwrap_or(head.len());
    memchr::memchr(b'=', &head[..word_end]).is_some_and(|at| at > 0)
}
