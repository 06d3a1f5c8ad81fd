#![no_main]
//! `parse_docker` (json-file driver): a decoded message is never longer
//! than the line (unescaping only shrinks); a borrowed one lies inside the
//! line; `detect_format` agrees with the decoder.

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use sluice::inputs::container_log::{detect_format, parse_docker, ContainerLogFormat};

fuzz_target!(|data: &[u8]| {
    let result = parse_docker(data);
    match &result {
        Ok(entry) => {
            assert!(
                entry.message.len() < data.len(),
                "message longer than its line"
            );
            if let Cow::Borrowed(message) = &entry.message {
                let line = data.as_ptr_range();
                let inner = message.as_ptr_range();
                assert!(
                    message.is_empty() || (line.start <= inner.start && inner.end <= line.end),
                    "a borrowed message must point into the line"
                );
            }
        }
        Err(err) => {
            let _ = (err.to_string(), err.reason());
        }
    }
    if detect_format(data) == Some(ContainerLogFormat::Docker) {
        assert!(result.is_ok(), "detected as docker but does not decode");
    }
});
