//! The region's pool judged against the loaded layers on one connection: what `firewall.allowlist`
//! reports for the API server's port, and `forward.filter` for the connection a forwarder
//! forwards. One typed judgement, so that neither check reads the other's evidence.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::check::{Early, Outcome};
use crate::checks::words::values;
use crate::context::Context;
use crate::firewall::Layer;
use crate::firewall::analysis::{self, DecidingAction, EntryResult, EntryVerdict, Request};
use crate::firewall::fix::{LayerFix, fix_layer};
use crate::firewall::model::{Direction, Side, Undecidable};
use crate::firewall::ranges::{AddrSet, Family};
use crate::i18n::{Sep, Text};
use crate::region::PoolEntry;
use crate::t;

/// Every pool entry of a connection, judged.
#[derive(Debug)]
pub struct PoolJudgement {
    pub results: Vec<EntryResult>,
    /// The fixes for the layers that deny something (each checked by judging the fixed rules).
    pub fixes: Vec<LayerFix>,
    /// Why ranges are undecidable, each once.
    pub reasons: BTreeSet<Undecidable>,
    /// The connection, in words: `tcp/6443`, `tcp/16443 forwarded to 192.0.2.50:6443`.
    pub what: Text,
    pub layers: usize,
    evidence: Value,
    region: String,
}

/// Why a range is undecidable, in the run's language. Every variant has its own message; the
/// texts a variant carries (a parser's words for a rule it does not model, an evaluator's
/// limitation) are the input's or the evaluator's own words and are inserted as they are.
pub fn undecidable_text(reason: &Undecidable) -> Text {
    match reason {
        Undecidable::Interface(Direction::In) => t!("pool-undecidable-interface-in"),
        Undecidable::Interface(Direction::Out) => t!("pool-undecidable-interface-out"),
        Undecidable::ApiAddress(Side::Dst) => t!("pool-undecidable-api-address-dst"),
        Undecidable::ApiAddress(Side::Src) => t!("pool-undecidable-api-address-src"),
        Undecidable::IpsetContents { name, looked_in } if looked_in.is_empty() => {
            t!("pool-undecidable-ipset", name = &**name)
        }
        Undecidable::IpsetContents { name, looked_in } => {
            t!("pool-undecidable-ipset-not-in", name = &**name, looked_in = &**looked_in)
        }
        Undecidable::OpaqueXt { name, target: true } => t!("pool-undecidable-xt-target", name = &**name),
        Undecidable::OpaqueXt { name, target: false } => t!("pool-undecidable-xt-match", name = &**name),
        Undecidable::NoLayer(family) => t!("pool-undecidable-no-layer", family = family.name()),
        Undecidable::Translation(inner) => t!("pool-undecidable-translation", reason = undecidable_text(inner)),
        Undecidable::PathsDisagree { nat: true } => t!("pool-undecidable-nat-paths-disagree"),
        Undecidable::PathsDisagree { nat: false } => t!("pool-undecidable-paths-disagree"),
        Undecidable::Unsupported(text) => Text::verbatim(&**text),
        Undecidable::Limitation(text) => limitation_text(text),
        Undecidable::RateOrState { what } => t!("pool-undecidable-rate-or-state", what = &**what),
        Undecidable::ReversePath => t!("pool-undecidable-reverse-path"),
        Undecidable::Loop { chain } => t!("pool-undecidable-loop", chain = &**chain),
        Undecidable::Budget { steps } => t!("pool-undecidable-budget", steps = *steps),
    }
}

/// The evaluator's limitations (`Undecidable::Limitation`, a closed set of its own words) in the
/// run's language; one the catalogue does not know yet is kept as the evaluator wrote it.
fn limitation_text(text: &'static str) -> Text {
    match text {
        "chains nest deeper than 128" => t!("pool-limitation-deep-chains"),
        "undecidable match" => t!("pool-limitation-undecidable-match"),
        "a conntrack match before connection tracking runs (raw table)" => t!("pool-limitation-raw-conntrack"),
        "a connection mark before connection tracking runs (raw table)" => t!("pool-limitation-raw-connmark"),
        "conntrack status bits that vary along the connection" => t!("pool-limitation-ct-status"),
        "a mark an earlier rule may have set" => t!("pool-limitation-earlier-mark"),
        "whether the address is local to this host" => t!("pool-limitation-local-address"),
        "the connection is translated to an address this host has no route to" => t!("pool-limitation-no-route"),
        other => Text::verbatim(other),
    }
}

/// What would let the tool decide a range this reason leaves undecidable.
pub fn advice(reason: &Undecidable) -> Text {
    let root = reason.root();
    match root {
        Undecidable::Interface(_) | Undecidable::ReversePath => t!("pool-advice-interface"),
        Undecidable::ApiAddress(_) => t!("pool-advice-apiserver"),
        Undecidable::IpsetContents { .. } => t!("pool-advice-ipset"),
        Undecidable::OpaqueXt { .. } => t!("pool-advice-opaque-xt"),
        Undecidable::NoLayer(_) => t!("pool-advice-no-layer"),
        Undecidable::Translation(_)
        | Undecidable::PathsDisagree { .. }
        | Undecidable::Unsupported(_)
        | Undecidable::Limitation(_)
        | Undecidable::RateOrState { .. }
        | Undecidable::Loop { .. }
        | Undecidable::Budget { .. } => t!("pool-advice-by-hand", reason = undecidable_text(root)),
    }
}

/// The advice for every reason, once each, in the order of its English text.
fn hints(reasons: &BTreeSet<Undecidable>) -> Vec<Text> {
    let by_text: BTreeMap<String, Text> = reasons.iter().map(advice).map(|a| (a.en(), a)).collect();
    by_text.into_values().collect()
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
        return Err(Outcome::skip(t!("pool-no-region-to-admit")).into());
    };
    let (entries, not_forwarded): (Vec<PoolEntry>, Vec<PoolEntry>) = match &req.flow {
        Some(_) => entries
            .iter()
            .cloned()
            .partition(|e| req.destinations.iter().any(|d| Family::of(*d) == Family::of_net(&e.entry))),
        None => (entries.to_vec(), Vec::new()),
    };
    if entries.is_empty() {
        return Err(Outcome::skip(t!(
            "pool-no-entry-of-family",
            region = &region.id,
            destinations = values(req.destinations)
        ))
        .into());
    }
    let (results, _) = analysis::judge_entries(layers, &entries, req);
    let what = match &req.flow {
        Some(flow) => {
            let to: Vec<SocketAddr> = req.destinations.iter().map(|d| SocketAddr::new(*d, req.port)).collect();
            t!("pool-what-forwarded", port = flow.listen_port.to_string(), to = values(&to))
        }
        None => Text::verbatim(format!("tcp/{}", req.port)),
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
        evidence["undecidable"] = reasons.iter().map(|r| json!({"reason": r, "advice": advice(r).en()})).collect();
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
        let denied: Vec<Text> = results
            .iter()
            .filter(|r| matches!(r.verdict, EntryVerdict::Denied | EntryVerdict::Partial))
            .map(|r| {
                let which = if r.verdict == EntryVerdict::Denied {
                    Text::verbatim(r.entry.to_string())
                } else {
                    t!("pool-part-of-entry", ranges = values(&r.denied), entry = r.entry.to_string())
                };
                match r.deciding.iter().find(|d| d.action.denies()) {
                    None => which,
                    Some(d) => match (&d.chain, d.rule) {
                        (Some(c), Some(n)) => t!(
                            "pool-denied-by-rule",
                            which = which,
                            layer = &d.layer,
                            chain = c,
                            rule = n.to_string(),
                            action = d.action.as_str()
                        ),
                        (Some(c), None) => t!("pool-denied-by-policy", which = which, layer = &d.layer, chain = c),
                        _ => t!("pool-denied-by-layer", which = which, layer = &d.layer),
                    },
                }
            })
            .collect();
        let unknown: Vec<Text> = results.iter().filter(|r| !r.unknown.is_empty()).map(|r| values(&r.unknown)).collect();
        let n = results.len();
        if !denied.is_empty() {
            let mut o = Outcome::fail(t!(
                "pool-denied",
                denied = denied.len(),
                n = n,
                region = region,
                what = what,
                list = Text::join(denied, Sep::Semicolon)
            ))
            .evidence(self.evidence.clone());
            for fix in &self.fixes {
                o = o
                    .fix(Text::verbatim(format!("# {}:", fix.layer)))
                    .fixes(fix.commands.iter().map(Text::verbatim))
                    .fixes(fix.persist().into_iter().map(Text::verbatim));
                o = o.fixes(fix.notes.iter().map(|note| t!("pool-fix-note", layer = &fix.layer, note = note)));
            }
            return o.fixes(hints(&self.reasons));
        }
        if !unknown.is_empty() {
            let why = self.reasons.iter().next().map_or_else(|| Text::verbatim(""), undecidable_text);
            return Outcome::warn(t!(
                "pool-undecided",
                undecided = unknown.len(),
                n = n,
                what = what,
                list = Text::join(unknown, Sep::Comma),
                why = why
            ))
            .evidence(self.evidence.clone())
            .fixes(hints(&self.reasons));
        }
        Outcome::pass(t!("pool-admitted", n = n, region = region, what = what, n_layers = self.layers))
            .evidence(self.evidence.clone())
    }
}
