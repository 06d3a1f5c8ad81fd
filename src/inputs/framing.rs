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
#[derive(Debug)]
pub struct LineFramer {
    max_line_bytes: usize,
    /// Kept head of the current, unfinished line (at most the cap).
    partial: Vec<u8>,
    /// Bytes of the unfinished line seen so far, kept or cut.
    partial_len: usize,
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
            partial_len: 0,
            offset,
        }
    }

    /// Hands every complete line in `data` to `emit`. Blank lines are
    /// skipped; a trailing `\r` is removed.
    pub fn push(&mut self, data: &[u8], mut emit: impl FnMut(FramedLine<'_>)) {
        let mut rest = data;
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            let piece = &rest[..newline];
            if self.partial_len == 0 && piece.len() <= self.max_line_bytes {
                emit_line(piece, false, self.offset, &mut emit);
            } else {
                let start = self.resume_offset();
                self.keep(piece);
                let truncated = self.partial_len > self.max_line_bytes;
                emit_line(&self.partial, truncated, start, &mut emit);
                self.partial.clear();
                self.partial_len = 0;
            }
            let consumed = newline + 1;
            self.offset += consumed as u64;
            rest = &rest[consumed..];
        }
        self.keep(rest);
        self.offset += rest.len() as u64;
    }

    /// End of stream: the unfinished line, if any, becomes a line.
    pub fn finish(&mut self, mut emit: impl FnMut(FramedLine<'_>)) {
        if self.partial_len > 0 {
            let truncated = self.partial_len > self.max_line_bytes;
            emit_line(&self.partial, truncated, self.resume_offset(), &mut emit);
            self.partial.clear();
            self.partial_len = 0;
        }
    }

    /// Offset of the first byte not yet part of an emitted line: where a
    /// restart must resume.
    pub fn resume_offset(&self) -> u64 {
        self.offset - self.partial_len as u64
    }

    /// Bytes read but not yet part of an emitted line.
    pub fn pending_bytes(&self) -> usize {
        self.partial_len
    }

    /// Forgets the unfinished line; the next byte pushed is at `offset`
    /// (a truncated file, or a rewind).
    pub fn reset(&mut self, offset: u64) {
        self.partial.clear();
        self.partial_len = 0;
        self.offset = offset;
    }

    fn keep(&mut self, piece: &[u8]) {
        let room = self.max_line_bytes.saturating_sub(self.partial.len());
        self.partial
            .extend_from_slice(&piece[..piece.len().min(room)]);
        self.partial_len += piece.len();
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
        collect(&mut framer, b"abcdefgh", &mut out);
        assert_eq!(framer.pending_bytes(), 8);
        collect(&mut framer, b"ij\nok\n", &mut out);
        assert_eq!(out, [("abcd".into(), true, 0), ("ok".into(), false, 11)]);
        assert_eq!(framer.pending_bytes(), 0);
        assert_eq!(framer.resume_offset(), 14);
    }
}
