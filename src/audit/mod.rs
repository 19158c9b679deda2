//! Readers for what audit-log threat detection depends on: the kube-apiserver static pod manifest,
//! the audit policy, the running kube-apiserver's command line and the audit log itself.
//!
//! Nothing here knows about checks. [`AuditFiles::load`] reads the two configuration files once,
//! when the context is built: a file that is simply absent is a finding (`None`, [`PolicyFile::Missing`])
//! that the checks report, while a file that exists but cannot be read or parsed is an [`InputError`]
//! (exit 2 naming the file and line) — the run stops before any check, because every audit check
//! would otherwise report on a half-read manifest. The process table and the log are observations
//! of the live system, read by the checks themselves when they run.

pub mod log;
pub mod matcher;
pub mod policy;
pub mod process;
pub mod version;

use std::path::PathBuf;

use crate::error::InputError;
use crate::hostfs::{Found, HostRoot, Kind};
use crate::manifest::{self, Manifest, Mapping};
use policy::Policy;

/// Where kubeadm (and the vendor's procedure) keeps the kube-apiserver static pod.
pub const MANIFEST_PATH: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";
/// Where the vendor's procedure puts the audit policy.
pub const DEFAULT_POLICY_PATH: &str = "/etc/kubernetes/audit-policy.yaml";

/// The audit configuration found under `--root`.
#[derive(Debug, Clone)]
pub struct AuditFiles {
    /// The manifest's path under `--root`.
    pub manifest_path: PathBuf,
    /// `None` when there is no manifest (not a kubeadm master, or the wrong `--root`).
    pub manifest: Option<Manifest>,
    pub policy: PolicyLocation,
    pub policy_file: PolicyFile,
}

/// Which file on the host is the audit policy, and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLocation {
    /// The host path, as on the node (without `--root`).
    pub host_path: String,
    /// The same path under `--root`, where it is read.
    pub path: PathBuf,
    /// How `host_path` was chosen, for messages.
    pub how: String,
}

/// The audit policy file as found on disk.
#[derive(Debug, Clone)]
pub enum PolicyFile {
    Missing,
    /// A directory (what a hostPath mount without `type: File` creates when the file is missing).
    NotAFile,
    /// Zero bytes, or only whitespace and comments (what `type: FileOrCreate` creates).
    Empty,
    Parsed(Policy),
}

impl AuditFiles {
    /// Reads the manifest and the policy it names under `root`.
    pub fn load(root: &HostRoot) -> Result<AuditFiles, InputError> {
        let manifest_path = root.join(MANIFEST_PATH);
        let manifest = match root.read(MANIFEST_PATH, Kind::Manifest)? {
            Found::File(bytes) => Some(manifest::parse(&bytes, &manifest_path, "kube-apiserver")?),
            Found::Missing => None,
            Found::Directory => {
                return Err(InputError::at(
                    &manifest_path,
                    None,
                    "is a directory; expected the kube-apiserver static pod manifest",
                ));
            }
        };
        let policy = locate_policy(root, manifest.as_ref());
        let policy_file = match root.read(&policy.host_path, Kind::AuditPolicy)? {
            Found::Missing => PolicyFile::Missing,
            Found::Directory => PolicyFile::NotAFile,
            Found::File(bytes) => match policy::parse(&bytes, &policy.path)? {
                Some(parsed) => PolicyFile::Parsed(parsed),
                None => PolicyFile::Empty,
            },
        };
        Ok(AuditFiles { manifest_path, manifest, policy, policy_file })
    }
}

/// The policy is the file `--audit-policy-file` names, seen from the host through the manifest's
/// hostPath mount; without a mount the same path on the host (what the vendor's procedure uses);
/// without the flag the vendor's default path.
fn locate_policy(root: &HostRoot, manifest: Option<&Manifest>) -> PolicyLocation {
    let flag = manifest.and_then(|m| m.flag("audit-policy-file")).and_then(|f| f.value.clone());
    let (host_path, how) = match (&flag, manifest) {
        (Some(container_path), Some(m)) => match m.host_location(container_path) {
            Mapping::HostPath { host, mount, .. } => {
                let how =
                    format!("--audit-policy-file={container_path}, hostPath-mounted by volumeMount {:?}", mount.name);
                (host, how)
            }
            _ => {
                (container_path.clone(), format!("--audit-policy-file={container_path} (no hostPath mount covers it)"))
            }
        },
        _ => (
            DEFAULT_POLICY_PATH.to_string(),
            "the vendor's default path (the manifest sets no --audit-policy-file)".into(),
        ),
    };
    PolicyLocation { path: root.join(&host_path), host_path, how }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_findings_not_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = AuditFiles::load(&HostRoot::new(dir.path())).expect("nothing to read is not an error");
        assert!(files.manifest.is_none());
        assert!(matches!(files.policy_file, PolicyFile::Missing));
        assert_eq!(files.policy.host_path, DEFAULT_POLICY_PATH);
    }

    #[test]
    fn a_directory_where_the_policy_should_be_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc/kubernetes/audit-policy.yaml")).expect("mkdir");
        let files = AuditFiles::load(&HostRoot::new(dir.path())).expect("load");
        assert!(matches!(files.policy_file, PolicyFile::NotAFile));
    }

    #[test]
    fn oversized_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("etc/kubernetes/manifests/kube-apiserver.yaml");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let file = std::fs::File::create(&path).expect("create");
        file.set_len(Kind::Manifest.limit() + 1).expect("sparse file");
        let e = AuditFiles::load(&HostRoot::new(dir.path())).expect_err("too large");
        assert!(e.to_string().contains("kube-apiserver.yaml"), "{e}");
    }
}
