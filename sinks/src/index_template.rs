//! Index names with strftime applied to the event time (UTC), confined to
//! names that are valid Elasticsearch indices and safe directory names.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, Utc};

/// A validated index-name template such as `app-logs-%Y.%m.%d`.
#[derive(Debug, Clone)]
pub struct IndexTemplate {
    items: Vec<Item<'static>>,
    has_time: bool,
    text: String,
}

impl IndexTemplate {
    /// Validates the strftime directives.
    ///
    /// # Errors
    /// A message naming the bad directive.
    pub fn parse(template: &str) -> Result<Self, String> {
        let items: Vec<Item<'static>> = StrftimeItems::new(template)
            .map(|item| match item {
                Item::Error => Err(format!(
                    "index `{template}`: invalid strftime directive (use %Y, %m, %d, %H, ...)"
                )),
                other => Ok(other.to_owned()),
            })
            .collect::<Result<_, _>>()?;
        if template.trim().is_empty() {
            return Err("index name is empty".to_owned());
        }
        let has_time = items.iter().any(|item| {
            !matches!(
                item,
                Item::Literal(_) | Item::OwnedLiteral(_) | Item::Space(_) | Item::OwnedSpace(_)
            )
        });
        Ok(Self {
            items,
            has_time,
            text: template.to_owned(),
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The sanitised index name for an event time.
    pub fn render(&self, time: DateTime<Utc>) -> String {
        let raw = if self.has_time {
            time.format_with_items(self.items.iter()).to_string()
        } else {
            self.text.clone()
        };
        sanitize_index_name(&raw)
    }

    /// Renders for the start of an hour, so names can be cached per hour;
    /// directives finer than the hour (`%M`, `%S`) render as 00.
    pub fn render_for_hour(&self, day: NaiveDate, hour: u32) -> String {
        let start = day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc();
        self.render(start)
    }
}

/// Makes a string a valid Elasticsearch index name that is also a safe
/// single directory name: lowercase; `\ / * ? " < > | , # :` and spaces
/// become `_`; no leading `-`, `_`, `+` or `.`; at most 255 bytes.
pub fn sanitize_index_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '\\' | '/' | '*' | '?' | '"' | '<' | '>' | '|' | ',' | '#' | ':' | ' '
                )
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = name.trim_start_matches(['-', '_', '+', '.']).len();
    name.drain(..name.len() - trimmed);
    while name.len() > 255 {
        name.pop();
    }
    if name.is_empty() {
        "sluice-invalid-index".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn renders_daily_names_in_utc() {
        let template = IndexTemplate::parse("claude-application-logs-%Y.%m.%d").unwrap();
        let time = Utc.with_ymd_and_hms(2026, 11, 23, 23, 59, 0).unwrap();
        assert_eq!(template.render(time), "claude-application-logs-2026.11.23");
    }

    #[test]
    fn bad_directive_is_rejected() {
        assert!(IndexTemplate::parse("logs-%Q").is_err());
        assert!(IndexTemplate::parse("logs-%").is_err());
    }

    #[test]
    fn names_cannot_escape_the_directory() {
        assert_eq!(sanitize_index_name("../../etc/Passwd"), "etc_passwd");
        assert_eq!(sanitize_index_name(".."), "sluice-invalid-index");
        assert_eq!(sanitize_index_name("a b,c#d"), "a_b_c_d");
    }
}
