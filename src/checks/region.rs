//! Region checks: the region exists, accepts this network type, and the API server address fits it.

use serde_json::json;

use crate::addressplan::{PlannedRange, Role, overlaps};
use crate::check::{Category, CheckDef, Checked, Env, FactKind, Outcome, Run, always, never};
use crate::checks::words::values;
use crate::context::{Context, NetworkType};
use crate::endpoint::private_range;
use crate::i18n::{Sep, Text};
use crate::region::Region;
use crate::t;

pub const KNOWN: CheckDef = CheckDef {
    id: "region.known",
    category: Category::Region,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: always,
    applies: always,
    run: Run::Sync(known),
};

pub const VPC_ELIGIBLE: CheckDef = CheckDef {
    id: "region.vpc-eligible",
    category: Category::Region,
    needs: &["region.known"],
    after: &[],
    produces: &[],
    reads: &[FactKind::Addresses],
    required: always,
    applies: always,
    run: Run::Sync(vpc_eligible),
};

pub const NETWORK_TYPE: CheckDef = CheckDef {
    id: "region.network-type",
    category: Category::Region,
    needs: &[],
    after: &["apiserver.endpoint", "apiserver.dns"],
    produces: &[],
    reads: &[FactKind::Addresses],
    required: never,
    applies: always,
    run: Run::Sync(network_type),
};

pub const CIDR_CONFLICT: CheckDef = CheckDef {
    id: "region.cidr-conflict",
    category: Category::Region,
    needs: &["region.known"],
    after: &[],
    produces: &[],
    reads: &[],
    required: never,
    applies: always,
    run: Run::Sync(cidr_conflict),
};

fn known(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let Some(region) = &ctx.region else {
        return Ok(Outcome::fail(t!("region-none-given", n = ctx.table.regions.len())).fix(t!("region-fix-give")));
    };
    let shared: Vec<String> = ctx
        .table
        .shared_private_cidrs()
        .into_iter()
        .filter_map(|s| {
            if s.a == region.id {
                Some(t!("region-shared-private", cidr = s.a_cidr.to_string(), other = s.b).en())
            } else if s.b == region.id {
                Some(t!("region-shared-private", cidr = s.b_cidr.to_string(), other = s.a).en())
            } else {
                None
            }
        })
        .collect();
    Ok(Outcome::pass(t!(
        "region-known",
        region = &region.id,
        name = region.display_name(),
        public = region.public_ips.len(),
        private = region.private_cidrs.len()
    ))
    .evidence(json!({
        "region": region,
        "table": {"origin": ctx.table.origin, "source": ctx.table.source, "updated": ctx.table.updated},
        "shared_private_cidrs": shared,
    })))
}

/// `cn-hangzhou (华东1(杭州)), cn-shanghai (…), …`
fn vpc_region_list(ctx: &Context) -> Text {
    Text::join(ctx.table.vpc_regions().iter().map(|r| Text::verbatim(format!("{} ({})", r.id, r.name_zh))), Sep::Comma)
}

fn public_alternative(region: &Region) -> Text {
    let ips = if region.public_ips.is_empty() {
        t!("region-none-listed")
    } else {
        Text::join(region.public_ips.iter().map(|ip| Text::verbatim(ip.to_string())), Sep::Comma)
    };
    t!("region-fix-public-alternative", region = &region.id, ips = ips)
}

fn vpc_eligible(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let Some(region) = &ctx.region else { return Ok(Outcome::skip(t!("region-no-region"))) };
    let addresses = env.addresses();
    let decision = ctx.network_decision(addresses.as_ref().map(|r| r.addresses.as_slice()));
    let evidence = json!({
        "region": region.id,
        "vpc_supported": region.vpc_supported,
        "network": decision.network,
        "network_source": decision.source,
        "reason": decision.reason.en(),
        "vpc_regions": ctx.table.vpc_regions().iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
    });
    let reason = &decision.reason;
    let id = &region.id;
    let outcome = match (decision.network, region.vpc_supported) {
        (Some(NetworkType::Public), _) => Outcome::pass(t!("region-public-anywhere", region = id, reason = reason)),
        (Some(NetworkType::Vpc), true) => Outcome::pass(t!("region-vpc-accepted", region = id, reason = reason)),
        (Some(NetworkType::Vpc), false) => Outcome::fail(t!(
            "region-vpc-refused",
            region = id,
            reason = reason,
            n = ctx.table.vpc_regions().len(),
            regions = vpc_region_list(ctx)
        ))
        .fix(public_alternative(region))
        .fix(t!("region-fix-vpc-regions", regions = vpc_region_list(ctx))),
        (None, true) => Outcome::pass(t!("region-both-accepted", region = id, reason = reason)),
        (None, false) => {
            Outcome::warn(t!("region-vpc-not-here", region = id, reason = reason, regions = vpc_region_list(ctx)))
                .fix(t!("region-fix-network-flag"))
                .fix(public_alternative(region))
        }
    };
    Ok(outcome.evidence(evidence))
}

fn network_type(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let Some(resolved) = env.addresses() else {
        // Name the first link of the chain that broke: no endpoint, else the failed resolution.
        let broken = ["apiserver.endpoint", "apiserver.dns"]
            .iter()
            .filter_map(|id| env.result(id))
            .find(|c| c.status() != crate::check::Status::Pass);
        let why = match broken {
            Some(c) => Text::join([Text::verbatim(c.id()), c.outcome.message.clone()], Sep::Colon),
            None => t!("region-no-address-hint"),
        };
        return Ok(Outcome::skip(t!("region-no-address", why = why)));
    };
    let decision = ctx.network_decision(Some(&resolved.addresses));
    let classes: Vec<serde_json::Value> = resolved
        .addresses
        .iter()
        .map(|ip| json!({"address": ip, "class": private_range(*ip).unwrap_or("public")}))
        .collect();
    let evidence = json!({
        "addresses": classes,
        "resolved_by": resolved.how,
        "network": decision.network,
        "network_source": decision.source,
        "reason": decision.reason.en(),
        "forwarder": ctx.forwarder_text(),
    });
    let loopback: Vec<String> =
        resolved.addresses.iter().filter(|ip| ip.is_loopback()).map(ToString::to_string).collect();
    let private: Vec<String> =
        resolved.addresses.iter().filter(|ip| private_range(**ip).is_some()).map(ToString::to_string).collect();
    let public: Vec<String> =
        resolved.addresses.iter().filter(|ip| private_range(**ip).is_none()).map(ToString::to_string).collect();
    let outcome = if !loopback.is_empty() && loopback.len() == resolved.addresses.len() {
        Outcome::warn(t!("region-loopback", addresses = values(&loopback))).fix(t!("region-fix-loopback"))
    } else {
        match decision.network {
            Some(NetworkType::Public) if public.is_empty() => match ctx.forwarder_text() {
                Some(fw) => {
                    Outcome::pass(t!("region-private-via-forwarder", addresses = values(&private), forwarder = fw))
                }
                None => Outcome::fail(t!("region-private-but-public", addresses = values(&private)))
                    .fix(t!("region-fix-expose-public"))
                    .fix(t!("region-fix-join-vpc"))
                    .fix(t!("region-fix-forwarder")),
            },
            Some(NetworkType::Public) => Outcome::pass(t!("region-public-address", addresses = values(&public))),
            Some(NetworkType::Vpc) if private.is_empty() => {
                Outcome::warn(t!("region-vpc-but-public", addresses = values(&public)))
                    .fix(t!("region-fix-private-address"))
            }
            Some(NetworkType::Vpc) => {
                Outcome::pass(t!("region-vpc-fits", addresses = values(&private), reason = &decision.reason))
            }
            None => Outcome::skip(t!("region-network-unknown", reason = &decision.reason)),
        }
    };
    Ok(outcome.evidence(evidence))
}

fn role(r: Role) -> Text {
    match r {
        Role::Service => t!("plan-role-service"),
        Role::Pod => t!("plan-role-pod"),
        Role::Node => t!("plan-role-node"),
    }
}

fn cidr_conflict(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let Some(region) = &ctx.region else { return Ok(Outcome::skip(t!("region-no-region"))) };
    let plan = &ctx.address_plan;
    if plan.ranges.is_empty() {
        let dir = ctx.root.join("/etc/kubernetes/manifests");
        return Ok(Outcome::skip(t!("region-no-plan", dir = dir.display().to_string()))
            .evidence(json!({ "manifests": plan.files })));
    }
    let overlapping: Vec<(&PlannedRange, &ipnet::IpNet)> = plan
        .ranges
        .iter()
        .flat_map(|r| region.private_cidrs.iter().filter(|p| overlaps(&r.range, p)).map(move |p| (r, p)))
        .collect();
    let conflicts: Vec<serde_json::Value> = overlapping
        .iter()
        .map(|(r, p)| json!({"role": r.role, "range": r.range, "source": r.source, "pool": p}))
        .collect();
    let evidence = json!({ "ranges": plan.ranges, "private_pool": region.private_cidrs, "conflicts": conflicts, "manifests": plan.files });
    if overlapping.is_empty() {
        let listed = Text::join(
            plan.ranges.iter().map(|r| t!("region-cidr-range", role = role(r.role), range = r.range.to_string())),
            Sep::Comma,
        );
        let pool = Text::join(region.private_cidrs.iter().map(|p| Text::verbatim(p.to_string())), Sep::Comma);
        return Ok(Outcome::pass(t!("region-cidr-clear", ranges = listed, region = &region.id, pool = pool))
            .evidence(evidence));
    }
    let named = Text::join(
        overlapping.iter().map(|(r, p)| {
            t!(
                "region-cidr-overlap",
                role = role(r.role),
                range = r.range.to_string(),
                source = &r.source,
                pool = p.to_string()
            )
        }),
        Sep::Semicolon,
    );
    let probe = region.private_cidrs.first().map(|n| n.network().to_string()).unwrap_or_default();
    Ok(Outcome::warn(t!("region-cidr-conflicts", overlaps = named))
        .evidence(evidence)
        .fix(t!("region-fix-route-get", command = format!("ip route get {probe}")))
        .fix(t!("region-fix-replan")))
}
