#![no_main]
//! `parse_kv` (generic `key=value`): shared result checks.

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::check_result;
use sluice_parsers::parse_kv;

fuzz_target!(|data: &[u8]| {
    check_result("kv", data, &parse_kv(data));
});
