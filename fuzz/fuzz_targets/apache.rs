#![no_main]
//! Apache access and error logs (2.2 and 2.4): shared result checks for every entry point,
//! and `parse_apache` routes each line to exactly one of them.

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::{check_result, zone_for};
use sluice_parsers::{
    parse_apache, parse_apache_access, parse_apache_error, parse_apache_error_in,
};

fuzz_target!(|data: &[u8]| {
    let routed = parse_apache(data);
    check_result("apache", data, &routed);
    let access = parse_apache_access(data);
    check_result("apache_access", data, &access);
    let error = parse_apache_error(data);
    check_result("apache_error", data, &error);
    assert!(
        routed == access || routed == error,
        "parse_apache matches neither the access nor the error parser"
    );
    let zone = zone_for(data);
    check_result("apache_error_in", data, &parse_apache_error_in(data, &zone));
});
