//! Helpers for end-to-end tests that drive the real `sluice` binary.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn sluice() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    command.env("SLUICE_LOG", "info");
    command
}

/// A temp directory holding a config and its data dir.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("create temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    /// Writes a file relative to the workspace; returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// Starts `sluice run -c CONFIG` in the workspace; stdin is piped,
    /// stdout and stderr as given.
    pub fn start(&self, config: &Path, stdout: Stdio, stderr: Stdio) -> Child {
        sluice()
            .args(["run", "-c", config.to_str().expect("UTF-8 temp path")])
            .current_dir(self.path())
            .stdin(Stdio::piped())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("spawn sluice")
    }

    /// Runs `sluice ARGS` in the workspace and waits.
    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = sluice()
            .args(args)
            .current_dir(self.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sluice");
        let mut input = child.stdin.take().expect("stdin");
        let data = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let output = wait_with_timeout(child, Duration::from_secs(120));
        writer.join().expect("stdin writer");
        output
    }

    /// Every NDJSON line written below `data/indices/<index>/`, by index.
    pub fn indexed_lines(&self) -> Vec<(String, serde_json::Value)> {
        let mut lines = Vec::new();
        let root = self.data_dir().join("indices");
        let Ok(indices) = std::fs::read_dir(&root) else {
            return lines;
        };
        for index in indices.flatten() {
            let index_name = index.file_name().to_string_lossy().into_owned();
            for file in std::fs::read_dir(index.path())
                .expect("read index dir")
                .flatten()
            {
                let text = std::fs::read_to_string(file.path()).expect("read ndjson");
                for line in text.lines() {
                    let value = serde_json::from_str(line).unwrap_or_else(|err| {
                        panic!("bad JSON line in {}: {err}: {line}", file.path().display())
                    });
                    lines.push((index_name.clone(), value));
                }
            }
        }
        lines
    }
}

/// Waits for a child, killing it (and failing) after `limit`.
pub fn wait_with_timeout(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("collect output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let output = child.wait_with_output().expect("collect output");
            panic!(
                "sluice did not exit within {limit:?}; stderr:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `condition` every 50 ms until it holds or `limit` passes.
pub fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("bind an ephemeral port")
}

/// `GET path` over HTTP/1.0; returns (status, body), or None if not listening.
pub fn http_get(address: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())?;
    Some((status, body))
}

/// The Python from the test virtualenv (`scripts/test` creates it).
pub fn python() -> PathBuf {
    let path = std::env::var_os("SLUICE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python")
        });
    assert!(
        path.exists(),
        "the Python test peers are missing ({}): run the suite with scripts/test, which installs them",
        path.display()
    );
    path
}

/// Runs a Python snippet with `input` on stdin; returns stdout, failing on error.
pub fn run_python(script: &str, input: &str) -> String {
    let mut child = Command::new(python())
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python");
    child
        .stdin
        .take()
        .expect("python stdin")
        .write_all(input.as_bytes())
        .expect("write to python");
    let output = child.wait_with_output().expect("python output");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("python printed UTF-8")
}

/// SIGTERM, then wait: a graceful stop must exit 0 within 30 s.
pub fn stop_gracefully(child: Child) -> Output {
    signal(&child, libc::SIGTERM);
    let output = wait_with_timeout(child, Duration::from_secs(30));
    assert!(
        output.status.success(),
        "sluice did not stop cleanly: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Sends a signal to a child.
pub fn signal(child: &Child, signal: i32) {
    let pid = i32::try_from(child.id()).expect("pid fits i32");
    // SAFETY: kill(2) with a pid we spawned and a valid signal number.
    let result = unsafe { libc::kill(pid, signal) };
    assert_eq!(result, 0, "kill({pid}, {signal}) failed");
}
