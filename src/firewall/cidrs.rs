//! Plain CIDR allowlists (`--firewall cidrs:FILE`): one IP or CIDR per line, `#` comments. This is
//! what a load balancer's access control list or any "allowed sources" setting boils down to: the
//! listed addresses are admitted, every other address is not.

use ipnet::IpNet;

use crate::error::InputError;
use crate::firewall::model::{
    Action, Base, Chain, Families, Hook, Match, Origin, Policy, Rule, Ruleset, Side, Verdict,
};
use crate::firewall::ranges::{Family, Spans};
use crate::firewall::{Layer, LayerKind};
use crate::i18n::Text;
use crate::t;

/// The list as read: entries with their lines.
#[derive(Debug, Clone, Default)]
pub struct List {
    pub file: String,
    pub entries: Vec<(IpNet, usize)>,
}

/// Parses the file into a layer named `file`.
pub fn parse(text: &str, file: &str) -> Result<Layer, InputError> {
    let mut list = List { file: file.to_string(), entries: Vec::new() };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.split('#').next().unwrap_or_default().trim();
        if content.is_empty() {
            continue;
        }
        for word in content.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()) {
            list.entries.push((parse_entry(word).map_err(|w| InputError::new(file, Some(line), w))?, line));
        }
    }
    let mut notes = Vec::new();
    if list.entries.is_empty() {
        notes.push(format!("{file} lists no address: it admits nothing"));
    }
    Ok(Layer {
        name: file.to_string(),
        families: Families::BOTH,
        ruleset: compile(&list),
        notes,
        kind: LayerKind::Cidrs(Box::new(list)),
    })
}

fn parse_entry(word: &str) -> Result<IpNet, Text> {
    if let Ok(ip) = word.parse::<std::net::IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    let net: IpNet = word.parse().map_err(|_| match crate::error::sanitize::address_like(word) {
        Some(w) => t!("cidrs-not-an-entry", word = format!("{w:?}")),
        None => t!("cidrs-not-an-entry-hidden", n_chars = word.chars().count()),
    })?;
    if net.trunc() != net {
        return Err(t!("cidrs-host-bits", word = word, network = net.trunc().to_string()));
    }
    Ok(net)
}

/// One ACCEPT per entry in front of the "not listed" default.
pub fn compile(list: &List) -> Ruleset {
    let mut rs = Ruleset::default();
    let mut chain = Chain::new("list", "");
    for (i, (net, line)) in list.entries.iter().enumerate() {
        chain.rules.push(Rule {
            matches: vec![Match::Addr {
                side: Side::Src,
                family: Family::of_net(net),
                set: Spans::net(net),
                negated: false,
            }],
            effects: vec![],
            action: Action::Verdict(Verdict::Accept),
            origin: Origin { number: i + 1, line: Some(*line), text: net.to_string().into(), ..Origin::default() },
        });
    }
    chain.policy = Some(Box::new(Policy {
        verdict: Verdict::Drop,
        origin: Origin { text: format!("(not listed in {})", list.file).into(), ..Origin::default() },
    }));
    let id = rs.add_chain(chain);
    rs.bases.push(Base { chain: id, hook: Hook::Ingress, priority: 0, families: Families::BOTH, nat: false });
    rs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::eval::{Packet, judge};

    #[test]
    fn listed_addresses_are_admitted_others_not() {
        let layer =
            parse("# SLB ACL\n198.51.100.0/26\n\n192.0.2.7 # one host\n2001:db8::/64, 203.0.113.1\n", "acl.txt")
                .expect("parses");
        assert_eq!(layer.rules(), 4);
        let p = Packet::to_local_port(Family::V4, 6443, None, None).remove(0);
        let j = judge(&layer.ruleset, &p, &Spans::net(&"198.51.100.0/25".parse().expect("cidr")));
        assert_eq!(j.admitted_set().describe(Family::V4), "198.51.100.0/26");
        assert_eq!(j.denied_set().describe(Family::V4), "198.51.100.64/26");
        assert_eq!(j.admitted[0].1.rule, Some(0));
        assert_eq!(j.denied[0].1.rule, None);
    }

    #[test]
    fn malformed_entries_name_the_line() {
        for (text, line, what) in [
            ("192.0.2.0/24\n192.0.2.300\n", 2, "not an IP address"),
            ("\n\n198.51.100.1/24\n", 3, "host bits"),
            ("10.0.0.0/33\n", 1, "not an IP"),
            ("allow all\n", 1, "not an IP"),
        ] {
            let e = parse(text, "acl.txt").expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.what.contains(what), "{text}: {e}");
        }
    }
}
