//! Standard input. A thread does the blocking reads; the task frames and
//! batches, so a batch is cut on size or linger even while a read blocks.

use std::io::Read;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::framing::LineFramer;
use super::InputContext;
use crate::ack::AckHandle;
use crate::pipeline::parse::SourceInfo;
use crate::pipeline::Lines;

const READ_CHUNK_BYTES: usize = 256 * 1024;

pub(super) async fn run(
    source: Arc<SourceInfo>,
    max_line_bytes: usize,
    context: InputContext,
) -> anyhow::Result<()> {
    let (chunk_sender, mut chunks) = mpsc::channel::<Vec<u8>>(4);
    std::thread::Builder::new()
        .name("sluice-stdin".to_owned())
        .spawn(move || read_stdin(&chunk_sender))?;

    let mut framer = LineFramer::new(max_line_bytes);
    let mut lines = Lines::default();
    let linger = context.limits.linger;
    loop {
        tokio::select! {
            biased;
            () = context.shutdown.cancelled() => break,
            chunk = chunks.recv() => match chunk {
                Some(chunk) => {
                    framer.push(&chunk, &mut lines);
                    if context.limits.is_full(&lines) {
                        context.send(&source, std::mem::take(&mut lines), AckHandle::untracked()).await?;
                    }
                }
                None => {
                    framer.finish(&mut lines);
                    break;
                }
            },
            () = tokio::time::sleep(linger), if !lines.is_empty() => {
                context.send(&source, std::mem::take(&mut lines), AckHandle::untracked()).await?;
            }
        }
    }
    if !lines.is_empty() {
        context.send(&source, lines, AckHandle::untracked()).await?;
    }
    Ok(())
}

/// Blocking reads until end of file; the channel closing ends the task side.
fn read_stdin(chunks: &mpsc::Sender<Vec<u8>>) {
    let mut stdin = std::io::stdin().lock();
    loop {
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
