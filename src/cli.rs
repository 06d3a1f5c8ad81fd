//! The command line: `run`, `validate`, `test-rules`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config;
use crate::reload::Reloader;
use crate::topology::{self, Topology};
use sluice_rules::{Diagnostic, Severity};

/// sluice: ship logs through parse → mask → enrich → patterns → route.
#[derive(Debug, Parser)]
#[command(name = "sluice", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file. Default: ./sluice.yaml if present, else the
    /// built-in default (stdin → JSON → built-in PII/secret packs → files
    /// under ./data).
    #[arg(short, long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the pipeline until every input ends or SIGTERM/SIGINT arrives,
    /// then drain, commit checkpoints and exit 0. SIGHUP reloads the rule
    /// files (a broken one is reported and the running rules are kept).
    #[command(after_help = "Examples:\n  \
        sluice run -c examples/quickstart.yaml < fixtures/quickstart/app.ndjson\n  \
        echo '{\"level\":\"INFO\",\"password\":\"x\"}' | sluice run   # built-in default: writes ./data/indices/")]
    Run,

    /// Check the configuration and every rule file; print one
    /// `path:line:col: message` per problem; exit 0 when clean, 1 otherwise.
    #[command(after_help = "Example:\n  sluice validate -c examples/quickstart.yaml")]
    Validate,

    /// Run sample lines through parse, mask, enrich, patterns and route, and
    /// show the record after each stage, the rules that fired and the sinks
    /// chosen. Nothing is written anywhere.
    #[command(after_help = "Examples:\n  \
        sluice test-rules -c examples/quickstart.yaml fixtures/quickstart/app.ndjson\n  \
        echo '{\"email\":\"ana@example.com\"}' | sluice test-rules --format json")]
    TestRules {
        /// File of sample lines; `-` or absent reads stdin.
        #[arg(value_name = "INPUT")]
        input: Option<PathBuf>,
        /// Parse and tag the lines as this input would (default: the first).
        #[arg(long = "input", value_name = "NAME")]
        input_name: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Run the `tests:` cases of the rule files instead of sample lines;
        /// exit 1 when one fails.
        #[arg(long, conflicts_with = "input")]
        tests: bool,
    },
}

/// How `test-rules` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// One JSON object per line, for tools.
    Json,
}

/// Parses arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Run => run(cli.config.as_deref()),
        Command::Validate => validate(cli.config.as_deref()),
        Command::TestRules {
            input,
            input_name,
            format,
            tests,
        } => match load_topology(cli.config.as_deref()) {
            Ok(topology) if tests => {
                crate::test_rules::run_rule_tests(&topology, input_name.as_deref(), format)
            }
            Ok(topology) => {
                crate::test_rules::run(&topology, input.as_deref(), input_name.as_deref(), format)
            }
            Err(code) => code,
        },
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SLUICE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Loads and builds, printing every diagnostic; exit code 1 on errors.
fn load_topology(path: Option<&Path>) -> Result<Topology, ExitCode> {
    let built = config::load(path).and_then(|loaded| topology::build(&loaded));
    match built {
        Ok(topology) => {
            print_diagnostics(&topology.warnings);
            Ok(topology)
        }
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            Err(ExitCode::from(1))
        }
    }
}

/// Prints problems grouped by file (in order of first appearance), each
/// file's in line order.
fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let mut files: Vec<&str> = Vec::new();
    for diagnostic in diagnostics {
        if !files.contains(&&*diagnostic.file) {
            files.push(&diagnostic.file);
        }
    }
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|diagnostic| {
        let file_rank = files.iter().position(|file| *file == &*diagnostic.file);
        (file_rank, diagnostic.line, diagnostic.column)
    });
    for diagnostic in sorted {
        eprintln!("{diagnostic}");
    }
}

fn validate(path: Option<&Path>) -> ExitCode {
    match load_topology(path) {
        Ok(topology) => {
            let warnings = topology
                .warnings
                .iter()
                .filter(|diagnostic| diagnostic.severity == Severity::Warning)
                .count();
            println!(
                "configuration OK: {} input(s), {} sink(s), {} warning(s)",
                topology.inputs.len(),
                topology.sinks.len(),
                warnings
            );
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn run(path: Option<&Path>) -> ExitCode {
    let topology = match load_topology(path) {
        Ok(topology) => topology,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("sluice: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let config_path = path.map(Path::to_owned);
    let result = runtime.block_on(async {
        let shutdown = CancellationToken::new();
        let (updates, pipelines) = watch::channel(Arc::clone(&topology.pipeline));
        let reloader = Arc::new(Reloader::new(config_path, &topology, updates));
        tokio::spawn(watch_signals(shutdown.clone(), reloader));
        crate::runtime::run(topology, shutdown, pipelines).await
    });
    // The stdin reader may sit in a blocking read; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("sluice: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// SIGTERM or SIGINT start a graceful shutdown; SIGHUP reloads the rules.
async fn watch_signals(shutdown: CancellationToken, reloader: Arc<Reloader>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut terminate), Ok(mut interrupt), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            // Compiling rules is CPU work: keep it off the async workers.
            _ = hangup.recv() => {
                let reloader = Arc::clone(&reloader);
                tokio::task::spawn_blocking(move || reloader.reload());
            }
        }
    }
    tracing::info!("shutdown requested: draining");
    shutdown.cancel();
}
