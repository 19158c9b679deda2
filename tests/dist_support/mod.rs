//! What the distribution tests share: the static binary of `scripts/dist.sh`, and podman with a
//! configuration of the test's own. Include `mod common;` beside `mod dist_support;`.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{stderr, stdout};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `dist/k8sjoin-check-<version>-x86_64-linux`, built by `scripts/dist.sh` once per test process.
///
/// scripts/test.sh runs dist.sh as its own step before `cargo test`, so here cargo finds the build
/// fresh and returns within seconds; run alone (`cargo test --test dist`), the first test pays
/// for the LTO build (minutes) and the others wait for it.
pub fn dist_binary() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut dist = Command::new(repo().join("scripts/dist.sh"));
        // What `cargo test` sets for a test process is not the build's: ring's build script, for
        // one, reruns when CARGO_MANIFEST_DIR differs, and the whole LTO build with it, so the
        // build here would never be fresh after scripts/test.sh's own, nor the next one after it.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            let set_by_cargo_test = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
                || ["CARGO", "OUT_DIR", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "CARGO_RUSTC_CURRENT_DIR"]
                    .contains(&name.as_ref());
            if set_by_cargo_test {
                dist.env_remove(name.as_ref());
            }
        }
        let o = dist.output().expect("scripts/dist.sh runs");
        assert!(o.status.success(), "scripts/dist.sh failed:\n{}{}", stdout(&o), stderr(&o));
        let path = repo().join(format!("dist/k8sjoin-check-{}-x86_64-linux", env!("CARGO_PKG_VERSION")));
        assert!(path.is_file(), "scripts/dist.sh did not write {}", path.display());
        path
    })
}

/// podman with its own storage, state and configuration in a temp dir: the test neither reads the
/// machine's container configuration nor sees or leaves images and containers there.
///
/// The settings are what podman 4.3 (Debian 12) needs on these machines:
/// - `runtime = "runc"`: Debian's default runtime for podman, crun 1.8, refuses this kernel's
///   cgroup layout ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2").
/// - `default_ulimits`: rootful podman asks the runtime for 1048576 open files and processes, but
///   root here lacks CAP_SYS_RESOURCE and runs under hard limits below that (20000 files; podman
///   itself under 32768 processes), so runc's setrlimit fails with EPERM. 4096 of each is far more
///   than the tool needs, and RLIMIT_NPROC does not bind uid 0 anyway.
/// - storage driver `vfs`: plain directories, whatever filesystem the temp dir is on, and no
///   overlay mount left behind by a test that dies.
/// - `cgroup_manager = "cgroupfs"` and `events_logger = "file"`: no systemd or journald needed.
#[derive(Debug)]
pub struct Podman {
    dir: tempfile::TempDir,
}

impl Podman {
    pub fn new() -> Podman {
        let dir = tempfile::Builder::new().prefix("k8sjc-podman-").tempdir().expect("tempdir");
        let d = dir.path().display();
        let files = [
            (
                "containers.conf",
                format!(
                    "[containers]\ndefault_ulimits = [\"nofile=4096:4096\", \"nproc=4096:4096\"]\n\n\
                     [engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n\
                     tmp_dir = \"{d}/tmp\"\n\n[network]\nnetwork_config_dir = \"{d}/networks\"\n"
                ),
            ),
            (
                "storage.conf",
                format!("[storage]\ndriver = \"vfs\"\ngraphroot = \"{d}/storage\"\nrunroot = \"{d}/run\"\n"),
            ),
            // No registry to search: an image that is not local is an error, never a pull.
            ("registries.conf", "unqualified-search-registries = []\n".to_string()),
            ("policy.json", r#"{"default": [{"type": "insecureAcceptAnything"}]}"#.to_string()),
        ];
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write podman configuration");
        }
        Podman { dir }
    }

    /// `podman ARGS` under this configuration.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("podman");
        cmd.env("CONTAINERS_CONF", self.dir.path().join("containers.conf"))
            .env("CONTAINERS_STORAGE_CONF", self.dir.path().join("storage.conf"))
            .env("CONTAINERS_REGISTRIES_CONF", self.dir.path().join("registries.conf"))
            .args(args);
        cmd
    }

    /// Runs `podman ARGS` and returns its stdout; panics with its output when it fails.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.command(args).output().expect("podman runs");
        assert!(o.status.success(), "podman {}: {}{}", args.join(" "), stdout(&o), stderr(&o));
        stdout(&o)
    }

    /// Builds the Containerfile at the repository root into `tag`, with the static binary that
    /// scripts/dist.sh made. `--pull=never`: the image is built from the repository alone.
    pub fn build_image(&self, tag: &str) {
        dist_binary();
        let policy = self.dir.path().join("policy.json");
        let context = repo().to_str().expect("utf-8 repository path");
        self.ok(&[
            "build",
            "--pull=never",
            "--signature-policy",
            policy.to_str().expect("utf-8 temp path"),
            "-f",
            &format!("{context}/Containerfile"),
            "-t",
            tag,
            context,
        ]);
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        // Stops what the test left running (conmon and the runtime live outside the temp dir).
        let _ = self.command(&["pod", "rm", "--all", "--force", "--time", "0"]).output();
        let _ = self.command(&["rm", "--all", "--force", "--time", "0"]).output();
    }
}

/// The cluster id of the audit fixtures.
pub const CLUSTER: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";

const AUDIT_EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0f0e0d0c-0000-4000-8000-00000000000a","stage":"ResponseComplete","requestURI":"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler","verb":"update","user":{"username":"system:kube-scheduler"},"responseStatus":{"code":200}}"#;

/// A master node's files to mount as the host's `/`: a copy of the audit fixture
/// `seed-policy-fixed` (every audit setting right; see tests/fixtures/audit/README.md) with a fresh
/// audit log, as the running kube-apiserver writes it.
pub fn fixture_node() -> tempfile::TempDir {
    let node = tempfile::Builder::new().prefix("k8sjc-node-").tempdir().expect("tempdir");
    copy_tree(&crate::common::fixture("audit/seed-policy-fixed"), node.path());
    let log = node.path().join("var/log/kubernetes");
    std::fs::create_dir_all(&log).expect("mkdir");
    std::fs::write(log.join("kubernetes.audit"), format!("{AUDIT_EVENT}\n").repeat(3)).expect("write log");
    node
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
