//! The verdict a tired reader sees and a CI gate acts on (DESIGN §2.1): ready, not ready or
//! incomplete, with their exit codes; waivers; the table in a real 80-column terminal; JUnit
//! against a schema; shell completions and the man page. Everything drives the real binary.
#![expect(clippy::unwrap_used, reason = "a test: a panic is the failure report")]

mod common;
mod servers;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use common::{Need, bin, check, fixture, prerequisites, stderr, stdout};
use servers::{Answers, ApiServer, Ca};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A node with Docker and nothing else on it: no kubeconfig, no manifests, no live firewall (a
/// copied root).
fn newcomer(root: &Path, extra: &[&str]) -> Output {
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::fs::write(root.join("usr/bin/docker"), "").unwrap();
    bin().args(["--region", "cn-hangzhou", "--root", path(root)]).args(extra).output().unwrap()
}

/// Everything a ready run needs, on loopback: a TLS API server, a kubeconfig trusting its CA,
/// documentation addresses for the pool, and a CIDR list that admits them.
struct Ready {
    dir: tempfile::TempDir,
    _server: ApiServer,
    args: Vec<String>,
}

impl Ready {
    fn new() -> Ready {
        let ca = Ca::new("verdict");
        let leaf = ca.leaf(&["127.0.0.1"], -1, 365);
        let server = ApiServer::start(&leaf, Answers::default());
        let dir = tempfile::tempdir().unwrap();
        let ca_path = dir.path().join("ca.crt");
        std::fs::write(&ca_path, &ca.pem).unwrap();
        let kc = dir.path().join("kubeconfig");
        std::fs::write(
            &kc,
            format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: t\ncontexts:\n- name: t\n  context: {{cluster: c, user: u}}\n\
                 clusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: u\n  user: {{}}\n",
                server.url(),
                ca_path.display()
            ),
        )
        .unwrap();
        let acl = dir.path().join("acl.txt");
        std::fs::write(&acl, "203.0.113.0/24\n198.51.100.0/24\n192.0.2.0/24\n").unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("usr/bin")).unwrap();
        std::fs::write(root.join("usr/bin/docker"), "").unwrap();
        let args = [
            "--regions-file",
            fixture("firewall/regions.json").to_str().unwrap(),
            "--region",
            "doc-fw-1",
            "--kubeconfig",
            path(&kc),
            "--firewall",
            &format!("cidrs:{}", acl.display()),
            "--root",
            path(&root),
            "--no-icmp",
        ]
        .map(str::to_string)
        .to_vec();
        Ready { dir, _server: server, args }
    }

    fn run(&self, extra: &[&str]) -> Output {
        bin().args(&self.args).args(extra).output().unwrap()
    }
}

fn last_line(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or_default().to_string()
}

#[test]
fn a_newcomer_with_nothing_to_check_is_incomplete_not_pass() {
    let root = tempfile::tempdir().unwrap();
    let o = newcomer(root.path(), &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stdout(&o));
    let last = last_line(&o);
    assert!(last.starts_with("INCOMPLETE: ") && last.ends_with("exit 4"), "{last}");
    let text = stdout(&o);
    assert!(text.contains("give: --apiserver https://HOST:PORT, or --kubeconfig PATH"), "{text}");
    assert!(text.contains("give: --firewall KIND:FILE"), "{text}");

    let o = newcomer(root.path(), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(4));
    let r = common::report_json(&o.stdout).unwrap();
    assert_eq!((r["summary"]["verdict"].as_str(), r["summary"]["gate"].as_str()), (Some("incomplete"), Some("pass")));
    let incomplete: Vec<&str> =
        r["summary"]["incomplete"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    for id in ["apiserver.endpoint", "apiserver.tcp", "apiserver.tls", "apiserver.health", "firewall.allowlist"] {
        assert!(incomplete.contains(&id), "{id} in {incomplete:?}");
    }
    assert!(r["summary"]["incomplete"].as_array().unwrap().iter().all(|i| !i["needs"].as_str().unwrap().is_empty()));

    let o = newcomer(root.path(), &["--allow-incomplete"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(last_line(&o).starts_with("INCOMPLETE: ") && last_line(&o).contains("(--allow-incomplete)"));
}

#[test]
fn a_run_whose_required_checks_pass_is_ready_and_a_failure_is_not() {
    let ready = Ready::new();
    let o = ready.run(&[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(last_line(&o).starts_with("READY: "), "{}", stdout(&o));
    let r = common::report_json(&ready.run(&["--format", "json"]).stdout).unwrap();
    assert_eq!(r["summary"]["verdict"], "ready");
    assert_eq!(r["summary"]["incomplete"], serde_json::json!([]));

    // The same host, with a layer that denies part of the pool.
    let acl = ready.dir.path().join("narrow.txt");
    std::fs::write(&acl, "203.0.113.30\n").unwrap();
    let o = ready.run(&["--firewall", &format!("cidrs:{}", acl.display())]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(last_line(&o), "NOT READY: firewall.allowlist fails the gate; exit 1");
    // `--skip` of a required check does not make the run incomplete: the report says so.
    let o = ready.run(&["--skip", "apiserver.tcp", "--format", "json"]);
    let r = common::report_json(&o.stdout).unwrap();
    assert_eq!((r["summary"]["verdict"].as_str(), o.status.code()), (Some("ready"), Some(0)), "{r:#}");
    assert!(r["summary"]["skipped_on_request"].as_array().unwrap().iter().any(|i| i == "apiserver.tls"));
    // `--only` narrows the required set.
    let o = ready.run(&["--only", "region"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_closed_stdout_keeps_the_verdicts_exit_code() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("usr/bin")).unwrap();
    std::fs::write(root.path().join("usr/bin/docker"), "").unwrap();
    for format in ["table", "junit", "json"] {
        // `| true`: nothing reads.
        let mut child = bin()
            .args(["--region", "cn-hangzhou", "--root", path(root.path()), "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        assert_eq!(child.wait().unwrap().code(), Some(4), "{format} | true");
        // `| head -1`: one line read, then the pipe closes.
        let mut child = bin()
            .args(["--region", "cn-qingdao", "--network", "vpc", "--root", path(root.path()), "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = [0u8; 1];
        child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
        drop(child.stdout.take());
        assert_eq!(child.wait().unwrap().code(), Some(1), "{format} | head -1: the gate failed");
    }
}

#[test]
fn sigterm_ends_the_run_with_the_partial_report() {
    let listener = servers::silent_listener();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let mut child = bin()
        .args(["--region", "cn-hangzhou", "--apiserver", &format!("https://{listener}"), "--no-icmp"])
        .args(["--root", path(dir.path()), "--timeout", "20s", "--deadline", "60s", "--format", "json"])
        .args(["--report", path(&report)])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let kill = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(143), "128 + SIGTERM");
    let r = common::report_json(out.as_bytes()).unwrap();
    assert_eq!(r["summary"]["stopped"], "terminated (SIGTERM)");
    assert_eq!(check(&r, "apiserver.tls")["status"], "skip");
    let written = common::report_json(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(written["summary"]["exit_code"], 143);
}

/// A check that fails, for the waiver tests: VPC in a region that does not accept it.
fn failing(root: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["--region", "cn-qingdao", "--network", "vpc", "--only", "region", "--root", path(root)])
        .args(extra)
        .output()
        .unwrap()
}

fn day(offset: i64) -> String {
    let secs = i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs())
        .unwrap()
        + offset * 86_400;
    let o = std::process::Command::new("date").args(["-u", "-d", &format!("@{secs}"), "+%F"]).output().unwrap();
    stdout(&o).trim().to_string()
}

#[test]
fn a_waived_failure_passes_the_gate_and_is_marked_everywhere() {
    let root = tempfile::tempdir().unwrap();
    let waive = format!("region.vpc-eligible=the cluster moves to cn-hangzhou next sprint@{}", day(1));
    let o = failing(root.path(), &["--waive", &waive]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("FAIL (waived)"), "{}", stdout(&o));
    assert!(last_line(&o).starts_with("READY: "), "{}", stdout(&o));

    let r = common::report_json(&failing(root.path(), &["--waive", &waive, "--format", "json"]).stdout).unwrap();
    let c = check(&r, "region.vpc-eligible");
    assert_eq!(c["status"], "fail", "a waived check keeps its status");
    assert_eq!(c["waived"]["reason"], "the cluster moves to cn-hangzhou next sprint");
    assert_eq!(c["waived"]["source"], "--waive");
    assert_eq!(r["summary"]["gate"], "pass");

    let xml = stdout(&failing(root.path(), &["--waive", &waive, "--format", "junit"]));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let case = doc.descendants().find(|n| n.attribute("name") == Some("region.vpc-eligible")).unwrap();
    assert!(!case.children().any(|n| n.has_tag_name("failure")), "{xml}");
    let out = case.children().find(|n| n.has_tag_name("system-out")).and_then(|n| n.text()).unwrap_or_default();
    assert!(out.contains("waived until") && out.contains("next sprint"), "{xml}");

    let md = stdout(&failing(root.path(), &["--waive", &waive, "--format", "markdown"]));
    assert!(md.contains("❌ fail (waived until"), "{md}");

    // The same waiver dated yesterday has expired: ignored, and said.
    let old = format!("region.vpc-eligible=the cluster moves to cn-hangzhou next sprint@{}", day(-1));
    let o = failing(root.path(), &["--waive", &old]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("expired on") && stderr(&o).contains("expired"), "{}", stdout(&o));
    let r = common::report_json(&failing(root.path(), &["--waive", &old, "--format", "json"]).stdout).unwrap();
    assert_eq!(r["summary"]["waivers"][0]["expired"], true);

    // A waiver for a check that is not in the run is stale: a warning.
    let stale = format!("audit.log-written=not yet@{}", day(1));
    let o = failing(root.path(), &["--waive", &stale]);
    assert!(stderr(&o).contains("matches no check") && stdout(&o).contains("stale"), "{}", stderr(&o));
}

#[test]
fn malformed_waivers_are_exit_2_naming_the_line() {
    let root = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("waivers.yaml");
    let ok = format!("- id: region.known\n  reason: fine\n  expires: {}\n", day(30));
    for (second, want) in [
        ("- id: firewall\n  expires: 2027-01-01\n", "no reason"),
        ("- id: firewall\n  reason: accepted\n", "no expiry"),
        (&*format!("- id: firewall\n  reason: accepted\n  expires: {}\n", day(400)), "more than 365 days"),
        ("- id: firewall\n  reason: accepted\n  expires: 2027-13-40\n", "not a day of the calendar"),
        ("- id: firewall\n  reason: accepted\n  expires: next week\n", "not a date"),
    ] {
        std::fs::write(&file, format!("{ok}{second}")).unwrap();
        let o = failing(root.path(), &["--waivers", path(&file)]);
        assert_eq!(o.status.code(), Some(2), "{second}");
        assert!(stderr(&o).contains("waivers.yaml:4:") && stderr(&o).contains(want), "{second}: {}", stderr(&o));
    }
    let o = failing(root.path(), &["--waive", "region.vpc-eligible=because"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no expiry"), "{}", stderr(&o));
}

/// Printable width of a line as a terminal shows it: escape sequences take no room, `\r` starts over.
fn shown(line: &str) -> String {
    let after_cr = line.rsplit('\r').next().unwrap_or(line);
    let mut out = String::new();
    let mut chars = after_cr.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ … final byte in @..~
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

#[test]
fn in_an_80_column_terminal_no_line_is_wider_and_no_short_word_is_split() {
    if !prerequisites(
        "in_an_80_column_terminal_no_line_is_wider_and_no_short_word_is_split",
        &[Need::Command("script")],
    ) {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let args = format!(
        // Loopback only: port 1 refuses at once, so every probe runs and none leaves the host.
        "{} --region cn-qingdao --network vpc --apiserver https://127.0.0.1:1 --root {} -v",
        env!("CARGO_BIN_EXE_k8sjoin-check"),
        root.path().display()
    );
    let o = std::process::Command::new("script")
        .args(["-qec", &format!("stty cols 80 rows 40; {args}"), "/dev/null"])
        .env("HOME", "/nonexistent")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    let text = stdout(&o);
    assert!(text.contains("\x1b["), "a terminal gets colour");
    let lines: Vec<String> = text.split('\n').map(|l| shown(l.trim_end_matches('\r'))).collect();
    for l in &lines {
        assert!(display_width(l) <= 80, "{} columns: {l:?}", display_width(l));
    }
    // Every word of every message that fits a column appears whole.
    let json = bin().args(args.split(' ').skip(1)).args(["--format", "json"]).output().unwrap();
    let r = common::report_json(&json.stdout).unwrap();
    let joined = lines.join("\n");
    for c in r["checks"].as_array().unwrap() {
        // Timings differ between the two runs; every other word is the same.
        let words = c["message"].as_str().unwrap().split(' ');
        for word in words.filter(|w| w.chars().count() <= 30 && !w.chars().any(|c| c.is_ascii_digit())) {
            assert!(joined.contains(word), "{word:?} of {} is split:\n{joined}", c["id"]);
        }
    }
    // Piped, the same run has no colour and no progress line.
    let o = bin().args(args.split(' ').skip(1)).env_remove("NO_COLOR").output().unwrap();
    assert!(!stdout(&o).contains('\x1b') && !stderr(&o).contains('\x1b'), "{}", stderr(&o));
}

#[test]
fn junit_parses_and_passes_a_junit_schema() {
    if !prerequisites("junit_parses_and_passes_a_junit_schema", &[Need::Command("xmllint")]) {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--fail-on", "warn"][..]] {
        let xml = stdout(&failing(root.path(), &[&["--format", "junit"][..], extra].concat()));
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let file = dir.path().join("report.xml");
        std::fs::write(&file, &xml).unwrap();
        let schema: PathBuf = fixture("junit/junit.xsd");
        let o = std::process::Command::new("xmllint")
            .args(["--noout", "--schema", path(&schema), path(&file)])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}\n{xml}", stderr(&o));
    }
}

#[test]
fn completions_and_the_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = bin().args(["completions", shell]).output().unwrap();
        assert!(o.status.success() && stdout(&o).contains("k8sjoin-check"), "{shell}");
    }
    if prerequisites("completions_and_the_man_page", &[Need::Command("bash")]) {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("k8sjoin-check.bash");
        std::fs::write(&script, stdout(&bin().args(["completions", "bash"]).output().unwrap())).unwrap();
        let o = std::process::Command::new("bash").args(["-n", path(&script)]).output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let man = stdout(&bin().arg("man").output().unwrap());
    assert!(man.starts_with(".ie") || man.contains(".TH"), "{man}");
    if prerequisites("completions_and_the_man_page", &[Need::Command("man")]) {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("k8sjoin-check.1");
        std::fs::write(&page, &man).unwrap();
        let o = std::process::Command::new("man")
            .args(["-l", path(&page)])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        assert!(o.status.success() && stdout(&o).contains("--waive"), "{}{}", stdout(&o), stderr(&o));
    }
}
