//! No web-format parser panics on damaged input: every fixture line is cut,
//! spliced and bit-flipped (deterministically) and fed to every format.
//! A stand-in until the `cargo fuzz` targets land; a crash found there
//! becomes a named case here or in the fixtures.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use sluice_parsers::parse_format_at;

const FORMATS: [&str; 10] = [
    "logfmt",
    "kv",
    "nginx",
    "nginx_access",
    "nginx_error",
    "apache",
    "apache_access",
    "apache_error",
    "klog",
    "json",
];

fn fixture_inputs() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/parsers");
    let mut inputs = Vec::new();
    for format in ["logfmt", "kv", "nginx", "apache", "klog"] {
        let text =
            std::fs::read_to_string(root.join(format).join("cases.jsonl")).expect("fixture file");
        for line in text.lines() {
            let case: serde_json::Value = serde_json::from_str(line).expect("fixture JSON");
            if let Some(input) = case["input"].as_str() {
                inputs.push(input.as_bytes().to_vec());
            }
        }
    }
    inputs
}

/// xorshift64*: enough variety, no dependency, same run every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[u8] = b" \t\"\\[]=:/.-*#x0129\xff\xc3\n";

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        match rng.below(5) {
            0 => out.truncate(rng.below(out.len() + 1)),
            1 if !out.is_empty() => {
                let at = rng.below(out.len());
                out[at] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let at = rng.below(out.len() + 1);
                out.insert(at, INTERESTING[rng.below(INTERESTING.len())]);
            }
            3 if !out.is_empty() => {
                out.remove(rng.below(out.len()));
            }
            _ => {
                let cut = rng.below(out.len() + 1);
                let from = rng.below(other.len() + 1);
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
        }
    }
    out
}

#[test]
fn mutated_lines_never_panic() {
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().expect("time");
    let inputs = fixture_inputs();
    let mut rng = Rng(0x5eed_1e55_0bad_cafe);
    for round in 0..200 {
        for (index, input) in inputs.iter().enumerate() {
            let other = &inputs[(index + round + 1) % inputs.len()];
            let line = mutate(&mut rng, input, other);
            for format in FORMATS {
                let _ = parse_format_at(format, &line, now);
            }
        }
    }
}
