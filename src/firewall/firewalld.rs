//! firewalld configuration (a zone XML file, or a config directory such as `/etc/firewalld`) into
//! the rule model, built the way firewalld builds its own nftables ruleset.
//!
//! What matters for an inbound TCP connection:
//! - established traffic and loopback are accepted before any zone;
//! - the zone is chosen by source address first, then by the arriving interface, else the default
//!   zone (an interface the tool does not know makes that choice undecidable unless every candidate
//!   zone gives the same answer);
//! - inside a zone: rich rules with a negative priority, then deny rich rules (drop/reject), then
//!   allow rules (services, ports, protocols, accept rich rules), then positive priorities, then the
//!   zone's target (`default` rejects).
//!
//! The parsed [`Config`] is public: the forwarding checks read its forward-ports and masquerade.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use roxmltree::{Document, Node};

use crate::error::InputError;
use crate::firewall::ipset::IpsetDb;
use crate::firewall::model::{
    Action, Base, Chain, ChainId, Direction, Families, Hook, IfName, Match, NatAddr, NatTo, Origin, Policy, PortSide,
    Ports, Protos, Rule, RuleText, Ruleset, Side, Undecidable, Verdict, ct,
};
use crate::firewall::ranges::{Family, Spans};
use crate::firewall::{Layer, LayerKind, firewalld_stock, protocols, read_text};
use crate::hostfs::Kind;
use crate::i18n::Text;
use crate::t;

/// A firewalld configuration as read.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file or directory it came from.
    pub path: String,
    pub default_zone: String,
    pub zones: Vec<Zone>,
    services: HashMap<String, Service>,
    ipsets: HashMap<String, (Family, Spans)>,
    /// Direct rules (`direct.xml`) or policies exist: they run before the zones and are not evaluated.
    pub unevaluated: Vec<String>,
    pub notes: Vec<String>,
}

/// A zone.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    pub name: String,
    /// The zone's file, relative to the configuration (`zones/public.xml`), or `built-in`.
    pub file: String,
    pub line: Option<usize>,
    pub target: Target,
    pub priority: i32,
    pub sources: Vec<Item<ZoneSource>>,
    pub interfaces: Vec<Item<String>>,
    pub services: Vec<Item<String>>,
    pub ports: Vec<Item<PortItem>>,
    pub protocols: Vec<Item<String>>,
    pub source_ports: Vec<Item<PortItem>>,
    pub rich_rules: Vec<RichRule>,
    pub forward_ports: Vec<Item<ForwardPort>>,
    pub masquerade: bool,
}

/// A configuration element with where it was written.
#[derive(Debug, Clone)]
pub struct Item<T> {
    pub value: T,
    pub line: Option<usize>,
    /// As written (the XML element), for reports.
    pub text: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Target {
    /// `default`: reject what no rule accepted.
    #[default]
    Default,
    Accept,
    Drop,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneSource {
    Net(IpNet),
    Ipset(String),
    Mac(String),
}

/// `protocol` and a port range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortItem {
    pub protocol: String,
    pub lo: u16,
    pub hi: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardPort {
    pub protocol: String,
    pub port: (u16, u16),
    pub to_port: Option<(u16, u16)>,
    pub to_addr: Option<IpAddr>,
}

/// A rich rule.
#[derive(Debug, Clone)]
pub struct RichRule {
    pub line: Option<usize>,
    /// In `firewall-cmd --add-rich-rule` syntax.
    pub text: String,
    pub family: Option<Family>,
    pub priority: i32,
    pub source: Option<(ZoneSource, bool)>,
    pub destination: Option<(IpNet, bool)>,
    pub element: Option<RichElement>,
    pub action: Option<RichAction>,
    /// The action has a `limit`: it applies only under a rate.
    pub limited: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RichElement {
    Service(String),
    Port(PortItem),
    Protocol(String),
    SourcePort(PortItem),
    Icmp,
    Masquerade,
    ForwardPort(ForwardPort),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RichAction {
    Accept,
    Reject,
    Drop,
    Mark,
}

#[derive(Debug, Clone, Default)]
struct Service {
    ports: Vec<PortItem>,
    protocols: Vec<String>,
    source_ports: Vec<PortItem>,
    /// Where the service applies (one address or block per family at most); every destination
    /// when empty.
    destinations: Vec<IpNet>,
    includes: Vec<String>,
}

/// A service of firewalld's stock definitions ([`firewalld_stock`]), when it ships one by that name.
fn stock_service(name: &str) -> Option<Service> {
    let (_, facts) = firewalld_stock::SERVICES.iter().find(|(n, _)| *n == name)?;
    let mut s = Service::default();
    for word in facts.split_whitespace() {
        // The table is generated and tested to parse (`the_stock_tables_parse`): a word the parser
        // does not know can only come from a hand edit, and is left out rather than guessed.
        let _ = stock_service_word(&mut s, word);
    }
    Some(s)
}

fn stock_service_word(s: &mut Service, word: &str) -> Result<(), Text> {
    let (key, value) = word.split_once('=').unwrap_or(("", word));
    match key {
        "" => s.ports.push(stock_port(value)?),
        "proto" => s.protocols.push(value.to_string()),
        "sport" => s.source_ports.push(stock_port(value)?),
        "include" => s.includes.push(value.to_string()),
        "helper" => {}
        "dest4" | "dest6" => s.destinations.push(net(value)?),
        other => return Err(t!("firewalld-unknown-fact", fact = other)),
    }
    Ok(())
}

/// `tcp/22` or `udp/137-138`.
fn stock_port(text: &str) -> Result<PortItem, Text> {
    let (protocol, range) =
        text.split_once('/').ok_or_else(|| t!("firewalld-stock-port", text = format!("{text:?}")))?;
    let (lo, hi) = ports(range)?;
    Ok(PortItem { protocol: protocol.to_string(), lo, hi })
}

/// A zone of firewalld's stock definitions, when it ships one by that name.
fn stock_zone(name: &str) -> Option<Zone> {
    let (_, facts) = firewalld_stock::ZONES.iter().find(|(n, _)| *n == name)?;
    let mut zone = Zone { name: name.to_string(), file: "built-in".into(), ..Zone::default() };
    for word in facts.split_whitespace() {
        // As for services: the generated table is tested to parse.
        let _ = stock_zone_word(&mut zone, word);
    }
    Some(zone)
}

fn stock_zone_word(zone: &mut Zone, word: &str) -> Result<(), Text> {
    let item = |value: String, text: String| Item { value, line: None, text };
    let (key, value) = word.split_once('=').unwrap_or(("", word));
    match key {
        "target" => {
            zone.target = target(value).ok_or_else(|| t!("firewalld-stock-target", value = format!("{value:?}")))?
        }
        "service" => {
            zone.services.push(item(value.to_string(), format!("<service name=\"{value}\"/>")));
        }
        "proto" => zone.protocols.push(item(value.to_string(), format!("<protocol value=\"{value}\"/>"))),
        "sport" => {
            let p = stock_port(value)?;
            let text = format!("<source-port port=\"{}\" protocol=\"{}\"/>", span_text(p.lo, p.hi), p.protocol);
            zone.source_ports.push(Item { value: p, line: None, text });
        }
        "" if value == "masquerade" => zone.masquerade = true,
        "" if matches!(value, "forward" | "icmp-block-inversion") => {}
        "" => {
            let p = stock_port(value)?;
            let text = format!("<port port=\"{}\" protocol=\"{}\"/>", span_text(p.lo, p.hi), p.protocol);
            zone.ports.push(Item { value: p, line: None, text });
        }
        other => return Err(t!("firewalld-unknown-fact", fact = other)),
    }
    Ok(())
}

fn span_text(lo: u16, hi: u16) -> String {
    if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") }
}

fn target(text: &str) -> Option<Target> {
    Some(match text {
        "default" => Target::Default,
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "%%REJECT%%" | "REJECT" => Target::Reject,
        _ => return None,
    })
}

/// One zone file, taken as the zone the pool's traffic lands in.
pub fn parse_zone_file(text: &str, file: &str, ipsets: &IpsetDb) -> Result<Layer, InputError> {
    let name = Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("zone").to_string();
    let zone = parse_zone(text, file, &name, file)?;
    let mut config = Config { path: file.to_string(), default_zone: name, ..Config::default() };
    config.notes.push(format!("one zone file: taken as the zone the pool's traffic lands in ({})", zone.name));
    config.zones.push(zone);
    finish(config, file, ipsets)
}

/// A configuration directory (`/etc/firewalld`, or a copy): `firewalld.conf`, `zones/`,
/// `services/`, `ipsets/`, `direct.xml`, `policies/`. firewalld's own shipped definitions are read
/// from `usr/lib/firewalld` next to it when present.
pub fn load_dir(dir: &Path, name: &str, ipsets: &IpsetDb) -> Result<Layer, InputError> {
    let zones_dir = dir.join("zones");
    let conf = dir.join("firewalld.conf");
    if !zones_dir.is_dir() && !conf.is_file() {
        return Err(InputError::at(dir, None, t!("firewalld-not-a-directory")));
    }
    let mut config = Config { path: dir.display().to_string(), default_zone: "public".into(), ..Config::default() };
    if conf.is_file() {
        let text = read_text(&conf, Kind::FirewalldXml)?;
        for (i, l) in text.lines().enumerate() {
            if let Some(v) = l.trim().strip_prefix("DefaultZone=") {
                let v = v.trim();
                if v.is_empty() || v.contains('/') {
                    return Err(InputError::at(
                        &conf,
                        Some(i + 1),
                        t!("firewalld-default-zone-name", value = format!("{v:?}")),
                    ));
                }
                config.default_zone = v.to_string();
            }
        }
    }
    // Shipped definitions first, so that the configuration's own override them.
    let vendor = vendor_dir(dir);
    for (sub, is_zone) in [("services", false), ("zones", true)] {
        for base in vendor.iter().chain(std::iter::once(&dir.to_path_buf())) {
            for (path, stem) in xml_files(&base.join(sub))? {
                let text = read_text(&path, Kind::FirewalldXml)?;
                let shown = display_rel(dir, &path);
                if is_zone {
                    let zone = parse_zone(&text, &path.display().to_string(), &stem, &shown)?;
                    config.zones.retain(|z| z.name != zone.name);
                    config.zones.push(zone);
                } else {
                    let service = parse_service(&text, &path.display().to_string())?;
                    config.services.insert(stem, service);
                }
            }
        }
    }
    for (path, stem) in xml_files(&dir.join("ipsets"))? {
        let text = read_text(&path, Kind::FirewalldXml)?;
        let set = parse_ipset(&text, &path.display().to_string())?;
        config.ipsets.insert(stem, set);
    }
    let direct = dir.join("direct.xml");
    if direct.is_file() {
        let text = read_text(&direct, Kind::FirewalldXml)?;
        if text.contains("<rule") || text.contains("<passthrough") {
            config.unevaluated.push("direct rules (direct.xml) run before the zones and are not evaluated".into());
        }
    }
    if !xml_files(&dir.join("policies"))?.is_empty() {
        config.unevaluated.push("firewalld policies (policies/) are not evaluated".into());
    }
    config.zones.sort_by(|a, b| a.name.cmp(&b.name));
    finish(config, name, ipsets)
}

/// firewalld's shipped definitions beside a configuration directory: `X/usr/lib/firewalld` for
/// `X/etc/firewalld` (`/usr/lib/firewalld` for `/etc/firewalld`), when it exists. Any other
/// directory (a copy named otherwise, a test's temporary directory) has none: looking two levels up
/// from it would read whatever firewalld the host running the tool has installed.
fn vendor_dir(dir: &Path) -> Option<PathBuf> {
    let named = |p: &Path, name: &str| p.file_name().is_some_and(|n| n == name);
    let etc = dir.parent()?;
    if !named(dir, "firewalld") || !named(etc, "etc") {
        return None;
    }
    let candidate = etc.parent()?.join("usr/lib/firewalld");
    candidate.is_dir().then_some(candidate)
}

fn display_rel(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

/// `*.xml` files of a directory (sorted), with their stems; none when the directory is missing.
fn xml_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, InputError> {
    let Ok(read) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| InputError::unreadable(dir, &e))?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) == Some("xml")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            out.push((path.clone(), stem.to_string()));
        }
    }
    out.sort();
    Ok(out)
}

fn finish(mut config: Config, name: &str, ipsets: &IpsetDb) -> Result<Layer, InputError> {
    if !config.zones.iter().any(|z| z.name == config.default_zone) {
        let builtin = stock_zone(&config.default_zone).ok_or_else(|| {
            InputError::new(
                name,
                None,
                t!(
                    "firewalld-default-zone-missing",
                    zone = format!("{:?}", config.default_zone),
                    path = config.path.as_str()
                ),
            )
        })?;
        config.notes.push(format!(
            "zone {} is not in {}: firewalld's shipped definition (firewalld {}) is assumed",
            builtin.name,
            config.path,
            firewalld_stock::VERSION
        ));
        config.zones.push(builtin);
    }
    // Services the configuration names (and those they include) but does not define: firewalld's
    // shipped ones.
    let mut wanted: Vec<String> = config
        .zones
        .iter()
        .flat_map(|z| {
            z.services.iter().map(|s| s.value.clone()).chain(z.rich_rules.iter().filter_map(|r| match &r.element {
                Some(RichElement::Service(s)) => Some(s.clone()),
                _ => None,
            }))
        })
        .collect();
    let mut assumed = Vec::new();
    while let Some(s) = wanted.pop() {
        if config.services.contains_key(&s) {
            continue;
        }
        if let Some(service) = stock_service(&s) {
            wanted.extend(service.includes.iter().cloned());
            config.services.insert(s.clone(), service);
            assumed.push(s);
        }
    }
    for s in dedup(assumed) {
        config.notes.push(format!(
            "service {s} is not defined in {}: firewalld's shipped definition (firewalld {}) is assumed",
            config.path,
            firewalld_stock::VERSION
        ));
    }
    // Sets firewalld does not define itself may come from `--ipset` dumps.
    let referenced: Vec<String> = config
        .zones
        .iter()
        .flat_map(|z| {
            z.sources
                .iter()
                .map(|s| &s.value)
                .chain(z.rich_rules.iter().filter_map(|r| r.source.as_ref().map(|(s, _)| s)))
        })
        .filter_map(|s| match s {
            ZoneSource::Ipset(n) if !config.ipsets.contains_key(n) => Some(n.clone()),
            _ => None,
        })
        .collect();
    for name in dedup(referenced) {
        if let Match::Addr { family, set, .. } = ipsets.matcher(&name, &[Side::Src], false) {
            config.ipsets.insert(name, (family, set));
        }
    }
    let notes = config.notes.clone();
    let ruleset = compile(&config);
    Ok(Layer {
        name: name.to_string(),
        families: Families::BOTH,
        ruleset,
        notes,
        kind: LayerKind::Firewalld(Box::new(config)),
    })
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn xml_error(file: &str, e: &roxmltree::Error) -> InputError {
    InputError::new(file, Some(e.pos().row as usize), Text::verbatim(e.to_string()))
}

fn line(doc: &Document<'_>, node: Node<'_, '_>) -> Option<usize> {
    Some(doc.text_pos_at(node.range().start).row as usize)
}

/// The element as written, on one line.
fn source_text(text: &str, node: Node<'_, '_>) -> String {
    text.get(node.range()).unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute(name)
}

fn parse_zone(text: &str, file: &str, name: &str, shown: &str) -> Result<Zone, InputError> {
    let doc = Document::parse(text).map_err(|e| xml_error(file, &e))?;
    let root = doc.root_element();
    let err = |node: Node<'_, '_>, what: Text| InputError::new(file, line(&doc, node), what);
    if root.tag_name().name() != "zone" {
        return Err(err(root, t!("firewalld-root-element", element = root.tag_name().name())));
    }
    let written = attr(root, "target").unwrap_or("default");
    let Some(target) = target(written) else {
        return Err(err(root, t!("firewalld-zone-target", target = format!("{written:?}"))));
    };
    let priority = match attr(root, "ingress-priority").or(attr(root, "priority")) {
        None => 0,
        Some(p) => p.parse().map_err(|_| err(root, t!("firewalld-zone-priority", priority = format!("{p:?}"))))?,
    };
    let mut zone = Zone {
        name: name.to_string(),
        file: shown.to_string(),
        line: line(&doc, root),
        target,
        priority,
        ..Zone::default()
    };
    for node in root.children().filter(Node::is_element) {
        let item_text = source_text(text, node);
        let at = line(&doc, node);
        match node.tag_name().name() {
            "short" | "description" | "icmp-block" | "icmp-block-inversion" | "forward" | "tag" => {}
            "interface" => {
                let n = attr(node, "name")
                    .ok_or_else(|| err(node, t!("firewalld-needs", element = "<interface>", attribute = "name")))?;
                zone.interfaces.push(Item { value: n.to_string(), line: at, text: item_text.clone() });
            }
            "source" => zone.sources.push(Item {
                value: zone_source(node).map_err(|w| err(node, w))?,
                line: at,
                text: item_text.clone(),
            }),
            "service" => {
                let n = attr(node, "name")
                    .ok_or_else(|| err(node, t!("firewalld-needs", element = "<service>", attribute = "name")))?;
                zone.services.push(Item { value: n.to_string(), line: at, text: item_text.clone() });
            }
            // `<port protocol="ah" port=""/>`: the whole protocol, as firewalld reads it.
            "port" if attr(node, "port").is_some_and(|p| p.trim().is_empty()) => {
                let v = attr(node, "protocol")
                    .ok_or_else(|| err(node, t!("firewalld-needs", element = "<port>", attribute = "protocol")))?;
                zone.protocols.push(Item { value: v.to_ascii_lowercase(), line: at, text: item_text.clone() });
            }
            "port" => zone.ports.push(Item {
                value: port_item(node).map_err(|w| err(node, w))?,
                line: at,
                text: item_text.clone(),
            }),
            "source-port" => zone.source_ports.push(Item {
                value: port_item(node).map_err(|w| err(node, w))?,
                line: at,
                text: item_text.clone(),
            }),
            "protocol" => {
                let v = attr(node, "value")
                    .ok_or_else(|| err(node, t!("firewalld-needs", element = "<protocol>", attribute = "value")))?;
                zone.protocols.push(Item { value: v.to_string(), line: at, text: item_text.clone() });
            }
            "masquerade" => zone.masquerade = true,
            "forward-port" => zone.forward_ports.push(Item {
                value: forward_port(node).map_err(|w| err(node, w))?,
                line: at,
                text: item_text.clone(),
            }),
            "rule" => zone.rich_rules.push(rich_rule(node, at).map_err(|w| err(node, w))?),
            other => return Err(err(node, t!("firewalld-unknown-zone-element", element = other))),
        }
    }
    Ok(zone)
}

fn zone_source(node: Node<'_, '_>) -> Result<ZoneSource, Text> {
    if let Some(a) = attr(node, "address") {
        return net(a).map(ZoneSource::Net);
    }
    if let Some(s) = attr(node, "ipset") {
        return Ok(ZoneSource::Ipset(s.to_string()));
    }
    if let Some(m) = attr(node, "mac") {
        return Ok(ZoneSource::Mac(m.to_string()));
    }
    Err(t!("firewalld-source-needs"))
}

fn net(text: &str) -> Result<IpNet, Text> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    text.parse::<IpNet>().map(|n| n.trunc()).map_err(|_| t!("firewalld-bad-address", text = format!("{text:?}")))
}

fn ports(text: &str) -> Result<(u16, u16), Text> {
    let num = |s: &str| s.trim().parse::<u16>().map_err(|_| t!("firewalld-bad-port", text = format!("{text:?}")));
    match text.split_once('-') {
        Some((lo, hi)) => {
            let (lo, hi) = (num(lo)?, num(hi)?);
            if lo > hi {
                return Err(t!("firewalld-empty-port-range", range = text));
            }
            Ok((lo, hi))
        }
        None => num(text).map(|p| (p, p)),
    }
}

fn port_item(node: Node<'_, '_>) -> Result<PortItem, Text> {
    let p = attr(node, "port").ok_or_else(|| t!("firewalld-needs-attribute", attribute = "port"))?;
    let protocol = attr(node, "protocol")
        .ok_or_else(|| t!("firewalld-needs-attribute", attribute = "protocol"))?
        .to_ascii_lowercase();
    let (lo, hi) = ports(p)?;
    Ok(PortItem { protocol, lo, hi })
}

fn forward_port(node: Node<'_, '_>) -> Result<ForwardPort, Text> {
    let port = ports(
        attr(node, "port").ok_or_else(|| t!("firewalld-needs", element = "<forward-port>", attribute = "port"))?,
    )?;
    let protocol = attr(node, "protocol")
        .ok_or_else(|| t!("firewalld-needs", element = "<forward-port>", attribute = "protocol"))?
        .to_ascii_lowercase();
    let to_port = attr(node, "to-port").map(ports).transpose()?;
    let to_addr = attr(node, "to-addr")
        .map(|a| a.parse::<IpAddr>().map_err(|_| t!("firewalld-to-addr", addr = format!("{a:?}"))))
        .transpose()?;
    Ok(ForwardPort { protocol, port, to_port, to_addr })
}

fn rich_rule(node: Node<'_, '_>, at: Option<usize>) -> Result<RichRule, Text> {
    let family = match attr(node, "family") {
        None => None,
        Some("ipv4") => Some(Family::V4),
        Some("ipv6") => Some(Family::V6),
        Some(other) => return Err(t!("firewalld-rule-family", family = format!("{other:?}"))),
    };
    let priority = match attr(node, "priority") {
        None => 0,
        Some(p) => p.parse::<i32>().map_err(|_| t!("firewalld-rule-priority", priority = format!("{p:?}")))?,
    };
    let mut rule = RichRule {
        line: at,
        text: String::new(),
        family,
        priority,
        source: None,
        destination: None,
        element: None,
        action: None,
        limited: false,
    };
    let truthy = |n: Node<'_, '_>| {
        attr(n, "invert").is_some_and(|v| v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes"))
    };
    for child in node.children().filter(Node::is_element) {
        let set_element = |rule: &mut RichRule, e: RichElement| -> Result<(), Text> {
            if rule.element.is_some() {
                return Err(t!("firewalld-rich-one-element"));
            }
            rule.element = Some(e);
            Ok(())
        };
        match child.tag_name().name() {
            "source" => rule.source = Some((zone_source(child)?, truthy(child))),
            "destination" => {
                let a = attr(child, "address")
                    .ok_or_else(|| t!("firewalld-needs", element = "<destination>", attribute = "address"))?;
                rule.destination = Some((net(a)?, truthy(child)));
            }
            "service" => set_element(
                &mut rule,
                RichElement::Service(
                    attr(child, "name")
                        .ok_or_else(|| t!("firewalld-needs", element = "<service>", attribute = "name"))?
                        .to_string(),
                ),
            )?,
            "port" if attr(child, "port").is_some_and(|p| p.trim().is_empty()) => set_element(
                &mut rule,
                RichElement::Protocol(
                    attr(child, "protocol")
                        .ok_or_else(|| t!("firewalld-needs", element = "<port>", attribute = "protocol"))?
                        .to_ascii_lowercase(),
                ),
            )?,
            "port" => set_element(&mut rule, RichElement::Port(port_item(child)?))?,
            "source-port" => set_element(&mut rule, RichElement::SourcePort(port_item(child)?))?,
            "protocol" => set_element(
                &mut rule,
                RichElement::Protocol(
                    attr(child, "value")
                        .ok_or_else(|| t!("firewalld-needs", element = "<protocol>", attribute = "value"))?
                        .to_string(),
                ),
            )?,
            "icmp-block" | "icmp-type" => set_element(&mut rule, RichElement::Icmp)?,
            "masquerade" => set_element(&mut rule, RichElement::Masquerade)?,
            "forward-port" => set_element(&mut rule, RichElement::ForwardPort(forward_port(child)?))?,
            "log" | "audit" | "nflog" => {}
            a @ ("accept" | "reject" | "drop" | "mark") => {
                if rule.action.is_some() {
                    return Err(t!("firewalld-rich-one-action"));
                }
                rule.action = Some(match a {
                    "accept" => RichAction::Accept,
                    "reject" => RichAction::Reject,
                    "drop" => RichAction::Drop,
                    _ => RichAction::Mark,
                });
                rule.limited = child.children().any(|c| c.is_element() && c.tag_name().name() == "limit");
            }
            other => return Err(t!("firewalld-unknown-rich-element", element = other)),
        }
    }
    rule.text = rich_text(&rule);
    Ok(rule)
}

/// The rule in `firewall-cmd --add-rich-rule` syntax.
pub fn rich_text(r: &RichRule) -> String {
    let mut s = String::from("rule");
    match r.family {
        Some(Family::V4) => s.push_str(" family=\"ipv4\""),
        Some(Family::V6) => s.push_str(" family=\"ipv6\""),
        None => {}
    }
    if r.priority != 0 {
        s.push_str(&format!(" priority=\"{}\"", r.priority));
    }
    if let Some((src, invert)) = &r.source {
        let inv = if *invert { " invert=\"True\"" } else { "" };
        match src {
            ZoneSource::Net(n) => s.push_str(&format!(" source address=\"{n}\"{inv}")),
            ZoneSource::Ipset(i) => s.push_str(&format!(" source ipset=\"{i}\"{inv}")),
            ZoneSource::Mac(m) => s.push_str(&format!(" source mac=\"{m}\"{inv}")),
        }
    }
    if let Some((d, invert)) = &r.destination {
        s.push_str(&format!(" destination address=\"{d}\"{}", if *invert { " invert=\"True\"" } else { "" }));
    }
    let range = |p: &PortItem| if p.lo == p.hi { p.lo.to_string() } else { format!("{}-{}", p.lo, p.hi) };
    match &r.element {
        Some(RichElement::Service(n)) => s.push_str(&format!(" service name=\"{n}\"")),
        Some(RichElement::Port(p)) => s.push_str(&format!(" port port=\"{}\" protocol=\"{}\"", range(p), p.protocol)),
        Some(RichElement::SourcePort(p)) => {
            s.push_str(&format!(" source-port port=\"{}\" protocol=\"{}\"", range(p), p.protocol))
        }
        Some(RichElement::Protocol(v)) => s.push_str(&format!(" protocol value=\"{v}\"")),
        Some(RichElement::Icmp) => s.push_str(" icmp-block"),
        Some(RichElement::Masquerade) => s.push_str(" masquerade"),
        Some(RichElement::ForwardPort(f)) => {
            let span = |(lo, hi): (u16, u16)| if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") };
            s.push_str(&format!(" forward-port port=\"{}\" protocol=\"{}\"", span(f.port), f.protocol));
            if let Some(p) = f.to_port {
                s.push_str(&format!(" to-port=\"{}\"", span(p)));
            }
            if let Some(a) = f.to_addr {
                s.push_str(&format!(" to-addr=\"{a}\""));
            }
        }
        None => {}
    }
    match r.action {
        Some(RichAction::Accept) => s.push_str(" accept"),
        Some(RichAction::Reject) => s.push_str(" reject"),
        Some(RichAction::Drop) => s.push_str(" drop"),
        Some(RichAction::Mark) => s.push_str(" mark"),
        None => {}
    }
    if r.limited {
        s.push_str(" limit");
    }
    s
}

fn parse_service(text: &str, file: &str) -> Result<Service, InputError> {
    let doc = Document::parse(text).map_err(|e| xml_error(file, &e))?;
    let root = doc.root_element();
    let err = |node: Node<'_, '_>, what: Text| InputError::new(file, line(&doc, node), what);
    if root.tag_name().name() != "service" {
        return Err(err(root, t!("firewalld-root-element-service", element = root.tag_name().name())));
    }
    let mut s = Service::default();
    for node in root.children().filter(Node::is_element) {
        match node.tag_name().name() {
            "port" if attr(node, "port").is_some_and(|p| p.trim().is_empty()) => {
                s.protocols.push(attr(node, "protocol").unwrap_or_default().to_ascii_lowercase());
            }
            "port" => s.ports.push(port_item(node).map_err(|w| err(node, w))?),
            "source-port" => s.source_ports.push(port_item(node).map_err(|w| err(node, w))?),
            "protocol" => s.protocols.push(attr(node, "value").unwrap_or_default().to_ascii_lowercase()),
            "destination" => {
                for a in ["ipv4", "ipv6"] {
                    if let Some(v) = attr(node, a) {
                        s.destinations.push(net(v).map_err(|w| err(node, w))?);
                    }
                }
            }
            "include" => s.includes.push(attr(node, "service").unwrap_or_default().to_string()),
            _ => {}
        }
    }
    Ok(s)
}

fn parse_ipset(text: &str, file: &str) -> Result<(Family, Spans), InputError> {
    let doc = Document::parse(text).map_err(|e| xml_error(file, &e))?;
    let root = doc.root_element();
    let err = |node: Node<'_, '_>, what: Text| InputError::new(file, line(&doc, node), what);
    let mut family = Family::V4;
    let mut v = Vec::new();
    for node in root.children().filter(Node::is_element) {
        match node.tag_name().name() {
            "option" if attr(node, "name") == Some("family") => {
                family = if attr(node, "value") == Some("inet6") { Family::V6 } else { Family::V4 };
            }
            "entry" => {
                let t = node.text().unwrap_or_default().trim();
                let n = net(t).map_err(|w| err(node, w))?;
                v.extend_from_slice(Spans::net(&n).intervals());
            }
            _ => {}
        }
    }
    Ok((family, Spans::from_intervals(v)))
}

fn protocol_number(name: &str) -> Option<u8> {
    protocols::number(name)
}

struct Builder<'a> {
    config: &'a Config,
    rs: Ruleset,
}

fn rule(matches: Vec<Match>, action: Action, number: usize, line: Option<usize>, text: impl Into<String>) -> Rule {
    Rule {
        matches,
        effects: vec![],
        action,
        origin: Origin { number, line, text: RuleText::from(text.into()), ..Origin::default() },
    }
}

impl Builder<'_> {
    fn chain(&mut self, name: String, table: &str, zone: Option<&str>) -> ChainId {
        let mut c = Chain::new(name, table);
        c.scope = zone.map(str::to_string);
        self.rs.add_chain(c)
    }

    fn push(&mut self, chain: ChainId, mut r: Rule) {
        let rules = &mut self.rs.chains[chain].rules;
        let shared = r.origin.expanded_from;
        let continues = shared.is_some() && rules.last().is_some_and(|l| l.origin.expanded_from == shared);
        r.origin.number = rules.last().map_or(0, |l| l.origin.number) + usize::from(!continues);
        rules.push(r);
    }

    fn source_match(&self, src: &ZoneSource, negated: bool) -> Match {
        match src {
            ZoneSource::Net(n) => {
                Match::Addr { side: Side::Src, family: Family::of_net(n), set: Spans::net(n), negated }
            }
            ZoneSource::Ipset(name) => match self.config.ipsets.get(name) {
                Some((family, set)) => Match::Addr { side: Side::Src, family: *family, set: set.clone(), negated },
                None => Match::Unknown(Undecidable::IpsetContents {
                    name: name.as_str().into(),
                    looked_in: format!("{}/ipsets", self.config.path).into(),
                }),
            },
            ZoneSource::Mac(m) => Match::unknown(format!("source MAC {m}: the pool's MAC addresses are unknown")),
        }
    }

    /// (protocol, ports) alternatives of a service; `None` when its definition is unknown.
    fn service(&self, name: &str, depth: usize) -> Option<Vec<Vec<Match>>> {
        let s = self.config.services.get(name)?;
        // A destination limits the service to that family (firewalld adds no rule for the other).
        let dests: Vec<Option<Match>> = if s.destinations.is_empty() {
            vec![None]
        } else {
            s.destinations
                .iter()
                .map(|d| {
                    Some(Match::Addr { side: Side::Dst, family: Family::of_net(d), set: Spans::net(d), negated: false })
                })
                .collect()
        };
        let mut alternatives: Vec<Vec<Match>> = Vec::new();
        for p in &s.ports {
            alternatives.push(port_matches(p, PortSide::Dst)?);
        }
        for p in &s.source_ports {
            alternatives.push(port_matches(p, PortSide::Src)?);
        }
        for proto in &s.protocols {
            alternatives.push(vec![Match::Proto { protos: Protos::of(&[protocol_number(proto)?]), negated: false }]);
        }
        let mut out = Vec::new();
        for alt in alternatives {
            for d in &dests {
                let mut m = alt.clone();
                m.extend(d.iter().cloned());
                out.push(m);
            }
        }
        for inc in &s.includes {
            if depth < 8 {
                out.extend(self.service(inc, depth + 1)?);
            }
        }
        Some(out)
    }

    /// The family, source and destination conditions of a rich rule.
    fn rich_base(&self, r: &RichRule) -> Vec<Match> {
        let mut base = Vec::new();
        if let Some(f) = r.family {
            base.push(Match::Family(f));
        }
        if let Some((src, invert)) = &r.source {
            base.push(self.source_match(src, *invert));
        }
        if let Some((d, invert)) = &r.destination {
            base.push(Match::Addr { side: Side::Dst, family: Family::of_net(d), set: Spans::net(d), negated: *invert });
        }
        base
    }

    /// Model rules of a rich rule: one per alternative of its element.
    fn rich(&self, r: &RichRule) -> Vec<Rule> {
        let mut base = self.rich_base(r);
        if r.limited {
            base.push(Match::unknown("the rule's action is rate-limited (limit value=…)"));
        }
        let alternatives: Vec<Vec<Match>> = match &r.element {
            None => vec![vec![]],
            Some(RichElement::Service(n)) => self.service(n, 0).unwrap_or_else(|| {
                vec![vec![Match::unknown(format!(
                    "service {n}: its definition is not in {}/services",
                    self.config.path
                ))]]
            }),
            Some(RichElement::Port(p)) => {
                vec![port_matches(p, PortSide::Dst).unwrap_or_else(unknown_protocol(&p.protocol))]
            }
            Some(RichElement::SourcePort(p)) => {
                vec![port_matches(p, PortSide::Src).unwrap_or_else(unknown_protocol(&p.protocol))]
            }
            Some(RichElement::Protocol(v)) => vec![match protocol_number(v) {
                Some(n) => vec![Match::Proto { protos: Protos::of(&[n]), negated: false }],
                None => unknown_protocol(v)(),
            }],
            Some(RichElement::Icmp) => vec![vec![Match::Proto { protos: Protos::of(&[1, 58]), negated: false }]],
            Some(RichElement::Masquerade | RichElement::ForwardPort(_)) => vec![],
        };
        let action = match r.action {
            Some(RichAction::Accept) => Action::Verdict(Verdict::Accept),
            Some(RichAction::Reject) => Action::Verdict(Verdict::Reject),
            Some(RichAction::Drop) => Action::Verdict(Verdict::Drop),
            Some(RichAction::Mark) | None => Action::Continue,
        };
        alternatives
            .into_iter()
            .map(|alt| {
                let mut m = base.clone();
                m.extend(alt);
                rule(m, action.clone(), 0, r.line, r.text.clone())
            })
            .collect()
    }
}

fn unknown_protocol(p: &str) -> impl Fn() -> Vec<Match> + '_ {
    move || vec![Match::unknown(format!("protocol {p:?} not known to the evaluator"))]
}

fn port_matches(p: &PortItem, side: PortSide) -> Option<Vec<Match>> {
    Some(vec![
        Match::Proto { protos: Protos::of(&[protocol_number(&p.protocol)?]), negated: false },
        Match::Port { side, ranges: Ports::one(p.lo, p.hi), negated: false },
    ])
}

/// Builds the ruleset firewalld would load for this configuration (input and nat paths).
pub fn compile(config: &Config) -> Ruleset {
    let mut b = Builder { config, rs: Ruleset::default() };
    let input = filter_base_chain(&mut b, "filter_INPUT", "input");
    for what in &config.unevaluated {
        b.push(input, rule(vec![], Action::unknown(what.clone()), 0, None, what.clone()));
    }
    let zones_chain = b.chain("filter_INPUT_ZONES".into(), "firewalld", None);
    b.push(input, rule(vec![], Action::Jump(zones_chain), 0, None, "jump filter_INPUT_ZONES"));
    b.push(input, rule(vec![], Action::Verdict(Verdict::Reject), 0, None, "reject with icmpx admin-prohibited"));
    b.rs.bases.push(Base { chain: input, hook: Hook::Input, priority: 10, families: Families::BOTH, nat: false });

    let mut zone_chain: HashMap<&str, ChainId> = HashMap::new();
    for zone in &config.zones {
        let id = zone_chains(&mut b, zone);
        zone_chain.insert(zone.name.as_str(), id);
    }
    dispatch(&mut b, config, zones_chain, &zone_chain);

    forward_chain(&mut b);
    // Forward-ports translate the destination before the input path sees it.
    let rich_nat = |z: &Zone, masquerade: bool| {
        z.rich_rules.iter().any(|r| match r.element {
            Some(RichElement::Masquerade) => masquerade,
            Some(RichElement::ForwardPort(_)) => !masquerade,
            _ => false,
        })
    };
    if config.zones.iter().any(|z| !z.forward_ports.is_empty() || rich_nat(z, false)) {
        let pre = b.chain("nat_PREROUTING".into(), "firewalld", None);
        b.rs.chains[pre].policy = Some(Box::new(Policy {
            verdict: Verdict::Accept,
            origin: Origin {
                text: "type nat hook prerouting priority dstnat + 10; policy accept;".into(),
                ..Origin::default()
            },
        }));
        let zones = b.chain("nat_PREROUTING_ZONES".into(), "firewalld", None);
        b.push(pre, rule(vec![], Action::Jump(zones), 0, None, "jump nat_PREROUTING_ZONES"));
        let mut nat_chain: HashMap<&str, ChainId> = HashMap::new();
        for zone in &config.zones {
            let id = b.chain(format!("nat_PRE_{}", zone.name), &zone.file, Some(&zone.name));
            for r in zone.rich_rules.iter().filter(|r| matches!(r.element, Some(RichElement::ForwardPort(_)))) {
                if let Some(RichElement::ForwardPort(fp)) = &r.element {
                    let mut m = b.rich_base(r);
                    m.extend(forward_port_matches(fp));
                    b.push(id, rule(m, Action::Dnat(Box::new(forward_port_target(fp))), 0, r.line, r.text.clone()));
                }
            }
            for fp in &zone.forward_ports {
                let m = forward_port_matches(&fp.value);
                let action = Action::Dnat(Box::new(forward_port_target(&fp.value)));
                b.push(id, rule(m, action, 0, fp.line, fp.text.clone()));
            }
            nat_chain.insert(zone.name.as_str(), id);
        }
        dispatch(&mut b, config, zones, &nat_chain);
        b.rs.bases.push(Base {
            chain: pre,
            hook: Hook::Prerouting,
            priority: -90,
            families: Families::BOTH,
            nat: true,
        });
    }
    // Masquerade applies to what leaves through the zone: the egress zone, chosen by destination
    // (source zones) or by the leaving interface.
    if config.zones.iter().any(|z| z.masquerade || rich_nat(z, true)) {
        let post = b.chain("nat_POSTROUTING".into(), "firewalld", None);
        b.rs.chains[post].policy = Some(Box::new(Policy {
            verdict: Verdict::Accept,
            origin: Origin {
                text: "type nat hook postrouting priority srcnat + 10; policy accept;".into(),
                ..Origin::default()
            },
        }));
        let zones = b.chain("nat_POSTROUTING_ZONES".into(), "firewalld", None);
        b.push(post, rule(vec![], Action::Jump(zones), 0, None, "jump nat_POSTROUTING_ZONES"));
        let mut nat_chain: HashMap<&str, ChainId> = HashMap::new();
        let not_lo = || Match::Iface { dir: Direction::Out, names: vec![IfName::parse("lo")], negated: true };
        let masquerade = || Action::Snat(Box::new(NatTo::to(NatAddr::Local, None)));
        for zone in &config.zones {
            let id = b.chain(format!("nat_POST_{}", zone.name), &zone.file, Some(&zone.name));
            for r in zone.rich_rules.iter().filter(|r| r.element == Some(RichElement::Masquerade)) {
                let mut m = b.rich_base(r);
                m.push(not_lo());
                b.push(id, rule(m, masquerade(), 0, r.line, r.text.clone()));
            }
            if zone.masquerade {
                let m = vec![Match::Family(Family::V4), not_lo()];
                b.push(
                    id,
                    rule(m, masquerade(), 0, None, "<masquerade/> (meta nfproto ipv4 oifname != \"lo\" masquerade)"),
                );
            }
            nat_chain.insert(zone.name.as_str(), id);
        }
        dispatch_out(&mut b, config, zones, &nat_chain);
        b.rs.bases.push(Base {
            chain: post,
            hook: Hook::Postrouting,
            priority: 110,
            families: Families::BOTH,
            nat: true,
        });
    }
    b.rs
}

/// A firewalld filter base chain (`policy accept`) with the rules firewalld puts first in each:
/// established and destination-NATed connections and loopback pass, invalid packets drop.
fn filter_base_chain(b: &mut Builder<'_>, name: &str, hook: &str) -> ChainId {
    let chain = b.chain(name.into(), "firewalld", None);
    b.rs.chains[chain].policy = Some(Box::new(Policy {
        verdict: Verdict::Accept,
        origin: Origin {
            text: format!("type filter hook {hook} priority filter + 10; policy accept;").into(),
            ..Origin::default()
        },
    }));
    let prologue = [
        (
            vec![Match::CtState { mask: ct::ESTABLISHED | ct::RELATED, negated: false }],
            Action::Verdict(Verdict::Accept),
            "ct state { established, related } accept",
        ),
        (
            vec![Match::CtStatus { mask: ct::status::DNAT, negated: false }],
            Action::Verdict(Verdict::Accept),
            "ct status dnat accept",
        ),
        (
            vec![Match::Iface { dir: Direction::In, names: vec![IfName::parse("lo")], negated: false }],
            Action::Verdict(Verdict::Accept),
            "iifname \"lo\" accept",
        ),
        (
            vec![Match::CtState { mask: ct::INVALID, negated: false }],
            Action::Verdict(Verdict::Drop),
            "ct state invalid drop",
        ),
    ];
    for (m, a, t) in prologue {
        b.push(chain, rule(m, a, 0, None, t));
    }
    chain
}

/// firewalld's forward filter: established traffic and every destination-NATed connection (a
/// forward-port) are accepted before any zone; what the zones and policies decide for other
/// forwarded traffic is not evaluated.
fn forward_chain(b: &mut Builder<'_>) {
    let fwd = filter_base_chain(b, "filter_FORWARD", "forward");
    let zones =
        Action::unknown("zone forwarding and policies for traffic that is not a forward-port are not evaluated");
    b.push(fwd, rule(vec![], zones, 0, None, "jump filter_FORWARD_ZONES"));
    b.rs.bases.push(Base { chain: fwd, hook: Hook::Forward, priority: 10, families: Families::BOTH, nat: false });
}

/// `port=A:proto=tcp` of a forward-port, and its family when it names an address.
fn forward_port_matches(fp: &ForwardPort) -> Vec<Match> {
    let p = PortItem { protocol: fp.protocol.clone(), lo: fp.port.0, hi: fp.port.1 };
    let mut m = port_matches(&p, PortSide::Dst).unwrap_or_else(unknown_protocol(&fp.protocol));
    if let Some(a) = fp.to_addr {
        m.insert(0, Match::Family(Family::of(a)));
    }
    m
}

/// Where a forward-port sends the connection: `to-addr` (port `to-port`, else unchanged), or
/// without `to-addr` this host's `to-port`.
fn forward_port_target(fp: &ForwardPort) -> NatTo {
    let addr = fp.to_addr.map_or(NatAddr::Local, |a| NatAddr::Range(a, a));
    NatTo::to(addr, fp.to_port)
}

/// The egress zone: source zones by destination address, then interface zones by the leaving
/// interface, then the default zone.
fn dispatch_out(b: &mut Builder<'_>, config: &Config, chain: ChainId, targets: &HashMap<&str, ChainId>) {
    let mut by_source: Vec<&Zone> = config.zones.iter().filter(|z| !z.sources.is_empty()).collect();
    by_source.sort_by_key(|z| (z.priority, z.name.clone()));
    for zone in by_source {
        for s in &zone.sources {
            let m = match b.source_match(&s.value, false) {
                Match::Addr { family, set, negated, .. } => Match::Addr { side: Side::Dst, family, set, negated },
                other => other,
            };
            let text = format!("{} (zone {}, as destination)", s.text, zone.name);
            b.push(chain, rule(vec![m], Action::Goto(targets[zone.name.as_str()]), 0, s.line, text));
        }
    }
    for zone in config.zones.iter().filter(|z| !z.interfaces.is_empty()) {
        for i in &zone.interfaces {
            let m = Match::Iface { dir: Direction::Out, names: vec![IfName::parse(&i.value)], negated: false };
            let text = format!("{} (zone {}, leaving)", i.text, zone.name);
            b.push(chain, rule(vec![m], Action::Goto(targets[zone.name.as_str()]), 0, i.line, text));
        }
    }
    if let Some(default) = targets.get(config.default_zone.as_str()) {
        b.push(chain, rule(vec![], Action::Goto(*default), 0, None, format!("default zone {}", config.default_zone)));
    }
}

/// Source zones, then interface zones, then the default zone.
fn dispatch(b: &mut Builder<'_>, config: &Config, chain: ChainId, targets: &HashMap<&str, ChainId>) {
    let mut by_source: Vec<&Zone> = config.zones.iter().filter(|z| !z.sources.is_empty()).collect();
    by_source.sort_by_key(|z| (z.priority, z.name.clone()));
    for zone in by_source {
        for s in &zone.sources {
            let m = b.source_match(&s.value, false);
            b.push(
                chain,
                rule(
                    vec![m],
                    Action::Goto(targets[zone.name.as_str()]),
                    0,
                    s.line,
                    format!("{} (zone {})", s.text, zone.name),
                ),
            );
        }
    }
    for zone in config.zones.iter().filter(|z| !z.interfaces.is_empty()) {
        for i in &zone.interfaces {
            let m = Match::Iface { dir: Direction::In, names: vec![IfName::parse(&i.value)], negated: false };
            b.push(
                chain,
                rule(
                    vec![m],
                    Action::Goto(targets[zone.name.as_str()]),
                    0,
                    i.line,
                    format!("{} (zone {})", i.text, zone.name),
                ),
            );
        }
    }
    if let Some(default) = targets.get(config.default_zone.as_str()) {
        b.push(chain, rule(vec![], Action::Goto(*default), 0, None, format!("default zone {}", config.default_zone)));
    }
}

/// The zone's filter chains; returns the zone's entry chain.
fn zone_chains(b: &mut Builder<'_>, zone: &Zone) -> ChainId {
    let n = &zone.name;
    let file = zone.file.as_str();
    let entry = b.chain(format!("filter_IN_{n}"), file, Some(n));
    let parts: Vec<ChainId> =
        ["pre", "deny", "allow", "post"].iter().map(|p| b.chain(format!("filter_IN_{n}_{p}"), file, Some(n))).collect();
    for (p, id) in ["pre", "deny", "allow", "post"].iter().zip(&parts) {
        b.push(entry, rule(vec![], Action::Jump(*id), 0, None, format!("jump filter_IN_{n}_{p}")));
    }
    let (pre, deny, allow, post) = (parts[0], parts[1], parts[2], parts[3]);
    let mut negative: Vec<&RichRule> = zone.rich_rules.iter().filter(|r| r.priority < 0).collect();
    negative.sort_by_key(|r| r.priority);
    let mut positive: Vec<&RichRule> = zone.rich_rules.iter().filter(|r| r.priority > 0).collect();
    positive.sort_by_key(|r| r.priority);
    let mut expanded = 0usize;
    let mut add = |b: &mut Builder<'_>, chain: ChainId, rules: Vec<Rule>| {
        expanded += 1;
        let many = rules.len() > 1;
        for mut r in rules {
            if many {
                r.origin.expanded_from = Some(expanded);
            }
            b.push(chain, r);
        }
    };
    for r in negative {
        let rules = b.rich(r);
        add(b, pre, rules);
    }
    for r in zone
        .rich_rules
        .iter()
        .filter(|r| r.priority == 0 && matches!(r.action, Some(RichAction::Drop | RichAction::Reject)))
    {
        let rules = b.rich(r);
        add(b, deny, rules);
    }
    for s in &zone.services {
        let rules: Vec<Rule> = match b.service(&s.value, 0) {
            Some(alts) => {
                alts.into_iter().map(|m| rule(m, Action::Verdict(Verdict::Accept), 0, s.line, s.text.clone())).collect()
            }
            None => vec![rule(
                vec![Match::unknown(format!(
                    "service {}: its definition is not in {}/services",
                    s.value, b.config.path
                ))],
                Action::Verdict(Verdict::Accept),
                0,
                s.line,
                s.text.clone(),
            )],
        };
        add(b, allow, rules);
    }
    for p in &zone.ports {
        let m = port_matches(&p.value, PortSide::Dst).unwrap_or_else(unknown_protocol(&p.value.protocol));
        add(b, allow, vec![rule(m, Action::Verdict(Verdict::Accept), 0, p.line, p.text.clone())]);
    }
    for p in &zone.protocols {
        let m = match protocol_number(&p.value) {
            Some(n) => vec![Match::Proto { protos: Protos::of(&[n]), negated: false }],
            None => unknown_protocol(&p.value)(),
        };
        add(b, allow, vec![rule(m, Action::Verdict(Verdict::Accept), 0, p.line, p.text.clone())]);
    }
    for p in &zone.source_ports {
        let m = port_matches(&p.value, PortSide::Src).unwrap_or_else(unknown_protocol(&p.value.protocol));
        add(b, allow, vec![rule(m, Action::Verdict(Verdict::Accept), 0, p.line, p.text.clone())]);
    }
    for r in zone.rich_rules.iter().filter(|r| r.priority == 0 && r.action == Some(RichAction::Accept)) {
        let rules = b.rich(r);
        add(b, allow, rules);
    }
    for r in positive {
        let rules = b.rich(r);
        add(b, post, rules);
    }
    let (verdict, what) = match zone.target {
        Target::Default => (Verdict::Reject, "default (reject)"),
        Target::Reject => (Verdict::Reject, "%%REJECT%%"),
        Target::Drop => (Verdict::Drop, "DROP"),
        Target::Accept => (Verdict::Accept, "ACCEPT"),
    };
    b.push(entry, rule(vec![], Action::Verdict(verdict), 0, zone.line, format!("zone {n} target {what}")));
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::eval::{Judged, Packet, judge};
    use crate::firewall::ranges::number;

    const PUBLIC: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<zone>
  <short>Public</short>
  <service name="ssh"/>
  <service name="dhcpv6-client"/>
  <rule family="ipv4">
    <source address="198.51.100.0/24"/>
    <port port="6443" protocol="tcp"/>
    <accept/>
  </rule>
  <rule family="ipv4">
    <source address="198.51.100.64/26"/>
    <drop/>
  </rule>
</zone>
"#;

    const CLOUDSEC: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<zone>
  <source address="203.0.113.30/32"/>
  <port port="6443" protocol="tcp"/>
</zone>
"#;

    fn verdict(layer: &Layer, src: &str, iface: Option<&str>) -> &'static str {
        let ip = number(src.parse().expect("ip"));
        let packets = Packet::to_local_port(Family::V4, 6443, None, iface);
        let j = Judged::series(packets.iter().map(|p| judge(&layer.ruleset, p, &Spans::span(ip, ip))).collect());
        if !j.denied.is_empty() {
            "DENY"
        } else if !j.unknown.is_empty() {
            "UNKNOWN"
        } else {
            "ACCEPT"
        }
    }

    fn config_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        dir
    }

    #[test]
    fn reference_configuration_matches_the_recorded_kernel_run() {
        // firewalld/oracle-run.firewalld.txt (firewalld 1.3.3, nftables backend).
        let dir = config_dir(&[
            ("firewalld.conf", "DefaultZone=public\n"),
            ("zones/public.xml", PUBLIC),
            ("zones/cloudsec.xml", CLOUDSEC),
        ]);
        let layer = load_dir(dir.path(), "firewalld:dir", &IpsetDb::default()).expect("loads");
        for (src, want) in [
            ("192.0.2.10", "DENY"),
            ("198.51.100.20", "ACCEPT"),
            ("198.51.100.70", "DENY"),
            ("198.51.100.130", "ACCEPT"),
            ("203.0.113.30", "ACCEPT"),
            ("203.0.113.99", "DENY"),
        ] {
            assert_eq!(verdict(&layer, src, None), want, "{src}");
        }
        // The deny rich rule decides .70 although it comes after the accept in the file.
        let p = Packet::to_local_port(Family::V4, 6443, None, None).remove(0);
        let ip = number("198.51.100.70".parse().expect("ip"));
        let j = judge(&layer.ruleset, &p, &Spans::span(ip, ip));
        let d = &j.denied[0].1;
        let r = &layer.ruleset.chains[d.chain.expect("chain")].rules[d.rule.expect("rule")];
        assert_eq!(r.origin.text, "rule family=\"ipv4\" source address=\"198.51.100.64/26\" drop");
        assert_eq!(r.origin.line, Some(11));
    }

    #[test]
    fn interface_zones_decide_only_when_the_interface_is_known_or_irrelevant() {
        let internal = "<zone target=\"ACCEPT\"><interface name=\"eth1\"/></zone>";
        let dir = config_dir(&[
            ("firewalld.conf", "DefaultZone=public\n"),
            ("zones/public.xml", PUBLIC),
            ("zones/trusted-lan.xml", internal),
        ]);
        let layer = load_dir(dir.path(), "firewalld:dir", &IpsetDb::default()).expect("loads");
        assert_eq!(verdict(&layer, "192.0.2.10", None), "UNKNOWN");
        assert_eq!(verdict(&layer, "192.0.2.10", Some("eth1")), "ACCEPT");
        assert_eq!(verdict(&layer, "192.0.2.10", Some("eth0")), "DENY");
        // Admitted by both candidate zones: decided whatever the interface.
        assert_eq!(verdict(&layer, "198.51.100.20", None), "ACCEPT");
    }

    #[test]
    fn direct_rules_and_policies_are_not_guessed() {
        let direct = "<?xml version=\"1.0\"?>\n<direct>\n<rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" priority=\"0\">-s 198.51.100.0/24 -j DROP</rule>\n</direct>\n";
        let dir = config_dir(&[
            ("firewalld.conf", "DefaultZone=public\n"),
            ("zones/public.xml", PUBLIC),
            ("direct.xml", direct),
        ]);
        let layer = load_dir(dir.path(), "firewalld:dir", &IpsetDb::default()).expect("loads");
        assert_eq!(verdict(&layer, "198.51.100.20", None), "UNKNOWN");
    }

    #[test]
    fn single_zone_file_and_builtin_services() {
        let zone = "<zone target=\"DROP\"><service name=\"kube-apiserver\"/></zone>";
        let layer = parse_zone_file(zone, "drop.xml", &IpsetDb::default()).expect("parses");
        assert_eq!(verdict(&layer, "192.0.2.1", None), "ACCEPT");
        assert!(layer.notes.iter().any(|n| n.contains("kube-apiserver")), "{:?}", layer.notes);
        let zone = "<zone target=\"DROP\"><service name=\"my-api\"/></zone>";
        let layer = parse_zone_file(zone, "drop.xml", &IpsetDb::default()).expect("parses");
        assert_eq!(verdict(&layer, "192.0.2.1", None), "UNKNOWN");
    }

    #[test]
    fn forward_ports_are_exposed_for_the_forwarding_checks() {
        let zone = "<zone><forward/><masquerade/><forward-port port=\"16443\" protocol=\"tcp\" to-port=\"6443\" to-addr=\"192.0.2.50\"/></zone>";
        let layer = parse_zone_file(zone, "public.xml", &IpsetDb::default()).expect("parses");
        let LayerKind::Firewalld(c) = &layer.kind else { panic!("kind") };
        assert!(c.zones[0].masquerade);
        assert_eq!(c.zones[0].forward_ports[0].value.to_addr, Some("192.0.2.50".parse().expect("ip")));
    }

    #[test]
    fn forward_ports_and_masquerade_translate_like_firewalld() {
        use crate::firewall::eval::Flow;
        use crate::firewall::nat::{NatResult, judge_nat};
        let public = "<zone><forward/><forward-port port=\"16443\" protocol=\"tcp\" to-port=\"6443\" to-addr=\"192.0.2.50\"/>\n\
<rule family=\"ipv4\"><source address=\"198.51.100.0/26\"/><forward-port port=\"16444\" protocol=\"tcp\" to-port=\"6443\" to-addr=\"192.0.2.51\"/></rule></zone>";
        let internal = "<zone><interface name=\"eth1\"/><masquerade/></zone>";
        let dir = config_dir(&[
            ("firewalld.conf", "DefaultZone=public\n"),
            ("zones/public.xml", public),
            ("zones/internal.xml", internal),
        ]);
        let layer = load_dir(dir.path(), "firewalld:dir", &IpsetDb::default()).expect("loads");
        let layers = [layer];
        let pool = Spans::net(&"198.51.100.0/25".parse().expect("cidr"));
        let to = |port: u16| -> Vec<(String, String)> {
            let p = Packet::arriving(Family::V4, port, None, Some("eth0"));
            judge_nat(&layers, &pool, &p)
                .into_iter()
                .map(|(s, r)| {
                    let what = match r {
                        NatResult::Translated { to, .. } => to.to_string(),
                        other => format!("{other:?}").split_whitespace().next().unwrap_or_default().to_string(),
                    };
                    (s.describe(Family::V4), what)
                })
                .collect()
        };
        assert_eq!(to(16443), [("198.51.100.0/25".to_string(), "192.0.2.50:6443".to_string())]);
        // The rich rule's forward-port only for its source.
        let mut got = to(16444);
        got.sort();
        assert_eq!(
            got,
            [
                ("198.51.100.0/26".to_string(), "192.0.2.51:6443".to_string()),
                ("198.51.100.64/26".to_string(), "Untranslated".to_string())
            ]
        );
        // Masquerade belongs to the zone the connection leaves through: internal (eth1) has it.
        let leaving = |out: &str| {
            let flow =
                Flow { listen_port: 16443, port: 6443, arrival: &[], in_iface: Some("eth0"), out_iface: Some(out) };
            let p = Packet::leaving(&flow, Family::V4, "192.0.2.50".parse().ok());
            judge_nat(&layers, &pool, &p)
                .into_iter()
                .map(|(_, r)| matches!(r, NatResult::Translated { .. }))
                .collect::<Vec<_>>()
        };
        assert_eq!(leaving("eth1"), [true]);
        assert_eq!(leaving("eth2"), [false], "eth2 is in the default zone, public, without masquerade");
        // firewalld's forward filter admits every forward-port connection before any zone.
        let flow =
            Flow { listen_port: 16443, port: 6443, arrival: &[], in_iface: Some("eth0"), out_iface: Some("eth1") };
        let packets = Packet::forwarded(&flow, Family::V4, "192.0.2.50".parse().ok());
        let j = Judged::series(packets.iter().map(|p| judge(&layers[0].ruleset, p, &pool)).collect());
        assert_eq!(j.admitted_set(), pool, "{j:?}");
    }

    #[test]
    fn the_stock_tables_parse() {
        for (name, facts) in firewalld_stock::SERVICES {
            let mut s = Service::default();
            for w in facts.split_whitespace() {
                stock_service_word(&mut s, w).unwrap_or_else(|e| panic!("service {name}: {w}: {e}"));
            }
        }
        for (name, facts) in firewalld_stock::ZONES {
            let mut z = Zone::default();
            for w in facts.split_whitespace() {
                stock_zone_word(&mut z, w).unwrap_or_else(|e| panic!("zone {name}: {w}: {e}"));
            }
        }
        assert!(firewalld_stock::SERVICES.len() > 200 && firewalld_stock::ZONES.len() >= 9);
    }

    #[test]
    fn stock_kube_api_is_the_kubelet_and_kube_apiserver_the_api_server() {
        // Issue 12: a zone with kube-api was reported as admitting 6443; firewalld rejects it.
        for (service, want) in [("kube-api", "DENY"), ("kube-apiserver", "ACCEPT"), ("kube-control-plane", "ACCEPT")] {
            let zone = format!("<zone><service name=\"{service}\"/></zone>");
            let layer = parse_zone_file(&zone, "public.xml", &IpsetDb::default()).expect("parses");
            assert_eq!(verdict(&layer, "192.0.2.1", None), want, "{service}");
        }
        let kubelet = stock_service("kube-api").expect("stock");
        assert_eq!(kubelet.includes, ["kubelet"]);
        assert_eq!(
            stock_service("kubelet").expect("stock").ports,
            [PortItem { protocol: "tcp".into(), lo: 10250, hi: 10250 }]
        );
    }

    #[test]
    fn a_protocol_without_ports_is_the_whole_protocol() {
        // firewalld's own ipsec service: `<port protocol="ah" port=""/>`.
        let ipsec = "<service><port protocol=\"ah\" port=\"\"/><port protocol=\"udp\" port=\"500\"/></service>";
        let zone = "<zone><service name=\"ipsec\"/><port protocol=\"esp\" port=\"\"/>\
<rule><port protocol=\"gre\" port=\"\"/><accept/></rule></zone>";
        let dir = config_dir(&[
            ("firewalld.conf", "DefaultZone=public\n"),
            ("services/ipsec.xml", ipsec),
            ("zones/public.xml", zone),
        ]);
        let layer = load_dir(dir.path(), "firewalld:dir", &IpsetDb::default()).expect("loads");
        assert_eq!(verdict(&layer, "192.0.2.1", None), "DENY", "tcp/6443 is none of them");
        let LayerKind::Firewalld(c) = &layer.kind else { panic!("kind") };
        assert_eq!(c.zones[0].protocols[0].value, "esp");
        assert_eq!(c.services["ipsec"].protocols, ["ah"]);
    }

    #[test]
    fn shipped_definitions_come_from_the_same_tree_only() {
        // X/etc/firewalld reads X/usr/lib/firewalld; a directory named otherwise reads no
        // definitions but its own and the built-in ones, whatever the host has installed.
        let vendor_api = "<service><port protocol=\"tcp\" port=\"6443\"/></service>";
        let tree = config_dir(&[
            ("etc/firewalld/firewalld.conf", "DefaultZone=lab\n"),
            ("etc/firewalld/zones/lab.xml", "<zone><service name=\"my-api\"/></zone>"),
            ("usr/lib/firewalld/services/my-api.xml", vendor_api),
        ]);
        let layer = load_dir(&tree.path().join("etc/firewalld"), "firewalld:X", &IpsetDb::default()).expect("loads");
        assert_eq!(verdict(&layer, "192.0.2.1", None), "ACCEPT");
        let copy = config_dir(&[
            ("firewalld.conf", "DefaultZone=lab\n"),
            ("zones/lab.xml", "<zone><service name=\"my-api\"/></zone>"),
        ]);
        let layer = load_dir(copy.path(), "firewalld:copy", &IpsetDb::default()).expect("loads");
        assert_eq!(verdict(&layer, "192.0.2.1", None), "UNKNOWN", "my-api is defined nowhere");
        // The default zone from the built-in copy when the tree lacks it.
        let bare = config_dir(&[("firewalld.conf", "DefaultZone=trusted\n"), ("zones/.keep", "")]);
        let layer = load_dir(bare.path(), "firewalld:bare", &IpsetDb::default()).expect("loads");
        assert_eq!(verdict(&layer, "192.0.2.1", None), "ACCEPT");
        assert!(layer.notes.iter().any(|n| n.contains(firewalld_stock::VERSION)), "{:?}", layer.notes);
    }

    #[test]
    fn malformed_zones_name_the_line() {
        for (text, line, what) in [
            ("<zone>\n<port port=\"64x\" protocol=\"tcp\"/>\n</zone>", 2, "expected a number"),
            ("<zone>\n<rule>\n<source address=\"300.1.1.1\"/><accept/></rule>\n</zone>", 2, "expected an IP address"),
            ("<zone target=\"MAYBE\">\n</zone>", 1, "zone target"),
            ("<zone>\n<bogus/>\n</zone>", 2, "unknown element"),
            ("<zone>\n<rule><accept/><drop/></rule>\n</zone>", 2, "at most one action"),
            ("<zone>\n<rule><accept/></rule>\n", 1, "never closed"),
            ("<service/>", 1, "expected <zone>"),
        ] {
            let e = parse_zone_file(text, "z.xml", &IpsetDb::default()).expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.what.contains(what), "{text}: {e}");
        }
    }
}
