#![no_main]
//! `parse_cri`: a decoded message is the tail of the line (borrowed,
//! never longer); `detect_format` agrees with the decoders.

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use sluice::inputs::container_log::{detect_format, parse_cri, ContainerLogFormat};

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
        }
    }
    if detect_format(data) == Some(ContainerLogFormat::Cri) {
        assert!(result.is_ok(), "detected as CRI but does not decode");
    }
});
