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
    let start = || {
        support::sluice()
            .args(["run", "-c", config.to_str().unwrap()])
            .current_dir(workspace.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sluice")
    };

    let first = start();
    let checkpoint = workspace.data_dir().join("checkpoints/app.json");
    wait_until(Duration::from_secs(60), "a first checkpoint", || {
        checkpoint.exists()
    });
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
    signal(&second, libc::SIGTERM);
    let output = wait_with_timeout(second, Duration::from_secs(30));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

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
