//! Criterion benches of container log lines (CRI and docker json-file) on
//! realistic lines: `cargo bench -p sluice-parsers --bench container`.
//! Throughput is bytes of input per second, one core. `cri` and `docker`
//! decode the envelope only, as the Kubernetes input does before joining
//! partial lines; `*_record` also build the record, as `parser: cri` does.

mod line_throughput;

use criterion::{criterion_group, criterion_main, Criterion};
use line_throughput::bench_lines;
use sluice_parsers::{parse_cri, parse_cri_record, parse_docker, parse_docker_record};

const LINES: usize = 1_000;

/// What applications on a node write: a Go service's JSON (zap), a
/// Kubernetes component's klog, an nginx access line, a Java stack frame.
fn application_line(n: usize) -> String {
    match n % 4 {
        0 => format!(
            r#"{{"level":"info","ts":1795429741.{:06},"caller":"http/server.go:{}","msg":"request completed","method":"GET","path":"/api/v1/orders/{n}","status":200,"duration_ms":{}.{}}}"#,
            n * 37 % 1_000_000,
            100 + n % 80,
            n % 400,
            n % 10
        ),
        1 => format!(
            "I1123 10:29:{:02}.{:06}       1 reflector.go:{}] Listing and watching *v1.Pod from k8s.io/client-go/informers/factory.go:150",
            n % 60,
            n * 7 % 1_000_000,
            200 + n % 100
        ),
        2 => format!(
            r#"10.244.{}.{} - - [23/Nov/2026:10:29:{:02} +0000] "GET /static/app.{n:x}.js HTTP/1.1" 200 {} "https://shop.example.org/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36""#,
            n % 8,
            n % 250,
            n % 60,
            1000 + n * 13
        ),
        _ => format!(
            "\tat com.example.payments.AuthorisationService.authorise(AuthorisationService.java:{})",
            40 + n % 300
        ),
    }
}

fn time(n: usize) -> String {
    format!(
        "2026-11-23T10:29:{:02}.{:09}Z",
        n % 60,
        n * 7919 % 1_000_000_000
    )
}

/// containerd lines; every tenth a partial piece, a third on stderr.
fn cri_lines() -> Vec<String> {
    (0..LINES)
        .map(|n| {
            let stream = if n % 3 == 0 { "stderr" } else { "stdout" };
            let tag = if n % 10 == 9 { "P" } else { "F" };
            format!("{} {stream} {tag} {}", time(n), application_line(n))
        })
        .collect()
}

/// json-file lines, escaped as docker writes them (`"` and `\t` escaped,
/// `<`, `>` and `&` as `\u003c`…), every tenth without its newline.
fn docker_lines() -> Vec<String> {
    (0..LINES)
        .map(|n| {
            let stream = if n % 3 == 0 { "stderr" } else { "stdout" };
            let mut log = application_line(n);
            if n % 10 != 9 {
                log.push('\n');
            }
            let log = serde_json::to_string(&log)
                .expect("a string serialises")
                .replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026");
            format!(
                r#"{{"log":{log},"stream":"{stream}","time":"{}"}}"#,
                time(n)
            )
        })
        .collect()
}

fn container(c: &mut Criterion) {
    let cri = cri_lines();
    let docker = docker_lines();
    let mut group = c.benchmark_group("container");
    bench_lines(&mut group, "cri", &cri, |line| parse_cri(line).is_ok());
    bench_lines(&mut group, "cri_record", &cri, |line| {
        parse_cri_record(line).is_ok()
    });
    bench_lines(&mut group, "docker", &docker, |line| {
        parse_docker(line).is_ok()
    });
    bench_lines(&mut group, "docker_record", &docker, |line| {
        parse_docker_record(line).is_ok()
    });
    group.finish();
}

criterion_group!(benches, container);
criterion_main!(benches);
