//! The kubeconfig resolution against the real kubectl (1.32 on these machines): random setups —
//! several files in `$KUBECONFIG` (missing ones, a directory, duplicates, relative entries),
//! `--kubeconfig`, `~/.kube/config`, overlapping names, current-context in different files,
//! `--context`, relative and absolute CA paths, CA data, servers with and without scheme, port,
//! path, IPv6 literals, and the inputs kubectl refuses — each judged by the tool
//! (`--only apiserver.endpoint --format json`) and by kubectl (what `kubectl -v=6 version` dials,
//! and `kubectl config view --minify --raw -o json`).
//!
//! kubectl runs inside a network namespace that has only `lo`, whose resolv.conf points at
//! 127.0.0.1 where nothing answers: every dial fails at once, and `-v=6` still logs the URL. The
//! tool runs there too. Documented exceptions (see `EXCEPTIONS` below) are the only accepted
//! differences; every setup also checks that no credential from it reaches the tool's stdout,
//! stderr or `--report`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use serde_json::Value;

use common::{Need, Netns, prerequisites};

/// Setups per run; `K8SJC_KUBECTL_SETUPS` overrides it (more for a soak, fewer while iterating).
const SETUPS: usize = 1100;

/// Differences between the tool and kubectl that are intended, each with why. The generator
/// below does not produce them, so that any difference it finds is a real disagreement.
///
/// 1. No kubeconfig anywhere: kubectl dials its default `http://localhost:8080`; the tool looks
///    at `<root>/etc/kubernetes/admin.conf` as its own last resort (DESIGN §3) and otherwise skips
///    `apiserver.endpoint` ("no kubeconfig") — localhost:8080 is never an API server the security
///    center reaches. Compared here as: tool skip ⟺ kubectl dials its default with no file.
/// 2. The interactive prompt: for an https server and a user without credentials kubectl asks for
///    a username and a password, and refuses when stdin is not a terminal ("error reading input
///    for Password"). The tool never uses credentials, so it does not ask; the test then runs
///    kubectl again with `--token` (which answers the prompt and changes nothing else) and
///    compares what that dials.
/// 3. Credential contents: kubectl parses client certificates and keys, runs exec plugins and
///    reads token files when it connects; the tool checks only that they are set and that the
///    files open (it never reads a credential). The generator writes valid key pairs and no exec
///    plugin in the user in use.
/// 4. kubectl's wording: refusals are compared by class (load error, context, validation, URL,
///    TLS settings), not word for word; the tool names file and line where kubectl does not.
pub const EXCEPTIONS: usize = 4;

const KUBECTL: &str = "/usr/bin/kubectl";

fn kubectl() -> String {
    std::env::var("KUBECTL").unwrap_or_else(|_| KUBECTL.to_string())
}

/// SplitMix64: a reproducible stream for a given seed. A hostile setup makes the inputs kubectl
/// refuses six times as likely as a careful one does.
struct Rng(u64, bool);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    /// Something kubectl refuses or cannot use: `percent` in a hostile setup, a sixth of it else.
    fn odd(&mut self, percent: usize) -> bool {
        self.below(600) < if self.1 { percent * 6 } else { percent }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The test CA and a client key pair, made once.
struct Material {
    ca_pem: String,
    client_cert_pem: String,
    client_key_pem: String,
}

fn material() -> Material {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, format!("k8sjc-diff-ca-{}", std::process::id()));
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = params.self_signed(&ca_key).unwrap();
    let client_key = rcgen::KeyPair::generate().unwrap();
    let mut client = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    client.distinguished_name.push(rcgen::DnType::CommonName, "diff-client");
    let client_cert = client.self_signed(&client_key).unwrap();
    Material { ca_pem: ca.pem(), client_cert_pem: client_cert.pem(), client_key_pem: client_key.serialize_pem() }
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// One random setup: files on disk, the command line, the environment, and its secrets.
struct Setup {
    dir: tempfile::TempDir,
    args: Vec<String>,
    kubeconfig_env: Option<String>,
    secrets: Vec<String>,
    /// What was generated, for failure messages.
    story: Vec<String>,
}

impl Setup {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn home(&self) -> PathBuf {
        self.path("home")
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

const CLUSTERS: [&str; 3] = ["c1", "c2", "c3"];
const CONTEXTS: [&str; 3] = ["a", "b", "x"];
const USERS: [&str; 5] = ["token", "cert", "basic", "token-and-basic", "cert-without-key"];

/// The directory (relative to the setup) of kubeconfig file `i`.
fn file_dir(i: usize) -> &'static str {
    ["", "sub", "deep/er", "home/.kube"][i]
}

fn file_rel(i: usize) -> String {
    match i {
        0 => "kc0.yaml".into(),
        1 => "sub/kc1.yaml".into(),
        2 => "deep/er/kc2.yaml".into(),
        _ => "home/.kube/config".into(),
    }
}

fn server(rng: &mut Rng) -> Option<String> {
    let n = rng.below(200) + 1;
    let good = [
        format!("https://192.0.2.{n}:6443"),
        format!("https://192.0.2.{n}"),
        "https://api.example.test".to_string(),
        format!("https://api{n}.example.test:8443"),
        format!("https://[2001:db8::{n:x}]:6443"),
        "https://rancher.example.test/k8s/clusters/c-xyz".to_string(),
        "HTTPS://192.0.2.9:6443".to_string(),
        "https://API.Example.TEST:6443".to_string(),
    ];
    if !rng.odd(60) {
        return Some(rng.pick(&good).clone());
    }
    let servers = [
        format!("https://192.0.2.{n}:6443"),
        format!("https://192.0.2.{n}"),
        "https://api.example.test".to_string(),
        format!("https://api{n}.example.test:8443"),
        format!("192.0.2.{n}"),
        format!("192.0.2.{n}:6443"),
        "api.example.test:6443".to_string(),
        format!("http://192.0.2.{n}:8080"),
        format!("https://[2001:db8::{n:x}]:6443"),
        "https://[2001:db8::1]".to_string(),
        "[2001:db8::1]:6443".to_string(),
        "2001:db8::1".to_string(),
        "https://rancher.example.test/k8s/clusters/c-xyz".to_string(),
        "https://rancher.example.test:443/k8s/clusters/c-xyz/".to_string(),
        "https://h.example.test/".to_string(),
        "https://h ost.example.test".to_string(),
        "HTTPS://192.0.2.9:6443".to_string(),
        "https://192.0.2.9:99999".to_string(),
        "https://192.0.2.9:0".to_string(),
        "rancher.example.test/k8s/clusters/c-1".to_string(),
        "https://api.example.test:6443/a/../b/".to_string(),
        "https://api.example.test:6443?x=1".to_string(),
        "ftp://files.example.test".to_string(),
        " https://lead.example.test".to_string(),
        "https://API.Example.TEST:6443".to_string(),
        String::new(),
    ];
    if rng.odd(15) { None } else { Some(rng.pick(&servers).clone()) }
}

/// A YAML scalar for `text`, in one of the styles a person might use (plain only when YAML and
/// go-yaml read it back as the same string).
fn quoted(rng: &mut Rng, text: &str) -> String {
    let plain_ok = !text.is_empty()
        && !text.starts_with([' ', '[', '{', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '?', '-', '#'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        && !text.ends_with(' ');
    match rng.below(3) {
        0 if plain_ok => text.to_string(),
        1 => format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")),
        _ => format!("'{}'", text.replace('\'', "''")),
    }
}

fn cluster_yaml(rng: &mut Rng, setup: &mut Setup, file: usize, name: &str, m: &Material) -> String {
    let mut y = String::new();
    let name_scalar = if rng.odd(3) { "yes".to_string() } else { quoted(rng, name) };
    y.push_str(&format!("- name: {name_scalar}\n  cluster:\n"));
    if let Some(s) = server(rng) {
        y.push_str(&format!("    server: {}\n", quoted(rng, &s)));
        if rng.odd(4) {
            // A repeated key: go-yaml keeps the last value.
            y.push_str(&format!("    server: {}\n", quoted(rng, "https://192.0.2.250:6443")));
        }
        setup.story.push(format!("kc{file} {name}: server {s:?}"));
    }
    let ca_name = format!("ca-{file}-{name}.crt");
    match rng.below(10) {
        0 | 1 => {
            // A relative CA path, written beside the kubeconfig (or not at all).
            let rel = if rng.chance(50) { ca_name.clone() } else { format!("pki/{ca_name}") };
            if !rng.odd(10) {
                setup.write(&format!("{}/{rel}", file_dir(file)), &m.ca_pem);
            }
            y.push_str(&format!("    certificate-authority: {}\n", quoted(rng, &rel)));
        }
        2 => {
            let abs = setup.path(&format!("abs/{ca_name}"));
            setup.write(&format!("abs/{ca_name}"), &if rng.odd(10) { "not a pem\n".into() } else { m.ca_pem.clone() });
            y.push_str(&format!("    certificate-authority: {}\n", quoted(rng, abs.to_str().unwrap())));
        }
        3 | 4 => {
            let data = if rng.odd(10) {
                "%%%not-base64".to_string()
            } else if rng.odd(10) {
                b64("not a certificate")
            } else {
                b64(&m.ca_pem)
            };
            if rng.odd(15) && data.len() > 80 {
                // Wrapped: as a block scalar the line breaks are skipped; as a plain scalar they
                // fold into spaces, which Go's base64 refuses.
                let (a, b) = data.split_at(60);
                if rng.chance(50) {
                    y.push_str(&format!("    certificate-authority-data: |\n      {a}\n      {b}\n"));
                } else {
                    y.push_str(&format!("    certificate-authority-data: {a}\n      {b}\n"));
                }
            } else {
                y.push_str(&format!("    certificate-authority-data: {data}\n"));
            }
        }
        5 if rng.odd(50) => {
            setup.write(&format!("{}/{ca_name}", file_dir(file)), &m.ca_pem);
            y.push_str(&format!(
                "    certificate-authority: {ca_name}\n    certificate-authority-data: {}\n",
                b64(&m.ca_pem)
            ));
        }
        _ => {}
    }
    match rng.below(12) {
        0 => y.push_str("    insecure-skip-tls-verify: true\n"),
        1 => y.push_str("    insecure-skip-tls-verify: yes\n"),
        2 if rng.odd(50) => y.push_str("    insecure-skip-tls-verify: \"true\"\n"),
        3 => y.push_str("    insecure-skip-tls-verify: off\n"),
        _ => {}
    }
    if rng.chance(15) {
        y.push_str("    tls-server-name: kubernetes.default.svc\n");
    }
    if rng.chance(10) {
        let secret = format!("PROXYPASS-{}", rng.next());
        setup.secrets.push(secret.clone());
        let scheme = if rng.odd(20) { "ftp" } else { "http" };
        y.push_str(&format!("    proxy-url: '{scheme}://proxyuser:{secret}@proxy.example.test:3128'\n"));
    }
    y
}

fn user_yaml(rng: &mut Rng, setup: &mut Setup, kind: &str, m: &Material) -> String {
    let token = format!("TOKEN-{}", rng.next());
    let password = format!("PASSWORD-{}", rng.next());
    setup.secrets.push(token.clone());
    setup.secrets.push(password.clone());
    if kind == "cert" {
        // The client key, as written and line by line of its PEM body.
        setup.secrets.push(b64(&m.client_key_pem));
        setup.secrets.extend(m.client_key_pem.lines().filter(|l| l.len() >= 40).map(str::to_string));
    }
    let body = match kind {
        "token" => format!("    token: {token}\n"),
        "cert" => format!(
            "    client-certificate-data: {}\n    client-key-data: {}\n",
            b64(&m.client_cert_pem),
            b64(&m.client_key_pem)
        ),
        "basic" => format!("    username: user-{token}\n    password: {password}\n"),
        "token-and-basic" => format!("    token: {token}\n    password: {password}\n"),
        _ => format!("    client-certificate-data: {}\n", b64(&m.client_cert_pem)),
    };
    format!("- name: {kind}\n  user:\n{body}")
}

fn kubeconfig_yaml(rng: &mut Rng, setup: &mut Setup, file: usize, m: &Material) -> String {
    let mut y = String::new();
    if rng.odd(3) {
        y.push_str("apiVersion: v1\nkind: Pod\n");
    } else if rng.chance(70) {
        y.push_str("apiVersion: v1\nkind: Config\n");
    }
    if rng.chance(70) {
        let current = if rng.odd(10) { "ghost" } else { *rng.pick(&CONTEXTS) };
        y.push_str(&format!("current-context: {}\n", quoted(rng, current)));
        setup.story.push(format!("kc{file}: current-context {current}"));
    }
    let mut names: Vec<&str> = CLUSTERS.iter().copied().filter(|_| rng.chance(60)).collect();
    if rng.odd(3) && !names.is_empty() {
        names.push(names[0]); // a name twice in one file
    }
    if !names.is_empty() {
        y.push_str("clusters:\n");
        for name in names {
            y.push_str(&cluster_yaml(rng, setup, file, name, m));
        }
    }
    let contexts: Vec<&str> = CONTEXTS.iter().copied().filter(|_| rng.chance(65)).collect();
    if !contexts.is_empty() {
        y.push_str("contexts:\n");
        for name in contexts {
            let cluster = if rng.odd(10) { "missing" } else { *rng.pick(&CLUSTERS) };
            let user = if rng.odd(8) {
                "nobody"
            } else if rng.odd(30) {
                *rng.pick(&USERS)
            } else {
                *rng.pick(&USERS[..3])
            };
            y.push_str(&format!("- name: {name}\n  context:\n    cluster: {cluster}\n    user: {user}\n"));
            setup.story.push(format!("kc{file}: context {name} -> {cluster}, {user}"));
        }
    }
    if rng.chance(80) {
        y.push_str("users:\n");
        for kind in USERS {
            y.push_str(&user_yaml(rng, setup, kind, m));
        }
    }
    match rng.below(16) {
        0 => y.push_str("---\n"),
        1 => y.push_str("---\ncurrent-context: [never read\n"),
        _ => {}
    }
    y
}

fn generate(seed: u64, m: &Material) -> Setup {
    let mut rng = Rng(seed, seed.is_multiple_of(4));
    let mut setup = Setup {
        dir: tempfile::tempdir().unwrap(),
        args: Vec::new(),
        kubeconfig_env: None,
        secrets: Vec::new(),
        story: Vec::new(),
    };
    std::fs::create_dir_all(setup.home()).unwrap();
    std::fs::create_dir_all(setup.path("root")).unwrap();
    for i in 0..4 {
        if i < 3 || rng.chance(50) {
            let text = kubeconfig_yaml(&mut rng, &mut setup, i, m);
            setup.write(&file_rel(i), &text);
        }
    }
    let entry = |rng: &mut Rng, setup: &Setup| -> String {
        let i = rng.below(3);
        match rng.below(12) {
            0 => setup.path("missing.yaml").display().to_string(),
            1 if rng.odd(40) => setup.path("sub").display().to_string(),
            2 => String::new(),
            3 | 4 => file_rel(i),
            _ => setup.path(&file_rel(i)).display().to_string(),
        }
    };
    match rng.below(10) {
        0..=4 => {
            let list: Vec<String> = (0..rng.below(4) + 1).map(|_| entry(&mut rng, &setup)).collect();
            setup.story.push(format!("KUBECONFIG={}", list.join(":")));
            setup.kubeconfig_env = Some(list.join(":"));
        }
        5..=7 => {
            let path = if rng.odd(8) { "missing.yaml".to_string() } else { file_rel(rng.below(3)) };
            setup.story.push(format!("--kubeconfig {path}"));
            setup.args.extend(["--kubeconfig".to_string(), path]);
        }
        _ => setup.story.push("no --kubeconfig, no $KUBECONFIG".into()),
    }
    if rng.chance(25) {
        let name = if rng.odd(15) { "ghost" } else { *rng.pick(&CONTEXTS) };
        setup.story.push(format!("--context {name}"));
        setup.args.extend(["--context".to_string(), name.to_string()]);
    }
    setup
}

/// What kubectl did: the URL it dialled (before `/version`), or its refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kubectl {
    Dials(String),
    Refused(String),
}

fn run_kubectl(ns: &Netns, setup: &Setup, args: &[&str], extra: &[&str]) -> std::process::Output {
    let mut cmd = ns.command(&kubectl());
    cmd.args(args).args(&setup.args).args(extra).current_dir(setup.dir.path());
    environment(&mut cmd, setup);
    // kubectl asks for a username on stdin when the user in use has none (exception 2).
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(b"prompted-user\n");
    }
    child.wait_with_output().unwrap()
}

fn environment(cmd: &mut Command, setup: &Setup) {
    for var in ["KUBECONFIG", "KUBERNETES_MASTER", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY"]
    {
        cmd.env_remove(var);
    }
    cmd.env("HOME", setup.home()).env("NO_COLOR", "1");
    if let Some(list) = &setup.kubeconfig_env {
        cmd.env("KUBECONFIG", list);
    }
}

fn kubectl_dials(ns: &Netns, setup: &Setup) -> Kubectl {
    let version = ["version", "-v=6", "--request-timeout=1s"];
    let mut outcome = parse_dial(&run_kubectl(ns, setup, &version, &[]));
    if let Kubectl::Refused(why) = &outcome
        && why.contains("error reading input for Password")
    {
        // Exception 2: the user in use has no credentials; give it a token instead of a terminal.
        outcome = parse_dial(&run_kubectl(ns, setup, &version, &["--token=answer-to-the-prompt"]));
    }
    outcome
}

fn parse_dial(out: &std::process::Output) -> Kubectl {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for line in stderr.lines() {
        if line.contains("round_trippers.go") && line.contains("] GET ") {
            let url = line.split("] GET ").nth(1).unwrap().split_whitespace().next().unwrap();
            let base = url.split("/version?").next().unwrap();
            return Kubectl::Dials(base.to_string());
        }
    }
    // klog lines (`I1201 …`) aside, what kubectl printed from its first error on.
    let lines: Vec<&str> =
        stderr.lines().filter(|l| !l.starts_with(['I', 'W', 'E']) || l.starts_with("Error")).collect();
    let from = lines
        .iter()
        .position(|l| l.starts_with("error:") || l.starts_with("Error") || l.starts_with("Unable to connect"))
        .unwrap_or(0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    Kubectl::Refused(format!("{}{}", lines[from.min(lines.len())..].join(" "), stdout.trim()))
}

fn kubectl_view(ns: &Netns, setup: &Setup) -> Option<Value> {
    let out = run_kubectl(ns, setup, &["config", "view", "--minify", "--raw", "-o", "json"], &[]);
    serde_json::from_slice(&out.stdout).ok()
}

/// The tool's `apiserver.endpoint`, run in the namespace like kubectl.
fn tool(ns: &Netns, setup: &Setup) -> (Value, String) {
    let report = setup.path("report.json");
    let mut cmd = ns.command(env!("CARGO_BIN_EXE_k8sjoin-check"));
    cmd.args(["--only", "apiserver.endpoint", "--format", "json", "--root"])
        .arg(setup.path("root"))
        .arg("--report")
        .arg(&report)
        .args(&setup.args)
        .current_dir(setup.dir.path());
    environment(&mut cmd, setup);
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let written = std::fs::read_to_string(&report).unwrap_or_default();
    let all = format!("{stdout}\n{stderr}\n{written}");
    let json: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    let check = json["checks"].as_array().and_then(|c| c.first().cloned()).unwrap_or(Value::Null);
    (check, all)
}

/// The part of client-go a kubectl refusal comes from, by its words (the tool reports the same
/// classes as `evidence.kubectl_refusal`).
fn refusal_class(text: &str) -> &'static str {
    let t = text.to_ascii_lowercase();
    if t.contains("error loading config file") {
        "load"
    } else if t.contains("does not exist") || t.contains("context was not found") {
        "context"
    } else if t.contains("stat ") && t.contains("no such file") {
        "stat"
    } else if t.contains("insecure flag is not allowed") || t.starts_with("error: open ") {
        "transport"
    } else if t.contains("unable to load root certificates") {
        "ca-pem"
    } else if t.contains("host must be a url") || t.contains("invalid character") || t.contains("parse ") {
        "url"
    } else if t.contains("invalid configuration")
        || t.contains("error in configuration")
        || t.contains("must be specified")
        || t.contains("both specified")
        || t.contains("more than one authentication")
        || t.contains("proxy-url")
        || t.contains("unable to read")
    {
        "validation"
    } else {
        "other"
    }
}

/// A URL with its path percent-decoded and its scheme and host lower-cased (DNS does not care).
fn normalize(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut decoded = Vec::new();
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 3 <= bytes.len()
            && let Ok(b) = u8::from_str_radix(&path[i + 1..i + 3], 16)
        {
            decoded.push(b);
            i += 3;
            continue;
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    format!("{}://{}{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase(), String::from_utf8_lossy(&decoded))
}

/// Compares one setup; `Ok` says what kind of setup it was (for the summary), `Err` describes the
/// disagreement.
fn compare(ns: &Netns, setup: &Setup) -> Result<String, String> {
    let (check, all_output) = tool(ns, setup);
    for secret in &setup.secrets {
        if all_output.contains(secret.as_str()) || all_output.contains(&b64(secret)) {
            return Err(format!("a credential reached the output: {secret}"));
        }
    }
    let k = kubectl_dials(ns, setup);
    let status = check["status"].as_str().unwrap_or("missing");
    let evidence = &check["evidence"];
    let message = check["message"].as_str().unwrap_or_default();
    let tool_dials = evidence["kubectl_dials"].as_str().map(normalize);
    let kind = match &k {
        Kubectl::Refused(why) => format!("refused ({})", refusal_class(why)),
        Kubectl::Dials(url) => format!("dials {} ({status})", url.split("://").next().unwrap_or_default()),
    };
    match (&k, status) {
        (Kubectl::Refused(why), "fail") if evidence["refused_by_kubectl"] == true => {
            let (kc, tc) = (refusal_class(why), evidence["kubectl_refusal"].as_str().unwrap_or("none"));
            if kc != tc {
                return Err(format!("both refuse, for different reasons: kubectl {kc} ({why}); tool {tc} ({message})"));
            }
        }
        (Kubectl::Refused(why), _) => {
            return Err(format!("kubectl refuses ({why}); the tool says {status}: {message}"));
        }
        (Kubectl::Dials(url), "skip") => {
            // Exception 1: no kubeconfig at all.
            if normalize(url) != "http://localhost:8080" {
                return Err(format!("kubectl dials {url}; the tool found no kubeconfig: {message}"));
            }
        }
        (Kubectl::Dials(url), _) if evidence["refused_by_kubectl"] == true => {
            return Err(format!("kubectl dials {url}; the tool says kubectl refuses: {message}"));
        }
        (Kubectl::Dials(url), _) => {
            if tool_dials.as_deref() != Some(normalize(url).as_str()) {
                return Err(format!(
                    "kubectl dials {url}; the tool says it dials {tool_dials:?} ({status}: {message})"
                ));
            }
            if status != "fail" && url.starts_with("https://") {
                compare_view(ns, setup, evidence)?;
            }
        }
    }
    Ok(kind)
}

/// For an https endpoint: the context, cluster and TLS settings of `kubectl config view --minify`.
fn compare_view(ns: &Netns, setup: &Setup, evidence: &Value) -> Result<(), String> {
    let Some(view) = kubectl_view(ns, setup) else {
        // `--minify` refuses a context whose cluster is missing; kubectl still dials then, and
        // the dial URL was compared already.
        return Ok(());
    };
    let context = view["contexts"][0]["name"].as_str().unwrap_or_default();
    if evidence["source"]["context"].as_str() != Some(context) {
        return Err(format!("context: kubectl {context:?}, tool {}", evidence["source"]["context"]));
    }
    let cluster = &view["clusters"][0]["cluster"];
    let name = view["clusters"][0]["name"].as_str().unwrap_or_default();
    if evidence["source"]["cluster"].as_str() != Some(name) {
        return Err(format!("cluster: kubectl {name:?}, tool {}", evidence["source"]["cluster"]));
    }
    let tls = &evidence["tls"];
    let insecure = cluster["insecure-skip-tls-verify"].as_bool().unwrap_or(false);
    if tls["insecure_skip_tls_verify"].as_bool() != Some(insecure) {
        return Err(format!("insecure-skip-tls-verify: kubectl {insecure}, tool {}", tls["insecure_skip_tls_verify"]));
    }
    let server_name = cluster["tls-server-name"].as_str();
    if tls["tls_server_name"].as_str() != server_name {
        return Err(format!("tls-server-name: kubectl {server_name:?}, tool {}", tls["tls_server_name"]));
    }
    let ca = tls["ca"].as_str();
    match (cluster["certificate-authority-data"].as_str(), cluster["certificate-authority"].as_str()) {
        (Some(_), _) if !ca.is_some_and(|c| c.starts_with("certificate-authority-data")) => {
            return Err(format!("CA: kubectl uses the CA data, the tool {ca:?}"));
        }
        (None, Some(file)) => {
            let file = file.trim_start_matches("./");
            if !ca.is_some_and(|c| c.ends_with(file) && Path::new(c).is_file()) {
                return Err(format!("CA: kubectl uses the file {file}, the tool {ca:?}"));
            }
        }
        (None, None) if ca.is_some() => return Err(format!("CA: kubectl has none, the tool {ca:?}")),
        _ => {}
    }
    let proxied = cluster["proxy-url"].is_string();
    if evidence["proxies"].as_array().is_some_and(|p| !p.is_empty()) != proxied {
        return Err(format!("proxy-url: kubectl {proxied}, tool {}", evidence["proxies"]));
    }
    Ok(())
}

#[test]
fn kubeconfig_resolution_agrees_with_kubectl() {
    let test = "kubeconfig_resolution_agrees_with_kubectl";
    let kubectl = kubectl();
    if !prerequisites(test, &[Need::Root, Need::Command("ip")]) {
        return;
    }
    if !Path::new(&kubectl).is_file() {
        assert!(!common::in_ci(), "{test}: CI=true but kubectl is not at {kubectl}");
        eprintln!("SKIP {test}: needs kubectl at {kubectl} (or $KUBECTL)");
        return;
    }
    let setups: usize = std::env::var("K8SJC_KUBECTL_SETUPS").ok().and_then(|v| v.parse().ok()).unwrap_or(SETUPS);
    let ns = Netns::new("kcdiff");
    ns.etc_file("resolv.conf", "nameserver 127.0.0.1\n");
    ns.etc_file("hosts", "127.0.0.1 localhost\n::1 localhost\n");
    let m = material();
    let started = std::time::Instant::now();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let kinds = Mutex::new(std::collections::BTreeMap::<String, usize>::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8) * 2;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= setups {
                        break;
                    }
                    let setup = generate(0x5EED_0000 + i as u64, &m);
                    match compare(&ns, &setup) {
                        Ok(kind) => *kinds.lock().unwrap().entry(kind).or_default() += 1,
                        Err(why) => failures
                            .lock()
                            .unwrap()
                            .push(format!("setup {i}: {why}\n    {}", setup.story.join("\n    "))),
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let kinds = kinds.into_inner().unwrap();
    eprintln!(
        "{test}: {setups} setups, {} agreements, {} disagreements, {} documented exceptions, {:.1}s; agreed: {kinds:?}",
        kinds.values().sum::<usize>(),
        failures.len(),
        EXCEPTIONS,
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}
