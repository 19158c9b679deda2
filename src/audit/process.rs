//! The running kube-apiserver, from `/proc/<pid>/cmdline` (under `--root`, so a copied node or a
//! test can provide its own).

use std::collections::BTreeMap;

use crate::error::InputError;
use crate::hostfs::{Found, HostRoot, Kind};
use crate::manifest::{Flag, last_flag, parse_flags};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    /// argv[0].
    pub program: String,
    pub flags: Vec<Flag>,
}

/// Every process whose program is `kube-apiserver`, by pid; `None` when there is no `/proc`.
/// Processes that vanish, hide or cannot be read while the directory is read are passed over (a
/// command line that is not a regular file under a copied root is one of them).
pub fn find_kube_apiservers(root: &HostRoot) -> Result<Option<Vec<Process>>, InputError> {
    let Some(names) = root.list("/proc")? else { return Ok(None) };
    let mut found = Vec::new();
    for pid in names.iter().filter_map(|n| n.parse::<u32>().ok()) {
        let Ok(Found::File(cmdline)) = root.read(&format!("/proc/{pid}/cmdline"), Kind::Cmdline) else { continue };
        if let Some(process) = from_cmdline(pid, &cmdline) {
            found.push(process);
        }
    }
    Ok(Some(found))
}

/// The last value of every `--audit-*` flag (a bare flag has `None`).
pub fn audit_flags(flags: &[Flag]) -> BTreeMap<String, Option<String>> {
    flags
        .iter()
        .filter(|f| f.name.starts_with("audit-"))
        .map(|f| (f.name.clone(), last_flag(flags, &f.name).and_then(|l| l.value.clone())))
        .collect()
}

/// One way a running kube-apiserver's audit flags differ from the manifest's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub pid: u32,
    pub flag: String,
    /// `None`: the process does not have the flag.
    pub running: Option<Option<String>>,
    /// `None`: the manifest no longer has it.
    pub manifest: Option<Option<String>>,
}

/// What runs compared with the manifest: no process table, no kube-apiserver, or the processes
/// and how their audit flags differ (none: the manifest has been picked up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Running {
    NoProcessTable,
    NotRunning,
    Running { processes: Vec<Process>, differences: Vec<Difference> },
}

impl Running {
    /// The manifest was edited but the kubelet has not restarted kube-apiserver with it yet.
    pub fn restart_pending(&self) -> bool {
        matches!(self, Running::Running { differences, .. } if !differences.is_empty())
    }
}

/// Compares the running kube-apiservers under `root` with the manifest's flags.
pub fn compare(root: &HostRoot, manifest_flags: &[Flag]) -> Result<Running, InputError> {
    let Some(processes) = find_kube_apiservers(root)? else { return Ok(Running::NoProcessTable) };
    if processes.is_empty() {
        return Ok(Running::NotRunning);
    }
    let wanted = audit_flags(manifest_flags);
    let mut differences = Vec::new();
    for p in &processes {
        let running = audit_flags(&p.flags);
        for (name, value) in &wanted {
            if running.get(name) != Some(value) {
                let flag = name.clone();
                differences.push(Difference {
                    pid: p.pid,
                    flag,
                    running: running.get(name).cloned(),
                    manifest: Some(value.clone()),
                });
            }
        }
        for (name, value) in running.iter().filter(|(n, _)| !wanted.contains_key(*n)) {
            differences.push(Difference {
                pid: p.pid,
                flag: name.clone(),
                running: Some(value.clone()),
                manifest: None,
            });
        }
    }
    Ok(Running::Running { processes, differences })
}

/// A kube-apiserver process from its NUL-separated command line; `None` for any other program.
pub fn from_cmdline(pid: u32, cmdline: &[u8]) -> Option<Process> {
    let mut args = cmdline.split(|&b| b == 0).map(|a| String::from_utf8_lossy(a).into_owned());
    let program = args.next()?;
    if program.rsplit('/').next() != Some("kube-apiserver") {
        return None;
    }
    // The kernel ends the command line with a NUL, which leaves one empty argument at the end.
    let rest: Vec<(String, Option<usize>)> = args.filter(|a| !a.is_empty()).map(|a| (a, None)).collect();
    Some(Process { pid, program, flags: parse_flags(&rest) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kube_apiserver_command_lines_only() {
        let p = from_cmdline(7, b"/usr/local/bin/kube-apiserver\0--audit-log-path=/x\0--v\x002\0").expect("apiserver");
        assert_eq!(p.program, "/usr/local/bin/kube-apiserver");
        assert_eq!(p.flags.len(), 2);
        assert_eq!(p.flags[1].value.as_deref(), Some("2"));
        assert!(from_cmdline(8, b"kube-apiserver-proxy\0--a\0").is_none());
        assert!(from_cmdline(9, b"").is_none());
        assert!(from_cmdline(10, b"\xff\xfe\0--a").is_none());
    }

    #[test]
    fn a_process_without_the_manifests_audit_flags_is_a_pending_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("proc/7")).expect("mkdir");
        std::fs::write(dir.path().join("proc/7/cmdline"), b"kube-apiserver\0--v=2\0").expect("write");
        let manifest = parse_flags(&[("--audit-log-path=/x".to_string(), Some(3))]);
        let running = compare(&HostRoot::new(dir.path()), &manifest).expect("compare");
        assert!(running.restart_pending(), "{running:?}");
        std::fs::write(dir.path().join("proc/7/cmdline"), b"kube-apiserver\0--audit-log-path=/x\0").expect("write");
        assert!(!compare(&HostRoot::new(dir.path()), &manifest).expect("compare").restart_pending());
        let empty = tempfile::tempdir().expect("tempdir");
        assert_eq!(compare(&HostRoot::new(empty.path()), &manifest).expect("compare"), Running::NoProcessTable);
    }

    #[test]
    fn scans_a_proc_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let proc_dir = dir.path().join("proc");
        for (pid, cmdline) in [("12", &b"kube-apiserver\0--a=1\0"[..]), ("3", b"sshd\0"), ("self", b"kube-apiserver\0")]
        {
            std::fs::create_dir_all(proc_dir.join(pid)).expect("mkdir");
            std::fs::write(proc_dir.join(pid).join("cmdline"), cmdline).expect("write");
        }
        std::fs::create_dir_all(proc_dir.join("99")).expect("a process without cmdline");
        let found = find_kube_apiservers(&HostRoot::new(dir.path())).expect("scan").expect("a proc dir");
        assert_eq!(found.iter().map(|p| p.pid).collect::<Vec<_>>(), [12]);
        let empty = tempfile::tempdir().expect("tempdir");
        assert!(find_kube_apiservers(&HostRoot::new(empty.path())).expect("scan").is_none());
    }
}
