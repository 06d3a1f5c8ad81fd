//! Apache httpd access logs (`common`, `combined`) and error logs, in both
//! the 2.2 and the 2.4 layouts:
//!
//! ```text
//! [Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] Directory index forbidden by rule: /var/www/html/
//! [Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:37434] AH00126: Invalid URI in request GET .. HTTP/1.1
//! ```

use crate::access_log::parse_access;
use crate::scan::{put, put_source, Cursor};
use crate::{ParseError, Record, TimeZone};

const FORMAT: &str = "apache";

/// Parses an Apache `common` or `combined` access-log line.
///
/// # Errors
/// [`ParseError::InvalidUtf8`], or [`ParseError::Malformed`] with the
/// offset of the first field that does not fit.
pub fn parse_apache_access(line: &[u8]) -> Result<Record, ParseError> {
    parse_access(FORMAT, line)
}

/// Parses an Apache line of either kind: lines starting with `[` go to
/// [`parse_apache_error`], all others to [`parse_apache_access`].
///
/// # Errors
/// The error of the parser the line was routed to.
pub fn parse_apache(line: &[u8]) -> Result<Record, ParseError> {
    parse_apache_in(line, &TimeZone::UTC)
}

/// [`parse_apache`], reading error-log times in `zone` (access-log times
/// carry their offset).
///
/// # Errors
/// The error of the parser the line was routed to.
pub fn parse_apache_in(line: &[u8], zone: &TimeZone) -> Result<Record, ParseError> {
    if line.first() == Some(&b'[') {
        parse_apache_error_in(line, zone)
    } else {
        parse_apache_access(line)
    }
}

/// Parses an Apache error-log line, reading its zoneless time as UTC.
///
/// # Errors
/// As [`parse_apache_error_in`].
pub fn parse_apache_error(line: &[u8]) -> Result<Record, ParseError> {
    parse_apache_error_in(line, &TimeZone::UTC)
}

/// Parses an Apache error-log line whose time was written in `zone`.
///
/// After the time and level, the `[pid N:tid N]` and `[client addr]`
/// brackets are read when present (2.4 writes `addr:port`); `AHnnnnn:` at
/// the start of the message (or after an `(errno)text: ` prefix) also goes
/// to `error.code`, 2.4's OS error (`(13)Permission denied: ` before the
/// client bracket) to `error.message`, and a trailing `, referer: URL` to
/// `http.request.referrer`. Other brackets stay in `message`.
///
/// # Errors
/// [`ParseError::InvalidUtf8`], or [`ParseError::Malformed`] when the
/// time or level bracket does not fit.
pub fn parse_apache_error_in(line: &[u8], zone: &TimeZone) -> Result<Record, ParseError> {
    let mut c = Cursor::new(FORMAT, line)?;
    c.expect(b'[', "'[' opening the time")?;
    let start = c.pos();
    let weekday = c.rest().get(..3).unwrap_or("");
    if !weekday.bytes().all(|b| b.is_ascii_alphabetic()) || weekday.len() != 3 {
        return Err(c.error("expected a weekday name (Mon..Sun)"));
    }
    c.set_pos(start + 3);
    c.expect(b' ', "a space after the weekday")?;
    let month = c.month_name()?;
    c.expect(b' ', "a space after the month")?;
    let day = c.day_of_month()?;
    c.expect(b' ', "a space after the day")?;
    let clock = c.clock()?;
    c.expect(b' ', "a space before the year")?;
    let year = c.fixed_digits(4, "the year")?;
    let timestamp = clock
        .on(year as i32, month, day)
        .and_then(|time| time.to_rfc3339_utc(zone))
        .ok_or_else(|| c.error_at(start, "date or time out of range"))?;
    c.expect(b']', "']' closing the time")?;
    c.spaces_before("the level")?;
    c.expect(b'[', "'[' opening the level")?;
    let level_start = c.pos();
    let bracket = c
        .until(b']')
        .ok_or_else(|| c.error_at(level_start, "expected ']' closing the level"))?;
    let (module, level) = match bracket.rsplit_once(':') {
        Some((module, level)) => (Some(module), level),
        None => (None, bracket),
    };
    if level.is_empty() || !level.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(c.error_at(
            level_start,
            "expected a level such as [error] or [core:error]",
        ));
    }
    let with_port = module.is_some() || clock.fraction_digits > 0;

    let mut pid = None;
    let mut tid = None;
    let mut client = None;
    let mut os_error = None;
    loop {
        let before = c.pos();
        c.skip_spaces();
        let rest = c.rest();
        if rest.starts_with("[pid ") && pid.is_none() {
            c.set_pos(c.pos() + "[pid ".len());
            pid = Some(c.number("the process id")?);
            if c.eat(b':') {
                c.expect_str("tid ", "'tid ' after the process id")?;
                tid = Some(c.number("the thread id")?);
            }
            c.expect(b']', "']' closing the process bracket")?;
        } else if rest.starts_with("[client ") && client.is_none() {
            c.set_pos(c.pos() + "[client ".len());
            let address_start = c.pos();
            let address = c
                .until(b']')
                .filter(|address| !address.is_empty() && !address.contains(' '))
                .ok_or_else(|| c.error_at(address_start, "expected the client address and ']'"))?;
            client = Some(split_client(address, with_port));
        } else if let Some((status, len)) = apr_status(rest).filter(|_| client.is_none()) {
            // 2.4's `%E: ` (APR status) comes before the client bracket.
            os_error = Some(status);
            c.set_pos(c.pos() + len);
        } else {
            c.set_pos(before);
            break;
        }
    }
    c.skip_spaces();
    let mut message = c.rest();
    let mut referrer = None;
    if client.is_some() {
        if let Some(at) = memchr::memmem::rfind(message.as_bytes(), b", referer: ") {
            referrer = Some(&message[at + ", referer: ".len()..]);
            message = &message[..at];
        }
    }

    let mut record = Record::with_capacity(12);
    put(&mut record, "@timestamp", timestamp);
    put(&mut record, "log.level", level);
    if let Some(module) = module.filter(|module| !module.is_empty()) {
        put(&mut record, "log.logger", module);
    }
    if let Some(pid) = pid {
        put(&mut record, "process.pid", pid);
        if let Some(tid) = tid {
            put(&mut record, "process.thread.id", tid);
        }
    }
    if let Some((address, port)) = client {
        put_source(&mut record, address, port);
    }
    if let Some(code) = error_code(message) {
        put(&mut record, "error.code", code);
    }
    if let Some(status) = os_error {
        put(&mut record, "error.message", status);
    }
    if let Some(referrer) = referrer {
        put(&mut record, "http.request.referrer", referrer);
    }
    put(&mut record, "message", message);
    Ok(record)
}

/// 2.4 writes `[client 203.0.113.9:37434]` and `[client ::1:58716]`: the
/// port follows the last colon, and what precedes it must be an IP. 2.2
/// writes the address alone, so an IPv6 address there must not lose its
/// last group.
fn split_client(address: &str, with_port: bool) -> (&str, Option<u64>) {
    if with_port {
        if let Some((host, port)) = address.rsplit_once(':') {
            let port = crate::scan::parse_u64(port.as_bytes()).filter(|p| *p <= 65_535);
            if let Some(port) = port.filter(|_| host.parse::<std::net::IpAddr>().is_ok()) {
                return (host, Some(port));
            }
        }
    }
    (address, None)
}

/// `(13)Permission denied: [client …` as 2.4 writes an OS error: the
/// status text and the length to skip (through `: `). Only when a client
/// bracket follows, so a message that merely starts with `(` stays whole.
fn apr_status(rest: &str) -> Option<(&str, usize)> {
    let inner = rest.strip_prefix('(')?;
    let close = inner.find(')')?;
    if close == 0 || !inner[..close].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let end = rest.find(": [client ")?;
    let status = &rest[..end];
    (!status.contains('[')).then_some((status, end + 2))
}

/// `AH00126` from `AH00126: …` or `(13)Permission denied: AH00035: …`.
fn error_code(message: &str) -> Option<&str> {
    let mut text = message;
    if text.starts_with('(') {
        let close = text.find(')')?;
        if !text[1..close]
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-')
        {
            return None;
        }
        text = &text[text.find(": ")? + 2..];
    }
    let code = text.get(..7)?;
    let is_code = code.starts_with("AH") && code[2..].bytes().all(|b| b.is_ascii_digit());
    (is_code && text[7..].starts_with(':')).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn client_ports_only_in_24() {
        assert_eq!(split_client("1.2.3.4:80", true), ("1.2.3.4", Some(80)));
        assert_eq!(split_client("::1:58716", true), ("::1", Some(58716)));
        assert_eq!(split_client("::1", false), ("::1", None));
        assert_eq!(split_client("host", true), ("host", None));
        assert_eq!(split_client("host:80", true), ("host:80", None));
        assert_eq!(split_client("2001:db8::1", true), ("2001:db8::1", None));
        assert_eq!(
            split_client("2001:db8::1:443", true),
            ("2001:db8::1", Some(443))
        );
    }

    #[test]
    fn apr_status_only_before_a_client() {
        assert_eq!(
            apr_status("(13)Permission denied: [client 1.2.3.4:5] AH00529: x"),
            Some(("(13)Permission denied", 23))
        );
        assert_eq!(apr_status("(13)Permission denied: no client"), None);
        assert_eq!(apr_status("(x)y: [client 1.2.3.4:5] z"), None);
    }

    #[test]
    fn error_codes() {
        assert_eq!(error_code("AH00126: Invalid URI"), Some("AH00126"));
        assert_eq!(
            error_code("(13)Permission denied: AH00035: access denied"),
            Some("AH00035")
        );
        assert_eq!(error_code("AH0012: short"), None);
        assert_eq!(error_code("mod_jk child workerEnv in error state 6"), None);
    }

    #[test]
    fn error_22() {
        let record = parse_apache_error(
            b"[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] Directory index forbidden by rule: /var/www/html/",
        )
        .unwrap();
        assert_eq!(
            Value::Object(record),
            json!({
                "@timestamp": "2005-12-04T04:47:44Z",
                "log.level": "error",
                "source.address": "1.2.3.4",
                "source.ip": "1.2.3.4",
                "message": "Directory index forbidden by rule: /var/www/html/"
            })
        );
    }

    #[test]
    fn error_24() {
        let record = parse_apache_error(
            b"[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:37434] AH00126: Invalid URI in request GET .. HTTP/1.1",
        )
        .unwrap();
        assert_eq!(
            Value::Object(record),
            json!({
                "@timestamp": "2011-09-09T10:42:29.902022Z",
                "log.level": "error",
                "log.logger": "core",
                "process.pid": 35708,
                "process.thread.id": 4328636416_u64,
                "source.address": "72.15.99.187",
                "source.ip": "72.15.99.187",
                "source.port": 37434,
                "error.code": "AH00126",
                "message": "AH00126: Invalid URI in request GET .. HTTP/1.1"
            })
        );
    }
}
