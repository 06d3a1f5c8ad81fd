//! Fairness: 1,000 files appended round-robin, with fewer descriptors than
//! files, all keep moving while the writer runs, and all arrive.

mod support;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{stop_gracefully, wait_until, Workspace};

const FILES: usize = 1_000;
/// The writer appends at least this many lines to each file.
const MIN_ROUNDS: u64 = 20;
const MAX_OPEN_FILES: usize = 256;

/// Highest round delivered per file (`None`: nothing yet).
fn progress(data_dir: &Path) -> Vec<Option<u64>> {
    let mut highest = vec![None; FILES];
    let Ok(indices) = std::fs::read_dir(data_dir.join("indices")) else {
        return highest;
    };
    for index in indices.flatten() {
        for day in std::fs::read_dir(index.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            for line in std::fs::read_to_string(day.path())
                .unwrap_or_default()
                .lines()
            {
                let record: serde_json::Value = serde_json::from_str(line).expect("JSON line");
                let file = record["file"].as_u64().expect("file") as usize;
                let round = record["round"].as_u64().expect("round");
                highest[file] = highest[file].max(Some(round));
            }
        }
    }
    highest
}

/// `sluice_files_followed` and `sluice_files_open` of the input.
fn file_gauges(port: u16) -> (f64, f64) {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let (status, text) = support::http_get(address, "/metrics").expect("scrape /metrics");
    assert_eq!(status, 200);
    let gauge = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name}{{component=\"many\"}} ")))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"))
    };
    (gauge("sluice_files_followed"), gauge("sluice_files_open"))
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
fn a_thousand_files_round_robin_all_progress_and_arrive() {
    let workspace = Workspace::new();
    let logs = workspace.path().join("logs");
    std::fs::create_dir_all(&logs).expect("logs dir");
    let port = support::free_port();
    let config = workspace.write(
        "sluice.yaml",
        &format!(
            "data_dir: data\napi:\n  listen: 127.0.0.1:{port}\n\
             inputs:\n  many:\n    type: tail\n    paths: [\"{}/*.log\"]\n    tag: many\n\
             \x20   files: {{ max_open_files: {MAX_OPEN_FILES} }}\n\
             sinks:\n  local:\n    type: file\n",
            logs.display()
        ),
    );
    let mut files: Vec<File> = (0..FILES)
        .map(|index| File::create(logs.join(format!("app-{index:04}.log"))).expect("create"))
        .collect();
    let log = File::create(workspace.path().join("sluice.log")).expect("log");
    let sluice = workspace.start(&config, Stdio::null(), Stdio::from(log));

    // The writer goes on until told to stop, so the fairness check below
    // happens while every file is still being appended to.
    let rounds_written = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let rounds_written = Arc::clone(&rounds_written);
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut round = 0;
            while round < MIN_ROUNDS || !stop.load(Ordering::Acquire) {
                for (index, file) in files.iter_mut().enumerate() {
                    writeln!(
                        file,
                        r#"{{"file":{index},"round":{round},"message":"tick"}}"#
                    )
                    .expect("append");
                }
                round += 1;
                rounds_written.store(round, Ordering::Release);
                std::thread::sleep(Duration::from_millis(200));
            }
            round
        })
    };

    wait_until(Duration::from_secs(120), "the writer to get going", || {
        rounds_written.load(Ordering::Acquire) >= MIN_ROUNDS
    });
    let recent = MIN_ROUNDS - 2;
    wait_until(
        Duration::from_secs(120),
        &format!("every file to be read up to round {recent} while all are written to"),
        || {
            progress(&workspace.data_dir())
                .iter()
                .all(|round| round.is_some_and(|round| round >= recent))
        },
    );
    stop.store(true, Ordering::Release);
    let rounds = writer.join().expect("writer");
    wait_until(Duration::from_secs(120), "every line of every file", || {
        progress(&workspace.data_dir())
            .iter()
            .all(|round| *round == Some(rounds - 1))
    });
    let (followed, open) = file_gauges(port);
    let peak = peak_rss_kib(sluice.id());
    stop_gracefully(sluice);
    let lines = workspace.indexed_lines().len();
    println!(
        "many files: {FILES} files x {rounds} rounds, {lines} lines delivered, \
         {open} of {followed} files open (max_open_files {MAX_OPEN_FILES}), peak RSS {} KiB",
        peak.map_or("unknown".to_owned(), |kib| kib.to_string())
    );
    assert_eq!(
        lines as u64,
        FILES as u64 * rounds,
        "no line lost or repeated"
    );
    assert_eq!(followed, FILES as f64, "sluice_files_followed");
    assert!(
        open <= MAX_OPEN_FILES as f64,
        "sluice_files_open {open} above the cap"
    );
}
