//! A stalled sink slows the inputs instead of buffering without bound: with
//! nobody reading sluice's stdout, sluice stops reading its stdin. Once the
//! sink drains, everything arrives.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{wait_with_timeout, Workspace};

const LINES: usize = 200_000;

#[test]
fn stalled_stdout_sink_stops_stdin_reading_and_loses_nothing() {
    let workspace = Workspace::new();
    let config = workspace.write(
        "sluice.yaml",
        "data_dir: data\ninputs:\n  app:\n    type: stdin\nsinks:\n  out:\n    type: stdout\npipeline:\n  batch_max_events: 100\n  queue_batches: 2\n",
    );
    let mut child = workspace.start(&config, Stdio::piped(), Stdio::null());

    let line = |n: usize| {
        format!("{{\"n\":{n},\"message\":\"a line of ordinary size for the test {n:08}\"}}\n")
    };
    let total_bytes: usize = (0..LINES).map(|n| line(n).len()).sum();
    let written = Arc::new(AtomicUsize::new(0));
    let mut stdin = child.stdin.take().unwrap();
    let writer = {
        let written = Arc::clone(&written);
        std::thread::spawn(move || {
            for n in 0..LINES {
                let text = line(n);
                stdin.write_all(text.as_bytes()).expect("write to sluice");
                written.fetch_add(text.len(), Ordering::Relaxed);
            }
        })
    };

    // Nobody reads sluice's stdout yet: the writer must stall early.
    std::thread::sleep(Duration::from_secs(3));
    let stalled_at = written.load(Ordering::Relaxed);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        written.load(Ordering::Relaxed),
        stalled_at,
        "stdin kept being read while the sink was stalled"
    );
    assert!(
        stalled_at < total_bytes / 4,
        "{stalled_at} of {total_bytes} bytes accepted with a stalled sink: queues are not bounded"
    );

    // Drain the sink: everything arrives, in full.
    let stdout = child.stdout.take().unwrap();
    let reader =
        std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).count());
    writer
        .join()
        .expect("writer finished once the sink drained");
    let output = wait_with_timeout(child, Duration::from_secs(60));
    assert!(output.status.success());
    assert_eq!(reader.join().unwrap(), LINES);
    eprintln!("stalled after {stalled_at} of {total_bytes} bytes");
}
