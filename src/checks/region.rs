//! Region checks: the region exists, accepts this network type, and the API server address fits it.

use serde_json::json;

use crate::addressplan::{PlannedRange, overlaps};
use crate::check::{Category, CheckDef, Checked, Env, FactKind, Outcome, Run, always, never};
use crate::context::{Context, NetworkType};
use crate::endpoint::private_range;
use crate::region::Region;

pub const KNOWN: CheckDef = CheckDef {
    id: "region.known",
    category: Category::Region,
    title: "Region is known",
    summary: "`--region` resolves in the table (fails when no region is given)",
    explain: "Verifies that --region names a region of the security center's table (by id, Chinese or English \
name). The region decides which address pool connects to the API server, so every firewall verdict depends \
on it. Fix: pass --region with a name from `k8sjoin-check regions`; if the vendor added a region, pass an \
updated table with --regions-file.",
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
    title: "Network type allowed in region",
    summary: "a VPC-type cluster joins one of the 5 VPC regions; fails otherwise, naming them and the public-network alternative; with `auto` and no known address: pass in the 5, warn elsewhere",
    explain: "Verifies that a VPC-type cluster joins one of the five regions that accept VPC-type clusters \
(cn-hangzhou, cn-beijing, cn-shanghai, cn-shenzhen, cn-hongkong); over the public network every region works. \
The network type is --network, or inferred from the API server address (private = vpc). With --network auto \
and no known address it passes in the five regions and warns elsewhere. Fix: join over the public network \
(the API server reachable on a public address that admits the region's public IPs), or choose one of the \
five regions.",
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
    title: "API server address fits network type",
    summary: "the API server address fits the network type (a private address over `public` needs a forwarder; loopback warns)",
    explain: "Verifies that the API server's address fits the network type: a private address (RFC 1918, \
100.64.0.0/10, loopback, link-local, fc00::/7) cannot be reached by the security center over the public \
network unless a forwarder with a public address relays it; a loopback address cannot be reached at all. \
Fix: give the address the security center will use (--apiserver), expose the API server publicly, join as \
a VPC-type cluster in a VPC region, or set up a forwarder (--forwarder).",
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
    title: "Cluster CIDRs clear of the private pool",
    summary: "the cluster's service CIDRs, pod CIDRs and node addresses (from the static pod manifests under `--root`) do not overlap the region's private pool; overlap warns naming both ranges and the manifest line; no manifests: skip",
    explain: "Compares the cluster's service CIDRs (--service-cluster-ip-range), pod CIDRs (--cluster-cidr of \
kube-controller-manager) and node addresses (--advertise-address, etcd's advertised URLs), read from the static \
pod manifests under --root, with the region's private pool. The security center connects from that pool; when \
a cluster range overlaps it, this host routes the replies into the cluster network instead of back to the \
security center, and the connection hangs. Overlap warns, naming both ranges. Fix: re-plan the overlapping \
range (pod and service CIDRs are set when the cluster is created), or join over the public network.",
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
        return Ok(Outcome::fail(format!(
            "no --region given: the region decides which address pool must reach the API server ({} regions in the table)",
            ctx.table.regions.len()
        ))
        .fix("pass --region ID, e.g. --region cn-hangzhou; `k8sjoin-check regions` lists every region"));
    };
    let shared: Vec<String> = ctx
        .table
        .shared_private_cidrs()
        .into_iter()
        .filter_map(|s| {
            if s.a == region.id {
                Some(format!("{} is also {}'s private pool", s.a_cidr, s.b))
            } else if s.b == region.id {
                Some(format!("{} is also {}'s private pool", s.b_cidr, s.a))
            } else {
                None
            }
        })
        .collect();
    Ok(Outcome::pass(format!(
        "{} ({}): {} public address{}, {} private CIDR{}",
        region.id,
        region.display_name(),
        region.public_ips.len(),
        if region.public_ips.len() == 1 { "" } else { "es" },
        region.private_cidrs.len(),
        if region.private_cidrs.len() == 1 { "" } else { "s" },
    ))
    .evidence(json!({
        "region": region,
        "table": {"origin": ctx.table.origin, "source": ctx.table.source, "updated": ctx.table.updated},
        "shared_private_cidrs": shared,
    })))
}

/// `cn-hangzhou (华东1(杭州)), cn-shanghai (…), …`
fn vpc_region_list(ctx: &Context) -> String {
    ctx.table.vpc_regions().iter().map(|r| format!("{} ({})", r.id, r.name_zh)).collect::<Vec<_>>().join(", ")
}

fn public_alternative(region: &Region) -> String {
    let ips: Vec<String> = region.public_ips.iter().map(ToString::to_string).collect();
    format!(
        "join as a public-network cluster instead: make the API server reachable on a public address that admits {}'s public pool ({}), and run with --network public",
        region.id,
        if ips.is_empty() { "none listed".to_string() } else { ips.join(", ") }
    )
}

fn vpc_eligible(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let Some(region) = &ctx.region else { return Ok(Outcome::skip("no region")) };
    let addresses = env.addresses();
    let decision = ctx.network_decision(addresses.as_ref().map(|r| r.addresses.as_slice()));
    let evidence = json!({
        "region": region.id,
        "vpc_supported": region.vpc_supported,
        "network": decision.network,
        "network_source": decision.source,
        "reason": decision.reason,
        "vpc_regions": ctx.table.vpc_regions().iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
    });
    let outcome = match (decision.network, region.vpc_supported) {
        (Some(NetworkType::Public), _) => Outcome::pass(format!(
            "public-network clusters may join any region, {} included ({})",
            region.id, decision.reason
        )),
        (Some(NetworkType::Vpc), true) => {
            Outcome::pass(format!("{} accepts VPC-type clusters ({})", region.id, decision.reason))
        }
        (Some(NetworkType::Vpc), false) => Outcome::fail(format!(
            "{} does not accept VPC-type clusters ({}); only these {} regions do: {}. Alternative: join over the public network",
            region.id,
            decision.reason,
            ctx.table.vpc_regions().len(),
            vpc_region_list(ctx)
        ))
        .fix(public_alternative(region))
        .fix(format!("or run the cluster in one of the VPC regions: {}", vpc_region_list(ctx))),
        (None, true) => Outcome::pass(format!(
            "{} accepts both VPC-type and public-network clusters (network type not known: {})",
            region.id, decision.reason
        )),
        (None, false) => Outcome::warn(format!(
            "a VPC-type cluster cannot join {}; a public-network one can (network type not known: {}). VPC regions: {}",
            region.id,
            decision.reason,
            vpc_region_list(ctx)
        ))
        .fix("pass --network vpc|public, or --apiserver so the type can be inferred")
        .fix(public_alternative(region)),
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
            .find(|c| c.status != crate::check::Status::Pass);
        let why = match broken {
            Some(c) => format!("{}: {}", c.id, c.message),
            None => "pass --apiserver https://HOST:PORT or a kubeconfig".into(),
        };
        return Ok(Outcome::skip(format!("no API server address known ({why})")));
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
        "reason": decision.reason,
        "forwarder": ctx.forwarder_text(),
    });
    let loopback: Vec<String> =
        resolved.addresses.iter().filter(|ip| ip.is_loopback()).map(ToString::to_string).collect();
    let private: Vec<String> =
        resolved.addresses.iter().filter(|ip| private_range(**ip).is_some()).map(ToString::to_string).collect();
    let public: Vec<String> =
        resolved.addresses.iter().filter(|ip| private_range(**ip).is_none()).map(ToString::to_string).collect();
    let outcome = if !loopback.is_empty() && loopback.len() == resolved.addresses.len() {
        Outcome::warn(format!(
            "the API server address {} is loopback: fine for probing from this host, but the security center can never connect to it",
            loopback.join(", ")
        ))
        .fix("give the address the security center will connect to: --apiserver https://NODE-OR-LB-ADDRESS:6443")
    } else {
        match decision.network {
            Some(NetworkType::Public) if public.is_empty() => match ctx.forwarder_text() {
                Some(fw) => Outcome::pass(format!(
                    "the API server address {} is private; with --network public the security center reaches it through the forwarder {fw}",
                    private.join(", ")
                )),
                None => Outcome::fail(format!(
                    "the API server address {} is private, but the network type is public: the security center connects from its public pool over the Internet and cannot reach a private address",
                    private.join(", ")
                ))
                .fix("expose the API server on a public address (EIP or SLB) that admits the region's public pool")
                .fix("or join as a VPC-type cluster (--network vpc) in a region that accepts them")
                .fix("or, for a hybrid cloud, forward a port of a public ECS host to the API server and check it with --forwarder HOST:PORT"),
            },
            Some(NetworkType::Public) => {
                Outcome::pass(format!("the API server has a public address ({}): reachable over the public network", public.join(", ")))
            }
            Some(NetworkType::Vpc) if private.is_empty() => Outcome::warn(format!(
                "the network type is vpc but the API server address {} is public: a VPC-type join connects from the region's private pool, which needs a private address in the VPC",
                public.join(", ")
            ))
            .fix("give the API server's private (VPC) address with --apiserver, or use --network public"),
            Some(NetworkType::Vpc) => Outcome::pass(format!(
                "the API server address {} is private: fits a VPC-type cluster ({})",
                private.join(", "),
                decision.reason
            )),
            None => Outcome::skip(format!("network type unknown: {}", decision.reason)),
        }
    };
    Ok(outcome.evidence(evidence))
}

fn cidr_conflict(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let Some(region) = &ctx.region else { return Ok(Outcome::skip("no region")) };
    let plan = &ctx.address_plan;
    if plan.ranges.is_empty() {
        let dir = ctx.root.join("/etc/kubernetes/manifests");
        return Ok(Outcome::skip(format!(
            "no service or pod CIDR or node address found in the control-plane manifests under {} (not a kubeadm control-plane node? pass --root with a copy of one)",
            dir.display()
        ))
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
        let listed: Vec<String> = plan.ranges.iter().map(|r| format!("{} {}", r.role.as_str(), r.range)).collect();
        let pool: Vec<String> = region.private_cidrs.iter().map(ToString::to_string).collect();
        return Ok(Outcome::pass(format!(
            "{} clear of {}'s private pool {}",
            listed.join(", "),
            region.id,
            pool.join(", ")
        ))
        .evidence(evidence));
    }
    let named: Vec<String> = overlapping
        .iter()
        .map(|(r, p)| format!("{} {} ({}) overlaps the private pool {p}", r.role.as_str(), r.range, r.source))
        .collect();
    Ok(Outcome::warn(format!(
        "{}: replies to the security center's private addresses would be routed into the cluster network",
        named.join("; ")
    ))
    .evidence(evidence)
    .fix(format!("check where replies go: ip route get {}", region.private_cidrs.first().map(|n| n.network().to_string()).unwrap_or_default()))
    .fix("re-plan the overlapping range (pod and service CIDRs are chosen when the cluster is created), or join over the public network (--network public) so the private pool is not used"))
}
