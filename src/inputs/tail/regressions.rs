//! Regression tests, one per bug found in review, each named after what it pins.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::test_support::{self, context, runtime};
use super::{TailSettings, Tailer};
use crate::ack::BatchOutcome;

use crate::pipeline::parse::SourceInfo;
use crate::pipeline::InputBatch;

fn settings(dir: &Path) -> TailSettings {
    test_support::settings(dir, "review")
}

fn source() -> Arc<SourceInfo> {
    test_support::source("review")
}

/// A tailer driven step by step.
fn tailer(
    settings: TailSettings,
) -> (
    Tailer,
    mpsc::Receiver<InputBatch>,
    mpsc::UnboundedReceiver<BatchOutcome>,
) {
    let (batches, received) = mpsc::channel(1024);
    let (outcomes_sender, outcomes) = mpsc::unbounded_channel();
    let tailer = Tailer::new(source(), settings, context(batches), outcomes_sender);
    (tailer, received, outcomes)
}

fn open_handles(tailer: &Tailer) -> usize {
    tailer
        .files
        .values()
        .filter(|file| file.handle.is_some())
        .count()
}

/// The descriptor cap is not applied when files are discovered: `follow`
/// opens every file it finds.
#[tokio::test(flavor = "multi_thread")]
async fn max_open_files_is_enforced_when_files_are_discovered() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..30 {
        std::fs::write(dir.path().join(format!("f{n}.log")), b"x\n").unwrap();
    }
    let mut settings = settings(dir.path());
    settings.max_open_files = 4;
    let (mut tailer, _batches, _outcomes) = tailer(settings);
    tailer.scan();
    assert!(
        open_handles(&tailer) <= 4,
        "{} descriptors open with max_open_files = 4",
        open_handles(&tailer)
    );
}

/// Files closed as idle are reopened by the very next full pass although
/// nothing was written to them.
#[tokio::test(flavor = "multi_thread")]
async fn idle_closed_files_stay_closed_until_they_grow() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..5 {
        std::fs::write(dir.path().join(format!("f{n}.log")), b"x\n").unwrap();
    }
    let mut settings = settings(dir.path());
    settings.close_idle_after = Duration::ZERO;
    let (mut tailer, _batches, _outcomes) = tailer(settings);
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    tailer.scan(); // closes the idle files
    assert_eq!(open_handles(&tailer), 0);
    tailer.read_pass(true).await.unwrap(); // a full pass, as every scan_interval
    assert_eq!(
        open_handles(&tailer),
        0,
        "idle files were reopened though none grew"
    );
}

/// After one undelivered batch, `paused_until` stays set in the past for
/// good, and `next_wake` then returns "in 5 ms" forever: a 200 Hz poll loop.
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_pause_does_not_make_the_loop_poll() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.log"), b"one\n").unwrap();
    let (mut tailer, mut batches, mut outcomes) = tailer(settings(dir.path()));
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    drop(batches.recv().await.unwrap().ack); // not delivered
    tailer.settle(outcomes.recv().await.unwrap());
    // Wait out the pause, read again, deliver.
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        tailer.read_pass(false).await.unwrap();
        if let Ok(batch) = batches.try_recv() {
            batch.ack.delivered();
            break;
        }
    }
    tailer.settle(outcomes.recv().await.unwrap());
    tailer.read_pass(false).await.unwrap();
    tailer.checkpoint_if_due(true);
    let wake = tailer.next_wake();
    assert!(
        wake > Instant::now() + Duration::from_secs(1),
        "idle tailer wakes again in {:?}",
        wake.saturating_duration_since(Instant::now())
    );
}

type Seen = Arc<Mutex<Vec<String>>>;

/// Runs the real input loop; every batch is acknowledged.
fn spawn_run(
    runtime: &tokio::runtime::Runtime,
    settings: TailSettings,
) -> (tokio::task::JoinHandle<()>, Seen) {
    let (batches, mut receiver) = mpsc::channel::<InputBatch>(16);
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    runtime.spawn(async move {
        while let Some(batch) = receiver.recv().await {
            for (line, _) in batch.lines.iter() {
                sink.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(line).into_owned());
            }
            batch.ack.delivered();
        }
    });
    let task = runtime.spawn(async move {
        super::run(source(), settings, context(batches))
            .await
            .unwrap();
    });
    (task, seen)
}

fn wait_for(seen: &Seen, line: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if seen.lock().unwrap().iter().any(|seen| seen == line) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A rotated file is released on its `rotate_wait` deadline without a last
/// read: lines its writer added after the tailer last reached its end are
/// lost (writes to `app.log.1` are not mapped by `by_path`, and an at-end
/// rotated file is only read again on a full pass).
#[test]
fn a_rotated_file_is_read_once_more_before_it_is_released() {
    let runtime = runtime();
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.log");
    let mut writer = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&app)
        .unwrap();
    writer.write_all(b"first\n").unwrap();
    let (task, seen) = spawn_run(&runtime, settings(dir.path()));
    assert!(wait_for(&seen, "first", Duration::from_secs(5)));
    std::fs::rename(&app, dir.path().join("app.log.1")).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // The writer has not reopened yet: one more line goes to the old file.
    writer.write_all(b"late\n").unwrap();
    let delivered = wait_for(&seen, "late", Duration::from_secs(2));
    task.abort();
    assert!(delivered, "a line written to the rotated file was lost");
}

/// A checkpointed file deleted while sluice is down; its inode is reused by
/// a compressed rotation in the same directory. `recover_rotated_while_down`
/// finds it by inode, sees other first bytes, and ships it from 0.
#[test]
fn an_inode_reused_by_an_unrelated_file_is_not_recovered() {
    use std::os::unix::fs::MetadataExt;
    let runtime = runtime();
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.log");
    std::fs::write(&app, b"one\ntwo\n").unwrap();
    let inode = std::fs::metadata(&app).unwrap().ino();
    let (task, seen) = spawn_run(&runtime, settings(dir.path()));
    assert!(wait_for(&seen, "two", Duration::from_secs(5)));
    let checkpoint = dir.path().join("checkpoints/review.json");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !crate::inputs::checkpoint::load(&checkpoint).is_ok_and(|entries| {
        entries
            .iter()
            .any(|entry| entry.inode == inode && entry.offset == 8)
    }) {
        assert!(Instant::now() < deadline, "never checkpointed");
        std::thread::sleep(Duration::from_millis(20));
    }
    task.abort();
    let _ = runtime.block_on(task);
    // While down: rotated, compressed and removed; the inode is reused.
    std::fs::remove_file(&app).unwrap();
    let gz = dir.path().join("app.log.1.gz");
    std::fs::write(&gz, b"\x1f\x8bGZIP-BYTES\nnot a log line\n").unwrap();
    if std::fs::metadata(&gz).unwrap().ino() != inode {
        eprintln!("inode not reused on this filesystem; nothing to check");
        return;
    }
    let (task, seen) = spawn_run(&runtime, settings(dir.path()));
    let shipped = wait_for(&seen, "not a log line", Duration::from_secs(2));
    task.abort();
    assert!(
        !shipped,
        "an excluded .gz file that merely reused an inode was shipped"
    );
}

/// While a rotated file is held (rotate_wait, acks), its path and the new
/// file's path collide in `by_path`; writes to the new file may then mark
/// the rotated one, and the new file waits for a full pass.
#[test]
fn writes_to_the_new_file_are_seen_while_the_rotated_one_is_held() {
    let runtime = runtime();
    for round in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app.log");
        std::fs::write(&app, b"old\n").unwrap();
        let mut settings = settings(dir.path());
        settings.rotate_wait = Duration::from_secs(20);
        let (task, seen) = spawn_run(&runtime, settings);
        assert!(wait_for(&seen, "old", Duration::from_secs(5)));
        std::fs::rename(&app, dir.path().join("app.log.1")).unwrap();
        std::fs::write(&app, b"new\n").unwrap();
        assert!(wait_for(&seen, "new", Duration::from_secs(5)));
        std::thread::sleep(Duration::from_millis(100));
        let mut writer = std::fs::OpenOptions::new().append(true).open(&app).unwrap();
        writer.write_all(b"next\n").unwrap();
        let delivered = wait_for(&seen, "next", Duration::from_secs(2));
        task.abort();
        assert!(
            delivered,
            "round {round}: a write to the new app.log waited for a full pass"
        );
    }
}
