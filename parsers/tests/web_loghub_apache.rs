//! Every line of loghub's Apache sample (2,000 lines of a 2005 Apache 2.2
//! error log) parses as an Apache error-log line, and the header fields
//! agree with an independent split of the line done here.

use chrono::NaiveDateTime;
use serde_json::Value;
use sluice_parsers::parse_apache_error;

const DATASET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/loghub2k/Apache/Apache_2k.log"
);

/// `[Sun Dec 04 04:47:44 2005] [notice] rest` → (RFC 3339 UTC, level, rest).
fn split(line: &str) -> (String, &str, &str) {
    let time_end = line.find("] [").expect("time bracket");
    let time = NaiveDateTime::parse_from_str(&line[1..time_end], "%a %b %d %H:%M:%S %Y")
        .expect("apr_ctime date");
    let after_time = &line[time_end + 3..];
    let level_end = after_time.find("] ").expect("level bracket");
    (
        time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        &after_time[..level_end],
        &after_time[level_end + 2..],
    )
}

#[test]
fn all_2000_apache_lines_parse_with_the_right_header() {
    let text = std::fs::read_to_string(DATASET).unwrap_or_else(|err| panic!("{DATASET}: {err}"));
    let mut lines = 0;
    let mut with_client = 0;
    for (index, line) in text.lines().enumerate() {
        lines += 1;
        let record = parse_apache_error(line.as_bytes())
            .unwrap_or_else(|err| panic!("line {}: {err}\n{line}", index + 1));
        let (timestamp, level, rest) = split(line);
        let context = format!("line {}: {line}", index + 1);
        assert_eq!(record["@timestamp"], Value::from(timestamp), "{context}");
        assert_eq!(record["log.level"], Value::from(level), "{context}");
        let message = match rest
            .strip_prefix("[client ")
            .and_then(|r| r.split_once("] "))
        {
            Some((client, message)) => {
                with_client += 1;
                assert_eq!(record["source.ip"], Value::from(client), "{context}");
                message
            }
            None => rest,
        };
        assert_eq!(record["message"], Value::from(message), "{context}");
    }
    assert_eq!(lines, 2000);
    // The sample's error lines with a client (loghub template E4 and kin).
    assert!(with_client > 0);
}
