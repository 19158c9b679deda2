//! Alibaba Cloud ECS security groups, from the JSON of `DescribeSecurityGroupAttribute`
//! (`aliyun ecs DescribeSecurityGroupAttribute --SecurityGroupId sg-… --RegionId …`).
//!
//! Semantics (inbound): permissions are tried by priority (1 is the highest, 100 the lowest); at
//! equal priority Drop beats Accept; the first matching permission decides; nothing matching means
//! the packet is dropped. The group is stateful, so answers to an admitted connection always leave.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{InputError, line_of};
use crate::firewall::model::{
    Action, Base, Chain, Families, Hook, Match, Origin, Policy, PortSide, Ports, Protos, Rule, Ruleset, Side, Verdict,
};
use crate::firewall::ranges::{Family, Spans};
use crate::firewall::{Layer, LayerKind};
use crate::i18n::Text;
use crate::t;

/// A security group as read.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub id: Option<String>,
    pub region: Option<String>,
    pub file: String,
    pub permissions: Vec<Permission>,
    /// `NextToken` of the page: more permissions follow on another page when it is not empty.
    pub next_token: Option<String>,
    /// Groups of which only pages with a `NextToken` were given (judged partially: a check should
    /// warn), by SecurityGroupId (`None` when the file names none).
    pub partial: Vec<Option<String>>,
}

/// One permission (rule) of the group.
#[derive(Debug, Clone)]
pub struct Permission {
    /// Position in the group's `Permission` list (of every group, when groups are merged), from 1.
    pub index: usize,
    /// The security group it belongs to, when the file names it.
    pub group: Option<String>,
    /// The file it was read from.
    pub file: String,
    pub line: Option<usize>,
    pub ingress: bool,
    /// Upper case: `TCP`, `UDP`, `ICMP`, `ICMPV6`, `GRE`, `ALL`.
    pub protocol: String,
    /// `None` = every port (`-1/-1`).
    pub ports: Option<(u16, u16)>,
    pub source: Source,
    pub dest: Option<IpNet>,
    pub policy: Verdict,
    pub priority: u32,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Cidr(IpNet),
    /// Instances of another security group: never the security center's pool.
    Group(String),
    PrefixList(String),
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(rename = "SecurityGroupId")]
    id: Option<String>,
    #[serde(rename = "RegionId")]
    region: Option<String>,
    #[serde(rename = "Permissions", borrow)]
    permissions: Option<&'a RawValue>,
    #[serde(rename = "NextToken")]
    next_token: Option<String>,
}

#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(rename = "Permission", borrow)]
    permission: Vec<&'a RawValue>,
}

/// Parses the file into a layer named `file`.
pub fn parse(text: &str, file: &str) -> Result<Layer, InputError> {
    let err = |line: Option<usize>, what: Text| InputError::new(file, line, what);
    let top: Top<'_> =
        serde_json::from_str(text).map_err(|e| err(Some(e.line()), t!("ecs-sg-not-json", error = e.to_string())))?;
    let Some(raw) = top.permissions else {
        return Err(err(Some(1), t!("ecs-sg-no-permissions")));
    };
    let list: Vec<&RawValue> = match serde_json::from_str::<Wrapped<'_>>(raw.get()) {
        Ok(w) => w.permission,
        Err(_) => serde_json::from_str(raw.get())
            .map_err(|_| err(Some(line_at(text, raw)), t!("ecs-sg-permissions-shape")))?,
    };
    let next_token = top.next_token.filter(|t| !t.trim().is_empty());
    let partial = if next_token.is_some() { vec![top.id.clone()] } else { Vec::new() };
    let mut group =
        Group { id: top.id, region: top.region, file: file.to_string(), permissions: Vec::new(), next_token, partial };
    for (i, p) in list.iter().enumerate() {
        let line = line_at(text, p);
        let v: Value = serde_json::from_str(p.get()).map_err(|e| err(Some(line), Text::verbatim(e.to_string())))?;
        let mut perm = permission(&v, i + 1, line)
            .map_err(|w| err(Some(line), t!("ecs-sg-permission", index = i + 1, why = w)))?;
        perm.group.clone_from(&group.id);
        perm.file = file.to_string();
        group.permissions.push(perm);
    }
    Ok(layer_of(group, file.to_string()))
}

fn layer_of(group: Group, name: String) -> Layer {
    let notes = match (&group.next_token, &group.id) {
        (Some(_), id) => vec![partial_page_note(id.as_deref())],
        (None, _) => Vec::new(),
    };
    Layer { name, families: Families::BOTH, ruleset: compile(&group), notes, kind: LayerKind::EcsSg(Box::new(group)) }
}

/// What a page with a `NextToken` means for the verdicts, and the command that fetches every page.
pub fn partial_page_note(id: Option<&str>) -> String {
    format!(
        "partial: this is one page of security group {} (its NextToken is not empty), so permissions on later pages are not judged; `aliyun ecs DescribeSecurityGroupAttribute --SecurityGroupId {} --pager` fetches all",
        id.unwrap_or("(no SecurityGroupId)"),
        id.unwrap_or("sg-…")
    )
}

/// An instance in several security groups is judged by the union of their inbound permissions,
/// ordered by priority (Drop before Accept at equal priority); the pages of one group
/// (`DescribeSecurityGroupAttribute` with `NextToken`) are that group's permissions. So every
/// security-group layer becomes one layer. A group whose only page has a `NextToken` is partial
/// (noted); one whose last page has none is complete.
pub fn merge(groups: Vec<Group>) -> Option<Layer> {
    let first = groups.first()?.clone();
    let names: Vec<String> = groups.iter().map(|g| format!("ecs-sg:{}", g.file)).collect();
    let mut ids: Vec<Option<String>> = Vec::new();
    for g in &groups {
        if !ids.contains(&g.id) {
            ids.push(g.id.clone());
        }
    }
    let mut notes = Vec::new();
    let mut partial = Vec::new();
    for id in &ids {
        let pages: Vec<&Group> = groups.iter().filter(|g| &g.id == id).collect();
        // The group is complete once one of its pages says there is no next one.
        if pages.iter().all(|g| g.next_token.is_some()) {
            notes.push(partial_page_note(id.as_deref()));
            partial.push(id.clone());
        }
    }
    let mut merged = Group {
        id: first.id.clone(),
        region: first.region.clone(),
        file: groups.iter().map(|g| g.file.as_str()).collect::<Vec<_>>().join(", "),
        permissions: Vec::new(),
        next_token: None,
        partial,
    };
    for g in groups {
        for mut p in g.permissions {
            p.index = merged.permissions.len() + 1;
            merged.permissions.push(p);
        }
    }
    let shown: Vec<&str> = ids.iter().flatten().map(String::as_str).collect();
    if shown.len() > 1 {
        notes.push(format!("security groups {} are judged as one: the union of their rules", shown.join(", ")));
    }
    let mut layer = layer_of(merged, names.join("+"));
    layer.notes = notes;
    Some(layer)
}

fn line_at(text: &str, raw: &RawValue) -> usize {
    line_of(text, (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize))
}

fn text_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("").trim()
}

fn permission(v: &Value, index: usize, line: usize) -> Result<Permission, Text> {
    if !v.is_object() {
        return Err(t!("ecs-sg-expected-object"));
    }
    let ingress = match text_field(v, "Direction").to_ascii_lowercase().as_str() {
        "" | "ingress" => true,
        "egress" => false,
        other => return Err(t!("ecs-sg-direction", value = format!("{other:?}"))),
    };
    let protocol = text_field(v, "IpProtocol").to_ascii_uppercase();
    if !matches!(protocol.as_str(), "TCP" | "UDP" | "ICMP" | "ICMPV6" | "GRE" | "ALL") {
        return Err(t!("ecs-sg-protocol", value = format!("{protocol:?}")));
    }
    let range = text_field(v, "PortRange");
    let ports = match range {
        "" | "-1/-1" => None,
        r => {
            let (lo, hi) = r.split_once('/').ok_or_else(|| t!("ecs-sg-port-range", value = format!("{r:?}")))?;
            let num = |s: &str| s.parse::<u16>().map_err(|_| t!("ecs-sg-port-range", value = format!("{r:?}")));
            let (lo, hi) = (num(lo)?, num(hi)?);
            if lo > hi {
                return Err(t!("ecs-sg-port-range-empty", value = format!("{r:?}")));
            }
            Some((lo, hi))
        }
    };
    let cidr = |key: &str| -> Result<Option<IpNet>, Text> {
        let t = text_field(v, key);
        if t.is_empty() {
            return Ok(None);
        }
        if let Ok(ip) = t.parse::<IpAddr>() {
            return Ok(Some(IpNet::from(ip)));
        }
        t.parse::<IpNet>()
            .map(|n| Some(n.trunc()))
            .map_err(|_| t!("ecs-sg-not-cidr", key = key, value = format!("{t:?}")))
    };
    let source_key = if ingress { "SourceCidrIp" } else { "DestCidrIp" };
    let source6_key = if ingress { "Ipv6SourceCidrIp" } else { "Ipv6DestCidrIp" };
    let source = if let Some(net) = cidr(source_key)?.or(cidr(source6_key)?) {
        Source::Cidr(net)
    } else if !text_field(v, "SourceGroupId").is_empty() {
        Source::Group(text_field(v, "SourceGroupId").to_string())
    } else if !text_field(v, "SourcePrefixListId").is_empty() {
        Source::PrefixList(text_field(v, "SourcePrefixListId").to_string())
    } else if ingress {
        return Err(t!("ecs-sg-no-source"));
    } else {
        Source::Cidr(IpNet::V4(ipnet::Ipv4Net::default()))
    };
    let dest = if ingress { cidr("DestCidrIp")?.or(cidr("Ipv6DestCidrIp")?) } else { None };
    let policy = match text_field(v, "Policy").to_ascii_lowercase().as_str() {
        "" | "accept" => Verdict::Accept,
        "drop" => Verdict::Drop,
        other => return Err(t!("ecs-sg-policy", value = format!("{other:?}"))),
    };
    let priority = match v.get("Priority") {
        None | Some(Value::Null) => 1,
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        Some(_) => 0,
    };
    if !(1..=100).contains(&priority) {
        return Err(t!("ecs-sg-priority", value = v.get("Priority").map(Value::to_string).unwrap_or_default()));
    }
    Ok(Permission {
        index,
        group: None,
        file: String::new(),
        line: Some(line),
        ingress,
        protocol,
        ports,
        source,
        dest,
        policy,
        priority,
        description: text_field(v, "Description").to_string(),
    })
}

impl Permission {
    /// `Priority 1 Drop TCP 6443/6443 from 198.51.100.64/26 ("block")`: how reports show it.
    pub fn describe(&self) -> String {
        let ports = match self.ports {
            None => "-1/-1".to_string(),
            Some((lo, hi)) => format!("{lo}/{hi}"),
        };
        let from = match &self.source {
            Source::Cidr(n) => n.to_string(),
            Source::Group(g) => format!("security group {g}"),
            Source::PrefixList(p) => format!("prefix list {p}"),
        };
        let policy = if self.policy == Verdict::Accept { "Accept" } else { "Drop" };
        let mut s = format!("Priority {} {policy} {} {ports} from {from}", self.priority, self.protocol);
        if let Some(g) = &self.group {
            s = format!("{g}: {s}");
        }
        if let Some(d) = &self.dest {
            s.push_str(&format!(" to {d}"));
        }
        if !self.description.is_empty() {
            s.push_str(&format!(" ({:?})", self.description));
        }
        s
    }
}

/// Inbound permissions in evaluation order, then the implicit drop.
pub fn compile(group: &Group) -> Ruleset {
    let mut order: Vec<&Permission> = group.permissions.iter().filter(|p| p.ingress).collect();
    order.sort_by_key(|p| (p.priority, p.policy == Verdict::Accept, p.index));
    let mut chain = Chain::new("ingress", group.id.clone().unwrap_or_default());
    for p in order {
        let mut matches = Vec::new();
        let proto = match p.protocol.as_str() {
            "TCP" => Some(6),
            "UDP" => Some(17),
            "ICMP" => Some(1),
            "ICMPV6" => Some(58),
            "GRE" => Some(47),
            _ => None,
        };
        if let Some(n) = proto {
            matches.push(Match::Proto { protos: Protos::of(&[n]), negated: false });
        }
        if let (Some((lo, hi)), Some(6 | 17)) = (p.ports, proto) {
            matches.push(Match::Port { side: PortSide::Dst, ranges: Ports::one(lo, hi), negated: false });
        }
        match &p.source {
            Source::Cidr(n) => {
                matches.push(Match::Addr {
                    side: Side::Src,
                    family: Family::of_net(n),
                    set: Spans::net(n),
                    negated: false,
                });
            }
            Source::Group(_) => matches.push(Match::never()),
            Source::PrefixList(id) => {
                matches.push(Match::unknown(format!("prefix list {id}: its CIDRs are not part of this dump")));
            }
        }
        if let Some(d) = &p.dest {
            matches.push(Match::Addr {
                side: Side::Dst,
                family: Family::of_net(d),
                set: Spans::net(d),
                negated: false,
            });
        }
        chain.rules.push(Rule {
            matches,
            effects: vec![],
            action: Action::Verdict(p.policy),
            origin: Origin { number: p.index, line: p.line, text: p.describe().into(), ..Origin::default() },
        });
    }
    chain.policy = Some(Box::new(Policy {
        verdict: Verdict::Drop,
        origin: Origin {
            text: "(no permission matched: security groups drop inbound traffic by default)".into(),
            ..Origin::default()
        },
    }));
    let mut rs = Ruleset::default();
    let id = rs.add_chain(chain);
    rs.bases.push(Base { chain: id, hook: Hook::Ingress, priority: 0, families: Families::BOTH, nat: false });
    rs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::eval::{Packet, judge};

    const SG: &str = r#"{
  "SecurityGroupId": "sg-doc123",
  "RegionId": "cn-hangzhou",
  "Permissions": {
    "Permission": [
      {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "6443/6443", "SourceCidrIp": "198.51.100.0/24",
       "Policy": "Accept", "Priority": 1, "Description": "pool"},
      {"Direction": "ingress", "IpProtocol": "ALL", "PortRange": "-1/-1", "SourceCidrIp": "198.51.100.64/26",
       "Policy": "Drop", "Priority": 1},
      {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "1/65535", "SourceCidrIp": "203.0.113.0/24",
       "Policy": "Accept", "Priority": "50"},
      {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "6443/6443", "SourceGroupId": "sg-other",
       "Policy": "Accept", "Priority": 1},
      {"Direction": "egress", "IpProtocol": "ALL", "PortRange": "-1/-1", "DestCidrIp": "0.0.0.0/0",
       "Policy": "Drop", "Priority": 1}
    ]
  }
}"#;

    #[test]
    fn priority_and_drop_beats_accept() {
        let layer = parse(SG, "sg.json").expect("parses");
        let LayerKind::EcsSg(g) = &layer.kind else { panic!("kind") };
        assert_eq!((g.id.as_deref(), g.permissions[1].line), (Some("sg-doc123"), Some(8)));
        let p = Packet::to_local_port(Family::V4, 6443, None, None).remove(0);
        let j = judge(&layer.ruleset, &p, &Spans::net(&"198.51.100.0/24".parse().expect("cidr")));
        assert_eq!(j.denied_set().describe(Family::V4), "198.51.100.64/26");
        assert_eq!(j.admitted_set().count(), 192);
        let rs = &layer.ruleset.chains[0];
        assert_eq!(rs.rules[0].origin.number, 2, "the Drop of equal priority comes first");
        let j = judge(&layer.ruleset, &p, &Spans::net(&"192.0.2.0/24".parse().expect("cidr")));
        assert_eq!(j.denied[0].1.rule, None, "default drop");
    }

    fn group(id: &str, next: &str, perms: &str) -> Group {
        let text = format!(
            r#"{{"SecurityGroupId": "{id}", "NextToken": "{next}", "Permissions": {{"Permission": [{perms}]}}}}"#
        );
        let layer = parse(&text, &format!("{id}-{next}.json")).expect("parses");
        let LayerKind::EcsSg(g) = layer.kind else { panic!("kind") };
        *g
    }

    #[test]
    fn several_groups_are_one_layer_the_union_by_priority() {
        // Issue 12: a pool admitted by one group and not mentioned by the other is admitted.
        let a = group(
            "sg-a",
            "",
            r#"{"IpProtocol": "TCP", "PortRange": "6443/6443", "SourceCidrIp": "198.51.100.0/24", "Priority": 50}"#,
        );
        let b = group(
            "sg-b",
            "",
            r#"{"IpProtocol": "TCP", "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0", "Priority": 1},
               {"IpProtocol": "ALL", "PortRange": "-1/-1", "SourceCidrIp": "198.51.100.64/26", "Policy": "Drop", "Priority": 50}"#,
        );
        let layer = merge(vec![a, b]).expect("merged");
        let p = Packet::to_local_port(Family::V4, 6443, None, None).remove(0);
        let j = judge(&layer.ruleset, &p, &Spans::net(&"198.51.100.0/24".parse().expect("cidr")));
        // The Drop of equal priority in the other group wins for its /26.
        assert_eq!(j.denied_set().describe(Family::V4), "198.51.100.64/26");
        assert_eq!(j.admitted_set().count(), 192);
        assert!(layer.notes.iter().any(|n| n.contains("sg-a, sg-b")), "{:?}", layer.notes);
        assert!(layer.ruleset.chains[0].rules[0].origin.text.to_string().starts_with("sg-b: "));
    }

    #[test]
    fn pages_of_one_group_are_complete_only_with_the_last() {
        let perm = r#"{"IpProtocol": "TCP", "PortRange": "6443/6443", "SourceCidrIp": "198.51.100.0/24"}"#;
        let alone = merge(vec![group("sg-a", "tok1", perm)]).expect("merged");
        assert!(alone.notes.iter().any(|n| n.contains("--SecurityGroupId sg-a --pager")), "{:?}", alone.notes);
        let LayerKind::EcsSg(g) = &alone.kind else { panic!("kind") };
        assert_eq!(g.partial, [Some("sg-a".to_string())]);
        let both = merge(vec![group("sg-a", "tok1", perm), group("sg-a", "", perm)]).expect("merged");
        assert!(both.notes.is_empty(), "{:?}", both.notes);
        assert_eq!(both.ruleset.rule_count(), 2);
    }

    #[test]
    fn malformed_groups_name_the_line() {
        for (text, line, what) in [
            (
                "{\"Permissions\": {\"Permission\": [\n{\"IpProtocol\": \"TCP\", \"PortRange\": \"6443\", \"SourceCidrIp\": \"1.2.3.4\"}]}}",
                2,
                "PortRange",
            ),
            (
                "{\"Permissions\": {\"Permission\": [\n{},\n{\"IpProtocol\": \"TCP\", \"PortRange\": \"1/2\", \"SourceCidrIp\": \"1.2.3.4\", \"Priority\": 101}]}}",
                2,
                "IpProtocol",
            ),
            (
                "{\"Permissions\": [\n{\"IpProtocol\": \"TCP\", \"PortRange\": \"1/2\", \"SourceCidrIp\": \"1.2.3.4\", \"Priority\": 101}]}",
                2,
                "Priority",
            ),
            (
                "{\"Permissions\": [\n{\"IpProtocol\": \"TCP\", \"PortRange\": \"1/2\", \"SourceCidrIp\": \"1.2.3.400\"}]}",
                2,
                "not a CIDR",
            ),
            ("{\"SecurityGroupId\": \"sg\"}", 1, "no \"Permissions\""),
            ("{\"Permissions\": {\"Permission\": [\n", 2, "EOF"),
            ("{\"Permissions\": 7}", 1, "neither"),
        ] {
            let e = parse(text, "sg.json").expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.what.contains(what), "{text}: {e}");
        }
    }
}
