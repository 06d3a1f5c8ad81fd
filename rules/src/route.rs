//! The route stage: tag globs and conditions pick sinks.
//!
//! Routes are tried in order and the first match wins, unless it says
//! `continue: true`; sinks gathered from several matching routes are merged
//! (the first route naming a sink decides its index). A matching `drop`
//! route ends evaluation; the event is dropped if no earlier route had
//! picked a sink.

use std::sync::Arc;

use sluice_parsers::Record;

use crate::condition::Condition;
use crate::tag_glob::TagGlob;

/// One sink an event goes to, with the route's index override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Position of the sink in the sink list given at compile time.
    pub sink: usize,
    /// The route's `index` template, when it set one.
    pub index: Option<Arc<str>>,
}

/// Where one event goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routing {
    /// To these sinks.
    Deliver(Vec<Target>),
    /// A `drop` route matched.
    Drop {
        /// The route's display name.
        route: Arc<str>,
    },
    /// No route matched; the runtime applies its defaults.
    Unrouted,
}

#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) name: Arc<str>,
    pub(crate) glob: Option<TagGlob>,
    pub(crate) when: Option<Condition>,
    pub(crate) sinks: Vec<usize>,
    pub(crate) index: Option<Arc<str>>,
    pub(crate) drop: bool,
    pub(crate) continue_matching: bool,
}

impl Route {
    fn matches(&self, tag: &str, record: &Record) -> bool {
        self.glob.as_ref().is_none_or(|glob| glob.matches(tag))
            && self.when.as_ref().is_none_or(|when| when.matches(record))
    }

    /// A route that catches everything and stops evaluation.
    pub(crate) fn is_final_catch_all(&self) -> bool {
        self.glob.as_ref().is_none_or(TagGlob::matches_everything)
            && self.when.is_none()
            && !self.continue_matching
    }
}

/// The compiled route stage.
#[derive(Debug, Clone, Default)]
pub struct RouteStage {
    pub(crate) routes: Vec<Route>,
}

impl RouteStage {
    /// True when no rule file defines routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Decides where an event goes. `matched` receives the names of the
    /// routes that matched, for `test-rules`.
    pub fn route(
        &self,
        tag: &str,
        record: &Record,
        mut matched: Option<&mut Vec<String>>,
    ) -> Routing {
        let mut targets: Vec<Target> = Vec::new();
        for route in &self.routes {
            if !route.matches(tag, record) {
                continue;
            }
            if let Some(names) = matched.as_deref_mut() {
                names.push(route.name.to_string());
            }
            if route.drop {
                if targets.is_empty() {
                    return Routing::Drop {
                        route: route.name.clone(),
                    };
                }
                break;
            }
            for &sink in &route.sinks {
                if !targets.iter().any(|target| target.sink == sink) {
                    targets.push(Target {
                        sink,
                        index: route.index.clone(),
                    });
                }
            }
            if !route.continue_matching {
                break;
            }
        }
        if targets.is_empty() {
            Routing::Unrouted
        } else {
            Routing::Deliver(targets)
        }
    }
}
