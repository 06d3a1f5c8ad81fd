//! `when` conditions: every listed field equals its value.

use serde_json::Value;
use sluice_parsers::Record;

use crate::field_path::{values_match, FieldPath};

/// A compiled `when`: all equalities must hold.
#[derive(Debug, Clone, Default)]
pub struct Condition {
    equalities: Vec<(FieldPath, Value)>,
}

impl Condition {
    pub(crate) fn from_map(map: &serde_json::Map<String, Value>) -> Self {
        Self {
            equalities: map
                .iter()
                .map(|(path, value)| (FieldPath::new(path), value.clone()))
                .collect(),
        }
    }

    /// True when every field is present and equal.
    pub fn matches(&self, record: &Record) -> bool {
        self.equalities.iter().all(|(path, expected)| {
            path.get(record)
                .is_some_and(|actual| values_match(expected, actual))
        })
    }
}
