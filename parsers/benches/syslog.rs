//! Criterion benchmarks of the syslog parser on realistic lines: loghub's
//! OpenSSH and Linux samples (RFC 3164 without PRI, as written to a file),
//! and RFC 5424 lines shaped like rsyslog and `logger` output.
//!
//! `cargo bench -p sluice-parsers --bench syslog`

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sluice_parsers::{parse_rfc3164, parse_rfc5424, parse_syslog, TimeContext};

const LOGHUB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/loghub2k");

fn loghub(path: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(format!("{LOGHUB}/{path}"))
        .unwrap_or_else(|err| panic!("{LOGHUB}/{path}: {err}"));
    text.lines().map(|line| line.as_bytes().to_vec()).collect()
}

/// 2,000 RFC 5424 lines: a third with no structured data, a third with
/// logger's `timeQuality`, a third with two elements and an escape.
fn rfc5424_lines() -> Vec<Vec<u8>> {
    let apps = ["sshd", "nginx", "kubelet", "postgres", "cron"];
    (0..2_000)
        .map(|n: usize| {
            let app = apps[n % apps.len()];
            let structured_data = match n % 3 {
                0 => "-".to_owned(),
                1 => r#"[timeQuality tzKnown="1" isSynced="1" syncAccuracy="873500"]"#.to_owned(),
                _ => format!(
                    r#"[origin@48577 ip="10.0.{}.{}" software="rsyslogd"][meta@32473 sequenceId="{n}" note="quoted \"x\""]"#,
                    n % 256,
                    n % 200
                ),
            };
            format!(
                "<{}>1 2026-11-23T10:{:02}:{:02}.{:06}+01:00 node-{}.example.com {app} {} ID{} {structured_data} \
                 request {n} handled for user u-{} in {} ms, upstream 10.1.{}.{}:8080 status 200",
                128 + n % 64,
                n / 60 % 60,
                n % 60,
                n * 7919 % 1_000_000,
                n % 12,
                1000 + n % 30_000,
                n % 50,
                n % 700,
                n % 900,
                n % 256,
                n % 250,
            )
            .into_bytes()
        })
        .collect()
}

fn total_bytes(lines: &[Vec<u8>]) -> u64 {
    lines.iter().map(|line| line.len() as u64).sum()
}

fn bench_syslog(c: &mut Criterion) {
    let context = TimeContext::new(Utc.with_ymd_and_hms(2027, 1, 15, 0, 0, 0).unwrap());
    let mut group = c.benchmark_group("syslog");
    for (name, lines) in [
        ("rfc3164_openssh", loghub("OpenSSH/OpenSSH_2k.log")),
        ("rfc3164_linux", loghub("Linux/Linux_2k.log")),
    ] {
        group.throughput(Throughput::Bytes(total_bytes(&lines)));
        group.bench_function(name, |b| {
            b.iter(|| {
                for line in &lines {
                    black_box(parse_rfc3164(black_box(line), &context).ok());
                }
            })
        });
        group.bench_function(format!("{name}_auto"), |b| {
            b.iter(|| {
                for line in &lines {
                    black_box(parse_syslog(black_box(line)).ok());
                }
            })
        });
    }
    let lines = rfc5424_lines();
    group.throughput(Throughput::Bytes(total_bytes(&lines)));
    group.bench_function("rfc5424", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(parse_rfc5424(black_box(line)).ok());
            }
        })
    });
    group.bench_function("rfc5424_auto", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(parse_syslog(black_box(line)).ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_syslog);
criterion_main!(benches);
