//! The patterns stage: named regex rules that tag events with
//! `pattern.name` and `pattern.severity`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use regex::RegexSet;
use serde_json::Value;
use sluice_parsers::Record;

use crate::alerts::{AlertRule, AlertSource, AlertTracker};
use crate::compile_support::{compile_regex, regex_set};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::field_path::FieldPath;
use crate::model::PatternRuleConfig;

/// One pattern rule's identity, as reported to metrics.
#[derive(Debug, Clone)]
pub struct PatternInfo {
    /// Rule name.
    pub name: Arc<str>,
    /// Severity, when given.
    pub severity: Option<Arc<str>>,
    /// Action name, when given.
    pub action: Option<Arc<str>>,
}

/// Rules sharing one searched field, matched with one `RegexSet`.
#[derive(Debug, Clone)]
struct FieldGroup {
    field: FieldPath,
    set: RegexSet,
    rule_ids: Vec<usize>,
}

/// The compiled patterns stage.
#[derive(Debug, Clone)]
pub struct PatternStage {
    rules: Vec<PatternInfo>,
    groups: Vec<FieldGroup>,
    /// `pattern.name`, `pattern.severity`, `pattern.action`.
    paths: [FieldPath; 3],
    /// Per rule id: how it alerts, for rules with an `action`.
    alerts: Vec<Option<AlertSource>>,
    /// Shared by clones (every worker), so counts span the whole stream.
    tracker: Arc<AlertTracker>,
}

impl Default for PatternStage {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            groups: Vec::new(),
            paths: ["pattern.name", "pattern.severity", "pattern.action"].map(FieldPath::new),
            alerts: Vec::new(),
            tracker: Arc::default(),
        }
    }
}

impl PatternStage {
    pub(crate) fn compile(
        rules: &[(&SourceFile, &PatternRuleConfig)],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut stage = Self::default();
        let mut by_field: Vec<(String, Vec<String>, Vec<usize>)> = Vec::new();
        for (file, rule) in rules {
            if compile_regex(file, &rule.regex, diagnostics).is_none() {
                continue;
            }
            let alert = match (&rule.action, &rule.alert) {
                (None, None) => None,
                (None, Some(alert)) => {
                    diagnostics.push(file.error_at(
                        alert,
                        format!(
                            "pattern `{}` has `alert` but no `action` to name it",
                            rule.name.value
                        ),
                    ));
                    continue;
                }
                (Some(action), alert) => {
                    let alert_rule = match alert {
                        None => AlertRule::default(),
                        Some(alert) => match AlertRule::compile(file, &alert.value, diagnostics) {
                            Some(alert_rule) => alert_rule,
                            None => continue,
                        },
                    };
                    Some(AlertSource {
                        pattern: rule.name.value.as_str().into(),
                        severity: rule.severity.as_deref().map(Into::into),
                        action: action.as_str().into(),
                        rule: alert_rule,
                    })
                }
            };
            stage.alerts.push(alert);
            let id = stage.rules.len();
            stage.rules.push(PatternInfo {
                name: rule.name.value.as_str().into(),
                severity: rule.severity.as_deref().map(Into::into),
                action: rule.action.as_deref().map(Into::into),
            });
            let field = rule.field.clone().unwrap_or_else(|| "message".to_owned());
            match by_field.iter_mut().find(|(name, _, _)| *name == field) {
                Some((_, patterns, ids)) => {
                    patterns.push(rule.regex.value.clone());
                    ids.push(id);
                }
                None => by_field.push((field, vec![rule.regex.value.clone()], vec![id])),
            }
        }
        for (field, patterns, rule_ids) in by_field {
            if let Some(set) = regex_set(patterns.iter().map(String::as_str)) {
                stage.groups.push(FieldGroup {
                    field: FieldPath::new(&field),
                    set,
                    rule_ids,
                });
            }
        }
        stage
    }

    /// All rules, indexed by the ids [`PatternStage::apply`] returns.
    pub fn rules(&self) -> &[PatternInfo] {
        &self.rules
    }

    /// Tags the record and returns the ids of the rules that matched.
    pub fn apply(&self, record: &mut Record) -> Vec<usize> {
        let mut matched = Vec::new();
        for group in &self.groups {
            let Some(Value::String(text)) = group.field.get(record) else {
                continue;
            };
            if !group.set.is_match(text) {
                continue; // the common case, cheaper than naming every match
            }
            matched.extend(
                group
                    .set
                    .matches(text)
                    .iter()
                    .map(|hit| group.rule_ids[hit]),
            );
        }
        if !matched.is_empty() {
            matched.sort_unstable();
            self.tag(record, &matched);
        }
        matched
    }

    /// Sets `pattern.name`, `pattern.severity` and `pattern.action`, each a
    /// list when several rules matched. When the application logged a
    /// `pattern` field of its own (of any type), it is kept whole and the
    /// dotted keys are set flat beside it.
    /// Alert records that the matches `hits` (from [`Self::apply`]) of
    /// `record`, at event time `time`, fire.
    pub fn alerts(&self, hits: &[usize], record: &Record, time: DateTime<Utc>) -> Vec<Record> {
        hits.iter()
            .filter_map(|&id| {
                let source = self.alerts.get(id)?.as_ref()?;
                self.tracker.observe(id, source, record, time)
            })
            .collect()
    }

    fn tag(&self, record: &mut Record, matched: &[usize]) {
        let application_owns_pattern = record.contains_key("pattern");
        for (path, pick) in [
            (
                &self.paths[0],
                (|info: &PatternInfo| Some(&info.name)) as fn(&PatternInfo) -> Option<&Arc<str>>,
            ),
            (&self.paths[1], |info| info.severity.as_ref()),
            (&self.paths[2], |info| info.action.as_ref()),
        ] {
            let mut values: Vec<Value> = matched
                .iter()
                .filter_map(|&id| pick(&self.rules[id]))
                .map(|text| Value::String(text.to_string()))
                .collect();
            let value = match values.len() {
                0 => continue,
                1 => values.remove(0),
                _ => Value::Array(values),
            };
            if application_owns_pattern {
                record.insert(path.as_str().to_owned(), value);
            } else {
                path.set(record, value);
            }
        }
    }
}
