//! Email addresses.

use std::ops::Range;

use super::Detector;

/// `email`. The local part starts at a word boundary and takes no `=` or
/// `:`, so `user=alice@example.com` yields `alice@example.com`.
pub(super) const EMAIL: Detector = Detector {
    name: "email",
    regex: r"(?-u:\b)[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?-u:\b)",
    locate: locate_email,
    scans_numbers: false,
};

/// File extensions that the regex would take for a top-level domain:
/// `logo@2x.png` is an image, not an address. None is a real TLD.
const FILE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp"];

/// RFC 5321 limit on the local part.
const MAX_LOCAL_PART: usize = 64;

fn locate_email(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let address = &text[candidate.clone()];
    let (local, domain) = address.split_once('@')?;
    let top_level = domain.rsplit('.').next()?;
    let valid = local.len() <= MAX_LOCAL_PART
        && !local.ends_with('.')
        && !local.contains("..")
        && !FILE_EXTENSIONS
            .iter()
            .any(|extension| top_level.eq_ignore_ascii_case(extension));
    valid.then_some(candidate)
}

#[cfg(test)]
mod tests {
    use crate::detectors::test_support::{assert_ignores, assert_masks};

    #[test]
    fn finds_addresses_without_the_key_before_them() {
        assert_masks(
            "email",
            "login user=alice@example.com ok",
            &["alice@example.com"],
        );
        assert_masks(
            "email",
            "from:Bob.Smith+logs@mail.example.co.uk;",
            &["Bob.Smith+logs@mail.example.co.uk"],
        );
        assert_masks(
            "email",
            "<carol@example.org>, 邮箱dave@example.com",
            &["carol@example.org", "dave@example.com"],
        );
    }

    #[test]
    fn look_alikes_are_not_addresses() {
        assert_ignores("email", "root@localhost");
        assert_ignores("email", "@example.com mentioned");
        assert_ignores("email", "icons/logo@2x.png");
        assert_ignores("email", "a..b@example.com");
        assert_ignores("email", "npm i left-pad@1.3.0");
    }
}
