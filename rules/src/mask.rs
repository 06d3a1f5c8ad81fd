//! The mask stage: field-name rules, value detectors and key removal.

use std::ops::Range;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use regex::{CaptureLocations, Regex, RegexSet};
use serde_json::Value;
use sha2::Sha256;
use sluice_parsers::Record;

use crate::compile_support::{compile_regex, regex_set};
use crate::detectors::{self, Locate};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::model::{MaskActionName, MaskRuleConfig};

const DEFAULT_REPLACEMENT: &str = "***REDACTED***";
const DEFAULT_HASH_HEX_CHARS: usize = 16;
/// Numbers below this are too short to hold anything a detector finds.
const MIN_SCANNED_NUMBER: u64 = 1_000_000_000;

/// What a rule does to the value (or, for detectors, the matched text).
#[derive(Debug, Clone)]
enum MaskAction {
    Redact(String),
    Partial {
        keep: Regex,
        template: String,
    },
    /// Every letter and digit but the last N becomes `*`; separators
    /// stay, so `4111 1111 1111 1111` reads `**** **** **** 1111`.
    KeepLast(usize),
    Hash {
        key: Arc<[u8]>,
        hex_chars: usize,
    },
    Remove,
}

impl MaskAction {
    /// The masked text; `None` means remove.
    fn apply(&self, text: &str) -> Option<String> {
        let mut masked = String::new();
        self.apply_into(text, &mut masked).then_some(masked)
    }

    /// Appends the masked text to `out`; `false` means remove.
    fn apply_into(&self, text: &str, out: &mut String) -> bool {
        match self {
            Self::Redact(replacement) => out.push_str(replacement),
            // Only what the template names survives: text outside the `keep`
            // match must not leak through.
            Self::Partial { keep, template } => match keep.captures(text) {
                Some(captures) => captures.expand(template, out),
                None => out.push_str(DEFAULT_REPLACEMENT),
            },
            Self::KeepLast(kept) => {
                let maskable = text.chars().filter(|c| c.is_alphanumeric()).count();
                let mut to_mask = maskable.saturating_sub(*kept);
                for c in text.chars() {
                    if to_mask > 0 && c.is_alphanumeric() {
                        out.push('*');
                        to_mask -= 1;
                    } else {
                        out.push(c);
                    }
                }
            }
            Self::Hash { key, hex_chars } => {
                let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
                    out.push_str(DEFAULT_REPLACEMENT);
                    return true;
                };
                mac.update(text.as_bytes());
                let digest = hex::encode(mac.finalize().into_bytes());
                out.push_str(&digest[..(*hex_chars).min(digest.len())]);
            }
            Self::Remove => return false,
        }
        true
    }
}

#[derive(Debug, Clone)]
struct FieldRule {
    name: Arc<str>,
    action: MaskAction,
}

#[derive(Debug, Clone)]
struct ValueRule {
    name: Arc<str>,
    /// Finds candidates. A capture group named `value` narrows what is
    /// masked (`password=(?P<value>\S+)` keeps the key visible).
    finder: Regex,
    /// Index of the `value` group, if the finder has one.
    value_group: Option<usize>,
    locate: Locate,
    action: MaskAction,
    /// Checksummed built-in detectors validate what they find, so they may
    /// also look at large numbers; a custom pattern would mangle timestamps
    /// and counters.
    scans_numbers: bool,
}

/// The compiled mask stage.
#[derive(Debug, Clone, Default)]
pub struct MaskStage {
    field_rules: Vec<FieldRule>,
    field_paths: Option<RegexSet>,
    value_rules: Vec<ValueRule>,
    value_gate: Option<RegexSet>,
    removed_keys: Vec<String>,
}

/// Collects the names of rules that fired, for `test-rules`; the hot path
/// passes `None`.
pub type Fired<'a> = Option<&'a mut Vec<String>>;

impl MaskStage {
    pub(crate) fn compile(
        rules: &[(&SourceFile, &MaskRuleConfig)],
        removed: &[(&SourceFile, &serde_saphyr::Spanned<String>)],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut stage = Self::default();
        let mut field_patterns = Vec::new();
        let mut value_patterns = Vec::new();
        for (file, rule) in rules {
            let Some(action) = compile_action(file, rule, diagnostics) else {
                continue;
            };
            let name: Arc<str> = rule.name.value.as_str().into();
            match (&rule.field, &rule.pattern, &rule.detect) {
                (Some(field), None, None) => {
                    if compile_regex(file, field, diagnostics).is_some() {
                        field_patterns.push(field.value.clone());
                        stage.field_rules.push(FieldRule { name, action });
                    }
                }
                (None, pattern, detect) if pattern.is_some() != detect.is_some() => {
                    if matches!(action, MaskAction::Remove) {
                        diagnostics.push(file.error_at(
                            &rule.action,
                            "action `remove` deletes fields: use it with `field`; values found by `pattern` or `detect` take redact, partial or hash",
                        ));
                        continue;
                    }
                    let (finder_source, locate, scans_numbers) = match (pattern, detect) {
                        (Some(pattern), _) => (pattern.clone(), whole_candidate as Locate, false),
                        (None, Some(detect)) => match detectors::find(&detect.value) {
                            Some(detector) => (
                                serde_saphyr::Spanned::new(
                                    detector.regex.to_owned(),
                                    detect.referenced,
                                    detect.defined,
                                ),
                                detector.locate,
                                detector.scans_numbers,
                            ),
                            None => {
                                diagnostics.push(file.error_at(
                                    detect,
                                    format!(
                                        "unknown detector `{}`; built-in detectors: {}",
                                        detect.value,
                                        detectors::names().join(", ")
                                    ),
                                ));
                                continue;
                            }
                        },
                        (None, None) => continue,
                    };
                    if let Some(finder) = compile_regex(file, &finder_source, diagnostics) {
                        value_patterns.push(finder_source.value);
                        let value_group = finder
                            .capture_names()
                            .position(|group| group == Some("value"));
                        stage.value_rules.push(ValueRule {
                            name,
                            finder,
                            value_group,
                            locate,
                            action,
                            scans_numbers,
                        });
                    }
                }
                _ => diagnostics.push(file.error_at(
                    &rule.name,
                    format!(
                        "mask rule `{}` needs exactly one of `field`, `pattern` or `detect`",
                        rule.name.value
                    ),
                )),
            }
        }
        stage.field_paths = regex_set(field_patterns.iter().map(String::as_str))
            .filter(|_| !field_patterns.is_empty());
        stage.value_gate = regex_set(value_patterns.iter().map(String::as_str))
            .filter(|_| !value_patterns.is_empty());
        stage.removed_keys = removed
            .iter()
            .map(|(_, key)| key.value.to_ascii_lowercase())
            .collect();
        stage
    }

    /// True when the stage has nothing to do.
    pub fn is_empty(&self) -> bool {
        self.field_rules.is_empty() && self.value_rules.is_empty() && self.removed_keys.is_empty()
    }

    /// Masks one record in place.
    pub fn apply(&self, record: &mut Record, mut fired: Fired<'_>) {
        if self.is_empty() {
            return;
        }
        let mut path = String::new();
        self.mask_object(record, &mut path, &mut fired);
    }

    fn mask_object(&self, object: &mut Record, path: &mut String, fired: &mut Fired<'_>) {
        let parent_len = path.len();
        let mut removals: Vec<String> = Vec::new();
        for (key, value) in object.iter_mut() {
            if self.is_removed_key(key) {
                removals.push(key.clone());
                note(fired, "remove");
                continue;
            }
            if parent_len > 0 {
                path.push('.');
            }
            path.push_str(key);
            let field_rule = self
                .field_paths
                .as_ref()
                .filter(|set| set.is_match(path))
                .and_then(|set| set.matches(path).iter().next())
                .map(|index| &self.field_rules[index]);
            match field_rule {
                Some(rule) => {
                    note(fired, &rule.name);
                    match rule.action.apply(&value_text(value)) {
                        Some(masked) => *value = Value::String(masked),
                        None => removals.push(key.clone()),
                    }
                }
                None => self.mask_value(value, path, fired),
            }
            path.truncate(parent_len);
        }
        for key in removals {
            object.shift_remove(&key);
        }
    }

    fn mask_value(&self, value: &mut Value, path: &mut String, fired: &mut Fired<'_>) {
        match value {
            Value::Object(object) => self.mask_object(object, path, fired),
            Value::Array(items) => {
                for item in items {
                    self.mask_value(item, path, fired);
                }
            }
            Value::String(text) => {
                if let Some(masked) = self.mask_text(text, fired) {
                    *text = masked;
                }
            }
            // A card number logged as a JSON number is still a card number.
            Value::Number(number) if number.as_u64().is_some_and(|n| n >= MIN_SCANNED_NUMBER) => {
                if let Some(masked) = self.mask_number(&number.to_string(), fired) {
                    *value = Value::String(masked);
                }
            }
            _ => {}
        }
    }

    /// Runs value detectors over one string; `None` when nothing matched.
    fn mask_text(&self, text: &str, fired: &mut Fired<'_>) -> Option<String> {
        let gate = self.value_gate.as_ref()?;
        // Most values hold nothing: a plain search says so more cheaply than
        // the overlapping one that names every rule.
        if !gate.is_match(text) {
            return None;
        }
        let mut masked: Option<String> = None;
        for index in gate.matches(text).iter() {
            let rule = &self.value_rules[index];
            if let Some(next) = rule.mask(masked.as_deref().unwrap_or(text)) {
                masked = Some(next);
                note(fired, &rule.name);
            }
        }
        masked
    }

    /// Runs the number-scanning detectors over a number's digits.
    fn mask_number(&self, digits: &str, fired: &mut Fired<'_>) -> Option<String> {
        let mut masked: Option<String> = None;
        for rule in self.value_rules.iter().filter(|rule| rule.scans_numbers) {
            if let Some(next) = rule.mask(masked.as_deref().unwrap_or(digits)) {
                masked = Some(next);
                note(fired, &rule.name);
            }
        }
        masked
    }

    fn is_removed_key(&self, key: &str) -> bool {
        self.removed_keys
            .iter()
            .any(|removed| removed.eq_ignore_ascii_case(key))
    }
}

impl ValueRule {
    /// `text` with every span this rule finds masked; `None` (and no
    /// allocation) when it finds none.
    fn mask(&self, text: &str) -> Option<String> {
        let mut masked: Option<String> = None;
        let mut copied = 0;
        for span in spans(&self.finder, self.value_group, self.locate, text) {
            let out = masked.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..span.start]);
            self.action.apply_into(&text[span.clone()], out);
            copied = span.end;
        }
        let mut out = masked?;
        out.push_str(&text[copied..]);
        Some(out)
    }
}

/// A custom `pattern` masks all it matches (or its `value` group).
fn whole_candidate(_text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    Some(candidate)
}

/// The spans a finder and its validator pick out of `text`, left to right
/// and without overlap: the finder proposes candidates (narrowed to
/// `value_group` when given), `locate` keeps, narrows or rejects each.
pub(crate) fn spans<'a>(
    finder: &'a Regex,
    value_group: Option<usize>,
    locate: Locate,
    text: &'a str,
) -> Spans<'a> {
    Spans {
        finder,
        // Capture positions are needed only to find the `value` group.
        locations: value_group.map(|_| finder.capture_locations()),
        value_group,
        locate,
        text,
        at: 0,
    }
}

/// Iterator returned by [`spans`].
pub(crate) struct Spans<'a> {
    finder: &'a Regex,
    locations: Option<CaptureLocations>,
    value_group: Option<usize>,
    locate: Locate,
    text: &'a str,
    at: usize,
}

impl Iterator for Spans<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        while self.at <= self.text.len() {
            let (whole, candidate) = match (&mut self.locations, self.value_group) {
                (Some(locations), Some(group)) => {
                    let whole = self
                        .finder
                        .captures_read_at(locations, self.text, self.at)?
                        .range();
                    let candidate = locations
                        .get(group)
                        .map_or(whole.clone(), |(start, end)| start..end);
                    (whole, candidate)
                }
                _ => {
                    let whole = self.finder.find_at(self.text, self.at)?.range();
                    (whole.clone(), whole)
                }
            };
            // Step over an empty match, or the search would stand still.
            self.at = if whole.is_empty() {
                whole.end
                    + self.text[whole.end..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8)
            } else {
                whole.end
            };
            match (self.locate)(self.text, candidate.clone()) {
                Some(span)
                    if !span.is_empty()
                        && candidate.start <= span.start
                        && span.end <= candidate.end =>
                {
                    return Some(span)
                }
                _ => {}
            }
        }
        None
    }
}

fn note(fired: &mut Fired<'_>, name: &str) {
    if let Some(list) = fired.as_deref_mut() {
        if !list.iter().any(|seen| seen == name) {
            list.push(name.to_owned());
        }
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn compile_action(
    file: &SourceFile,
    rule: &MaskRuleConfig,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<MaskAction> {
    if let Some(keep_last) = &rule.keep_last {
        if rule.action.value != MaskActionName::Partial {
            diagnostics.push(file.error_at(keep_last, "`keep_last` goes with `action: partial`"));
            return None;
        }
    }
    match rule.action.value {
        MaskActionName::Redact => Some(MaskAction::Redact(
            rule.replacement
                .clone()
                .unwrap_or_else(|| DEFAULT_REPLACEMENT.to_owned()),
        )),
        MaskActionName::Partial => {
            if let Some(keep_last) = &rule.keep_last {
                if rule.keep.is_some() || rule.replacement.is_some() {
                    diagnostics.push(file.error_at(
                        keep_last,
                        "`keep_last` replaces each masked letter or digit with `*`: use it without `keep` and `replacement`",
                    ));
                    return None;
                }
                return Some(MaskAction::KeepLast(keep_last.value));
            }
            let Some(keep) = &rule.keep else {
                diagnostics.push(file.error_at(
                    &rule.action,
                    "action `partial` needs `keep` (a regex with captures) and `replacement` (e.g. '$1***$2'), or `keep_last: N`",
                ));
                return None;
            };
            let keep_regex = compile_regex(file, keep, diagnostics)?;
            Some(MaskAction::Partial {
                keep: keep_regex,
                template: rule
                    .replacement
                    .clone()
                    .unwrap_or_else(|| "$1***".to_owned()),
            })
        }
        MaskActionName::Hash => {
            let key = hash_key(file, rule, diagnostics)?;
            let hex_chars = match &rule.length {
                Some(length) if !(8..=64).contains(&length.value) => {
                    diagnostics.push(file.error_at(length, "`length` must be between 8 and 64"));
                    return None;
                }
                Some(length) => length.value,
                None => DEFAULT_HASH_HEX_CHARS,
            };
            Some(MaskAction::Hash {
                key: key.into(),
                hex_chars,
            })
        }
        MaskActionName::Remove => Some(MaskAction::Remove),
    }
}

/// The HMAC key of a `hash` rule, from `key_env` or `key_file` (exactly
/// one). Refusing to run without one is deliberate: an unkeyed hash of an
/// SSN or a phone number is reversed by hashing every possible value.
fn hash_key(
    file: &SourceFile,
    rule: &MaskRuleConfig,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<u8>> {
    let key = match (&rule.key_env, &rule.key_file) {
        (None, None) => {
            diagnostics.push(file.error_at(
                &rule.action,
                "action `hash` needs a key: set `key_env` (an environment variable) or `key_file` (a file) holding it (unkeyed hashes of short values can be brute-forced)",
            ));
            return None;
        }
        (Some(_), Some(key_file)) => {
            diagnostics.push(file.error_at(key_file, "give `key_env` or `key_file`, not both"));
            return None;
        }
        (Some(key_env), None) => match std::env::var(&key_env.value) {
            Ok(key) if !key.is_empty() => key.into_bytes(),
            _ => {
                diagnostics.push(file.error_at(
                    key_env,
                    format!(
                        "environment variable `{}` is not set or empty",
                        key_env.value
                    ),
                ));
                return None;
            }
        },
        (None, Some(key_file)) => {
            let path = std::path::Path::new(&*file.name)
                .parent()
                .unwrap_or(std::path::Path::new(""))
                .join(&key_file.value);
            match std::fs::read(&path) {
                Ok(key) => {
                    // A trailing newline is how editors and `echo` leave it.
                    let key = key.trim_ascii_end().to_vec();
                    if key.is_empty() {
                        diagnostics.push(
                            file.error_at(
                                key_file,
                                format!("key file `{}` is empty", path.display()),
                            ),
                        );
                        return None;
                    }
                    key
                }
                Err(err) => {
                    diagnostics.push(file.error_at(
                        key_file,
                        format!("cannot read key file `{}`: {err}", path.display()),
                    ));
                    return None;
                }
            }
        }
    };
    Some(key)
}
