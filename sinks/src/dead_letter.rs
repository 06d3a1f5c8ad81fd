//! The dead-letter file: events no sink would take, each with its reason,
//! under `<data_dir>/dead_letters/<YYYY-MM-DD>.ndjson` (day of writing).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use chrono::{NaiveDate, SecondsFormat, Utc};
use serde_json::Value;

use crate::{Event, SinkError};

/// One event that could not be delivered.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// Why: a rejected write, no matching route, ...
    pub reason: String,
    /// Component that gave up on it (a sink name, or `router`).
    pub component: String,
    /// The event as it was when it failed.
    pub event: Event,
}

impl DeadLetter {
    /// The line written for this dead letter.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "reason": self.reason,
            "component": self.component,
            "tag": &*self.event.tag,
            "time": self.event.time.to_rfc3339_opts(SecondsFormat::Millis, true),
            "index": self.event.index.as_deref(),
            "record": self.event.record,
        })
    }
}

/// Appends dead letters, fsyncing each batch: they are the last copy.
#[derive(Debug)]
pub struct DeadLetterWriter {
    dir: PathBuf,
    current: Option<(NaiveDate, File)>,
}

impl DeadLetterWriter {
    /// A writer below `dir` (normally `<data_dir>/dead_letters`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            current: None,
        }
    }

    /// Writes and syncs a batch of dead letters.
    ///
    /// # Errors
    /// [`SinkError::Retriable`] on I/O failure; the caller keeps the batch.
    pub fn write(&mut self, letters: &[DeadLetter]) -> Result<(), SinkError> {
        if letters.is_empty() {
            return Ok(());
        }
        let mut bytes = Vec::new();
        for letter in letters {
            // Serialising JSON values into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut bytes, &letter.to_json());
            bytes.push(b'\n');
        }
        let today = Utc::now().date_naive();
        let path = self.dir.join(format!("{today}.ndjson"));
        let io_error = |source| SinkError::Retriable {
            context: format!("writing dead letters to {}", path.display()),
            source,
        };
        if self.current.as_ref().is_none_or(|(day, _)| *day != today) {
            std::fs::create_dir_all(&self.dir).map_err(io_error)?;
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(io_error)?;
            self.current = Some((today, file));
        }
        let Some((_, file)) = self.current.as_mut() else {
            return Ok(());
        };
        let result = file.write_all(&bytes).and_then(|()| file.sync_data());
        if let Err(source) = result {
            self.current = None;
            return Err(io_error(source));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn writes_reason_with_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = DeadLetterWriter::new(dir.path());
        let event = Event {
            tag: "a.b".into(),
            time: Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap(),
            index: None,
            record: serde_json::json!({"x": 1}).as_object().unwrap().clone(),
        };
        writer
            .write(&[DeadLetter {
                reason: "no route matched tag `a.b`".into(),
                component: "router".into(),
                event,
            }])
            .unwrap();
        let today = Utc::now().date_naive();
        let text = std::fs::read_to_string(dir.path().join(format!("{today}.ndjson"))).unwrap();
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["reason"], "no route matched tag `a.b`");
        assert_eq!(line["record"]["x"], 1);
        assert_eq!(line["tag"], "a.b");
    }
}
