//! Generators for look-alikes the default packs must leave intact: one
//! function per kind, each a near miss of some entity's rule, with the
//! rule it breaks.

use super::checksums::{cn_id_check_char, iban_check_digits, luhn_check_digit, luhn_valid};
use super::rng::{Rng, HEX};
use super::secrets::{iban_parts, print_iban, CN_REGIONS};
use super::Entity;

/// Every decoy kind, in table order.
pub const DECOYS: &[fn(&mut Rng) -> Entity] = &[
    order_number,
    numeric_id_18,
    uuid,
    trace_id,
    git_sha,
    invalid_ssn,
    invalid_cn_id,
    invalid_iban,
    version,
    duration,
    timestamp,
    epoch_ms,
    bare_ten_digits,
    file_name,
    host_port,
    hex_color,
];

fn decoy(name: &'static str, value: String, key: &str, en: String, zh: String) -> Entity {
    Entity {
        name,
        needles: vec![value.clone()],
        value,
        key: key.to_owned(),
        en,
        zh,
        as_number: false,
        field_only: false,
    }
}

fn numeric(mut entity: Entity) -> Entity {
    entity.as_number = true;
    entity
}

/// Sixteen digits with a card issuer's prefix whose last digit breaks
/// Luhn: what an order or invoice number looks like.
fn order_number(rng: &mut Rng) -> Entity {
    let payload = format!(
        "{}{}",
        rng.word(&["4", "5", "6", "3", "1", "9"]),
        rng.digits(14)
    );
    let wrong = (luhn_check_digit(&payload) + rng.between(1, 9)) % 10;
    let value = format!("{payload}{wrong}");
    let en = format!("order {value}");
    let zh = format!("订单号 {value}");
    numeric(decoy("order_number", value, "order_id", en, zh))
}

/// A Snowflake-style id: 18 digits that are neither a Luhn-valid number
/// nor a resident id (its last digit is not the GB 11643 check).
fn numeric_id_18(rng: &mut Rng) -> Entity {
    let value = loop {
        let value = format!("1{}", rng.digits(17));
        let check = cn_id_check_char(&value[..17]);
        if !luhn_valid(&value) && !value.ends_with(check) {
            break value;
        }
    };
    let en = format!("user {value}");
    let zh = format!("用户 {value}");
    numeric(decoy("numeric_id_18", value, "user_id", en, zh))
}

fn uuid(rng: &mut Rng) -> Entity {
    let value = format!(
        "{}-{}-4{}-{}{}-{}",
        rng.string(HEX, 8),
        rng.string(HEX, 4),
        rng.string(HEX, 3),
        rng.word(&["8", "9", "a", "b"]),
        rng.string(HEX, 3),
        rng.string(HEX, 12)
    );
    decoy(
        "uuid",
        value.clone(),
        "request_id",
        format!("request {value}"),
        format!("请求 {value}"),
    )
}

/// W3C trace-context trace id: 32 lowercase hex digits.
fn trace_id(rng: &mut Rng) -> Entity {
    let value = rng.string(HEX, 32);
    decoy(
        "trace_id",
        value.clone(),
        "trace_id",
        format!("trace={value}"),
        format!("链路 {value}"),
    )
}

/// A full commit SHA-1: 40 hex, the length of an AWS secret key.
fn git_sha(rng: &mut Rng) -> Entity {
    let value = rng.string(HEX, 40);
    decoy(
        "git_sha",
        value.clone(),
        "commit",
        format!("deployed {value}"),
        format!("发布版本 {value}"),
    )
}

/// Dashed like an SSN, but never issued: area 000, 666 or 900-999, group
/// 00, or serial 0000.
fn invalid_ssn(rng: &mut Rng) -> Entity {
    let mut area = format!("{:03}", rng.between(1, 665));
    let mut group = format!("{:02}", rng.between(1, 99));
    let mut serial = format!("{:04}", rng.between(1, 9999));
    match rng.below(5) {
        0 => area = "000".to_owned(),
        1 => area = "666".to_owned(),
        2 => area = rng.between(900, 999).to_string(),
        3 => group = "00".to_owned(),
        _ => serial = "0000".to_owned(),
    }
    let value = format!("{area}-{group}-{serial}");
    decoy(
        "invalid_ssn",
        value.clone(),
        "case_ref",
        format!("case {value}"),
        format!("工单 {value}"),
    )
}

/// 18 characters shaped like a resident id that fail it: the right check
/// character over an impossible birth date (month 00 or 13, day 00 or 32,
/// 30 February), or a real date with the wrong check character.
fn invalid_cn_id(rng: &mut Rng) -> Entity {
    let year = rng.between(1950, 2009);
    let region = rng.word(CN_REGIONS);
    let sequence = rng.digits(3);
    let bad_date = match rng.below(5) {
        0 => Some(format!("{year}00{:02}", rng.between(1, 28))),
        1 => Some(format!("{year}13{:02}", rng.between(1, 28))),
        2 => Some(format!("{year}{:02}00", rng.between(1, 12))),
        3 => Some(format!("{year}{:02}32", rng.between(1, 12))),
        _ => None,
    };
    let value = match bad_date {
        Some(date) => {
            let first17 = format!("{region}{date}{sequence}");
            format!("{first17}{}", cn_id_check_char(&first17))
        }
        None => {
            let date = if rng.below(2) == 0 {
                format!("{year}0230")
            } else {
                format!("{year}{:02}{:02}", rng.between(1, 12), rng.between(1, 28))
            };
            let first17 = format!("{region}{date}{sequence}");
            let right = cn_id_check_char(&first17);
            let wrong = loop {
                let candidate = *rng.pick(&['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
                if candidate != right {
                    break candidate;
                }
            };
            // 30 February keeps the right check digit: the date alone fails.
            let check = if date.ends_with("0230") { right } else { wrong };
            format!("{first17}{check}")
        }
    };
    decoy(
        "invalid_cn_id",
        value.clone(),
        "waybill",
        format!("waybill {value}"),
        format!("运单号 {value}"),
    )
}

/// An IBAN with check digits that fail mod 97 (a typo'd account).
fn invalid_iban(rng: &mut Rng) -> Entity {
    let (country, bban) = iban_parts(rng);
    let right = iban_check_digits(country, &bban);
    let wrong = loop {
        let candidate = rng.between(2, 98);
        if candidate != right {
            break candidate;
        }
    };
    let value = print_iban(rng, &format!("{country}{wrong:02}{bban}"));
    decoy(
        "invalid_iban",
        value.clone(),
        "reference",
        format!("ref {value}"),
        format!("参考号 {value}"),
    )
}

fn version(rng: &mut Rng) -> Entity {
    let value = match rng.below(3) {
        0 => format!(
            "{}.{}.{}.{}",
            rng.between(1, 20),
            rng.below(10),
            rng.below(10),
            rng.below(100)
        ),
        1 => format!("v{}.{}.{}", rng.below(5), rng.below(30), rng.below(20)),
        _ => format!(
            "{}.{}.{}-beta.{}",
            rng.below(5),
            rng.below(30),
            rng.below(20),
            rng.between(1, 9)
        ),
    };
    decoy(
        "version",
        value.clone(),
        "version",
        format!("version {value}"),
        format!("版本 {value}"),
    )
}

fn duration(rng: &mut Rng) -> Entity {
    let value = match rng.below(3) {
        0 => format!("{}ms", rng.between(1, 99_999)),
        1 => format!("{}.{}s", rng.below(60), rng.below(10)),
        _ => format!("{}µs", rng.between(1, 9_999)),
    };
    decoy(
        "duration",
        value.clone(),
        "elapsed",
        format!("took {value}"),
        format!("耗时{value}"),
    )
}

pub fn timestamp_text(rng: &mut Rng) -> String {
    let date = format!("2026-{:02}-{:02}", rng.between(1, 12), rng.between(1, 28));
    let time = format!(
        "{:02}:{:02}:{:02}",
        rng.below(24),
        rng.below(60),
        rng.below(60)
    );
    match rng.below(3) {
        0 => format!("{date}T{time}Z"),
        1 => format!("{date}T{time}.{}+08:00", rng.digits(3)),
        _ => format!("{date} {time},{}", rng.digits(3)),
    }
}

fn timestamp(rng: &mut Rng) -> Entity {
    let value = timestamp_text(rng);
    decoy(
        "timestamp",
        value.clone(),
        "created_at",
        format!("at {value}"),
        format!("时间 {value}"),
    )
}

/// Milliseconds since the epoch in 2025-2026: 13 digits from 17.
fn epoch_ms(rng: &mut Rng) -> Entity {
    let value = format!("17{}", rng.digits(11));
    numeric(decoy(
        "epoch_ms",
        value.clone(),
        "ts_ms",
        format!("ts={value}"),
        format!("时间戳 {value}"),
    ))
}

/// Ten digits shaped like a NANP number with no phone keyword near: a
/// batch or sequence number.
fn bare_ten_digits(rng: &mut Rng) -> Entity {
    let value = format!("{}{}", rng.between(2, 9), rng.digits(9));
    numeric(decoy(
        "bare_10_digits",
        value.clone(),
        "batch",
        format!("batch {value}"),
        format!("批次 {value}"),
    ))
}

/// Dotted names that end like a domain: `config.py`, `app.settings.json`.
fn file_name(rng: &mut Rng) -> Entity {
    let value = format!(
        "{}.{}",
        rng.word(&["config", "settings.local", "app", "index.min", "manage"]),
        rng.word(&["py", "json", "yaml", "js", "rs", "io"])
    );
    decoy(
        "file_name",
        value.clone(),
        "file",
        format!("loaded {value}"),
        format!("加载 {value}"),
    )
}

fn host_port(rng: &mut Rng) -> Entity {
    let value = format!(
        "{}:{}",
        rng.word(&["api.internal", "localhost", "10.0.3.7", "cache-1"]),
        rng.pick(&[80, 443, 5432, 6379, 8080, 8443, 9200, 50051])
    );
    decoy(
        "host_port",
        value.clone(),
        "upstream_addr",
        format!("upstream {value}"),
        format!("上游 {value}"),
    )
}

fn hex_color(rng: &mut Rng) -> Entity {
    let value = format!("#{}", rng.string(HEX, 6));
    decoy(
        "hex_color",
        value.clone(),
        "color",
        format!("color {value}"),
        format!("颜色 {value}"),
    )
}

#[test]
fn decoys_fail_the_rule_they_imitate() {
    use super::checksums::iban_valid;
    let mut rng = Rng::new(7);
    for _ in 0..500 {
        assert!(!luhn_valid(&order_number(&mut rng).value));
        assert!(!iban_valid(&invalid_iban(&mut rng).value.replace(' ', "")));
        let id = invalid_cn_id(&mut rng).value;
        let (month, day) = (&id[10..12], &id[12..14]);
        let date_ok = ("01".."13").contains(&month) && ("01".."29").contains(&day);
        let check_ok = id.ends_with(cn_id_check_char(&id[..17]));
        assert!(!(date_ok && check_ok), "{id}");
        let ssn = invalid_ssn(&mut rng).value;
        assert!(
            ssn.starts_with("000")
                || ssn.starts_with("666")
                || ssn.starts_with('9')
                || &ssn[4..6] == "00"
                || ssn.ends_with("0000"),
            "{ssn}"
        );
    }
}
