//! Wires a [`Topology`] into running tasks joined by bounded queues:
//! inputs → stage workers → one driver per sink (and the dead-letter file).
//!
//! Shutdown: cancelling `shutdown` stops the inputs; each queue then drains
//! and closes behind them, and the inputs commit what was acknowledged. If
//! sinks are still retrying after `shutdown_timeout_secs`, the drivers give
//! up and those batches stay uncommitted (read again next time).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use sluice_sinks::{DeadLetter, DeadLetterWriter, FileSink, Sink, SinkError, StdoutSink};

use crate::api;
use crate::inputs::{run_input, BatchLimits, InputContext};
use crate::metrics::{
    BatchProcessed, EventsAbandoned, EventsDeadLettered, EventsSent, Metrics, SinkWriteFailed,
};
use crate::pipeline::{DeadLetterBatch, InputBatch, Pipeline, SinkBatch};
use crate::topology::{SinkKind, Topology};

const RETRY_BASE: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// Runs until every input has finished and everything is delivered.
/// Each batch is processed by the latest pipeline in `pipelines` (SIGHUP
/// swaps in recompiled rules).
///
/// # Errors
/// Start-up failures (API address in use, data directory not writable).
pub async fn run(
    topology: Topology,
    shutdown: CancellationToken,
    pipelines: watch::Receiver<Arc<Pipeline>>,
) -> anyhow::Result<()> {
    let metrics = Arc::new(Metrics::new());
    let input_names: Vec<&str> = topology
        .inputs
        .iter()
        .map(|input| &*input.source.name)
        .collect();
    let sink_names: Vec<&str> = topology.sinks.iter().map(|sink| &*sink.name).collect();
    metrics.register_components(&input_names, &sink_names);
    std::fs::create_dir_all(&topology.data_dir)
        .with_context(|| format!("creating data_dir {}", topology.data_dir.display()))?;

    let hard_stop = CancellationToken::new();
    arm_shutdown_timeout(
        &shutdown,
        &hard_stop,
        topology.settings.shutdown_timeout_secs,
    );
    let queue_batches = topology.settings.queue_batches;
    let ready = Arc::new(AtomicBool::new(false));
    let api_task = match topology.api_listen {
        Some(address) => Some(
            api::serve(
                address,
                Arc::clone(&metrics),
                Arc::clone(&ready),
                shutdown.clone(),
            )
            .await?,
        ),
        None => None,
    };

    let mut drivers = JoinSet::new();
    let (dead_letter_sender, dead_letters) = mpsc::channel(queue_batches);
    drivers.spawn(drive_dead_letters(
        DeadLetterWriter::new(topology.data_dir.join("dead_letters")),
        dead_letters,
        Arc::clone(&metrics),
        hard_stop.clone(),
    ));
    let mut sink_senders = Vec::new();
    for spec in &topology.sinks {
        let sink: Box<dyn Sink> = match &spec.kind {
            SinkKind::File(config) => Box::new(
                FileSink::new(topology.data_dir.join("indices"), config)
                    .map_err(|message| anyhow::anyhow!("sink {}: {message}", spec.name))?,
            ),
            SinkKind::Stdout => Box::new(StdoutSink::default()),
        };
        let (sender, receiver) = mpsc::channel(queue_batches);
        sink_senders.push(sender);
        drivers.spawn(drive_sink(SinkDriver {
            name: spec.name.clone(),
            sink,
            batches: receiver,
            dead_letters: dead_letter_sender.clone(),
            metrics: Arc::clone(&metrics),
            hard_stop: hard_stop.clone(),
        }));
    }

    let (batch_sender, batches) = mpsc::channel(queue_batches);
    let workers = topology.settings.workers.unwrap_or_else(default_workers);
    let stages = tokio::spawn(run_stages(
        pipelines,
        batches,
        sink_senders,
        dead_letter_sender,
        workers,
        Arc::clone(&metrics),
    ));

    let limits = BatchLimits::from_settings(&topology.settings);
    let mut inputs = JoinSet::new();
    for spec in topology.inputs {
        inputs.spawn(run_input(
            spec,
            InputContext {
                batches: batch_sender.clone(),
                metrics: Arc::clone(&metrics),
                shutdown: shutdown.clone(),
                hard_stop: hard_stop.clone(),
                limits,
            },
        ));
    }
    drop(batch_sender);
    ready.store(true, Ordering::Release);
    tracing::info!(workers, "pipeline running");

    // Inputs give up waiting themselves once `hard_stop` fires; a sink
    // blocked inside a write does not, so stop waiting for it then.
    let mut sink_failed = false;
    loop {
        tokio::select! {
            // Inputs first: at shutdown they finish before the drivers do,
            // and a driver ending after that is no failure.
            biased;
            finished = inputs.join_next() => if finished.is_none() { break },
            // Drivers end only at shutdown; one ending earlier panicked. Its
            // batches can no longer be acknowledged, so stop cleanly rather
            // than read on into a dead end.
            Some(driver) = drivers.join_next(), if !shutdown.is_cancelled() => {
                if shutdown.is_cancelled() {
                    continue; // shutdown raced the guard: an orderly end
                }
                tracing::error!(error = ?driver.err(), "a sink stopped unexpectedly; shutting down");
                sink_failed = true;
                shutdown.cancel();
            }
        }
    }
    let drained = async {
        let stages_result = stages.await;
        while drivers.join_next().await.is_some() {}
        stages_result
    };
    tokio::select! {
        result = drained => result.context("stage workers failed")?,
        () = hard_stop.cancelled() => tracing::error!(
            "shutdown timeout: abandoning batches still in sinks (tail inputs read them again on restart)"
        ),
    }
    ready.store(false, Ordering::Release);
    shutdown.cancel(); // stops the API server
    if let Some(task) = api_task {
        let _ = task.await;
    }
    if sink_failed {
        anyhow::bail!("a sink stopped unexpectedly (see the log above)");
    }
    if hard_stop.is_cancelled() {
        anyhow::bail!("shutdown timeout: some batches were abandoned undelivered (see sluice_events_abandoned_total)");
    }
    tracing::info!("pipeline drained");
    Ok(())
}

fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().min(4))
}

fn arm_shutdown_timeout(shutdown: &CancellationToken, hard_stop: &CancellationToken, seconds: u64) {
    let shutdown = shutdown.clone();
    let hard_stop = hard_stop.clone();
    tokio::spawn(async move {
        shutdown.cancelled().await;
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        hard_stop.cancel();
    });
}

/// Runs the sync stages on blocking threads, `workers` batches at a time,
/// and fans the results out to the sink queues.
async fn run_stages(
    pipelines: watch::Receiver<Arc<Pipeline>>,
    mut batches: mpsc::Receiver<InputBatch>,
    sinks: Vec<mpsc::Sender<SinkBatch>>,
    dead_letters: mpsc::Sender<DeadLetterBatch>,
    workers: usize,
    metrics: Arc<Metrics>,
) {
    let permits = Arc::new(Semaphore::new(workers));
    let sinks = Arc::new(sinks);
    while let Some(batch) = batches.recv().await {
        metrics.dequeued("stages");
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            break;
        };
        let pipeline = Arc::clone(&pipelines.borrow());
        let sinks = Arc::clone(&sinks);
        let dead_letters = dead_letters.clone();
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            process_batch(pipeline, batch, &sinks, &dead_letters, &metrics).await;
            drop(permit);
        });
    }
    // Wait for the batches still in the workers.
    let _ = permits.acquire_many(workers as u32).await;
}

async fn process_batch(
    pipeline: Arc<Pipeline>,
    batch: InputBatch,
    sinks: &[mpsc::Sender<SinkBatch>],
    dead_letters: &mpsc::Sender<DeadLetterBatch>,
    metrics: &Metrics,
) {
    let InputBatch {
        source,
        lines,
        read_time,
        ack,
    } = batch;
    let worker_pipeline = Arc::clone(&pipeline);
    let worker_source = Arc::clone(&source);
    let output = match tokio::task::spawn_blocking(move || {
        worker_pipeline.process(&worker_source, &lines, read_time)
    })
    .await
    {
        Ok(output) => output,
        Err(err) => {
            // The batch is left unacknowledged: its input will not commit it.
            tracing::error!(input = %source.name, error = %err, "stage worker failed");
            return;
        }
    };
    let patterns = pipeline.rules().patterns.rules();
    BatchProcessed {
        input: &source.name,
        parse_failures: output.parse_failures,
        truncated: output.truncated,
        dropped: output.dropped,
        alerts: output.alerts,
        pattern_hits: output
            .pattern_hits
            .iter()
            .enumerate()
            .map(|(id, &count)| {
                (
                    &*patterns[id].name,
                    patterns[id].severity.as_deref().unwrap_or(""),
                    count,
                )
            })
            .collect(),
    }
    .emit(metrics);
    for ((sink, events), name) in sinks.iter().zip(output.per_sink).zip(pipeline.sink_names()) {
        if events.is_empty() {
            continue;
        }
        let sink_batch = SinkBatch {
            events,
            ack: ack.split(),
        };
        if sink.send(sink_batch).await.is_err() {
            return; // the sink stopped; `ack` drops unsettled
        }
        metrics.queued(name);
    }
    if !output.dead_letters.is_empty() {
        let letters = DeadLetterBatch {
            letters: output.dead_letters,
            ack: ack.split(),
        };
        if dead_letters.send(letters).await.is_err() {
            return;
        }
    }
    ack.delivered();
}

struct SinkDriver {
    name: Arc<str>,
    sink: Box<dyn Sink>,
    batches: mpsc::Receiver<SinkBatch>,
    dead_letters: mpsc::Sender<DeadLetterBatch>,
    metrics: Arc<Metrics>,
    hard_stop: CancellationToken,
}

/// Writes each batch, retrying what may succeed later and dead-lettering
/// what never will; acknowledges only then.
async fn drive_sink(mut driver: SinkDriver) {
    while let Some(batch) = driver.batches.recv().await {
        driver.metrics.dequeued(&driver.name);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match driver.sink.write(&batch.events).await {
                Ok(()) => {
                    EventsSent {
                        sink: &driver.name,
                        count: batch.events.len(),
                    }
                    .emit(&driver.metrics);
                    batch.ack.delivered();
                    break;
                }
                Err(err @ SinkError::Retriable { .. }) => {
                    SinkWriteFailed {
                        sink: &driver.name,
                        error: &err,
                        attempt,
                    }
                    .emit(&driver.metrics);
                    tokio::select! {
                        () = driver.hard_stop.cancelled() => {
                            EventsAbandoned { component: &driver.name, count: batch.events.len() }.emit(&driver.metrics);
                            return;
                        }
                        () = tokio::time::sleep(backoff(attempt)) => {}
                    }
                }
                Err(err) => {
                    let reason = err.to_string();
                    let letters = batch
                        .events
                        .into_iter()
                        .map(|event| DeadLetter {
                            reason: reason.clone(),
                            component: driver.name.to_string(),
                            event,
                        })
                        .collect();
                    let dead = DeadLetterBatch {
                        letters,
                        ack: batch.ack,
                    };
                    if driver.dead_letters.send(dead).await.is_err() {
                        return;
                    }
                    break;
                }
            }
        }
    }
}

/// Exponential backoff with full jitter.
pub fn backoff(attempt: u32) -> Duration {
    let ceiling = RETRY_BASE
        .saturating_mul(1 << attempt.min(16))
        .min(RETRY_MAX);
    ceiling.mul_f64(fastrand::f64())
}

async fn drive_dead_letters(
    mut writer: DeadLetterWriter,
    mut batches: mpsc::Receiver<DeadLetterBatch>,
    metrics: Arc<Metrics>,
    hard_stop: CancellationToken,
) {
    while let Some(batch) = batches.recv().await {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match tokio::task::block_in_place(|| writer.write(&batch.letters)) {
                Ok(()) => {
                    let mut by_component: Vec<(&str, usize)> = Vec::new();
                    for letter in &batch.letters {
                        match by_component
                            .iter_mut()
                            .find(|(name, _)| *name == letter.component)
                        {
                            Some((_, count)) => *count += 1,
                            None => by_component.push((&letter.component, 1)),
                        }
                    }
                    for (component, count) in by_component {
                        EventsDeadLettered { component, count }.emit(&metrics);
                    }
                    batch.ack.delivered();
                    break;
                }
                Err(err) => {
                    SinkWriteFailed {
                        sink: "dead_letters",
                        error: &err,
                        attempt,
                    }
                    .emit(&metrics);
                    tokio::select! {
                        () = hard_stop.cancelled() => {
                            EventsAbandoned { component: "dead_letters", count: batch.letters.len() }.emit(&metrics);
                            return;
                        }
                        () = tokio::time::sleep(backoff(attempt)) => {}
                    }
                }
            }
        }
    }
}
