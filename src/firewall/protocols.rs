//! Protocol names as `iptables-save` prints them and `iptables-restore`, nft and firewalld read
//! them: the IANA names the Internet's `/etc/protocols` carries, built in so that the tool never
//! depends on the host's copy of that file.
//!
//! The table holds the names and aliases (lower case) of Debian's netbase 6.4 `/etc/protocols`, plus
//! the names iptables knows without it (`icmpv6`, `icmp6`, `ipv6-mh`, `mh`). It was made with
//! `awk '!/^#/ && NF >= 2' /etc/protocols` on that package (less `mptcp`, 262, which is no IP
//! protocol number): names change rarely, and a name the table
//! lacks is reported with its line, never guessed.

/// (name, protocol number); `ip`, `hopopt` and `all` are 0, which rules read as "every protocol".
const NAMES: &[(&str, u8)] = &[
    ("ip", 0),
    ("hopopt", 0),
    ("icmp", 1),
    ("igmp", 2),
    ("ggp", 3),
    ("ipencap", 4),
    ("ip-encap", 4),
    ("st", 5),
    ("tcp", 6),
    ("egp", 8),
    ("igp", 9),
    ("pup", 12),
    ("udp", 17),
    ("hmp", 20),
    ("xns-idp", 22),
    ("rdp", 27),
    ("iso-tp4", 29),
    ("dccp", 33),
    ("xtp", 36),
    ("ddp", 37),
    ("idpr-cmtp", 38),
    ("ipv6", 41),
    ("ipv6-route", 43),
    ("ipv6-frag", 44),
    ("idrp", 45),
    ("rsvp", 46),
    ("gre", 47),
    ("esp", 50),
    ("ipsec-esp", 50),
    ("ah", 51),
    ("ipsec-ah", 51),
    ("skip", 57),
    ("ipv6-icmp", 58),
    ("ipv6-nonxt", 59),
    ("ipv6-opts", 60),
    ("rspf", 73),
    ("cphb", 73),
    ("vmtp", 81),
    ("eigrp", 88),
    ("ospf", 89),
    ("ospfigp", 89),
    ("ax.25", 93),
    ("ipip", 94),
    ("etherip", 97),
    ("encap", 98),
    ("pim", 103),
    ("ipcomp", 108),
    ("vrrp", 112),
    ("l2tp", 115),
    ("isis", 124),
    ("sctp", 132),
    ("fc", 133),
    ("mobility-header", 135),
    ("udplite", 136),
    ("mpls-in-ip", 137),
    ("manet", 138),
    ("hip", 139),
    ("shim6", 140),
    ("wesp", 141),
    ("rohc", 142),
    ("ethernet", 143),
    ("icmpv6", 58),
    ("icmp6", 58),
    ("ipv6-mh", 135),
    ("mh", 135),
    ("all", 0),
];

/// The number of a protocol given by name (any case) or number.
pub fn number(text: &str) -> Option<u8> {
    if let Ok(n) = text.parse::<u8>() {
        return Some(n);
    }
    NAMES.iter().find(|(name, _)| name.eq_ignore_ascii_case(text)).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_iptables_save_prints_are_known() {
        for (name, n) in [
            ("tcp", 6),
            ("udp", 17),
            ("ipencap", 4),
            ("vrrp", 112),
            ("ipip", 94),
            ("gre", 47),
            ("esp", 50),
            ("ah", 51),
            ("sctp", 132),
            ("udplite", 136),
            ("ospf", 89),
            ("ospfigp", 89),
            ("pim", 103),
            ("igmp", 2),
            ("icmp", 1),
            ("ipv6-icmp", 58),
            ("icmpv6", 58),
            ("mh", 135),
            ("IPENCAP", 4),
            ("112", 112),
        ] {
            assert_eq!(number(name), Some(n), "{name}");
        }
        assert_eq!(number("all"), Some(0));
        assert_eq!(number("http2"), None);
        assert_eq!(number("256"), None);
    }
}
