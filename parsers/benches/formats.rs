//! Criterion benches of the web and app formats on realistic lines:
//! `cargo bench -p sluice-parsers --bench formats`. Throughput is bytes of
//! input per second, one core, records built and dropped.

mod line_throughput;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use line_throughput::bench_lines;
use sluice_parsers::{
    parse_apache_access, parse_apache_error, parse_auto_at, parse_json, parse_klog_at, parse_kv,
    parse_logfmt, parse_nginx_access, FieldType, RegexParser, TimeFormat, TimeZone,
    TimestampReader,
};

const LINES: usize = 1_000;

/// Structured application logs as Go (zap), Java (logback JSON) and Node
/// (pino) services write them.
fn json_lines() -> Vec<String> {
    (0..LINES)
        .map(|n| match n % 3 {
            0 => format!(
                r#"{{"level":"info","ts":1795429741.{:06},"caller":"http/server.go:{}","msg":"request completed","method":"GET","path":"/api/v1/orders/{n}","status":200,"duration_ms":{}.{},"bytes":{},"request_id":"7f3c9a2e-1b4d-4e8f-9a6b-{n:012x}","user_agent":"Go-http-client/2.0"}}"#,
                n * 37 % 1_000_000, 100 + n % 80, n % 400, n % 10, 200 + n * 3
            ),
            1 => format!(
                r#"{{"@timestamp":"2026-11-23T10:29:{:02}.{:03}+00:00","@version":"1","message":"Payment {n} authorised for merchant m-{}","logger_name":"com.example.payments.AuthorisationService","thread_name":"http-nio-8080-exec-{}","level":"INFO","level_value":20000,"trace_id":"{n:032x}","span_id":"{:016x}","tenant":"eu-{}"}}"#,
                n % 60, n % 1000, n % 300, n % 16, n * 7919, n % 5
            ),
            _ => format!(
                r#"{{"level":50,"time":1795429741{:03},"pid":{},"hostname":"web-{}","req":{{"id":{n},"method":"POST","url":"/checkout","remoteAddress":"::ffff:10.1.{}.{}"}},"err":{{"type":"TimeoutError","message":"upstream timed out after 5000ms","stack":"TimeoutError: upstream timed out\n    at Timeout._onTimeout (/app/lib/client.js:88:15)"}},"msg":"request failed"}}"#,
                n % 1000, 4000 + n % 100, n % 12, n % 256, n % 200
            ),
        })
        .collect()
}

fn logfmt_lines() -> Vec<String> {
    (0..LINES)
        .map(|n| match n % 3 {
            0 => format!(
                r#"ts=2026-11-23T10:{:02}:{:02}.{:03}Z level=info caller=server.go:{} msg="request served" method=GET path=/api/v1/items/{n} status=200 duration_ms={}.{} request_id=7f3c9a2e-1b4d-4e8f-9a6b-{n:012x}"#,
                n % 60, n % 59, n % 1000, 100 + n % 50, n % 40, n % 10
            ),
            1 => format!(
                r#"at=info method=POST path="/checkout" host=shop.example.org request_id={n:08x}-6a83-4c12-8269-97c8e32cdb22 fwd="203.0.113.{}" dyno=web.{} connect=1ms service={}ms status=201 bytes={} protocol=https"#,
                n % 255, n % 8, n % 300, 200 + n
            ),
            _ => format!(
                r#"level=warn ts=2026-11-23T10:29:01.{:03}Z component=compactor msg="slow compaction \"block-{n}\"" tenant=team-{} took={}s retry"#,
                n % 1000, n % 20, n % 90
            ),
        })
        .collect()
}

fn nginx_lines() -> Vec<String> {
    let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "curl/8.5.0",
        "Debian APT-HTTP/1.3 (2.6.1)",
    ];
    (0..LINES)
        .map(|n| {
            let client = if n % 7 == 0 {
                format!("2001:db8::{:x}", n)
            } else {
                format!("198.51.{}.{}", n % 200, n % 250)
            };
            let referrer = if n % 3 == 0 {
                "-".to_owned()
            } else {
                format!("https://www.example.org/catalog?page={}", n % 9)
            };
            format!(
                r#"{client} - - [23/Nov/2026:10:{:02}:{:02} +0000] "GET /static/app.{n:x}.js?v={} HTTP/1.1" {} {} "{referrer}" "{}""#,
                n % 60,
                n % 59,
                n % 17,
                [200, 200, 304, 404][n % 4],
                1000 + n * 37,
                agents[n % agents.len()]
            )
        })
        .collect()
}

fn apache_error_lines() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/loghub2k/Apache/Apache_2k.log"
    ))
    .unwrap_or_default();
    let mut lines: Vec<String> = text.lines().take(LINES / 2).map(str::to_owned).collect();
    lines.extend((0..LINES / 2).map(|n| {
        format!(
            "[Mon Nov 23 10:29:{:02}.{:06} 2026] [core:error] [pid {}:tid 140245452765056] [client 203.0.113.{}:{}] AH00126: Invalid URI in request GET /{n} HTTP/1.1, referer: https://example.org/",
            n % 60, n, 1000 + n, n % 255, 30000 + n
        )
    }));
    lines
}

fn klog_lines() -> Vec<String> {
    (0..LINES)
        .map(|n| {
            format!(
                "{}1123 10:29:{:02}.{:06}    {} reflector.go:{}] k8s.io/client-go/informers/factory.go:150: watch of *v1.Pod ended with: too old resource version: {n}",
                ['I', 'W', 'E'][n % 3],
                n % 60,
                n,
                1 + n % 20,
                100 + n % 300
            )
        })
        .collect()
}

/// Generic `key=value` text as appliances and scripts write it, words
/// between the pairs.
fn kv_lines() -> Vec<String> {
    (0..LINES)
        .map(|n| match n % 2 {
            0 => format!(
                "date=2026-11-23 time=10:29:{:02} devname=fw-edge-{} logid=0000000013 type=traffic subtype=forward level=notice srcip=10.0.{}.{} srcport={} dstip=203.0.113.{} dstport=443 action=accept policyid={} sentbyte={} rcvdbyte={}",
                n % 60, n % 4, n % 256, n % 250, 30000 + n, n % 255, n % 90, 1200 + n * 3, 5400 + n * 7
            ),
            _ => format!(
                "backup finished: job=nightly-{n} host=db-{} duration={}s files={} status=ok note='incremental run'",
                n % 6, 100 + n % 900, 10_000 + n
            ),
        })
        .collect()
}

/// A user-defined parser for a logback pattern, with an int and a
/// `timestamp` capture read in a named zone.
fn java_app_lines() -> Vec<String> {
    let loggers = [
        "com.example.orders.OrderService",
        "org.hibernate.SQL",
        "com.example.web.RequestLogger",
    ];
    (0..LINES)
        .map(|n| {
            format!(
                "2026-11-23 10:{:02}:{:02},{:03} {} [http-nio-8080-exec-{}] {} - Processed order {n} in {} ms for customer c-{}",
                n % 60, n % 59, n % 1000, ["INFO", "WARN", "DEBUG"][n % 3], n % 16, loggers[n % loggers.len()], n % 700, n * 31
            )
        })
        .collect()
}

fn java_app_parser() -> RegexParser {
    let types = [
        ("time", FieldType::Timestamp),
        ("thread_id", FieldType::Int),
    ]
    .map(|(name, kind)| (name.to_owned(), kind))
    .into();
    let format = TimeFormat::new("%Y-%m-%d %H:%M:%S,%3f").expect("time format");
    let zone = TimeZone::from_name("Europe/Berlin").expect("zone");
    RegexParser::new(
        r"^(?P<time>\S+ \S+) (?P<level>[A-Z]+) +\[(?P<thread>[^\]]*?-(?P<thread_id>\d+))\] (?P<logger>\S+) - (?P<message>.*)$",
        types,
    )
    .expect("pattern")
    .with_timestamps(TimestampReader::new(Some(format), zone))
}

/// One line of every format `auto` detects, in turn (generic `kv` text
/// with words before its pairs is not among them).
fn mixed_lines() -> Vec<String> {
    let sets = [
        json_lines(),
        logfmt_lines(),
        nginx_lines(),
        apache_error_lines(),
        klog_lines(),
    ];
    (0..LINES)
        .map(|n| sets[n % sets.len()][n].clone())
        .collect()
}

fn formats(c: &mut Criterion) {
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().expect("reference time");
    let mut group = c.benchmark_group("formats");
    bench_lines(&mut group, "json", &json_lines(), |line| {
        parse_json(line).is_ok()
    });
    bench_lines(&mut group, "logfmt", &logfmt_lines(), |line| {
        parse_logfmt(line).is_ok()
    });
    bench_lines(&mut group, "nginx_access", &nginx_lines(), |line| {
        parse_nginx_access(line).is_ok()
    });
    bench_lines(&mut group, "apache_error", &apache_error_lines(), |line| {
        parse_apache_error(line).is_ok()
    });
    bench_lines(&mut group, "klog", &klog_lines(), |line| {
        parse_klog_at(line, now).is_ok()
    });
    bench_lines(&mut group, "kv", &kv_lines(), |line| parse_kv(line).is_ok());
    // Apache's access formats are nginx's lines with Apache's namespace.
    bench_lines(&mut group, "apache_access", &nginx_lines(), |line| {
        parse_apache_access(line).is_ok()
    });
    let java = java_app_parser();
    bench_lines(&mut group, "regex", &java_app_lines(), |line| {
        java.parse_at(line, now).is_ok()
    });
    bench_lines(&mut group, "auto", &mixed_lines(), |line| {
        parse_auto_at(line, now).is_ok_and(|record| record.len() > 1)
    });
    group.finish();
}

criterion_group!(benches, formats);
criterion_main!(benches);
