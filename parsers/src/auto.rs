//! `auto`: a cheap detection chain for a line of unknown format.
//!
//! Each candidate has a test on the first bytes that costs a few
//! comparisons; only a candidate whose test passes is parsed, and the first
//! parse that succeeds wins. In order:
//!
//! 1. `{"log":` → `docker` (json-file lines always start so; a line that
//!    is not one falls through to `json`, as does a docker line written
//!    with its keys in another order);
//! 2. `{` → `json`;
//! 3. `<` → `syslog` (a PRI);
//! 4. `[` → `apache_error` (`[Mon Nov 23 …]`);
//! 5. `YYYY/MM/DD ` → `nginx_error`;
//! 6. `I`, `W`, `E` or `F` and four digits → `klog`;
//! 7. a month name, a space, a day → `syslog` (RFC 3164 without PRI);
//! 8. `YYYY-MM-DDT…` then ` stdout ` or ` stderr ` → `cri`;
//! 9. `YYYY-MM-DDT` → `syslog` (RFC 3164 with rsyslog's precise time);
//! 10. `[…]` then a `"` (the time and the request of an access log) →
//!     `nginx_access` (Apache's common and combined formats are the same
//!     lines, so they come out under `nginx.access`);
//! 11. a first word with `=` in it → `logfmt`.
//!
//! A line nothing claims becomes `{"message": line}`: `auto` never fails.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::scan::month_number;
use crate::{
    parse_apache_error_in, parse_cri_record, parse_docker_record, parse_json, parse_klog_in,
    parse_logfmt, parse_nginx_access, parse_nginx_error_in, parse_syslog_in, ParseError, Record,
    TimeContext,
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
    let candidates: [Candidate<'_>; 11] = [
        (head.starts_with(br#"{"log":"#), &|| {
            parse_docker_record(line)
        }),
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
        (is_cri_header(head), &|| parse_cri_record(line)),
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

/// `2026-11-23T… stdout ` (or `stderr`): a container runtime's CRI line.
/// A syslog host named `stdout` would match too, but then the CRI tag
/// (`F`, `P`) must follow for the CRI parser to accept it.
fn is_cri_header(head: &[u8]) -> bool {
    is_iso_date(head)
        && memchr::memchr(b' ', head).is_some_and(|space| {
            let stream = &head[space + 1..];
            stream.starts_with(b"stdout ") || stream.starts_with(b"stderr ")
        })
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
