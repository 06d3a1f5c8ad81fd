//! End-to-end throughput of `sluice run`.
//!
//! A deterministic workload of application logs (about 10% carrying personal
//! data) is fed on stdin to the release binary, configured with the built-in
//! PII and secrets rules and the file sink. The harness reports wall time,
//! CPU time and peak RSS of the sluice process itself (via `wait4`), then
//! checks that every event reached the output and that card numbers were
//! masked.
//!
//! Settings come from the environment because `cargo bench` passes its own
//! arguments (`--bench`, filters), which this harness ignores:
//! - `SLUICE_BENCH_LINES`: workload size in events (default 1,000,000);
//! - `SLUICE_BENCH_RUNS`: how many times to run sluice over it (default 1);
//! - `SLUICE_BENCH_INPUT`: `stdin` (default) or `tail`. With `tail`, sluice
//!   follows the workload file instead, and the clock stops when its
//!   checkpoint reaches the end of the file (every event acknowledged).
//!
//! The workload is cached as `target/bench-data/throughput-workload.ndjson`
//! and regenerated only when its line count differs, so delete it after
//! changing the generator.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::Serialize;
use sluice_rules::detectors::{luhn_check_digit, luhn_valid};

const DEFAULT_LINES: u64 = 1_000_000;
const DEFAULT_RUNS: u64 = 1;
const WORKLOAD_FILE: &str = "throughput-workload.ndjson";
const WORKLOAD_SEED: u64 = 0x5EED_2026_1122_0001;
const CARD_POOL_SEED: u64 = 0xCA2D_5EED_0000_0016;
/// Distinct card numbers in the workload; all of them are spot-checked.
const CARD_POOL_SIZE: usize = 64;
/// Share of events with an email, phone or card number in the message.
const PERSONAL_DATA_PERCENT: u64 = 10;
/// Timestamps spread over two days from the workload start.
const WORKLOAD_SPAN_MILLIS: u64 = 2 * 24 * 60 * 60 * 1000;
/// `dddd dddd dddd dddd`: how the workload writes card numbers.
const CARD_TEXT_LEN: usize = 19;
/// What `builtin:pii` writes in place of a card number.
const CARD_REDACTED: &[u8] = b"[CARD REDACTED]";
const MB: f64 = 1_000_000.0;

fn main() -> ExitCode {
    match run_benchmark() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_benchmark() -> Result<(), String> {
    let settings = Settings::from_env()?;
    let cards = card_pool();
    let card_set: HashSet<&[u8]> = cards.iter().map(String::as_bytes).collect();
    let workload = prepare_workload(settings.lines, &cards, &card_set);
    let binary = Path::new(env!("CARGO_BIN_EXE_sluice"));

    let mut results = Vec::new();
    for run in 1..=settings.runs {
        let result = bench_once(binary, &workload, &card_set, settings.input)?;
        let input = match settings.input {
            InputKind::Stdin => "stdin",
            InputKind::Tail => "tail",
        };
        let label = if settings.runs == 1 {
            format!(" ({input})")
        } else {
            format!(" ({input}, run {run}/{})", settings.runs)
        };
        print_report(&label, &workload, &result);
        results.push(result);
    }
    if results.len() > 1 {
        print_best(&workload, &results);
    }
    Ok(())
}

/// Benchmark settings read from the environment.
struct Settings {
    lines: u64,
    runs: u64,
    input: InputKind,
}

/// How the workload reaches sluice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputKind {
    Stdin,
    Tail,
}

impl Settings {
    fn from_env() -> Result<Self, String> {
        let input = match std::env::var("SLUICE_BENCH_INPUT").as_deref() {
            Err(_) | Ok("stdin") => InputKind::Stdin,
            Ok("tail") => InputKind::Tail,
            Ok(other) => {
                return Err(format!(
                    "SLUICE_BENCH_INPUT must be stdin or tail, got {other:?}"
                ))
            }
        };
        Ok(Self {
            lines: positive_env("SLUICE_BENCH_LINES", DEFAULT_LINES)?,
            runs: positive_env("SLUICE_BENCH_RUNS", DEFAULT_RUNS)?,
            input,
        })
    }
}

/// A positive integer from the environment (`1_000_000` is accepted).
fn positive_env(name: &str, default: u64) -> Result<u64, String> {
    let text = match std::env::var(name) {
        Ok(text) => text,
        Err(std::env::VarError::NotPresent) => return Ok(default),
        Err(err) => return Err(format!("{name}: {err}")),
    };
    match text.trim().replace('_', "").parse::<u64>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(format!("{name} must be a positive integer, got {text:?}")),
    }
}

// ---------------------------------------------------------------------------
// Workload file
// ---------------------------------------------------------------------------

/// The input fed to sluice, and what it contains.
struct Workload {
    path: PathBuf,
    bytes: u64,
    contents: TextStats,
}

/// `target/bench-data`, honouring `CARGO_TARGET_DIR`.
fn bench_data_dir() -> PathBuf {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    target_dir.join("bench-data")
}

/// Reuses the cached workload when it has the requested line count,
/// otherwise generates it.
fn prepare_workload(lines: u64, cards: &[String], card_set: &HashSet<&[u8]>) -> Workload {
    let dir = bench_data_dir();
    fs::create_dir_all(&dir).unwrap_or_else(|err| panic!("cannot create {}: {err}", dir.display()));
    let path = dir.join(WORKLOAD_FILE);

    let cached = path
        .exists()
        .then(|| scan_files(std::slice::from_ref(&path), card_set));
    let contents = match cached {
        Some(stats) if stats.lines == lines => {
            println!("reusing workload {}", path.display());
            stats
        }
        _ => {
            generate_workload(&path, lines, cards);
            scan_files(std::slice::from_ref(&path), card_set)
        }
    };
    let bytes = fs::metadata(&path)
        .unwrap_or_else(|err| panic!("cannot stat {}: {err}", path.display()))
        .len();
    println!(
        "workload: {} events, {:.1} MB, average line {:.1} bytes, {} card numbers",
        contents.lines,
        bytes as f64 / MB,
        bytes as f64 / contents.lines as f64,
        contents.clear_cards,
    );
    Workload {
        path,
        bytes,
        contents,
    }
}

fn generate_workload(path: &Path, lines: u64, cards: &[String]) {
    println!("generating {lines} events into {}", path.display());
    let started = Instant::now();
    // Written aside and renamed, so an interrupted run never leaves a
    // truncated file that could pass for the workload.
    let partial = path.with_extension("ndjson.partial");
    let file = File::create(&partial)
        .unwrap_or_else(|err| panic!("cannot create {}: {err}", partial.display()));
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut generator = LogGenerator::new(lines, cards);
    for index in 0..lines {
        let line = generator.line(index);
        serde_json::to_writer(&mut out, &line).expect("serialising a log line into a file");
        out.write_all(b"\n").expect("writing the workload");
    }
    out.flush().expect("flushing the workload");
    fs::rename(&partial, path).expect("renaming the finished workload into place");
    println!("generated in {:.2} s", started.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------
// Log line generator
// ---------------------------------------------------------------------------

/// SplitMix64: tiny and deterministic, plenty for varied-looking logs.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (multiply-shift; the bias is negligible here).
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    fn between(&mut self, low: u64, high_inclusive: u64) -> u64 {
        low + self.below(high_inclusive - low + 1)
    }

    fn percent(&mut self, chance: u64) -> bool {
        self.below(100) < chance
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, digits: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..digits)
            .map(|_| char::from(HEX[self.below(16) as usize]))
            .collect()
    }
}

#[derive(Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

/// One workload line; field order is the JSON order.
#[derive(Serialize)]
struct LogLine {
    timestamp: String,
    level: Level,
    logger: &'static str,
    message: String,
    trace_id: String,
    span_id: String,
    user_id: String,
    request_id: String,
    endpoint: &'static str,
    method: &'static str,
    status_code: u16,
    response_time: f64,
    ip_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

/// What a message template produces.
struct Message {
    level: Level,
    logger: &'static str,
    text: String,
    /// Some personal-data events also carry the address as a field.
    email_field: Option<String>,
}

impl Message {
    fn new(level: Level, logger: &'static str, text: impl Into<String>) -> Self {
        Self {
            level,
            logger,
            text: text.into(),
            email_field: None,
        }
    }
}

const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/embeddings"),
    ("GET", "/v1/models"),
    ("GET", "/v1/users/me"),
    ("POST", "/v1/auth/login"),
    ("GET", "/v1/billing/invoices"),
    ("PUT", "/v1/users/me/preferences"),
    ("DELETE", "/v1/files/{file_id}"),
];
const FIRST_NAMES: &[&str] = &[
    "jane", "john", "maria", "wei", "fatima", "lucas", "aiko", "omar", "priya", "sven",
];
const LAST_NAMES: &[&str] = &[
    "doe", "smith", "garcia", "chen", "khan", "silva", "tanaka", "haddad", "patel", "berg",
];
const EMAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "mail.example.net",
    "acme-corp.example",
];
const US_AREA_CODES: &[&str] = &["415", "212", "646", "312", "206", "617"];

struct LogGenerator {
    rng: SplitMix64,
    cards: Vec<String>,
    start: DateTime<Utc>,
    /// Milliseconds between consecutive events.
    step_millis: u64,
}

impl LogGenerator {
    fn new(lines: u64, cards: &[String]) -> Self {
        Self {
            rng: SplitMix64(WORKLOAD_SEED),
            cards: cards.to_vec(),
            start: Utc
                .with_ymd_and_hms(2026, 11, 22, 0, 0, 0)
                .single()
                .expect("the workload start is a valid UTC time"),
            step_millis: (WORKLOAD_SPAN_MILLIS / lines).max(1),
        }
    }

    fn line(&mut self, index: u64) -> LogLine {
        let message = if self.rng.percent(PERSONAL_DATA_PERCENT) {
            self.personal_message()
        } else {
            self.ordinary_message()
        };
        let &(method, endpoint) = self.rng.pick(ROUTES);
        LogLine {
            timestamp: self.timestamp(index),
            level: message.level,
            logger: message.logger,
            message: message.text,
            trace_id: self.rng.hex(32),
            span_id: self.rng.hex(16),
            user_id: format!("u-{}", self.rng.between(1_000, 999_999)),
            request_id: self.uuid_v4(),
            endpoint,
            method,
            status_code: self.status_code(message.level),
            response_time: self.response_time_ms(message.level),
            ip_address: self.ip_address(),
            email: message.email_field,
        }
    }

    /// Increasing event times with jitter inside each step.
    fn timestamp(&mut self, index: u64) -> String {
        let offset = index * self.step_millis + self.rng.below(self.step_millis);
        let offset = chrono::Duration::milliseconds(offset as i64);
        (self.start + offset).to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    fn ordinary_message(&mut self) -> Message {
        match self.rng.below(100) {
            0..=79 => self.info_message(),
            80..=89 => self.debug_message(),
            90..=96 => self.warn_message(),
            _ => self.error_message(),
        }
    }

    fn info_message(&mut self) -> Message {
        let rng = &mut self.rng;
        let (logger, text) = match rng.below(10) {
            0..=2 => ("api.handlers.chat", "Request completed".to_owned()),
            3 => ("api.middleware.access", "Request started".to_owned()),
            4 => (
                "api.handlers.auth",
                format!("User u-{} authenticated via OAuth", rng.below(1_000_000)),
            ),
            5 => (
                "cache.redis",
                format!("Cache hit for key session:{}", rng.hex(12)),
            ),
            6 => (
                "api.handlers.chat",
                format!(
                    "Streaming response finished after {} chunks",
                    rng.between(3, 400)
                ),
            ),
            7 => (
                "api.handlers.chat",
                format!(
                    "Completion generated: {} prompt tokens, {} completion tokens",
                    rng.between(10, 4_000),
                    rng.between(1, 2_000)
                ),
            ),
            8 => (
                "worker.queue",
                format!("Enqueued job {} on queue billing", rng.hex(8)),
            ),
            _ => (
                "api.middleware.ratelimit",
                format!("Rate limit window reset for tenant t-{}", rng.below(5_000)),
            ),
        };
        Message::new(Level::Info, logger, text)
    }

    fn debug_message(&mut self) -> Message {
        let rng = &mut self.rng;
        let (logger, text) = match rng.below(4) {
            0 => (
                "cache.redis",
                format!("Cache miss for key user:{}", rng.below(100_000)),
            ),
            1 => (
                "db.pool",
                format!(
                    "Acquired connection from db-replica-{} in {} ms",
                    rng.below(4),
                    rng.below(50)
                ),
            ),
            2 => (
                "api.handlers.chat",
                format!("Parsed request body ({} bytes)", rng.between(40, 60_000)),
            ),
            _ => (
                "search.indexer",
                format!(
                    "Flushed {} documents to segment {}",
                    rng.between(1, 5_000),
                    rng.hex(6)
                ),
            ),
        };
        Message::new(Level::Debug, logger, text)
    }

    fn warn_message(&mut self) -> Message {
        let rng = &mut self.rng;
        let (logger, text) = match rng.below(4) {
            0 => (
                "db.query",
                format!(
                    "Slow query took {} ms: SELECT * FROM conversations WHERE user_id = $1",
                    rng.between(500, 9_000)
                ),
            ),
            1 => (
                "api.middleware.ratelimit",
                format!(
                    "Rate limit approaching for tenant t-{}: {}% of quota used",
                    rng.below(5_000),
                    rng.between(80, 99)
                ),
            ),
            2 => (
                "http.client",
                format!(
                    "Retrying upstream call to inference-{}, attempt {} of 3",
                    rng.below(8),
                    rng.between(1, 3)
                ),
            ),
            _ => (
                "api.handlers.chat",
                "Deprecated parameter 'max_tokens' used, prefer 'max_completion_tokens'".to_owned(),
            ),
        };
        Message::new(Level::Warn, logger, text)
    }

    fn error_message(&mut self) -> Message {
        let rng = &mut self.rng;
        let (logger, text) = match rng.below(4) {
            0 => (
                "db.pool",
                "Database connection pool exhausted, retrying".to_owned(),
            ),
            1 => (
                "http.client",
                format!("Upstream timeout after {} ms", rng.between(5_000, 60_000)),
            ),
            2 => (
                "worker.webhooks",
                format!(
                    "Failed to deliver webhook to https://hooks.example.net/{}: connection reset by peer",
                    rng.hex(8)
                ),
            ),
            _ => (
                "api.handlers.chat",
                "Unhandled exception in handler: KeyError 'choices'".to_owned(),
            ),
        };
        Message::new(Level::Error, logger, text)
    }

    /// An email address, phone number or card number in the message text.
    fn personal_message(&mut self) -> Message {
        match self.rng.below(3) {
            0 => self.email_message(),
            1 => self.phone_message(),
            _ => self.card_message(),
        }
    }

    fn email_message(&mut self) -> Message {
        let email = self.email_address();
        let mut message = match self.rng.below(3) {
            0 => Message::new(
                Level::Info,
                "api.handlers.auth",
                format!("Password reset sent to {email}"),
            ),
            1 => Message::new(
                Level::Info,
                "worker.email",
                format!("Invitation emailed to {email}"),
            ),
            _ => Message::new(
                Level::Warn,
                "api.handlers.auth",
                format!("Login failed for {email}: invalid credentials"),
            ),
        };
        if self.rng.percent(50) {
            message.email_field = Some(email);
        }
        message
    }

    fn phone_message(&mut self) -> Message {
        let phone = self.phone_number();
        if self.rng.percent(50) {
            Message::new(
                Level::Info,
                "api.handlers.auth",
                format!("SMS verification code sent to {phone}"),
            )
        } else {
            Message::new(
                Level::Info,
                "support.callbacks",
                format!("Callback requested by customer at {phone}"),
            )
        }
    }

    /// Card numbers come from the shared pool so the output can be checked
    /// for them; a word always follows them, as a digit right after would
    /// change what the card detector sees.
    fn card_message(&mut self) -> Message {
        let card = self.rng.pick(&self.cards).clone();
        let rng = &mut self.rng;
        let (level, text) = match rng.below(3) {
            0 => (Level::Warn, format!("Payment declined for card {card}")),
            1 => (
                Level::Info,
                format!(
                    "Card {card} charged {:.2} USD",
                    rng.between(100, 50_000) as f64 / 100.0
                ),
            ),
            _ => (
                Level::Info,
                format!("Saved card {card} for customer u-{}", rng.below(1_000_000)),
            ),
        };
        Message::new(level, "worker.billing", text)
    }

    fn email_address(&mut self) -> String {
        let first = self.rng.pick(FIRST_NAMES);
        let last = self.rng.pick(LAST_NAMES);
        let domain = self.rng.pick(EMAIL_DOMAINS);
        if self.rng.percent(30) {
            format!("{first}.{last}{}@{domain}", self.rng.below(100))
        } else {
            format!("{first}.{last}@{domain}")
        }
    }

    /// Numbers from ranges reserved for fiction (555-xxxx, 020 7946 0xxx).
    fn phone_number(&mut self) -> String {
        if self.rng.percent(80) {
            let area = self.rng.pick(US_AREA_CODES);
            format!("+1 {area}-555-{:04}", self.rng.below(10_000))
        } else {
            format!("+44 20 7946 0{:03}", self.rng.below(1_000))
        }
    }

    fn uuid_v4(&mut self) -> String {
        let variant = self.rng.pick(&['8', '9', 'a', 'b']);
        format!(
            "{}-{}-4{}-{variant}{}-{}",
            self.rng.hex(8),
            self.rng.hex(4),
            self.rng.hex(3),
            self.rng.hex(3),
            self.rng.hex(12)
        )
    }

    fn status_code(&mut self, level: Level) -> u16 {
        match level {
            Level::Error => *self.rng.pick(&[500, 502, 503, 504]),
            Level::Warn => *self.rng.pick(&[200, 400, 401, 404, 409, 429]),
            Level::Debug | Level::Info => *self.rng.pick(&[200, 200, 200, 200, 201, 204, 304]),
        }
    }

    /// Mostly fast with a long tail; errors are often timeouts.
    fn response_time_ms(&mut self, level: Level) -> f64 {
        let mut millis = 2.0 + 800.0 * self.rng.unit().powi(3);
        if level == Level::Error {
            millis += 30_000.0 * self.rng.unit();
        }
        // Two decimals, so the JSON shows e.g. 123.45 rather than 17 digits.
        (millis * 100.0).round() / 100.0
    }

    fn ip_address(&mut self) -> String {
        let rng = &mut self.rng;
        if rng.percent(70) {
            format!(
                "10.{}.{}.{}",
                rng.below(256),
                rng.below(256),
                rng.between(1, 254)
            )
        } else {
            format!(
                "{}.{}.{}.{}",
                rng.between(23, 223),
                rng.below(256),
                rng.below(256),
                rng.between(1, 254)
            )
        }
    }
}

// ---------------------------------------------------------------------------
// Card numbers
// ---------------------------------------------------------------------------

/// Luhn-valid 16-digit card numbers written `dddd dddd dddd dddd`, from a
/// seed of their own so the pool does not depend on the workload size.
fn card_pool() -> Vec<String> {
    const PREFIXES: &[&str] = &["4", "51", "52", "53", "54", "55", "6011"];
    let mut rng = SplitMix64(CARD_POOL_SEED);
    (0..CARD_POOL_SIZE)
        .map(|_| {
            let mut digits: Vec<u32> = rng
                .pick(PREFIXES)
                .bytes()
                .map(|b| u32::from(b - b'0'))
                .collect();
            while digits.len() < 15 {
                digits.push(rng.below(10) as u32);
            }
            digits.push(luhn_check_digit(&digits));
            assert!(luhn_valid(&digits), "generated card fails Luhn: {digits:?}");
            group_card_digits(&digits)
        })
        .collect()
}

fn group_card_digits(digits: &[u32]) -> String {
    digits
        .chunks(4)
        .map(|group| {
            group
                .iter()
                .map(|digit| digit.to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn looks_like_grouped_card(window: &[u8]) -> bool {
    window.iter().enumerate().all(|(position, &byte)| {
        if position % 5 == 4 {
            byte == b' '
        } else {
            byte.is_ascii_digit()
        }
    })
}

// ---------------------------------------------------------------------------
// Scanning NDJSON (input and output alike)
// ---------------------------------------------------------------------------

/// Line and card counts of NDJSON text.
#[derive(Default)]
struct TextStats {
    lines: u64,
    /// Occurrences of pool card numbers in clear.
    clear_cards: u64,
    /// Occurrences of the `builtin:pii` card replacement.
    redacted_cards: u64,
}

fn scan_files(paths: &[PathBuf], cards: &HashSet<&[u8]>) -> TextStats {
    let mut stats = TextStats::default();
    for path in paths {
        scan_file(path, cards, &mut stats)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    }
    stats
}

fn scan_file(path: &Path, cards: &HashSet<&[u8]>, stats: &mut TextStats) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        // Blank lines are not events.
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        stats.lines += 1;
        stats.clear_cards += count_windows(&line, CARD_TEXT_LEN, |window| {
            looks_like_grouped_card(window) && cards.contains(window)
        });
        stats.redacted_cards +=
            count_windows(&line, CARD_REDACTED.len(), |window| window == CARD_REDACTED);
    }
}

fn count_windows(line: &[u8], size: usize, matches: impl Fn(&[u8]) -> bool) -> u64 {
    line.windows(size).filter(|window| matches(window)).count() as u64
}

/// Every `*.ndjson` file below `dir`, recursively; none if `dir` is missing.
fn ndjson_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = match fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => panic!("cannot list {}: {err}", current.display()),
        };
        for entry in entries {
            let path = entry
                .unwrap_or_else(|err| panic!("cannot list {}: {err}", current.display()))
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "ndjson") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

// ---------------------------------------------------------------------------
// Running sluice
// ---------------------------------------------------------------------------

/// One measured and verified run.
struct RunResult {
    wall: Duration,
    usage: ProcessUsage,
    output_files: usize,
    output: TextStats,
}

/// Resources used by the sluice process itself, from `wait4`.
struct ProcessUsage {
    user: Duration,
    system: Duration,
    peak_rss_bytes: u64,
}

/// Runs sluice in a fresh directory; keeps the directory if anything fails,
/// so its output, stderr and dead letters can be inspected.
fn bench_once(
    binary: &Path,
    workload: &Workload,
    cards: &HashSet<&[u8]>,
    input: InputKind,
) -> Result<RunResult, String> {
    // Next to the workload rather than in /tmp: /tmp is often a small tmpfs,
    // and the output is as large as the input.
    let work_dir = tempfile::Builder::new()
        .prefix("throughput-run-")
        .tempdir_in(bench_data_dir())
        .expect("creating a temporary run directory under target/bench-data");
    match run_and_verify(binary, workload, cards, work_dir.path(), input) {
        Ok(result) => Ok(result),
        Err(message) => {
            let kept = work_dir.keep();
            Err(format!("{message}\nrun directory kept: {}", kept.display()))
        }
    }
}

fn run_and_verify(
    binary: &Path,
    workload: &Workload,
    cards: &HashSet<&[u8]>,
    work_dir: &Path,
    input: InputKind,
) -> Result<RunResult, String> {
    let config = write_config(work_dir, &workload.path, input);
    let stderr_path = work_dir.join("sluice.stderr");
    let (wall, usage) = match input {
        InputKind::Stdin => run_sluice(binary, &config, &workload.path, &stderr_path)?,
        InputKind::Tail => run_sluice_tailing(
            binary,
            &config,
            workload,
            &work_dir.join("data"),
            &stderr_path,
        )?,
    };

    let files = ndjson_files(&work_dir.join("data").join("indices"));
    let output = scan_files(&files, cards);
    if output.lines != workload.contents.lines {
        return Err(format!(
            "sluice wrote {} events to {} NDJSON files, expected {}\n{}",
            output.lines,
            files.len(),
            workload.contents.lines,
            stderr_tail(&stderr_path)
        ));
    }
    if output.clear_cards > 0 {
        return Err(format!(
            "{} card numbers from the workload appear unmasked in the output",
            output.clear_cards
        ));
    }
    Ok(RunResult {
        wall,
        usage,
        output_files: files.len(),
        output,
    })
}

fn write_config(work_dir: &Path, workload: &Path, input: InputKind) -> PathBuf {
    let data_dir = work_dir.join("data");
    fs::create_dir_all(&data_dir)
        .unwrap_or_else(|err| panic!("cannot create {}: {err}", data_dir.display()));
    let data_dir = data_dir
        .to_str()
        .expect("the temporary directory path is UTF-8");
    // A JSON string is also a YAML double-quoted scalar: any path is safe.
    let data_dir = serde_json::to_string(data_dir).expect("a string serialises to JSON");
    let input = match input {
        InputKind::Stdin => "type: stdin".to_owned(),
        InputKind::Tail => format!(
            "type: tail\n    paths: [{}]",
            serde_json::to_string(&workload.to_string_lossy())
                .expect("a string serialises to JSON")
        ),
    };
    let config = format!(
        "\
data_dir: {data_dir}
inputs:
  bench:
    {input}
    tag: claude.application
    parser: json
rules: [\"builtin:pii\", \"builtin:secrets\"]
sinks:
  local:
    type: file
"
    );
    let path = work_dir.join("sluice.yaml");
    fs::write(&path, config).unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
    path
}

/// Runs `sluice run` over the workload; wall time covers spawn to exit.
fn run_sluice(
    binary: &Path,
    config: &Path,
    workload: &Path,
    stderr_path: &Path,
) -> Result<(Duration, ProcessUsage), String> {
    // The file itself is sluice's stdin, so the harness never copies data.
    let stdin = File::open(workload)
        .unwrap_or_else(|err| panic!("cannot open {}: {err}", workload.display()));
    let stderr = File::create(stderr_path)
        .unwrap_or_else(|err| panic!("cannot create {}: {err}", stderr_path.display()));

    let started = Instant::now();
    let child = Command::new(binary)
        .arg("run")
        .arg("-c")
        .arg(config)
        .stdin(stdin)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|err| format!("cannot start {}: {err}", binary.display()))?;
    // Reaped with wait4 instead of Child::wait, which discards the child's
    // rusage. Dropping a Child neither waits for nor kills it.
    let (status, usage) = wait_with_usage(child.id())?;
    let wall = started.elapsed();

    if !status.success() {
        return Err(format!(
            "sluice run failed ({status})\n{}",
            stderr_tail(stderr_path)
        ));
    }
    Ok((wall, usage))
}

/// Runs `sluice run` following the workload file; the clock stops when the
/// checkpoint has reached the end of the file, then sluice gets SIGTERM.
fn run_sluice_tailing(
    binary: &Path,
    config: &Path,
    workload: &Workload,
    data_dir: &Path,
    stderr_path: &Path,
) -> Result<(Duration, ProcessUsage), String> {
    let stderr = File::create(stderr_path)
        .unwrap_or_else(|err| panic!("cannot create {}: {err}", stderr_path.display()));
    let checkpoint = data_dir.join("checkpoints").join("bench.json");
    let started = Instant::now();
    let mut child = Command::new(binary)
        .arg("run")
        .arg("-c")
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|err| format!("cannot start {}: {err}", binary.display()))?;
    let wall = loop {
        if child.try_wait().ok().flatten().is_some() {
            return Err(format!(
                "sluice exited while tailing\n{}",
                stderr_tail(stderr_path)
            ));
        }
        let offset = fs::read(&checkpoint)
            .ok()
            .and_then(|text| serde_json::from_slice::<serde_json::Value>(&text).ok())
            .and_then(|saved| saved["files"][0]["offset"].as_u64());
        if offset == Some(workload.bytes) {
            break started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let pid = libc::pid_t::try_from(child.id()).expect("a child pid fits in pid_t");
    // SAFETY: kill(2) on our own unreaped child with a valid signal.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let (status, usage) = wait_with_usage(child.id())?;
    if !status.success() {
        return Err(format!(
            "sluice run failed ({status})\n{}",
            stderr_tail(stderr_path)
        ));
    }
    Ok((wall, usage))
}

fn wait_with_usage(pid: u32) -> Result<(ExitStatus, ProcessUsage), String> {
    let pid = libc::pid_t::try_from(pid).expect("a child pid fits in pid_t");
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain integers, for which all-zero bytes are valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child and both pointers are
        // valid for writes for the duration of the call.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(format!("wait4 on sluice (pid {pid}) failed: {err}"));
        }
    }
    let usage = ProcessUsage {
        user: timeval_duration(usage.ru_utime),
        system: timeval_duration(usage.ru_stime),
        peak_rss_bytes: max_rss_bytes(usage.ru_maxrss),
    };
    Ok((ExitStatus::from_raw(status), usage))
}

fn timeval_duration(time: libc::timeval) -> Duration {
    let seconds = u64::try_from(time.tv_sec).unwrap_or(0);
    let micros = u64::try_from(time.tv_usec).unwrap_or(0);
    Duration::from_secs(seconds) + Duration::from_micros(micros)
}

/// `ru_maxrss` is in KiB on Linux (bytes on macOS).
fn max_rss_bytes(max_rss: libc::c_long) -> u64 {
    let value = u64::try_from(max_rss).unwrap_or(0);
    if cfg!(target_os = "macos") {
        value
    } else {
        value * 1024
    }
}

/// The last lines sluice wrote to stderr, for error messages.
fn stderr_tail(path: &Path) -> String {
    const TAIL_LINES: usize = 30;
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => return format!("(cannot read {}: {err})", path.display()),
    };
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(TAIL_LINES)..];
    if tail.is_empty() {
        "(sluice wrote nothing to stderr)".to_owned()
    } else {
        format!("last lines of sluice stderr:\n{}", tail.join("\n"))
    }
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

fn print_report(label: &str, workload: &Workload, result: &RunResult) {
    let seconds = result.wall.as_secs_f64();
    let user = result.usage.user.as_secs_f64();
    let system = result.usage.system.as_secs_f64();
    println!(
        "sluice throughput{label}: {} events, {:.1} MB in {seconds:.2} s",
        workload.contents.lines,
        workload.bytes as f64 / MB,
    );
    println!(
        "  {:.1} MB/s, {:.0} events/s",
        workload.bytes as f64 / MB / seconds,
        workload.contents.lines as f64 / seconds,
    );
    println!(
        "  CPU: {:.2} s (user {user:.1} + sys {system:.1}), {:.2} cores",
        user + system,
        (user + system) / seconds,
    );
    println!(
        "  peak RSS: {:.1} MB",
        result.usage.peak_rss_bytes as f64 / MB
    );
    println!(
        "  verified: {} events in {} files; {}",
        result.output.lines,
        result.output_files,
        masking_summary(workload, result),
    );
}

fn masking_summary(workload: &Workload, result: &RunResult) -> String {
    let generated = workload.contents.clear_cards;
    if generated == 0 {
        return "no card numbers in the workload to mask".to_owned();
    }
    format!(
        "card numbers masked ({} redactions for {generated} in the input, none in clear)",
        result.output.redacted_cards
    )
}

fn print_best(workload: &Workload, results: &[RunResult]) {
    let fastest = results
        .iter()
        .map(|result| result.wall)
        .min()
        .expect("at least one run");
    let seconds = fastest.as_secs_f64();
    println!(
        "best of {}: {seconds:.2} s, {:.1} MB/s, {:.0} events/s",
        results.len(),
        workload.bytes as f64 / MB / seconds,
        workload.contents.lines as f64 / seconds,
    );
}
