//! The hybrid-cloud forwarder, probed from wherever the tool runs: TCP and TLS through the ECS
//! host's port A must end at the API server itself, which the certificate proves.

use std::net::{IpAddr, SocketAddr};

use serde_json::json;

use crate::check::{BoxFuture, Category, CheckDef, Env, FactKind, Outcome, Run, always, with_forwarder};
use crate::endpoint::Host;
use crate::i18n::{Sep, Text};
use crate::probe::{dns, ms, tcp, tls};
use crate::t;

pub const REACH: CheckDef = CheckDef {
    id: "forwarder.reach",
    category: Category::Forwarder,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::DirectLeaf],
    required: with_forwarder,
    applies: always,
    run: Run::Async(reach),
};

fn reach(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let Some((host, port)) = &ctx.forwarder else {
            return Ok(Outcome::skip(t!("forwarder-not-given")));
        };
        let shown = format!("{host}:{port}");
        let addresses: Vec<IpAddr> = match host {
            Host::Ip(ip) => vec![*ip],
            Host::Name(name) => {
                let answer = dns::resolve(name, ctx.dns_server, ctx.timeout).await;
                let found = answer.addresses();
                if found.is_empty() {
                    let why = answer.a.as_ref().err().map_or_else(|| Text::verbatim(""), dns::DnsFailure::text);
                    return Ok(Outcome::fail(t!(
                        "forwarder-name-unresolved",
                        name = name,
                        server = answer.server.text(),
                        why = why
                    )));
                }
                found
            }
        };
        let addrs: Vec<SocketAddr> = addresses.iter().map(|ip| SocketAddr::new(*ip, *port)).collect();
        let attempts = tcp::connect_all(&addrs, ctx.timeout).await;
        let mut evidence = json!({
            "forwarder": shown,
            "attempts": attempts.iter().map(|a| match &a.result {
                Ok(d) => json!({"address": a.addr.ip(), "ok": true, "ms": ms(*d)}),
                Err(e) => json!({"address": a.addr.ip(), "ok": false, "error": e, "message": e.to_string()}),
            }).collect::<Vec<_>>(),
        });
        let Some(addr) = attempts.iter().find(|a| a.result.is_ok()).map(|a| a.addr) else {
            let failed = Text::join(
                attempts.iter().filter_map(|a| {
                    a.result
                        .as_ref()
                        .err()
                        .map(|e| t!("probe-tcp-attempt-failed", addr = a.addr.to_string(), why = e.text()))
                }),
                Sep::Semicolon,
            );
            return Ok(Outcome::fail(t!("forwarder-no-tcp", failed = failed)).evidence(evidence).fix(t!(
                "forwarder-fix-port",
                port = *port,
                firewalld = "firewall-cmd --list-forward-ports",
                iptables = "iptables -t nat -S PREROUTING"
            )));
        };
        let at = addr.to_string();
        // Through a forwarder the TLS session is the API server's, so it is verified for the API
        // server's name; without a known endpoint only the forwarder's own name is left.
        let name = ctx.endpoint.as_ref().map_or_else(|| host.bare(), |ep| ctx.tls.name_for(&ep.host));
        let (trust, trusted) = ctx.tls.trust();
        let target = match tls::Target::new(&name, trust, false) {
            Ok(t) => t,
            Err(e) => return Ok(Outcome::fail(e).evidence(evidence)),
        };
        let stream = match tcp::connect(addr, ctx.timeout).await {
            Ok((s, _)) => s,
            Err(e) => {
                return Ok(Outcome::fail(t!("probe-tcp-second-connect", addr = &at, why = e.text())).evidence(evidence));
            }
        };
        let hs = match tls::handshake(stream, &target, ctx.timeout).await {
            Ok((_, hs)) => hs,
            Err(f) => {
                evidence["error"] = json!({"kind": f.kind, "reason": f.reason.en()});
                evidence["chain"] = json!(f.chain);
                return Ok(Outcome::fail(t!("forwarder-tls-failed", addr = &at, reason = f.reason))
                    .evidence(evidence)
                    .fix(t!("forwarder-fix-pass-through")));
            }
        };
        let leaf = hs.chain.first().map(|l| l.sha256.clone()).unwrap_or_default();
        let direct = env.direct_leaf().map(str::to_string);
        evidence["server_name"] = json!(name);
        evidence["protocol"] = json!(hs.protocol);
        evidence["handshake_ms"] = json!(ms(hs.elapsed));
        evidence["chain"] = json!(hs.chain);
        evidence["verification"] = json!(hs.verdict);
        evidence["leaf_sha256"] = json!(leaf);
        evidence["direct_leaf_sha256"] = json!(direct);
        let short = |fingerprint: &str| fingerprint[..fingerprint.len().min(23)].to_string();
        let outcome = match (&direct, ctx.endpoint.is_some()) {
            (Some(d), _) if *d == leaf => {
                Outcome::pass(t!("forwarder-same-certificate", addr = &at, sha256 = short(&leaf)))
            }
            (Some(d), _) => {
                Outcome::fail(t!("forwarder-different-certificate", addr = &at, leaf = short(&leaf), direct = short(d)))
                    .fix(t!("forwarder-fix-point-rule-at", keys = "toaddr=/--to-destination/connectaddress"))
            }
            (None, true) if hs.verdict.verified => {
                Outcome::pass(t!("forwarder-valid-without-direct", addr = &at, name = &name, trusted = trusted))
            }
            (None, true) => Outcome::fail(t!(
                "forwarder-invalid-without-direct",
                addr = &at,
                reason = hs.verdict.reason.clone().unwrap_or_else(|| Text::verbatim(""))
            ))
            .fix(t!("forwarder-fix-point-rule")),
            (None, false) => {
                Outcome::warn(t!("forwarder-cannot-compare", addr = &at)).fix(t!("forwarder-fix-give-apiserver"))
            }
        };
        Ok(outcome.evidence(evidence))
    })
}
