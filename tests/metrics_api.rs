//! `/health`, `/ready` and `/metrics`: the metrics page parses with the
//! official Prometheus Python client and its counters match what was sent.

mod support;

use std::io::Write;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use support::{http_get, run_python, wait_until, wait_with_timeout, Workspace};

/// Parses Prometheus text with `prometheus_client.parser` and prints every
/// sample as JSON: [name, labels, value].
const PARSE_WITH_PROMETHEUS_CLIENT: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        samples.append([sample.name, sample.labels, sample.value])
print(json.dumps(samples))
"#;

const RULES: &str = r#"
patterns:
  - name: authentication_failure
    regex: 'Authentication failed'
    severity: medium
routes:
  - when: { level: DEBUG }
    drop: true
  - match: "app.**"
    to: [local]
"#;

fn sample(samples: &[Value], name: &str, label: (&str, &str)) -> Option<f64> {
    samples
        .iter()
        .find(|entry| entry[0] == name && entry[1][label.0] == label.1)
        .and_then(|entry| entry[2].as_f64())
}

#[test]
fn metrics_parse_as_prometheus_text_and_match_the_events_sent() {
    let workspace = Workspace::new();
    workspace.write("rules.yaml", RULES);
    let port = support::free_port();
    let config = workspace.write(
        "sluice.yaml",
        &format!(
            "data_dir: data\napi:\n  listen: 127.0.0.1:{port}\ninputs:\n  web:\n    type: stdin\n    tag: app.web\nrules: [rules.yaml]\nsinks:\n  local:\n    type: file\n"
        ),
    );
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut child = workspace.start(&config, Stdio::null(), Stdio::piped());

    wait_until(Duration::from_secs(30), "/ready", || {
        http_get(address, "/ready").is_some_and(|(status, _)| status == 200)
    });
    assert_eq!(
        http_get(address, "/health").map(|(status, _)| status),
        Some(200)
    );

    // 100 INFO (4 of them auth failures), 20 DEBUG (dropped), 5 plain text.
    let mut input = String::new();
    for n in 0..100 {
        let message = if n % 25 == 0 {
            "Authentication failed for user x"
        } else {
            "ok"
        };
        input += &format!("{{\"level\":\"INFO\",\"n\":{n},\"message\":\"{message}\"}}\n");
    }
    for n in 0..20 {
        input += &format!("{{\"level\":\"DEBUG\",\"n\":{n}}}\n");
    }
    for n in 0..5 {
        input += &format!("plain line {n}\n");
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    stdin.flush().unwrap();

    let scrape = || -> Vec<Value> {
        let (_, body) = http_get(address, "/metrics").expect("metrics reachable");
        serde_json::from_str(&run_python(PARSE_WITH_PROMETHEUS_CLIENT, &body))
            .expect("parser output")
    };
    wait_until(Duration::from_secs(30), "all events counted", || {
        sample(&scrape(), "sluice_events_out_total", ("component", "local")) == Some(105.0)
    });
    let samples = scrape();
    let line_bytes: usize = input.lines().map(str::len).sum();
    assert_eq!(
        sample(&samples, "sluice_events_in_total", ("component", "web")),
        Some(125.0)
    );
    assert_eq!(
        sample(&samples, "sluice_bytes_in_total", ("component", "web")),
        Some(line_bytes as f64)
    );
    assert_eq!(
        sample(&samples, "sluice_events_out_total", ("component", "local")),
        Some(105.0)
    );
    assert_eq!(
        sample(
            &samples,
            "sluice_events_dropped_total",
            ("reason", "drop_route")
        ),
        Some(20.0)
    );
    assert_eq!(
        sample(&samples, "sluice_parse_errors_total", ("component", "web")),
        Some(5.0)
    );
    assert_eq!(
        sample(
            &samples,
            "sluice_events_dead_lettered_total",
            ("component", "router")
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &samples,
            "sluice_pattern_matches_total",
            ("pattern", "authentication_failure")
        ),
        Some(4.0)
    );
    assert_eq!(
        sample(&samples, "sluice_queue_depth", ("queue", "stages")),
        Some(0.0)
    );

    drop(stdin);
    let output = wait_with_timeout(child, Duration::from_secs(30));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(workspace.indexed_lines().len(), 105);
}
