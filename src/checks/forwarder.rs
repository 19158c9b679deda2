//! The hybrid-cloud forwarder, probed from wherever the tool runs: TCP and TLS through the ECS
//! host's port A must end at the API server itself, which the certificate proves.

use std::net::{IpAddr, SocketAddr};

use serde_json::json;

use crate::check::{BoxFuture, Category, CheckDef, Env, FactKind, Outcome, Run, always, with_forwarder};
use crate::endpoint::Host;
use crate::probe::{dns, ms, tcp, tls};

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
            return Ok(Outcome::skip("no --forwarder given; only hybrid-cloud clusters need one"));
        };
        let shown = format!("{host}:{port}");
        let addresses: Vec<IpAddr> = match host {
            Host::Ip(ip) => vec![*ip],
            Host::Name(name) => {
                let answer = dns::resolve(name, ctx.dns_server, ctx.timeout).await;
                let found = answer.addresses();
                if found.is_empty() {
                    let why = answer.a.err().map(|e| e.to_string()).unwrap_or_default();
                    return Ok(Outcome::fail(format!(
                        "the forwarder's name {name} does not resolve via {}: {why}",
                        answer.server
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
            let failed: Vec<String> =
                attempts.iter().filter_map(|a| a.result.as_ref().err().map(|e| format!("{} {e}", a.addr))).collect();
            return Ok(Outcome::fail(format!("no TCP connection to the forwarder: {}", failed.join("; ")))
                .evidence(evidence)
                .fix(format!("on the forwarder, check that port {port} is open to the region's pool and forwarded (firewall-cmd --list-forward-ports, iptables -t nat -S PREROUTING)")));
        };
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
            Err(e) => return Ok(Outcome::fail(format!("{addr}: {e} on the second connect")).evidence(evidence)),
        };
        let hs = match tls::handshake(stream, &target, ctx.timeout).await {
            Ok((_, hs)) => hs,
            Err(f) => {
                evidence["error"] = json!({"kind": f.kind, "reason": f.reason});
                evidence["chain"] = json!(f.chain);
                return Ok(Outcome::fail(format!(
                    "TCP to the forwarder {addr} works, but the TLS handshake through it failed: {}",
                    f.reason
                ))
                .evidence(evidence)
                .fix("the forwarder must pass the TCP stream through untouched (DNAT / forward-port / portproxy), not terminate it"));
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
        let outcome = match (&direct, ctx.endpoint.is_some()) {
            (Some(d), _) if *d == leaf => Outcome::pass(format!(
                "{addr} presents the API server's own certificate (SHA-256 {}…): the forwarder reaches the API server",
                &leaf[..leaf.len().min(23)]
            )),
            (Some(d), _) => Outcome::fail(format!(
                "{addr} presents a different certificate than the API server ({} vs {}…): the forwarder ends somewhere else, or terminates TLS",
                &leaf[..leaf.len().min(23)],
                &d[..d.len().min(23)]
            ))
            .fix("point the forwarder's rule at the API server's address and port (toaddr=/--to-destination/connectaddress)"),
            (None, true) if hs.verdict.verified => Outcome::pass(format!(
                "the direct path is not reachable from here; through {addr} the certificate is valid for {name} (verified against {trusted})"
            )),
            (None, true) => Outcome::fail(format!(
                "the direct path is not reachable from here, and the certificate through {addr} is not valid for the API server: {}",
                hs.verdict.reason.clone().unwrap_or_default()
            ))
            .fix("point the forwarder's rule at the API server's address and port"),
            (None, false) => Outcome::warn(format!(
                "TCP and TLS through {addr} work, but without the API server's address the certificate cannot be compared"
            ))
            .fix("pass --apiserver or a kubeconfig so the forwarder's certificate can be compared with the API server's"),
        };
        Ok(outcome.evidence(evidence))
    })
}
