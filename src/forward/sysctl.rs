//! Kernel settings under `<root>/proc/sys`: read live (root `/`) or from a copied node.

use std::path::{Path, PathBuf};

use crate::error::InputError;

/// Reads an integer sysctl such as `net/ipv4/ip_forward`. `Ok(None)` when the file does not exist
/// (an interface that is gone, a copied node without it); malformed content is an input error.
pub fn read_int(root: &Path, key: &str) -> Result<Option<i64>, InputError> {
    let path = path_of(root, key);
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(InputError::unreadable(&path, &e)),
    };
    let text = String::from_utf8_lossy(&text);
    let value = text.trim();
    value
        .parse::<i64>()
        .map(Some)
        .map_err(|_| InputError::at(&path, Some(1), format!("{value:?} is not an integer; expected e.g. 0 or 1")))
}

/// `<root>/proc/sys/<key with dots as slashes>`; interface names may contain dots, so callers pass
/// slash-separated keys (`net/ipv4/conf/eth0.100/forwarding`).
pub fn path_of(root: &Path, key: &str) -> PathBuf {
    root.join("proc/sys").join(key)
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
        let root = dir.path();
        std::fs::create_dir_all(root.join("proc/sys/net/ipv4")).expect("mkdir");
        std::fs::write(root.join("proc/sys/net/ipv4/ip_forward"), "1\n").expect("write");
        assert_eq!(read_int(root, "net/ipv4/ip_forward"), Ok(Some(1)));
        assert_eq!(read_int(root, "net/ipv4/conf/eth9/forwarding"), Ok(None));
        std::fs::write(root.join("proc/sys/net/ipv4/ip_forward"), "yes\n").expect("write");
        let err = read_int(root, "net/ipv4/ip_forward").unwrap_err();
        assert!(err.to_string().ends_with("ip_forward:1: \"yes\" is not an integer; expected e.g. 0 or 1"), "{err}");
    }

    #[test]
    fn dotted_keeps_interface_dots_as_slashes() {
        assert_eq!(dotted("net/ipv4/conf/eth0.100/rp_filter"), "net.ipv4.conf.eth0/100.rp_filter");
        assert_eq!(dotted("net/ipv4/ip_forward"), "net.ipv4.ip_forward");
    }
}
