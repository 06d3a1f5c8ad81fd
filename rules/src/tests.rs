use serde_json::{json, Value};
use sluice_parsers::Record;

use super::*;

fn sinks() -> Vec<String> {
    vec!["es".to_owned(), "secure_file".to_owned()]
}

fn compile(text: &str) -> Result<RuleSet, Vec<Diagnostic>> {
    let sinks = sinks();
    RuleSet::compile(
        &[SourceFile::new("r.yaml", text)],
        &CompileContext::new(&sinks),
    )
    .map(|(rules, _)| rules)
    .map_err(|RuleError::Invalid(diagnostics)| diagnostics)
}

fn headlines(text: &str) -> Vec<String> {
    compile(text)
        .err()
        .unwrap_or_default()
        .iter()
        .map(Diagnostic::headline)
        .collect()
}

fn record(value: Value) -> Record {
    value.as_object().cloned().unwrap_or_default()
}

fn builtin_packs() -> RuleSet {
    let files: Vec<SourceFile> = packs::PACKS
        .iter()
        .map(|(name, text)| SourceFile::new(format!("builtin:{name}"), *text))
        .collect();
    let sinks = sinks();
    RuleSet::compile(&files, &CompileContext::new(&sinks))
        .unwrap()
        .0
}

#[test]
fn field_rules_redact_partial_and_remove() {
    let rules = compile(
        r#"
mask:
  - name: password-fields
    field: '(?i)password|passwd|secret'
    action: redact
    replacement: "***REDACTED***"
  - name: emails-partial
    field: '(?i)email'
    action: partial
    keep: '^(.{2}).*(@.*)$'
    replacement: '$1***$2'
  - name: drop-cookies
    field: '^http\.cookie$'
    action: remove
remove: [API_KEY]
"#,
    )
    .unwrap();
    let mut event = record(json!({
        "user": {"email": "alice@example.com", "password": "hunter2"},
        "api_key": "k", "http": {"cookie": "c", "method": "GET"}, "db_passwd": 1234
    }));
    let mut fired = Vec::new();
    rules.mask.apply(&mut event, Some(&mut fired));
    assert_eq!(
        Value::Object(event),
        json!({"user": {"email": "al***@example.com", "password": "***REDACTED***"},
               "http": {"method": "GET"}, "db_passwd": "***REDACTED***"})
    );
    assert_eq!(
        fired,
        [
            "emails-partial",
            "password-fields",
            "remove",
            "drop-cookies"
        ]
    );
}

#[test]
fn hash_is_keyed_and_stable() {
    std::env::set_var("SLUICE_TEST_HASH_KEY", "k1");
    let rules = compile(
        "mask:\n  - name: ids\n    pattern: 'EMP-\\d{6}'\n    action: hash\n    key_env: SLUICE_TEST_HASH_KEY\n",
    )
    .unwrap();
    let mut first = record(json!({"message": "by EMP-123456 and EMP-123456"}));
    rules.mask.apply(&mut first, None);
    let text = first["message"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = text.split(' ').collect();
    assert_eq!(parts[1], parts[3], "same input, same hash");
    assert_eq!(parts[1].len(), 16);
    assert!(!text.contains("EMP-"));
}

#[test]
fn hash_without_key_is_refused() {
    assert_eq!(
        headlines("mask:\n  - name: ids\n    pattern: 'x'\n    action: hash\n"),
        ["r.yaml:4:13: action `hash` needs a key: set `key_env` (an environment variable) or `key_file` (a file) holding it (unkeyed hashes of short values can be brute-forced)"]
    );
}

#[test]
fn hash_key_from_a_file_matches_the_same_key_from_the_environment() {
    let dir = std::env::temp_dir().join(format!("sluice-hash-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hash.key"), "k2\n").unwrap();
    std::env::set_var("SLUICE_TEST_HASH_KEY_2", "k2");
    let rule = |key: &str| {
        format!("mask:\n  - name: ids\n    pattern: 'EMP-\\d{{6}}'\n    action: hash\n    {key}\n")
    };
    let sinks = sinks();
    let from_file = RuleSet::compile(
        &[SourceFile::new(
            dir.join("r.yaml").display().to_string(),
            rule("key_file: hash.key"),
        )],
        &CompileContext::new(&sinks),
    )
    .unwrap()
    .0;
    let from_env = compile(&rule("key_env: SLUICE_TEST_HASH_KEY_2")).unwrap();
    let mut a = record(json!({"message": "EMP-123456"}));
    let mut b = a.clone();
    from_file.mask.apply(&mut a, None);
    from_env.mask.apply(&mut b, None);
    assert_eq!(
        a, b,
        "a trailing newline in the key file is not part of the key"
    );
    assert_ne!(a["message"], "EMP-123456");

    assert_eq!(
        headlines(&rule("key_file: /nonexistent/hash.key")),
        ["r.yaml:5:15: cannot read key file `/nonexistent/hash.key`: No such file or directory (os error 2)"]
    );
    assert_eq!(
        headlines(&rule("key_env: X\n    key_file: k")),
        ["r.yaml:6:15: give `key_env` or `key_file`, not both"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn builtin_packs_mask_passwords_emails_and_valid_cards_only() {
    let rules = builtin_packs();
    let mut event = record(json!({
        "password": "hunter2", "client_secret": "s", "token_count": 42,
        "email": "bob.smith@example.org",
        "message": "paid with 4111 1111 1111 1111, order 4111111111111112, mail carol@example.com"
    }));
    rules.mask.apply(&mut event, None);
    assert_eq!(event["password"], "***REDACTED***");
    assert_eq!(event["client_secret"], "***REDACTED***");
    assert_eq!(event["token_count"], 42);
    assert_eq!(event["email"], "bo***@example.org");
    assert_eq!(
        event["message"],
        "paid with [CARD REDACTED], order 4111111111111112, mail ca***@example.com"
    );
}

#[test]
fn enrich_sets_fields_when_equal() {
    let rules = compile(
        "enrich:\n  - when: { level: ERROR }\n    set: { error_severity: high, labels.team: core }\n",
    )
    .unwrap();
    let mut error = record(json!({"level": "ERROR"}));
    let mut info = record(json!({"level": "INFO"}));
    assert_eq!(rules.enrich.apply(&mut error), 1);
    assert_eq!(rules.enrich.apply(&mut info), 0);
    assert_eq!(
        Value::Object(error),
        json!({"level": "ERROR", "error_severity": "high", "labels.team": "core"})
    );
}

#[test]
fn patterns_tag_events_and_list_several_matches() {
    let rules = compile(
        r#"
patterns:
  - name: authentication_failure
    regex: 'Authentication failed for user'
    severity: medium
    action: security_alert
  - name: memory_leak_pattern
    regex: 'OutOfMemoryError'
    severity: critical
"#,
    )
    .unwrap();
    let mut both = record(json!({"message": "Authentication failed for user x: OutOfMemoryError"}));
    assert_eq!(rules.patterns.apply(&mut both), [0, 1]);
    assert_eq!(
        both["pattern.name"],
        json!(["authentication_failure", "memory_leak_pattern"])
    );
    assert_eq!(both["pattern.severity"], json!(["medium", "critical"]));
    assert_eq!(both["pattern.action"], "security_alert");
    let mut none = record(json!({"message": "fine"}));
    assert!(rules.patterns.apply(&mut none).is_empty());
    assert!(none.keys().all(|key| !key.starts_with("pattern")));
}

#[test]
fn routes_first_match_wins_unless_continue() {
    let rules = compile(
        r#"
routes:
  - match: "claude.security.**"
    to: [es, secure_file]
    index: claude-security-logs-%Y.%m.%d
  - when: { level: DEBUG }
    drop: true
  - match: "claude.*"
    to: [es]
    continue: true
  - match: "claude.application"
    to: [secure_file]
"#,
    )
    .unwrap();
    let plain = record(json!({"level": "INFO"}));
    let debug = record(json!({"level": "DEBUG"}));
    let security_index = Some(Arc::<str>::from("claude-security-logs-%Y.%m.%d"));
    assert_eq!(
        rules.routes.route("claude.security.auth", &debug, None),
        Routing::Deliver(vec![
            Target {
                sink: 0,
                index: security_index.clone()
            },
            Target {
                sink: 1,
                index: security_index
            }
        ])
    );
    assert!(matches!(
        rules.routes.route("claude.application", &debug, None),
        Routing::Drop { .. }
    ));
    assert_eq!(
        rules.routes.route("claude.application", &plain, None),
        Routing::Deliver(vec![
            Target {
                sink: 0,
                index: None
            },
            Target {
                sink: 1,
                index: None
            }
        ])
    );
    assert_eq!(rules.routes.route("other", &plain, None), Routing::Unrouted);
}

#[test]
fn route_to_unknown_sink_points_at_the_name() {
    assert_eq!(
        headlines("routes:\n  - match: 'a.**'\n    to: [es, nowhere]\n"),
        ["r.yaml:3:14: route to unknown sink `nowhere`; configured sinks: es, secure_file"]
    );
}

#[test]
fn bad_regex_points_inside_the_pattern() {
    assert_eq!(
        headlines("patterns:\n  - name: p\n    regex: 'ok(unclosed'\n"),
        ["r.yaml:3:15: invalid regex: unclosed group"]
    );
}

#[test]
fn unknown_detector_and_unknown_key_are_errors() {
    assert_eq!(
        headlines("mask:\n  - name: d\n    detect: passport\n    action: redact\n"),
        ["r.yaml:3:13: unknown detector `passport`; built-in detectors: email, phone, credit_card, us_ssn, iban, cn_resident_id, ipv4, ipv6, mac, jwt, aws_access_key, aws_secret_key, github_token, gitlab_token, slack_token, stripe_key, google_api_key, private_key, auth_header, url_credentials"]
    );
    let unknown = headlines("mask:\n  - name: d\n    feild: x\n    action: redact\n");
    assert_eq!(unknown.len(), 1);
    assert!(
        unknown[0].starts_with("r.yaml:3:5: unknown field `feild`"),
        "{unknown:?}"
    );
}

#[test]
fn route_after_catch_all_is_a_warning() {
    let sinks = sinks();
    let (_, warnings) = RuleSet::compile(
        &[SourceFile::new(
            "r.yaml",
            "routes:\n  - match: '**'\n    to: [es]\n  - match: a\n    to: [es]\n",
        )],
        &CompileContext::new(&sinks),
    )
    .unwrap();
    assert_eq!(
        warnings.iter().map(Diagnostic::headline).collect::<Vec<_>>(),
        ["r.yaml:4:12: warning: route `r.yaml#route2` is unreachable: an earlier route catches every event"]
    );
}

#[test]
fn route_covered_by_an_earlier_one_is_a_warning() {
    let sinks = sinks();
    let text = "routes:
  - { name: apps, match: 'app.**', to: [es] }
  - { name: web, match: 'app.{web,api}', to: [secure_file] }
  - { name: conditional, match: 'app.**', when: { level: ERROR }, to: [es] }
  - { name: after-conditional, match: 'app.web', to: [es] }
  - { name: other, match: 'billing.*', to: [es] }
";
    let (_, warnings) = RuleSet::compile(
        &[SourceFile::new("r.yaml", text)],
        &CompileContext::new(&sinks),
    )
    .unwrap();
    assert_eq!(
        warnings.iter().map(Diagnostic::headline).collect::<Vec<_>>(),
        [
            "r.yaml:3:25: warning: route `web` is unreachable: route `apps` before it takes every event it would",
            "r.yaml:4:33: warning: route `conditional` is unreachable: route `apps` before it takes every event it would",
            "r.yaml:5:39: warning: route `after-conditional` is unreachable: route `apps` before it takes every event it would",
        ]
    );
}

/// `(line, what it must become)`: secrets written inline lose their value
/// only; ordinary text stays exactly as it was.
const INLINE_SECRETS: &[(&str, &str)] = &[
    (
        r#"{"user":"ana","password":"hunter2","bad json"#,
        r#"{"user":"ana","password":"***REDACTED***","bad json"#,
    ),
    (
        "login db_password=s3cr3t ok",
        "login db_password=***REDACTED*** ok",
    ),
    (
        "access_token=abc.def&x=1",
        "access_token=***REDACTED***&x=1",
    ),
    (
        r#"{\"api_key\":\"sk-live-1\"}"#,
        r#"{\"api_key\":\"***REDACTED***\"}"#,
    ),
    (
        r#"password="correct horse battery staple""#,
        r#"password="***REDACTED***""#,
    ),
    ("{'password': 'hunter2'}", "{'password': '***REDACTED***'}"),
    (r#""token" => "abc""#, r#""token" => "***REDACTED***""#),
    (
        "export GITHUB_TOKEN=ghp_abc123",
        "export GITHUB_TOKEN=***REDACTED***",
    ),
    (
        "csrf_token=abc&reset_token=def",
        "csrf_token=***REDACTED***&reset_token=***REDACTED***",
    ),
    ("Cookie: session=abc123; other=1", "Cookie: ***REDACTED***"),
    ("x-api-key: abc123def456", "x-api-key: ***REDACTED***"),
    ("X-Auth-Token: abc123def456", "X-Auth-Token: ***REDACTED***"),
    ("access_token: abc.def", "access_token: ***REDACTED***"),
    (
        "aws_secret_access_key = wJalrXUtnFEMI",
        "aws_secret_access_key = ***REDACTED***",
    ),
    (
        "headers={'Authorization': 'Bearer abc123'}",
        "headers={'Authorization': 'Bearer ***REDACTED***'}",
    ),
    (
        r#""Authorization": ["Bearer abc123"]"#,
        r#""Authorization": ["Bearer ***REDACTED***"]"#,
    ),
    (r#""password": "a\"b""#, r#""password": "***REDACTED***""#),
    (
        "Authorization: Bearer eyJhbGciOi.J9.x",
        "Authorization: Bearer ***REDACTED***",
    ),
    (
        r#""authorization":"Basic dXNlcjpwYXNz""#,
        r#""authorization":"Basic ***REDACTED***""#,
    ),
];

const BENIGN_TEXT: &[&str] = &[
    "password: incorrect for user ana",
    "token: signature expired",
    "Secret: not found",
    "max_tokens=4096 input_tokens: 512 token_count=7",
    "PWD=/home/ana/project",
    r#"{"token":{"id":5}}"#,
    "Password reset sent to the user",
    "primary_key: 42 and sort_key: name",
    "password => changed",
    "token expired, secret rotated",
];

#[test]
fn secret_assignments_in_text_mask_only_the_value() {
    let rules = builtin_packs();
    for (line, expected) in INLINE_SECRETS {
        let mut event = record(json!({ "message": line }));
        rules.mask.apply(&mut event, None);
        assert_eq!(event["message"], *expected, "for {line}");
    }
}

#[test]
fn ordinary_text_next_to_secret_words_is_left_alone() {
    let rules = builtin_packs();
    for line in BENIGN_TEXT {
        let mut event = record(json!({ "message": line }));
        rules.mask.apply(&mut event, None);
        assert_eq!(event["message"], *line);
    }
}

/// `(message, what the built-in packs make of it)` for each detector the
/// packs use. Vendor prefixes are split so secret scanners pass this file.
fn detected_in_text() -> Vec<(String, String)> {
    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl";
    let github = format!("{}{}", concat!("gh", "p_"), "a1B2".repeat(9));
    let key_begin = concat!("-----BEGIN PRIVATE", " KEY-----");
    let key_end = concat!("-----END PRIVATE", " KEY-----");
    [
        ("call +1 415 555 0132 today", "call [PHONE REDACTED] today"),
        ("手机13812345678", "手机[PHONE REDACTED]"),
        ("ssn 123-45-6789", "ssn XXX-XX-XXXX"),
        (
            "to DE89 3704 0044 0532 0130 00 ok",
            "to **** **** **** **** **30 00 ok",
        ),
        ("身份证11010519491231002X", "身份证[ID REDACTED]"),
        (&format!("jwt {jwt} seen"), "jwt ***REDACTED*** seen"),
        (&format!("using {github}"), "using ***REDACTED***"),
        (
            &format!("{key_begin}\\nMIIEvQIBADANBg\\n{key_end}"),
            &format!("{key_begin}***REDACTED***{key_end}"),
        ),
        (
            "curl -H 'X: Bearer 0a1b2c3d4e5f6a7b'",
            "curl -H 'X: Bearer ***REDACTED***'",
        ),
        (
            "dsn postgres://app:s3cret@db:5432/x",
            "dsn postgres://app:***REDACTED***@db:5432/x",
        ),
    ]
    .into_iter()
    .map(|(line, expected)| (line.to_owned(), expected.to_owned()))
    .collect()
}

/// Look-alikes the packs must leave exactly as they are.
const LOOK_ALIKES: &[&str] = &[
    "order 1000000000000008 shipped",
    "id 400000000000000002 and ts=1795429741",
    "trace=a13812345678f span 9913812345678123",
    "client 10.0.0.1 on version 10.2.3.4, mac 00:1a:2b:3c:4d:5e",
    "commit da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "uuid 41111111-1111-1111-1111-111111111111",
    "basic auth failed; bearer token-based login",
    "see http://example.com:8080/a and config.py",
    "iban DE89370400440532013001 fails mod 97",
    "110101199003074478 fails its check digit",
];

#[test]
fn builtin_packs_mask_what_each_detector_finds() {
    let rules = builtin_packs();
    for (line, expected) in detected_in_text() {
        let mut event = record(json!({ "message": line }));
        rules.mask.apply(&mut event, None);
        assert_eq!(event["message"], expected, "for {line}");
    }
}

#[test]
fn builtin_packs_leave_look_alikes_and_network_addresses_alone() {
    let rules = builtin_packs();
    for line in LOOK_ALIKES {
        let mut event = record(json!({ "message": line }));
        rules.mask.apply(&mut event, None);
        assert_eq!(event["message"], *line);
    }
}

#[test]
fn keep_last_masks_letters_and_digits_but_not_separators() {
    let rules = compile(
        "mask:\n  - name: accounts\n    field: account\n    action: partial\n    keep_last: 2\n  - name: cards\n    detect: credit_card\n    action: partial\n    keep_last: 4\n",
    )
    .unwrap();
    let mut event = record(json!({
        "message": "paid 4111 1111 1111 1111 and 3782-822463-10005",
        "number": 5_555_555_555_554_444_u64,
        "account": "AB-12/34"
    }));
    rules.mask.apply(&mut event, None);
    assert_eq!(
        event["message"],
        "paid **** **** **** 1111 and ****-******-*0005"
    );
    assert_eq!(event["number"], "************4444");
    assert_eq!(event["account"], "**-**/34");
}

#[test]
fn keep_last_goes_with_partial_alone() {
    assert_eq!(
        headlines(
            "mask:\n  - name: c\n    detect: credit_card\n    action: redact\n    keep_last: 4\n"
        ),
        ["r.yaml:5:16: `keep_last` goes with `action: partial`"]
    );
    assert_eq!(
        headlines("mask:\n  - name: c\n    field: card\n    action: partial\n    keep: '(.*)'\n    keep_last: 4\n"),
        ["r.yaml:6:16: `keep_last` replaces each masked letter or digit with `*`: use it without `keep` and `replacement`"]
    );
}

#[test]
fn custom_patterns_never_rewrite_numbers() {
    let rules =
        compile("mask:\n  - name: ten-digits\n    pattern: '\\b\\d{10}\\b'\n    action: redact\n")
            .unwrap();
    let mut event = record(json!({"ts": 1_795_429_741_u64, "note": "call 4155550132"}));
    rules.mask.apply(&mut event, None);
    assert_eq!(event["ts"], 1_795_429_741_u64);
    assert_eq!(event["note"], "call ***REDACTED***");
}

#[test]
fn cards_next_to_dates_and_cards_logged_as_numbers_are_masked() {
    let rules = builtin_packs();
    let mut event = record(json!({
        "message": "paid with 4111 1111 1111 1111 12/25",
        "plain": "paid with 4111111111111111 12/25",
        "note": 4111111111111111_u64,
        "order": 4111111111111112_u64
    }));
    rules.mask.apply(&mut event, None);
    assert_eq!(event["message"], "paid with [CARD REDACTED] 12/25");
    assert_eq!(event["plain"], "paid with [CARD REDACTED] 12/25");
    assert_eq!(event["note"], "[CARD REDACTED]");
    assert_eq!(
        event["order"], 4111111111111112_u64,
        "fails Luhn: kept as a number"
    );
}

#[test]
fn numbers_shaped_like_phones_stay_numbers() {
    let rules = builtin_packs();
    let mut event = record(json!({
        "bytes_sent": 15_032_385_536_u64,
        "resident": 110_105_194_912_310_118_u64
    }));
    rules.mask.apply(&mut event, None);
    assert_eq!(event["bytes_sent"], 15_032_385_536_u64);
    assert_eq!(event["resident"], "[ID REDACTED]");
}

#[test]
fn partial_keeps_only_what_the_template_names() {
    let rules = compile(
        "mask:\n  - name: last4\n    field: card\n    action: partial\n    keep: '(\\d{4})$'\n    replacement: '****$1'\n",
    )
    .unwrap();
    let mut event = record(json!({"card": "4111111111111111"}));
    rules.mask.apply(&mut event, None);
    assert_eq!(event["card"], "****1111");
}

#[test]
fn pattern_tags_never_clobber_an_application_field() {
    let rules = compile("patterns:\n  - name: auth\n    regex: 'denied'\n").unwrap();
    let mut event = record(json!({"pattern": "GET /users/:id", "message": "access denied"}));
    rules.patterns.apply(&mut event);
    assert_eq!(event["pattern"], "GET /users/:id");
    assert_eq!(event["pattern.name"], "auth");
    let mut event = record(json!({"pattern": {"name": "route"}, "message": "access denied"}));
    rules.patterns.apply(&mut event);
    assert_eq!(event["pattern"], json!({"name": "route"}));
    assert_eq!(event["pattern.name"], "auth");
}

#[test]
fn route_with_both_to_and_drop_is_an_error() {
    assert_eq!(
        headlines("routes:\n  - match: 'a.**'\n    to: [es]\n    drop: true\n"),
        ["r.yaml:2:12: route `r.yaml#route1` has both `to` and `drop: true`; pick one"]
    );
}
