//! Container runtimes on a host: sockets and binaries of Docker, containerd and CRI-O, found under
//! `--root` (and on `PATH` when checking the live host).

use std::path::PathBuf;

use serde::Serialize;

use crate::hostfs::{HostRoot, NodeType};
use crate::i18n::Text;
use crate::t;

/// The runtimes the vendor's page distinguishes: it requires Docker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Docker,
    Containerd,
    Crio,
}

impl Runtime {
    /// The product's own name, as its binary is called.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Docker => "docker",
            Runtime::Containerd => "containerd",
            Runtime::Crio => "crio",
        }
    }
}

/// What was found of a runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Socket,
    Binary,
}

impl Kind {
    pub fn text(self) -> Text {
        match self {
            Kind::Socket => t!("host-kind-socket"),
            Kind::Binary => t!("host-kind-binary"),
        }
    }
}

/// One piece of evidence that a runtime is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sighting {
    pub runtime: Runtime,
    pub kind: Kind,
    pub path: PathBuf,
}

const SOCKETS: &[(Runtime, &str)] = &[
    (Runtime::Docker, "/var/run/docker.sock"),
    (Runtime::Docker, "/run/docker.sock"),
    (Runtime::Containerd, "/run/containerd/containerd.sock"),
    (Runtime::Containerd, "/var/run/containerd/containerd.sock"),
    (Runtime::Crio, "/var/run/crio/crio.sock"),
    (Runtime::Crio, "/run/crio/crio.sock"),
];

const BINARIES: &[(Runtime, &str)] = &[
    (Runtime::Docker, "dockerd"),
    (Runtime::Docker, "docker"),
    (Runtime::Containerd, "containerd"),
    (Runtime::Crio, "crio"),
];

const BIN_DIRS: &[&str] = &["/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin", "/usr/local/sbin", "/sbin"];

/// Everything found. `path_env` is `$PATH`, searched too on the live host.
pub fn detect(root: &HostRoot, path_env: Option<&str>) -> Vec<Sighting> {
    // Something unreadable (a symlink out of a copied root) is simply not a sighting.
    let present = |host_path: &str| root.node_type(host_path).ok().flatten();
    let mut found = Vec::new();
    for (runtime, socket) in SOCKETS {
        // A copied node may carry a placeholder file where the socket was, so anything counts.
        if present(socket).is_some() {
            found.push(Sighting { runtime: *runtime, kind: Kind::Socket, path: root.join(socket) });
        }
    }
    let mut dirs: Vec<String> = BIN_DIRS.iter().map(|d| (*d).to_string()).collect();
    if root.is_live() {
        dirs.extend(path_env.unwrap_or_default().split(':').filter(|d| d.starts_with('/')).map(str::to_string));
    }
    for (runtime, name) in BINARIES {
        if let Some(bin) = dirs
            .iter()
            .map(|d| format!("{}/{name}", d.trim_end_matches('/')))
            .find(|p| present(p) == Some(NodeType::File))
        {
            found.push(Sighting { runtime: *runtime, kind: Kind::Binary, path: root.join(&bin) });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sockets_and_binaries_under_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let host = HostRoot::new(root);
        assert!(detect(&host, None).is_empty());
        std::fs::create_dir_all(root.join("run/containerd")).expect("mkdir");
        std::fs::write(root.join("run/containerd/containerd.sock"), "").expect("touch");
        std::fs::create_dir_all(root.join("usr/bin")).expect("mkdir");
        std::fs::write(root.join("usr/bin/dockerd"), "").expect("touch");
        let found = detect(&host, Some("/usr/bin"));
        let kinds: Vec<(Runtime, Kind)> = found.iter().map(|s| (s.runtime, s.kind)).collect();
        assert_eq!(kinds, [(Runtime::Containerd, Kind::Socket), (Runtime::Docker, Kind::Binary)]);
    }
}
