//! Readers for what audit-log threat detection depends on: the kube-apiserver static pod manifest,
//! the audit policy, the running kube-apiserver's command line and the audit log itself.
//!
//! Nothing here knows about checks. [`AuditFiles::load`] reads the two configuration files once,
//! when the context is built: a file that is simply absent is a finding (`None`, [`PolicyFile::Missing`])
//! that the checks report, while a file that exists but cannot be read or parsed is an [`InputError`]
//! (exit 2 naming the file and line) — the run stops before any check, because every audit check
//! would otherwise report on a half-read manifest. The process table and the log are observations
//! of the live system, read by the checks themselves when they run.

pub mod image;
pub mod log;
pub mod matcher;
pub mod policy;
pub mod process;
pub mod version;

use std::path::PathBuf;

use crate::error::InputError;
use crate::hostfs::{Found, HostRoot, Kind};
use crate::i18n::Text;
use crate::manifest::{self, Flag, Manifest, Mapping, VolumeMount};
use image::ControlPlane;
use policy::Policy;

use crate::t;

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
    /// SHA-256 (hex) of the policy file's bytes, when there is one: what the masters of a fleet
    /// must share.
    pub policy_sha256: Option<String>,
    /// The other control-plane static pods' images.
    pub control_plane: ControlPlane,
}

/// Which file on the host is the audit policy, and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLocation {
    /// The host path, as on the node (without `--root`).
    pub host_path: String,
    /// The same path under `--root`, where it is read.
    pub path: PathBuf,
    /// How `host_path` was chosen, for messages.
    pub how: PolicyChoice,
}

/// How the policy's host path was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyChoice {
    /// `--audit-policy-file` names it, and a hostPath volume mounts it.
    Mounted { container_path: String, mount: String },
    /// `--audit-policy-file` names it, and no hostPath mount covers it: the same path on the host.
    Unmounted { container_path: String },
    /// The manifest sets no `--audit-policy-file`: the vendor's default path.
    Default,
}

impl PolicyChoice {
    pub fn text(&self) -> Text {
        match self {
            PolicyChoice::Mounted { container_path, mount } => {
                t!("audit-policy-mounted", path = container_path, mount = format!("{mount:?}"))
            }
            PolicyChoice::Unmounted { container_path } => t!("audit-policy-unmounted", path = container_path),
            PolicyChoice::Default => t!("audit-policy-default-path"),
        }
    }
}

impl std::fmt::Display for PolicyChoice {
    /// English, for evidence and logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en())
    }
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
                    crate::t!("audit-manifest-is-directory", expected = Kind::Manifest.described()),
                ));
            }
        };
        let policy = locate_policy(root, manifest.as_ref());
        let mut policy_sha256 = None;
        let policy_file = match root.read(&policy.host_path, Kind::AuditPolicy)? {
            Found::Missing => PolicyFile::Missing,
            Found::Directory => PolicyFile::NotAFile,
            Found::File(bytes) => {
                let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
                policy_sha256 = Some(digest.as_ref().iter().map(|b| format!("{b:02x}")).collect());
                match policy::parse(&bytes, &policy.path)? {
                    Some(parsed) => PolicyFile::Parsed(parsed),
                    None => PolicyFile::Empty,
                }
            }
        };
        let control_plane = image::control_plane(root, MANIFEST_PATH)?;
        Ok(AuditFiles { manifest_path, manifest, policy, policy_file, policy_sha256, control_plane })
    }
}

/// Where kube-apiserver writes the audit log, seen from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogLocation {
    /// No `--audit-log-path`: no log file.
    NoFlag,
    /// `--audit-log-path=-` (or empty): standard output.
    Stdout(Flag),
    /// On the host through a hostPath mount: of the log's directory, or of the file itself (GCE
    /// mounts `/var/log/kube-apiserver-audit.log` with `FileOrCreate`).
    OnHost { container_path: String, host_path: String, mount: VolumeMount, file_mount: bool },
    /// Inside the container only (no mount, or not a hostPath).
    InContainer { container_path: String },
}

/// Where the manifest's `--audit-log-path` lands.
pub fn log_location(m: &Manifest) -> LogLocation {
    let Some(flag) = m.flag("audit-log-path") else { return LogLocation::NoFlag };
    let path = match flag.value.as_deref() {
        None | Some("" | "-") => return LogLocation::Stdout(flag.clone()),
        Some(p) => p.to_string(),
    };
    match m.host_location(&path) {
        Mapping::HostPath { mount, host, .. } => LogLocation::OnHost {
            file_mount: manifest::normalize(&mount.mount_path) == manifest::normalize(&path),
            mount: mount.clone(),
            container_path: path,
            host_path: host,
        },
        _ => LogLocation::InContainer { container_path: path },
    }
}

/// What a rotation flag's value means to kube-apiserver (lumberjack behind `--audit-log-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// At or above the vendor's value.
    Enough,
    /// `maxage=0` / `maxbackup=0`: old files are never removed.
    NoLimit,
    /// Below the vendor's value: files may rotate away before they are collected.
    Below,
    /// `maxsize=0`: the log never rotates and grows without bound.
    NeverRotates,
    /// Not a whole number, or negative: kube-apiserver refuses it and does not start.
    Refused,
}

/// The vendor's value for each rotation flag.
pub const ROTATION: [(&str, i64); 3] =
    [("audit-log-maxage", 30), ("audit-log-maxbackup", 10), ("audit-log-maxsize", 100)];

/// Judges `--NAME=value` for one of [`ROTATION`]'s flags. kube-apiserver reads them as Go ints
/// (`strconv.ParseInt(s, 0, 64)`: `0x10` is 16) and refuses negative values.
pub fn rotation(name: &str, value: &str, vendor: i64) -> Rotation {
    let parsed = parse_go_int(value);
    match parsed {
        None => Rotation::Refused,
        Some(n) if n < 0 => Rotation::Refused,
        Some(0) if name == "audit-log-maxsize" => Rotation::NeverRotates,
        Some(0) => Rotation::NoLimit,
        Some(n) if n >= vendor => Rotation::Enough,
        Some(_) => Rotation::Below,
    }
}

fn parse_go_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let lower = digits.to_ascii_lowercase();
    let (digits, radix) = match lower.as_str() {
        d if d.starts_with("0x") => (&lower[2..], 16),
        d if d.starts_with("0o") => (&lower[2..], 8),
        d if d.starts_with("0b") => (&lower[2..], 2),
        d if d.len() > 1 && d.starts_with('0') => (&lower[1..], 8),
        _ => (lower.as_str(), 10),
    };
    let digits = digits.replace('_', "");
    let n = i64::from_str_radix(&digits, radix).ok()?;
    Some(if negative { -n } else { n })
}

/// The policy is the file `--audit-policy-file` names, seen from the host through the manifest's
/// hostPath mount; without a mount the same path on the host (what the vendor's procedure uses);
/// without the flag the vendor's default path.
fn locate_policy(root: &HostRoot, manifest: Option<&Manifest>) -> PolicyLocation {
    let flag = manifest.and_then(|m| m.flag("audit-policy-file")).and_then(|f| f.value.clone());
    let (host_path, how) = match (&flag, manifest) {
        (Some(container_path), Some(m)) => match m.host_location(container_path) {
            Mapping::HostPath { host, mount, .. } => {
                (host, PolicyChoice::Mounted { container_path: container_path.clone(), mount: mount.name.clone() })
            }
            _ => (container_path.clone(), PolicyChoice::Unmounted { container_path: container_path.clone() }),
        },
        _ => (DEFAULT_POLICY_PATH.to_string(), PolicyChoice::Default),
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
    fn rotation_values_as_kube_apiserver_reads_them() {
        assert_eq!(rotation("audit-log-maxage", "0", 30), Rotation::NoLimit);
        assert_eq!(rotation("audit-log-maxbackup", "0", 10), Rotation::NoLimit);
        assert_eq!(rotation("audit-log-maxsize", "0", 100), Rotation::NeverRotates);
        assert_eq!(rotation("audit-log-maxsize", "2000000000", 100), Rotation::Enough);
        assert_eq!(rotation("audit-log-maxage", "0x1e", 30), Rotation::Enough);
        assert_eq!(rotation("audit-log-maxage", "7", 30), Rotation::Below);
        for bad in ["ten", "-1", "", "1.5"] {
            assert_eq!(rotation("audit-log-maxage", bad, 30), Rotation::Refused, "{bad}");
        }
    }

    #[test]
    fn a_mount_of_the_log_file_itself_puts_it_on_the_host() {
        let gce = r#"kind: Pod
spec:
  containers:
  - name: kube-apiserver
    command: [kube-apiserver, --audit-log-path=/var/log/kube-apiserver-audit.log]
    volumeMounts:
    - {name: auditlogfile, mountPath: /var/log/kube-apiserver-audit.log}
  volumes:
  - name: auditlogfile
    hostPath: {path: /var/log/kube-apiserver-audit.log, type: FileOrCreate}
"#;
        let m = manifest::parse(gce.as_bytes(), std::path::Path::new("m"), "kube-apiserver").expect("manifest");
        match log_location(&m) {
            LogLocation::OnHost { host_path, file_mount, .. } => {
                assert_eq!(host_path, "/var/log/kube-apiserver-audit.log");
                assert!(file_mount);
            }
            other => panic!("{other:?}"),
        }
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
