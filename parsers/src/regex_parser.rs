//! User-defined parsers: a regex with named captures, optionally typed.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use regex::Regex;
use serde_json::Value;

use crate::{ParseError, Record, TimestampReader};

/// Compiled-size cap for user regexes, so a pathological pattern fails at
/// start-up instead of eating memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// How a capture is converted before it lands in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Signed 64-bit integer.
    Int,
    /// 64-bit float.
    Float,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`).
    Bool,
    /// A time, read with the parser's [`TimestampReader`] and written as
    /// RFC 3339 in UTC (`2026-11-23T09:29:01.042Z`).
    Timestamp,
}

impl FieldType {
    /// Every config name, as listed in error messages.
    pub const NAMES: [&'static str; 4] = ["int", "float", "bool", "timestamp"];

    /// Looks a type up by its config name (`int`, `float`, `bool`,
    /// `timestamp`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "int" | "integer" => Some(Self::Int),
            "float" => Some(Self::Float),
            "bool" | "boolean" => Some(Self::Bool),
            "timestamp" => Some(Self::Timestamp),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Int => "int",
            Self::Float => "float",
            Self::Bool => "bool",
            Self::Timestamp => "timestamp",
        }
    }

    fn convert(
        self,
        text: &str,
        timestamps: &TimestampReader,
        now: &mut impl FnMut() -> DateTime<Utc>,
    ) -> Option<Value> {
        match self {
            Self::Int => text.parse::<i64>().ok().map(Value::from),
            Self::Float => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            Self::Bool => match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(Value::Bool(true)),
                "false" | "0" | "no" => Some(Value::Bool(false)),
                _ => None,
            },
            Self::Timestamp => timestamps
                .read(&Value::String(text.to_owned()), now())
                .map(|time| Value::String(time.to_rfc3339_opts(SecondsFormat::AutoSi, true))),
        }
    }
}

/// A compiled regex parser.
#[derive(Debug, Clone)]
pub struct RegexParser {
    regex: Regex,
    types: HashMap<String, FieldType>,
    timestamps: TimestampReader,
}

impl RegexParser {
    /// Compiles `pattern`; `types` maps capture names to conversions.
    ///
    /// # Errors
    /// The regex crate's error when the pattern is invalid or too large.
    pub fn new(pattern: &str, types: HashMap<String, FieldType>) -> Result<Self, regex::Error> {
        let regex = regex::RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()?;
        Ok(Self {
            regex,
            types,
            timestamps: TimestampReader::default(),
        })
    }

    /// Sets how `timestamp` captures are read (by default the automatic
    /// rules of [`parse_timestamp`](crate::parse_timestamp), in UTC).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use sluice_parsers::{FieldType, RegexParser, TimeFormat, TimeZone, TimestampReader};
    ///
    /// let reader = TimestampReader::new(
    ///     Some(TimeFormat::new("%d.%m.%Y %H:%M:%S").unwrap()),
    ///     TimeZone::from_name("Europe/Berlin").unwrap(),
    /// );
    /// let types = HashMap::from([("ts".to_owned(), FieldType::Timestamp)]);
    /// let parser = RegexParser::new(r"^(?P<ts>\S+ \S+) (?P<message>.*)$", types)
    ///     .unwrap()
    ///     .with_timestamps(reader);
    /// let record = parser.parse(b"23.11.2026 10:29:01 started").unwrap();
    /// assert_eq!(record["ts"], "2026-11-23T09:29:01Z");
    /// ```
    pub fn with_timestamps(mut self, timestamps: TimestampReader) -> Self {
        self.timestamps = timestamps;
        self
    }

    /// How `timestamp` captures are read.
    pub fn timestamps(&self) -> &TimestampReader {
        &self.timestamps
    }

    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        self.regex.as_str()
    }

    /// Declared conversions, sorted by capture name.
    pub fn types(&self) -> Vec<(&str, FieldType)> {
        let mut types: Vec<(&str, FieldType)> = self
            .types
            .iter()
            .map(|(name, kind)| (name.as_str(), *kind))
            .collect();
        types.sort_unstable_by_key(|(name, _)| *name);
        types
    }

    /// Capture names declared by the pattern.
    pub fn capture_names(&self) -> impl Iterator<Item = &str> {
        self.regex.capture_names().flatten()
    }

    /// Parses one line: each named capture that took part becomes a field.
    /// A `timestamp` capture without a year takes it from the clock (see
    /// [`parse_at`](Self::parse_at)).
    ///
    /// # Errors
    /// [`ParseError::InvalidUtf8`], [`ParseError::NoMatch`], or
    /// [`ParseError::BadFieldType`] when a typed capture does not convert.
    pub fn parse(&self, line: &[u8]) -> Result<Record, ParseError> {
        self.parse_with_clock(line, Utc::now)
    }

    /// [`parse`](Self::parse) with `now` as the reference time for year
    /// inference.
    ///
    /// # Errors
    /// As [`parse`](Self::parse).
    pub fn parse_at(&self, line: &[u8], now: DateTime<Utc>) -> Result<Record, ParseError> {
        self.parse_with_clock(line, || now)
    }

    /// The clock is read only when a `timestamp` capture is converted.
    fn parse_with_clock(
        &self,
        line: &[u8],
        mut now: impl FnMut() -> DateTime<Utc>,
    ) -> Result<Record, ParseError> {
        let text = std::str::from_utf8(line).map_err(|err| ParseError::InvalidUtf8 {
            offset: err.valid_up_to(),
        })?;
        let text = text.trim_end_matches(['\r', '\n']);
        let captures = self.regex.captures(text).ok_or(ParseError::NoMatch)?;
        let mut record = Record::new();
        for name in self.regex.capture_names().flatten() {
            let Some(found) = captures.name(name) else {
                continue;
            };
            let value = match self.types.get(name) {
                None => Value::String(found.as_str().to_owned()),
                Some(kind) => kind
                    .convert(found.as_str(), &self.timestamps, &mut now)
                    .ok_or_else(|| ParseError::BadFieldType {
                        field: name.to_owned(),
                        offset: found.start(),
                        value: found.as_str().to_owned(),
                        expected: kind.name(),
                    })?,
            };
            record.insert(name.to_owned(), value);
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access_parser() -> RegexParser {
        let types = HashMap::from([("status".to_owned(), FieldType::Int)]);
        RegexParser::new(
            r"^(?P<method>\S+) (?P<path>\S+) (?P<status>\d+)(?: (?P<note>.*))?$",
            types,
        )
        .unwrap()
    }

    #[test]
    fn named_captures_become_typed_fields() {
        let record = access_parser().parse(b"GET /health 200\r\n").unwrap();
        assert_eq!(record["method"], "GET");
        assert_eq!(record["status"], 200);
        assert!(!record.contains_key("note"));
    }

    #[test]
    fn non_matching_line_is_an_error() {
        assert_eq!(access_parser().parse(b"garbage"), Err(ParseError::NoMatch));
    }

    #[test]
    fn conversion_failure_names_the_field() {
        let types = HashMap::from([("n".to_owned(), FieldType::Int)]);
        let parser = RegexParser::new(r"^x=(?P<n>\S+)$", types).unwrap();
        assert_eq!(
            parser.parse(b"x=abc"),
            Err(ParseError::BadFieldType {
                field: "n".into(),
                offset: 2,
                value: "abc".into(),
                expected: "int"
            })
        );
    }

    fn java_parser(format: Option<&str>) -> RegexParser {
        let types = HashMap::from([("ts".to_owned(), FieldType::Timestamp)]);
        let reader = crate::TimestampReader::new(
            format.map(|format| crate::TimeFormat::new(format).unwrap()),
            crate::TimeZone::from_name("Europe/Berlin").unwrap(),
        );
        RegexParser::new(r"^(?P<ts>\S+ \S+) (?P<level>\w+) (?P<message>.*)$", types)
            .unwrap()
            .with_timestamps(reader)
    }

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn timestamp_captures_become_utc_rfc3339() {
        let parser = java_parser(Some("%Y-%m-%d %H:%M:%S,%3f"));
        let record = parser
            .parse_at(b"2026-11-23 10:29:01,042 INFO started", now())
            .unwrap();
        assert_eq!(record["ts"], "2026-11-23T09:29:01.042Z");
        // Without a format, the automatic rules read zoneless ISO in the zone.
        let record = java_parser(None)
            .parse_at(b"2026-07-01 12:00:00 INFO started", now())
            .unwrap();
        assert_eq!(record["ts"], "2026-07-01T10:00:00Z");
    }

    #[test]
    fn a_timestamp_that_does_not_fit_is_a_bad_field() {
        let parser = java_parser(Some("%Y-%m-%d %H:%M:%S,%3f"));
        assert_eq!(
            parser.parse_at(b"2026-11-23 10:29:01.042 INFO started", now()),
            Err(ParseError::BadFieldType {
                field: "ts".into(),
                offset: 0,
                value: "2026-11-23 10:29:01.042".into(),
                expected: "timestamp"
            })
        );
    }
}
