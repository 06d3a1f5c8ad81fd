//! Shared compile-time helpers: regexes with their errors pointed at the
//! exact character in the rule file.

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostic, SourceFile};

/// Compiled-size cap for user patterns: a pathological regex fails at start
/// instead of eating memory.
pub const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// Compiles a user regex or records a diagnostic with the caret under the
/// offending character.
pub fn compile_regex(
    file: &SourceFile,
    pattern: &Spanned<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Regex> {
    match RegexBuilder::new(&pattern.value)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
    {
        Ok(regex) => Some(regex),
        Err(err) => {
            diagnostics.push(regex_diagnostic(file, pattern, &err));
            None
        }
    }
}

/// Builds a set from patterns already validated one by one.
pub fn regex_set<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Option<RegexSet> {
    RegexSetBuilder::new(patterns)
        .size_limit(REGEX_SIZE_LIMIT * 8)
        .build()
        .ok()
}

fn regex_diagnostic(
    file: &SourceFile,
    pattern: &Spanned<String>,
    err: &regex::Error,
) -> Diagnostic {
    let (reason, offset) = match regex_syntax::ast::parse::Parser::new().parse(&pattern.value) {
        Err(syntax) => (syntax.kind().to_string(), Some(syntax.span().start.offset)),
        Ok(_) => (
            err.to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_owned(),
            None,
        ),
    };
    let mut diagnostic = file.error_at(pattern, format!("invalid regex: {reason}"));
    if let (Some(offset), Some(line)) = (offset, diagnostic.source_line.as_deref()) {
        let value_start = diagnostic.column.saturating_sub(1) as usize;
        let quoted = matches!(line.chars().nth(value_start), Some('\'' | '"'));
        let chars_before = pattern.value[..offset.min(pattern.value.len())]
            .chars()
            .count();
        diagnostic.column += (chars_before + usize::from(quoted)) as u32;
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Holder {
        regex: Spanned<String>,
    }

    #[test]
    fn caret_points_into_the_quoted_pattern() {
        let file = SourceFile::new("r.yaml", "regex: 'ab(c'\n");
        let holder: Holder = file.parse().unwrap();
        let mut diagnostics = Vec::new();
        assert!(compile_regex(&file, &holder.regex, &mut diagnostics).is_none());
        assert_eq!(
            diagnostics[0].headline(),
            "r.yaml:1:11: invalid regex: unclosed group"
        );
    }
}
