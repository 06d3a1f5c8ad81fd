//! At-least-once across a crash: SIGKILL mid-stream, restart, and every line
//! of the tailed file arrives (the tail input resumes from its checkpoint).

mod support;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use support::{signal, wait_until, wait_with_timeout, Workspace};

const LINES: u64 = 200_000;

fn delivered(workspace: &Workspace) -> HashMap<u64, usize> {
    let mut seen = HashMap::new();
    for (_, record) in workspace.indexed_lines() {
        let sequence = record["seq"].as_u64().expect("every record has its seq");
        *seen.entry(sequence).or_insert(0) += 1;
    }
    seen
}

#[test]
fn sigkill_mid_stream_loses_nothing_after_restart() {
    let workspace = Workspace::new();
    let body: String = (0..LINES)
        .map(|sequence| format!(r#"{{"seq":{sequence},"level":"INFO","password":"p{sequence}","message":"event {sequence}"}}"#) + "\n")
        .collect();
    let log = workspace.write("logs/app.log", &body);
    let config = workspace.write(
        "sluice.yaml",
        &format!(
            "data_dir: data\ninputs:\n  app:\n    type: tail\n    paths: [{}]\n    tag: claude.application\nrules: [\"builtin:secrets\"]\nsinks:\n  local:\n    type: file\npipeline:\n  batch_max_events: 500\n",
            log.display()
        ),
    );
    let start = || workspace.start(&config, Stdio::null(), Stdio::piped());

    let first = start();
    let checkpoint = workspace.data_dir().join("checkpoints/app.json");
    wait_until(
        Duration::from_secs(60),
        "a checkpoint past the start",
        || {
            std::fs::read_to_string(&checkpoint)
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|saved| saved["files"][0]["offset"].as_u64())
                .is_some_and(|offset| offset > 0)
        },
    );
    signal(&first, libc::SIGKILL);
    let _ = wait_with_timeout(first, Duration::from_secs(10));
    let before_restart = delivered(&workspace).len() as u64;
    assert!(
        before_restart < LINES,
        "the kill must land mid-stream (all {LINES} lines were already delivered)"
    );

    let second = start();
    wait_until(
        Duration::from_secs(120),
        "every line after the restart",
        || delivered(&workspace).len() as u64 == LINES,
    );
    support::stop_gracefully(second);

    let seen = delivered(&workspace);
    assert!(
        (0..LINES).all(|sequence| seen.contains_key(&sequence)),
        "a line was lost"
    );
    let duplicates: usize = seen.values().map(|copies| copies - 1).sum();
    eprintln!(
        "delivered before kill: {before_restart}, duplicates after restart: {duplicates} ({:.3}%)",
        duplicates as f64 * 100.0 / LINES as f64
    );
    let leaked = workspace
        .indexed_lines()
        .iter()
        .any(|(_, record)| record["password"] != "***REDACTED***");
    assert!(!leaked, "a password was written unmasked");
}

fn tail_config(workspace: &Workspace, paths: &str) -> std::path::PathBuf {
    workspace.write(
        "sluice.yaml",
        &format!(
            "data_dir: data\ninputs:\n  app:\n    type: tail\n    paths: [\"{paths}\"]\n    tag: app\nsinks:\n  local:\n    type: file\n"
        ),
    )
}

/// A workspace with a `logs/` directory and a tail config following
/// `logs/<pattern>`.
fn logs_workspace(pattern: &str) -> (Workspace, std::path::PathBuf, std::path::PathBuf) {
    let workspace = Workspace::new();
    let logs = workspace.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let config = tail_config(&workspace, &format!("{}/{pattern}", logs.display()));
    (workspace, logs, config)
}

/// An application's log handle: append-only, kept open across rotation.
fn open_for_append(path: &std::path::Path) -> std::fs::File {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap()
}

fn append(path: &std::path::Path, from: u64, to: u64) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for sequence in from..to {
        writeln!(file, "{{\"seq\":{sequence}}}").unwrap();
    }
}

#[test]
fn rotated_file_is_read_while_its_writer_still_appends() {
    use std::io::Write;
    let (workspace, logs, config) = logs_workspace("app.log");
    let live = logs.join("app.log");
    let mut old_writer = open_for_append(&live);
    for sequence in 0..20 {
        writeln!(old_writer, "{{\"seq\":{sequence}}}").unwrap();
    }
    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    wait_until(Duration::from_secs(30), "the first lines", || {
        delivered(&workspace).len() == 20
    });

    // Rename rotation; the application keeps its old handle for a while.
    std::fs::rename(&live, logs.join("app.log.1")).unwrap();
    append(&live, 1000, 1010);
    for sequence in 20..40 {
        writeln!(old_writer, "{{\"seq\":{sequence}}}").unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }
    wait_until(Duration::from_secs(30), "old and new file in full", || {
        delivered(&workspace).len() == 50
    });
    support::stop_gracefully(child);
    let seen = delivered(&workspace);
    assert!(
        (0..40)
            .chain(1000..1010)
            .all(|sequence| seen[&sequence] == 1),
        "{seen:?}"
    );
}

#[test]
fn files_renamed_or_created_while_down_resume_without_loss_or_duplicates() {
    let (workspace, logs, config) = logs_workspace("app.log*");
    append(&logs.join("app.log"), 0, 100);
    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    wait_until(Duration::from_secs(30), "the first file", || {
        delivered(&workspace).len() == 100
    });
    support::stop_gracefully(child);

    // While sluice is down: rotate, append to the rotated file, start a new one.
    std::fs::rename(logs.join("app.log"), logs.join("app.log.1")).unwrap();
    append(&logs.join("app.log.1"), 100, 110);
    append(&logs.join("app.log"), 110, 115);
    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    wait_until(
        Duration::from_secs(30),
        "everything written while down",
        || delivered(&workspace).len() == 115,
    );
    std::thread::sleep(Duration::from_millis(600)); // a chance for duplicates to show
    support::stop_gracefully(child);
    let seen = delivered(&workspace);
    assert!(
        (0..115).all(|sequence| seen.get(&sequence) == Some(&1)),
        "{seen:?}"
    );
}

#[test]
fn a_quiet_file_rotated_and_then_written_through_its_old_handle_is_read() {
    use std::io::Write;
    let (workspace, logs, config) = logs_workspace("app.log");
    let live = logs.join("app.log");
    let mut old_writer = open_for_append(&live);
    writeln!(old_writer, "{{\"seq\":0}}").unwrap();
    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    wait_until(Duration::from_secs(30), "the first line", || {
        delivered(&workspace).len() == 1
    });
    // Quiet for longer than the rotation idle time, then rotated, then the
    // application writes once more through its old handle.
    std::thread::sleep(Duration::from_secs(6));
    std::fs::rename(&live, logs.join("app.log.1")).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    writeln!(old_writer, "{{\"seq\":1}}").unwrap();
    wait_until(Duration::from_secs(30), "the late line", || {
        delivered(&workspace).len() == 2
    });
    support::stop_gracefully(child);
}

#[test]
fn a_new_file_on_a_reused_inode_is_read_from_its_start() {
    let (workspace, logs, config) = logs_workspace("*.log");
    append(&logs.join("a.log"), 0, 100);
    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    wait_until(Duration::from_secs(30), "a.log", || {
        delivered(&workspace).len() == 100
    });
    support::stop_gracefully(child);

    // Delete it and create another file: ext4 hands out the freed inode again.
    std::fs::remove_file(logs.join("a.log")).unwrap();
    append(&logs.join("b.log"), 1000, 1300);
    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    wait_until(Duration::from_secs(30), "all of b.log", || {
        delivered(&workspace).len() == 400
    });
    support::stop_gracefully(child);
    assert!((1000..1300).all(|sequence| delivered(&workspace).contains_key(&sequence)));
}

#[test]
fn read_from_end_applies_to_the_first_start_only() {
    let workspace = Workspace::new();
    let logs = workspace.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    append(&logs.join("old.log"), 0, 10);
    let config = workspace.write(
        "sluice.yaml",
        &format!(
            "data_dir: data\ninputs:\n  app:\n    type: tail\n    paths: [\"{}/*.log\"]\n    read_from: end\nsinks:\n  local:\n    type: file\n",
            logs.display()
        ),
    );
    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    wait_until(Duration::from_secs(30), "the checkpoint", || {
        workspace.data_dir().join("checkpoints/app.json").exists()
    });
    support::stop_gracefully(child);
    assert!(
        delivered(&workspace).is_empty(),
        "existing content skipped on the first start"
    );

    // Written while sluice is down: a restart must deliver it.
    append(&logs.join("new.log"), 100, 105);
    append(&logs.join("old.log"), 10, 12);
    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    wait_until(Duration::from_secs(30), "lines written while down", || {
        delivered(&workspace).len() == 7
    });
    support::stop_gracefully(child);
    let seen = delivered(&workspace);
    assert!(
        (100..105)
            .chain(10..12)
            .all(|sequence| seen.contains_key(&sequence)),
        "{seen:?}"
    );
}

#[test]
fn copytruncate_then_restart_sends_nothing_twice() {
    let workspace = Workspace::new();
    let logs = workspace.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let live = logs.join("app.log");
    let config = tail_config(&workspace, &format!("{}", live.display()));
    append(&live, 0, 20);
    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    wait_until(Duration::from_secs(30), "the first lines", || {
        delivered(&workspace).len() == 20
    });
    // copytruncate: the file is emptied in place, then written again.
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&live)
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    append(&live, 100, 105);
    wait_until(
        Duration::from_secs(30),
        "the lines after the truncate",
        || delivered(&workspace).len() == 25,
    );
    support::stop_gracefully(child);

    let child = workspace.start(&config, Stdio::null(), Stdio::piped());
    std::thread::sleep(Duration::from_secs(1));
    support::stop_gracefully(child);
    let seen = delivered(&workspace);
    assert!(
        seen.values().all(|&copies| copies == 1),
        "duplicates after restart: {seen:?}"
    );
    assert_eq!(seen.len(), 25);
}
