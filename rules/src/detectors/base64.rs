//! Base64 decoding for validators (a JWT header, a Basic credential).
//! Accepts both the standard and the URL-safe alphabet, padding optional:
//! it decides whether text is a credential, it is not a codec.

/// Decodes `encoded` and hands the bytes to `check`; `false` when the text
/// is not base64. Short inputs decode on the stack.
pub(super) fn check_decoded(encoded: &[u8], check: impl FnOnce(&[u8]) -> bool) -> bool {
    const STACK: usize = 1024;
    let encoded = strip_padding(encoded);
    let needed = encoded.len() / 4 * 3 + 3;
    if needed <= STACK {
        let mut buffer = [0_u8; STACK];
        decode_into(encoded, &mut buffer).is_some_and(check)
    } else {
        let mut buffer = vec![0_u8; needed];
        decode_into(encoded, &mut buffer).is_some_and(check)
    }
}

fn strip_padding(encoded: &[u8]) -> &[u8] {
    let end = encoded
        .iter()
        .rposition(|&byte| byte != b'=')
        .map_or(0, |last| last + 1);
    &encoded[..end]
}

/// Decodes unpadded base64 into `buffer`; `None` on a byte outside the
/// alphabet or a length no encoder produces.
fn decode_into<'b>(encoded: &[u8], buffer: &'b mut [u8]) -> Option<&'b [u8]> {
    if encoded.len() % 4 == 1 {
        return None;
    }
    let mut written = 0;
    for chunk in encoded.chunks(4) {
        let mut bits: u32 = 0;
        for &byte in chunk {
            bits = (bits << 6) | u32::from(sextet(byte)?);
        }
        // A chunk of n characters carries n * 6 bits: n - 1 whole bytes.
        let bytes = chunk.len() - 1;
        bits <<= 6 * (4 - chunk.len());
        for index in 0..bytes {
            *buffer.get_mut(written)? = (bits >> (16 - 8 * index)) as u8;
            written += 1;
        }
    }
    Some(&buffer[..written])
}

fn sextet(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(encoded: &str) -> Option<Vec<u8>> {
        let mut out = None;
        check_decoded(encoded.as_bytes(), |bytes| {
            out = Some(bytes.to_vec());
            true
        });
        out
    }

    #[test]
    fn decodes_both_alphabets_with_or_without_padding() {
        assert_eq!(decoded("dXNlcjpwYXNz").as_deref(), Some(&b"user:pass"[..]));
        assert_eq!(decoded("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(decoded("YWI").as_deref(), Some(&b"ab"[..]));
        assert_eq!(decoded("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decoded("+/8").as_deref(), Some(&[0xfb, 0xff][..]));
    }

    #[test]
    fn rejects_what_no_encoder_writes() {
        assert_eq!(decoded("a"), None);
        assert_eq!(decoded("ab!c"), None);
    }

    #[test]
    fn long_input_decodes_beyond_the_stack_buffer() {
        assert_eq!(decoded(&"QUFB".repeat(500)), Some(b"AAA".repeat(500)));
    }
}
