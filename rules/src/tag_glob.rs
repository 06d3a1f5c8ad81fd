//! Fluentd tag globs: `*` matches one dot-separated part, `**` any number of
//! parts including none.

/// A compiled tag glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagGlob {
    parts: Vec<GlobPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum GlobPart {
    Literal(String),
    AnyOne,
    AnyMany,
}

impl TagGlob {
    /// Parses a glob. Returns an error message for an empty part (`a..b`).
    ///
    /// # Errors
    /// A message naming the problem.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        for part in pattern.split('.') {
            parts.push(match part {
                "" => return Err(format!("tag glob `{pattern}` has an empty part")),
                "*" => GlobPart::AnyOne,
                "**" => GlobPart::AnyMany,
                literal if literal.contains('*') => {
                    return Err(format!(
                        "tag glob `{pattern}`: `*` must be a whole part (`a.*.c`), not `{literal}`"
                    ))
                }
                literal => GlobPart::Literal(literal.to_owned()),
            });
        }
        Ok(Self { parts })
    }

    /// True for `**`, which every tag matches.
    pub fn matches_everything(&self) -> bool {
        self.parts == [GlobPart::AnyMany]
    }

    /// Matches a dotted tag.
    pub fn matches(&self, tag: &str) -> bool {
        match_parts(&self.parts, Some(tag))
    }
}

/// `tag` is what is left of the tag; `None` once every part is consumed.
fn match_parts(glob: &[GlobPart], tag: Option<&str>) -> bool {
    let Some((part, rest)) = glob.split_first() else {
        return tag.is_none();
    };
    match part {
        GlobPart::AnyMany => {
            let mut remaining = tag;
            loop {
                if match_parts(rest, remaining) {
                    return true;
                }
                match remaining {
                    None => return false,
                    Some(text) => remaining = text.split_once('.').map(|(_, tail)| tail),
                }
            }
        }
        GlobPart::AnyOne => {
            tag.is_some_and(|text| match_parts(rest, text.split_once('.').map(|(_, tail)| tail)))
        }
        GlobPart::Literal(literal) => tag.is_some_and(|text| {
            let (head, tail) = match text.split_once('.') {
                Some((head, tail)) => (head, Some(tail)),
                None => (text, None),
            };
            head == literal && match_parts(rest, tail)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str) -> TagGlob {
        TagGlob::new(pattern).unwrap()
    }

    #[test]
    fn star_is_one_part() {
        assert!(glob("claude.*").matches("claude.application"));
        assert!(!glob("claude.*").matches("claude"));
        assert!(!glob("claude.*").matches("claude.a.b"));
    }

    #[test]
    fn double_star_is_any_parts_including_none() {
        assert!(glob("claude.security.**").matches("claude.security"));
        assert!(glob("claude.security.**").matches("claude.security.auth.login"));
        assert!(!glob("claude.security.**").matches("claude.application"));
        assert!(glob("**").matches("anything.at.all"));
        assert!(glob("a.**.z").matches("a.z"));
        assert!(glob("a.**.z").matches("a.b.c.z"));
        assert!(!glob("a.**.z").matches("a.b.c"));
    }

    #[test]
    fn malformed_globs_are_rejected() {
        assert!(TagGlob::new("a..b").is_err());
        assert!(TagGlob::new("a.b*").is_err());
    }
}
