//! The host's files: absolute host paths under `--root`, and the one bounded reader every input
//! file goes through.
//!
//! Two promises, because the tool runs as root on control planes and reads trees that others made
//! (a copied node, a customer's tarball):
//!
//! - **Nothing escapes `--root`.** A host path is resolved inside the root as if the root were `/`:
//!   an absolute symlink restarts at the root, `..` stops at it. A symlink whose target does not
//!   exist inside the root is refused, naming the link: it would otherwise have meant a file of
//!   *this* host. With the root `/` (the live host) paths are opened as they are.
//! - **Every read is bounded.** Only regular files are read: a FIFO would block forever, a device
//!   never ends, so both are refused before the first byte, as are sockets. Each kind of input has a
//!   size limit, checked against the file's size first (a sparse 1 GB file costs nothing) and again
//!   while reading (`/proc` files report size 0). Standard input is read until the run's deadline.
//!
//! Messages name the file, never quote what is in it: the files under `--root` hold credentials.

use std::ffi::OsString;
use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::InputError;
use crate::i18n::Text;
use crate::t;

/// How many symlinks one resolution may follow, as the kernel's `MAXSYMLINKS`.
const MAX_SYMLINKS: u32 = 40;

/// What is read, which sets the size limit and the words of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RegionTable,
    Kubeconfig,
    Certificate,
    /// A static pod manifest.
    Manifest,
    AuditPolicy,
    /// `iptables-save`, `nft -j list ruleset`, `ipset save`: a kube-proxy node with a million rules
    /// writes a few hundred megabytes.
    FirewallDump,
    /// A firewalld zone, service or ipset XML file.
    FirewalldXml,
    SecurityGroup,
    CidrList,
    PortProxy,
    /// One value under `/proc/sys`.
    Sysctl,
    /// A table under `/proc/net` (routes, addresses).
    ProcTable,
    /// `/proc/PID/cmdline`.
    Cmdline,
    Waivers,
    /// A report read back by `merge`.
    Report,
    /// The audit log: only its tail is read, so its size does not matter.
    AuditLog,
}

impl Kind {
    /// The largest file of this kind the tool reads.
    pub fn limit(self) -> u64 {
        const KIB: u64 = 1 << 10;
        const MIB: u64 = 1 << 20;
        match self {
            Kind::Sysctl => 4 * KIB,
            Kind::Cmdline => 256 * KIB,
            Kind::RegionTable | Kind::Certificate | Kind::PortProxy | Kind::Waivers => MIB,
            Kind::Manifest | Kind::AuditPolicy | Kind::FirewalldXml => 4 * MIB,
            Kind::Kubeconfig | Kind::SecurityGroup | Kind::CidrList => 16 * MIB,
            Kind::ProcTable => 32 * MIB,
            Kind::Report => 64 * MIB,
            Kind::FirewallDump => 512 * MIB,
            Kind::AuditLog => u64::MAX,
        }
    }

    /// `a sysctl value: a regular file of at most 4 KiB`: what a refusal says was expected.
    pub fn described(self) -> Text {
        match self.limit() {
            u64::MAX => t!("hostfs-regular-file", what = self.what()),
            n => t!("hostfs-regular-file-limit", what = self.what(), limit = human_bytes(n)),
        }
    }

    /// What a file of this kind is, for messages: "expected {what}".
    pub fn what(self) -> Text {
        match self {
            Kind::RegionTable => t!("hostfs-kind-region-table"),
            Kind::Kubeconfig => t!("hostfs-kind-kubeconfig"),
            Kind::Certificate => t!("hostfs-kind-certificate"),
            Kind::Manifest => t!("hostfs-kind-manifest"),
            Kind::AuditPolicy => t!("hostfs-kind-audit-policy"),
            Kind::FirewallDump => t!("hostfs-kind-firewall-dump"),
            Kind::FirewalldXml => t!("hostfs-kind-firewalld-xml"),
            Kind::SecurityGroup => t!("hostfs-kind-security-group"),
            Kind::CidrList => t!("hostfs-kind-cidr-list"),
            Kind::PortProxy => t!("hostfs-kind-port-proxy"),
            Kind::Sysctl => t!("hostfs-kind-sysctl"),
            Kind::ProcTable => t!("hostfs-kind-proc-table"),
            Kind::Cmdline => t!("hostfs-kind-cmdline"),
            Kind::Waivers => t!("hostfs-kind-waivers"),
            Kind::Report => t!("hostfs-kind-report"),
            Kind::AuditLog => t!("hostfs-kind-audit-log"),
        }
    }
}

/// What a host path names.
#[derive(Debug)]
pub enum Found<T> {
    File(T),
    Missing,
    /// A directory where a file was expected (a hostPath mount creates one for a missing file):
    /// the callers that care report it as a finding.
    Directory,
}

impl<T> Found<T> {
    /// The file, with `Missing` as `None` and a directory as an input error.
    pub fn file_or_missing(self, path: &Path, kind: Kind) -> Result<Option<T>, InputError> {
        match self {
            Found::File(t) => Ok(Some(t)),
            Found::Missing => Ok(None),
            Found::Directory => Err(not_a_file(path, Special::Directory, kind)),
        }
    }
}

/// The kind of a node under the root, for checks that only look whether something is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    File,
    Directory,
    /// A socket, FIFO or device.
    Special,
}

/// The host's file system as the checks see it: `/`, or the copy of a node under `--root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRoot {
    dir: PathBuf,
}

impl serde::Serialize for HostRoot {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.dir.serialize(s)
    }
}

impl Default for HostRoot {
    fn default() -> Self {
        HostRoot::new("/")
    }
}

impl HostRoot {
    pub fn new(dir: impl Into<PathBuf>) -> HostRoot {
        HostRoot { dir: dir.into() }
    }

    /// The root directory itself, as given.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The root directory, for messages.
    pub fn display(&self) -> std::path::Display<'_> {
        self.dir.display()
    }

    /// The live host (`--root /`): files are this host's own.
    pub fn is_live(&self) -> bool {
        self.dir == Path::new("/")
    }

    /// Where an absolute host path lies under the root, unresolved: what messages show.
    pub fn join(&self, host_path: &str) -> PathBuf {
        self.dir.join(host_path.trim_start_matches('/'))
    }

    /// The real path of `host_path` inside the root, symlinks followed as if the root were `/`;
    /// `None` when it does not exist. A symlink whose target does not exist inside the root is an
    /// input error naming the link.
    pub fn resolve(&self, host_path: &str) -> Result<Option<PathBuf>, InputError> {
        if self.is_live() {
            let path = self.join(host_path);
            return Ok(path.symlink_metadata().is_ok().then_some(path));
        }
        let mut links = 0;
        let parts: Vec<Component<'_>> = Path::new(host_path).components().collect();
        match self.walk(Vec::new(), &parts, &mut links, host_path)? {
            Walk::Found(inside) => Ok(Some(self.dir.join(inside.iter().collect::<PathBuf>()))),
            Walk::Missing => Ok(None),
        }
    }

    fn walk(
        &self,
        mut at: Vec<OsString>,
        parts: &[Component<'_>],
        links: &mut u32,
        shown: &str,
    ) -> Result<Walk, InputError> {
        for (i, part) in parts.iter().enumerate() {
            let name = match part {
                Component::RootDir | Component::CurDir | Component::Prefix(_) => continue,
                // `..` at the root stays at the root, as at `/`.
                Component::ParentDir => {
                    at.pop();
                    continue;
                }
                Component::Normal(name) => *name,
            };
            let candidate = self.dir.join(at.iter().collect::<PathBuf>()).join(name);
            let meta = match candidate.symlink_metadata() {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Walk::Missing),
                Err(e) => return Err(InputError::unreadable(&candidate, &e)),
            };
            let last = i + 1 == parts.len();
            if meta.file_type().is_symlink() {
                *links += 1;
                if *links > MAX_SYMLINKS {
                    return Err(InputError::at(&self.join(shown), None, t!("hostfs-symlink-loop", n = MAX_SYMLINKS)));
                }
                let target = std::fs::read_link(&candidate).map_err(|e| InputError::unreadable(&candidate, &e))?;
                let base = if target.is_absolute() { Vec::new() } else { at.clone() };
                let target_parts: Vec<Component<'_>> = target.components().collect();
                match self.walk(base, &target_parts, links, shown)? {
                    Walk::Found(resolved) => at = resolved,
                    Walk::Missing => {
                        return Err(InputError::at(
                            &candidate,
                            None,
                            t!(
                                "hostfs-symlink-outside",
                                target = target.display().to_string(),
                                root = self.dir.display().to_string()
                            ),
                        ));
                    }
                }
            } else if !last && !meta.is_dir() {
                // `file/more`: as ENOTDIR, nothing there.
                return Ok(Walk::Missing);
            } else {
                at.push(name.to_os_string());
            }
        }
        Ok(Walk::Found(at))
    }

    /// `resolve`, with a refusal that also says what kind of file was expected there.
    fn resolve_for(&self, host_path: &str, kind: Kind) -> Result<Option<PathBuf>, InputError> {
        self.resolve(host_path).map_err(|mut e| {
            e.what = t!("hostfs-expected", what = e.what.clone(), expected = kind.described());
            e
        })
    }

    /// Reads a regular file at `host_path` within `kind`'s limit.
    pub fn read(&self, host_path: &str, kind: Kind) -> Result<Found<Vec<u8>>, InputError> {
        let Some(path) = self.resolve_for(host_path, kind)? else { return Ok(Found::Missing) };
        match open_regular(&path, kind, !self.is_live())? {
            Opened::File(file, meta) => read_bounded(file, meta.len(), &path, kind).map(Found::File),
            Opened::Directory => Ok(Found::Directory),
        }
    }

    /// A regular file opened for reading (for readers that seek, like the audit log's tail).
    pub fn open(&self, host_path: &str, kind: Kind) -> Result<Found<(File, Metadata)>, InputError> {
        let Some(path) = self.resolve_for(host_path, kind)? else { return Ok(Found::Missing) };
        Ok(match open_regular(&path, kind, !self.is_live())? {
            Opened::File(file, meta) => Found::File((file, meta)),
            Opened::Directory => Found::Directory,
        })
    }

    /// What is at `host_path`, without reading it; `None` when nothing is.
    pub fn node_type(&self, host_path: &str) -> Result<Option<NodeType>, InputError> {
        let Some(path) = self.resolve(host_path)? else { return Ok(None) };
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(InputError::unreadable(&path, &e)),
        };
        Ok(Some(if meta.is_dir() {
            NodeType::Directory
        } else if meta.is_file() {
            NodeType::File
        } else {
            NodeType::Special
        }))
    }

    /// The names in the directory at `host_path`, sorted; `None` when it does not exist.
    pub fn list(&self, host_path: &str) -> Result<Option<Vec<String>>, InputError> {
        let Some(path) = self.resolve(host_path)? else { return Ok(None) };
        let entries = match std::fs::read_dir(&path) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(InputError::unreadable(&path, &e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| InputError::unreadable(&path, &e))?;
            // Names that are not UTF-8 are not pids, interfaces or zone names.
            if let Ok(name) = entry.file_name().into_string() {
                names.push(name);
            }
        }
        names.sort();
        Ok(Some(names))
    }
}

enum Walk {
    Found(Vec<OsString>),
    Missing,
}

enum Opened {
    File(File, Metadata),
    Directory,
}

/// Opens without blocking (a FIFO would wait for a writer) and, under a copied root, without
/// following a last-moment symlink; then only a regular file (or a directory, for the callers
/// that report one) is accepted.
fn open_regular(path: &Path, kind: Kind, no_follow: bool) -> Result<Opened, InputError> {
    let mut flags = libc::O_NONBLOCK;
    if no_follow {
        flags |= libc::O_NOFOLLOW;
    }
    let file = match std::fs::OpenOptions::new().read(true).custom_flags(flags).open(path) {
        Ok(f) => f,
        // A socket cannot be opened: say what it is rather than "No such device or address".
        Err(e) => {
            return Err(match std::fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_socket() => not_a_file(path, Special::Socket, kind),
                _ => InputError::unreadable(path, &e),
            });
        }
    };
    let meta = file.metadata().map_err(|e| InputError::unreadable(path, &e))?;
    let ft = meta.file_type();
    if ft.is_dir() {
        return Ok(Opened::Directory);
    }
    if !ft.is_file() {
        let what = if ft.is_fifo() {
            Special::Fifo
        } else if ft.is_char_device() || ft.is_block_device() {
            Special::Device
        } else if ft.is_socket() {
            Special::Socket
        } else {
            Special::Other
        };
        return Err(not_a_file(path, what, kind));
    }
    if meta.len() > kind.limit() {
        return Err(too_large(path, kind));
    }
    Ok(Opened::File(file, meta))
}

/// What a path is when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    Directory,
    Fifo,
    Device,
    Socket,
    Other,
}

fn not_a_file(path: &Path, what: Special, kind: Kind) -> InputError {
    let expected = kind.described();
    let what = match what {
        Special::Directory => t!("hostfs-is-directory", expected = expected),
        // A pipe is what `iptables-save | k8sjoin-check --firewall iptables:/dev/stdin` would give.
        Special::Fifo => t!("hostfs-is-fifo", expected = expected),
        Special::Device => t!("hostfs-is-device", expected = expected),
        Special::Socket => t!("hostfs-is-socket", expected = expected),
        Special::Other => t!("hostfs-is-special", expected = expected),
    };
    InputError::at(path, None, what)
}

fn too_large(path: &Path, kind: Kind) -> InputError {
    InputError::at(path, None, t!("hostfs-too-large", limit = human_bytes(kind.limit()), what = kind.what()))
}

/// `4 KiB`, `512 MiB`.
fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 { format!("{} MiB", n >> 20) } else { format!("{} KiB", n >> 10) }
}

fn read_bounded(file: File, size_hint: u64, path: &Path, kind: Kind) -> Result<Vec<u8>, InputError> {
    let limit = kind.limit();
    let mut bytes = Vec::with_capacity(usize::try_from(size_hint.min(limit)).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| InputError::unreadable(path, &e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, kind));
    }
    Ok(bytes)
}

/// Reads a file the user named on the command line (symlinks followed: the user chose the path),
/// regular files only, within `kind`'s limit.
pub fn read_file(path: &Path, kind: Kind) -> Result<Vec<u8>, InputError> {
    let (file, meta) = open_file(path, kind)?;
    read_bounded(file, meta.len(), path, kind)
}

/// Opens what [`read_file`] would read, for a reader that reads it in pieces (a large
/// `iptables-save` dump) and must itself stay within `kind`'s limit.
pub fn open_file(path: &Path, kind: Kind) -> Result<(File, Metadata), InputError> {
    match open_regular(path, kind, false)? {
        Opened::File(file, meta) => Ok((file, meta)),
        Opened::Directory => Err(not_a_file(path, Special::Directory, kind)),
    }
}

/// `open(2)` succeeds on the path, without blocking on a FIFO: what Go's `os.Open` answers when
/// client-go checks that a file a kubeconfig names exists.
pub fn opens(path: &Path) -> bool {
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).is_ok()
}

/// Reads a file the user named that may be absent.
pub fn read_optional(path: &Path, kind: Kind) -> Result<Option<Vec<u8>>, InputError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        _ => read_file(path, kind).map(Some),
    }
}

/// Reads standard input within `kind`'s limit, giving up when `deadline` passes (a pipe whose
/// writer never finishes must not outlive the run's `--deadline`).
pub fn read_stdin(kind: Kind, deadline: Instant) -> Result<Vec<u8>, InputError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let limit = kind.limit();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let result = std::io::stdin().lock().take(limit + 1).read_to_end(&mut bytes).map(|_| bytes);
        let _ = tx.send(result);
    });
    let wait = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
    let stdin = Path::new("<stdin>");
    match rx.recv_timeout(wait) {
        Ok(Ok(bytes)) if bytes.len() as u64 > limit => Err(too_large(stdin, kind)),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(InputError::unreadable(stdin, &e)),
        Err(_) => Err(InputError::at(stdin, None, t!("hostfs-stdin-deadline", what = kind.what()))),
    }
}

/// Bytes as text, or an input error that names the line where the text stops being UTF-8 (and
/// quotes none of it).
pub fn utf8(bytes: Vec<u8>, path: &Path, kind: Kind) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        InputError::at(path, Some(line), t!("hostfs-not-utf8", what = kind.what()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, HostRoot) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = HostRoot::new(dir.path());
        (dir, root)
    }

    fn put(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    #[test]
    fn joins_and_reads_under_the_root() {
        let (dir, root) = tree();
        put(dir.path(), "etc/kubernetes/a.yaml", "x");
        assert_eq!(root.join("/etc/kubernetes/a.yaml"), dir.path().join("etc/kubernetes/a.yaml"));
        assert!(matches!(root.read("/etc/kubernetes/a.yaml", Kind::Manifest), Ok(Found::File(b)) if b == b"x"));
        assert!(matches!(root.read("/etc/kubernetes/none.yaml", Kind::Manifest), Ok(Found::Missing)));
        assert!(matches!(root.read("/etc/kubernetes", Kind::Manifest), Ok(Found::Directory)));
        assert_eq!(HostRoot::new("/").join("/etc/x"), PathBuf::from("/etc/x"));
    }

    #[test]
    fn absolute_symlinks_resolve_inside_the_root() {
        let (dir, root) = tree();
        put(dir.path(), "data/policy.yaml", "inside");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        symlink("/data/policy.yaml", dir.path().join("etc/policy.yaml")).expect("symlink");
        assert!(matches!(root.read("/etc/policy.yaml", Kind::AuditPolicy), Ok(Found::File(b)) if b == b"inside"));
    }

    #[test]
    fn a_symlink_out_of_the_root_is_refused_naming_the_link() {
        let (dir, root) = tree();
        let outside = tempfile::NamedTempFile::new().expect("outside file");
        std::fs::write(outside.path(), "SECRET-CANARY").expect("write");
        std::fs::create_dir_all(dir.path().join("proc/sys/net/ipv4")).expect("mkdir");
        let link = dir.path().join("proc/sys/net/ipv4/ip_forward");
        symlink(outside.path(), &link).expect("symlink");
        let e = root.read("/proc/sys/net/ipv4/ip_forward", Kind::Sysctl).expect_err("refused");
        let text = e.to_string();
        assert!(text.contains(&link.display().to_string()) && text.contains("refused"), "{text}");
        assert!(!text.contains("SECRET-CANARY"), "{text}");
    }

    #[test]
    fn dot_dot_cannot_climb_above_the_root() {
        let (dir, root) = tree();
        put(dir.path(), "etc/x", "mine");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        symlink("../../../../../../etc/x", dir.path().join("a/b/link")).expect("symlink");
        assert!(matches!(root.read("/a/b/link", Kind::Manifest), Ok(Found::File(b)) if b == b"mine"));
        assert!(matches!(root.read("/../../etc/x", Kind::Manifest), Ok(Found::File(b)) if b == b"mine"));
    }

    #[test]
    fn symlink_loops_end() {
        let (dir, root) = tree();
        symlink("/b", dir.path().join("a")).expect("symlink");
        symlink("/a", dir.path().join("b")).expect("symlink");
        let e = root.read("/a", Kind::Manifest).expect_err("loop");
        assert!(e.to_string().contains("symlinks"), "{e}");
    }

    #[test]
    fn fifos_and_devices_are_refused_at_once() {
        let (dir, root) = tree();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
        let started = Instant::now();
        let e = read_file(&fifo, Kind::FirewallDump).expect_err("fifo");
        assert!(e.to_string().contains("FIFO"), "{e}");
        let e = root.read("/fifo", Kind::Sysctl).expect_err("fifo under root");
        assert!(e.to_string().contains("FIFO"), "{e}");
        let e = read_file(Path::new("/dev/zero"), Kind::RegionTable).expect_err("device");
        assert!(e.to_string().contains("a device"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn size_limits_hold_for_sparse_files() {
        let (dir, _) = tree();
        let big = dir.path().join("big");
        File::create(&big).expect("create").set_len(1 << 30).expect("sparse");
        let e = read_file(&big, Kind::FirewallDump).expect_err("too large");
        assert!(e.to_string().contains("512 MiB"), "{e}");
    }

    #[test]
    fn invalid_utf8_names_the_line_without_quoting() {
        let e = utf8(b"ok\n\xffsecret".to_vec(), Path::new("f"), Kind::CidrList).expect_err("binary");
        assert_eq!(e.to_string(), "f:2: not UTF-8 text; expected a CIDR list (is this the right file?)");
    }
}
