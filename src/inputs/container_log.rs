//! Container log files (CRI and docker json-file): partial-line merging and
//! the metadata in their file paths.
//!
//! On a Kubernetes node the container runtime writes each container's output
//! to `/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log`, and
//! the kubelet links it from `/var/log/containers/<pod>_<namespace>_<container>-<id>.log`.
//! Every line of those files is an envelope around one piece of what the
//! application wrote, CRI (containerd, CRI-O) or docker json-file. Decoding
//! one line is the parsers crate's job ([`parse_cri`], [`parse_docker`],
//! re-exported here); this module joins the pieces and reads the paths.
//!
//! # Partial lines
//!
//! Runtimes cut long lines into pieces (docker at 16 KiB, containerd and CRI-O
//! at their read-buffer size); every piece but the last is partial.
//! [`PartialMerger`] joins the pieces back into one event. It keeps one pending
//! entry *per stream*, because stdout and stderr are copied into the same file
//! by separate readers: the pieces of a long stdout line are routinely
//! separated by stderr lines, and a single pending buffer would splice those
//! into the stdout message. The merger also knows where the earliest pending
//! entry started in the file ([`PartialMerger::pending_start`]), which is where
//! a restart must resume so that no piece is lost.
//!
//! Lines that decode as neither format are never dropped: the merger passes
//! them on raw with [`LineAttrs::decode_error`] set.
//!
//! # Known limits
//!
//! * The line framer removes a trailing `\r` from every line, so a CRI partial
//!   piece that happens to end in `\r` loses it. A docker line that docker cut
//!   between `\r` and `\n` leaves that `\r` at the end of the merged message.
//! * A framed line cut at the framer's length cap is still decoded: for CRI
//!   the message is simply shorter (and flagged truncated); for docker the
//!   JSON is no longer complete, so the line is passed on raw.
//! * Pieces are merged until the final one arrives, however long that takes;
//!   only [`PartialMerger::finish`] (end of a finished file) flushes them.
//!
//! # Example
//!
//! ```
//! use sluice::inputs::container_log::{ContainerLogFormat, PartialMerger};
//! use sluice::inputs::framing::FramedLine;
//!
//! let file = [
//!     "2026-11-23T10:00:00.1Z stdout P hello, ",
//!     "2026-11-23T10:00:00.2Z stderr F oops",
//!     "2026-11-23T10:00:00.3Z stdout F world",
//! ];
//! let mut merger = PartialMerger::new(ContainerLogFormat::Cri, 1024);
//! let mut events = Vec::new();
//! let mut offset = 0;
//! for line in file {
//!     let framed = FramedLine {
//!         bytes: line.as_bytes(),
//!         truncated: false,
//!         start_offset: offset,
//!     };
//!     merger.push(framed, |message, attrs, start| {
//!         let message = String::from_utf8_lossy(message).into_owned();
//!         events.push((message, attrs.stream, start));
//!     });
//!     offset += line.len() as u64 + 1;
//! }
//! // The stdout message is whole, and starts at the first piece.
//! use sluice::pipeline::Stream::{Stderr, Stdout};
//! assert_eq!(
//!     events,
//!     [
//!         ("oops".into(), Some(Stderr), 40),
//!         ("hello, world".into(), Some(Stdout), 0),
//!     ]
//! );
//! assert_eq!(merger.pending_start(), None);
//! ```

use std::path::Path;

use chrono::{DateTime, Utc};
pub use sluice_parsers::{
    detect_container_format, parse_cri, parse_docker, ContainerEntry, ContainerLogError,
    ContainerLogFormat,
};

use crate::inputs::framing::FramedLine;
use crate::pipeline::{LineAttrs, Stream};

/// Turns the framed lines of one container log file into complete messages,
/// joining partial pieces per stream.
///
/// Memory is bounded: at most `max_bytes` of message per stream is kept.
#[derive(Debug)]
pub struct PartialMerger {
    format: ContainerLogFormat,
    max_bytes: usize,
    stdout: Assembly,
    stderr: Assembly,
}

/// The pieces of one stream's unfinished message.
#[derive(Debug, Default)]
struct Assembly {
    /// Kept head of the message, at most `max_bytes`.
    message: Vec<u8>,
    /// Set while a message is pending.
    head: Option<Head>,
}

/// What the first piece said, and whether anything was lost since.
#[derive(Debug, Clone, Copy)]
struct Head {
    time: DateTime<Utc>,
    start_offset: u64,
    truncated: bool,
}

impl Head {
    fn attrs(self, stream: Stream) -> LineAttrs {
        LineAttrs {
            truncated: self.truncated,
            stream: Some(stream),
            time: Some(self.time),
            decode_error: None,
        }
    }
}

impl PartialMerger {
    /// A merger for a file in `format`, cutting messages at `max_bytes`
    /// (at least 1).
    pub fn new(format: ContainerLogFormat, max_bytes: usize) -> Self {
        Self {
            format,
            max_bytes: max_bytes.max(1),
            stdout: Assembly::default(),
            stderr: Assembly::default(),
        }
    }

    /// The format it decodes.
    pub fn format(&self) -> ContainerLogFormat {
        self.format
    }

    /// Decodes one framed line; complete entries go to
    /// `emit(message, attrs, start_offset)` where `start_offset` is the file
    /// offset of the first framed line that made up the entry.
    ///
    /// Partial entries are kept per stream (stdout and stderr interleave)
    /// until the final piece arrives. A merged message longer than
    /// `max_bytes` is cut at `max_bytes` and flagged (`attrs.truncated`); the
    /// remaining pieces up to the final one are consumed and discarded, never
    /// emitted on their own. A framed line already flagged truncated makes its
    /// entry truncated. A line that does not decode is emitted at once, raw,
    /// with `attrs.decode_error` set and no stream or time; pending entries
    /// are not affected by it.
    ///
    /// `attrs.time` is the runtime's time of the first piece, `attrs.stream`
    /// its stream.
    pub fn push(&mut self, line: FramedLine<'_>, mut emit: impl FnMut(&[u8], LineAttrs, u64)) {
        let entry = match self.format.decode(line.bytes) {
            Ok(entry) => entry,
            Err(err) => {
                let attrs = LineAttrs {
                    decode_error: Some(err.reason()),
                    ..LineAttrs::plain(line.truncated)
                };
                emit(line.bytes, attrs, line.start_offset);
                return;
            }
        };
        let max_bytes = self.max_bytes;
        let assembly = self.assembly_mut(entry.stream);

        if assembly.head.is_none() && !entry.partial {
            // A whole message: no copy.
            let cut = entry.message.len() > max_bytes;
            let message = entry.message.get(..max_bytes).unwrap_or(&entry.message);
            let attrs = LineAttrs {
                truncated: line.truncated || cut,
                stream: Some(entry.stream),
                time: Some(entry.time),
                decode_error: None,
            };
            emit(message, attrs, line.start_offset);
            return;
        }

        let head = assembly.head.get_or_insert(Head {
            time: entry.time,
            start_offset: line.start_offset,
            truncated: false,
        });
        head.truncated |= line.truncated;
        let room = max_bytes.saturating_sub(assembly.message.len());
        if entry.message.len() > room {
            head.truncated = true;
        }
        let kept = entry.message.get(..room).unwrap_or(&entry.message);
        assembly.message.extend_from_slice(kept);

        if !entry.partial {
            let head = *head;
            assembly.head = None;
            emit(
                &assembly.message,
                head.attrs(entry.stream),
                head.start_offset,
            );
            assembly.message.clear();
        }
    }

    /// Emits every pending partial entry as it is, earliest first (end of a
    /// finished file). Being unfinished does not flag it; a cut at
    /// `max_bytes` or by the framer still does.
    pub fn finish(&mut self, mut emit: impl FnMut(&[u8], LineAttrs, u64)) {
        let mut pending = [
            (Stream::Stdout, &mut self.stdout),
            (Stream::Stderr, &mut self.stderr),
        ];
        pending.sort_by_key(|(_, assembly)| assembly.head.map(|head| head.start_offset));
        for (stream, assembly) in pending {
            if let Some(head) = assembly.head.take() {
                emit(&assembly.message, head.attrs(stream), head.start_offset);
                assembly.message.clear();
            }
        }
    }

    /// File offset of the earliest pending partial entry (a restart must
    /// resume there), `None` when nothing is pending.
    pub fn pending_start(&self) -> Option<u64> {
        [&self.stdout, &self.stderr]
            .into_iter()
            .filter_map(|assembly| assembly.head.map(|head| head.start_offset))
            .min()
    }

    /// Forgets everything pending (the file was truncated or rewound).
    pub fn reset(&mut self) {
        for assembly in [&mut self.stdout, &mut self.stderr] {
            assembly.head = None;
            assembly.message.clear();
        }
    }

    fn assembly_mut(&mut self, stream: Stream) -> &mut Assembly {
        match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        }
    }
}

/// What the kubelet's log paths say about the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerLogMeta {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub pod_name: String,
    /// The pod's UID, known from the `pods/` path only.
    pub pod_uid: Option<String>,
    /// The container's name within the pod.
    pub container_name: String,
    /// The runtime's 64-hex-digit container ID, known from the
    /// `containers/` link only.
    pub container_id: Option<String>,
}

/// Metadata from the paths the kubelet uses.
///
/// `link` is the path under `<root>/containers`:
/// `<pod>_<namespace>_<container>-<64 hex container id>.log`. `target` is what
/// it resolves to, normally
/// `<root>/pods/<namespace>_<pod>_<uid>/<container>/<restart count>.log`; the
/// pod UID comes from there (taken only when its namespace and pod agree with
/// the link's). Either alone is enough for namespace, pod and container;
/// `None` when neither matches.
///
/// Kubernetes names never contain `_` (pod names may contain `-` and `.`,
/// namespaces and container names `-`), so `_` separates the parts
/// unambiguously and the container ID is what follows the last `-`.
pub fn container_log_meta(link: &Path, target: Option<&Path>) -> Option<ContainerLogMeta> {
    let from_link = meta_from_link(link);
    let from_target = target.and_then(meta_from_target);
    match (from_link, from_target) {
        (Some(mut meta), Some(target)) => {
            if target.namespace == meta.namespace && target.pod_name == meta.pod_name {
                meta.pod_uid = target.pod_uid;
            }
            Some(meta)
        }
        (Some(meta), None) => Some(meta),
        (None, target) => target,
    }
}

/// `<pod>_<namespace>_<container>-<id>.log`
fn meta_from_link(link: &Path) -> Option<ContainerLogMeta> {
    let stem = link.file_name()?.to_str()?.strip_suffix(".log")?;
    let [pod_name, namespace, container] = split_three(stem)?;
    let (container_name, container_id) = container.rsplit_once('-')?;
    let is_id = container_id.len() == 64 && container_id.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_id || container_name.is_empty() {
        return None;
    }
    Some(ContainerLogMeta {
        namespace: namespace.to_owned(),
        pod_name: pod_name.to_owned(),
        pod_uid: None,
        container_name: container_name.to_owned(),
        container_id: Some(container_id.to_owned()),
    })
}

/// `…/<namespace>_<pod>_<uid>/<container>/<restart>.log`
fn meta_from_target(target: &Path) -> Option<ContainerLogMeta> {
    let restarts = target.file_name()?.to_str()?.strip_suffix(".log")?;
    if restarts.is_empty() || !restarts.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let container_dir = target.parent()?;
    let container_name = container_dir.file_name()?.to_str()?;
    let pod_dir = container_dir.parent()?.file_name()?.to_str()?;
    let [namespace, pod_name, uid] = split_three(pod_dir)?;
    if container_name.is_empty() || container_name.contains('_') {
        return None;
    }
    Some(ContainerLogMeta {
        namespace: namespace.to_owned(),
        pod_name: pod_name.to_owned(),
        pod_uid: Some(uid.to_owned()),
        container_name: container_name.to_owned(),
        container_id: None,
    })
}

/// Exactly three non-empty `_`-separated parts.
fn split_three(text: &str) -> Option<[&str; 3]> {
    let mut parts = text.split('_');
    let three = [parts.next()?, parts.next()?, parts.next()?];
    (parts.next().is_none() && three.iter().all(|part| !part.is_empty())).then_some(three)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const ID: &str = "4f1d3a0e5b6c7d8e9fa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2";

    fn time(h: u32, m: u32, s: u32, nanos: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, s).unwrap()
            + chrono::Duration::nanoseconds(nanos.into())
    }

    /// One emitted event, owned.
    #[derive(Debug, Clone, PartialEq)]
    struct Event {
        message: String,
        attrs: LineAttrs,
        offset: u64,
    }

    /// Feeds `lines` as framed lines at their real file offsets; returns the
    /// events and the merger (to look at what is pending).
    fn merge(
        format: ContainerLogFormat,
        max_bytes: usize,
        lines: &[&str],
    ) -> (Vec<Event>, PartialMerger) {
        let framed: Vec<(&[u8], bool)> =
            lines.iter().map(|line| (line.as_bytes(), false)).collect();
        merge_framed(format, max_bytes, &framed)
    }

    fn merge_framed(
        format: ContainerLogFormat,
        max_bytes: usize,
        lines: &[(&[u8], bool)],
    ) -> (Vec<Event>, PartialMerger) {
        let mut merger = PartialMerger::new(format, max_bytes);
        let mut events = Vec::new();
        let mut offset = 0;
        for &(bytes, truncated) in lines {
            let line = FramedLine {
                bytes,
                truncated,
                start_offset: offset,
            };
            merger.push(line, collector(&mut events));
            offset += bytes.len() as u64 + 1;
        }
        (events, merger)
    }

    fn collector(events: &mut Vec<Event>) -> impl FnMut(&[u8], LineAttrs, u64) + '_ {
        |message, attrs, offset| {
            events.push(Event {
                message: String::from_utf8_lossy(message).into_owned(),
                attrs,
                offset,
            })
        }
    }

    fn attrs(stream: Stream, time: DateTime<Utc>, truncated: bool) -> LineAttrs {
        LineAttrs {
            truncated,
            stream: Some(stream),
            time: Some(time),
            decode_error: None,
        }
    }

    fn offset_of(lines: &[&str], index: usize) -> u64 {
        lines[..index]
            .iter()
            .map(|line| line.len() as u64 + 1)
            .sum()
    }

    // --- merging ---------------------------------------------------------

    #[test]
    fn whole_lines_pass_straight_through() {
        let lines = [
            "2026-11-23T10:00:00Z stdout F one",
            "2026-11-23T10:00:01Z stderr F two",
        ];
        let (events, merger) = merge(ContainerLogFormat::Cri, 100, &lines);
        assert_eq!(
            events,
            [
                Event {
                    message: "one".into(),
                    attrs: attrs(Stream::Stdout, time(10, 0, 0, 0), false),
                    offset: 0
                },
                Event {
                    message: "two".into(),
                    attrs: attrs(Stream::Stderr, time(10, 0, 1, 0), false),
                    offset: offset_of(&lines, 1)
                },
            ]
        );
        assert_eq!(merger.pending_start(), None);
    }

    #[test]
    fn cri_pieces_merge_per_stream_across_interleaving() {
        let lines = [
            "2026-11-23T10:00:00.1Z stdout P out-1 ",
            "2026-11-23T10:00:00.2Z stderr P err-1 ",
            "2026-11-23T10:00:00.3Z stdout P out-2 ",
            "2026-11-23T10:00:00.4Z stderr F err-2",
            "2026-11-23T10:00:00.5Z stdout F out-3",
        ];
        let (events, merger) = merge(ContainerLogFormat::Cri, 100, &lines);
        assert_eq!(
            events,
            [
                Event {
                    message: "err-1 err-2".into(),
                    attrs: attrs(Stream::Stderr, time(10, 0, 0, 200_000_000), false),
                    offset: offset_of(&lines, 1)
                },
                Event {
                    message: "out-1 out-2 out-3".into(),
                    attrs: attrs(Stream::Stdout, time(10, 0, 0, 100_000_000), false),
                    offset: 0
                },
            ]
        );
        assert_eq!(merger.pending_start(), None);
    }

    #[test]
    fn docker_pieces_merge_per_stream() {
        let lines = [
            r#"{"log":"out-1 ","stream":"stdout","time":"2026-11-23T10:00:00.1Z"}"#,
            r#"{"log":"err\n","stream":"stderr","time":"2026-11-23T10:00:00.2Z"}"#,
            r#"{"log":"out-2 \"q\"\r\n","stream":"stdout","time":"2026-11-23T10:00:00.3Z"}"#,
        ];
        let (events, _) = merge(ContainerLogFormat::Docker, 100, &lines);
        assert_eq!(
            events,
            [
                Event {
                    message: "err".into(),
                    attrs: attrs(Stream::Stderr, time(10, 0, 0, 200_000_000), false),
                    offset: offset_of(&lines, 1)
                },
                Event {
                    message: "out-1 out-2 \"q\"".into(),
                    attrs: attrs(Stream::Stdout, time(10, 0, 0, 100_000_000), false),
                    offset: 0
                },
            ]
        );
    }

    #[test]
    fn pending_start_is_the_earliest_unfinished_piece() {
        let lines = [
            "2026-11-23T10:00:00Z stdout F done",
            "2026-11-23T10:00:00Z stderr P e1",
            "2026-11-23T10:00:00Z stdout P o1",
            "2026-11-23T10:00:00Z stderr F e2",
        ];
        let mut merger = PartialMerger::new(ContainerLogFormat::Cri, 100);
        let mut events = Vec::new();
        let mut starts = Vec::new();
        let mut offset = 0;
        for line in lines {
            let framed = FramedLine {
                bytes: line.as_bytes(),
                truncated: false,
                start_offset: offset,
            };
            merger.push(framed, collector(&mut events));
            starts.push(merger.pending_start());
            offset += line.len() as u64 + 1;
        }
        assert_eq!(
            starts,
            [
                None,
                Some(offset_of(&lines, 1)),
                Some(offset_of(&lines, 1)),
                Some(offset_of(&lines, 2)),
            ]
        );
    }

    #[test]
    fn merged_message_is_capped_and_the_rest_consumed() {
        let lines = [
            "2026-11-23T10:00:00Z stdout P 0123456",
            "2026-11-23T10:00:01Z stdout P 789abc",
            "2026-11-23T10:00:02Z stdout P more",
            "2026-11-23T10:00:03Z stdout F end",
            "2026-11-23T10:00:04Z stdout F next",
        ];
        let (events, merger) = merge(ContainerLogFormat::Cri, 10, &lines);
        assert_eq!(
            events,
            [
                Event {
                    message: "0123456789".into(),
                    attrs: attrs(Stream::Stdout, time(10, 0, 0, 0), true),
                    offset: 0
                },
                Event {
                    message: "next".into(),
                    attrs: attrs(Stream::Stdout, time(10, 0, 4, 0), false),
                    offset: offset_of(&lines, 4)
                },
            ]
        );
        assert_eq!(merger.pending_start(), None);
    }

    #[test]
    fn exactly_max_bytes_is_not_truncated() {
        let lines = [
            "2026-11-23T10:00:00Z stdout P 01234",
            "2026-11-23T10:00:00Z stdout F 56789",
            "2026-11-23T10:00:00Z stderr F abcdefghij",
            "2026-11-23T10:00:00Z stderr F abcdefghijk",
        ];
        let (events, _) = merge(ContainerLogFormat::Cri, 10, &lines);
        let got: Vec<_> = events
            .iter()
            .map(|event| (event.message.as_str(), event.attrs.truncated))
            .collect();
        assert_eq!(
            got,
            [
                ("0123456789", false),
                ("abcdefghij", false),
                ("abcdefghij", true)
            ]
        );
    }

    #[test]
    fn a_truncated_framed_line_makes_its_entry_truncated() {
        let (events, _) = merge_framed(
            ContainerLogFormat::Cri,
            100,
            &[
                (b"2026-11-23T10:00:00Z stdout F whole but cu", true),
                (b"2026-11-23T10:00:00Z stdout P first cu", true),
                (b"2026-11-23T10:00:00Z stdout F +last", false),
            ],
        );
        let got: Vec<_> = events
            .iter()
            .map(|event| (event.message.as_str(), event.attrs.truncated))
            .collect();
        assert_eq!(got, [("whole but cu", true), ("first cu+last", true)]);
    }

    #[test]
    fn a_cut_docker_line_is_passed_on_raw_and_flagged() {
        let cut = br#"{"log":"very long line, cut by the fr"#;
        let (events, _) = merge_framed(ContainerLogFormat::Docker, 100, &[(cut, true)]);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].message.as_bytes(), cut);
        assert!(events[0].attrs.truncated);
        assert_eq!(
            events[0].attrs.decode_error,
            Some("invalid JSON in a docker log line")
        );
        assert_eq!(events[0].attrs.stream, None);
    }

    #[test]
    fn garbage_lines_are_emitted_raw_and_leave_pending_pieces_alone() {
        let lines: [&[u8]; 6] = [
            b"2026-11-23T10:00:00Z stdout P start ",
            b"\x00\xffbinary\x01",
            b"",
            b"2026-11-23T10:00:00Z stdin F bad stream",
            b"20261123 stdout F bad time",
            b"2026-11-23T10:00:05Z stdout F end",
        ];
        let framed: Vec<(&[u8], bool)> = lines.iter().map(|line| (*line, false)).collect();
        let (events, _) = merge_framed(ContainerLogFormat::Cri, 100, &framed);
        let raw = |index: usize, reason: &'static str| Event {
            message: String::from_utf8_lossy(lines[index]).into_owned(),
            attrs: LineAttrs {
                decode_error: Some(reason),
                ..LineAttrs::default()
            },
            offset: lines[..index]
                .iter()
                .map(|line| line.len() as u64 + 1)
                .sum(),
        };
        assert_eq!(
            events,
            [
                raw(1, "not a CRI log line"),
                raw(2, "not a CRI log line"),
                raw(3, "unknown container stream"),
                raw(4, "not a CRI log line"),
                Event {
                    message: "start end".into(),
                    attrs: attrs(Stream::Stdout, time(10, 0, 0, 0), false),
                    offset: 0
                },
            ]
        );
    }

    #[test]
    fn docker_garbage_is_emitted_raw() {
        let lines = [
            r#"{"log":"ok\n","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
            r#"{"level":"info"}"#,
            "not json",
            r#"{"log":"x\n","stream":"stdout","time":"2026-11-23T10:00:00Z""#,
        ];
        let (events, _) = merge(ContainerLogFormat::Docker, 100, &lines);
        let reasons: Vec<_> = events
            .iter()
            .map(|event| event.attrs.decode_error)
            .collect();
        assert_eq!(
            reasons,
            [
                None,
                Some("docker log line is missing a field"),
                Some("not a docker json-file log line"),
                Some("invalid JSON in a docker log line"),
            ]
        );
        assert_eq!(events[2].message, "not json");
        assert_eq!(events[2].offset, offset_of(&lines, 2));
    }

    #[test]
    fn finish_emits_pending_pieces_earliest_first_unflagged() {
        let lines = [
            "2026-11-23T10:00:00Z stderr P err ",
            "2026-11-23T10:00:01Z stdout P out-1 ",
            "2026-11-23T10:00:02Z stdout P out-2",
        ];
        let (mut events, mut merger) = merge(ContainerLogFormat::Cri, 100, &lines);
        assert!(events.is_empty());
        assert_eq!(merger.pending_start(), Some(0));
        merger.finish(collector(&mut events));
        assert_eq!(
            events,
            [
                Event {
                    message: "err ".into(),
                    attrs: attrs(Stream::Stderr, time(10, 0, 0, 0), false),
                    offset: 0
                },
                Event {
                    message: "out-1 out-2".into(),
                    attrs: attrs(Stream::Stdout, time(10, 0, 1, 0), false),
                    offset: offset_of(&lines, 1)
                },
            ]
        );
        assert_eq!(merger.pending_start(), None);
        // Nothing left to emit twice.
        merger.finish(collector(&mut events));
        assert_eq!(events.len(), 2);
    }

    #[test]
    fn finish_keeps_a_cap_flag() {
        let lines = ["2026-11-23T10:00:00Z stdout P 0123456789abc"];
        let (mut events, mut merger) = merge(ContainerLogFormat::Cri, 10, &lines);
        merger.finish(collector(&mut events));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].message, "0123456789");
        assert!(events[0].attrs.truncated);
    }

    #[test]
    fn reset_forgets_pending_pieces() {
        let lines = [
            "2026-11-23T10:00:00Z stdout P stale ",
            "2026-11-23T10:00:00Z stderr P stale ",
        ];
        let (mut events, mut merger) = merge(ContainerLogFormat::Cri, 100, &lines);
        merger.reset();
        assert_eq!(merger.pending_start(), None);
        let fresh = FramedLine {
            bytes: b"2026-11-23T10:00:09Z stdout F fresh",
            truncated: false,
            start_offset: 0,
        };
        merger.push(fresh, collector(&mut events));
        merger.finish(collector(&mut events));
        assert_eq!(
            events,
            [Event {
                message: "fresh".into(),
                attrs: attrs(Stream::Stdout, time(10, 0, 9, 0), false),
                offset: 0
            }]
        );
    }

    #[test]
    fn zero_max_bytes_still_keeps_one_byte() {
        let (events, _) = merge(
            ContainerLogFormat::Cri,
            0,
            &["2026-11-23T10:00:00Z stdout F abc"],
        );
        assert_eq!(events[0].message, "a");
        assert!(events[0].attrs.truncated);
    }

    // --- fixtures --------------------------------------------------------

    /// The event table for `file` in `fixtures/kubernetes/README.md`.
    fn documented_events(file: &str) -> Vec<(Stream, u64, DateTime<Utc>, String)> {
        let readme = include_str!("../../fixtures/kubernetes/README.md");
        let section = readme.split(&format!("`{file}` (")).nth(1).unwrap();
        section
            .lines()
            .skip_while(|line| !line.starts_with("| 1 |"))
            .take_while(|line| line.starts_with('|'))
            .map(|row| {
                let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
                let [_, stream, offset, time, message] = cells[..] else {
                    panic!("bad row {row:?}");
                };
                let stream = match stream {
                    "stdout" => Stream::Stdout,
                    "stderr" => Stream::Stderr,
                    _ => panic!("bad stream in {row:?}"),
                };
                let time = DateTime::parse_from_rfc3339(time)
                    .unwrap()
                    .with_timezone(&Utc);
                let message = serde_json::from_str(message.trim_matches('`')).unwrap();
                (stream, offset.parse().unwrap(), time, message)
            })
            .collect()
    }

    /// Frames a whole fixture file as the tailer would and merges it.
    fn merge_file(
        format: ContainerLogFormat,
        data: &[u8],
    ) -> Vec<(Stream, u64, DateTime<Utc>, String)> {
        let mut framer = crate::inputs::framing::LineFramer::new(1 << 20, 0);
        let mut merger = PartialMerger::new(format, 1 << 20);
        let mut events = Vec::new();
        framer.push(data, |line| merger.push(line, collector(&mut events)));
        framer.finish(|line| merger.push(line, collector(&mut events)));
        assert_eq!(merger.pending_start(), None);
        merger.finish(collector(&mut events));
        events
            .into_iter()
            .map(|event| {
                assert!(
                    !event.attrs.truncated && event.attrs.decode_error.is_none(),
                    "{event:?}"
                );
                let (Some(stream), Some(time)) = (event.attrs.stream, event.attrs.time) else {
                    panic!("{event:?}");
                };
                (stream, event.offset, time, event.message)
            })
            .collect()
    }

    #[test]
    fn fixtures_merge_to_the_documented_events() {
        let cri = include_bytes!("../../fixtures/kubernetes/cri-0.log");
        let docker = include_bytes!("../../fixtures/kubernetes/docker-0.log");
        assert_eq!(
            detect_container_format(cri.split(|&b| b == b'\n').next().unwrap()),
            Some(ContainerLogFormat::Cri)
        );
        assert_eq!(
            detect_container_format(docker.split(|&b| b == b'\n').next().unwrap()),
            Some(ContainerLogFormat::Docker)
        );
        let expected = documented_events("cri-0.log");
        assert_eq!(expected.len(), 8);
        assert_eq!(merge_file(ContainerLogFormat::Cri, cri), expected);
        let expected = documented_events("docker-0.log");
        assert_eq!(expected.len(), 9);
        assert_eq!(merge_file(ContainerLogFormat::Docker, docker), expected);
    }

    // --- paths -----------------------------------------------------------

    fn meta(
        namespace: &str,
        pod: &str,
        uid: Option<&str>,
        container: &str,
        id: Option<&str>,
    ) -> ContainerLogMeta {
        ContainerLogMeta {
            namespace: namespace.into(),
            pod_name: pod.into(),
            pod_uid: uid.map(Into::into),
            container_name: container.into(),
            container_id: id.map(Into::into),
        }
    }

    #[test]
    fn metadata_from_link_and_target() {
        let link =
            format!("/var/log/containers/coredns-5d78c9869d-x2k8p_kube-system_coredns-{ID}.log");
        let target = "/var/log/pods/kube-system_coredns-5d78c9869d-x2k8p_0b6e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/coredns/3.log";
        assert_eq!(
            container_log_meta(Path::new(&link), Some(Path::new(target))),
            Some(meta(
                "kube-system",
                "coredns-5d78c9869d-x2k8p",
                Some("0b6e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b"),
                "coredns",
                Some(ID),
            ))
        );
    }

    #[test]
    fn metadata_from_the_link_alone() {
        let link = format!("/var/log/containers/web.v2-7f9c.0_team-a_istio-proxy-{ID}.log");
        let expected = meta("team-a", "web.v2-7f9c.0", None, "istio-proxy", Some(ID));
        assert_eq!(
            container_log_meta(Path::new(&link), None),
            Some(expected.clone())
        );
        // A target that is not the pods layout adds nothing.
        assert_eq!(
            container_log_meta(Path::new(&link), Some(Path::new("/somewhere/else.log"))),
            Some(expected.clone())
        );
        // Nor does one for another pod.
        let other = "/var/log/pods/team-a_other_uid-1/istio-proxy/0.log";
        assert_eq!(
            container_log_meta(Path::new(&link), Some(Path::new(other))),
            Some(expected)
        );
    }

    #[test]
    fn metadata_from_the_target_alone() {
        let target = "/var/log/pods/team-a_web.v2-7f9c.0_1234-abcd/istio-proxy/12.log";
        let expected = meta(
            "team-a",
            "web.v2-7f9c.0",
            Some("1234-abcd"),
            "istio-proxy",
            None,
        );
        for link in [
            "/var/log/containers/whatever.log",
            "/var/log/pods/x/y/0.log",
            "",
        ] {
            assert_eq!(
                container_log_meta(Path::new(link), Some(Path::new(target))),
                Some(expected.clone()),
                "{link}"
            );
        }
        // The target may also be given relative to the root.
        assert_eq!(
            container_log_meta(
                Path::new("x"),
                Some(Path::new(
                    "team-a_web.v2-7f9c.0_1234-abcd/istio-proxy/12.log"
                ))
            ),
            Some(expected)
        );
    }

    #[test]
    fn paths_that_do_not_match() {
        let short_id = &ID[..63];
        let cases = [
            format!("/var/log/containers/pod_ns_app-{short_id}.log"),
            format!("/var/log/containers/pod_ns_app-{ID}.log.gz"),
            format!("/var/log/containers/pod_ns_app-{}g.log", &ID[..63]),
            format!("/var/log/containers/pod_ns_app{ID}.log"),
            format!("/var/log/containers/pod_ns_-{ID}.log"),
            format!("/var/log/containers/pod__app-{ID}.log"),
            format!("/var/log/containers/pod_ns_x_app-{ID}.log"),
            format!("/var/log/containers/pod_app-{ID}.log"),
            format!("/var/log/containers/{ID}.log"),
            "/".into(),
            "".into(),
        ];
        let targets = [
            None,
            Some("/var/log/pods/ns_pod_uid/app/0.log.20261123-100000"),
            Some("/var/log/pods/ns_pod_uid/app/x.log"),
            Some("/var/log/pods/ns_pod_uid/app/.log"),
            Some("/var/log/pods/ns_pod/app/0.log"),
            Some("/var/log/pods/ns_pod_uid_x/app/0.log"),
            Some("/var/log/pods/ns__uid/app/0.log"),
            Some("/var/log/pods/ns_pod_uid/0.log"),
            Some("0.log"),
            Some("/"),
        ];
        for link in &cases {
            for target in targets {
                assert_eq!(
                    container_log_meta(Path::new(link), target.map(Path::new)),
                    None,
                    "{link} -> {target:?}"
                );
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_do_not_match() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let link = [
            b"/var/log/containers/p\xff_ns_app-".as_slice(),
            ID.as_bytes(),
            b".log",
        ]
        .concat();
        assert_eq!(
            container_log_meta(Path::new(OsStr::from_bytes(&link)), None),
            None
        );
        let target = b"/var/log/pods/ns_pod_uid/app\xff/0.log";
        assert_eq!(
            container_log_meta(Path::new("x"), Some(Path::new(OsStr::from_bytes(target)))),
            None
        );
    }

    // --- robustness ------------------------------------------------------

    /// Random bytes, and valid lines with random damage, through everything:
    /// no panic, offsets never ahead of the input, decoded messages within
    /// the cap.
    #[test]
    fn arbitrary_bytes_never_panic() {
        let seeds = [
            "2026-11-23T10:00:00.123456789Z stdout P piece ",
            "2026-11-23T10:00:00.1+01:00 stderr F:x whole",
            r#"{"log":"piece \u00e9\"","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
            r#"{"log":"whole\r\n","stream":"stderr","time":"2026-11-23T10:00:00.5Z"}"#,
            r#"{"log":"plain piece","stream":"stdout","attrs":{"a":"b"},"time":"2026-11-23T10:00:00Z"}"#,
            r#"{"log":"plain\n","stream":"stdout","time":"2026-11-23T10:00:00Z"}"#,
        ];
        let alphabet = b" {}\":,\\nPF-T:Z0123456789stdouerrlogime\xff\xc3\x00";
        let mut rng = fastrand::Rng::with_seed(0x5eed_c0de);
        for format in [ContainerLogFormat::Cri, ContainerLogFormat::Docker] {
            let cap = rng.usize(1..64);
            let mut merger = PartialMerger::new(format, cap);
            let mut emitted = 0usize;
            let mut offset = 0u64;
            for round in 0..20_000 {
                let mut line: Vec<u8> = match round % 3 {
                    0 => (0..rng.usize(0..80)).map(|_| rng.u8(..)).collect(),
                    1 => (0..rng.usize(0..80))
                        .map(|_| alphabet[rng.usize(..alphabet.len())])
                        .collect(),
                    _ => seeds[rng.usize(..seeds.len())].as_bytes().to_vec(),
                };
                // Damage: flip, insert, or cut at random places.
                for _ in 0..rng.usize(0..4) {
                    if line.is_empty() {
                        break;
                    }
                    let at = rng.usize(..line.len());
                    match rng.u8(..3) {
                        0 => line[at] = alphabet[rng.usize(..alphabet.len())],
                        1 => line.insert(at, rng.u8(..)),
                        _ => line.truncate(at),
                    }
                }
                let framed = FramedLine {
                    bytes: &line,
                    truncated: rng.bool(),
                    start_offset: offset,
                };
                merger.push(framed, |message, attrs, start| {
                    assert!(start <= offset);
                    assert!(attrs.decode_error.is_some() || message.len() <= cap);
                    emitted += 1;
                });
                if let Some(start) = merger.pending_start() {
                    assert!(start <= offset);
                }
                if rng.u8(..100) == 0 {
                    merger.reset();
                }
                offset += line.len() as u64 + 1;
            }
            merger.finish(|_, _, _| emitted += 1);
            assert!(emitted > 0);
            assert_eq!(merger.pending_start(), None);
        }
        for _ in 0..2_000 {
            let path: String = (0..rng.usize(0..120))
                .map(|_| ['_', '-', '/', '.', 'a', '0', 'f', 'é'][rng.usize(..8)])
                .collect();
            let _ = container_log_meta(Path::new(&path), Some(Path::new(&path)));
        }
    }
}
