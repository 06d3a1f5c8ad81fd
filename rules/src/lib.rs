//! Rule files for sluice: the model people write, its compiler, and the
//! engine the pipeline runs (mask, enrich, patterns, routes).
//!
//! A rule file is YAML with up to five sections applied in order: `mask`,
//! `remove`, `enrich`, `patterns`, `routes`; and optionally `tests`, cases
//! that `sluice test-rules --tests` runs. [`RuleSet::compile`] validates
//! every file at once and reports each problem as `file:line:col: message`;
//! nothing is compiled after that.
//!
//! ```
//! use sluice_rules::{CompileContext, RuleSet, SourceFile};
//!
//! let file = SourceFile::new(
//!     "rules.yaml",
//!     "mask:\n  - name: pw\n    field: password\n    action: redact\n",
//! );
//! let sinks = ["local".to_owned()];
//! let (rules, _warnings) = RuleSet::compile(&[file], &CompileContext::new(&sinks)).unwrap();
//! let mut record = serde_json::json!({"user": "ana", "password": "hunter2"})
//!     .as_object()
//!     .unwrap()
//!     .clone();
//! rules.mask.apply(&mut record, None);
//! assert_eq!(record["password"], "***REDACTED***");
//! ```
#![deny(missing_docs)]

mod alerts;
mod compile_support;
mod condition;
pub mod detectors;
mod diagnostic;
mod enrich;
mod field_path;
mod mask;
pub mod model;
pub mod packs;
mod patterns;
mod route;
mod rule_tests;
mod tag_glob;

use std::sync::Arc;

pub use alerts::{AlertConfig, AlertTracker, ALERT_TAG};
pub use condition::{Comparison, Condition, FieldTest, WhenConfig, WhenValue};
pub use diagnostic::{Diagnostic, Severity, SourceFile};
pub use enrich::EnrichStage;
pub use field_path::FieldPath;
pub use mask::MaskStage;
pub use patterns::{PatternInfo, PatternStage};
pub use route::{RouteStage, Routing, Target};
pub use rule_tests::{RuleTest, RuleTestConfig, TestOutcome};
pub use tag_glob::TagGlob;

use model::RuleFileConfig;
use route::Route;

/// Errors from loading rule files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// One or more files have problems; warnings are included.
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the compiler needs to know about the rest of the configuration.
pub struct CompileContext<'a> {
    /// Configured sink names; routes refer to them by position.
    pub sinks: &'a [String],
    /// Validates a route's `index` template; returns a message on error.
    pub check_index: &'a dyn Fn(&str) -> Result<(), String>,
}

impl<'a> CompileContext<'a> {
    /// A context that accepts any index template.
    pub fn new(sinks: &'a [String]) -> Self {
        Self {
            sinks,
            check_index: &|_| Ok(()),
        }
    }
}

/// Every rule file compiled into the four stages.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Masking and key removal.
    pub mask: MaskStage,
    /// Field enrichment.
    pub enrich: EnrichStage,
    /// Named pattern rules.
    pub patterns: PatternStage,
    /// Routing.
    pub routes: RouteStage,
    /// Test cases from the rule files, in order.
    pub tests: Vec<RuleTest>,
}

impl RuleSet {
    /// Parses and compiles rule files, in order.
    ///
    /// # Errors
    /// [`RuleError::Invalid`] with every error and warning found, when at
    /// least one is an error. On success, the warnings come back alongside.
    pub fn compile(
        files: &[SourceFile],
        context: &CompileContext<'_>,
    ) -> Result<(Self, Vec<Diagnostic>), RuleError> {
        let mut diagnostics = Vec::new();
        let parsed: Vec<(&SourceFile, RuleFileConfig)> = files
            .iter()
            .filter_map(|file| match file.parse::<RuleFileConfig>() {
                Ok(config) => Some((file, config)),
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    None
                }
            })
            .collect();

        let mask_rules: Vec<_> = parsed
            .iter()
            .flat_map(|(file, config)| config.mask.iter().map(move |rule| (*file, rule)))
            .collect();
        let removed: Vec<_> = parsed
            .iter()
            .flat_map(|(file, config)| config.remove.iter().map(move |key| (*file, key)))
            .collect();
        let enrich_rules: Vec<_> = parsed
            .iter()
            .flat_map(|(file, config)| config.enrich.iter().map(move |rule| (*file, rule)))
            .collect();
        let pattern_rules: Vec<_> = parsed
            .iter()
            .flat_map(|(file, config)| config.patterns.iter().map(move |rule| (*file, rule)))
            .collect();

        let rules = Self {
            mask: MaskStage::compile(&mask_rules, &removed, &mut diagnostics),
            enrich: EnrichStage::compile(&enrich_rules, &mut diagnostics),
            patterns: PatternStage::compile(&pattern_rules, &mut diagnostics),
            routes: compile_routes(&parsed, context, &mut diagnostics),
            tests: parsed
                .iter()
                .flat_map(|(file, config)| {
                    config
                        .tests
                        .iter()
                        .enumerate()
                        .map(move |(position, case)| (*file, position, case))
                })
                .filter_map(|(file, position, case)| {
                    RuleTest::compile(file, position, case, context.sinks, &mut diagnostics)
                })
                .collect(),
        };
        if diagnostics.iter().any(|d| d.severity == Severity::Error) {
            return Err(RuleError::Invalid(diagnostics));
        }
        Ok((rules, diagnostics))
    }
}

fn compile_routes(
    parsed: &[(&SourceFile, RuleFileConfig)],
    context: &CompileContext<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> RouteStage {
    let mut stage = RouteStage::default();
    let mut catch_all_seen = false;
    // Earlier routes that take every event their glob matches and stop
    // there: a later route they cover can never fire.
    let mut stoppers: Vec<(Arc<str>, Option<TagGlob>)> = Vec::new();
    for (file, config) in parsed {
        for (position, route) in config.routes.iter().enumerate() {
            let route = &route.value;
            let location_hint = route
                .tag_match
                .as_ref()
                .map(|spanned| spanned.referenced)
                .or_else(|| route.when.as_ref().map(|when| when.referenced))
                .or_else(|| route.to.first().map(|to| to.referenced));
            let name: Arc<str> = match &route.name {
                Some(name) => name.as_str().into(),
                None => format!("{}#route{}", file.name, position + 1).into(),
            };
            let mut valid = true;
            let glob = match &route.tag_match {
                None => None,
                Some(pattern) => match TagGlob::new(&pattern.value) {
                    Ok(glob) => Some(glob),
                    Err(message) => {
                        diagnostics.push(file.error_at(pattern, message));
                        valid = false;
                        None
                    }
                },
            };
            let mut sinks = Vec::new();
            for target in &route.to {
                match context.sinks.iter().position(|sink| *sink == target.value) {
                    Some(index) => sinks.push(index),
                    None => {
                        diagnostics.push(file.error_at(
                            target,
                            format!(
                                "route to unknown sink `{}`; configured sinks: {}",
                                target.value,
                                context.sinks.join(", ")
                            ),
                        ));
                        valid = false;
                    }
                }
            }
            if let Some(index) = &route.index {
                if let Err(message) = (context.check_index)(&index.value) {
                    diagnostics.push(file.error_at(index, message));
                    valid = false;
                }
            }
            let when = match &route.when {
                None => None,
                Some(when) => {
                    let compiled = Condition::compile(file, &when.value, diagnostics);
                    valid &= compiled.is_some();
                    compiled
                }
            };
            if !route.to.is_empty() && route.drop {
                let location = location_hint.unwrap_or(serde_saphyr::Location::UNKNOWN);
                diagnostics.push(file.error_at_location(
                    location,
                    format!("route `{name}` has both `to` and `drop: true`; pick one"),
                ));
                valid = false;
            }
            if route.to.is_empty() && !route.drop {
                let location = location_hint.unwrap_or(serde_saphyr::Location::UNKNOWN);
                diagnostics.push(file.error_at_location(
                    location,
                    format!("route `{name}` needs `to: [sink, ...]` or `drop: true`"),
                ));
                valid = false;
            }
            if !valid {
                continue;
            }
            let covering = stoppers.iter().find(|(_, earlier)| match (earlier, &glob) {
                (None, _) => true,
                (Some(earlier), Some(later)) => earlier.covers(later),
                (Some(earlier), None) => earlier.matches_everything(),
            });
            if let (Some(location), Some((earlier, _))) = (location_hint, covering) {
                let reason = if catch_all_seen {
                    "an earlier route catches every event".to_owned()
                } else {
                    format!("route `{earlier}` before it takes every event it would")
                };
                diagnostics.push(
                    file.error_at_location(
                        location,
                        format!("route `{name}` is unreachable: {reason}"),
                    )
                    .warning(),
                );
            }
            let compiled = Route {
                name,
                glob,
                when,
                sinks,
                index: route
                    .index
                    .as_ref()
                    .map(|index| index.value.as_str().into()),
                drop: route.drop,
                continue_matching: route.continue_matching,
            };
            catch_all_seen |= compiled.is_final_catch_all();
            if compiled.when.is_none() && !compiled.continue_matching {
                stoppers.push((compiled.name.clone(), compiled.glob.clone()));
            }
            stage.routes.push(compiled);
        }
    }
    stage
}

#[cfg(test)]
mod tests;
