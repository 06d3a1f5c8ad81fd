//! Payment card numbers: issuer prefix and length, printed grouping, Luhn.

use std::ops::Range;

use super::Detector;

/// `credit_card`.
pub(super) const CREDIT_CARD: Detector = Detector {
    name: "credit_card",
    regex: r"(?-u:\b)[0-9](?:[ -]?[0-9]){12,18}(?-u:\b)",
    locate: locate_card_number,
    scans_numbers: true,
};

/// Most digits a card number has (and so a candidate, by its regex).
const MAX_DIGITS: usize = 19;

/// The longest run of whole groups in the candidate that is a card
/// number: `4111 1111 1111 1111 12` holds one, `25 4111 1111 1111 1111`
/// too. An unseparated digit run is taken whole or not at all, since a
/// longer number is an id, not a card.
fn locate_card_number(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    if super::inside_grouped_iban(text, candidate.start) {
        return None;
    }
    let offset = candidate.start;
    let candidate = &text[candidate];
    if is_card_number(candidate) {
        return Some(offset..offset + candidate.len());
    }
    let mut groups: [Range<usize>; MAX_DIGITS] = std::array::from_fn(|_| 0..0);
    let count = digit_groups(candidate, &mut groups);
    let groups = &groups[..count];
    for take in (1..groups.len()).rev() {
        for first in 0..=groups.len() - take {
            let span = groups[first].start..groups[first + take - 1].end;
            if is_card_number(&candidate[span.clone()]) {
                return Some(offset + span.start..offset + span.end);
            }
        }
    }
    None
}

/// Fills `groups` with the byte ranges of the digit runs between
/// separators; returns how many there are.
fn digit_groups(text: &str, groups: &mut [Range<usize>; MAX_DIGITS]) -> usize {
    let mut count = 0;
    let mut start = None;
    for (at, byte) in text.bytes().enumerate().chain([(text.len(), b' ')]) {
        match (byte.is_ascii_digit(), start) {
            (true, None) => start = Some(at),
            (false, Some(begin)) if count < MAX_DIGITS => {
                groups[count] = begin..at;
                count += 1;
                start = None;
            }
            _ => {}
        }
    }
    count
}

/// Card numbers: a known brand prefix with a length that brand issues,
/// separators (if any) in the printed grouping, and Luhn. Luhn alone passes
/// one random number in ten; prefix, length and grouping keep UUIDs, trace
/// ids, 18-digit ids and order numbers out.
fn is_card_number(candidate: &str) -> bool {
    let mut digits = [0_u32; MAX_DIGITS];
    let mut len = 0;
    for byte in candidate.bytes().filter(u8::is_ascii_digit) {
        if len == MAX_DIGITS {
            return false;
        }
        digits[len] = u32::from(byte - b'0');
        len += 1;
    }
    let digits = &digits[..len];
    has_card_grouping(candidate) && brand_accepts(digits) && luhn_valid(digits)
}

/// `4111111111111111`, `4111 1111 1111 1111`, `3782-822463-10005`: one
/// separator style, groups of four with a shorter last group, or the 4-6-x
/// grouping of 14- and 15-digit cards.
fn has_card_grouping(candidate: &str) -> bool {
    let Some(separator) = candidate.bytes().find(|b| !b.is_ascii_digit()) else {
        return true;
    };
    let mut lengths = [0_usize; MAX_DIGITS];
    let mut count = 0;
    for group in candidate.split(char::from(separator)) {
        if group.is_empty() || !group.bytes().all(|b| b.is_ascii_digit()) || count == MAX_DIGITS {
            return false; // mixed or doubled separators
        }
        lengths[count] = group.len();
        count += 1;
    }
    let lengths = &lengths[..count];
    let fours_then_short = lengths
        .split_last()
        .is_some_and(|(last, rest)| rest.iter().all(|&len| len == 4) && (1..=4).contains(last));
    fours_then_short || lengths == [4, 6, 5] || lengths == [4, 6, 4]
}

/// Issuer prefixes and the lengths they print (ISO/IEC 7812 ranges of the
/// major brands). Lengths 17 and 18 are left out on purpose: no major brand
/// prints them, while 18-digit ids are everywhere.
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
                || ((3528..=3589).contains(&prefix(4)) && matches!(len, 16 | 19)) // JCB
                || (prefix(2) == 36 && len == 14) // Diners International
                || (((300..=305).contains(&prefix(3)) || matches!(prefix(2), 38 | 39))
                    && matches!(len, 14 | 16 | 19)) // Diners
        }
        Some(6) => {
            (prefix(4) == 6011
                || (644..=649).contains(&prefix(3))
                || prefix(2) == 65
                || prefix(2) == 62)
                && matches!(len, 16 | 19) // Discover, UnionPay
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
    use crate::detectors::test_support::{assert_ignores, assert_masks};

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
        assert_eq!(locate_card_number(text, 0..text.len()), Some(0..19));
        let text = "25 4111 1111 1111 1111";
        assert_eq!(locate_card_number(text, 0..text.len()), Some(3..22));
        let text = "411111111111111112";
        assert_eq!(
            locate_card_number(text, 0..text.len()),
            None,
            "an unseparated longer number is an id"
        );
    }

    #[test]
    fn detector_masks_cards_of_each_brand_in_text() {
        assert_masks(
            "credit_card",
            "visa 4111 1111 1111 1111, mc 5555555555554444",
            &["4111 1111 1111 1111", "5555555555554444"],
        );
        assert_masks(
            "credit_card",
            "amex 3782-822463-10005.",
            &["3782-822463-10005"],
        );
        assert_masks(
            "credit_card",
            "discover=6011111111111117",
            &["6011111111111117"],
        );
        assert_masks("credit_card", "卡号4111111111111111", &["4111111111111111"]);
    }

    #[test]
    fn look_alikes_that_pass_luhn_are_not_cards() {
        // Luhn-valid, but no issuer starts with 9 or 1.
        assert!(luhn_valid(&[
            9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 5
        ]));
        assert!(!is_card_number("9999999999999995"));
        // A Luhn-valid 16-digit order number with no issuer prefix.
        assert!(luhn_valid(&[
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8
        ]));
        assert_ignores("credit_card", "order 1000000000000008 shipped");
        // An 18-digit id that passes Luhn and starts like a Visa: Visa
        // prints 13, 16 or 19 digits, never 18.
        assert!(luhn_valid(&[
            4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
        ]));
        assert_ignores("credit_card", "id 400000000000000002");
        // Four Luhn-valid groups inside a printed (invalid) IBAN.
        assert_ignores("credit_card", "ref ES28 4730 2279 8791 3405 5120;");
        // Digit-only UUID prefix: 8-4-4 grouping is not how cards print.
        assert!(!is_card_number("41111111-1111-1111"));
        assert!(!is_card_number("4111-11111111-1111"));
        // Inside a longer token or number.
        assert_ignores("credit_card", "trace=a4111111111111111");
        assert_ignores("credit_card", "41111111111111110000");
    }
}
