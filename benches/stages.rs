//! Criterion micro-benchmarks of the pipeline stages on JSON application
//! logs shaped like the throughput workload (10% carry personal data).
//!
//! `cargo bench --bench stages`

use std::hint::black_box;
use std::sync::Arc;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sluice::pipeline::parse::{parse_line, LineParser, SourceInfo};
use sluice::pipeline::{DefaultRoute, LineAttrs, Lines, Pipeline};
use sluice_parsers::Record;
use sluice_rules::{packs, CompileContext, RuleSet, SourceFile};

const LINES: usize = 2_000;

fn sample_lines() -> Vec<String> {
    let messages = [
        "Request completed",
        "Cache miss for key session:{n}",
        "Database connection pool exhausted, retrying in 250ms",
        "Completion generated: {n} prompt tokens",
        "User u-{n} authenticated via OAuth",
    ];
    let personal = [
        "Password reset sent to jane.doe{n}@example.com",
        "Callback requested at +1 415-555-{n}",
        "Payment accepted with card 4111 1111 1111 1111",
    ];
    (0..LINES)
        .map(|n| {
            let message = if n % 10 == 0 {
                personal[n / 10 % personal.len()]
            } else {
                messages[n % messages.len()]
            }
            .replace("{n}", &format!("{:04}", n % 10_000));
            format!(
                r#"{{"timestamp":"2026-11-22T10:{:02}:{:02}.{:03}Z","level":"{}","logger":"api.handlers.chat","message":"{message}","trace_id":"{:032x}","span_id":"{:016x}","user_id":"u-{n}","request_id":"7f3c9a2e-1b4d-4e8f-9a6b-{:012x}","endpoint":"/v1/chat/completions","method":"POST","status_code":200,"response_time":{}.{},"ip_address":"10.0.{}.{}"}}"#,
                n / 60 % 60,
                n % 60,
                n % 1000,
                if n % 20 == 0 { "ERROR" } else { "INFO" },
                (n as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834),
                (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
                n,
                n % 900,
                n % 100,
                n % 256,
                n % 200,
            )
        })
        .collect()
}

fn builtin_rules() -> RuleSet {
    let files: Vec<SourceFile> = packs::PACKS
        .iter()
        .map(|(name, text)| SourceFile::new(format!("builtin:{name}"), *text))
        .collect();
    let sinks = ["local".to_owned()];
    RuleSet::compile(&files, &CompileContext::new(&sinks))
        .expect("built-in packs compile")
        .0
}

fn source() -> SourceInfo {
    SourceInfo {
        name: "bench".into(),
        tag: "claude.application".into(),
        parser: LineParser::Json,
        time_key: None,
        timestamps: Default::default(),
        fields: Record::new(),
    }
}

fn stages(c: &mut Criterion) {
    let lines = sample_lines();
    let bytes: usize = lines.iter().map(String::len).sum();
    let source = source();
    let now = Utc::now();
    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Bytes(bytes as u64));

    group.bench_function("parse_json", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(parse_line(
                    &source,
                    line.as_bytes(),
                    LineAttrs::default(),
                    now,
                ));
            }
        });
    });

    let rules = builtin_rules();
    let parsed: Vec<_> = lines
        .iter()
        .map(|line| parse_line(&source, line.as_bytes(), LineAttrs::default(), now).record)
        .collect();
    group.bench_function("mask_builtin_packs", |b| {
        b.iter_batched(
            || parsed.clone(),
            |mut records| {
                for record in &mut records {
                    rules.mask.apply(record, None);
                }
                records
            },
            BatchSize::LargeInput,
        );
    });

    let pipeline = Pipeline::new(
        builtin_rules(),
        vec![Arc::from("local")],
        DefaultRoute::Sinks(vec![0]),
    );
    let mut batch = Lines::default();
    for line in &lines {
        batch.push(line.as_bytes(), LineAttrs::default());
    }
    group.bench_function("all_stages", |b| {
        b.iter(|| black_box(pipeline.process(&source, &batch, now)));
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
