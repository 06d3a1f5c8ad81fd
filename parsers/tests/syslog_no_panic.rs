//! The syslog parser never panics, and its error offsets stay inside the
//! line, on every prefix of the fixture and loghub lines and on many
//! pseudo-random mutations of them. (A cheap stand-in between fuzzing
//! runs; the fuzz target does the real search.)

use chrono::{TimeZone, Utc};
use sluice_parsers::{parse_rfc3164, parse_rfc5424, parse_syslog_at, ParseError, Rfc3164Context};

const CASES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/parsers/syslog/cases.jsonl"
);
const LOGHUB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/loghub2k");

/// Bytes that matter to the grammar, to be sprinkled into lines.
const INTERESTING: &[u8] = b"<>[]:\" \\=-.*0159TZ+\xef\xbb\xbf\xff\r\n\t";

fn seed_lines() -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = std::fs::read_to_string(CASES)
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|case| case["input"].as_str().map(|text| text.as_bytes().to_vec()))
        .collect();
    for path in ["OpenSSH/OpenSSH_2k.log", "Linux/Linux_2k.log"] {
        let text = std::fs::read(format!("{LOGHUB}/{path}")).unwrap();
        lines.extend(
            text.split(|&byte| byte == b'\n')
                .step_by(50)
                .map(<[u8]>::to_vec),
        );
    }
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

fn check(line: &[u8]) {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let results = [
        parse_syslog_at(line, now),
        parse_rfc3164(line, &Rfc3164Context::new(now)),
        parse_rfc5424(line),
    ];
    for result in results {
        match result {
            Ok(record) => assert!(serde_json::to_string(&record).is_ok()),
            Err(ParseError::Malformed {
                format,
                offset,
                reason,
            }) => {
                assert_eq!(format, "syslog");
                assert!(offset <= line.len(), "offset {offset} past {line:?}");
                assert!(!reason.is_empty());
            }
            Err(other) => panic!("unexpected error kind {other:?} for {line:?}"),
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
fn random_mutations_parse_or_fail_cleanly() {
    let mut rng = Rng(0x5eed_1e55_c0ff_ee00);
    for line in seed_lines() {
        for _ in 0..300 {
            let mut mutated = line.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(mutated.len() + 1);
                match rng.below(4) {
                    0 if at < mutated.len() => {
                        mutated.remove(at);
                    }
                    1 => mutated.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
                    2 if at < mutated.len() => mutated[at] = rng.next() as u8,
                    _ => mutated.insert(at, rng.next() as u8),
                }
            }
            check(&mutated);
        }
    }
}
