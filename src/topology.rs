//! From a loaded configuration to everything `run` needs: compiled parsers,
//! rules and routes, and validated input and sink settings. Every problem is
//! collected, so `validate` can print them all at once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_saphyr::Spanned;
use sluice_parsers::{
    FieldType, RegexParser, TimeFormat, TimeZone, TimestampReader, TIME_KEY_CANDIDATES,
};
use sluice_rules::{packs, CompileContext, Diagnostic, FieldPath, RuleError, RuleSet, SourceFile};
use sluice_sinks::{FileSinkConfig, IndexTemplate};

use crate::config::{
    FileHandling, InputConfig, LoadedConfig, MultilineConfig, PipelineConfig, SinkConfig,
};
use crate::inputs::kubernetes::{KubernetesSettings, OwnPod, PathMetadata, TagTemplate};
use crate::inputs::multiline::{self, MultilineRules};
use crate::inputs::tail::FileSelector;
pub use crate::inputs::tail::TailSettings;
use crate::pipeline::parse::{LineParser, SourceInfo};
use crate::pipeline::{DefaultRoute, Pipeline};

/// Lines longer than this are cut (and flagged) unless an input says otherwise.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

/// A file's identity never needs more than its first KiBs.
const MAX_FINGERPRINT_BYTES: u64 = 64 * 1024;

/// A validated, compiled configuration.
#[derive(Debug)]
pub struct Topology {
    /// Root of checkpoints, dead letters and file-sink indices.
    pub data_dir: PathBuf,
    /// Where the API listens, if anywhere.
    pub api_listen: Option<SocketAddr>,
    /// Inputs in config order.
    pub inputs: Vec<InputSpec>,
    /// Sinks in config order (routes refer to them by position).
    pub sinks: Vec<SinkSpec>,
    /// The stages.
    pub pipeline: Arc<Pipeline>,
    /// Batching and queue settings.
    pub settings: PipelineConfig,
    /// Problems that do not stop sluice.
    pub warnings: Vec<Diagnostic>,
}

/// One input, ready to start.
#[derive(Debug)]
pub struct InputSpec {
    /// Name, tag and parser.
    pub source: Arc<SourceInfo>,
    /// Kind-specific settings.
    pub kind: InputKind,
}

/// Kind-specific input settings.
#[derive(Debug)]
pub enum InputKind {
    /// Standard input.
    Stdin {
        /// Line length cap.
        max_line_bytes: usize,
    },
    /// Followed files (`tail` and `kubernetes`).
    Tail(TailSettings),
}

/// One sink, ready to build.
#[derive(Debug)]
pub struct SinkSpec {
    /// Name from the config.
    pub name: Arc<str>,
    /// Kind-specific settings.
    pub kind: SinkKind,
}

/// Kind-specific sink settings.
#[derive(Debug)]
pub enum SinkKind {
    /// NDJSON files per index and day.
    File(FileSinkConfig),
    /// NDJSON on stdout.
    Stdout,
}

/// Builds the topology, or returns every error and warning found.
///
/// # Errors
/// All diagnostics when at least one is an error.
pub fn build(loaded: &LoadedConfig) -> Result<Topology, Vec<Diagnostic>> {
    let mut builder = Builder {
        file: &loaded.source,
        diagnostics: Vec::new(),
    };
    let config = &loaded.config;
    let parsers = builder.user_parsers(config);
    let inputs = builder.inputs(config, &parsers);
    let sinks = builder.sinks(config);
    let sink_names: Vec<String> = sinks.iter().map(|sink| sink.name.to_string()).collect();
    let rules = builder.rules(config, &loaded.base_dir, &sink_names);
    let default_route = builder.default_route(config, &sink_names, &rules);
    let api_listen = config
        .api
        .as_ref()
        .and_then(|api| builder.listen_address(&api.listen));
    builder.pipeline_settings(&config.pipeline);

    if builder.has_errors() {
        return Err(builder.diagnostics);
    }
    let pipeline = Pipeline::new(
        rules,
        sinks.iter().map(|sink| sink.name.clone()).collect(),
        default_route,
    );
    Ok(Topology {
        data_dir: config.data_dir.clone(),
        api_listen,
        inputs,
        sinks,
        pipeline: Arc::new(pipeline),
        settings: config.pipeline.clone(),
        warnings: builder.diagnostics,
    })
}

/// A compiled `parsers:` entry and what inputs using it inherit.
struct UserParser {
    parser: Arc<RegexParser>,
    time_key: Option<String>,
    /// How the event-time field is read, unless the input says otherwise:
    /// the parser's own format and zone, or `None` when that field is a
    /// `timestamp` capture (already converted to UTC RFC 3339).
    time_format: Option<TimeFormat>,
    timezone: Option<TimeZone>,
}

struct Builder<'a> {
    file: &'a SourceFile,
    diagnostics: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|diagnostic| diagnostic.severity == sluice_rules::Severity::Error)
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn user_parsers(&mut self, config: &crate::config::Config) -> HashMap<String, UserParser> {
        let mut parsers = HashMap::new();
        for (name, definition) in &config.parsers {
            if matches!(name.as_str(), "json" | "none") {
                self.error(self.file.error_at(
                    definition,
                    format!("parser name `{name}` is built in; pick another"),
                ));
                continue;
            }
            let mut types = HashMap::new();
            for (field, kind) in &definition.value.types {
                match FieldType::from_name(&kind.value) {
                    Some(field_type) => {
                        types.insert(field.clone(), field_type);
                    }
                    None => self.error(self.file.error_at(
                        kind,
                        format!(
                            "unknown type `{}`; use {}",
                            kind.value,
                            FieldType::NAMES.join(", ")
                        ),
                    )),
                }
            }
            let time_format = definition.value.time_format.as_ref().and_then(|format| {
                TimeFormat::new(&format.value)
                    .map_err(|err| self.error(self.file.error_at(format, err.to_string())))
                    .ok()
            });
            let timezone = definition.value.timezone.as_ref().and_then(|zone| {
                TimeZone::from_name(&zone.value)
                    .map_err(|err| self.error(self.file.error_at(zone, err.to_string())))
                    .ok()
            });
            let time_key = definition.value.time_key.clone();
            let is_timestamp = |field: &str| types.get(field) == Some(&FieldType::Timestamp);
            let time_field_converted = match &time_key {
                Some(key) => is_timestamp(key),
                None => TIME_KEY_CANDIDATES.iter().any(|key| is_timestamp(key)),
            };
            let reader = TimestampReader::new(time_format.clone(), timezone.unwrap_or_default());
            let regex = &definition.value.regex;
            match RegexParser::new(&regex.value, types) {
                Ok(parser) => {
                    let (time_format, timezone) = if time_field_converted {
                        (None, None)
                    } else {
                        (time_format, timezone)
                    };
                    parsers.insert(
                        name.clone(),
                        UserParser {
                            parser: Arc::new(parser.with_timestamps(reader)),
                            time_key,
                            time_format,
                            timezone,
                        },
                    );
                }
                Err(err) => {
                    let reason = err
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or_default()
                        .trim_start_matches("error: ")
                        .to_owned();
                    self.error(
                        self.file
                            .error_at(regex, format!("invalid regex: {reason}")),
                    );
                }
            }
        }
        parsers
    }

    fn inputs(
        &mut self,
        config: &crate::config::Config,
        parsers: &HashMap<String, UserParser>,
    ) -> Vec<InputSpec> {
        if config.inputs.is_empty() {
            self.error(Diagnostic::whole_file(
                &*self.file.name,
                "no inputs configured",
            ));
        }
        let mut stdin_seen = false;
        let mut specs = Vec::new();
        for (name, input) in &config.inputs {
            let (tag, parser_name, time_key, time_format, timezone) = match &input.value {
                InputConfig::Stdin {
                    tag,
                    parser,
                    time_key,
                    time_format,
                    timezone,
                    ..
                } => (
                    tag.clone().unwrap_or_else(|| "stdin".to_owned()),
                    parser,
                    time_key,
                    time_format,
                    timezone,
                ),
                InputConfig::Tail {
                    tag,
                    parser,
                    time_key,
                    time_format,
                    timezone,
                    ..
                } => (
                    tag.clone().unwrap_or_else(|| format!("tail.{name}")),
                    parser,
                    time_key,
                    time_format,
                    timezone,
                ),
                InputConfig::Kubernetes {
                    tag,
                    parser,
                    time_key,
                    time_format,
                    timezone,
                    ..
                } => (
                    tag.clone()
                        .unwrap_or_else(|| "kube.{namespace}.{pod}.{container}".to_owned()),
                    parser,
                    time_key,
                    time_format,
                    timezone,
                ),
            };
            let time_format = time_format.as_ref().and_then(|format| {
                TimeFormat::new(format)
                    .map_err(|err| {
                        self.error(
                            self.file
                                .error_at_key(input, "time_format", err.to_string()),
                        )
                    })
                    .ok()
            });
            let timezone = timezone.as_ref().and_then(|zone| {
                TimeZone::from_name(zone)
                    .map_err(|err| {
                        self.error(self.file.error_at_key(input, "timezone", err.to_string()))
                    })
                    .ok()
            });
            let is_kubernetes = matches!(input.value, InputConfig::Kubernetes { .. });
            if tag.is_empty() || tag.split('.').any(str::is_empty) {
                // A template's placeholders never render empty.
                self.error(self.file.error_at_key(
                    input,
                    "tag",
                    format!("tag `{tag}` must be dot-separated non-empty parts"),
                ));
            }
            let default_parser = if is_kubernetes { "none" } else { "json" };
            let (parser, user_parser) = match parser_name.as_deref().unwrap_or(default_parser) {
                "json" => (LineParser::Json, None),
                "none" => (LineParser::None, None),
                other => {
                    let format = sluice_parsers::FORMATS.iter().find(|name| **name == other);
                    match (parsers.get(other), format) {
                        (Some(user), _) => (LineParser::Regex(user.parser.clone()), Some(user)),
                        (None, Some(format)) => (LineParser::Format(format), None),
                        (None, None) => {
                            let mut known: Vec<&str> = vec!["none"];
                            known.extend(sluice_parsers::FORMATS);
                            known.extend(parsers.keys().map(String::as_str));
                            self.error(self.file.error_at_key(
                                input,
                                "parser",
                                format!(
                                    "unknown parser `{other}`; available: {}",
                                    known.join(", ")
                                ),
                            ));
                            (LineParser::None, None)
                        }
                    }
                }
            };
            // Each time setting the input leaves out comes from its parser.
            let time_key = time_key
                .clone()
                .or_else(|| user_parser.and_then(|user| user.time_key.clone()));
            let time_format =
                time_format.or_else(|| user_parser.and_then(|user| user.time_format.clone()));
            let timezone = timezone.or_else(|| user_parser.and_then(|user| user.timezone));
            let source = Arc::new(SourceInfo {
                name: name.as_str().into(),
                tag: tag.into(),
                parser,
                time_key: time_key.map(|key| FieldPath::new(&key)),
                timestamps: TimestampReader::new(time_format, timezone.unwrap_or_default()),
                fields: sluice_parsers::Record::new(),
            });
            let kind = match &input.value {
                InputConfig::Stdin { max_line_bytes, .. } => {
                    if std::mem::replace(&mut stdin_seen, true) {
                        self.error(
                            self.file
                                .error_at(input, "only one stdin input can be configured"),
                        );
                    }
                    InputKind::Stdin {
                        max_line_bytes: self.line_cap(input, *max_line_bytes),
                    }
                }
                InputConfig::Tail {
                    paths,
                    exclude,
                    read_from,
                    max_line_bytes,
                    multiline,
                    files,
                    ..
                } => {
                    if paths.is_empty() {
                        self.error(self.file.error_at_key(
                            input,
                            "paths",
                            "`paths` needs at least one file or glob",
                        ));
                    }
                    for path in paths {
                        if let Err(err) = glob::Pattern::new(path) {
                            self.error(self.file.error_at_key(
                                input,
                                "paths",
                                format!("invalid glob `{path}`: {err}"),
                            ));
                        }
                    }
                    InputKind::Tail(self.file_settings(
                        input,
                        FileInput {
                            paths: paths.clone(),
                            exclude,
                            read_from: *read_from,
                            max_line_bytes: *max_line_bytes,
                            multiline: multiline.as_ref(),
                            files,
                            containers: None,
                        },
                        &config.data_dir,
                        name,
                    ))
                }
                InputConfig::Kubernetes {
                    root,
                    read_from,
                    max_line_bytes,
                    max_entry_bytes,
                    exclude,
                    exclude_own_pod,
                    multiline,
                    files,
                    ..
                } => {
                    let template = match TagTemplate::parse(&source.tag) {
                        Ok(template) => template,
                        Err(message) => {
                            self.error(self.file.error_at_key(input, "tag", message));
                            TagTemplate::parse("kube").unwrap_or_else(|_| unreachable!())
                        }
                    };
                    let containers = KubernetesSettings {
                        root: root.clone().unwrap_or_else(|| PathBuf::from("/var/log")),
                        tag: template,
                        max_entry_bytes: match max_entry_bytes {
                            Some(0) => {
                                self.error(self.file.error_at_key(
                                    input,
                                    "max_entry_bytes",
                                    "`max_entry_bytes` must be above 0",
                                ));
                                DEFAULT_MAX_LINE_BYTES
                            }
                            Some(bytes) => *bytes,
                            None => DEFAULT_MAX_LINE_BYTES,
                        },
                        own_pod: if exclude_own_pod.unwrap_or(true) {
                            OwnPod::from_env()
                        } else {
                            None
                        },
                        metadata: Arc::new(PathMetadata),
                    };
                    InputKind::Tail(self.file_settings(
                        input,
                        FileInput {
                            paths: vec![containers.pattern()],
                            exclude,
                            read_from: *read_from,
                            max_line_bytes: *max_line_bytes,
                            multiline: multiline.as_ref(),
                            files,
                            containers: Some(Arc::new(containers)),
                        },
                        &config.data_dir,
                        name,
                    ))
                }
            };
            specs.push(InputSpec { source, kind });
        }
        specs
    }

    fn exclude_globs(
        &mut self,
        input: &Spanned<InputConfig>,
        exclude: &[String],
    ) -> Vec<glob::Pattern> {
        exclude
            .iter()
            .filter_map(|pattern| match glob::Pattern::new(pattern) {
                Ok(compiled) => Some(compiled),
                Err(err) => {
                    self.error(self.file.error_at_key(
                        input,
                        "exclude",
                        format!("invalid glob `{pattern}`: {err}"),
                    ));
                    None
                }
            })
            .collect()
    }

    /// Validates and compiles what a `tail` or `kubernetes` input says.
    fn file_settings(
        &mut self,
        input: &Spanned<InputConfig>,
        config: FileInput<'_>,
        data_dir: &Path,
        name: &str,
    ) -> TailSettings {
        let files = config.files;
        if files.fingerprint_bytes == 0 || files.fingerprint_bytes > MAX_FINGERPRINT_BYTES {
            self.error(self.file.error_at_key(
                input,
                "files",
                format!("`files.fingerprint_bytes` must be between 1 and {MAX_FINGERPRINT_BYTES}"),
            ));
        }
        if files.max_open_files == 0 {
            self.error(self.file.error_at_key(
                input,
                "files",
                "`files.max_open_files` must be above 0",
            ));
        }
        TailSettings {
            selector: FileSelector {
                paths: config.paths,
                exclude: self.exclude_globs(input, config.exclude),
            },
            read_from: config.read_from,
            max_line_bytes: self.line_cap(input, config.max_line_bytes),
            checkpoint_path: data_dir.join("checkpoints").join(format!("{name}.json")),
            fingerprint_bytes: files.fingerprint_bytes.clamp(1, MAX_FINGERPRINT_BYTES),
            multiline: self.multiline(input, config.multiline),
            rotate_wait: Duration::from_millis(files.rotate_wait_ms),
            max_open_files: files.max_open_files.max(1),
            close_idle_after: Duration::from_secs(files.close_idle_after_secs),
            forget_after: Duration::from_secs(files.forget_after_secs),
            scan_interval: Duration::from_millis(files.scan_interval_ms.max(10)),
            checkpoint_interval: Duration::from_millis(files.checkpoint_interval_ms),
            containers: config.containers,
        }
    }

    /// Compiles `multiline:`. Values inside a tagged input carry no
    /// location, so errors point at the `multiline` value.
    fn multiline(
        &mut self,
        input: &Spanned<InputConfig>,
        config: Option<&Spanned<MultilineConfig>>,
    ) -> Option<Arc<MultilineRules>> {
        let multiline = &config?.value;
        let flush_after = multiline.flush_ms.map(Duration::from_millis);
        let compiled = match (
            &multiline.preset,
            &multiline.start,
            &multiline.continue_pattern,
        ) {
            (Some(preset), None, None) => MultilineRules::preset(&preset.value).ok_or_else(|| {
                format!(
                    "unknown multiline preset `{}`; available: {}",
                    preset.value,
                    MultilineRules::PRESETS.join(", ")
                )
            }),
            (Some(_), _, _) => {
                Err("a multiline `preset` cannot be combined with `start` or `continue`".to_owned())
            }
            (None, None, None) => Err(
                "`multiline` needs a `preset`, a `start` regex or a `continue` regex".to_owned(),
            ),
            (None, start, continue_pattern) => MultilineRules::new(
                start.as_ref().map(|start| start.value.as_str()),
                continue_pattern
                    .as_ref()
                    .map(|pattern| pattern.value.as_str()),
                multiline::DEFAULT_MAX_LINES,
                multiline::DEFAULT_MAX_BYTES,
                multiline::DEFAULT_FLUSH_AFTER,
            )
            .map_err(|err| match std::error::Error::source(&err) {
                Some(cause) => format!("{err}: {cause}"),
                None => err.to_string(),
            }),
        };
        match compiled {
            Ok(rules) => Some(Arc::new(rules.with_limits(
                multiline.max_lines,
                multiline.max_bytes,
                flush_after,
            ))),
            Err(message) => {
                self.error(self.file.error_at_key(input, "multiline", message));
                None
            }
        }
    }

    fn line_cap(&mut self, input: &Spanned<InputConfig>, configured: Option<usize>) -> usize {
        match configured {
            Some(0) => {
                self.error(self.file.error_at_key(
                    input,
                    "max_line_bytes",
                    "`max_line_bytes` must be above 0",
                ));
                DEFAULT_MAX_LINE_BYTES
            }
            Some(bytes) => bytes,
            None => DEFAULT_MAX_LINE_BYTES,
        }
    }

    fn sinks(&mut self, config: &crate::config::Config) -> Vec<SinkSpec> {
        if config.sinks.is_empty() {
            self.error(Diagnostic::whole_file(
                &*self.file.name,
                "no sinks configured",
            ));
        }
        let mut specs = Vec::new();
        for (name, sink) in &config.sinks {
            let kind = match &sink.value {
                SinkConfig::File(file) => {
                    if let Err(message) = IndexTemplate::parse(&file.index) {
                        self.error(self.file.error_at_key(sink, "index", message));
                    }
                    SinkKind::File(file.clone())
                }
                SinkConfig::Stdout {} => SinkKind::Stdout,
            };
            specs.push(SinkSpec {
                name: name.as_str().into(),
                kind,
            });
        }
        specs
    }

    fn rules(
        &mut self,
        config: &crate::config::Config,
        base_dir: &Path,
        sink_names: &[String],
    ) -> RuleSet {
        let mut files = Vec::new();
        for entry in &config.rules {
            if let Some(pack) = entry.value.strip_prefix("builtin:") {
                match packs::builtin_pack(pack) {
                    Some(text) => files.push(SourceFile::new(entry.value.as_str(), text)),
                    None => self.error(self.file.error_at(
                        entry,
                        format!(
                            "unknown built-in rule pack `{pack}`; available: {}",
                            packs::names().join(", ")
                        ),
                    )),
                }
                continue;
            }
            self.rule_files(entry, base_dir, &mut files);
        }
        let check_index = |template: &str| IndexTemplate::parse(template).map(|_| ());
        let context = CompileContext {
            sinks: sink_names,
            check_index: &check_index,
        };
        match RuleSet::compile(&files, &context) {
            Ok((rules, warnings)) => {
                self.diagnostics.extend(warnings);
                rules
            }
            Err(RuleError::Invalid(diagnostics)) => {
                self.diagnostics.extend(diagnostics);
                RuleSet::default()
            }
            Err(other) => {
                self.error(Diagnostic::whole_file(&*self.file.name, other.to_string()));
                RuleSet::default()
            }
        }
    }

    /// A rule entry is a path or a glob, relative to the config file.
    fn rule_files(
        &mut self,
        entry: &Spanned<String>,
        base_dir: &Path,
        files: &mut Vec<SourceFile>,
    ) {
        let joined = base_dir.join(&entry.value);
        let display = |path: &Path| {
            path.strip_prefix("./")
                .unwrap_or(path)
                .display()
                .to_string()
        };
        let is_glob = entry.value.contains(['*', '?', '[']);
        let paths: Vec<PathBuf> = if is_glob {
            match glob::glob(&joined.to_string_lossy()) {
                Ok(found) => {
                    let mut paths: Vec<PathBuf> = found.filter_map(Result::ok).collect();
                    paths.sort();
                    if paths.is_empty() {
                        self.diagnostics.push(
                            self.file
                                .error_at(entry, format!("no rule files match `{}`", entry.value))
                                .warning(),
                        );
                    }
                    paths
                }
                Err(err) => {
                    self.error(self.file.error_at(entry, format!("invalid glob: {err}")));
                    Vec::new()
                }
            }
        } else {
            vec![joined]
        };
        for path in paths {
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push(SourceFile::new(display(&path), text)),
                Err(err) => self.error(self.file.error_at(
                    entry,
                    format!("cannot read rule file {}: {err}", display(&path)),
                )),
            }
        }
    }

    fn default_route(
        &mut self,
        config: &crate::config::Config,
        sink_names: &[String],
        rules: &RuleSet,
    ) -> DefaultRoute {
        match &config.default_sinks {
            Some(names) => {
                let mut sinks = Vec::new();
                for name in names {
                    match sink_names.iter().position(|sink| *sink == name.value) {
                        Some(index) => sinks.push(index),
                        None => self.error(self.file.error_at(
                            name,
                            format!(
                                "unknown sink `{}`; configured sinks: {}",
                                name.value,
                                sink_names.join(", ")
                            ),
                        )),
                    }
                }
                if sinks.is_empty() {
                    DefaultRoute::DeadLetter
                } else {
                    DefaultRoute::Sinks(sinks)
                }
            }
            None if rules.routes.is_empty() => DefaultRoute::Sinks((0..sink_names.len()).collect()),
            None => DefaultRoute::DeadLetter,
        }
    }

    fn listen_address(&mut self, listen: &Spanned<String>) -> Option<SocketAddr> {
        match listen.value.parse() {
            Ok(address) => Some(address),
            Err(err) => {
                self.error(self.file.error_at(
                    listen,
                    format!(
                        "invalid listen address `{}`: {err} (want host:port)",
                        listen.value
                    ),
                ));
                None
            }
        }
    }

    fn pipeline_settings(&mut self, settings: &PipelineConfig) {
        let checks = [
            (
                settings.batch_max_events == 0,
                "pipeline.batch_max_events must be above 0",
            ),
            (
                settings.batch_max_bytes == 0,
                "pipeline.batch_max_bytes must be above 0",
            ),
            (
                settings.queue_batches == 0,
                "pipeline.queue_batches must be above 0",
            ),
            (
                settings.workers == Some(0),
                "pipeline.workers must be above 0",
            ),
        ];
        for (failed, message) in checks {
            if failed {
                self.error(Diagnostic::whole_file(&*self.file.name, message));
            }
        }
    }
}

/// What a `tail` or `kubernetes` input says about its files.
struct FileInput<'a> {
    paths: Vec<String>,
    exclude: &'a [String],
    read_from: crate::config::ReadFrom,
    max_line_bytes: Option<usize>,
    multiline: Option<&'a Spanned<MultilineConfig>>,
    files: &'a FileHandling,
    containers: Option<Arc<KubernetesSettings>>,
}
