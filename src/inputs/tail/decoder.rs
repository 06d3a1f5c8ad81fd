//! Bytes of one file to events: framing, then (container logs) the runtime
//! envelope with its partial lines, then (optionally) multiline joining.
//!
//! Each layer may hold an unfinished piece; [`LineDecoder::resume_offset`]
//! is the earliest of them, so a checkpoint never passes a line that has
//! not been emitted whole.

use std::sync::Arc;
use std::time::Instant;

use crate::inputs::container_log::{detect_container_format, PartialMerger};
use crate::inputs::framing::{FramedLine, LineFramer};
use crate::inputs::multiline::{MultilineAggregator, MultilineRules};
use crate::pipeline::{LineAttrs, Lines, Stream};

/// Container log decoding for one file, from its first line on.
#[derive(Debug)]
enum Envelope {
    /// Plain log lines.
    None,
    /// Kubernetes container log; the format is known after the first line.
    Container {
        merger: Option<PartialMerger>,
        max_entry_bytes: usize,
    },
}

/// The per-file decoding chain.
#[derive(Debug)]
pub struct LineDecoder {
    framer: LineFramer,
    envelope: Envelope,
    multiline: Option<Arc<MultilineRules>>,
    /// One aggregator per stream: stdout and stderr never join.
    aggregators: [Option<MultilineAggregator>; 3],
}

/// Why a container log line could not be read.
const NOT_A_CONTAINER_LOG_LINE: &str = "not a CRI or docker json-file log line";

impl LineDecoder {
    /// Plain lines (the `tail` input), starting at stream `offset`.
    pub fn plain(
        max_line_bytes: usize,
        multiline: Option<Arc<MultilineRules>>,
        offset: u64,
    ) -> Self {
        Self {
            framer: LineFramer::new(max_line_bytes, offset),
            envelope: Envelope::None,
            multiline,
            aggregators: [None, None, None],
        }
    }

    /// Container runtime lines (the `kubernetes` input). A line is as long as
    /// its runtime envelope allows; merged partials are capped at
    /// `max_entry_bytes`.
    pub fn container(
        max_line_bytes: usize,
        max_entry_bytes: usize,
        multiline: Option<Arc<MultilineRules>>,
        offset: u64,
    ) -> Self {
        Self {
            envelope: Envelope::Container {
                merger: None,
                max_entry_bytes,
            },
            ..Self::plain(max_line_bytes, multiline, offset)
        }
    }

    /// Decodes `data`, appending finished events to `out`.
    pub fn push(&mut self, data: &[u8], now: Instant, out: &mut Lines) {
        self.through_layers(now, out, |framer, envelope, stage| {
            framer.push(data, |line| unwrap_envelope(envelope, line, stage));
        });
    }

    /// Runs `feed` with the framer, the envelope layer and the last layer
    /// writing to `out`: the chain, borrowed field by field.
    fn through_layers(
        &mut self,
        now: Instant,
        out: &mut Lines,
        feed: impl FnOnce(&mut LineFramer, &mut Envelope, &mut Joiner<'_>),
    ) {
        let Self {
            framer,
            envelope,
            multiline,
            aggregators,
        } = self;
        let mut stage = Joiner {
            multiline: multiline.as_ref(),
            aggregators,
            now,
            out,
        };
        feed(framer, envelope, &mut stage);
    }

    /// Emits multiline events that waited longer than their flush timeout.
    pub fn flush_idle(&mut self, now: Instant, out: &mut Lines) {
        for aggregator in self.aggregators.iter_mut().flatten() {
            aggregator.flush_idle(now, |bytes, attrs, _| out.push(bytes, attrs));
        }
    }

    /// When [`LineDecoder::flush_idle`] next has something to emit.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.aggregators
            .iter()
            .flatten()
            .filter_map(MultilineAggregator::next_deadline)
            .min()
    }

    /// End of a file nobody writes any more: everything pending is emitted.
    pub fn finish(&mut self, out: &mut Lines) {
        self.through_layers(Instant::now(), out, |framer, envelope, stage| {
            framer.finish(|line| unwrap_envelope(envelope, line, stage));
            if let Envelope::Container {
                merger: Some(merger),
                ..
            } = envelope
            {
                merger.finish(|bytes, attrs, offset| stage.push(bytes, attrs, offset));
            }
        });
        for aggregator in self.aggregators.iter_mut().flatten() {
            aggregator.finish(|bytes, attrs, _| out.push(bytes, attrs));
        }
    }

    /// Where a restart must resume: the start of the earliest unfinished
    /// piece in any layer.
    pub fn resume_offset(&self) -> u64 {
        let mut offset = self.framer.resume_offset();
        if let Envelope::Container {
            merger: Some(merger),
            ..
        } = &self.envelope
        {
            offset = merger
                .pending_start()
                .map_or(offset, |start| start.min(offset));
        }
        for aggregator in self.aggregators.iter().flatten() {
            offset = aggregator
                .pending_start()
                .map_or(offset, |start| start.min(offset));
        }
        offset
    }

    /// Forgets everything unfinished; the next byte is at `offset`.
    pub fn reset(&mut self, offset: u64) {
        self.framer.reset(offset);
        if let Envelope::Container {
            merger: Some(merger),
            ..
        } = &mut self.envelope
        {
            merger.reset();
        }
        for aggregator in self.aggregators.iter_mut().flatten() {
            aggregator.reset();
        }
    }
}

fn unwrap_envelope(envelope: &mut Envelope, line: FramedLine<'_>, stage: &mut Joiner<'_>) {
    match envelope {
        Envelope::None => stage.push(line.bytes, line.attrs(), line.start_offset),
        Envelope::Container {
            merger,
            max_entry_bytes,
        } => {
            if merger.is_none() {
                *merger = detect_container_format(line.bytes)
                    .map(|format| PartialMerger::new(format, *max_entry_bytes));
            }
            match merger {
                Some(merger) => {
                    merger.push(line, |bytes, attrs, offset| {
                        stage.push(bytes, attrs, offset)
                    });
                }
                None => {
                    let attrs = LineAttrs {
                        decode_error: Some(NOT_A_CONTAINER_LOG_LINE),
                        ..line.attrs()
                    };
                    stage.push(line.bytes, attrs, line.start_offset);
                }
            }
        }
    }
}

/// The last layer: multiline joining, or straight to the batch.
struct Joiner<'a> {
    multiline: Option<&'a Arc<MultilineRules>>,
    aggregators: &'a mut [Option<MultilineAggregator>; 3],
    now: Instant,
    out: &'a mut Lines,
}

impl Joiner<'_> {
    fn push(&mut self, bytes: &[u8], attrs: LineAttrs, offset: u64) {
        let Some(rules) = self.multiline else {
            self.out.push(bytes, attrs);
            return;
        };
        // A line the envelope could not decode is not joined to anything.
        if attrs.decode_error.is_some() {
            self.out.push(bytes, attrs);
            return;
        }
        let slot = match attrs.stream {
            None => 0,
            Some(Stream::Stdout) => 1,
            Some(Stream::Stderr) => 2,
        };
        let out = &mut *self.out;
        self.aggregators[slot]
            .get_or_insert_with(|| MultilineAggregator::new(Arc::clone(rules)))
            .push(bytes, attrs, offset, self.now, |bytes, attrs, _| {
                out.push(bytes, attrs);
            });
    }
}
