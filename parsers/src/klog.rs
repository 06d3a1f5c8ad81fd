//! The Kubernetes components' log format (klog, after glog):
//!
//! ```text
//! I1123 10:29:01.123456    1234 controller.go:123] Starting controller
//! ```
//!
//! Severity letter, `MMDD`, time with microseconds, thread id (padded to
//! seven columns), `file:line]`, message. The line has no year: it is
//! inferred from a reference "now" (see [`parse_klog_at`]).
//!
//! Known limit: the structured form (`"msg" key="value"`, from klog's
//! `InfoS`) is not taken apart; `message` holds it verbatim.

use chrono::{DateTime, Datelike, TimeDelta, Utc};

use crate::scan::{put, CivilTime, Clock, Cursor};
use crate::{ParseError, Record, TimeContext};

const FORMAT: &str = "klog";

/// Parses a klog line, inferring the year from the current time and
/// reading the time as UTC.
///
/// # Errors
/// As [`parse_klog_in`].
pub fn parse_klog(line: &[u8]) -> Result<Record, ParseError> {
    parse_klog_in(line, &TimeContext::new(Utc::now()))
}

/// Parses a klog line, inferring the year from `now`, reading the time as
/// UTC.
///
/// # Errors
/// As [`parse_klog_in`].
pub fn parse_klog_at(line: &[u8], now: DateTime<Utc>) -> Result<Record, ParseError> {
    parse_klog_in(line, &TimeContext::new(now))
}

/// Parses a klog line whose time was written in the context's zone.
///
/// The year is the latest one that puts the event no more than a day
/// after the context's reference time: a December line read in January lands in the year before,
/// and a line a few minutes "ahead" across New Year (clock skew) in the
/// year after. February 29 goes back to the last leap year.
///
/// # Errors
/// [`ParseError::InvalidUtf8`], or [`ParseError::Malformed`] with the
/// offset of the first header field that does not fit.
pub fn parse_klog_in(line: &[u8], context: &TimeContext) -> Result<Record, ParseError> {
    let mut c = Cursor::new(FORMAT, line)?;
    let level = match c.peek() {
        Some(b'I') => "info",
        Some(b'W') => "warning",
        Some(b'E') => "error",
        Some(b'F') => "fatal",
        _ => return Err(c.error("expected a severity letter (I, W, E or F)")),
    };
    c.bump();
    let date_start = c.pos();
    let month = c.fixed_digits(2, "the month")?;
    let day = c.fixed_digits(2, "the day")?;
    c.expect(b' ', "a space after the date")?;
    let clock = c.clock()?;
    let timestamp = infer_year(clock, month, day, context)
        .and_then(|time| time.to_rfc3339_utc(context.zone()))
        .ok_or_else(|| c.error_at(date_start, "date or time out of range"))?;
    c.spaces_before("the thread id")?;
    let thread = c.number("the thread id")?;
    c.spaces_before("the source location")?;
    let origin_start = c.pos();
    let origin = c
        .until(b']')
        .ok_or_else(|| c.error_at(origin_start, "expected 'file:line]'"))?;
    let (file, line_number) = origin
        .rsplit_once(':')
        .and_then(|(file, number)| {
            let number = crate::scan::parse_u64(number.as_bytes())?;
            (!file.is_empty() && !file.contains(' ')).then_some((file, number))
        })
        .ok_or_else(|| c.error_at(origin_start, "expected 'file:line]'"))?;
    // One space separates the header from the message; keep the rest as is.
    c.eat(b' ');
    let message = c.rest();

    let mut record = Record::with_capacity(6);
    put(&mut record, "@timestamp", timestamp);
    put(&mut record, "log.level", level);
    put(&mut record, "log.origin.file.name", file);
    put(&mut record, "log.origin.file.line", line_number);
    put(&mut record, "process.thread.id", thread);
    put(&mut record, "message", message);
    Ok(record)
}

/// The latest year (from next year back) in which `month`/`day` `clock`,
/// read in the context's zone, is at most one day after its reference time.
fn infer_year(clock: Clock, month: u32, day: u32, context: &TimeContext) -> Option<CivilTime> {
    let limit = context.now().naive_utc() + TimeDelta::days(1);
    // A year past the reference year covers zones ahead of UTC at New Year;
    // eight years back reaches a leap year from any year.
    let this_year = context.now().year();
    (this_year - 8..=this_year + 1)
        .rev()
        .filter_map(|year| clock.on(year, month, day))
        .find(|time| time.to_utc(context.zone()).is_some_and(|utc| utc <= limit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::{json, Value};

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn stamp(line: &str, now: DateTime<Utc>) -> String {
        parse_klog_at(line.as_bytes(), now).unwrap()["@timestamp"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn parses_the_header() {
        let record = parse_klog_at(
            b"E1123 10:29:01.123456    1234 reflector.go:138] failed to list *v1.Pod: timeout",
            at(2026, 11, 23, 12),
        )
        .unwrap();
        assert_eq!(
            Value::Object(record),
            json!({
                "@timestamp": "2026-11-23T10:29:01.123456Z",
                "log.level": "error",
                "log.origin.file.name": "reflector.go",
                "log.origin.file.line": 138,
                "process.thread.id": 1234,
                "message": "failed to list *v1.Pod: timeout"
            })
        );
    }

    #[test]
    fn year_goes_back_across_new_year() {
        let line = "I1231 23:59:59.000000 1 a.go:1] x";
        assert_eq!(
            stamp(line, at(2027, 1, 1, 0)),
            "2026-12-31T23:59:59.000000Z"
        );
    }

    #[test]
    fn year_goes_forward_for_small_skew() {
        let line = "I0101 00:00:10.000000 1 a.go:1] x";
        assert_eq!(
            stamp(line, at(2026, 12, 31, 23)),
            "2027-01-01T00:00:10.000000Z"
        );
    }

    #[test]
    fn a_later_date_this_year_is_last_year() {
        let line = "W1201 08:00:00.000000 1 a.go:1] x";
        assert_eq!(
            stamp(line, at(2026, 11, 23, 12)),
            "2025-12-01T08:00:00.000000Z"
        );
    }

    #[test]
    fn february_29_finds_a_leap_year() {
        let line = "I0229 08:00:00.000000 1 a.go:1] x";
        assert_eq!(
            stamp(line, at(2026, 11, 23, 12)),
            "2024-02-29T08:00:00.000000Z"
        );
    }

    #[test]
    fn zone_applies_to_the_year_choice_and_the_stamp() {
        let plus_two = crate::TimeZone::from_name("+02:00").unwrap();
        let record = parse_klog_in(
            b"I0101 01:00:00.000000 1 a.go:1] x",
            &TimeContext::new(at(2026, 12, 31, 23)).in_zone(plus_two),
        )
        .unwrap();
        assert_eq!(record["@timestamp"], "2026-12-31T23:00:00.000000Z");
    }
}
