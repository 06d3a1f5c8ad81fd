//! The rule-file format as written by people. Everything here is plain
//! serde; [`crate::RuleSet::compile`] turns it into matchers.

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::alerts::AlertConfig;
use crate::condition::WhenConfig;
use crate::rule_tests::RuleTestConfig;

/// A rule file: five optional sections, applied in this order.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileConfig {
    /// What must never leave the machine.
    #[serde(default)]
    pub mask: Vec<MaskRuleConfig>,
    /// Keys dropped wherever they appear (case-insensitive).
    #[serde(default)]
    pub remove: Vec<Spanned<String>>,
    /// Fields set on matching events.
    #[serde(default)]
    pub enrich: Vec<EnrichRuleConfig>,
    /// Named regex rules that tag events.
    #[serde(default)]
    pub patterns: Vec<PatternRuleConfig>,
    /// Where events go.
    #[serde(default)]
    pub routes: Vec<Spanned<RouteConfig>>,
    /// Test cases for `sluice test-rules --tests`.
    #[serde(default)]
    pub tests: Vec<Spanned<RuleTestConfig>>,
}

/// One masking rule. Exactly one of `field`, `pattern` and `detect` says
/// what it applies to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskRuleConfig {
    /// Shown in `test-rules` and metrics.
    pub name: Spanned<String>,
    /// Regex over the dotted field path (`user.password`): the whole value
    /// is masked.
    pub field: Option<Spanned<String>>,
    /// Custom detector: regex over string values; only the match is masked.
    pub pattern: Option<Spanned<String>>,
    /// Built-in detector name (`email`, `credit_card`, …; see
    /// `docs/rules.md`).
    pub detect: Option<Spanned<String>>,
    /// What to do.
    pub action: Spanned<MaskActionName>,
    /// Text put in place of a redacted value, or the `partial` template.
    pub replacement: Option<String>,
    /// For `partial`: regex with captures the template refers to.
    pub keep: Option<Spanned<String>>,
    /// For `partial`, instead of `keep`: every letter and digit but the
    /// last N becomes `*`; separators stay (`**** **** **** 1111`).
    pub keep_last: Option<Spanned<usize>>,
    /// For `hash`: environment variable holding the HMAC key.
    pub key_env: Option<Spanned<String>>,
    /// For `hash`: file holding the HMAC key (a mounted secret); relative
    /// paths are read from the rule file's directory.
    pub key_file: Option<Spanned<String>>,
    /// For `hash`: hex characters kept (default 16).
    pub length: Option<Spanned<usize>>,
}

/// Masking actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskActionName {
    /// Replace with a fixed text.
    Redact,
    /// Keep parts picked by `keep`, per the `replacement` template.
    Partial,
    /// Keyed HMAC-SHA256, truncated hex: joinable, not reversible.
    Hash,
    /// Delete the field.
    Remove,
}

/// An enrichment rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrichRuleConfig {
    /// When the rule applies (see [`crate::condition`]).
    #[serde(default)]
    pub when: Option<Spanned<WhenConfig>>,
    /// Fields to set (dotted paths create nested objects).
    pub set: Spanned<serde_json::Map<String, Value>>,
}

/// A named pattern rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternRuleConfig {
    /// Pattern name, set as `pattern.name`.
    pub name: Spanned<String>,
    /// Regex over the field.
    pub regex: Spanned<String>,
    /// Field searched (default `message`).
    pub field: Option<String>,
    /// Set as `pattern.severity`.
    pub severity: Option<String>,
    /// Set as `pattern.action`; a rule with an action also emits alert
    /// records (tag `sluice.alert`).
    pub action: Option<String>,
    /// When to alert (default: on every match); needs `action`.
    pub alert: Option<Spanned<AlertConfig>>,
}

/// A route. `match` is a Fluentd tag glob: `*` one part, `**` any parts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Optional name for `test-rules` output.
    pub name: Option<String>,
    /// Tag glob; absent means every tag.
    #[serde(rename = "match")]
    pub tag_match: Option<Spanned<String>>,
    /// Which events the route takes (see [`crate::condition`]).
    pub when: Option<Spanned<WhenConfig>>,
    /// Sink names.
    #[serde(default)]
    pub to: Vec<Spanned<String>>,
    /// Index name override for these sinks (strftime allowed).
    pub index: Option<Spanned<String>>,
    /// Drop matching events (counted).
    #[serde(default)]
    pub drop: bool,
    /// Keep evaluating later routes after this one matched.
    #[serde(default, rename = "continue")]
    pub continue_matching: bool,
}
