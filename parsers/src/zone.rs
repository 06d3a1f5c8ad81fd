//! The zone in which a zoneless time (`2026-11-23 10:29:01`, syslog's
//! `Nov 23 10:29:01`) was written, and its conversion to UTC.
//!
//! Wall-clock times that fall into a daylight-saving change are resolved
//! the way `java.time` resolves them (also what Elasticsearch's date
//! parsing inherits): in a **gap** (spring forward, `02:30` on a day that
//! jumps from `02:00` to `03:00`) the time is moved forward by the length
//! of the gap, so `02:30` reads as `03:30` summer time; in an **overlap**
//! (fall back, `02:30` happens twice) the earlier instant is taken. Log
//! lines are never dropped for it: a writer whose clock shows `02:30` on
//! such a day did write the line, and these rules put it within an hour of
//! when it was written.

use std::fmt;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeDelta, Utc};

use crate::TimeSettingError;

/// What parsers of zoneless or yearless times need besides the line: the
/// reference time for year inference and the zone the lines were written
/// in (UTC unless set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeContext {
    now: DateTime<Utc>,
    zone: TimeZone,
}

impl TimeContext {
    /// A context whose reference time for year inference is `now`, reading
    /// zoneless times as UTC.
    ///
    /// A timestamp without a year (RFC 3164, klog) is given the year that
    /// puts it closest to `now` without being too far after it (clocks
    /// drift, and zones east of UTC run ahead), so at New Year a `Dec 31`
    /// line read on January 2nd belongs to the old year and a `Jan  1` line
    /// read on December 31st to the new one. `Feb 29` goes to the latest
    /// leap year within reach.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now,
            zone: TimeZone::UTC,
        }
    }

    /// The same context, reading zoneless times in `zone`.
    pub fn in_zone(self, zone: TimeZone) -> Self {
        Self { zone, ..self }
    }

    /// The reference time.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The zone zoneless times are read in.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }
}

/// A zone for reading zoneless times: UTC, a fixed offset, the machine's
/// own zone, or an IANA zone with its daylight-saving rules.
///
/// ```
/// use chrono::NaiveDate;
/// use sluice_parsers::TimeZone;
///
/// let berlin = TimeZone::from_name("Europe/Berlin").unwrap();
/// let wall = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap().and_hms_opt(12, 0, 0).unwrap();
/// assert_eq!(berlin.to_utc(wall).unwrap().to_rfc3339(), "2026-07-01T10:00:00+00:00");
/// assert!(TimeZone::from_name("Europe/Berln").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeZone(Zone);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Zone {
    #[default]
    Utc,
    Fixed(FixedOffset),
    /// Read from `TZ` or `/etc/localtime` by chrono at each conversion.
    Local,
    Named(chrono_tz::Tz),
}

impl TimeZone {
    /// Coordinated Universal Time, the default for zoneless times.
    pub const UTC: Self = Self(Zone::Utc);

    /// The machine's zone (`TZ`, else `/etc/localtime`), as chrono reads it.
    pub const LOCAL: Self = Self(Zone::Local);

    /// A fixed offset east of UTC.
    pub fn fixed(offset: FixedOffset) -> Self {
        Self(Zone::Fixed(offset))
    }

    /// Looks a zone up by how a user writes it: `UTC` (also `utc`, `Z`),
    /// `local`, a fixed offset (`+02:00`, `-0500`, `+05`), or an IANA name
    /// (`Europe/Berlin`, `America/New_York`, `Etc/GMT+5`), spelled as in the
    /// tz database.
    ///
    /// # Errors
    /// [`TimeSettingError::UnknownTimeZone`] for anything else.
    pub fn from_name(name: &str) -> Result<Self, TimeSettingError> {
        let unknown = || TimeSettingError::UnknownTimeZone {
            name: name.to_owned(),
        };
        match name {
            "UTC" | "utc" | "Z" => Ok(Self::UTC),
            "local" => Ok(Self::LOCAL),
            _ if name.starts_with(['+', '-']) => {
                parse_offset(name).map(Self::fixed).ok_or_else(unknown)
            }
            _ => name
                .parse::<chrono_tz::Tz>()
                .map(|zone| Self(Zone::Named(zone)))
                .map_err(|_| unknown()),
        }
    }

    /// The instant at which a clock in this zone showed `wall`; gaps and
    /// overlaps are resolved as the [module docs](self) say.
    ///
    /// `None` only when the result falls outside chrono's range of dates.
    pub fn to_utc(&self, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
        let utc = match self.0 {
            Zone::Utc => wall,
            Zone::Fixed(offset) => wall.checked_sub_offset(offset)?,
            Zone::Local => resolve(&chrono::Local, wall)?,
            Zone::Named(zone) => resolve(&zone, wall)?,
        };
        Some(utc.and_utc())
    }

    /// [`to_utc`](Self::to_utc) as a naive UTC date and time.
    pub fn to_utc_naive(&self, wall: NaiveDateTime) -> Option<NaiveDateTime> {
        self.to_utc(wall).map(|time| time.naive_utc())
    }

    /// Whether this is UTC, so callers can skip the conversion.
    pub fn is_utc(&self) -> bool {
        match self.0 {
            Zone::Utc => true,
            Zone::Fixed(offset) => offset.local_minus_utc() == 0,
            Zone::Local | Zone::Named(_) => false,
        }
    }
}

impl fmt::Display for TimeZone {
    /// The name [`TimeZone::from_name`] reads back.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Zone::Utc => formatter.write_str("UTC"),
            Zone::Fixed(offset) => write!(formatter, "{offset}"),
            Zone::Local => formatter.write_str("local"),
            Zone::Named(zone) => formatter.write_str(zone.name()),
        }
    }
}

/// `wall` in `zone`, as naive UTC: the earlier instant of an overlap, and
/// in a gap the offset in force just before it, which moves the time
/// forward by the gap's length.
fn resolve<Z: chrono::TimeZone>(zone: &Z, wall: NaiveDateTime) -> Option<NaiveDateTime> {
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(time) => Some(time.naive_utc()),
        LocalResult::Ambiguous(earlier, later) => Some(earlier.naive_utc().min(later.naive_utc())),
        LocalResult::None => {
            // A day before the gap is safely before it: no zone has two
            // transitions within a day.
            let before_gap = wall.checked_sub_signed(TimeDelta::days(1))?;
            let offset = zone.offset_from_utc_datetime(&before_gap).fix();
            wall.checked_sub_offset(offset)
        }
    }
}

/// `+hh:mm`, `+hhmm` or `+hh` (and `-`), hours up to 23. Works on bytes:
/// the text is user input and may hold multi-byte characters anywhere.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, digits) = match text.as_bytes().split_first()? {
        (b'+', rest) => (1, rest),
        (b'-', rest) => (-1, rest),
        _ => return None,
    };
    let (hours, minutes): (&[u8], &[u8]) = match digits {
        [_, _] => (digits, b"00"),
        [_, _, _, _] => digits.split_at(2),
        [_, _, b':', _, _] => (&digits[..2], &digits[3..]),
        _ => return None,
    };
    if !hours.iter().chain(minutes).all(u8::is_ascii_digit) {
        return None;
    }
    let two_digits = |pair: &[u8]| i32::from(pair[0] - b'0') * 10 + i32::from(pair[1] - b'0');
    let (hours, minutes) = (two_digits(hours), two_digits(minutes));
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn wall(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn utc(zone: &str, text: &str) -> String {
        let zone = TimeZone::from_name(zone).unwrap();
        zone.to_utc(wall(text))
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    #[test]
    fn names_offsets_and_utc() {
        assert_eq!(utc("UTC", "2026-11-23 10:29:01"), "2026-11-23T10:29:01Z");
        assert_eq!(utc("+02:00", "2026-11-23 10:29:01"), "2026-11-23T08:29:01Z");
        assert_eq!(utc("-0500", "2026-11-23 22:00:00"), "2026-11-24T03:00:00Z");
        assert_eq!(utc("+05", "2026-11-23 10:00:00"), "2026-11-23T05:00:00Z");
        assert_eq!(
            utc("America/New_York", "2026-07-04 12:00:00"),
            "2026-07-04T16:00:00Z"
        );
        assert_eq!(
            utc("Asia/Kolkata", "2026-01-01 05:30:00"),
            "2026-01-01T00:00:00Z"
        );
    }

    #[test]
    fn unknown_names_and_bad_offsets_are_refused() {
        for name in [
            "Europe/Berln",
            "CEST",
            "+2",
            "+24:00",
            "+02:60",
            "+0a:00",
            "",
            "local ",
            // Found by the fuzzer: a multi-byte character where an offset's
            // digits go used to split a string inside the character.
            "-2\u{f0}5",
            "+\u{e9}",
            "+1\u{e9}:00",
        ] {
            assert_eq!(
                TimeZone::from_name(name),
                Err(TimeSettingError::UnknownTimeZone {
                    name: name.to_owned()
                }),
                "{name:?}"
            );
        }
    }

    #[test]
    fn names_display_as_they_are_read() {
        for name in ["UTC", "local", "+02:00", "-05:30", "Europe/Berlin"] {
            assert_eq!(TimeZone::from_name(name).unwrap().to_string(), name);
        }
        assert!(TimeZone::from_name("+00:00").unwrap().is_utc());
        assert!(!TimeZone::from_name("Europe/London").unwrap().is_utc());
    }

    /// Europe/Berlin switches to summer time on 2026-03-29 at 02:00 (clocks
    /// jump to 03:00) and back on 2026-10-25 at 03:00 (clocks go back to
    /// 02:00).
    #[test]
    fn berlin_daylight_saving_changes() {
        let berlin = "Europe/Berlin";
        // Winter (+01:00) and summer (+02:00) either side of the change.
        assert_eq!(utc(berlin, "2026-03-29 01:59:59"), "2026-03-29T00:59:59Z");
        assert_eq!(utc(berlin, "2026-03-29 03:00:00"), "2026-03-29T01:00:00Z");
        // In the gap: moved forward an hour, 02:30 reads as 03:30 CEST.
        assert_eq!(utc(berlin, "2026-03-29 02:30:00"), "2026-03-29T01:30:00Z");
        assert_eq!(utc(berlin, "2026-03-29 02:00:00"), "2026-03-29T01:00:00Z");
        // In the overlap: the earlier instant, 02:30 CEST.
        assert_eq!(utc(berlin, "2026-10-25 02:30:00"), "2026-10-25T00:30:00Z");
        assert_eq!(utc(berlin, "2026-10-25 03:00:00"), "2026-10-25T02:00:00Z");
        assert_eq!(utc(berlin, "2026-10-25 01:59:59"), "2026-10-24T23:59:59Z");
    }

    #[test]
    fn a_skipped_day_moves_forward_by_the_whole_day() {
        // Samoa skipped 2011-12-30, going from -10:00 to +14:00.
        assert_eq!(
            utc("Pacific/Apia", "2011-12-30 12:00:00"),
            "2011-12-30T22:00:00Z"
        );
    }

    #[test]
    fn the_extremes_of_the_calendar_give_none_not_a_panic() {
        let zone = TimeZone::from_name("-05:00").unwrap();
        assert_eq!(zone.to_utc(NaiveDateTime::MAX), None);
        let zone = TimeZone::from_name("America/New_York").unwrap();
        assert_eq!(zone.to_utc(NaiveDateTime::MAX), None);
        // Only that it returns: the machine's zone decides Some or None.
        let _ = TimeZone::LOCAL.to_utc(NaiveDateTime::MIN);
        let _ = TimeZone::LOCAL.to_utc(NaiveDateTime::MAX);
        let first = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert!(TimeZone::LOCAL.to_utc(first).is_some());
    }
}
