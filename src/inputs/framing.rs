//! Line framing: bytes in, complete lines out, with a length cap that cuts a
//! line (flagged) rather than dropping it. Separate from parsing on purpose.
//!
//! The framer knows the stream offset of every line it emits, so a layer
//! above (multiline, container partial lines) can tell the tailer where a
//! restart must resume: at the start of whatever is still unfinished.

use crate::pipeline::LineAttrs;

/// One complete line.
#[derive(Debug, Clone, Copy)]
pub struct FramedLine<'a> {
    /// Its bytes, without the newline (and without a trailing `\r`).
    pub bytes: &'a [u8],
    /// Cut at the length cap.
    pub truncated: bool,
    /// Stream offset of its first byte.
    pub start_offset: u64,
}

impl FramedLine<'_> {
    /// Attributes of this line as a plain log line.
    pub fn attrs(&self) -> LineAttrs {
        LineAttrs::plain(self.truncated)
    }
}

/// Splits a byte stream into lines.
///
/// A line longer than the cap is emitted as soon as the cap is reached (its
/// head, flagged) and the rest of it is skipped up to the next newline: a
/// binary file or a runaway line neither grows memory nor stalls the input.
#[derive(Debug)]
pub struct LineFramer {
    max_line_bytes: usize,
    /// Head of the current, unfinished line (below the cap).
    partial: Vec<u8>,
    /// Stream offset of the first byte of `partial`.
    partial_start: u64,
    /// Skipping the rest of a line that was cut.
    skipping: bool,
    /// Stream offset just past the last byte pushed.
    offset: u64,
}

impl LineFramer {
    /// A framer cutting lines at `max_line_bytes`, for a stream whose next
    /// byte is at `offset`.
    pub fn new(max_line_bytes: usize, offset: u64) -> Self {
        Self {
            max_line_bytes: max_line_bytes.max(1),
            partial: Vec::new(),
            partial_start: offset,
            skipping: false,
            offset,
        }
    }

    /// Hands every complete line in `data` to `emit`. Blank lines are
    /// skipped; a trailing `\r` is removed.
    pub fn push(&mut self, data: &[u8], mut emit: impl FnMut(FramedLine<'_>)) {
        let mut rest = data;
        loop {
            let newline = memchr::memchr(b'\n', rest);
            let piece = &rest[..newline.unwrap_or(rest.len())];
            if self.skipping {
                self.skipping = newline.is_none();
            } else if self.partial.is_empty()
                && newline.is_some()
                && piece.len() <= self.max_line_bytes
            {
                emit_line(piece, false, self.offset, &mut emit);
            } else if !piece.is_empty() || newline.is_some() {
                if self.partial.is_empty() {
                    self.partial_start = self.offset;
                }
                let room = self.max_line_bytes - self.partial.len();
                if piece.len() > room {
                    self.partial.extend_from_slice(&piece[..room]);
                    emit_line(&self.partial, true, self.partial_start, &mut emit);
                    self.partial.clear();
                    // `partial_start` stays: the cut line's start.
                    self.skipping = newline.is_none();
                } else {
                    self.partial.extend_from_slice(piece);
                    if newline.is_some() {
                        emit_line(&self.partial, false, self.partial_start, &mut emit);
                        self.partial.clear();
                    }
                }
            }
            match newline {
                Some(newline) => {
                    self.offset += newline as u64 + 1;
                    rest = &rest[newline + 1..];
                }
                None => {
                    self.offset += rest.len() as u64;
                    return;
                }
            }
        }
    }

    /// End of stream: the unfinished line, if any, becomes a line.
    pub fn finish(&mut self, mut emit: impl FnMut(FramedLine<'_>)) {
        if !self.partial.is_empty() {
            emit_line(&self.partial, false, self.partial_start, &mut emit);
            self.partial.clear();
        }
        self.skipping = false;
    }

    /// Offset of the first byte not yet part of an emitted line: where a
    /// restart must resume. Inside a cut line that is the line's start: its
    /// head is emitted once more after a restart (a duplicate), rather than
    /// its tail coming out as a line of its own.
    pub fn resume_offset(&self) -> u64 {
        if self.partial.is_empty() && !self.skipping {
            self.offset
        } else {
            self.partial_start
        }
    }

    /// Bytes of the unfinished line kept in memory.
    pub fn pending_bytes(&self) -> usize {
        self.partial.len()
    }

    /// Forgets the unfinished line; the next byte pushed is at `offset`
    /// (a truncated file, or a rewind).
    pub fn reset(&mut self, offset: u64) {
        self.partial.clear();
        self.skipping = false;
        self.offset = offset;
    }
}

fn emit_line(
    line: &[u8],
    truncated: bool,
    start_offset: u64,
    emit: &mut impl FnMut(FramedLine<'_>),
) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !line.is_empty() {
        emit(FramedLine {
            bytes: line,
            truncated,
            start_offset,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(framer: &mut LineFramer, data: &[u8], out: &mut Vec<(String, bool, u64)>) {
        framer.push(data, |line| {
            out.push((
                String::from_utf8_lossy(line.bytes).into_owned(),
                line.truncated,
                line.start_offset,
            ))
        });
    }

    #[test]
    fn splits_across_pushes_and_keeps_the_tail_pending() {
        let mut framer = LineFramer::new(100, 10);
        let mut out = Vec::new();
        collect(&mut framer, b"one\r\ntw", &mut out);
        assert_eq!(framer.pending_bytes(), 2);
        assert_eq!(framer.resume_offset(), 15);
        collect(&mut framer, b"o\n\nthr", &mut out);
        assert_eq!(out, [("one".into(), false, 10), ("two".into(), false, 15)]);
        assert_eq!(framer.pending_bytes(), 3);
        assert_eq!(framer.resume_offset(), 20);
        framer.finish(|line| {
            out.push((
                String::from_utf8_lossy(line.bytes).into(),
                false,
                line.start_offset,
            ))
        });
        assert_eq!(out[2], ("thr".into(), false, 20));
        assert_eq!(framer.resume_offset(), 23);
    }

    #[test]
    fn long_lines_are_cut_and_flagged_not_dropped() {
        let mut framer = LineFramer::new(4, 0);
        let mut out = Vec::new();
        collect(&mut framer, b"ab", &mut out);
        assert_eq!(framer.pending_bytes(), 2);
        collect(&mut framer, b"cdefgh", &mut out);
        // Emitted at the cap, without waiting for the newline.
        assert_eq!(out, [("abcd".into(), true, 0)]);
        assert_eq!(framer.pending_bytes(), 0);
        assert_eq!(
            framer.resume_offset(),
            0,
            "inside the cut line: resume at its start"
        );
        collect(&mut framer, b"ij\nok\n", &mut out);
        assert_eq!(out, [("abcd".into(), true, 0), ("ok".into(), false, 11)]);
        assert_eq!(framer.resume_offset(), 14);
    }

    #[test]
    fn a_binary_stream_without_newlines_keeps_flowing_in_bounded_memory() {
        let mut framer = LineFramer::new(1024, 0);
        let mut out = Vec::new();
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..64 {
            let chunk: Vec<u8> = (0..4096).map(|_| rng.u8(..).max(1) & 0xF7).collect();
            collect(&mut framer, &chunk, &mut out);
            assert!(framer.pending_bytes() <= 1024);
        }
        assert!(!out.is_empty() && out.iter().all(|(_, truncated, _)| *truncated));
    }

    #[test]
    fn resuming_inside_a_cut_line_does_not_emit_its_tail_as_an_event() {
        let mut framer = LineFramer::new(4, 0);
        framer.push(b"abcdefgh", |_| {});
        let resume = framer.resume_offset();
        let mut after_restart = LineFramer::new(4, resume);
        let mut events = Vec::new();
        after_restart.push(b"abcdefghij\nok\n", |line| {
            events.push((
                String::from_utf8_lossy(line.bytes).into_owned(),
                line.truncated,
            ))
        });
        assert_eq!(
            events,
            [("abcd".to_owned(), true), ("ok".to_owned(), false)]
        );
    }
}
