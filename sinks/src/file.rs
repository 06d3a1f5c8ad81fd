//! The embedded default sink: NDJSON files under
//! `<data_dir>/indices/<index>/<YYYY-MM-DD>.ndjson`, one directory per index
//! and one file per UTC day of the event time.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{NaiveDate, Timelike};
use serde::Deserialize;

use crate::{encode_record, Event, IndexTemplate, Sink, SinkError};

/// Files kept open at once; older handles are closed past this.
const MAX_OPEN_FILES: usize = 64;

/// File sink settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSinkConfig {
    /// Index name template (strftime on the event time, UTC). Routes may
    /// override it per event.
    #[serde(default = "default_index")]
    pub index: String,
    /// fsync after every batch: survives power loss, costs throughput.
    /// Without it a batch survives a process crash (it is in the page cache)
    /// but not a machine crash.
    #[serde(default)]
    pub fsync: bool,
}

fn default_index() -> String {
    "sluice-logs".to_owned()
}

impl Default for FileSinkConfig {
    fn default() -> Self {
        Self {
            index: default_index(),
            fsync: false,
        }
    }
}

/// Events of one batch are grouped by the route's index template and the
/// event's day and hour: together they name one file (the hour matters to
/// hourly index names; files are per day).
type FileKey = (Option<Arc<str>>, NaiveDate, u32);

/// Writes NDJSON files per index and day.
#[derive(Debug)]
pub struct FileSink {
    root: PathBuf,
    default_index: IndexTemplate,
    fsync: bool,
    route_templates: HashMap<Arc<str>, IndexTemplate>,
    directories: HashMap<FileKey, PathBuf>,
    open_files: HashMap<PathBuf, File>,
}

impl FileSink {
    /// A sink writing below `root` (normally `<data_dir>/indices`).
    ///
    /// # Errors
    /// A message when the index template is invalid.
    pub fn new(root: impl Into<PathBuf>, config: &FileSinkConfig) -> Result<Self, String> {
        Ok(Self {
            root: root.into(),
            default_index: IndexTemplate::parse(&config.index)?,
            fsync: config.fsync,
            route_templates: HashMap::new(),
            directories: HashMap::new(),
            open_files: HashMap::new(),
        })
    }

    /// The file for an index template and day, cached: events of one
    /// batch mostly share both.
    fn file_path(&mut self, index: &Option<Arc<str>>, day: NaiveDate, hour: u32) -> PathBuf {
        let key = (index.clone(), day, hour);
        if let Some(path) = self.directories.get(&key) {
            return path.clone();
        }
        let index_name = match index {
            None => self.default_index.render_for_hour(day, hour),
            Some(text) => {
                let default = &self.default_index;
                self.route_templates
                    .entry(text.clone())
                    // Routes were validated at start-up; fall back rather than fail.
                    .or_insert_with(|| {
                        IndexTemplate::parse(text).unwrap_or_else(|_| default.clone())
                    })
                    .render_for_hour(day, hour)
            }
        };
        let path = self.root.join(index_name).join(format!("{day}.ndjson"));
        if self.directories.len() > 4096 {
            self.directories.clear();
        }
        self.directories.insert(key, path.clone());
        path
    }

    /// Encodes per file, then appends each file's bytes in one write.
    fn write_blocking(&mut self, events: &[Event]) -> Result<(), SinkError> {
        let mut per_file: Vec<(FileKey, Vec<u8>)> = Vec::new();
        for event in events {
            let key = (
                event.index.clone(),
                event.time.date_naive(),
                event.time.hour(),
            );
            let position = match per_file.iter().position(|(existing, _)| *existing == key) {
                Some(position) => position,
                None => {
                    per_file.push((key, Vec::with_capacity(64 * 1024)));
                    per_file.len() - 1
                }
            };
            let buffer = &mut per_file[position].1;
            encode_record(event, buffer);
            buffer.push(b'\n');
        }
        for ((index, day, hour), bytes) in per_file {
            let path = self.file_path(&index, day, hour);
            self.append(&path, &bytes)?;
        }
        Ok(())
    }

    /// Appends `bytes` whole or not at all: after a failed write the file is
    /// cut back to its previous length, so a retry cannot glue a torn line
    /// to the next record.
    fn append(&mut self, path: &Path, bytes: &[u8]) -> Result<(), SinkError> {
        if !self.open_files.contains_key(path) {
            if self.open_files.len() >= MAX_OPEN_FILES {
                self.open_files.clear();
            }
            let file = open_append(path).map_err(|source| {
                SinkError::from_io(format!("opening {}", path.display()), source)
            })?;
            match cut_torn_tail(&file) {
                Ok(0) => {}
                Ok(cut) => tracing::warn!(
                    path = %path.display(),
                    bytes = cut,
                    "cut a half-written last line (left by a kill or crash; its events were not acknowledged and come again)"
                ),
                Err(source) => {
                    return Err(SinkError::from_io(
                        format!("checking the end of {}", path.display()),
                        source,
                    ))
                }
            }
            self.open_files.insert(path.to_owned(), file);
        }
        let Some(file) = self.open_files.get_mut(path) else {
            return Ok(());
        };
        let length_before = file
            .metadata()
            .map_err(|source| SinkError::from_io(format!("reading {}", path.display()), source))?
            .len();
        let written =
            file.write_all(bytes)
                .and_then(|()| if self.fsync { file.sync_data() } else { Ok(()) });
        if let Err(source) = written {
            if let Err(err) = file.set_len(length_before) {
                tracing::error!(path = %path.display(), error = %err, "cannot cut back a partial write");
            }
            self.open_files.remove(path); // reopen next time
            return Err(SinkError::from_io(
                format!("writing {}", path.display()),
                source,
            ));
        }
        Ok(())
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)
}

/// A SIGKILL can stop a large write part way, leaving the file's last line
/// torn; appending after it would glue the next record to it. Cuts the file
/// back to its last newline and returns how many bytes went.
fn cut_torn_tail(file: &File) -> std::io::Result<u64> {
    const CHUNK: u64 = 64 * 1024;
    let length = file.metadata()?.len();
    let mut end = length;
    let mut chunk = vec![0; CHUNK as usize];
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let window = &mut chunk[..(end - start) as usize];
        file.read_exact_at(window, start)?;
        if let Some(newline) = memchr::memrchr(b'\n', window) {
            end = start + newline as u64 + 1;
            break;
        }
        end = start;
    }
    if end < length {
        file.set_len(end)?;
    }
    Ok(length - end)
}

#[async_trait::async_trait]
impl Sink for FileSink {
    async fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        tokio::task::block_in_place(|| self.write_blocking(events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn event(day: u32, index: Option<&str>, n: u32) -> Event {
        Event {
            tag: "t".into(),
            time: Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap(),
            index: index.map(Into::into),
            record: json!({"n": n}).as_object().unwrap().clone(),
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn hourly_index_names_use_the_event_hour() {
        let dir = tempfile::tempdir().unwrap();
        let config = FileSinkConfig {
            index: "hourly-%Y.%m.%d.%H".to_owned(),
            fsync: false,
        };
        let mut sink = FileSink::new(dir.path(), &config).unwrap();
        sink.write(&[event(23, None, 1)]).await.unwrap();
        assert!(dir
            .path()
            .join("hourly-2026.11.23.12/2026-11-23.ndjson")
            .exists());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn writes_per_index_and_day() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = FileSink::new(dir.path(), &FileSinkConfig::default()).unwrap();
        sink.write(&[
            event(22, None, 1),
            event(23, Some("sec-%Y.%m"), 2),
            event(22, None, 3),
        ])
        .await
        .unwrap();
        let default_file =
            std::fs::read_to_string(dir.path().join("sluice-logs/2026-11-22.ndjson")).unwrap();
        assert_eq!(default_file.lines().count(), 2);
        assert!(default_file.contains("\"n\":3"));
        let routed =
            std::fs::read_to_string(dir.path().join("sec-2026.11/2026-11-23.ndjson")).unwrap();
        assert_eq!(
            routed,
            "{\"@timestamp\":\"2026-11-23T12:00:00.000Z\",\"n\":2}\n"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_torn_last_line_is_cut_before_appending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sluice-logs/2026-11-23.ndjson");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let whole = "{\"n\":0}\n";
        std::fs::write(&path, format!("{whole}{{\"n\":1,\"message\":\"half wr")).unwrap();
        let mut sink = FileSink::new(dir.path(), &FileSinkConfig::default()).unwrap();
        sink.write(&[event(23, None, 2)]).await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            format!("{whole}{{\"@timestamp\":\"2026-11-23T12:00:00.000Z\",\"n\":2}}\n")
        );
    }

    #[test]
    fn a_file_without_any_newline_is_emptied_and_whole_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.ndjson");
        std::fs::write(&path, vec![b'x'; 200_000]).unwrap();
        assert_eq!(
            cut_torn_tail(&open_append(&path).unwrap()).unwrap(),
            200_000
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        let mut long_line = vec![b'y'; 150_000];
        long_line.push(b'\n');
        std::fs::write(&path, &long_line).unwrap();
        assert_eq!(cut_torn_tail(&open_append(&path).unwrap()).unwrap(), 0);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 150_001);
    }
}
