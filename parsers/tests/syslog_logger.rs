//! Syslog lines written live by util-linux `logger`, for both RFCs.
//!
//! `logger -d -n 127.0.0.1 -P PORT --stderr` sends one UDP datagram per
//! message and prints the same line on stderr. The datagrams go to a
//! socket this test holds, so they land somewhere harmless and can be
//! compared with what was printed.

use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sluice_parsers::{parse_rfc3164, parse_rfc5424, parse_syslog, TimeContext};

/// Runs `logger` with `args` in time zone `tz`; returns the lines it
/// printed, after checking that each was also sent as a datagram.
fn logger(args: &[&str], tz: &str, stdin: Option<&str>) -> Vec<String> {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let port = socket.local_addr().unwrap().port().to_string();
    let mut command = Command::new("logger");
    command
        .args(["--stderr", "-d", "-n", "127.0.0.1", "-P", &port])
        .args(args)
        .env("TZ", tz)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let output = match stdin {
        None => command.output(),
        Some(text) => {
            use std::io::Write;
            command.stdin(std::process::Stdio::piped());
            let mut child = command
                .spawn()
                .expect("util-linux `logger` must be installed");
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
            child.wait_with_output()
        }
    }
    .expect("util-linux `logger` must be installed");
    assert!(output.status.success(), "logger {args:?}: {output:?}");
    let printed = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<String> = printed.lines().map(str::to_owned).collect();
    assert!(!lines.is_empty(), "logger printed nothing");
    let mut buffer = [0u8; 4096];
    for line in &lines {
        let size = socket.recv(&mut buffer).expect("logger's datagram");
        assert_eq!(
            String::from_utf8_lossy(&buffer[..size]).trim_end(),
            line,
            "datagram and stderr differ"
        );
    }
    lines
}

fn kernel_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned()
}

/// logger writes the short or the full host name depending on the RFC.
fn assert_our_hostname(record: &Value) {
    let got = record["host.hostname"].as_str().expect("host.hostname");
    let ours = kernel_hostname();
    assert!(
        got == ours || ours.starts_with(&format!("{got}.")) || got.starts_with(&format!("{ours}.")),
        "hostname {got:?}, kernel says {ours:?}"
    );
}

/// The record's `@timestamp` is within a few seconds of now.
fn assert_recent(record: &Value) {
    let stamp = record["@timestamp"].as_str().expect("@timestamp");
    assert!(stamp.ends_with('Z'), "{stamp} is not UTC");
    let time = DateTime::parse_from_rfc3339(stamp).unwrap();
    let skew = (Utc::now() - time.with_timezone(&Utc)).num_seconds().abs();
    assert!(skew <= 5, "{stamp} is {skew}s from now");
}

fn parse_line(line: &str) -> Value {
    Value::Object(parse_syslog(line.as_bytes()).unwrap_or_else(|err| panic!("{line}: {err}")))
}

#[test]
fn rfc5424_with_pid_msgid_and_structured_data() {
    let lines = logger(
        &[
            "--rfc5424",
            "-t",
            "myapp",
            "-p",
            "local3.warning",
            "--id=1234",
            "--msgid",
            "ID47",
            "--sd-id",
            "meta@32473",
            "--sd-param",
            r#"k="v \"q\" a\\b c\]d""#,
            "--sd-param",
            r#"n="2""#,
            "hello world",
        ],
        "UTC",
        None,
    );
    let record = parse_line(&lines[0]);
    assert_eq!(
        record,
        Value::Object(parse_rfc5424(lines[0].as_bytes()).unwrap())
    );
    assert_eq!(record["log.syslog.facility.code"], 19);
    assert_eq!(record["log.syslog.severity.code"], 4);
    assert_eq!(record["log.syslog.priority"], 19 * 8 + 4);
    assert_eq!(record["log.syslog.version"], 1);
    assert_eq!(record["log.syslog.msgid"], "ID47");
    assert_eq!(record["log.level"], "warning");
    assert_eq!(record["process.name"], "myapp");
    assert_eq!(record["process.pid"], 1234);
    let structured_data = &record["log.syslog.structured_data"];
    assert_eq!(
        structured_data["meta@32473"],
        json!({"k": r#"v "q" a\b c]d"#, "n": "2"})
    );
    assert!(structured_data["timeQuality"].is_object());
    assert_eq!(record["message"], "hello world");
    assert_our_hostname(&record);
    assert_recent(&record);
}

#[test]
fn rfc5424_offset_is_converted_to_utc() {
    let lines = logger(
        &["--rfc5424", "-t", "tokyo", "-p", "user.info", "konnichiwa"],
        "Asia/Tokyo",
        None,
    );
    assert!(lines[0].contains("+09:00"), "{}", lines[0]);
    let record = parse_line(&lines[0]);
    assert_recent(&record);
    assert_eq!(record["log.level"], "informational");
    // No --id: PROCID is NILVALUE.
    assert_eq!(record["process.name"], "tokyo");
    assert!(record.get("process.pid").is_none());
}

#[test]
fn rfc5424_nilvalues_and_utf8() {
    let lines = logger(
        &[
            "--rfc5424=notq,notime,nohost",
            "-t",
            "myapp",
            "-p",
            "user.err",
            "héllo ünïcode",
        ],
        "UTC",
        None,
    );
    let record = parse_line(&lines[0]);
    assert_eq!(
        record,
        json!({
            "log.level": "error",
            "log.syslog.priority": 11,
            "log.syslog.facility.code": 1,
            "log.syslog.severity.code": 3,
            "log.syslog.version": 1,
            "process.name": "myapp",
            "message": "héllo ünïcode"
        })
    );
}

#[test]
fn rfc5424_one_line_per_stdin_line() {
    let lines = logger(
        &["--rfc5424", "-t", "batch", "-p", "local0.debug"],
        "UTC",
        Some("first\nsecond [x] \"quoted\"\n"),
    );
    let messages: Vec<Value> = lines
        .iter()
        .map(|line| parse_line(line)["message"].clone())
        .collect();
    assert_eq!(messages, [json!("first"), json!("second [x] \"quoted\"")]);
}

#[test]
fn rfc3164_with_pid() {
    let lines = logger(
        &[
            "--rfc3164",
            "-t",
            "myapp",
            "-p",
            "local3.warning",
            "--id=1234",
            "hello 3164",
        ],
        "UTC",
        None,
    );
    let record = parse_line(&lines[0]);
    let context = TimeContext::new(Utc::now());
    assert_eq!(
        record,
        Value::Object(parse_rfc3164(lines[0].as_bytes(), &context).unwrap())
    );
    assert_eq!(record["log.syslog.facility.code"], 19);
    assert_eq!(record["log.syslog.severity.code"], 4);
    assert_eq!(record["log.level"], "warning");
    assert!(record.get("log.syslog.version").is_none());
    assert_eq!(record["process.name"], "myapp");
    assert_eq!(record["process.pid"], 1234);
    assert_eq!(record["message"], "hello 3164");
    assert_our_hostname(&record);
    assert_recent(&record);
}

#[test]
fn rfc3164_tag_with_parentheses_and_default_tag() {
    let lines = logger(
        &[
            "--rfc3164",
            "-t",
            "sshd(pam_unix)",
            "--id=7",
            "-p",
            "authpriv.notice",
            "session opened",
        ],
        "UTC",
        None,
    );
    let record = parse_line(&lines[0]);
    assert_eq!(record["process.name"], "sshd(pam_unix)");
    assert_eq!(record["process.pid"], 7);
    assert_eq!(record["log.syslog.facility.code"], 10);
    assert_eq!(record["log.level"], "notice");
    assert_eq!(record["message"], "session opened");

    // Without -t, logger tags with the user name and no pid.
    let lines = logger(&["--rfc3164", "plain"], "UTC", None);
    let record = parse_line(&lines[0]);
    assert!(record["process.name"].is_string(), "{record}");
    assert!(record.get("process.pid").is_none(), "{record}");
    assert_eq!(record["message"], "plain");
    assert_eq!(record["log.syslog.priority"], 13);
}
