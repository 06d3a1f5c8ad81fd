//! sluice: a log shipper and log-pattern analyser.
//!
//! The binary's library half: configuration, inputs, the pipeline runtime
//! with end-to-end acknowledgements, the API server and the CLI commands.
//! Format parsing, rules and sinks live in their own crates
//! (`sluice-parsers`, `sluice-rules`, `sluice-sinks`).

pub mod ack;
pub mod api;
pub mod cli;
pub mod config;
pub mod inputs;
pub mod metrics;
pub mod pipeline;
pub mod reload;
pub mod runtime;
pub mod test_rules;
pub mod topology;
