#![no_main]
//! nginx access and error logs: shared result checks for every entry point,
//! and `parse_nginx` routes each line to exactly one of them.

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::{check_result, zone_for};
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
    let zone = zone_for(data);
    check_result("nginx_error_in", data, &parse_nginx_error_in(data, &zone));
});
