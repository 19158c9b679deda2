//! Which NAT rule translates a connection, judged over every layer at once.
//!
//! Filtering layers are in series (each must accept), but translation is not: the kernel runs the
//! nat chains of a hook in priority order, whichever tool made them (iptables-legacy, iptables-nft,
//! nftables, firewalld), and the first chain that translates a connection decides for it. So the
//! layers' rulesets are joined into one and judged once with [`Chains::Nat`]. Chains of equal
//! priority in different layers run in registration order, which no dump shows; the layers' order
//! stands in for it.

use serde::Serialize;

use crate::firewall::Layer;
use crate::firewall::analysis::{Deciding, DecidingAction, describe};
use crate::firewall::eval::{Chains, Decider, Packet, judge};
use crate::firewall::model::{Action, Families, NatTo, Ruleset};
use crate::firewall::ranges::{Family, Spans};

/// What the nat chains do with some addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum NatResult {
    /// A rule translates the connection.
    Translated {
        #[serde(serialize_with = "as_text")]
        to: NatTo,
        rule: Deciding,
    },
    /// No rule translates it; `by` is the policy or ACCEPT that let it pass (none when no nat
    /// chain sees the packet).
    Untranslated { by: Option<Deciding> },
    /// A nat chain drops it.
    Denied { rule: Deciding },
    /// Whether or how it is translated cannot be decided.
    Unknown { rule: Deciding },
}

fn as_text<S: serde::Serializer>(to: &NatTo, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to.to_string())
}

/// Judges `addrs` (of `packet.family`, on its pool side) against the nat chains of every layer that
/// sees that family; `packet` must be a [`Chains::Nat`] packet (see [`Packet::arriving`] and
/// [`Packet::leaving`]). The pieces partition `addrs`.
pub fn judge_nat(layers: &[Layer], addrs: &Spans, packet: &Packet) -> Vec<(Spans, NatResult)> {
    debug_assert_eq!(packet.chains, Chains::Nat);
    let family = packet.family;
    let seeing: Vec<usize> = (0..layers.len()).filter(|i| layers[*i].families.has(family)).collect();
    // One layer (the common case) is judged as it is; several are joined into one ruleset.
    let joined;
    let (merged, owner): (&Ruleset, Vec<(usize, usize)>) = match seeing.as_slice() {
        [one] => (&layers[*one].ruleset, (0..layers[*one].ruleset.chains.len()).map(|c| (*one, c)).collect()),
        _ => {
            let (rs, owner) = join(layers, family);
            joined = rs;
            (&joined, owner)
        }
    };
    let judged = judge(merged, packet, addrs);
    let local = |d: &Decider| -> Decider {
        let mut d = d.clone();
        if let Some(c) = d.chain {
            let (layer, chain) = owner[c];
            d.layer = Some(layer);
            d.chain = Some(chain);
        }
        d
    };
    let deciding = |d: &Decider, s: &Spans| describe(layers, &local(d), s.describe(family));
    let mut out = Vec::new();
    for (s, d) in &judged.admitted {
        let action = d.chain.zip(d.rule).map(|(c, r)| &merged.chains[c].rules[r].action);
        let result = match action {
            Some(Action::Dnat(to)) => {
                let rule = Deciding { action: DecidingAction::Dnat, ..deciding(d, s) };
                NatResult::Translated { to: (**to).clone(), rule }
            }
            Some(Action::Snat(to)) => {
                let rule = Deciding { action: DecidingAction::Snat, ..deciding(d, s) };
                NatResult::Translated { to: (**to).clone(), rule }
            }
            _ => NatResult::Untranslated { by: d.chain.map(|_| deciding(d, s)) },
        };
        out.push((s.clone(), result));
    }
    for (s, d) in &judged.denied {
        out.push((s.clone(), NatResult::Denied { rule: deciding(d, s) }));
    }
    for (s, d) in &judged.unknown {
        let rule = if d.layer.is_none() && d.chain.is_none() {
            // No chain to name: the evaluator's own reason stands.
            describe(layers, d, s.describe(family))
        } else {
            deciding(d, s)
        };
        out.push((s.clone(), NatResult::Unknown { rule }));
    }
    out
}

/// One ruleset of every layer's chains that see `family`, and for each of its chains the layer
/// and chain it came from. The layers' chains are shared, not copied: each layer's is a group of
/// its own, whose jumps stay within it.
fn join(layers: &[Layer], family: Family) -> (Ruleset, Vec<(usize, usize)>) {
    let mut merged = Ruleset::default();
    let mut owner = Vec::new();
    for (li, layer) in layers.iter().enumerate() {
        if !layer.families.has(family) {
            continue;
        }
        let offset = merged.chains.len();
        merged.chains.append(&layer.ruleset.chains);
        owner.extend((0..layer.ruleset.chains.len()).map(|ci| (li, ci)));
        for b in &layer.ruleset.bases {
            let mut b = b.clone();
            b.chain += offset;
            b.families = Families { v4: b.families.v4 && layer.families.v4, v6: b.families.v6 && layer.families.v6 };
            merged.bases.push(b);
        }
    }
    (merged, owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::ipset::IpsetDb;
    use crate::firewall::model::NatAddr;
    use crate::firewall::{iptables, nft};

    fn net(s: &str) -> Spans {
        Spans::net(&s.parse().expect("cidr"))
    }

    fn arriving(iface: Option<&str>) -> Packet {
        Packet::arriving(Family::V4, 16443, "203.0.113.1".parse().ok(), iface)
    }

    const FORWARDER: &str = include_str!("../../tests/fixtures/firewall/forwarder-iptables-save.txt");

    #[test]
    fn the_recorded_forwarder_translates_to_the_api_server() {
        let layer = iptables::parse(FORWARDER, "iptables:fwd", &IpsetDb::default()).expect("parses");
        let pieces = judge_nat(&[layer], &net("198.51.100.0/24"), &arriving(None));
        assert_eq!(pieces.len(), 1, "{pieces:?}");
        let NatResult::Translated { to, rule } = &pieces[0].1 else { panic!("{pieces:?}") };
        assert_eq!(to.single(16443), Some(("192.0.2.50".parse().expect("ip"), 6443)));
        assert_eq!(
            (rule.chain.as_deref(), rule.rule, rule.table.as_deref()),
            (Some("PREROUTING"), Some(1), Some("nat"))
        );
    }

    #[test]
    fn the_first_nat_chain_that_translates_wins_across_layers() {
        // An nft table at dstnat - 10 maps to 8443 first; the iptables rule never sees the SYN.
        let first = r#"{"nftables": [
{"table": {"family": "ip", "name": "early", "handle": 1}},
{"chain": {"family": "ip", "table": "early", "name": "pre", "handle": 1, "type": "nat", "hook": "prerouting", "prio": -110, "policy": "accept"}},
{"rule": {"family": "ip", "table": "early", "chain": "pre", "handle": 2, "expr": [
  {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 16443}},
  {"dnat": {"addr": "192.0.2.50", "port": 8443}}]}}]}"#;
        let layers = vec![
            iptables::parse(FORWARDER, "iptables:fwd", &IpsetDb::default()).expect("parses"),
            nft::parse(first, "nft:early").expect("parses"),
        ];
        let pieces = judge_nat(&layers, &net("198.51.100.7/32"), &arriving(None));
        let NatResult::Translated { to, rule } = &pieces[0].1 else { panic!("{pieces:?}") };
        assert_eq!(to.to_string(), "192.0.2.50:8443");
        assert_eq!(rule.layer, "nft:early");
        assert_eq!(rule.text.as_deref(), Some("tcp dport 16443 dnat to 192.0.2.50:8443"));
    }

    #[test]
    fn an_interface_the_tool_does_not_know_leaves_the_translation_unknown() {
        let rules = "*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n\
-A PREROUTING -i eth0 -p tcp --dport 16443 -j DNAT --to-destination 192.0.2.50:6443\n\
-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n";
        let layers = [iptables::parse(rules, "r", &IpsetDb::default()).expect("parses")];
        let pieces = judge_nat(&layers, &net("198.51.100.0/24"), &arriving(None));
        assert!(matches!(pieces[0].1, NatResult::Unknown { .. }), "{pieces:?}");
        let pieces = judge_nat(&layers, &net("198.51.100.0/24"), &arriving(Some("eth1")));
        assert!(matches!(pieces[0].1, NatResult::Untranslated { .. }), "{pieces:?}");
        // MASQUERADE on the way out, by the leaving interface.
        let flow = crate::firewall::eval::Flow {
            listen_port: 16443,
            port: 6443,
            arrival: &[],
            in_iface: Some("eth0"),
            out_iface: Some("eth1"),
        };
        let leaving = Packet::leaving(&flow, Family::V4, "192.0.2.50".parse().ok());
        let pieces = judge_nat(&layers, &net("198.51.100.0/24"), &leaving);
        let NatResult::Translated { to, .. } = &pieces[0].1 else { panic!("{pieces:?}") };
        assert_eq!(to.addr, NatAddr::Local);
    }
}
