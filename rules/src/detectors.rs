//! Built-in detectors: a regex that finds candidates plus a validator that
//! rejects look-alikes, so order numbers and ids survive masking.

/// A built-in detector.
#[derive(Debug, Clone, Copy)]
pub struct Detector {
    /// Name used in rule files (`detect: email`).
    pub name: &'static str,
    /// Candidate regex.
    pub regex: &'static str,
    /// Confirms a candidate.
    pub validate: fn(&str) -> bool,
}

/// Every built-in detector.
pub const DETECTORS: &[Detector] = &[
    Detector {
        name: "email",
        regex: r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}\b",
        validate: |_| true,
    },
    Detector {
        name: "credit_card",
        regex: r"\b\d(?:[ -]?\d){12,18}\b",
        validate: is_card_number,
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

/// Card numbers: one separator style throughout, 13 to 19 digits, Luhn.
fn is_card_number(candidate: &str) -> bool {
    let mut separators = candidate.bytes().filter(|b| !b.is_ascii_digit());
    if let Some(first) = separators.next() {
        if separators.any(|other| other != first) {
            return false;
        }
    }
    let digits: Vec<u32> = candidate
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| u32::from(b - b'0'))
        .collect();
    (13..=19).contains(&digits.len()) && luhn_valid(&digits)
}

fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position, &digit)| {
            if position % 2 == 1 {
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
        .sum();
    sum % 10 == 0
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
    }
}
