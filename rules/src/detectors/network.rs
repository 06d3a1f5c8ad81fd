//! Network addresses: IPv4, IPv6 and MAC. Not in the default packs: many
//! users need client addresses in their logs.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use super::{byte_at, byte_before, word_before_is, Detector};

/// `ipv4`: dotted quad, as `std::net::Ipv4Addr` parses it (no leading
/// zeros).
pub(super) const IPV4: Detector = Detector {
    name: "ipv4",
    regex: r"(?-u:\b)[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?-u:\b)",
    locate: locate_ipv4,
    scans_numbers: false,
};

/// Words after which a dotted quad is a version number.
const VERSION_WORDS: &[&str] = &["version", "ver", "v"];

fn locate_ipv4(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let dotted_neighbour = |byte: Option<u8>, next: Option<u8>| {
        byte == Some(b'.') && next.is_some_and(|b| b.is_ascii_digit())
    };
    // 1.3.6.1.4.1 is an OID, x.10.0.0.1 part of a name.
    let part_of_longer = byte_before(text, candidate.start) == Some(b'.')
        || dotted_neighbour(
            byte_at(text, candidate.end),
            byte_at(text, candidate.end + 1),
        );
    let valid = !part_of_longer
        && text[candidate.clone()].parse::<Ipv4Addr>().is_ok()
        && !word_before_is(text, candidate.start, VERSION_WORDS);
    valid.then_some(candidate)
}

/// `ipv6`: hex groups and colons (with an optional embedded IPv4 tail), as
/// `std::net::Ipv6Addr` parses them. A zone (`%eth0`) is left in place.
pub(super) const IPV6: Detector = Detector {
    name: "ipv6",
    regex: r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,8}(?:\.[0-9]{1,3}){0,3}",
    locate: locate_ipv6,
    scans_numbers: false,
};

fn locate_ipv6(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let address = &text[candidate.clone()];
    let glue = |byte: Option<u8>| {
        byte.is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.'))
    };
    // Without a decimal digit, `::` in `std::vec` or `dead::beef` in code
    // parses too; real addresses almost always hold one.
    let valid = !glue(byte_before(text, candidate.start))
        && !glue(byte_at(text, candidate.end))
        && address.bytes().any(|b| b.is_ascii_digit())
        && address.parse::<Ipv6Addr>().is_ok();
    valid.then_some(candidate)
}

/// `mac`: six hex pairs joined by `:` or `-`, or Cisco's three dotted
/// quads of hex.
pub(super) const MAC: Detector = Detector {
    name: "mac",
    regex: r"(?i)(?-u:\b)(?:[0-9a-f]{2}(?::[0-9a-f]{2}){5}|[0-9a-f]{2}(?:-[0-9a-f]{2}){5}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})(?-u:\b)",
    locate: locate_mac,
    scans_numbers: false,
};

fn locate_mac(text: &str, candidate: Range<usize>) -> Option<Range<usize>> {
    let joins = |byte: Option<u8>| matches!(byte, Some(b':' | b'-' | b'.'));
    let hex = |byte: Option<u8>| byte.is_some_and(|b| b.is_ascii_hexdigit());
    // A seventh group makes it an IPv6 address or some longer id.
    let longer = (joins(byte_before(text, candidate.start))
        && hex(candidate
            .start
            .checked_sub(2)
            .and_then(|at| byte_at(text, at))))
        || (joins(byte_at(text, candidate.end)) && hex(byte_at(text, candidate.end + 1)));
    (!longer).then_some(candidate)
}

#[cfg(test)]
mod tests {
    use crate::detectors::test_support::{assert_ignores, assert_masks};

    #[test]
    fn ipv4_addresses_with_ports_and_in_brackets() {
        assert_masks(
            "ipv4",
            "client 192.168.0.1:8080 [10.0.0.255]",
            &["192.168.0.1", "10.0.0.255"],
        );
        assert_masks("ipv4", "ip=8.8.8.8.", &["8.8.8.8"]);
    }

    #[test]
    fn ipv4_look_alikes() {
        assert_ignores("ipv4", "version 10.2.3.4");
        assert_ignores("ipv4", "Version: 10.2.3.4");
        assert_ignores("ipv4", "v 1.2.3.4 released");
        assert_ignores("ipv4", "256.1.1.1"); // octet out of range
        assert_ignores("ipv4", "010.1.1.1"); // leading zero: octal or typo
        assert_ignores("ipv4", "oid 1.3.6.1.4.1");
        assert_ignores("ipv4", "libfoo.so.1.2.3.4");
    }

    #[test]
    fn ipv6_addresses() {
        assert_masks(
            "ipv6",
            "from 2001:db8::1 to [fe80::1]:443",
            &["2001:db8::1", "fe80::1"],
        );
        assert_masks("ipv6", "::ffff:192.0.2.1 mapped", &["::ffff:192.0.2.1"]);
        assert_masks(
            "ipv6",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            &["2001:0db8:85a3:0000:0000:8a2e:0370:7334"],
        );
    }

    #[test]
    fn ipv6_look_alikes() {
        assert_ignores("ipv6", "at 10:29:01.123");
        assert_ignores("ipv6", "std::vec::Vec and Foo::bar");
        assert_ignores("ipv6", "cafe::beef"); // no digit: an identifier
        assert_ignores("ipv6", "1:2:3:4:5:6:7:8:9");
        assert_ignores("ipv6", "mac 00:1a:2b:3c:4d:5e");
    }

    #[test]
    fn mac_addresses() {
        assert_masks("mac", "hw 00:1A:2b:3c:4d:5e up", &["00:1A:2b:3c:4d:5e"]);
        assert_masks("mac", "00-1a-2b-3c-4d-5e", &["00-1a-2b-3c-4d-5e"]);
        assert_masks("mac", "cisco 001a.2b3c.4d5e", &["001a.2b3c.4d5e"]);
    }

    #[test]
    fn mac_look_alikes() {
        assert_ignores("mac", "00:1a:2b:3c:4d:5e:6f"); // seven groups
        assert_ignores("mac", "00:1a-2b:3c:4d:5e"); // mixed separators
        assert_ignores("mac", "at 10:29:01");
        assert_ignores("mac", "00:1g:2b:3c:4d:5e");
    }
}
