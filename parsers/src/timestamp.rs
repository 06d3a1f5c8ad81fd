//! Event-time extraction from parsed fields: the automatic rules of
//! [`parse_timestamp`], and user formats ([`TimeFormat`]) read in a
//! [`TimeZone`] by a [`TimestampReader`].

use std::fmt::Write as _;

use chrono::format::{Item, ParseErrorKind, Parsed, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone as _, Utc};
use serde_json::Value;

use crate::syslog_time::with_inferred_year;
use crate::{TimeSettingError, TimeZone};

/// Field names tried, in order, when an input names no `time_key`.
pub const TIME_KEY_CANDIDATES: [&str; 3] = ["@timestamp", "timestamp", "time"];

/// Reads an event time from a JSON value; zoneless times are UTC.
///
/// Accepts RFC 3339 strings, ISO 8601 without a zone (with `T` or a space
/// between date and time), and epoch numbers or numeric strings in seconds,
/// milliseconds, microseconds or nanoseconds (told apart by magnitude).
/// Returns `None` for anything else.
pub fn parse_timestamp(value: &Value) -> Option<DateTime<Utc>> {
    parse_timestamp_in(value, &TimeZone::UTC)
}

/// [`parse_timestamp`] reading zoneless ISO 8601 times as wall-clock times
/// in `zone`. Times with an offset, and epoch numbers, are absolute and
/// ignore it.
///
/// ```
/// use serde_json::json;
/// use sluice_parsers::{parse_timestamp_in, TimeZone};
///
/// let berlin = TimeZone::from_name("Europe/Berlin").unwrap();
/// let time = parse_timestamp_in(&json!("2026-11-23 10:29:01"), &berlin).unwrap();
/// assert_eq!(time.to_rfc3339(), "2026-11-23T09:29:01+00:00");
/// ```
pub fn parse_timestamp_in(value: &Value, zone: &TimeZone) -> Option<DateTime<Utc>> {
    match value {
        Value::String(text) => parse_text(text, zone),
        Value::Number(number) => number
            .as_i64()
            .and_then(from_epoch_integer)
            .or_else(|| number.as_f64().and_then(from_epoch_seconds_float)),
        _ => None,
    }
}

/// Like [`parse_timestamp`], for a field picked by its name alone
/// (`time`, `timestamp`): epoch numbers before 2001-09-09 (1e9 seconds) are
/// refused, since a small number under such a name is more often a
/// duration (`"time": 0.153`) than a date.
pub fn parse_guessed_timestamp(value: &Value) -> Option<DateTime<Utc>> {
    parse_guessed_timestamp_in(value, &TimeZone::UTC)
}

/// [`parse_guessed_timestamp`] reading zoneless times in `zone`.
pub fn parse_guessed_timestamp_in(value: &Value, zone: &TimeZone) -> Option<DateTime<Utc>> {
    const MIN_PLAUSIBLE_EPOCH_SECONDS: f64 = 1e9;
    let numeric = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) if text.trim().parse::<f64>().is_ok() => {
            text.trim().parse::<f64>().ok()
        }
        _ => None,
    };
    match numeric {
        Some(number) if number.abs() < MIN_PLAUSIBLE_EPOCH_SECONDS => None,
        _ => parse_timestamp_in(value, zone),
    }
}

fn parse_text(text: &str, zone: &TimeZone) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    // Offsets without a colon (`+0200`), common in Java and nginx logs.
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(time) = DateTime::parse_from_str(text, format) {
            return Some(time.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return zone.to_utc(naive);
        }
    }
    // "2026-11-23 10:00:00+00:00" style: RFC 3339 with a space separator.
    if text.len() > 10 && text.as_bytes()[10] == b' ' {
        let with_t = format!("{}T{}", &text[..10], &text[11..]);
        if let Ok(time) = DateTime::parse_from_rfc3339(&with_t) {
            return Some(time.with_timezone(&Utc));
        }
    }
    if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
        return text.parse::<i64>().ok().and_then(from_epoch_integer);
    }
    text.parse::<f64>().ok().and_then(from_epoch_seconds_float)
}

/// A user's `time_format`: a chrono strftime pattern, or one of the names
/// `rfc3339`, `epoch_s`, `epoch_ms`, `epoch_us`, `epoch_ns`.
///
/// - A pattern with an offset (`%z`, `%:z`, `%+`) or `%s` gives an absolute
///   time; without one, the text is a wall-clock time in the zone passed
///   to [`parse`](Self::parse).
/// - A pattern without a year (`%b %d %H:%M:%S`) gets the year syslog's
///   rule picks: the one putting the time closest to `now` while at most 31
///   days after it. A weekday in such a pattern is not checked.
/// - `%Z` (zone names such as `CEST`) cannot be read: names are ambiguous.
///   Use `%z`, or the zone option.
/// - `epoch_*` read an integer or decimal count of that unit since
///   1970-01-01 UTC, as a JSON number or a string; unlike the automatic
///   rules, the unit is not guessed from the magnitude.
///
/// ```
/// use chrono::{TimeZone as _, Utc};
/// use sluice_parsers::{TimeFormat, TimeZone};
///
/// let format = TimeFormat::new("%Y-%m-%d %H:%M:%S,%3f").unwrap();
/// let berlin = TimeZone::from_name("Europe/Berlin").unwrap();
/// let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
/// let time = format.parse("2026-11-23 10:29:01,042", &berlin, now).unwrap();
/// assert_eq!(time.to_rfc3339(), "2026-11-23T09:29:01.042+00:00");
/// assert!(TimeFormat::new("%Y-%m-%d %Q").is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TimeFormat {
    text: String,
    kind: FormatKind,
}

#[derive(Debug, Clone, PartialEq)]
enum FormatKind {
    Rfc3339,
    /// Units per second.
    Epoch(i64),
    Strftime(Vec<Item<'static>>),
}

impl TimeFormat {
    /// The special names, besides strftime patterns.
    pub const NAMES: [&'static str; 5] = ["rfc3339", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"];

    /// Compiles `format`, checking that chrono can read a full date and
    /// time back with it.
    ///
    /// # Errors
    /// [`TimeSettingError::InvalidTimeFormat`] naming an unknown directive
    /// (`%Q`), `%Z`, or what the pattern lacks (`%H:%M:%S` has no date).
    pub fn new(format: &str) -> Result<Self, TimeSettingError> {
        let invalid = |reason: String| TimeSettingError::InvalidTimeFormat {
            format: format.to_owned(),
            reason,
        };
        let kind = match format {
            "rfc3339" => FormatKind::Rfc3339,
            "epoch_s" => FormatKind::Epoch(1),
            "epoch_ms" => FormatKind::Epoch(1_000),
            "epoch_us" => FormatKind::Epoch(1_000_000),
            "epoch_ns" => FormatKind::Epoch(1_000_000_000),
            _ => {
                let items = StrftimeItems::new(format)
                    .parse_to_owned()
                    .map_err(|_| invalid(bad_directive_reason(format)))?;
                if items.contains(&Item::Fixed(chrono::format::Fixed::TimezoneName)) {
                    return Err(invalid(
                        "`%Z` (a zone name) cannot be parsed; use `%z` for an offset, or the `timezone` option".to_owned(),
                    ));
                }
                FormatKind::Strftime(items)
            }
        };
        let compiled = Self {
            text: format.to_owned(),
            kind,
        };
        if let FormatKind::Strftime(items) = &compiled.kind {
            compiled.check_round_trip(items).map_err(invalid)?;
        }
        Ok(compiled)
    }

    /// Renders a known time with the pattern and reads it back, so a
    /// pattern that cannot give a full date and time fails at start-up
    /// rather than on every line.
    fn check_round_trip(&self, items: &[Item<'static>]) -> Result<(), String> {
        let reference = FixedOffset::east_opt(2 * 3600)
            .and_then(|offset| offset.with_ymd_and_hms(2026, 11, 23, 10, 29, 1).single())
            .ok_or("no reference time")?;
        let mut rendered = String::new();
        write!(rendered, "{}", reference.format_with_items(items.iter()))
            .map_err(|_| "chrono cannot render it".to_owned())?;
        match self.parse_strftime(items, &rendered, &TimeZone::UTC, reference.to_utc()) {
            Ok(_) => Ok(()),
            Err(kind) => Err(match kind {
                ParseErrorKind::NotEnough => "it does not give a full date and time (needs at least a month, a day, an hour and a minute; a missing year is inferred)".to_owned(),
                ParseErrorKind::Impossible => "its fields contradict each other".to_owned(),
                ParseErrorKind::BadFormat => "it holds a directive chrono cannot parse".to_owned(),
                other => format!("chrono cannot read back what it writes ({other:?})"),
            }),
        }
    }

    /// The format as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Reads `text` (surrounding spaces ignored). Zoneless times are wall
    /// clock in `zone`; `now` anchors year inference. `None` when the text
    /// does not fit the format or names no real time.
    pub fn parse(&self, text: &str, zone: &TimeZone, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let text = text.trim();
        match &self.kind {
            FormatKind::Rfc3339 => DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|time| time.to_utc()),
            FormatKind::Epoch(per_second) => {
                if let Ok(count) = text.parse::<i64>() {
                    from_epoch_units(count, *per_second)
                } else {
                    // Only plain decimals: `f64` parsing also takes `inf`, `1e3`.
                    let plain = !text.is_empty()
                        && text
                            .bytes()
                            .all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b'-'));
                    plain
                        .then(|| text.parse::<f64>().ok())
                        .flatten()
                        .and_then(|count| from_epoch_seconds_float(count / *per_second as f64))
                }
            }
            FormatKind::Strftime(items) => self.parse_strftime(items, text, zone, now).ok(),
        }
    }

    /// [`parse`](Self::parse) for a JSON value: strings, and numbers for the
    /// `epoch_*` formats.
    pub fn parse_value(
        &self,
        value: &Value,
        zone: &TimeZone,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        match (value, &self.kind) {
            (Value::String(text), _) => self.parse(text, zone, now),
            (Value::Number(number), FormatKind::Epoch(per_second)) => match number.as_i64() {
                Some(count) => from_epoch_units(count, *per_second),
                None => number
                    .as_f64()
                    .and_then(|count| from_epoch_seconds_float(count / *per_second as f64)),
            },
            _ => None,
        }
    }

    fn parse_strftime(
        &self,
        items: &[Item<'static>],
        text: &str,
        zone: &TimeZone,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, ParseErrorKind> {
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, text, items.iter()).map_err(|err| err.kind())?;
        if parsed.offset().is_some() || parsed.timestamp().is_some() {
            return parsed
                .to_datetime()
                .map(|time| time.to_utc())
                .map_err(|err| err.kind());
        }
        let has_year = parsed.year().is_some()
            || parsed.year_mod_100().is_some()
            || parsed.isoyear().is_some()
            || parsed.isoyear_mod_100().is_some();
        let wall = if has_year {
            parsed
                .to_naive_datetime_with_offset(0)
                .map_err(|err| err.kind())?
        } else {
            let time = parsed.to_naive_time().map_err(|err| err.kind())?;
            let (Some(month), Some(day)) = (parsed.month(), parsed.day()) else {
                return Err(ParseErrorKind::NotEnough);
            };
            with_inferred_year(month, day, time, now).ok_or(ParseErrorKind::Impossible)?
        };
        zone.to_utc(wall).ok_or(ParseErrorKind::OutOfRange)
    }
}

/// Names the first directive chrono does not know, for the error message.
fn bad_directive_reason(format: &str) -> String {
    let mut rest = format;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        // Flags, widths and `:`/`.` modifiers come before the letter.
        let length = after
            .char_indices()
            .find(|(_, c)| !(matches!(c, '-' | '_' | '0'..='9' | ':' | '.' | '#')))
            .map(|(index, c)| index + c.len_utf8())
            .unwrap_or(after.len());
        let directive = &rest[start..start + 1 + length];
        if StrftimeItems::new(directive).parse().is_err() {
            return format!("`{directive}` is not a strftime directive chrono knows");
        }
        rest = &after[length..];
    }
    "chrono cannot parse it".to_owned()
}

/// How a source reads event times: a [`TimeFormat`] when configured, the
/// automatic rules of [`parse_timestamp`] otherwise, with zoneless times in
/// `zone`. The default is automatic rules in UTC.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimestampReader {
    format: Option<TimeFormat>,
    zone: TimeZone,
}

impl TimestampReader {
    /// A reader with `format` (automatic rules when `None`) in `zone`.
    pub fn new(format: Option<TimeFormat>, zone: TimeZone) -> Self {
        Self { format, zone }
    }

    /// The configured format, if any.
    pub fn format(&self) -> Option<&TimeFormat> {
        self.format.as_ref()
    }

    /// The zone of zoneless times.
    pub fn zone(&self) -> TimeZone {
        self.zone
    }

    /// Reads a value the user named as the time (a `time_key`).
    pub fn read(&self, value: &Value, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.format {
            Some(format) => format.parse_value(value, &self.zone, now),
            None => parse_timestamp_in(value, &self.zone),
        }
    }

    /// Reads a value picked by its field name alone: with no format, small
    /// numbers are refused as [`parse_guessed_timestamp`] explains; a
    /// configured format is taken at its word.
    pub fn read_guessed(&self, value: &Value, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.format {
            Some(format) => format.parse_value(value, &self.zone, now),
            None => parse_guessed_timestamp_in(value, &self.zone),
        }
    }
}

/// `count` units (`per_second` of them in a second) after the epoch.
fn from_epoch_units(count: i64, per_second: i64) -> Option<DateTime<Utc>> {
    let seconds = count.div_euclid(per_second);
    let nanos = count.rem_euclid(per_second) * (1_000_000_000 / per_second);
    DateTime::from_timestamp(seconds, u32::try_from(nanos).ok()?)
}

/// Magnitude tells the unit apart: seconds reach 1e10 only in the year 2286.
fn from_epoch_integer(value: i64) -> Option<DateTime<Utc>> {
    let magnitude = value.unsigned_abs();
    if magnitude < 10_000_000_000 {
        Utc.timestamp_opt(value, 0).single()
    } else if magnitude < 10_000_000_000_000 {
        Utc.timestamp_millis_opt(value).single()
    } else if magnitude < 10_000_000_000_000_000 {
        Some(Utc.timestamp_nanos(value.checked_mul(1_000)?))
    } else {
        Some(Utc.timestamp_nanos(value))
    }
}

fn from_epoch_seconds_float(value: f64) -> Option<DateTime<Utc>> {
    if !value.is_finite() || value.abs() >= 1e10 {
        return None;
    }
    let seconds = value.floor();
    let nanos = ((value - seconds) * 1e9).round() as u32;
    Utc.timestamp_opt(seconds as i64, nanos.min(999_999_999))
        .single()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iso(value: Value) -> Option<String> {
        parse_timestamp(&value).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }

    #[test]
    fn rfc3339_with_offset_is_converted_to_utc() {
        assert_eq!(
            iso(json!("2026-11-23T10:29:01.5+02:00")).as_deref(),
            Some("2026-11-23T08:29:01.500Z")
        );
    }

    #[test]
    fn zoneless_iso_is_utc() {
        assert_eq!(
            iso(json!("2026-11-23 10:29:01")).as_deref(),
            Some("2026-11-23T10:29:01.000Z")
        );
    }

    #[test]
    fn epoch_units_by_magnitude() {
        let want = Some("2026-11-23T10:29:01.000Z");
        assert_eq!(iso(json!(1_795_429_741)).as_deref(), want);
        assert_eq!(iso(json!(1_795_429_741_000_i64)).as_deref(), want);
        assert_eq!(iso(json!(1_795_429_741_000_000_i64)).as_deref(), want);
        assert_eq!(iso(json!(1_795_429_741_000_000_000_i64)).as_deref(), want);
        assert_eq!(iso(json!("1795429741")).as_deref(), want);
        assert_eq!(
            iso(json!(1_795_429_741.25)).as_deref(),
            Some("2026-11-23T10:29:01.250Z")
        );
    }

    #[test]
    fn offsets_without_colon() {
        assert_eq!(
            iso(json!("2026-11-23T10:29:01.5+0200")).as_deref(),
            Some("2026-11-23T08:29:01.500Z")
        );
    }

    #[test]
    fn guessed_keys_refuse_durations_and_short_numbers() {
        assert_eq!(parse_guessed_timestamp(&json!(0.153)), None);
        assert_eq!(parse_guessed_timestamp(&json!("20261123")), None);
        assert!(parse_guessed_timestamp(&json!(1_795_429_741)).is_some());
        assert!(parse_guessed_timestamp(&json!("2026-11-23T10:29:01Z")).is_some());
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(iso(json!("yesterday")), None);
        assert_eq!(iso(json!(true)), None);
        assert_eq!(iso(json!(f64::MAX)), None);
    }

    fn berlin() -> TimeZone {
        TimeZone::from_name("Europe/Berlin").unwrap()
    }

    fn reference_now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    /// `text` read with `format` in `zone`, as RFC 3339 UTC.
    fn read(format: &str, text: &str, zone: &TimeZone) -> Option<String> {
        TimeFormat::new(format)
            .unwrap()
            .parse(text, zone, reference_now())
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }

    fn format_error(format: &str) -> String {
        TimeFormat::new(format).unwrap_err().to_string()
    }

    #[test]
    fn zoneless_iso_is_read_in_the_given_zone() {
        let zone = berlin();
        let at = |value: Value| {
            parse_timestamp_in(&value, &zone)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        };
        assert_eq!(
            at(json!("2026-07-01T12:00:00")).as_deref(),
            Some("2026-07-01T10:00:00Z")
        );
        assert_eq!(
            at(json!("2026-11-23 10:29:01.5")).as_deref(),
            Some("2026-11-23T09:29:01Z")
        );
        // An offset or an epoch number is absolute: the zone does not apply.
        assert_eq!(
            at(json!("2026-07-01T12:00:00Z")).as_deref(),
            Some("2026-07-01T12:00:00Z")
        );
        assert_eq!(
            at(json!("2026-07-01 12:00:00+0000")).as_deref(),
            Some("2026-07-01T12:00:00Z")
        );
        assert_eq!(
            at(json!(1_795_429_741)).as_deref(),
            Some("2026-11-23T10:29:01Z")
        );
        assert_eq!(
            parse_guessed_timestamp_in(&json!("2026-07-01 12:00:00"), &zone),
            Some(Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).unwrap())
        );
        assert_eq!(parse_guessed_timestamp_in(&json!(12), &zone), None);
    }

    #[test]
    fn strftime_with_zone_and_fractions() {
        let zone = berlin();
        assert_eq!(
            read("%Y-%m-%d %H:%M:%S,%3f", "2026-11-23 10:29:01,042", &zone).as_deref(),
            Some("2026-11-23T09:29:01.042Z")
        );
        assert_eq!(
            read("%d/%m/%Y %H:%M", "01/07/2026 12:00", &zone).as_deref(),
            Some("2026-07-01T10:00:00Z")
        );
        assert_eq!(
            read("%Y%m%dT%H%M%S%.f", "20261123T102901.123456", &TimeZone::UTC).as_deref(),
            Some("2026-11-23T10:29:01.123456Z")
        );
        // A fraction pattern wants exactly its digits.
        assert_eq!(
            read("%Y-%m-%d %H:%M:%S,%3f", "2026-11-23 10:29:01,42", &zone),
            None
        );
        assert_eq!(
            read("%Y-%m-%d %H:%M:%S", "2026-11-23 10:29:01 trailing", &zone),
            None
        );
        assert_eq!(
            read("%Y-%m-%d %H:%M:%S", "2026-02-30 10:29:01", &zone),
            None
        );
    }

    #[test]
    fn strftime_offset_or_epoch_overrides_the_zone() {
        let zone = berlin();
        assert_eq!(
            read("%d/%b/%Y:%H:%M:%S %z", "23/Nov/2026:10:29:01 -0500", &zone).as_deref(),
            Some("2026-11-23T15:29:01Z")
        );
        assert_eq!(
            read("%s", "1795429741", &zone).as_deref(),
            Some("2026-11-23T10:29:01Z")
        );
    }

    #[test]
    fn strftime_without_year_infers_it_like_syslog() {
        // Reference time 2026-11-23T12:00:00Z.
        let utc = TimeZone::UTC;
        assert_eq!(
            read("%b %d %H:%M:%S", "Nov 23 10:29:01", &utc).as_deref(),
            Some("2026-11-23T10:29:01Z")
        );
        assert_eq!(
            read("%b %e %H:%M:%S", "Dec 10 06:55:46", &utc).as_deref(),
            Some("2026-12-10T06:55:46Z")
        );
        assert_eq!(
            read("%b %d %H:%M:%S", "Dec 28 23:59:59", &utc).as_deref(),
            Some("2025-12-28T23:59:59Z")
        );
        assert_eq!(
            read("%b %d %H:%M:%S", "Feb 29 08:00:00", &utc).as_deref(),
            Some("2024-02-29T08:00:00Z")
        );
        assert_eq!(
            read("%b %d %H:%M:%S", "Jul  1 12:00:00", &berlin()).as_deref(),
            Some("2026-07-01T10:00:00Z")
        );
    }

    #[test]
    fn named_formats() {
        let zone = berlin();
        assert_eq!(
            read("rfc3339", "2026-11-23T10:29:01.5+02:00", &zone).as_deref(),
            Some("2026-11-23T08:29:01.500Z")
        );
        assert_eq!(read("rfc3339", "2026-11-23 10:29:01", &zone), None);
        assert_eq!(
            read("epoch_s", "1795429741", &zone).as_deref(),
            Some("2026-11-23T10:29:01Z")
        );
        assert_eq!(
            read("epoch_ms", "1795429741042", &zone).as_deref(),
            Some("2026-11-23T10:29:01.042Z")
        );
        assert_eq!(
            read("epoch_us", "1795429741000042", &zone).as_deref(),
            Some("2026-11-23T10:29:01.000042Z")
        );
        assert_eq!(
            read("epoch_ns", "1795429741000000042", &zone).as_deref(),
            Some("2026-11-23T10:29:01.000000042Z")
        );
        assert_eq!(
            read("epoch_s", "1795429741.25", &zone).as_deref(),
            Some("2026-11-23T10:29:01.250Z")
        );
        // The unit is taken at its word, not guessed: 12 seconds after 1970.
        assert_eq!(
            read("epoch_s", "12", &zone).as_deref(),
            Some("1970-01-01T00:00:12Z")
        );
        assert_eq!(
            read("epoch_ms", "-1", &zone).as_deref(),
            Some("1969-12-31T23:59:59.999Z")
        );
        for garbage in ["", "inf", "1e3", "12a", "NaN"] {
            assert_eq!(read("epoch_ms", garbage, &zone), None, "{garbage:?}");
        }
        let millis = TimeFormat::new("epoch_ms").unwrap();
        assert_eq!(
            millis.parse_value(&json!(1_795_429_741_042_i64), &zone, reference_now()),
            Utc.timestamp_millis_opt(1_795_429_741_042).single()
        );
        assert_eq!(
            millis.parse_value(&json!(true), &zone, reference_now()),
            None
        );
    }

    #[test]
    fn unusable_formats_are_refused_with_the_reason() {
        assert_eq!(
            format_error("%Y-%m-%d %Q"),
            "invalid time format `%Y-%m-%d %Q`: `%Q` is not a strftime directive chrono knows"
        );
        assert!(format_error("%Y-%m-%d %").contains("`%` is not a strftime directive"));
        assert!(format_error("%H:%M:%S").contains("does not give a full date and time"));
        assert!(format_error("%Y-%m-%d").contains("does not give a full date and time"));
        assert!(format_error("%Y-%m-%d %I:%M").contains("does not give a full date and time"));
        assert!(format_error("%Y-%m-%d %H:%M %Z").contains("`%Z`"));
        assert!(format_error("").contains("does not give a full date and time"));
    }

    #[test]
    fn reader_uses_the_format_or_the_automatic_rules() {
        let now = reference_now();
        let automatic = TimestampReader::new(None, berlin());
        assert_eq!(
            automatic.read(&json!("2026-07-01 12:00:00"), now),
            Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).single()
        );
        assert_eq!(automatic.read_guessed(&json!(0.153), now), None);
        let formatted =
            TimestampReader::new(Some(TimeFormat::new("%d.%m.%Y %H:%M").unwrap()), berlin());
        assert_eq!(
            formatted.read(&json!("01.07.2026 12:00"), now),
            Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).single()
        );
        // A configured format does not fall back to the automatic rules.
        assert_eq!(formatted.read(&json!("2026-07-01 12:00:00"), now), None);
        assert_eq!(
            TimestampReader::default().read(&json!("2026-07-01 12:00:00"), now),
            Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).single()
        );
    }
}
