//! Firewall checks: which access-control layers stand in front of the API server, whether every
//! address of the region's pool gets through all of them on the API server port, which allow
//! rules for the pool are dead, and whether the port is open to the whole Internet.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::check::{Category, CheckDef, Checked, Early, Env, Fact, FactKind, Outcome, Run, always, never};
use crate::checks::pool;
use crate::checks::words::{first, join, plural, shorten};
use crate::context::{FirewallFacts, Forwarded, LiveMode};
use crate::firewall::analysis::{self, Request};
use crate::firewall::ranges::Family;
use crate::firewall::{Layer, LayerKind, drop_double_counted, live};

pub const SOURCES: CheckDef = CheckDef {
    id: "firewall.sources",
    category: Category::Firewall,
    needs: &[],
    after: &[],
    produces: &[FactKind::Firewall],
    reads: &[FactKind::Addresses],
    required: never,
    applies: always,
    run: Run::Sync(sources),
};

pub const ALLOWLIST: CheckDef = CheckDef {
    id: "firewall.allowlist",
    category: Category::Firewall,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::Firewall, FactKind::Addresses],
    required: always,
    applies: always,
    run: Run::Sync(allowlist),
};

pub const SHADOWED: CheckDef = CheckDef {
    id: "firewall.shadowed",
    category: Category::Firewall,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::Firewall, FactKind::Addresses],
    required: never,
    applies: always,
    run: Run::Sync(shadowed),
};

pub const EXPOSURE: CheckDef = CheckDef {
    id: "firewall.exposure",
    category: Category::Firewall,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::Firewall, FactKind::Addresses],
    required: never,
    applies: always,
    run: Run::Sync(exposure),
};

/// How the report names a live reading that found no rules.
const NO_RULES: &str = "live:none (no iptables, nftables or ipset rules)";

fn sources(env: &Env) -> Checked {
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
    // A live reading that worked and found nothing is a result: this host filters nothing.
    let read_nothing = ctx.firewall.live != LiveMode::Off
        && blocked.is_none()
        && layers.is_empty()
        && !live_sources.is_empty()
        && live_sources.iter().all(|s| s.outcome != "failed");
    if read_nothing {
        layers.push(Layer::empty_kernel(NO_RULES));
    }
    let none_because = if !layers.is_empty() {
        None
    } else if let Some(why) = &blocked {
        Some(why.clone())
    } else if ctx.firewall.live != LiveMode::Off {
        Some("the live reading could not read this host's iptables or nftables rules".to_string())
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
    // A security group given only as pages with a NextToken: later pages may hold what admits or
    // denies the pool, so its verdicts hold for the pages given only.
    let partial: Vec<String> = layers
        .iter()
        .filter_map(|l| match &l.kind {
            LayerKind::EcsSg(group) if !group.partial.is_empty() => {
                Some(group.partial.iter().map(|id| id.clone().unwrap_or_else(|| l.name.clone())).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect();
    env.produce(Fact::Firewall(Arc::new(FirewallFacts {
        layers,
        live: live_sources,
        none_because: none_because.clone(),
    })));
    if let Some(why) = none_because {
        let mut o = Outcome::skip(format!("no firewall layer loaded: {why}"))
            .evidence(evidence)
            .needing(layers_input(ctx, blocked.is_some()));
        if blocked.is_some() {
            o = o.fix("run as root (sudo) on the API server host, so that the live rules can be read");
        }
        return Ok(o.fix(
            "or pass each layer: --firewall iptables:FILE (iptables-save), nft:FILE (nft -j list ruleset), firewalld:/etc/firewalld, ecs-sg:FILE (DescribeSecurityGroupAttribute), cidrs:FILE",
        ));
    }
    if read_nothing {
        return Ok(Outcome::pass(
            "the live reading found no iptables, nftables or ipset rules: nothing on this host filters the API server's port",
        )
        .evidence(evidence));
    }
    let mut message =
        format!("{} layer{} in series: {}", summary.len(), plural(summary.len(), "", "s"), summary.join(", "));
    if let Some(why) = blocked {
        message.push_str(&format!("; the live firewall was not read: {why}"));
        return Ok(Outcome::warn(message).evidence(evidence).fix("run as root to include this host's live rules"));
    }
    if !failed.is_empty() {
        message.push_str(&format!("; could not read {}", failed.join("; ")));
        return Ok(Outcome::warn(message).evidence(evidence));
    }
    if !partial.is_empty() {
        message.push_str(&format!(
            "; security group {} given as a partial page (its NextToken is not empty): permissions on later pages are not judged",
            partial.join(", ")
        ));
        let fixes: Vec<String> = partial
            .iter()
            .map(|id| format!("aliyun ecs DescribeSecurityGroupAttribute --RegionId REGION --SecurityGroupId {id} --pager > {id}.json  # then --firewall ecs-sg:{id}.json"))
            .collect();
        return Ok(Outcome::warn(message).evidence(evidence).fixes(fixes));
    }
    if let Some(elsewhere) = elsewhere {
        message.push_str(&format!(
            "; but the live rules are this host's, and the API server's address {elsewhere} is not an address of this host"
        ));
        return Ok(Outcome::warn(message)
            .evidence(evidence)
            .fix("run on the API server host, or pass its rules with --firewall KIND:FILE")
            .fix("if this host is the API server behind NAT (an EIP or SLB), the verdicts hold: pass --apiserver with the host's own address to silence this"));
    }
    Ok(Outcome::pass(message).evidence(evidence))
}

/// The API server's addresses when the live rules were read and none of those addresses belongs to
/// this host: then the rules judged are not (or not obviously) the ones in front of the API server.
fn live_rules_of_another_host(env: &Env, live_sources: &[live::Source]) -> Option<String> {
    if live_sources.is_empty() {
        return None;
    }
    let api = env.addresses()?;
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

/// What would give the firewall checks a layer to judge.
fn layers_input(ctx: &crate::context::Context, no_privilege: bool) -> String {
    if no_privilege {
        "root (sudo) to read this host's live rules, or --firewall KIND:FILE".into()
    } else if ctx.root.is_live() {
        "--firewall KIND:FILE (iptables-save, nft -j list ruleset, firewalld, ecs-sg, cidrs), or root for the live rules".into()
    } else {
        "--firewall KIND:FILE with the dumps of the node under --root".into()
    }
}

/// The loaded layers, or the outcome to report when there are none.
fn loaded(env: &Env) -> Result<&FirewallFacts, Early> {
    match env.firewall() {
        None => Err(Early::from(
            Outcome::skip("firewall.sources did not run, so no layer is loaded (it was skipped)")
                .needing("firewall.sources in the run (do not --skip it)"),
        )),
        Some(f) if f.layers.is_empty() => Err(Early::from(
            Outcome::skip(format!("no firewall layer loaded: {}", f.none_because.as_deref().unwrap_or("none given")))
                .fix("pass --firewall KIND:FILE, or run as root for the live rules (see firewall.sources)")
                .needing(layers_input(
                    &env.ctx,
                    live::privilege_problem().is_some() && env.ctx.firewall.live != LiveMode::Off,
                )),
        )),
        Some(f) => Ok(f),
    }
}

fn destinations(env: &Env) -> Vec<IpAddr> {
    env.addresses().map(|r| r.addresses).unwrap_or_default()
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

fn allowlist(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let facts = loaded(env)?;
    let Some(region) = &ctx.region else {
        return Ok(Outcome::skip("no --region: the pool to admit is unknown (see region.known)"));
    };
    let entries = region.pool(ctx.pool);
    if entries.is_empty() {
        return Ok(Outcome::skip(format!("{} has no {:?} pool entries", region.id, ctx.pool).to_lowercase()));
    }
    let forwarded = Forwarded::of(ctx);
    let dsts = destinations(env);
    let req = request(env, &dsts, forwarded.as_ref());
    Ok(pool::judge(ctx, &facts.layers, &entries, &req)?.outcome())
}

fn shadowed(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let facts = loaded(env)?;
    let Some(region) = &ctx.region else {
        return Ok(Outcome::skip("no --region: the pool is unknown (see region.known)"));
    };
    let entries = region.pool(ctx.pool);
    let forwarded = Forwarded::of(ctx);
    let dsts = destinations(env);
    let list = analysis::shadowed(&facts.layers, &entries, &request(env, &dsts, forwarded.as_ref()));
    let evidence = json!({"port": ctx.port, "shadowed": list});
    if list.is_empty() {
        return Ok(Outcome::pass(format!("no ACCEPT rule for {}'s pool is shadowed by an earlier rule", region.id))
            .evidence(evidence));
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
    Ok(Outcome::warn(format!("{} ACCEPT rule{} for the pool shadowed: {}", list.len(), plural(list.len(), "", "s"), items.join("; ")))
        .evidence(evidence)
        .fix("move each shadowed ACCEPT above the rule that denies first, or narrow that rule (firewall.allowlist prints an insert that works)"))
}

fn exposure(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let facts = loaded(env)?;
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
        return Ok(Outcome::warn(format!("tcp/{port} is open to the whole Internet: {}", open.join("; ")))
            .evidence(evidence)
            .fix(fix));
    }
    if !maybe.is_empty() {
        return Ok(Outcome::warn(format!("tcp/{port} may be open to the Internet: {}", maybe.join("; ")))
            .evidence(evidence)
            .fix(fix));
    }
    Ok(Outcome::pass(format!("tcp/{port} is admitted only from {}", narrow.join("; "))).evidence(evidence))
}
