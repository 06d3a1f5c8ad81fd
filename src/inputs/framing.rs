//! Line framing: bytes in, complete lines out, with a length cap that cuts a
//! line (flagged) rather than dropping it. Separate from parsing on purpose.

use crate::pipeline::Lines;

/// Splits a byte stream into lines.
#[derive(Debug)]
pub struct LineFramer {
    max_line_bytes: usize,
    /// Kept head of the current, unfinished line (at most the cap).
    partial: Vec<u8>,
    /// Bytes of the unfinished line seen so far, kept or cut.
    partial_len: usize,
}

impl LineFramer {
    /// A framer cutting lines at `max_line_bytes`.
    pub fn new(max_line_bytes: usize) -> Self {
        Self {
            max_line_bytes: max_line_bytes.max(1),
            partial: Vec::new(),
            partial_len: 0,
        }
    }

    /// Appends every complete line in `data` to `out`. Blank lines are
    /// skipped; a trailing `\r` is removed.
    pub fn push(&mut self, data: &[u8], out: &mut Lines) {
        let mut rest = data;
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            let piece = &rest[..newline];
            if self.partial_len == 0 && piece.len() <= self.max_line_bytes {
                emit(piece, false, out);
            } else {
                self.keep(piece);
                self.emit_partial(out);
            }
            rest = &rest[newline + 1..];
        }
        self.keep(rest);
    }

    /// End of stream: the unfinished line, if any, becomes a line.
    pub fn finish(&mut self, out: &mut Lines) {
        if self.partial_len > 0 {
            self.emit_partial(out);
        }
    }

    /// Bytes read but not yet part of an emitted line: a checkpoint must
    /// stop before them.
    pub fn pending_bytes(&self) -> usize {
        self.partial_len
    }

    /// Forgets the unfinished line (the file was truncated).
    pub fn reset(&mut self) {
        self.partial.clear();
        self.partial_len = 0;
    }

    fn keep(&mut self, piece: &[u8]) {
        let room = self.max_line_bytes.saturating_sub(self.partial.len());
        self.partial
            .extend_from_slice(&piece[..piece.len().min(room)]);
        self.partial_len += piece.len();
    }

    fn emit_partial(&mut self, out: &mut Lines) {
        let truncated = self.partial_len > self.max_line_bytes;
        emit(&self.partial, truncated, out);
        self.reset();
    }
}

fn emit(line: &[u8], truncated: bool, out: &mut Lines) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !line.is_empty() {
        out.push(line, truncated);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(out: &Lines) -> Vec<(String, bool)> {
        out.iter()
            .map(|(line, truncated)| (String::from_utf8_lossy(line).into_owned(), truncated))
            .collect()
    }

    #[test]
    fn splits_across_pushes_and_keeps_the_tail_pending() {
        let mut framer = LineFramer::new(100);
        let mut out = Lines::default();
        framer.push(b"one\r\ntw", &mut out);
        assert_eq!(framer.pending_bytes(), 2);
        framer.push(b"o\n\nthr", &mut out);
        assert_eq!(lines(&out), [("one".into(), false), ("two".into(), false)]);
        assert_eq!(framer.pending_bytes(), 3);
        framer.finish(&mut out);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn long_lines_are_cut_and_flagged_not_dropped() {
        let mut framer = LineFramer::new(4);
        let mut out = Lines::default();
        framer.push(b"abcdefgh", &mut out);
        assert_eq!(framer.pending_bytes(), 8);
        framer.push(b"ij\nok\n", &mut out);
        assert_eq!(lines(&out), [("abcd".into(), true), ("ok".into(), false)]);
        assert_eq!(framer.pending_bytes(), 0);
    }
}
