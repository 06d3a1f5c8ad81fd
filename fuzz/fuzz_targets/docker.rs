#![no_main]
//! `parse_docker` (json-file driver): a decoded message is never longer
//! than the line (unescaping only shrinks); a borrowed one lies inside the
//! line; an error's offset lies within the line; `detect_container_format`
//! agrees with the decoder; the record entry point passes the shared result
//! checks and agrees with the decoder.

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::check_result;
use sluice_parsers::{
    detect_container_format, parse_docker, parse_docker_record, ContainerLogFormat,
};

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
            assert!(err.offset() <= data.len(), "offset past the line: {err:?}");
        }
    }
    if detect_container_format(data) == Some(ContainerLogFormat::Docker) {
        assert!(result.is_ok(), "detected as docker but does not decode");
    }
    let record = parse_docker_record(data);
    check_result("docker", data, &record);
    assert_eq!(record.is_ok(), result.is_ok(), "record and entry disagree");
});
