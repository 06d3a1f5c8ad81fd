//! `auto` picks the right parser: every fixture line that a specific format
//! accepts comes out of `auto` exactly as that format parses it, and
//! loghub's syslog and Apache lines are told apart.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sluice_parsers::{parse_auto_at, parse_format_at};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/parsers");
const LOGHUB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/loghub2k");

fn now() -> DateTime<Utc> {
    "2026-11-23T12:00:00Z".parse().expect("time")
}

/// What `auto` must give for `input`, which `format` accepted: Apache's
/// access format is nginx's, so those come out as `nginx_access`; auto
/// tells docker lines by their first key, so other key orders are JSON.
fn auto_equivalent<'a>(format: &'a str, input: &str) -> &'a str {
    match format {
        "apache_access" => "nginx_access",
        "docker" if !input.starts_with(r#"{"log":"#) => "json",
        other => other,
    }
}

#[test]
fn auto_matches_the_specific_parser_on_every_fixture_line() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let directories = [
        "json", "syslog", "nginx", "apache", "klog", "logfmt", "cri", "docker",
    ];
    for directory in directories {
        let text = std::fs::read_to_string(format!("{FIXTURES}/{directory}/cases.jsonl"))
            .expect("fixture file");
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).expect("fixture JSON");
            let (Some(input), Some(_)) = (case["input"].as_str(), case.get("expect")) else {
                continue;
            };
            if input.trim().is_empty() {
                continue; // auto keeps a blank line as an empty `message`
            }
            let format = case["format"].as_str().unwrap_or(directory);
            let format = match format {
                "nginx" if input.as_bytes().get(4) == Some(&b'/') => "nginx_error",
                "nginx" => "nginx_access",
                "apache" if input.starts_with('[') => "apache_error",
                "apache" => "apache_access",
                other => other,
            };
            let want = parse_format_at(auto_equivalent(format, input), input.as_bytes(), now())
                .expect("known format");
            let got = parse_auto_at(input.as_bytes(), now());
            checked += 1;
            if got.as_ref().ok() != want.as_ref().ok() {
                failures.push(format!(
                    "{directory}: {:?}\n  want {want:?}\n  got  {got:?}",
                    case["name"]
                ));
            }
        }
    }
    assert!(checked > 80, "only {checked} lines checked");
    assert!(
        failures.is_empty(),
        "{} of {checked}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn loghub_syslog_and_apache_lines_are_told_apart() {
    for (path, want_field) in [
        ("OpenSSH/OpenSSH_2k.log", "process.name"),
        ("Linux/Linux_2k.log", "host.hostname"),
        ("Apache/Apache_2k.log", "log.level"),
    ] {
        let text = std::fs::read(format!("{LOGHUB}/{path}")).expect("loghub sample");
        for line in text
            .split(|&byte| byte == b'\n')
            .filter(|line| !line.is_empty())
        {
            let record = parse_auto_at(line, now()).expect("auto never fails");
            assert!(
                record.contains_key("@timestamp") && record.contains_key(want_field),
                "{path}: {} -> {record:?}",
                String::from_utf8_lossy(line)
            );
        }
    }
}

#[test]
fn unknown_lines_are_kept_whole() {
    let record = parse_auto_at(b"just some words\r", now()).expect("auto never fails");
    assert_eq!(
        Value::Object(record),
        serde_json::json!({"message": "just some words"})
    );
}
