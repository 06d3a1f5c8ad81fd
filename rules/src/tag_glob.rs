//! Fluentd tag globs: `*` matches one dot-separated part, `**` any number of
//! parts including none, `{a,b}` either alternative (which may hold dots and
//! wildcards themselves: `{app.*,sys.**}`), and several globs separated by
//! spaces match when any of them does.

/// Most alternatives a glob may expand to: braces multiply, and a glob is
/// matched against every event's tag.
const MAX_ALTERNATIVES: usize = 64;

/// A compiled tag glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagGlob {
    alternatives: Vec<Vec<GlobPart>>,
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
        if pattern.trim().is_empty() {
            return Err("empty tag glob".to_owned());
        }
        let mut alternatives = Vec::new();
        for glob in pattern.split_whitespace() {
            for expanded in
                expand_braces(glob).map_err(|reason| format!("tag glob `{pattern}`: {reason}"))?
            {
                alternatives.push(parse_parts(&expanded, pattern)?);
                if alternatives.len() > MAX_ALTERNATIVES {
                    return Err(format!(
                        "tag glob `{pattern}` expands to more than {MAX_ALTERNATIVES} alternatives"
                    ));
                }
            }
        }
        Ok(Self { alternatives })
    }

    /// True for `**`, which every tag matches.
    pub fn matches_everything(&self) -> bool {
        self.alternatives
            .iter()
            .any(|parts| parts.as_slice() == [GlobPart::AnyMany])
    }

    /// Whether every tag `other` matches, this glob matches too. Decided
    /// for equal globs, `**`, and globs of literal tags only; `false` when
    /// unsure.
    pub fn covers(&self, other: &TagGlob) -> bool {
        if self.matches_everything() || self == other {
            return true;
        }
        other.alternatives.iter().all(|parts| {
            let literal: Option<Vec<&str>> = parts
                .iter()
                .map(|part| match part {
                    GlobPart::Literal(text) => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            literal.is_some_and(|parts| self.matches(&parts.join(".")))
        })
    }

    /// Matches a dotted tag.
    pub fn matches(&self, tag: &str) -> bool {
        self.alternatives
            .iter()
            .any(|parts| match_parts(parts, Some(tag)))
    }
}

/// `a.{b,c.*}.d` → `a.b.d`, `a.c.*.d`; braces nest.
fn expand_braces(glob: &str) -> Result<Vec<String>, String> {
    let Some(open) = glob.find('{') else {
        if glob.contains('}') {
            return Err("`}` without `{`".to_owned());
        }
        return Ok(vec![glob.to_owned()]);
    };
    let mut depth = 0;
    let mut close = None;
    let mut splits = Vec::new();
    for (at, byte) in glob.bytes().enumerate().skip(open) {
        match byte {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(at);
                    break;
                }
            }
            b',' if depth == 1 => splits.push(at),
            _ => {}
        }
    }
    let close = close.ok_or("`{` without `}`")?;
    let (prefix, suffix) = (&glob[..open], &glob[close + 1..]);
    let mut bounds = vec![open];
    bounds.extend(splits);
    bounds.push(close);
    let mut expanded = Vec::new();
    for window in bounds.windows(2) {
        let choice = &glob[window[0] + 1..window[1]];
        for rest in expand_braces(&format!("{prefix}{choice}{suffix}"))? {
            expanded.push(rest);
            if expanded.len() > MAX_ALTERNATIVES {
                return Err(format!(
                    "expands to more than {MAX_ALTERNATIVES} alternatives"
                ));
            }
        }
    }
    Ok(expanded)
}

/// One alternative, already free of braces and spaces; `pattern` is the
/// glob as written, for messages.
fn parse_parts(glob: &str, pattern: &str) -> Result<Vec<GlobPart>, String> {
    glob.split('.')
        .map(|part| match part {
            "" => Err(format!("tag glob `{pattern}` has an empty part")),
            "*" => Ok(GlobPart::AnyOne),
            "**" => Ok(GlobPart::AnyMany),
            literal if literal.contains('*') => Err(format!(
                "tag glob `{pattern}`: `*` must be a whole part (`a.*.c`), not `{literal}`"
            )),
            literal => Ok(GlobPart::Literal(literal.to_owned())),
        })
        .collect()
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
    fn braces_and_spaces_give_alternatives() {
        let either = glob("kube.{shop,billing}.*");
        assert!(either.matches("kube.shop.api"));
        assert!(either.matches("kube.billing.worker"));
        assert!(!either.matches("kube.kube-system.dns"));
        let dotted = glob("{app.*,sys.**}");
        assert!(dotted.matches("app.web"));
        assert!(dotted.matches("sys"));
        assert!(!dotted.matches("app.web.extra"));
        let nested = glob("a.{b,c.{d,e}}");
        assert!(nested.matches("a.c.e"));
        assert!(!nested.matches("a.c"));
        let spaced = glob("audit.** security.*");
        assert!(spaced.matches("audit.login.failed"));
        assert!(spaced.matches("security.ids"));
        assert!(!spaced.matches("app.web"));
        assert!(glob("x {y,**}").matches_everything());
    }

    #[test]
    fn covering_is_decided_when_certain() {
        assert!(glob("app.**").covers(&glob("app.web")));
        assert!(glob("app.**").covers(&glob("app.{web,worker}")));
        assert!(glob("**").covers(&glob("x.*")));
        assert!(glob("a.*").covers(&glob("a.*")));
        assert!(!glob("app.*").covers(&glob("app.web.extra")));
        // `a.*` does cover `a.b.*`'s tags? No: `a.b.c` is not `a.*`.
        assert!(!glob("a.*").covers(&glob("a.b.*")));
        // Undecided cases say no rather than warn wrongly.
        assert!(!glob("a.**").covers(&glob("a.*")));
    }

    #[test]
    fn malformed_globs_are_rejected() {
        assert!(TagGlob::new("a..b").is_err());
        assert!(TagGlob::new("a.b*").is_err());
        assert!(TagGlob::new("").is_err());
        assert_eq!(
            TagGlob::new("a.{b,c"),
            Err("tag glob `a.{b,c`: `{` without `}`".to_owned())
        );
        assert_eq!(
            TagGlob::new("a.b}"),
            Err("tag glob `a.b}`: `}` without `{`".to_owned())
        );
        assert_eq!(
            TagGlob::new("a.{,b}"),
            Err("tag glob `a.{,b}` has an empty part".to_owned())
        );
        let explosive = "{a,b}.{a,b}.{a,b}.{a,b}.{a,b}.{a,b}.{a,b}";
        assert!(TagGlob::new(explosive)
            .unwrap_err()
            .contains("more than 64"));
    }
}
