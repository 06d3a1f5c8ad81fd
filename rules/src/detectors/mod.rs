//! Built-in detectors: a regex that finds candidates plus a validator that
//! rejects look-alikes, so order numbers and ids survive masking.
//!
//! Each family lives in its own module. The regexes use ASCII word
//! boundaries (`(?-u:\b)`): with Unicode `\b`, a CJK character is a word
//! character, so `手机13812345678` would have no boundary before the digits.
//! Validators check what a regex cannot (checksums, dates, separators that
//! agree, a keyword before the candidate) and work on borrowed text without
//! allocating.

mod base64;
mod card;
mod email;
mod iban;
mod national_id;
mod network;
mod phone;
mod tokens;

use std::ops::Range;

pub use card::{luhn_check_digit, luhn_valid};

/// Validates a candidate. Takes the whole text and the candidate's byte
/// range in it, so that it can look at the context (a keyword before it,
/// the character after it); returns the byte range of `text` to mask, which
/// lies within the candidate, or `None` for a look-alike.
pub type Locate = fn(text: &str, candidate: Range<usize>) -> Option<Range<usize>>;

/// A built-in detector.
#[derive(Debug, Clone, Copy)]
pub struct Detector {
    /// Name used in rule files (`detect: email`).
    pub name: &'static str,
    /// Candidate regex.
    pub regex: &'static str,
    /// The part of a candidate that really is one (`None`: a look-alike).
    /// A candidate can be wider than what is masked, as when the regex took
    /// a card number together with the digits of a following date, or the
    /// scheme word of an `Authorization` value.
    pub locate: Locate,
    /// Whether JSON numbers are searched too. Only for all-digit entities
    /// with a checksum (a card number logged as a number); an 11-digit
    /// byte count must not turn into a masked phone number, nor a numeric
    /// field into a string.
    pub scans_numbers: bool,
}

/// Every built-in detector.
pub const DETECTORS: &[Detector] = &[
    email::EMAIL,
    phone::PHONE,
    card::CREDIT_CARD,
    national_id::US_SSN,
    iban::IBAN,
    national_id::CN_RESIDENT_ID,
    network::IPV4,
    network::IPV6,
    network::MAC,
    tokens::JWT,
    tokens::AWS_ACCESS_KEY,
    tokens::AWS_SECRET_KEY,
    tokens::GITHUB_TOKEN,
    tokens::GITLAB_TOKEN,
    tokens::SLACK_TOKEN,
    tokens::STRIPE_KEY,
    tokens::GOOGLE_API_KEY,
    tokens::PRIVATE_KEY,
    tokens::AUTH_HEADER,
    tokens::URL_CREDENTIALS,
];

/// Finds a detector by name.
pub fn find(name: &str) -> Option<&'static Detector> {
    DETECTORS.iter().find(|detector| detector.name == name)
}

/// Names of all detectors, for error messages.
pub fn names() -> Vec<&'static str> {
    DETECTORS.iter().map(|detector| detector.name).collect()
}

/// How far before a candidate a keyword may end: room for
/// `"social security number": "` but not for an unrelated sentence.
const KEYWORD_WINDOW: usize = 30;

/// Whether one of `keywords` occurs in the [`KEYWORD_WINDOW`] bytes before
/// `at`. ASCII keywords are matched case-insensitively and must start a word
/// (`tel` counts in `tel:` and `telephone`, not in `hotel`); others (`电话`)
/// are matched as they are. Keywords are given in lower case.
pub(crate) fn keyword_before(text: &str, at: usize, keywords: &[&str]) -> bool {
    let bytes = text.as_bytes();
    let window_start = at.saturating_sub(KEYWORD_WINDOW);
    let window = &bytes[window_start..at.min(bytes.len())];
    keywords.iter().any(|keyword| {
        let keyword = keyword.as_bytes();
        window
            .windows(keyword.len())
            .enumerate()
            .any(|(offset, candidate)| {
                candidate.eq_ignore_ascii_case(keyword)
                    && !(keyword[0].is_ascii_alphabetic()
                        && (window_start + offset)
                            .checked_sub(1)
                            .is_some_and(|before| bytes[before].is_ascii_alphabetic()))
            })
    })
}

/// Whether the word just before `at`, skipping separators such as spaces,
/// `:`, `=` and quotes, is one of `words` (lower case, ASCII).
/// `version: 10.2.3.4` and `app_version=10.2.3.4` have `version` there.
pub(crate) fn word_before_is(text: &str, at: usize, words: &[&str]) -> bool {
    let bytes = &text.as_bytes()[..at.min(text.len())];
    let word_end = bytes
        .iter()
        .rposition(|byte| !matches!(byte, b' ' | b'\t' | b':' | b'=' | b'"' | b'\''))
        .map_or(0, |last| last + 1);
    let word_start = bytes[..word_end]
        .iter()
        .rposition(|byte| !byte.is_ascii_alphabetic())
        .map_or(0, |before| before + 1);
    let word = &bytes[word_start..word_end];
    !word.is_empty()
        && words
            .iter()
            .any(|w| word.eq_ignore_ascii_case(w.as_bytes()))
}

/// The byte before `at`, if any.
pub(crate) fn byte_before(text: &str, at: usize) -> Option<u8> {
    at.checked_sub(1)
        .and_then(|before| text.as_bytes().get(before).copied())
}

/// The byte at `at`, if any.
pub(crate) fn byte_at(text: &str, at: usize) -> Option<u8> {
    text.as_bytes().get(at).copied()
}

/// Whether the text before `at` is the start of an IBAN printed in groups
/// (`ES28 4730 2279 …`): the groups of digits that follow belong to the
/// account number, not to a card or phone number that merely looks alike.
pub(crate) fn inside_grouped_iban(text: &str, at: usize) -> bool {
    const MAX_GROUPS_BEFORE: usize = 8;
    let bytes = text.as_bytes();
    let mut end = at;
    for _ in 0..MAX_GROUPS_BEFORE {
        if end == 0 || bytes[end - 1] != b' ' {
            return false;
        }
        let group_end = end - 1;
        let group_start = bytes[..group_end]
            .iter()
            .rposition(|b| !b.is_ascii_alphanumeric())
            .map_or(0, |at| at + 1);
        let group = &bytes[group_start..group_end];
        if group.len() == 4
            && group[..2].iter().all(u8::is_ascii_uppercase)
            && group[2..].iter().all(u8::is_ascii_digit)
        {
            return true;
        }
        if group.is_empty() || group.len() > 4 {
            return false;
        }
        end = group_start;
    }
    false
}

/// Whether `range` is not glued to a letter, digit or `_` on either side:
/// `a13812345678f` holds no phone number. Non-ASCII neighbours (`手机`)
/// do not count as glue.
pub(crate) fn stands_alone(text: &str, range: &Range<usize>) -> bool {
    let glue = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    !byte_before(text, range.start).is_some_and(glue) && !byte_at(text, range.end).is_some_and(glue)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs a detector the way the mask stage does and lists what it masks.

    use regex::Regex;

    /// The texts `name` would mask in `text`, left to right.
    pub(crate) fn masked<'t>(name: &str, text: &'t str) -> Vec<&'t str> {
        let detector = super::find(name).unwrap_or_else(|| panic!("no detector {name}"));
        let finder = Regex::new(detector.regex).expect("built-in regexes compile");
        crate::mask::spans(&finder, None, detector.locate, text)
            .map(|span| &text[span])
            .collect()
    }

    /// Asserts that `name` masks exactly `expected` in `text`.
    #[track_caller]
    pub(crate) fn assert_masks(name: &str, text: &str, expected: &[&str]) {
        assert_eq!(masked(name, text), expected, "{name} in {text:?}");
    }

    /// Asserts that `name` masks nothing in `text`.
    #[track_caller]
    pub(crate) fn assert_ignores(name: &str, text: &str) {
        assert_masks(name, text, &[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_detector_regex_compiles_and_names_are_unique() {
        for detector in DETECTORS {
            regex::Regex::new(detector.regex)
                .unwrap_or_else(|err| panic!("{}: {err}", detector.name));
            assert_eq!(
                DETECTORS.iter().filter(|d| d.name == detector.name).count(),
                1,
                "{} listed twice",
                detector.name
            );
        }
    }

    #[test]
    fn keyword_counts_within_the_window_and_at_a_word_start() {
        let at = |text: &str| text.find('4').unwrap();
        let phone = ["phone", "tel", "电话"];
        let text = "Phone: 4155550132";
        assert!(keyword_before(text, at(text), &phone));
        let text = "电话 4155550132";
        assert!(keyword_before(text, at(text), &phone));
        let text = "hotel room 4155550132";
        assert!(!keyword_before(text, at(text), &phone), "tel inside hotel");
        let text = "phone number, as requested by the user 4155550132";
        assert!(!keyword_before(text, at(text), &phone), "too far before");
        let text = "4155550132 phone";
        assert!(!keyword_before(text, at(text), &phone), "after, not before");
    }

    #[test]
    fn word_before_skips_separators_and_compound_prefixes() {
        let at = |text: &str| text.find('1').unwrap();
        let words = ["version", "v"];
        for text in [
            "version 10.2.3.4",
            "Version: \"10.2.3.4",
            "app_version=10.2.3.4",
        ] {
            assert!(word_before_is(text, at(text), &words), "{text}");
        }
        for text in ["conversion 10.2.3.4", "from 10.2.3.4", "10.2.3.4"] {
            assert!(!word_before_is(text, at(text), &words), "{text}");
        }
    }
}
