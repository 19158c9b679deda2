//! Access-control layers in front of the API server: reading them, evaluating them over address
//! ranges, and writing fixes in each layer's own syntax.
//!
//! A [`Layer`] is one source of rules (`--firewall iptables:rules.txt`, a live `iptables-nft-save`,
//! a security group), translated into the common [`model`]. Layers are in series: an address is
//! admitted only if every layer admits it. [`analysis`] judges pool entries against layers,
//! [`fix`] writes the commands that admit what is denied.

pub mod analysis;
pub mod cidrs;
pub mod ecs_sg;
pub mod eval;
pub mod firewalld;
pub mod firewalld_stock;
pub mod fix;
pub mod ipset;
pub mod iptables;
pub mod live;
pub mod model;
pub mod nat;
pub mod nft;
pub mod protocols;
pub mod ranges;

use std::path::Path;
use std::time::Instant;

use crate::error::InputError;
use crate::firewall::ipset::IpsetDb;
use crate::firewall::model::{Families, Ruleset};
use crate::firewall::ranges::Family;
use crate::hostfs::{self, Kind};
use crate::i18n::Text;
use crate::t;

/// One source of access-control rules, translated into the rule model.
#[derive(Debug, Clone)]
pub struct Layer {
    /// How reports name it: `iptables:rules.txt`, `live:iptables-nft-save`.
    pub name: String,
    pub kind: LayerKind,
    /// The address families this layer filters; the others pass it unseen.
    pub families: Families,
    pub ruleset: Ruleset,
    /// What the reader noticed that the user should know (header warnings, skipped tables).
    pub notes: Vec<String>,
}

/// What kind of layer, with what its fixes need to know.
#[derive(Debug, Clone)]
pub enum LayerKind {
    Iptables(iptables::Info),
    Nft(nft::Info),
    Firewalld(Box<firewalld::Config>),
    EcsSg(Box<ecs_sg::Group>),
    Cidrs(Box<cidrs::List>),
}

impl Layer {
    /// `iptables`, `nft`, `firewalld`, `ecs-sg`, `cidrs`: the `kind` of the report.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            LayerKind::Iptables(_) => "iptables",
            LayerKind::Nft(_) => "nft",
            LayerKind::Firewalld(_) => "firewalld",
            LayerKind::EcsSg(_) => "ecs-sg",
            LayerKind::Cidrs(_) => "cidrs",
        }
    }

    /// Rules as the user counts them.
    pub fn rules(&self) -> usize {
        self.ruleset.rule_count()
    }

    /// An error in the dump met when a chain was read on demand ([`iptables::read`]): the input is
    /// malformed, and the run must stop as it would have had it been read at once.
    pub fn read_error(&self) -> Option<InputError> {
        self.ruleset.read_error()
    }

    /// A kernel with no ruleset at all: what a live reading that found no iptables, nftables or
    /// ipset rules stands for. It filters nothing, so it admits everything (and the evaluator
    /// judges it so: no base chain sees the packet).
    pub fn empty_kernel(name: &str) -> Layer {
        Layer {
            name: name.to_string(),
            kind: LayerKind::Nft(nft::Info::default()),
            families: Families::BOTH,
            ruleset: Ruleset::default(),
            notes: vec!["the kernel has no iptables or nftables rules: nothing filters this host's traffic".into()],
        }
    }
}

/// The kinds `--firewall` accepts, for messages.
pub const SPEC_KINDS: &str = "iptables:FILE (iptables-save, - for stdin), nft:FILE (nft -j list ruleset), \
firewalld:PATH (zone XML or config dir), ecs-sg:FILE (DescribeSecurityGroupAttribute JSON), cidrs:FILE \
(one IP/CIDR per line), netsh:FILE (netsh interface portproxy show v4tov4, with --forward), live";

/// A `--firewall SPEC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    File {
        kind: FileKind,
        path: String,
    },
    /// `netsh:FILE`: a Windows forwarder's port proxies. They filter nothing, so they are not a
    /// layer: the forwarding checks read them.
    PortProxy {
        path: String,
    },
    Live,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Iptables,
    Nft,
    Firewalld,
    EcsSg,
    Cidrs,
}

impl FileKind {
    pub fn prefix(self) -> &'static str {
        match self {
            FileKind::Iptables => "iptables",
            FileKind::Nft => "nft",
            FileKind::Firewalld => "firewalld",
            FileKind::EcsSg => "ecs-sg",
            FileKind::Cidrs => "cidrs",
        }
    }
}

impl Spec {
    /// Splits a comma list of specs (`iptables:a.txt,nft:b.json`). A comma ends a spec only where
    /// the next one starts with a kind or is `live`, so a path may hold commas.
    pub fn split_list(text: &str) -> Vec<&str> {
        const KINDS: &[&str] = &[
            "iptables:",
            "ip6tables:",
            "nft:",
            "nftables:",
            "firewalld:",
            "ecs-sg:",
            "cidrs:",
            "netsh:",
            "portproxy:",
        ];
        let starts_spec =
            |rest: &str| rest == "live" || rest.starts_with("live,") || KINDS.iter().any(|k| rest.starts_with(k));
        let mut out = Vec::new();
        let mut start = 0;
        for (i, _) in text.match_indices(',') {
            if starts_spec(&text[i + 1..]) {
                out.push(&text[start..i]);
                start = i + 1;
            }
        }
        out.push(&text[start..]);
        out
    }

    /// Parses `KIND:PATH` or `live`; the error lists the kinds.
    pub fn parse(text: &str) -> Result<Spec, Text> {
        let shown = format!("{text:?}");
        if text == "live" {
            return Ok(Spec::Live);
        }
        let Some((kind, path)) = text.split_once(':') else {
            return Err(t!("input-firewall-spec-form", spec = shown.as_str(), kinds = SPEC_KINDS));
        };
        let kind = match kind {
            "iptables" | "ip6tables" => FileKind::Iptables,
            "nft" | "nftables" => FileKind::Nft,
            "firewalld" => FileKind::Firewalld,
            "ecs-sg" => FileKind::EcsSg,
            "cidrs" => FileKind::Cidrs,
            "netsh" | "portproxy" if path == "-" => {
                return Err(t!("input-firewall-spec-stdin", spec = shown.as_str()));
            }
            "netsh" | "portproxy" if !path.is_empty() => return Ok(Spec::PortProxy { path: path.to_string() }),
            "netsh" | "portproxy" => return Err(t!("input-firewall-spec-no-path", spec = shown.as_str())),
            other => {
                return Err(t!(
                    "input-firewall-spec-kind",
                    spec = shown.as_str(),
                    kind = format!("{other:?}"),
                    kinds = SPEC_KINDS
                ));
            }
        };
        if path.is_empty() {
            return Err(t!("input-firewall-spec-no-path", spec = shown.as_str()));
        }
        if path == "-" && kind != FileKind::Iptables {
            return Err(t!("input-firewall-spec-stdin", spec = shown.as_str()));
        }
        Ok(Spec::File { kind, path: path.to_string() })
    }
}

/// Reads and parses a file layer. `iptables:-` reads standard input; `firewalld:` takes a zone
/// file or a configuration directory. An iptables dump is read lazily ([`iptables::read_file`],
/// [`iptables::read`]): check [`read_error`] once the layers have been judged.
pub fn load(kind: FileKind, path: &str, ipsets: &IpsetDb, stdin_deadline: Instant) -> Result<Layer, InputError> {
    let name = format!("{}:{path}", kind.prefix());
    if kind == FileKind::Firewalld && Path::new(path).is_dir() {
        return firewalld::load_dir(Path::new(path), &name, ipsets);
    }
    if kind == FileKind::Iptables && path != "-" {
        let mut layer = iptables::read_file(Path::new(path), path, ipsets)?;
        layer.name = name;
        return Ok(layer);
    }
    let (text, file) = if path == "-" {
        let bytes = hostfs::read_stdin(Kind::FirewallDump, stdin_deadline)?;
        (hostfs::utf8(bytes, Path::new("<stdin>"), Kind::FirewallDump)?, "<stdin>".to_string())
    } else {
        let kind = match kind {
            FileKind::Iptables | FileKind::Nft => Kind::FirewallDump,
            FileKind::Firewalld => Kind::FirewalldXml,
            FileKind::EcsSg => Kind::SecurityGroup,
            FileKind::Cidrs => Kind::CidrList,
        };
        (read_text(Path::new(path), kind)?, path.to_string())
    };
    let mut layer = match kind {
        FileKind::Iptables => iptables::read(text, &file, ipsets),
        FileKind::Nft => nft::parse(&text, &file),
        FileKind::Firewalld => firewalld::parse_zone_file(&text, &file, ipsets),
        FileKind::EcsSg => ecs_sg::parse(&text, &file),
        FileKind::Cidrs => cidrs::parse(&text, &file),
    }?;
    layer.name = name;
    Ok(layer)
}

/// The first error met reading the layers' chains on demand (by layer, then line).
pub fn read_error(layers: &[Layer]) -> Option<InputError> {
    layers.iter().find_map(Layer::read_error)
}

/// Reads a text file of `kind`, bounded; binary content is an input error, not a panic.
pub fn read_text(path: &Path, kind: Kind) -> Result<String, InputError> {
    hostfs::utf8(hostfs::read_file(path, kind)?, path, kind)
}

/// Several security-group layers (files, or pages of one group) are one layer: the union of their
/// permissions by priority ([`ecs_sg::merge`]). It takes the place of the first of them; other layers
/// keep their order.
pub fn merge_security_groups(layers: Vec<Layer>) -> Vec<Layer> {
    let mut groups = Vec::new();
    let mut out = Vec::new();
    let mut at = None;
    for layer in layers {
        match layer.kind {
            LayerKind::EcsSg(group) => {
                at.get_or_insert(out.len());
                groups.push(*group);
            }
            _ => out.push(layer),
        }
    }
    if let (Some(at), Some(merged)) = (at, ecs_sg::merge(groups)) {
        out.insert(at, merged);
    }
    out
}

/// When both an nft dump and an iptables dump of the nf_tables backend are loaded, the tables
/// iptables-nft manages appear in both (in nft only as opaque `xt` expressions). They are judged
/// once, from the iptables dump; the nft layer drops them and says so.
pub fn drop_double_counted(layers: &mut [Layer]) {
    let mut owned: Vec<(Family, String)> = Vec::new();
    for l in layers.iter() {
        if let LayerKind::Iptables(info) = &l.kind
            && info.backend != iptables::Backend::Legacy
        {
            owned.extend(info.tables.iter().map(|t| (info.family, t.clone())));
        }
    }
    if owned.is_empty() {
        return;
    }
    for l in layers.iter_mut() {
        if let LayerKind::Nft(_) = &l.kind {
            nft::exclude_iptables_tables(l, &owned);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_lists_split_before_each_kind() {
        assert_eq!(Spec::split_list("iptables:a,b.txt,nft:c.json,live"), ["iptables:a,b.txt", "nft:c.json", "live"]);
        assert_eq!(Spec::split_list("cidrs:acl.txt"), ["cidrs:acl.txt"]);
    }
}
