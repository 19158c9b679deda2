//! TLS trust as kubectl's: certificates made by the real `openssl`, served by `openssl s_server`
//! inside a network namespace, and judged by kubectl 1.32 (does `kubectl version` get past the
//! handshake?) and by the tool (`apiserver.tls`'s `verification.verified`), case by case: a
//! self-signed certificate trusted as itself, another self-signed one, CA-issued leaves (plain,
//! CA:TRUE, client-only, wrong name, expired, SHA-1), an expired CA, a CA that may not sign, and
//! intermediates (a CA one, and one that is not a CA).
#![allow(clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{Need, Netns, prerequisites};

fn kubectl() -> String {
    std::env::var("KUBECTL").unwrap_or_else(|_| "/usr/bin/kubectl".to_string())
}

/// A directory of keys and certificates made with the openssl command line.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn openssl(&self, args: &str) {
        let out =
            Command::new("sh").arg("-c").arg(format!("openssl {args}")).current_dir(self.dir.path()).output().unwrap();
        assert!(out.status.success(), "openssl {args}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }

    /// A self-signed certificate as `openssl req -x509` makes it (CA:TRUE).
    fn self_signed(&self, name: &str, ext: &str, days: u32) {
        self.openssl(&format!(
            "req -x509 -newkey rsa:2048 -nodes -keyout {name}.key -out {name}.crt -days {days} -subj /CN={name} {ext}"
        ));
    }

    /// A self-signed CA certificate made with `x509 -signkey`, which (unlike `req`) takes
    /// `-days 0`: validity ends the second it is made.
    fn expired_ca(&self, name: &str) {
        self.openssl(&format!("req -newkey rsa:2048 -nodes -keyout {name}.key -out {name}.csr -subj /CN={name}"));
        self.write(&format!("{name}.ext"), "basicConstraints=critical,CA:TRUE\n");
        self.openssl(&format!(
            "x509 -req -in {name}.csr -signkey {name}.key -out {name}.crt -days 0 -sha256 -extfile {name}.ext"
        ));
    }

    /// A certificate for `name` signed by `signer`, with these extension lines.
    fn issued(&self, name: &str, signer: &str, days: u32, ext: &[&str], digest: &str) {
        self.openssl(&format!("req -newkey rsa:2048 -nodes -keyout {name}.key -out {name}.csr -subj /CN={name}"));
        self.write(&format!("{name}.ext"), &format!("{}\n", ext.join("\n")));
        self.openssl(&format!(
            "x509 -req -in {name}.csr -CA {signer}.crt -CAkey {signer}.key -CAcreateserial -out {name}.crt -days {days} -{digest} -extfile {name}.ext"
        ));
    }

    fn chain(&self, name: &str, parts: &[&str]) {
        let text: String =
            parts.iter().map(|p| std::fs::read_to_string(self.path(&format!("{p}.crt"))).unwrap()).collect();
        self.write(&format!("{name}.crt"), &text);
    }
}

/// An `openssl s_server` inside the namespace, stopped on drop.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(ns: &Netns, pki: &Pki, port: u16, cert: &str, chain: Option<&str>) -> Served {
    let mut cmd = ns.command("openssl");
    cmd.args(["s_server", "-quiet", "-www", "-accept", &format!("127.0.0.1:{port}")])
        .arg("-cert")
        .arg(pki.path(&format!("{cert}.crt")))
        .arg("-key")
        .arg(pki.path(&format!("{cert}.key")))
        // Security level 0: s_server itself would refuse to present the SHA-1 certificate.
        .args(["-cipher", "DEFAULT@SECLEVEL=0"]);
    if let Some(chain) = chain {
        cmd.arg("-cert_chain").arg(pki.path(&format!("{chain}.crt")));
    }
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while !ns.exec(&format!("ss -Hltn 'sport = :{port}' | grep -q LISTEN")).status.success() {
        assert!(started.elapsed() < Duration::from_secs(5), "s_server on {port} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Served(child)
}

fn kubeconfig(pki: &Pki, name: &str, port: u16, trust: &str) -> PathBuf {
    let path = pki.path(&format!("{name}.kubeconfig"));
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: t\ncontexts:\n- name: t\n  context: {{cluster: c, user: u}}\n\
             clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:{port}\n    certificate-authority: {trust}.crt\n\
             users:\n- name: u\n  user: {{token: not-a-real-token}}\n"
        ),
    )
    .unwrap();
    path
}

/// Whether kubectl got through the TLS handshake (it then fails on s_server's HTML page).
fn kubectl_trusts(ns: &Netns, pki: &Pki, kubeconfig: &Path) -> Result<bool, String> {
    let out = ns
        .command(&kubectl())
        .args(["version", "--request-timeout=5s", "--kubeconfig"])
        .arg(kubeconfig)
        .env("HOME", pki.path("home"))
        .env_remove("KUBECONFIG")
        .env_remove("HTTPS_PROXY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if stderr.contains("x509: ") || stderr.contains("tls: ") {
        Ok(false)
    } else if stderr.contains("unable to parse the server version") {
        Ok(true)
    } else {
        Err(stderr)
    }
}

fn tool(ns: &Netns, pki: &Pki, kubeconfig: &Path) -> Value {
    let out = ns
        .command(env!("CARGO_BIN_EXE_k8sjoin-check"))
        .args(["--only", "apiserver.tls", "--format", "json", "--timeout", "5s", "--root"])
        .arg(pki.path("root"))
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env("HOME", pki.path("home"))
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    common::check(&report, "apiserver.tls").clone()
}

/// A served certificate (and chain), the file the kubeconfig trusts, whether kubectl accepts it,
/// and the kind the tool gives a refusal.
type Case = (&'static str, &'static str, Option<&'static str>, &'static str, bool, Option<&'static str>);

#[test]
fn tls_trust_agrees_with_kubectl() {
    let test = "tls_trust_agrees_with_kubectl";
    if !prerequisites(test, &[Need::Root, Need::Command("ip"), Need::Command("openssl"), Need::Command("ss")]) {
        return;
    }
    if !Path::new(&kubectl()).is_file() {
        assert!(!common::in_ci(), "{test}: CI=true but kubectl is not at {}", kubectl());
        eprintln!("SKIP {test}: needs kubectl at {} (or $KUBECTL)", kubectl());
        return;
    }
    let pki = Pki { dir: tempfile::tempdir().unwrap() };
    std::fs::create_dir_all(pki.path("home")).unwrap();
    std::fs::create_dir_all(pki.path("root")).unwrap();
    let ip = "subjectAltName=IP:127.0.0.1";
    pki.self_signed("pinned", &format!("-addext {ip}"), 30);
    pki.self_signed("other-pinned", &format!("-addext {ip}"), 30);
    pki.self_signed("ca", "", 30);
    pki.expired_ca("expired-ca");
    pki.self_signed("sign-less-ca", "-addext keyUsage=digitalSignature", 30);
    pki.issued("leaf", "ca", 30, &[ip], "sha256");
    pki.issued("ca-leaf", "ca", 30, &[ip, "basicConstraints=critical,CA:TRUE"], "sha256");
    pki.issued("client-only", "ca", 30, &[ip, "extendedKeyUsage=clientAuth"], "sha256");
    pki.issued("wrong-name", "ca", 30, &["subjectAltName=DNS:elsewhere.example"], "sha256");
    pki.issued("expired-leaf", "ca", 0, &[ip], "sha256");
    pki.issued("sha1-leaf", "ca", 30, &[ip], "sha1");
    pki.issued("under-expired-ca", "expired-ca", 30, &[ip], "sha256");
    pki.issued("under-sign-less-ca", "sign-less-ca", 30, &[ip], "sha256");
    pki.issued("mid", "ca", 30, &["basicConstraints=critical,CA:TRUE", "keyUsage=keyCertSign"], "sha256");
    pki.issued("via-mid", "mid", 30, &[ip], "sha256");
    pki.chain("via-mid-chain", &["mid"]);
    pki.issued("not-ca-mid", "ca", 30, &["basicConstraints=critical,CA:FALSE"], "sha256");
    pki.issued("via-not-ca-mid", "not-ca-mid", 30, &[ip], "sha256");
    pki.chain("via-not-ca-mid-chain", &["not-ca-mid"]);
    // `-days 0` ends validity now: a second later those certificates are expired.
    std::thread::sleep(Duration::from_millis(1100));

    // (case, served certificate, chain, trusted file, kubectl's verdict, the tool's kind on failure)
    let cases: [Case; 13] = [
        ("self-signed trusted as itself", "pinned", None, "pinned", true, None),
        ("another self-signed certificate", "other-pinned", None, "pinned", false, Some("not-the-trusted-certificate")),
        ("issued by the CA", "leaf", None, "ca", true, None),
        ("a CA:TRUE leaf issued by the CA", "ca-leaf", None, "ca", true, None),
        ("for clients only", "client-only", None, "ca", false, Some("wrong-usage")),
        ("for another name", "wrong-name", None, "ca", false, Some("wrong-name")),
        ("expired", "expired-leaf", None, "ca", false, Some("expired")),
        ("signed with SHA-1", "sha1-leaf", None, "ca", false, Some("insecure-signature")),
        ("under an expired CA", "under-expired-ca", None, "expired-ca", false, Some("ca-expired")),
        ("under a CA that may not sign", "under-sign-less-ca", None, "sign-less-ca", false, Some("bad-signature")),
        ("through a CA intermediate", "via-mid", Some("via-mid-chain"), "ca", true, None),
        (
            "through an intermediate that is no CA",
            "via-not-ca-mid",
            Some("via-not-ca-mid-chain"),
            "ca",
            false,
            Some("bad-signature"),
        ),
        ("the CA itself trusts a server of another CA", "pinned", None, "ca", false, Some("self-signed")),
    ];
    let ns = Netns::new("tlsdiff");
    ns.etc_file("resolv.conf", "nameserver 127.0.0.1\n");
    let mut wrong = Vec::new();
    for (i, (case, cert, chain, trust, expected, kind)) in cases.into_iter().enumerate() {
        let port = 18443 + u16::try_from(i).unwrap();
        let _server = serve(&ns, &pki, port, cert, chain);
        let kc = kubeconfig(&pki, &format!("case{i}"), port, trust);
        let kubectl = kubectl_trusts(&ns, &pki, &kc).unwrap_or_else(|e| panic!("{case}: kubectl said {e}"));
        let tls = tool(&ns, &pki, &kc);
        let verified = tls["evidence"]["verification"]["verified"].as_bool();
        let got_kind = tls["evidence"]["verification"]["kind"].as_str();
        if kubectl != expected {
            wrong.push(format!(
                "{case}: kubectl {} (this test expected {expected})",
                if kubectl { "trusts" } else { "refuses" }
            ));
        }
        if verified != Some(kubectl) || (!kubectl && got_kind != kind) {
            wrong.push(format!(
                "{case}: kubectl {}, the tool {verified:?} {got_kind:?}: {}",
                if kubectl { "trusts" } else { "refuses" },
                tls["message"]
            ));
        }
        let status = tls["status"].as_str().unwrap();
        assert_eq!(status == "pass" || status == "warn", kubectl, "{case}: {tls}");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
