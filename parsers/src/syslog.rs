//! Syslog lines: RFC 5424, and RFC 3164 as real systems write it.
//!
//! [`parse_syslog`] tells the two apart by what follows the PRI: a version
//! number and a space (`<165>1 `) means RFC 5424; anything else, or no PRI
//! at all, is parsed as RFC 3164.
//!
//! RFC 3164 is a description of practice more than a grammar, so its
//! parser follows practice:
//!
//! - the PRI is optional (files written by syslog daemons drop it);
//! - Cisco-style prefixes are skipped: a sequence number (`52: `) and a
//!   clock mark (`*` or `.`) before the timestamp, a `:` after it;
//! - the timestamp is `Mmm dd hh:mm:ss` (day space-padded or not, optional
//!   fraction, optional year before the time) or RFC 3339 (rsyslog's
//!   high-precision format). A timestamp without a year gets one by
//!   inference from a reference time: see [`TimeContext`]. A timestamp
//!   without a zone is taken as UTC;
//! - the hostname is optional. The token after the timestamp is the
//!   hostname unless it ends with `:` or holds a `[`, in which case it is
//!   the tag (`app[12]:` or `app:` right after the timestamp). A host-less
//!   line whose message starts with a plain word is misread as having that
//!   word for hostname: the line itself cannot tell them apart;
//! - busybox syslogd writes `facility.level` after the hostname
//!   (`daemon.info`); it gives the priority when there is no PRI;
//! - the tag is a run of bytes other than space, `[` and `:`, followed by
//!   `:` and a space (or the end), or by a decimal `[pid]` and then an
//!   optional `:`. A first word that is not followed so is not a tag: the
//!   whole rest is the message (`syslogd 1.4.1: restart.` has no tag);
//! - spaces between header fields may repeat; after the tag's `:` exactly
//!   one space is dropped, so the message keeps its own indentation.
//!
//! RFC 5424 is parsed to the letter, with these allowances: any version
//! from 1 to 999 is read alike, field lengths are not enforced, a
//! lower-case `t`/`z` and an offset without a colon are accepted in the
//! timestamp, and spaces may repeat inside an SD-ELEMENT. A repeated
//! SD-PARAM name gives an array of its values; a repeated SD-ID merges
//! into one object.
//!
//! Free text (the message, SD-PARAM values, and the RFC 3164 hostname and
//! tag) that is not UTF-8 is kept with U+FFFD in place of the bad bytes:
//! one bad byte should not cost the whole line. A trailing `\r` or `\n` is
//! ignored.
//!
//! Output fields follow the Elastic Common Schema; see `docs/parsers.md`.

use chrono::{DateTime, Utc};
use nom::bytes::complete::{take_while1, take_while_m_n};
use serde_json::{Map, Value};

use crate::scan::put;
use crate::syslog_time::{bsd_timestamp, rfc3339_timestamp, Stamp};
use crate::{ParseError, Record, TimeContext};

const FORMAT: &str = "syslog";

/// `log.level` by severity code, as ECS and Filebeat name them.
const SEVERITY_NAMES: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "informational",
    "debug",
];

/// Parses an RFC 5424 or RFC 3164 line, telling them apart by the version
/// after the PRI; RFC 3164 years are inferred against the current time.
///
/// ```
/// use sluice_parsers::parse_syslog;
///
/// let record = parse_syslog(b"<34>1 2026-11-23T10:29:01Z web1 su - ID47 - 'su root' failed").unwrap();
/// assert_eq!(record["log.level"], "critical");
/// assert_eq!(record["host.hostname"], "web1");
/// assert_eq!(record["message"], "'su root' failed");
/// ```
///
/// # Errors
/// [`ParseError::Malformed`] with format `syslog`, the byte offset where
/// parsing gave up, and what was expected there.
pub fn parse_syslog(line: &[u8]) -> Result<Record, ParseError> {
    if is_rfc5424(line) {
        parse_rfc5424(line)
    } else {
        parse_rfc3164(line, &TimeContext::new(Utc::now()))
    }
}

/// [`parse_syslog`] with `now` as the reference time for RFC 3164 year
/// inference.
///
/// # Errors
/// As [`parse_syslog`].
pub fn parse_syslog_at(line: &[u8], now: DateTime<Utc>) -> Result<Record, ParseError> {
    if is_rfc5424(line) {
        parse_rfc5424(line)
    } else {
        parse_rfc3164(line, &TimeContext::new(now))
    }
}

/// [`parse_syslog`] with the reference time and zone of `context` for
/// RFC 3164 lines (RFC 5424 times carry their own offset).
///
/// # Errors
/// As [`parse_syslog`].
pub fn parse_syslog_in(line: &[u8], context: &TimeContext) -> Result<Record, ParseError> {
    if is_rfc5424(line) {
        parse_rfc5424(line)
    } else {
        parse_rfc3164(line, context)
    }
}

/// Parses an RFC 3164 (BSD syslog) line, with or without PRI and hostname.
/// The module documentation lists what is accepted.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use sluice_parsers::{parse_rfc3164, TimeContext};
///
/// let context = TimeContext::new(Utc.with_ymd_and_hms(2027, 1, 2, 0, 0, 0).unwrap());
/// let record = parse_rfc3164(b"Dec 31 23:59:59 LabSZ sshd[24200]: Invalid user admin", &context).unwrap();
/// assert_eq!(record["@timestamp"], "2026-12-31T23:59:59Z");
/// assert_eq!(record["process.pid"], 24200);
/// ```
///
/// # Errors
/// [`ParseError::Malformed`] when the PRI is malformed, there is no
/// timestamp, the date does not exist, or nothing follows the timestamp.
pub fn parse_rfc3164(line: &[u8], context: &TimeContext) -> Result<Record, ParseError> {
    let line = trim_line_end(line);
    rfc3164(line, context)
        .map(Message::into_record)
        .map_err(|err| malformed(line, err))
}

/// Parses an RFC 5424 line.
///
/// # Errors
/// [`ParseError::Malformed`] at the first byte that breaks the RFC 5424
/// grammar (with the allowances listed in the module documentation).
pub fn parse_rfc5424(line: &[u8]) -> Result<Record, ParseError> {
    let line = trim_line_end(line);
    rfc5424(line)
        .map(|(_, message)| message.into_record())
        .map_err(|err| malformed(line, err))
}

// --- Parser plumbing ---------------------------------------------------------

/// Parser input: the rest of the line.
pub(crate) type Input<'a> = &'a [u8];

/// nom result with [`Failure`] errors.
pub(crate) type PResult<'a, O> = nom::IResult<Input<'a>, O, Failure<'a>>;

/// Where and why parsing gave up. `at` is always a suffix of the line, so
/// the offset is the difference of the lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failure<'a> {
    pub(crate) at: Input<'a>,
    pub(crate) reason: &'static str,
}

impl<'a> nom::error::ParseError<Input<'a>> for Failure<'a> {
    fn from_error_kind(input: Input<'a>, _kind: nom::error::ErrorKind) -> Self {
        Failure {
            at: input,
            reason: "unexpected input",
        }
    }

    fn append(_input: Input<'a>, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) fn fail<'a, T>(at: Input<'a>, reason: &'static str) -> PResult<'a, T> {
    Err(nom::Err::Error(Failure { at, reason }))
}

/// One given byte.
pub(crate) fn expect_byte<'a>(input: Input<'a>, byte: u8, reason: &'static str) -> PResult<'a, ()> {
    match input.split_first() {
        Some((&first, rest)) if first == byte => Ok((rest, ())),
        _ => fail(input, reason),
    }
}

fn malformed(line: &[u8], err: nom::Err<Failure<'_>>) -> ParseError {
    let (offset, reason) = match err {
        nom::Err::Error(failure) | nom::Err::Failure(failure) => {
            (line.len().saturating_sub(failure.at.len()), failure.reason)
        }
        // Only streaming parsers report this; these are all complete ones.
        nom::Err::Incomplete(_) => (line.len(), "incomplete line"),
    };
    ParseError::Malformed {
        format: FORMAT,
        offset,
        reason: reason.to_owned(),
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|&byte| byte != b'\n' && byte != b'\r')
        .map_or(0, |last| last + 1);
    &line[..end]
}

fn skip_spaces(input: Input<'_>) -> Input<'_> {
    let count = input.iter().take_while(|&&byte| byte == b' ').count();
    &input[count..]
}

/// The bytes up to the next space (or the end).
fn token(input: Input<'_>) -> Input<'_> {
    let end = memchr::memchr(b' ', input).unwrap_or(input.len());
    &input[..end]
}

/// Text that should be UTF-8, with U+FFFD for bytes that are not.
fn lossy(bytes: &[u8]) -> String {
    // `from_utf8` validates faster than `from_utf8_lossy` walks chunks, and
    // valid UTF-8 is the common case.
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn lossy_vec(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|err| lossy(err.as_bytes()))
}

/// A decimal process id that fits 32 bits.
fn decimal_pid(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = bytes
        .iter()
        .fold(0u64, |value, digit| value * 10 + u64::from(digit - b'0'));
    u32::try_from(value).ok()
}

// --- The parsed message --------------------------------------------------------

/// A parsed line, borrowing its text from the line.
#[derive(Debug, Default)]
struct Message<'a> {
    priority: Option<u8>,
    version: Option<u32>,
    timestamp: Option<Stamp<'a>>,
    hostname: Option<&'a [u8]>,
    app_name: Option<&'a [u8]>,
    proc_id: Option<&'a [u8]>,
    msg_id: Option<&'a [u8]>,
    /// Cisco's message sequence number.
    sequence: Option<u64>,
    structured_data: Option<Map<String, Value>>,
    text: Option<&'a [u8]>,
}

impl Message<'_> {
    /// Builds the ECS record, with flat dotted names (see [`put`]).
    fn into_record(self) -> Record {
        let pid = self.proc_id.and_then(decimal_pid);
        let procid = if pid.is_none() { self.proc_id } else { None };
        let mut record = Record::with_capacity(14);
        if let Some(stamp) = self.timestamp {
            put(&mut record, "@timestamp", stamp.to_rfc3339());
        }
        if let Some(priority) = self.priority {
            put(
                &mut record,
                "log.level",
                SEVERITY_NAMES[usize::from(priority & 7)],
            );
            put(&mut record, "log.syslog.priority", priority);
            put(&mut record, "log.syslog.facility.code", priority >> 3);
            put(&mut record, "log.syslog.severity.code", priority & 7);
        }
        if let Some(version) = self.version {
            put(&mut record, "log.syslog.version", version);
        }
        if let Some(msg_id) = self.msg_id {
            put(&mut record, "log.syslog.msgid", lossy(msg_id));
        }
        if let Some(procid) = procid {
            put(&mut record, "log.syslog.procid", lossy(procid));
        }
        if let Some(structured_data) = self.structured_data {
            put(
                &mut record,
                "log.syslog.structured_data",
                Value::Object(structured_data),
            );
        }
        if let Some(hostname) = self.hostname {
            put(&mut record, "host.hostname", lossy(hostname));
        }
        if let Some(name) = self.app_name {
            put(&mut record, "process.name", lossy(name));
        }
        if let Some(pid) = pid {
            put(&mut record, "process.pid", pid);
        }
        if let Some(sequence) = self.sequence {
            put(&mut record, "event.sequence", sequence);
        }
        if let Some(text) = self.text {
            put(&mut record, "message", lossy(text));
        }
        record
    }
}

// --- Shared pieces -----------------------------------------------------------------

/// `<PRI>`: 1 to 3 digits, 0 to 191.
fn pri(input: Input<'_>) -> PResult<'_, u8> {
    let (rest, ()) = expect_byte(input, b'<', "expected '<' to open PRI")?;
    let (after, found) = take_while_m_n(1, 3, |byte: u8| byte.is_ascii_digit())(rest)
        .or_else(|_: nom::Err<Failure<'_>>| fail(rest, "expected PRI digits after '<'"))?;
    if after.first().is_some_and(u8::is_ascii_digit) {
        return fail(after, "PRI longer than 3 digits");
    }
    let value = found
        .iter()
        .fold(0u16, |value, digit| value * 10 + u16::from(digit - b'0'));
    let Ok(priority @ 0..=191) = u8::try_from(value) else {
        return fail(rest, "PRI above 191 (facility 23, severity 7)");
    };
    let (after, ()) = expect_byte(after, b'>', "expected '>' to close PRI")?;
    Ok((after, priority))
}

/// Whether the line starts with a PRI followed by a version and a space.
fn is_rfc5424(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"<") else {
        return false;
    };
    let Some(close) = rest.iter().take(4).position(|&byte| byte == b'>') else {
        return false;
    };
    let after = &rest[close + 1..];
    let version = after
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    (1..=3).contains(&version) && after.get(version) == Some(&b' ')
}

// --- RFC 5424 -------------------------------------------------------------------------

fn rfc5424(line: Input<'_>) -> PResult<'_, Message<'_>> {
    let (rest, priority) = pri(line)?;
    let (rest, version) = version(rest)?;
    let (rest, ()) = expect_byte(rest, b' ', "expected ' ' after VERSION")?;
    let (rest, timestamp) = match nil(rest) {
        Some(after) => (after, None),
        None => {
            let (after, stamp) = rfc3339_timestamp(rest)?;
            (after, Some(stamp))
        }
    };
    let (rest, ()) = expect_byte(rest, b' ', "expected ' ' after TIMESTAMP")?;
    let (rest, hostname) = header_field(rest, "expected HOSTNAME or '-'")?;
    let (rest, ()) = expect_byte(rest, b' ', "expected ' ' after HOSTNAME")?;
    let (rest, app_name) = header_field(rest, "expected APP-NAME or '-'")?;
    let (rest, ()) = expect_byte(rest, b' ', "expected ' ' after APP-NAME")?;
    let (rest, proc_id) = header_field(rest, "expected PROCID or '-'")?;
    let (rest, ()) = expect_byte(rest, b' ', "expected ' ' after PROCID")?;
    let (rest, msg_id) = header_field(rest, "expected MSGID or '-'")?;
    let (rest, ()) = expect_byte(rest, b' ', "expected ' ' after MSGID")?;
    let (rest, structured_data) = structured_data(rest)?;
    let text = match rest.split_first() {
        None => None,
        Some((b' ', text)) => Some(text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)),
        Some(_) => {
            return fail(
                rest,
                "expected ' ' before MSG, or the end of the line, after STRUCTURED-DATA",
            )
        }
    };
    let end = &rest[rest.len()..];
    Ok((
        end,
        Message {
            priority: Some(priority),
            version: Some(version),
            timestamp,
            hostname,
            app_name,
            proc_id,
            msg_id,
            sequence: None,
            structured_data,
            text,
        },
    ))
}

/// VERSION: a non-zero number of up to 3 digits (only `1` exists).
fn version(input: Input<'_>) -> PResult<'_, u32> {
    let (rest, found) = take_while_m_n(1, 3, |byte: u8| byte.is_ascii_digit())(input)
        .or_else(|_: nom::Err<Failure<'_>>| fail(input, "expected VERSION after PRI"))?;
    match found
        .iter()
        .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'))
    {
        0 => fail(input, "VERSION 0 does not exist"),
        value => Ok((rest, value)),
    }
}

/// NILVALUE (`-`) as a whole field: the rest after it.
fn nil(input: Input<'_>) -> Option<Input<'_>> {
    match input {
        [b'-'] => Some(&input[1..]),
        [b'-', b' ', ..] => Some(&input[1..]),
        _ => None,
    }
}

/// HOSTNAME, APP-NAME, PROCID or MSGID: printable US-ASCII up to a space,
/// `None` for NILVALUE.
fn header_field<'a>(input: Input<'a>, reason: &'static str) -> PResult<'a, Option<&'a [u8]>> {
    if let Some(rest) = nil(input) {
        return Ok((rest, None));
    }
    let (rest, field) = take_while1(|byte: u8| byte != b' ')(input)
        .or_else(|_: nom::Err<Failure<'_>>| fail(input, reason))?;
    if let Some(bad) = field.iter().position(|byte| !is_print_us_ascii(*byte)) {
        return fail(
            &input[bad..],
            "byte outside printable US-ASCII in a header field",
        );
    }
    Ok((rest, Some(field)))
}

fn is_print_us_ascii(byte: u8) -> bool {
    (33..=126).contains(&byte)
}

/// STRUCTURED-DATA: NILVALUE or one or more SD-ELEMENTs, as an object of
/// objects keyed by SD-ID.
fn structured_data(input: Input<'_>) -> PResult<'_, Option<Map<String, Value>>> {
    match input.first() {
        Some(b'-') => Ok((&input[1..], None)),
        Some(b'[') => {
            let mut elements = Map::new();
            let mut rest = input;
            while rest.first() == Some(&b'[') {
                rest = sd_element(rest, &mut elements)?.0;
            }
            Ok((rest, Some(elements)))
        }
        _ => fail(input, "expected STRUCTURED-DATA: '[' or '-'"),
    }
}

/// `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]`, added to `elements`.
fn sd_element<'a>(input: Input<'a>, elements: &mut Map<String, Value>) -> PResult<'a, ()> {
    let (rest, ()) = expect_byte(input, b'[', "expected '[' to open SD-ELEMENT")?;
    let (mut rest, id) = sd_name(rest, "expected SD-ID after '['")?;
    let params = elements
        .entry(lossy(id))
        .or_insert_with(|| Value::Object(Map::new()));
    loop {
        match rest.first() {
            Some(b']') => return Ok((&rest[1..], ())),
            Some(b' ') => {
                let after = skip_spaces(rest);
                if after.first() == Some(&b']') {
                    rest = after;
                    continue;
                }
                let (after, (name, value)) = sd_param(after)?;
                add_param(params, lossy(name), value);
                rest = after;
            }
            Some(_) => return fail(rest, "expected ' ' or ']' after SD-ID or SD-PARAM"),
            None => return fail(rest, "SD-ELEMENT not closed, expected ']'"),
        }
    }
}

/// A repeated PARAM-NAME collects its values into an array.
fn add_param(params: &mut Value, name: String, value: String) {
    let Value::Object(params) = params else {
        return;
    };
    match params.get_mut(&name) {
        None => {
            params.insert(name, Value::String(value));
        }
        Some(Value::Array(values)) => values.push(Value::String(value)),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, Value::String(value)]);
        }
    }
}

/// SD-NAME: 1 or more printable US-ASCII bytes other than `=`, `]`, `"`.
fn sd_name<'a>(input: Input<'a>, reason: &'static str) -> PResult<'a, &'a [u8]> {
    take_while1(|byte: u8| is_print_us_ascii(byte) && !matches!(byte, b'=' | b']' | b'"'))(input)
        .or_else(|_: nom::Err<Failure<'_>>| fail(input, reason))
}

/// `PARAM-NAME="PARAM-VALUE"`.
fn sd_param(input: Input<'_>) -> PResult<'_, (&[u8], String)> {
    let (rest, name) = sd_name(input, "expected PARAM-NAME")?;
    let (rest, ()) = expect_byte(rest, b'=', "expected '=' after PARAM-NAME")?;
    let (rest, ()) = expect_byte(rest, b'"', "expected '\"' to open PARAM-VALUE")?;
    let (rest, value) = param_value(rest)?;
    Ok((rest, (name, value)))
}

/// PARAM-VALUE up to its closing quote (consumed), unescaping `\"`, `\\`
/// and `\]`; a backslash before anything else is kept, as RFC 5424 says.
/// Copies once, and only into the output string.
fn param_value(input: Input<'_>) -> PResult<'_, String> {
    let mut unescaped: Option<Vec<u8>> = None;
    let mut chunk_start = 0;
    let mut search_from = 0;
    loop {
        let Some(found) = memchr::memchr2(b'"', b'\\', &input[search_from..]) else {
            return fail(
                &input[input.len()..],
                "PARAM-VALUE not closed, expected '\"'",
            );
        };
        let at = search_from + found;
        if input[at] == b'"' {
            let value = match unescaped {
                None => lossy(&input[..at]),
                Some(mut buffer) => {
                    buffer.extend_from_slice(&input[chunk_start..at]);
                    lossy_vec(buffer)
                }
            };
            return Ok((&input[at + 1..], value));
        }
        match input.get(at + 1) {
            Some(&escaped @ (b'"' | b'\\' | b']')) => {
                let buffer = unescaped.get_or_insert_with(|| Vec::with_capacity(input.len()));
                buffer.extend_from_slice(&input[chunk_start..at]);
                buffer.push(escaped);
                chunk_start = at + 2;
                search_from = at + 2;
            }
            Some(_) => search_from = at + 1,
            None => {
                return fail(
                    &input[input.len()..],
                    "PARAM-VALUE not closed, expected '\"'",
                )
            }
        }
    }
}

// --- RFC 3164 -------------------------------------------------------------------------

fn rfc3164<'a>(
    line: Input<'a>,
    context: &TimeContext,
) -> Result<Message<'a>, nom::Err<Failure<'a>>> {
    let mut message = Message::default();
    let mut rest = line;
    if rest.first() == Some(&b'<') {
        let (after, priority) = pri(rest)?;
        message.priority = Some(priority);
        rest = after;
    }
    if let Some((after, sequence)) = sequence_number(rest) {
        message.sequence = Some(sequence);
        rest = after;
    }
    // Cisco marks a clock that is not (or no longer) synchronised.
    if let Some(after) = rest.strip_prefix(b"*").or_else(|| rest.strip_prefix(b".")) {
        rest = after;
    }
    let (after, stamp) = timestamp_3164(rest, context)?;
    message.timestamp = Some(stamp);
    let after = after.strip_prefix(b":").unwrap_or(after);
    rest = skip_spaces(after);
    if rest.is_empty() {
        return Err(nom::Err::Error(Failure {
            at: rest,
            reason: "line ends after the timestamp",
        }));
    }
    if rest.len() == after.len() {
        return Err(nom::Err::Error(Failure {
            at: rest,
            reason: "expected ' ' after the timestamp",
        }));
    }

    let first = token(rest);
    if !is_tag_like(first) {
        message.hostname = Some(first);
        rest = skip_spaces(&rest[first.len()..]);
        let second = token(rest);
        if let Some(priority) = busybox_level(second) {
            message.priority.get_or_insert(priority);
            rest = skip_spaces(&rest[second.len()..]);
        }
    }
    if let Some((after, tag)) = tag(rest) {
        message.app_name = Some(tag.name);
        message.proc_id = tag.pid;
        rest = after;
    }
    message.text = Some(rest);
    Ok(message)
}

/// `Mmm dd hh:mm:ss` with its year inferred, or RFC 3339.
fn timestamp_3164<'a>(input: Input<'a>, context: &TimeContext) -> PResult<'a, Stamp<'a>> {
    if input.first().is_some_and(u8::is_ascii_digit) {
        return rfc3339_timestamp(input);
    }
    let (rest, written) = bsd_timestamp(input).map_err(|err| {
        err.map(|failure| {
            if failure.at.len() == input.len() {
                Failure {
                    at: input,
                    reason: "expected a timestamp: 'Mmm dd hh:mm:ss' or RFC 3339",
                }
            } else {
                failure
            }
        })
    })?;
    match written.resolve(context.now(), context.zone()) {
        Some(stamp) => Ok((rest, stamp)),
        None => fail(input, "no such date"),
    }
}

/// Cisco's `service sequence-numbers`: `52: ` before the timestamp.
fn sequence_number(input: Input<'_>) -> Option<(Input<'_>, u64)> {
    let count = input
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    if !(1..=19).contains(&count) || input.get(count..count + 2) != Some(b": ") {
        return None;
    }
    let value = input[..count].iter().try_fold(0u64, |value, digit| {
        value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
    })?;
    Some((&input[count + 2..], value))
}

/// Whether the token after the timestamp is a tag rather than a hostname.
fn is_tag_like(token: &[u8]) -> bool {
    token.ends_with(b":") || memchr::memchr(b'[', token).is_some()
}

/// An RFC 3164 tag: the program name and, if written, its pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tag<'a> {
    name: &'a [u8],
    pid: Option<&'a [u8]>,
}

/// The tag and optional pid: `name: `, `name[pid]: `, `name[pid]:msg`,
/// `name[pid] `. Returns the message after it.
fn tag(input: Input<'_>) -> Option<(Input<'_>, Tag<'_>)> {
    let end = memchr::memchr3(b' ', b'[', b':', input).unwrap_or(input.len());
    if end == 0 {
        return None;
    }
    let name = &input[..end];
    // Empty when the name runs to the end of the line.
    let after = &input[(end + 1).min(input.len())..];
    match input.get(end) {
        Some(b':') => match after.first() {
            None => Some((after, Tag { name, pid: None })),
            Some(b' ') => Some((&after[1..], Tag { name, pid: None })),
            Some(_) => None,
        },
        Some(b'[') => {
            let count = after
                .iter()
                .take_while(|byte| byte.is_ascii_digit())
                .count();
            let pid = &after[..count];
            if decimal_pid(pid).is_none() || after.get(count) != Some(&b']') {
                return None;
            }
            let rest = &after[count + 1..];
            let rest = match rest.first() {
                Some(b':') => rest[1..].strip_prefix(b" ").unwrap_or(&rest[1..]),
                Some(b' ') => &rest[1..],
                None => rest,
                Some(_) => return None,
            };
            Some((
                rest,
                Tag {
                    name,
                    pid: Some(pid),
                },
            ))
        }
        _ => None,
    }
}

/// Busybox syslogd's `facility.level` (`daemon.info`, `user.notice`), as a
/// priority.
fn busybox_level(token: &[u8]) -> Option<u8> {
    let dot = memchr::memchr(b'.', token)?;
    let facility: u8 = match &token[..dot] {
        b"kern" => 0,
        b"user" => 1,
        b"mail" => 2,
        b"daemon" => 3,
        b"auth" | b"security" => 4,
        b"syslog" => 5,
        b"lpr" => 6,
        b"news" => 7,
        b"uucp" => 8,
        b"cron" => 9,
        b"authpriv" => 10,
        b"ftp" => 11,
        [b'l', b'o', b'c', b'a', b'l', digit @ b'0'..=b'7'] => 16 + (digit - b'0'),
        _ => return None,
    };
    let severity: u8 = match &token[dot + 1..] {
        b"emerg" | b"panic" => 0,
        b"alert" => 1,
        b"crit" => 2,
        b"err" | b"error" => 3,
        b"warn" | b"warning" => 4,
        b"notice" => 5,
        b"info" => 6,
        b"debug" => 7,
        _ => return None,
    };
    Some(facility * 8 + severity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn offset_of(line: &[u8], err: nom::Err<Failure<'_>>) -> (usize, &'static str) {
        match err {
            nom::Err::Error(failure) | nom::Err::Failure(failure) => {
                (line.len() - failure.at.len(), failure.reason)
            }
            nom::Err::Incomplete(_) => unreachable!(),
        }
    }

    #[test]
    fn pri_range_and_shape() {
        assert_eq!(pri(b"<0>x"), Ok((&b"x"[..], 0)));
        assert_eq!(pri(b"<191>"), Ok((&b""[..], 191)));
        assert_eq!(
            offset_of(b"<192>", pri(b"<192>").unwrap_err()),
            (1, "PRI above 191 (facility 23, severity 7)")
        );
        assert_eq!(
            offset_of(b"<1234>", pri(b"<1234>").unwrap_err()),
            (4, "PRI longer than 3 digits")
        );
        assert_eq!(
            offset_of(b"<x>", pri(b"<x>").unwrap_err()),
            (1, "expected PRI digits after '<'")
        );
        assert_eq!(
            offset_of(b"<13", pri(b"<13").unwrap_err()),
            (3, "expected '>' to close PRI")
        );
    }

    #[test]
    fn detects_rfc5424_by_version() {
        assert!(is_rfc5424(b"<13>1 - - - - - -"));
        assert!(is_rfc5424(b"<191>1 2026"));
        assert!(!is_rfc5424(b"<13>Nov 23 10:29:01 host app: x"));
        assert!(!is_rfc5424(
            b"<189>52: *Nov 23 10:29:01: %SYS-5-CONFIG_I: x"
        ));
        assert!(!is_rfc5424(b"Nov 23 10:29:01 host app: x"));
        assert!(!is_rfc5424(b"<13>"));
    }

    #[test]
    fn version_is_nonzero() {
        assert_eq!(version(b"1 "), Ok((&b" "[..], 1)));
        assert!(version(b"0 ").is_err());
        assert!(version(b"x").is_err());
    }

    #[test]
    fn header_fields_and_nilvalue() {
        assert_eq!(header_field(b"- x", "r"), Ok((&b" x"[..], None)));
        assert_eq!(header_field(b"-", "r"), Ok((&b""[..], None)));
        assert_eq!(
            header_field(b"-x y", "r"),
            Ok((&b" y"[..], Some(&b"-x"[..])))
        );
        assert!(header_field(b" x", "r").is_err());
        assert!(header_field(b"h\x7fst x", "r").is_err());
    }

    #[test]
    fn param_value_unescapes_and_keeps_other_backslashes() {
        assert_eq!(
            param_value(br#"plain" x"#),
            Ok((&b" x"[..], "plain".to_owned()))
        );
        assert_eq!(
            param_value(br#"a\"b\\c\]d\ne"]"#),
            Ok((&b"]"[..], r#"a"b\c]d\ne"#.to_owned()))
        );
        assert!(param_value(br#"open\""#).is_err());
        assert!(param_value(br"open\").is_err());
    }

    #[test]
    fn sd_elements_merge_and_repeat() {
        let (rest, data) = structured_data(br#"[a x="1" x="2"][b][a y="3"] msg"#).unwrap();
        assert_eq!(rest, b" msg");
        let data = Value::Object(data.unwrap());
        assert_eq!(
            data,
            serde_json::json!({"a": {"x": ["1", "2"], "y": "3"}, "b": {}})
        );
        assert_eq!(structured_data(b"- msg"), Ok((&b" msg"[..], None)));
        let line = br#"[a x="1"x="2"]"#;
        assert_eq!(
            offset_of(line, structured_data(line).unwrap_err()),
            (8, "expected ' ' or ']' after SD-ID or SD-PARAM")
        );
        let line = br#"[a x=1]"#;
        assert_eq!(
            offset_of(line, structured_data(line).unwrap_err()),
            (5, "expected '\"' to open PARAM-VALUE")
        );
    }

    #[test]
    fn tags_with_and_without_pid() {
        fn read(input: &[u8]) -> Option<(&str, &str, Option<&str>)> {
            let text = |bytes| std::str::from_utf8(bytes).unwrap();
            tag(input).map(|(rest, tag)| (text(rest), text(tag.name), tag.pid.map(text)))
        }
        assert_eq!(
            read(b"sshd[24200]: msg"),
            Some(("msg", "sshd", Some("24200")))
        );
        assert_eq!(read(b"app[12]:msg"), Some(("msg", "app", Some("12"))));
        assert_eq!(read(b"launchd[1] (x)"), Some(("(x)", "launchd", Some("1"))));
        assert_eq!(
            read(b"kernel:  indented"),
            Some((" indented", "kernel", None))
        );
        assert_eq!(read(b"kernel:"), Some(("", "kernel", None)));
        assert_eq!(
            read(b"sshd(pam_unix)[1]: x"),
            Some(("x", "sshd(pam_unix)", Some("1")))
        );
        assert_eq!(read(b"syslogd 1.4.1: restart."), None);
        assert_eq!(read(b"http://example"), None);
        assert_eq!(read(b"app[main]: x"), None);
        assert_eq!(read(b"[12]: x"), None);
        assert_eq!(read(b"sshd"), None);
        assert_eq!(read(b"sshd[12"), None);
    }

    #[test]
    fn busybox_levels() {
        assert_eq!(busybox_level(b"daemon.info"), Some(30));
        assert_eq!(busybox_level(b"local7.debug"), Some(191));
        assert_eq!(busybox_level(b"user.notice"), Some(13));
        assert_eq!(busybox_level(b"example.com"), None);
        assert_eq!(busybox_level(b"local8.info"), None);
    }

    #[test]
    fn cisco_sequence_numbers() {
        assert_eq!(sequence_number(b"52: *Nov"), Some((&b"*Nov"[..], 52)));
        assert_eq!(sequence_number(b"2026-11-23"), None);
        assert_eq!(sequence_number(b"99999999999999999999: x"), None);
    }

    #[test]
    fn host_or_tag_after_the_timestamp() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let with_host =
            rfc3164(b"Nov 23 10:29:01 web1 app[12]: hi", &TimeContext::new(now)).unwrap();
        assert_eq!(with_host.hostname, Some(&b"web1"[..]));
        assert_eq!(with_host.app_name, Some(&b"app"[..]));
        let without = rfc3164(b"<13>Nov 23 10:29:01 app[12]: hi", &TimeContext::new(now)).unwrap();
        assert_eq!(without.hostname, None);
        assert_eq!(without.proc_id, Some(&b"12"[..]));
        let bare = rfc3164(b"Nov 23 10:29:01 app: hi", &TimeContext::new(now)).unwrap();
        assert_eq!(bare.hostname, None);
        assert_eq!(bare.text, Some(&b"hi"[..]));
    }

    #[test]
    fn rfc3164_times_are_read_in_the_context_zone() {
        let now = Utc.with_ymd_and_hms(2026, 7, 2, 12, 0, 0).unwrap();
        let berlin = crate::TimeZone::from_name("Europe/Berlin").unwrap();
        let line = b"Jul  1 00:30:00 web1 app: hi";
        let utc = parse_rfc3164(line, &TimeContext::new(now)).unwrap();
        assert_eq!(utc["@timestamp"], "2026-07-01T00:30:00Z");
        let zoned = parse_rfc3164(line, &TimeContext::new(now).in_zone(berlin)).unwrap();
        assert_eq!(zoned["@timestamp"], "2026-06-30T22:30:00Z");
        // RFC 5424 carries its own offset; the zone does not touch it.
        let rfc5424 = b"<13>1 2026-07-01T00:30:00+02:00 web1 app - - - hi";
        let zoned = parse_syslog_in(rfc5424, &TimeContext::new(now).in_zone(berlin)).unwrap();
        assert_eq!(zoned["@timestamp"], "2026-06-30T22:30:00Z");
    }

    #[test]
    fn trailing_newlines_are_ignored() {
        assert_eq!(trim_line_end(b"x\r\n"), b"x");
        assert_eq!(trim_line_end(b"\n"), b"");
    }
}
