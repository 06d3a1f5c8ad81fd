//! The byte-scanning pieces the text-format parsers share: a cursor that
//! reports the exact offset where a line stops matching, fixed-width
//! numbers, month names, and the civil timestamp those formats carry.
//!
//! Hand-written rather than nom: every format here is a fixed sequence of
//! delimited fields, and a cursor over the line keeps each failure's offset
//! exact without threading the original input through error types.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::{ParseError, Record, TimeZone};

/// A position in one line being parsed by format `format`.
///
/// The line is validated as UTF-8 once, up front; every slice the cursor
/// hands out starts and ends next to an ASCII delimiter, so it is always on
/// a character boundary.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    line: &'a str,
    pos: usize,
    format: &'static str,
}

impl<'a> Cursor<'a> {
    /// Starts at the beginning of `line`, minus a trailing `\n` or `\r\n`
    /// left by framing.
    pub(crate) fn new(format: &'static str, line: &'a [u8]) -> Result<Self, ParseError> {
        let line = std::str::from_utf8(line).map_err(|err| ParseError::InvalidUtf8 {
            offset: err.valid_up_to(),
        })?;
        Ok(Self {
            line: line.trim_end_matches(['\n', '\r']),
            pos: 0,
            format,
        })
    }

    /// The whole line (without its line ending).
    pub(crate) fn line(&self) -> &'a str {
        self.line
    }

    /// Current offset in the line.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves to `pos`, which callers take from a delimiter they found.
    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.line.len());
    }

    /// What is left of the line.
    pub(crate) fn rest(&self) -> &'a str {
        self.line.get(self.pos..).unwrap_or("")
    }

    pub(crate) fn is_at_end(&self) -> bool {
        self.pos >= self.line.len()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.line.as_bytes().get(self.pos).copied()
    }

    /// A [`ParseError::Malformed`] at `offset`.
    pub(crate) fn error_at(&self, offset: usize, reason: impl Into<String>) -> ParseError {
        ParseError::Malformed {
            format: self.format,
            offset,
            reason: reason.into(),
        }
    }

    /// A [`ParseError::Malformed`] at the current position.
    pub(crate) fn error(&self, reason: impl Into<String>) -> ParseError {
        self.error_at(self.pos, reason)
    }

    /// Consumes `byte` or fails with "expected `what`".
    pub(crate) fn expect(&mut self, byte: u8, what: &str) -> Result<(), ParseError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected {what}, found {}", self.found())))
        }
    }

    /// Consumes `literal` or fails with "expected `what`".
    pub(crate) fn expect_str(&mut self, literal: &str, what: &str) -> Result<(), ParseError> {
        if self.rest().starts_with(literal) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(self.error(format!("expected {what}, found {}", self.found())))
        }
    }

    /// Steps over one byte the caller has just looked at with [`peek`].
    ///
    /// [`peek`]: Self::peek
    pub(crate) fn bump(&mut self) {
        self.set_pos(self.pos + 1);
    }

    /// Consumes `byte` if it is next.
    pub(crate) fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Skips spaces (and tabs); returns how many.
    pub(crate) fn skip_spaces(&mut self) -> usize {
        let skipped = self
            .rest()
            .bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .count();
        self.pos += skipped;
        skipped
    }

    /// Requires at least one space before the field named `what`.
    pub(crate) fn spaces_before(&mut self, what: &str) -> Result<(), ParseError> {
        if self.skip_spaces() == 0 {
            return Err(self.error(format!(
                "expected a space before {what}, found {}",
                self.found()
            )));
        }
        Ok(())
    }

    /// Takes everything up to the next space or tab (or the end).
    pub(crate) fn token(&mut self) -> &'a str {
        let rest = self.rest();
        let len = memchr::memchr2(b' ', b'\t', rest.as_bytes()).unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    /// Takes everything up to `byte`, and consumes `byte` too; `None` (and
    /// no move) when `byte` does not occur.
    pub(crate) fn until(&mut self, byte: u8) -> Option<&'a str> {
        let rest = self.rest();
        let len = memchr::memchr(byte, rest.as_bytes())?;
        self.pos += len + 1;
        Some(&rest[..len])
    }

    /// Exactly `width` ASCII digits, as a number.
    pub(crate) fn fixed_digits(&mut self, width: usize, what: &str) -> Result<u32, ParseError> {
        let bytes = self.rest().as_bytes();
        let mut value = 0u32;
        for index in 0..width {
            match bytes.get(index) {
                Some(digit @ b'0'..=b'9') => value = value * 10 + u32::from(digit - b'0'),
                _ => {
                    return Err(self.error_at(
                        self.pos + index,
                        format!("expected {width} digits of {what}"),
                    ))
                }
            }
        }
        self.pos += width;
        Ok(value)
    }

    /// One or more ASCII digits as a `u64`; fails on none or on overflow.
    pub(crate) fn number(&mut self, what: &str) -> Result<u64, ParseError> {
        let rest = self.rest().as_bytes();
        let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return Err(self.error(format!("expected {what}, found {}", self.found())));
        }
        let value = parse_u64(&rest[..len])
            .ok_or_else(|| self.error(format!("{what} does not fit in 64 bits")))?;
        self.pos += len;
        Ok(value)
    }

    /// A day of the month, one or two digits, possibly space-padded (`04`,
    /// ` 4`, `4`).
    pub(crate) fn day_of_month(&mut self) -> Result<u32, ParseError> {
        if self.peek() == Some(b' ') {
            self.pos += 1;
            return self.fixed_digits(1, "the day");
        }
        let start = self.pos;
        let day = self.fixed_digits(1, "the day")?;
        match self.peek() {
            Some(digit @ b'0'..=b'9') => {
                self.pos += 1;
                Ok(day * 10 + u32::from(digit - b'0'))
            }
            _ if day == 0 => Err(self.error_at(start, "day 0 does not exist")),
            _ => Ok(day),
        }
    }

    /// A three-letter English month abbreviation (`Jan` … `Dec`), 1-based.
    pub(crate) fn month_name(&mut self) -> Result<u32, ParseError> {
        let month = self
            .rest()
            .as_bytes()
            .get(..3)
            .and_then(month_number)
            .ok_or_else(|| self.error("expected a month name (Jan..Dec)"))?;
        self.pos += 3;
        Ok(month)
    }

    /// `HH:MM:SS` with an optional `.fraction` of up to nine digits.
    pub(crate) fn clock(&mut self) -> Result<Clock, ParseError> {
        let hour = self.fixed_digits(2, "the hour")?;
        self.expect(b':', "':' after the hour")?;
        let minute = self.fixed_digits(2, "the minute")?;
        self.expect(b':', "':' after the minute")?;
        let second = self.fixed_digits(2, "the second")?;
        let mut clock = Clock {
            hour,
            minute,
            second,
            nanos: 0,
            fraction_digits: 0,
        };
        if self.eat(b'.') {
            let start = self.pos;
            let digits = self
                .rest()
                .bytes()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 0 || digits > 9 {
                return Err(self.error_at(start, "expected 1 to 9 digits of fractional seconds"));
            }
            let value = self.fixed_digits(digits, "fractional seconds")?;
            clock.nanos = value * 10u32.pow(9 - digits as u32);
            clock.fraction_digits = digits as u8;
        }
        Ok(clock)
    }

    /// A short description of what is at the cursor, for error messages.
    pub(crate) fn found(&self) -> String {
        match self.rest().chars().next() {
            None => "end of line".to_owned(),
            Some(c) => format!("{c:?}"),
        }
    }
}

/// A time of day as written in a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clock {
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) nanos: u32,
    /// How many fractional digits the line carried; the rendered timestamp
    /// keeps that precision.
    pub(crate) fraction_digits: u8,
}

impl Clock {
    /// Combines with a date into a local civil time; `None` when the fields
    /// are out of range (hour 24, February 30, ...).
    pub(crate) fn on(self, year: i32, month: u32, day: u32) -> Option<CivilTime> {
        let time = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(
            self.hour,
            self.minute,
            self.second,
            self.nanos,
        )?;
        Some(CivilTime {
            time,
            fraction_digits: self.fraction_digits,
        })
    }
}

/// A wall-clock time read from a line, not yet placed in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CivilTime {
    pub(crate) time: NaiveDateTime,
    fraction_digits: u8,
}

impl CivilTime {
    /// The same instant in UTC, given the zone the line was written in;
    /// `None` only past chrono's date range.
    pub(crate) fn to_utc(self, zone: &TimeZone) -> Option<NaiveDateTime> {
        zone.to_utc_naive(self.time)
    }

    /// RFC 3339 in UTC (`2026-11-23T10:29:01Z`, `…01.902022Z`), keeping the
    /// fractional digits the line had; `None` as for [`Self::to_utc`].
    pub(crate) fn to_rfc3339_utc(self, zone: &TimeZone) -> Option<String> {
        use chrono::{Datelike, Timelike};
        let utc = self.to_utc(zone)?;
        let mut out = String::with_capacity(32);
        let year = utc.year();
        if !(0..=9999).contains(&year) {
            // Out of RFC 3339's range; chrono writes a signed, longer year.
            return Some(
                utc.and_utc()
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            );
        }
        push_rfc3339_seconds(&mut out, utc, utc.second());
        if self.fraction_digits > 0 {
            let digits = u32::from(self.fraction_digits.min(9));
            out.push('.');
            push_digits(&mut out, utc.nanosecond() / 10u32.pow(9 - digits), digits);
        }
        out.push('Z');
        Some(out)
    }
}

/// `YYYY-MM-DDTHH:MM:SS` of `time`, whose year must be within 0..=9999,
/// with `second` written as given (a leap second is `60`).
pub(crate) fn push_rfc3339_seconds(out: &mut String, time: NaiveDateTime, second: u32) {
    use chrono::{Datelike, Timelike};
    push_digits(out, time.year().unsigned_abs(), 4);
    out.push('-');
    push_digits(out, time.month(), 2);
    out.push('-');
    push_digits(out, time.day(), 2);
    out.push('T');
    push_digits(out, time.hour(), 2);
    out.push(':');
    push_digits(out, time.minute(), 2);
    out.push(':');
    push_digits(out, second, 2);
}

pub(crate) fn push_digits(out: &mut String, value: u32, width: u32) {
    let mut divisor = 10u32.pow(width - 1);
    while divisor > 0 {
        out.push(char::from(b'0' + ((value / divisor) % 10) as u8));
        divisor /= 10;
    }
}

/// `Jan` … `Dec`, in any case (`NOV`), to 1 … 12.
pub(crate) fn month_number(name: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let name: &[u8; 3] = name.try_into().ok()?;
    let lower = name.map(|byte| byte.to_ascii_lowercase());
    MONTHS
        .iter()
        .position(|month| **month == lower)
        .map(|index| index as u32 + 1)
}

/// ASCII digits to `u64`, `None` on overflow or a non-digit.
pub(crate) fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |value, digit| {
        if !digit.is_ascii_digit() {
            return None;
        }
        value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
    })
}

/// Sets one field under its dotted ECS name (`http.request.method`) as a
/// single top-level key. Records keep the names flat rather than nesting an
/// object per name segment: Elasticsearch reads both forms alike, and the
/// nested form costs a map per segment, which was most of a parser's time.
pub(crate) fn put(record: &mut Record, name: &str, value: impl Into<Value>) {
    record.insert(name.to_owned(), value.into());
}

/// `{vendor}.{name}` (`nginx.access.identity`): the namespace for fields ECS
/// has no name for.
pub(crate) fn put_vendor(record: &mut Record, vendor: &str, name: &str, value: impl Into<Value>) {
    let mut key = String::with_capacity(vendor.len() + 1 + name.len());
    key.push_str(vendor);
    key.push('.');
    key.push_str(name);
    record.insert(key, value.into());
}

/// `source.address`, and `source.ip` when the address is an IP (otherwise
/// `source.domain`, as ECS has it for a host name), and `source.port`.
pub(crate) fn put_source(record: &mut Record, address: &str, port: Option<u64>) {
    put(record, "source.address", address);
    if address.parse::<std::net::IpAddr>().is_ok() {
        put(record, "source.ip", address);
    } else {
        put(record, "source.domain", address);
    }
    if let Some(port) = port {
        put(record, "source.port", port);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(line: &str) -> Cursor<'_> {
        Cursor::new("test", line.as_bytes()).unwrap()
    }

    #[test]
    fn new_strips_line_ending_and_rejects_bad_utf8() {
        assert_eq!(cursor("a b\r\n").line(), "a b");
        assert_eq!(
            Cursor::new("test", b"ab\xffc").unwrap_err(),
            ParseError::InvalidUtf8 { offset: 2 }
        );
    }

    #[test]
    fn fixed_digits_report_the_offending_byte() {
        let mut c = cursor("12x4");
        assert_eq!(
            c.fixed_digits(4, "the year"),
            Err(ParseError::Malformed {
                format: "test",
                offset: 2,
                reason: "expected 4 digits of the year".into()
            })
        );
        assert_eq!(c.pos(), 0);
    }

    #[test]
    fn number_refuses_overflow() {
        assert_eq!(cursor("18446744073709551615").number("n"), Ok(u64::MAX));
        assert!(cursor("18446744073709551616").number("n").is_err());
        assert!(cursor("-").number("n").is_err());
    }

    #[test]
    fn clock_keeps_fraction_precision() {
        let clock = cursor("10:42:29.902022").clock().unwrap();
        assert_eq!((clock.nanos, clock.fraction_digits), (902_022_000, 6));
        let time = clock.on(2011, 9, 9).unwrap();
        assert_eq!(
            time.to_rfc3339_utc(&TimeZone::UTC).as_deref(),
            Some("2011-09-09T10:42:29.902022Z")
        );
        assert!(cursor("10:42:29.").clock().is_err());
        assert!(cursor("10:42:29.1234567890").clock().is_err());
    }

    #[test]
    fn civil_time_moves_to_utc() {
        let time = cursor("00:30:00").clock().unwrap().on(2026, 1, 1).unwrap();
        let plus_two = TimeZone::fixed(chrono::FixedOffset::east_opt(2 * 3600).unwrap());
        assert_eq!(
            time.to_rfc3339_utc(&plus_two).as_deref(),
            Some("2025-12-31T22:30:00Z")
        );
    }

    #[test]
    fn day_of_month_accepts_padding() {
        assert_eq!(cursor(" 4").day_of_month(), Ok(4));
        assert_eq!(cursor("04").day_of_month(), Ok(4));
        assert_eq!(cursor("4 ").day_of_month(), Ok(4));
        assert!(cursor("x").day_of_month().is_err());
    }
}
