//! National identity numbers: US Social Security numbers and Chinese
//! resident identity card numbers.

use std::ops::Range;

use super::{keyword_before, stands_alone, Detector};

/// `us_ssn`: `123-45-6789`, `123 45 6789`, or nine bare digits after a
/// keyword.
pub(super) const US_SSN: Detector = Detector {
    name: "us_ssn",
    regex: r"(?-u:\b)[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}(?-u:\b)",
    locate: locate_us_ssn,
    scans_numbers: false,
};

/// Words that make nine bare digits an SSN.
const SSN_KEYWORDS: &[&str] = &["ssn", "social security", "social_security"];

fn locate_us_ssn(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let number = &text.as_bytes()[candidate.clone()];
    // Separators sit after the area (3) and group (2) digits, or nowhere.
    let (area, group, serial, separated) = match number.len() {
        9 => (&number[..3], &number[3..5], &number[5..], false),
        11 if number[3] == number[6] && !number[3].is_ascii_digit() => {
            (&number[..3], &number[4..6], &number[7..], true)
        }
        _ => return None, // one separator, or two different ones
    };
    let issued =
        area != b"000" && area != b"666" && area[0] != b'9' && group != b"00" && serial != b"0000";
    let in_context = separated || keyword_before(text, candidate.start, SSN_KEYWORDS);
    // `12-123-45-6789-0` is some other identifier.
    let alone = !is_joined(text, &candidate);
    (issued && in_context && alone).then_some(candidate)
}

/// Whether a `-` or `.` joins the candidate to more digits.
fn is_joined(text: &str, candidate: &Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let before = candidate.start >= 2
        && matches!(bytes[candidate.start - 1], b'-' | b'.')
        && bytes[candidate.start - 2].is_ascii_digit();
    let after = bytes.len() > candidate.end + 1
        && matches!(bytes[candidate.end], b'-' | b'.')
        && bytes[candidate.end + 1].is_ascii_digit();
    before || after
}

/// `cn_resident_id`: 18 characters, the last possibly `X`.
pub(super) const CN_RESIDENT_ID: Detector = Detector {
    name: "cn_resident_id",
    regex: r"(?-u:\b)[1-9][0-9]{16}[0-9Xx](?-u:\b)",
    locate: locate_cn_resident_id,
    scans_numbers: true,
};

/// GB 11643-1999 (ISO 7064 MOD 11-2) weights of the first 17 digits.
const CN_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder of the weighted sum modulo 11.
const CN_ID_CHECK: &[u8; 11] = b"10X98765432";

fn locate_cn_resident_id(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let id = &text.as_bytes()[candidate.clone()];
    let sum: u32 = id[..17]
        .iter()
        .zip(CN_ID_WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    let check_ok = CN_ID_CHECK[(sum % 11) as usize] == id[17].to_ascii_uppercase();
    let valid = stands_alone(text, &candidate)
        && is_province_code(&id[..2])
        && is_plausible_birth_date(&id[6..14])
        && check_ok;
    valid.then_some(candidate)
}

/// The first two digits name a province-level division (GB/T 2260):
/// 11-15 North, 21-23 North-east, 31-37 East, 41-46 South-central,
/// 50-54 South-west, 61-65 North-west, 71 Taiwan, 81-82 Hong Kong and
/// Macao, 83 residence permits for Taiwan residents.
fn is_province_code(code: &[u8]) -> bool {
    let code = u32::from(code[0] - b'0') * 10 + u32::from(code[1] - b'0');
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83)
}

/// `YYYYMMDD` from 1900 on, a real calendar day.
fn is_plausible_birth_date(date: &[u8]) -> bool {
    let number = |digits: &[u8]| {
        digits
            .iter()
            .fold(0_u32, |value, digit| value * 10 + u32::from(digit - b'0'))
    };
    let (year, month, day) = (number(&date[..4]), number(&date[4..6]), number(&date[6..]));
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2099).contains(&year) && (1..=days_in_month).contains(&day)
}

#[cfg(test)]
mod tests {
    use crate::detectors::test_support::{assert_ignores, assert_masks};

    #[test]
    fn ssn_with_matching_separators() {
        assert_masks("us_ssn", "ssn 123-45-6789 on file", &["123-45-6789"]);
        assert_masks("us_ssn", "id: 123 45 6789", &["123 45 6789"]);
    }

    #[test]
    fn bare_nine_digits_are_an_ssn_only_after_a_keyword() {
        assert_masks("us_ssn", "SSN: 123456789", &["123456789"]);
        assert_masks("us_ssn", "Social Security number 123456789", &["123456789"]);
        assert_ignores("us_ssn", "order 123456789 shipped");
    }

    #[test]
    fn numbers_never_issued_are_not_ssns() {
        for number in [
            "000-12-3456",
            "666-12-3456",
            "912-34-5678",
            "123-00-4567",
            "123-45-0000",
        ] {
            assert_ignores("us_ssn", &format!("ssn {number}"));
        }
    }

    #[test]
    fn ssn_look_alikes() {
        assert_ignores("us_ssn", "ssn 123-45 6789"); // mixed separators
        assert_ignores("us_ssn", "ssn 123-456789"); // one separator
        assert_ignores("us_ssn", "part 77-123-45-6789"); // longer identifier
        assert_ignores("us_ssn", "ssn a123456789");
    }

    #[test]
    fn resident_id_with_valid_checksum_and_birth_date() {
        assert_masks(
            "cn_resident_id",
            "身份证110101199003074477",
            &["110101199003074477"],
        );
        assert_masks(
            "cn_resident_id",
            "id=11010519491231002X,",
            &["11010519491231002X"],
        );
        assert_masks(
            "cn_resident_id",
            "id=11010519491231002x",
            &["11010519491231002x"],
        );
    }

    #[test]
    fn resident_id_look_alikes() {
        // Check digit off by one.
        assert_ignores("cn_resident_id", "110101199003074478");
        // Checksum right, but born on 30 February.
        assert_ignores("cn_resident_id", "11010119900230447X");
        // Checksum right, but no province 99.
        assert_ignores("cn_resident_id", "990101199003074470");
        // An 18-digit order number inside a longer token.
        assert_ignores("cn_resident_id", "ord_110101199003074477");
    }
}
