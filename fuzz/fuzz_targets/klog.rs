#![no_main]
//! klog (Kubernetes components): shared result checks, at reference times
//! on both sides of New Year.

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::{check_result, reference_times, zone_for};
use sluice_parsers::{parse_klog_at, parse_klog_in, TimeContext};

fuzz_target!(|data: &[u8]| {
    for now in reference_times() {
        check_result("klog", data, &parse_klog_at(data, now));
        let zoned = TimeContext::new(now).in_zone(zone_for(data));
        check_result("klog_in", data, &parse_klog_in(data, &zoned));
    }
});
