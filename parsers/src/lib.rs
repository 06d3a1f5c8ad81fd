//! Pure log-format parsers: each turns one framed line of bytes into a
//! [`Record`], an ordered JSON object.
//!
//! Parsers know nothing of files, sockets or batching: framing (line
//! splitting, multiline joining, length caps) happens before them, and what
//! to do with a line that fails to parse is the caller's choice.
//!
//! ```
//! use sluice_parsers::{parse_json, ParseError};
//!
//! let record = parse_json(br#"{"level":"INFO","message":"started"}"#).unwrap();
//! assert_eq!(record["level"], "INFO");
//! assert!(matches!(parse_json(b"plain text"), Err(ParseError::NotAnObject { .. })));
//! ```
#![deny(missing_docs)]

mod access_log;
mod apache;
mod auto;
mod container;
mod json;
mod klog;
mod logfmt;
mod nginx;
mod regex_parser;
mod scan;
mod syslog;
mod syslog_time;
mod timestamp;
mod zone;

pub use apache::{
    parse_apache, parse_apache_access, parse_apache_error, parse_apache_error_in, parse_apache_in,
};
pub use auto::{parse_auto_at, parse_auto_in};
pub use container::{
    detect_container_format, parse_cri, parse_cri_record, parse_docker, parse_docker_record,
    ContainerEntry, ContainerLogError, ContainerLogFormat, Stream,
};
pub use json::parse_json;
pub use klog::{parse_klog, parse_klog_at, parse_klog_in};
pub use logfmt::{parse_kv, parse_logfmt};
pub use nginx::{
    parse_nginx, parse_nginx_access, parse_nginx_error, parse_nginx_error_in, parse_nginx_in,
};
pub use regex_parser::{FieldType, RegexParser};
pub use syslog::{parse_rfc3164, parse_rfc5424, parse_syslog, parse_syslog_at, parse_syslog_in};
pub use timestamp::{
    parse_guessed_timestamp, parse_guessed_timestamp_in, parse_timestamp, parse_timestamp_in,
    TimeFormat, TimestampReader, TIME_KEY_CANDIDATES,
};
pub use zone::{TimeContext, TimeZone};

/// Parses `line` with the built-in format called `name`; `None` when no
/// format has that name. Formats without a year take it from the clock
/// (see [`parse_format_at`]); zoneless times are read as UTC.
///
/// Names: `json`, `logfmt`, `kv`, `nginx` (access, or error for lines
/// starting `YYYY/`), `nginx_access`, `nginx_error`, `apache` (error for
/// lines starting `[`, access otherwise), `apache_access`, `apache_error`,
/// `klog`, `syslog` (RFC 5424 or 3164, detected per line), `cri` and
/// `docker` (container runtime log lines, see [`parse_cri_record`]), `auto` (a
/// detection chain over all of them, see [`parse_auto_at`]).
///
/// ```
/// let record = sluice_parsers::parse_format("logfmt", b"level=info msg=hi").unwrap().unwrap();
/// assert_eq!(record["msg"], "hi");
/// let syslog = sluice_parsers::parse_format("syslog", b"<13>1 2026-11-23T10:29:01Z host app - - - hi");
/// assert_eq!(syslog.unwrap().unwrap()["message"], "hi");
/// assert!(sluice_parsers::parse_format("nope", b"").is_none());
/// ```
pub fn parse_format(name: &str, line: &[u8]) -> Option<Result<Record, ParseError>> {
    dispatch(name, line, || TimeContext::new(chrono::Utc::now()))
}

/// Every name [`parse_format`] knows.
pub const FORMATS: &[&str] = &[
    "json",
    "logfmt",
    "kv",
    "nginx",
    "nginx_access",
    "nginx_error",
    "apache",
    "apache_access",
    "apache_error",
    "klog",
    "syslog",
    "cri",
    "docker",
    "auto",
];

/// [`parse_format`] with `now` as the reference time for year inference.
pub fn parse_format_at(
    name: &str,
    line: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Result<Record, ParseError>> {
    dispatch(name, line, || TimeContext::new(now))
}

/// [`parse_format`] with the reference time and zone of `context` for
/// times written without a year or zone (an input's `timezone` option).
pub fn parse_format_in(
    name: &str,
    line: &[u8],
    context: &TimeContext,
) -> Option<Result<Record, ParseError>> {
    dispatch(name, line, || *context)
}

/// The clock is read only by the formats that need it.
fn dispatch(
    name: &str,
    line: &[u8],
    context: impl FnOnce() -> TimeContext,
) -> Option<Result<Record, ParseError>> {
    Some(match name {
        "json" => parse_json(line),
        "logfmt" => parse_logfmt(line),
        "kv" => parse_kv(line),
        "nginx" => parse_nginx_in(line, context().zone()),
        "nginx_access" => parse_nginx_access(line),
        "nginx_error" => parse_nginx_error_in(line, context().zone()),
        "apache" => parse_apache_in(line, context().zone()),
        "apache_access" => parse_apache_access(line),
        "apache_error" => parse_apache_error_in(line, context().zone()),
        "klog" => parse_klog_in(line, &context()),
        "syslog" => parse_syslog_in(line, &context()),
        "cri" => parse_cri_record(line),
        "docker" => parse_docker_record(line),
        "auto" => parse_auto_in(line, &context()),
        _ => return None,
    })
}

#[cfg(test)]
mod format_names {
    #[test]
    fn every_listed_format_dispatches() {
        for name in super::FORMATS {
            assert!(super::parse_format(name, b"x").is_some(), "{name}");
        }
    }
}

/// One log event's fields: an ordered JSON object. This is the currency
/// between sluice's crates.
pub type Record = serde_json::Map<String, serde_json::Value>;

/// Why a line could not be parsed. Every variant carries the byte offset in
/// the line where parsing gave up.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The bytes are not valid UTF-8.
    #[error("invalid UTF-8 at byte {offset}")]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The line is valid JSON syntax-wise but its top level is not an object,
    /// or it does not start like JSON at all.
    #[error("not a JSON object (byte {offset})")]
    NotAnObject {
        /// Offset of the first significant byte.
        offset: usize,
    },
    /// JSON syntax error.
    #[error("invalid JSON at byte {offset}: {reason}")]
    InvalidJson {
        /// Offset where the JSON parser stopped.
        offset: usize,
        /// The JSON parser's message.
        reason: String,
    },
    /// The line is not in the parser's format.
    #[error("{format}: {reason} (byte {offset})")]
    Malformed {
        /// The format's name (`syslog`, `nginx`, ...).
        format: &'static str,
        /// Where in the line parsing gave up.
        offset: usize,
        /// What was expected there.
        reason: String,
    },
    /// The line did not match a user-defined regex parser.
    #[error("line does not match the parser's regex")]
    NoMatch,
    /// A captured value could not be converted to the declared type.
    #[error("field `{field}` at byte {offset}: cannot convert {value:?} to {expected}")]
    BadFieldType {
        /// The capture name.
        field: String,
        /// Offset of the capture in the line.
        offset: usize,
        /// The captured text.
        value: String,
        /// The declared type.
        expected: &'static str,
    },
}

/// A time zone or time format in a configuration that cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeSettingError {
    /// Not `UTC`, `local`, an offset or an IANA zone name.
    #[error(
        "unknown time zone `{name}`; use UTC, local, an offset such as +02:00, or an IANA name such as Europe/Berlin"
    )]
    UnknownTimeZone {
        /// The name as given.
        name: String,
    },
    /// A `time_format` chrono cannot parse with, or that leaves the date or
    /// time incomplete.
    #[error("invalid time format `{format}`: {reason}")]
    InvalidTimeFormat {
        /// The format as given.
        format: String,
        /// What is wrong with it.
        reason: String,
    },
}
