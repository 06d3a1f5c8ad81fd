//! Every line of loghub's OpenSSH and Linux samples (RFC 3164 without PRI,
//! as a syslog daemon writes them to a file) parses, and its header fields
//! match two independent readings of the line:
//!
//! - a plain split written here, by whitespace, following the rules in the
//!   parser's documentation;
//! - loghub's own structured CSV, written by its authors, for host, pid and
//!   content. Loghub takes `syslogd 1.4.1` and `-- root` as components; the
//!   parser takes a tag only when a `:` or `[pid]` follows the first word,
//!   so on those rows the CSV content is a suffix of the message.

use chrono::{TimeZone, Utc};
use serde_json::Value;
use sluice_parsers::{parse_rfc3164, TimeContext};

const LOGHUB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/loghub2k");

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The header of one line, read without the parser.
#[derive(Debug)]
struct Expected<'a> {
    timestamp: String,
    host: &'a str,
    tag: Option<(&'a str, Option<u64>)>,
    message: &'a str,
}

/// Splits `Mmm dd hh:mm:ss host [tag[pid]:] message`. All sample lines are
/// from June to December; read in January 2027 they are from 2026.
fn split(line: &str) -> Expected<'_> {
    let (month, rest) = line.split_at(3);
    let month = MONTHS.iter().position(|name| *name == month).unwrap() + 1;
    let (day, rest) = rest.trim_start().split_once(' ').unwrap();
    let (time, rest) = rest.split_once(' ').unwrap();
    let (host, rest) = rest.split_once(' ').unwrap();
    let rest = rest.trim_start_matches(' ');
    let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
    let (tag, message) = match word.strip_suffix(':') {
        Some(tag) => match tag.split_once('[') {
            Some((name, pid)) => {
                let pid = pid.strip_suffix(']').unwrap().parse().unwrap();
                (Some((name, Some(pid))), after)
            }
            None => (Some((tag, None)), after),
        },
        None => (None, rest),
    };
    Expected {
        timestamp: format!("2026-{month:02}-{:02}T{time}Z", day.parse::<u32>().unwrap()),
        host,
        tag,
        message,
    }
}

/// Fields of one CSV row (quotes with `""` escapes).
fn csv_fields(row: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Host, pid and content columns of loghub's structured CSV, per line.
fn loghub_rows(
    csv: &str,
    host: usize,
    pid: usize,
    content: usize,
) -> Vec<(String, Option<u64>, String)> {
    csv.lines()
        .skip(1)
        .map(|row| {
            let fields = csv_fields(row);
            let pid = match fields[pid].as_str() {
                "" => None,
                text => Some(text.trim_end_matches(".0").parse().unwrap()),
            };
            (fields[host].clone(), pid, fields[content].clone())
        })
        .collect()
}

fn check_dataset(log: &str, csv: &str, columns: (usize, usize, usize)) -> usize {
    let text = std::fs::read_to_string(format!("{LOGHUB}/{log}"))
        .unwrap_or_else(|err| panic!("{LOGHUB}/{log}: {err}"));
    let csv = std::fs::read_to_string(format!("{LOGHUB}/{csv}")).unwrap();
    let rows = loghub_rows(&csv, columns.0, columns.1, columns.2);
    let context = TimeContext::new(Utc.with_ymd_and_hms(2027, 1, 15, 0, 0, 0).unwrap());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), rows.len(), "{log}: lines and CSV rows");

    for (index, (line, (csv_host, csv_pid, csv_content))) in lines.iter().zip(&rows).enumerate() {
        let at = format!("{log}:{}: {line}", index + 1);
        let record =
            parse_rfc3164(line.as_bytes(), &context).unwrap_or_else(|err| panic!("{at}: {err}"));
        let expected = split(line);

        assert_eq!(record["@timestamp"], expected.timestamp.as_str(), "{at}");
        assert_eq!(record["host.hostname"], expected.host, "{at}");
        assert_eq!(record["host.hostname"], csv_host.as_str(), "{at}");
        match expected.tag {
            Some((name, pid)) => {
                assert_eq!(record["process.name"], name, "{at}");
                assert_eq!(
                    record.get("process.pid").and_then(Value::as_u64),
                    pid,
                    "{at}"
                );
                assert_eq!(pid, *csv_pid, "{at}");
            }
            None => {
                assert!(record.get("process.name").is_none(), "{at}");
                assert!(record.get("process.pid").is_none(), "{at}");
            }
        }
        let message = record["message"].as_str().unwrap();
        assert_eq!(message, expected.message, "{at}");
        assert!(!message.trim().is_empty(), "{at}");
        if expected.tag.is_some() {
            assert_eq!(message.trim(), csv_content.trim(), "{at}");
        } else {
            assert!(message.trim_end().ends_with(csv_content.trim()), "{at}");
        }
        assert!(
            record.keys().all(|key| !key.starts_with("log.")),
            "{at}: no PRI, no log.level or log.syslog"
        );
    }
    lines.len()
}

#[test]
fn openssh_2k_headers() {
    // LineId,Date,Day,Time,Component(host),Pid,Content,...
    let count = check_dataset(
        "OpenSSH/OpenSSH_2k.log",
        "OpenSSH/OpenSSH_2k.log_structured_corrected.csv",
        (4, 5, 6),
    );
    assert_eq!(count, 2000);
}

#[test]
fn linux_2k_headers() {
    // LineId,Month,Date,Time,Level(host),Component,PID,Content,...
    let count = check_dataset(
        "Linux/Linux_2k.log",
        "Linux/Linux_2k.log_structured_corrected.csv",
        (4, 6, 7),
    );
    assert_eq!(count, 2000);
}
