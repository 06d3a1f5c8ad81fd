//! Errors that point into a YAML source: `path:line:col: message`, then the
//! offending line with a caret under the column.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_saphyr::{Location, Spanned};

/// A YAML document kept with its display name, so errors can quote it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// How the file is named in messages (a path, or `builtin:NAME`).
    pub name: Arc<str>,
    /// The whole text.
    pub text: Arc<str>,
}

impl SourceFile {
    /// Wraps a named text.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Deserializes the whole document, mapping YAML and schema errors to a
    /// [`Diagnostic`]. An empty document (or one of comments only) reads as
    /// an empty mapping, so an empty rule file is valid.
    ///
    /// # Errors
    /// A diagnostic at the failing line and column.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        let blank = self
            .text
            .lines()
            .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'));
        let text: &str = if blank { "{}" } else { &self.text };
        serde_saphyr::from_str(text).map_err(|err| self.yaml_error(&err))
    }

    fn yaml_error(&self, err: &serde_saphyr::Error) -> Diagnostic {
        let (line, column) = err
            .location()
            .map(|loc| (narrow(loc.line()), narrow(loc.column())))
            .unwrap_or((0, 0));
        let full = err.without_snippet().to_string();
        let suffix = format!(" at line {line}, column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        let (line, column) = self
            .refine_unknown_field(&message, line, column)
            .unwrap_or((line, column));
        self.diagnostic_at(line, column, message)
    }

    /// Inside internally tagged enums (`type: tail`) the YAML library can only
    /// point at the enclosing mapping; find the offending key below it so the
    /// caret lands on the key the user mistyped.
    fn refine_unknown_field(&self, message: &str, line: u32, column: u32) -> Option<(u32, u32)> {
        let field = message.strip_prefix("unknown field `")?.split('`').next()?;
        let mut lines = self
            .text
            .lines()
            .enumerate()
            .skip(line.saturating_sub(1) as usize);
        let (_, first) = lines.next()?;
        let base_indent = first.len() - first.trim_start().len();
        if first.trim_start().starts_with(&format!("{field}:")) {
            return None;
        }
        for (index, text) in lines {
            let trimmed = text.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = text.len() - trimmed.len();
            if indent <= base_indent {
                break;
            }
            let key = trimmed.trim_start_matches("- ");
            if key.starts_with(&format!("{field}:")) {
                let key_column = text.len() - key.len() + 1;
                return Some((index as u32 + 1, key_column as u32));
            }
        }
        let _ = column;
        None
    }

    /// A diagnostic at a value's location.
    pub fn error_at<T>(&self, spanned: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        self.error_at_location(spanned.referenced, message)
    }

    /// A diagnostic at the value of `key` inside the mapping that `mapping`
    /// spans, falling back to the mapping itself. Values inside internally
    /// tagged enums (`type: tail`) carry no span of their own; this finds
    /// them by their key.
    pub fn error_at_key<T>(
        &self,
        mapping: &Spanned<T>,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let line = narrow(mapping.referenced.line());
        let column = narrow(mapping.referenced.column());
        match self.find_key(line, column, key) {
            Some((key_line, value_column)) => {
                self.diagnostic_at(key_line, value_column, message.into())
            }
            None => self.diagnostic_at(line, column, message.into()),
        }
    }

    /// Looks for `key:` in the block mapping starting at `line`/`column`
    /// (or in a flow mapping on that line); returns the value's position.
    fn find_key(&self, line: u32, column: u32, key: &str) -> Option<(u32, u32)> {
        let needle = format!("{key}:");
        let mapping_indent = column.saturating_sub(1) as usize;
        for (index, text) in self
            .text
            .lines()
            .enumerate()
            .skip(line.saturating_sub(1) as usize)
        {
            let trimmed = text.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = text.len() - trimmed.len();
            let first_line = index + 1 == line as usize;
            if !first_line && indent < mapping_indent {
                break;
            }
            let found = if first_line {
                text.char_indices()
                    .skip(mapping_indent)
                    .find(|(at, _)| {
                        text[*at..].starts_with(&needle)
                            && (*at == 0 || !text.as_bytes()[at - 1].is_ascii_alphanumeric())
                    })
                    .map(|(at, _)| at)
            } else if indent == mapping_indent && trimmed.starts_with(&needle) {
                Some(indent)
            } else {
                None
            };
            if let Some(at) = found {
                let after = &text[at + needle.len()..];
                let value_at = at + needle.len() + (after.len() - after.trim_start().len());
                let value_column = text[..value_at].chars().count() + 1;
                return Some((index as u32 + 1, value_column as u32));
            }
        }
        None
    }

    /// A diagnostic at a raw location.
    pub fn error_at_location(&self, location: Location, message: impl Into<String>) -> Diagnostic {
        self.diagnostic_at(
            narrow(location.line()),
            narrow(location.column()),
            message.into(),
        )
    }

    fn diagnostic_at(&self, line: u32, column: u32, message: String) -> Diagnostic {
        let source_line = (line > 0)
            .then(|| self.text.lines().nth(line as usize - 1))
            .flatten()
            .map(str::to_owned);
        Diagnostic {
            file: self.name.clone(),
            line,
            column,
            message,
            source_line,
            severity: Severity::Error,
        }
    }
}

fn narrow(position: u64) -> u32 {
    u32::try_from(position).unwrap_or(u32::MAX)
}

/// Whether a diagnostic stops loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The file cannot be used.
    Error,
    /// Suspicious but usable (an unreachable route, say).
    Warning,
}

/// One problem in a config or rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File name as the user wrote it (or `builtin:NAME`).
    pub file: Arc<str>,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column (in characters); 0 when unknown.
    pub column: u32,
    /// What is wrong, in one line.
    pub message: String,
    /// The offending source line, for the caret display.
    pub source_line: Option<String>,
    /// Error or warning.
    pub severity: Severity,
}

impl Diagnostic {
    /// A problem with no position inside the file (it cannot be read, say).
    pub fn whole_file(file: impl Into<Arc<str>>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            source_line: None,
            severity: Severity::Error,
        }
    }

    /// Turns this into a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The first line alone: `file:line:col: message`.
    pub fn headline(&self) -> String {
        let prefix = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        if self.line == 0 {
            format!("{}: {prefix}{}", self.file, self.message)
        } else {
            format!(
                "{}:{}:{}: {prefix}{}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if let Some(source) = &self.source_line {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            let caret_pad: String = source
                .chars()
                .take(self.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{pad} |\n{gutter} | {source}\n{pad} | {caret_pad}^")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        #[serde(default)]
        inner: Option<Inner>,
        #[serde(default)]
        value: Option<Spanned<String>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(tag = "type", deny_unknown_fields)]
    enum Inner {
        #[serde(rename = "a")]
        A { size: u32 },
    }

    #[test]
    fn unknown_key_points_at_the_key() {
        let file = SourceFile::new("c.yaml", "value: x\nbogus: 1\n");
        let err = file.parse::<Outer>().unwrap_err();
        assert_eq!(
            err.headline(),
            "c.yaml:2:1: unknown field `bogus`, expected one of inner, value"
        );
    }

    #[test]
    fn unknown_key_inside_tagged_enum_is_refined_to_its_line() {
        let file = SourceFile::new("c.yaml", "inner:\n  type: a\n  size: 1\n  sise: 2\n");
        let err = file.parse::<Outer>().unwrap_err();
        let good = SourceFile::new("c.yaml", "inner:\n  type: a\n  size: 1\n");
        assert!(matches!(
            good.parse::<Outer>().unwrap().inner,
            Some(Inner::A { size: 1 })
        ));
        assert_eq!((err.line, err.column), (4, 3), "{err}");
        assert!(err.message.starts_with("unknown field `sise`"), "{err}");
    }

    #[test]
    fn caret_sits_under_the_column() {
        let file = SourceFile::new("c.yaml", "value: '(oops'\n");
        let outer: Outer = file.parse().unwrap();
        let err = file.error_at(outer.value.as_ref().unwrap(), "bad regex");
        assert_eq!(
            err.to_string(),
            "c.yaml:1:8: bad regex\n  |\n1 | value: '(oops'\n  |        ^"
        );
    }

    #[test]
    fn empty_document_is_an_empty_mapping() {
        let file = SourceFile::new("c.yaml", "# nothing yet\n\n");
        let outer: Outer = file.parse().unwrap();
        assert!(outer.inner.is_none());
    }

    #[test]
    fn syntax_error_has_position() {
        let file = SourceFile::new("c.yaml", "value: [\n");
        let err = file.parse::<Outer>().unwrap_err();
        assert!(err.line >= 1 && err.column >= 1, "{err}");
    }
}
