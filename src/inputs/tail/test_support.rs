//! What the tailer's in-process tests share: settings, a source and an
//! input context that hand batches to the test.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{FileSelector, TailSettings};
use crate::config::ReadFrom;
use crate::inputs::{BatchLimits, InputContext};
use crate::metrics::Metrics;
use crate::pipeline::parse::{LineParser, SourceInfo};
use crate::pipeline::InputBatch;

/// Settings following `dir/*.log`, checkpointing to `dir/checkpoints/NAME.json`.
pub fn settings(dir: &Path, name: &str) -> TailSettings {
    TailSettings {
        selector: FileSelector {
            paths: vec![format!("{}/*.log", dir.display())],
            exclude: Vec::new(),
        },
        read_from: ReadFrom::Beginning,
        max_line_bytes: 1024,
        checkpoint_path: dir.join(format!("checkpoints/{name}.json")),
        fingerprint_bytes: 256,
        multiline: None,
        rotate_wait: Duration::from_millis(300),
        max_open_files: 64,
        close_idle_after: Duration::from_secs(300),
        forget_after: Duration::from_secs(3600),
        scan_interval: Duration::from_secs(30),
        checkpoint_interval: Duration::from_millis(50),
        containers: None,
    }
}

/// Lines kept as `message`.
pub fn source(name: &str) -> Arc<SourceInfo> {
    Arc::new(SourceInfo {
        name: name.into(),
        tag: name.into(),
        parser: LineParser::None,
        time_key: None,
        timestamps: sluice_parsers::TimestampReader::default(),
        fields: sluice_parsers::Record::new(),
    })
}

/// Small batches into `batches`.
pub fn context(batches: mpsc::Sender<InputBatch>) -> InputContext {
    InputContext {
        batches,
        metrics: Arc::new(Metrics::new()),
        shutdown: CancellationToken::new(),
        hard_stop: CancellationToken::new(),
        limits: BatchLimits {
            max_events: 100,
            max_bytes: 1 << 16,
            linger: Duration::from_millis(10),
        },
    }
}

/// The runtime the tailer needs (`block_in_place` wants several threads).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
