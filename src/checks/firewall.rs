//! Firewall checks: which access-control layers stand in front of the API server, whether every
//! address of the region's pool gets through all of them on the API server port, which allow
//! rules for the pool are dead, and whether the port is open to the whole Internet.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::check::{Category, CheckDef, Checked, Early, Env, Fact, FactKind, Outcome, Run, always, never};
use crate::checks::pool;
use crate::checks::words::{values, values_shortened};
use crate::context::{FirewallFacts, Forwarded, LiveMode};
use crate::firewall::analysis::{self, Request};
use crate::firewall::ranges::Family;
use crate::firewall::{Layer, LayerKind, drop_double_counted, live};
use crate::i18n::{Sep, Text};
use crate::t;

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
        Some(t!("firewall-live-read-nothing"))
    } else {
        Some(if ctx.root.is_live() {
            t!("firewall-none-given")
        } else {
            t!("firewall-none-given-root", root = ctx.root.display().to_string())
        })
    };
    let blocked_en = blocked.as_ref().map(Text::en);
    let evidence = json!({
        "layers": layers.iter().map(layer_json).collect::<Vec<_>>(),
        "live": match ctx.firewall.live {
            LiveMode::Off => Value::Null,
            LiveMode::Requested => json!({"mode": "requested", "sources": live_sources, "blocked": blocked_en}),
            LiveMode::Default => json!({"mode": "default (root, no --firewall)", "sources": live_sources, "blocked": blocked_en}),
        },
        "ipsets": ctx.firewall.ipsets.origins,
    });
    let summary: Vec<Text> =
        layers.iter().map(|l| t!("firewall-layer-summary", name = &l.name, rules = l.rules())).collect();
    // What a live command said when it failed: its own words, or the parser's refusal.
    let failed: Vec<Text> = live_sources
        .iter()
        .filter(|s| s.outcome == "failed")
        .map(|s| Text::join([Text::verbatim(&s.command), s.text.clone()], Sep::Colon))
        .collect();
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
        let mut o = Outcome::skip(t!("firewall-no-layer", why = why))
            .evidence(evidence)
            .needing(layers_input(ctx, blocked.is_some()));
        if blocked.is_some() {
            o = o.fix(t!("firewall-fix-run-as-root"));
        }
        return Ok(o.fix(t!("firewall-fix-pass-layers")));
    }
    if read_nothing {
        return Ok(Outcome::pass(t!("firewall-live-filters-nothing")).evidence(evidence));
    }
    let layers_in_series = t!("firewall-layers", n = summary.len(), layers = Text::join(summary, Sep::Comma));
    let and = |more: Text| Text::join([layers_in_series.clone(), more], Sep::Semicolon);
    if let Some(why) = blocked {
        return Ok(Outcome::warn(and(t!("firewall-live-not-read", why = why)))
            .evidence(evidence)
            .fix(t!("firewall-fix-run-as-root-live")));
    }
    if !failed.is_empty() {
        return Ok(Outcome::warn(and(t!("firewall-live-failed", sources = Text::join(failed, Sep::Semicolon))))
            .evidence(evidence));
    }
    if !partial.is_empty() {
        let fixes = partial.iter().map(|id| {
            Text::verbatim(format!("aliyun ecs DescribeSecurityGroupAttribute --RegionId REGION --SecurityGroupId {id} --pager > {id}.json  # then --firewall ecs-sg:{id}.json"))
        });
        return Ok(Outcome::warn(and(t!("firewall-sg-partial", groups = values(&partial))))
            .evidence(evidence)
            .fixes(fixes));
    }
    if let Some(elsewhere) = elsewhere {
        return Ok(Outcome::warn(and(t!("firewall-live-elsewhere", addresses = values(&elsewhere))))
            .evidence(evidence)
            .fix(t!("firewall-fix-run-on-apiserver"))
            .fix(t!("firewall-fix-behind-nat")));
    }
    Ok(Outcome::pass(layers_in_series).evidence(evidence))
}

/// The API server's addresses when the live rules were read and none of those addresses belongs to
/// this host: then the rules judged are not (or not obviously) the ones in front of the API server.
fn live_rules_of_another_host(env: &Env, live_sources: &[live::Source]) -> Option<Vec<IpAddr>> {
    if live_sources.is_empty() {
        return None;
    }
    let api = env.addresses()?;
    let local = crate::vantage::Vantage::of_this_host().addresses;
    let is_local = |ip: &IpAddr| ip.is_loopback() || local.contains(ip);
    if api.addresses.is_empty() || api.addresses.iter().any(is_local) {
        return None;
    }
    Some(api.addresses)
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
fn layers_input(ctx: &crate::context::Context, no_privilege: bool) -> Text {
    if no_privilege {
        t!("firewall-input-root-or-dumps")
    } else if ctx.root.is_live() {
        t!("firewall-input-dumps-or-root")
    } else {
        t!("firewall-input-node-dumps")
    }
}

/// The loaded layers, or the outcome to report when there are none.
fn loaded(env: &Env) -> Result<&FirewallFacts, Early> {
    match env.firewall() {
        None => {
            Err(Early::from(Outcome::skip(t!("firewall-sources-skipped")).needing(t!("firewall-input-sources-in-run"))))
        }
        Some(f) if f.layers.is_empty() => Err(Early::from(
            Outcome::skip(t!(
                "firewall-no-layer",
                why = f.none_because.clone().unwrap_or_else(|| t!("firewall-none-given-short"))
            ))
            .fix(t!("firewall-fix-pass-or-root"))
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
        return Ok(Outcome::skip(t!("pool-no-region-to-admit")));
    };
    let entries = region.pool(ctx.pool);
    if entries.is_empty() {
        let part = format!("{:?}", ctx.pool).to_lowercase();
        return Ok(Outcome::skip(t!("firewall-no-pool-entries", region = region.id.to_lowercase(), part = part)));
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
        return Ok(Outcome::skip(t!("pool-no-region")));
    };
    let entries = region.pool(ctx.pool);
    let forwarded = Forwarded::of(ctx);
    let dsts = destinations(env);
    let list = analysis::shadowed(&facts.layers, &entries, &request(env, &dsts, forwarded.as_ref()));
    let evidence = json!({"port": ctx.port, "shadowed": list});
    if list.is_empty() {
        return Ok(Outcome::pass(t!("firewall-none-shadowed", region = &region.id)).evidence(evidence));
    }
    let items: Vec<Text> = list
        .iter()
        .map(|s| {
            // Each denying rule once, in the order of its English text.
            let by: BTreeMap<String, Text> =
                s.by.iter()
                    .map(|d| match (&d.chain, d.rule) {
                        (Some(c), Some(n)) => t!("firewall-chain-rule", chain = c, rule = n.to_string()),
                        (Some(c), None) => t!("firewall-chain-policy", chain = c),
                        _ => Text::verbatim(&d.layer),
                    })
                    .map(|t| (t.en(), t))
                    .collect();
            t!(
                "firewall-shadowed-rule",
                layer = &s.layer,
                chain = &s.chain,
                rule = s.rule.to_string(),
                text = &s.text,
                addresses = values(&s.shadowed),
                by = Text::join(by.into_values(), Sep::Comma)
            )
        })
        .collect();
    Ok(Outcome::warn(t!("firewall-shadowed", n = list.len(), rules = Text::join(items, Sep::Semicolon)))
        .evidence(evidence)
        .fix(t!("firewall-fix-shadowed")))
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
            "admitted": admitted_cidrs.iter().take(16).map(ToString::to_string).collect::<Vec<_>>(),
            "not_admitted": closed.iter().take(16).map(ToString::to_string).collect::<Vec<_>>(),
        }));
        let whole = if *family == Family::V4 { "0.0.0.0/0" } else { "::/0" };
        let percent = |n: u128| format!("{:.1}", 100.0 * share(n));
        if admitted.count() >= half {
            let range = if closed.is_empty() {
                Text::verbatim(whole)
            } else {
                t!("firewall-exposure-except", whole = whole, closed = values_shortened(&closed, 4))
            };
            // Without a known address, the API server may not listen on this family at all.
            let open_to = if dsts.is_empty() {
                t!(
                    "firewall-exposure-open-if-listening",
                    range = range,
                    share = percent(admitted.count()),
                    family = family.name()
                )
            } else {
                t!("firewall-exposure-open", range = range, share = percent(admitted.count()), family = family.name())
            };
            open.push(open_to);
        } else if admitted.count().saturating_add(unknown.count()) >= half {
            maybe.push(t!(
                "firewall-exposure-maybe",
                share = percent(admitted.count().saturating_add(unknown.count())),
                family = family.name()
            ));
        } else if admitted_cidrs.is_empty() {
            narrow.push(t!("firewall-exposure-no-address", family = family.name()));
        } else {
            narrow.push(values_shortened(&admitted_cidrs, 6));
        }
    }
    let evidence = json!({"port": port, "families": families});
    let fix = ctx.region.as_ref().map_or_else(
        || t!("firewall-fix-admit-only"),
        |r| {
            let command = format!("k8sjoin-check allowlist --region {} --port {port} --format iptables", r.id);
            t!("firewall-fix-admit-only-with", command = command, port = port.to_string())
        },
    );
    let port = port.to_string();
    if !open.is_empty() {
        return Ok(Outcome::warn(t!(
            "firewall-exposure-open-to-all",
            port = port,
            open = Text::join(open, Sep::Semicolon)
        ))
        .evidence(evidence)
        .fix(fix));
    }
    if !maybe.is_empty() {
        return Ok(Outcome::warn(t!(
            "firewall-exposure-maybe-open",
            port = port,
            maybe = Text::join(maybe, Sep::Semicolon)
        ))
        .evidence(evidence)
        .fix(fix));
    }
    Ok(Outcome::pass(t!("firewall-exposure-narrow", port = port, from = Text::join(narrow, Sep::Semicolon)))
        .evidence(evidence))
}
