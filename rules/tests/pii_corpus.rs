//! Scores the default packs (`builtin:pii` and `builtin:secrets`) on a
//! labelled corpus: at least 99.5% of secrets removed and at least 99.5%
//! of decoys kept intact.
//!
//! Seeds. The generator was developed and inspected on the tuning seed
//! [`TUNING_SEED`] (1) only. The bar is scored on [`SCORING_SEED`], which was
//! not looked at while the generator or its templates were written, so the
//! score is not fitted to one draw. `SLUICE_CORPUS_SEED=N` scores another
//! seed; `SLUICE_CORPUS_OUT=path` writes the labelled corpus as NDJSON and
//! `SLUICE_CORPUS_MISSES=path` every miss with the masked output.
//!
//! Scoring. Each line goes through the mask stage: a JSON line as a parsed
//! record, a text line as `{"message": line}`. A secret counts as removed
//! when none of its needles (the exact substrings labelled as secret)
//! appears in any string or number of the masked record; a partial mask
//! that hides the whole needle therefore counts as removed. A decoy counts
//! as kept when its needle appears at least as often as in the input.
//!
//! Run `cargo test -p sluice-rules --test pii_corpus -- --nocapture` to see
//! the per-entity table.

mod corpus;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use corpus::{Format, LabelledLine, Role};
use serde_json::Value;
use sluice_parsers::Record;
use sluice_rules::{packs, CompileContext, MaskStage, RuleSet, SourceFile};

/// The seed the generator was developed on.
const TUNING_SEED: u64 = 1;
/// The seed the bar is scored on; see the header.
const SCORING_SEED: u64 = 20_261_123;
const LINES: usize = 12_000;
/// The bar, in percent, for both secrets removed and decoys kept.
const BAR: f64 = 99.5;

fn seed() -> u64 {
    std::env::var("SLUICE_CORPUS_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(SCORING_SEED)
}

fn compile(files: &[SourceFile]) -> RuleSet {
    let sinks: Vec<String> = Vec::new();
    match RuleSet::compile(files, &CompileContext::new(&sinks)) {
        Ok((rules, _warnings)) => rules,
        Err(error) => panic!("rules do not compile:\n{error}"),
    }
}

fn default_packs() -> RuleSet {
    let files: Vec<SourceFile> = packs::PACKS
        .iter()
        .map(|(name, text)| SourceFile::new(format!("builtin:{name}"), *text))
        .collect();
    compile(&files)
}

/// The masked line's values, in the form [`corpus::input_text`] gives.
fn masked_text(mask: &MaskStage, line: &LabelledLine) -> String {
    let mut record: Record = match line.format {
        Format::Json => {
            serde_json::from_str(&line.line).expect("the generator writes JSON objects")
        }
        Format::Text => {
            let mut record = Record::new();
            record.insert("message".into(), line.line.clone().into());
            record
        }
    };
    mask.apply(&mut record, None);
    let mut text = String::new();
    corpus::collect_leaves(&Value::Object(record), &mut text);
    text
}

#[derive(Default)]
struct Tally {
    total: usize,
    passed: usize,
    /// The first miss: its template, the needle at fault and the input
    /// around it.
    example: Option<String>,
}

impl Tally {
    fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.passed as f64 / self.total as f64
        }
    }

    fn add(&mut self, miss: Option<&str>, line: &LabelledLine) {
        self.total += 1;
        match miss {
            None => self.passed += 1,
            Some(needle) if self.example.is_none() => {
                self.example = Some(format!(
                    "[{}] {needle} in `{}`",
                    line.template,
                    around(&line.line, needle, 30)
                ));
            }
            Some(_) => {}
        }
    }
}

/// The text around the first occurrence of `needle`, `margin` characters
/// each side.
fn around(text: &str, needle: &str, margin: usize) -> String {
    let Some(at) = text.find(needle) else {
        return text.chars().take(2 * margin).collect();
    };
    let before: Vec<char> = text[..at].chars().collect();
    let after: Vec<char> = text[at + needle.len()..].chars().collect();
    let start: String = before[before.len().saturating_sub(margin)..]
        .iter()
        .collect();
    let end: String = after[..after.len().min(margin)].iter().collect();
    format!("…{start}{needle}{end}…")
}

struct Score {
    /// Every miss as NDJSON: entity, role, template, input and output.
    misses: String,
    by_entity: BTreeMap<(u8, &'static str), Tally>,
    by_template: BTreeMap<(&'static str, u8), Tally>,
    secrets: Tally,
    decoys: Tally,
}

fn role_order(role: Role) -> u8 {
    match role {
        Role::Secret => 0,
        Role::Decoy => 1,
    }
}

fn score(mask: &MaskStage, corpus: &[LabelledLine]) -> Score {
    let mut score = Score {
        misses: String::new(),
        by_entity: BTreeMap::new(),
        by_template: BTreeMap::new(),
        secrets: Tally::default(),
        decoys: Tally::default(),
    };
    for line in corpus {
        let input = corpus::input_text(line);
        let output = masked_text(mask, line);
        for label in &line.labels {
            // The needle that leaked (secret) or was lost (decoy), if any.
            let miss = label
                .needles
                .iter()
                .find(|needle| match label.role {
                    Role::Secret => output.contains(needle.as_str()),
                    Role::Decoy => {
                        output.matches(needle.as_str()).count()
                            < input.matches(needle.as_str()).count()
                    }
                })
                .map(String::as_str);
            let order = role_order(label.role);
            let overall = match label.role {
                Role::Secret => &mut score.secrets,
                Role::Decoy => &mut score.decoys,
            };
            overall.add(miss, line);
            if miss.is_some() {
                let miss = serde_json::json!({
                    "entity": label.entity,
                    "role": if order == 0 { "secret" } else { "decoy" },
                    "template": line.template,
                    "input": line.line,
                    "output": output.replace('\u{0}', " | "),
                });
                score.misses.push_str(&format!("{miss}\n"));
            }
            score
                .by_entity
                .entry((order, label.entity))
                .or_default()
                .add(miss, line);
            score
                .by_template
                .entry((line.template, order))
                .or_default()
                .add(miss, line);
        }
    }
    score
}

fn print_table(seed: u64, lines: usize, score: &Score) {
    println!("\nDefault packs on the corpus: seed {seed}, {lines} lines\n");
    println!(
        "{:<20} {:<6} {:>6} {:>8}  first miss: [template] needle in `input`",
        "entity", "role", "count", "ok %"
    );
    for ((order, entity), tally) in &score.by_entity {
        let role = if *order == 0 { "secret" } else { "decoy" };
        let example = tally.example.as_deref().unwrap_or_default();
        println!(
            "{entity:<20} {role:<6} {:>6} {:>7.2}%  {example}",
            tally.total,
            tally.percent()
        );
    }
    println!(
        "\n{:<14} {:>16} {:>16}",
        "template", "secrets removed", "decoys kept"
    );
    let templates: Vec<&str> = score.by_template.keys().map(|(t, _)| *t).collect();
    let mut templates = templates;
    templates.dedup();
    for template in templates {
        let cell = |order| {
            score
                .by_template
                .get(&(template, order))
                .map(|t: &Tally| format!("{:.2}% of {}", t.percent(), t.total))
                .unwrap_or_default()
        };
        println!("{template:<14} {:>16} {:>16}", cell(0), cell(1));
    }
    println!(
        "\nsecrets removed {:.2}% ({} of {}), decoys kept {:.2}% ({} of {}); bar {BAR}% each\n",
        score.secrets.percent(),
        score.secrets.passed,
        score.secrets.total,
        score.decoys.percent(),
        score.decoys.passed,
        score.decoys.total,
    );
}

/// The corpus and its score, shared by the tests in this file.
fn scored() -> &'static (u64, Vec<LabelledLine>, Score) {
    static SCORED: OnceLock<(u64, Vec<LabelledLine>, Score)> = OnceLock::new();
    SCORED.get_or_init(|| {
        let seed = seed();
        let corpus = corpus::generate(seed, LINES);
        if let Ok(path) = std::env::var("SLUICE_CORPUS_OUT") {
            let ndjson: String = corpus
                .iter()
                .map(|line| format!("{}\n", line.to_json()))
                .collect();
            std::fs::write(&path, ndjson).expect("SLUICE_CORPUS_OUT is writable");
        }
        let score = score(&default_packs().mask, &corpus);
        if let Ok(path) = std::env::var("SLUICE_CORPUS_MISSES") {
            std::fs::write(&path, &score.misses).expect("SLUICE_CORPUS_MISSES is writable");
        }
        print_table(seed, corpus.len(), &score);
        (seed, corpus, score)
    })
}

/// Prints the table and checks that the corpus covers what the issue asks
/// for; the bar itself is the next test.
#[test]
fn corpus_covers_every_entity_and_decoy_kind() {
    let (_, corpus, score) = scored();
    assert!(corpus.len() >= 10_000);
    for template in [
        "json-field",
        "json-message",
        "text",
        "text-zh",
        "logfmt",
        "url",
    ] {
        assert!(
            corpus
                .iter()
                .filter(|line| line.template == template)
                .count()
                >= 500,
            "{template}"
        );
    }
    let kinds = corpus::secrets::DETECTED.len()
        + corpus::secrets::FIELDS.len()
        + corpus::decoys::DECOYS.len();
    assert_eq!(score.by_entity.len(), kinds, "every kind occurs");
    for ((_, entity), tally) in &score.by_entity {
        assert!(tally.total >= 150, "{entity}: only {} samples", tally.total);
    }
}

/// The bar, on the scoring seed, per entity as well as overall.
#[test]
fn default_packs_remove_secrets_and_keep_decoys() {
    let (seed, _, score) = scored();
    let failing: Vec<String> = score
        .by_entity
        .iter()
        .filter(|(_, tally)| tally.percent() < BAR)
        .map(|((_, entity), tally)| format!("{entity} {:.2}%", tally.percent()))
        .collect();
    assert!(
        score.secrets.percent() >= BAR && score.decoys.percent() >= BAR,
        "seed {seed}: secrets removed {:.2}%, decoys kept {:.2}%, bar {BAR}%; below the bar: {}",
        score.secrets.percent(),
        score.decoys.percent(),
        failing.join(", ")
    );
}

/// The scorer can fail: with no rules every secret leaks.
#[test]
fn no_rules_remove_no_secret() {
    let corpus = corpus::generate(TUNING_SEED, 500);
    let score = score(&RuleSet::default().mask, &corpus);
    assert_eq!(score.secrets.passed, 0);
    assert_eq!(score.decoys.passed, score.decoys.total);
}

/// The scorer can fail the other way: masking everything keeps no decoy.
#[test]
fn masking_every_field_keeps_no_decoy() {
    let everything = compile(&[SourceFile::new(
        "all.yaml",
        "mask:\n  - name: all\n    field: '.*'\n    action: redact\n",
    )]);
    let corpus = corpus::generate(TUNING_SEED, 500);
    let score = score(&everything.mask, &corpus);
    assert_eq!(score.secrets.passed, score.secrets.total);
    assert_eq!(score.decoys.passed, 0);
}
