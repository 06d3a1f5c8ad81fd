//! Multiline joining: framed lines in, events out (stack traces kept whole).
//!
//! Sits between the line framer and batching: every framed line is pushed
//! into a [`MultilineAggregator`], which hands back complete events, the
//! lines of one event joined by `\n`. Pure: no I/O, no clock of its own (the
//! caller passes `now`), so it is tested with explicit instants.
//!
//! # Rules
//!
//! Two patterns decide where an event begins, as in Fluent Bit's multiline
//! parser and Vector's `line_agg`:
//!
//! | patterns        | a line matching `start` | matching `continue` | matching neither |
//! |-----------------|-------------------------|---------------------|------------------|
//! | `start` only    | begins an event         | —                   | is appended      |
//! | `continue` only | —                       | is appended         | begins an event  |
//! | both            | begins an event         | is appended         | begins an event  |
//!
//! With both, `start` is checked first: a line matching both begins an
//! event. "Appended" means "to the pending event"; with nothing pending the
//! line begins one. At least one pattern is required.
//!
//! Limits never drop a line: when appending would make the pending event
//! longer than `max_lines` lines or `max_bytes` bytes, the pending event is
//! emitted as it is and the line begins the next one. A single line longer
//! than `max_bytes` is still emitted whole (the framer caps lines).
//!
//! An event is emitted when the next event begins, when it has had no new
//! line for `flush_after` ([`MultilineAggregator::flush_idle`], also checked
//! at the start of every [`MultilineAggregator::push`]), or at
//! [`MultilineAggregator::finish`]. Its attributes are those of its first
//! line, with `truncated` set if any of its lines was cut.
//!
//! Offsets: every line carries the stream offset of its first byte; an
//! event is reported with the offset of its first line, and
//! [`MultilineAggregator::pending_start`] tells the tailer where a restart
//! must resume so that an unfinished event is read again, not lost.
//!
//! # Presets
//!
//! [`MultilineRules::preset`] knows `java`, `python` and `go` (see
//! [`MultilineRules::PRESETS`]); each is tested below on realistic traces and
//! on plain single-line logs, which it must keep apart. Known limits:
//! - java: an exception message spanning several lines keeps only its first
//!   line in the trace; the others become events of their own.
//! - python: the final `Name: message` line joins only when the exception
//!   name ends in `Error`, `Exception`, `Warning`, `Exit`, `Interrupt`,
//!   `Iteration` or `Group` (PEP 8 names; `psycopg2.errors.UniqueViolation`
//!   stays apart). Any indented line continues, so indented plain output
//!   joins the line before it. A traceback joins the line just before it
//!   (the `logger.exception(...)` message it belongs to), even when that
//!   line is unrelated, unless that line has already been flushed.
//! - go: `runtime: ...` lines printed before `fatal error: ...` are events
//!   of their own.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//!
//! use sluice::inputs::multiline::{MultilineAggregator, MultilineRules};
//! use sluice::pipeline::LineAttrs;
//!
//! let rules = Arc::new(MultilineRules::preset("java").expect("a known preset"));
//! let mut aggregator = MultilineAggregator::new(rules);
//! let mut events = Vec::new();
//! let now = Instant::now();
//! let mut offset = 0;
//! for line in [
//!     "2026-11-23 10:00:00 ERROR order 42 failed",
//!     "java.lang.IllegalStateException: boom",
//!     "\tat com.acme.Orders.place(Orders.java:57)",
//!     "2026-11-23 10:00:01 INFO order 43 placed",
//! ] {
//!     aggregator.push(line.as_bytes(), LineAttrs::default(), offset, now, |event, _, start| {
//!         events.push((String::from_utf8_lossy(event).into_owned(), start));
//!     });
//!     offset += line.len() as u64 + 1;
//! }
//! // The last line is still pending: the tailer must not checkpoint past it.
//! assert_eq!(aggregator.pending_start(), Some(122));
//! aggregator.finish(|event, _, start| {
//!     events.push((String::from_utf8_lossy(event).into_owned(), start));
//! });
//! assert_eq!(events.len(), 2);
//! assert_eq!(events[0].1, 0);
//! assert!(events[0].0.ends_with("(Orders.java:57)"));
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use regex::bytes::{Regex, RegexBuilder};

use crate::pipeline::LineAttrs;

/// Default for the most lines joined into one event.
pub const DEFAULT_MAX_LINES: usize = 500;
/// Default for the most bytes in one joined event (1 MiB).
pub const DEFAULT_MAX_BYTES: usize = 1 << 20;
/// Default idle time after which a pending event is emitted.
pub const DEFAULT_FLUSH_AFTER: Duration = Duration::from_secs(1);

/// Compiled-size cap on a user pattern, so a hostile or careless pattern
/// fails at start-up instead of eating memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Buffer capacity kept after a large event is emitted: one huge trace
/// should not pin a megabyte per tailed file for good.
const RETAINED_CAPACITY: usize = 64 << 10;

/// `continue` for Java (and JVM languages' `printStackTrace` output): frames,
/// elided-frame counts, causes, suppressed exceptions, and a bare exception
/// line such as `java.lang.IllegalStateException: boom` after the log line
/// that reported it. `Exception in thread "main" ...` matches none of these,
/// so it begins an event.
const JAVA_CONTINUE: &str = r"(?x)
    ^\s+at\s
  | ^\s*\.\.\.\ \d+\ (?:more|common\ frames\ omitted)$
  | ^\s*(?:Caused\ by|Suppressed):\s
  | ^[\w$.]+(?:Exception|Error|Throwable)(?::\ .*)?$
";

/// `continue` for Python tracebacks, chained ones included: the traceback
/// header, indented lines (`File ...`, source, carets, exception-group
/// boxes), the two chaining sentences, and the final `SomeError: message`.
const PYTHON_CONTINUE: &str = r"(?x)
    ^\s
  | ^Traceback\ \(most\ recent\ call\ last\):$
  | ^During\ handling\ of\ the\ above\ exception,\ another\ exception\ occurred:$
  | ^The\ above\ exception\ was\ the\ direct\ cause\ of\ the\ following\ exception:$
  | ^(?:[\w.]*Exception|[\w.]+(?:Error|Warning|Exit|Interrupt|Iteration|Group))(?::\ .*)?$
";

/// `start` for Go: a panic, a runtime fatal error, or a signal dump
/// (`SIGQUIT: quit`).
const GO_START: &str = r"^(?:panic: |fatal error: |SIG[A-Z]+: )";

/// `continue` for Go: goroutine headers, function lines
/// (`pkg/path.(*T).Method(...)`, `main.main()`, `panic({...})`), indented
/// file lines, `created by`, the signal line, elided frames, register dumps
/// and `exit status N` from `go run`. Blank lines between goroutines never
/// reach the aggregator (the framer drops them).
const GO_CONTINUE: &str = r"(?x)
    ^\s
  | ^goroutine\ \d+\ .*:$
  | ^[\w\-./~%]*\.\S*\(.*\)$
  | ^panic\(.*\)$
  | ^created\ by\ \S
  | ^\[signal\ \S
  | ^runtime\ stack:$
  | ^\.\.\.(?:additional\ frames\ elided|\d+\ frames\ elided)\.\.\.$
  | ^(?:r\w+|[cfg]s)\s+0x[0-9a-f]+$
  | ^PC=0x
  | ^exit\ status\ \d+$
";

/// Where a new event begins: compiled patterns and limits, shared by the
/// aggregators of every file of one input.
#[derive(Debug)]
pub struct MultilineRules {
    start: Option<Regex>,
    continue_pattern: Option<Regex>,
    max_lines: usize,
    max_bytes: usize,
    flush_after: Duration,
}

impl MultilineRules {
    /// Names accepted by [`MultilineRules::preset`].
    pub const PRESETS: &'static [&'static str] = &["java", "python", "go"];

    /// Compiles the rules. `max_lines` below 1 is taken as 1.
    ///
    /// # Errors
    /// [`MultilineError::NoPattern`] when neither pattern is given;
    /// [`MultilineError::Regex`] when a pattern is invalid or too large.
    pub fn new(
        start: Option<&str>,
        continue_pattern: Option<&str>,
        max_lines: usize,
        max_bytes: usize,
        flush_after: Duration,
    ) -> Result<Self, MultilineError> {
        if start.is_none() && continue_pattern.is_none() {
            return Err(MultilineError::NoPattern);
        }
        Ok(Self {
            start: start.map(|p| compile(p, "start")).transpose()?,
            continue_pattern: continue_pattern
                .map(|p| compile(p, "continue"))
                .transpose()?,
            max_lines: max_lines.max(1),
            max_bytes,
            flush_after,
        })
    }

    /// A built-in rule set ([`MultilineRules::PRESETS`]) with the default
    /// limits; `None` for an unknown name.
    pub fn preset(name: &str) -> Option<Self> {
        let (start, continue_pattern) = match name {
            "java" => (None, Some(JAVA_CONTINUE)),
            "python" => (None, Some(PYTHON_CONTINUE)),
            "go" => (Some(GO_START), Some(GO_CONTINUE)),
            _ => return None,
        };
        // The patterns are constants; a test compiles every preset, so this
        // `ok()` never hides a broken one.
        Self::new(
            start,
            continue_pattern,
            DEFAULT_MAX_LINES,
            DEFAULT_MAX_BYTES,
            DEFAULT_FLUSH_AFTER,
        )
        .ok()
    }

    /// Replaces the limits that are given (e.g. a preset's defaults by the
    /// user's settings). `max_lines` below 1 is taken as 1.
    pub fn with_limits(
        mut self,
        max_lines: Option<usize>,
        max_bytes: Option<usize>,
        flush_after: Option<Duration>,
    ) -> Self {
        if let Some(max_lines) = max_lines {
            self.max_lines = max_lines.max(1);
        }
        if let Some(max_bytes) = max_bytes {
            self.max_bytes = max_bytes;
        }
        if let Some(flush_after) = flush_after {
            self.flush_after = flush_after;
        }
        self
    }

    /// How long a pending event may wait for its next line.
    pub fn flush_after(&self) -> Duration {
        self.flush_after
    }

    /// Whether `line` begins an event or joins the pending one.
    fn placement(&self, line: &[u8]) -> Placement {
        // `start` first: it wins over `continue`, and in the common
        // single-line case it settles the line with one match.
        if let Some(start) = &self.start {
            if start.is_match(line) {
                return Placement::Begin;
            }
        }
        match &self.continue_pattern {
            Some(continue_pattern) if continue_pattern.is_match(line) => Placement::Append,
            Some(_) => Placement::Begin,
            // `start` only: everything else is appended.
            None => Placement::Append,
        }
    }
}

fn compile(pattern: &str, which: &'static str) -> Result<Regex, MultilineError> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|source| MultilineError::Regex { which, source })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    Begin,
    Append,
}

/// Invalid multiline settings.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum MultilineError {
    /// A pattern does not compile (or compiles too large).
    #[error("invalid multiline `{which}` pattern")]
    Regex {
        /// Which pattern: `"start"` or `"continue"`.
        which: &'static str,
        /// The regex crate's error, with its caret under the problem.
        #[source]
        source: regex::Error,
    },
    /// Neither `start` nor `continue` was given.
    #[error("multiline joining needs a `start` or a `continue` pattern")]
    NoPattern,
}

/// Joins the lines of one stream (one file) into events.
#[derive(Debug)]
pub struct MultilineAggregator {
    rules: Arc<MultilineRules>,
    /// Bytes of the pending event; reused, so a stream of single-line
    /// events does not allocate per line.
    buffer: Vec<u8>,
    pending: Option<Pending>,
}

/// The event being joined (its bytes are in the aggregator's buffer).
#[derive(Debug, Clone, Copy)]
struct Pending {
    attrs: LineAttrs,
    start_offset: u64,
    lines: usize,
    last_line_at: Instant,
}

impl MultilineAggregator {
    /// An aggregator with nothing pending.
    pub fn new(rules: Arc<MultilineRules>) -> Self {
        Self {
            rules,
            buffer: Vec::new(),
            pending: None,
        }
    }

    /// Adds one framed line, which starts at stream offset `start_offset`,
    /// received at `now`. Calls `emit(bytes, attrs, start_offset)` for the
    /// pending event when this line begins a new one or would overflow a
    /// limit. Time alone never ends an event here: a line read late (the
    /// reader was held back by a slow sink) was written on time, so only
    /// the reader, once at the end of its input, calls
    /// [`MultilineAggregator::flush_idle`].
    pub fn push(
        &mut self,
        line: &[u8],
        attrs: LineAttrs,
        start_offset: u64,
        now: Instant,
        mut emit: impl FnMut(&[u8], LineAttrs, u64),
    ) {
        let append = self.rules.placement(line) == Placement::Append;
        if let Some(pending) = self.pending.as_mut() {
            let fits = pending.lines < self.rules.max_lines
                && self.buffer.len() + 1 + line.len() <= self.rules.max_bytes;
            if append && fits {
                self.buffer.push(b'\n');
                self.buffer.extend_from_slice(line);
                pending.lines += 1;
                pending.attrs.truncated |= attrs.truncated;
                pending.last_line_at = now;
                return;
            }
        }
        self.emit_pending(&mut emit);
        self.buffer.extend_from_slice(line);
        self.pending = Some(Pending {
            attrs,
            start_offset,
            lines: 1,
            last_line_at: now,
        });
    }

    /// Emits the pending event if it has had no new line for
    /// `flush_after` at `now`.
    pub fn flush_idle(&mut self, now: Instant, mut emit: impl FnMut(&[u8], LineAttrs, u64)) {
        if let Some(pending) = &self.pending {
            if now.saturating_duration_since(pending.last_line_at) >= self.rules.flush_after {
                self.emit_pending(&mut emit);
            }
        }
    }

    /// Emits the pending event, if any, whatever its age (end of stream,
    /// shutdown, file rotated away).
    pub fn finish(&mut self, mut emit: impl FnMut(&[u8], LineAttrs, u64)) {
        self.emit_pending(&mut emit);
    }

    /// Stream offset of the first line of the pending event: where reading
    /// must resume after a restart. `None` when nothing is pending.
    pub fn pending_start(&self) -> Option<u64> {
        self.pending.map(|pending| pending.start_offset)
    }

    /// When [`MultilineAggregator::flush_idle`] will next emit; `None` when
    /// nothing is pending (or the deadline is past what `Instant` can hold).
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending
            .and_then(|pending| pending.last_line_at.checked_add(self.rules.flush_after))
    }

    /// Forgets the pending event without emitting it (the file was
    /// truncated or rewound, and its lines will be read again or are gone).
    pub fn reset(&mut self) {
        self.pending = None;
        self.clear_buffer();
    }

    fn emit_pending(&mut self, emit: &mut impl FnMut(&[u8], LineAttrs, u64)) {
        if let Some(pending) = self.pending.take() {
            emit(&self.buffer, pending.attrs, pending.start_offset);
        }
        self.clear_buffer();
    }

    fn clear_buffer(&mut self) {
        self.buffer.clear();
        if self.buffer.capacity() > RETAINED_CAPACITY {
            self.buffer.shrink_to(RETAINED_CAPACITY);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Stream;

    /// One emitted event, owned.
    #[derive(Debug, Clone, PartialEq)]
    struct Event {
        text: String,
        truncated: bool,
        stream: Option<Stream>,
        start: u64,
    }

    fn record(events: &mut Vec<Event>) -> impl FnMut(&[u8], LineAttrs, u64) + '_ {
        |bytes, attrs, start| {
            events.push(Event {
                text: String::from_utf8_lossy(bytes).into_owned(),
                truncated: attrs.truncated,
                stream: attrs.stream,
                start,
            });
        }
    }

    fn rules(start: Option<&str>, continue_pattern: Option<&str>) -> MultilineRules {
        MultilineRules::new(
            start,
            continue_pattern,
            DEFAULT_MAX_LINES,
            DEFAULT_MAX_BYTES,
            DEFAULT_FLUSH_AFTER,
        )
        .expect("test patterns compile")
    }

    /// Pushes `lines` at one instant with offsets as a file would have
    /// them (each line plus its newline), then finishes.
    fn join_events(rules: MultilineRules, lines: &[&str]) -> Vec<Event> {
        let mut aggregator = MultilineAggregator::new(Arc::new(rules));
        let mut events = Vec::new();
        let now = Instant::now();
        let mut offset = 0;
        for line in lines {
            aggregator.push(
                line.as_bytes(),
                LineAttrs::default(),
                offset,
                now,
                record(&mut events),
            );
            offset += line.len() as u64 + 1;
        }
        aggregator.finish(record(&mut events));
        assert_eq!(aggregator.pending_start(), None);
        events
    }

    fn join(rules: MultilineRules, lines: &[&str]) -> Vec<String> {
        join_events(rules, lines)
            .into_iter()
            .map(|event| event.text)
            .collect()
    }

    fn preset(name: &str) -> MultilineRules {
        MultilineRules::preset(name).expect("a built-in preset")
    }

    fn lines(text: &str) -> Vec<&str> {
        // As the framer hands them over: blank lines dropped.
        text.lines().filter(|line| !line.is_empty()).collect()
    }

    #[test]
    fn start_only_appends_every_other_line() {
        let events = join(
            rules(Some(r"^\d{4}-"), None),
            &[
                "2026-01-01 a",
                "  more",
                "more still",
                "2026-01-01 b",
                "2026-01-01 c",
                "x",
            ],
        );
        assert_eq!(
            events,
            [
                "2026-01-01 a\n  more\nmore still",
                "2026-01-01 b",
                "2026-01-01 c\nx"
            ]
        );
    }

    #[test]
    fn start_only_lines_before_the_first_start_form_an_event() {
        let events = join(
            rules(Some(r"^\d{4}-"), None),
            &["orphan", "tail", "2026-01-01 a"],
        );
        assert_eq!(events, ["orphan\ntail", "2026-01-01 a"]);
    }

    #[test]
    fn continue_only_begins_on_every_other_line() {
        let events = join(
            rules(None, Some(r"^\s")),
            &[
                "  leading",
                "  joins leading",
                "a",
                "  a1",
                "  a2",
                "b",
                "c",
                "  c1",
            ],
        );
        assert_eq!(
            events,
            [
                "  leading\n  joins leading",
                "a\n  a1\n  a2",
                "b",
                "c\n  c1"
            ]
        );
    }

    #[test]
    fn with_both_patterns_start_wins_and_unmatched_lines_begin() {
        // `+ ...` matches both patterns: start is checked first.
        let events = join(
            rules(Some(r"^\+"), Some(r"^[\s+]")),
            &["+ one", "  one.1", "+ two", "plain", "  plain.1", "+ three"],
        );
        assert_eq!(
            events,
            ["+ one\n  one.1", "+ two", "plain\n  plain.1", "+ three"]
        );
    }

    #[test]
    fn with_both_patterns_a_leading_continuation_begins_an_event() {
        let events = join(
            rules(Some(r"^\+"), Some(r"^\s")),
            &["  early", "  later", "+ x"],
        );
        assert_eq!(events, ["  early\n  later", "+ x"]);
    }

    #[test]
    fn at_least_one_pattern_is_required() {
        let err = MultilineRules::new(None, None, 10, 100, DEFAULT_FLUSH_AFTER).unwrap_err();
        assert!(matches!(err, MultilineError::NoPattern), "{err:?}");
    }

    #[test]
    fn invalid_patterns_say_which() {
        let err =
            MultilineRules::new(Some("("), Some("ok"), 10, 100, DEFAULT_FLUSH_AFTER).unwrap_err();
        assert!(
            matches!(err, MultilineError::Regex { which: "start", .. }),
            "{err:?}"
        );
        let err = MultilineRules::new(Some("ok"), Some("[z-a]"), 10, 100, DEFAULT_FLUSH_AFTER)
            .unwrap_err();
        assert!(
            matches!(
                err,
                MultilineError::Regex {
                    which: "continue",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "invalid multiline `continue` pattern");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn oversized_patterns_are_refused() {
        let err = MultilineRules::new(Some(r"\w{1000}{1000}"), None, 10, 100, DEFAULT_FLUSH_AFTER)
            .unwrap_err();
        assert!(
            matches!(err, MultilineError::Regex { which: "start", .. }),
            "{err:?}"
        );
    }

    #[test]
    fn max_lines_splits_without_dropping() {
        let rules = rules(None, Some(r"^\s")).with_limits(Some(3), None, None);
        let events = join(rules, &["a", " 1", " 2", " 3", " 4", " 5", " 6", " 7", "b"]);
        assert_eq!(events, ["a\n 1\n 2", " 3\n 4\n 5", " 6\n 7", "b"]);
    }

    #[test]
    fn zero_max_lines_means_one_line_per_event() {
        let rules = rules(None, Some(r"^\s")).with_limits(Some(0), None, None);
        assert_eq!(join(rules, &["a", " 1"]), ["a", " 1"]);
    }

    #[test]
    fn max_bytes_splits_without_dropping() {
        // "a\n 1\n 2" is 7 bytes; adding "\n 3" would make 10.
        let rules = rules(None, Some(r"^\s")).with_limits(None, Some(9), None);
        let events = join(rules, &["a", " 1", " 2", " 3", " 4"]);
        assert_eq!(events, ["a\n 1\n 2", " 3\n 4"]);
        // Exactly at the limit still fits.
        let rules = self::rules(None, Some(r"^\s")).with_limits(None, Some(7), None);
        assert_eq!(join(rules, &["a", " 1", " 2", " 3"]), ["a\n 1\n 2", " 3"]);
    }

    #[test]
    fn a_line_over_max_bytes_is_emitted_whole() {
        let long = format!(" {}", "x".repeat(50));
        let rules = rules(None, Some(r"^\s")).with_limits(None, Some(10), None);
        let events = join(rules, &["a", &long, " 1", "b"]);
        assert_eq!(
            events,
            [
                "a".to_owned(),
                long.clone(),
                " 1".to_owned(),
                "b".to_owned()
            ]
        );
    }

    #[test]
    fn an_idle_event_is_flushed_after_the_timeout() {
        let rules = rules(None, Some(r"^\s")).with_limits(None, None, Some(Duration::from_secs(2)));
        assert_eq!(rules.flush_after(), Duration::from_secs(2));
        let mut aggregator = MultilineAggregator::new(Arc::new(rules));
        let mut events = Vec::new();
        let t0 = Instant::now();
        let secs = Duration::from_secs;

        assert_eq!(aggregator.next_deadline(), None);
        aggregator.push(b"a", LineAttrs::default(), 0, t0, record(&mut events));
        assert_eq!(aggregator.next_deadline(), Some(t0 + secs(2)));
        aggregator.push(
            b" 1",
            LineAttrs::default(),
            2,
            t0 + secs(1),
            record(&mut events),
        );
        // Idle time counts from the last line, not the first.
        assert_eq!(aggregator.next_deadline(), Some(t0 + secs(3)));
        aggregator.flush_idle(t0 + secs(2), record(&mut events));
        assert!(events.is_empty());
        // An instant earlier than the last line does not underflow.
        aggregator.flush_idle(t0, record(&mut events));
        assert!(events.is_empty());
        aggregator.flush_idle(t0 + secs(3), record(&mut events));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].text, "a\n 1");
        assert_eq!(aggregator.pending_start(), None);
        assert_eq!(aggregator.next_deadline(), None);

        // A continuation arriving after the timeout begins a new event.
        aggregator.flush_idle(t0 + secs(10), record(&mut events));
        assert_eq!(events.len(), 1);
        aggregator.push(
            b" 2",
            LineAttrs::default(),
            5,
            t0 + secs(10),
            record(&mut events),
        );
        assert_eq!(aggregator.pending_start(), Some(5));
    }

    #[test]
    fn a_continuation_read_late_still_joins() {
        // Backpressure held the reader back: the line was in the file on
        // time, so the event stays whole.
        let mut aggregator = MultilineAggregator::new(Arc::new(rules(None, Some(r"^\s"))));
        let mut events = Vec::new();
        let t0 = Instant::now();
        aggregator.push(b"a", LineAttrs::default(), 0, t0, record(&mut events));
        let late = t0 + DEFAULT_FLUSH_AFTER * 3;
        aggregator.push(b" 1", LineAttrs::default(), 2, late, record(&mut events));
        assert!(events.is_empty());
        aggregator.finish(record(&mut events));
        assert_eq!(events[0].text, "a\n 1");
    }

    #[test]
    fn pending_start_is_the_first_line_of_the_unfinished_event() {
        let mut aggregator = MultilineAggregator::new(Arc::new(rules(None, Some(r"^\s"))));
        let mut events = Vec::new();
        let now = Instant::now();
        assert_eq!(aggregator.pending_start(), None);
        aggregator.push(b"a", LineAttrs::default(), 100, now, record(&mut events));
        assert_eq!(aggregator.pending_start(), Some(100));
        aggregator.push(b" 1", LineAttrs::default(), 102, now, record(&mut events));
        assert_eq!(aggregator.pending_start(), Some(100));
        aggregator.push(b"b", LineAttrs::default(), 105, now, record(&mut events));
        assert_eq!(aggregator.pending_start(), Some(105));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].start, 100);
        aggregator.finish(record(&mut events));
        assert_eq!(events[1].start, 105);
        assert_eq!(aggregator.pending_start(), None);
    }

    #[test]
    fn event_attrs_are_the_first_lines_with_truncated_ored() {
        let mut aggregator = MultilineAggregator::new(Arc::new(rules(None, Some(r"^\s"))));
        let mut events = Vec::new();
        let now = Instant::now();
        let first = LineAttrs {
            stream: Some(Stream::Stderr),
            ..LineAttrs::default()
        };
        let cut = LineAttrs {
            truncated: true,
            stream: Some(Stream::Stdout),
            ..LineAttrs::default()
        };
        aggregator.push(b"a", first, 0, now, record(&mut events));
        aggregator.push(b" 1", cut, 2, now, record(&mut events));
        aggregator.push(b" 2", LineAttrs::default(), 5, now, record(&mut events));
        aggregator.push(b"b", LineAttrs::default(), 8, now, record(&mut events));
        aggregator.finish(record(&mut events));
        assert_eq!(
            events,
            [
                Event {
                    text: "a\n 1\n 2".into(),
                    truncated: true,
                    stream: Some(Stream::Stderr),
                    start: 0,
                },
                Event {
                    text: "b".into(),
                    truncated: false,
                    stream: None,
                    start: 8,
                },
            ]
        );
    }

    #[test]
    fn reset_forgets_the_pending_event() {
        let mut aggregator = MultilineAggregator::new(Arc::new(rules(None, Some(r"^\s"))));
        let mut events = Vec::new();
        let now = Instant::now();
        aggregator.push(b"a", LineAttrs::default(), 40, now, record(&mut events));
        aggregator.push(b" 1", LineAttrs::default(), 42, now, record(&mut events));
        aggregator.reset();
        assert_eq!(aggregator.pending_start(), None);
        assert_eq!(aggregator.next_deadline(), None);
        // A continuation after the reset does not join the forgotten lines.
        aggregator.push(b" 2", LineAttrs::default(), 0, now, record(&mut events));
        aggregator.finish(record(&mut events));
        aggregator.finish(record(&mut events));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].text, " 2");
        assert_eq!(events[0].start, 0);
    }

    #[test]
    fn single_line_events_reuse_the_buffer() {
        let mut aggregator = MultilineAggregator::new(Arc::new(rules(None, Some(r"^\s"))));
        let now = Instant::now();
        let mut count = 0;
        aggregator.push(b"warm-up line", LineAttrs::default(), 0, now, |_, _, _| {});
        let buffer = aggregator.buffer.as_ptr();
        for offset in 1..1000 {
            aggregator.push(
                b"plain line",
                LineAttrs::default(),
                offset,
                now,
                |_, _, _| {
                    count += 1;
                },
            );
        }
        assert_eq!(count, 999);
        assert_eq!(aggregator.buffer.as_ptr(), buffer);
    }

    #[test]
    fn a_huge_event_does_not_pin_its_buffer() {
        let mut aggregator = MultilineAggregator::new(Arc::new(rules(None, Some(r"^\s"))));
        let now = Instant::now();
        let frame = format!(" {}", "x".repeat(1000));
        aggregator.push(b"a", LineAttrs::default(), 0, now, |_, _, _| {});
        for _ in 0..200 {
            aggregator.push(frame.as_bytes(), LineAttrs::default(), 0, now, |_, _, _| {});
        }
        aggregator.finish(|_, _, _| {});
        assert!(aggregator.buffer.capacity() <= RETAINED_CAPACITY);
    }

    #[test]
    fn rules_are_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<MultilineRules>();
        fn assert_send<T: Send>() {}
        assert_send::<MultilineAggregator>();
    }

    #[test]
    fn every_preset_compiles_and_unknown_names_are_none() {
        for name in MultilineRules::PRESETS {
            let rules = MultilineRules::preset(name);
            assert!(rules.is_some(), "preset {name} does not compile");
        }
        assert!(MultilineRules::preset("cobol").is_none());
    }

    #[test]
    fn preset_limits_can_be_overridden() {
        let rules = preset("java").with_limits(Some(2), None, Some(Duration::from_millis(50)));
        assert_eq!(rules.flush_after(), Duration::from_millis(50));
        let events = join(rules, &["log", "java.lang.Error", "\tat a.B.c(B.java:1)"]);
        assert_eq!(events, ["log\njava.lang.Error", "\tat a.B.c(B.java:1)"]);
        assert_eq!(preset("go").flush_after(), DEFAULT_FLUSH_AFTER);
    }

    const PLAIN: [&str; 3] = [
        "2026-11-23 10:00:00 INFO starting worker pool size=4",
        "2026-11-23 10:00:00 WARN cache miss ratio 0.42 (threshold 0.30)",
        "2026-11-23 10:00:01 ERROR upstream returned 502: Bad Gateway",
    ];

    #[test]
    fn presets_keep_plain_lines_apart() {
        let more_plain = [
            "2026/11/23 10:00:00 listening on :8080",
            "10.0.0.7 - - [23/Nov/2026:10:00:00 +0000] \"GET /health HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.29\"",
            "INFO: Started server process [12]",
            "level=info ts=2026-11-23T10:00:00Z caller=main.go:42 msg=\"ready (pid 7)\"",
            "main.go:12: starting (pid 1)",
            "Error: something went wrong",
            "{\"level\":\"error\",\"msg\":\"panic: not really\"}",
        ];
        for name in MultilineRules::PRESETS {
            assert_eq!(join(preset(name), &PLAIN), PLAIN, "preset {name}");
            assert_eq!(join(preset(name), &more_plain), more_plain, "preset {name}");
        }
    }

    const JAVA_TRACE: &str = "\
2026-11-23 10:00:00.123 ERROR [http-nio-8080-exec-3] c.a.OrderService - order 42 failed
java.lang.IllegalStateException: boom
\tat com.acme.orders.OrderService.place(OrderService.java:57)
\tat com.acme.orders.OrderController.post(OrderController.java:31)
\tat java.base/java.lang.Thread.run(Thread.java:1583)
\tSuppressed: java.io.IOException: close failed
\t\tat com.acme.db.Db.close(Db.java:12)
\t\t... 3 more
Caused by: java.sql.SQLException: connection reset
\tat com.acme.db.Db.query(Db.java:88)
\tat com.acme.orders.OrderService.place(OrderService.java:55)
\t... 3 more
Caused by: java.net.SocketException: Connection reset
\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:318)
\tat org.postgresql.core.PGStream.receive(PGStream.java:467)
\t... 12 common frames omitted
2026-11-23 10:00:01.000 INFO  [http-nio-8080-exec-4] c.a.OrderService - order 43 placed
Exception in thread \"main\" java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"s\" is null
\tat com.acme.Main.main(Main.java:5)
2026-11-23 10:00:02.000 INFO  [main] c.a.Main - bye
";

    #[test]
    fn java_preset_joins_causes_and_elided_frames() {
        let input = lines(JAVA_TRACE);
        let events = join(preset("java"), &input);
        assert_eq!(events.len(), 4, "{events:#?}");
        assert_eq!(events[0], input[..16].join("\n"));
        assert_eq!(events[1], input[16]);
        assert_eq!(events[2], input[17..19].join("\n"));
        assert_eq!(events[3], input[19]);
    }

    #[test]
    fn java_preset_offsets_point_at_each_events_first_line() {
        let input = lines(JAVA_TRACE);
        let events = join_events(preset("java"), &input);
        let offset_of =
            |line: usize| -> u64 { input[..line].iter().map(|l| l.len() as u64 + 1).sum() };
        let starts: Vec<u64> = events.iter().map(|event| event.start).collect();
        assert_eq!(starts, [0, offset_of(16), offset_of(17), offset_of(19)]);
    }

    const PYTHON_TRACE: &str = "\
2026-11-23 10:00:00,123 ERROR app.views: request failed
Traceback (most recent call last):
  File \"/srv/app/db.py\", line 10, in fetch
    return conn.execute(sql)
           ^^^^^^^^^^^^^^^^^
ConnectionResetError: [Errno 104] Connection reset by peer

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File \"/srv/app/views.py\", line 22, in handler
    rows = fetch(query)
  File \"/srv/app/db.py\", line 12, in fetch
    raise DatabaseError(\"query failed\")
app.db.DatabaseError: query failed

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File \"/srv/app/main.py\", line 5, in <module>
    handler()
  File \"/srv/app/views.py\", line 24, in handler
    raise RuntimeError(\"request failed\") from exc
RuntimeError: request failed
2026-11-23 10:00:01,000 INFO app.views: next request
2026-11-23 10:00:01,500 INFO app.views: done
";

    #[test]
    fn python_preset_joins_chained_tracebacks() {
        let input = lines(PYTHON_TRACE);
        let events = join(preset("python"), &input);
        assert_eq!(events.len(), 3, "{events:#?}");
        assert_eq!(events[0], input[..20].join("\n"));
        assert!(events[0].ends_with("RuntimeError: request failed"));
        assert_eq!(events[1], input[20]);
        assert_eq!(events[2], input[21]);
    }

    #[test]
    fn python_preset_joins_uncaught_tracebacks_with_bare_exception_names() {
        let uncaught = [
            "Traceback (most recent call last):",
            "  File \"/srv/app/main.py\", line 3, in <module>",
            "    raise Exception(\"boom\")",
            "Exception: boom",
        ];
        assert_eq!(join(preset("python"), &uncaught), [uncaught.join("\n")]);
        let interrupted = [
            "Traceback (most recent call last):",
            "  File \"/srv/app/worker.py\", line 40, in loop",
            "    time.sleep(1)",
            "KeyboardInterrupt",
            "2026-11-23 10:00:00,000 INFO app: shutting down",
        ];
        let events = join(preset("python"), &interrupted);
        assert_eq!(
            events,
            [interrupted[..4].join("\n"), interrupted[4].to_owned()]
        );
    }

    const GO_TRACE: &str = "\
2026/11/23 10:00:00 listening on :8080
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f1a2]

goroutine 1 [running]:
main.(*Server).handle(0x0, {0x4c5e20, 0xc000012345})
\t/src/app/server.go:42 +0x22
panic({0x4a0b80?, 0x5b3c50?})
\t/usr/local/go/src/runtime/panic.go:770 +0x132
main.main()
\t/src/app/main.go:17 +0x5d

goroutine 18 [chan receive, 2 minutes]:
github.com/acme/app/worker.(*Pool).run(0xc0000a2000)
\t/src/app/worker/pool.go:88 +0x45
created by github.com/acme/app/worker.New in goroutine 1
\t/src/app/worker/pool.go:40 +0x7b
exit status 2
2026/11/23 10:00:05 listening on :8080
fatal error: all goroutines are asleep - deadlock!

goroutine 1 [chan receive]:
main.main()
\t/src/app/main.go:9 +0x2d
2026/11/23 10:00:06 bye
";

    #[test]
    fn go_preset_joins_a_panic_across_goroutines() {
        let input = lines(GO_TRACE);
        let events = join(preset("go"), &input);
        assert_eq!(events.len(), 5, "{events:#?}");
        assert_eq!(events[0], input[0]);
        assert_eq!(events[1], input[1..16].join("\n"));
        assert!(events[1].contains("goroutine 18 [chan receive, 2 minutes]:"));
        assert_eq!(events[2], input[16]);
        assert_eq!(events[3], input[17..21].join("\n"));
        assert_eq!(events[4], input[21]);
    }
}
