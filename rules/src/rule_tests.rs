//! Test cases carried by rule files, so users can check their rules in
//! their own CI with `sluice test-rules --tests`:
//!
//! ```yaml
//! tests:
//!   - name: cards are masked, errors go to es
//!     input: '{"level":"ERROR","message":"paid with 4111 1111 1111 1111"}'
//!     expect: { message: "paid with [CARD REDACTED]", error_severity: high }
//!     absent: [password]
//!     sinks: [es]
//!   - input: '{"level":"DEBUG"}'
//!     drop: true
//! ```
//!
//! The rules crate checks a case's shape and its outcome; running the line
//! through the pipeline (parser, stages, routes) is the binary's job.

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use sluice_parsers::Record;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::field_path::{values_match, FieldPath};

/// A test case as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTestConfig {
    /// Shown in the report (default: `file#testN`).
    pub name: Option<String>,
    /// The raw line, parsed by the input's parser.
    pub input: String,
    /// Tag the line carries (default: the input's tag).
    pub tag: Option<String>,
    /// Field paths and their values after every stage.
    #[serde(default)]
    pub expect: serde_json::Map<String, Value>,
    /// Field paths that must be gone.
    #[serde(default)]
    pub absent: Vec<String>,
    /// Exactly these sinks must receive the event.
    pub sinks: Option<Vec<Spanned<String>>>,
    /// The event must be dropped by a route.
    #[serde(default)]
    pub drop: bool,
}

/// A compiled test case.
#[derive(Debug, Clone)]
pub struct RuleTest {
    /// Display name.
    pub name: String,
    /// `file:line:col` of the case.
    pub location: String,
    /// The raw line.
    pub input: String,
    /// Tag override.
    pub tag: Option<String>,
    expect: Vec<(FieldPath, Value)>,
    absent: Vec<FieldPath>,
    sinks: Option<Vec<String>>,
    drop: bool,
}

/// What happened to the test's event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    /// Delivered to these sinks (by name).
    Delivered(Vec<String>),
    /// Dropped by a route.
    Dropped,
    /// Sent to the dead-letter file, with the reason.
    DeadLettered(String),
}

impl RuleTest {
    pub(crate) fn compile(
        file: &SourceFile,
        position: usize,
        case: &Spanned<RuleTestConfig>,
        sinks: &[String],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Self> {
        let config = &case.value;
        let at = file.error_at(case, "");
        let location = format!("{}:{}:{}", at.file, at.line, at.column);
        if config.expect.is_empty()
            && config.absent.is_empty()
            && config.sinks.is_none()
            && !config.drop
        {
            diagnostics.push(file.error_at(
                case,
                "a test needs at least one of `expect`, `absent`, `sinks` or `drop`",
            ));
            return None;
        }
        if config.drop && config.sinks.is_some() {
            diagnostics
                .push(file.error_at(case, "a test expects `sinks` or `drop: true`, not both"));
            return None;
        }
        let mut valid = true;
        for sink in config.sinks.iter().flatten() {
            if !sinks.contains(&sink.value) {
                diagnostics.push(file.error_at(
                    sink,
                    format!(
                        "test expects unknown sink `{}`; configured sinks: {}",
                        sink.value,
                        sinks.join(", ")
                    ),
                ));
                valid = false;
            }
        }
        valid.then(|| Self {
            name: config
                .name
                .clone()
                .unwrap_or_else(|| format!("{}#test{}", file.name, position + 1)),
            location,
            input: config.input.clone(),
            tag: config.tag.clone(),
            expect: config
                .expect
                .iter()
                .map(|(path, value)| (FieldPath::new(path), value.clone()))
                .collect(),
            absent: config
                .absent
                .iter()
                .map(|path| FieldPath::new(path))
                .collect(),
            sinks: config.sinks.as_ref().map(|sinks| {
                let mut names: Vec<String> = sinks.iter().map(|sink| sink.value.clone()).collect();
                names.sort_unstable();
                names
            }),
            drop: config.drop,
        })
    }

    /// Every way the outcome differs from the case; empty when it passes.
    pub fn failures(&self, record: &Record, outcome: &TestOutcome) -> Vec<String> {
        let mut failures = Vec::new();
        for (path, expected) in &self.expect {
            match path.get(record) {
                Some(actual) if values_match(expected, actual) => {}
                Some(actual) => failures.push(format!(
                    "`{}` is {actual}, expected {expected}",
                    path.as_str()
                )),
                None => failures.push(format!(
                    "`{}` is missing, expected {expected}",
                    path.as_str()
                )),
            }
        }
        for path in &self.absent {
            if let Some(actual) = path.get(record) {
                failures.push(format!(
                    "`{}` should be absent but is {actual}",
                    path.as_str()
                ));
            }
        }
        match (outcome, &self.sinks, self.drop) {
            (TestOutcome::Dropped, _, true) => {}
            (TestOutcome::Dropped, _, false) => failures.push("the event was dropped".to_owned()),
            (other, _, true) => {
                failures.push(format!(
                    "expected a drop, but the event was {}",
                    describe(other)
                ));
            }
            (TestOutcome::DeadLettered(reason), _, false) => {
                failures.push(format!("the event was dead-lettered: {reason}"));
            }
            (TestOutcome::Delivered(actual), Some(expected), false) => {
                let mut actual = actual.clone();
                actual.sort_unstable();
                actual.dedup();
                if actual != *expected {
                    failures.push(format!(
                        "sent to [{}], expected [{}]",
                        actual.join(", "),
                        expected.join(", ")
                    ));
                }
            }
            (TestOutcome::Delivered(_), None, false) => {}
        }
        failures
    }
}

fn describe(outcome: &TestOutcome) -> String {
    match outcome {
        TestOutcome::Delivered(sinks) => format!("sent to [{}]", sinks.join(", ")),
        TestOutcome::Dropped => "dropped".to_owned(),
        TestOutcome::DeadLettered(reason) => format!("dead-lettered ({reason})"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Cases {
        tests: Vec<Spanned<RuleTestConfig>>,
    }

    fn compile(text: &str) -> Vec<RuleTest> {
        let file = SourceFile::new("t.yaml", text);
        let cases: Cases = file.parse().expect("valid YAML");
        let sinks = ["es".to_owned(), "archive".to_owned()];
        let mut diagnostics = Vec::new();
        let tests = cases
            .tests
            .iter()
            .enumerate()
            .filter_map(|(position, case)| {
                RuleTest::compile(&file, position, case, &sinks, &mut diagnostics)
            })
            .collect();
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        tests
    }

    #[test]
    fn every_difference_is_reported() {
        let [test] = <[RuleTest; 1]>::try_from(compile(
            "tests:\n  - input: x\n    expect: { a: 1, b.c: two }\n    absent: [secret]\n    sinks: [es, archive]\n",
        ))
        .unwrap();
        assert_eq!(test.name, "t.yaml#test1");
        assert_eq!(test.location, "t.yaml:2:5");
        let record = json!({"a": "1", "secret": "s"});
        let failures = test.failures(
            record.as_object().unwrap(),
            &TestOutcome::Delivered(vec!["es".into()]),
        );
        assert_eq!(
            failures,
            [
                "`b.c` is missing, expected \"two\"",
                "`secret` should be absent but is \"s\"",
                "sent to [es], expected [archive, es]",
            ]
        );
        let passing = json!({"a": 1, "b": {"c": "two"}});
        let outcome = TestOutcome::Delivered(vec!["archive".into(), "es".into(), "es".into()]);
        assert!(test
            .failures(passing.as_object().unwrap(), &outcome)
            .is_empty());
        let dead = TestOutcome::DeadLettered("no route".into());
        assert_eq!(
            test.failures(passing.as_object().unwrap(), &dead),
            ["the event was dead-lettered: no route"]
        );
    }

    #[test]
    fn a_drop_case_fails_on_delivery() {
        let [test] =
            <[RuleTest; 1]>::try_from(compile("tests:\n  - input: x\n    drop: true\n")).unwrap();
        let record = Record::new();
        assert!(test.failures(&record, &TestOutcome::Dropped).is_empty());
        assert_eq!(
            test.failures(&record, &TestOutcome::Delivered(vec!["es".into()])),
            ["expected a drop, but the event was sent to [es]"]
        );
    }
}
