#![no_main]
//! klog (Kubernetes components): shared result checks, at reference times
//! on both sides of New Year.

use libfuzzer_sys::fuzz_target;
use sluice_fuzz::{check_result, reference_times};
use sluice_parsers::parse_klog_at;

fuzz_target!(|data: &[u8]| {
    for now in reference_times() {
        check_result("klog", data, &parse_klog_at(data, now));
    }
});
