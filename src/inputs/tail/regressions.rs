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

// Found in the second review.

fn start_rules(flush: Duration) -> Arc<crate::inputs::multiline::MultilineRules> {
    Arc::new(
        crate::inputs::multiline::MultilineRules::new(Some(r"^\S"), None, 500, 1 << 20, flush)
            .unwrap(),
    )
}

/// Under backpressure a multiline event whose lines straddle a 256 KiB read
/// chunk is split: the send of chunk 1's lines blocks longer than
/// `flush_ms`, and `push` of chunk 2 flushes the pending event as "idle"
/// although its continuation lines were already in the file.
#[tokio::test(flavor = "multi_thread")]
async fn backpressure_does_not_split_a_multiline_event_at_a_chunk_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.log");
    std::fs::write(&app, b"first\nsecond\n").unwrap();
    let mut settings = settings(dir.path());
    settings.multiline = Some(start_rules(Duration::from_millis(200)));
    let (sender, mut batches) = mpsc::channel(1);
    let (outcomes_sender, _outcomes) = mpsc::unbounded_channel();
    let mut tailer = Tailer::new(source(), settings, context(sender), outcomes_sender);
    tailer.scan();
    tailer.read_pass(true).await.unwrap(); // "first" fills the channel
                                           // Filler, then an event whose header ends just before the chunk boundary.
    let mut body = Vec::new();
    let header = b"EVENT boom\n";
    while body.len() + 30 + header.len() < super::READ_CHUNK_BYTES {
        body.extend_from_slice(b"filler line xxxxxxxxxxxxxxxx\n");
    }
    let pad = super::READ_CHUNK_BYTES - body.len() - header.len();
    body.extend(std::iter::repeat_n(b'p', pad - 1));
    body.push(b'\n');
    body.extend_from_slice(header);
    assert_eq!(body.len(), super::READ_CHUNK_BYTES); // chunk 1 ends with the header
    body.extend_from_slice(b"  at one\n  at two\nend\n");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&app)
        .unwrap()
        .write_all(&body)
        .unwrap();
    let consumer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(600)).await; // a slow sink
        let mut events = Vec::new();
        while let Ok(Some(batch)) =
            tokio::time::timeout(Duration::from_millis(500), batches.recv()).await
        {
            for (line, _) in batch.lines.iter() {
                events.push(String::from_utf8_lossy(line).into_owned());
            }
            batch.ack.delivered();
        }
        events
    });
    tailer.read_pass(true).await.unwrap();
    let events = consumer.await.unwrap();
    assert!(
        events
            .iter()
            .any(|event| event == "EVENT boom\n  at one\n  at two"),
        "stack trace split: {:?}",
        events
            .iter()
            .filter(|e| e.contains("EVENT") || e.contains("at "))
            .collect::<Vec<_>>()
    );
}

fn drain_lines(batches: &mut mpsc::Receiver<InputBatch>) -> Vec<String> {
    let mut lines = Vec::new();
    while let Ok(batch) = batches.try_recv() {
        for (line, _) in batch.lines.iter() {
            lines.push(String::from_utf8_lossy(line).into_owned());
        }
        batch.ack.delivered();
    }
    lines
}

/// A file closed while idle is reopened by inode alone: `reopen` never
/// checks the fingerprint, and `was_truncated` needs an open handle. A file
/// rewritten in place (O_TRUNC) with other, longer content before it is
/// reopened is read from the old offset: its head is lost.
#[tokio::test(flavor = "multi_thread")]
async fn an_idle_closed_file_rewritten_longer_is_read_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.log");
    std::fs::write(&app, b"old one\nold two\n").unwrap();
    let mut settings = settings(dir.path());
    settings.close_idle_after = Duration::ZERO;
    let (mut tailer, mut batches, _outcomes) = tailer(settings);
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    assert_eq!(drain_lines(&mut batches), ["old one", "old two"]);
    tailer.scan(); // idle: closed
    assert_eq!(open_handles(&tailer), 0);
    std::fs::write(&app, b"NEW first line, longer than before\nNEW second\n").unwrap();
    tailer.scan();
    tailer.read_pass(false).await.unwrap();
    let lines = drain_lines(&mut batches);
    assert_eq!(
        lines,
        ["NEW first line, longer than before", "NEW second"],
        "the rewritten file was read from the old offset"
    );
}

/// Same with delete + create: the new file usually gets the freed inode
/// (ext4), and is taken for the closed old one at its old offset.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_file_on_the_inode_of_an_idle_closed_one_starts_at_zero() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.log");
    std::fs::write(&app, b"old one\nold two\n").unwrap();
    let inode = std::fs::metadata(&app).unwrap().ino();
    let mut settings = settings(dir.path());
    settings.close_idle_after = Duration::ZERO;
    let (mut tailer, mut batches, _outcomes) = tailer(settings);
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    drain_lines(&mut batches);
    tailer.scan(); // idle: closed
    std::fs::remove_file(&app).unwrap();
    let other = dir.path().join("other.log");
    std::fs::write(&other, b"OTHER first line, a new file\nOTHER second\n").unwrap();
    if std::fs::metadata(&other).unwrap().ino() != inode {
        eprintln!("inode not reused on this filesystem; nothing to check");
        return;
    }
    tailer.scan();
    tailer.read_pass(false).await.unwrap();
    assert_eq!(
        drain_lines(&mut batches),
        ["OTHER first line, a new file", "OTHER second"],
        "a new file on a reused inode was taken for a rename and read from the old offset"
    );
}

/// A file shorter than `fingerprint_bytes` has a fingerprint of what it
/// held. After a copytruncate, a read that comes before the next scan (the
/// watcher reports the write, not the truncation) sees a file no shorter than
/// the old offset, reads on from there, and `refresh_fingerprint` then hashes
/// the new first bytes: the truncation is never noticed and the new head is
/// lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_short_file_copytruncated_and_rewritten_longer_before_a_scan_is_read_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.log");
    std::fs::write(&app, b"old 0\n").unwrap();
    let (mut tailer, mut batches, _outcomes) = tailer(settings(dir.path()));
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    assert_eq!(drain_lines(&mut batches), ["old 0"]);
    let mut writer = std::fs::OpenOptions::new().write(true).open(&app).unwrap();
    writer.set_len(0).unwrap();
    writer.write_all(b"new 0\nnew 1\nnew 2\n").unwrap();
    // The watcher's write event: a read without a scan first.
    tailer.read_pass(true).await.unwrap();
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    let lines = drain_lines(&mut batches);
    assert!(
        lines.iter().any(|line| line == "new 0"),
        "the head of the rewritten file was lost: {lines:?}"
    );
}

/// A truncation gives a file new first bytes, but its checkpoint entry kept
/// the old ones until the next periodic write. A file renamed out of the
/// globs and a crash in that window leave an entry the file no longer
/// matches: it is not found again, and its new lines are lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_copytruncated_file_renamed_before_the_next_checkpoint_is_finished_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.log");
    // Longer than the fingerprint, so truncation changes its first bytes.
    let old: String = (0..40).map(|n| format!("old line {n:04}\n")).collect();
    std::fs::write(&app, old).unwrap();
    let (mut tailer, mut batches, mut outcomes) = tailer(settings(dir.path()));
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    assert_eq!(drain_lines(&mut batches).len(), 40);
    while let Ok(outcome) = outcomes.try_recv() {
        tailer.settle(outcome);
    }
    tailer.checkpoint_if_due(true);
    let mut writer = std::fs::OpenOptions::new().write(true).open(&app).unwrap();
    writer.set_len(0).unwrap();
    writer.write_all(b"new 0\nnew 1\n").unwrap();
    tailer.scan(); // notices the truncation
    drop(tailer); // a crash before the next periodic checkpoint
    std::fs::rename(&app, dir.path().join("app.log.1")).unwrap();
    let (mut restarted, mut batches, _outcomes) = self::tailer(settings(dir.path()));
    restarted.scan();
    restarted.read_pass(true).await.unwrap();
    assert_eq!(
        drain_lines(&mut batches),
        ["new 0", "new 1"],
        "the truncated file renamed away was not found again"
    );
}

mod kubernetes {
    use super::*;
    use crate::inputs::kubernetes::{KubernetesSettings, PathMetadata, TagTemplate};
    use std::path::PathBuf;

    pub fn settings(root: &Path) -> TailSettings {
        let containers = KubernetesSettings {
            root: root.to_path_buf(),
            tag: TagTemplate::parse("kube.{namespace}.{pod}.{container}.{pod_uid}").unwrap(),
            max_entry_bytes: 1 << 20,
            own_pod: None,
            metadata: Arc::new(PathMetadata),
        };
        let mut settings = test_support::settings(root, "kube");
        settings.selector.paths = vec![containers.pattern()];
        settings.containers = Some(Arc::new(containers));
        settings
    }

    /// `pods/<ns>_<pod>_<uid>/<container>/<n>.log` and its link; returns both.
    pub fn add(root: &Path, ns: &str, pod: &str, n: u32, log: &[u8]) -> (PathBuf, PathBuf) {
        let dir = root.join(format!("pods/{ns}_{pod}_uid-{pod}/app"));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{n}.log"));
        std::fs::write(&file, log).unwrap();
        std::fs::create_dir_all(root.join("containers")).unwrap();
        let id: String = std::iter::repeat_n('a', 63)
            .chain(std::iter::once(char::from(b'0' + n as u8)))
            .collect();
        let link = root.join(format!("containers/{pod}_{ns}_app-{id}.log"));
        std::os::unix::fs::symlink(&file, &link).unwrap();
        (file, link)
    }

    pub fn tagged_lines(batches: &mut mpsc::Receiver<InputBatch>) -> Vec<(String, String)> {
        let mut lines = Vec::new();
        while let Ok(batch) = batches.try_recv() {
            for (line, _) in batch.lines.iter() {
                lines.push((
                    batch.source.tag.to_string(),
                    String::from_utf8_lossy(line).into_owned(),
                ));
            }
            batch.ack.delivered();
        }
        lines
    }
}

/// Pod churn: an idle-closed container log is deleted with its pod, and a
/// new pod's log gets the freed inode before the tailer scans (it was busy
/// sending under backpressure). The new file is taken for a rename of the
/// old one: wrong pod's tag and metadata, and read from the old offset.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_pods_log_on_a_reused_inode_gets_its_own_metadata() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (old_file, old_link) = kubernetes::add(
        root,
        "jobs",
        "report-1",
        0,
        b"2026-11-23T10:00:00.000000001Z stdout F report done\n",
    );
    let inode = std::fs::metadata(&old_file).unwrap().ino();
    let mut settings = kubernetes::settings(root);
    settings.close_idle_after = Duration::ZERO;
    let (mut tailer, mut batches, _outcomes) = tailer(settings);
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    assert_eq!(kubernetes::tagged_lines(&mut batches).len(), 1);
    tailer.scan(); // idle: closed
    std::fs::remove_file(&old_link).unwrap();
    std::fs::remove_dir_all(old_file.parent().unwrap().parent().unwrap()).unwrap();
    let (new_file, _) = kubernetes::add(
        root,
        "payments",
        "web-2",
        0,
        b"2026-11-23T10:05:00.000000001Z stdout F card 4111 charged for order 77\n",
    );
    if std::fs::metadata(&new_file).unwrap().ino() != inode {
        eprintln!("inode not reused on this filesystem; nothing to check");
        return;
    }
    tailer.scan();
    tailer.read_pass(false).await.unwrap();
    assert_eq!(
        kubernetes::tagged_lines(&mut batches),
        [(
            "kube.payments.web-2.app.uid-web-2".to_owned(),
            "card 4111 charged for order 77".to_owned()
        )]
    );
}

/// kubelet rotates `0.log` to `0.log.<timestamp>` while sluice is down; the
/// rotated file is recovered, but its source is built from the rotated name,
/// which is not `<n>.log`: the pod UID is lost from tag and record.
#[tokio::test(flavor = "multi_thread")]
async fn a_container_log_rotated_while_down_keeps_its_pod_uid() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (file, _) = kubernetes::add(
        root,
        "shop",
        "web-1",
        0,
        b"2026-11-23T10:00:00.1Z stdout F one\n",
    );
    {
        let (mut tailer, mut batches, mut outcomes) = tailer(kubernetes::settings(root));
        tailer.scan();
        tailer.read_pass(true).await.unwrap();
        assert_eq!(
            kubernetes::tagged_lines(&mut batches),
            [("kube.shop.web-1.app.uid-web-1".to_owned(), "one".to_owned())]
        );
        tailer.settle(outcomes.recv().await.unwrap());
        tailer.checkpoint_if_due(true);
    }
    // While down: one more line, then kubelet's rotation.
    let mut writer = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    writer
        .write_all(b"2026-11-23T10:00:00.2Z stdout F two\n")
        .unwrap();
    std::fs::rename(&file, file.with_file_name("0.log.20261123-100001")).unwrap();
    std::fs::write(&file, b"2026-11-23T10:00:00.3Z stdout F three\n").unwrap();
    let (mut tailer, mut batches, _outcomes) = tailer(kubernetes::settings(root));
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    let mut lines = kubernetes::tagged_lines(&mut batches);
    lines.sort();
    assert_eq!(
        lines,
        [
            (
                "kube.shop.web-1.app.uid-web-1".to_owned(),
                "three".to_owned()
            ),
            ("kube.shop.web-1.app.uid-web-1".to_owned(), "two".to_owned()),
        ]
    );
}

/// The `ignored` set is keyed by inode alone: sluice's own (previous)
/// container log is removed and another pod's new log gets its inode before
/// the next scan; that pod is then never followed.
#[tokio::test(flavor = "multi_thread")]
async fn a_log_on_the_inode_of_an_ignored_one_is_followed() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (own_file, own_link) = kubernetes::add(
        root,
        "sluice",
        "sluice-x",
        0,
        b"2026-11-23T10:00:00.1Z stderr F own\n",
    );
    let inode = std::fs::metadata(&own_file).unwrap().ino();
    let mut settings = kubernetes::settings(root);
    if let Some(containers) = &mut settings.containers {
        Arc::make_mut(containers).own_pod = Some(crate::inputs::kubernetes::OwnPod {
            namespace: "sluice".into(),
            name: "sluice-x".into(),
        });
    }
    let (mut tailer, mut batches, _outcomes) = tailer(settings);
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    assert!(kubernetes::tagged_lines(&mut batches).is_empty());
    std::fs::remove_file(&own_link).unwrap();
    std::fs::remove_dir_all(own_file.parent().unwrap().parent().unwrap()).unwrap();
    let (new_file, _) = kubernetes::add(
        root,
        "shop",
        "web-1",
        0,
        b"2026-11-23T10:00:01.1Z stdout F hello\n",
    );
    if std::fs::metadata(&new_file).unwrap().ino() != inode {
        eprintln!("inode not reused on this filesystem; nothing to check");
        return;
    }
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    assert_eq!(
        kubernetes::tagged_lines(&mut batches),
        [(
            "kube.shop.web-1.app.uid-web-1".to_owned(),
            "hello".to_owned()
        )],
        "the new pod's log is still ignored"
    );
}

/// A DaemonSet rollout replaces sluice-old by sluice-new on each node; the
/// old pod's logs stay on disk until kubelet's GC (about a minute). Only the
/// current pod name is excluded, so the new pod ships the old pod's log from
/// offset 0: with the stdout sink, every record the old pod shipped again.
#[tokio::test(flavor = "multi_thread")]
async fn the_previous_sluice_pods_logs_are_not_shipped_after_a_rollout() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    kubernetes::add(
        root,
        "sluice",
        "sluice-a1b2c",
        0,
        b"2026-11-23T10:00:00.1Z stdout F {\"shipped\":\"record\"}\n",
    );
    let mut settings = kubernetes::settings(root);
    if let Some(containers) = &mut settings.containers {
        Arc::make_mut(containers).own_pod = Some(crate::inputs::kubernetes::OwnPod {
            namespace: "sluice".into(),
            name: "sluice-x9y8z".into(),
        });
    }
    let (mut tailer, mut batches, _outcomes) = tailer(settings);
    tailer.scan();
    tailer.read_pass(true).await.unwrap();
    assert_eq!(
        kubernetes::tagged_lines(&mut batches),
        [],
        "sluice's own output fed back"
    );
}
