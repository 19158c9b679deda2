//! Kernel settings under `<root>/proc/sys`: read live (root `/`) or from a copied node.

use std::path::{Path, PathBuf};

use crate::error::InputError;
use crate::hostfs::{HostRoot, Kind};

/// Reads an integer sysctl such as `net/ipv4/ip_forward`. `Ok(None)` when the file does not exist
/// (an interface that is gone, a copied node without it); anything but an integer is an input
/// error that says what was expected and never quotes the file (a sysctl under a copied root may
/// be anything).
pub fn read_int(root: &HostRoot, key: &str) -> Result<Option<i64>, InputError> {
    let host_path = host_path_of(key);
    let path = root.join(&host_path);
    let Some(bytes) = root.read(&host_path, Kind::Sysctl)?.file_or_missing(&path, Kind::Sysctl)? else {
        return Ok(None);
    };
    parse_int(&bytes, &path).map(Some)
}

/// An integer sysctl value, or an error that says what was expected and quotes nothing.
pub fn parse_int(bytes: &[u8], path: &Path) -> Result<i64, InputError> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| t.trim().parse::<i64>().ok())
        .ok_or_else(|| InputError::at(path, Some(1), crate::t!("input-sysctl-not-integer")))
}

/// `/proc/sys/<key>`; interface names may contain dots, so callers pass slash-separated keys
/// (`net/ipv4/conf/eth0.100/forwarding`).
pub fn host_path_of(key: &str) -> String {
    format!("/proc/sys/{key}")
}

/// Where a sysctl lies under the root, for messages.
pub fn path_of(root: &HostRoot, key: &str) -> PathBuf {
    root.join(&host_path_of(key))
}

/// `sysctl -w` and `/etc/sysctl.d` forms of a setting, for fixes. The dotted name uses `/` for dots
/// inside interface names, as sysctl(8) expects.
pub fn dotted(key: &str) -> String {
    key.split('/').map(|part| part.replace('.', "/")).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_missing_and_malformed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = HostRoot::new(dir.path());
        let d = dir.path();
        std::fs::create_dir_all(d.join("proc/sys/net/ipv4")).expect("mkdir");
        std::fs::write(d.join("proc/sys/net/ipv4/ip_forward"), "1\n").expect("write");
        assert_eq!(read_int(&root, "net/ipv4/ip_forward"), Ok(Some(1)));
        assert_eq!(read_int(&root, "net/ipv4/conf/eth9/forwarding"), Ok(None));
        std::fs::write(d.join("proc/sys/net/ipv4/ip_forward"), "yes-SECRET\n").expect("write");
        let err = read_int(&root, "net/ipv4/ip_forward").unwrap_err().to_string();
        assert!(err.ends_with("ip_forward:1: is not an integer; expected a sysctl value such as 0 or 1"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn dotted_keeps_interface_dots_as_slashes() {
        assert_eq!(dotted("net/ipv4/conf/eth0.100/rp_filter"), "net.ipv4.conf.eth0/100.rp_filter");
        assert_eq!(dotted("net/ipv4/ip_forward"), "net.ipv4.ip_forward");
    }
}
