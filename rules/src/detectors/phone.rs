//! Telephone numbers: international (E.164 written with `+`), North
//! American, UK-style national numbers and Chinese mobile numbers.

use std::ops::Range;

use super::{byte_at, byte_before, keyword_before, Detector};

/// `phone`. One alternative per printed form; [`locate_phone`] tells them
/// apart by their first character and separators.
pub(super) const PHONE: Detector = Detector {
    name: "phone",
    regex: concat!(
        // +1 415 555 0132, +44 (0)20 7946 0958, +8613812345678
        r"\+[1-9][0-9]{0,2}(?:[ .-]?(?:\([0-9]{1,4}\)|[0-9]{1,4})){1,6}",
        // (415) 555-0132
        r"|\([2-9][0-9]{2}\) ?[2-9][0-9]{2}[-. ][0-9]{4}",
        // 415-555-0132, 1.415.555.0132
        r"|(?-u:\b)(?:1[-. ])?[2-9][0-9]{2}[-. ][2-9][0-9]{2}[-. ][0-9]{4}(?-u:\b)",
        // 020 7946 0958, 07700 900123
        r"|(?-u:\b)0[1-9][0-9]{1,3} [0-9]{3,4} ?[0-9]{3,4}(?-u:\b)",
        // 138 1234 5678, 138-1234-5678
        r"|(?-u:\b)1[3-9][0-9][- ][0-9]{4}[- ][0-9]{4}(?-u:\b)",
        // 13812345678; 4155550132 after a keyword
        r"|(?-u:\b)[0-9]{10,11}(?-u:\b)",
    ),
    locate: locate_phone,
    scans_numbers: false,
};

/// Words that make a bare run of 10 or 11 digits a phone number.
const PHONE_KEYWORDS: &[&str] = &["phone", "tel", "mobile", "电话", "手机"];

/// E.164 allows at most 15 digits; fewer than 8 is a short code or an amount.
const INTERNATIONAL_DIGITS: Range<usize> = 8..16;

fn locate_phone(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let candidate = unspaced_international(text, candidate);
    if continues_number(text, &candidate) || super::inside_grouped_iban(text, candidate.start) {
        return None;
    }
    let number = &text.as_bytes()[candidate.clone()];
    let digits = number.iter().filter(|b| b.is_ascii_digit()).count();
    let separators = || number.iter().filter(|b| !b.is_ascii_digit());
    let valid = match number[0] {
        b'+' => {
            // One dot is a decimal point (`+1234567.89`), not a separator.
            INTERNATIONAL_DIGITS.contains(&digits)
                && separators().filter(|&&b| b == b'.').count() != 1
        }
        b'(' => true, // (415) 555-0132: the regex checked the shape
        _ if digits == number.len() => {
            // A bare run: a Chinese mobile number stands on its own, any
            // other needs a keyword before it.
            is_cn_mobile(number) || keyword_before(text, candidate.start, PHONE_KEYWORDS)
        }
        b'0' => (10..=11).contains(&digits),
        _ => {
            // 415-555-0132, 138 1234 5678: one separator style throughout.
            let mut seps = separators();
            let first = seps.next();
            seps.all(|sep| Some(sep) == first)
        }
    };
    valid.then_some(candidate)
}

/// `+8613812345678 200`: a number written without separators ends where
/// its digits do; the regex, which allows spaced groups, would otherwise
/// take the next number along.
fn unspaced_international(text: &str, candidate: Range<usize>) -> Range<usize> {
    let number = &text.as_bytes()[candidate.clone()];
    if number.first() != Some(&b'+') {
        return candidate;
    }
    let run = number[1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if run >= INTERNATIONAL_DIGITS.start {
        candidate.start..candidate.start + 1 + run
    } else {
        candidate
    }
}

/// `1[3-9]` and nine more digits: the mobile ranges of mainland China.
fn is_cn_mobile(number: &[u8]) -> bool {
    number.len() == 11 && number[0] == b'1' && (b'3'..=b'9').contains(&number[1])
}

/// Whether the candidate is part of something longer: a letter or digit
/// touches it, or a `-`, `.` or `/` leads on to more digits
/// (`415-555-0132-7`, `1795429741.123`).
fn continues_number(text: &str, candidate: &Range<usize>) -> bool {
    let glue = |byte: Option<u8>| byte.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    let joiner = |byte: Option<u8>| matches!(byte, Some(b'-' | b'.' | b'/'));
    let digit = |byte: Option<u8>| byte.is_some_and(|b| b.is_ascii_digit());
    let before = byte_before(text, candidate.start);
    let after = byte_at(text, candidate.end);
    glue(before)
        || glue(after)
        || (joiner(before)
            && digit(
                candidate
                    .start
                    .checked_sub(1)
                    .and_then(|at| byte_before(text, at)),
            ))
        || (joiner(after) && digit(byte_at(text, candidate.end + 1)))
}

#[cfg(test)]
mod tests {
    use crate::detectors::test_support::{assert_ignores, assert_masks};

    #[test]
    fn international_numbers_stand_on_their_own() {
        assert_masks("phone", "call +1 415 555 0132 now", &["+1 415 555 0132"]);
        assert_masks("phone", "to +44 (0)20 7946 0958.", &["+44 (0)20 7946 0958"]);
        assert_masks("phone", "sms:+8613812345678", &["+8613812345678"]);
        assert_masks("phone", "+1 (415) 555-0132", &["+1 (415) 555-0132"]);
        // Unspaced, with an odd digit count or another number after it.
        assert_masks("phone", "call +447255675847", &["+447255675847"]);
        assert_masks("phone", "cb=+8618939430899 200 ok", &["+8618939430899"]);
    }

    #[test]
    fn groups_of_a_printed_iban_are_not_phone_numbers() {
        assert_ignores("phone", "ref FR82 4763 5357 2900 0489 9336 890");
    }

    #[test]
    fn north_american_and_uk_formats() {
        assert_masks("phone", "cb (415) 555-0132", &["(415) 555-0132"]);
        assert_masks("phone", "at 415-555-0132,", &["415-555-0132"]);
        assert_masks("phone", "1.415.555.0132", &["1.415.555.0132"]);
        assert_masks("phone", "office 020 7946 0958", &["020 7946 0958"]);
        assert_masks("phone", "mob 07700 900123", &["07700 900123"]);
    }

    #[test]
    fn chinese_mobile_numbers_next_to_cjk_text() {
        assert_masks("phone", "手机13812345678", &["13812345678"]);
        assert_masks("phone", "电话:13812345678。", &["13812345678"]);
        assert_masks("phone", "联系 138 1234 5678", &["138 1234 5678"]);
        assert_masks("phone", "138-1234-5678", &["138-1234-5678"]);
    }

    #[test]
    fn chinese_mobile_look_alikes_inside_tokens_and_longer_numbers() {
        assert_ignores("phone", "id=a13812345678f");
        assert_ignores("phone", "9913812345678123");
        assert_ignores("phone", "req_13812345678");
        assert_ignores("phone", "12812345678"); // 12x is not a mobile range
    }

    #[test]
    fn bare_ten_digits_need_a_keyword() {
        assert_masks("phone", "phone: 4155550132", &["4155550132"]);
        assert_masks("phone", "Tel 4155550132", &["4155550132"]);
        assert_masks("phone", "mobile_number=0412345678", &["0412345678"]);
        assert_ignores("phone", "ts=1795429741 took 3ms");
        assert_ignores("phone", "hotel booking 4155550132");
        assert_ignores("phone", "phone verified; 42 retries later, ts 1795429741");
    }

    #[test]
    fn numbers_that_only_look_like_phones() {
        assert_ignores("phone", "balance +1234567.89");
        assert_ignores("phone", "+12345"); // too short for E.164
        assert_ignores("phone", "a+14155550132");
        assert_ignores("phone", "part 415-555-0132-7");
        assert_ignores("phone", "415-555.0132"); // mixed separators
        assert_ignores("phone", "2026-11-23 10:29:01");
        assert_ignores("phone", "ts=1795429741.123 phone");
    }
}
