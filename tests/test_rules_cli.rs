//! `sluice test-rules`: every stage shown, rules that fired, sinks chosen.

mod support;

use serde_json::Value;
use support::Workspace;

const RULES: &str = r#"
mask:
  - name: password-fields
    field: '(?i)password'
    action: redact
enrich:
  - when: { level: ERROR }
    set: { error_severity: high }
patterns:
  - name: database_connection_error
    regex: 'Database connection.*failed'
    severity: high
routes:
  - match: "claude.application.**"
    to: [local]
    index: claude-application-logs-%Y.%m.%d
  - when: { level: DEBUG }
    drop: true
"#;

const CONFIG: &str = "inputs:\n  app:\n    type: stdin\n    tag: claude.application\n  other:\n    type: tail\n    paths: [none.log]\n    tag: billing\nrules: [rules.yaml]\nsinks:\n  local:\n    type: file\n";

const SAMPLE: &str = "{\"timestamp\":\"2026-11-23T10:00:00Z\",\"level\":\"ERROR\",\"password\":\"pw\",\"message\":\"Database connection to db1 failed\"}\n";

fn workspace() -> Workspace {
    let workspace = Workspace::new();
    workspace.write("rules.yaml", RULES);
    workspace.write("sluice.yaml", CONFIG);
    workspace
}

#[test]
fn json_format_shows_each_stage_and_the_chosen_sink() {
    let workspace = workspace();
    let output = workspace.run(
        &["test-rules", "-c", "sluice.yaml", "--format", "json"],
        SAMPLE.as_bytes(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    let stages = &report["stages"];
    assert_eq!(stages["parse"]["password"], "pw");
    assert_eq!(stages["mask"]["password"], "***REDACTED***");
    assert!(stages["mask"].get("error_severity").is_none());
    assert_eq!(stages["enrich"]["error_severity"], "high");
    assert_eq!(
        stages["patterns"]["pattern.name"],
        "database_connection_error"
    );
    assert_eq!(
        report["fired"]["mask"],
        serde_json::json!(["password-fields"])
    );
    assert_eq!(
        report["fired"]["patterns"],
        serde_json::json!(["database_connection_error"])
    );
    assert_eq!(report["outcome"], "deliver");
    assert_eq!(
        report["sinks"],
        serde_json::json!([{"sink": "local", "index": "claude-application-logs-2026.11.23"}])
    );
    assert!(!workspace.data_dir().exists(), "test-rules writes nothing");
}

#[test]
fn input_option_uses_that_inputs_tag_and_text_format_reads_well() {
    let workspace = workspace();
    let line = "{\"level\":\"DEBUG\",\"message\":\"noise\"}\n";
    let output = workspace.run(
        &["test-rules", "-c", "sluice.yaml", "--input", "other"],
        line.as_bytes(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("line 1: {\"level\":\"DEBUG\""), "{text}");
    assert!(text.contains("\n  mask     (unchanged)\n"), "{text}");
    assert!(
        text.contains("-> dropped by route rules.yaml#route2"),
        "{text}"
    );
}

#[test]
fn unknown_input_name_is_an_error() {
    let workspace = workspace();
    let output = workspace.run(
        &["test-rules", "-c", "sluice.yaml", "--input", "nope"],
        SAMPLE.as_bytes(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("no input named `nope`; inputs: app, other"));
}

#[test]
fn every_command_explains_itself_with_an_example() {
    for command in ["run", "validate", "test-rules"] {
        let output = support::sluice()
            .args([command, "--help"])
            .output()
            .expect("run --help");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{command} --help failed");
        assert!(
            help.contains("Example"),
            "{command} --help has no example:\n{help}"
        );
        assert!(
            help.contains(&format!("sluice {command}")) || help.contains("| sluice"),
            "{help}"
        );
    }
}

#[test]
fn test_rules_uses_the_inputs_configured_format_parser() {
    let workspace = Workspace::new();
    workspace.write(
        "sluice.yaml",
        "inputs:\n  web:\n    type: stdin\n    parser: nginx\nsinks:\n  local:\n    type: file\n",
    );
    let line = "203.0.113.7 - alice [23/Nov/2026:10:29:01 +0000] \"GET /cart?id=7 HTTP/1.1\" 404 153 \"-\" \"curl/8.5.0\"\n";
    let output = workspace.run(
        &["test-rules", "-c", "sluice.yaml", "--format", "json"],
        line.as_bytes(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    let parsed = &report["stages"]["parse"];
    assert_eq!(parsed["source.ip"], "203.0.113.7");
    assert_eq!(parsed["http.request.method"], "GET");
    assert_eq!(parsed["http.response.status_code"], 404);
    assert_eq!(parsed["url.original"], "/cart?id=7");
    assert_eq!(parsed["user_agent.original"], "curl/8.5.0");
}

const RULE_TESTS: &str = r#"
  - name: errors are enriched and routed
    input: '{"level":"ERROR","password":"pw","message":"Database connection to db1 failed"}'
    expect: { error_severity: high, password: "***REDACTED***", pattern.name: database_connection_error }
    sinks: [local]
  - name: debug outside the application is dropped
    input: '{"level":"DEBUG","message":"noise"}'
    tag: billing
    drop: true
  - name: info is only routed
    input: '{"level":"INFO","message":"x"}'
    absent: [error_severity]
    sinks: [local]
"#;

#[test]
fn rule_file_tests_pass_and_fail_with_the_exit_code() {
    let workspace = workspace();
    workspace.write("rules.yaml", &format!("{RULES}tests:{RULE_TESTS}"));
    let output = workspace.run(&["test-rules", "-c", "sluice.yaml", "--tests"], b"");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("PASS  errors are enriched and routed (rules.yaml:20:5)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("PASS  debug outside the application is dropped"),
        "{stdout}"
    );
    assert!(stdout.contains("3 tests: 3 passed, 0 failed"), "{stdout}");

    // The same cases with wrong expectations: each failure says what differs.
    let failing = RULE_TESTS
        .replace("error_severity: high,", "error_severity: low,")
        .replace("drop: true", "sinks: [local]");
    workspace.write("rules.yaml", &format!("{RULES}tests:{failing}"));
    let output = workspace.run(&["test-rules", "-c", "sluice.yaml", "--tests"], b"");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  errors are enriched and routed (rules.yaml:20:5)\n      - `error_severity` is \"high\", expected \"low\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  debug outside the application is dropped (rules.yaml:24:5)\n      - the event was dropped"),
        "{stdout}"
    );
    assert!(stdout.contains("3 tests: 1 passed, 2 failed"), "{stdout}");
}

#[test]
fn rule_file_tests_are_checked_when_the_rules_load() {
    let workspace = workspace();
    workspace.write(
        "rules.yaml",
        &format!("{RULES}tests:\n  - input: x\n    sinks: [nowhere]\n  - input: y\n"),
    );
    let output = workspace.run(&["validate", "-c", "sluice.yaml"], b"");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "rules.yaml:21:13: test expects unknown sink `nowhere`; configured sinks: local"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "rules.yaml:22:5: a test needs at least one of `expect`, `absent`, `sinks` or `drop`"
        ),
        "{stderr}"
    );
}
