#![no_main]
//! `parse_json`: shared result checks, plus agreement with serde_json on
//! which lines are objects.

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::check_result;
use sluice_parsers::{parse_json, Record};

fuzz_target!(|data: &[u8]| {
    let result = parse_json(data);
    check_result("json", data, &result);
    let reference = serde_json::from_slice::<Record>(data);
    match (&result, &reference) {
        (Ok(record), Ok(expected)) => assert_eq!(record, expected),
        (Err(_), Err(_)) => {}
        _ => panic!("parse_json and serde_json disagree: {result:?} vs {reference:?}"),
    }
});
