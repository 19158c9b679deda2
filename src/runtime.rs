//! Container runtimes on a host: sockets and binaries of Docker, containerd and CRI-O, found under
//! `--root` (and on `PATH` when checking the live host).

use std::path::{Path, PathBuf};

use serde::Serialize;

/// The runtimes the vendor's page distinguishes: it requires Docker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Docker,
    Containerd,
    Crio,
}

/// One piece of evidence that a runtime is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sighting {
    pub runtime: Runtime,
    /// `socket` or `binary`.
    pub kind: &'static str,
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

/// Everything found. `path_env` is `$PATH`, searched too when `root` is `/` (the live host).
pub fn detect(root: &Path, path_env: Option<&str>) -> Vec<Sighting> {
    let mut found = Vec::new();
    for (runtime, socket) in SOCKETS {
        let path = crate::context::under_root(root, socket);
        // A copied node may carry a placeholder file where the socket was, so any file counts.
        if path.exists() {
            found.push(Sighting { runtime: *runtime, kind: "socket", path });
        }
    }
    let mut dirs: Vec<PathBuf> = BIN_DIRS.iter().map(|d| crate::context::under_root(root, d)).collect();
    if root == Path::new("/") {
        dirs.extend(path_env.unwrap_or_default().split(':').filter(|d| !d.is_empty()).map(PathBuf::from));
    }
    for (runtime, name) in BINARIES {
        if let Some(path) = dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()) {
            found.push(Sighting { runtime: *runtime, kind: "binary", path });
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
        assert!(detect(root, None).is_empty());
        std::fs::create_dir_all(root.join("run/containerd")).expect("mkdir");
        std::fs::write(root.join("run/containerd/containerd.sock"), "").expect("touch");
        std::fs::create_dir_all(root.join("usr/bin")).expect("mkdir");
        std::fs::write(root.join("usr/bin/dockerd"), "").expect("touch");
        let found = detect(root, Some("/usr/bin"));
        let kinds: Vec<(Runtime, &str)> = found.iter().map(|s| (s.runtime, s.kind)).collect();
        assert_eq!(kinds, [(Runtime::Containerd, "socket"), (Runtime::Docker, "binary")]);
    }
}
