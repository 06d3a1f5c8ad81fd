//! SIGTERM: what was read is delivered; a sink that never drains cannot
//! hold the process past the shutdown timeout.

mod support;

use std::io::Write;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{signal, wait_with_timeout, Workspace};

/// Linux's default pipe buffer: at most this much can be unread in the pipe.
const PIPE_BUFFER_BYTES: usize = 64 * 1024;

fn line(n: usize) -> String {
    format!("{{\"n\":{n},\"message\":\"steady stream of events\"}}\n")
}

#[test]
fn sigterm_delivers_everything_stdin_had_read() {
    let workspace = Workspace::new();
    let config = workspace.write(
        "sluice.yaml",
        "data_dir: data\ninputs:\n  app:\n    type: stdin\nsinks:\n  local:\n    type: file\n",
    );
    let mut child = workspace.start(&config, Stdio::null(), Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let written_lines = Arc::new(AtomicUsize::new(0));
    let writer = {
        let written_lines = Arc::clone(&written_lines);
        std::thread::spawn(move || {
            for n in 0.. {
                if stdin.write_all(line(n).as_bytes()).is_err() {
                    return; // sluice exited and closed the pipe
                }
                written_lines.store(n + 1, Ordering::Release);
            }
        })
    };
    std::thread::sleep(Duration::from_secs(2));
    support::stop_gracefully(child);
    writer.join().unwrap();

    let written = written_lines.load(Ordering::Acquire);
    let delivered = workspace.indexed_lines().len();
    let unread_at_most = PIPE_BUFFER_BYTES / line(written).len() + 1;
    assert!(written > 10_000, "the writer barely ran ({written} lines)");
    assert!(
        delivered + unread_at_most >= written,
        "wrote {written} lines, delivered {delivered}: more than a pipe buffer went missing"
    );
}

#[test]
fn a_sink_that_never_drains_cannot_block_shutdown_past_the_timeout() {
    let workspace = Workspace::new();
    let config = workspace.write(
        "sluice.yaml",
        "data_dir: data\ninputs:\n  app:\n    type: stdin\nsinks:\n  out:\n    type: stdout\npipeline:\n  shutdown_timeout_secs: 1\n",
    );
    let mut child = workspace.start(&config, Stdio::piped(), Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let body: String = (0..100_000).map(line).collect();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(body.as_bytes());
    });
    std::thread::sleep(Duration::from_secs(2));
    let asked = Instant::now();
    signal(&child, libc::SIGTERM);
    let output = wait_with_timeout(child, Duration::from_secs(20));
    let waited = asked.elapsed();
    writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shutdown timeout"), "{stderr}");
    eprintln!("exited {waited:?} after SIGTERM");
}
