//! The ways the tool is shipped (DESIGN §8), each tried for real: the static binary of
//! scripts/dist.sh (its ELF read here, then run in an empty chroot: only the binary, no library, no
//! /etc, no /proc), the image built from the Containerfile by podman, and the kubectl plugin run by
//! the real kubectl.
#![expect(clippy::expect_used, clippy::unwrap_used, reason = "a test: a panic is the failure report")]

mod common;
mod dist_support;
mod servers;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use common::{Need, Netns, check, fixture, prerequisites, stderr, stdout};
use dist_support::{Podman, dist_binary, fixture_node};
use servers::{Answers, ApiServer, Ca, DnsServer};

/// DESIGN §8's budget for the binary.
const MAX_BYTES: u64 = 15_000_000;

fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes(b[at..at + 2].try_into().unwrap()))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> usize {
    usize::try_from(u64::from_le_bytes(b[at..at + 8].try_into().unwrap())).unwrap()
}

/// What the ELF headers say about linking, read here rather than by readelf (which dist.sh uses),
/// so that the two checks are independent.
#[derive(Debug, PartialEq)]
struct Linking {
    interpreter: bool,
    needed: usize,
    symbol_table: bool,
}

fn linking(elf: &[u8]) -> Linking {
    assert_eq!(&elf[..4], b"\x7fELF", "not an ELF file");
    assert_eq!((elf[4], elf[5], u16_at(elf, 18)), (2, 1, 62), "not a little-endian 64-bit x86-64 ELF");
    const PT_DYNAMIC: u32 = 2;
    const PT_INTERP: u32 = 3;
    const DT_NEEDED: usize = 1;
    const SHT_SYMTAB: u32 = 2;
    let (phoff, phentsize, phnum) = (u64_at(elf, 32), u16_at(elf, 54), u16_at(elf, 56));
    let headers: Vec<&[u8]> = (0..phnum).map(|i| &elf[phoff + i * phentsize..][..phentsize]).collect();
    let interpreter = headers.iter().any(|h| u32_at(h, 0) == PT_INTERP);
    let mut needed = 0;
    for h in headers.iter().filter(|h| u32_at(h, 0) == PT_DYNAMIC) {
        let (offset, size) = (u64_at(h, 8), u64_at(h, 32));
        needed += elf[offset..offset + size]
            .chunks_exact(16)
            .take_while(|e| u64_at(e, 0) != 0)
            .filter(|e| u64_at(e, 0) == DT_NEEDED)
            .count();
    }
    let (shoff, shentsize, shnum) = (u64_at(elf, 40), u16_at(elf, 58), u16_at(elf, 60));
    let symbol_table = (0..shnum).any(|i| u32_at(&elf[shoff + i * shentsize..], 4) == SHT_SYMTAB);
    Linking { interpreter, needed, symbol_table }
}

#[test]
fn the_dist_binary_is_static_stripped_small_and_summed() {
    let path = dist_binary();
    let elf = std::fs::read(path).unwrap();
    assert_eq!(linking(&elf), Linking { interpreter: false, needed: 0, symbol_table: false });
    assert!((elf.len() as u64) < MAX_BYTES, "{} is {} bytes", path.display(), elf.len());
    eprintln!("{}: {} bytes, no interpreter, no shared library, stripped", path.display(), elf.len());

    // The control: the debug build is dynamically linked, so the reader above can tell.
    let debug = linking(&std::fs::read(env!("CARGO_BIN_EXE_k8sjoin-check")).unwrap());
    assert!(debug.interpreter && debug.needed > 0, "{debug:?}");

    let name = path.file_name().unwrap().to_str().unwrap();
    let sum = std::fs::read_to_string(path.with_file_name(format!("{name}.sha256"))).unwrap();
    let digest = ring::digest::digest(&ring::digest::SHA256, &elf);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(sum, format!("{hex}  {name}\n"), "sha256sum -c format, naming the file beside it");
    let o = Command::new("sha256sum")
        .arg("-c")
        .arg(format!("{name}.sha256"))
        .current_dir(path.parent().unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

/// A directory holding the static binary as `/k8sjoin-check` and nothing else.
fn empty_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::copy(dist_binary(), root.path().join("k8sjoin-check")).unwrap();
    root
}

/// `chroot ROOT /k8sjoin-check ARGS` with the environment cleared: nothing from the host leaks in.
fn in_chroot(root: &Path, args: &[&str]) -> Output {
    chroot_command(root, args).output().expect("chroot runs")
}

/// chroot's own path: with the environment cleared there is no PATH to find it by.
fn chroot_program() -> String {
    common::sh("command -v chroot").trim().to_string()
}

fn chroot_command(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(chroot_program());
    cmd.env_clear().env("NO_COLOR", "1").arg(root).arg("/k8sjoin-check").args(args);
    cmd
}

fn assert_no_panic(o: &Output) {
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

#[test]
fn the_dist_binary_answers_regions_and_allowlist_in_an_empty_chroot() {
    if !prerequisites("the_dist_binary_answers_regions_and_allowlist_in_an_empty_chroot", &[Need::Root]) {
        return;
    }
    let root = empty_root();
    let version = in_chroot(root.path(), &["--version"]);
    let text = stdout(&version);
    assert!(text.starts_with(&format!("k8sjoin-check {}\ncommit: ", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.ends_with("\ntarget: x86_64-unknown-linux-gnu\n"), "{text}");
    for args in [&["regions"][..], &["regions", "--format", "json"], &["allowlist", "--region", "cn-hangzhou"]] {
        let o = in_chroot(root.path(), args);
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        // The same answer as the build under test gives on the host: the table is embedded.
        assert_eq!(stdout(&o), stdout(&common::run(args)), "{args:?}");
    }
    assert!(stdout(&in_chroot(root.path(), &["regions"])).contains("cn-hangzhou"));
}

/// An iptables-save dump whose INPUT admits the documentation pool (192.0.2.0/24 public,
/// 198.51.100.0/24 private) on `port` and drops the rest.
fn admitting_rules(port: u16) -> String {
    format!(
        "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
         -A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport {port} -j ACCEPT\n\
         -A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport {port} -j ACCEPT\nCOMMIT\n"
    )
}

#[test]
fn the_dist_binary_checks_a_loopback_api_server_with_firewall_files_in_an_empty_chroot() {
    if !prerequisites(
        "the_dist_binary_checks_a_loopback_api_server_with_firewall_files_in_an_empty_chroot",
        &[Need::Root],
    ) {
        return;
    }
    let ca = Ca::new("chroot");
    let server = ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), Answers::default());
    let root = empty_root();
    // The run's inputs go into the root too: a chroot sees nothing else.
    let input = root.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let ca_data = base64::engine::general_purpose::STANDARD.encode(&ca.pem);
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: t\ncontexts:\n- name: t\n  context: {{cluster: c, user: u}}\n\
         clusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority-data: {ca_data}\nusers:\n- name: u\n  user: {{}}\n",
        server.url()
    );
    std::fs::write(input.join("kubeconfig"), kubeconfig).unwrap();
    std::fs::copy(fixture("regions/doc.json"), input.join("regions.json")).unwrap();
    std::fs::write(input.join("iptables.rules"), admitting_rules(server.addr.port())).unwrap();
    std::fs::write(input.join("acl.txt"), "# the SLB's ACL\n192.0.2.0/24\n198.51.100.0/24\n").unwrap();

    let started = Instant::now();
    let o = in_chroot(
        root.path(),
        &[
            "--region",
            "doc-east-1",
            "--regions-file",
            "/in/regions.json",
            "--kubeconfig",
            "/in/kubeconfig",
            "--firewall",
            "iptables:/in/iptables.rules",
            "--firewall",
            "cidrs:/in/acl.txt",
            "--only",
            "region",
            "--only",
            "apiserver",
            "--only",
            "firewall",
            "--timeout",
            "2s",
            "--format",
            "json",
        ],
    );
    assert_no_panic(&o);
    let report: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    common::assert_valid_report(&report);
    for id in [
        "region.known",
        "region.vpc-eligible",
        "apiserver.endpoint",
        "apiserver.tcp",
        "apiserver.tls",
        "apiserver.health",
        "apiserver.version",
        "firewall.sources",
        "firewall.allowlist",
    ] {
        assert_eq!(check(&report, id)["status"], "pass", "{id}: {}", check(&report, id));
    }
    assert_eq!(check(&report, "firewall.allowlist")["evidence"]["layers"].as_array().unwrap().len(), 2);
    assert_eq!(report["summary"]["gate"], "pass", "{}", report["summary"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

/// Names in an empty chroot: hickory has no /etc/resolv.conf, and static glibc's getaddrinfo has no
/// nsswitch.conf (so only its built-in `files` and `dns`, and no library to load) and asks
/// 127.0.0.1:53. In a namespace of the test's own nothing listens there, so that question stays
/// inside it. Resolving through --dns-server needs one more file: hickory draws its query ids from
/// getrandom 0.4, which in a static build cannot find glibc's getrandom() (dlsym sees no shared
/// libc) and reads /dev/urandom once /dev/random polls ready, as it must on kernels before 3.17.
#[test]
fn names_resolve_or_fail_cleanly_in_an_empty_chroot() {
    if !prerequisites("names_resolve_or_fail_cleanly_in_an_empty_chroot", &[Need::Root, Need::Command("ip")]) {
        return;
    }
    let ns = Netns::new("chroot");
    let root = empty_root();
    let started = Instant::now();
    let run = |extra: &[&str]| {
        let mut args =
            vec!["--region", "cn-hangzhou", "--only", "apiserver", "--no-icmp", "--timeout", "2s", "--format", "json"];
        args.extend_from_slice(extra);
        let mut cmd = ns.command(&chroot_program());
        cmd.env_clear().arg(root.path()).arg("/k8sjoin-check").args(&args);
        let o = cmd.output().unwrap();
        assert_no_panic(&o);
        let report: Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
        (o, report)
    };
    let (o, report) = run(&["--apiserver", "https://api.k8sjoin.test:6443"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let dns = check(&report, "apiserver.dns");
    assert_eq!(dns["status"], "fail", "{dns}");
    assert!(dns["message"].as_str().unwrap().contains("cannot read the system DNS configuration"), "{dns}");
    assert!(dns["evidence"]["system_resolver"]["error"].is_string(), "getaddrinfo was asked and failed: {dns}");

    // The test's DNS server runs in the test's process, outside the namespace: the run above is
    // about failing; this one is about resolving, on the host's loopback.
    let dns_server =
        DnsServer::start(HashMap::from([("api.k8sjoin.test".to_string(), vec!["127.0.0.1".parse().unwrap()])]));
    std::fs::create_dir(root.path().join("dev")).unwrap();
    let dev = root.path().join("dev");
    common::sh(&format!("mknod -m 444 {0}/random c 1 8 && mknod -m 444 {0}/urandom c 1 9", dev.display()));
    let mut cmd =
        chroot_command(root.path(), &["--region", "cn-hangzhou", "--only", "apiserver.dns", "--format", "json"]);
    let o = cmd
        .args(["--apiserver", "https://api.k8sjoin.test:6443", "--dns-server", &dns_server.addr.to_string()])
        .output()
        .unwrap();
    assert_no_panic(&o);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    assert_eq!(check(&report, "apiserver.dns")["evidence"]["a"]["addresses"][0], "127.0.0.1", "{report}");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[test]
fn the_image_builds_from_the_repository_alone_and_runs() {
    if !prerequisites(
        "the_image_builds_from_the_repository_alone_and_runs",
        &[Need::Root, Need::Command("podman"), Need::Command("runc")],
    ) {
        return;
    }
    let podman = Podman::new();
    let tag = "localhost/k8sjoin-check:test";
    podman.build_image(tag);
    // FROM scratch: one layer, the binary.
    assert_eq!(podman.ok(&["image", "inspect", "--format", "{{len .RootFS.Layers}}", tag]).trim(), "1");
    let regions = podman.ok(&["run", "--rm", "--network", "none", tag, "regions"]);
    assert_eq!(regions, stdout(&common::run(&["regions"])));

    // The README's line for checking the host podman runs on, with a fixture node as that host.
    let node = fixture_node();
    let volume = format!("{}:/host:ro", node.path().display());
    let out = podman.ok(&[
        "run",
        "--rm",
        "--network",
        "host",
        "--pid",
        "host",
        "-v",
        &volume,
        tag,
        "--root",
        "/host",
        "--audit",
        "--cluster-id",
        dist_support::CLUSTER,
        "--only",
        "audit",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(check(&report, "audit.policy-file")["status"], "pass", "{}", check(&report, "audit.policy-file"));
    assert_eq!(check(&report, "audit.apiserver-flags")["status"], "pass");
    assert_eq!(check(&report, "audit.log-written")["status"], "pass", "{}", check(&report, "audit.log-written"));
}

#[test]
fn kubectl_runs_it_as_the_plugin_k8sjoin_check() {
    if !prerequisites("kubectl_runs_it_as_the_plugin_k8sjoin_check", &[Need::Command("kubectl")]) {
        return;
    }
    let kubectl = common::sh("command -v kubectl").trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("kubectl-k8sjoin_check");
    std::fs::copy(env!("CARGO_BIN_EXE_k8sjoin-check"), &plugin).unwrap();
    // Only the plugin's directory on the PATH, and no kubeconfig: kubectl sees nothing of the host's.
    let kubectl_run = |args: &[&str]| {
        let o = Command::new(&kubectl)
            .args(args)
            .env("PATH", dir.path())
            .env("HOME", dir.path())
            .env("KUBECONFIG", dir.path().join("no-kubeconfig"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "kubectl {args:?}: {}{}", stdout(&o), stderr(&o));
        stdout(&o)
    };
    let listed = kubectl_run(&["plugin", "list"]);
    assert!(listed.lines().any(|l| l.trim() == plugin.display().to_string()), "{listed}");
    assert_eq!(kubectl_run(&["k8sjoin-check", "regions"]), stdout(&common::run(&["regions"])));
    let help = kubectl_run(&["k8sjoin-check", "--help"]);
    assert!(help.contains("Usage: kubectl k8sjoin-check [OPTIONS] [COMMAND]"), "{help}");
    assert!(kubectl_run(&["k8sjoin-check", "allowlist", "--help"]).contains("Usage: kubectl k8sjoin-check allowlist"));
    // Under its own name the binary says its own name.
    assert!(stdout(&common::run(&["--help"])).contains("Usage: k8sjoin-check [OPTIONS] [COMMAND]"));
}
