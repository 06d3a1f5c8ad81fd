//! Rule packs shipped with sluice, readable in `rules/packs/` and embedded
//! in the binary as `builtin:NAME`.

/// `(name, YAML text)` of every built-in pack.
pub const PACKS: &[(&str, &str)] = &[
    ("pii", include_str!("../packs/pii.yaml")),
    ("secrets", include_str!("../packs/secrets.yaml")),
];

/// The text of a built-in pack.
pub fn builtin_pack(name: &str) -> Option<&'static str> {
    PACKS
        .iter()
        .find(|(pack, _)| *pack == name)
        .map(|(_, text)| *text)
}

/// Names of the built-in packs.
pub fn names() -> Vec<&'static str> {
    PACKS.iter().map(|(name, _)| *name).collect()
}
