#![no_main]
//! Every built-in detector, through the mask stage, over arbitrary text.
//!
//! Extra checks: no panic in any validator (they index by byte offsets
//! worked out from the regex match and the surrounding text); a value that
//! no rule fired on comes back unchanged; a masked value is still a string.

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use sluice_rules::{detectors, CompileContext, RuleSet, SourceFile};

fn every_detector() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut text = String::from("mask:\n");
        for name in detectors::names() {
            text.push_str(&format!(
                "  - name: {name}\n    detect: {name}\n    action: partial\n    keep_last: 2\n"
            ));
        }
        let sinks = ["local".to_owned()];
        RuleSet::compile(
            &[SourceFile::new("detectors.yaml", text)],
            &CompileContext::new(&sinks),
        )
        .expect("a rule per detector compiles")
        .0
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut record = json!({ "message": text })
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut fired = Vec::new();
    every_detector().mask.apply(&mut record, Some(&mut fired));
    match &record["message"] {
        Value::String(masked) if fired.is_empty() => assert_eq!(*masked, text),
        Value::String(_) => {}
        other => panic!("message became {other}"),
    }
});
