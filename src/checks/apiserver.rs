//! API server checks: every step the security center's connection takes, proven from this host:
//! where the endpoint came from, DNS, TCP to every address, the TLS handshake and certificate,
//! anonymous `/readyz` and `/version`, and ping.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::check::{BoxFuture, Category, CheckDef, Checked, Early, Env, Fact, FactKind, Outcome, Run, always, never};
use crate::checks::words::values;
use crate::context::Resolved;
use crate::endpoint::{Endpoint, Host};
use crate::i18n::{Sep, Text};
use crate::probe::dns::{self, DnsFailure};
use crate::probe::http::{self, Exchange};
use crate::probe::icmp::{self, IcmpError};
use crate::probe::tcp::{self, TcpFailure};
use crate::probe::{ms, tls};
use crate::t;
use crate::units::human_duration;

pub const ENDPOINT: CheckDef = CheckDef {
    id: "apiserver.endpoint",
    category: Category::Apiserver,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: always,
    applies: always,
    run: Run::Sync(endpoint),
};

pub const DNS: CheckDef = CheckDef {
    id: "apiserver.dns",
    category: Category::Apiserver,
    needs: &["apiserver.endpoint"],
    after: &[],
    produces: &[FactKind::Addresses],
    reads: &[],
    required: never,
    applies: always,
    run: Run::Async(dns),
};

pub const TCP: CheckDef = CheckDef {
    id: "apiserver.tcp",
    category: Category::Apiserver,
    needs: &["apiserver.endpoint"],
    after: &["apiserver.dns"],
    produces: &[FactKind::Reachable],
    reads: &[FactKind::Addresses],
    required: always,
    applies: always,
    run: Run::Async(tcp),
};

pub const TLS: CheckDef = CheckDef {
    id: "apiserver.tls",
    category: Category::Apiserver,
    needs: &["apiserver.tcp"],
    after: &[],
    produces: &[FactKind::DirectLeaf],
    reads: &[FactKind::Reachable],
    required: always,
    applies: always,
    run: Run::Async(tls_check),
};

pub const HEALTH: CheckDef = CheckDef {
    id: "apiserver.health",
    category: Category::Apiserver,
    needs: &["apiserver.tls"],
    after: &[],
    produces: &[],
    reads: &[FactKind::Reachable],
    required: always,
    applies: always,
    run: Run::Async(health),
};

pub const VERSION: CheckDef = CheckDef {
    id: "apiserver.version",
    category: Category::Apiserver,
    needs: &["apiserver.tls"],
    after: &[],
    produces: &[FactKind::ServerVersion],
    reads: &[FactKind::Reachable],
    required: never,
    applies: always,
    run: Run::Async(version),
};

pub const ICMP: CheckDef = CheckDef {
    id: "apiserver.icmp",
    category: Category::Apiserver,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::Addresses],
    required: never,
    applies: always,
    run: Run::Async(icmp_check),
};

fn endpoint(env: &Env) -> Checked {
    let ctx = &env.ctx;
    if let Some(failure) = &ctx.endpoint_failure {
        let at = match (&failure.file, failure.line) {
            (Some(file), Some(line)) => Some(format!("{file}:{line}")),
            (Some(file), None) => Some(file.clone()),
            _ => None,
        };
        let message = match at {
            Some(at) => Text::join([Text::verbatim(at), failure.why.clone()], Sep::Colon),
            None => failure.why.clone(),
        };
        let mut outcome = Outcome::fail(message).evidence(json!({
            "refused_by_kubectl": failure.refused.is_some(),
            "kubectl_refusal": failure.refused,
            "file": failure.file,
            "line": failure.line,
            "kubectl_dials": failure.kubectl_dials,
            "source": failure.source,
        }));
        if failure.refused.is_some() {
            outcome = outcome.fix(t!("apiserver-fix-kubeconfig", command = "kubectl version"));
        }
        return Ok(outcome.fix(t!("apiserver-fix-or-flag")));
    }
    let Some(ep) = &ctx.endpoint else {
        let looked = Text::join(ctx.endpoint_search.iter().cloned(), Sep::Semicolon);
        return Ok(Outcome::skip(t!("apiserver-no-endpoint-looked", looked = looked))
            .evidence(json!({"looked": ctx.endpoint_search.iter().map(Text::en).collect::<Vec<_>>()}))
            .needing(t!("apiserver-input-endpoint"))
            .fix(t!("apiserver-fix-flag"))
            .fix(t!("apiserver-fix-kubeconfig-flag")));
    };
    let mut notes = ctx.endpoint_notes.clone();
    if let Some(name) = &ctx.tls.server_name {
        notes.push(t!("apiserver-note-tls-server-name", name = name));
    }
    if ctx.tls.insecure {
        notes.push(Text::verbatim("insecure-skip-tls-verify: true"));
    }
    for proxy in &ctx.proxies {
        notes.push(t!("apiserver-note-proxy-unused", source = &proxy.source, url = &proxy.url));
    }
    let plain_http = ep.kubectl_dials.as_deref().is_some_and(|u| u.starts_with("http://"));
    let warned = !ep.path.is_empty() || plain_http;
    let message = Text::join(
        std::iter::once(t!("apiserver-endpoint", url = ep.url(), source = ep.source.text())).chain(notes),
        Sep::Semicolon,
    );
    let mut outcome = if warned { Outcome::warn(message) } else { Outcome::pass(message) };
    if !ep.path.is_empty() {
        outcome = outcome.fix(t!("apiserver-fix-not-the-proxy"));
    }
    if plain_http {
        outcome = outcome.fix(t!("apiserver-fix-https-server", url = format!("https://{}:{}", ep.host, ep.port)));
    }
    Ok(outcome.evidence(json!({
        "url": ep.url(),
        "host": ep.host.bare(),
        "port": ep.port,
        "path": ep.path,
        "kubectl_dials": ep.kubectl_dials,
        "source": ep.source,
        "tls": {
            "ca": ctx.tls.ca.as_ref().map(|c| c.origin.to_string()),
            "tls_server_name": ctx.tls.server_name,
            "insecure_skip_tls_verify": ctx.tls.insecure,
        },
        "proxies": ctx.proxies.iter().map(|p| json!({"source": p.source, "url": p.url, "used": false})).collect::<Vec<_>>(),
    })))
}

fn family(result: &Result<Vec<IpAddr>, DnsFailure>) -> Value {
    match result {
        Ok(list) => json!({"addresses": list}),
        Err(e) => json!({"error": e, "message": e.to_string()}),
    }
}

/// The text of a failed query, or nothing when it did not fail.
fn failure_text(result: &Result<Vec<IpAddr>, DnsFailure>) -> Text {
    result.as_ref().err().map_or_else(|| Text::verbatim(""), DnsFailure::text)
}

fn no_endpoint() -> Outcome {
    Outcome::skip(t!("apiserver-no-endpoint"))
}

fn dns(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let Some(ep) = &ctx.endpoint else { return Ok(no_endpoint()) };
        let name = match &ep.host {
            Host::Ip(ip) => return Ok(Outcome::skip(t!("apiserver-dns-ip-literal", ip = ip.to_string()))),
            Host::Name(name) => name.clone(),
        };
        // The OS resolver is asked only when the system's DNS is: with --dns-server the user chose
        // which server may see the query.
        let (answer, system) = if ctx.dns_server.is_some() {
            (dns::resolve(&name, ctx.dns_server, ctx.timeout).await, None)
        } else {
            let (a, s) = tokio::join!(dns::resolve(&name, None, ctx.timeout), dns::system_lookup(&name, ctx.timeout));
            (a, Some(s))
        };
        let addresses = answer.addresses();
        let took = ms(answer.elapsed);
        let mut evidence = json!({
            "name": name,
            "server": answer.server,
            "a": family(&answer.a),
            "aaaa": family(&answer.aaaa),
            "ms": took,
        });
        if let Some(s) = &system {
            evidence["system_resolver"] = match s {
                Ok(list) => json!({"addresses": list}),
                Err(e) => json!({"error": e.to_string()}),
            };
        }
        let server = answer.server.text();
        if !addresses.is_empty() {
            env.produce(Fact::Addresses(Resolved {
                addresses: addresses.clone(),
                how: format!("DNS via {}", answer.server),
            }));
            let message = t!(
                "apiserver-dns-resolved",
                name = &name,
                addresses = values(&addresses),
                server = server,
                ms = took.to_string()
            );
            let and = |more: Text| Text::join([message.clone(), more], Sep::Semicolon);
            return Ok(match &system {
                Some(Ok(os)) if os.iter().all(|ip| !addresses.contains(ip)) => {
                    Outcome::warn(and(t!("apiserver-dns-os-overrides", addresses = values(os)))).fix(t!(
                        "apiserver-fix-dns-override",
                        getent = format!("getent ahosts {name}"),
                        dig = format!("dig {name}")
                    ))
                }
                Some(Ok(os))
                    if os.iter().any(|ip| !addresses.contains(ip)) || addresses.iter().any(|ip| !os.contains(ip)) =>
                {
                    Outcome::pass(and(t!("apiserver-dns-os-answers", addresses = values(os))))
                }
                Some(Err(e)) => Outcome::pass(and(t!("apiserver-dns-os-failed", why = e.text()))),
                _ => Outcome::pass(message),
            }
            .evidence(evidence));
        }
        if let Some(Ok(os)) = &system
            && !os.is_empty()
        {
            env.produce(Fact::Addresses(Resolved { addresses: os.clone(), how: "the OS resolver".into() }));
            return Ok(Outcome::warn(t!(
                "apiserver-dns-only-local",
                server = server,
                name = &name,
                a = failure_text(&answer.a),
                aaaa = failure_text(&answer.aaaa),
                addresses = values(os)
            ))
            .evidence(evidence)
            .fix(t!("apiserver-fix-publish-public", name = &name)));
        }
        let (a, aaaa) = (answer.a.as_ref().err(), answer.aaaa.as_ref().err());
        let outcome = if a == Some(&DnsFailure::NxDomain) || aaaa == Some(&DnsFailure::NxDomain) {
            Outcome::fail(t!("apiserver-dns-nxdomain", name = &name, server = server, ms = took.to_string()))
                .fix(t!("apiserver-fix-publish", name = &name))
        } else if matches!((a, aaaa), (Some(DnsFailure::NoData), Some(DnsFailure::NoData))) {
            Outcome::fail(t!("apiserver-dns-no-records", name = &name, server = server))
                .fix(t!("apiserver-fix-add-record", name = &name))
        } else if a == Some(&DnsFailure::TimedOut) || aaaa == Some(&DnsFailure::TimedOut) {
            Outcome::fail(t!(
                "apiserver-dns-no-answer",
                name = &name,
                server = server,
                timeout = human_duration(ctx.timeout)
            ))
            .fix(t!("apiserver-fix-dns-answers", command = "dig @SERVER NAME"))
        } else {
            let why = a.or(aaaa).map_or_else(|| Text::verbatim(""), DnsFailure::text);
            Outcome::fail(t!("apiserver-dns-failed", name = &name, server = server, why = why))
                .fix(t!("apiserver-fix-dns-config"))
        };
        Ok(outcome.evidence(evidence))
    })
}

fn tcp_fix(failure: &TcpFailure, addr: SocketAddr) -> Text {
    let (shown, port) = (addr.to_string(), addr.port());
    match failure {
        TcpFailure::Refused => {
            t!("apiserver-fix-tcp-refused", addr = shown, port = port, command = format!("ss -ltnp | grep :{port}"))
        }
        TcpFailure::TimedOut => t!("apiserver-fix-tcp-timed-out", addr = shown, port = port),
        TcpFailure::Unreachable(_) => {
            t!("apiserver-fix-tcp-unreachable", addr = shown, command = format!("ip route get {}", addr.ip()))
        }
        TcpFailure::Other(e) => t!("apiserver-fix-tcp-other", addr = shown, error = e),
    }
}

/// `ADDRESS why`, for each address that failed.
fn failed_connects(attempts: &[tcp::Attempt]) -> Text {
    Text::join(
        attempts.iter().filter_map(|a| {
            a.result.as_ref().err().map(|e| t!("probe-tcp-attempt-failed", addr = a.addr.to_string(), why = e.text()))
        }),
        Sep::Semicolon,
    )
}

fn tcp(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let Some(ep) = &ctx.endpoint else { return Ok(no_endpoint()) };
        let Some(resolved) = env.addresses() else {
            let why = env
                .result("apiserver.dns")
                .map_or_else(|| t!("apiserver-dns-did-not-run"), |c| c.outcome.message.clone());
            return Ok(Outcome::skip(t!("apiserver-tcp-no-address", why = why)).needing(t!("apiserver-input-address")));
        };
        let addrs: Vec<SocketAddr> = resolved.addresses.iter().map(|ip| SocketAddr::new(*ip, ep.port)).collect();
        let started = Instant::now();
        let attempts = tcp::connect_all(&addrs, ctx.timeout).await;
        let wall = ms(started.elapsed());
        let ok: Vec<SocketAddr> = attempts.iter().filter(|a| a.result.is_ok()).map(|a| a.addr).collect();
        env.produce(Fact::Reachable(ok.clone()));
        let evidence = json!({
            "port": ep.port,
            "timeout_ms": ms(ctx.timeout),
            "wall_ms": wall,
            "attempts": attempts.iter().map(|a| match &a.result {
                Ok(d) => json!({"address": a.addr.ip(), "ok": true, "ms": ms(*d)}),
                Err(e) => json!({"address": a.addr.ip(), "ok": false, "error": e, "message": e.to_string()}),
            }).collect::<Vec<_>>(),
        });
        let n_failed = attempts.iter().filter(|a| a.result.is_err()).count();
        let fixes: Vec<Text> =
            attempts.iter().filter_map(|a| a.result.as_ref().err().map(|e| tcp_fix(e, a.addr))).collect();
        let outcome = if n_failed == 0 {
            let times = Text::join(
                attempts.iter().filter_map(|a| {
                    a.result
                        .as_ref()
                        .ok()
                        .map(|d| t!("apiserver-tcp-time", addr = a.addr.to_string(), ms = ms(*d).to_string()))
                }),
                Sep::Comma,
            );
            Outcome::pass(t!("apiserver-tcp-connected", times = times))
        } else if ok.is_empty() {
            Outcome::fail(t!("apiserver-tcp-none", port = ep.port, failed = failed_connects(&attempts))).fixes(fixes)
        } else {
            Outcome::warn(t!(
                "apiserver-tcp-some",
                ok = ok.len(),
                total = attempts.len(),
                failed = failed_connects(&attempts)
            ))
            .fixes(fixes)
        };
        Ok(outcome.evidence(evidence))
    })
}

fn chain_json(chain: &[tls::CertInfo]) -> Value {
    json!(chain)
}

fn tls_fix(kind: &str, name: &str) -> Vec<Text> {
    match kind {
        "wrong-name" => {
            vec![t!("apiserver-fix-tls-wrong-name", name = name, command = "kubeadm init phase certs apiserver")]
        }
        "expired" => vec![t!(
            "apiserver-fix-tls-expired",
            renew = "kubeadm certs renew apiserver",
            list = "kubeadm certs check-expiration"
        )],
        "not-yet-valid" | "ca-not-yet-valid" => vec![t!("apiserver-fix-tls-clock", command = "timedatectl")],
        "ca-expired" => vec![t!("apiserver-fix-tls-ca-expired", command = "kubeadm certs renew")],
        "not-the-trusted-certificate" => vec![t!(
            "apiserver-fix-tls-pinned",
            name = name,
            command = "openssl s_client -connect HOST:PORT -showcerts"
        )],
        "wrong-usage" | "not-a-ca" | "insecure-signature" | "unhandled-extension" => {
            vec![t!("apiserver-fix-tls-reissue", command = "kubeadm init phase certs apiserver")]
        }
        "unknown-ca" | "self-signed" | "bad-signature" | "no-roots" => vec![t!("apiserver-fix-tls-cluster-ca")],
        _ => vec![],
    }
}

fn tls_check(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let Some(ep) = &ctx.endpoint else { return Ok(no_endpoint()) };
        let Some(addr) = env.reachable().and_then(|r| r.first().copied()) else {
            return Ok(Outcome::skip(t!("apiserver-no-tcp")));
        };
        let name = ctx.tls.name_for(&ep.host);
        let (trust, trusted) = ctx.tls.trust();
        let target = match tls::Target::new(&name, trust, false) {
            Ok(t) => t,
            Err(e) => return Ok(Outcome::fail(e)),
        };
        let stream = match tcp::connect(addr, ctx.timeout).await {
            Ok((s, _)) => s,
            Err(e) => {
                return Ok(Outcome::fail(t!("probe-tcp-second-connect", addr = addr.to_string(), why = e.text())));
            }
        };
        let mut evidence = json!({
            "address": addr.to_string(),
            "server_name": name,
            "sni": name.parse::<IpAddr>().is_err(),
            "trust": trusted.en(),
            "insecure_skip_tls_verify": ctx.tls.insecure,
            "timeout_ms": ms(ctx.timeout),
        });
        let hs = match tls::handshake(stream, &target, ctx.timeout).await {
            Err(f) => {
                evidence["error"] = json!({"kind": f.kind, "reason": f.reason.en()});
                evidence["chain"] = chain_json(&f.chain);
                if let Some(v) = &f.verdict {
                    evidence["verification"] = json!(v);
                }
                return Ok(Outcome::fail(t!(
                    "apiserver-tls-handshake-failed",
                    addr = addr.to_string(),
                    reason = f.reason
                ))
                .evidence(evidence));
            }
            Ok((_, hs)) => hs,
        };
        if let Some(leaf) = hs.chain.first() {
            env.produce(Fact::DirectLeaf(leaf.sha256.clone()));
        }
        let days_left = hs.chain.first().map(|l| tls::seconds_until(l.not_after_unix).div_euclid(86_400));
        evidence["protocol"] = json!(hs.protocol);
        evidence["cipher"] = json!(hs.cipher);
        evidence["handshake_ms"] = json!(ms(hs.elapsed));
        evidence["verification"] = json!(hs.verdict);
        evidence["chain"] = chain_json(&hs.chain);
        evidence["leaf_expires_in_days"] = json!(days_left);
        let summary = format!("{}, {}", hs.protocol, hs.cipher);
        let leaf_expiry = hs.chain.first().map(|l| l.not_after.clone()).unwrap_or_default();
        if !hs.verdict.verified {
            let kind = hs.verdict.kind.unwrap_or("other");
            let reason = hs.verdict.reason.clone().unwrap_or_else(|| Text::verbatim(""));
            if ctx.tls.insecure {
                return Ok(Outcome::warn(t!(
                    "apiserver-tls-insecure",
                    summary = summary,
                    trusted = trusted,
                    reason = reason
                ))
                .evidence(evidence)
                .fixes(tls_fix(kind, &name))
                .fix(t!("apiserver-fix-set-ca")));
            }
            return Ok(Outcome::fail(t!(
                "apiserver-tls-rejected",
                addr = addr.to_string(),
                kind = kind,
                reason = reason,
                trusted = trusted
            ))
            .evidence(evidence)
            .fixes(tls_fix(kind, &name)));
        }
        match days_left {
            Some(days) if days < 30 => Ok(Outcome::warn(t!(
                "apiserver-tls-expires-soon",
                summary = summary,
                name = &name,
                days = days,
                expiry = leaf_expiry
            ))
            .evidence(evidence)
            .fixes(tls_fix("expired", &name))),
            _ => Ok(Outcome::pass(t!(
                "apiserver-tls-valid",
                summary = summary,
                name = &name,
                trusted = trusted,
                expiry = leaf_expiry,
                days = days_left.unwrap_or_default().to_string()
            ))
            .evidence(evidence)),
        }
    })
}

/// A verified TLS connection to the first reachable address, with its setup timings.
async fn open_verified(env: &Env, ep: &Endpoint) -> Result<(TlsStream<TcpStream>, Value), Text> {
    let ctx = &env.ctx;
    let addr = env.reachable().and_then(|r| r.first().copied()).ok_or_else(|| t!("apiserver-no-tcp"))?;
    let (trust, _) = ctx.tls.trust();
    let target = tls::Target::new(&ctx.tls.name_for(&ep.host), trust, !ctx.tls.insecure)?;
    let shown = addr.to_string();
    let (stream, connect) = tcp::connect(addr, ctx.timeout)
        .await
        .map_err(|e| t!("apiserver-connect-failed", addr = &shown, why = e.text()))?;
    let (tls_stream, hs) = tls::handshake(stream, &target, ctx.timeout)
        .await
        .map_err(|f| t!("apiserver-tls-with", addr = &shown, reason = f.reason))?;
    Ok((tls_stream, json!({"address": shown, "connect_ms": ms(connect), "tls_ms": ms(hs.elapsed)})))
}

/// An HTTP/1.1 client over a fresh verified connection, or the outcome that says why there is none.
async fn http_client(env: &Env) -> Result<(http::Client, Value), Early> {
    let Some(ep) = &env.ctx.endpoint else { return Err(no_endpoint().into()) };
    let (stream, evidence) =
        open_verified(env, ep).await.map_err(|e| Outcome::fail(t!("apiserver-no-verified-connection", why = e)))?;
    let client = http::Client::start(stream, format!("{}:{}", ep.host, ep.port)).await.map_err(Outcome::fail)?;
    Ok((client, evidence))
}

fn exchange_json(x: &Exchange) -> Value {
    json!({
        "path": x.path,
        "status": x.status,
        "body": http::Body::of(&x.body).to_string(),
        "body_bytes": x.body.len(),
        "processing_ms": x.processing_ms,
        "transfer_ms": x.transfer_ms,
    })
}

/// `processing 1.2 ms, transfer 0.1 ms`
fn timing(x: &Exchange) -> Text {
    t!("apiserver-timing", processing = x.processing_ms.to_string(), transfer = x.transfer_ms.to_string())
}

fn health(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let (mut client, mut evidence) = http_client(env).await?;
        let Some(ep) = &ctx.endpoint else { return Ok(no_endpoint()) };
        let mut exchanges = Vec::new();
        for path in ["/readyz", "/healthz"] {
            match client.get(&ep.request_path(path), ctx.timeout).await {
                Ok(x) => {
                    let not_found = x.status == 404;
                    exchanges.push(x);
                    if !not_found {
                        break;
                    }
                }
                Err(e) => {
                    evidence["requests"] = json!(exchanges.iter().map(exchange_json).collect::<Vec<_>>());
                    return Ok(Outcome::fail(e.text()).evidence(evidence));
                }
            }
        }
        evidence["requests"] = json!(exchanges.iter().map(exchange_json).collect::<Vec<_>>());
        let Some(last) = exchanges.last() else {
            return Ok(Outcome::fail(t!("apiserver-no-request")).evidence(evidence));
        };
        let body = http::Body::of(&last.body);
        let (path, status) = (&last.path, last.status.to_string());
        Ok(match last.status {
            200 if matches!(body, http::Body::Ok) => {
                Outcome::pass(t!("apiserver-health-ok", path = path, timing = timing(last)))
            }
            200 => Outcome::pass(t!("apiserver-health-200", path = path, body = body.text(), timing = timing(last))),
            401 | 403 => {
                Outcome::pass(t!("apiserver-health-anonymous-off", path = path, status = status, timing = timing(last)))
            }
            500..=599 => {
                Outcome::fail(t!("apiserver-health-server-error", path = path, status = status, body = body.text()))
                    .fix(t!(
                        "apiserver-fix-readyz-verbose",
                        command = "kubectl get --raw='/readyz?verbose'",
                        logs = "crictl logs",
                        journal = "journalctl"
                    ))
            }
            _ => Outcome::fail(t!("apiserver-health-not-kubernetes", path = path, status = status, body = body.text()))
                .fix(t!("apiserver-fix-not-another-service")),
        }
        .evidence(evidence))
    })
}

/// `v1.28.3` → (1, 28); tolerant of `+` suffixes in minor (`28+`, as GKE and EKS write).
fn major_minor(major: &str, minor: &str) -> Option<(u32, u32)> {
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).collect::<String>().parse::<u32>().ok();
    Some((digits(major)?, digits(minor)?))
}

fn version(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let (mut client, mut evidence) = http_client(env).await?;
        let Some(ep) = &ctx.endpoint else { return Ok(no_endpoint()) };
        let x = match client.get(&ep.request_path("/version"), ctx.timeout).await {
            Ok(x) => x,
            Err(e) => return Ok(Outcome::fail(e.text()).evidence(evidence)),
        };
        evidence["request"] = exchange_json(&x);
        match x.status {
            200 => {}
            401 | 403 => {
                return Ok(Outcome::skip(t!("apiserver-version-anonymous-off", status = x.status.to_string()))
                    .evidence(evidence));
            }
            status => {
                return Ok(Outcome::fail(t!(
                    "apiserver-version-status",
                    status = status.to_string(),
                    body = http::Body::of(&x.body).text()
                ))
                .evidence(evidence));
            }
        }
        let parsed: Result<Value, _> = serde_json::from_str(&x.body);
        let field =
            |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(|s| crate::error::sanitize::excerpt_of(s, 64));
        let Some((git, major, minor)) =
            parsed.ok().and_then(|v| Some((field(&v, "gitVersion")?, field(&v, "major")?, field(&v, "minor")?)))
        else {
            return Ok(Outcome::fail(t!("apiserver-version-not-a-document", body = http::Body::of(&x.body).text()))
                .evidence(evidence));
        };
        env.produce(Fact::ServerVersion(git.clone()));
        evidence["git_version"] = json!(git);
        evidence["major"] = json!(major);
        evidence["minor"] = json!(minor);
        let timing = timing(&x);
        Ok(match major_minor(&major, &minor) {
            Some(v) if v < (1, 16) && ctx.audit => Outcome::warn(t!(
                "apiserver-version-too-old-for-audit",
                git = &git,
                major = &major,
                minor = &minor,
                timing = timing
            ))
            .fix(t!("apiserver-fix-upgrade")),
            Some(v) if v < (1, 16) => {
                Outcome::pass(t!("apiserver-version-old", git = &git, major = &major, minor = &minor, timing = timing))
            }
            _ => Outcome::pass(t!("apiserver-version", git = &git, major = &major, minor = &minor, timing = timing)),
        }
        .evidence(evidence))
    })
}

fn icmp_check(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        if !ctx.icmp {
            return Ok(Outcome::skip(t!("apiserver-icmp-disabled")));
        }
        let Some(resolved) = env.addresses() else {
            return Ok(Outcome::skip(t!("apiserver-icmp-no-address")));
        };
        let mut set = tokio::task::JoinSet::new();
        for ip in resolved.addresses.iter().copied() {
            let timeout = ctx.timeout;
            set.spawn(async move { icmp::ping(ip, 3, timeout).await });
        }
        let mut results = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok(p)) => results.push(p),
                Ok(Err(e @ IcmpError::NoPrivilege(_))) => return Ok(Outcome::skip(e.text())),
                Ok(Err(e)) => return Ok(Outcome::warn(t!("apiserver-icmp-failed", why = e.text()))),
                Err(e) => return Ok(Outcome::warn(t!("apiserver-icmp-failed", why = e.to_string()))),
            }
        }
        results.sort_by_key(|p| p.address);
        let evidence = json!({"pings": results.iter().map(|p| json!({
            "address": p.address,
            "sent": p.sent,
            "received": p.rtts.len(),
            "rtt_ms": p.rtts.iter().map(|d| ms(*d)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()});
        let silent: Vec<String> = results.iter().filter(|p| p.rtts.is_empty()).map(|p| p.address.to_string()).collect();
        let lines: Vec<Text> = results
            .iter()
            .filter(|p| !p.rtts.is_empty())
            .map(|p| {
                let v: Vec<f64> = p.rtts.iter().map(|d| ms(*d)).collect();
                let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                let max = v.iter().copied().fold(0.0, f64::max);
                let avg = (v.iter().sum::<f64>() / v.len() as f64 * 10.0).round() / 10.0;
                t!(
                    "apiserver-icmp-rtt",
                    address = p.address.to_string(),
                    min = min.to_string(),
                    avg = avg.to_string(),
                    max = max.to_string(),
                    received = p.rtts.len().to_string(),
                    sent = p.sent.to_string()
                )
            })
            .collect();
        let outcome = if silent.is_empty() {
            Outcome::pass(Text::join(lines, Sep::Semicolon))
        } else {
            let first = t!("apiserver-icmp-silent", addresses = values(&silent), timeout = human_duration(ctx.timeout));
            Outcome::warn(Text::join(std::iter::once(first).chain(lines), Sep::Semicolon))
        };
        Ok(outcome.evidence(evidence))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(major_minor("1", "28"), Some((1, 28)));
        assert_eq!(major_minor("1", "27+"), Some((1, 27)));
        assert_eq!(major_minor("", "1"), None);
        assert!(major_minor("1", "9").is_some_and(|v| v < (1, 16)));
    }
}
