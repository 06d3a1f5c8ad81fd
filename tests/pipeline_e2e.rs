//! End to end through the real binary: stdin and tail inputs, masking,
//! routing by tag, graceful shutdown.

mod support;

use std::collections::HashSet;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use support::{wait_until, wait_with_timeout, Workspace};

const RULES: &str = r#"
mask:
  - name: password-fields
    field: '(?i)password|passwd|secret'
    action: redact
    replacement: "***REDACTED***"
  - name: emails-partial
    field: '(?i)email'
    action: partial
    keep: '^(.{2}).*(@.*)$'
    replacement: '$1***$2'
routes:
  - match: "claude.security.**"
    to: [local]
    index: claude-security-logs-%Y.%m.%d
  - match: "claude.application.**"
    to: [local]
    index: claude-application-logs-%Y.%m.%d
"#;

fn app_line(sequence: usize) -> String {
    format!(
        r#"{{"timestamp":"2026-11-23T10:{:02}:{:02}Z","level":"INFO","seq":{sequence},"user":{{"email":"person{sequence}@example.com","password":"hunter{sequence}"}},"message":"login ok"}}"#,
        (sequence / 60) % 60,
        sequence % 60
    )
}

#[test]
fn stdin_events_are_masked_routed_and_all_written() {
    let workspace = Workspace::new();
    workspace.write("rules.yaml", RULES);
    let config = workspace.write(
        "sluice.yaml",
        "data_dir: data\ninputs:\n  app:\n    type: stdin\n    tag: claude.application\nrules: [rules.yaml]\nsinks:\n  local:\n    type: file\n",
    );
    let count = 5_000;
    let input: String = (0..count)
        .map(|sequence| app_line(sequence) + "\n")
        .collect();

    let output = workspace.run(&["run", "-c", config.to_str().unwrap()], input.as_bytes());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "sluice failed: {stderr}");

    let lines = workspace.indexed_lines();
    assert_eq!(lines.len(), count, "every event is written exactly once");
    let sequences: HashSet<u64> = lines
        .iter()
        .filter_map(|(_, record)| record["seq"].as_u64())
        .collect();
    assert_eq!(sequences.len(), count);
    for (index, record) in &lines {
        assert_eq!(index, "claude-application-logs-2026.11.23");
        assert_eq!(record["user"]["password"], "***REDACTED***");
        let email = record["user"]["email"].as_str().unwrap();
        assert!(email.starts_with("pe***@example.com"), "{email}");
    }
    let all_output = lines
        .iter()
        .map(|(_, record)| record.to_string())
        .collect::<String>();
    assert!(!all_output.contains("hunter"), "a password leaked");
}

#[test]
fn events_are_routed_by_tag_and_sigterm_drains_and_exits_zero() {
    let workspace = Workspace::new();
    workspace.write("rules.yaml", RULES);
    let security_lines: String = (0..300)
        .map(|sequence| {
            format!(r#"{{"timestamp":"2026-11-22T08:00:00Z","seq":{sequence},"message":"Authentication failed for user {sequence}"}}"#) + "\n"
        })
        .collect();
    let security_log = workspace.write("logs/security.log", &security_lines);
    let config = workspace.write(
        "sluice.yaml",
        &format!(
            "data_dir: data\ninputs:\n  app:\n    type: stdin\n    tag: claude.application\n  audit:\n    type: tail\n    paths: [{}]\n    tag: claude.security.auth\nrules: [rules.yaml]\nsinks:\n  local:\n    type: file\n",
            security_log.display()
        ),
    );
    let mut child = workspace.start(&config, Stdio::inherit(), Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    for sequence in 0..200 {
        writeln!(stdin, "{}", app_line(sequence)).unwrap();
    }
    drop(stdin);

    let count_in = |wanted: &str| {
        workspace
            .indexed_lines()
            .iter()
            .filter(|(index, _)| index == wanted)
            .count()
    };
    wait_until(Duration::from_secs(60), "both inputs delivered", || {
        count_in("claude-application-logs-2026.11.23") == 200
            && count_in("claude-security-logs-2026.11.22") == 300
    });
    support::stop_gracefully(child);
    assert_eq!(
        workspace.indexed_lines().len(),
        500,
        "nothing routed elsewhere or twice"
    );
    let checkpoint: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace.data_dir().join("checkpoints/audit.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        checkpoint["files"][0]["offset"].as_u64(),
        Some(security_lines.len() as u64),
        "the checkpoint covers the whole file after a graceful stop"
    );
}

#[test]
fn unrouted_events_are_dead_lettered_with_their_reason() {
    let workspace = Workspace::new();
    workspace.write("rules.yaml", RULES);
    let config = workspace.write(
        "sluice.yaml",
        "data_dir: data\ninputs:\n  other:\n    type: stdin\n    tag: billing.invoices\nrules: [rules.yaml]\nsinks:\n  local:\n    type: file\n",
    );
    let output = workspace.run(
        &["run", "-c", config.to_str().unwrap()],
        b"{\"n\":1}\n{\"n\":2}\n",
    );
    assert!(output.status.success());
    assert!(workspace.indexed_lines().is_empty());
    let dead_dir = workspace.data_dir().join("dead_letters");
    let text: String = std::fs::read_dir(&dead_dir)
        .expect("dead-letter dir")
        .flatten()
        .map(|file| std::fs::read_to_string(file.path()).unwrap())
        .collect();
    let letters: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(letters.len(), 2);
    assert_eq!(
        letters[0]["reason"],
        "no route matched tag `billing.invoices` and no default_sinks are configured"
    );
    assert_eq!(letters[1]["record"]["n"], 2);
}

#[test]
fn builtin_default_config_reads_stdin_into_data_dir() {
    let workspace = Workspace::new();
    let output = workspace.run(
        &["run"],
        b"{\"message\":\"card 4111 1111 1111 1111\",\"password\":\"p\"}\nnot json at all\n",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = workspace.indexed_lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].1["message"], "card [CARD REDACTED]");
    assert_eq!(lines[0].1["password"], "***REDACTED***");
    assert_eq!(lines[1].1["message"], "not json at all");
    assert_eq!(lines[1].1["log.parse_error"], "not a JSON object (byte 0)");
}

#[test]
fn readme_quickstart_command_works_as_written() {
    let workspace = Workspace::new();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample =
        std::fs::read(repo.join("fixtures/quickstart/app.ndjson")).expect("bundled sample");
    let config = repo.join("examples/quickstart.yaml");
    let output = workspace.run(&["run", "-c", config.to_str().unwrap()], &sample);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let (alerts, lines): (Vec<_>, Vec<_>) = workspace
        .indexed_lines()
        .into_iter()
        .partition(|(index, _)| index == "claude-alerts-2026.11.23");
    let sample_lines = sample
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
        .count();
    assert_eq!(lines.len(), sample_lines);
    assert!(
        !workspace.data_dir().join("dead_letters").exists(),
        "nothing is dead-lettered"
    );
    // One alert per pattern match: the quickstart's rules set no thresholds.
    let matched = lines
        .iter()
        .filter(|(_, record)| record.get("pattern.name").is_some())
        .count();
    assert_eq!(alerts.len(), matched);
    assert!(alerts
        .iter()
        .any(|(_, alert)| alert["alert.pattern"] == "memory_leak_pattern"
            && alert["alert.action"] == "restart_service"));
    let text: String = lines
        .iter()
        .chain(&alerts)
        .map(|(_, record)| record.to_string())
        .collect();
    for secret in [
        "hunter2",
        "sk-live-abcdef",
        "4111 1111 1111 1111",
        "carol.1005@example.com",
    ] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(
        text.contains("Order 4111111111111112 shipped"),
        "an order number failing Luhn is kept"
    );
    assert!(lines
        .iter()
        .all(|(index, _)| index == "claude-application-logs-2026.11.23"));
    assert!(lines.iter().any(
        |(_, record)| record["pattern.name"] == "memory_leak_pattern"
            && record["pattern.severity"] == "critical"
    ));
    assert!(lines
        .iter()
        .any(|(_, record)| record["level"] == "ERROR" && record["error_severity"] == "high"));
}

#[test]
fn a_steady_trickle_on_stdin_is_flushed_by_linger() {
    let workspace = Workspace::new();
    let config = workspace.write(
        "sluice.yaml",
        "data_dir: data\ninputs:\n  app:\n    type: stdin\nsinks:\n  local:\n    type: file\npipeline:\n  batch_linger_ms: 200\n",
    );
    let mut child = workspace.start(&config, Stdio::inherit(), Stdio::null());
    let mut stdin = child.stdin.take().unwrap();
    // One line every 50 ms, faster than the linger: a timer that restarts on
    // every line would never fire.
    for n in 0..40 {
        writeln!(stdin, "{{\"n\":{n}}}").unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    let while_open = workspace.indexed_lines().len();
    drop(stdin);
    assert!(wait_with_timeout(child, Duration::from_secs(30))
        .status
        .success());
    assert!(
        while_open >= 20,
        "only {while_open} of 40 lines flushed while stdin stayed open"
    );
    assert_eq!(workspace.indexed_lines().len(), 40);
}

/// Runs `sluice run` over `input` with a stdin input described by
/// `input_settings` (YAML lines under `app:`) and the given `parsers:`
/// section; returns the written events keyed by their `message`.
fn run_with_time_settings(
    input_settings: &str,
    parsers: &str,
    input: &str,
) -> std::collections::HashMap<String, (String, Value)> {
    let workspace = Workspace::new();
    let config = workspace.write(
        "sluice.yaml",
        &format!(
            "data_dir: data\ninputs:\n  app:\n    type: stdin\n{input_settings}parsers:\n{parsers}sinks:\n  local:\n    type: file\n    index: \"app-%Y.%m.%d\"\n"
        ),
    );
    let output = workspace.run(&["run", "-c", config.to_str().unwrap()], input.as_bytes());
    assert!(
        output.status.success(),
        "sluice failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    workspace
        .indexed_lines()
        .into_iter()
        .map(|(index, record)| {
            let message = record["message"].as_str().unwrap_or_default().to_owned();
            (message, (index, record))
        })
        .collect()
}

const BERLIN_APP_PARSER: &str = r#"  my_app:
    regex: '^(?P<ts>\S+ \S+) (?P<status>\d+) (?P<message>.*)$'
    types: { ts: timestamp, status: int }
    time_key: ts
    time_format: "%d.%m.%Y %H:%M:%S,%3f"
    timezone: Europe/Berlin
"#;

#[test]
fn regex_parser_reads_berlin_wall_clock_times_into_utc_event_times() {
    let input = "23.11.2026 10:29:01,042 200 invoice sent\n\
                 02.07.2026 00:30:00,000 200 summer night\n\
                 29.03.2026 02:30:00,000 200 in the spring gap\n\
                 2026-11-23 10:29:01 500 wrong time shape\n";
    let events = run_with_time_settings("    parser: my_app\n", BERLIN_APP_PARSER, input);
    assert_eq!(events.len(), 4, "{events:?}");

    let (index, record) = &events["invoice sent"];
    assert_eq!(record["@timestamp"], "2026-11-23T09:29:01.042Z");
    assert_eq!(record["ts"], "2026-11-23T09:29:01.042Z");
    assert_eq!(record["status"], 200);
    assert_eq!(index, "app-2026.11.23");

    // Half past midnight in Berlin summer is the evening before in UTC: the
    // event time, and so the daily index, follow UTC.
    let (index, record) = &events["summer night"];
    assert_eq!(record["@timestamp"], "2026-07-01T22:30:00.000Z");
    assert_eq!(index, "app-2026.07.01");

    // 02:30 does not exist on that day in Berlin; it is moved forward an hour.
    let (_, record) = &events["in the spring gap"];
    assert_eq!(record["@timestamp"], "2026-03-29T01:30:00.000Z");

    // A time that does not fit the format fails the line, which is kept.
    let wrong = "2026-11-23 10:29:01 500 wrong time shape";
    let (_, record) = &events[wrong];
    assert_eq!(
        record["log.parse_error"],
        "field `ts` at byte 0: cannot convert \"2026-11-23 10:29:01\" to timestamp"
    );
    assert_eq!(record["log.time_missing"], true);
}

#[test]
fn event_time_is_read_with_the_parser_or_input_format_and_zone() {
    // The time_key capture is not typed: it stays as written, and the event
    // time is read from it with the parser's format and zone.
    let raw_time_parser = BERLIN_APP_PARSER.replace("ts: timestamp, ", "");
    let events = run_with_time_settings(
        "    parser: my_app\n",
        &raw_time_parser,
        "02.07.2026 00:30:00,000 200 summer night\n",
    );
    let (index, record) = &events["summer night"];
    assert_eq!(record["ts"], "02.07.2026 00:30:00,000");
    assert_eq!(record["@timestamp"], "2026-07-01T22:30:00.000Z");
    assert_eq!(index, "app-2026.07.01");

    // JSON lines: the input's own time_key, time_format and timezone.
    let events = run_with_time_settings(
        "    time_key: when\n    time_format: \"%m/%d/%Y %I:%M %p\"\n    timezone: America/New_York\n",
        BERLIN_APP_PARSER,
        "{\"when\":\"11/23/2026 10:29 PM\",\"message\":\"late order\"}\n",
    );
    let (index, record) = &events["late order"];
    assert_eq!(record["when"], "11/23/2026 10:29 PM");
    assert_eq!(record["@timestamp"], "2026-11-24T03:29:00.000Z");
    assert_eq!(index, "app-2026.11.24");
}

#[test]
fn pattern_alerts_are_routed_on_their_own_tag() {
    let workspace = Workspace::new();
    workspace.write(
        "rules.yaml",
        "patterns:\n  - name: authentication_failure\n    regex: 'Authentication failed for user'\n    severity: medium\n    action: security_alert\n    alert: { count: 2, window: 1m, group_by: [user] }\nroutes:\n  - match: sluice.alert\n    to: [local]\n    index: alerts-%Y.%m\n  - match: '**'\n    to: [local]\n",
    );
    workspace.write(
        "sluice.yaml",
        "inputs:\n  app:\n    type: stdin\n    tag: app\nrules: [rules.yaml]\nsinks:\n  local:\n    type: file\n    index: app-%Y.%m.%d\n",
    );
    let lines: String = [
        ("10:00:00", "bob"),
        ("10:00:10", "eve"),
        ("10:00:20", "bob"),
        ("10:00:30", "bob"),
    ]
    .iter()
    .map(|(time, user)| {
        format!(
            "{{\"timestamp\":\"2026-11-23T{time}Z\",\"user\":\"{user}\",\"message\":\"Authentication failed for user {user}\"}}\n"
        )
    })
    .collect();
    let output = workspace.run(&["run", "-c", "sluice.yaml"], lines.as_bytes());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let indexed = workspace.indexed_lines();
    let alerts: Vec<&Value> = indexed
        .iter()
        .filter(|(index, _)| index == "alerts-2026.11")
        .map(|(_, record)| record)
        .collect();
    assert_eq!(indexed.len(), 4 + alerts.len());
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["alert.pattern"], "authentication_failure");
    assert_eq!(alerts[0]["alert.group.user"], "bob");
    assert_eq!(alerts[0]["alert.count"], 2);
    assert_eq!(alerts[0]["@timestamp"], "2026-11-23T10:00:20.000Z");
    assert_eq!(
        alerts[0]["alert.example"],
        "Authentication failed for user bob"
    );
}
