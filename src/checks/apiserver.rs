//! API server checks: where the endpoint came from, and whether its name resolves.

use serde_json::json;

use crate::check::{BoxFuture, Category, CheckDef, Env, Outcome, Run, always};
use crate::context::Resolved;
use crate::endpoint::Host;

pub const ENDPOINT: CheckDef = CheckDef {
    id: "apiserver.endpoint",
    category: Category::Apiserver,
    title: "API server endpoint",
    explain: "Reports which API server address the other checks probe and where it came from (--apiserver). \
The security center connects to this address, so it must be the one reachable from the region's pool, not \
a loopback or node-local name. Fix: pass --apiserver https://HOST:PORT with the address the security center \
will use.",
    needs: &[],
    after: &[],
    applies: always,
    run: Run::Sync(endpoint),
};

pub const DNS: CheckDef = CheckDef {
    id: "apiserver.dns",
    category: Category::Apiserver,
    title: "API server name resolves",
    explain: "Resolves the API server's host name (A and AAAA) and times it; skipped for an IP literal. A name \
that does not resolve here will not resolve for the security center either when it is private to this \
network. Fix: publish the name in public DNS, or use the IP address in the join configuration.",
    needs: &["apiserver.endpoint"],
    after: &[],
    applies: always,
    run: Run::Async(dns),
};

fn endpoint(env: &Env) -> Outcome {
    match &env.ctx.endpoint {
        Some(ep) => Outcome::pass(format!("{} (from {})", ep.url(), ep.source)).evidence(json!({
            "url": ep.url(),
            "host": ep.host.bare(),
            "port": ep.port,
            "source": ep.source,
        })),
        None => Outcome::skip("no API server endpoint given")
            .fix("pass --apiserver https://HOST:PORT with the address the security center will connect to"),
    }
}

fn dns(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let Some(ep) = &ctx.endpoint else { return Outcome::skip("no API server endpoint") };
        let name = match &ep.host {
            Host::Ip(ip) => return Outcome::skip(format!("{ip} is an IP literal: nothing to resolve")),
            Host::Name(name) => name.clone(),
        };
        let started = std::time::Instant::now();
        let lookup = tokio::time::timeout(ctx.timeout, tokio::net::lookup_host((name.as_str(), ep.port))).await;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        match lookup {
            Err(_) => Outcome::fail(format!(
                "resolving {name} timed out after {}",
                crate::report::human_duration(ctx.timeout)
            ))
            .fix("check /etc/resolv.conf and that the DNS server answers"),
            Ok(Err(e)) => Outcome::fail(format!("{name} does not resolve: {e}"))
                .fix(format!("publish {name} in DNS, or use the API server's IP address")),
            Ok(Ok(addrs)) => {
                let mut addresses: Vec<std::net::IpAddr> = addrs.map(|sa| sa.ip()).collect();
                addresses.dedup();
                let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
                let _ = ctx.facts.addresses.set(Resolved { addresses, how: "system resolver".into() });
                Outcome::pass(format!("{name} → {} ({ms:.1} ms)", list.join(", ")))
                    .evidence(json!({"name": name, "addresses": list, "resolver": "system", "ms": ms}))
            }
        }
    })
}
