//! `sluice test-rules`: sample lines through every stage, shown step by step.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;
use serde_json::{json, Value};
use sluice_rules::{Target, TestOutcome};
use sluice_sinks::{Event, IndexTemplate};

use crate::cli::OutputFormat;
use crate::pipeline::parse::SourceInfo;
use crate::pipeline::{Resolution, Trace};
use crate::topology::Topology;

/// Runs the command; exit 1 on unreadable input or an unknown input name.
pub fn run(
    topology: &Topology,
    input: Option<&Path>,
    input_name: Option<&str>,
    format: OutputFormat,
) -> ExitCode {
    let Some(source) = chosen_input(topology, input_name) else {
        return ExitCode::from(1);
    };
    let reader: Box<dyn Read> = match input {
        None => Box::new(std::io::stdin()),
        Some(path) if path == Path::new("-") => Box::new(std::io::stdin()),
        Some(path) => match std::fs::File::open(path) {
            Ok(file) => Box::new(file),
            Err(err) => {
                eprintln!("sluice: cannot read {}: {err}", path.display());
                return ExitCode::from(1);
            }
        },
    };
    let mut out = std::io::stdout().lock();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(err) => {
                eprintln!("sluice: reading input failed: {err}");
                return ExitCode::from(1);
            }
        }
        let trimmed = line.strip_suffix(b"\n").unwrap_or(&line);
        let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
        if trimmed.is_empty() {
            continue;
        }
        number += 1;
        let (event, resolution, trace) = topology.pipeline.trace(source, trimmed, Utc::now());
        let sinks = chosen_sinks(topology, &event, &resolution);
        let written = match format {
            OutputFormat::Json => writeln!(
                out,
                "{}",
                as_json(number, trimmed, &event, &resolution, &trace, &sinks)
            ),
            OutputFormat::Text => {
                write_text(&mut out, number, trimmed, &resolution, &trace, &sinks)
            }
        };
        if written.is_err() {
            return ExitCode::SUCCESS; // stdout closed (piped into head)
        }
    }
    ExitCode::SUCCESS
}

/// The input named on the command line, or the first; `None` (reported)
/// when there is no such input.
fn chosen_input<'a>(topology: &'a Topology, input_name: Option<&str>) -> Option<&'a SourceInfo> {
    let source = match input_name {
        None => topology.inputs.first(),
        Some(name) => topology
            .inputs
            .iter()
            .find(|spec| &*spec.source.name == name),
    };
    if source.is_none() {
        let names: Vec<&str> = topology
            .inputs
            .iter()
            .map(|spec| &*spec.source.name)
            .collect();
        eprintln!(
            "sluice: no input named `{}`; inputs: {}",
            input_name.unwrap_or(""),
            names.join(", ")
        );
    }
    source.map(|spec| &*spec.source)
}

/// Runs the rule files' `tests:` cases through the whole pipeline as the
/// chosen input would; exit 1 when a case fails or there are none.
pub fn run_rule_tests(
    topology: &Topology,
    input_name: Option<&str>,
    format: OutputFormat,
) -> ExitCode {
    let Some(input) = chosen_input(topology, input_name) else {
        return ExitCode::from(1);
    };
    let tests = &topology.pipeline.rules().tests;
    if tests.is_empty() {
        eprintln!("sluice: the rule files hold no `tests:` cases");
        return ExitCode::from(1);
    }
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for test in tests {
        let mut source = input.clone();
        if let Some(tag) = &test.tag {
            source.tag = tag.as_str().into();
        }
        let (event, resolution, _) =
            topology
                .pipeline
                .trace(&source, test.input.as_bytes(), Utc::now());
        let outcome = match &resolution {
            Resolution::Deliver(_) => TestOutcome::Delivered(
                chosen_sinks(topology, &event, &resolution)
                    .into_iter()
                    .map(|(sink, _)| sink)
                    .collect(),
            ),
            Resolution::Drop(_) => TestOutcome::Dropped,
            Resolution::DeadLetter(reason) => TestOutcome::DeadLettered(reason.clone()),
        };
        let failures = test.failures(&event.record, &outcome);
        failed += usize::from(!failures.is_empty());
        let written = match format {
            OutputFormat::Json => writeln!(
                out,
                "{}",
                json!({
                    "test": test.name,
                    "location": test.location,
                    "passed": failures.is_empty(),
                    "failures": failures,
                    "record": event.record,
                })
            ),
            OutputFormat::Text if failures.is_empty() => {
                writeln!(out, "PASS  {} ({})", test.name, test.location)
            }
            OutputFormat::Text => writeln!(
                out,
                "FAIL  {} ({})\n{}",
                test.name,
                test.location,
                failures
                    .iter()
                    .map(|failure| format!("      - {failure}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        };
        if written.is_err() {
            break; // stdout closed; the exit code still tells
        }
    }
    let summary = format!(
        "{} tests: {} passed, {failed} failed",
        tests.len(),
        tests.len() - failed
    );
    match format {
        OutputFormat::Json => eprintln!("sluice: {summary}"),
        OutputFormat::Text => {
            let _ = writeln!(out, "{summary}");
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `(sink, index)` pairs; the index is rendered for the event's time.
fn chosen_sinks(
    topology: &Topology,
    event: &Event,
    resolution: &Resolution,
) -> Vec<(String, Option<String>)> {
    let Resolution::Deliver(targets) = resolution else {
        return Vec::new();
    };
    targets
        .iter()
        .map(|Target { sink, index }| {
            let name = topology
                .sinks
                .get(*sink)
                .map_or_else(|| "?".to_owned(), |spec| spec.name.to_string());
            let index_name = index
                .as_deref()
                .and_then(|template| IndexTemplate::parse(template).ok())
                .map(|template| template.render(event.time));
            (name, index_name)
        })
        .collect()
}

fn outcome_text(resolution: &Resolution, sinks: &[(String, Option<String>)]) -> String {
    match resolution {
        Resolution::Deliver(_) => sinks
            .iter()
            .map(|(sink, index)| match index {
                Some(index) => format!("{sink} (index {index})"),
                None => sink.clone(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Resolution::Drop(route) => format!("dropped by route {route}"),
        Resolution::DeadLetter(reason) => format!("dead letter: {reason}"),
    }
}

fn write_text(
    out: &mut impl Write,
    number: usize,
    line: &[u8],
    resolution: &Resolution,
    trace: &Trace,
    sinks: &[(String, Option<String>)],
) -> std::io::Result<()> {
    writeln!(out, "line {number}: {}", String::from_utf8_lossy(line))?;
    let mut previous: Option<&sluice_parsers::Record> = None;
    for (stage, record) in &trace.stages {
        let fired = match *stage {
            "mask" if !trace.mask_fired.is_empty() => {
                format!("   [fired: {}]", trace.mask_fired.join(", "))
            }
            "enrich" if trace.enrich_fired > 0 => {
                format!("   [{} rule(s) fired]", trace.enrich_fired)
            }
            "patterns" if !trace.patterns.is_empty() => {
                format!("   [matched: {}]", trace.patterns.join(", "))
            }
            _ => String::new(),
        };
        let shown = match previous {
            None => Value::Object(record.clone()).to_string(),
            Some(before) => describe_changes(before, record),
        };
        writeln!(out, "  {stage:<9}{shown}{fired}")?;
        previous = Some(record);
    }
    let routes = if trace.routes.is_empty() {
        "no route matched".to_owned()
    } else {
        format!("routes: {}", trace.routes.join(", "))
    };
    writeln!(
        out,
        "  {:<9}{} -> {}",
        "route",
        routes,
        outcome_text(resolution, sinks)
    )?;
    writeln!(out)
}

/// Top-level field changes between two stages: `+ added`, `~ changed`,
/// `- removed`; nested changes show the whole new value.
fn describe_changes(before: &sluice_parsers::Record, after: &sluice_parsers::Record) -> String {
    let mut changes = Vec::new();
    for (key, value) in after {
        match before.get(key) {
            None => changes.push(format!("+ {key}: {value}")),
            Some(old) if old != value => changes.push(format!("~ {key}: {old} -> {value}")),
            Some(_) => {}
        }
    }
    changes.extend(
        before
            .keys()
            .filter(|key| !after.contains_key(*key))
            .map(|key| format!("- {key}")),
    );
    if changes.is_empty() {
        "(unchanged)".to_owned()
    } else {
        changes.join("; ")
    }
}

fn as_json(
    number: usize,
    line: &[u8],
    event: &Event,
    resolution: &Resolution,
    trace: &Trace,
    sinks: &[(String, Option<String>)],
) -> Value {
    let stages: serde_json::Map<String, Value> = trace
        .stages
        .iter()
        .map(|(stage, record)| ((*stage).to_owned(), Value::Object(record.clone())))
        .collect();
    let (outcome, reason) = match resolution {
        Resolution::Deliver(_) => ("deliver", None),
        Resolution::Drop(route) => ("drop", Some(route.to_string())),
        Resolution::DeadLetter(reason) => ("dead_letter", Some(reason.clone())),
    };
    json!({
        "line": number,
        "input": String::from_utf8_lossy(line),
        "tag": &*event.tag,
        "time": event.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "stages": stages,
        "fired": {
            "mask": trace.mask_fired,
            "enrich": trace.enrich_fired,
            "patterns": trace.patterns,
            "routes": trace.routes,
        },
        "outcome": outcome,
        "reason": reason,
        "sinks": sinks.iter().map(|(sink, index)| json!({"sink": sink, "index": index})).collect::<Vec<_>>(),
    })
}
