//! The configuration file as users write it (see ARCHITECTURE.md). Plain
//! serde with `deny_unknown_fields`; [`crate::topology`] validates the rest.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;
use sluice_sinks::FileSinkConfig;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Checkpoints, dead letters and the file sink's indices live here.
    /// Relative paths are relative to the working directory.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Health, readiness and metrics endpoints.
    pub api: Option<ApiConfig>,
    /// Named inputs.
    #[serde(default)]
    pub inputs: IndexMap<String, Spanned<InputConfig>>,
    /// User-defined parsers, usable by name in `parser:`.
    #[serde(default)]
    pub parsers: IndexMap<String, Spanned<ParserDefinition>>,
    /// Rule files in order: paths or globs (relative to this file), or
    /// `builtin:NAME`.
    #[serde(default)]
    pub rules: Vec<Spanned<String>>,
    /// Named sinks.
    #[serde(default)]
    pub sinks: IndexMap<String, Spanned<SinkConfig>>,
    /// Where events that match no route go. When absent: every sink if no
    /// rule file has routes, otherwise the dead-letter file.
    pub default_sinks: Option<Vec<Spanned<String>>>,
    /// Batching, queues and workers.
    #[serde(default)]
    pub pipeline: PipelineConfig,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("./data")
}

/// `api:` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// `host:port` to serve `/health`, `/ready` and `/metrics` on.
    pub listen: Spanned<String>,
}

/// One input; `type` picks the kind.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InputConfig {
    /// Lines from standard input; `run` exits when it closes.
    Stdin {
        /// Tag given to every event (default `stdin`).
        tag: Option<String>,
        /// Parser name (default `json`).
        parser: Option<String>,
        /// Field holding the event time.
        time_key: Option<String>,
        /// strftime pattern (or `rfc3339`, `epoch_s`, `epoch_ms`,
        /// `epoch_us`, `epoch_ns`) of the event time; automatic otherwise.
        time_format: Option<String>,
        /// Zone of zoneless event times: `UTC` (default), `local`, `+02:00`
        /// or an IANA name such as `Europe/Berlin`.
        timezone: Option<String>,
        /// Longer lines are cut and flagged `log.truncated`.
        max_line_bytes: Option<usize>,
    },
    /// Follows files, resuming from a checkpoint.
    Tail {
        /// Files or globs.
        paths: Vec<String>,
        /// Globs of paths or file names to skip. Compressed rotations
        /// (`.gz`, `.zst`, ...) matched by a glob are always skipped.
        #[serde(default)]
        exclude: Vec<String>,
        /// Tag given to every event (default `tail.<input name>`).
        tag: Option<String>,
        /// Parser name (default `json`).
        parser: Option<String>,
        /// Field holding the event time.
        time_key: Option<String>,
        /// strftime pattern (or `rfc3339`, `epoch_s`, `epoch_ms`,
        /// `epoch_us`, `epoch_ns`) of the event time; automatic otherwise.
        time_format: Option<String>,
        /// Zone of zoneless event times: `UTC` (default), `local`, `+02:00`
        /// or an IANA name such as `Europe/Berlin`.
        timezone: Option<String>,
        /// Where to start in files that have no checkpoint yet.
        #[serde(default)]
        read_from: ReadFrom,
        /// Longer lines are cut and flagged `log.truncated`.
        max_line_bytes: Option<usize>,
        /// Joins multi-line events such as stack traces.
        multiline: Option<Spanned<MultilineConfig>>,
        /// File handling limits and timers.
        #[serde(default)]
        files: FileHandling,
    },
    /// Container logs of a Kubernetes node: `<root>/containers/*.log`, CRI
    /// or docker json-file, with metadata from kubelet's file names.
    Kubernetes {
        /// Log root (default `/var/log`).
        root: Option<PathBuf>,
        /// Tag template (default `kube.{namespace}.{pod}.{container}`).
        tag: Option<String>,
        /// Parser of the container's messages (default `none`: the message
        /// stays text).
        parser: Option<String>,
        /// Field holding the event time; the runtime's time otherwise.
        time_key: Option<String>,
        /// strftime pattern (or `rfc3339`, `epoch_s`, `epoch_ms`,
        /// `epoch_us`, `epoch_ns`) of the event time; automatic otherwise.
        time_format: Option<String>,
        /// Zone of zoneless event times: `UTC` (default), `local`, `+02:00`
        /// or an IANA name such as `Europe/Berlin`.
        timezone: Option<String>,
        /// Where to start in files that have no checkpoint yet.
        #[serde(default)]
        read_from: ReadFrom,
        /// Longer runtime lines are cut and flagged `log.truncated`.
        max_line_bytes: Option<usize>,
        /// Partial lines are merged up to this size (default 1 MiB).
        max_entry_bytes: Option<usize>,
        /// Globs of container log paths or file names to skip.
        #[serde(default)]
        exclude: Vec<String>,
        /// Skip the logs of sluice's own pod (`SLUICE_POD_NAMESPACE` and
        /// `SLUICE_POD_NAME`). Default true.
        exclude_own_pod: Option<bool>,
        /// Joins multi-line events such as stack traces.
        multiline: Option<Spanned<MultilineConfig>>,
        /// File handling limits and timers.
        #[serde(default)]
        files: FileHandling,
    },
}

/// `multiline:` of a file input: a preset, or `start` / `continue` regexes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultilineConfig {
    /// `java`, `python` or `go`.
    pub preset: Option<Spanned<String>>,
    /// A line matching this begins an event.
    pub start: Option<Spanned<String>>,
    /// A line matching this joins the current event.
    #[serde(rename = "continue")]
    pub continue_pattern: Option<Spanned<String>>,
    /// Most lines in one event (default 500).
    pub max_lines: Option<usize>,
    /// Most bytes in one event (default 1 MiB).
    pub max_bytes: Option<usize>,
    /// An event waiting this long for more lines is emitted (default 1000).
    pub flush_ms: Option<u64>,
}

/// `files:` of a file input: limits and timers with working defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileHandling {
    /// Leading bytes hashed into a file's identity (with device and inode).
    pub fingerprint_bytes: u64,
    /// A rotated file is released once its writer was quiet this long.
    pub rotate_wait_ms: u64,
    /// At most this many open files; idle ones are closed beyond it.
    pub max_open_files: usize,
    /// Files quiet this long are closed, and reopened when they grow.
    pub close_idle_after_secs: u64,
    /// Checkpoint entries of files gone this long are dropped.
    pub forget_after_secs: u64,
    /// A full scan this often, besides the filesystem watcher.
    pub scan_interval_ms: u64,
    /// Acknowledged progress is written at most this often: after a crash,
    /// lines delivered within this window are read again.
    pub checkpoint_interval_ms: u64,
}

impl Default for FileHandling {
    fn default() -> Self {
        Self {
            fingerprint_bytes: 256,
            rotate_wait_ms: 5_000,
            max_open_files: 1_024,
            close_idle_after_secs: 300,
            forget_after_secs: 86_400,
            scan_interval_ms: 1_000,
            checkpoint_interval_ms: 50,
        }
    }
}

/// Start position for files without a checkpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadFrom {
    /// From the first byte.
    #[default]
    Beginning,
    /// From the current end (files found at start-up only; later files are
    /// always read from their start).
    End,
}

/// A user-defined regex parser.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParserDefinition {
    /// Regex with named captures; each becomes a field.
    pub regex: Spanned<String>,
    /// Capture holding the event time.
    pub time_key: Option<String>,
    /// Conversions: `int`, `float`, `bool`, `timestamp`.
    #[serde(default)]
    pub types: IndexMap<String, Spanned<String>>,
    /// strftime pattern (or `rfc3339`, `epoch_*`) of `timestamp` captures
    /// and of the `time_key` capture; automatic otherwise.
    pub time_format: Option<Spanned<String>>,
    /// Zone of zoneless times in `timestamp` captures and the `time_key`
    /// capture (default `UTC`).
    pub timezone: Option<Spanned<String>>,
}

/// One sink; `type` picks the kind.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SinkConfig {
    /// NDJSON files under `data_dir/indices/<index>/<day>.ndjson`.
    File(FileSinkConfig),
    /// NDJSON on standard output.
    Stdout {},
}

/// `pipeline:` section: how events move.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Threads running the stages (default: CPU count, at most 4).
    pub workers: Option<usize>,
    /// An input cuts a batch at this many events...
    pub batch_max_events: usize,
    /// ...or this many bytes...
    pub batch_max_bytes: usize,
    /// ...or after this long.
    pub batch_linger_ms: u64,
    /// Batches each queue holds before its producer waits.
    pub queue_batches: usize,
    /// On SIGTERM, how long sinks may keep retrying before sluice gives up
    /// on undelivered batches (they stay uncommitted and are read again).
    pub shutdown_timeout_secs: u64,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            workers: None,
            batch_max_events: 1000,
            batch_max_bytes: 1 << 20,
            batch_linger_ms: 100,
            queue_batches: 8,
            shutdown_timeout_secs: 30,
        }
    }
}
