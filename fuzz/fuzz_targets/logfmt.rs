#![no_main]
//! `parse_logfmt`: shared result checks.

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::check_result;
use sluice_parsers::parse_logfmt;

fuzz_target!(|data: &[u8]| {
    check_result("logfmt", data, &parse_logfmt(data));
});
