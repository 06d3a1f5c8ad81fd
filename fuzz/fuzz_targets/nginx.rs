#![no_main]
//! nginx access and error logs: shared result checks for every entry point,
//! and `parse_nginx` routes each line to exactly one of them.

use chrono::FixedOffset;
use libfuzzer_sys::fuzz_target;
use sluice_fuzz::check_result;
use sluice_parsers::{parse_nginx, parse_nginx_access, parse_nginx_error, parse_nginx_error_in};

fuzz_target!(|data: &[u8]| {
    let routed = parse_nginx(data);
    check_result("nginx", data, &routed);
    let access = parse_nginx_access(data);
    check_result("nginx_access", data, &access);
    let error = parse_nginx_error(data);
    check_result("nginx_error", data, &error);
    assert!(
        routed == access || routed == error,
        "parse_nginx matches neither the access nor the error parser"
    );
    // A zone from the line's length, so the zoned path is exercised too.
    let zone = FixedOffset::east_opt(((data.len() % 49) as i32 - 24) * 1800).expect("valid offset");
    check_result("nginx_error_in", data, &parse_nginx_error_in(data, zone));
});
