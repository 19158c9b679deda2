//! The running kube-apiserver, from `/proc/<pid>/cmdline` (under `--root`, so a copied node or a
//! test can provide its own).

use std::path::Path;

use crate::manifest::{Flag, parse_flags};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    /// argv[0].
    pub program: String,
    pub flags: Vec<Flag>,
}

/// Every process whose program is `kube-apiserver`, by pid. Processes that vanish or hide while
/// the directory is read are passed over; a missing or unreadable proc directory is an error.
pub fn find_kube_apiservers(proc_dir: &Path) -> std::io::Result<Vec<Process>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(proc_dir)? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        if let Some(process) = from_cmdline(pid, &cmdline) {
            found.push(process);
        }
    }
    found.sort_by_key(|p| p.pid);
    Ok(found)
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
    fn scans_a_proc_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (pid, cmdline) in [("12", &b"kube-apiserver\0--a=1\0"[..]), ("3", b"sshd\0"), ("self", b"kube-apiserver\0")]
        {
            std::fs::create_dir_all(dir.path().join(pid)).expect("mkdir");
            std::fs::write(dir.path().join(pid).join("cmdline"), cmdline).expect("write");
        }
        std::fs::create_dir_all(dir.path().join("99")).expect("a process without cmdline");
        let found = find_kube_apiservers(dir.path()).expect("scan");
        assert_eq!(found.iter().map(|p| p.pid).collect::<Vec<_>>(), [12]);
        assert!(find_kube_apiservers(&dir.path().join("missing")).is_err());
    }
}
