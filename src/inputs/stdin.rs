//! Standard input. A thread does the blocking reads; the task frames and
//! batches, so a batch is cut on size or linger even while a read blocks.
//!
//! Stdin cannot be replayed, so on SIGTERM everything already read is still
//! delivered: the reader stops starting new reads, the chunks it handed over
//! are framed, and an unfinished last line is kept as a line.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::framing::LineFramer;
use super::InputContext;
use crate::ack::AckHandle;
use crate::pipeline::parse::SourceInfo;
use crate::pipeline::Lines;

const READ_CHUNK_BYTES: usize = 256 * 1024;
/// After SIGTERM, stop collecting once no chunk arrived for this long (the
/// reader is then blocked in a read that returned nothing).
const SHUTDOWN_QUIET: Duration = Duration::from_millis(200);

pub(super) async fn run(
    source: Arc<SourceInfo>,
    max_line_bytes: usize,
    context: InputContext,
) -> anyhow::Result<()> {
    let (chunk_sender, mut chunks) = mpsc::channel::<Vec<u8>>(4);
    let stop_reading = Arc::new(AtomicBool::new(false));
    {
        let stop_reading = Arc::clone(&stop_reading);
        std::thread::Builder::new()
            .name("sluice-stdin".to_owned())
            .spawn(move || read_stdin(&chunk_sender, &stop_reading))?;
    }

    let mut batch = StdinBatcher {
        source,
        framer: LineFramer::new(max_line_bytes, 0),
        lines: Lines::default(),
        deadline: None,
        context,
    };
    let mut reached_end = false;
    while !reached_end {
        let deadline = batch.deadline;
        tokio::select! {
            biased;
            () = batch.context.shutdown.cancelled() => break,
            chunk = chunks.recv() => match chunk {
                Some(chunk) => batch.push(&chunk).await?,
                None => reached_end = true,
            },
            () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => batch.flush().await?,
        }
    }
    if !reached_end {
        stop_reading.store(true, Ordering::Release);
        while let Ok(Some(chunk)) = tokio::time::timeout(SHUTDOWN_QUIET, chunks.recv()).await {
            batch.push(&chunk).await?;
        }
    }
    let lines = &mut batch.lines;
    batch
        .framer
        .finish(|line| lines.push(line.bytes, line.attrs()));
    batch.flush().await?;
    Ok(())
}

/// Lines waiting to be sent, and when they must go at the latest.
struct StdinBatcher {
    source: Arc<SourceInfo>,
    framer: LineFramer,
    lines: Lines,
    /// Linger deadline, set when the first line of a batch arrives.
    deadline: Option<Instant>,
    context: InputContext,
}

impl StdinBatcher {
    async fn push(&mut self, chunk: &[u8]) -> anyhow::Result<()> {
        let lines = &mut self.lines;
        self.framer
            .push(chunk, |line| lines.push(line.bytes, line.attrs()));
        if self.deadline.is_none() && !self.lines.is_empty() {
            self.deadline = Some(Instant::now() + self.context.limits.linger);
        }
        if self.context.limits.is_full(&self.lines) {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        self.deadline = None;
        if self.lines.is_empty() {
            return Ok(());
        }
        let lines = std::mem::take(&mut self.lines);
        self.context
            .send(&self.source, lines, AckHandle::untracked())
            .await?;
        Ok(())
    }
}

/// Blocking reads until end of file or `stop`; the channel closing ends the
/// task side.
fn read_stdin(chunks: &mpsc::Sender<Vec<u8>>, stop: &AtomicBool) {
    let mut stdin = std::io::stdin().lock();
    while !stop.load(Ordering::Acquire) {
        let mut buffer = vec![0; READ_CHUNK_BYTES];
        match stdin.read(&mut buffer) {
            Ok(0) => return,
            Ok(read) => {
                buffer.truncate(read);
                if chunks.blocking_send(buffer).is_err() {
                    return;
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => {
                tracing::error!(error = %err, "reading stdin failed; treating it as closed");
                return;
            }
        }
    }
}
