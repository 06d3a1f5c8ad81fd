#![no_main]
//! `parse_cri`: a decoded message is the tail of the line (borrowed,
//! never longer); an error's offset lies within the line;
//! `detect_container_format` agrees with the decoder; the record entry
//! point passes the shared result checks and agrees with the decoder.

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::check_result;
use sluice_parsers::{detect_container_format, parse_cri, parse_cri_record, ContainerLogFormat};

fuzz_target!(|data: &[u8]| {
    let result = parse_cri(data);
    match &result {
        Ok(entry) => {
            let Cow::Borrowed(message) = &entry.message else {
                panic!("a CRI message must be borrowed");
            };
            assert!(
                data.ends_with(message),
                "the message is not the line's tail"
            );
            assert!(message.len() < data.len());
        }
        Err(err) => {
            let _ = (err.to_string(), err.reason());
            assert!(err.offset() <= data.len(), "offset past the line: {err:?}");
        }
    }
    if detect_container_format(data) == Some(ContainerLogFormat::Cri) {
        assert!(result.is_ok(), "detected as CRI but does not decode");
    }
    let record = parse_cri_record(data);
    check_result("cri", data, &record);
    // The record only drops a line ending left by framing.
    if !data.ends_with(b"\n") && !data.ends_with(b"\r") {
        assert_eq!(record.is_ok(), result.is_ok(), "record and entry disagree");
    }
});
