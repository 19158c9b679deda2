//! The cluster's address plan as its control-plane manifests state it: service CIDRs, pod CIDRs and
//! node addresses, each with the file, line and flag it came from.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::Serialize;

use crate::error::InputError;
use crate::hostfs::{self, Found, HostRoot};
use crate::manifest::{self, Manifest};

/// What an address range is for in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Service,
    Pod,
    Node,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Service => "service CIDR",
            Role::Pod => "pod CIDR",
            Role::Node => "node address",
        }
    }
}

/// One range of the plan and where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedRange {
    pub role: Role,
    pub range: IpNet,
    /// `kube-controller-manager.yaml:23 --cluster-cidr`.
    pub source: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddressPlan {
    pub ranges: Vec<PlannedRange>,
    /// The manifests that were found and read.
    pub files: Vec<PathBuf>,
}

/// Which flag of which component states which role; comma-separated values are dual-stack lists.
const SOURCES: &[(&str, &str, Role, Kind)] = &[
    ("kube-apiserver", "service-cluster-ip-range", Role::Service, Kind::Cidrs),
    ("kube-apiserver", "advertise-address", Role::Node, Kind::Address),
    ("kube-controller-manager", "cluster-cidr", Role::Pod, Kind::Cidrs),
    ("kube-controller-manager", "service-cluster-ip-range", Role::Service, Kind::Cidrs),
    ("etcd", "advertise-client-urls", Role::Node, Kind::Urls),
    ("etcd", "initial-advertise-peer-urls", Role::Node, Kind::Urls),
];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Cidrs,
    Address,
    Urls,
}

impl AddressPlan {
    /// Reads the kubeadm manifests under `root`. Missing manifests are simply not part of the plan;
    /// a malformed manifest or flag value is an input error naming the file and line.
    pub fn read(root: &HostRoot) -> Result<AddressPlan, InputError> {
        let mut plan = AddressPlan::default();
        for component in ["kube-apiserver", "kube-controller-manager", "etcd"] {
            let host_path = manifest::path_of(component);
            let path = root.join(&host_path);
            let bytes = match root.read(&host_path, hostfs::Kind::Manifest)? {
                Found::File(bytes) => bytes,
                Found::Missing => continue,
                Found::Directory => {
                    return Err(InputError::at(
                        &path,
                        None,
                        crate::t!(
                            "plan-manifest-is-directory",
                            component = component,
                            expected = hostfs::Kind::Manifest.described()
                        ),
                    ));
                }
            };
            let m = manifest::parse(&bytes, &path, component)?;
            plan.add(component, &m, &path)?;
            plan.files.push(path);
        }
        // The same range stated twice (apiserver and controller-manager) is one fact.
        let mut seen = Vec::new();
        plan.ranges.retain(|r| {
            let key = (r.role, r.range);
            let new = !seen.contains(&key);
            seen.push(key);
            new
        });
        Ok(plan)
    }

    fn add(&mut self, component: &str, m: &Manifest, path: &Path) -> Result<(), InputError> {
        let file = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
        for (_, flag, role, kind) in SOURCES.iter().filter(|(c, ..)| *c == component) {
            let Some(f) = m.flag(flag) else { continue };
            let Some(value) = f.value.as_deref().filter(|v| !v.is_empty()) else { continue };
            let shown = crate::error::sanitize::excerpt(value);
            let bad = |why: crate::i18n::Text| {
                InputError::at(
                    path,
                    f.line,
                    crate::t!("plan-bad-flag-value", flag = *flag, value = shown.as_str(), why = why),
                )
            };
            for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let range = match kind {
                    Kind::Cidrs => item
                        .parse::<IpNet>()
                        .map(|n| n.trunc())
                        .map_err(|_| bad(crate::t!("plan-not-a-cidr", item = format!("{item:?}"))))?,
                    Kind::Address => item
                        .parse::<IpAddr>()
                        .map(IpNet::from)
                        .map_err(|_| bad(crate::t!("plan-not-an-address", item = format!("{item:?}"))))?,
                    Kind::Urls => match url_host(item) {
                        Some(ip) => IpNet::from(ip),
                        // A host name says nothing about addresses without resolving it.
                        None => continue,
                    },
                };
                let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
                self.ranges.push(PlannedRange { role: *role, range, source: format!("{file}{line} --{flag}") });
            }
        }
        Ok(())
    }
}

/// The IP address in `https://10.0.0.5:2379`; `None` for host names.
fn url_host(url: &str) -> Option<IpAddr> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.parse().ok()
}

/// Whether two ranges share any address.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, component: &str, body: &str) {
        let path = HostRoot::new(root).join(&manifest::path_of(component));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, body).expect("write");
    }

    fn pod(component: &str, flags: &[&str]) -> String {
        let flags: String = flags.iter().map(|f| format!("    - {f}\n")).collect();
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {component}\nspec:\n  containers:\n  - name: {component}\n    command:\n    - {component}\n{flags}"
        )
    }

    #[test]
    fn reads_services_pods_and_nodes_with_their_sources() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(
            root,
            "kube-apiserver",
            &pod(
                "kube-apiserver",
                &["--advertise-address=10.0.0.5", "--service-cluster-ip-range=10.96.0.0/12,fd00:10:96::/112"],
            ),
        );
        write(
            root,
            "kube-controller-manager",
            &pod(
                "kube-controller-manager",
                &["--cluster-cidr=10.244.0.0/16", "--service-cluster-ip-range=10.96.0.0/12"],
            ),
        );
        write(
            root,
            "etcd",
            &pod(
                "etcd",
                &[
                    "--advertise-client-urls=https://10.0.0.5:2379",
                    "--initial-advertise-peer-urls=https://etcd-1.test:2380",
                ],
            ),
        );
        let plan = AddressPlan::read(&HostRoot::new(root)).expect("reads");
        let got: Vec<(Role, String, &str)> =
            plan.ranges.iter().map(|r| (r.role, r.range.to_string(), r.source.as_str())).collect();
        assert_eq!(
            got,
            [
                (Role::Service, "10.96.0.0/12".to_string(), "kube-apiserver.yaml:11 --service-cluster-ip-range"),
                (Role::Service, "fd00:10:96::/112".to_string(), "kube-apiserver.yaml:11 --service-cluster-ip-range"),
                (Role::Node, "10.0.0.5/32".to_string(), "kube-apiserver.yaml:10 --advertise-address"),
                (Role::Pod, "10.244.0.0/16".to_string(), "kube-controller-manager.yaml:10 --cluster-cidr"),
            ]
        );
        assert_eq!(plan.files.len(), 3);
    }

    #[test]
    fn malformed_values_name_file_line_and_flag() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "kube-controller-manager",
            &pod("kube-controller-manager", &["--cluster-cidr=10.244.0.0/33"]),
        );
        let err = AddressPlan::read(&HostRoot::new(dir.path())).expect_err("bad CIDR");
        assert_eq!(err.line, Some(10));
        assert!(err.what.contains("--cluster-cidr=10.244.0.0/33") && err.what.contains("not a CIDR"), "{err}");
        write(dir.path(), "kube-controller-manager", "kind: Deployment\n");
        assert!(AddressPlan::read(&HostRoot::new(dir.path())).expect_err("not a pod").what.contains("not Pod"));
    }

    #[test]
    fn nothing_under_root_is_an_empty_plan() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(AddressPlan::read(&HostRoot::new(dir.path())).expect("empty"), AddressPlan::default());
    }

    #[test]
    fn url_hosts() {
        assert_eq!(url_host("https://10.0.0.5:2379"), "10.0.0.5".parse().ok());
        assert_eq!(url_host("https://[fd00::5]:2379"), "fd00::5".parse().ok());
        assert_eq!(url_host("https://etcd.test:2379"), None);
    }
}
