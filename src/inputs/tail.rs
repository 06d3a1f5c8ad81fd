//! A simple, correct file tailer: explicit paths or globs, polled, with a
//! checkpoint per input that advances only on acknowledgement.
//!
//! Files are told apart by device and inode. When a path starts pointing at
//! a new inode (rename rotation), the old file is read to its end before it
//! is released; when a file shrinks below the read offset (copytruncate),
//! reading restarts at 0. Known limits, left to the production tailer:
//! polling rather than inotify, no fingerprints (inode reuse), no multiline.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::checkpoint::{self, FileCheckpoint, FINGERPRINT_BYTES};
use super::framing::LineFramer;
use super::InputContext;
use crate::ack::{AckHandle, BatchOutcome};
use crate::config::ReadFrom;
use crate::pipeline::parse::SourceInfo;
use crate::pipeline::Lines;
use crate::topology::TailSettings;

const POLL_INTERVAL: Duration = Duration::from_millis(250);
const READ_CHUNK_BYTES: usize = 256 * 1024;
/// Per file per poll, so one busy file cannot starve the others.
const READ_BUDGET_BYTES: usize = 4 * 1024 * 1024;
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);
/// A rotated-away file that has not grown for this long is finished: its
/// writer has moved on to the new file. (Fluent Bit's `rotate_wait`.)
const ROTATED_IDLE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FileId {
    dev: u64,
    inode: u64,
}

#[derive(Debug)]
struct InFlight {
    batch_id: u64,
    end_offset: u64,
    delivered: Option<bool>,
}

#[derive(Debug)]
struct TrackedFile {
    path: PathBuf,
    handle: File,
    read_offset: u64,
    framer: LineFramer,
    in_flight: VecDeque<InFlight>,
    committed: u64,
    /// When the path stopped naming this file (rotation, deletion): from
    /// then on it is drained, then released.
    rotated_at: Option<Instant>,
    /// Last time a read returned data.
    last_growth: Instant,
    /// Identity beyond the inode: hash of the first bytes, and how many.
    fingerprint: (u64, u64),
    /// Undelivered batches in a row; reading pauses a little longer each time.
    consecutive_failures: u32,
    paused_until: Option<Instant>,
    /// The last read found no more data.
    at_end: bool,
}

impl TrackedFile {
    /// Offset just past the last complete line read.
    fn framed_offset(&self) -> u64 {
        self.read_offset - self.framer.pending_bytes() as u64
    }

    /// Rotated away, and neither the rotation nor the last write is recent:
    /// the writer has moved on (it may have been quiet before the rename).
    fn writer_is_gone(&self) -> bool {
        self.rotated_at.is_some_and(|rotated_at| {
            rotated_at.elapsed() >= ROTATED_IDLE && self.last_growth.elapsed() >= ROTATED_IDLE
        })
    }

    /// Forgets everything read past `committed` and reads it again after a
    /// pause: used when a batch was not delivered (at least once beats
    /// exactly once; the pause keeps a persistent failure from spinning).
    fn rewind_to_committed(&mut self) -> std::io::Result<()> {
        self.in_flight.clear();
        self.framer.reset(self.committed);
        self.at_end = false;
        self.consecutive_failures += 1;
        self.paused_until =
            Some(Instant::now() + crate::runtime::backoff(self.consecutive_failures));
        self.handle.seek(SeekFrom::Start(self.committed))?;
        self.read_offset = self.committed;
        Ok(())
    }

    /// Computes the fingerprint again while it covers fewer bytes than it
    /// could: a file first seen short gets a stronger identity as it grows.
    fn refresh_fingerprint(&mut self) {
        let could_cover = self.read_offset.min(FINGERPRINT_BYTES);
        if self.fingerprint.1 < could_cover {
            if let Ok(fingerprint) = checkpoint::fingerprint(&self.handle, FINGERPRINT_BYTES) {
                self.fingerprint = fingerprint;
            }
        }
    }

    /// Moves `committed` over every delivered batch at the front. A failed
    /// batch stays at the front: nothing after it commits, so a restart
    /// reads it again.
    fn advance_commit(&mut self) -> bool {
        let before = self.committed;
        while let Some(Some(true)) = self.in_flight.front().map(|batch| batch.delivered) {
            if let Some(batch) = self.in_flight.pop_front() {
                self.committed = batch.end_offset;
                self.consecutive_failures = 0;
            }
        }
        self.committed != before
    }
}

struct Tailer {
    source: Arc<SourceInfo>,
    settings: TailSettings,
    context: InputContext,
    files: HashMap<FileId, TrackedFile>,
    saved: Vec<FileCheckpoint>,
    batch_owner: HashMap<u64, FileId>,
    next_batch_id: u64,
    outcomes_sender: mpsc::UnboundedSender<BatchOutcome>,
    /// Reused for every read: polling idle files must not allocate.
    read_buffer: Vec<u8>,
    first_scan: bool,
    /// A checkpoint file existed at start: this is a restart.
    had_checkpoint: bool,
    checkpoint_dirty: bool,
    last_checkpoint: Instant,
}

pub(super) async fn run(
    source: Arc<SourceInfo>,
    settings: TailSettings,
    context: InputContext,
) -> anyhow::Result<()> {
    let had_checkpoint = settings.checkpoint_path.exists();
    let saved = checkpoint::load(&settings.checkpoint_path).unwrap_or_else(|err| {
        tracing::error!(
            path = %settings.checkpoint_path.display(),
            error = %err,
            "checkpoint unreadable; starting without it (files are read again: duplicates, no loss)"
        );
        Vec::new()
    });
    let (outcomes_sender, mut outcomes) = mpsc::unbounded_channel();
    let mut tailer = Tailer {
        source,
        settings,
        context,
        files: HashMap::new(),
        saved,
        batch_owner: HashMap::new(),
        next_batch_id: 1,
        outcomes_sender,
        read_buffer: vec![0; READ_CHUNK_BYTES],
        first_scan: true,
        had_checkpoint,
        checkpoint_dirty: false,
        last_checkpoint: Instant::now(),
    };

    tailer.scan();
    // Written at once, even if empty: its existence marks later starts as
    // restarts, where `read_from: end` no longer applies.
    tailer.checkpoint_dirty = true;
    tailer.checkpoint_if_due(true);
    while !tailer.context.shutdown.is_cancelled() {
        tailer.scan();
        let Ok(more_to_read) = tailer.read_all().await else {
            break; // shutting down, or the pipeline is gone: drain and commit
        };
        while let Ok(outcome) = outcomes.try_recv() {
            tailer.settle(outcome);
        }
        tailer.checkpoint_if_due(false);
        if more_to_read {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            () = tailer.context.shutdown.cancelled() => {}
            () = tokio::time::sleep(POLL_INTERVAL) => {}
            Some(outcome) = outcomes.recv() => tailer.settle(outcome),
        }
    }
    tailer.drain(&mut outcomes).await;
    tailer.checkpoint_if_due(true);
    Ok(())
}

impl Tailer {
    /// Finds files, notices rotation and deletion.
    fn scan(&mut self) {
        let found = self.discover();
        let current: HashMap<&Path, FileId> = found
            .iter()
            .map(|(path, id, _)| (path.as_path(), *id))
            .collect();
        for (id, file) in &mut self.files {
            if file.rotated_at.is_none() && current.get(file.path.as_path()) != Some(id) {
                tracing::debug!(path = %file.path.display(), "file rotated or removed; reading it to its end");
                file.rotated_at = Some(Instant::now());
            }
        }
        for (path, id, len) in found {
            if let Some(file) = self.files.get_mut(&id) {
                if file.path != path {
                    file.path = path; // renamed within our paths: same file, same offset
                    file.rotated_at = None;
                    self.checkpoint_dirty = true;
                }
                continue;
            }
            match self.open_at_start(&path, id, len) {
                Ok((handle, start, fingerprint)) => {
                    tracing::info!(path = %path.display(), offset = start, "following file");
                    self.files.insert(
                        id,
                        TrackedFile {
                            path,
                            handle,
                            read_offset: start,
                            framer: LineFramer::new(self.settings.max_line_bytes, start),
                            in_flight: VecDeque::new(),
                            committed: start,
                            rotated_at: None,
                            last_growth: Instant::now(),
                            fingerprint,
                            consecutive_failures: 0,
                            paused_until: None,
                            at_end: false,
                        },
                    );
                    self.checkpoint_dirty = true;
                }
                Err(err) => {
                    tracing::warn!(path = %path.display(), error = %err, "cannot open file")
                }
            }
        }
        self.first_scan = false;
    }

    fn discover(&self) -> Vec<(PathBuf, FileId, u64)> {
        let mut found = Vec::new();
        for pattern in &self.settings.paths {
            let candidates: Vec<PathBuf> = if pattern.contains(['*', '?', '[']) {
                glob::glob(pattern)
                    .map(|paths| paths.filter_map(Result::ok).collect())
                    .unwrap_or_default()
            } else {
                vec![PathBuf::from(pattern)]
            };
            for path in candidates {
                let excluded = self.settings.exclude.iter().any(|exclude| {
                    exclude.matches_path(&path)
                        || path
                            .file_name()
                            .is_some_and(|name| exclude.matches(&name.to_string_lossy()))
                });
                if excluded {
                    continue;
                }
                if let Ok(meta) = std::fs::metadata(&path) {
                    if meta.is_file() {
                        let id = FileId {
                            dev: meta.dev(),
                            inode: meta.ino(),
                        };
                        found.push((path, id, meta.len()));
                    }
                }
            }
        }
        found
    }

    /// Opens a file not followed yet, positioned where reading starts.
    fn open_at_start(
        &self,
        path: &Path,
        id: FileId,
        len: u64,
    ) -> std::io::Result<(File, u64, (u64, u64))> {
        let mut handle = File::open(path)?;
        let start = self.start_offset(&handle, id, len)?;
        handle.seek(SeekFrom::Start(start))?;
        let fingerprint = checkpoint::fingerprint(&handle, FINGERPRINT_BYTES)?;
        Ok((handle, start, fingerprint))
    }

    /// Where to start. A checkpoint entry is found by device and inode and
    /// confirmed by the fingerprint of the first bytes, so a file renamed
    /// while sluice was down resumes where it stopped, while a new file that
    /// got a deleted file's inode starts at 0. `read_from: end` applies only
    /// to a first start (no checkpoint file at all); later files start at 0.
    fn start_offset(&self, handle: &File, id: FileId, len: u64) -> std::io::Result<u64> {
        let saved = self
            .saved
            .iter()
            .find(|entry| entry.dev == id.dev && entry.inode == id.inode);
        if let Some(entry) = saved {
            let same_file = checkpoint::fingerprint(handle, entry.fingerprint_len)?
                == (entry.fingerprint, entry.fingerprint_len);
            if same_file && entry.offset <= len {
                return Ok(entry.offset);
            }
            return Ok(0); // another file on a reused inode, or truncated while we were away
        }
        let first_start = self.first_scan && !self.had_checkpoint;
        Ok(if first_start && self.settings.read_from == ReadFrom::End {
            len
        } else {
            0
        })
    }

    /// Reads every file up to its budget; true when some file has more.
    async fn read_all(&mut self) -> anyhow::Result<bool> {
        let ids: Vec<FileId> = self.files.keys().copied().collect();
        let mut more = false;
        for id in ids {
            more |= self.read_file(id).await?;
        }
        self.release_finished();
        Ok(more)
    }

    async fn read_file(&mut self, id: FileId) -> anyhow::Result<bool> {
        let limits = self.context.limits;
        let mut lines = Lines::default();
        let mut budget = READ_BUDGET_BYTES;
        let mut reached_end = false;
        while budget > 0 {
            let Some(file) = self.files.get_mut(&id) else {
                return Ok(false);
            };
            if file
                .paused_until
                .is_some_and(|until| Instant::now() < until)
            {
                return Ok(false);
            }
            if file.rotated_at.is_none() {
                detect_truncation(file);
            }
            let chunk = &mut self.read_buffer[..READ_CHUNK_BYTES.min(budget)];
            let read = match tokio::task::block_in_place(|| file.handle.read(chunk)) {
                Ok(read) => read,
                Err(err) => {
                    tracing::warn!(path = %file.path.display(), error = %err, "read failed");
                    0
                }
            };
            if read == 0 {
                reached_end = true;
                file.at_end = true;
                if file.writer_is_gone() {
                    // Its last line may lack a newline; nobody will add one.
                    file.framer
                        .finish(|line| lines.push(line.bytes, line.attrs()));
                }
                break;
            }
            file.last_growth = Instant::now();
            file.at_end = false;
            budget -= read;
            file.read_offset += read as u64;
            file.refresh_fingerprint();
            file.framer.push(&self.read_buffer[..read], |line| {
                lines.push(line.bytes, line.attrs())
            });
            if limits.is_full(&lines) {
                self.send(id, std::mem::take(&mut lines)).await?;
            }
        }
        if !lines.is_empty() {
            self.send(id, lines).await?;
        }
        Ok(!reached_end)
    }

    async fn send(&mut self, id: FileId, lines: Lines) -> anyhow::Result<()> {
        let Some(file) = self.files.get_mut(&id) else {
            return Ok(());
        };
        let batch_id = self.next_batch_id;
        self.next_batch_id += 1;
        file.in_flight.push_back(InFlight {
            batch_id,
            end_offset: file.framed_offset(),
            delivered: None,
        });
        self.batch_owner.insert(batch_id, id);
        let ack = AckHandle::new(batch_id, self.outcomes_sender.clone());
        // Unsent tail data is read again after a restart, so a send may give
        // up as soon as shutdown starts.
        self.context
            .send_replayable(&self.source, lines, ack)
            .await?;
        Ok(())
    }

    fn settle(&mut self, outcome: BatchOutcome) {
        let Some(id) = self.batch_owner.remove(&outcome.batch_id) else {
            return;
        };
        let Some(file) = self.files.get_mut(&id) else {
            return;
        };
        let Some(batch) = file
            .in_flight
            .iter_mut()
            .find(|batch| batch.batch_id == outcome.batch_id)
        else {
            return;
        };
        batch.delivered = Some(outcome.delivered);
        if !outcome.delivered && !self.context.shutdown.is_cancelled() {
            tracing::error!(
                path = %file.path.display(),
                offset = file.committed,
                "batch not delivered; reading again from the last checkpoint"
            );
            let abandoned: Vec<u64> = file.in_flight.iter().map(|batch| batch.batch_id).collect();
            if let Err(err) = file.rewind_to_committed() {
                tracing::error!(path = %file.path.display(), error = %err, "cannot rewind; the batch is read again after a restart");
            }
            for batch_id in abandoned {
                self.batch_owner.remove(&batch_id);
            }
            return;
        }
        self.checkpoint_dirty |= file.advance_commit();
    }

    /// Drops rotated files that are fully read and acknowledged.
    fn release_finished(&mut self) {
        self.files.retain(|_, file| {
            // `at_end` matters after a rewind: everything then looks settled
            // although the rewound bytes are still to be read again.
            let finished = file.writer_is_gone()
                && file.at_end
                && file.framer.pending_bytes() == 0
                && file.in_flight.is_empty();
            if finished {
                tracing::info!(path = %file.path.display(), "finished rotated file");
            }
            !finished
        });
    }

    /// After shutdown: wait until every batch in flight is settled.
    async fn drain(&mut self, outcomes: &mut mpsc::UnboundedReceiver<BatchOutcome>) {
        while !self.batch_owner.is_empty() {
            tokio::select! {
                () = self.context.hard_stop.cancelled() => {
                    tracing::warn!(batches = self.batch_owner.len(), "shutdown timeout: leaving batches uncommitted");
                    return;
                }
                outcome = outcomes.recv() => match outcome {
                    Some(outcome) => self.settle(outcome),
                    None => return,
                },
            }
        }
    }

    fn checkpoint_if_due(&mut self, force: bool) {
        if !self.checkpoint_dirty
            || (!force && self.last_checkpoint.elapsed() < CHECKPOINT_INTERVAL)
        {
            return;
        }
        let entries: Vec<FileCheckpoint> = self
            .files
            .iter()
            .map(|(id, file)| FileCheckpoint {
                path: file.path.clone(),
                dev: id.dev,
                inode: id.inode,
                fingerprint: file.fingerprint.0,
                fingerprint_len: file.fingerprint.1,
                offset: file.committed,
            })
            .collect();
        match tokio::task::block_in_place(|| {
            checkpoint::save(&self.settings.checkpoint_path, &entries)
        }) {
            Ok(()) => {
                self.saved = entries;
                self.checkpoint_dirty = false;
                self.last_checkpoint = Instant::now();
            }
            Err(err) => tracing::error!(error = %err, "writing checkpoint failed; will retry"),
        }
    }
}

/// copytruncate: the file is now shorter than what we read.
fn detect_truncation(file: &mut TrackedFile) {
    let Ok(meta) = file.handle.metadata() else {
        return;
    };
    if meta.len() < file.read_offset {
        tracing::info!(path = %file.path.display(), "file truncated; reading from the start");
        if file.handle.seek(SeekFrom::Start(0)).is_ok() {
            file.read_offset = 0;
            file.framer.reset(0);
            file.in_flight.clear();
            file.committed = 0;
            // New content, new identity: refreshed as the file is read again.
            file.fingerprint = (0, 0);
            file.at_end = false;
        }
    }
}
