//! Syslog timestamps: the RFC 3164 `Mmm dd hh:mm:ss` form, which has no
//! year and no zone, with the year inferred from a reference time; the
//! RFC 3339 form of RFC 5424 (also written by rsyslog's high-precision file
//! format in place of the RFC 3164 one); and the RFC 3339 UTC rendering
//! used for `@timestamp`.
//!
//! Everything here works on bytes and builds no intermediate strings: the
//! only allocation is the rendered `@timestamp` itself.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use nom::bytes::complete::take_while_m_n;

use crate::scan::{month_number, push_rfc3339_seconds};
use crate::syslog::{expect_byte, fail, Input, PResult};
use crate::TimeZone;

/// How far ahead of the reference time an inferred RFC 3164 timestamp may
/// fall. Clocks drift, and a zoneless local time read as UTC can be up to
/// 14 hours ahead, so "in the future" is tolerated up to a month; beyond
/// that the line is taken to be from the year before.
const FUTURE_TOLERANCE: TimeDelta = TimeDelta::days(31);

/// How many years back year inference looks for a date that exists: far
/// enough to find a leap year for `Feb 29`.
const YEARS_BACK: i32 = 8;

/// A point in time in UTC at second precision, with the fraction of a
/// second kept as the digits written in the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp<'a> {
    /// Whole seconds; a leap second is held as `:59` with `leap` set.
    utc: NaiveDateTime,
    leap: bool,
    /// Fraction digits (without the `.`), empty when none were written.
    fraction: &'a [u8],
}

impl Stamp<'_> {
    /// RFC 3339 in UTC with a `Z`, keeping the fraction digits as written:
    /// `2026-11-23T10:29:01.003Z`.
    pub(crate) fn to_rfc3339(self) -> String {
        let mut out = String::with_capacity(21 + self.fraction.len());
        // The year is bounded to 0..=9999 by the parsers.
        push_rfc3339_seconds(&mut out, self.utc, self.utc.second() + u32::from(self.leap));
        if !self.fraction.is_empty() {
            out.push('.');
            out.extend(self.fraction.iter().map(|&digit| char::from(digit)));
        }
        out.push('Z');
        out
    }
}

impl Stamp<'_> {
    /// The instant, with a leap second as chrono holds it (`:59` and more
    /// than 10^9 nanoseconds).
    pub(crate) fn to_datetime(self) -> DateTime<Utc> {
        let digits = self.fraction.len().min(9) as u32;
        let nanos = decimal(self.fraction) * 10u32.pow(9 - digits);
        let nanos = nanos + if self.leap { 1_000_000_000 } else { 0 };
        // In range: at most 9 digits, and a leap second only at `:59`.
        self.utc
            .with_nanosecond(nanos)
            .unwrap_or(self.utc)
            .and_utc()
    }

    /// How many fraction digits the line wrote (0 to 9).
    pub(crate) fn fraction_digits(self) -> u8 {
        self.fraction.len() as u8
    }
}

/// An RFC 3164 timestamp as written: no zone, and a year only where a
/// device adds one (`Nov 23 2026 10:29:01`, Cisco's `service timestamps
/// log datetime year`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BsdTimestamp<'a> {
    month: u32,
    day: u32,
    year: Option<i32>,
    clock: Clock<'a>,
}

impl<'a> BsdTimestamp<'a> {
    /// The timestamp in UTC, read as a wall-clock time in `zone`. Without a written year, the year is the one that puts the
    /// timestamp closest to `now` while no more than [`FUTURE_TOLERANCE`]
    /// after it: on 2027-01-02, `Dec 31 23:59:59` is 2026, and on
    /// 2026-12-20, `Jan  5 00:00:00` is 2027. A year that lacks the date
    /// (`Feb 29`) is skipped.
    ///
    /// `None` when no year within reach has that date (`Feb 30`), or the
    /// written year lacks it.
    pub(crate) fn resolve(self, now: DateTime<Utc>, zone: &TimeZone) -> Option<Stamp<'a>> {
        let time = self.clock.time();
        let date = match self.year {
            Some(year) => NaiveDate::from_ymd_opt(year, self.month, self.day)?.and_time(time),
            None => with_inferred_year(self.month, self.day, time, now)?,
        };
        Some(Stamp {
            utc: zone.to_utc_naive(date)?,
            leap: self.clock.leap,
            fraction: self.clock.fraction,
        })
    }
}

/// `month`/`day` at `time` in the year that puts it closest to `now` while
/// no more than [`FUTURE_TOLERANCE`] after it, skipping years that lack the
/// date; `None` when no year within reach has it. Shared by RFC 3164 and
/// user time formats without a year (`%b %d %H:%M:%S`).
pub(crate) fn with_inferred_year(
    month: u32,
    day: u32,
    time: NaiveTime,
    now: DateTime<Utc>,
) -> Option<NaiveDateTime> {
    let limit = now.naive_utc() + FUTURE_TOLERANCE;
    // Candidates are a year apart, so the latest one not past the limit is
    // also the closest to now.
    (now.year() - YEARS_BACK..=now.year() + 1)
        .rev()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
        .map(|date| date.and_time(time))
        .find(|candidate| *candidate <= limit)
}

/// `hh:mm:ss[.fraction]`, validated; a leap second (`:60`) is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Clock<'a> {
    hour: u32,
    minute: u32,
    second: u32,
    leap: bool,
    fraction: &'a [u8],
}

impl Clock<'_> {
    fn time(self) -> NaiveTime {
        // Ranges were checked while parsing.
        NaiveTime::from_hms_opt(self.hour, self.minute, self.second).unwrap_or(NaiveTime::MIN)
    }
}

/// A three-letter English month name, any case: `Nov`, `NOV`.
fn month(input: Input<'_>) -> PResult<'_, u32> {
    match input.get(..3).and_then(month_number) {
        Some(month) => Ok((&input[3..], month)),
        None => fail(input, "expected a month name (Jan to Dec)"),
    }
}

/// Exactly `count` ASCII digits, as a number.
fn digits<'a>(input: Input<'a>, count: usize, reason: &'static str) -> PResult<'a, u32> {
    let parsed: PResult<'_, Input<'_>> =
        take_while_m_n(count, count, |byte: u8| byte.is_ascii_digit())(input);
    match parsed {
        Ok((rest, found)) => Ok((rest, decimal(found))),
        Err(_) => fail(input, reason),
    }
}

/// The value of a run of at most 9 ASCII digits.
fn decimal(found: &[u8]) -> u32 {
    found
        .iter()
        .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'))
}

/// Day of month: `23`, ` 7` (space-padded, as RFC 3164 writes it) or `7`.
fn day(input: Input<'_>) -> PResult<'_, u32> {
    let start = input;
    let input = input.strip_prefix(b" ").unwrap_or(input);
    let parsed: PResult<'_, Input<'_>> =
        take_while_m_n(1, 2, |byte: u8| byte.is_ascii_digit())(input);
    match parsed {
        Ok((rest, found)) => match decimal(found) {
            day @ 1..=31 => Ok((rest, day)),
            _ => fail(start, "day of month out of range 1 to 31"),
        },
        Err(_) => fail(input, "expected a day of month"),
    }
}

/// `hh:mm:ss` with an optional `.fraction`.
fn clock(input: Input<'_>) -> PResult<'_, Clock<'_>> {
    let (rest, hour) = digits(input, 2, "expected two digits of hour")?;
    if hour > 23 {
        return fail(input, "hour out of range 00 to 23");
    }
    let (rest, ()) = expect_byte(rest, b':', "expected ':' after the hour")?;
    let (after, minute) = digits(rest, 2, "expected two digits of minute")?;
    if minute > 59 {
        return fail(rest, "minute out of range 00 to 59");
    }
    let (rest, ()) = expect_byte(after, b':', "expected ':' after the minute")?;
    let (after, second) = digits(rest, 2, "expected two digits of second")?;
    if second > 60 {
        return fail(rest, "second out of range 00 to 60");
    }
    let (rest, fraction) = fraction(after)?;
    let leap = second == 60;
    Ok((
        rest,
        Clock {
            hour,
            minute,
            second: if leap { 59 } else { second },
            leap,
            fraction,
        },
    ))
}

/// `.ddd`: up to 9 digits (nanoseconds), or nothing.
fn fraction(input: Input<'_>) -> PResult<'_, &[u8]> {
    let Some(after_dot) = input.strip_prefix(b".") else {
        return Ok((input, &input[..0]));
    };
    let end = after_dot
        .iter()
        .position(|byte| !byte.is_ascii_digit())
        .unwrap_or(after_dot.len());
    match end {
        0 => fail(after_dot, "expected digits after '.' in the seconds"),
        1..=9 => Ok((&after_dot[end..], &after_dot[..end])),
        _ => fail(
            &after_dot[9..],
            "more than 9 digits of fraction of a second",
        ),
    }
}

/// RFC 3164 timestamp: `Mmm dd hh:mm:ss`, also `Mmm d`, `Mmm dd yyyy
/// hh:mm:ss` and a fraction after the seconds.
pub(crate) fn bsd_timestamp(input: Input<'_>) -> PResult<'_, BsdTimestamp<'_>> {
    let (rest, month) = month(input)?;
    let (rest, ()) = expect_byte(rest, b' ', "expected ' ' after the month")?;
    let (rest, day) = day(rest)?;
    let (rest, ()) = expect_byte(rest, b' ', "expected ' ' after the day of month")?;
    let (rest, year) = match digits(rest, 4, "") {
        Ok((after, year)) => {
            let (after, ()) = expect_byte(after, b' ', "expected ' ' after the year")?;
            (after, Some(year as i32))
        }
        Err(_) => (rest, None),
    };
    let (rest, clock) = clock(rest)?;
    Ok((
        rest,
        BsdTimestamp {
            month,
            day,
            year,
            clock,
        },
    ))
}

/// RFC 3339 timestamp as RFC 5424 restricts it: `2026-11-23T10:29:01Z`,
/// with an optional fraction and `Z` or a `±hh:mm` offset (the colon may be
/// left out). Lower-case `t` and `z` are accepted, as RFC 3339 allows.
pub(crate) fn rfc3339_timestamp(input: Input<'_>) -> PResult<'_, Stamp<'_>> {
    let (rest, year) = digits(input, 4, "expected a four-digit year")?;
    let (rest, ()) = expect_byte(rest, b'-', "expected '-' after the year")?;
    let (rest, month) = digits(rest, 2, "expected two digits of month")?;
    let (rest, ()) = expect_byte(rest, b'-', "expected '-' after the month")?;
    let (rest, day) = digits(rest, 2, "expected two digits of day")?;
    let Some(date) = NaiveDate::from_ymd_opt(year as i32, month, day) else {
        return fail(input, "no such date");
    };
    let rest = match rest.first() {
        Some(b'T' | b't') => &rest[1..],
        _ => return fail(rest, "expected 'T' between date and time"),
    };
    let (rest, clock) = clock(rest)?;
    let (rest, offset_seconds) = utc_offset(rest)?;
    let utc = date.and_time(clock.time()) - TimeDelta::seconds(offset_seconds);
    if !(0..=9999).contains(&utc.year()) {
        return fail(input, "timestamp outside years 0000 to 9999 in UTC");
    }
    Ok((
        rest,
        Stamp {
            utc,
            leap: clock.leap,
            fraction: clock.fraction,
        },
    ))
}

/// `Z`, or `+hh:mm` / `-hh:mm` (or without the colon), in seconds east of
/// UTC.
fn utc_offset(input: Input<'_>) -> PResult<'_, i64> {
    let sign = match input.first() {
        Some(b'Z' | b'z') => return Ok((&input[1..], 0)),
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return fail(input, "expected 'Z' or a UTC offset after the time"),
    };
    let (rest, hours) = digits(&input[1..], 2, "expected two digits of offset hours")?;
    let rest = rest.strip_prefix(b":").unwrap_or(rest);
    let (rest, minutes) = digits(rest, 2, "expected two digits of offset minutes")?;
    if hours > 23 || minutes > 59 {
        return fail(input, "UTC offset out of range");
    }
    Ok((rest, sign * i64::from(hours * 3600 + minutes * 60)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(year: i32, month: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, 12, 0, 0).unwrap()
    }

    fn bsd(text: &str, now: DateTime<Utc>) -> String {
        let (rest, stamp) = bsd_timestamp(text.as_bytes()).unwrap();
        assert!(rest.is_empty(), "left {rest:?}");
        stamp
            .resolve(now, &crate::TimeZone::UTC)
            .unwrap()
            .to_rfc3339()
    }

    fn iso(text: &str) -> Result<String, (usize, &'static str)> {
        match rfc3339_timestamp(text.as_bytes()) {
            Ok((rest, stamp)) => {
                assert!(rest.is_empty(), "left {rest:?}");
                Ok(stamp.to_rfc3339())
            }
            Err(nom::Err::Error(failure) | nom::Err::Failure(failure)) => {
                Err((text.len() - failure.at.len(), failure.reason))
            }
            Err(nom::Err::Incomplete(_)) => unreachable!(),
        }
    }

    #[test]
    fn month_names_in_any_case() {
        assert_eq!(month(b"Nov 23"), Ok((&b" 23"[..], 11)));
        assert_eq!(month(b"JAN"), Ok((&b""[..], 1)));
        assert!(month(b"Noe").is_err());
        assert!(month(b"No").is_err());
    }

    #[test]
    fn day_padded_unpadded_and_two_digits() {
        assert_eq!(day(b" 7 "), Ok((&b" "[..], 7)));
        assert_eq!(day(b"7 "), Ok((&b" "[..], 7)));
        assert_eq!(day(b"23 "), Ok((&b" "[..], 23)));
        assert!(day(b"32 ").is_err());
        assert!(day(b"00 ").is_err());
        assert!(day(b"x").is_err());
    }

    #[test]
    fn clock_ranges_and_fraction() {
        let (_, parsed) = clock(b"23:59:60.5").unwrap();
        assert!(parsed.leap);
        assert_eq!(parsed.fraction, b"5");
        assert!(clock(b"24:00:00").is_err());
        assert!(clock(b"10:60:00").is_err());
        assert!(clock(b"10:29").is_err());
        assert!(fraction(b".").is_err());
        assert!(fraction(b".1234567890").is_err());
        assert_eq!(fraction(b" x"), Ok((&b" x"[..], &b""[..])));
    }

    #[test]
    fn year_is_inferred_around_new_year() {
        // A late-December line read in early January is from last year.
        assert_eq!(
            bsd("Dec 31 23:59:59", at(2027, 1, 2)),
            "2026-12-31T23:59:59Z"
        );
        // An early-January line read in late December is from next year
        // (the sender's clock is ahead, or its zone is east of UTC).
        assert_eq!(
            bsd("Jan  5 00:00:00", at(2026, 12, 20)),
            "2027-01-05T00:00:00Z"
        );
        // More than a month ahead means last year.
        assert_eq!(
            bsd("Feb 10 00:00:00", at(2026, 12, 20)),
            "2026-02-10T00:00:00Z"
        );
        assert_eq!(
            bsd("Nov 23 10:29:01", at(2026, 11, 23)),
            "2026-11-23T10:29:01Z"
        );
        assert_eq!(
            bsd("Nov 24 10:29:01", at(2026, 11, 23)),
            "2026-11-24T10:29:01Z"
        );
    }

    #[test]
    fn february_29th_finds_a_leap_year() {
        assert_eq!(
            bsd("Feb 29 08:00:00", at(2026, 11, 23)),
            "2024-02-29T08:00:00Z"
        );
        let (_, stamp) = bsd_timestamp(b"Feb 30 08:00:00").unwrap();
        assert_eq!(stamp.resolve(at(2026, 11, 23), &crate::TimeZone::UTC), None);
    }

    #[test]
    fn written_year_and_fraction() {
        assert_eq!(
            bsd("Nov 23 2025 10:29:01.123", at(2026, 11, 23)),
            "2025-11-23T10:29:01.123Z"
        );
        assert_eq!(
            bsd("Nov 23 10:29:60", at(2026, 11, 23)),
            "2026-11-23T10:29:60Z"
        );
    }

    #[test]
    fn rfc3339_offsets_are_applied() {
        assert_eq!(
            iso("2003-10-11T22:14:15.003Z").unwrap(),
            "2003-10-11T22:14:15.003Z"
        );
        assert_eq!(
            iso("2003-08-24T05:14:15.000003-07:00").unwrap(),
            "2003-08-24T12:14:15.000003Z"
        );
        assert_eq!(
            iso("2027-01-01T00:30:00+0100").unwrap(),
            "2026-12-31T23:30:00Z"
        );
        assert_eq!(iso("2026-11-23t10:29:01z").unwrap(), "2026-11-23T10:29:01Z");
    }

    #[test]
    fn rfc3339_errors_point_at_the_problem() {
        assert_eq!(iso("2026-13-01T00:00:00Z"), Err((0, "no such date")));
        assert_eq!(
            iso("2026-11-23 10:29:01Z"),
            Err((10, "expected 'T' between date and time"))
        );
        assert_eq!(
            iso("2026-11-23T10:29:01"),
            Err((19, "expected 'Z' or a UTC offset after the time"))
        );
        assert_eq!(iso("2026-11-2"), Err((8, "expected two digits of day")));
        assert_eq!(
            iso("0000-01-01T00:00:00+01:00"),
            Err((0, "timestamp outside years 0000 to 9999 in UTC"))
        );
    }
}
