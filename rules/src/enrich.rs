//! The enrich stage: `set` fields on events matching `when`.

use serde_json::Value;
use sluice_parsers::Record;

use crate::condition::Condition;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::field_path::FieldPath;
use crate::model::EnrichRuleConfig;

#[derive(Debug, Clone)]
struct EnrichRule {
    when: Condition,
    set: Vec<(FieldPath, Value)>,
}

/// The compiled enrich stage.
#[derive(Debug, Clone, Default)]
pub struct EnrichStage {
    rules: Vec<EnrichRule>,
}

impl EnrichStage {
    pub(crate) fn compile(
        rules: &[(&SourceFile, &EnrichRuleConfig)],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        Self {
            rules: rules
                .iter()
                .filter_map(|(file, rule)| {
                    let when = match &rule.when {
                        None => Condition::default(),
                        Some(when) => Condition::compile(file, &when.value, diagnostics)?,
                    };
                    Some((when, rule))
                })
                .map(|(when, rule)| EnrichRule {
                    when,
                    set: rule
                        .set
                        .value
                        .iter()
                        .map(|(path, value)| (FieldPath::new(path), value.clone()))
                        .collect(),
                })
                .collect(),
        }
    }

    /// Applies every matching rule in order; returns how many fired.
    pub fn apply(&self, record: &mut Record) -> usize {
        let mut fired = 0;
        for rule in &self.rules {
            if rule.when.matches(record) {
                for (path, value) in &rule.set {
                    path.set(record, value.clone());
                }
                fired += 1;
            }
        }
        fired
    }
}
