//! Templates that turn a secret and some decoys into one log line.

use serde_json::{Map, Number, Value};

use super::decoys::timestamp_text;
use super::rng::Rng;
use super::{Entity, Format, Label, LabelledLine, Role};

const SERVICES: &[&str] = &["checkout", "auth", "billing", "gateway", "worker-3"];
const LEVELS: &[&str] = &["INFO", "WARN", "ERROR", "DEBUG"];

/// One line holding `secret` (if any) and `decoys`, in a template the
/// secret can appear in.
pub fn render(rng: &mut Rng, secret: Option<Entity>, decoys: Vec<Entity>) -> LabelledLine {
    let template = match &secret {
        Some(secret) if secret.field_only => "json-field",
        Some(secret) if !url_safe(secret) => {
            rng.word(&["json-field", "json-message", "text", "text-zh", "logfmt"])
        }
        _ => rng.word(&[
            "json-field",
            "json-message",
            "text",
            "text-zh",
            "logfmt",
            "url",
        ]),
    };
    let (format, line) = match template {
        "json-field" => (Format::Json, json_field(rng, secret.as_ref(), &decoys)),
        "json-message" => (Format::Json, json_message(rng, secret.as_ref(), &decoys)),
        "text" => (Format::Text, text(rng, secret.as_ref(), &decoys)),
        "text-zh" => (Format::Text, text_zh(rng, secret.as_ref(), &decoys)),
        "logfmt" => (Format::Text, logfmt(rng, secret.as_ref(), &decoys)),
        _ => (Format::Text, url(rng, secret.as_ref(), &decoys)),
    };
    let label = |entity: Entity, role| Label {
        entity: entity.name,
        role,
        needles: entity.needles,
    };
    let mut labels: Vec<Label> = secret.into_iter().map(|s| label(s, Role::Secret)).collect();
    labels.extend(decoys.into_iter().map(|d| label(d, Role::Decoy)));
    LabelledLine {
        format,
        template,
        line,
        labels,
    }
}

/// Whether the value can sit unencoded in a query string.
fn url_safe(entity: &Entity) -> bool {
    entity.name == "url_credentials"
        || entity
            .value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~@+=".contains(&b))
}

fn base_record(rng: &mut Rng) -> Map<String, Value> {
    let mut record = Map::new();
    record.insert("@timestamp".into(), timestamp_text(rng).into());
    record.insert("level".into(), rng.word(LEVELS).to_lowercase().into());
    record.insert("service".into(), rng.word(SERVICES).to_string().into());
    record
}

/// The value as a JSON string, or now and then as a number when a logger
/// would write it as one.
fn json_value(rng: &mut Rng, entity: &Entity) -> Value {
    match entity.value.parse::<u64>() {
        Ok(number) if entity.as_number && rng.percent(40) => Value::Number(Number::from(number)),
        _ => Value::String(entity.value.clone()),
    }
}

/// Inserts at a dotted path (`user.password` nests), renaming on clashes.
fn insert(record: &mut Map<String, Value>, path: &str, value: Value) {
    let mut segments: Vec<&str> = path.split('.').collect();
    let last = segments.pop().unwrap_or(path);
    let mut object = record;
    for segment in segments {
        let slot = object
            .entry(segment.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        object = slot.as_object_mut().expect("made an object above");
    }
    let mut key = last.to_owned();
    let mut suffix = 2;
    while object.contains_key(&key) {
        key = format!("{last}_{suffix}");
        suffix += 1;
    }
    object.insert(key, value);
}

/// `{"password": "..."}`: the secret under the name a developer gives it.
fn json_field(rng: &mut Rng, secret: Option<&Entity>, decoys: &[Entity]) -> String {
    let mut record = base_record(rng);
    let message = rng.word(&[
        "user updated",
        "login ok",
        "payment captured",
        "config reloaded",
    ]);
    record.insert("msg".into(), message.into());
    for decoy in decoys {
        let value = json_value(rng, decoy);
        insert(&mut record, &decoy.key, value);
    }
    if let Some(secret) = secret {
        let value = json_value(rng, secret);
        insert(&mut record, &secret.key, value);
    }
    Value::Object(record).to_string()
}

/// `{"msg": "... the secret in a sentence ..."}`, decoys in the sentence
/// or in fields of their own.
fn json_message(rng: &mut Rng, secret: Option<&Entity>, decoys: &[Entity]) -> String {
    let mut record = base_record(rng);
    let mut parts: Vec<&str> = Vec::new();
    for decoy in decoys {
        if rng.percent(50) {
            parts.push(&decoy.en);
        } else {
            let value = json_value(rng, decoy);
            insert(&mut record, &decoy.key, value);
        }
    }
    if let Some(secret) = secret {
        parts.insert(rng.below(parts.len() + 1), &secret.en);
    }
    let field = rng.word(&["msg", "message", "note", "detail"]);
    let sentence = if parts.is_empty() {
        "request done".to_owned()
    } else {
        parts.join(rng.word(&[", ", "; ", " "]))
    };
    insert(&mut record, field, sentence.into());
    Value::Object(record).to_string()
}

/// English parts in random order, the secret among the decoys.
fn sentence<'a>(rng: &mut Rng, secret: Option<&'a str>, decoys: Vec<&'a str>) -> Vec<&'a str> {
    let mut parts = decoys;
    if let Some(secret) = secret {
        parts.insert(rng.below(parts.len() + 1), secret);
    }
    parts
}

/// A text line is one line: a newline inside a value is written `\n`.
fn one_line(text: String) -> String {
    text.replace('\n', "\\n")
}

fn text(rng: &mut Rng, secret: Option<&Entity>, decoys: &[Entity]) -> String {
    let parts = sentence(
        rng,
        secret.map(|s| s.en.as_str()),
        decoys.iter().map(|d| d.en.as_str()).collect(),
    );
    let body = parts.join(rng.word(&[", ", "; ", " "]));
    let frame = *rng.pick(&[
        "{ts} {level} {svc}: {body}",
        "{ts} {level} [{svc}] retrying: {body}",
        "{ts} {level} {svc} failed ({body})",
        "[{ts}] {level} {body}",
        "{ts} {level} sync done, {body}.",
    ]);
    one_line(
        frame
            .replace("{ts}", &timestamp_text(rng))
            .replace("{level}", rng.word(LEVELS))
            .replace("{svc}", rng.word(SERVICES))
            .replace("{body}", &body),
    )
}

/// Chinese lines, about half with no spaces around values: `用户手机号
/// 13812345678 已绑定` and `用户13812345678登录成功` are both common.
fn text_zh(rng: &mut Rng, secret: Option<&Entity>, decoys: &[Entity]) -> String {
    let parts = sentence(
        rng,
        secret.map(|s| s.zh.as_str()),
        decoys.iter().map(|d| d.zh.as_str()).collect(),
    );
    let spaced = rng.percent(50);
    let separator = if spaced {
        rng.word(&[" ，", " ； ", " "])
    } else {
        rng.word(&["，", "；", ""])
    };
    let body = parts.join(separator);
    let frame = if spaced {
        rng.word(&[
            "{ts} 信息 {body} 已绑定",
            "{ts} 警告：{body} 。",
            "{ts} 用户 {body} 登录成功",
        ])
    } else {
        rng.word(&[
            "{ts} 信息 用户{body}已绑定",
            "{ts} 警告：{body}。",
            "{ts} 支付回调{body}处理完成",
        ])
    };
    one_line(
        frame
            .replace("{ts}", &timestamp_text(rng))
            .replace("{body}", &body),
    )
}

/// `key=value`, quoted when the value holds a space, quote or backslash.
fn pair(key: &str, value: &str) -> String {
    if value.contains([' ', '"', '\\', '\n']) {
        let escaped = value
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        format!("{key}=\"{escaped}\"")
    } else {
        format!("{key}={value}")
    }
}

fn logfmt(rng: &mut Rng, secret: Option<&Entity>, decoys: &[Entity]) -> String {
    let decoy_pairs: Vec<String> = decoys.iter().map(|d| pair(&d.key, &d.value)).collect();
    let secret_pair = secret.map(|s| pair(&s.key, &s.value));
    let parts = sentence(
        rng,
        secret_pair.as_deref(),
        decoy_pairs.iter().map(String::as_str).collect(),
    );
    format!(
        "ts={} level={} svc={} {}",
        timestamp_text(rng),
        rng.word(LEVELS).to_lowercase(),
        rng.word(SERVICES),
        parts.join(" ")
    )
}

/// A request log: the secret in the query string or, for URL credentials,
/// the URL itself; decoys after the status.
fn url(rng: &mut Rng, secret: Option<&Entity>, decoys: &[Entity]) -> String {
    let target = match secret {
        Some(secret) if secret.name == "url_credentials" => secret.value.clone(),
        Some(secret) => format!(
            "https://api.example.com/v1/{}?{}={}",
            rng.word(&["users", "orders", "lookup"]),
            secret.key.to_lowercase(),
            secret.value
        ),
        None => "https://api.example.com/v1/health".to_owned(),
    };
    let tail: Vec<&str> = decoys.iter().map(|d| d.en.as_str()).collect();
    let method = match secret {
        Some(secret) if secret.name == "url_credentials" => "CONNECT",
        _ => rng.word(&["GET", "POST", "PUT"]),
    };
    format!(
        "{} {method} {target} {} {}",
        timestamp_text(rng),
        rng.pick(&[200, 201, 401, 404, 500]),
        tail.join(" ")
    )
}
