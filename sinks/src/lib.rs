//! Where sluice events go: the [`Sink`] contract, the embedded-default file
//! sink, stdout, the dead-letter file, index-name templates and the NDJSON
//! encoder they share.
//!
//! A sink accepts a batch or fails it; the runtime retries, dead-letters and
//! acknowledges. `Ok` from [`Sink::write`] means the events are as durable as
//! the sink can make them, and only then may the source position advance.
//!
//! ```
//! use sluice_sinks::{encode_ndjson, Event};
//! use chrono::{TimeZone, Utc};
//!
//! let event = Event {
//!     tag: "app".into(),
//!     time: Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
//!     index: None,
//!     record: serde_json::json!({"message": "hi"}).as_object().unwrap().clone(),
//! };
//! let mut out = Vec::new();
//! encode_ndjson(std::slice::from_ref(&event), &mut out);
//! assert_eq!(out, b"{\"@timestamp\":\"2026-11-23T10:00:00.000Z\",\"message\":\"hi\"}\n");
//! ```
#![deny(missing_docs)]

mod dead_letter;
mod encode;
mod file;
mod index_template;
mod stdout;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sluice_parsers::Record;

pub use dead_letter::{DeadLetter, DeadLetterWriter};
pub use encode::{encode_ndjson, encode_record};
pub use file::{FileSink, FileSinkConfig};
pub use index_template::{sanitize_index_name, IndexTemplate};
pub use stdout::StdoutSink;

/// What a sink receives: the record plus the routing facts it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Fluentd-style dotted tag.
    pub tag: Arc<str>,
    /// Event time (from the record, or the read time).
    pub time: DateTime<Utc>,
    /// A route's index template overriding the sink's own.
    pub index: Option<Arc<str>>,
    /// The fields.
    pub record: Record,
}

/// Why a batch could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// Worth retrying as is (I/O hiccup, full disk, peer unavailable).
    #[error("{context}: {source}")]
    Retriable {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Retrying cannot help; the events go to the dead-letter file.
    #[error("{0}")]
    Rejected(String),
}

impl SinkError {
    /// Classifies an I/O error: conditions that can clear by themselves (a
    /// full disk, an interrupted call) are retried; ones that cannot
    /// (permission denied, read-only file system, a closed pipe) reject the
    /// batch, which then goes to the dead-letter file.
    pub fn from_io(context: String, source: std::io::Error) -> Self {
        use std::io::ErrorKind;
        match source.kind() {
            ErrorKind::PermissionDenied
            | ErrorKind::ReadOnlyFilesystem
            | ErrorKind::NotADirectory
            | ErrorKind::IsADirectory
            | ErrorKind::InvalidFilename
            | ErrorKind::BrokenPipe => Self::Rejected(format!("{context}: {source}")),
            _ => Self::Retriable { context, source },
        }
    }
}

/// A destination for events.
#[async_trait::async_trait]
pub trait Sink: Send {
    /// Writes one batch. `Ok` means accepted.
    ///
    /// # Errors
    /// [`SinkError::Retriable`] or [`SinkError::Rejected`].
    async fn write(&mut self, events: &[Event]) -> Result<(), SinkError>;
}
