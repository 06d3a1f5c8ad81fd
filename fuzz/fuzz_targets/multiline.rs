#![no_main]
//! `MultilineAggregator`. The first byte picks the rules (the java, python
//! and go presets, or a user-style `start` pattern) and small limits; the
//! rest is split into lines, pushed at advancing instants with an idle flush
//! now and then. Checks: joining all events with `\n` gives back all lines
//! with `\n` (nothing lost, doubled or reordered); each event reports its
//! first line's offset and honours `max_lines`, and `max_bytes` unless it
//! is a single line; `pending_start` is the pending event's first line.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sluice::inputs::multiline::{MultilineAggregator, MultilineRules};
use sluice::pipeline::LineAttrs;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let max_lines = usize::from(control >> 2 & 7) + 1;
    let max_bytes = usize::from(control >> 5) * 40 + 1;
    let flush_after = Duration::from_millis(50);
    // Compiling the rules costs far more than a run: once per control byte.
    static RULES: [OnceLock<Arc<MultilineRules>>; 256] = [const { OnceLock::new() }; 256];
    let rules = RULES[usize::from(control)].get_or_init(|| {
        let rules = match control & 3 {
            0 => MultilineRules::preset("java"),
            1 => MultilineRules::preset("python"),
            2 => MultilineRules::preset("go"),
            _ => MultilineRules::new(Some(r"^\d{4}-\d\d-\d\d"), None, 1, 1, flush_after).ok(),
        }
        .expect("known rules");
        Arc::new(rules.with_limits(Some(max_lines), Some(max_bytes), Some(flush_after)))
    });
    let mut aggregator = MultilineAggregator::new(Arc::clone(rules));

    let lines: Vec<&[u8]> = rest.split(|&byte| byte == b'\n').collect();
    let mut offsets = Vec::new();
    let mut events: Vec<(Vec<u8>, u64)> = Vec::new();
    let mut record = |event: &[u8], _: LineAttrs, start: u64| events.push((event.to_vec(), start));
    let epoch = Instant::now();
    let mut now = epoch;
    let mut offset = 0u64;
    for (index, line) in lines.iter().enumerate() {
        // Lines 0..=63 ms apart: some gaps pass `flush_after`.
        now += Duration::from_millis(u64::from(line.first().copied().unwrap_or(0) & 63));
        if index % 3 == 2 {
            aggregator.flush_idle(now, &mut record);
        }
        offsets.push(offset);
        aggregator.push(
            line,
            LineAttrs::plain(index % 5 == 4),
            offset,
            now,
            &mut record,
        );
        assert!(
            aggregator.pending_start().is_some(),
            "a line was just pushed"
        );
        assert!(aggregator.next_deadline().is_some());
        offset += line.len() as u64 + 1;
    }
    aggregator.finish(&mut record);
    assert_eq!(aggregator.pending_start(), None);
    assert_eq!(aggregator.next_deadline(), None);

    let joined = events
        .iter()
        .map(|(event, _)| event.as_slice())
        .collect::<Vec<_>>()
        .join(&b'\n');
    assert_eq!(joined, rest, "events do not add up to the lines");
    // Walk the lines event by event: each starts at its first line's offset.
    let mut next_line = 0;
    for (event, start) in &events {
        assert_eq!(
            *start, offsets[next_line],
            "event offset is not its first line's"
        );
        let count = event.iter().filter(|&&byte| byte == b'\n').count() + 1;
        assert!(
            count <= max_lines,
            "{count} lines past max_lines {max_lines}"
        );
        assert!(
            count == 1 || event.len() <= max_bytes,
            "{} bytes past max_bytes {max_bytes}",
            event.len()
        );
        next_line += count;
    }
    assert_eq!(next_line, lines.len());
});
