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
pub mod manifest;
pub mod policy;
pub mod process;
pub mod version;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde_saphyr::MessageFormatter as _;

use crate::context::under_root;
use crate::error::InputError;
use manifest::{Manifest, Mapping};
use policy::Policy;

/// Where kubeadm (and the vendor's procedure) keeps the kube-apiserver static pod.
pub const MANIFEST_PATH: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";
/// Where the vendor's procedure puts the audit policy.
pub const DEFAULT_POLICY_PATH: &str = "/etc/kubernetes/audit-policy.yaml";
/// Larger configuration files than this are not a manifest or a policy; refusing them keeps a
/// wrong `--root` from reading gigabytes.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

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
    pub fn load(root: &Path) -> Result<AuditFiles, InputError> {
        let manifest_path = under_root(root, MANIFEST_PATH);
        let manifest = match read_regular(&manifest_path)? {
            Found::File(bytes) => Some(manifest::parse(&bytes, &manifest_path)?),
            Found::Missing => None,
            Found::NotAFile => {
                return Err(InputError::at(
                    &manifest_path,
                    None,
                    "is a directory; expected the kube-apiserver static pod manifest",
                ));
            }
        };
        let policy = locate_policy(root, manifest.as_ref());
        let policy_file = match read_regular(&policy.path)? {
            Found::Missing => PolicyFile::Missing,
            Found::NotAFile => PolicyFile::NotAFile,
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
fn locate_policy(root: &Path, manifest: Option<&Manifest>) -> PolicyLocation {
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
    PolicyLocation { path: under_root(root, &host_path), host_path, how }
}

enum Found {
    File(Vec<u8>),
    Missing,
    NotAFile,
}

/// Reads a file that may legitimately be absent; anything else that stops the read is an input error.
fn read_regular(path: &Path) -> Result<Found, InputError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(e) => return Err(InputError::unreadable(path, &e)),
    };
    if meta.is_dir() {
        return Ok(Found::NotAFile);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(InputError::at(
            path,
            None,
            format!("is {} bytes; expected a YAML file under {MAX_FILE_BYTES} bytes", meta.len()),
        ));
    }
    std::fs::read(path).map(Found::File).map_err(|e| InputError::unreadable(path, &e))
}

/// Bytes to text, or the input error a binary file deserves.
fn text<'a>(bytes: &'a [u8], file: &Path) -> Result<&'a str, InputError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        InputError::at(file, Some(line), "not UTF-8 text (a binary file?); expected YAML")
    })
}

/// A serde-saphyr error as `file:line: message (column N); expected WHAT`, in words meant for the user.
fn yaml_error(file: &Path, err: &serde_saphyr::Error, expected: &str) -> InputError {
    let err = err.without_snippet();
    let message = serde_saphyr::UserMessageFormatter.format_message(err);
    // The message may quote the input; control characters must not reach the terminal.
    let message: String = message.chars().flat_map(char::escape_debug).collect();
    let message = developer_hint_removed(&message);
    match err.location().filter(|l| l.line() > 0) {
        Some(l) => InputError::at(
            file,
            usize::try_from(l.line()).ok(),
            format!("{message} (column {}); expected {expected}", l.column()),
        ),
        None => InputError::at(file, None, format!("{message}; expected {expected}")),
    }
}

/// serde-saphyr addresses some messages to the programmer ("set DuplicateKeyPolicy in Options");
/// the user needs only the first half.
fn developer_hint_removed(message: &str) -> Cow<'_, str> {
    for marker in [", set DuplicateKeyPolicy", "; use from_str_multiple"] {
        if let Some(at) = message.find(marker) {
            return Cow::Owned(message[..at].to_string());
        }
    }
    Cow::Borrowed(message)
}

/// Where truncation tests cut a document: around every line break, where a cut changes the
/// structure (an unfinished key, an empty value, a dangling indentation).
#[cfg(test)]
fn cut_points(text: &str) -> Vec<usize> {
    let mut cuts: Vec<usize> = text
        .match_indices('\n')
        .flat_map(|(i, _)| [i.saturating_sub(1), i, i + 1, i + 3])
        .filter(|&i| i <= text.len() && text.is_char_boundary(i))
        .collect();
    cuts.dedup();
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(yaml: &str) -> InputError {
        let e = serde_saphyr::from_str::<std::collections::BTreeMap<String, String>>(yaml).expect_err("malformed");
        yaml_error(Path::new("f.yaml"), &e, "a map")
    }

    #[test]
    fn yaml_errors_name_file_line_and_column_without_developer_hints() {
        let e = err("a: [\n");
        assert_eq!(e.file, "f.yaml");
        assert_eq!(e.line, Some(1), "{e}");
        assert!(e.what.contains("column"), "{e}");
        let e = err("a: x\na: y\n");
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.what.contains("duplicate") && !e.what.contains("Options"), "{e}");
        let e = err("a: x\n---\nb: y\n");
        assert!(!e.what.contains("from_str"), "{e}");
    }

    #[test]
    fn binary_is_named_as_such() {
        let e = text(b"ok\n\xff\xfe", Path::new("bin")).expect_err("binary");
        assert_eq!(e.line, Some(2));
        assert!(e.what.contains("UTF-8"));
    }

    #[test]
    fn missing_files_are_findings_not_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = AuditFiles::load(dir.path()).expect("nothing to read is not an error");
        assert!(files.manifest.is_none());
        assert!(matches!(files.policy_file, PolicyFile::Missing));
        assert_eq!(files.policy.host_path, DEFAULT_POLICY_PATH);
    }

    #[test]
    fn a_directory_where_the_policy_should_be_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc/kubernetes/audit-policy.yaml")).expect("mkdir");
        let files = AuditFiles::load(dir.path()).expect("load");
        assert!(matches!(files.policy_file, PolicyFile::NotAFile));
    }

    #[test]
    fn oversized_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("etc/kubernetes/manifests/kube-apiserver.yaml");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let file = std::fs::File::create(&path).expect("create");
        file.set_len(MAX_FILE_BYTES + 1).expect("sparse file");
        let e = AuditFiles::load(dir.path()).expect_err("too large");
        assert!(e.to_string().contains("kube-apiserver.yaml"), "{e}");
    }
}
