//! International bank account numbers (ISO 13616).

use std::ops::Range;

use super::Detector;

/// `iban`: country code, two check digits, then the account; unspaced or
/// in groups of four (`GB82 WEST 1234 5698 7654 32`). Upper case only, as
/// printed.
pub(super) const IBAN: Detector = Detector {
    name: "iban",
    regex: r"(?-u:\b)[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?-u:\b)",
    locate: locate_iban,
    scans_numbers: false,
};

/// IBAN length per country, from the SWIFT IBAN registry.
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// The IBAN at the start of the candidate, cut to its country's length (a
/// spaced IBAN may be followed by another group of the text), if its
/// spacing and check digits are right.
fn locate_iban(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let bytes = &text.as_bytes()[candidate.clone()];
    let country: &[u8; 2] = bytes[..2].try_into().ok()?;
    let (_, length) = IBAN_LENGTHS.iter().find(|(code, _)| *code == country)?;
    // Spaced when the first group is followed by a space; the regex may
    // also have taken a separate short token after an unspaced IBAN.
    let spaced = bytes.get(4) == Some(&b' ');
    // Where the `length`-th character ends, counting letters and digits.
    let mut seen = 0;
    let mut end = None;
    for (at, &byte) in bytes.iter().enumerate() {
        if byte == b' ' {
            continue;
        }
        // Printed groups are four wide: a spaced IBAN has a space before
        // every fifth character, an unspaced one none.
        let space_before = at > 0 && bytes[at - 1] == b' ';
        if seen > 0 && space_before != (spaced && seen % 4 == 0) {
            return None;
        }
        seen += 1;
        if seen == *length {
            end = Some(at + 1);
            break;
        }
    }
    let end = end?;
    // The cut must fall between groups, not inside one.
    if bytes.get(end).is_some_and(|&b| b != b' ') {
        return None;
    }
    let iban = &bytes[..end];
    (mod97(iban) == 1).then_some(candidate.start..candidate.start + end)
}

/// The IBAN as a number, with its first four characters moved to the end
/// and letters as 10-35, modulo 97; spaces are skipped. A valid IBAN gives 1.
fn mod97(iban: &[u8]) -> u32 {
    let rearranged = iban[4..].iter().chain(&iban[..4]);
    rearranged
        .filter(|b| **b != b' ')
        .fold(0, |remainder, &byte| match byte {
            b'0'..=b'9' => (remainder * 10 + u32::from(byte - b'0')) % 97,
            _ => (remainder * 100 + u32::from(byte - b'A') + 10) % 97,
        })
}

#[cfg(test)]
mod tests {
    use crate::detectors::test_support::{assert_ignores, assert_masks};

    #[test]
    fn ibans_spaced_or_not() {
        assert_masks(
            "iban",
            "to DE89370400440532013000.",
            &["DE89370400440532013000"],
        );
        assert_masks(
            "iban",
            "iban: GB82 WEST 1234 5698 7654 32 (GBP)",
            &["GB82 WEST 1234 5698 7654 32"],
        );
        assert_masks("iban", "NO9386011117947", &["NO9386011117947"]);
        // Unspaced, with a short token after it that the regex also takes.
        assert_masks(
            "iban",
            "iban=ES5478785358061960722875 200 ok",
            &["ES5478785358061960722875"],
        );
        assert_masks(
            "iban",
            "FR14 2004 1010 0505 0001 3M02 606",
            &["FR14 2004 1010 0505 0001 3M02 606"],
        );
    }

    #[test]
    fn a_group_after_the_iban_is_not_part_of_it() {
        assert_masks(
            "iban",
            "DE89 3704 0044 0532 0130 00 1234 due",
            &["DE89 3704 0044 0532 0130 00"],
        );
    }

    #[test]
    fn iban_look_alikes() {
        assert_ignores("iban", "DE89370400440532013001"); // check digits fail
        assert_ignores("iban", "DE8937040044053201300"); // one short for DE
        assert_ignores("iban", "XX89370400440532013000"); // no such country
        assert_ignores("iban", "DE89 3704 00440532 0130 00"); // broken grouping
        assert_ignores("iban", "de89370400440532013000"); // not as printed
        assert_ignores("iban", "ABCD1234EFGH5678IJKL"); // a token
    }
}
