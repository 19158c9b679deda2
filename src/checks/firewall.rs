//! Firewall checks: which access-control layers stand in front of the API server, whether every
//! address of the region's pool gets through all of them on the API server port, which allow
//! rules for the pool are dead, and whether the port is open to the whole Internet.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde_json::{Value, json};

use crate::check::{Category, CheckDef, Env, Outcome, Run, always};
use crate::checks::forward::Forwarded;
use crate::context::{FirewallFacts, LiveMode};
use crate::firewall::analysis::{self, DecidingAction, EntryVerdict, Request};
use crate::firewall::fix::fix_layer;
use crate::firewall::model::Undecidable;
use crate::firewall::ranges::{AddrSet, Family};
use crate::firewall::{Layer, drop_double_counted, live};
use crate::region::PoolEntry;

pub const SOURCES: CheckDef = CheckDef {
    id: "firewall.sources",
    category: Category::Firewall,
    title: "Firewall layers loaded",
    explain: "Lists the access-control layers the firewall checks judge: every --firewall (iptables-save, nft -j \
list ruleset, firewalld zones, an ECS security group, a CIDR list) and, with --firewall live (the default when \
running as root without --firewall), this host's iptables-legacy, iptables-nft and nftables rules and ipsets. \
Layers are in series: the pool must get through each of them. Skipped when no layer could be loaded, saying why \
(reading the live firewall needs CAP_NET_ADMIN). Fix: run as root on the API server host, or pass the dumps with \
--firewall KIND:FILE; add the security group and load balancer ACL as layers too. When the live rules are \
read but the API server's address is not one of this host's, it warns: those rules stand in front of the API \
server only when this host is the API server behind NAT (an EIP).",
    needs: &[],
    after: &["apiserver.dns"],
    applies: always,
    run: Run::Sync(sources),
};

pub const ALLOWLIST: CheckDef = CheckDef {
    id: "firewall.allowlist",
    category: Category::Firewall,
    title: "Pool admitted on the API server port",
    explain: "Judges a new TCP connection from every address of the region's pool (public IPs and private CIDR) to \
the API server port, exactly over address ranges: the SYN (conntrack NEW), the client's later packets \
(ESTABLISHED) and the server's answers must all pass every layer. For each pool entry it reports admitted, \
partial (which sub-ranges are denied), denied or unknown, with the deciding rule (layer, chain, rule number, \
line, text). A rule the evaluator cannot decide (an unknown interface without --interface, a -d rule without \
the API server's address, a rate limit, an ipset without --ipset) makes the affected ranges unknown: warn, never \
pass. Fix: the printed commands insert an ACCEPT before the first rule that denies, in the layer's own syntax \
(iptables -I, nft insert rule, firewall-cmd --add-rich-rule, aliyun ecs AuthorizeSecurityGroup, CIDR lines); \
each was checked by judging the fixed rules again.",
    needs: &[],
    after: &["firewall.sources", "apiserver.dns"],
    applies: always,
    run: Run::Sync(allowlist),
};

pub const SHADOWED: CheckDef = CheckDef {
    id: "firewall.shadowed",
    category: Category::Firewall,
    title: "No shadowed allow rules for the pool",
    explain: "Finds ACCEPT rules written for (part of) the pool that never see those addresses because an earlier \
rule denies them first, e.g. an ACCEPT for 198.51.100.70 below a DROP for 198.51.100.64/26. Such a rule looks \
like it admits the pool but does nothing. Warn only: firewall.allowlist reports the denial itself. Fix: move \
the ACCEPT above the rule that shadows it, or narrow that rule.",
    needs: &[],
    after: &["firewall.sources", "apiserver.dns"],
    applies: always,
    run: Run::Sync(shadowed),
};

pub const EXPOSURE: CheckDef = CheckDef {
    id: "firewall.exposure",
    category: Category::Firewall,
    title: "API server port not open to the Internet",
    explain: "Judges the whole IPv4 (and IPv6) address space against the layers: when at least half of it can open \
a connection to the API server port (0.0.0.0/0 or ::/0 admitted, perhaps minus a few blocks), the whole \
Internet can reach the API server, and only its authentication protects it. Warn. Fix: admit only the pool and \
your own networks (`k8sjoin-check allowlist --region R --format iptables|nft|firewalld|ecs-sg`), then drop \
the rest.",
    needs: &[],
    after: &["firewall.sources", "apiserver.dns"],
    applies: always,
    run: Run::Sync(exposure),
};

fn sources(env: &Env) -> Outcome {
    let ctx = &env.ctx;
    let mut layers: Vec<Layer> = ctx.firewall.layers.clone();
    let mut live_sources = Vec::new();
    let mut blocked = None;
    if ctx.firewall.live != LiveMode::Off {
        match live::privilege_problem() {
            Some(why) => blocked = Some(why),
            None => {
                let reading = live::read(ctx.timeout);
                layers.extend(reading.layers);
                live_sources = reading.sources;
            }
        }
    }
    drop_double_counted(&mut layers);
    let none_because = if !layers.is_empty() {
        None
    } else if let Some(why) = &blocked {
        Some(why.clone())
    } else if ctx.firewall.live != LiveMode::Off {
        Some("the live reading found no iptables, nftables or ipset rules on this host".to_string())
    } else {
        Some(if ctx.root.is_live() {
            "no --firewall given, and the live firewall is read only as root (or with --firewall live)".to_string()
        } else {
            format!(
                "no --firewall given; with --root {} the node is a copy, so this host's live rules are not read (pass the node's dumps with --firewall)",
                ctx.root.display()
            )
        })
    };
    let evidence = json!({
        "layers": layers.iter().map(layer_json).collect::<Vec<_>>(),
        "live": match ctx.firewall.live {
            LiveMode::Off => Value::Null,
            LiveMode::Requested => json!({"mode": "requested", "sources": live_sources, "blocked": blocked}),
            LiveMode::Default => json!({"mode": "default (root, no --firewall)", "sources": live_sources, "blocked": blocked}),
        },
        "ipsets": ctx.firewall.ipsets.origins,
    });
    let summary: Vec<String> = layers.iter().map(|l| format!("{} ({} rules)", l.name, l.rules())).collect();
    let failed: Vec<String> =
        live_sources.iter().filter(|s| s.outcome == "failed").map(|s| format!("{}: {}", s.command, s.detail)).collect();
    let elsewhere = live_rules_of_another_host(env, &live_sources);
    let facts = FirewallFacts { layers, live: live_sources, none_because: none_because.clone() };
    let _ = ctx.facts.firewall.set(facts);
    if let Some(why) = none_because {
        let mut o = Outcome::skip(format!("no firewall layer loaded: {why}")).evidence(evidence);
        if blocked.is_some() {
            o = o.fix("run as root (sudo) on the API server host, so that the live rules can be read");
        }
        return o.fix(
            "or pass each layer: --firewall iptables:FILE (iptables-save), nft:FILE (nft -j list ruleset), firewalld:/etc/firewalld, ecs-sg:FILE (DescribeSecurityGroupAttribute), cidrs:FILE",
        );
    }
    let mut message = format!("{} layer{} in series: {}", summary.len(), plural(summary.len()), summary.join(", "));
    if let Some(why) = blocked {
        message.push_str(&format!("; the live firewall was not read: {why}"));
        return Outcome::warn(message).evidence(evidence).fix("run as root to include this host's live rules");
    }
    if !failed.is_empty() {
        message.push_str(&format!("; could not read {}", failed.join("; ")));
        return Outcome::warn(message).evidence(evidence);
    }
    if let Some(elsewhere) = elsewhere {
        message.push_str(&format!(
            "; but the live rules are this host's, and the API server's address {elsewhere} is not an address of this host"
        ));
        return Outcome::warn(message)
            .evidence(evidence)
            .fix("run on the API server host, or pass its rules with --firewall KIND:FILE")
            .fix("if this host is the API server behind NAT (an EIP or SLB), the verdicts hold: pass --apiserver with the host's own address to silence this");
    }
    Outcome::pass(message).evidence(evidence)
}

/// The API server's addresses when the live rules were read and none of those addresses belongs to
/// this host: then the rules judged are not (or not obviously) the ones in front of the API server.
fn live_rules_of_another_host(env: &Env, live_sources: &[live::Source]) -> Option<String> {
    if live_sources.is_empty() {
        return None;
    }
    let api = env.ctx.facts.addresses.get()?;
    let local = crate::vantage::Vantage::of_this_host().addresses;
    let is_local = |ip: &IpAddr| ip.is_loopback() || local.contains(ip);
    if api.addresses.is_empty() || api.addresses.iter().any(is_local) {
        return None;
    }
    Some(api.addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
}

fn layer_json(l: &Layer) -> Value {
    json!({
        "name": l.name,
        "kind": l.kind_name(),
        "rules": l.rules(),
        "families": Family::BOTH.iter().filter(|f| l.families.has(**f)).map(|f| f.name()).collect::<Vec<_>>(),
        "notes": l.notes,
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The loaded layers, or the outcome to report when there are none.
fn loaded(env: &Env) -> Result<&FirewallFacts, Box<Outcome>> {
    match env.ctx.facts.firewall.get() {
        None => Err(Box::new(Outcome::skip("firewall.sources did not run, so no layer is loaded (it was skipped)"))),
        Some(f) if f.layers.is_empty() => Err(Box::new(
            Outcome::skip(format!("no firewall layer loaded: {}", f.none_because.as_deref().unwrap_or("none given")))
                .fix("pass --firewall KIND:FILE, or run as root for the live rules (see firewall.sources)"),
        )),
        Some(f) => Ok(f),
    }
}

fn destinations(env: &Env) -> Vec<IpAddr> {
    env.ctx.facts.addresses.get().map(|r| r.addresses.clone()).unwrap_or_default()
}

/// The connection the firewall checks judge: to the API server port on this host, or on a
/// forwarder (`--forward`) the connection it forwards.
fn request<'a>(env: &'a Env, destinations: &'a [IpAddr], forwarded: Option<&'a Forwarded>) -> Request<'a> {
    match forwarded {
        Some(f) => f.request(),
        None => Request {
            port: env.ctx.port,
            destinations,
            interface: env.ctx.interface.as_deref(),
            flow: None,
            routes: env.ctx.firewall.routes.as_ref().map(|r| r as &dyn analysis::Routes),
        },
    }
}

/// What would let the tool decide a range this reason leaves undecidable.
fn advice(reason: &Undecidable) -> String {
    match reason.root() {
        Undecidable::Interface(_) | Undecidable::ReversePath => {
            "pass --interface IF (the interface the pool's traffic arrives on) to decide -i/iifname and reverse-path rules"
                .to_string()
        }
        Undecidable::ApiAddress(_) => {
            "pass --apiserver with the API server's IP address (or a name that resolves) to decide -d/daddr rules"
                .to_string()
        }
        Undecidable::IpsetContents { .. } => "pass --ipset FILE with `ipset save` output to decide -m set rules".to_string(),
        Undecidable::OpaqueXt { .. } => "also pass the iptables-nft-save output (--firewall iptables:FILE): nft shows iptables-nft rules only as opaque xt expressions".to_string(),
        Undecidable::NoLayer(_) => "give the IPv6 rules too (ip6tables-save) when the pool has IPv6 entries".to_string(),
        other => format!("check by hand: {other}"),
    }
}

/// The advice for every reason, once each.
fn unknown_hints(reasons: &BTreeSet<Undecidable>) -> Vec<String> {
    reasons.iter().map(advice).collect::<BTreeSet<_>>().into_iter().collect()
}

fn allowlist(env: &Env) -> Outcome {
    let ctx = &env.ctx;
    let facts = match loaded(env) {
        Ok(f) => f,
        Err(o) => return *o,
    };
    let Some(region) = &ctx.region else {
        return Outcome::skip("no --region: the pool to admit is unknown (see region.known)");
    };
    let entries = region.pool(ctx.pool);
    if entries.is_empty() {
        return Outcome::skip(format!("{} has no {:?} pool entries", region.id, ctx.pool).to_lowercase());
    }
    let forwarded = Forwarded::of(ctx);
    let dsts = destinations(env);
    let req = request(env, &dsts, forwarded.as_ref());
    judge_pool(env, &facts.layers, &entries, &req)
}

/// Judges every pool entry (of the target's family, for a forwarded connection) against the
/// layers on the connection `req` describes: firewall.allowlist, and forward.filter on a
/// forwarder. Fails naming the denied ranges with the fix for each layer; warns when nothing is
/// denied but some ranges cannot be decided.
pub(crate) fn judge_pool(env: &Env, layers: &[Layer], entries: &[PoolEntry], req: &Request<'_>) -> Outcome {
    let ctx = &env.ctx;
    let Some(region) = &ctx.region else {
        return Outcome::skip("no --region: the pool to admit is unknown (see region.known)");
    };
    let (entries, other_family): (Vec<PoolEntry>, Vec<PoolEntry>) = match &req.flow {
        Some(_) => entries
            .iter()
            .cloned()
            .partition(|e| req.destinations.iter().any(|d| Family::of(*d) == Family::of_net(&e.entry))),
        None => (entries.to_vec(), Vec::new()),
    };
    if entries.is_empty() {
        return Outcome::skip(format!(
            "no pool entry of {} has the address family of {}: none can be forwarded there",
            region.id,
            join_ips(req.destinations)
        ));
    }
    let (results, _) = analysis::judge_entries(layers, &entries, req);
    let what = match &req.flow {
        Some(flow) => {
            let to: Vec<String> =
                req.destinations.iter().map(|d| std::net::SocketAddr::new(*d, req.port).to_string()).collect();
            format!("tcp/{} forwarded to {}", flow.listen_port, to.join(", "))
        }
        None => format!("tcp/{}", req.port),
    };

    let label = format!("k8sjoin-check {}", region.id);
    let pool = AddrSet::of_nets(entries.iter().map(|e| &e.entry));
    let denied_any = results.iter().any(|r| !r.denied.is_empty());
    let mut fixes = Vec::new();
    if denied_any {
        for layer in layers {
            let fix = fix_layer(layer, &pool, req, &label, &region.id);
            if !fix.commands.is_empty() || !fix.notes.is_empty() {
                fixes.push(fix);
            }
        }
    }
    let reasons: BTreeSet<Undecidable> = results
        .iter()
        .flat_map(|r| &r.deciding)
        .filter(|d| d.action == DecidingAction::Unknown)
        .filter_map(|d| d.reason.clone())
        .collect();
    let mut evidence = json!({
        "port": req.port,
        "protocol": "tcp",
        "region": region.id,
        "destination": if req.destinations.is_empty() { Value::Null } else { json!(req.destinations) },
        "interface": req.interface,
        "layers": layers.iter().map(|l| json!({"name": l.name, "kind": l.kind_name(), "rules": l.rules()})).collect::<Vec<_>>(),
        "entries": results,
        "fixes": fixes,
        "undecidable": reasons.iter().map(|r| json!({"reason": r, "advice": advice(r)})).collect::<Vec<_>>(),
    });
    if let Some(flow) = &req.flow {
        evidence["forward"] = json!({
            "listen_port": flow.listen_port,
            "arrival": flow.arrival,
            "inbound": flow.in_iface,
            "outbound": flow.out_iface,
            "not_forwarded": other_family.iter().map(|e| e.entry).collect::<Vec<_>>(),
        });
    }
    let denied: Vec<String> = results
        .iter()
        .filter(|r| matches!(r.verdict, EntryVerdict::Denied | EntryVerdict::Partial))
        .map(|r| {
            let first = r.deciding.iter().find(|d| d.action.denies());
            let by = first.map(|d| match (&d.chain, d.rule) {
                (Some(c), Some(n)) => format!(" by {} {c} rule {n} ({})", d.layer, d.action),
                (Some(c), None) => format!(" by {} {c} policy", d.layer),
                _ => format!(" by {}", d.layer),
            });
            let which = if r.verdict == EntryVerdict::Denied {
                r.entry.to_string()
            } else {
                format!("{} of {}", join(&r.denied), r.entry)
            };
            format!("{which}{}", by.unwrap_or_default())
        })
        .collect();
    let unknown: Vec<String> = results.iter().filter(|r| !r.unknown.is_empty()).map(|r| join(&r.unknown)).collect();
    let n = results.len();
    if !denied.is_empty() {
        let mut o = Outcome::fail(format!(
            "{} of {n} pool entr{} of {} cannot connect to {what}: {}",
            denied.len(),
            if n == 1 { "y" } else { "ies" },
            region.id,
            denied.join("; ")
        ))
        .evidence(evidence);
        for fix in &fixes {
            o = o.fix(format!("# {}:", fix.layer)).fixes(fix.commands.iter().cloned()).fixes(fix.persist());
            o = o.fixes(fix.notes.iter().map(|n| format!("# {}: {n}", fix.layer)));
        }
        return o.fixes(unknown_hints(&reasons));
    }
    if !unknown.is_empty() {
        let why = reasons.iter().next().map(ToString::to_string).unwrap_or_default();
        return Outcome::warn(format!(
            "nothing denied, but {} of {n} pool entr{} cannot be decided on {what}: {} ({why})",
            unknown.len(),
            if n == 1 { "y" } else { "ies" },
            unknown.join(", ")
        ))
        .evidence(evidence)
        .fixes(unknown_hints(&reasons));
    }
    Outcome::pass(format!(
        "all {n} pool entr{} of {} admitted on {what} by {} layer{}",
        if n == 1 { "y" } else { "ies" },
        region.id,
        layers.len(),
        plural(layers.len())
    ))
    .evidence(evidence)
}

fn join_ips(ips: &[IpAddr]) -> String {
    ips.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn join(nets: &[ipnet::IpNet]) -> String {
    nets.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn shadowed(env: &Env) -> Outcome {
    let ctx = &env.ctx;
    let facts = match loaded(env) {
        Ok(f) => f,
        Err(o) => return *o,
    };
    let Some(region) = &ctx.region else {
        return Outcome::skip("no --region: the pool is unknown (see region.known)");
    };
    let entries = region.pool(ctx.pool);
    let forwarded = Forwarded::of(ctx);
    let dsts = destinations(env);
    let list = analysis::shadowed(&facts.layers, &entries, &request(env, &dsts, forwarded.as_ref()));
    let evidence = json!({"port": ctx.port, "shadowed": list});
    if list.is_empty() {
        return Outcome::pass(format!("no ACCEPT rule for {}'s pool is shadowed by an earlier rule", region.id))
            .evidence(evidence);
    }
    let items: Vec<String> = list
        .iter()
        .map(|s| {
            let by: Vec<String> =
                s.by.iter()
                    .map(|d| match (&d.chain, d.rule) {
                        (Some(c), Some(n)) => format!("{c} rule {n}"),
                        (Some(c), None) => format!("{c} policy"),
                        _ => d.layer.clone(),
                    })
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
            format!(
                "{} {} rule {} ({}) never sees {}: {} denies first",
                s.layer,
                s.chain,
                s.rule,
                s.text,
                join(&s.shadowed),
                by.join(", ")
            )
        })
        .collect();
    Outcome::warn(format!("{} ACCEPT rule{} for the pool shadowed: {}", list.len(), plural(list.len()), items.join("; ")))
        .evidence(evidence)
        .fix("move each shadowed ACCEPT above the rule that denies first, or narrow that rule (firewall.allowlist prints an insert that works)")
}

fn exposure(env: &Env) -> Outcome {
    let ctx = &env.ctx;
    let facts = match loaded(env) {
        Ok(f) => f,
        Err(o) => return *o,
    };
    let forwarded = Forwarded::of(ctx);
    let dsts = destinations(env);
    let port = ctx.port;
    let req = request(env, &dsts, forwarded.as_ref());
    let dsts = req.destinations;
    let judged = analysis::exposure(&facts.layers, &req);
    let mut open = Vec::new();
    let mut maybe = Vec::new();
    let mut narrow = Vec::new();
    let mut families = Vec::new();
    for (family, j) in &judged {
        let all = family.all();
        let admitted = j.admitted_set();
        let unknown = j.unknown_set();
        let half = 1u128 << (family.bits() - 1);
        // Shares are for people; f64 precision is plenty.
        #[allow(clippy::cast_precision_loss)]
        let share = |n: u128| n as f64 / all.count() as f64;
        let admitted_cidrs = admitted.cidrs(*family);
        let closed = all.difference(&admitted).cidrs(*family);
        families.push(json!({
            "family": family.name(),
            "admitted_share": share(admitted.count()),
            "unknown_share": share(unknown.count()),
            "admitted": first(&admitted_cidrs, 16),
            "not_admitted": first(&closed, 16),
        }));
        let whole = if *family == Family::V4 { "0.0.0.0/0" } else { "::/0" };
        if admitted.count() >= half {
            let except = if closed.is_empty() { String::new() } else { format!(" except {}", shorten(&closed, 4)) };
            // Without a known address, the API server may not listen on this family at all.
            let listening = if dsts.is_empty() {
                format!(", if the API server listens on {}", family.name())
            } else {
                String::new()
            };
            open.push(format!(
                "{whole}{except} ({:.1}% of {} addresses{listening})",
                100.0 * share(admitted.count()),
                family.name()
            ));
        } else if admitted.count().saturating_add(unknown.count()) >= half {
            maybe.push(format!(
                "{:.1}% of {} addresses may be admitted (undecidable rules)",
                100.0 * share(admitted.count().saturating_add(unknown.count())),
                family.name()
            ));
        } else if admitted_cidrs.is_empty() {
            narrow.push(format!("no {} address", family.name()));
        } else {
            narrow.push(shorten(&admitted_cidrs, 6));
        }
    }
    let evidence = json!({"port": port, "families": families});
    let fix = ctx.region.as_ref().map_or_else(
        || "admit only the pool and your own networks on the API server port, then drop the rest".to_string(),
        |r| {
            format!(
                "admit only the pool and your own networks: k8sjoin-check allowlist --region {} --port {port} --format iptables (or nft, firewalld, ecs-sg), then drop the rest of tcp/{port}",
                r.id
            )
        },
    );
    if !open.is_empty() {
        return Outcome::warn(format!("tcp/{port} is open to the whole Internet: {}", open.join("; ")))
            .evidence(evidence)
            .fix(fix);
    }
    if !maybe.is_empty() {
        return Outcome::warn(format!("tcp/{port} may be open to the Internet: {}", maybe.join("; ")))
            .evidence(evidence)
            .fix(fix);
    }
    Outcome::pass(format!("tcp/{port} is admitted only from {}", narrow.join("; "))).evidence(evidence)
}

/// `a, b, c and 12 more`
fn shorten(nets: &[ipnet::IpNet], n: usize) -> String {
    let (head, more) = (first(nets, n), nets.len().saturating_sub(n));
    if more == 0 { head.join(", ") } else { format!("{} and {more} more", head.join(", ")) }
}

/// The first `n` items as text.
fn first<T: ToString>(items: &[T], n: usize) -> Vec<String> {
    items.iter().take(n).map(ToString::to_string).collect()
}
