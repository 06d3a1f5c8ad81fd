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

mod json;
mod regex_parser;
mod syslog;
mod syslog_time;
mod timestamp;

pub use json::parse_json;
pub use regex_parser::{FieldType, RegexParser};
pub use syslog::{parse_rfc3164, parse_rfc5424, parse_syslog, parse_syslog_at, Rfc3164Context};
pub use timestamp::{parse_guessed_timestamp, parse_timestamp, TIME_KEY_CANDIDATES};

/// One log event's fields: an ordered JSON object. This is the currency
/// between sluice's crates.
pub type Record = serde_json::Map<String, serde_json::Value>;

/// Parses `line` with the built-in parser called `name` (`syslog`, ...);
/// `None` when there is no built-in parser of that name.
///
/// ```
/// use sluice_parsers::parse_format;
///
/// let parsed = parse_format("syslog", b"<13>1 2026-11-23T10:29:01Z host app - - - hi");
/// assert_eq!(parsed.unwrap().unwrap()["message"], "hi");
/// assert!(parse_format("no-such-format", b"").is_none());
/// ```
pub fn parse_format(name: &str, line: &[u8]) -> Option<Result<Record, ParseError>> {
    match name {
        "syslog" => Some(parse_syslog(line)),
        _ => None,
    }
}

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
