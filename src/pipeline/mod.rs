//! The synchronous heart of sluice: parse → mask → enrich → patterns → route,
//! over one input batch at a time.

pub mod parse;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sluice_parsers::Record;
use sluice_rules::{Routing, RuleSet, Target, ALERT_TAG};
use sluice_sinks::{DeadLetter, Event};

use crate::ack::AckHandle;
use parse::{parse_line, SourceInfo};

/// Framed lines of one batch in one buffer (no allocation per line).
#[derive(Debug, Default)]
pub struct Lines {
    buffer: Vec<u8>,
    spans: Vec<LineSpan>,
}

#[derive(Debug, Clone, Copy)]
struct LineSpan {
    start: usize,
    end: usize,
    attrs: LineAttrs,
}

/// Which output stream of a container a line was written to; defined
/// with the container log decoders.
pub use sluice_parsers::Stream;

/// What an input knows about a line besides its bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineAttrs {
    /// The framer cut it at the length cap.
    pub truncated: bool,
    /// Container stream, for container logs.
    pub stream: Option<Stream>,
    /// Time the runtime recorded (container logs): the event time when the
    /// record carries none of its own.
    pub time: Option<DateTime<Utc>>,
    /// The input could not decode its envelope (e.g. a line in a container
    /// log that is neither CRI nor docker): kept raw, flagged.
    pub decode_error: Option<&'static str>,
}

impl LineAttrs {
    /// Attributes of a plain line, cut or not.
    pub fn plain(truncated: bool) -> Self {
        Self {
            truncated,
            ..Self::default()
        }
    }
}

impl Lines {
    /// Appends a line (without its newline).
    pub fn push(&mut self, line: &[u8], attrs: LineAttrs) {
        let start = self.buffer.len();
        self.buffer.extend_from_slice(line);
        self.spans.push(LineSpan {
            start,
            end: self.buffer.len(),
            attrs,
        });
    }

    /// Appends every line of `other`.
    pub fn append(&mut self, other: &Lines) {
        let base = self.buffer.len();
        self.buffer.extend_from_slice(&other.buffer);
        self.spans.extend(other.spans.iter().map(|span| LineSpan {
            start: span.start + base,
            end: span.end + base,
            attrs: span.attrs,
        }));
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are no lines.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Total bytes of line content.
    pub fn byte_len(&self) -> usize {
        self.buffer.len()
    }

    /// Each line with its attributes.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], LineAttrs)> {
        self.spans
            .iter()
            .map(|span| (&self.buffer[span.start..span.end], span.attrs))
    }
}

/// A batch cut by an input.
#[derive(Debug)]
pub struct InputBatch {
    /// The input it came from.
    pub source: Arc<SourceInfo>,
    /// The raw lines.
    pub lines: Lines,
    /// When it was read (the event time of lines that carry none).
    pub read_time: DateTime<Utc>,
    /// Settles when every sink took its share.
    pub ack: AckHandle,
}

/// Events for one sink.
#[derive(Debug)]
pub struct SinkBatch {
    /// The events.
    pub events: Vec<Event>,
    /// This batch's share of the input acknowledgement.
    pub ack: AckHandle,
}

/// Events for the dead-letter file.
#[derive(Debug)]
pub struct DeadLetterBatch {
    /// The events and why they failed.
    pub letters: Vec<DeadLetter>,
    /// This batch's share of the input acknowledgement.
    pub ack: AckHandle,
}

/// Where events that match no route go.
#[derive(Debug, Clone)]
pub enum DefaultRoute {
    /// To these sinks.
    Sinks(Vec<usize>),
    /// To the dead-letter file, with the reason.
    DeadLetter,
}

/// What the stages made of one batch.
#[derive(Debug, Default)]
pub struct StageOutput {
    /// Events per sink, indexed like the sink list.
    pub per_sink: Vec<Vec<Event>>,
    /// Events no route wanted.
    pub dead_letters: Vec<DeadLetter>,
    /// Events a `drop` route removed.
    pub dropped: usize,
    /// Lines kept raw because their parser failed.
    pub parse_failures: usize,
    /// Lines cut by the framer.
    pub truncated: usize,
    /// Matches per pattern rule id.
    pub pattern_hits: Vec<u64>,
    /// Alert records the pattern rules emitted (routed like events).
    pub alerts: usize,
}

impl StageOutput {
    /// Puts an event where its resolution says.
    fn place(&mut self, event: Event, resolution: Resolution) {
        match resolution {
            Resolution::Deliver(targets) => deliver(event, &targets, &mut self.per_sink),
            Resolution::Drop(_) => self.dropped += 1,
            Resolution::DeadLetter(reason) => self.dead_letters.push(DeadLetter {
                reason,
                component: "router".to_owned(),
                event,
            }),
        }
    }
}

/// One line through every stage.
struct ProcessedLine {
    event: Event,
    resolution: Resolution,
    parse_failed: bool,
    /// Pattern rule ids that matched.
    hits: Vec<usize>,
    /// Alert records those matches fired.
    alerts: Vec<Record>,
}

/// How one event ended, for `test-rules`.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// To these sinks.
    Deliver(Vec<Target>),
    /// Dropped by the named route.
    Drop(Arc<str>),
    /// To the dead-letter file, with the reason.
    DeadLetter(String),
}

/// Everything `test-rules` shows about one line.
#[derive(Debug, Default)]
pub struct Trace {
    /// The record after each stage, in order.
    pub stages: Vec<(&'static str, Record)>,
    /// Mask rules that fired.
    pub mask_fired: Vec<String>,
    /// Enrich rules that fired.
    pub enrich_fired: usize,
    /// Pattern rules that matched.
    pub patterns: Vec<String>,
    /// Routes that matched.
    pub routes: Vec<String>,
}

/// The compiled stages.
#[derive(Debug)]
pub struct Pipeline {
    rules: RuleSet,
    sink_names: Vec<Arc<str>>,
    default_route: DefaultRoute,
}

impl Pipeline {
    /// Stages over compiled rules, routing to `sink_names` by position.
    pub fn new(rules: RuleSet, sink_names: Vec<Arc<str>>, default_route: DefaultRoute) -> Self {
        Self {
            rules,
            sink_names,
            default_route,
        }
    }

    /// Configured sink names, indexed like [`StageOutput::per_sink`].
    pub fn sink_names(&self) -> &[Arc<str>] {
        &self.sink_names
    }

    /// The compiled rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Runs every line of a batch through the stages.
    pub fn process(
        &self,
        source: &SourceInfo,
        lines: &Lines,
        read_time: DateTime<Utc>,
    ) -> StageOutput {
        let mut output = StageOutput {
            per_sink: (0..self.sink_names.len()).map(|_| Vec::new()).collect(),
            pattern_hits: vec![0; self.rules.patterns.rules().len()],
            ..StageOutput::default()
        };
        for (line, attrs) in lines.iter() {
            // A bug in a stage must cost one event (dead-lettered, with the
            // line kept), not the batch or the process.
            let processed = std::panic::catch_unwind(AssertUnwindSafe(|| {
                self.process_line(source, line, attrs, read_time, None)
            }));
            let Ok(processed) = processed else {
                output
                    .dead_letters
                    .push(self.internal_error_letter(source, line, read_time));
                continue;
            };
            output.parse_failures += usize::from(processed.parse_failed);
            output.truncated += usize::from(attrs.truncated);
            for &hit in &processed.hits {
                output.pattern_hits[hit] += 1;
            }
            output.alerts += processed.alerts.len();
            let alert_time = processed.event.time;
            output.place(processed.event, processed.resolution);
            for alert in processed.alerts {
                let tag: Arc<str> = ALERT_TAG.into();
                let resolution = self.resolve(&tag, &alert, None);
                let event = Event {
                    tag,
                    time: alert_time,
                    index: None,
                    record: alert,
                };
                output.place(event, resolution);
            }
        }
        output
    }

    /// Runs one line and records the record after every stage.
    pub fn trace(
        &self,
        source: &SourceInfo,
        line: &[u8],
        read_time: DateTime<Utc>,
    ) -> (Event, Resolution, Trace) {
        let mut trace = Trace::default();
        let processed = self.process_line(
            source,
            line,
            LineAttrs::default(),
            read_time,
            Some(&mut trace),
        );
        (processed.event, processed.resolution, trace)
    }

    /// The dead letter for a line whose processing panicked: the line as
    /// `message`, masked. If masking is what panics, the line is withheld
    /// (only its length is kept): it may hold exactly what masking could not
    /// handle.
    fn internal_error_letter(
        &self,
        source: &SourceInfo,
        line: &[u8],
        read_time: DateTime<Utc>,
    ) -> DeadLetter {
        let mut record = Record::new();
        record.insert(
            "message".to_owned(),
            serde_json::Value::String(String::from_utf8_lossy(line).into_owned()),
        );
        let masked = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut copy = record.clone();
            self.rules.mask.apply(&mut copy, None);
            copy
        }));
        DeadLetter {
            reason: "internal error while processing this line (a sluice bug: please report it)"
                .to_owned(),
            component: "pipeline".to_owned(),
            event: Event {
                tag: source.tag.clone(),
                time: read_time,
                index: None,
                record: masked.unwrap_or_else(|_| withheld(line.len())),
            },
        }
    }

    fn process_line(
        &self,
        source: &SourceInfo,
        line: &[u8],
        attrs: LineAttrs,
        read_time: DateTime<Utc>,
        mut trace: Option<&mut Trace>,
    ) -> ProcessedLine {
        let parsed = parse_line(source, line, attrs, read_time);
        let mut record = parsed.record;
        let snapshot = |trace: &mut Option<&mut Trace>, stage: &'static str, record: &Record| {
            if let Some(trace) = trace.as_deref_mut() {
                trace.stages.push((stage, record.clone()));
            }
        };
        snapshot(&mut trace, "parse", &record);

        self.rules.mask.apply(
            &mut record,
            trace.as_deref_mut().map(|trace| &mut trace.mask_fired),
        );
        snapshot(&mut trace, "mask", &record);

        let enriched = self.rules.enrich.apply(&mut record);
        snapshot(&mut trace, "enrich", &record);

        let hits = self.rules.patterns.apply(&mut record);
        let alerts = self.rules.patterns.alerts(&hits, &record, parsed.time);
        snapshot(&mut trace, "patterns", &record);

        let resolution = self.resolve(
            &source.tag,
            &record,
            trace.as_deref_mut().map(|trace| &mut trace.routes),
        );
        if let Some(trace) = trace {
            trace.enrich_fired = enriched;
            trace.patterns = hits
                .iter()
                .map(|&id| self.rules.patterns.rules()[id].name.to_string())
                .collect();
        }
        let event = Event {
            tag: source.tag.clone(),
            time: parsed.time,
            index: None,
            record,
        };
        ProcessedLine {
            event,
            resolution,
            parse_failed: parsed.parse_failed,
            hits,
            alerts,
        }
    }

    /// Where an event with `tag` goes: its routes, else the default route.
    fn resolve(
        &self,
        tag: &Arc<str>,
        record: &Record,
        trace: Option<&mut Vec<String>>,
    ) -> Resolution {
        match self.rules.routes.route(tag, record, trace) {
            Routing::Deliver(targets) => Resolution::Deliver(targets),
            Routing::Drop { route } => Resolution::Drop(route),
            Routing::Unrouted => match &self.default_route {
                DefaultRoute::Sinks(sinks) => Resolution::Deliver(
                    sinks
                        .iter()
                        .map(|&sink| Target { sink, index: None })
                        .collect(),
                ),
                DefaultRoute::DeadLetter => Resolution::DeadLetter(format!(
                    "no route matched tag `{tag}` and no default_sinks are configured"
                )),
            },
        }
    }
}

fn withheld(length: usize) -> Record {
    let mut record = Record::new();
    record.insert(
        "message".to_owned(),
        serde_json::Value::String(format!(
            "[line of {length} bytes withheld: masking failed on it]"
        )),
    );
    record
}

/// Hands the event to each target, cloning for all but the last.
fn deliver(event: Event, targets: &[Target], per_sink: &mut [Vec<Event>]) {
    let Some((last, others)) = targets.split_last() else {
        return;
    };
    for target in others {
        per_sink[target.sink].push(Event {
            index: target.index.clone(),
            ..event.clone()
        });
    }
    per_sink[last.sink].push(Event {
        index: last.index.clone(),
        ..event
    });
}
