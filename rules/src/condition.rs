//! `when` conditions over dotted field paths.
//!
//! ```yaml
//! when:
//!   level: ERROR                          # equality (a number matches "500" too)
//!   http.response.status_code: { gte: 500, lt: 600 }
//!   message: { regex: 'timed? ?out' }
//!   user.id: { exists: true }
//!   kubernetes.namespace: [shop, billing] # any of these
//!   any:                                  # at least one of
//!     - { service: checkout }
//!     - { response_time: { gt: 5000 } }
//!   not: { env: test }
//! ```
//!
//! Every entry of a `when` must hold. `any`, `all` and `not` are
//! combinators, not field names.

use std::fmt;

use regex::Regex;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use sluice_parsers::Record;

use crate::compile_support::compile_regex;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::field_path::{values_match, FieldPath};

/// A `when:` mapping as written: entries in order, each with its location.
#[derive(Debug, Default)]
pub struct WhenConfig {
    /// Field paths (or `any` / `all` / `not`) and what they must satisfy.
    pub entries: Vec<(Spanned<String>, Spanned<WhenValue>)>,
}

/// The value side of a `when` entry, kept close to the YAML so that
/// compilation can say precisely what is wrong and where.
#[derive(Debug)]
pub enum WhenValue {
    /// A string, number, bool or null.
    Scalar(Value),
    /// A sequence.
    List(Vec<Spanned<WhenValue>>),
    /// A mapping: operators (`gt: 5`), or a nested `when` under a combinator.
    Map(WhenConfig),
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Every part holds (an empty list always holds).
    All(Vec<Condition>),
    /// At least one part holds.
    Any(Vec<Condition>),
    /// The part does not hold.
    Not(Box<Condition>),
    /// A test on one field.
    Field(FieldPath, FieldTest),
}

impl Default for Condition {
    fn default() -> Self {
        Self::All(Vec::new())
    }
}

/// What a field must satisfy.
#[derive(Debug, Clone)]
pub enum FieldTest {
    /// Present and equal (loosely: `"500"` equals 500).
    Equals(Value),
    /// Absent, or present and different.
    NotEquals(Value),
    /// Present and equal to one of these.
    OneOf(Vec<Value>),
    /// A string value the regex finds a match in.
    Matches(Regex),
    /// A number, or a string holding one, compared with the bound.
    Compare(Comparison, f64),
    /// Present (`true`) or absent (`false`).
    Exists(bool),
}

/// Numeric comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `gt`
    Greater,
    /// `gte`
    GreaterOrEqual,
    /// `lt`
    Less,
    /// `lte`
    LessOrEqual,
}

const OPERATORS: &str = "eq, ne, in, regex, gt, gte, lt, lte, exists";

impl Condition {
    /// True when the record satisfies the condition.
    pub fn matches(&self, record: &Record) -> bool {
        match self {
            Self::All(parts) => parts.iter().all(|part| part.matches(record)),
            Self::Any(parts) => parts.iter().any(|part| part.matches(record)),
            Self::Not(part) => !part.matches(record),
            Self::Field(path, test) => test.holds(path.get(record)),
        }
    }

    /// Compiles a `when:`; problems are pushed to `diagnostics` with their
    /// location, and the condition is then `None`.
    pub(crate) fn compile(
        file: &SourceFile,
        when: &WhenConfig,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Self> {
        let errors_before = diagnostics.len();
        let parts: Vec<Condition> = when
            .entries
            .iter()
            .filter_map(|(key, value)| compile_entry(file, key, value, diagnostics))
            .collect();
        (diagnostics.len() == errors_before).then(|| match <[_; 1]>::try_from(parts) {
            Ok([single]) => single,
            Err(parts) => Self::All(parts),
        })
    }
}

impl FieldTest {
    fn holds(&self, actual: Option<&Value>) -> bool {
        match (self, actual) {
            (Self::Exists(wanted), actual) => actual.is_some() == *wanted,
            (Self::NotEquals(expected), actual) => {
                actual.is_none_or(|actual| !values_match(expected, actual))
            }
            (_, None) => false,
            (Self::Equals(expected), Some(actual)) => values_match(expected, actual),
            (Self::OneOf(options), Some(actual)) => {
                options.iter().any(|option| values_match(option, actual))
            }
            (Self::Matches(regex), Some(Value::String(text))) => regex.is_match(text),
            (Self::Matches(_), Some(_)) => false,
            (Self::Compare(comparison, bound), Some(actual)) => {
                as_number(actual).is_some_and(|number| comparison.holds(number, *bound))
            }
        }
    }
}

impl Comparison {
    fn from_operator(operator: &str) -> Option<Self> {
        match operator {
            "gt" => Some(Self::Greater),
            "gte" => Some(Self::GreaterOrEqual),
            "lt" => Some(Self::Less),
            "lte" => Some(Self::LessOrEqual),
            _ => None,
        }
    }

    fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Self::Greater => value > bound,
            Self::GreaterOrEqual => value >= bound,
            Self::Less => value < bound,
            Self::LessOrEqual => value <= bound,
        }
    }
}

/// Log fields carry numbers as text as often as not (`"response_time":
/// "5012"`), so numeric strings compare as numbers.
fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn compile_entry(
    file: &SourceFile,
    key: &Spanned<String>,
    value: &Spanned<WhenValue>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    match key.value.as_str() {
        "any" | "all" => {
            let WhenValue::List(items) = &value.value else {
                diagnostics.push(
                    file.error_at(value, format!("`{}` takes a list of conditions", key.value)),
                );
                return None;
            };
            let parts = items
                .iter()
                .filter_map(|item| compile_nested(file, item, diagnostics))
                .collect::<Vec<_>>();
            (parts.len() == items.len()).then(|| {
                if key.value == "any" {
                    Condition::Any(parts)
                } else {
                    Condition::All(parts)
                }
            })
        }
        "not" => {
            compile_nested(file, value, diagnostics).map(|part| Condition::Not(Box::new(part)))
        }
        path => {
            if path.is_empty() || path.split('.').any(str::is_empty) {
                diagnostics.push(file.error_at(key, format!("`{path}` is not a field path")));
                return None;
            }
            let path = FieldPath::new(path);
            let mut tests = compile_tests(file, value, diagnostics)?;
            // Several operators on one field must all hold: `{ gte: 500, lt: 600 }`.
            Some(if tests.len() == 1 {
                Condition::Field(path, tests.remove(0))
            } else {
                Condition::All(
                    tests
                        .into_iter()
                        .map(|test| Condition::Field(path.clone(), test))
                        .collect(),
                )
            })
        }
    }
}

/// A condition inside `any` / `all` / `not`: a mapping like a `when`.
fn compile_nested(
    file: &SourceFile,
    value: &Spanned<WhenValue>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    match &value.value {
        WhenValue::Map(when) if !when.entries.is_empty() => {
            Condition::compile(file, when, diagnostics)
        }
        _ => {
            diagnostics.push(file.error_at(
                value,
                "expected a condition: a mapping such as `{ level: ERROR }`",
            ));
            None
        }
    }
}

fn compile_tests(
    file: &SourceFile,
    value: &Spanned<WhenValue>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<FieldTest>> {
    match &value.value {
        WhenValue::Scalar(scalar) => Some(vec![FieldTest::Equals(scalar.clone())]),
        WhenValue::List(items) => {
            scalars(file, items, diagnostics).map(|options| vec![FieldTest::OneOf(options)])
        }
        WhenValue::Map(operators) => {
            if operators.entries.is_empty() {
                diagnostics.push(file.error_at(
                    value,
                    format!("expected a value or operators ({OPERATORS})"),
                ));
                return None;
            }
            let errors_before = diagnostics.len();
            let tests: Vec<FieldTest> = operators
                .entries
                .iter()
                .filter_map(|(operator, operand)| {
                    compile_operator(file, operator, operand, diagnostics)
                })
                .collect();
            (diagnostics.len() == errors_before).then_some(tests)
        }
    }
}

fn compile_operator(
    file: &SourceFile,
    operator: &Spanned<String>,
    operand: &Spanned<WhenValue>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<FieldTest> {
    let scalar = match &operand.value {
        WhenValue::Scalar(scalar) => Some(scalar),
        _ => None,
    };
    match (operator.value.as_str(), scalar) {
        ("eq", Some(value)) => Some(FieldTest::Equals(value.clone())),
        ("ne", Some(value)) => Some(FieldTest::NotEquals(value.clone())),
        ("in", _) => match &operand.value {
            WhenValue::List(items) => scalars(file, items, diagnostics).map(FieldTest::OneOf),
            _ => {
                diagnostics.push(file.error_at(operand, "`in` takes a list of values"));
                None
            }
        },
        ("regex", Some(Value::String(pattern))) => {
            let spanned = Spanned {
                value: pattern.clone(),
                referenced: operand.referenced,
                defined: operand.defined,
            };
            compile_regex(file, &spanned, diagnostics).map(FieldTest::Matches)
        }
        ("exists", Some(Value::Bool(wanted))) => Some(FieldTest::Exists(*wanted)),
        (name, Some(Value::Number(bound))) if Comparison::from_operator(name).is_some() => {
            let comparison = Comparison::from_operator(name)?;
            bound
                .as_f64()
                .map(|bound| FieldTest::Compare(comparison, bound))
        }
        ("eq" | "ne", None) => {
            diagnostics.push(file.error_at(
                operand,
                format!("`{}` takes a single value", operator.value),
            ));
            None
        }
        ("regex", _) => {
            diagnostics.push(file.error_at(operand, "`regex` takes a pattern string"));
            None
        }
        ("exists", _) => {
            diagnostics.push(file.error_at(operand, "`exists` takes true or false"));
            None
        }
        (name, _) if Comparison::from_operator(name).is_some() => {
            diagnostics.push(file.error_at(operand, format!("`{name}` takes a number")));
            None
        }
        (name, _) => {
            diagnostics.push(file.error_at(
                operator,
                format!("unknown operator `{name}`; operators: {OPERATORS}"),
            ));
            None
        }
    }
}

fn scalars(
    file: &SourceFile,
    items: &[Spanned<WhenValue>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<Value>> {
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        match &item.value {
            WhenValue::Scalar(value) => values.push(value.clone()),
            _ => {
                diagnostics.push(file.error_at(item, "expected a plain value in this list"));
                return None;
            }
        }
    }
    Some(values)
}

// --- Reading `when:` from YAML ---------------------------------------------------
//
// Written by hand rather than as an untagged enum: serde buffers untagged
// input, which would lose the locations that errors point at.

impl<'de> Deserialize<'de> for WhenConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(WhenConfigVisitor)
    }
}

struct WhenConfigVisitor;

impl<'de> Visitor<'de> for WhenConfigVisitor {
    type Value = WhenConfig;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a mapping of field paths to values or operators")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WhenConfig, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<Spanned<String>, Spanned<WhenValue>>()? {
            entries.push(entry);
        }
        Ok(WhenConfig { entries })
    }
}

impl<'de> Deserialize<'de> for WhenValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WhenValueVisitor)
    }
}

struct WhenValueVisitor;

impl<'de> Visitor<'de> for WhenValueVisitor {
    type Value = WhenValue;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a value, a list, or a mapping of operators")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<WhenValue, E> {
        Ok(WhenValue::Scalar(Value::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<WhenValue, E> {
        Ok(WhenValue::Scalar(Value::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<WhenValue, E> {
        Ok(WhenValue::Scalar(Value::from(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<WhenValue, E> {
        serde_json::Number::from_f64(value)
            .map(|number| WhenValue::Scalar(Value::Number(number)))
            .ok_or_else(|| E::custom("a condition cannot compare with NaN or infinity"))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<WhenValue, E> {
        Ok(WhenValue::Scalar(Value::from(value)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<WhenValue, E> {
        Ok(WhenValue::Scalar(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<WhenValue, E> {
        Ok(WhenValue::Scalar(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<WhenValue, D::Error> {
        WhenValue::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WhenValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<WhenValue>>()? {
            items.push(item);
        }
        Ok(WhenValue::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<WhenValue, A::Error> {
        WhenConfigVisitor.visit_map(map).map(WhenValue::Map)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Rule {
        when: Spanned<WhenConfig>,
    }

    fn compile(text: &str) -> Result<Condition, Vec<String>> {
        let file = SourceFile::new("w.yaml", text);
        let rule: Rule = file.parse().map_err(|err| vec![err.headline()])?;
        let mut diagnostics = Vec::new();
        Condition::compile(&file, &rule.when.value, &mut diagnostics)
            .ok_or_else(|| diagnostics.iter().map(Diagnostic::headline).collect())
    }

    fn errors(text: &str) -> Vec<String> {
        compile(text).expect_err("a rejected condition")
    }

    fn holds(text: &str, record: Value) -> bool {
        let condition = compile(text).expect("a valid condition");
        condition.matches(record.as_object().expect("an object"))
    }

    #[test]
    fn equality_is_loose_about_numbers_written_as_text() {
        assert!(holds("when: { level: ERROR }", json!({"level": "ERROR"})));
        assert!(!holds("when: { level: ERROR }", json!({"level": "error"})));
        assert!(holds("when: { status: 500 }", json!({"status": "500"})));
        assert!(!holds("when: { level: ERROR }", json!({})));
    }

    #[test]
    fn numeric_comparisons_read_numbers_and_numeric_strings() {
        let slow = "when: { response_time: { gt: 5000 } }";
        assert!(holds(slow, json!({"response_time": 5012})));
        assert!(holds(slow, json!({"response_time": "5000.5"})));
        assert!(!holds(slow, json!({"response_time": 5000})));
        assert!(!holds(slow, json!({"response_time": "slow"})));
        assert!(!holds(slow, json!({})));
        let server_error = "when: { http.response.status_code: { gte: 500, lt: 600 } }";
        assert!(holds(
            server_error,
            json!({"http.response.status_code": 503})
        ));
        assert!(holds(
            server_error,
            json!({"http": {"response": {"status_code": 500}}})
        ));
        assert!(!holds(
            server_error,
            json!({"http.response.status_code": 600})
        ));
        assert!(!holds(
            server_error,
            json!({"http.response.status_code": 404})
        ));
        assert!(holds("when: { n: { lte: -1.5 } }", json!({"n": -2})));
        assert!(!holds("when: { n: { lt: -1.5 } }", json!({"n": -1.5})));
    }

    #[test]
    fn regex_exists_lists_and_ne() {
        let timeout = "when: { message: { regex: '(?i)timed? ?out' } }";
        assert!(holds(timeout, json!({"message": "upstream Timed out"})));
        assert!(!holds(timeout, json!({"message": "fine"})));
        assert!(!holds(timeout, json!({"message": 5})));
        assert!(holds(
            "when: { user.id: { exists: true } }",
            json!({"user": {"id": 7}})
        ));
        assert!(!holds(
            "when: { user.id: { exists: true } }",
            json!({"user": {}})
        ));
        assert!(holds("when: { trace_id: { exists: false } }", json!({})));
        let namespaces = "when: { kubernetes.namespace: [shop, billing] }";
        assert!(holds(
            namespaces,
            json!({"kubernetes.namespace": "billing"})
        ));
        assert!(!holds(
            namespaces,
            json!({"kubernetes.namespace": "kube-system"})
        ));
        let with_in = "when: { env: { in: [prod, staging] } }";
        assert!(holds(with_in, json!({"env": "prod"})));
        assert!(holds("when: { env: { ne: test } }", json!({"env": "prod"})));
        assert!(holds("when: { env: { ne: test } }", json!({})));
        assert!(!holds(
            "when: { env: { ne: test } }",
            json!({"env": "test"})
        ));
    }

    #[test]
    fn any_all_and_not_combine() {
        let text = "
when:
  level: ERROR
  any:
    - { service: checkout }
    - { response_time: { gt: 5000 } }
  not: { env: test }
";
        assert!(holds(
            text,
            json!({"level": "ERROR", "service": "checkout"})
        ));
        assert!(holds(
            text,
            json!({"level": "ERROR", "response_time": 6000})
        ));
        assert!(!holds(text, json!({"level": "ERROR", "response_time": 10})));
        assert!(!holds(
            text,
            json!({"level": "ERROR", "service": "checkout", "env": "test"})
        ));
        assert!(!holds(
            text,
            json!({"level": "INFO", "service": "checkout"})
        ));
        let all = "when: { all: [ { a: 1 }, { b: { exists: true } } ] }";
        assert!(holds(all, json!({"a": 1, "b": null})));
        assert!(!holds(all, json!({"a": 1})));
    }

    #[test]
    fn mistakes_point_at_their_place() {
        assert_eq!(
            errors("when: { status: { greater: 5 } }"),
            vec![
                "w.yaml:1:19: unknown operator `greater`; operators: eq, ne, in, regex, gt, gte, lt, lte, exists".to_owned()
            ]
        );
        assert_eq!(
            errors("when:\n  status:\n    gt: high\n"),
            vec!["w.yaml:3:9: `gt` takes a number".to_owned()]
        );
        assert_eq!(
            errors("when: { message: { regex: 'a(b' } }"),
            vec!["w.yaml:1:29: invalid regex: unclosed group".to_owned()]
        );
        assert_eq!(
            errors("when: { any: { level: ERROR } }"),
            vec!["w.yaml:1:14: `any` takes a list of conditions".to_owned()]
        );
        assert_eq!(
            errors("when: { not: [a] }"),
            vec![
                "w.yaml:1:14: expected a condition: a mapping such as `{ level: ERROR }`"
                    .to_owned()
            ]
        );
        assert_eq!(
            errors("when: { exists: { exists: 1 } }"),
            vec!["w.yaml:1:27: `exists` takes true or false".to_owned()]
        );
        assert_eq!(
            errors("when: { tags: [a, [b]] }"),
            vec!["w.yaml:1:19: expected a plain value in this list".to_owned()]
        );
    }
}
