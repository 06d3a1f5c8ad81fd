#![no_main]
//! Syslog, RFC 3164 and 5424: shared result checks for the auto-detecting
//! entry point and both RFC parsers, at reference times on both sides of
//! New Year; the auto-detected result is one of the two RFCs' results.

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::{check_result, reference_times, zone_for};
use sluice_parsers::{parse_rfc3164, parse_rfc5424, parse_syslog_at, TimeContext};

fuzz_target!(|data: &[u8]| {
    let rfc5424 = parse_rfc5424(data);
    check_result("rfc5424", data, &rfc5424);
    for now in reference_times() {
        let auto = parse_syslog_at(data, now);
        check_result("syslog", data, &auto);
        let rfc3164 = parse_rfc3164(data, &TimeContext::new(now));
        check_result("rfc3164", data, &rfc3164);
        assert!(
            auto == rfc5424 || auto == rfc3164,
            "parse_syslog_at matches neither RFC parser"
        );
        let zoned = TimeContext::new(now).in_zone(zone_for(data));
        check_result("rfc3164_in", data, &parse_rfc3164(data, &zoned));
    }
});
