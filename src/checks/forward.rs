//! Forwarding checks, run on the hybrid-cloud forwarder itself (`--forward A:HOST:PORT`): the four
//! kernel settings that must line up for a connection from the pool to port A to reach the API
//! server at HOST:PORT. The IPv4/IPv6 forwarding switches of the interfaces it crosses, the DNAT
//! that sends it on, the FORWARD filter, and the return path (SNAT/MASQUERADE or a route back
//! through this host, and no strict reverse-path filter against an asymmetric route). A Windows
//! port proxy (`--firewall netsh:FILE`) relays in user space and needs none of them.
//!
//! Each check passes, or warns about something that does not stop traffic, exactly when its part
//! of the connection works; the kernel facts behind them are in `reference/firewall/oracle-forward*`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::{Value, json};

use crate::check::{Category, CheckDef, Checked, Early, Env, FactKind, Outcome, Run, always};
use crate::checks::pool;
use crate::checks::words::{dedup, values};
use crate::context::{Context, FirewallFacts, Forwarded, Forwarding};
use crate::firewall::analysis::Deciding;
use crate::firewall::eval::Packet;
use crate::firewall::fix::Persistence;
use crate::firewall::model::NatAddr;
use crate::firewall::nat::{NatResult, judge_nat};
use crate::firewall::ranges::{Family, Spans};
use crate::firewall::{Layer, LayerKind, firewalld, iptables};
use crate::forward::ForwardSpec;
use crate::forward::host::{ForwardPath, HostState, IP_FORWARD, IPV6_FORWARDING, InboundFrom, conf};
use crate::forward::portproxy::PortProxy;
use crate::forward::sysctl::dotted;
use crate::i18n::{Sep, Text};
use crate::region::PoolEntry;
use crate::t;

fn forwarding(ctx: &Context) -> bool {
    ctx.forward.is_some()
}

/// The kernel's part of forwarding is needed unless a Windows port proxy relays in user space.
fn kernel_forwards(ctx: &Context) -> bool {
    ctx.forward.as_ref().is_some_and(|f| f.host.is_some())
}

pub const IP_FORWARD_CHECK: CheckDef = CheckDef {
    id: "forward.ip-forward",
    category: Category::Forward,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: kernel_forwards,
    applies: forwarding,
    run: Run::Sync(ip_forward),
};

pub const DNAT: CheckDef = CheckDef {
    id: "forward.dnat",
    category: Category::Forward,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::Firewall],
    required: always,
    applies: forwarding,
    run: Run::Sync(dnat),
};

pub const FILTER: CheckDef = CheckDef {
    id: "forward.filter",
    category: Category::Forward,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::Firewall],
    required: kernel_forwards,
    applies: forwarding,
    run: Run::Sync(filter),
};

pub const RETURN_PATH: CheckDef = CheckDef {
    id: "forward.return-path",
    category: Category::Forward,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::Firewall],
    required: kernel_forwards,
    applies: forwarding,
    run: Run::Sync(return_path),
};

/// Where the persistent sysctl fixes go.
const SYSCTL_FILE: &str = "/etc/sysctl.d/99-k8sjoin-forward.conf";

/// Where the forwarded connection goes, for the evidence.
fn path_evidence(f: &Forwarded) -> Value {
    json!({
        "forward": f.spec.to_string(),
        "inbound": f.path.inbound,
        "inbound_from": f.path.inbound_from,
        "inbound_note": inbound_note(&f.path).en(),
        "outbound": f.path.outbound,
        "outbound_gateway": f.path.outbound_gateway,
        "arrival": f.path.arrival,
        "routes_back": f.path.back,
    })
}

fn inbound_note(path: &ForwardPath) -> Text {
    match path.inbound_from {
        InboundFrom::Flag => Text::verbatim("--interface"),
        InboundFrom::RouteBack => t!("forward-inbound-route-back"),
        InboundFrom::Unknown => t!("forward-inbound-unknown"),
    }
}

/// The forwarder, or the outcome to report (a port proxy needs no kernel settings).
fn kernel(env: &Env) -> Result<(&Forwarding, &HostState, Forwarded), Early> {
    let ctx = &env.ctx;
    let Some(fwd) = ctx.forward.as_ref() else {
        return Err(Early::from(Outcome::skip(t!("forward-not-a-forwarder"))));
    };
    let (Some(host), Some(forwarded)) = (fwd.host.as_ref(), Forwarded::of(ctx)) else {
        let files: Vec<&str> = ctx.firewall.portproxies.iter().map(|(n, _)| n.as_str()).collect();
        return Err(Early::from(
            Outcome::skip(t!("forward-portproxy-needs-no-kernel", files = values(&files)))
                .evidence(json!({"portproxy": files})),
        ));
    };
    Ok((fwd, host, forwarded))
}

/// The pool entries of the target's family (the others cannot be forwarded there by the kernel).
fn pool_entries(ctx: &Context, family: Family) -> Result<Vec<PoolEntry>, Early> {
    let Some(region) = &ctx.region else {
        return Err(Early::from(Outcome::skip(t!("pool-no-region"))));
    };
    let entries: Vec<PoolEntry> =
        region.pool(ctx.pool).into_iter().filter(|e| Family::of_net(&e.entry) == family).collect();
    if entries.is_empty() {
        return Err(Early::from(Outcome::skip(t!(
            "forward-no-entry-of-family",
            region = &region.id,
            family = family.name()
        ))));
    }
    Ok(entries)
}

fn loaded_layers(env: &Env) -> Result<&FirewallFacts, Text> {
    match env.firewall() {
        None => Err(t!("forward-sources-skipped")),
        Some(f) if f.layers.is_empty() => Err(t!(
            "firewall-no-layer",
            why = f.none_because.clone().unwrap_or_else(|| t!("firewall-none-given-short"))
        )),
        Some(f) => Ok(f),
    }
}

/// `sysctl -w` now, and the line that keeps it after a reboot.
fn sysctl_fix(key: &str, value: i64) -> [String; 2] {
    let name = dotted(key);
    [
        format!("sysctl -w {name}={value}"),
        format!("echo '{name} = {value}' >> {SYSCTL_FILE}   # keeps it after a reboot"),
    ]
}

/// The same, as remediation steps (commands, never translated).
fn sysctl_steps(key: &str, value: i64) -> [Text; 2] {
    sysctl_fix(key, value).map(Text::verbatim)
}

/// `a and b and c`, in the language of the rendering.
fn and_list(items: Vec<Text>) -> Text {
    let mut items = items.into_iter();
    let first = items.next().unwrap_or_else(|| Text::verbatim(""));
    items.fold(first, |a, b| t!("forward-and", a = a, b = b))
}

// ---------------------------------------------------------------------------------------------
// forward.ip-forward

fn ip_forward(env: &Env) -> Checked {
    let (_, host, fwd) = kernel(env)?;
    let mut evidence = path_evidence(&fwd);
    evidence["sysctls"] = json!(host.sysctls);
    evidence["root"] = json!(host.root);
    if fwd.family() == Family::V6 {
        return Ok(match host.sysctl(IPV6_FORWARDING) {
            Some(1) => Outcome::pass(t!("forward-ipv6-on")).evidence(evidence),
            Some(v) => Outcome::fail(t!("forward-ipv6-off", value = v.to_string()))
                .evidence(evidence)
                .fixes(sysctl_steps(IPV6_FORWARDING, 1)),
            None => Outcome::skip(t!(
                "forward-ipv6-unknown",
                path = host.sysctl_path(IPV6_FORWARDING).display().to_string()
            ))
            .evidence(evidence),
        });
    }
    let spec = fwd.spec;
    let ip_fwd = host.sysctl(IP_FORWARD);
    let mut off = Vec::new();
    let mut unknown = Vec::new();
    let mut fixes = Vec::new();
    let mut no_route = None;
    let mut sides: Vec<(Text, String)> = Vec::new();
    let mut checked = Vec::new();
    match &fwd.path.inbound {
        Some(i) => sides.push((t!("forward-side-inbound"), i.clone())),
        None => {
            // Traffic arrives on one of the interfaces the pool is routed by: when all of them
            // forward, whichever it is does.
            let mut candidates: Vec<&str> = fwd.path.back.iter().filter_map(|b| b.iface.as_deref()).collect();
            candidates.sort_unstable();
            candidates.dedup();
            let all_on = !candidates.is_empty()
                && candidates.iter().all(|i| host.sysctl(&conf(i, "forwarding")).is_some_and(|v| v != 0));
            if all_on {
                checked.push(t!("forward-every-routed-interface", interfaces = values(&candidates)));
            } else {
                unknown.push(t!("forward-unknown-inbound", note = inbound_note(&fwd.path)));
            }
        }
    }
    match (&fwd.path.outbound, fwd.path.routes_known) {
        (Some(o), _) if fwd.path.inbound.as_ref() == Some(o) => sides[0].0 = t!("forward-side-both"),
        (Some(o), _) => sides.push((t!("forward-side-outbound"), o.clone())),
        (None, true) => no_route = Some(spec.target),
        (None, false) => {
            unknown.push(t!("forward-unknown-outbound", root = host.root.display().to_string()));
        }
    }
    for (side, iface) in &sides {
        let key = conf(iface, "forwarding");
        match host.sysctl(&key) {
            Some(0) => {
                off.push(t!("forward-interface-off", iface = iface, side = side));
                if ip_fwd != Some(0) {
                    fixes.extend(sysctl_steps(&key, 1));
                }
            }
            Some(_) => checked.push(t!("forward-interface-side", iface = iface, side = side)),
            None if host.interfaces.as_ref().is_some_and(|l| !l.contains(iface)) => off.push(t!(
                "forward-no-such-interface",
                iface = iface,
                side = side,
                interfaces = values(host.interfaces.as_deref().unwrap_or_default())
            )),
            None => unknown.push(t!(
                "forward-interface-unknown",
                iface = iface,
                side = side,
                path = host.sysctl_path(&key).display().to_string()
            )),
        }
    }
    if ip_fwd == Some(0) && !off.is_empty() {
        fixes.splice(0..0, sysctl_steps(IP_FORWARD, 1));
    }
    let mut problems = off;
    if let Some(target) = no_route {
        problems.push(t!("forward-no-route-to-target", target = target.to_string()));
        fixes.push(t!("forward-fix-route-to-target", command = format!("ip route add {target} via GATEWAY dev IF")));
    }
    if !problems.is_empty() {
        if let Some(v) = ip_fwd {
            problems.insert(0, Text::verbatim(format!("net.ipv4.ip_forward = {v}")));
        }
        return Ok(Outcome::fail(Text::join(problems, Sep::Semicolon)).evidence(evidence).fixes(fixes));
    }
    if !unknown.is_empty() {
        let fix = if fwd.path.inbound.is_none() { vec![t!("forward-fix-interface")] } else { vec![] };
        return Ok(Outcome::warn(t!("forward-cannot-tell", what = Text::join(unknown, Sep::Semicolon)))
            .evidence(evidence)
            .fixes(fix));
    }
    match ip_fwd {
        Some(0) => Ok(Outcome::warn(t!("forward-ip-forward-off-but-on", interfaces = and_list(checked)))
            .evidence(evidence)
            .fixes(sysctl_steps(IP_FORWARD, 1))),
        None => Ok(Outcome::warn(t!(
            "forward-ip-forward-missing",
            interfaces = and_list(checked),
            path = host.sysctl_path(IP_FORWARD).display().to_string()
        ))
        .evidence(evidence)),
        Some(_) => Ok(Outcome::pass(t!("forward-ip-forward-on", interfaces = and_list(checked))).evidence(evidence)),
    }
}
// ---------------------------------------------------------------------------------------------
// forward.dnat

fn dnat(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let Some(fwd) = ctx.forward.as_ref() else {
        return Ok(Outcome::skip(t!("forward-not-a-forwarder")));
    };
    if !ctx.firewall.portproxies.is_empty() {
        return Ok(portproxy(&fwd.spec, &ctx.firewall.portproxies));
    }
    let (_, _, forwarded) = kernel(env)?;
    let spec = forwarded.spec;
    let entries = pool_entries(ctx, forwarded.family())?;
    let facts = match loaded_layers(env) {
        Ok(f) => f,
        Err(why) => {
            return Ok(Outcome::skip(t!("forward-dnat-unseen", why = why))
                .needing(t!("forward-input-rules"))
                .fixes(dnat_fixes(&[], &forwarded)));
        }
    };
    let layers = &facts.layers;
    let family = forwarded.family();
    let pool = pool_spans(&entries);
    let candidates: Vec<Option<IpAddr>> = if forwarded.path.arrival.is_empty() {
        vec![None]
    } else {
        forwarded.path.arrival.iter().map(|a| Some(*a)).collect()
    };
    let judged: Vec<(Option<IpAddr>, Pieces)> = candidates
        .iter()
        .map(|a| {
            let packet = Packet::arriving(family, spec.listen_port, *a, forwarded.path.inbound.as_deref());
            (*a, judge_nat(layers, &pool, &packet))
        })
        .collect();
    let right = |r: &NatResult| match r {
        NatResult::Translated { to, .. } => to.single(spec.listen_port) == Some((spec.target, spec.target_port)),
        _ => false,
    };
    // The pool connects to one of this host's addresses: the one whose connections are all sent
    // to the API server is the one to give the security center.
    let chosen = judged.iter().find(|(_, pieces)| pieces.iter().all(|(_, r)| right(r))).unwrap_or(&judged[0]);
    let (arrival, pieces) = chosen;
    let at = arrival.map_or_else(
        || t!("forward-at-port", port = spec.listen_port.to_string()),
        |a| Text::verbatim(sock(&a, spec.listen_port)),
    );
    let mut evidence = path_evidence(&forwarded);
    evidence["layers"] = json!(layers.iter().map(|l| &l.name).collect::<Vec<_>>());
    evidence["arrival_address"] = json!(arrival);
    evidence["translations"] = json!(
        pieces
            .iter()
            .map(|(s, r)| {
                let mut v = json!(r);
                v["addresses"] = json!(s.cidrs(family));
                v
            })
            .collect::<Vec<_>>()
    );
    if let [(other, _), ..] = judged.iter().filter(|(a, _)| a != arrival).collect::<Vec<_>>().as_slice() {
        evidence["other_addresses"] = json!(other);
    }
    let target = sock(&spec.target, spec.target_port);
    let mut wrong = Vec::new();
    let mut missing = Vec::new();
    let mut unknown = Vec::new();
    let mut fixes = Vec::new();
    for (s, r) in pieces {
        let cidrs: Vec<String> = s.cidrs(family).iter().map(ToString::to_string).collect();
        let who = values(&cidrs);
        match r {
            _ if right(r) => {}
            NatResult::Translated { to, rule } => {
                let where_to = match &to.addr {
                    NatAddr::Local => {
                        t!("forward-this-host-port", port = to.ports.map_or(spec.listen_port, |p| p.0).to_string())
                    }
                    _ => Text::verbatim(to.to_string()),
                };
                wrong.push(t!(
                    "forward-dnat-elsewhere",
                    who = &who,
                    rule = rule_name(rule),
                    to = where_to,
                    target = &target
                ));
                fixes.extend(replace_nat(layers, rule, &forwarded, Nat::Dnat));
            }
            NatResult::Untranslated { .. } => missing.extend(cidrs),
            NatResult::Denied { rule } => wrong.push(t!("forward-dnat-dropped", who = &who, rule = rule_name(rule))),
            NatResult::Unknown { rule } => {
                unknown.push(t!("forward-dnat-unknown", who = &who, why = undecidable(rule)));
            }
        }
    }
    if !wrong.is_empty() || !missing.is_empty() {
        let mut parts = wrong;
        if !missing.is_empty() {
            parts.push(t!("forward-dnat-missing", port = spec.listen_port.to_string(), ranges = values(&missing)));
            fixes.extend(dnat_fixes(layers, &forwarded));
        }
        return Ok(Outcome::fail(t!(
            "forward-dnat-not-forwarded",
            at = at,
            target = &target,
            problems = Text::join(parts, Sep::Semicolon)
        ))
        .evidence(evidence)
        .fixes(dedup(fixes)));
    }
    if !unknown.is_empty() {
        return Ok(Outcome::warn(t!(
            "forward-dnat-cannot-tell",
            at = at,
            target = &target,
            what = Text::join(unknown, Sep::Semicolon)
        ))
        .evidence(evidence)
        .fixes(if forwarded.path.inbound.is_none() { vec![t!("forward-fix-interface")] } else { vec![] }));
    }
    // Each translating rule once, in the order of its English text.
    let rules: BTreeMap<String, Text> = pieces
        .iter()
        .filter_map(|(_, r)| match r {
            NatResult::Translated { rule, .. } => Some(rule_name(rule)),
            _ => None,
        })
        .map(|t| (t.en(), t))
        .collect();
    Ok(Outcome::pass(t!(
        "forward-dnat-translated",
        at = at,
        target = &target,
        n = entries.len(),
        rules = Text::join(rules.into_values(), Sep::Comma)
    ))
    .evidence(evidence))
}

/// Why a nat rule leaves the pool's fate open, in words.
fn undecidable(rule: &Deciding) -> Text {
    rule.reason.as_ref().map_or_else(|| t!("forward-undecidable-rule"), pool::undecidable_text)
}

/// What the nat chains do with the pool, piece by piece.
type Pieces = Vec<(Spans, NatResult)>;

fn sock(ip: &IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
        v4 => format!("{v4}:{port}"),
    }
}

fn pool_spans(entries: &[PoolEntry]) -> Spans {
    let mut v = Vec::new();
    for e in entries {
        v.extend_from_slice(Spans::net(&e.entry).intervals());
    }
    Spans::from_intervals(v)
}

/// `iptables:rules.txt nat PREROUTING rule 1 (-A PREROUTING … -j DNAT …)`
fn rule_name(d: &Deciding) -> Text {
    let mut place = d.layer.clone();
    for part in [&d.table, &d.chain].into_iter().flatten() {
        place.push(' ');
        place.push_str(part);
    }
    let name = match (d.rule, d.line) {
        (Some(n), _) => t!("forward-rule-numbered", place = place, rule = n.to_string()),
        (None, Some(l)) => t!("forward-rule-at-line", place = place, line = l.to_string()),
        _ => Text::verbatim(place),
    };
    match &d.text {
        Some(text) => t!("forward-rule-with-text", rule = name, text = text),
        None => name,
    }
}

/// The firewalld zone the pool's traffic lands in (by the inbound interface, else the default).
fn firewalld_zone(config: &firewalld::Config, iface: Option<&str>) -> String {
    iface
        .and_then(|i| config.zones.iter().find(|z| z.interfaces.iter().any(|x| x.value == i)))
        .map_or_else(|| config.default_zone.clone(), |z| z.name.clone())
}

/// The nat chain of an nft layer on `hook` where a rule can be added: (`ip nat`, `prerouting`).
fn nft_nat_chain(layer: &Layer, hook: crate::firewall::model::Hook) -> Option<(String, String)> {
    let b = layer.ruleset.bases.iter().find(|b| b.nat && b.hook == hook)?;
    let c = &layer.ruleset.chains[b.chain];
    Some((c.table.to_string(), c.name.clone()))
}

/// The commands that add the missing translation, in the syntax of each kind of layer loaded
/// (iptables and firewalld always, as the two ways the seed names).
fn dnat_fixes(layers: &[Layer], f: &Forwarded) -> Vec<Text> {
    let spec = f.spec;
    let to = sock(&spec.target, spec.target_port);
    let family = f.family();
    let iface = f.path.inbound.as_deref();
    let mut out = Vec::new();
    let backend = iptables_backend(layers, family);
    let command = backend.command(family);
    // Only an interface the user named: an assumed one may be wrong, and then the rule never matches.
    let in_match = match f.path.inbound_from {
        InboundFrom::Flag => iface.map(|i| format!(" -i {i}")).unwrap_or_default(),
        _ => String::new(),
    };
    out.push(t!("forward-fix-with-iptables"));
    out.push(Text::verbatim(format!(
        "{command} -t nat -I PREROUTING 1{in_match} -p tcp --dport {} -j DNAT --to-destination {to}",
        spec.listen_port
    )));
    out.extend(Persistence::iptables(backend, family).steps().into_iter().map(Text::verbatim));
    let zone = layers
        .iter()
        .find_map(|l| match &l.kind {
            LayerKind::Firewalld(c) => Some(firewalld_zone(c, iface)),
            _ => None,
        })
        .unwrap_or_else(|| "public".into());
    let fp = format!("port={}:proto=tcp:toport={}:toaddr={}", spec.listen_port, spec.target_port, spec.target);
    out.push(t!("forward-fix-or-firewalld-forward-port"));
    out.push(Text::verbatim(format!("firewall-cmd --zone={zone} --add-forward-port={fp}")));
    out.push(Text::verbatim(format!("firewall-cmd --permanent --zone={zone} --add-forward-port={fp}")));
    for l in layers.iter().filter(|l| matches!(l.kind, LayerKind::Nft(_))) {
        if let Some((table, chain)) = nft_nat_chain(l, crate::firewall::model::Hook::Prerouting) {
            let fam = if family == Family::V4 { "ip" } else { "ip6" };
            let dnat = if table.starts_with("inet ") { format!("dnat {fam} to {to}") } else { format!("dnat to {to}") };
            out.push(t!("forward-fix-or-nftables", layer = &l.name));
            out.push(Text::verbatim(format!(
                "nft 'insert rule {table} {chain} tcp dport {} {dnat}'",
                spec.listen_port
            )));
        }
    }
    out
}

/// The backend of the loaded iptables layer of `family` (its command and its save command), or
/// the plain `iptables` when none was loaded.
fn iptables_backend(layers: &[Layer], family: Family) -> iptables::Backend {
    layers
        .iter()
        .find_map(|l| match &l.kind {
            LayerKind::Iptables(info) if info.family == family => Some(info.backend),
            _ => None,
        })
        .unwrap_or(iptables::Backend::Unknown)
}

/// What a wrong translation should be instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nat {
    /// DNAT to the API server.
    Dnat,
    /// MASQUERADE (the source becomes this host's address towards the API server).
    Masquerade,
}

/// Commands that change a wrong translation rule in place: to DNAT to the API server, or to
/// MASQUERADE.
fn replace_nat(layers: &[Layer], rule: &Deciding, f: &Forwarded, nat: Nat) -> Vec<Text> {
    let spec = f.spec;
    let to = sock(&spec.target, spec.target_port);
    let family = f.family();
    let Some(layer) = layers.iter().find(|l| l.name == rule.layer) else { return vec![] };
    match &layer.kind {
        LayerKind::Iptables(info) => {
            let (Some(text), Some(chain), Some(n)) = (&rule.text, &rule.chain, rule.rule) else { return vec![] };
            let words: Vec<&str> = text.split_whitespace().collect();
            let Some(j) = words.iter().position(|w| *w == "-j") else { return vec![] };
            let matches = words.get(2..j).unwrap_or_default().join(" ");
            let command = info.backend.command(info.family);
            let target = match nat {
                Nat::Dnat => format!("DNAT --to-destination {to}"),
                Nat::Masquerade => "MASQUERADE".into(),
            };
            let mut out = vec![Text::verbatim(format!("{command} -t nat -R {chain} {n} {matches} -j {target}"))];
            out.extend(Persistence::iptables(info.backend, info.family).steps().into_iter().map(Text::verbatim));
            out
        }
        LayerKind::Firewalld(config) if nat == Nat::Dnat => {
            let zone = rule
                .chain
                .as_deref()
                .and_then(|c| c.strip_prefix("nat_PRE_"))
                .map_or_else(|| firewalld_zone(config, f.path.inbound.as_deref()), str::to_string);
            let span = |(a, b): (u16, u16)| if a == b { a.to_string() } else { format!("{a}-{b}") };
            let old = config
                .zones
                .iter()
                .flat_map(|z| &z.forward_ports)
                .find(|fp| fp.line.is_some() && fp.line == rule.line)
                .map(|fp| {
                    let v = &fp.value;
                    let mut s = format!("port={}:proto={}", span(v.port), v.protocol);
                    if let Some(p) = v.to_port {
                        s.push_str(&format!(":toport={}", span(p)));
                    }
                    if let Some(a) = v.to_addr {
                        s.push_str(&format!(":toaddr={a}"));
                    }
                    s
                });
            let new = format!("port={}:proto=tcp:toport={}:toaddr={}", spec.listen_port, spec.target_port, spec.target);
            let mut out = Vec::new();
            for perm in ["", "--permanent "] {
                if let Some(old) = &old {
                    out.push(Text::verbatim(format!("firewall-cmd {perm}--zone={zone} --remove-forward-port={old}")));
                }
                out.push(Text::verbatim(format!("firewall-cmd {perm}--zone={zone} --add-forward-port={new}")));
            }
            out
        }
        LayerKind::Nft(_) => {
            let (Some(table), Some(chain), Some(handle)) = (&rule.table, &rule.chain, rule.handle) else {
                return vec![];
            };
            let fam = if family == Family::V4 { "ip" } else { "ip6" };
            let statement = match nat {
                Nat::Dnat if table.starts_with("inet ") => format!("tcp dport {} dnat {fam} to {to}", spec.listen_port),
                Nat::Dnat => format!("tcp dport {} dnat to {to}", spec.listen_port),
                Nat::Masquerade => format!("{fam} daddr {} tcp dport {} masquerade", spec.target, spec.target_port),
            };
            vec![
                Text::verbatim(format!("nft delete rule {table} {chain} handle {handle}")),
                Text::verbatim(format!("nft 'insert rule {table} {chain} {statement}'")),
                t!("forward-fix-nftables-conf"),
            ]
        }
        _ => vec![],
    }
}

/// A Windows forwarder: a v4tov4 port proxy on port A connecting to HOST:PORT.
fn portproxy(spec: &ForwardSpec, files: &[(String, Vec<PortProxy>)]) -> Outcome {
    let target = sock(&spec.target, spec.target_port);
    let a = spec.listen_port;
    let on_port: Vec<(&str, &PortProxy)> = files
        .iter()
        .flat_map(|(n, rules)| rules.iter().map(move |r| (n.as_str(), r)))
        .filter(|(_, r)| r.listen_port == a)
        .collect();
    let evidence = json!({
        "forward": spec.to_string(),
        "portproxy": files.iter().map(|(n, rules)| json!({"file": n, "rules": rules})).collect::<Vec<_>>(),
    });
    let add = format!(
        "netsh interface portproxy add v4tov4 listenport={a} listenaddress=0.0.0.0 connectport={} connectaddress={}",
        spec.target_port, spec.target
    );
    let firewall = t!(
        "forward-fix-windows-firewall",
        command = format!(
            "netsh advfirewall firewall add rule name=\"k8sjoin-check {a}\" dir=in action=allow protocol=TCP localport={a}"
        )
    );
    let describe = |(file, r): &(&str, &PortProxy)| {
        t!(
            "forward-portproxy-rule",
            file = *file,
            line = r.line.to_string(),
            from = format!("{}:{}", r.listen_address, r.listen_port),
            to = format!("{}:{}", r.connect_address, r.connect_port)
        )
    };
    let a_port = a.to_string();
    if let Some(good) = on_port
        .iter()
        .find(|(_, r)| r.connect_port == spec.target_port && r.connect_address.parse::<IpAddr>() == Ok(spec.target))
    {
        return Outcome::pass(t!("forward-portproxy-relays", port = &a_port, target = &target, rule = describe(good)))
            .evidence(evidence);
    }
    if let Some(named) =
        on_port.iter().find(|(_, r)| r.connect_port == spec.target_port && r.connect_address.parse::<IpAddr>().is_err())
    {
        return Outcome::warn(t!(
            "forward-portproxy-relays-to-name",
            port = &a_port,
            name = &named.1.connect_address,
            rule = describe(named),
            target = spec.target.to_string()
        ))
        .evidence(evidence);
    }
    if !on_port.is_empty() {
        let list: Vec<Text> = on_port.iter().map(describe).collect();
        let fixes: Vec<Text> = on_port
            .iter()
            .map(|(_, r)| {
                Text::verbatim(format!(
                    "netsh interface portproxy set v4tov4 listenport={a} listenaddress={} connectport={} connectaddress={}",
                    if r.listen_address == "*" { "0.0.0.0" } else { r.listen_address.as_str() },
                    spec.target_port,
                    spec.target
                ))
            })
            .collect();
        return Outcome::fail(t!(
            "forward-portproxy-elsewhere",
            port = &a_port,
            target = &target,
            rules = Text::join(list, Sep::Semicolon)
        ))
        .evidence(evidence)
        .fixes(fixes);
    }
    let count: usize = files.iter().map(|(_, r)| r.len()).sum();
    Outcome::fail(t!("forward-portproxy-none", port = &a_port, n_rules = count))
        .evidence(evidence)
        .fixes([Text::verbatim(add), firewall])
}

// ---------------------------------------------------------------------------------------------
// forward.filter

fn filter(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let (_, _, forwarded) = kernel(env)?;
    let entries = pool_entries(ctx, forwarded.family())?;
    let facts = match loaded_layers(env) {
        Ok(f) => f,
        Err(why) => {
            return Ok(Outcome::skip(t!("forward-filter-unjudged", why = why))
                .needing(t!("forward-input-rules"))
                .fix(t!("forward-fix-rules")));
        }
    };
    let req = forwarded.request();
    let judged = pool::judge(ctx, &facts.layers, &entries, &req)?;
    let mut o = judged.outcome();
    if let Value::Object(map) = &mut o.evidence {
        map.insert("path".into(), path_evidence(&forwarded));
    }
    // The commands change the running rules; say how each fixed layer keeps them.
    let fixed: Vec<&str> = judged.fixed_layers().collect();
    for layer in facts.layers.iter().filter(|l| fixed.contains(&l.name.as_str())) {
        match &layer.kind {
            LayerKind::Iptables(info) => {
                o.remediation
                    .extend(Persistence::iptables(info.backend, info.family).steps().into_iter().map(Text::verbatim));
            }
            LayerKind::Nft(_) => o.remediation.extend(Persistence::Nft.steps().into_iter().map(Text::verbatim)),
            _ => {}
        }
    }
    Ok(o)
}

// ---------------------------------------------------------------------------------------------
// forward.return-path

fn return_path(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let (fwd, host, forwarded) = kernel(env)?;
    let entries = pool_entries(ctx, forwarded.family())?;
    let family = forwarded.family();
    let spec = forwarded.spec;
    let path = &forwarded.path;
    let mut evidence = path_evidence(&forwarded);
    let mut problems: Vec<Text> = Vec::new();
    let mut unknown: Vec<Text> = Vec::new();
    let mut fixes: Vec<Text> = Vec::new();
    // For the evidence only (data, in English).
    let mut notes: Vec<String> = Vec::new();

    // 1. A route back to every pool address.
    if path.routes_known {
        let unrouted: Vec<String> = path
            .back
            .iter()
            .filter(|b| b.iface.is_none())
            .flat_map(|b| b.addresses.iter().map(ToString::to_string))
            .collect();
        if !unrouted.is_empty() {
            problems.push(t!("forward-no-route-back", addresses = values(&unrouted)));
            for a in &unrouted {
                fixes.push(t!(
                    "forward-fix-route-back",
                    command = format!("ip route add {a} via GATEWAY dev {}", path.inbound.as_deref().unwrap_or("IF"))
                ));
            }
        }
    } else {
        unknown.push(t!("forward-unknown-routes-back", root = host.root.display().to_string()));
    }

    // 2. Reverse-path filtering on the inbound interface.
    let mut rp = json!(null);
    if family == Family::V4 {
        match (&path.inbound, path.inbound_from) {
            (Some(inb), InboundFrom::Flag) => {
                let value = host.rp_filter(inb);
                rp = json!({"interface": inb, "effective": value});
                let asymmetric: Vec<Text> = path
                    .back
                    .iter()
                    .filter(|b| b.iface.as_ref().is_some_and(|i| i != inb))
                    .map(|b| {
                        t!(
                            "forward-routed-by",
                            addresses = values(&b.addresses),
                            iface = b.iface.as_deref().unwrap_or_default()
                        )
                    })
                    .collect();
                let asymmetric = Text::join(asymmetric, Sep::Comma);
                match value {
                    _ if asymmetric.is_empty() => {}
                    Some(1) => {
                        problems.push(t!("forward-strict-rp-filter", iface = inb, routes = asymmetric));
                        fixes.extend(sysctl_steps(&conf(inb, "rp_filter"), 2));
                        fixes.push(t!(
                            "forward-fix-symmetric",
                            iface = inb,
                            command = format!("ip route add POOL via GATEWAY dev {inb}")
                        ));
                    }
                    Some(_) => notes.push(format!(
                        "the route back to {} leaves by another interface than {inb}; rp_filter on {inb} is not strict, so that is fine",
                        asymmetric.en()
                    )),
                    None => unknown.push(t!(
                        "forward-rp-filter-unknown",
                        iface = inb,
                        all = host.sysctl_path(&conf("all", "rp_filter")).display().to_string(),
                        path = host.sysctl_path(&conf(inb, "rp_filter")).display().to_string()
                    )),
                }
            }
            (Some(inb), _) => {
                rp = json!({"interface": inb, "effective": host.rp_filter(inb)});
                notes.push(format!("rp_filter: the pool's traffic is assumed to arrive on {inb}, where the answers leave (pass --interface to check an asymmetric path)"));
            }
            (None, _) => {
                let strict: Vec<&str> = path
                    .back
                    .iter()
                    .filter_map(|b| b.iface.as_deref())
                    .filter(|i| host.rp_filter(i) != Some(0) && host.rp_filter(i) != Some(2))
                    .collect();
                if !strict.is_empty() {
                    unknown.push(t!("forward-rp-filter-inbound-unknown", note = inbound_note(path)));
                }
            }
        }
    }
    evidence["rp_filter"] = rp;

    // 3. Source translation on the way to HOST, or the IDC's route back.
    let layers = loaded_layers(env);
    let mut snat = Vec::new();
    // Whether some source translation makes this host the answers' destination.
    let mut translated = false;
    match &layers {
        Ok(facts) => {
            let flow = forwarded.flow();
            let packet = Packet::leaving(&flow, family, Some(spec.target));
            let local: Option<Vec<IpAddr>> = host.local.clone();
            let mut untranslated = Vec::new();
            for (s, r) in judge_nat(&facts.layers, &pool_spans(&entries), &packet) {
                let cidrs: Vec<String> = s.cidrs(family).iter().map(ToString::to_string).collect();
                let who = values(&cidrs);
                let mut v = json!(r);
                v["addresses"] = json!(s.cidrs(family));
                snat.push(v);
                translated |= matches!(r, NatResult::Translated { .. });
                match &r {
                    NatResult::Translated { to, rule } => match (&to.addr, &local) {
                        (NatAddr::Local, _) => {}
                        (NatAddr::Range(a, b), Some(local)) if a == b && local.contains(a) => {}
                        (NatAddr::Range(a, b), Some(_)) if a == b => {
                            problems.push(t!(
                                "forward-snat-elsewhere",
                                who = &who,
                                rule = rule_name(rule),
                                address = a.to_string()
                            ));
                            fixes.extend(replace_nat(&facts.layers, rule, &forwarded, Nat::Masquerade));
                        }
                        (NatAddr::Keep, _) => untranslated.extend(cidrs.clone()),
                        (_, _) => unknown.push(t!(
                            "forward-snat-unknown-return",
                            who = &who,
                            rule = rule_name(rule),
                            to = to.to_string()
                        )),
                    },
                    NatResult::Untranslated { .. } => untranslated.extend(cidrs.clone()),
                    NatResult::Denied { rule } => {
                        problems.push(t!("forward-snat-dropped", who = &who, rule = rule_name(rule)));
                    }
                    NatResult::Unknown { rule } => {
                        unknown.push(t!("forward-snat-unknown", who = &who, why = undecidable(rule)));
                    }
                }
            }
            if !untranslated.is_empty() {
                if fwd.assume_return_route {
                    notes.push(format!(
                        "no SNAT/MASQUERADE for {}: the IDC must route the answers back through this host, as --assume-return-route says (not visible from here)",
                        untranslated.join(", ")
                    ));
                } else {
                    problems.push(t!(
                        "forward-no-snat",
                        ranges = values(&untranslated),
                        to = sock(&spec.target, spec.target_port),
                        target = spec.target.to_string()
                    ));
                    fixes.extend(masquerade_fixes(&facts.layers, &forwarded));
                }
            }
        }
        Err(why) if fwd.assume_return_route => {
            notes.push(format!("{}; no SNAT is needed with --assume-return-route", why.en()));
        }
        Err(why) => unknown.push(t!("forward-snat-unseen", why = why)),
    }
    evidence["snat"] = json!(snat);
    evidence["assume_return_route"] = json!(fwd.assume_return_route);
    evidence["notes"] = json!(notes);
    if !problems.is_empty() {
        return Ok(Outcome::fail(Text::join(problems, Sep::Semicolon)).evidence(evidence).fixes(dedup(fixes)));
    }
    if !unknown.is_empty() {
        let mut o = Outcome::warn(t!("forward-return-cannot-tell", what = Text::join(unknown, Sep::Semicolon)))
            .evidence(evidence);
        if layers.is_err() {
            o = o.fix(t!("forward-fix-rules"));
        }
        if path.inbound.is_none() {
            o = o.fix(t!("forward-fix-interface"));
        }
        return Ok(o);
    }
    let how = if fwd.assume_return_route && !translated {
        t!("forward-return-routed-by-idc")
    } else {
        t!("forward-return-translated", target = spec.target.to_string())
    };
    Ok(Outcome::pass(t!("forward-answers-come-back", how = how)).evidence(evidence))
}

/// MASQUERADE on the way to the API server, in each syntax.
fn masquerade_fixes(layers: &[Layer], f: &Forwarded) -> Vec<Text> {
    let spec = f.spec;
    let family = f.family();
    let out_match = f.path.outbound.as_deref().map(|o| format!(" -o {o}")).unwrap_or_default();
    let backend = iptables_backend(layers, family);
    let command = backend.command(family);
    let rule = format!(
        "{command} -t nat -A POSTROUTING{out_match} -d {} -p tcp --dport {} -j MASQUERADE",
        IpNet::from(spec.target),
        spec.target_port
    );
    let mut out = vec![t!("forward-fix-with-iptables"), Text::verbatim(rule)];
    out.extend(Persistence::iptables(backend, family).steps().into_iter().map(Text::verbatim));
    // firewalld masquerades what leaves through a zone: the zone of the outbound interface.
    let zone = layers
        .iter()
        .find_map(|l| match &l.kind {
            LayerKind::Firewalld(c) => Some(firewalld_zone(c, f.path.outbound.as_deref())),
            _ => None,
        })
        .unwrap_or_else(|| "public".into());
    out.push(t!("forward-fix-or-firewalld-masquerade", target = spec.target.to_string()));
    out.push(Text::verbatim(format!("firewall-cmd --zone={zone} --add-masquerade")));
    out.push(Text::verbatim(format!("firewall-cmd --permanent --zone={zone} --add-masquerade")));
    for l in layers.iter().filter(|l| matches!(l.kind, LayerKind::Nft(_))) {
        if let Some((table, chain)) = nft_nat_chain(l, crate::firewall::model::Hook::Postrouting) {
            let fam = if family == Family::V4 { "ip" } else { "ip6" };
            out.push(t!("forward-fix-or-nftables", layer = &l.name));
            out.push(Text::verbatim(format!(
                "nft 'add rule {table} {chain} {fam} daddr {} tcp dport {} masquerade'",
                spec.target, spec.target_port
            )));
        }
    }
    out.push(t!("forward-fix-or-assume-return-route"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::iptables;

    #[test]
    fn sysctl_fixes_are_immediate_and_persistent() {
        assert_eq!(
            sysctl_fix("net/ipv4/conf/eth0.100/rp_filter", 2),
            [
                "sysctl -w net.ipv4.conf.eth0/100.rp_filter=2".to_string(),
                format!("echo 'net.ipv4.conf.eth0/100.rp_filter = 2' >> {SYSCTL_FILE}   # keeps it after a reboot"),
            ]
        );
    }

    #[test]
    fn iptables_dnat_is_replaced_in_place() {
        let text = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 203.0.113.1/32 -p tcp -m tcp --dport 16443 -j DNAT --to-destination 192.0.2.50:8443\nCOMMIT\n";
        let layer = iptables::parse(text, "iptables:r", &crate::firewall::ipset::IpsetDb::default()).expect("parses");
        let rule = Deciding {
            layer: "iptables:r".into(),
            table: Some("nat".into()),
            chain: Some("PREROUTING".into()),
            rule: Some(1),
            handle: None,
            line: Some(3),
            text: Some(
                "-A PREROUTING -d 203.0.113.1/32 -p tcp -m tcp --dport 16443 -j DNAT --to-destination 192.0.2.50:8443"
                    .into(),
            ),
            action: crate::firewall::analysis::DecidingAction::Dnat,
            range: "203.0.113.30/32".into(),
            packet: "new",
            reason: None,
        };
        let spec = ForwardSpec::parse("16443:192.0.2.50:6443").expect("spec");
        let f = Forwarded::new(
            spec,
            ForwardPath {
                inbound: None,
                inbound_from: InboundFrom::Unknown,
                outbound: None,
                outbound_gateway: None,
                back: vec![],
                arrival: vec![],
                routes_known: false,
            },
        );
        let fix = replace_nat(&[layer], &rule, &f, Nat::Dnat);
        assert_eq!(
            fix[0].en(),
            "iptables -t nat -R PREROUTING 1 -d 203.0.113.1/32 -p tcp -m tcp --dport 16443 -j DNAT --to-destination 192.0.2.50:6443"
        );
    }
}
