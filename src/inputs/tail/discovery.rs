//! Which files an input follows, and when to look again.
//!
//! Discovery is a glob scan. The scan is cheap but not instant, so a
//! filesystem watcher (inotify through `notify`) wakes the tailer as soon as
//! a watched directory changes; the periodic rescan stays as the fallback
//! for what a watcher misses (queue overflow, network filesystems, a watch
//! limit reached).

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// Device and inode: what a file is, whatever its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId {
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub inode: u64,
}

impl FileId {
    pub fn of(meta: &std::fs::Metadata) -> Self {
        Self {
            dev: meta.dev(),
            inode: meta.ino(),
        }
    }
}

/// A regular file a path pattern names right now.
#[derive(Debug)]
pub struct Found {
    /// The path as matched (for Kubernetes, the symlink).
    pub path: PathBuf,
    pub id: FileId,
    pub len: u64,
}

/// File suffixes of rotated, compressed logs: never tailed unless a path
/// names them explicitly.
pub const COMPRESSED_SUFFIXES: &[&str] = &[".gz", ".zst", ".bz2", ".xz", ".zip"];

/// Path patterns and exclusions of one input.
#[derive(Debug, Clone)]
pub struct FileSelector {
    pub paths: Vec<String>,
    /// Matched against the whole path and against the file name.
    pub exclude: Vec<glob::Pattern>,
}

impl FileSelector {
    /// Every regular file the patterns name now, once each.
    pub fn discover(&self) -> Vec<Found> {
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        for pattern in &self.paths {
            let is_glob = is_glob(pattern);
            let candidates: Vec<PathBuf> = if is_glob {
                glob::glob(pattern)
                    .map(|paths| paths.filter_map(Result::ok).collect())
                    .unwrap_or_default()
            } else {
                vec![PathBuf::from(pattern)]
            };
            for path in candidates {
                if self.is_excluded(&path, is_glob) || !seen.insert(path.clone()) {
                    continue;
                }
                if let Ok(meta) = std::fs::metadata(&path) {
                    if meta.is_file() {
                        found.push(Found {
                            id: FileId::of(&meta),
                            len: meta.len(),
                            path,
                        });
                    }
                }
            }
        }
        found
    }

    pub fn is_excluded(&self, path: &Path, matched_by_glob: bool) -> bool {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy())
            .unwrap_or_default();
        if matched_by_glob
            && COMPRESSED_SUFFIXES
                .iter()
                .any(|suffix| name.ends_with(suffix))
        {
            return true;
        }
        self.exclude
            .iter()
            .any(|exclude| exclude.matches_path(path) || exclude.matches(&name))
    }

    /// Directories whose changes matter: the fixed prefix of each pattern.
    fn watch_roots(&self) -> Vec<(PathBuf, RecursiveMode)> {
        self.paths
            .iter()
            .map(|pattern| {
                let path = Path::new(pattern);
                let mut fixed = PathBuf::new();
                let mut recursive = RecursiveMode::NonRecursive;
                let components: Vec<_> = path.components().collect();
                for (index, component) in components.iter().enumerate() {
                    let text = component.as_os_str().to_string_lossy();
                    if is_glob(&text) {
                        // A glob above the file name: watch everything below.
                        if index + 1 < components.len() {
                            recursive = RecursiveMode::Recursive;
                        }
                        break;
                    }
                    if index + 1 == components.len() {
                        break; // the file name itself
                    }
                    fixed.push(component);
                }
                (fixed, recursive)
            })
            .collect()
    }
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// What the watcher has seen since the tailer last looked.
#[derive(Debug, Default)]
pub struct Changes {
    /// Paths written to.
    written: Mutex<HashSet<PathBuf>>,
    /// Something was created, renamed or removed: scan again.
    rescan: AtomicBool,
    /// Wakes the tailer.
    pub wake: tokio::sync::Notify,
}

impl Changes {
    /// Takes the paths written to since the last call.
    pub fn take_written(&self) -> HashSet<PathBuf> {
        self.written
            .lock()
            .map(|mut written| std::mem::take(&mut *written))
            .unwrap_or_default()
    }

    /// Asks for a scan on the next turn of the loop.
    pub fn request_rescan(&self) {
        self.rescan.store(true, Ordering::Release);
    }

    /// Whether a rescan was asked for since the last call.
    pub fn take_rescan(&self) -> bool {
        self.rescan.swap(false, Ordering::AcqRel)
    }

    fn record(&self, event: notify::Result<notify::Event>) {
        match event {
            Ok(event) => match event.kind {
                EventKind::Modify(notify::event::ModifyKind::Data(_)) => {
                    if let Ok(mut written) = self.written.lock() {
                        written.extend(event.paths);
                    }
                }
                EventKind::Access(_) => return,
                _ => self.rescan.store(true, Ordering::Release),
            },
            // Overflow or a backend error: only a full scan is safe.
            Err(_) => self.rescan.store(true, Ordering::Release),
        }
        self.wake.notify_one();
    }
}

/// Watches the directories of an input; dropping it stops watching.
pub struct DirectoryWatcher {
    watcher: RecommendedWatcher,
    watched: HashSet<PathBuf>,
    /// Logged once: the periodic scan then carries the load.
    warned: bool,
}

impl std::fmt::Debug for DirectoryWatcher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("DirectoryWatcher")
            .field("watched", &self.watched)
            .finish_non_exhaustive()
    }
}

impl DirectoryWatcher {
    /// Starts a watcher reporting into `changes`, watching the pattern
    /// roots. `None` when the platform watcher cannot start (scans only).
    pub fn start(selector: &FileSelector, changes: &Arc<Changes>) -> Option<Self> {
        let sink = Arc::clone(changes);
        let watcher = match notify::recommended_watcher(move |event| sink.record(event)) {
            Ok(watcher) => watcher,
            Err(err) => {
                tracing::warn!(error = %err, "file watcher unavailable; relying on periodic scans");
                return None;
            }
        };
        let mut this = Self {
            watcher,
            watched: HashSet::new(),
            warned: false,
        };
        for (root, mode) in selector.watch_roots() {
            this.watch(&root, mode);
        }
        Some(this)
    }

    /// Also watches the directory holding `file` (a symlink's target lives
    /// elsewhere, and its writes are reported there).
    pub fn watch_parent_of(&mut self, file: &Path) {
        if let Some(parent) = file.parent() {
            if !self.watched.contains(parent) {
                self.watch(parent, RecursiveMode::NonRecursive);
            }
        }
    }

    fn watch(&mut self, dir: &Path, mode: RecursiveMode) {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.to_path_buf()
        };
        match self.watcher.watch(&dir, mode) {
            Ok(()) => {
                self.watched.insert(dir);
            }
            Err(err) if !self.warned => {
                self.warned = true;
                tracing::warn!(dir = %dir.display(), error = %err, "cannot watch directory; relying on periodic scans");
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_rotations_are_skipped_unless_named() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["app.log", "app.log.1", "app.log.2.gz", "other.zst"] {
            std::fs::write(dir.path().join(name), b"x\n").unwrap();
        }
        let selector = FileSelector {
            paths: vec![
                format!("{}/*", dir.path().display()),
                format!("{}/other.zst", dir.path().display()),
            ],
            exclude: vec![glob::Pattern::new("*.1").unwrap()],
        };
        let mut names: Vec<String> = selector
            .discover()
            .into_iter()
            .map(|found| {
                found
                    .path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        assert_eq!(names, ["app.log", "other.zst"]);
    }

    #[test]
    fn watch_roots_stop_at_the_first_glob() {
        let selector = FileSelector {
            paths: vec![
                "/var/log/app/*.log".into(),
                "/var/log/pods/*/*/0.log".into(),
                "/srv/x.log".into(),
            ],
            exclude: Vec::new(),
        };
        let roots = selector.watch_roots();
        assert_eq!(roots[0].0, PathBuf::from("/var/log/app"));
        assert_eq!(roots[0].1, RecursiveMode::NonRecursive);
        assert_eq!(roots[1].0, PathBuf::from("/var/log/pods"));
        assert_eq!(roots[1].1, RecursiveMode::Recursive);
        assert_eq!(roots[2].0, PathBuf::from("/srv"));
    }
}
