//! SIGHUP: reload the configuration and swap in the recompiled rules.
//!
//! Rules, routes and routing defaults take effect for the next batch. Inputs,
//! parsers and sinks are fixed for the life of the process: when they
//! changed, sluice says a restart is needed and keeps the running rules, since
//! routes refer to sinks by position. A configuration with errors is reported
//! and ignored; the running pipeline carries on.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::config;
use crate::pipeline::Pipeline;
use crate::topology::{self, Topology};

/// What was running, to tell whether a new configuration can be applied live.
#[derive(Debug)]
pub struct Reloader {
    config_path: Option<PathBuf>,
    /// Everything but the rules, as text: what a reload cannot change.
    fixed_settings: String,
    updates: watch::Sender<Arc<Pipeline>>,
    /// One reload at a time, so two quick SIGHUPs cannot finish out of
    /// order and leave the older rules in place.
    in_progress: Mutex<()>,
}

impl Reloader {
    /// Remembers the running topology's shape.
    pub fn new(
        config_path: Option<PathBuf>,
        running: &Topology,
        updates: watch::Sender<Arc<Pipeline>>,
    ) -> Self {
        Self {
            config_path,
            fixed_settings: fixed_settings(running),
            updates,
            in_progress: Mutex::new(()),
        }
    }

    /// Reloads and swaps, logging the outcome.
    pub fn reload(&self) {
        let _one_at_a_time = self
            .in_progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tracing::info!("SIGHUP: reloading configuration");
        let built =
            config::load(self.config_path.as_deref()).and_then(|loaded| topology::build(&loaded));
        let new = match built {
            Ok(new) => new,
            Err(diagnostics) => {
                for diagnostic in &diagnostics {
                    tracing::error!("{}", diagnostic.headline());
                }
                tracing::error!("reload failed; the running rules stay in place");
                return;
            }
        };
        if fixed_settings(&new) != self.fixed_settings {
            tracing::warn!(
                "inputs, parsers, sinks, data_dir, api or pipeline settings changed: restart sluice to apply them; the running rules stay in place"
            );
            return;
        }
        for warning in &new.warnings {
            tracing::warn!("{}", warning.headline());
        }
        self.updates.send_replace(new.pipeline);
        tracing::info!("rules reloaded");
    }
}

/// Every setting the running process fixed at start, rendered as text so
/// two configurations can be compared: everything except the rules.
fn fixed_settings(topology: &Topology) -> String {
    let inputs: Vec<String> = topology
        .inputs
        .iter()
        .map(|input| {
            let source = &input.source;
            format!(
                "{} {} {} {:?} {:?} {:?}",
                source.name,
                source.tag,
                source.parser.describe(),
                source.time_key.as_ref().map(|key| key.as_str()),
                source.timestamps,
                input.kind
            )
        })
        .collect();
    let sinks: Vec<String> = topology
        .sinks
        .iter()
        .map(|sink| format!("{} {:?}", sink.name, sink.kind))
        .collect();
    format!(
        "{:?} {:?} {inputs:?} {sinks:?} {:?}",
        topology.data_dir, topology.api_listen, topology.settings
    )
}
