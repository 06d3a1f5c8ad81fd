//! No parser panics on damaged input, and every error's offset stays inside
//! the line: every prefix of every fixture line (and a sample of loghub's
//! syslog lines), then deterministic cuts, splices and byte flips, go
//! through every built-in format. A cheap stand-in between fuzzing runs (the
//! `fuzz/` targets do the real search); a crash found there becomes a named
//! fixture case.

use chrono::{DateTime, Utc};
use sluice_parsers::{
    parse_format_at, parse_rfc3164, parse_rfc5424, ParseError, TimeContext, FORMATS,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/parsers");
const LOGHUB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/loghub2k");

/// Bytes that matter to the grammars, to be sprinkled into lines.
const INTERESTING: &[u8] = b"<>[]:\" \\=-./*#0159TZ+\xef\xbb\xbf\xff\xc3\r\n\t";

fn now() -> DateTime<Utc> {
    "2026-11-23T12:00:00Z".parse().expect("time")
}

fn seed_lines() -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(FIXTURES)
        .expect("fixtures/parsers")
        .flatten()
    {
        let Ok(text) = std::fs::read_to_string(entry.path().join("cases.jsonl")) else {
            continue;
        };
        lines.extend(
            text.lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .filter_map(|case| case["input"].as_str().map(|text| text.as_bytes().to_vec())),
        );
    }
    for path in ["OpenSSH/OpenSSH_2k.log", "Linux/Linux_2k.log"] {
        let text = std::fs::read(format!("{LOGHUB}/{path}")).expect("loghub sample");
        lines.extend(
            text.split(|&byte| byte == b'\n')
                .step_by(100)
                .map(<[u8]>::to_vec),
        );
    }
    assert!(lines.len() > 150, "too few seed lines: {}", lines.len());
    lines
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if at < out.len() => {
                out.remove(at);
            }
            1 => out.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            2 if at < out.len() => out[at] = rng.next() as u8,
            3 => out.truncate(at),
            _ => {
                let from = rng.below(other.len() + 1);
                out.truncate(at);
                out.extend_from_slice(&other[from..]);
            }
        }
    }
    out
}

fn check(line: &[u8]) {
    let now = now();
    let direct = [
        parse_rfc3164(line, &TimeContext::new(now)),
        parse_rfc5424(line),
    ];
    let by_name = FORMATS
        .iter()
        .filter_map(|format| parse_format_at(format, line, now));
    for result in direct.into_iter().chain(by_name) {
        match result {
            Ok(record) => assert!(serde_json::to_string(&record).is_ok()),
            Err(ParseError::Malformed { offset, reason, .. }) => {
                assert!(offset <= line.len(), "offset {offset} past {line:?}");
                assert!(!reason.is_empty());
            }
            Err(
                ParseError::InvalidJson { offset, .. }
                | ParseError::NotAnObject { offset }
                | ParseError::InvalidUtf8 { offset },
            ) => assert!(offset <= line.len(), "offset {offset} past {line:?}"),
            Err(other) => panic!("no built-in format returns {other:?}"),
        }
    }
}

#[test]
fn every_prefix_parses_or_fails_cleanly() {
    for line in seed_lines() {
        for end in 0..=line.len() {
            check(&line[..end]);
        }
    }
}

#[test]
fn mutated_lines_parse_or_fail_cleanly() {
    let lines = seed_lines();
    let mut rng = Rng(0x5eed_1e55_c0ff_ee00);
    for round in 0..60 {
        for (index, line) in lines.iter().enumerate() {
            let other = &lines[(index + round + 1) % lines.len()];
            check(&mutate(&mut rng, line, other));
        }
    }
}
