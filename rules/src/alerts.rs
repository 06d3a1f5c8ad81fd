//! Alerts from pattern rules with an `action`: an alert record on tag
//! `sluice.alert`, routed like any event.
//!
//! ```yaml
//! patterns:
//!   - name: authentication_failure
//!     regex: 'Authentication failed for user'
//!     severity: medium
//!     action: security_alert
//!     alert: { count: 5, window: 1m, group_by: [source.ip], cooldown: 10m }
//! ```
//!
//! Without `alert`, every match alerts. With it, an alert fires when
//! `count` matches of one group fall within `window` of event time, and
//! that group then stays quiet for `cooldown`. Counting follows event time,
//! so a replayed archive alerts where the live stream would have.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use sluice_parsers::Record;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::field_path::FieldPath;

/// The tag alert records carry.
pub const ALERT_TAG: &str = "sluice.alert";

/// Groups tracked at once, across all rules: a `group_by` on a field with
/// unbounded values (a request id, say) must not grow memory without end.
const MAX_TRACKED_GROUPS: usize = 10_000;

/// `alert:` of a pattern rule, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    /// Matches needed within the window (default 1).
    pub count: Option<Spanned<u32>>,
    /// Span of event time the matches must fall in (default `1m`).
    pub window: Option<Spanned<String>>,
    /// Fields whose values split the count (one count per distinct value).
    #[serde(default)]
    pub group_by: Vec<String>,
    /// Quiet time per group after an alert (default: none).
    pub cooldown: Option<Spanned<String>>,
}

/// When one pattern rule alerts.
#[derive(Debug, Clone)]
pub(crate) struct AlertRule {
    count: usize,
    window: chrono::TimeDelta,
    group_by: Vec<FieldPath>,
    cooldown: chrono::TimeDelta,
}

impl Default for AlertRule {
    fn default() -> Self {
        Self {
            count: 1,
            window: chrono::TimeDelta::minutes(1),
            group_by: Vec::new(),
            cooldown: chrono::TimeDelta::zero(),
        }
    }
}

impl AlertRule {
    pub(crate) fn compile(
        file: &SourceFile,
        config: &AlertConfig,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Self> {
        let mut rule = Self::default();
        let mut valid = true;
        if let Some(count) = &config.count {
            if count.value == 0 {
                diagnostics.push(file.error_at(count, "`count` must be at least 1"));
                valid = false;
            }
            rule.count = count.value as usize;
        }
        for (setting, target) in [
            (&config.window, &mut rule.window),
            (&config.cooldown, &mut rule.cooldown),
        ] {
            let Some(text) = setting else { continue };
            match humantime::parse_duration(&text.value)
                .ok()
                .and_then(|duration| chrono::TimeDelta::from_std(duration).ok())
            {
                Some(duration) => *target = duration,
                None => {
                    diagnostics.push(file.error_at(
                        text,
                        format!(
                            "`{}` is not a duration (write `30s`, `5m`, `1h`)",
                            text.value
                        ),
                    ));
                    valid = false;
                }
            }
        }
        if rule.count > 1 && rule.window.is_zero() {
            if let Some(window) = &config.window {
                diagnostics
                    .push(file.error_at(window, "a `count` above 1 needs a window above zero"));
                valid = false;
            }
        }
        rule.group_by = config
            .group_by
            .iter()
            .map(|path| FieldPath::new(path))
            .collect();
        valid.then_some(rule)
    }
}

/// What a pattern rule with an action needs to say in its alert.
#[derive(Debug, Clone)]
pub(crate) struct AlertSource {
    pub(crate) pattern: Arc<str>,
    pub(crate) severity: Option<Arc<str>>,
    pub(crate) action: Arc<str>,
    pub(crate) rule: AlertRule,
}

#[derive(Debug, Default)]
struct GroupState {
    /// Event times of recent matches, oldest first.
    hits: VecDeque<DateTime<Utc>>,
    quiet_until: Option<DateTime<Utc>>,
}

/// Counts matches per rule and group, shared by every pipeline worker.
#[derive(Debug, Default)]
pub struct AlertTracker {
    groups: Mutex<HashMap<(usize, Vec<Value>), GroupState>>,
}

impl AlertTracker {
    /// Counts one match of `source` (pattern rule `rule_id`) in `record` at
    /// `time`; returns the alert record when this match fires one.
    pub(crate) fn observe(
        &self,
        rule_id: usize,
        source: &AlertSource,
        record: &Record,
        time: DateTime<Utc>,
    ) -> Option<Record> {
        let rule = &source.rule;
        let group: Vec<Value> = rule
            .group_by
            .iter()
            .map(|path| path.get(record).cloned().unwrap_or(Value::Null))
            .collect();
        let mut groups = self
            .groups
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (rule_id, group);
        if !groups.contains_key(&key) && groups.len() >= MAX_TRACKED_GROUPS {
            forget_idle(&mut groups, time);
            if groups.len() >= MAX_TRACKED_GROUPS {
                return None;
            }
        }
        let state = groups.entry(key.clone()).or_default();
        if state.quiet_until.is_some_and(|until| time < until) {
            return None;
        }
        state.hits.push_back(time);
        let newest = state.hits.iter().copied().max().unwrap_or(time);
        while state
            .hits
            .front()
            .is_some_and(|&hit| hit <= newest - rule.window)
        {
            state.hits.pop_front();
        }
        if state.hits.len() < rule.count {
            return None;
        }
        let count = state.hits.len();
        state.hits.clear();
        state.quiet_until = (!rule.cooldown.is_zero()).then(|| time + rule.cooldown);
        Some(alert_record(source, record, &key.1, count, time))
    }
}

/// Drops groups with nothing left to count and no cooldown running.
fn forget_idle(groups: &mut HashMap<(usize, Vec<Value>), GroupState>, now: DateTime<Utc>) {
    groups.retain(|_, state| {
        state.quiet_until.is_some_and(|until| now < until)
            || state
                .hits
                .back()
                .is_some_and(|&last| now - last < chrono::TimeDelta::hours(1))
    });
}

fn alert_record(
    source: &AlertSource,
    record: &Record,
    group: &[Value],
    count: usize,
    time: DateTime<Utc>,
) -> Record {
    let rule = &source.rule;
    let mut alert = Record::with_capacity(10);
    let mut put = |key: &str, value: Value| {
        alert.insert(key.to_owned(), value);
    };
    put(
        "@timestamp",
        Value::String(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    );
    let grouped: Vec<String> = rule
        .group_by
        .iter()
        .zip(group)
        .map(|(path, value)| format!("{}={value}", path.as_str()))
        .collect();
    let message = match (count, grouped.is_empty()) {
        (1, true) => format!("{}: matched", source.pattern),
        (1, false) => format!("{}: matched ({})", source.pattern, grouped.join(", ")),
        (_, true) => format!(
            "{}: {count} matches within {}",
            source.pattern,
            humantime::format_duration(rule.window.to_std().unwrap_or(Duration::ZERO))
        ),
        (_, false) => format!(
            "{}: {count} matches within {} ({})",
            source.pattern,
            humantime::format_duration(rule.window.to_std().unwrap_or(Duration::ZERO)),
            grouped.join(", ")
        ),
    };
    put("message", Value::String(message));
    put("alert.pattern", Value::from(&*source.pattern));
    put("alert.action", Value::from(&*source.action));
    if let Some(severity) = &source.severity {
        put("alert.severity", Value::from(&**severity));
    }
    put("alert.count", Value::from(count));
    put(
        "alert.window_seconds",
        Value::from(rule.window.num_seconds()),
    );
    for (path, value) in rule.group_by.iter().zip(group) {
        put(&format!("alert.group.{}", path.as_str()), value.clone());
    }
    // The event that fired it, masked already: alerts run after masking.
    if let Some(example) = record.get("message") {
        put("alert.example", example.clone());
    }
    alert
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{CompileContext, Diagnostic, RuleError, RuleSet, SourceFile};

    use super::*;

    fn compile(text: &str) -> Result<RuleSet, Vec<String>> {
        let sinks = ["es".to_owned()];
        RuleSet::compile(
            &[SourceFile::new("a.yaml", text)],
            &CompileContext::new(&sinks),
        )
        .map(|(rules, _)| rules)
        .map_err(|RuleError::Invalid(diagnostics)| {
            diagnostics.iter().map(Diagnostic::headline).collect()
        })
    }

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_429_741 + second, 0).unwrap()
    }

    /// Matches `message` at each time; returns the alerts' messages.
    fn run(rules: &RuleSet, events: &[(i64, Value)]) -> Vec<String> {
        let mut fired = Vec::new();
        for (second, event) in events {
            let mut record = event.as_object().unwrap().clone();
            let hits = rules.patterns.apply(&mut record);
            for alert in rules.patterns.alerts(&hits, &record, at(*second)) {
                fired.push(alert["message"].as_str().unwrap().to_owned());
            }
        }
        fired
    }

    const FAILED: &str = "Authentication failed for user bob";

    #[test]
    fn without_thresholds_every_match_alerts_with_its_fields() {
        let rules = compile(
            "patterns:\n  - name: oom\n    regex: OutOfMemoryError\n    severity: critical\n    action: page\n",
        )
        .unwrap();
        let mut record = json!({"message": "java.lang.OutOfMemoryError"})
            .as_object()
            .unwrap()
            .clone();
        let hits = rules.patterns.apply(&mut record);
        let alerts = rules.patterns.alerts(&hits, &record, at(0));
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            Value::Object(alerts[0].clone()),
            json!({
                "@timestamp": "2026-11-23T10:29:01.000Z",
                "message": "oom: matched",
                "alert.pattern": "oom",
                "alert.action": "page",
                "alert.severity": "critical",
                "alert.count": 1,
                "alert.window_seconds": 60,
                "alert.example": "java.lang.OutOfMemoryError"
            })
        );
        let no_action = compile("patterns:\n  - name: oom\n    regex: OutOfMemoryError\n").unwrap();
        let hits = no_action.patterns.apply(&mut record);
        assert!(no_action.patterns.alerts(&hits, &record, at(0)).is_empty());
    }

    #[test]
    fn counts_per_group_within_the_window_then_cools_down() {
        let rules = compile(
            "patterns:\n  - name: auth\n    regex: 'Authentication failed'\n    action: security_alert\n    alert: { count: 3, window: 1m, group_by: [source.ip], cooldown: 5m }\n",
        )
        .unwrap();
        let from = |ip: &str| json!({"message": FAILED, "source.ip": ip});
        let fired = run(
            &rules,
            &[
                (0, from("10.0.0.1")),
                (10, from("10.0.0.2")),
                (20, from("10.0.0.1")),
                // 90 s after the first: it has left the window.
                (90, from("10.0.0.1")),
                (95, from("10.0.0.1")),
                // Third within a minute: fires, then five quiet minutes.
                (100, from("10.0.0.1")),
                (101, from("10.0.0.1")),
                (102, from("10.0.0.1")),
                (103, from("10.0.0.1")),
                // The other address has its own count (its match at 10 s
                // has left the window by now).
                (104, from("10.0.0.2")),
                (105, from("10.0.0.2")),
                (106, from("10.0.0.2")),
                // Cooldown over.
                (401, from("10.0.0.1")),
                (402, from("10.0.0.1")),
                (403, from("10.0.0.1")),
            ],
        );
        assert_eq!(
            fired,
            [
                "auth: 3 matches within 1m (source.ip=\"10.0.0.1\")",
                "auth: 3 matches within 1m (source.ip=\"10.0.0.2\")",
                "auth: 3 matches within 1m (source.ip=\"10.0.0.1\")",
            ]
        );
    }

    #[test]
    fn alert_mistakes_point_at_their_place() {
        assert_eq!(
            compile("patterns:\n  - name: p\n    regex: x\n    alert: { count: 2 }\n").unwrap_err(),
            ["a.yaml:4:12: pattern `p` has `alert` but no `action` to name it"]
        );
        assert_eq!(
            compile("patterns:\n  - name: p\n    regex: x\n    action: a\n    alert: { count: 2, window: soon }\n")
                .unwrap_err(),
            ["a.yaml:5:32: `soon` is not a duration (write `30s`, `5m`, `1h`)"]
        );
        assert_eq!(
            compile(
                "patterns:\n  - name: p\n    regex: x\n    action: a\n    alert: { count: 0 }\n"
            )
            .unwrap_err(),
            ["a.yaml:5:21: `count` must be at least 1"]
        );
        assert!(compile(
            "patterns:\n  - name: p\n    regex: x\n    action: a\n    alert: { every: 2 }\n"
        )
        .unwrap_err()[0]
            .starts_with("a.yaml:5:14: unknown field `every`"));
    }
}
