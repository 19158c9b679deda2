//! Reading this host's firewall (`--firewall live`): `iptables-legacy-save`, `iptables-nft-save`
//! (and their IPv6 twins), `nft -j list ruleset` and `ipset save`, each with a time limit.
//!
//! Read-only in the strict sense: a backend whose kernel module is not loaded is not asked (asking
//! would load it), so `/proc/net/ip_tables_names`, `/sys/module` and `/proc/modules` are consulted
//! first. Without CAP_NET_ADMIN nothing is run and the caller says why.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::InputError;
use crate::firewall::ipset::IpsetDb;
use crate::firewall::ranges::Family;
use crate::firewall::{Layer, drop_double_counted, iptables, nft};
use crate::i18n::{Sep, Text};
use crate::t;

/// What one command of the live reading gave.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub command: String,
    /// `read`, `absent`, `empty`, `failed`.
    pub outcome: &'static str,
    /// What it gave, in English (the evidence).
    pub detail: String,
    /// The same in the run's language (what a check says).
    #[serde(skip)]
    pub text: Text,
}

/// Everything the live reading found.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    pub layers: Vec<Layer>,
    pub sources: Vec<Source>,
}

/// `Some(why)` when this process may not read the firewall.
pub fn privilege_problem() -> Option<Text> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let has_net_admin = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 12) != 0);
    if has_net_admin { None } else { Some(t!("firewall-live-needs-net-admin")) }
}

/// Whether this process runs as root (effective uid 0): then `live` is the default layer.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
        .unwrap_or(false)
}

/// Where the firewall tools are looked for, in this order. Not `$PATH`: the tool runs as root on
/// control planes, and a directory early in someone's `PATH` must not decide what "the live rules"
/// are.
pub const PROGRAM_DIRS: [&str; 4] = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/// Finds a firewall tool in the system directories.
pub fn find_program(name: &str) -> Option<PathBuf> {
    PROGRAM_DIRS.iter().map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

/// Why a command gave no output.
#[derive(Debug)]
pub enum RunError {
    Absent,
    Failed(String),
    TimedOut,
}

/// Runs a program with a time limit and returns its standard output.
pub fn run(program: &Path, args: &[&str], timeout: Duration) -> Result<String, RunError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C")
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound { RunError::Absent } else { RunError::Failed(e.to_string()) }
        })?;
    // Read both pipes on threads so that a large dump never blocks the child.
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(o) = stdout.as_mut() {
            let _ = o.read_to_end(&mut s);
        }
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.read_to_end(&mut s);
        }
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(RunError::Failed(e.to_string())),
        }
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    if status.success() {
        Ok(stdout)
    } else {
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim().to_string();
        Err(RunError::Failed(format!("{status}: {first}")))
    }
}

fn has_tables(proc_file: &str) -> bool {
    std::fs::read_to_string(proc_file).is_ok_and(|s| !s.trim().is_empty())
}

/// Whether a kernel module is loaded or built in, so that asking it loads nothing. Without module
/// support (no `/proc/modules`) everything the kernel has is built in.
fn kernel_has(module: &str) -> bool {
    if Path::new("/sys/module").join(module).exists() {
        return true;
    }
    let Ok(modules) = std::fs::read_to_string("/proc/modules") else { return true };
    if modules.lines().any(|l| l.split_whitespace().next() == Some(module)) {
        return true;
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let builtin = Path::new("/lib/modules").join(release.trim()).join("modules.builtin");
    std::fs::read_to_string(builtin).is_ok_and(|b| b.lines().any(|l| l.ends_with(&format!("/{module}.ko"))))
}

/// Reads everything this host has. The caller checks [`privilege_problem`] first.
pub fn read(timeout: Duration) -> Reading {
    let mut r = Reading::default();
    let note = |r: &mut Reading, command: &str, outcome: &'static str, text: Text| {
        r.sources.push(Source { command: command.to_string(), outcome, detail: text.en(), text });
    };
    let mut sets = IpsetDb::default();
    match (kernel_has("ip_set"), find_program("ipset")) {
        (false, _) => note(&mut r, "ipset save", "absent", t!("firewall-live-no-ip-set-module")),
        (true, None) => {
            note(&mut r, "ipset save", "absent", t!("firewall-live-program-not-installed", program = "ipset"))
        }
        (true, Some(p)) => match run(&p, &["save"], timeout) {
            Ok(text) => match sets.parse_into(&text, "ipset save") {
                Ok(()) => note(&mut r, "ipset save", "read", t!("firewall-live-sets-read", count = sets.len())),
                Err(e) => note(&mut r, "ipset save", "failed", input_error(&e)),
            },
            Err(e) => note(&mut r, "ipset save", "failed", describe(&e)),
        },
    }
    let backends: [(&str, &str, Option<&str>); 4] = [
        ("iptables-legacy-save", "iptables-save", Some("/proc/net/ip_tables_names")),
        ("ip6tables-legacy-save", "ip6tables-save", Some("/proc/net/ip6_tables_names")),
        ("iptables-nft-save", "iptables-save", None),
        ("ip6tables-nft-save", "ip6tables-save", None),
    ];
    let nf_tables = kernel_has("nf_tables");
    for (program, fallback, legacy_names) in backends {
        match legacy_names {
            Some(names) if !has_tables(names) => {
                note(&mut r, program, "empty", t!("firewall-live-no-legacy-tables", names = names));
                continue;
            }
            None if !nf_tables => {
                note(&mut r, program, "empty", t!("firewall-live-no-nf-tables-module"));
                continue;
            }
            _ => {}
        }
        let want_nft = legacy_names.is_none();
        // Older distributions ship only `iptables-save`; use it when it is the backend wanted.
        let path = find_program(program).or_else(|| {
            let p = find_program(fallback)?;
            let version = run(&p, &["--version"], timeout).ok()?;
            (version.contains("nf_tables") == want_nft).then_some(p)
        });
        let Some(path) = path else {
            note(&mut r, program, "absent", t!("firewall-live-not-installed"));
            continue;
        };
        match run(&path, &[], timeout) {
            Ok(text) if !text.lines().any(|l| l.starts_with('*')) => {
                note(&mut r, program, "empty", t!("firewall-live-no-tables"))
            }
            Ok(text) => match iptables::parse(text, &format!("live:{program}"), &sets) {
                Ok(mut layer) => {
                    if let crate::firewall::LayerKind::Iptables(info) = &mut layer.kind {
                        info.backend = if want_nft { iptables::Backend::Nft } else { iptables::Backend::Legacy };
                        if program.starts_with("ip6") {
                            info.family = Family::V6;
                        }
                    }
                    note(&mut r, program, "read", t!("firewall-live-rules-read", count = layer.rules()));
                    r.layers.push(layer);
                }
                Err(e) => note(&mut r, program, "failed", input_error(&e)),
            },
            Err(e) => note(&mut r, program, "failed", describe(&e)),
        }
    }
    match (nf_tables, find_program("nft")) {
        (false, _) => note(&mut r, "nft -j list ruleset", "empty", t!("firewall-live-no-nf-tables-module")),
        (true, None) => {
            note(&mut r, "nft -j list ruleset", "absent", t!("firewall-live-program-not-installed", program = "nft"))
        }
        (true, Some(p)) => match run(&p, &["-j", "list", "ruleset"], timeout) {
            Ok(text) if text.trim().is_empty() => {
                note(&mut r, "nft -j list ruleset", "empty", t!("firewall-live-no-tables"))
            }
            Ok(text) => match nft::parse(&text, "live:nft") {
                Ok(layer) if layer.ruleset.bases.is_empty() => {
                    note(&mut r, "nft -j list ruleset", "empty", t!("firewall-live-no-base-chains"));
                }
                Ok(layer) => {
                    note(&mut r, "nft -j list ruleset", "read", t!("firewall-live-rules-read", count = layer.rules()));
                    r.layers.push(layer);
                }
                Err(e) => note(&mut r, "nft -j list ruleset", "failed", input_error(&e)),
            },
            Err(e) => note(&mut r, "nft -j list ruleset", "failed", describe(&e)),
        },
    }
    drop_double_counted(&mut r.layers);
    r
}

/// What a command's failure was: the program's own words, or ours.
fn describe(e: &RunError) -> Text {
    match e {
        RunError::Absent => t!("firewall-live-not-installed"),
        RunError::Failed(m) => Text::verbatim(m),
        RunError::TimedOut => t!("firewall-live-timed-out"),
    }
}

/// A parser's refusal of what a command gave: `FILE:LINE: WHAT`, WHAT in the run's language.
fn input_error(e: &InputError) -> Text {
    let place = match e.line {
        Some(line) => format!("{}:{line}", e.file),
        None => e.file.clone(),
    };
    Text::join([Text::verbatim(place), e.what.clone()], Sep::Colon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_times_out_and_reports_failures() {
        let sh = find_program("sh").expect("sh");
        assert!(matches!(run(&sh, &["-c", "sleep 5"], Duration::from_millis(100)), Err(RunError::TimedOut)));
        match run(&sh, &["-c", "echo 'Permission denied (you must be root)' >&2; exit 4"], Duration::from_secs(5)) {
            Err(RunError::Failed(m)) => assert!(m.contains("you must be root"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(run(&sh, &["-c", "echo hi"], Duration::from_secs(5)).expect("runs"), "hi\n");
        assert!(matches!(run(Path::new("/nonexistent/program"), &[], Duration::from_secs(1)), Err(RunError::Absent)));
    }
}
