//! The API server probes against real servers on loopback: a rustls server with certificates made
//! here, a DNS server, a listener that never speaks TLS. Everything runs the real binary.
#![expect(clippy::unwrap_used, reason = "a test or benchmark: a panic is the failure report")]

mod common;

use common::check;
mod servers;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;
use servers::{Answers, ApiServer, Ca, DnsServer, Leaf};

const NAME: &str = "api.k8sjoin.test";

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A kubeconfig with one context `test` for `server`, trusting `ca` when given.
fn kubeconfig(dir: &Path, server: &str, ca: Option<&Ca>) -> PathBuf {
    let ca_line = ca.map(|c| format!("    certificate-authority-data: {}\n", b64(&c.pem))).unwrap_or_default();
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\ncontexts:\n- name: test\n  context: {{cluster: c, user: u}}\n\
         clusters:\n- name: c\n  cluster:\n    server: {server}\n{ca_line}users:\n- name: u\n  user: {{}}\n"
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    path
}

fn run_json(args: &[&str]) -> (Value, std::process::Output) {
    let mut all = vec!["--region", "cn-hangzhou", "--format", "json"];
    all.extend_from_slice(args);
    let out = common::run(&all);
    let report: Value = common::report_json(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout={} stderr={}", common::stdout(&out), common::stderr(&out)));
    (report, out)
}

fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["status"].as_str().unwrap()
}

#[test]
fn valid_chain_with_the_right_san_passes_every_apiserver_check() {
    let ca = Ca::new("valid");
    let leaf = ca.leaf(&[NAME], -1, 365);
    let server = ApiServer::start(&leaf, Answers::default());
    let dns = DnsServer::start(HashMap::from([(NAME.to_string(), vec!["127.0.0.1".parse::<IpAddr>().unwrap()])]));
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &format!("https://{NAME}:{}", server.addr.port()), Some(&ca));
    let dns_server = dns.addr.to_string();
    let (report, out) = run_json(&["--kubeconfig", kc.to_str().unwrap(), "--dns-server", &dns_server]);
    for id in [
        "apiserver.endpoint",
        "apiserver.dns",
        "apiserver.tcp",
        "apiserver.tls",
        "apiserver.health",
        "apiserver.version",
    ] {
        assert_eq!(status(&report, id), "pass", "{id}: {}", check(&report, id));
    }
    let icmp = status(&report, "apiserver.icmp");
    if common::is_root() {
        assert_eq!(icmp, "pass", "{}", check(&report, "apiserver.icmp"));
    } else {
        assert!(icmp == "pass" || icmp == "skip", "{icmp}");
    }
    assert_eq!(check(&report, "apiserver.endpoint")["evidence"]["source"]["kind"], "kubeconfig");
    let tls = &check(&report, "apiserver.tls")["evidence"];
    assert_eq!(tls["verification"]["verified"], true);
    assert_eq!(tls["chain"][0]["sha256"], leaf.sha256());
    assert_eq!(tls["chain"][0]["sans"][0], NAME);
    assert_eq!(tls["sni"], true);
    assert!(tls["protocol"].as_str().unwrap().starts_with("TLS 1."), "{tls}");
    let version = check(&report, "apiserver.version");
    assert_eq!(version["evidence"]["git_version"], "v1.28.3");
    assert!(version["message"].as_str().unwrap().contains("v1.28.3"));
    let health = check(&report, "apiserver.health");
    assert_eq!(health["evidence"]["requests"][0]["path"], "/readyz");
    assert!(health["evidence"]["requests"][0]["processing_ms"].is_number());
    assert!(dns.queries.load(std::sync::atomic::Ordering::SeqCst) >= 2, "A and AAAA");
    assert_eq!(check(&report, "region.network-type")["evidence"]["addresses"][0]["address"], "127.0.0.1");
    // The loopback address is fine for probing but never for the security center.
    assert_eq!(status(&report, "region.network-type"), "warn");
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
}

/// What the clock changes from run to run: `12.3 ms`, `0.1/0.2/0.3 ms` and the days left of a
/// certificate made this second become `# ms`, `#/#/# ms` and `# days`.
fn without_clock(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let rest: String = chars[i..].iter().take(4).collect();
            if rest.starts_with(" ms") || rest == " day" || rest.starts_with('/') {
                out.push('#');
            } else {
                out.extend(&chars[start..i]);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn a_chinese_run_speaks_chinese_and_keeps_the_english_run_s_messages() {
    let ca = Ca::new("zh");
    let server = ApiServer::start(&ca.leaf(&[NAME], -1, 365), Answers::default());
    let dns = DnsServer::start(HashMap::from([(NAME.to_string(), vec!["127.0.0.1".parse::<IpAddr>().unwrap()])]));
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &format!("https://{NAME}:{}", server.addr.port()), Some(&ca));
    let dns_server = dns.addr.to_string();
    let args = ["--kubeconfig", kc.to_str().unwrap(), "--dns-server", &dns_server, "--only", "apiserver"];
    let (english, _) = run_json(&args);
    let (chinese, _) = run_json(&[&args[..], &["--lang", "zh"]].concat());
    let checks = chinese["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 7, "{chinese}");
    for c in checks {
        let id = c["id"].as_str().unwrap();
        assert!(id.starts_with("apiserver."), "{id}");
        let message = c["message"].as_str().unwrap();
        assert!(message.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "{id}: not in Chinese: {message}");
        let en = check(&english, id);
        assert_eq!(c["status"], en["status"], "{id}: {c} / {en}");
        assert!(en.get("message_en").is_none(), "{id}: an English run has no message_en");
        let message_en = c["message_en"].as_str().unwrap_or_else(|| panic!("{id}: no message_en: {c}"));
        assert_eq!(without_clock(message_en), without_clock(en["message"].as_str().unwrap()), "{id}");
    }
}

/// Runs the TLS check against a server presenting `leaf`, trusting `trusted`.
fn tls_against(leaf: &Leaf, trusted: &Ca) -> Value {
    let server = ApiServer::start(leaf, Answers::default());
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &server.url(), Some(trusted));
    let (report, _) = run_json(&["--kubeconfig", kc.to_str().unwrap(), "--only", "apiserver.tls", "--timeout", "2s"]);
    check(&report, "apiserver.tls").clone()
}

#[test]
fn certificate_failures_fail_with_the_chain_and_the_exact_reason() {
    let ca = Ca::new("main");
    let other = Ca::new("other");
    let cases: Vec<(&str, Leaf, &Ca, &str)> = vec![
        ("wrong SAN", ca.leaf(&["elsewhere.example"], -1, 365), &ca, "wrong-name"),
        ("expired", ca.leaf(&["127.0.0.1"], -30, -1), &ca, "expired"),
        ("not yet valid", ca.leaf(&["127.0.0.1"], 2, 365), &ca, "not-yet-valid"),
        ("unknown CA", other.leaf(&["127.0.0.1"], -1, 365), &ca, "unknown-ca"),
        ("self-signed", Leaf::self_signed(&["127.0.0.1"]), &ca, "self-signed"),
    ];
    for (what, leaf, trusted, kind) in cases {
        let tls = tls_against(&leaf, trusted);
        assert_eq!(tls["status"], "fail", "{what}: {tls}");
        let evidence = &tls["evidence"];
        assert_eq!(evidence["verification"]["kind"], kind, "{what}: {tls}");
        assert_eq!(evidence["chain"][0]["sha256"], leaf.sha256(), "{what}: the chain is recorded");
        assert!(evidence["chain"][0]["not_after"].as_str().is_some_and(|s| !s.is_empty()), "{what}");
        let message = tls["message"].as_str().unwrap();
        let expected = match kind {
            "wrong-name" => "not valid for 127.0.0.1: its SANs are elsewhere.example",
            "expired" => "expired on",
            "not-yet-valid" => "not valid yet",
            "unknown-ca" => "not a trusted CA",
            _ => "self-signed",
        };
        assert!(message.contains(expected), "{what}: {message}");
        assert!(!tls["remediation"].as_array().unwrap().is_empty(), "{what}");
    }
}

#[test]
fn a_self_signed_server_certificate_trusted_as_the_kubeconfig_ca_passes_and_another_one_fails() {
    // What `openssl req -x509` makes (CA:TRUE), listed as certificate-authority: kubectl and curl
    // accept it, because Go trusts a leaf that is itself in the roots.
    let (pinned, pem) = Leaf::self_signed_ca(&["127.0.0.1"]);
    let (other, _) = Leaf::self_signed_ca(&["127.0.0.1"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("server.crt"), &pem).unwrap();
    for (leaf, expected) in [(&pinned, "pass"), (&other, "fail")] {
        let server = ApiServer::start(leaf, Answers::default());
        let text = format!(
            "current-context: t\ncontexts:\n- name: t\n  context: {{cluster: c}}\nclusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority: server.crt\n",
            server.url()
        );
        let kc = dir.path().join("kc");
        std::fs::write(&kc, text).unwrap();
        let (report, _) = run_json(&["--kubeconfig", kc.to_str().unwrap(), "--only", "apiserver.tls"]);
        let tls = check(&report, "apiserver.tls");
        assert_eq!(tls["status"], expected, "{tls}");
        if expected == "fail" {
            assert_eq!(tls["evidence"]["verification"]["kind"], "not-the-trusted-certificate", "{tls}");
            let message = tls["message"].as_str().unwrap();
            assert!(message.contains("the server's certificate is not the one the kubeconfig trusts"), "{message}");
            assert!(!tls["remediation"].as_array().unwrap().is_empty(), "{tls}");
        }
    }
}

#[test]
fn expiry_within_30_days_warns() {
    let ca = Ca::new("soon");
    let tls = tls_against(&ca.leaf(&["127.0.0.1"], -300, 10), &ca);
    assert_eq!(tls["status"], "warn", "{tls}");
    assert!(tls["message"].as_str().unwrap().contains("expires in"), "{tls}");
}

#[test]
fn ip_literal_is_checked_against_ip_sans_without_sni() {
    let ca = Ca::new("ip");
    let tls = tls_against(&ca.leaf(&["127.0.0.1"], -1, 365), &ca);
    assert_eq!(tls["status"], "pass", "{tls}");
    assert_eq!(tls["evidence"]["sni"], false);
}

#[test]
fn without_a_kubeconfig_ca_system_roots_are_used_and_a_private_ca_fails() {
    let ca = Ca::new("private");
    let server = ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), Answers::default());
    let (report, _) = run_json(&["--apiserver", &server.url(), "--only", "apiserver.tls"]);
    let tls = check(&report, "apiserver.tls");
    assert_eq!(tls["status"], "fail", "{tls}");
    assert!(tls["evidence"]["trust"].as_str().unwrap().contains("system"), "{tls}");
}

#[test]
fn tls_server_name_is_the_name_verified() {
    let ca = Ca::new("tsn");
    let server = ApiServer::start(&ca.leaf(&["kubernetes.default.svc"], -1, 365), Answers::default());
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "current-context: t\ncontexts:\n- name: t\n  context: {{cluster: c}}\nclusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n    tls-server-name: kubernetes.default.svc\n",
        server.url(),
        b64(&ca.pem)
    );
    let kc = dir.path().join("kc");
    std::fs::write(&kc, text).unwrap();
    let (report, _) = run_json(&["--kubeconfig", kc.to_str().unwrap(), "--only", "apiserver.tls"]);
    assert_eq!(status(&report, "apiserver.tls"), "pass", "{}", check(&report, "apiserver.tls"));
    assert_eq!(check(&report, "apiserver.tls")["evidence"]["server_name"], "kubernetes.default.svc");
}

fn health_with(answers: Answers) -> Value {
    let ca = Ca::new("health");
    let server = ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), answers);
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &server.url(), Some(&ca));
    let (report, _) =
        run_json(&["--kubeconfig", kc.to_str().unwrap(), "--only", "apiserver.health", "--only", "apiserver.version"]);
    report
}

#[test]
fn readyz_200_401_503_and_the_healthz_fallback() {
    let ok = health_with(Answers::default());
    assert_eq!(status(&ok, "apiserver.health"), "pass");
    assert!(check(&ok, "apiserver.health")["message"].as_str().unwrap().starts_with("/readyz: ok"));

    let denied = health_with(Answers {
        readyz: (401, r#"{"kind":"Status","code":401}"#.into()),
        version: (401, "Unauthorized".into()),
        ..Answers::default()
    });
    let health = check(&denied, "apiserver.health");
    assert_eq!(health["status"], "pass", "{health}");
    assert!(health["message"].as_str().unwrap().contains("anonymous access disabled, server reachable"), "{health}");
    let version = check(&denied, "apiserver.version");
    assert_eq!(version["status"], "skip", "{version}");
    assert!(version["message"].as_str().unwrap().contains("--k8s-version"), "{version}");

    let broken = health_with(Answers {
        readyz: (503, "[-]etcd failed: reason withheld\nreadyz check failed".into()),
        ..Answers::default()
    });
    let health = check(&broken, "apiserver.health");
    assert_eq!(health["status"], "fail", "{health}");
    assert!(health["message"].as_str().unwrap().contains("503: [-]etcd failed"), "{health}");

    let old = health_with(Answers {
        has_readyz: false,
        version: (200, r#"{"major":"1","minor":"15","gitVersion":"v1.15.12"}"#.into()),
        ..Answers::default()
    });
    let health = check(&old, "apiserver.health");
    assert_eq!(health["status"], "pass", "{health}");
    assert_eq!(health["evidence"]["requests"][1]["path"], "/healthz", "{health}");
    assert!(check(&old, "apiserver.version")["message"].as_str().unwrap().contains("older than 1.16"));
}

#[test]
fn a_port_that_never_speaks_tls_times_out_within_the_timeout() {
    let addr = servers::silent_listener();
    let (report, _) =
        run_json(&["--apiserver", &format!("https://{addr}"), "--only", "apiserver.tls", "--timeout", "500ms"]);
    let tls = check(&report, "apiserver.tls");
    assert_eq!(tls["status"], "fail", "{tls}");
    assert_eq!(tls["evidence"]["error"]["kind"], "timeout", "{tls}");
    assert!(tls["message"].as_str().unwrap().contains("does not speak TLS"), "{tls}");
    let took = tls["duration_ms"].as_u64().unwrap();
    assert!((500..1500).contains(&took), "the handshake is bounded by --timeout, took {took} ms");
}

#[test]
fn refused_port_fails_tcp_and_skips_what_needs_it() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (report, _) = run_json(&["--apiserver", &format!("https://{closed}"), "--no-icmp"]);
    let tcp = check(&report, "apiserver.tcp");
    assert_eq!(tcp["status"], "fail", "{tcp}");
    assert_eq!(tcp["evidence"]["attempts"][0]["error"]["kind"], "refused");
    assert!(tcp["message"].as_str().unwrap().contains("connection refused"));
    for id in ["apiserver.tls", "apiserver.health", "apiserver.version"] {
        assert_eq!(status(&report, id), "skip", "{id}");
    }
    assert_eq!(status(&report, "apiserver.icmp"), "skip");
    assert_eq!(check(&report, "apiserver.icmp")["message"], "--no-icmp given");
}

#[test]
fn dns_answers_a_and_aaaa_and_tells_nxdomain_from_a_dead_server() {
    let v4: IpAddr = "127.0.0.1".parse().unwrap();
    let v6: IpAddr = "::1".parse().unwrap();
    let dns = DnsServer::start(HashMap::from([(NAME.to_string(), vec![v4, v6])]));
    let server = dns.addr.to_string();
    let url = format!("https://{NAME}:6443");
    let (report, _) = run_json(&["--apiserver", &url, "--dns-server", &server, "--only", "apiserver.dns"]);
    let d = check(&report, "apiserver.dns");
    assert_eq!(d["status"], "pass", "{d}");
    assert_eq!(d["evidence"]["a"]["addresses"][0], "127.0.0.1");
    assert_eq!(d["evidence"]["aaaa"]["addresses"][0], "::1");
    assert_eq!(d["evidence"]["server"], server);
    assert!(d["evidence"]["ms"].is_number());
    assert!(d["evidence"].get("system_resolver").is_none(), "with --dns-server only that server is asked");

    let missing = "https://nope.k8sjoin.test:6443";
    let (report, _) = run_json(&["--apiserver", missing, "--dns-server", &server, "--only", "apiserver.dns"]);
    let nx = check(&report, "apiserver.dns");
    assert_eq!(nx["status"], "fail", "{nx}");
    assert_eq!(nx["evidence"]["a"]["error"]["kind"], "nx-domain", "{nx}");
    assert!(nx["message"].as_str().unwrap().contains("NXDOMAIN"), "{nx}");

    let dead = servers::dead_udp_port().to_string();
    let (report, _) =
        run_json(&["--apiserver", &url, "--dns-server", &dead, "--only", "apiserver.dns", "--timeout", "700ms"]);
    let gone = check(&report, "apiserver.dns");
    assert_eq!(gone["status"], "fail", "{gone}");
    let kind = gone["evidence"]["a"]["error"]["kind"].as_str().unwrap();
    assert!(kind == "timed-out" || kind == "unreachable", "{gone}");
    assert!(!gone["message"].as_str().unwrap().contains("NXDOMAIN"), "{gone}");
    assert_ne!(gone["message"], nx["message"]);
}

#[test]
fn dns_addresses_feed_the_network_type() {
    let dns = DnsServer::start(HashMap::from([(NAME.to_string(), vec!["203.0.113.10".parse::<IpAddr>().unwrap()])]));
    let server = dns.addr.to_string();
    let (report, _) = run_json(&[
        "--apiserver",
        &format!("https://{NAME}:6443"),
        "--dns-server",
        &server,
        "--only",
        "region.network-type",
    ]);
    let nt = check(&report, "region.network-type");
    assert_eq!(nt["status"], "pass", "{nt}");
    assert_eq!(nt["evidence"]["addresses"][0]["address"], "203.0.113.10");
    assert!(nt["evidence"]["resolved_by"].as_str().unwrap().contains(&server));
    assert_eq!(report["target"]["network"], "public");
}

/// A userspace TCP relay: what a forwarder's DNAT does, on loopback.
fn relay_to(target: std::net::SocketAddr) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(upstream) = std::net::TcpStream::connect(target) else { continue };
            let (mut c1, mut u1) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            let (mut c2, mut u2) = (client, upstream);
            std::thread::spawn(move || std::io::copy(&mut c1, &mut u1));
            std::thread::spawn(move || std::io::copy(&mut u2, &mut c2));
        }
    });
    addr
}

#[test]
fn forwarder_passes_only_with_the_api_servers_own_certificate() {
    let ca = Ca::new("fw");
    let api = ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), Answers::default());
    let impostor = ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), Answers::default());
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &api.url(), Some(&ca));
    let kc = kc.to_str().unwrap();

    let (report, _) = run_json(&["--kubeconfig", kc, "--only", "forwarder.reach"]);
    let skipped = check(&report, "forwarder.reach");
    assert_eq!(skipped["status"], "skip");
    assert_eq!(skipped["message"], "no --forwarder given; only hybrid-cloud clusters need one");

    let good = relay_to(api.addr).to_string();
    let (report, _) = run_json(&["--kubeconfig", kc, "--forwarder", &good, "--only", "forwarder.reach"]);
    let reach = check(&report, "forwarder.reach");
    assert_eq!(reach["status"], "pass", "{reach}");
    assert_eq!(reach["evidence"]["leaf_sha256"], reach["evidence"]["direct_leaf_sha256"]);

    let wrong = relay_to(impostor.addr).to_string();
    let (report, _) = run_json(&["--kubeconfig", kc, "--forwarder", &wrong, "--only", "forwarder.reach"]);
    let reach = check(&report, "forwarder.reach");
    assert_eq!(reach["status"], "fail", "{reach}");
    assert!(reach["message"].as_str().unwrap().contains("different certificate"), "{reach}");
}

#[test]
fn forwarder_without_a_direct_path_needs_a_certificate_valid_for_the_api_server() {
    let ca = Ca::new("fw-direct");
    let api = ApiServer::start(&ca.leaf(&[NAME], -1, 365), Answers::default());
    let dir = tempfile::tempdir().unwrap();
    // The API server name resolves nowhere from here (NXDOMAIN), as an IDC-internal name would.
    let dns = DnsServer::start(HashMap::new());
    let kc = kubeconfig(dir.path(), &format!("https://{NAME}:6443"), Some(&ca));
    let fw = relay_to(api.addr).to_string();
    let dns_server = dns.addr.to_string();
    let (report, _) = run_json(&[
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--dns-server",
        &dns_server,
        "--forwarder",
        &fw,
        "--only",
        "forwarder.reach",
    ]);
    let reach = check(&report, "forwarder.reach");
    assert_eq!(reach["status"], "pass", "{reach}");
    assert!(reach["message"].as_str().unwrap().contains("direct path is not reachable"), "{reach}");
}

#[test]
fn apiserver_flag_with_a_kubeconfig_keeps_the_kubeconfig_ca_like_kubectl_server() {
    let ca = Ca::new("flag-ca");
    let server = ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), Answers::default());
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), "https://192.0.2.99:6443", Some(&ca));
    let (report, _) =
        run_json(&["--apiserver", &server.url(), "--kubeconfig", kc.to_str().unwrap(), "--only", "apiserver.tls"]);
    let tls = check(&report, "apiserver.tls");
    assert_eq!(tls["status"], "pass", "{tls}");
    assert!(tls["evidence"]["trust"].as_str().unwrap().contains("kubeconfig CA"), "{tls}");
    assert_eq!(report["target"]["apiserver"], server.url());
}

/// `audit.policy-file` reads the version `/version` reports, and waits for it whatever is
/// skipped: the vendor's v1beta1 policy on a 1.20 node image is refused by the 1.28 API server that
/// actually answers, in every run, also when `/version` is slow and `audit.k8s-version` is skipped.
#[test]
fn the_policy_verdict_does_not_depend_on_timing() {
    let ca = Ca::new("ordering");
    let leaf = ca.leaf(&["127.0.0.1"], -1, 365);
    let answers = Answers { version_delay: std::time::Duration::from_millis(150), ..Answers::default() };
    let server = ApiServer::start(&leaf, answers);
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &server.url(), Some(&ca));
    let root = common::fixture("audit/seed-policy-on-1.20");
    let args = [
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--audit",
        "--skip",
        "audit.k8s-version",
        "--no-icmp",
    ];
    let verdicts: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..5)
            .map(|_| {
                scope.spawn(|| {
                    (0..10)
                        .map(|_| {
                            let (report, _) = run_json(&args);
                            format!(
                                "{} {}",
                                status(&report, "audit.policy-file"),
                                check(&report, "audit.policy-file")["message"]
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(verdicts.len(), 50);
    assert!(verdicts[0].starts_with("fail") && verdicts[0].contains("v1.28"), "{}", verdicts[0]);
    assert!(verdicts.iter().all(|v| *v == verdicts[0]), "{verdicts:#?}");
}
