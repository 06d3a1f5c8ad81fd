//! A broken config or rule file gives `path:line:col: message` and exit 1,
//! never a panic. Each case pins the exact first line of every message.

mod support;

use support::Workspace;

/// Writes `files`, runs `sluice COMMAND -c sluice.yaml`, and returns the
/// diagnostic headlines (lines that start with a file name).
fn headlines(command: &str, files: &[(&str, &str)]) -> Vec<String> {
    let workspace = Workspace::new();
    for (name, text) in files {
        workspace.write(name, text);
    }
    let output = workspace.run(&[command, "-c", "sluice.yaml"], b"");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "exit code; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    stderr
        .lines()
        .filter(|line| {
            names
                .iter()
                .any(|name| line.starts_with(&format!("{name}:")))
        })
        .map(str::to_owned)
        .collect()
}

const STDIN_TO_FILE: &str = "inputs:\n  app:\n    type: stdin\nsinks:\n  local:\n    type: file\n";

/// Headlines from validating a stdin-to-file config that loads `rules.yaml`.
fn rule_file_headlines(rules: &str) -> Vec<String> {
    headlines(
        "validate",
        &[
            ("rules.yaml", rules),
            (
                "sluice.yaml",
                &format!("{STDIN_TO_FILE}rules: [rules.yaml]\n"),
            ),
        ],
    )
}

#[test]
fn unknown_top_level_key() {
    assert_eq!(
        headlines("validate", &[("sluice.yaml", "data_dir: data\ninptus:\n  app:\n    type: stdin\n")]),
        ["sluice.yaml:2:1: unknown field `inptus`, expected one of data_dir, api, inputs, parsers, rules, sinks, default_sinks, pipeline"]
    );
}

#[test]
fn unknown_key_inside_an_input_points_at_that_key() {
    let config = "inputs:\n  app:\n    type: tail\n    paths: [x.log]\n    pathz: [y]\nsinks:\n  local:\n    type: file\n";
    assert_eq!(
        headlines("validate", &[("sluice.yaml", config)]),
        ["sluice.yaml:5:5: unknown field `pathz`, expected one of paths, exclude, tag, parser, time_key, time_format, timezone, read_from, max_line_bytes, multiline, files"]
    );
}

#[test]
fn bad_regex_in_a_rule_file_points_inside_the_pattern() {
    let rules = "patterns:\n  - name: p\n    regex: \"ok(unclosed\"\n";
    assert_eq!(
        rule_file_headlines(rules),
        ["rules.yaml:3:15: invalid regex: unclosed group"]
    );
}

#[test]
fn route_to_unknown_sink() {
    let rules = "routes:\n  - match: \"claude.**\"\n    to: [local, es]\n";
    assert_eq!(
        rule_file_headlines(rules),
        ["rules.yaml:3:17: route to unknown sink `es`; configured sinks: local"]
    );
}

#[test]
fn yaml_syntax_error() {
    assert_eq!(
        headlines(
            "validate",
            &[(
                "sluice.yaml",
                "inputs:\n  app:\n    type: stdin\n  sinks: [\n"
            )]
        ),
        ["sluice.yaml:4:10: unclosed bracket '['"]
    );
}

#[test]
fn run_refuses_a_broken_config_the_same_way() {
    assert_eq!(
        headlines(
            "run",
            &[(
                "sluice.yaml",
                "inputs:\n  app: {type: stdin, parser: cobol}\nsinks:\n  local: {type: file}\n"
            )]
        ),
        ["sluice.yaml:2:30: unknown parser `cobol`; available: none, json, logfmt, kv, nginx, nginx_access, nginx_error, apache, apache_access, apache_error, klog, syslog, cri, docker, auto"]
    );
}

#[test]
fn every_problem_is_reported_in_file_order() {
    let config = "inputs:\n  app:\n    type: stdin\nrules: [missing.yaml, \"builtin:nope\"]\nsinks:\n  local:\n    type: file\n    index: \"x-%Q\"\napi:\n  listen: \"localhost\"\n";
    assert_eq!(
        headlines("validate", &[("sluice.yaml", config)]),
        [
            "sluice.yaml:4:9: cannot read rule file missing.yaml: No such file or directory (os error 2)",
            "sluice.yaml:4:23: unknown built-in rule pack `nope`; available: pii, secrets",
            "sluice.yaml:8:12: index `x-%Q`: invalid strftime directive (use %Y, %m, %d, %H, ...)",
            "sluice.yaml:10:11: invalid listen address `localhost`: invalid socket address syntax (want host:port)",
        ]
    );
}

#[test]
fn hash_key_from_an_unset_environment_variable() {
    let rules = "mask:\n  - name: ids\n    pattern: 'EMP-\\d{6}'\n    action: hash\n    key_env: SLUICE_TEST_UNSET_KEY\n";
    assert_eq!(
        rule_file_headlines(rules),
        ["rules.yaml:5:14: environment variable `SLUICE_TEST_UNSET_KEY` is not set or empty"]
    );
}

#[test]
fn caret_sits_under_the_offending_column() {
    let workspace = Workspace::new();
    workspace.write(
        "rules.yaml",
        "patterns:\n  - name: p\n    regex: \"ok(unclosed\"\n",
    );
    workspace.write(
        "sluice.yaml",
        &format!("{STDIN_TO_FILE}rules: [rules.yaml]\n"),
    );
    let output = workspace.run(&["validate", "-c", "sluice.yaml"], b"");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("3 |     regex: \"ok(unclosed\"\n  |               ^"),
        "{stderr}"
    );
}

#[test]
fn clean_config_validates() {
    let workspace = Workspace::new();
    let examples =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.yaml");
    let output = workspace.run(&["validate", "-c", examples.to_str().unwrap()], b"");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "configuration OK: 1 input(s), 1 sink(s), 0 warning(s)\n"
    );
}

#[test]
fn file_input_mistakes_point_at_the_offending_value() {
    let config = "inputs:\n  app:\n    type: tail\n    paths: [\"/tmp/*.log\"]\n    multiline: { start: '^(\\d+' }\n  java:\n    type: tail\n    paths: [\"/tmp/*.log\"]\n    multiline: { preset: cobol }\n  pods:\n    type: kubernetes\n    tag: \"kube.{namespace}.{podname}\"\nsinks:\n  local:\n    type: file\n";
    assert_eq!(
        headlines("validate", &[("sluice.yaml", config)]),
        [
            "sluice.yaml:5:16: invalid multiline `start` pattern: regex parse error:",
            "sluice.yaml:9:16: unknown multiline preset `cobol`; available: java, python, go",
            "sluice.yaml:12:10: unknown placeholder `{podname}` in tag template; available: {namespace}, {pod}, {pod_uid}, {container}, {container_id}",
        ]
    );
}

#[test]
fn the_daemonset_config_in_deploy_validates() {
    let config =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes/base/sluice.yaml");
    let output = support::sluice()
        .args(["validate", "-c"])
        .arg(&config)
        .output()
        .expect("run sluice validate");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn time_zones_and_time_formats_are_checked_where_they_are_written() {
    let config = r#"inputs:
  app:
    type: stdin
    parser: my_app
    time_format: "%Y-%m-%d %Q"
    timezone: Europe/Berln
  files:
    type: tail
    paths: ["/tmp/*.log"]
    timezone: "+25:00"
parsers:
  my_app:
    regex: '^(?P<ts>\S+ \S+) (?P<message>.*)$'
    types: { ts: timestamp, n: decimal }
    time_key: ts
    time_format: "%H:%M:%S"
    timezone: CEST
sinks:
  local:
    type: file
"#;
    let use_zone =
        "use UTC, local, an offset such as +02:00, or an IANA name such as Europe/Berlin";
    assert_eq!(
        headlines("validate", &[("sluice.yaml", config)]),
        [
            "sluice.yaml:5:18: invalid time format `%Y-%m-%d %Q`: `%Q` is not a strftime directive chrono knows".to_owned(),
            format!("sluice.yaml:6:15: unknown time zone `Europe/Berln`; {use_zone}"),
            format!("sluice.yaml:10:15: unknown time zone `+25:00`; {use_zone}"),
            "sluice.yaml:14:32: unknown type `decimal`; use int, float, bool, timestamp".to_owned(),
            "sluice.yaml:16:18: invalid time format `%H:%M:%S`: it does not give a full date and time (needs at least a month, a day, an hour and a minute; a missing year is inferred)".to_owned(),
            format!("sluice.yaml:17:15: unknown time zone `CEST`; {use_zone}"),
        ]
    );
}
