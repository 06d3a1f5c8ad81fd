#![no_main]
//! `LineFramer` against a straightforward model. The first two bytes pick
//! the cap (1..=64) and the chunk size the stream is pushed in (1..=256);
//! the rest is the stream. Checks: every emitted line is exactly the model's
//! line (bytes, `truncated`, start offset), so no line exceeds the cap, is
//! empty, holds a newline or ends in `\r`; `resume_offset` never passes the
//! data pushed; nothing is kept past the cap.

use libfuzzer_sys::fuzz_target;
use sluice::inputs::framing::LineFramer;

type Line = (Vec<u8>, bool, u64);

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// What the framer should emit for `stream`, with `finish` at the end.
fn model(stream: &[u8], cap: usize) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0usize;
    for piece in stream.split(|&byte| byte == b'\n') {
        // A cut line is emitted as soon as it reaches the cap; a final line
        // without its newline only at `finish`: the same line either way.
        let (kept, truncated) = if piece.len() > cap {
            (&piece[..cap], true)
        } else {
            (piece, false)
        };
        let kept = strip_cr(kept);
        if !kept.is_empty() {
            lines.push((kept.to_vec(), truncated, start as u64));
        }
        start += piece.len() + 1;
    }
    lines
}

fuzz_target!(|data: &[u8]| {
    let [cap, chunk, stream @ ..] = data else {
        return;
    };
    let cap = usize::from(*cap % 64) + 1;
    let chunk = usize::from(*chunk) + 1;
    let base = 1_000u64;
    let expected = model(stream, cap);
    let mut framer = LineFramer::new(cap, base);
    let mut got: Vec<Line> = Vec::new();
    let mut pushed = 0usize;
    for piece in stream.chunks(chunk) {
        framer.push(piece, |line| {
            assert!(
                line.bytes.len() <= cap,
                "{} bytes past the {cap} cap",
                line.bytes.len()
            );
            got.push((
                line.bytes.to_vec(),
                line.truncated,
                line.start_offset - base,
            ));
        });
        pushed += piece.len();
        let resume = framer.resume_offset();
        assert!(
            resume >= base && resume <= base + pushed as u64,
            "resume offset {resume} out of range"
        );
        assert!(
            framer.pending_bytes() <= cap,
            "{} bytes pending past the cap",
            framer.pending_bytes()
        );
        // A restart at the resume offset loses nothing: no line still to
        // come starts before it.
        if let Some(next) = expected.get(got.len()) {
            assert!(
                next.2 >= resume - base,
                "line at {} still to come, resume at {}",
                next.2,
                resume - base
            );
        }
    }
    framer.finish(|line| {
        assert!(line.bytes.len() <= cap);
        got.push((
            line.bytes.to_vec(),
            line.truncated,
            line.start_offset - base,
        ));
    });
    assert_eq!(framer.pending_bytes(), 0);
    assert_eq!(
        got, expected,
        "framer and model disagree (cap {cap}, chunk {chunk})"
    );
});
