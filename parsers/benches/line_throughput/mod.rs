//! The measurement the per-format benches share: one parser over a set of
//! lines, throughput in input bytes per second.

use std::hint::black_box;

use criterion::{BenchmarkGroup, Throughput};

/// Benches `parse` over `lines` as `name` in `group`, after checking that
/// every line parses (a bench of the error path would flatter the parser).
pub fn bench_lines(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    lines: &[String],
    parse: impl Fn(&[u8]) -> bool,
) {
    assert!(
        lines.iter().all(|line| parse(line.as_bytes())),
        "{name}: sample lines must parse"
    );
    let bytes: usize = lines.iter().map(String::len).sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            for line in lines {
                black_box(parse(black_box(line.as_bytes())));
            }
        })
    });
}
