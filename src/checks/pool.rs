//! The region's pool judged against the loaded layers on one connection: what `firewall.allowlist`
//! reports for the API server's port, and `forward.filter` for the connection a forwarder
//! forwards. One typed judgement, so that neither check reads the other's evidence.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::check::{Early, Outcome};
use crate::checks::words::{join, plural};
use crate::context::Context;
use crate::firewall::Layer;
use crate::firewall::analysis::{self, DecidingAction, EntryResult, EntryVerdict, Request};
use crate::firewall::fix::{LayerFix, fix_layer};
use crate::firewall::model::Undecidable;
use crate::firewall::ranges::{AddrSet, Family};
use crate::region::PoolEntry;

/// Every pool entry of a connection, judged.
#[derive(Debug)]
pub struct PoolJudgement {
    pub results: Vec<EntryResult>,
    /// The fixes for the layers that deny something (each checked by judging the fixed rules).
    pub fixes: Vec<LayerFix>,
    /// Why ranges are undecidable, each once.
    pub reasons: BTreeSet<Undecidable>,
    /// The connection, in words: `tcp/6443`, `tcp/16443 forwarded to 192.0.2.50:6443`.
    pub what: String,
    pub layers: usize,
    evidence: Value,
    region: String,
}

/// What would let the tool decide a range this reason leaves undecidable.
pub fn advice(reason: &Undecidable) -> String {
    match reason.root() {
        Undecidable::Interface(_) | Undecidable::ReversePath => {
            "pass --interface IF (the interface the pool's traffic arrives on) to decide -i/iifname and reverse-path rules"
                .to_string()
        }
        Undecidable::ApiAddress(_) => {
            "pass --apiserver with the API server's IP address (or a name that resolves) to decide -d/daddr rules"
                .to_string()
        }
        Undecidable::IpsetContents { .. } => {
            "pass --ipset FILE with `ipset save` output to decide -m set rules".to_string()
        }
        Undecidable::OpaqueXt { .. } => "also pass the iptables-nft-save output (--firewall iptables:FILE): nft shows iptables-nft rules only as opaque xt expressions".to_string(),
        Undecidable::NoLayer(_) => {
            "give the IPv6 rules too (ip6tables-save) when the pool has IPv6 entries".to_string()
        }
        other => format!("check by hand: {other}"),
    }
}

/// The advice for every reason, once each.
fn hints(reasons: &BTreeSet<Undecidable>) -> Vec<String> {
    reasons.iter().map(advice).collect::<BTreeSet<_>>().into_iter().collect()
}

/// Judges every pool entry (of the target's family, for a forwarded connection) against the
/// layers on the connection `req` describes; the fixes are worked out only when something is
/// denied.
pub fn judge(
    ctx: &Context,
    layers: &[Layer],
    entries: &[PoolEntry],
    req: &Request<'_>,
) -> Result<PoolJudgement, Early> {
    let Some(region) = &ctx.region else {
        return Err(Outcome::skip("no --region: the pool to admit is unknown (see region.known)").into());
    };
    let (entries, not_forwarded): (Vec<PoolEntry>, Vec<PoolEntry>) = match &req.flow {
        Some(_) => entries
            .iter()
            .cloned()
            .partition(|e| req.destinations.iter().any(|d| Family::of(*d) == Family::of_net(&e.entry))),
        None => (entries.to_vec(), Vec::new()),
    };
    if entries.is_empty() {
        return Err(Outcome::skip(format!(
            "no pool entry of {} has the address family of {}: none can be forwarded there",
            region.id,
            join(req.destinations)
        ))
        .into());
    }
    let (results, _) = analysis::judge_entries(layers, &entries, req);
    let what = match &req.flow {
        Some(flow) => {
            let to: Vec<SocketAddr> = req.destinations.iter().map(|d| SocketAddr::new(*d, req.port)).collect();
            format!("tcp/{} forwarded to {}", flow.listen_port, join(&to))
        }
        None => format!("tcp/{}", req.port),
    };
    let label = format!("k8sjoin-check {}", region.id);
    let pool = AddrSet::of_nets(entries.iter().map(|e| &e.entry));
    let mut fixes = Vec::new();
    if results.iter().any(|r| !r.denied.is_empty()) {
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
    });
    if !reasons.is_empty() {
        // What would decide the unknown ranges, for tools (the remediation says the same to people).
        evidence["undecidable"] = reasons.iter().map(|r| json!({"reason": r, "advice": advice(r)})).collect();
    }
    if let Some(flow) = &req.flow {
        evidence["forward"] = json!({
            "listen_port": flow.listen_port,
            "arrival": flow.arrival,
            "inbound": flow.in_iface,
            "outbound": flow.out_iface,
            "not_forwarded": not_forwarded.iter().map(|e| e.entry).collect::<Vec<_>>(),
        });
    }
    Ok(PoolJudgement { results, fixes, reasons, what, layers: layers.len(), evidence, region: region.id.clone() })
}

impl PoolJudgement {
    /// The names of the layers whose fix changes rules (not only notes).
    pub fn fixed_layers(&self) -> impl Iterator<Item = &str> {
        self.fixes.iter().filter(|f| !f.commands.is_empty()).map(|f| f.layer.as_str())
    }

    /// Fails naming the denied ranges with the fix for each layer; warns when nothing is denied
    /// but some ranges cannot be decided; passes when every entry is admitted.
    pub fn outcome(&self) -> Outcome {
        let (region, what, results) = (&self.region, &self.what, &self.results);
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
        let entries = plural(n, "y", "ies");
        if !denied.is_empty() {
            let mut o = Outcome::fail(format!(
                "{} of {n} pool entr{entries} of {region} cannot connect to {what}: {}",
                denied.len(),
                denied.join("; ")
            ))
            .evidence(self.evidence.clone());
            for fix in &self.fixes {
                o = o.fix(format!("# {}:", fix.layer)).fixes(fix.commands.iter().cloned()).fixes(fix.persist());
                o = o.fixes(fix.notes.iter().map(|n| format!("# {}: {n}", fix.layer)));
            }
            return o.fixes(hints(&self.reasons));
        }
        if !unknown.is_empty() {
            let why = self.reasons.iter().next().map(ToString::to_string).unwrap_or_default();
            return Outcome::warn(format!(
                "nothing denied, but {} of {n} pool entr{entries} cannot be decided on {what}: {} ({why})",
                unknown.len(),
                unknown.join(", ")
            ))
            .evidence(self.evidence.clone())
            .fixes(hints(&self.reasons));
        }
        Outcome::pass(format!(
            "all {n} pool entr{entries} of {region} admitted on {what} by {} layer{}",
            self.layers,
            plural(self.layers, "", "s")
        ))
        .evidence(self.evidence.clone())
    }
}
