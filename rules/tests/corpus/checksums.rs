//! Check digits the valid generators compute and the decoys break, written
//! from the published rules rather than taken from the detectors under test.

/// Luhn (ISO/IEC 7812-1): the digit that, appended to `payload`, makes the
/// sum with every second digit from the right doubled a multiple of ten.
pub fn luhn_check_digit(payload: &str) -> u32 {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte - b'0');
            // The check digit will take position 0, so payload position 0 doubles.
            if position % 2 == 0 {
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
    (10 - sum % 10) % 10
}

pub fn luhn_valid(number: &str) -> bool {
    let (payload, check) = number.split_at(number.len() - 1);
    luhn_check_digit(payload) == u32::from(check.as_bytes()[0] - b'0')
}

/// ISO 13616 check digits: move the country and `00` behind the BBAN, read
/// letters as 10..=35, and take 98 minus the remainder mod 97.
pub fn iban_check_digits(country: &str, bban: &str) -> u32 {
    98 - iban_mod97(&format!("{bban}{country}00"))
}

/// Whether a compact IBAN passes mod 97.
pub fn iban_valid(iban: &str) -> bool {
    let (head, bban) = iban.split_at(4);
    iban_mod97(&format!("{bban}{head}")) == 1
}

fn iban_mod97(text: &str) -> u32 {
    text.chars().fold(0, |remainder, c| {
        let value = c.to_digit(36).unwrap_or(0);
        if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        }
    })
}

/// GB 11643-1999: weights 2^(17-i) mod 11 over the first 17 digits, and
/// the check character indexed by the sum mod 11 in `10X98765432`.
pub fn cn_id_check_char(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(byte, weight)| u32::from(byte - b'0') * weight)
        .sum();
    b"10X98765432"[(sum % 11) as usize].into()
}

/// Base64 (RFC 4648), standard alphabet with padding or URL-safe without.
pub fn base64(bytes: &[u8], url_safe: bool) -> String {
    let alphabet: &[u8] = if url_safe {
        super::rng::BASE64URL.as_bytes()
    } else {
        super::rng::BASE64.as_bytes()
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
        if !url_safe {
            out.extend(std::iter::repeat_n('=', 3 - chunk.len()));
        }
    }
    out
}

#[test]
fn checksums_agree_with_published_examples() {
    assert!(luhn_valid("4111111111111111"));
    assert!(luhn_valid("378282246310005"));
    assert!(!luhn_valid("4111111111111112"));
    assert!(iban_valid("DE89370400440532013000"));
    assert!(iban_valid("GB29NWBK60161331926819"));
    assert!(!iban_valid("DE89370400440532013001"));
    assert_eq!(iban_check_digits("DE", "370400440532013000"), 89);
    // The example from GB 11643-1999 itself.
    assert_eq!(cn_id_check_char("11010519491231002"), 'X');
    assert_eq!(base64(b"user:pass", false), "dXNlcjpwYXNz");
    assert_eq!(base64(b"ab", false), "YWI=");
    assert_eq!(base64(br#"{"alg":"HS256"}"#, true), "eyJhbGciOiJIUzI1NiJ9");
}
