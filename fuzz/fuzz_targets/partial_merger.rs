#![no_main]
//! `PartialMerger`: the input's first byte picks the format and the
//! `max_bytes` cap, the rest is split into framed lines. Checks: a decoded
//! entry never exceeds the cap (an undecodable line is passed through raw,
//! flagged); an entry's offset is that of a line pushed earlier; a merged
//! entry is at most the sum of its pieces; `pending_start` is the earliest
//! pending line, and nothing is pending after `finish`.

use libfuzzer_sys::fuzz_target;
use sluice::inputs::container_log::{ContainerLogFormat, PartialMerger};
use sluice::inputs::framing::FramedLine;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let format = if control & 1 == 0 {
        ContainerLogFormat::Cri
    } else {
        ContainerLogFormat::Docker
    };
    // 1..=128, small enough that cuts happen.
    let max_bytes = usize::from(control >> 1) + 1;
    let mut merger = PartialMerger::new(format, max_bytes);
    assert_eq!(merger.format(), format);

    let mut offsets = Vec::new();
    let mut pushed_bytes = 0usize;
    let mut emitted_bytes = 0usize;
    let check =
        |message: &[u8], attrs: sluice::pipeline::LineAttrs, start: u64, offsets: &[u64]| {
            assert!(
                offsets.contains(&start),
                "entry offset {start} is no line's offset"
            );
            if attrs.decode_error.is_some() {
                assert!(attrs.stream.is_none() && attrs.time.is_none());
            } else {
                assert!(
                    message.len() <= max_bytes,
                    "{} bytes past the {max_bytes} cap",
                    message.len()
                );
                assert!(attrs.stream.is_some() && attrs.time.is_some());
            }
            message.len()
        };
    let mut offset = 0u64;
    for (index, line) in rest.split(|&byte| byte == b'\n').enumerate() {
        offsets.push(offset);
        pushed_bytes += line.len();
        let framed = FramedLine {
            bytes: line,
            truncated: index % 7 == 6,
            start_offset: offset,
        };
        merger.push(framed, |message, attrs, start| {
            emitted_bytes += check(message, attrs, start, &offsets);
        });
        if let Some(pending) = merger.pending_start() {
            assert!(
                pending <= offset,
                "pending start {pending} after the last line {offset}"
            );
        }
        assert!(emitted_bytes <= pushed_bytes, "more bytes out than in");
        offset += line.len() as u64 + 1;
    }
    let pending = merger.pending_start();
    let mut first = None;
    merger.finish(|message, attrs, start| {
        first.get_or_insert(start);
        emitted_bytes += check(message, attrs, start, &offsets);
    });
    assert_eq!(
        first, pending,
        "finish must start with the earliest pending entry"
    );
    assert!(emitted_bytes <= pushed_bytes, "more bytes out than in");
    assert_eq!(merger.pending_start(), None);
});
