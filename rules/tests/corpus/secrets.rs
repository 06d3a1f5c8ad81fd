//! Generators for what the default packs must remove: one function per
//! entity, each producing a value its rule says is real (valid checksums,
//! issued prefixes and lengths, the keyword when the rule needs one).

use super::checksums::{base64, cn_id_check_char, iban_check_digits, luhn_check_digit};
use super::rng::{Rng, ALNUM, BASE64, BASE64URL, DIGITS, HEX, UPPER_ALNUM};
use super::Entity;

/// Secrets a detector must find wherever they are written.
pub const DETECTED: &[fn(&mut Rng) -> Entity] = &[
    email,
    phone,
    credit_card,
    us_ssn,
    iban,
    cn_resident_id,
    jwt,
    aws_access_key,
    aws_secret_key,
    github_token,
    gitlab_token,
    slack_token,
    stripe_key,
    google_api_key,
    private_key,
    auth_header,
    url_credentials,
];

/// Values that only the name of their field marks as secret.
pub const FIELDS: &[fn(&mut Rng) -> Entity] = &[
    |rng| sensitive_field(rng, "password"),
    |rng| sensitive_field(rng, "passwd"),
    |rng| sensitive_field(rng, "secret"),
    |rng| sensitive_field(rng, "token"),
    |rng| sensitive_field(rng, "api_key"),
    |rng| sensitive_field(rng, "authorization"),
    |rng| sensitive_field(rng, "cookie"),
    |rng| sensitive_field(rng, "credit_card"),
    |rng| sensitive_field(rng, "ssn"),
    |rng| sensitive_field(rng, "email"),
    |rng| sensitive_field(rng, "phone"),
];

/// A secret written the same way in every context.
fn plain(name: &'static str, value: String, key: &str, en: String, zh: String) -> Entity {
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

fn email(rng: &mut Rng) -> Entity {
    let local = format!(
        "{}{}{}",
        rng.word(&[
            "ana",
            "li.wei",
            "j.smith",
            "bob_jones",
            "zhang.san",
            "m.garcia"
        ]),
        rng.word(&["", ".", "+billing", "_", "-"]),
        rng.string_between(DIGITS, 0, 3),
    );
    let value = format!(
        "{}@{}",
        local.trim_end_matches(['.', '_', '-']),
        rng.word(&[
            "example.com",
            "mail.example.org",
            "corp.example.co.uk",
            "qq.com",
            "163.com"
        ])
    );
    let en = format!(
        "{} {value}",
        rng.word(&["sent receipt to", "user", "reply-to", "invited"])
    );
    let zh = format!("{}{value}", rng.word(&["邮箱", "邮箱：", "邮箱 "]));
    plain(
        "email",
        value,
        rng.word(&["email", "recipient", "reply_to"]),
        en,
        zh,
    )
}

/// NANP: area code and exchange start with 2-9; an exchange is never N11.
fn nanp_groups(rng: &mut Rng) -> (String, String, String) {
    let area = format!(
        "{}{}{}",
        rng.between(2, 9),
        rng.between(0, 8),
        rng.below(10)
    );
    let exchange = loop {
        let exchange = format!("{}{}", rng.between(2, 9), rng.digits(2));
        if !exchange.ends_with("11") {
            break exchange;
        }
    };
    (area, exchange, rng.digits(4))
}

/// E.164, NANP, UK and Chinese mobile forms; a bare ten-digit run only
/// with its keyword, since without one it is a counter (see the decoys).
fn phone(rng: &mut Rng) -> Entity {
    let (area, exchange, line) = nanp_groups(rng);
    let uk_mobile = format!("7{}", rng.digits(9));
    let cn_mobile = format!("1{}{}", rng.between(3, 9), rng.digits(9));
    let value = match rng.below(12) {
        0 => format!("+1{area}{exchange}{line}"),
        1 => format!("+1 ({area}) {exchange}-{line}"),
        2 => format!("({area}) {exchange}-{line}"),
        3 => format!("{area}-{exchange}-{line}"),
        4 => format!("{area}.{exchange}.{line}"),
        5 => format!("+44{uk_mobile}"),
        6 => format!("+44 {} {}", &uk_mobile[..4], &uk_mobile[4..]),
        7 => format!("0{} {}", &uk_mobile[..4], &uk_mobile[4..]),
        8 => format!(
            "020 {}{} {}",
            rng.word(&["3", "7", "8"]),
            rng.digits(3),
            rng.digits(4)
        ),
        9 => format!("+86{cn_mobile}"),
        10 => cn_mobile.clone(),
        _ => {
            // Bare ten digits: the keyword is part of what makes it a phone.
            let value = format!("{area}{exchange}{line}");
            let keyword = rng.word(&["phone", "tel", "mobile"]);
            let en = format!("{keyword}{}{value}", rng.word(&[" ", ": ", "="]));
            let zh = format!(
                "{}{value}",
                rng.word(&["电话", "手机", "电话：", "手机号 "])
            );
            return plain("phone", value, keyword, en, zh);
        }
    };
    let en = format!(
        "{} {value}",
        rng.word(&["call", "sms sent to", "callback", "from"])
    );
    let zh = format!(
        "{}{value}",
        rng.word(&["用户手机号", "手机号 ", "联系电话：", "号码"])
    );
    plain(
        "phone",
        value,
        rng.word(&["phone", "contact", "callback_number"]),
        en,
        zh,
    )
}

/// A card number: an issuer prefix with a length that issuer uses, then
/// the Luhn digit.
fn card_number(rng: &mut Rng) -> String {
    let (prefix, len) = match rng.below(9) {
        0 => ("4".to_owned(), 16),
        1 => ("4".to_owned(), *rng.pick(&[13, 19])),
        2 => (rng.between(51, 55).to_string(), 16),
        3 => (rng.between(2221, 2720).to_string(), 16),
        4 => (rng.word(&["34", "37"]).to_string(), 15),
        5 => (rng.word(&["6011", "65"]).to_string(), 16),
        6 => (rng.between(3528, 3589).to_string(), 16),
        7 => ("36".to_owned(), 14),
        _ => ("62".to_owned(), 16),
    };
    let payload = format!("{prefix}{}", rng.digits(len - 1 - prefix.len()));
    format!("{payload}{}", luhn_check_digit(&payload))
}

/// Cards print ungrouped, in fours, or 4-6-5 / 4-6-4 for 15 and 14 digits,
/// with one separator throughout.
fn print_card(rng: &mut Rng, number: &str) -> String {
    let separator = rng.word(&["", " ", "-"]);
    if separator.is_empty() {
        return number.to_owned();
    }
    let cuts: Vec<usize> = match number.len() {
        14 | 15 => vec![4, 10],
        len => (4..len).step_by(4).collect(),
    };
    let mut printed = String::new();
    for (at, c) in number.chars().enumerate() {
        if cuts.contains(&at) {
            printed.push_str(separator);
        }
        printed.push(c);
    }
    printed
}

fn credit_card(rng: &mut Rng) -> Entity {
    let number = card_number(rng);
    let value = print_card(rng, &number);
    let en = format!(
        "{} {value}",
        rng.word(&["paid with card", "card", "charge declined for"])
    );
    let zh = format!("{}{value}", rng.word(&["卡号", "银行卡号：", "信用卡 "]));
    let mut entity = plain(
        "credit_card",
        value,
        rng.word(&["card", "instrument", "card_number"]),
        en,
        zh,
    );
    entity.as_number = entity.value == number;
    entity
}

/// Valid SSNs: area 001-899 except 666, group 01-99, serial 0001-9999.
fn ssn_parts(rng: &mut Rng) -> (String, String, String) {
    let area = loop {
        let area = rng.between(1, 899);
        if area != 666 {
            break area;
        }
    };
    (
        format!("{area:03}"),
        format!("{:02}", rng.between(1, 99)),
        format!("{:04}", rng.between(1, 9999)),
    )
}

fn us_ssn(rng: &mut Rng) -> Entity {
    let (area, group, serial) = ssn_parts(rng);
    match rng.below(3) {
        0 | 1 => {
            let separator = if rng.below(2) == 0 { "-" } else { " " };
            let value = format!("{area}{separator}{group}{separator}{serial}");
            let en = format!("{} {value}", rng.word(&["applicant", "verified", "tax id"]));
            let zh = format!("社会安全号{value}");
            plain(
                "us_ssn",
                value,
                rng.word(&["ssn", "tax_id", "applicant_id"]),
                en,
                zh,
            )
        }
        _ => {
            // Nine bare digits are an SSN only beside the keyword.
            let value = format!("{area}{group}{serial}");
            let en = format!("{}{value}", rng.word(&["SSN ", "ssn: ", "ssn=", "SSN#"]));
            let zh = format!("SSN：{value}");
            plain("us_ssn", value, "ssn", en, zh)
        }
    }
}

/// Countries with their BBAN shape: `a` a capital letter, `n` a digit.
pub const IBAN_COUNTRIES: &[(&str, &str)] = &[
    ("DE", "nnnnnnnnnnnnnnnnnn"),
    ("GB", "aaaannnnnnnnnnnnnn"),
    ("FR", "nnnnnnnnnnnnnnnnnnnnnnn"),
    ("NL", "aaaannnnnnnnnn"),
    ("ES", "nnnnnnnnnnnnnnnnnnnn"),
    ("IT", "annnnnnnnnnnnnnnnnnnnnn"),
    ("CH", "nnnnnnnnnnnnnnnnn"),
    ("BE", "nnnnnnnnnnnn"),
    ("PL", "nnnnnnnnnnnnnnnnnnnnnnnn"),
];

/// A country and a BBAN of that country's length.
pub fn iban_parts(rng: &mut Rng) -> (&'static str, String) {
    let (country, shape) = *rng.pick(IBAN_COUNTRIES);
    let bban = shape
        .chars()
        .map(|kind| match kind {
            'a' => rng.string("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1),
            _ => rng.digits(1),
        })
        .collect();
    (country, bban)
}

/// IBANs print compact or in groups of four.
pub fn print_iban(rng: &mut Rng, compact: &str) -> String {
    if rng.below(2) == 0 {
        return compact.to_owned();
    }
    let chars: Vec<char> = compact.chars().collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn iban(rng: &mut Rng) -> Entity {
    let (country, bban) = iban_parts(rng);
    let compact = format!("{country}{:02}{bban}", iban_check_digits(country, &bban));
    let value = print_iban(rng, &compact);
    let en = format!(
        "{} {value}",
        rng.word(&["refund to IBAN", "payout account", "IBAN"])
    );
    let zh = format!("{}{value}", rng.word(&["收款账户 ", "IBAN："]));
    plain("iban", value, rng.word(&["iban", "payout_account"]), en, zh)
}

/// Region codes of real districts (Beijing, Shanghai, Shenzhen, ...).
pub const CN_REGIONS: &[&str] = &[
    "110101", "110105", "310104", "310115", "440305", "440106", "330106", "510107", "420111",
    "320102",
];

/// 18 characters: region, a birth date between 1950 and 2009, a sequence
/// number, and the GB 11643 check character.
fn cn_resident_id(rng: &mut Rng) -> Entity {
    let first17 = format!(
        "{}{}{:02}{:02}{}",
        rng.word(CN_REGIONS),
        rng.between(1950, 2009),
        rng.between(1, 12),
        rng.between(1, 28),
        rng.digits(3)
    );
    let value = format!("{first17}{}", cn_id_check_char(&first17));
    let en = format!(
        "{} {value}",
        rng.word(&["resident id", "id card", "national id"])
    );
    let zh = format!(
        "{}{value}",
        rng.word(&["身份证号：", "身份证号 ", "证件号码"])
    );
    plain(
        "cn_resident_id",
        value,
        rng.word(&["id_card", "cert_no", "身份证号"]),
        en,
        zh,
    )
}

/// header.payload.signature, the header base64url JSON naming its `alg`.
fn jwt(rng: &mut Rng) -> Entity {
    let header = format!(
        r#"{{"alg":"{}","typ":"JWT"}}"#,
        rng.word(&["HS256", "RS256", "ES256"])
    );
    let payload = format!(
        r#"{{"sub":"user-{}","iat":17{},"scope":"{}"}}"#,
        rng.digits(5),
        rng.digits(8),
        rng.word(&["read", "read write", "admin"])
    );
    let value = format!(
        "{}.{}.{}",
        base64(header.as_bytes(), true),
        base64(payload.as_bytes(), true),
        rng.string(BASE64URL, 43)
    );
    let en = format!(
        "{} {value}",
        rng.word(&["issued", "session jwt", "forwarding"])
    );
    let zh = format!("令牌 {value}");
    plain(
        "jwt",
        value,
        rng.word(&["id_token", "jwt", "session"]),
        en,
        zh,
    )
}

fn aws_access_key(rng: &mut Rng) -> Entity {
    let value = format!(
        "{}{}",
        rng.word(&["AKIA", "ASIA"]),
        rng.string(UPPER_ALNUM, 16)
    );
    let en = format!(
        "{} {value}",
        rng.word(&["assumed role with", "key id", "signing with"])
    );
    let zh = format!("访问密钥 {value}");
    plain(
        "aws_access_key",
        value,
        rng.word(&["aws_access_key_id", "AccessKeyId"]),
        en,
        zh,
    )
}

/// Forty base64 characters are a secret key only beside its keyword.
fn aws_secret_key(rng: &mut Rng) -> Entity {
    let value = rng.string(BASE64, 40);
    let keyword = rng.word(&[
        "aws_secret_access_key",
        "AWS_SECRET_ACCESS_KEY",
        "SecretAccessKey",
    ]);
    let en = format!("{keyword}{}{value}", rng.word(&["=", " = ", ": "]));
    let zh = format!("密钥 {keyword}={value}");
    plain("aws_secret_key", value, keyword, en, zh)
}

fn github_token(rng: &mut Rng) -> Entity {
    let value = if rng.below(4) == 0 {
        format!(
            "github_pat_{}_{}",
            rng.string(ALNUM, 22),
            rng.string(ALNUM, 59)
        )
    } else {
        format!(
            "{}_{}",
            rng.word(&["ghp", "gho", "ghu", "ghs", "ghr"]),
            rng.string(ALNUM, 36)
        )
    };
    let en = format!(
        "{} {value}",
        rng.word(&["cloning with", "gh auth", "credential helper returned"])
    );
    let zh = format!("GitHub 凭据 {value}");
    plain(
        "github_token",
        value,
        rng.word(&["GITHUB_TOKEN", "gh_auth"]),
        en,
        zh,
    )
}

fn gitlab_token(rng: &mut Rng) -> Entity {
    let value = format!("glpat-{}", rng.string(&format!("{ALNUM}-_"), 20));
    let en = format!("{} {value}", rng.word(&["runner registered with", "pat"]));
    let zh = format!("GitLab 凭据 {value}");
    plain(
        "gitlab_token",
        value,
        rng.word(&["GITLAB_TOKEN", "gitlab_pat"]),
        en,
        zh,
    )
}

/// Bot, user, app and refresh tokens: `xox?-` then dash-separated parts.
fn slack_token(rng: &mut Rng) -> Entity {
    let kind = rng.word(&["b", "p", "a", "r"]);
    let value = match kind {
        "b" => format!(
            "xoxb-{}-{}-{}",
            rng.digits(12),
            rng.digits(13),
            rng.string(ALNUM, 24)
        ),
        "p" => format!(
            "xoxp-{}-{}-{}-{}",
            rng.digits(12),
            rng.digits(12),
            rng.digits(13),
            rng.string(HEX, 32)
        ),
        _ => format!("xox{kind}-2-{}-{}", rng.digits(12), rng.string(ALNUM, 40)),
    };
    let en = format!(
        "{} {value}",
        rng.word(&["posting to slack with", "slack client"])
    );
    let zh = format!("Slack 令牌{value}");
    plain(
        "slack_token",
        value,
        rng.word(&["SLACK_BOT_TOKEN", "slack_auth"]),
        en,
        zh,
    )
}

fn stripe_key(rng: &mut Rng) -> Entity {
    let value = format!(
        "{}_live_{}",
        rng.word(&["sk", "rk"]),
        rng.string_between(ALNUM, 24, 99)
    );
    let en = format!(
        "{} {value}",
        rng.word(&["stripe client init", "charging via"])
    );
    let zh = format!("支付密钥 {value}");
    plain(
        "stripe_key",
        value,
        rng.word(&["STRIPE_SECRET_KEY", "payment_provider_key"]),
        en,
        zh,
    )
}

fn google_api_key(rng: &mut Rng) -> Entity {
    let value = format!("AIza{}", rng.string(BASE64URL, 35));
    let en = format!(
        "{} {value}",
        rng.word(&["maps client", "geocoding with key"])
    );
    let zh = format!("地图密钥{value}");
    plain(
        "google_api_key",
        value,
        rng.word(&["google_api_key", "maps_key"]),
        en,
        zh,
    )
}

/// A PEM block. Its lines break with a newline or, as when JSON was
/// logged inside a string, with a literal `\n`. The body lines are the
/// secret: masking the armour alone leaks the key.
fn private_key(rng: &mut Rng) -> Entity {
    let label = rng.word(&[
        "RSA PRIVATE KEY",
        "PRIVATE KEY",
        "EC PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
    ]);
    let mut body: Vec<String> = (0..rng.between(2, 5))
        .map(|_| rng.string(BASE64, 64))
        .collect();
    body[0].replace_range(..3, "MII");
    body.push(format!("{}==", rng.string_between(BASE64, 8, 40)));
    let separator = if rng.below(2) == 0 { "\n" } else { "\\n" };
    let value = format!(
        "-----BEGIN {label}-----{separator}{}{separator}-----END {label}-----",
        body.join(separator)
    );
    Entity {
        name: "private_key",
        needles: body,
        key: rng
            .word(&["private_key", "tls_key", "signing_key", "pem"])
            .to_string(),
        en: format!(
            "{} {value}",
            rng.word(&["loaded key", "tls:", "vault returned"])
        ),
        zh: format!("私钥 {value}"),
        value,
        as_number: false,
        field_only: false,
    }
}

/// The credentials after `Bearer` or `Basic`, with or without the header
/// name in front.
fn auth_header(rng: &mut Rng) -> Entity {
    let (scheme, credentials) = if rng.below(3) == 0 {
        let pair = format!(
            "{}:{}",
            rng.word(&["admin", "svc-backup", "alice"]),
            rng.string(ALNUM, 12)
        );
        ("Basic", base64(pair.as_bytes(), false))
    } else {
        ("Bearer", rng.string_between(&format!("{ALNUM}._-"), 24, 48))
    };
    let value = format!("{scheme} {credentials}");
    let en = match rng.below(4) {
        0 => format!("Authorization: {value}"),
        1 => format!("curl -H 'Authorization: {value}'"),
        2 => format!("proxy-authorization: {value}"),
        _ => format!("upstream rejected {value}"),
    };
    Entity {
        name: "auth_header",
        needles: vec![credentials],
        key: rng
            .word(&["Authorization", "auth", "upstream_auth"])
            .to_string(),
        zh: format!("请求头 Authorization: {value}"),
        en,
        value,
        as_number: false,
        field_only: false,
    }
}

/// The password in scheme://user:password@host; the rest of the URL is not
/// secret.
fn url_credentials(rng: &mut Rng) -> Entity {
    let password = rng.string_between(&format!("{ALNUM}!*~-_."), 10, 20);
    let value = format!(
        "{}://{}:{password}@{}",
        rng.word(&[
            "postgres",
            "mysql",
            "redis",
            "amqp",
            "mongodb+srv",
            "https",
            "ftp"
        ]),
        rng.word(&["app", "svc_orders", "", "admin"]),
        rng.word(&[
            "db.internal:5432/orders",
            "cache-1:6379/0",
            "mq.example.net/vhost",
            "files.example.com/upload"
        ])
    );
    Entity {
        name: "url_credentials",
        needles: vec![password],
        key: rng.word(&["dsn", "database_url", "upstream"]).to_string(),
        en: format!(
            "{} {value}",
            rng.word(&["connecting to", "retrying", "dsn"])
        ),
        zh: format!("连接 {value} 失败"),
        value,
        as_number: false,
        field_only: false,
    }
}

/// A value that only its field name marks as sensitive. Keys vary in case,
/// prefix and nesting (`user.password` is `{"user": {"password": ...}}`).
fn sensitive_field(rng: &mut Rng, kind: &'static str) -> Entity {
    let (name, keys, value, needle): (&'static str, &[&str], String, Option<String>) = match kind {
        "password" => (
            "field:password",
            &[
                "password",
                "Password",
                "db_password",
                "user.password",
                "new_password",
            ],
            password(rng),
            None,
        ),
        "passwd" => (
            "field:passwd",
            &["passwd", "PASSWD", "smtp.passwd"],
            password(rng),
            None,
        ),
        "secret" => (
            "field:secret",
            &["secret", "client_secret", "app.secret"],
            rng.string(ALNUM, 32),
            None,
        ),
        "token" => (
            "field:token",
            &["token", "access_token", "refresh_token", "X-Auth-Token"],
            rng.string(ALNUM, 40),
            None,
        ),
        "api_key" => (
            "field:api_key",
            &["api_key", "apiKey", "x-api-key", "API_KEY"],
            rng.string(ALNUM, 32),
            None,
        ),
        "authorization" => {
            let token = rng.string(ALNUM, 32);
            (
                "field:authorization",
                &["authorization", "Authorization", "headers.authorization"],
                format!("Bearer {token}"),
                Some(token),
            )
        }
        "cookie" => {
            let session = rng.string(ALNUM, 26);
            (
                "field:cookie",
                &["cookie", "Cookie", "headers.cookie"],
                format!("sessionid={session}; theme=dark"),
                Some(session),
            )
        }
        "credit_card" => {
            let number = card_number(rng);
            (
                "field:credit_card",
                &[
                    "credit_card",
                    "creditCard",
                    "card_number",
                    "payment.card_number",
                ],
                print_card(rng, &number),
                None,
            )
        }
        "ssn" => {
            let (area, group, serial) = ssn_parts(rng);
            let separator = rng.word(&["", "-"]);
            (
                "field:ssn",
                &["ssn", "SSN", "customer.ssn"],
                format!("{area}{separator}{group}{separator}{serial}"),
                None,
            )
        }
        "email" => (
            "field:email",
            &["email", "Email", "user.email", "contact_email"],
            email(rng).value,
            None,
        ),
        _ => (
            "field:phone",
            &["phone", "mobile", "phone_number", "tel", "contact.phone"],
            phone(rng).value,
            None,
        ),
    };
    Entity {
        name,
        needles: vec![needle.unwrap_or_else(|| value.clone())],
        key: rng.pick(keys).to_string(),
        en: String::new(),
        zh: String::new(),
        value,
        as_number: false,
        field_only: true,
    }
}

fn password(rng: &mut Rng) -> String {
    rng.string_between(&format!("{ALNUM}!#$%&*+-_.?@"), 8, 20)
}

#[test]
fn valid_generators_compute_real_check_digits() {
    use super::checksums::{iban_valid, luhn_valid};
    let mut rng = Rng::new(7);
    for _ in 0..500 {
        let card: String = credit_card(&mut rng)
            .value
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        assert!(luhn_valid(&card), "{card}");
        let compact: String = iban(&mut rng).value.replace(' ', "");
        assert!(iban_valid(&compact), "{compact}");
        let id = cn_resident_id(&mut rng).value;
        assert!(id.ends_with(cn_id_check_char(&id[..17])), "{id}");
        let ssn: String = us_ssn(&mut rng)
            .value
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        assert!(
            !["000", "666"].contains(&&ssn[..3]) && &ssn[..1] != "9",
            "{ssn}"
        );
        assert!(&ssn[3..5] != "00" && &ssn[5..] != "0000", "{ssn}");
    }
}
