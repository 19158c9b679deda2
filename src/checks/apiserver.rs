//! API server checks: every step the security center's connection takes, proven from this host:
//! where the endpoint came from, DNS, TCP to every address, the TLS handshake and certificate,
//! anonymous `/readyz` and `/version`, and ping.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::check::{BoxFuture, Category, CheckDef, Checked, Early, Env, Fact, FactKind, Outcome, Run, always, never};
use crate::context::Resolved;
use crate::endpoint::{Endpoint, Host};
use crate::probe::dns::{self, DnsFailure};
use crate::probe::http::{self, Exchange};
use crate::probe::icmp::{self, IcmpError};
use crate::probe::tcp::{self, TcpFailure};
use crate::probe::{ms, tls};
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
            (Some(file), Some(line)) => format!("{file}:{line}: "),
            (Some(file), None) => format!("{file}: "),
            _ => String::new(),
        };
        let mut outcome = Outcome::fail(format!("{at}{}", failure.why)).evidence(json!({
            "refused_by_kubectl": failure.refused.is_some(),
            "kubectl_refusal": failure.refused,
            "file": failure.file,
            "line": failure.line,
            "kubectl_dials": failure.kubectl_dials,
            "source": failure.source,
        }));
        if failure.refused.is_some() {
            outcome = outcome
                .fix("fix the kubeconfig so that `kubectl version` connects with it (it prints the same reason)");
        }
        return Ok(
            outcome.fix("or pass --apiserver https://HOST:PORT with the address the security center will connect to")
        );
    }
    let Some(ep) = &ctx.endpoint else {
        return Ok(Outcome::skip(format!(
            "no API server endpoint: no --apiserver, and no kubeconfig ({})",
            ctx.endpoint_search.join("; ")
        ))
        .evidence(json!({"looked": ctx.endpoint_search}))
        .needing("--apiserver https://HOST:PORT, or --kubeconfig PATH")
        .fix("pass --apiserver https://HOST:PORT with the address the security center will connect to")
        .fix("or pass --kubeconfig PATH (kubeadm writes /etc/kubernetes/admin.conf on control-plane nodes)"));
    };
    let mut notes = ctx.endpoint_notes.clone();
    if let Some(name) = &ctx.tls.server_name {
        notes.push(format!("certificate checked for tls-server-name {name}"));
    }
    if ctx.tls.insecure {
        notes.push("insecure-skip-tls-verify: true".to_string());
    }
    for proxy in &ctx.proxies {
        notes.push(format!(
            "{} {} is not used: the security center connects directly, and so do these probes",
            proxy.source, proxy.url
        ));
    }
    let plain_http = ep.kubectl_dials.as_deref().is_some_and(|u| u.starts_with("http://"));
    let warned = !ep.path.is_empty() || plain_http;
    let notes = if notes.is_empty() { String::new() } else { format!("; {}", notes.join("; ")) };
    let message = format!("{} (from {}){notes}", ep.url(), ep.source);
    let mut outcome = if warned { Outcome::warn(message) } else { Outcome::pass(message) };
    if !ep.path.is_empty() {
        outcome = outcome.fix("pass --apiserver https://HOST:PORT with the API server's own address (not the proxy's)");
    }
    if plain_http {
        outcome = outcome.fix(format!("write the kubeconfig's server as https://{}:{}", ep.host, ep.port));
    }
    Ok(outcome.evidence(json!({
        "url": ep.url(),
        "host": ep.host.bare(),
        "port": ep.port,
        "path": ep.path,
        "kubectl_dials": ep.kubectl_dials,
        "source": ep.source,
        "tls": {
            "ca": ctx.tls.ca.as_ref().map(|c| c.origin.clone()),
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

fn dns(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let Some(ep) = &ctx.endpoint else { return Ok(Outcome::skip("no API server endpoint")) };
        let name = match &ep.host {
            Host::Ip(ip) => return Ok(Outcome::skip(format!("{ip} is an IP literal: nothing to resolve"))),
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
                Err(e) => json!({"error": e}),
            };
        }
        let list = |ips: &[IpAddr]| ips.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        if !addresses.is_empty() {
            env.produce(Fact::Addresses(Resolved {
                addresses: addresses.clone(),
                how: format!("DNS via {}", answer.server),
            }));
            let message = format!("{name} → {} (via {}, {took} ms)", list(&addresses), answer.server);
            return Ok(match &system {
                Some(Ok(os)) if os.iter().all(|ip| !addresses.contains(ip)) => Outcome::warn(format!(
                    "{message}; but this host's OS resolver says {}: /etc/hosts or a local resolver overrides DNS, so this host's view is not the security center's",
                    list(os)
                ))
                .fix(format!("compare `getent ahosts {name}` with `dig {name}` and remove the local override")),
                Some(Ok(os)) if os.iter().any(|ip| !addresses.contains(ip)) || addresses.iter().any(|ip| !os.contains(ip)) => {
                    Outcome::pass(format!("{message}; the OS resolver answers {}", list(os)))
                }
                Some(Err(e)) => Outcome::pass(format!("{message}; the OS resolver failed: {e}")),
                _ => Outcome::pass(message),
            }
            .evidence(evidence));
        }
        if let Some(Ok(os)) = &system
            && !os.is_empty()
        {
            env.produce(Fact::Addresses(Resolved { addresses: os.clone(), how: "the OS resolver".into() }));
            return Ok(Outcome::warn(format!(
                "DNS ({}) has no address for {name} (A: {}; AAAA: {}), but this host's OS resolver says {}: a local override the security center cannot see",
                answer.server,
                answer.a.as_ref().err().map(ToString::to_string).unwrap_or_default(),
                answer.aaaa.as_ref().err().map(ToString::to_string).unwrap_or_default(),
                list(os)
            ))
            .evidence(evidence)
            .fix(format!("publish {name} in public DNS, or use the API server's IP address")));
        }
        let (a, aaaa) = (answer.a.as_ref().err(), answer.aaaa.as_ref().err());
        let outcome = if a == Some(&DnsFailure::NxDomain) || aaaa == Some(&DnsFailure::NxDomain) {
            Outcome::fail(format!("{name} does not exist: {} answered NXDOMAIN ({took} ms)", answer.server))
                .fix(format!("publish {name} in DNS, fix the typo, or use the API server's IP address"))
        } else if matches!((a, aaaa), (Some(DnsFailure::NoData), Some(DnsFailure::NoData))) {
            Outcome::fail(format!("{name} exists but has no A or AAAA record at {}", answer.server))
                .fix(format!("add an A (or AAAA) record for {name}"))
        } else if a == Some(&DnsFailure::TimedOut) || aaaa == Some(&DnsFailure::TimedOut) {
            Outcome::fail(format!(
                "no answer for {name} from {} within {}: the DNS server is down or unreachable",
                answer.server,
                human_duration(ctx.timeout)
            ))
            .fix("check that the DNS server answers (`dig @SERVER NAME`) and that UDP/TCP 53 to it is open")
        } else {
            let why = a.or(aaaa).map(ToString::to_string).unwrap_or_default();
            Outcome::fail(format!("{name} could not be resolved via {}: {why}", answer.server))
                .fix("check the DNS server and /etc/resolv.conf, or pass --dns-server IP:PORT")
        };
        Ok(outcome.evidence(evidence))
    })
}

fn tcp_fix(failure: &TcpFailure, addr: SocketAddr) -> String {
    let port = addr.port();
    match failure {
        TcpFailure::Refused => format!(
            "{addr} refused: make sure kube-apiserver listens on port {port} there (`ss -ltnp | grep :{port}`) and no firewall REJECTs the port"
        ),
        TcpFailure::TimedOut => format!(
            "{addr} timed out: a firewall (host, security group, network ACL) drops the SYN, or the host is down; admit tcp/{port}"
        ),
        TcpFailure::Unreachable(_) => {
            format!("{addr} is unreachable from here: check the route (`ip route get {}`)", addr.ip())
        }
        TcpFailure::Other(e) => format!("{addr}: {e}"),
    }
}

fn tcp(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let Some(ep) = &ctx.endpoint else { return Ok(Outcome::skip("no API server endpoint")) };
        let Some(resolved) = env.addresses() else {
            let why = env
                .result("apiserver.dns")
                .map_or_else(|| "apiserver.dns did not run".to_string(), |c| c.outcome.message.en());
            return Ok(Outcome::skip(format!("no address to connect to ({why})"))
                .needing("--apiserver with the API server's IP address, or a host name that resolves"));
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
        let failed: Vec<String> =
            attempts.iter().filter_map(|a| a.result.as_ref().err().map(|e| format!("{} {e}", a.addr))).collect();
        let fixes: Vec<String> =
            attempts.iter().filter_map(|a| a.result.as_ref().err().map(|e| tcp_fix(e, a.addr))).collect();
        let connected = |d: &std::time::Duration| ms(*d);
        let outcome = if failed.is_empty() {
            let times: Vec<String> = attempts
                .iter()
                .filter_map(|a| a.result.as_ref().ok().map(|d| format!("{} {} ms", a.addr, connected(d))))
                .collect();
            Outcome::pass(format!("connected to {}", times.join(", ")))
        } else if ok.is_empty() {
            Outcome::fail(format!("no address accepts TCP on port {}: {}", ep.port, failed.join("; "))).fixes(fixes)
        } else {
            Outcome::warn(format!(
                "{} of {} addresses accept TCP; failing: {}",
                ok.len(),
                attempts.len(),
                failed.join("; ")
            ))
            .fixes(fixes)
        };
        Ok(outcome.evidence(evidence))
    })
}

fn chain_json(chain: &[tls::CertInfo]) -> Value {
    json!(chain)
}

fn tls_fix(kind: &str, name: &str) -> Vec<String> {
    match kind {
        "wrong-name" => vec![format!(
            "add {name} to the API server certificate's SANs (kubeadm: apiServer.certSANs in the ClusterConfiguration, then `kubeadm init phase certs apiserver` after moving the old apiserver.crt/key away), or connect with a name it already covers"
        )],
        "expired" => vec!["renew the certificate: `kubeadm certs renew apiserver` and restart kube-apiserver; `kubeadm certs check-expiration` lists the others".into()],
        "not-yet-valid" | "ca-not-yet-valid" => vec!["check the clocks (`timedatectl`, chrony/ntpd) on this host and on the API server host".into()],
        "ca-expired" => vec!["the cluster CA has expired: renew it (kubeadm: `kubeadm certs renew` does not renew the CA; rotate it as the Kubernetes docs' manual CA rotation describes) and give the kubeconfig the new CA".into()],
        "not-the-trusted-certificate" => vec![
            format!("the kubeconfig pins a server certificate; put the certificate {name} presents now (or the CA that issued it) in certificate-authority(-data): `openssl s_client -connect HOST:PORT -showcerts` prints it"),
        ],
        "wrong-usage" | "not-a-ca" | "insecure-signature" | "unhandled-extension" => vec![
            "reissue the server certificate (kubeadm: move apiserver.crt/key away and run `kubeadm init phase certs apiserver`) so that kubectl accepts it".into(),
        ],
        "unknown-ca" | "self-signed" | "bad-signature" | "no-roots" => vec![
            "verify against the cluster's CA: pass --kubeconfig with a kubeconfig whose certificate-authority(-data) is the cluster CA (/etc/kubernetes/pki/ca.crt on kubeadm clusters)".into(),
        ],
        _ => vec![],
    }
}

fn tls_check(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let Some(ep) = &ctx.endpoint else { return Ok(Outcome::skip("no API server endpoint")) };
        let Some(addr) = env.reachable().and_then(|r| r.first().copied()) else {
            return Ok(Outcome::skip("no address accepted a TCP connection"));
        };
        let name = ctx.tls.name_for(&ep.host);
        let (trust, trusted) = ctx.tls.trust();
        let target = match tls::Target::new(&name, trust, false) {
            Ok(t) => t,
            Err(e) => return Ok(Outcome::fail(e)),
        };
        let stream = match tcp::connect(addr, ctx.timeout).await {
            Ok((s, _)) => s,
            Err(e) => return Ok(Outcome::fail(format!("{addr}: {e} on the second connect"))),
        };
        let mut evidence = json!({
            "address": addr.to_string(),
            "server_name": name,
            "sni": name.parse::<IpAddr>().is_err(),
            "trust": trusted,
            "insecure_skip_tls_verify": ctx.tls.insecure,
            "timeout_ms": ms(ctx.timeout),
        });
        let hs = match tls::handshake(stream, &target, ctx.timeout).await {
            Err(f) => {
                evidence["error"] = json!({"kind": f.kind, "reason": f.reason});
                evidence["chain"] = chain_json(&f.chain);
                if let Some(v) = &f.verdict {
                    evidence["verification"] = json!(v);
                }
                return Ok(Outcome::fail(format!("TLS handshake with {addr} failed: {}", f.reason)).evidence(evidence));
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
            let reason = hs.verdict.reason.clone().unwrap_or_default();
            if ctx.tls.insecure {
                return Ok(Outcome::warn(format!(
                    "{summary}; the certificate is NOT verified (insecure-skip-tls-verify), and verification against {trusted} would fail: {reason}"
                ))
                .evidence(evidence)
                .fixes(tls_fix(kind, &name))
                .fix("set certificate-authority-data in the kubeconfig instead of insecure-skip-tls-verify"));
            }
            return Ok(Outcome::fail(format!("certificate of {addr} rejected ({kind}): {reason}; trusted: {trusted}"))
                .evidence(evidence)
                .fixes(tls_fix(kind, &name)));
        }
        match days_left {
            Some(days) if days < 30 => Ok(Outcome::warn(format!(
                "{summary}; certificate valid for {name}, but it expires in {days} day{} ({leaf_expiry})",
                if days == 1 { "" } else { "s" }
            ))
            .evidence(evidence)
            .fixes(tls_fix("expired", &name))),
            _ => Ok(Outcome::pass(format!(
                "{summary}; certificate valid for {name}, verified against {trusted}, expires {leaf_expiry} ({} days)",
                days_left.unwrap_or_default()
            ))
            .evidence(evidence)),
        }
    })
}

/// A verified TLS connection to the first reachable address, with its setup timings.
async fn open_verified(env: &Env, ep: &Endpoint) -> Result<(TlsStream<TcpStream>, Value), String> {
    let ctx = &env.ctx;
    let addr = env.reachable().and_then(|r| r.first().copied()).ok_or("no address accepted a TCP connection")?;
    let (trust, _) = ctx.tls.trust();
    let target = tls::Target::new(&ctx.tls.name_for(&ep.host), trust, !ctx.tls.insecure)?;
    let (stream, connect) = tcp::connect(addr, ctx.timeout).await.map_err(|e| format!("{addr}: {e}"))?;
    let (tls_stream, hs) =
        tls::handshake(stream, &target, ctx.timeout).await.map_err(|f| format!("TLS with {addr}: {}", f.reason))?;
    Ok((tls_stream, json!({"address": addr.to_string(), "connect_ms": ms(connect), "tls_ms": ms(hs.elapsed)})))
}

/// An HTTP/1.1 client over a fresh verified connection, or the outcome that says why there is none.
async fn http_client(env: &Env) -> Result<(http::Client, Value), Early> {
    let Some(ep) = &env.ctx.endpoint else { return Err(Outcome::skip("no API server endpoint").into()) };
    let (stream, evidence) =
        open_verified(env, ep).await.map_err(|e| Outcome::fail(format!("cannot open a verified connection: {e}")))?;
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

fn health(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        let (mut client, mut evidence) = http_client(env).await?;
        let Some(ep) = &ctx.endpoint else { return Ok(Outcome::skip("no API server endpoint")) };
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
                    return Ok(Outcome::fail(e.to_string()).evidence(evidence));
                }
            }
        }
        evidence["requests"] = json!(exchanges.iter().map(exchange_json).collect::<Vec<_>>());
        let Some(last) = exchanges.last() else { return Ok(Outcome::fail("no request was sent").evidence(evidence)) };
        let timing = format!("processing {} ms, transfer {} ms", last.processing_ms, last.transfer_ms);
        let body = http::Body::of(&last.body);
        Ok(match last.status {
            200 => Outcome::pass(format!(
                "{}: {} ({timing})",
                last.path,
                if matches!(body, http::Body::Ok) { "ok".to_string() } else { format!("200, {body}") }
            )),
            401 | 403 => Outcome::pass(format!(
                "{} answered {}: anonymous access disabled, server reachable ({timing})",
                last.path, last.status
            )),
            status @ 500..=599 => Outcome::fail(format!("{} answered {status}: {body}", last.path))
                .fix("`kubectl get --raw='/readyz?verbose'` names the failing component; check the kube-apiserver logs (`crictl logs` / `journalctl`)"),
            status => Outcome::fail(format!(
                "{} answered {status} ({body}): this does not look like a Kubernetes API server",
                last.path
            ))
            .fix("check that the endpoint is the API server and not a proxy or another service"),
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
        let Some(ep) = &ctx.endpoint else { return Ok(Outcome::skip("no API server endpoint")) };
        let x = match client.get(&ep.request_path("/version"), ctx.timeout).await {
            Ok(x) => x,
            Err(e) => return Ok(Outcome::fail(e.to_string()).evidence(evidence)),
        };
        evidence["request"] = exchange_json(&x);
        match x.status {
            200 => {}
            401 | 403 => {
                return Ok(Outcome::skip(format!(
                    "/version answered {}: anonymous access is disabled, so the version is unknown; pass --k8s-version",
                    x.status
                ))
                .evidence(evidence));
            }
            status => {
                return Ok(Outcome::fail(format!("/version answered {status}: {}", http::Body::of(&x.body)))
                    .evidence(evidence));
            }
        }
        let parsed: Result<Value, _> = serde_json::from_str(&x.body);
        let field =
            |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(|s| crate::error::sanitize::excerpt_of(s, 64));
        let Some((git, major, minor)) =
            parsed.ok().and_then(|v| Some((field(&v, "gitVersion")?, field(&v, "major")?, field(&v, "minor")?)))
        else {
            return Ok(Outcome::fail(format!(
                "/version did not return a Kubernetes version document ({})",
                http::Body::of(&x.body)
            ))
            .evidence(evidence));
        };
        env.produce(Fact::ServerVersion(git.clone()));
        evidence["git_version"] = json!(git);
        evidence["major"] = json!(major);
        evidence["minor"] = json!(minor);
        let timing = format!("processing {} ms, transfer {} ms", x.processing_ms, x.transfer_ms);
        Ok(match major_minor(&major, &minor) {
            Some(v) if v < (1, 16) && ctx.audit => {
                Outcome::warn(format!("{git} (major {major}, minor {minor}): audit-log detection needs Kubernetes 1.16 or later ({timing})"))
                    .fix("upgrade the cluster to Kubernetes 1.16 or later to use audit-log threat detection")
            }
            Some(v) if v < (1, 16) => Outcome::pass(format!(
                "{git} (major {major}, minor {minor}; older than 1.16: audit-log detection would not be available) ({timing})"
            )),
            _ => Outcome::pass(format!("{git} (major {major}, minor {minor}) ({timing})")),
        }
        .evidence(evidence))
    })
}

fn icmp_check(env: &Env) -> BoxFuture<'_> {
    Box::pin(async move {
        let ctx = &env.ctx;
        if !ctx.icmp {
            return Ok(Outcome::skip("--no-icmp given"));
        }
        let Some(resolved) = env.addresses() else {
            return Ok(Outcome::skip("no API server address known"));
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
                Ok(Err(IcmpError::NoPrivilege(hint))) => return Ok(Outcome::skip(hint)),
                Ok(Err(IcmpError::Other(e))) => return Ok(Outcome::warn(format!("ping could not run: {e}"))),
                Err(e) => return Ok(Outcome::warn(format!("ping could not run: {e}"))),
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
        let lines: Vec<String> = results
            .iter()
            .filter(|p| !p.rtts.is_empty())
            .map(|p| {
                let v: Vec<f64> = p.rtts.iter().map(|d| ms(*d)).collect();
                let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                let max = v.iter().copied().fold(0.0, f64::max);
                let avg = (v.iter().sum::<f64>() / v.len() as f64 * 10.0).round() / 10.0;
                format!("{} rtt min/avg/max {min}/{avg}/{max} ms ({}/{} replies)", p.address, p.rtts.len(), p.sent)
            })
            .collect();
        let outcome = if silent.is_empty() {
            Outcome::pass(lines.join("; "))
        } else {
            Outcome::warn(format!(
                "no echo reply from {} within {} (ICMP is often filtered; this alone does not stop the security center){}",
                silent.join(", "),
                human_duration(ctx.timeout),
                if lines.is_empty() { String::new() } else { format!("; {}", lines.join("; ")) }
            ))
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
