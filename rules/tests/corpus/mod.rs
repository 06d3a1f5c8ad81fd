//! A labelled log corpus for scoring the default mask packs.
//!
//! Every line is built from one secret (most lines) and one to three
//! decoys, rendered through one of six templates: a JSON log with the
//! secret under its own field name, a JSON log with it in the message, an
//! English text line, a Chinese text line (with and without spaces around
//! the values), a logfmt line and a request-log line with a URL. Each line
//! carries its labels: the exact substrings that must disappear (secrets)
//! and those that must survive (decoys).
//!
//! The corpus depends only on the seed: [`generate`] with the same seed
//! gives the same lines on every machine.

pub mod checksums;
pub mod decoys;
pub mod lines;
pub mod rng;
pub mod secrets;

use rng::Rng;
use serde_json::{json, Value};

/// One generated value with the ways a log might mention it.
pub struct Entity {
    /// Table row: a detector name (`credit_card`), `field:<key>` for values
    /// only a field name marks, or a decoy kind.
    pub name: &'static str,
    /// What must disappear (secret) or survive (decoy), as written.
    pub needles: Vec<String>,
    /// The value alone, for a field or `key=value`.
    pub value: String,
    /// The field name a developer would log it under (dots nest).
    pub key: String,
    /// In an English sentence, with any keyword its rule needs.
    pub en: String,
    /// In a Chinese sentence, likewise.
    pub zh: String,
    /// Digits that a logger might write as a JSON number.
    pub as_number: bool,
    /// Sensitive only by its field name: rendered only as a JSON field.
    pub field_only: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    Secret,
    Decoy,
}

pub struct Label {
    pub entity: &'static str,
    pub role: Role,
    pub needles: Vec<String>,
}

/// How a line reaches the mask stage: parsed as a JSON object, or as text
/// in `{"message": line}`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Json,
    Text,
}

pub struct LabelledLine {
    pub format: Format,
    pub template: &'static str,
    pub line: String,
    pub labels: Vec<Label>,
}

impl LabelledLine {
    /// The line and its labels as one NDJSON object, for inspection.
    pub fn to_json(&self) -> Value {
        json!({
            "format": match self.format { Format::Json => "json", Format::Text => "text" },
            "template": self.template,
            "line": self.line,
            "labels": self.labels.iter().map(|label| json!({
                "entity": label.entity,
                "role": match label.role { Role::Secret => "secret", Role::Decoy => "decoy" },
                "needles": label.needles,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Percent of lines that carry a secret; the rest hold decoys only.
const LINES_WITH_A_SECRET: usize = 85;
/// Percent of secrets that are sensitive-field values rather than detector
/// entities: eleven field kinds drawn as often as the seventeen detector
/// kinds would let the easy field rules dominate the overall score.
const FIELD_SECRETS: usize = 25;

/// `count` labelled lines from `seed`.
pub fn generate(seed: u64, count: usize) -> Vec<LabelledLine> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let secret = rng.percent(LINES_WITH_A_SECRET).then(|| {
                let kinds = if rng.percent(FIELD_SECRETS) {
                    secrets::FIELDS
                } else {
                    secrets::DETECTED
                };
                rng.pick(kinds)(&mut rng)
            });
            let decoys: Vec<Entity> = (0..rng.between(1, 3))
                .map(|_| rng.pick(decoys::DECOYS)(&mut rng))
                .collect();
            lines::render(&mut rng, secret, decoys)
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_corpus() {
    let first: Vec<String> = generate(3, 200).into_iter().map(|l| l.line).collect();
    let again: Vec<String> = generate(3, 200).into_iter().map(|l| l.line).collect();
    let other: Vec<String> = generate(4, 200).into_iter().map(|l| l.line).collect();
    assert_eq!(first, again);
    assert_ne!(first, other);
}

#[test]
fn every_label_occurs_in_its_line() {
    for line in generate(5, 2000) {
        let text = input_text(&line);
        for label in &line.labels {
            for needle in &label.needles {
                assert!(
                    text.contains(needle.as_str()),
                    "{needle} not in {}",
                    line.line
                );
            }
        }
    }
}

/// The line's values as the mask stage will see them (JSON unescaped).
pub fn input_text(line: &LabelledLine) -> String {
    match line.format {
        Format::Text => line.line.clone(),
        Format::Json => {
            let value: Value = serde_json::from_str(&line.line).unwrap_or(Value::Null);
            let mut leaves = String::new();
            collect_leaves(&value, &mut leaves);
            leaves
        }
    }
}

/// Every string and number in a JSON value, each ended by a NUL so that
/// no needle can match across two values.
pub fn collect_leaves(value: &Value, out: &mut String) {
    match value {
        Value::String(text) => {
            out.push_str(text);
            out.push('\u{0}');
        }
        Value::Number(number) => {
            out.push_str(&number.to_string());
            out.push('\u{0}');
        }
        Value::Array(items) => items.iter().for_each(|item| collect_leaves(item, out)),
        Value::Object(object) => object.values().for_each(|item| collect_leaves(item, out)),
        Value::Bool(_) | Value::Null => {}
    }
}
