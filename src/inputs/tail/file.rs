//! One followed file: its handle (which may be closed while idle), read and
//! commit positions, decoder state and the batches in flight.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::decoder::LineDecoder;
use super::discovery::FileId;
use crate::inputs::checkpoint;
use crate::pipeline::parse::SourceInfo;

/// A batch holding lines of this file, not yet settled.
#[derive(Debug)]
pub struct InFlight {
    pub batch_id: u64,
    /// Offset a restart resumes from once this batch is delivered.
    pub end_offset: u64,
    pub delivered: Option<bool>,
}

/// Hash of a file's first bytes, and how many it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: u64,
    pub len: u64,
}

impl Fingerprint {
    /// Of an empty (or just truncated) file.
    pub const EMPTY: Self = Self {
        hash: checkpoint::EMPTY_FINGERPRINT,
        len: 0,
    };

    pub fn of(file: &File, len: u64) -> std::io::Result<Self> {
        let (hash, len) = checkpoint::fingerprint(file, len)?;
        Ok(Self { hash, len })
    }
}

#[derive(Debug)]
pub struct TrackedFile {
    /// Path as discovered (for container logs, the symlink).
    pub path: PathBuf,
    /// Where the file really lives: rotated siblings are looked for there.
    pub resolved: PathBuf,
    /// Tag, parser and fixed fields of its events.
    pub source: Arc<SourceInfo>,
    /// Closed while idle when descriptors are capped.
    pub handle: Option<File>,
    pub read_offset: u64,
    pub decoder: LineDecoder,
    pub in_flight: VecDeque<InFlight>,
    pub committed: u64,
    /// When the path stopped naming this file (rotation, deletion): from
    /// then on it is drained, then released.
    pub rotated_at: Option<Instant>,
    /// Last time a read returned data.
    pub last_growth: Instant,
    pub fingerprint: Fingerprint,
    /// Undelivered batches in a row; reading pauses a little longer each time.
    pub consecutive_failures: u32,
    pub paused_until: Option<Instant>,
    /// The last read found no more data.
    pub at_end: bool,
    /// Worth reading now: written to, newly opened, or cut short by the
    /// read budget.
    pub wants_read: bool,
    /// A read found the end after the writer had gone: nothing more will
    /// come, and the file may be released once acknowledged.
    pub drained: bool,
    /// Removed while its descriptor was closed: unreachable for good.
    pub gone: bool,
    /// The last open failed (warned once, retried).
    pub open_failed: bool,
}

impl TrackedFile {
    /// Rotated away, and neither the rotation nor the last write is more
    /// recent than `rotate_wait`: the writer has moved on (it may have been
    /// quiet before the rename).
    pub fn writer_is_gone(&self, rotate_wait: std::time::Duration) -> bool {
        self.rotated_at.is_some_and(|rotated_at| {
            rotated_at.elapsed() >= rotate_wait && self.last_growth.elapsed() >= rotate_wait
        })
    }

    /// Whether everything read was emitted and everything emitted settled.
    pub fn is_settled(&self) -> bool {
        self.at_end && self.decoder.resume_offset() == self.read_offset && self.in_flight.is_empty()
    }

    /// Forgets everything read past `committed` and reads it again after a
    /// pause: used when a batch was not delivered (at least once beats
    /// exactly once; the pause keeps a persistent failure from spinning).
    pub fn rewind_to_committed(&mut self) -> std::io::Result<()> {
        self.in_flight.clear();
        self.decoder.reset(self.committed);
        self.at_end = false;
        self.drained = false;
        self.wants_read = true;
        self.consecutive_failures += 1;
        self.paused_until =
            Some(Instant::now() + crate::runtime::backoff(self.consecutive_failures));
        self.read_offset = self.committed;
        if let Some(handle) = &mut self.handle {
            handle.seek(SeekFrom::Start(self.committed))?;
        }
        Ok(())
    }

    /// The file was truncated in place (copytruncate): start over at 0.
    pub fn restart_from_zero(&mut self) {
        tracing::info!(path = %self.path.display(), "file truncated; reading from the start");
        self.read_offset = 0;
        self.decoder.reset(0);
        self.in_flight.clear();
        self.committed = 0;
        // New content, new identity: refreshed as the file is read again.
        self.fingerprint = Fingerprint::EMPTY;
        self.at_end = false;
        self.drained = false;
        self.wants_read = true;
        if let Some(handle) = &mut self.handle {
            if let Err(err) = handle.seek(SeekFrom::Start(0)) {
                tracing::warn!(path = %self.path.display(), error = %err, "cannot seek; reopening");
                self.handle = None;
            }
        }
    }

    /// copytruncate: the file is now shorter than what was read, or its first
    /// bytes changed (truncated, then written past the old offset already).
    pub fn was_truncated(&self, fingerprint_bytes: u64) -> bool {
        let Some(handle) = &self.handle else {
            return false;
        };
        let Ok(meta) = handle.metadata() else {
            return false;
        };
        if meta.len() < self.read_offset {
            return true;
        }
        self.fingerprint.len > 0
            && Fingerprint::of(handle, self.fingerprint.len.min(fingerprint_bytes))
                .is_ok_and(|now| now != self.fingerprint)
    }

    /// Computes the fingerprint again while it covers fewer bytes than it
    /// could: a file first seen short gets a stronger identity as it grows.
    /// The bytes it covered must still be there: only they tell a short file
    /// truncated and rewritten past the old offset (copytruncate) from one
    /// that grew, and hashing the new head would hide the truncation for good.
    pub fn refresh_fingerprint(&mut self, fingerprint_bytes: u64) -> Head {
        let could_cover = self.read_offset.min(fingerprint_bytes);
        if self.fingerprint.len >= could_cover {
            return Head::Unchanged;
        }
        let Some(handle) = &self.handle else {
            return Head::Unchanged;
        };
        // Both hashes from one read: a rewrite between two reads would pass.
        let Ok(head) = checkpoint::read_head(handle, fingerprint_bytes) else {
            return Head::Unchanged;
        };
        let covered = usize::try_from(self.fingerprint.len).unwrap_or(usize::MAX);
        if head.get(..covered).map(checkpoint::hash_head) != Some(self.fingerprint.hash) {
            return Head::Rewritten;
        }
        self.fingerprint = Fingerprint {
            hash: checkpoint::hash_head(&head),
            len: head.len() as u64,
        };
        Head::Unchanged
    }

    /// Moves `committed` over every delivered batch at the front. A failed
    /// batch stays at the front: nothing after it commits, so a restart
    /// reads it again.
    pub fn advance_commit(&mut self) -> bool {
        let before = self.committed;
        while let Some(Some(true)) = self.in_flight.front().map(|batch| batch.delivered) {
            if let Some(batch) = self.in_flight.pop_front() {
                self.committed = batch.end_offset;
                self.consecutive_failures = 0;
            }
        }
        self.committed != before
    }

    /// Opens the file again after it was closed while idle, at the read
    /// offset. The path may name another file by now (rotation): the file
    /// is then looked for next to where it lived. Its first bytes must be
    /// those it had: a closed file's inode can be reused by a new file, or
    /// the file rewritten in place.
    pub fn reopen(&mut self, id: FileId, fingerprint_bytes: u64) -> Result<(), ReopenError> {
        let fingerprint_len = self.fingerprint.len.min(fingerprint_bytes);
        let mut handle = match File::open(&self.path) {
            Ok(handle) if FileId::of(&handle.metadata()?) == id => {
                if Fingerprint::of(&handle, fingerprint_len)? != self.fingerprint {
                    return Err(ReopenError::Replaced);
                }
                handle
            }
            Ok(_) => self.open_rotated_sibling(id, fingerprint_bytes)?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                self.open_rotated_sibling(id, fingerprint_bytes)?
            }
            Err(err) => return Err(err.into()),
        };
        handle.seek(SeekFrom::Start(self.read_offset))?;
        self.handle = Some(handle);
        Ok(())
    }

    fn open_rotated_sibling(
        &mut self,
        id: FileId,
        fingerprint_bytes: u64,
    ) -> Result<File, ReopenError> {
        let path = find_sibling(&self.resolved, id, self.fingerprint, fingerprint_bytes)
            .ok_or(ReopenError::Gone)?;
        tracing::info!(path = %path.display(), "found rotated file under a new name");
        self.rotated_at.get_or_insert_with(Instant::now);
        self.resolved = path.clone();
        Ok(File::open(&path)?)
    }
}

/// Whether a file still begins with the bytes its fingerprint covers.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    Unchanged,
    /// Truncated (and maybe written again) since the fingerprint was taken.
    Rewritten,
}

/// Why a closed file could not be opened again.
#[derive(Debug, thiserror::Error)]
pub enum ReopenError {
    /// Removed while closed.
    #[error("file removed while closed")]
    Gone,
    /// Same inode, other first bytes: a new file, or rewritten in place.
    #[error("file replaced while closed")]
    Replaced,
    /// Could not be opened now (permissions, descriptors): retried.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Looks for the file `id` in the directory of `near` (a rotation renames
/// within a directory). Its first bytes must still be `fingerprint`: an
/// inode is reused as soon as a file is deleted, e.g. by the compressed copy
/// of a rotation.
pub fn find_sibling(
    near: &Path,
    id: FileId,
    fingerprint: Fingerprint,
    fingerprint_bytes: u64,
) -> Option<PathBuf> {
    let dir = near.parent()?;
    let path = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|entry| {
            entry
                .metadata()
                .is_ok_and(|meta| meta.is_file() && FileId::of(&meta) == id)
        })?
        .path();
    let file = File::open(&path).ok()?;
    let now = Fingerprint::of(&file, fingerprint.len.min(fingerprint_bytes)).ok()?;
    (now == fingerprint).then_some(path)
}
