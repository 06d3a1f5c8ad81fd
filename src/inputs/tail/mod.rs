//! The file tailer behind the `tail` and `kubernetes` inputs.
//!
//! - **Identity.** A file is its device and inode, confirmed by a fingerprint
//!   of its first bytes (inodes are reused as soon as a file is deleted).
//!   Never its path.
//! - **Discovery.** Globs, scanned at start, whenever the watcher reports a
//!   created, renamed or removed entry, and every `scan_interval` as the
//!   fallback.
//! - **Rotation.** When a path names a new file, the old one is read to its
//!   end and released only once its writer has been quiet for `rotate_wait`
//!   and every batch from it is acknowledged, however long that takes.
//!   Truncation in place (copytruncate) restarts at 0. A file renamed while
//!   sluice was down is found next to its old name and finished.
//! - **Checkpoints.** One file per input, advanced only on acknowledgement;
//!   entries for files gone for good expire after `forget_after`.
//! - **Fairness and descriptors.** Every pass visits files round-robin with a
//!   read budget each; idle files are closed when `max_open_files` is
//!   reached, and reopened (by identity) when they grow.
//!
//! Known limit: a fingerprint covers the first bytes only, so a file
//! truncated and rewritten with identical leading bytes past the old offset
//! before the next check is not seen as truncated.

mod decoder;
mod discovery;
mod file;
#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod regressions;
#[cfg(test)]
mod test_support;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

pub use discovery::{FileSelector, COMPRESSED_SUFFIXES};

use super::checkpoint::{self, FileCheckpoint};
use super::kubernetes::{KubernetesSettings, Skipped};
use super::multiline::MultilineRules;
use super::InputContext;
use crate::ack::{AckHandle, BatchOutcome};
use crate::config::ReadFrom;
use crate::pipeline::parse::SourceInfo;
use crate::pipeline::Lines;
use decoder::LineDecoder;
use discovery::{Changes, DirectoryWatcher, FileId, Found};
use file::{find_sibling, Fingerprint, Head, InFlight, ReopenError, TrackedFile};

const READ_CHUNK_BYTES: usize = 256 * 1024;
/// Per file per pass, so one busy file cannot starve the others.
const READ_BUDGET_BYTES: usize = 4 * 1024 * 1024;

/// Settings of one tailing input.
#[derive(Debug, Clone)]
pub struct TailSettings {
    /// Which files.
    pub selector: FileSelector,
    /// Start position for files without a checkpoint.
    pub read_from: ReadFrom,
    /// Line length cap.
    pub max_line_bytes: usize,
    /// This input's checkpoint file.
    pub checkpoint_path: PathBuf,
    /// Leading bytes hashed into a file's identity.
    pub fingerprint_bytes: u64,
    /// Joining of multi-line events.
    pub multiline: Option<Arc<MultilineRules>>,
    /// A rotated file is released once its writer was quiet this long.
    pub rotate_wait: Duration,
    /// Descriptor cap: idle files are closed beyond it.
    pub max_open_files: usize,
    /// Files quiet this long are closed (reopened when they grow).
    pub close_idle_after: Duration,
    /// Checkpoint entries of files gone this long are dropped.
    pub forget_after: Duration,
    /// Full scans this often, whatever the watcher says.
    pub scan_interval: Duration,
    /// Checkpoint writes at most this often.
    pub checkpoint_interval: Duration,
    /// The `kubernetes` input: per-file tags and metadata.
    pub containers: Option<Arc<KubernetesSettings>>,
}

/// A batch being filled by one read pass.
struct OpenBatch {
    batch_id: u64,
    source: Arc<SourceInfo>,
    lines: Lines,
    files: Vec<FileId>,
}

struct Tailer {
    source: Arc<SourceInfo>,
    settings: TailSettings,
    context: InputContext,
    files: HashMap<FileId, TrackedFile>,
    /// Visiting order; rotated each pass so no file is always last.
    order: Vec<FileId>,
    cursor: usize,
    /// Discovered and resolved paths of followed files, for watcher events.
    by_path: HashMap<PathBuf, FileId>,
    /// Files deliberately not followed (sluice's own pod, odd names), by
    /// identity and path: an inode is reused by other files.
    ignored: HashMap<FileId, PathBuf>,
    /// Files that could not be opened (warned once each).
    open_failures: HashSet<FileId>,
    /// Checkpoint entries of files not followed now, kept until they expire.
    retained: Vec<FileCheckpoint>,
    batch_owners: HashMap<u64, Vec<FileId>>,
    next_batch_id: u64,
    open_batch: Option<OpenBatch>,
    outcomes_sender: mpsc::UnboundedSender<BatchOutcome>,
    changes: Arc<Changes>,
    watcher: Option<DirectoryWatcher>,
    /// Reused for every read: visiting idle files must not allocate.
    read_buffer: Vec<u8>,
    /// A checkpoint file existed at start: this is a restart.
    had_checkpoint: bool,
    first_scan: bool,
    next_full_pass: Instant,
    checkpoint_dirty: bool,
    last_checkpoint: Instant,
}

pub(super) async fn run(
    source: Arc<SourceInfo>,
    settings: TailSettings,
    context: InputContext,
) -> anyhow::Result<()> {
    let (outcomes_sender, mut outcomes) = mpsc::unbounded_channel();
    let mut tailer = Tailer::new(source, settings, context, outcomes_sender);
    tailer.scan();
    // Written at once, even if empty: its existence marks later starts as
    // restarts, where `read_from: end` no longer applies.
    tailer.checkpoint_dirty = true;
    tailer.checkpoint_if_due(true);
    while !tailer.context.shutdown.is_cancelled() {
        let full_pass = Instant::now() >= tailer.next_full_pass;
        if tailer.changes.take_rescan() || full_pass {
            tailer.scan();
        }
        tailer.mark_written();
        let Ok(more_to_read) = tailer.read_pass(full_pass).await else {
            break; // shutting down, or the pipeline is gone: drain and commit
        };
        while let Ok(outcome) = outcomes.try_recv() {
            tailer.settle(outcome);
        }
        tailer.release_finished();
        tailer.checkpoint_if_due(false);
        tailer
            .context
            .metrics
            .files(&tailer.source.name, tailer.files.len(), tailer.open_count());
        if more_to_read {
            tokio::task::yield_now().await;
            continue;
        }
        let wake_at = tailer.next_wake();
        let changes = Arc::clone(&tailer.changes);
        tokio::select! {
            () = tailer.context.shutdown.cancelled() => {}
            () = changes.wake.notified() => {}
            () = tokio::time::sleep_until(wake_at.into()) => {}
            Some(outcome) = outcomes.recv() => tailer.settle(outcome),
        }
    }
    tailer.drain(&mut outcomes).await;
    tailer.checkpoint_if_due(true);
    Ok(())
}

impl Tailer {
    fn new(
        source: Arc<SourceInfo>,
        settings: TailSettings,
        context: InputContext,
        outcomes_sender: mpsc::UnboundedSender<BatchOutcome>,
    ) -> Self {
        let had_checkpoint = settings.checkpoint_path.exists();
        let retained = checkpoint::load(&settings.checkpoint_path).unwrap_or_else(|err| {
            tracing::error!(
                path = %settings.checkpoint_path.display(),
                error = %err,
                "checkpoint unreadable; starting without it (files are read again: duplicates, no loss)"
            );
            Vec::new()
        });
        let changes = Arc::new(Changes::default());
        let watcher = DirectoryWatcher::start(&settings.selector, &changes);
        Self {
            source,
            settings,
            context,
            files: HashMap::new(),
            order: Vec::new(),
            cursor: 0,
            by_path: HashMap::new(),
            ignored: HashMap::new(),
            open_failures: HashSet::new(),
            retained,
            batch_owners: HashMap::new(),
            next_batch_id: 1,
            open_batch: None,
            outcomes_sender,
            changes,
            watcher,
            read_buffer: vec![0; READ_CHUNK_BYTES],
            had_checkpoint,
            first_scan: true,
            next_full_pass: Instant::now(),
            checkpoint_dirty: false,
            last_checkpoint: Instant::now(),
        }
    }

    /// With a watcher, full passes are only the safety net.
    fn poll_interval(&self) -> Duration {
        if self.watcher.is_some() {
            self.settings.scan_interval
        } else {
            self.settings.scan_interval.min(Duration::from_millis(250))
        }
    }

    /// Finds files, notices rotation, deletion and truncation, closes idle
    /// files.
    fn scan(&mut self) {
        let found = self.settings.selector.discover();
        let current: HashMap<&std::path::Path, FileId> = found
            .iter()
            .map(|found| (found.path.as_path(), found.id))
            .collect();
        for (id, file) in &mut self.files {
            if file.rotated_at.is_none() && current.get(file.path.as_path()) != Some(id) {
                tracing::debug!(path = %file.path.display(), "file rotated or removed; reading it to its end");
                file.rotated_at = Some(Instant::now());
                file.wants_read = true;
            }
        }
        self.ignored
            .retain(|id, path| current.get(path.as_path()) == Some(id));
        let followed_before = self.files.len();
        let mut replaced = false;
        for found in found {
            if self.ignored.get(&found.id) == Some(&found.path) {
                continue;
            }
            if let Some(file) = self.files.get_mut(&found.id) {
                let changed = file.path != found.path || found.len != file.read_offset;
                if file.handle.is_none()
                    && !file.gone
                    && changed
                    && !same_start(&found.path, file.fingerprint)
                {
                    // A closed file's inode, reused by another file (or the
                    // file rewritten in place): the old one is gone, and
                    // this is a new file.
                    tracing::info!(path = %found.path.display(), "file replaced while closed; following it as a new file");
                    self.files.remove(&found.id);
                    self.follow(found);
                    replaced = true;
                    continue;
                }
                if file.path != found.path {
                    file.path = found.path; // renamed within our paths: same file, same offset
                    self.checkpoint_dirty = true;
                }
                // Named by a path again (renamed back, or a stat that
                // failed once): a live file, not a rotated one.
                file.rotated_at = None;
                file.drained = false;
                if file.handle.is_none() && found.len != file.read_offset {
                    file.wants_read = true;
                }
                continue;
            }
            self.follow(found);
        }
        if self.first_scan {
            self.recover_rotated_while_down();
        }
        let followed_new = self.files.len() > followed_before;
        self.first_scan = false;
        if self.retained.iter().any(|entry| self.is_expired(entry)) {
            self.checkpoint_dirty = true;
        }
        let truncated = self.check_truncation_and_idle();
        self.rebuild_index();
        if followed_new || replaced || truncated {
            // New files and new content are recorded before anything is
            // read from them: a file renamed out of the globs right after
            // must be found after a crash.
            self.checkpoint_if_due(true);
        }
    }

    /// Starts following a newly found file.
    fn follow(&mut self, found: Found) {
        let resolved = std::fs::canonicalize(&found.path).unwrap_or_else(|_| found.path.clone());
        let source = match &self.settings.containers {
            None => Arc::clone(&self.source),
            Some(containers) => match containers.source_for(&self.source, &found.path, &resolved) {
                Ok(source) => source,
                Err(reason) => {
                    let why = match reason {
                        Skipped::OwnPod => "sluice's own pod",
                        Skipped::UnknownName => "not named <pod>_<namespace>_<container>-<id>.log",
                    };
                    tracing::info!(path = %found.path.display(), reason = why, "not following container log");
                    self.ignored.insert(found.id, found.path.clone());
                    return;
                }
            },
        };
        match self.open_at_start(&found) {
            Ok((handle, start, fingerprint)) => {
                tracing::info!(path = %found.path.display(), offset = start, "following file");
                self.open_failures.remove(&found.id);
                // At the descriptor cap the file waits, closed, for its turn.
                let handle = (self.open_count() < self.settings.max_open_files).then_some(handle);
                self.track(
                    found.id,
                    found.path,
                    resolved,
                    source,
                    handle,
                    start,
                    fingerprint,
                );
            }
            Err(err) => {
                if self.open_failures.insert(found.id) {
                    tracing::warn!(path = %found.path.display(), error = %err, "cannot open file; will retry");
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn track(
        &mut self,
        id: FileId,
        path: PathBuf,
        resolved: PathBuf,
        source: Arc<SourceInfo>,
        handle: Option<File>,
        start: u64,
        fingerprint: Fingerprint,
    ) {
        if let Some(watcher) = &mut self.watcher {
            watcher.watch_parent_of(&resolved);
        }
        let decoder = match &self.settings.containers {
            None => LineDecoder::plain(
                self.settings.max_line_bytes,
                self.settings.multiline.clone(),
                start,
            ),
            Some(containers) => LineDecoder::container(
                self.settings.max_line_bytes,
                containers.max_entry_bytes,
                self.settings.multiline.clone(),
                start,
            ),
        };
        self.retained
            .retain(|entry| !(entry.dev == id.dev && entry.inode == id.inode));
        self.files.insert(
            id,
            TrackedFile {
                path,
                resolved,
                source,
                handle,
                read_offset: start,
                decoder,
                in_flight: VecDeque::new(),
                committed: start,
                rotated_at: None,
                last_growth: Instant::now(),
                fingerprint,
                consecutive_failures: 0,
                paused_until: None,
                at_end: false,
                wants_read: true,
                drained: false,
                gone: false,
                open_failed: false,
            },
        );
        self.checkpoint_dirty = true;
    }

    /// Opens a file not followed yet, positioned where reading starts.
    fn open_at_start(&self, found: &Found) -> std::io::Result<(File, u64, Fingerprint)> {
        let mut handle = File::open(&found.path)?;
        let start = self.start_offset(&handle, found.id, found.len)?;
        handle.seek(SeekFrom::Start(start))?;
        let fingerprint = Fingerprint::of(&handle, self.settings.fingerprint_bytes)?;
        Ok((handle, start, fingerprint))
    }

    /// Where to start. A checkpoint entry is found by device and inode and
    /// confirmed by the fingerprint of the first bytes, so a file renamed
    /// while sluice was down resumes where it stopped, while a new file that
    /// got a deleted file's inode starts at 0. `read_from: end` applies only
    /// to a first start (no checkpoint file at all); later files start at 0.
    fn start_offset(&self, handle: &File, id: FileId, len: u64) -> std::io::Result<u64> {
        if let Some(entry) = self.saved_entry(id) {
            let same_file = Fingerprint::of(handle, entry.fingerprint_len)?
                == Fingerprint {
                    hash: entry.fingerprint,
                    len: entry.fingerprint_len,
                };
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

    fn saved_entry(&self, id: FileId) -> Option<&FileCheckpoint> {
        self.retained
            .iter()
            .find(|entry| entry.dev == id.dev && entry.inode == id.inode)
    }

    /// A file renamed out of the patterns while sluice was down still has
    /// unread lines: find it next to its old name and finish it.
    fn recover_rotated_while_down(&mut self) {
        let candidates: Vec<FileCheckpoint> = self
            .retained
            .iter()
            .filter(|entry| {
                !self.files.contains_key(&FileId {
                    dev: entry.dev,
                    inode: entry.inode,
                })
            })
            .cloned()
            .collect();
        for entry in candidates {
            let id = FileId {
                dev: entry.dev,
                inode: entry.inode,
            };
            let near = entry.resolved.as_ref().unwrap_or(&entry.path);
            let saved = Fingerprint {
                hash: entry.fingerprint,
                len: entry.fingerprint_len,
            };
            let Some(path) = find_sibling(near, id, saved, self.settings.fingerprint_bytes) else {
                continue;
            };
            if self.settings.selector.is_excluded(&path, true) {
                continue;
            }
            let Ok(mut handle) = File::open(&path) else {
                continue;
            };
            let len = handle.metadata().map(|meta| meta.len()).unwrap_or(0);
            let start = entry.offset;
            if start > len || handle.seek(SeekFrom::Start(start)).is_err() {
                continue;
            }
            let fingerprint =
                Fingerprint::of(&handle, self.settings.fingerprint_bytes).unwrap_or(saved);
            let source = match &self.settings.containers {
                None => Arc::clone(&self.source),
                // The rotated name (`0.log.<time>`) is not kubelet's naming:
                // metadata comes from where the file lived.
                Some(containers) => match containers.source_for(
                    &self.source,
                    &entry.path,
                    entry.resolved.as_ref().unwrap_or(&path),
                ) {
                    Ok(source) => source,
                    Err(_) => continue,
                },
            };
            tracing::info!(path = %path.display(), offset = start, "finishing a file rotated while sluice was down");
            self.track(
                id,
                entry.path.clone(),
                path,
                source,
                Some(handle),
                start,
                fingerprint,
            );
            if let Some(file) = self.files.get_mut(&id) {
                file.rotated_at = Some(Instant::now());
            }
        }
    }

    /// copytruncate checks for open files, and closing of idle ones. True
    /// when a file was truncated.
    fn check_truncation_and_idle(&mut self) -> bool {
        let fingerprint_bytes = self.settings.fingerprint_bytes;
        let mut truncated = false;
        for file in self.files.values_mut() {
            if file.rotated_at.is_none() && file.was_truncated(fingerprint_bytes) {
                file.restart_from_zero();
                self.checkpoint_dirty = true;
                truncated = true;
            }
            let idle = file.rotated_at.is_none()
                && file.handle.is_some()
                && file.at_end
                && file.last_growth.elapsed() >= self.settings.close_idle_after;
            if idle {
                tracing::debug!(path = %file.path.display(), "closing idle file");
                file.handle = None;
            }
        }
        truncated
    }

    fn rebuild_index(&mut self) {
        self.by_path.clear();
        // A rotated file's old path names its successor now.
        for (id, file) in self
            .files
            .iter()
            .filter(|(_, file)| file.rotated_at.is_none())
        {
            self.by_path.insert(file.path.clone(), *id);
            self.by_path.insert(file.resolved.clone(), *id);
        }
        self.order = self.files.keys().copied().collect();
        self.order.sort_unstable();
    }

    /// Marks files the watcher saw written to.
    fn mark_written(&mut self) {
        for path in self.changes.take_written() {
            if let Some(file) = self
                .by_path
                .get(&path)
                .and_then(|id| self.files.get_mut(id))
            {
                file.wants_read = true;
            }
        }
    }

    /// Reads the files that may have data (all of them on a full pass),
    /// round-robin; true when some file has more than its budget allowed.
    async fn read_pass(&mut self, full_pass: bool) -> anyhow::Result<bool> {
        if full_pass {
            self.next_full_pass = Instant::now() + self.poll_interval();
        }
        if self.order.len() != self.files.len() {
            self.rebuild_index();
        }
        let now = Instant::now();
        let count = self.order.len();
        self.cursor = if count == 0 {
            0
        } else {
            (self.cursor + 1) % count
        };
        let mut more = false;
        for step in 0..count {
            let id = self.order[(self.cursor + step) % count];
            let Some(file) = self.files.get(&id) else {
                continue;
            };
            // A closed file is due only when it grew (the scan compares
            // sizes); a rotated one whose writer is gone gets one last read
            // right before it is released.
            let due = (full_pass && file.handle.is_some())
                || file.wants_read
                || (file.rotated_at.is_some() && !file.at_end)
                || file.writer_is_gone(self.settings.rotate_wait)
                || file
                    .decoder
                    .next_deadline()
                    .is_some_and(|deadline| deadline <= now);
            if due {
                more |= self.read_file(id).await?;
            }
        }
        self.send_open_batch().await?;
        Ok(more)
    }

    async fn read_file(&mut self, id: FileId) -> anyhow::Result<bool> {
        let rotate_wait = self.settings.rotate_wait;
        let fingerprint_bytes = self.settings.fingerprint_bytes;
        let now = Instant::now();
        let Some(file) = self.files.get_mut(&id) else {
            return Ok(false);
        };
        match file.paused_until {
            Some(until) if now < until => return Ok(false),
            Some(_) => file.paused_until = None,
            None => {}
        }
        if !self.ensure_open(id) {
            // Unreadable for now (or gone for good): what the decoder holds
            // still goes out when its time comes.
            let mut lines = Lines::default();
            if let Some(file) = self.files.get_mut(&id) {
                if file.gone {
                    file.decoder.finish(&mut lines);
                } else {
                    file.decoder.flush_idle(now, &mut lines);
                }
            }
            if !lines.is_empty() {
                self.add_to_batch(id, lines).await?;
            }
            return Ok(false);
        }
        let Some(file) = self.files.get_mut(&id) else {
            return Ok(false);
        };
        file.wants_read = false;
        if file.rotated_at.is_none()
            && file
                .handle
                .as_ref()
                .and_then(|handle| handle.metadata().ok())
                .is_some_and(|meta| meta.len() < file.read_offset)
        {
            file.restart_from_zero();
            self.record_restart_from_zero();
            if !self.ensure_open(id) {
                return Ok(false);
            }
        }
        let mut lines = Lines::default();
        let mut budget = READ_BUDGET_BYTES;
        let mut more = true;
        let mut head = Head::Unchanged;
        while budget > 0 {
            let Some(file) = self.files.get_mut(&id) else {
                return Ok(false);
            };
            let Some(handle) = &mut file.handle else {
                break;
            };
            let chunk = &mut self.read_buffer[..READ_CHUNK_BYTES.min(budget)];
            let read = match tokio::task::block_in_place(|| handle.read(chunk)) {
                Ok(read) => read,
                Err(err) => {
                    tracing::warn!(path = %file.path.display(), error = %err, "read failed");
                    0
                }
            };
            let now = Instant::now();
            if read == 0 {
                more = false;
                file.at_end = true;
                if file.writer_is_gone(rotate_wait) {
                    // Its last line may lack a newline; nobody will add one.
                    file.decoder.finish(&mut lines);
                    file.drained = true;
                } else {
                    file.decoder.flush_idle(now, &mut lines);
                }
                break;
            }
            file.last_growth = now;
            file.at_end = false;
            file.drained = false;
            budget -= read;
            file.read_offset += read as u64;
            head = file.refresh_fingerprint(fingerprint_bytes);
            if head == Head::Rewritten {
                // Truncated and written past the old offset since the last
                // check: this chunk is the middle of the new content.
                break;
            }
            file.decoder
                .push(&self.read_buffer[..read], now, &mut lines);
            if self.context.limits.is_full(&lines) {
                self.add_to_batch(id, std::mem::take(&mut lines)).await?;
            }
        }
        if !lines.is_empty() {
            // Before a restart below: lines of the old content go out, and
            // the restart forgets their offsets, which no longer exist.
            self.add_to_batch(id, lines).await?;
        }
        if let Some(file) = self.files.get_mut(&id) {
            file.wants_read |= more;
            if head == Head::Rewritten {
                file.restart_from_zero();
            }
        }
        if head == Head::Rewritten {
            self.record_restart_from_zero();
        }
        Ok(more)
    }

    /// A truncated file is a new file: like a newly found one, it is recorded
    /// (fingerprint of nothing, offset 0) before anything of its new content
    /// is read. A checkpoint still holding the old first bytes would not
    /// match the file after a rename and a crash, and its new lines would be
    /// lost.
    fn record_restart_from_zero(&mut self) {
        self.checkpoint_dirty = true;
        self.checkpoint_if_due(true);
    }

    /// Makes sure `id` has a descriptor, closing the least recently active
    /// idle file when at the cap. False when it cannot be opened now.
    fn ensure_open(&mut self, id: FileId) -> bool {
        match self.files.get(&id) {
            Some(file) if file.handle.is_some() => return true,
            Some(_) => {}
            None => return false,
        }
        if self.open_count() >= self.settings.max_open_files {
            let victim = self
                .files
                .iter()
                .filter(|(other, file)| {
                    **other != id
                        && file.handle.is_some()
                        && file.rotated_at.is_none()
                        && file.at_end
                })
                .min_by_key(|(_, file)| file.last_growth)
                .map(|(other, _)| *other);
            match victim.and_then(|victim| self.files.get_mut(&victim)) {
                Some(victim) => victim.handle = None,
                None => return false, // every open file is busy: wait for a turn
            }
        }
        let Some(file) = self.files.get_mut(&id) else {
            return false;
        };
        match file.reopen(id, self.settings.fingerprint_bytes) {
            Ok(()) => {
                file.open_failed = false;
                true
            }
            Err(ReopenError::Gone) => {
                // It was at its end when closed; only a write between the
                // close and the removal could be missed.
                tracing::debug!(path = %file.path.display(), "file removed while closed");
                file.gone = true;
                false
            }
            Err(ReopenError::Replaced) => {
                tracing::info!(
                    path = %file.path.display(),
                    "file replaced while closed (same inode, other first bytes); following it as a new file"
                );
                file.gone = true;
                // Released at the end of this pass; the next scan follows
                // the new content.
                self.changes.request_rescan();
                false
            }
            Err(ReopenError::Io(err)) => {
                if !std::mem::replace(&mut file.open_failed, true) {
                    tracing::warn!(path = %file.path.display(), error = %err, "cannot open file; will retry");
                }
                false
            }
        }
    }

    fn open_count(&self) -> usize {
        self.files
            .values()
            .filter(|file| file.handle.is_some())
            .count()
    }

    /// Adds one file's lines to the batch being filled; a batch holds one
    /// source, so container files each get their own.
    async fn add_to_batch(&mut self, id: FileId, lines: Lines) -> anyhow::Result<()> {
        let Some(file) = self.files.get(&id) else {
            return Ok(());
        };
        let same_source = self
            .open_batch
            .as_ref()
            .is_some_and(|batch| Arc::ptr_eq(&batch.source, &file.source));
        if !same_source {
            self.send_open_batch().await?;
        }
        let Some(file) = self.files.get_mut(&id) else {
            return Ok(());
        };
        let batch = self.open_batch.get_or_insert_with(|| {
            let batch_id = self.next_batch_id;
            self.next_batch_id += 1;
            OpenBatch {
                batch_id,
                source: Arc::clone(&file.source),
                lines: Lines::default(),
                files: Vec::new(),
            }
        });
        batch.lines.append(&lines);
        let end_offset = file.decoder.resume_offset();
        match file.in_flight.back_mut() {
            Some(last) if last.batch_id == batch.batch_id => last.end_offset = end_offset,
            _ => {
                file.in_flight.push_back(InFlight {
                    batch_id: batch.batch_id,
                    end_offset,
                    delivered: None,
                });
                batch.files.push(id);
            }
        }
        if self.context.limits.is_full(&batch.lines) {
            self.send_open_batch().await?;
        }
        Ok(())
    }

    async fn send_open_batch(&mut self) -> anyhow::Result<()> {
        let Some(batch) = self.open_batch.take() else {
            return Ok(());
        };
        self.batch_owners.insert(batch.batch_id, batch.files);
        let ack = AckHandle::new(batch.batch_id, self.outcomes_sender.clone());
        // Unsent data is read again after a restart, so a send may give up
        // as soon as shutdown starts.
        self.context
            .send_replayable(&batch.source, batch.lines, ack)
            .await?;
        Ok(())
    }

    fn settle(&mut self, outcome: BatchOutcome) {
        let Some(owners) = self.batch_owners.remove(&outcome.batch_id) else {
            return;
        };
        for id in owners {
            let Some(file) = self.files.get_mut(&id) else {
                continue;
            };
            let Some(batch) = file
                .in_flight
                .iter_mut()
                .find(|batch| batch.batch_id == outcome.batch_id)
            else {
                continue;
            };
            batch.delivered = Some(outcome.delivered);
            if !outcome.delivered && !self.context.shutdown.is_cancelled() {
                tracing::error!(
                    path = %file.path.display(),
                    offset = file.committed,
                    "batch not delivered; reading again from the last checkpoint"
                );
                if let Err(err) = file.rewind_to_committed() {
                    tracing::error!(path = %file.path.display(), error = %err, "cannot rewind; the batch is read again after a restart");
                }
                continue;
            }
            self.checkpoint_dirty |= file.advance_commit();
        }
    }

    /// Drops rotated files that are fully read and acknowledged; their
    /// checkpoint entries are retained until they expire.
    fn release_finished(&mut self) {
        let rotate_wait = self.settings.rotate_wait;
        let finished: Vec<FileId> = self
            .files
            .iter()
            .filter(|(_, file)| {
                let finished =
                    file.drained && file.writer_is_gone(rotate_wait) && file.is_settled();
                finished || (file.gone && file.in_flight.is_empty())
            })
            .map(|(id, _)| *id)
            .collect();
        for id in finished {
            if let Some(file) = self.files.remove(&id) {
                tracing::info!(path = %file.path.display(), "finished rotated file");
                // A deleted file's entry would only invite a stale match
                // on its reused inode.
                let deleted = file.gone
                    || file
                        .handle
                        .as_ref()
                        .and_then(|handle| handle.metadata().ok())
                        .is_none_or(|meta| {
                            use std::os::unix::fs::MetadataExt;
                            meta.nlink() == 0
                        });
                if !deleted {
                    self.retained.push(checkpoint_entry(id, &file));
                }
                self.checkpoint_dirty = true;
            }
        }
    }

    /// When the loop must look again without being woken.
    fn next_wake(&self) -> Instant {
        let now = Instant::now();
        // A deadline already passed counts as now, unless what it waits for
        // is settled (drained) or waits for something else (a pause, a
        // descriptor, an acknowledgement).
        let mut wake = self.next_full_pass;
        let mut consider = |deadline: Instant| {
            if deadline >= now {
                wake = wake.min(deadline);
            }
        };
        for file in self.files.values() {
            // A file that cannot be read now waits for the full pass.
            if file.open_failed || file.gone {
                continue;
            }
            if let Some(until) = file.paused_until {
                consider(until);
                continue;
            }
            if let Some(deadline) = file.decoder.next_deadline() {
                consider(deadline.max(now));
            }
            if let Some(rotated_at) = file.rotated_at.filter(|_| !file.drained) {
                consider((rotated_at.max(file.last_growth) + self.settings.rotate_wait).max(now));
            }
        }
        if self.checkpoint_dirty {
            consider(self.last_checkpoint + self.settings.checkpoint_interval);
        }
        wake.max(now + Duration::from_millis(1))
    }

    /// After shutdown: wait until every batch in flight is settled.
    async fn drain(&mut self, outcomes: &mut mpsc::UnboundedReceiver<BatchOutcome>) {
        while !self.batch_owners.is_empty() {
            tokio::select! {
                () = self.context.hard_stop.cancelled() => {
                    tracing::warn!(batches = self.batch_owners.len(), "shutdown timeout: leaving batches uncommitted");
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
            || (!force && self.last_checkpoint.elapsed() < self.settings.checkpoint_interval)
        {
            return;
        }
        let now = chrono::Utc::now().timestamp();
        let retained = std::mem::take(&mut self.retained);
        self.retained = retained
            .into_iter()
            .filter(|entry| !self.is_expired(entry))
            .collect();
        let mut entries: Vec<FileCheckpoint> = self
            .files
            .iter()
            .map(|(id, file)| checkpoint_entry(*id, file))
            .collect();
        entries.extend(self.retained.iter().map(|entry| FileCheckpoint {
            last_seen: entry.last_seen.or(Some(now)),
            ..entry.clone()
        }));
        match tokio::task::block_in_place(|| {
            checkpoint::save(&self.settings.checkpoint_path, &entries)
        }) {
            Ok(()) => {
                self.checkpoint_dirty = false;
                self.last_checkpoint = Instant::now();
            }
            Err(err) => tracing::error!(error = %err, "writing checkpoint failed; will retry"),
        }
    }
}

impl Tailer {
    /// An entry of a file not followed for longer than `forget_after`.
    fn is_expired(&self, entry: &FileCheckpoint) -> bool {
        let forget_after = i64::try_from(self.settings.forget_after.as_secs()).unwrap_or(i64::MAX);
        entry
            .last_seen
            .is_some_and(|seen| chrono::Utc::now().timestamp().saturating_sub(seen) > forget_after)
    }
}

/// Whether the file at `path` still begins with the bytes `fingerprint`
/// covers.
fn same_start(path: &std::path::Path, fingerprint: Fingerprint) -> bool {
    File::open(path)
        .and_then(|file| Fingerprint::of(&file, fingerprint.len))
        .is_ok_and(|now| now == fingerprint)
}

fn checkpoint_entry(id: FileId, file: &TrackedFile) -> FileCheckpoint {
    FileCheckpoint {
        path: file.path.clone(),
        resolved: (file.resolved != file.path).then(|| file.resolved.clone()),
        dev: id.dev,
        inode: id.inode,
        fingerprint: file.fingerprint.hash,
        fingerprint_len: file.fingerprint.len,
        offset: file.committed,
        last_seen: Some(chrono::Utc::now().timestamp()),
    }
}
