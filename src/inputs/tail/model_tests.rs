//! Model-based property test of the tailer: a random sequence of writes,
//! rename rotations, copytruncates, deletions and crash-restarts runs
//! against real files and a real tailer, and every line the model says must
//! survive has to be delivered.
//!
//! The model's rules, which are the tailer's promises:
//! - a line written before a rename rotation or a restart is delivered
//!   (also when the rotation happens while sluice is down), once sluice has
//!   seen the file at all (a file renamed away before anyone opened it is
//!   out of every tailer's reach);
//! - a deleted file is finished from its open descriptor;
//! - after a copytruncate every line written later is delivered. (Lines
//!   written between the copy and the truncate are lost by copytruncate's
//!   design, so the model truncates only what was already delivered.)

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use tokio::sync::mpsc;

use super::{test_support, TailSettings};

use crate::pipeline::InputBatch;

#[derive(Debug, Clone)]
enum Action {
    Write(u16),
    RotateRename,
    CopyTruncate,
    Delete,
    Restart { rotate_while_down: bool },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        5 => (1u16..400).prop_map(Action::Write),
        1 => Just(Action::RotateRename),
        1 => Just(Action::CopyTruncate),
        1 => Just(Action::Delete),
        2 => any::<bool>().prop_map(|rotate_while_down| Action::Restart { rotate_while_down }),
    ]
}

/// Lines the consumer saw, with how often.
type Delivered = Arc<Mutex<HashMap<String, u32>>>;

struct Harness {
    dir: PathBuf,
    delivered: Delivered,
    batches: mpsc::Sender<InputBatch>,
    tailer: Option<tokio::task::JoinHandle<()>>,
}

impl Harness {
    fn new(dir: &Path, runtime: &tokio::runtime::Runtime) -> Self {
        let (batches, mut receiver) = mpsc::channel::<InputBatch>(4);
        let delivered: Delivered = Arc::default();
        let sink = Arc::clone(&delivered);
        runtime.spawn(async move {
            while let Some(batch) = receiver.recv().await {
                {
                    let mut seen = sink.lock().unwrap();
                    for (line, _) in batch.lines.iter() {
                        *seen
                            .entry(String::from_utf8_lossy(line).into_owned())
                            .or_default() += 1;
                    }
                }
                batch.ack.delivered();
            }
        });
        Self {
            dir: dir.to_path_buf(),
            delivered,
            batches,
            tailer: None,
        }
    }

    fn start(&mut self, runtime: &tokio::runtime::Runtime) {
        let settings = TailSettings {
            rotate_wait: Duration::from_millis(150),
            scan_interval: Duration::from_millis(50),
            ..test_support::settings(&self.dir, "model")
        };
        let source = test_support::source("model");
        let context = test_support::context(self.batches.clone());
        let checkpoint = self.dir.join("checkpoints/model.json");
        let previous = checkpoint_inode(&checkpoint);
        self.tailer = Some(runtime.spawn(async move {
            super::run(source, settings, context).await.unwrap();
        }));
        // The first checkpoint is written (renamed into place, so a new
        // inode) right after the first scan: from then on every file that
        // existed is open, and the model may delete or rename it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while checkpoint_inode(&checkpoint) == previous {
            assert!(
                Instant::now() < deadline,
                "the tailer never wrote its first checkpoint"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// A crash: the task is dropped where it stands, nothing is flushed.
    fn crash(&mut self, runtime: &tokio::runtime::Runtime) {
        if let Some(tailer) = self.tailer.take() {
            tailer.abort();
            let _ = runtime.block_on(tailer);
        }
    }

    fn wait_for(&self, lines: &[String]) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let missing = {
                let seen = self.delivered.lock().unwrap();
                lines
                    .iter()
                    .filter(|line| !seen.contains_key(*line))
                    .count()
            };
            if missing == 0 {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{missing} of {} lines never delivered",
                    lines.len()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Harness {
    /// Waits until the checkpoint knows the file as it is now: its inode,
    /// and its current first bytes (a copytruncate not yet noticed leaves a
    /// stale fingerprint, and a file renamed with a stale fingerprint cannot
    /// be told from an unrelated file that reused the inode).
    fn wait_until_checkpointed(&self, path: &Path) -> Result<(), String> {
        use std::os::unix::fs::MetadataExt;
        let checkpoint = self.dir.join("checkpoints/model.json");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let file = std::fs::File::open(path).map_err(|err| err.to_string())?;
            let meta = file.metadata().map_err(|err| err.to_string())?;
            let current = crate::inputs::checkpoint::load(&checkpoint).is_ok_and(|entries| {
                entries.iter().any(|entry| {
                    entry.inode == meta.ino()
                        && entry.offset <= meta.len()
                        && crate::inputs::checkpoint::fingerprint(&file, entry.fingerprint_len)
                            .is_ok_and(|now| now == (entry.fingerprint, entry.fingerprint_len))
                })
            });
            if current {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "{} never reached the checkpoint as it is now",
            path.display()
        ))
    }
}

/// Which checkpoint file is in place: each save renames a new file over
/// the old one (inodes are reused at once, so the write time too).
fn checkpoint_inode(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.ino(), meta.modified().ok()?))
}

/// Files as the model sees them.
#[derive(Default)]
struct Model {
    written: Vec<String>,
    /// Lines in the current `app.log`.
    current: Vec<String>,
    /// Lines of deleted files: safe only while sluice keeps running.
    deleted_unconfirmed: Vec<String>,
    rotations: u32,
}

impl Model {
    /// logrotate's default: `app.log` becomes `app.log.N`, out of the glob.
    fn rotate_rename(&mut self, app: &Path) {
        self.rotations += 1;
        std::fs::rename(app, app.with_extension(format!("log.{}", self.rotations))).unwrap();
        self.current.clear();
    }
}

fn append(path: &Path, lines: &[String]) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    file.write_all(text.as_bytes()).unwrap();
}

fn run_model(actions: &[Action]) -> Result<(), TestCaseError> {
    let runtime = test_support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.log");
    let mut harness = Harness::new(dir.path(), &runtime);
    let mut model = Model::default();
    harness.start(&runtime);
    for action in actions {
        match action {
            Action::Write(count) => {
                let first = model.written.len();
                let lines: Vec<String> = (first..first + usize::from(*count))
                    .map(|n| format!("line {n:08}"))
                    .collect();
                append(&app, &lines);
                model.written.extend(lines.iter().cloned());
                model.current.extend(lines);
            }
            Action::RotateRename => {
                if let Some(first) = model.current.first() {
                    // A file renamed away before sluice ever saw it cannot
                    // be followed by anyone; once opened, it is finished.
                    harness
                        .wait_for(std::slice::from_ref(first))
                        .map_err(TestCaseError::fail)?;
                }
                if app.exists() {
                    model.rotate_rename(&app);
                }
            }
            Action::CopyTruncate => {
                if app.exists() {
                    harness
                        .wait_for(&model.written)
                        .map_err(TestCaseError::fail)?;
                    model.rotations += 1;
                    std::fs::copy(
                        &app,
                        dir.path().join(format!("app.copy.{}", model.rotations)),
                    )
                    .unwrap();
                    std::fs::OpenOptions::new()
                        .write(true)
                        .open(&app)
                        .unwrap()
                        .set_len(0)
                        .unwrap();
                    model.current.clear();
                }
            }
            Action::Delete => {
                if let Some(first) = model.current.first() {
                    // The tailer must have opened the file to finish it.
                    harness
                        .wait_for(std::slice::from_ref(first))
                        .map_err(TestCaseError::fail)?;
                    std::fs::remove_file(&app).unwrap();
                    model.deleted_unconfirmed.append(&mut model.current);
                } else if app.exists() {
                    std::fs::remove_file(&app).unwrap();
                }
            }
            Action::Restart { rotate_while_down } => {
                // A deleted file lives only in the running tailer.
                harness
                    .wait_for(&model.deleted_unconfirmed)
                    .map_err(TestCaseError::fail)?;
                model.deleted_unconfirmed.clear();
                let rotate_while_down = *rotate_while_down && app.exists();
                if rotate_while_down {
                    // Only a file sluice has recorded can be found again
                    // under a name outside its patterns.
                    harness
                        .wait_until_checkpointed(&app)
                        .map_err(TestCaseError::fail)?;
                }
                harness.crash(&runtime);
                if rotate_while_down {
                    model.rotate_rename(&app);
                }
                harness.start(&runtime);
            }
        }
    }
    let result = harness.wait_for(&model.written);
    harness.crash(&runtime);
    result.map_err(TestCaseError::fail)?;
    let seen = harness.delivered.lock().unwrap();
    let unknown: HashSet<&String> = seen
        .keys()
        .filter(|line| !model.written.contains(line))
        .collect();
    prop_assert!(unknown.is_empty(), "lines nobody wrote: {unknown:?}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        // SLUICE_MODEL_CASES=1000 for a soak run.
        cases: std::env::var("SLUICE_MODEL_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(32),
        // A failing case waits out its delivery timeout on every shrink step.
        max_shrink_iters: 24,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_line_survives_rotation_truncation_deletion_and_restarts(
        actions in proptest::collection::vec(action(), 1..24)
    ) {
        run_model(&actions)?;
    }
}

#[test]
fn rotation_while_down_to_a_name_outside_the_glob_is_finished() {
    run_model(&[
        Action::Write(50),
        Action::Restart {
            rotate_while_down: true,
        },
        Action::Write(10),
    ])
    .unwrap();
}
