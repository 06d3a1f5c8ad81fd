//! The parse stage: one framed line to a record and an event time.
//!
//! A line that fails to parse is never dropped: it is kept whole as
//! `message`, with the reason in `log.parse_error`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sluice_parsers::{
    parse_format_in, parse_json, Record, RegexParser, TimeContext, TimestampReader,
    TIME_KEY_CANDIDATES,
};
use sluice_rules::FieldPath;

use super::LineAttrs;

/// How an input's lines become records.
#[derive(Debug, Clone)]
pub enum LineParser {
    /// One JSON object per line.
    Json,
    /// The line is the `message`.
    None,
    /// A user-defined regex parser.
    Regex(Arc<RegexParser>),
    /// A built-in format (`syslog`, `nginx`, `logfmt`, ...; see
    /// [`sluice_parsers::FORMATS`]).
    Format(&'static str),
}

impl LineParser {
    /// A comparable description (name, or pattern and types).
    pub fn describe(&self) -> String {
        match self {
            Self::Json => "json".to_owned(),
            Self::None => "none".to_owned(),
            Self::Format(name) => (*name).to_owned(),
            Self::Regex(parser) => {
                format!(
                    "regex {:?} types {:?} timestamps {:?}",
                    parser.pattern(),
                    parser.types(),
                    parser.timestamps()
                )
            }
        }
    }
}

/// What the pipeline knows about the input a batch came from.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Input name from the config.
    pub name: Arc<str>,
    /// Tag of its events.
    pub tag: Arc<str>,
    /// Its parser.
    pub parser: LineParser,
    /// Field holding the event time; `None` tries the usual names.
    pub time_key: Option<FieldPath>,
    /// How that field's value is read (format, and zone of zoneless times).
    pub timestamps: TimestampReader,
    /// Fields added to every record that lacks them (e.g. the Kubernetes
    /// metadata of one container's log file).
    pub fields: Record,
}

/// A parsed line.
#[derive(Debug)]
pub struct ParsedLine {
    /// The fields.
    pub record: Record,
    /// Event time: from the record, else the read time.
    pub time: DateTime<Utc>,
    /// Whether the parser failed (the line was kept as `message`).
    pub parse_failed: bool,
}

/// Parses one line; `attrs` carries what the input knew about it.
pub fn parse_line(
    source: &SourceInfo,
    line: &[u8],
    attrs: LineAttrs,
    read_time: DateTime<Utc>,
) -> ParsedLine {
    if let Some(reason) = attrs.decode_error {
        let mut record = message_record(line);
        flag(
            &mut record,
            "log.parse_error",
            Value::String(reason.to_owned()),
        );
        return finish(source, record, attrs, read_time, true);
    }
    let result = match &source.parser {
        LineParser::Json => parse_json(line),
        LineParser::Regex(parser) => parser.parse_at(line, read_time),
        LineParser::None => Ok(message_record(line)),
        // The read time anchors formats without a year (syslog, klog), so
        // a replayed file gets the year it was written in; the input's
        // `timezone` places their zoneless times.
        LineParser::Format(name) => {
            let context = TimeContext::new(read_time).in_zone(source.timestamps.zone());
            parse_format_in(name, line, &context).unwrap_or_else(|| Ok(message_record(line)))
        }
    };
    let (record, parse_failed) = match result {
        Ok(record) => (record, false),
        Err(err) => {
            let mut record = message_record(line);
            // A plain-text line under the JSON parser is expected in mixed
            // logs; still flagged, so it can be found and counted.
            flag(
                &mut record,
                "log.parse_error",
                Value::String(err.to_string()),
            );
            (record, true)
        }
    };
    finish(source, record, attrs, read_time, parse_failed)
}

fn finish(
    source: &SourceInfo,
    mut record: Record,
    attrs: LineAttrs,
    read_time: DateTime<Utc>,
    parse_failed: bool,
) -> ParsedLine {
    if attrs.truncated {
        flag(&mut record, "log.truncated", Value::Bool(true));
    }
    if let Some(stream) = attrs.stream {
        record
            .entry("stream")
            .or_insert_with(|| Value::String(stream.as_str().to_owned()));
    }
    for (key, value) in source.fields.iter() {
        record.entry(key.as_str()).or_insert_with(|| value.clone());
    }
    let time = match event_time(source, &record, read_time).or(attrs.time) {
        Some(time) => time,
        None => {
            // Sorting and index choice then go by when sluice read it.
            flag(&mut record, "log.time_missing", Value::Bool(true));
            read_time
        }
    };
    ParsedLine {
        record,
        time,
        parse_failed,
    }
}

fn message_record(line: &[u8]) -> Record {
    let text = String::from_utf8_lossy(line);
    let invalid_utf8 = matches!(text, std::borrow::Cow::Owned(_));
    let mut record = Record::new();
    record.insert(
        "message".to_owned(),
        Value::String(text.trim_end_matches(['\r', '\n']).to_owned()),
    );
    if invalid_utf8 {
        flag(&mut record, "log.invalid_utf8", Value::Bool(true));
    }
    record
}

fn flag(record: &mut Record, path: &str, value: Value) {
    FieldPath::new(path).set(record, value);
}

/// `read_time` anchors time formats without a year.
fn event_time(
    source: &SourceInfo,
    record: &Record,
    read_time: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let reader = &source.timestamps;
    match &source.time_key {
        Some(path) => path
            .get(record)
            .and_then(|value| reader.read(value, read_time)),
        None => TIME_KEY_CANDIDATES
            .iter()
            .find_map(|key| record.get(*key))
            .and_then(|value| reader.read_guessed(value, read_time)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn source(parser: LineParser) -> SourceInfo {
        SourceInfo {
            name: "in".into(),
            tag: "t".into(),
            parser,
            time_key: None,
            timestamps: TimestampReader::default(),
            fields: Record::new(),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()
    }

    #[test]
    fn format_parsers_read_zoneless_times_in_the_inputs_zone() {
        let berlin = sluice_parsers::TimeZone::from_name("Europe/Berlin").unwrap();
        let mut source = source(LineParser::Format("nginx"));
        source.timestamps = TimestampReader::new(None, berlin);
        let parsed = parse_line(
            &source,
            b"2026/07/01 00:30:00 [error] 7#7: *1 upstream timed out",
            LineAttrs::default(),
            now(),
        );
        assert!(!parsed.parse_failed);
        assert_eq!(parsed.record["@timestamp"], "2026-06-30T22:30:00Z");
        assert_eq!(parsed.time.to_rfc3339(), "2026-06-30T22:30:00+00:00");
    }

    #[test]
    fn json_line_takes_its_own_timestamp() {
        let parsed = parse_line(
            &source(LineParser::Json),
            br#"{"timestamp":"2026-11-22T10:00:00Z","level":"INFO"}"#,
            LineAttrs::default(),
            now(),
        );
        assert!(!parsed.parse_failed);
        assert_eq!(
            parsed.time,
            Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
        );
    }

    #[test]
    fn text_under_json_parser_is_kept_and_flagged() {
        let parsed = parse_line(
            &source(LineParser::Json),
            b"plain words\r",
            LineAttrs::default(),
            now(),
        );
        assert!(parsed.parse_failed);
        assert_eq!(parsed.record["message"], "plain words");
        assert_eq!(parsed.record["log.time_missing"], true);
        assert_eq!(
            parsed.record["log.parse_error"],
            "not a JSON object (byte 0)"
        );
        assert_eq!(parsed.time, now());
    }

    #[test]
    fn invalid_utf8_and_truncation_are_flagged() {
        let parsed = parse_line(
            &source(LineParser::None),
            b"caf\xe9",
            LineAttrs::plain(true),
            now(),
        );
        assert_eq!(parsed.record["message"], "caf\u{fffd}");
        assert_eq!(parsed.record["log.invalid_utf8"], true);
        assert_eq!(parsed.record["log.truncated"], true);
    }
}
