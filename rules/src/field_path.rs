//! Dotted field paths (`http.request.method`) over nested records.

use serde_json::Value;
use sluice_parsers::Record;

/// A parsed dotted path. A key that itself contains dots (`"log.level"` as
/// one flat key) is found too: the literal key is tried when the nested
/// walk finds nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    dotted: String,
    segments: Vec<String>,
}

impl FieldPath {
    /// Splits `dotted` on `.`.
    pub fn new(dotted: &str) -> Self {
        Self {
            dotted: dotted.to_owned(),
            segments: dotted.split('.').map(str::to_owned).collect(),
        }
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.dotted
    }

    /// Looks the value up.
    pub fn get<'a>(&self, record: &'a Record) -> Option<&'a Value> {
        let (first, rest) = self.segments.split_first()?;
        let mut current = record.get(first);
        for segment in rest {
            current = current.and_then(|value| value.as_object()?.get(segment));
        }
        current.or_else(|| record.get(&self.dotted))
    }

    /// Sets the value where the field already is: under its flat dotted key,
    /// or inside the nested objects an application wrote. A new field
    /// becomes a flat dotted key (`"log.truncated"`), as parsers write
    /// their ECS fields, unless its first segment is already an object
    /// (then it joins that object). Scalars are never overwritten by
    /// objects.
    pub fn set(&self, record: &mut Record, value: Value) {
        let Some((last, parents)) = self.segments.split_last() else {
            return;
        };
        let nested = !parents.is_empty()
            && !record.contains_key(&self.dotted)
            && matches!(record.get(&parents[0]), Some(Value::Object(_)))
            && self.parents_are_objects(record);
        if !nested {
            record.insert(self.dotted.clone(), value);
            return;
        }
        let mut current = record;
        for segment in parents {
            let entry = current
                .entry(segment.clone())
                .or_insert_with(|| Value::Object(Record::new()));
            let Value::Object(map) = entry else {
                return; // ruled out by parents_are_objects
            };
            current = map;
        }
        current.insert(last.clone(), value);
    }

    fn parents_are_objects(&self, record: &Record) -> bool {
        let mut current = record;
        for segment in &self.segments[..self.segments.len() - 1] {
            match current.get(segment) {
                None => return true,
                Some(Value::Object(map)) => current = map,
                Some(_) => return false,
            }
        }
        true
    }
}

/// Loose equality for `when` conditions: JSON equality, plus a number
/// matching a string holding it (`"500"` vs 500, either way round) and a
/// string condition matching a bool written the same way.
pub fn values_match(expected: &Value, actual: &Value) -> bool {
    if expected == actual {
        return true;
    }
    match (expected, actual) {
        (Value::String(text), Value::Number(number))
        | (Value::Number(number), Value::String(text)) => {
            *text == number.to_string()
                || text
                    .trim()
                    .parse::<f64>()
                    .is_ok_and(|parsed| Some(parsed) == number.as_f64())
        }
        (Value::String(text), Value::Bool(flag)) => *text == flag.to_string(),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(value: Value) -> Record {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn nested_and_flat_lookup() {
        let rec = record(json!({"http": {"method": "GET"}, "log.level": "info"}));
        assert_eq!(FieldPath::new("http.method").get(&rec), Some(&json!("GET")));
        assert_eq!(FieldPath::new("log.level").get(&rec), Some(&json!("info")));
        assert_eq!(FieldPath::new("http.status").get(&rec), None);
    }

    #[test]
    fn set_writes_new_fields_flat_and_never_clobbers_scalars() {
        let mut rec = record(json!({"error": "boom"}));
        FieldPath::new("error.severity").set(&mut rec, json!("high"));
        FieldPath::new("a.b.c").set(&mut rec, json!(1));
        assert_eq!(
            Value::Object(rec),
            json!({"error": "boom", "error.severity": "high", "a.b.c": 1})
        );
    }

    #[test]
    fn set_updates_a_field_where_it_already_is() {
        let mut rec = record(json!({"log.level": "info", "http": {"request": {"method": "GET"}}}));
        FieldPath::new("log.level").set(&mut rec, json!("warn"));
        FieldPath::new("http.request.method").set(&mut rec, json!("POST"));
        FieldPath::new("http.response.status_code").set(&mut rec, json!(200));
        assert_eq!(
            Value::Object(rec),
            json!({
                "log.level": "warn",
                "http": {"request": {"method": "POST"}, "response": {"status_code": 200}}
            })
        );
    }

    #[test]
    fn loose_equality() {
        assert!(values_match(&json!("500"), &json!(500)));
        assert!(values_match(&json!(500), &json!(500.0)));
        assert!(!values_match(&json!("ERROR"), &json!("error")));
    }
}
