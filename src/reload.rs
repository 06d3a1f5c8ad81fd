//! SIGHUP: reload the configuration and swap in the recompiled rules.
//!
//! Rules, routes and routing defaults take effect for the next batch. Inputs,
//! parsers and sinks are fixed for the life of the process: when they
//! changed, sluice says a restart is needed and keeps the running rules, since
//! routes refer to sinks by position. A configuration with errors is reported
//! and ignored; the running pipeline carries on.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;

use crate::config;
use crate::pipeline::Pipeline;
use crate::topology::{self, Topology};

/// What was running, to tell whether a new configuration can be applied live.
#[derive(Debug)]
pub struct Reloader {
    config_path: Option<PathBuf>,
    sinks: Vec<Arc<str>>,
    inputs: Vec<String>,
    updates: watch::Sender<Arc<Pipeline>>,
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
            sinks: running.pipeline.sink_names().to_vec(),
            inputs: input_shape(running),
            updates,
        }
    }

    /// Reloads and swaps, logging the outcome.
    pub fn reload(&self) {
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
        if new.pipeline.sink_names() != self.sinks.as_slice() || input_shape(&new) != self.inputs {
            tracing::warn!("inputs, parsers or sinks changed: restart sluice to apply that; the running rules stay in place");
            return;
        }
        for warning in &new.warnings {
            tracing::warn!("{}", warning.headline());
        }
        self.updates.send_replace(new.pipeline);
        tracing::info!("rules reloaded");
    }
}

/// Name, tag, parser and time key of every input: what the running inputs
/// hold and a reload cannot change.
fn input_shape(topology: &Topology) -> Vec<String> {
    topology
        .inputs
        .iter()
        .map(|input| {
            let source = &input.source;
            format!(
                "{} {} {} {:?}",
                source.name,
                source.tag,
                source.parser.describe(),
                source.time_key.as_ref().map(|key| key.as_str())
            )
        })
        .collect()
}
