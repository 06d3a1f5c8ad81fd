//! Credentials: JSON Web Tokens, cloud and vendor API tokens, PEM private
//! keys, `Authorization` values and passwords in URLs.
//!
//! Vendor formats are taken from each vendor's public documentation of its
//! token prefixes; lengths are given as ranges where the vendor says they
//! may grow.

use std::borrow::Cow;
use std::ops::{Range, RangeInclusive};

use serde::Deserialize;

use super::base64::check_decoded;
use super::{byte_at, byte_before, Detector};

/// `jwt`: three base64url segments whose first decodes to a JSON object
/// with an `alg` key.
pub(super) const JWT: Detector = Detector {
    name: "jwt",
    // A JSON object starts `{"`, which base64 writes `eyJ`.
    regex: r"(?-u:\b)eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
    locate: locate_jwt,
    scans_numbers: false,
};

/// The one header field every JOSE header has.
#[derive(Deserialize)]
struct JoseHeader<'a> {
    #[serde(borrow)]
    #[allow(dead_code)] // present is all that counts
    alg: Cow<'a, str>,
}

fn locate_jwt(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let token = &text[candidate.clone()];
    let header = token.split('.').next()?;
    check_decoded(header.as_bytes(), |json| {
        serde_json::from_slice::<JoseHeader<'_>>(json).is_ok()
    })
    .then_some(candidate)
}

/// `aws_access_key`: an access key id, long-term (`AKIA`) or temporary
/// (`ASIA`), and 16 upper-case letters or digits.
pub(super) const AWS_ACCESS_KEY: Detector = Detector {
    name: "aws_access_key",
    regex: r"(?-u:\b)(?:AKIA|ASIA)[A-Z0-9]+",
    locate: |text, candidate| prefixed_token(text, candidate, 4, 16..=16),
    scans_numbers: false,
};

/// A vendor token: a prefix of `prefix_len` bytes and a body whose length is
/// in `body_len`, not glued to a word after it. The regexes only say
/// "prefix, then body characters" and leave lengths to this check: counted
/// repetitions (`{36,251}`) make the shared prefilter much slower.
fn prefixed_token(
    text: &str,
    candidate: Range<usize>,
    prefix_len: usize,
    body_len: RangeInclusive<usize>,
) -> Option<Range<usize>> {
    let glued =
        byte_at(text, candidate.end).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    let body = candidate.len().checked_sub(prefix_len)?;
    (!glued && body_len.contains(&body)).then_some(candidate)
}

/// `aws_secret_key`: 40 base64 characters after its keyword. That shape is
/// also every SHA-1 and many ids, so the keyword is required; it is part of
/// the regex rather than looked up by `keyword_before` because a bare
/// 40-character counter slows the shared prefilter on every value.
pub(super) const AWS_SECRET_KEY: Detector = Detector {
    name: "aws_secret_key",
    regex: r#"(?i)secret[_ ]?(?:access[_ ]?)?key["']?[ \t]*(?:[:=]|=>)?[ \t]*["']?[A-Za-z0-9/+]{40}"#,
    locate: locate_aws_secret_key,
    scans_numbers: false,
};

/// Length of an AWS secret access key.
const AWS_SECRET_LEN: usize = 40;

fn locate_aws_secret_key(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let key = candidate.end - AWS_SECRET_LEN..candidate.end;
    let base64 = |byte: Option<u8>| {
        byte.is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+'))
    };
    // A run that goes on (or ends in padding) is some longer value.
    let longer = base64(byte_at(text, key.end)) || byte_at(text, key.end) == Some(b'=');
    (!base64(byte_before(text, key.start)) && !longer).then_some(key)
}

/// `github_token`: personal (`ghp_`), OAuth (`gho_`), user-to-server
/// (`ghu_`), server-to-server (`ghs_`), refresh (`ghr_`) and fine-grained
/// personal (`github_pat_`) tokens. GitHub documents that lengths may grow,
/// so only a minimum is checked.
pub(super) const GITHUB_TOKEN: Detector = Detector {
    name: "github_token",
    regex: r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]+|github_pat_[A-Za-z0-9_]+)",
    locate: |text, candidate| {
        if text[candidate.clone()].starts_with("github_pat_") {
            prefixed_token(text, candidate, "github_pat_".len(), 22..=usize::MAX)
        } else {
            prefixed_token(text, candidate, "ghp_".len(), 36..=usize::MAX)
        }
    },
    scans_numbers: false,
};

/// `gitlab_token`: personal access tokens (`glpat-`), including the newer
/// dotted form.
pub(super) const GITLAB_TOKEN: Detector = Detector {
    name: "gitlab_token",
    regex: r"(?-u:\b)glpat-[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*",
    locate: |text, candidate| prefixed_token(text, candidate, "glpat-".len(), 20..=usize::MAX),
    scans_numbers: false,
};

/// `slack_token`: bot (`xoxb-`), user (`xoxp-`), app-level (`xoxa-`) and
/// refresh (`xoxr-`) tokens.
pub(super) const SLACK_TOKEN: Detector = Detector {
    name: "slack_token",
    regex: r"(?-u:\b)xox[abpr]-[A-Za-z0-9-]+",
    locate: |text, candidate| prefixed_token(text, candidate, "xoxb-".len(), 10..=usize::MAX),
    scans_numbers: false,
};

/// `stripe_key`: live and test secret keys and live restricted keys.
/// Publishable keys (`pk_`) are public by design and left alone.
pub(super) const STRIPE_KEY: Detector = Detector {
    name: "stripe_key",
    regex: r"(?-u:\b)(?:sk_live|rk_live|sk_test)_[A-Za-z0-9]+",
    locate: |text, candidate| prefixed_token(text, candidate, "sk_live_".len(), 24..=usize::MAX),
    scans_numbers: false,
};

/// `google_api_key`: `AIza` and 35 more characters.
pub(super) const GOOGLE_API_KEY: Detector = Detector {
    name: "google_api_key",
    regex: r"(?-u:\b)AIza[0-9A-Za-z_-]+",
    locate: |text, candidate| prefixed_token(text, candidate, "AIza".len(), 35..=35),
    scans_numbers: false,
};

/// `private_key`: a PEM private key block. The BEGIN and END lines stay
/// (they say what was there); the body between them is masked. The block
/// may sit in a JSON string with `\n` escapes; without an END line (a
/// truncated line) the base64 body after BEGIN is masked.
pub(super) const PRIVATE_KEY: Detector = Detector {
    name: "private_key",
    regex: concat!(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
        r"(?:(?s:.*?)-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
        r"|(?:[A-Za-z0-9+/=\s]|\\[nr])*)",
    ),
    locate: locate_private_key_body,
    scans_numbers: false,
};

fn locate_private_key_body(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    const DASHES: &str = "-----";
    let block = &text[candidate.clone()];
    // The BEGIN line ends at the second run of dashes.
    let begin_end = DASHES.len() + block[DASHES.len()..].find(DASHES)? + DASHES.len();
    let body_end = match block.rfind("-----END ") {
        Some(end_line) if end_line >= begin_end => end_line,
        _ => block.len(),
    };
    Some(candidate.start + begin_end..candidate.start + body_end)
}

/// `auth_header`: the credential of a `Bearer` or `Basic` value; the
/// scheme word stays.
pub(super) const AUTH_HEADER: Detector = Detector {
    name: "auth_header",
    regex: r"(?i)(?-u:\b)(?:bearer|basic)[ \t]+[A-Za-z0-9._~+/-]+=*",
    locate: locate_auth_credential,
    scans_numbers: false,
};

/// Bearer tokens this short are words, not secrets.
const MIN_BEARER_TOKEN: usize = 8;
/// Letters-only bearer tokens must be at least this long and mixed case.
const MIN_LETTERS_ONLY_TOKEN: usize = 16;

fn locate_auth_credential(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let value = &text[candidate.clone()];
    let scheme_len = value.find([' ', '\t'])?;
    let credential_start = scheme_len + value[scheme_len..].find(|c| c != ' ' && c != '\t')?;
    let credential = &value[credential_start..];
    let valid = if value[..scheme_len].eq_ignore_ascii_case("basic") {
        // base64 of `user:password`; `basic auth failed` has no such value.
        check_decoded(credential.as_bytes(), |decoded| decoded.contains(&b':'))
    } else {
        // `Bearer realm`, `bearer tokens` are prose; tokens carry digits
        // or are long, random mixed case.
        let has = |test: fn(&u8) -> bool| credential.as_bytes().iter().any(test);
        credential.len() >= MIN_BEARER_TOKEN
            && (has(u8::is_ascii_digit)
                || (credential.len() >= MIN_LETTERS_ONLY_TOKEN
                    && has(u8::is_ascii_uppercase)
                    && has(u8::is_ascii_lowercase)))
    };
    valid.then_some(candidate.start + credential_start..candidate.end)
}

/// `url_credentials`: the password of `scheme://user:password@host`.
/// The user name stays; a URL without a password is left alone.
pub(super) const URL_CREDENTIALS: Detector = Detector {
    name: "url_credentials",
    // The password runs to the last `@` before the path, as in browsers.
    regex: r#"(?i)(?-u:\b)[a-z][a-z0-9+.-]*://[^\s:/?#@"'<>]*:[^\s/?#"'<>]+@"#,
    locate: locate_url_password,
    scans_numbers: false,
};

fn locate_url_password(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let url = &text[candidate.clone()];
    let authority = url.find("://")? + 3;
    let colon = authority + url[authority..].find(':')?;
    let at = url.len() - 1; // the regex ends at `@`
    (colon + 1 < at).then_some(candidate.start + colon + 1..candidate.start + at)
}

#[cfg(test)]
mod tests {
    use crate::detectors::test_support::{assert_ignores, assert_masks, masked};

    // Vendor prefixes are split so secret scanners do not flag this file.
    const GITHUB_PAT: &str = concat!("gh", "p_");
    const STRIPE_LIVE: &str = concat!("sk", "_live_");
    const SLACK_BOT: &str = concat!("xo", "xb-");

    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

    #[test]
    fn jwt_with_a_jose_header() {
        assert_masks("jwt", &format!("token={JWT}&x=1"), &[JWT]);
        let unsigned = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";
        assert_masks("jwt", unsigned, &[unsigned]);
    }

    #[test]
    fn jwt_look_alikes() {
        // JSON, but no `alg`.
        assert_ignores("jwt", "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig");
        // Starts like JSON, is not.
        assert_ignores(
            "jwt",
            "eyJub3QganNvbiBhdCBhbGw.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
        );
        assert_ignores("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9 alone");
    }

    #[test]
    fn aws_keys() {
        let id = concat!("AKIA", "IOSFODNN7EXAMPLE");
        assert_masks("aws_access_key", &format!("key_id={id}"), &[id]);
        let temporary = concat!("ASIA", "IOSFODNN7EXAMPLE");
        assert_masks("aws_access_key", temporary, &[temporary]);
        assert_ignores("aws_access_key", "AKIAIOSFODNN7EXAMPL"); // 15 after prefix
        assert_ignores("aws_access_key", "XAKIAIOSFODNN7EXAMPLE");
        assert_ignores("aws_access_key", "akiaiosfodnn7example");

        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert_masks(
            "aws_secret_key",
            &format!("AWS_SECRET_ACCESS_KEY={secret}"),
            &[secret],
        );
        assert_masks(
            "aws_secret_key",
            &format!("\"SecretAccessKey\": \"{secret}\""),
            &[secret],
        );
        assert_ignores("aws_secret_key", &format!("commit {secret}"));
        let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
        assert_ignores("aws_secret_key", &format!("git sha {sha1}"));
        assert_ignores("aws_secret_key", &format!("secret key {secret}AB"));
    }

    #[test]
    fn github_and_gitlab_tokens() {
        let classic = format!("{GITHUB_PAT}{}", "a1B2".repeat(9));
        assert_masks(
            "github_token",
            &format!("GITHUB_TOKEN={classic}"),
            &[&classic],
        );
        let fine_grained = format!(
            "github_pat_{}_{}",
            "A1b2".repeat(5) + "xy",
            "Zz9".repeat(20)
        );
        assert_masks("github_token", &fine_grained, &[&fine_grained]);
        assert_ignores("github_token", &format!("{GITHUB_PAT}abc123"));
        assert_ignores("github_token", &format!("ghx_{}", "a1B2".repeat(9)));

        let gitlab = concat!("glpat-", "xxxxxxxxxxxxxxxxxxx1");
        assert_masks("gitlab_token", &format!("token {gitlab}."), &[gitlab]);
        assert_ignores("gitlab_token", "glpat-short");
    }

    #[test]
    fn slack_stripe_and_google_keys() {
        let slack = format!("{SLACK_BOT}123456789012-1234567890123-AbCdEfGhIjKl");
        assert_masks("slack_token", &format!("slack: {slack}"), &[&slack]);
        assert_ignores("slack_token", "xoxz-123456789012-1234567890123");
        assert_ignores("slack_token", &format!("{SLACK_BOT}123"));

        let stripe = format!("{STRIPE_LIVE}{}", "4eC39HqLyjWDarjtT1zdp7dc");
        assert_masks("stripe_key", &format!("key={stripe}"), &[&stripe]);
        let test_key = format!("{}{}", concat!("sk", "_test_"), "4eC39HqLyjWDarjtT1zdp7dc");
        assert_masks("stripe_key", &test_key, &[&test_key]);
        assert_ignores(
            "stripe_key",
            &format!("{}{}", concat!("pk", "_live_"), "4eC39HqLyjWDarjtT1zdp7dc"),
        );
        assert_ignores("stripe_key", &format!("{STRIPE_LIVE}short"));

        let google = format!("{}{}", "AI", "zaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe");
        assert_masks("google_api_key", &format!("key={google}&q=1"), &[&google]);
        assert_ignores("google_api_key", &format!("{google}X")); // 36 after prefix
        assert_ignores("google_api_key", "AIzaShort");
    }

    #[test]
    fn private_key_body_is_masked_and_markers_stay() {
        let begin = concat!("-----BEGIN RSA PRIVATE", " KEY-----");
        let end = concat!("-----END RSA PRIVATE", " KEY-----");
        let block = format!("{begin}\nMIIEowIBAAKCAQEA\nq83h+Zk=\n{end}");
        assert_masks("private_key", &block, &["\nMIIEowIBAAKCAQEA\nq83h+Zk=\n"]);
        // Inside a JSON string, newlines are `\n` escapes.
        let json = format!(r#"{{"key":"{begin}\nMIIEowIBAAKCAQEA\n{end}\n"}}"#);
        assert_masks("private_key", &json, &[r"\nMIIEowIBAAKCAQEA\n"]);
        // A line cut before the END marker still loses its body.
        let truncated = format!(r#"{begin}\nMIIEowIBAAKCAQEA\nq83h"#);
        assert_masks("private_key", &truncated, &[r"\nMIIEowIBAAKCAQEA\nq83h"]);
        let openssh = concat!(
            "-----BEGIN OPENSSH PRIVATE",
            " KEY-----b3BlbnNzaA-----END OPENSSH PRIVATE",
            " KEY-----"
        );
        assert_masks("private_key", openssh, &["b3BlbnNzaA"]);
    }

    #[test]
    fn public_keys_and_certificates_are_not_private_keys() {
        assert_ignores(
            "private_key",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----",
        );
        assert_ignores(
            "private_key",
            "-----BEGIN CERTIFICATE-----\nMIIDdz\n-----END CERTIFICATE-----",
        );
        assert_ignores("private_key", "rotate the private key weekly");
    }

    #[test]
    fn auth_header_masks_the_credential_and_keeps_the_scheme() {
        assert_masks(
            "auth_header",
            &format!("Authorization: Bearer {JWT}"),
            &[JWT],
        );
        assert_masks(
            "auth_header",
            "authorization: bearer 0a1b2c3d4e5f",
            &["0a1b2c3d4e5f"],
        );
        assert_masks(
            "auth_header",
            "Basic YWxpY2U6czNjcmV0",
            &["YWxpY2U6czNjcmV0"],
        );
        assert_eq!(
            masked("auth_header", "BASIC YWxpY2U6czNjcmV0=="),
            ["YWxpY2U6czNjcmV0=="]
        );
    }

    #[test]
    fn auth_words_in_prose_are_not_credentials() {
        assert_ignores("auth_header", "basic auth failed for user");
        assert_ignores("auth_header", "Bearer realm=\"api\"");
        assert_ignores("auth_header", "bearer token-based login");
        assert_ignores("auth_header", "Basic aGVsbG8gd29ybGQ="); // "hello world": no colon
    }

    #[test]
    fn url_credentials_mask_only_the_password() {
        assert_masks(
            "url_credentials",
            "postgres://app:s3cret@db:5432/x",
            &["s3cret"],
        );
        assert_masks("url_credentials", "redis://:hunter2@cache", &["hunter2"]);
        assert_masks(
            "url_credentials",
            "https://bob:p@ss:w0rd@example.com/",
            &["p@ss:w0rd"],
        );
        assert_masks(
            "url_credentials",
            r#"{"url":"amqp://guest:guest@mq"}"#,
            &["guest"],
        );
    }

    #[test]
    fn urls_without_a_password_are_left_alone() {
        assert_ignores("url_credentials", "http://example.com:8080/path");
        assert_ignores("url_credentials", "https://bob@example.com/");
        assert_ignores("url_credentials", "git@github.com:org/repo.git");
        assert_ignores("url_credentials", "mailto:alice@example.com");
        assert_ignores(
            "url_credentials",
            "loaded config.py from http://example.com/a?b=c:d@e",
        );
    }
}
