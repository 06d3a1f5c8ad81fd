//! NDJSON to standard output, for debugging and piping.

use std::io::Write;

use crate::{encode_ndjson, Event, Sink, SinkError};

/// Writes every event as one JSON line on stdout.
#[derive(Debug, Default)]
pub struct StdoutSink {
    buffer: Vec<u8>,
}

#[async_trait::async_trait]
impl Sink for StdoutSink {
    async fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        self.buffer.clear();
        encode_ndjson(events, &mut self.buffer);
        tokio::task::block_in_place(|| {
            let mut out = std::io::stdout().lock();
            out.write_all(&self.buffer).and_then(|()| out.flush())
        })
        .map_err(|source| SinkError::from_io("writing to stdout".to_owned(), source))
    }
}
