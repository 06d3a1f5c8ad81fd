//! Internal telemetry: named events whose `emit()` both logs and counts,
//! once per batch, and the Prometheus registry `/metrics` renders.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComponentLabels {
    component: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DropLabels {
    component: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PatternLabels {
    pattern: String,
    severity: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue: String,
}

/// Every counter and gauge sluice exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    events_in: Family<ComponentLabels, Counter>,
    bytes_in: Family<ComponentLabels, Counter>,
    events_out: Family<ComponentLabels, Counter>,
    events_dropped: Family<DropLabels, Counter>,
    events_dead_lettered: Family<ComponentLabels, Counter>,
    events_abandoned: Family<ComponentLabels, Counter>,
    parse_errors: Family<ComponentLabels, Counter>,
    lines_truncated: Family<ComponentLabels, Counter>,
    alerts: Counter,
    sink_errors: Family<ComponentLabels, Counter>,
    pattern_matches: Family<PatternLabels, Counter>,
    queue_depth: Family<QueueLabels, Gauge>,
    files_followed: Family<ComponentLabels, Gauge>,
    files_open: Family<ComponentLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// An empty registry with every family registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sluice");
        let metrics = Self {
            events_in: Family::default(),
            bytes_in: Family::default(),
            events_out: Family::default(),
            events_dropped: Family::default(),
            events_dead_lettered: Family::default(),
            events_abandoned: Family::default(),
            parse_errors: Family::default(),
            lines_truncated: Family::default(),
            alerts: Counter::default(),
            sink_errors: Family::default(),
            pattern_matches: Family::default(),
            queue_depth: Family::default(),
            files_followed: Family::default(),
            files_open: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "events_in",
            "Events read by an input",
            metrics.events_in.clone(),
        );
        registry.register(
            "bytes_in",
            "Bytes of event data read by an input",
            metrics.bytes_in.clone(),
        );
        registry.register(
            "events_out",
            "Events accepted by a sink",
            metrics.events_out.clone(),
        );
        registry.register(
            "events_dropped",
            "Events removed on purpose (a drop route), by reason",
            metrics.events_dropped.clone(),
        );
        registry.register(
            "events_dead_lettered",
            "Events written to the dead-letter file, by the component that gave up",
            metrics.events_dead_lettered.clone(),
        );
        registry.register(
            "events_abandoned",
            "Events given up on when the shutdown timeout ran out (stdin data is lost; batches in sinks are counted here too, and tail inputs read theirs again)",
            metrics.events_abandoned.clone(),
        );
        registry.register(
            "parse_errors",
            "Lines kept raw because their parser failed",
            metrics.parse_errors.clone(),
        );
        registry.register(
            "alerts",
            "Alert records emitted by pattern rules with an action (tag sluice.alert)",
            metrics.alerts.clone(),
        );
        registry.register(
            "lines_truncated",
            "Lines cut at max_line_bytes",
            metrics.lines_truncated.clone(),
        );
        registry.register(
            "sink_errors",
            "Failed sink write attempts",
            metrics.sink_errors.clone(),
        );
        registry.register(
            "pattern_matches",
            "Events matched by a pattern rule",
            metrics.pattern_matches.clone(),
        );
        registry.register(
            "queue_depth",
            "Batches waiting in a queue",
            metrics.queue_depth.clone(),
        );
        registry.register(
            "files_followed",
            "Files a tail or kubernetes input follows (rotated ones still being read included)",
            metrics.files_followed.clone(),
        );
        registry.register(
            "files_open",
            "Descriptors a tail or kubernetes input holds (at most files.max_open_files)",
            metrics.files_open.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }

    /// Creates the series of known components so they read 0, not absent.
    pub fn register_components(&self, inputs: &[&str], sinks: &[&str]) {
        // get_or_create inserts the series; the returned guard is not needed.
        for input in inputs {
            let labels = component(input);
            let _ = self.events_in.get_or_create(&labels);
            let _ = self.bytes_in.get_or_create(&labels);
            let _ = self.parse_errors.get_or_create(&labels);
        }
        for sink in sinks {
            let _ = self.events_out.get_or_create(&component(sink));
            let _ = self.queue_depth.get_or_create(&queue(sink));
        }
        let _ = self
            .events_dead_lettered
            .get_or_create(&component("router"));
        let _ = self.queue_depth.get_or_create(&queue("stages"));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// A batch entered a queue.
    pub fn queued(&self, queue_name: &str) {
        self.queue_depth.get_or_create(&queue(queue_name)).inc();
    }

    /// How many files an input follows, and how many it holds open.
    pub fn files(&self, input: &str, followed: usize, open: usize) {
        let labels = component(input);
        self.files_followed
            .get_or_create(&labels)
            .set(i64::try_from(followed).unwrap_or(i64::MAX));
        self.files_open
            .get_or_create(&labels)
            .set(i64::try_from(open).unwrap_or(i64::MAX));
    }

    /// A batch left a queue.
    pub fn dequeued(&self, queue_name: &str) {
        self.queue_depth.get_or_create(&queue(queue_name)).dec();
    }
}

fn component(name: &str) -> ComponentLabels {
    ComponentLabels {
        component: name.to_owned(),
    }
}

fn queue(name: &str) -> QueueLabels {
    QueueLabels {
        queue: name.to_owned(),
    }
}

/// An input read a batch.
pub struct EventsReceived<'a> {
    /// Input name.
    pub input: &'a str,
    /// Events in the batch.
    pub count: usize,
    /// Bytes of line content.
    pub bytes: usize,
}

impl EventsReceived<'_> {
    /// Logs and counts.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::trace!(
            input = self.input,
            count = self.count,
            bytes = self.bytes,
            "events received"
        );
        let labels = component(self.input);
        metrics
            .events_in
            .get_or_create(&labels)
            .inc_by(self.count as u64);
        metrics
            .bytes_in
            .get_or_create(&labels)
            .inc_by(self.bytes as u64);
    }
}

/// What the stages did to one batch, besides delivering it.
pub struct BatchProcessed<'a> {
    /// Input the batch came from.
    pub input: &'a str,
    /// Lines whose parser failed (kept raw).
    pub parse_failures: usize,
    /// Lines cut at the cap.
    pub truncated: usize,
    /// Events dropped by routes.
    pub dropped: usize,
    /// `(name, severity, matches)` per pattern rule.
    pub pattern_hits: Vec<(&'a str, &'a str, u64)>,
    /// Alert records emitted.
    pub alerts: usize,
}

impl BatchProcessed<'_> {
    /// Logs and counts.
    pub fn emit(&self, metrics: &Metrics) {
        let labels = component(self.input);
        if self.parse_failures > 0 {
            tracing::debug!(
                input = self.input,
                count = self.parse_failures,
                "lines kept raw: parser failed"
            );
            metrics
                .parse_errors
                .get_or_create(&labels)
                .inc_by(self.parse_failures as u64);
        }
        if self.truncated > 0 {
            tracing::debug!(
                input = self.input,
                count = self.truncated,
                "lines truncated"
            );
            metrics
                .lines_truncated
                .get_or_create(&labels)
                .inc_by(self.truncated as u64);
        }
        if self.dropped > 0 {
            tracing::debug!(count = self.dropped, "events dropped by route");
            metrics
                .events_dropped
                .get_or_create(&DropLabels {
                    component: "router".to_owned(),
                    reason: "drop_route".to_owned(),
                })
                .inc_by(self.dropped as u64);
        }
        if self.alerts > 0 {
            tracing::debug!(count = self.alerts, "alerts emitted");
            metrics.alerts.inc_by(self.alerts as u64);
        }
        for (pattern, severity, count) in &self.pattern_hits {
            if *count > 0 {
                metrics
                    .pattern_matches
                    .get_or_create(&PatternLabels {
                        pattern: (*pattern).to_owned(),
                        severity: (*severity).to_owned(),
                    })
                    .inc_by(*count);
            }
        }
    }
}

/// A sink accepted a batch.
pub struct EventsSent<'a> {
    /// Sink name.
    pub sink: &'a str,
    /// Events accepted.
    pub count: usize,
}

impl EventsSent<'_> {
    /// Logs and counts.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::trace!(sink = self.sink, count = self.count, "events sent");
        metrics
            .events_out
            .get_or_create(&component(self.sink))
            .inc_by(self.count as u64);
    }
}

/// A sink write failed and will be retried.
pub struct SinkWriteFailed<'a> {
    /// Sink name.
    pub sink: &'a str,
    /// The error.
    pub error: &'a dyn std::fmt::Display,
    /// Attempt number, from 1.
    pub attempt: u32,
}

impl SinkWriteFailed<'_> {
    /// Logs (the first failure and then every tenth) and counts.
    pub fn emit(&self, metrics: &Metrics) {
        if self.attempt == 1 || self.attempt.is_multiple_of(10) {
            tracing::warn!(sink = self.sink, attempt = self.attempt, error = %self.error, "sink write failed; retrying");
        }
        metrics
            .sink_errors
            .get_or_create(&component(self.sink))
            .inc();
    }
}

/// Events went to the dead-letter file.
pub struct EventsDeadLettered<'a> {
    /// Component that gave up on them.
    pub component: &'a str,
    /// How many.
    pub count: usize,
}

impl EventsDeadLettered<'_> {
    /// Logs and counts.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::warn!(
            component = self.component,
            count = self.count,
            "events dead-lettered"
        );
        metrics
            .events_dead_lettered
            .get_or_create(&component(self.component))
            .inc_by(self.count as u64);
    }
}

/// Events given up on because the shutdown grace period ran out. Tail
/// inputs read them again after a restart; stdin data is lost.
pub struct EventsAbandoned<'a> {
    /// Component that held them.
    pub component: &'a str,
    /// How many.
    pub count: usize,
}

impl EventsAbandoned<'_> {
    /// Logs and counts.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::error!(
            component = self.component,
            count = self.count,
            "shutdown timeout: events abandoned undelivered"
        );
        metrics
            .events_abandoned
            .get_or_create(&component(self.component))
            .inc_by(self.count as u64);
    }
}
