//! Tail input features, each through the real binary: the filesystem
//! watcher, multiline joining, length caps and binary files, compressed
//! rotations and checkpoint expiry.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use support::{stop_gracefully, wait_until, Workspace};

/// A tail config over `logs/*.log`, with extra input keys.
fn config(workspace: &Workspace, extra: &str) -> (PathBuf, PathBuf) {
    let logs = workspace.path().join("logs");
    std::fs::create_dir_all(&logs).expect("logs dir");
    let config = workspace.write(
        "sluice.yaml",
        &format!(
            "data_dir: data\ninputs:\n  app:\n    type: tail\n    paths: [\"{}/*.log\"]\n    parser: none\n{extra}sinks:\n  local:\n    type: file\n",
            logs.display()
        ),
    );
    (config, logs)
}

fn append(path: &Path, text: &[u8]) {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open")
        .write_all(text)
        .expect("append");
}

fn records(workspace: &Workspace) -> Vec<Value> {
    workspace
        .indexed_lines()
        .into_iter()
        .map(|(_, record)| record)
        .collect()
}

#[test]
fn files_created_later_are_found_by_the_watcher_not_the_periodic_scan() {
    let workspace = Workspace::new();
    // A full scan only once a minute: within the wait below, only the
    // watcher can find the new file.
    let (config, logs) = config(&workspace, "    files: { scan_interval_ms: 60000 }\n");
    let child = workspace.start(&config, Stdio::null(), Stdio::null());
    wait_until(Duration::from_secs(30), "the first checkpoint", || {
        workspace.data_dir().join("checkpoints/app.json").exists()
    });
    append(&logs.join("late.log"), b"hello from a new file\n");
    wait_until(Duration::from_secs(20), "the new file's line", || {
        !records(&workspace).is_empty()
    });
    append(&logs.join("late.log"), b"and a second line\n");
    wait_until(Duration::from_secs(20), "the appended line", || {
        records(&workspace).len() == 2
    });
    stop_gracefully(child);
}

#[test]
fn java_stack_traces_become_one_event_and_the_last_is_flushed_by_timeout() {
    let workspace = Workspace::new();
    let (config, logs) = config(
        &workspace,
        "    multiline: { preset: java, flush_ms: 300 }\n",
    );
    let child = workspace.start(&config, Stdio::null(), Stdio::null());
    append(
        &logs.join("app.log"),
        b"2026-11-23 10:00:00 INFO starting\n\
          2026-11-23 10:00:01 ERROR request failed\n\
          java.lang.IllegalStateException: boom\n\
          \tat com.example.Service.handle(Service.java:42)\n\
          \tat com.example.Server.run(Server.java:7)\n\
          Caused by: java.io.IOException: closed\n\
          \tat com.example.Io.read(Io.java:3)\n\
          \t... 2 more\n\
          2026-11-23 10:00:02 INFO recovered\n",
    );
    // The last event has no successor: only the flush timeout emits it.
    wait_until(Duration::from_secs(20), "three events", || {
        records(&workspace).len() == 3
    });
    stop_gracefully(child);
    let records = records(&workspace);
    let trace = records[1]["message"].as_str().expect("message");
    assert!(
        trace.starts_with(
            "2026-11-23 10:00:01 ERROR request failed\njava.lang.IllegalStateException: boom\n"
        ),
        "{trace}"
    );
    assert!(
        trace.ends_with("\tat com.example.Io.read(Io.java:3)\n\t... 2 more"),
        "{trace}"
    );
    assert_eq!(records[2]["message"], "2026-11-23 10:00:02 INFO recovered");
}

#[test]
fn huge_lines_are_cut_and_binary_files_neither_crash_nor_stall() {
    let workspace = Workspace::new();
    let (config, logs) = config(&workspace, "    max_line_bytes: 1000\n");
    let mut rng_state = 0x2545_f491_4f6c_dd1d_u64;
    let binary: Vec<u8> = (0..300_000)
        .map(|_| {
            rng_state ^= rng_state << 13;
            rng_state ^= rng_state >> 7;
            rng_state ^= rng_state << 17;
            (rng_state >> 24) as u8
        })
        .collect();
    append(&logs.join("blob.log"), &binary);
    let mut huge = vec![b'x'; 50_000];
    huge.extend_from_slice(b"\nshort line after the huge one\ncaf\xe9 latin-1\n");
    append(&logs.join("app.log"), &huge);
    let child = workspace.start(&config, Stdio::null(), Stdio::null());
    wait_until(
        Duration::from_secs(30),
        "the lines after the huge one",
        || {
            records(&workspace)
                .iter()
                .any(|record| record["message"] == "caf\u{fffd} latin-1")
        },
    );
    // Still following after the binary file: a new line arrives.
    append(&logs.join("app.log"), b"still alive\n");
    wait_until(Duration::from_secs(30), "a line written later", || {
        records(&workspace)
            .iter()
            .any(|record| record["message"] == "still alive")
    });
    stop_gracefully(child);
    let records = records(&workspace);
    let cut = records
        .iter()
        .find(|record| {
            record["message"]
                .as_str()
                .is_some_and(|message| message.starts_with("xxx"))
        })
        .expect("the huge line, cut");
    assert_eq!(cut["message"].as_str().map(str::len), Some(1000));
    assert_eq!(cut["log.truncated"], true);
    let latin = records
        .iter()
        .find(|record| record["message"] == "caf\u{fffd} latin-1")
        .expect("latin-1 line");
    assert_eq!(latin["log.invalid_utf8"], true);
    let from_blob = records
        .iter()
        .filter(|record| {
            record["log.invalid_utf8"] == true && record["message"] != "caf\u{fffd} latin-1"
        })
        .count();
    assert!(
        from_blob > 0,
        "the binary file's bytes arrive as flagged events"
    );
    assert!(
        records.iter().all(|record| record["message"]
            .as_str()
            .is_some_and(|message| message.len() <= 3 * 1000)),
        "every event respects the cap (plus replacement characters)"
    );
}

#[test]
fn compressed_rotations_are_skipped_and_gone_files_leave_the_checkpoint() {
    let workspace = Workspace::new();
    let (config, logs) = config(
        &workspace,
        "    files: { forget_after_secs: 1, rotate_wait_ms: 200 }\n",
    );
    let logs_glob_all = workspace.path().join("sluice-all.yaml");
    std::fs::write(
        &logs_glob_all,
        std::fs::read_to_string(&config)
            .expect("config")
            .replace("/*.log", "/*"),
    )
    .expect("config");
    append(&logs.join("app.log"), b"plain line\n");
    append(
        &logs.join("app.log.1.gz"),
        b"\x1f\x8b\x08\x00 compressed bytes\n",
    );
    let child = workspace.start(&logs_glob_all, Stdio::null(), Stdio::null());
    wait_until(Duration::from_secs(30), "the plain line", || {
        !records(&workspace).is_empty()
    });

    // Deleted for good: its entry leaves the checkpoint after forget_after.
    std::fs::remove_file(logs.join("app.log")).expect("delete");
    append(&logs.join("other.log"), b"keeps the checkpoint moving\n");
    let checkpoint = workspace.data_dir().join("checkpoints/app.json");
    wait_until(
        Duration::from_secs(30),
        "the deleted file to expire",
        || {
            let text = std::fs::read_to_string(&checkpoint).unwrap_or_default();
            text.contains("other.log") && !text.contains("app.log\"")
        },
    );
    stop_gracefully(child);
    let messages: Vec<Value> = records(&workspace)
        .into_iter()
        .map(|record| record["message"].clone())
        .collect();
    assert_eq!(messages, ["plain line", "keeps the checkpoint moving"]);
}
