//! Container log lines (CRI and docker json-file): the envelope a container
//! runtime writes around each piece of what the application wrote.
//!
//! * **CRI** (containerd, CRI-O): `<time> <stream> <tag> <message>`, e.g.
//!   `2026-11-23T10:00:00.123456789Z stdout F connected`. The time is RFC 3339
//!   with nanoseconds (containerd writes UTC, CRI-O the local offset); the
//!   stream is `stdout` or `stderr`; the tag is `:`-separated flags of which
//!   only the first is defined: `P` (partial) or `F` (full). The message is the
//!   rest of the line, raw bytes, possibly empty.
//! * **docker json-file**: one JSON object per line,
//!   `{"log":"connected\n","stream":"stdout","time":"2026-11-23T10:00:00.1Z"}`.
//!   The message is a JSON string that keeps the application's newline; a
//!   piece without one is partial.
//!
//! [`parse_cri`] and [`parse_docker`] decode one line into a
//! [`ContainerEntry`], borrowing the message from it whenever they can
//! (always for CRI; for docker unless `log` has escapes other than its
//! trailing newline). Joining partial pieces is the caller's job (sluice's
//! container inputs keep one pending piece per stream).
//!
//! [`parse_cri_record`] and [`parse_docker_record`] turn a line into a
//! [`Record`] (`@timestamp`, `stream`, `message`, and `log.partial` for a
//! piece), for the `cri` and `docker` formats of [`crate::parse_format`].

use std::borrow::Cow;

use chrono::{DateTime, Timelike, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::json::{byte_offset, strip_position};
use crate::scan::{push_digits, push_rfc3339_seconds, put};
use crate::syslog::Failure;
use crate::syslog_time::rfc3339_timestamp;
use crate::{ParseError, Record};

/// The envelope of a container log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerLogFormat {
    /// `<time> <stream> <P|F> <message>` (containerd, CRI-O).
    Cri,
    /// Docker's json-file driver: `{"log":…,"stream":…,"time":…}`.
    Docker,
}

impl ContainerLogFormat {
    /// Decodes one line in this format.
    ///
    /// # Errors
    /// As [`parse_cri`] or [`parse_docker`].
    pub fn decode(self, line: &[u8]) -> Result<ContainerEntry<'_>, ContainerLogError> {
        match self {
            Self::Cri => parse_cri(line),
            Self::Docker => parse_docker(line),
        }
    }

    /// The format's name in [`crate::FORMATS`]: `cri` or `docker`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cri => "cri",
            Self::Docker => "docker",
        }
    }
}

/// Tells the format of a container log file from its first line.
///
/// A line starting with `{` is docker if it decodes as a docker line; any
/// other line is CRI if it decodes as CRI. `None` when it is neither (the
/// caller decides whether to try the next line or treat the file as plain).
pub fn detect_container_format(line: &[u8]) -> Option<ContainerLogFormat> {
    let format = if line.first() == Some(&b'{') {
        ContainerLogFormat::Docker
    } else {
        ContainerLogFormat::Cri
    };
    format.decode(line).is_ok().then_some(format)
}

/// Which output stream of a container a line was written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// `stdout` or `stderr`, as container runtimes write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }
}

/// One decoded line of a container log: a whole message or a piece of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEntry<'a> {
    /// When the runtime read it from the container.
    pub time: DateTime<Utc>,
    /// How many fraction-of-a-second digits the runtime wrote (0 to 9;
    /// runtimes drop trailing zeros), so that a record shows the time as
    /// precisely as it came.
    pub time_fraction_digits: u8,
    /// The stream the container wrote it to.
    pub stream: Stream,
    /// More pieces of the same message follow (on the same stream).
    pub partial: bool,
    /// The message, without the envelope and without the application's
    /// newline. Borrowed from the line unless decoding had to unescape.
    pub message: Cow<'a, [u8]>,
}

impl ContainerEntry<'_> {
    /// The entry as a record: `@timestamp` (RFC 3339 UTC with the fraction
    /// digits the runtime wrote), `stream`, `message` (invalid UTF-8, which
    /// only CRI can carry, replaced by U+FFFD) and, for a piece of a longer
    /// message, `log.partial: true`.
    pub fn into_record(self) -> Record {
        let mut record = Record::with_capacity(4);
        put(
            &mut record,
            "@timestamp",
            rfc3339_utc(self.time, self.time_fraction_digits),
        );
        put(&mut record, "stream", self.stream.as_str());
        put(&mut record, "message", message_text(self.message));
        if self.partial {
            put(&mut record, "log.partial", true);
        }
        record
    }
}

/// Why a line is not a container log line, and the byte of the line where
/// decoding gave up ([`Self::offset`]).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ContainerLogError {
    /// Not `<time> <stream> <tag> …`.
    #[error("not a CRI log line: expected {expected}")]
    NotCri {
        /// Where the shape broke.
        offset: usize,
        /// What was expected there.
        expected: &'static str,
    },
    /// The runtime's timestamp is not RFC 3339.
    #[error("invalid container runtime timestamp: {reason}")]
    InvalidTime {
        /// The first byte of the time that is wrong.
        offset: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The stream is neither `stdout` nor `stderr`.
    #[error("unknown container stream: expected `stdout` or `stderr`")]
    InvalidStream {
        /// Where the stream starts.
        offset: usize,
    },
    /// The CRI tag does not start with `P` or `F`.
    #[error("unknown CRI tag: expected `P` or `F`")]
    InvalidTag {
        /// Where the tag starts.
        offset: usize,
    },
    /// The line does not start with `{` (always at byte 0).
    #[error("not a docker json-file log line: expected a JSON object")]
    NotDocker,
    /// The line starts like a JSON object but is not valid JSON (or a field
    /// has the wrong type).
    #[error("invalid JSON in a docker log line: {}", strip_position(&source.to_string()))]
    InvalidJson {
        /// Where the JSON decoder stopped.
        offset: usize,
        /// The JSON decoder's error.
        source: serde_json::Error,
    },
    /// A docker line that is not UTF-8 (which JSON must be).
    #[error("invalid JSON in a docker log line: invalid UTF-8")]
    InvalidUtf8 {
        /// The first byte that is not UTF-8.
        offset: usize,
    },
    /// A docker line without one of `log`, `stream` or `time` (or with it
    /// `null`).
    #[error("docker log line has no `{field}` field")]
    MissingField {
        /// The closing `}` of the object.
        offset: usize,
        /// The missing field's name.
        field: &'static str,
    },
}

impl ContainerLogError {
    /// A fixed description of the kind of failure, without details: few
    /// enough values to be a metrics label.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotCri { .. } => "not a CRI log line",
            Self::InvalidTime { .. } => "invalid container runtime timestamp",
            Self::InvalidStream { .. } => "unknown container stream",
            Self::InvalidTag { .. } => "unknown CRI tag",
            Self::NotDocker => "not a docker json-file log line",
            Self::InvalidJson { .. } | Self::InvalidUtf8 { .. } => {
                "invalid JSON in a docker log line"
            }
            Self::MissingField { .. } => "docker log line is missing a field",
        }
    }

    /// The byte of the line where decoding gave up.
    pub fn offset(&self) -> usize {
        match self {
            Self::NotCri { offset, .. }
            | Self::InvalidTime { offset, .. }
            | Self::InvalidStream { offset }
            | Self::InvalidTag { offset }
            | Self::InvalidJson { offset, .. }
            | Self::InvalidUtf8 { offset }
            | Self::MissingField { offset, .. } => *offset,
            Self::NotDocker => 0,
        }
    }

    /// As a [`ParseError::Malformed`] of `format`, keeping offset and
    /// message.
    pub fn into_parse_error(self, format: ContainerLogFormat) -> ParseError {
        ParseError::Malformed {
            format: format.name(),
            offset: self.offset(),
            reason: self.to_string(),
        }
    }
}

/// Decodes a CRI log line: `<time> <stream> <tag> <message>`.
///
/// The message is everything after the single space that follows the tag
/// (empty when the line ends at the tag); it is always borrowed.
///
/// ```
/// use sluice_parsers::{parse_cri, Stream};
///
/// let entry = parse_cri(b"2026-11-23T10:00:00.5+01:00 stderr P half a line").unwrap();
/// assert_eq!(entry.time.to_rfc3339(), "2026-11-23T09:00:00.500+00:00");
/// assert_eq!((entry.stream, entry.partial), (Stream::Stderr, true));
/// assert_eq!(&*entry.message, b"half a line");
/// ```
///
/// # Errors
/// [`ContainerLogError::NotCri`] when the line does not have the shape at all
/// (does not start with a date, or has fewer than three fields), otherwise
/// the error for the first field that is wrong.
pub fn parse_cri(line: &[u8]) -> Result<ContainerEntry<'_>, ContainerLogError> {
    // A time must at least start like a date; anything else is some other
    // kind of line, which says more than "bad timestamp".
    if !looks_like_date(line) {
        return Err(ContainerLogError::NotCri {
            offset: 0,
            expected: "a line starting with an RFC 3339 time",
        });
    }
    let missing_space = |expected| ContainerLogError::NotCri {
        offset: line.len(),
        expected,
    };
    let (time, rest) = split_at_space(line).ok_or(missing_space("a space after the time"))?;
    let stream_start = time.len() + 1;
    let (stream, rest) = split_at_space(rest).ok_or(missing_space("a space after the stream"))?;
    let tag_start = stream_start + stream.len() + 1;
    let (tag, message) = split_at_space(rest).unwrap_or((rest, &[]));
    let (time, time_fraction_digits) = parse_time(time)
        .map_err(|(offset, reason)| ContainerLogError::InvalidTime { offset, reason })?;
    let stream = parse_stream(stream).ok_or(ContainerLogError::InvalidStream {
        offset: stream_start,
    })?;
    let partial = match tag.split(|&byte| byte == b':').next() {
        Some(b"P") => true,
        Some(b"F") => false,
        _ => return Err(ContainerLogError::InvalidTag { offset: tag_start }),
    };
    Ok(ContainerEntry {
        time,
        time_fraction_digits,
        stream,
        partial,
        message: Cow::Borrowed(message),
    })
}

/// Decodes a docker json-file log line:
/// `{"log":"text\n","stream":"stdout","time":"2026-11-23T10:00:00.123456789Z"}`.
///
/// The entry is partial when `log` does not end in `\n` (docker cuts lines at
/// 16 KiB); the message is `log` without that `\n` (and a `\r` before it).
/// Other fields (`attrs`) are ignored, and so is whitespace between
/// tokens and after the object; the line must start with `{`. The message is borrowed from the line unless `log` has escapes
/// other than that newline.
///
/// ```
/// use sluice_parsers::parse_docker;
///
/// let line = br#"{"log":"listening on :8080\n","stream":"stdout","time":"2026-11-23T10:00:00.1Z"}"#;
/// let entry = parse_docker(line).unwrap();
/// assert_eq!(&*entry.message, b"listening on :8080");
/// assert!(!entry.partial);
/// ```
///
/// # Errors
/// [`ContainerLogError::NotDocker`] when the line does not start with `{`,
/// [`ContainerLogError::InvalidJson`] when it is not valid JSON,
/// [`ContainerLogError::MissingField`] when a field is missing or `null`, and
/// the time or stream errors when those are wrong. The offset of a time or
/// stream error is exact when the value has no escapes (docker never writes
/// any there); otherwise it is that of the object's closing `}`.
pub fn parse_docker(line: &[u8]) -> Result<ContainerEntry<'_>, ContainerLogError> {
    // serde would also accept a JSON array for the struct; docker never
    // writes one.
    if line.first() != Some(&b'{') {
        return Err(ContainerLogError::NotDocker);
    }
    match plain_log(line) {
        Some((message, partial)) => {
            // Validate the whole line, skipping over `log` without copying.
            let fields: DockerLine<'_, IgnoredAny> = from_json(line)?;
            let (time, time_fraction_digits, stream, _) = fields.required(line)?;
            Ok(ContainerEntry {
                time,
                time_fraction_digits,
                stream,
                partial,
                message: Cow::Borrowed(message),
            })
        }
        None => parse_docker_unescaping(line),
    }
}

/// [`parse_cri`] as a record (see [`ContainerEntry::into_record`]); a line
/// ending left by framing (`\n`, `\r\n`) is not part of the message.
///
/// ```
/// let record = sluice_parsers::parse_cri_record(b"2026-11-23T10:00:00.120Z stdout P abc").unwrap();
/// assert_eq!(record["@timestamp"], "2026-11-23T10:00:00.120Z");
/// assert_eq!(record["log.partial"], true);
/// ```
///
/// # Errors
/// [`ParseError::Malformed`] with format `cri`, from a
/// [`ContainerLogError`].
pub fn parse_cri_record(line: &[u8]) -> Result<Record, ParseError> {
    parse_record(ContainerLogFormat::Cri, trim_line_end(line))
}

/// [`parse_docker`] as a record (see [`ContainerEntry::into_record`]).
///
/// # Errors
/// [`ParseError::Malformed`] with format `docker`, from a
/// [`ContainerLogError`].
pub fn parse_docker_record(line: &[u8]) -> Result<Record, ParseError> {
    parse_record(ContainerLogFormat::Docker, line)
}

fn parse_record(format: ContainerLogFormat, line: &[u8]) -> Result<Record, ParseError> {
    format
        .decode(line)
        .map(ContainerEntry::into_record)
        .map_err(|err| err.into_parse_error(format))
}

/// The general path of [`parse_docker`]: the message is borrowed only when
/// `log` has no escapes at all.
fn parse_docker_unescaping(line: &[u8]) -> Result<ContainerEntry<'_>, ContainerLogError> {
    let fields: DockerLine<'_, JsonText<'_>> = from_json(line)?;
    let (time, time_fraction_digits, stream, log) = fields.required(line)?;
    let (message, partial) = strip_newline(log.0);
    Ok(ContainerEntry {
        time,
        time_fraction_digits,
        stream,
        partial,
        message,
    })
}

/// Decodes `line` as `T`.
fn from_json<'a, T: Deserialize<'a>>(line: &'a [u8]) -> Result<T, ContainerLogError> {
    serde_json::from_slice(line).map_err(|source| {
        let offset = if source.is_eof() {
            line.len()
        } else {
            byte_offset(line, source.line(), source.column())
        };
        // serde_json reports a bad byte one past it, so a UTF-8 error that
        // comes first is placed here (only on failure: no cost otherwise).
        match std::str::from_utf8(line) {
            Err(err) if err.valid_up_to() <= offset => ContainerLogError::InvalidUtf8 {
                offset: err.valid_up_to(),
            },
            _ => ContainerLogError::InvalidJson { offset, source },
        }
    })
}

/// The fields of a docker line that matter, `log` as `L`. Unknown fields
/// (`attrs`) are skipped.
#[derive(Deserialize)]
struct DockerLine<'a, L> {
    log: Option<L>,
    #[serde(borrow)]
    stream: Option<JsonText<'a>>,
    #[serde(borrow)]
    time: Option<JsonText<'a>>,
}

impl<L> DockerLine<'_, L> {
    /// Time, its fraction digits, stream and `log`; `line` is what the
    /// fields were decoded from, for error offsets.
    fn required(self, line: &[u8]) -> Result<(DateTime<Utc>, u8, Stream, L), ContainerLogError> {
        // serde_json accepted the line, so it ends with the object's `}`
        // and perhaps whitespace.
        let end = memchr::memrchr(b'}', line).unwrap_or(line.len());
        let missing = |field| ContainerLogError::MissingField { offset: end, field };
        let log = self.log.ok_or(missing("log"))?;
        let stream = self.stream.ok_or(missing("stream"))?;
        let time = self.time.ok_or(missing("time"))?;
        // Offsets inside an unescaped value; at the `}` otherwise.
        let (time_value, time_fraction_digits) =
            parse_time(time.0.as_bytes()).map_err(|(offset, reason)| {
                ContainerLogError::InvalidTime {
                    offset: time.offset_in(line).map_or(end, |start| start + offset),
                    reason,
                }
            })?;
        let stream = parse_stream(stream.0.as_bytes()).ok_or(ContainerLogError::InvalidStream {
            offset: stream.offset_in(line).unwrap_or(end),
        })?;
        Ok((time_value, time_fraction_digits, stream, log))
    }
}

/// A JSON string borrowed from the line when it has no escapes. (A bare
/// `Option<Cow<str>>` field would always allocate.)
#[derive(Deserialize)]
struct JsonText<'a>(#[serde(borrow)] Cow<'a, str>);

impl JsonText<'_> {
    /// Where the text starts in `line`, when it is borrowed from it.
    fn offset_in(&self, line: &[u8]) -> Option<usize> {
        let Cow::Borrowed(text) = &self.0 else {
            return None;
        };
        let offset = (text.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
        (offset + text.len() <= line.len()).then_some(offset)
    }
}

/// The message and whether it is partial, when the line starts with a `log`
/// string (docker always writes it first) whose only escape is the trailing
/// `\n` or `\r\n`: then the message can be borrowed from the line as is.
/// Docker escapes that newline in every whole line, so without this every
/// message would be copied by the JSON decoder. `None` sends the line down
/// the general path, which decodes (and rejects) exactly alike.
fn plain_log(line: &[u8]) -> Option<(&[u8], bool)> {
    let body = line.strip_prefix(br#"{"log":""#)?;
    let end = memchr::memchr2(b'"', b'\\', body)?;
    let (message, rest) = body.split_at(end);
    let partial = match rest {
        [b'"', ..] => true,
        [b'\\', b'n', b'"', ..] | [b'\\', b'r', b'\\', b'n', b'"', ..] => false,
        _ => return None,
    };
    // What the JSON decoder would reject inside a string.
    if message.iter().any(|&byte| byte < 0x20) || std::str::from_utf8(message).is_err() {
        return None;
    }
    Some((message, partial))
}

/// Removes the application's `\n` (or `\r\n`); partial when there is none.
fn strip_newline(log: Cow<'_, str>) -> (Cow<'_, [u8]>, bool) {
    let keep = match log.as_bytes() {
        [.., b'\r', b'\n'] => log.len() - 2,
        [.., b'\n'] => log.len() - 1,
        _ => {
            let bytes = match log {
                Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
                Cow::Owned(text) => Cow::Owned(text.into_bytes()),
            };
            return (bytes, true);
        }
    };
    let bytes = match log {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes().get(..keep).unwrap_or_default()),
        Cow::Owned(text) => {
            let mut bytes = text.into_bytes();
            bytes.truncate(keep);
            Cow::Owned(bytes)
        }
    };
    (bytes, false)
}

fn split_at_space(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = memchr::memchr(b' ', input)?;
    Some((input.get(..space)?, input.get(space + 1..)?))
}

fn looks_like_date(line: &[u8]) -> bool {
    match line {
        [a, b, c, d, b'-', ..] => [a, b, c, d].iter().all(|digit| digit.is_ascii_digit()),
        _ => false,
    }
}

/// The whole of `field` as an RFC 3339 time, and its fraction digits; on
/// failure the offset in `field` and why.
fn parse_time(field: &[u8]) -> Result<(DateTime<Utc>, u8), (usize, &'static str)> {
    let at = |rest: &[u8]| field.len() - rest.len();
    match rfc3339_timestamp(field) {
        Ok(([], stamp)) => Ok((stamp.to_datetime(), stamp.fraction_digits())),
        Ok((rest, _)) => Err((at(rest), "unexpected text after the time")),
        Err(nom::Err::Error(Failure { at: rest, reason }))
        | Err(nom::Err::Failure(Failure { at: rest, reason })) => Err((at(rest), reason)),
        // Only streaming parsers report this; the time parser is complete.
        Err(nom::Err::Incomplete(_)) => Err((field.len(), "incomplete time")),
    }
}

fn parse_stream(field: &[u8]) -> Option<Stream> {
    match field {
        b"stdout" => Some(Stream::Stdout),
        b"stderr" => Some(Stream::Stderr),
        _ => None,
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// RFC 3339 in UTC with exactly `fraction_digits` digits of fraction
/// (`2026-11-23T10:00:00.120Z`); a leap second is written `:60`.
fn rfc3339_utc(time: DateTime<Utc>, fraction_digits: u8) -> String {
    let naive = time.naive_utc();
    let (second, nanos) = match naive.nanosecond() {
        leap @ 1_000_000_000.. => (naive.second() + 1, leap - 1_000_000_000),
        nanos => (naive.second(), nanos),
    };
    let mut out = String::with_capacity(31);
    // The time parser keeps years within 0..=9999.
    push_rfc3339_seconds(&mut out, naive, second);
    let digits = u32::from(fraction_digits.min(9));
    if digits > 0 {
        out.push('.');
        push_digits(&mut out, nanos / 10u32.pow(9 - digits), digits);
    }
    out.push('Z');
    out
}

/// The message as text: no copy for an owned message (docker's, valid
/// UTF-8), one lossy copy otherwise.
fn message_text(message: Cow<'_, [u8]>) -> String {
    match message {
        Cow::Owned(bytes) => String::from_utf8(bytes)
            .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()),
        Cow::Borrowed(bytes) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn time(h: u32, m: u32, s: u32, nanos: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, s).unwrap()
            + chrono::Duration::nanoseconds(nanos.into())
    }

    /// Checks each `(line, reason, offset)` against `decode`.
    fn assert_errors(
        decode: fn(&[u8]) -> Result<ContainerEntry<'_>, ContainerLogError>,
        cases: &[(&[u8], &str, usize)],
    ) {
        for &(line, reason, offset) in cases {
            let err = decode(line).unwrap_err();
            let shown = String::from_utf8_lossy(line);
            assert_eq!(err.reason(), reason, "{shown}: {err}");
            assert_eq!(err.offset(), offset, "{shown}: {err}");
        }
    }

    // --- CRI -------------------------------------------------------------

    #[test]
    fn cri_full_line() {
        let entry = parse_cri(b"2026-11-23T10:00:00.123456789Z stdout F message text").unwrap();
        assert_eq!(entry.time, time(10, 0, 0, 123_456_789));
        assert_eq!(entry.time_fraction_digits, 9);
        assert_eq!(entry.stream, Stream::Stdout);
        assert!(!entry.partial);
        assert_eq!(&*entry.message, b"message text");
        assert!(matches!(entry.message, Cow::Borrowed(_)));
    }

    #[test]
    fn cri_partial_stderr_with_offset_and_flags() {
        let entry = parse_cri(b"2026-11-23T11:00:00.5+01:00 stderr P:x:y  two  spaces ").unwrap();
        assert_eq!(entry.time, time(10, 0, 0, 500_000_000));
        assert_eq!(entry.time_fraction_digits, 1);
        assert_eq!(entry.stream, Stream::Stderr);
        assert!(entry.partial);
        // Only the one separating space goes; the message keeps the rest.
        assert_eq!(&*entry.message, b" two  spaces ");
        let entry = parse_cri(b"2026-11-23T10:00:00Z stdout F:x text").unwrap();
        assert!(!entry.partial);
        assert_eq!(entry.time_fraction_digits, 0);
        assert_eq!(&*entry.message, b"text");
    }

    #[test]
    fn cri_empty_message() {
        for line in [
            "2026-11-23T10:00:00Z stdout F",
            "2026-11-23T10:00:00Z stdout F ",
        ] {
            let entry = parse_cri(line.as_bytes()).unwrap();
            assert_eq!(&*entry.message, b"", "{line:?}");
            assert!(!entry.partial);
        }
    }

    #[test]
    fn cri_message_may_hold_any_bytes() {
        let entry = parse_cri(b"2026-11-23T10:00:00Z stdout F \xff\x00\tbin").unwrap();
        assert_eq!(&*entry.message, b"\xff\x00\tbin");
    }

    #[test]
    fn cri_garbage_is_an_error_of_the_right_kind_and_place() {
        assert_errors(
            parse_cri,
            &[
                (b"", "not a CRI log line", 0),
                (b"plain text line from somewhere", "not a CRI log line", 0),
                (b"\x00\x01\xff\xfe", "not a CRI log line", 0),
                (b"2026-11-23T10:00:00Z", "not a CRI log line", 20),
                (b"2026-11-23T10:00:00Z stdout", "not a CRI log line", 27),
                (
                    b"2026-13-23T10:00:00Z stdout F x",
                    "invalid container runtime timestamp",
                    0,
                ),
                (
                    b"2026-11-23 stdout F x",
                    "invalid container runtime timestamp",
                    10,
                ),
                (
                    b"2026-11-23T10:00:00\xff stdout F x",
                    "invalid container runtime timestamp",
                    19,
                ),
                (
                    b"2026-11-23T10:00:00Zjunk stdout F x",
                    "invalid container runtime timestamp",
                    20,
                ),
                (
                    b"2026-11-23T10:00:00Z stdin F x",
                    "unknown container stream",
                    21,
                ),
                (
                    b"2026-11-23T10:00:00Z  stdout F x",
                    "unknown container stream",
                    21,
                ),
                (b"2026-11-23T10:00:00Z stdout X x", "unknown CRI tag", 28),
                (b"2026-11-23T10:00:00Z stdout  x", "unknown CRI tag", 28),
                (b"2026-11-23T10:00:00Z stdout PF x", "unknown CRI tag", 28),
                (b"2026-11-23T10:00:00Z stdout :P x", "unknown CRI tag", 28),
            ],
        );
    }

    // --- docker ----------------------------------------------------------

    #[test]
    fn docker_full_line_borrows_without_escapes() {
        let line =
            br#"{"log":"text here\n","stream":"stdout","time":"2026-11-23T10:00:00.123456789Z"}"#;
        let entry = parse_docker(line).unwrap();
        assert_eq!(entry.time, time(10, 0, 0, 123_456_789));
        assert_eq!(entry.stream, Stream::Stdout);
        assert!(!entry.partial);
        assert_eq!(&*entry.message, b"text here");
        assert!(matches!(entry.message, Cow::Borrowed(_)));
    }

    #[test]
    fn docker_borrows_around_crlf_and_in_partials() {
        for line in [
            br#"{"log":"text\r\n","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#.as_slice(),
            br#"{"log":"text","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
        ] {
            let entry = parse_docker(line).unwrap();
            assert_eq!(&*entry.message, b"text");
            assert!(matches!(entry.message, Cow::Borrowed(_)));
        }
        let escaped = br#"{"log":"a\tb\n","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#;
        let entry = parse_docker(escaped).unwrap();
        assert_eq!(&*entry.message, b"a\tb");
        assert!(matches!(entry.message, Cow::Owned(_)));
    }

    #[test]
    fn docker_borrowing_does_not_skip_validation() {
        let cases: &[(&[u8], &str, usize)] = &[
            (
                b"{\"log\":\"a\x01\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-23T10:00:00Z\"}",
                "invalid JSON in a docker log line",
                9,
            ),
            (
                b"{\"log\":\"\xff\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-23T10:00:00Z\"}",
                "invalid JSON in a docker log line",
                8,
            ),
            (
                br#"{"log":"a\n","log":"b\n","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
                "invalid JSON in a docker log line",
                17,
            ),
            (
                br#"{"log":"a\n" "stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
                "invalid JSON in a docker log line",
                13,
            ),
            (
                br#"{"log":"a\n","time":"2026-11-23T10:00:00Z"}"#,
                "docker log line is missing a field",
                42,
            ),
        ];
        assert_errors(parse_docker, cases);
        assert_errors(parse_docker_unescaping, cases);
    }

    #[test]
    fn docker_unescapes_and_strips_crlf() {
        let line = br#"{"log":"a\t\"q\" \u003cb\u003e \u00e9\\\r\n","stream":"stderr","attrs":{"tag":"web"},"time":"2026-11-23T10:00:00Z"}"#;
        let entry = parse_docker(line).unwrap();
        assert_eq!(entry.stream, Stream::Stderr);
        assert!(!entry.partial);
        assert_eq!(&*entry.message, "a\t\"q\" <b> é\\".as_bytes());
    }

    #[test]
    fn docker_partial_when_no_newline() {
        let entry = parse_docker(
            br#"{"log":"first half ","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
        )
        .unwrap();
        assert!(entry.partial);
        assert_eq!(&*entry.message, b"first half ");
        // A lone `\r` is content, not a line end.
        let entry =
            parse_docker(br#"{"log":"cut\r","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#)
                .unwrap();
        assert!(entry.partial);
        assert_eq!(&*entry.message, b"cut\r");
        // Only one newline is the envelope's.
        let entry =
            parse_docker(br#"{"log":"two\n\n","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#)
                .unwrap();
        assert_eq!(&*entry.message, b"two\n");
    }

    #[test]
    fn docker_field_order_does_not_matter() {
        let entry =
            parse_docker(br#"{"time":"2026-11-23T10:00:00Z", "stream":"stderr" ,"log":"x\n"} "#)
                .unwrap();
        assert_eq!(entry.stream, Stream::Stderr);
        assert_eq!(&*entry.message, b"x");
    }

    #[test]
    fn docker_garbage_is_an_error_of_the_right_kind_and_place() {
        assert_errors(
            parse_docker,
            &[
                (b"", "not a docker json-file log line", 0),
                (b"plain text", "not a docker json-file log line", 0),
                (
                    br#"["x\n","stdout","2026-11-23T10:00:00Z"]"#,
                    "not a docker json-file log line",
                    0,
                ),
                (b"{", "invalid JSON in a docker log line", 1),
                (b"{\xff}", "invalid JSON in a docker log line", 1),
                (
                    br#"{"log":"x\n","stream":"stdout","time":"2026-11-23T10:00:00Z"} trailing"#,
                    "invalid JSON in a docker log line",
                    62,
                ),
                (
                    br#"{"log":"x\n","stream":"stdout","time":"2026-11-23T10:00:00Z""#,
                    "invalid JSON in a docker log line",
                    60,
                ),
                (
                    br#"{"log":5,"stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
                    "invalid JSON in a docker log line",
                    7,
                ),
                (
                    br#"{"log":"\ud800","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
                    "invalid JSON in a docker log line",
                    14,
                ),
                (
                    br#"{"stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
                    "docker log line is missing a field",
                    48,
                ),
                (
                    br#"{"log":"x\n","time":"2026-11-23T10:00:00Z"}"#,
                    "docker log line is missing a field",
                    42,
                ),
                (
                    br#"{"log":"x\n","stream":"stdout"}"#,
                    "docker log line is missing a field",
                    30,
                ),
                (
                    br#"{"log":null,"stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
                    "docker log line is missing a field",
                    59,
                ),
                (br#"{}"#, "docker log line is missing a field", 1),
                (
                    br#"{"log":"x\n","stream":"stdout","time":"yesterday"}"#,
                    "invalid container runtime timestamp",
                    39,
                ),
                (
                    br#"{"log":"x\n","stream":"stdout","time":"2026-11-23T10:00:00"}"#,
                    "invalid container runtime timestamp",
                    58,
                ),
                (
                    br#"{"log":"x\n","stream":"console","time":"2026-11-23T10:00:00Z"}"#,
                    "unknown container stream",
                    23,
                ),
                // An escaped value has no exact place: the `}` stands in.
                (
                    br#"{"log":"x\n","stream":"stdout","time":"2026-11-23T10:00:00\u0058"}"#,
                    "invalid container runtime timestamp",
                    65,
                ),
            ],
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let err = parse_docker(br#"{"log":"x\n","stream":"stdout"}"#).unwrap_err();
        assert_eq!(err.to_string(), "docker log line has no `time` field");
        let err = parse_docker(b"{").unwrap_err();
        assert!(std::error::Error::source(&err).is_some());
        assert_eq!(
            err.to_string(),
            "invalid JSON in a docker log line: EOF while parsing an object"
        );
        let err = parse_cri(b"2026-11-23T1:00:00Z stdout F x").unwrap_err();
        assert_eq!(
            err.into_parse_error(ContainerLogFormat::Cri).to_string(),
            "cri: invalid container runtime timestamp: expected two digits of hour (byte 11)"
        );
    }

    // --- detection -------------------------------------------------------

    #[test]
    fn detects_each_format_from_a_first_line() {
        use ContainerLogFormat::{Cri, Docker};
        assert_eq!(
            detect_container_format(b"2026-11-23T10:00:00.1Z stdout F hi"),
            Some(Cri)
        );
        assert_eq!(
            detect_container_format(b"2026-11-23T10:00:00.1Z stderr P"),
            Some(Cri)
        );
        assert_eq!(
            detect_container_format(
                br#"{"log":"hi\n","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#
            ),
            Some(Docker)
        );
        assert_eq!(
            detect_container_format(br#"{"level":"info","msg":"app json"}"#),
            None
        );
        assert_eq!(detect_container_format(b"plain text"), None);
        assert_eq!(detect_container_format(b""), None);
    }

    // --- records ---------------------------------------------------------

    #[test]
    fn records_keep_the_written_fraction_digits_in_utc() {
        let record = parse_cri_record(b"2026-11-23T11:00:00.500+01:00 stdout F x\r\n").unwrap();
        assert_eq!(record["@timestamp"], "2026-11-23T10:00:00.500Z");
        assert_eq!(record["message"], "x");
        assert_eq!(record.get("log.partial"), None);
        let record = parse_docker_record(
            br#"{"log":"x","stream":"stderr","time":"2026-12-31T23:59:60.25Z"}"#,
        )
        .unwrap();
        assert_eq!(record["@timestamp"], "2026-12-31T23:59:60.25Z");
        assert_eq!(record["log.partial"], true);
        assert_eq!(record["stream"], "stderr");
    }

    // --- robustness ------------------------------------------------------

    /// Every prefix of some valid lines, and every one-byte substitution
    /// from an alphabet of bytes that matter: the borrowing docker path
    /// decodes exactly like the general one, and error offsets stay within
    /// the line.
    #[test]
    fn both_docker_paths_agree_on_damaged_lines() {
        let seeds: [&[u8]; 5] = [
            br#"{"log":"piece \u00e9\"","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
            br#"{"log":"whole\r\n","stream":"stderr","time":"2026-11-23T10:00:00.5Z"}"#,
            br#"{"log":"plain","stream":"stdout","attrs":{"a":"b"},"time":"2026-11-23T10:00:00Z"}"#,
            br#"{"log":"plain\n","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
            b"2026-11-23T10:00:00.123456789Z stdout P piece ",
        ];
        let alphabet = b" {}\":,\\nrPF-T:Z09stdoulgime\xff\xc3\x00\x01";
        let mut lines: Vec<Vec<u8>> = Vec::new();
        for seed in seeds {
            lines.extend((0..=seed.len()).map(|end| seed[..end].to_vec()));
            for at in 0..seed.len() {
                for &byte in alphabet {
                    let mut line = seed.to_vec();
                    line[at] = byte;
                    lines.push(line);
                }
            }
        }
        let mut decoded = 0;
        for line in &lines {
            if let Err(err) = parse_cri(line) {
                assert!(err.offset() <= line.len(), "{line:?}: {err}");
            }
            if line.first() != Some(&b'{') {
                continue;
            }
            match (parse_docker(line), parse_docker_unescaping(line)) {
                (Ok(fast), Ok(general)) => {
                    assert_eq!(fast, general);
                    decoded += 1;
                }
                (Err(fast), Err(general)) => {
                    assert_eq!(
                        (fast.reason(), fast.offset()),
                        (general.reason(), general.offset()),
                        "{line:?}"
                    );
                    assert!(fast.offset() <= line.len(), "{line:?}: {fast}");
                }
                (fast, general) => panic!("{line:?}: {fast:?} vs {general:?}"),
            }
        }
        assert!(decoded > 100, "only {decoded} damaged lines decoded");
    }
}
