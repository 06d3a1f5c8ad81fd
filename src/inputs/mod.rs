//! Inputs: they read, frame lines, cut batches and wait (backpressure) when
//! the pipeline is full. Each runs as one async task.

pub mod checkpoint;
pub mod container_log;
pub mod framing;
pub mod kubernetes;
pub mod multiline;
mod stdin;
pub mod tail;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::ack::AckHandle;
use crate::config::PipelineConfig;
use crate::metrics::{EventsAbandoned, EventsReceived, Metrics};
use crate::pipeline::parse::SourceInfo;
use crate::pipeline::{InputBatch, Lines};
use crate::topology::{InputKind, InputSpec};

/// When an input cuts a batch.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    /// At this many lines...
    pub max_events: usize,
    /// ...or this many bytes...
    pub max_bytes: usize,
    /// ...or when the first line has waited this long.
    pub linger: Duration,
}

impl BatchLimits {
    /// Limits from the `pipeline:` settings.
    pub fn from_settings(settings: &PipelineConfig) -> Self {
        Self {
            max_events: settings.batch_max_events,
            max_bytes: settings.batch_max_bytes,
            linger: Duration::from_millis(settings.batch_linger_ms),
        }
    }

    /// Whether `lines` should be sent now.
    pub fn is_full(&self, lines: &Lines) -> bool {
        lines.len() >= self.max_events || lines.byte_len() >= self.max_bytes
    }
}

/// What every input gets from the runtime.
#[derive(Debug, Clone)]
pub struct InputContext {
    /// The stage queue.
    pub batches: mpsc::Sender<InputBatch>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Stop reading (SIGTERM).
    pub shutdown: CancellationToken,
    /// Stop waiting for acknowledgements (shutdown grace period over).
    pub hard_stop: CancellationToken,
    /// Batch cutting.
    pub limits: BatchLimits,
}

impl InputContext {
    /// Sends a batch, waiting while the pipeline is full.
    ///
    /// # Errors
    /// When the pipeline has stopped, or the shutdown grace period ran out
    /// while waiting; the batch is then not acknowledged (and counted).
    pub async fn send(
        &self,
        source: &Arc<SourceInfo>,
        lines: Lines,
        ack: AckHandle,
    ) -> Result<(), PipelineClosed> {
        self.send_until(source, lines, ack, &self.hard_stop, true)
            .await
    }

    /// Like [`InputContext::send`], for data the input can read again (a
    /// file from its checkpoint): gives up as soon as shutdown starts, and
    /// nothing is counted as abandoned.
    ///
    /// # Errors
    /// When the pipeline has stopped or shutdown started.
    pub async fn send_replayable(
        &self,
        source: &Arc<SourceInfo>,
        lines: Lines,
        ack: AckHandle,
    ) -> Result<(), PipelineClosed> {
        self.send_until(source, lines, ack, &self.shutdown, false)
            .await
    }

    async fn send_until(
        &self,
        source: &Arc<SourceInfo>,
        lines: Lines,
        ack: AckHandle,
        give_up: &CancellationToken,
        count_abandoned: bool,
    ) -> Result<(), PipelineClosed> {
        let count = lines.len();
        let bytes = lines.byte_len();
        let batch = InputBatch {
            source: Arc::clone(source),
            lines,
            read_time: Utc::now(),
            ack,
        };
        tokio::select! {
            sent = self.batches.send(batch) => sent.map_err(|_| PipelineClosed)?,
            () = give_up.cancelled() => {
                if count_abandoned {
                    EventsAbandoned { component: &source.name, count }.emit(&self.metrics);
                }
                return Err(PipelineClosed);
            }
        }
        self.metrics.queued("stages");
        // Counted once accepted, so an abandoned send is not also "received".
        EventsReceived {
            input: &source.name,
            count,
            bytes,
        }
        .emit(&self.metrics);
        Ok(())
    }
}

/// The stage queue is gone.
#[derive(Debug, thiserror::Error)]
#[error("the pipeline has stopped")]
pub struct PipelineClosed;

/// Runs one input until it ends (stdin closed) or shutdown.
pub async fn run_input(spec: InputSpec, context: InputContext) {
    let name = spec.source.name.clone();
    let result = match spec.kind {
        InputKind::Stdin { max_line_bytes } => {
            stdin::run(spec.source, max_line_bytes, context).await
        }
        InputKind::Tail(settings) => tail::run(spec.source, settings, context).await,
    };
    match result {
        Ok(()) => tracing::info!(input = %name, "input finished"),
        Err(err) => tracing::error!(input = %name, error = %err, "input stopped"),
    }
}
