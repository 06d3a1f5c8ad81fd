//! Built-in detectors: a regex that finds candidates plus a validator that
//! rejects look-alikes, so order numbers and ids survive masking.

use std::ops::Range;

/// A built-in detector.
#[derive(Debug, Clone, Copy)]
pub struct Detector {
    /// Name used in rule files (`detect: email`).
    pub name: &'static str,
    /// Candidate regex.
    pub regex: &'static str,
    /// The part of a candidate that really is one (`None`: a look-alike).
    /// A candidate can be wider than the entity, as when the regex took a
    /// card number together with the digits of a following date.
    pub locate: fn(&str) -> Option<Range<usize>>,
}

/// Every built-in detector.
pub const DETECTORS: &[Detector] = &[
    Detector {
        name: "email",
        regex: r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}\b",
        locate: |candidate| Some(0..candidate.len()),
    },
    Detector {
        name: "credit_card",
        regex: r"\b\d(?:[ -]?\d){12,18}\b",
        locate: locate_card_number,
    },
];

/// Finds a detector by name.
pub fn find(name: &str) -> Option<&'static Detector> {
    DETECTORS.iter().find(|detector| detector.name == name)
}

/// Names of all detectors, for error messages.
pub fn names() -> Vec<&'static str> {
    DETECTORS.iter().map(|detector| detector.name).collect()
}

/// The longest run of whole groups in the candidate that is a card
/// number: `4111 1111 1111 1111 12` holds one, `25 4111 1111 1111 1111`
/// too. An unseparated digit run is taken whole or not at all, since a
/// longer number is an id, not a card.
fn locate_card_number(candidate: &str) -> Option<Range<usize>> {
    if is_card_number(candidate) {
        return Some(0..candidate.len());
    }
    let groups: Vec<Range<usize>> = digit_groups(candidate);
    if groups.len() < 2 {
        return None;
    }
    for take in (1..groups.len()).rev() {
        for first in 0..=groups.len() - take {
            let span = groups[first].start..groups[first + take - 1].end;
            if is_card_number(&candidate[span.clone()]) {
                return Some(span);
            }
        }
    }
    None
}

/// Byte ranges of the digit runs between separators.
fn digit_groups(text: &str) -> Vec<Range<usize>> {
    let mut groups = Vec::new();
    let mut start = None;
    for (at, byte) in text.bytes().enumerate() {
        match (byte.is_ascii_digit(), start) {
            (true, None) => start = Some(at),
            (false, Some(begin)) => {
                groups.push(begin..at);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        groups.push(begin..text.len());
    }
    groups
}

/// Card numbers: a known brand prefix with a length that brand issues,
/// separators (if any) in the printed grouping, and Luhn. Luhn alone passes
/// one random number in ten; prefix and grouping keep UUIDs, trace ids and
/// order numbers out.
fn is_card_number(candidate: &str) -> bool {
    let digits: Vec<u32> = candidate
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| u32::from(b - b'0'))
        .collect();
    has_card_grouping(candidate) && brand_accepts(&digits) && luhn_valid(&digits)
}

/// `4111111111111111`, `4111 1111 1111 1111`, `3782-822463-10005`: one
/// separator style, groups of four with a shorter last group, or the 4-6-x
/// grouping of 14- and 15-digit cards.
fn has_card_grouping(candidate: &str) -> bool {
    let Some(separator) = candidate.bytes().find(|b| !b.is_ascii_digit()) else {
        return true;
    };
    let groups: Vec<&str> = candidate.split(char::from(separator)).collect();
    if groups
        .iter()
        .any(|group| group.is_empty() || !group.bytes().all(|b| b.is_ascii_digit()))
    {
        return false; // mixed separators
    }
    let groups: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    let fours_then_short = groups
        .split_last()
        .is_some_and(|(last, rest)| rest.iter().all(|&len| len == 4) && (1..=4).contains(last));
    fours_then_short || groups == [4, 6, 5] || groups == [4, 6, 4]
}

/// Issuer prefixes and lengths (ISO/IEC 7812 ranges of the major brands).
fn brand_accepts(digits: &[u32]) -> bool {
    let prefix = |count: usize| {
        digits
            .iter()
            .take(count)
            .fold(0, |value, digit| value * 10 + digit)
    };
    let len = digits.len();
    match digits.first() {
        Some(4) => matches!(len, 13 | 16 | 19), // Visa
        Some(5) => (51..=55).contains(&prefix(2)) && len == 16, // Mastercard
        Some(2) => (2221..=2720).contains(&prefix(4)) && len == 16, // Mastercard 2-series
        Some(3) => {
            (matches!(prefix(2), 34 | 37) && len == 15) // Amex
                || ((3528..=3589).contains(&prefix(4)) && (16..=19).contains(&len)) // JCB
                || (((300..=305).contains(&prefix(3)) || matches!(prefix(2), 36 | 38 | 39)) && (14..=19).contains(&len))
            // Diners
        }
        Some(6) => {
            (prefix(4) == 6011
                || (644..=649).contains(&prefix(3))
                || prefix(2) == 65
                || prefix(2) == 62)
                && (16..=19).contains(&len) // Discover, UnionPay
        }
        _ => false,
    }
}

/// Whether a digit string (most significant first) passes the Luhn check.
pub fn luhn_valid(digits: &[u32]) -> bool {
    luhn_sum(digits, true).is_multiple_of(10)
}

/// The digit that, appended to `payload`, makes it pass the Luhn check.
pub fn luhn_check_digit(payload: &[u32]) -> u32 {
    (10 - luhn_sum(payload, false) % 10) % 10
}

/// Sum with every second digit from the right doubled; `has_check_digit`
/// says whether the rightmost digit is the check digit (never doubled).
fn luhn_sum(digits: &[u32], has_check_digit: bool) -> u32 {
    let doubled_position = usize::from(has_check_digit);
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position, &digit)| {
            if position % 2 == doubled_position {
                let doubled = digit * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                digit
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_rejects_order_numbers() {
        assert!(is_card_number("4111 1111 1111 1111"));
        assert!(is_card_number("5500-0000-0000-0004"));
        assert!(!is_card_number("4111 1111-1111 1111"), "mixed separators");
        assert!(!is_card_number("4111111111111112"), "Luhn fails");
        assert!(is_card_number("3782 822463 10005"), "Amex grouping");
        assert!(is_card_number("4111111111111111"), "ungrouped");
        assert_eq!(
            luhn_check_digit(&[4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
            1
        );
    }

    #[test]
    fn card_is_found_inside_a_wider_candidate() {
        let text = "4111 1111 1111 1111 12";
        assert_eq!(locate_card_number(text), Some(0..19));
        assert_eq!(locate_card_number("25 4111 1111 1111 1111"), Some(3..22));
        assert_eq!(
            locate_card_number("411111111111111112"),
            None,
            "an unseparated longer number is an id"
        );
    }

    #[test]
    fn look_alikes_that_pass_luhn_are_not_cards() {
        // Luhn-valid, but no issuer starts with 9 or 1.
        assert!(luhn_valid(&[
            9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 5
        ]));
        assert!(!is_card_number("9999999999999995"));
        // Digit-only UUID prefix: 8-4-4 grouping is not how cards print.
        assert!(!is_card_number("41111111-1111-1111"));
        assert!(!is_card_number("4111-11111111-1111"));
    }
}
