//! Test harness shared by the integration tests: the built binary, skip-or-fail rules for tests
//! that need root or system packages, and network namespaces that clean up after themselves.
//!
//! Each integration test file includes it with `mod common;` and uses what it needs.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The binary under test.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_k8sjoin-check"));
    // Tests must not depend on the developer's kubeconfig, terminal or locale (a zh_CN.UTF-8
    // machine would otherwise get Chinese messages where a test reads English ones).
    cmd.env_remove("KUBECONFIG").env("HOME", "/nonexistent-home-for-tests").env("NO_COLOR", "1");
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Waits for `child` with wait4, which std's `wait` cannot replace: its exit status, and its
/// own resource usage (`ru_maxrss` is its peak RSS in KiB). Linux keeps the larger of the old
/// and new images' peaks at `exec`, so the spawning process must be smaller than the child for
/// the peak to be the child's own.
pub fn wait_with_usage(child: &std::process::Child) -> (std::process::ExitStatus, libc::rusage) {
    use std::os::unix::process::ExitStatusExt;
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4 writes the status and a `struct rusage` into the pointers it is given, which
    // point to an int and to one such struct; the child is ours and not yet waited for.
    #[expect(unsafe_code, reason = "std has no wait4; the call only fills what it is given")]
    let usage = unsafe {
        assert_eq!(libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()), pid);
        usage.assume_init()
    };
    (std::process::ExitStatus::from_raw(status), usage)
}

/// Runs the binary with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Checks a report against the JSON Schema the binary publishes (`k8sjoin-check schema`); `Err`
/// carries the validator's explanation.
pub fn schema_check(report: &serde_json::Value) -> Result<(), String> {
    static SCHEMA: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let schema =
        SCHEMA.get_or_init(|| serde_json::from_str(&stdout(&run(&["schema"]))).expect("schema is JSON")).clone();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("report-schema.json", schema).expect("schema loads");
    let index = compiler.compile("report-schema.json", &mut schemas).expect("schema compiles");
    schemas.validate(report, index).map_err(|e| format!("{e:#}"))
}

/// A report as a run printed or wrote it, checked against the published schema: every report a
/// test reads goes through here, so the schema cannot fall behind what the tool writes.
pub fn report_json(bytes: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
    let v: serde_json::Value = serde_json::from_slice(bytes)?;
    assert_valid_report(&v);
    Ok(v)
}

/// The check with this id in a JSON report; panics (showing the report) when it is not there.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {report}"))
}

/// Panics unless the report matches the published schema.
pub fn assert_valid_report(report: &serde_json::Value) {
    if let Err(e) = schema_check(report) {
        panic!("report does not match the schema: {e}\n{report:#}");
    }
}

/// Copies a directory tree (a fixture node) into `to`.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// What a test may need from the machine.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    Root,
    Command(&'static str),
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

pub fn has_command(name: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {name}")]).output().map(|o| o.status.success()).unwrap_or(false)
}

/// True when the test can run. Outside CI a missing prerequisite prints why and returns false (the
/// test returns early); under `CI=true` it panics, because CI must run every test.
pub fn prerequisites(test: &str, needs: &[Need]) -> bool {
    for need in needs {
        let missing = match need {
            Need::Root if !is_root() => Some("root (network namespaces, iptables)".to_string()),
            Need::Command(c) if !has_command(c) => {
                Some(format!("the command `{c}` (scripts/test.sh installs it as root)"))
            }
            _ => None,
        };
        if let Some(what) = missing {
            assert!(!in_ci(), "{test}: CI=true but this machine lacks {what}");
            eprintln!("SKIP {test}: needs {what}");
            return false;
        }
    }
    true
}

static NETNS_SEQ: AtomicUsize = AtomicUsize::new(0);

/// A network namespace this test owns, named with the process id so parallel runs never collide,
/// deleted on drop (also when the test panics).
#[derive(Debug)]
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(tag: &str) -> Netns {
        let n = NETNS_SEQ.fetch_add(1, Ordering::SeqCst);
        let name = format!("k8sjc-{tag}-{}-{n}", std::process::id());
        sh(&format!("ip netns add {name}"));
        let ns = Netns { name };
        ns.exec_ok("ip link set lo up");
        ns
    }

    /// Runs a shell command inside the namespace.
    pub fn exec(&self, script: &str) -> Output {
        Command::new("ip").args(["netns", "exec", &self.name, "sh", "-c", script]).output().expect("ip netns exec runs")
    }

    /// Runs a shell command inside the namespace and panics with its output when it fails.
    pub fn exec_ok(&self, script: &str) -> String {
        let o = self.exec(script);
        assert!(o.status.success(), "in {}: `{script}` failed: {}{}", self.name, stdout(&o), stderr(&o));
        stdout(&o)
    }

    /// Gives the namespace its own `/etc/FILE` (`hosts`, `resolv.conf`): `ip netns exec` bind-mounts
    /// `/etc/netns/NAME/FILE` over it for the commands it runs. Removed on drop.
    pub fn etc_file(&self, file: &str, contents: &str) {
        let dir = PathBuf::from("/etc/netns").join(&self.name);
        std::fs::create_dir_all(&dir).expect("create /etc/netns/NAME");
        std::fs::write(dir.join(file), contents).expect("write the namespace's etc file");
    }

    /// A command that will run inside the namespace (`ip netns exec NAME program`).
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name, program]);
        cmd
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).output();
        let _ = std::fs::remove_dir_all(PathBuf::from("/etc/netns").join(&self.name));
    }
}

/// Connects two namespaces with a veth pair: `a_if` in `a` with `a_addr` (CIDR form), `b_if` in `b`
/// with `b_addr`. Interface names must be at most 15 characters.
pub fn veth(a: &Netns, a_if: &str, a_addr: &str, b: &Netns, b_if: &str, b_addr: &str) {
    sh(&format!("ip link add {a_if} netns {} type veth peer name {b_if} netns {}", a.name, b.name));
    a.exec_ok(&format!("ip addr add {a_addr} dev {a_if} && ip link set {a_if} up"));
    b.exec_ok(&format!("ip addr add {b_addr} dev {b_if} && ip link set {b_if} up"));
}

/// Runs a shell command on the host and panics when it fails.
pub fn sh(script: &str) -> String {
    let o = Command::new("sh").args(["-c", script]).output().expect("sh runs");
    assert!(o.status.success(), "`{script}` failed: {}{}", stdout(&o), stderr(&o));
    stdout(&o)
}
