//! Finding and loading the configuration file.
//!
//! `-c FILE` wins; otherwise `./sluice.yaml`; otherwise the built-in default
//! (stdin → JSON → built-in packs → file sink under `./data`).

mod model;

use std::path::{Path, PathBuf};

pub use model::{
    ApiConfig, Config, FileHandling, InputConfig, MultilineConfig, ParserDefinition,
    PipelineConfig, ReadFrom, SinkConfig,
};
use sluice_rules::{Diagnostic, SourceFile};

/// Name shown in messages for the built-in configuration.
pub const BUILTIN_CONFIG_NAME: &str = "builtin:default-config";
const BUILTIN_CONFIG: &str = include_str!("default.yaml");
const DEFAULT_CONFIG_FILE: &str = "sluice.yaml";

/// A parsed configuration with the text it came from.
#[derive(Debug)]
pub struct LoadedConfig {
    /// The YAML source, for error positions.
    pub source: SourceFile,
    /// The parsed model.
    pub config: Config,
    /// Directory that relative rule-file paths start from.
    pub base_dir: PathBuf,
}

/// Loads the configuration named by `-c`, or the default one.
///
/// # Errors
/// Diagnostics (`file:line:col: message`) when the file cannot be read or
/// does not match the schema.
pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig, Vec<Diagnostic>> {
    let (source, base_dir) = match explicit {
        Some(path) => (read_source(path)?, parent_dir(path)),
        None if Path::new(DEFAULT_CONFIG_FILE).is_file() => (
            read_source(Path::new(DEFAULT_CONFIG_FILE))?,
            PathBuf::from("."),
        ),
        None => (
            SourceFile::new(BUILTIN_CONFIG_NAME, BUILTIN_CONFIG),
            PathBuf::from("."),
        ),
    };
    let config = source
        .parse::<Config>()
        .map_err(|diagnostic| vec![diagnostic])?;
    Ok(LoadedConfig {
        source,
        config,
        base_dir,
    })
}

/// Reads a YAML file into a [`SourceFile`] named as the user wrote it.
///
/// # Errors
/// A whole-file diagnostic when it cannot be read or is not UTF-8.
pub fn read_source(path: &Path) -> Result<SourceFile, Vec<Diagnostic>> {
    let name = path.display().to_string();
    std::fs::read_to_string(path)
        .map(|text| SourceFile::new(name.as_str(), text))
        .map_err(|err| {
            vec![Diagnostic::whole_file(
                name.as_str(),
                format!("cannot read: {err}"),
            )]
        })
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}
