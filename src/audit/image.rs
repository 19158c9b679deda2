//! The kube-apiserver image against the rest of the control plane: the vendor's sample carries
//! `registry-vpc.cn-shenzhen.aliyuncs.com/acs/kube-apiserver:v1.20.4-aliyun.1`, and pasted into a
//! 1.28 node it downgrades the API server (and pulls from a registry that answers only inside
//! cn-shenzhen's VPC). [`control_plane`] reads the images of the other static pods under
//! `/etc/kubernetes/manifests`; [`judge`] compares.

use std::cmp::Ordering;
use std::fmt;

use super::version::{self, KubeVersion};
use crate::error::InputError;
use crate::hostfs::{Found, HostRoot, Kind};
use crate::i18n::Text;
use crate::manifest;
use crate::t;

/// Where the kubelet reads static pods.
pub const MANIFESTS_DIR: &str = "/etc/kubernetes/manifests";

/// The control-plane components whose version must follow the API server's.
const COMPONENTS: [&str; 3] = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];

/// A control-plane container's image, from a static pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentImage {
    pub component: String,
    /// The manifest's host path (`/etc/kubernetes/manifests/kube-scheduler.yaml`).
    pub file: String,
    pub image: String,
    pub line: Option<usize>,
    /// From the image's tag; `None` for a digest or a tag like `latest`.
    pub version: Option<KubeVersion>,
}

/// The other static pods: their images, and the files that could not be read (they do not stop
/// the run; the kubelet would report them itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlPlane {
    pub components: Vec<ComponentImage>,
    pub unreadable: Vec<(String, String)>,
}

/// The component an image runs (`…/acs/kube-apiserver:v1.20.4` → `kube-apiserver`; kubeadm's
/// `-amd64` suffixes included), if it is one of the control plane's.
fn component_of(image: &str) -> Option<&'static str> {
    let name = image.split('@').next().unwrap_or(image);
    let repo = name.rsplit('/').next().unwrap_or(name);
    let repo = repo.split(':').next().unwrap_or(repo);
    COMPONENTS.iter().copied().find(|c| repo == *c || repo.strip_prefix(c).is_some_and(|rest| rest.starts_with('-')))
}

/// The Kubernetes components' images in every static pod under `/etc/kubernetes/manifests` except
/// `skip` (the kube-apiserver manifest, read already).
pub fn control_plane(root: &HostRoot, skip: &str) -> Result<ControlPlane, InputError> {
    let mut out = ControlPlane::default();
    let Some(names) = root.list(MANIFESTS_DIR)? else { return Ok(out) };
    // The kubelet skips hidden files; everything else in the directory is a static pod.
    for name in names.iter().filter(|n| !n.starts_with('.')) {
        let host_path = format!("{MANIFESTS_DIR}/{name}");
        if host_path == skip {
            continue;
        }
        let bytes = match root.read(&host_path, Kind::Manifest) {
            Ok(Found::File(bytes)) => bytes,
            Ok(_) => continue,
            Err(e) => {
                out.unreadable.push((host_path, e.what.en()));
                continue;
            }
        };
        let stem = name.split('.').next().unwrap_or(name);
        match manifest::parse(&bytes, &root.join(&host_path), stem) {
            Ok(m) => {
                if let Some(image) = m.image.filter(|i| component_of(i).is_some()) {
                    out.components.push(ComponentImage {
                        component: component_of(&image).unwrap_or_default().to_string(),
                        file: host_path,
                        version: version::from_image(&image),
                        line: m.image_line,
                        image,
                    });
                }
            }
            Err(e) => out.unreadable.push((host_path, e.to_string())),
        }
    }
    Ok(out)
}

/// How far the API server's image is from another component's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skew {
    /// The same minor version as every other component.
    Same,
    /// One minor apart from `other` (allowed by the version skew policy only when the API server
    /// is the newer one).
    OneMinor { other: ComponentImage, apiserver_newer: bool },
    /// More than one minor apart: a downgrade or a pasted image.
    Far { other: ComponentImage, minors: u32 },
    /// Nothing to compare with (no other component, or versions not in the tags).
    Unknown(Uncompared),
}

/// Why the API server's image was not compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uncompared {
    /// The API server's image tag holds no version.
    NoVersion { image: String },
    /// No other control-plane static pod has a versioned image.
    NoOther,
}

impl Uncompared {
    pub fn text(&self) -> Text {
        match self {
            Uncompared::NoVersion { image } => t!("audit-image-no-version", image = image),
            Uncompared::NoOther => t!("audit-image-no-other"),
        }
    }
}

impl fmt::Display for Uncompared {
    /// English, for evidence and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en())
    }
}

impl Skew {
    /// A stable word for reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            Skew::Same => "same",
            Skew::OneMinor { .. } => "one-minor",
            Skew::Far { .. } => "far",
            Skew::Unknown(_) => "unknown",
        }
    }
}

/// The API server's registry, judged against where this node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registry {
    /// Not an Alibaba Cloud VPC-only registry.
    Anywhere,
    /// `registry-vpc.<region>.aliyuncs.com`: only that region's VPC reaches it.
    Vpc { region: String, reach: Reach },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The cluster is in that region and reached over its VPC.
    Inside,
    /// The cluster is in that region, but not over the VPC: an IDC or public node cannot pull.
    SameRegionNotVpc,
    /// The cluster is in another region: the pull fails.
    OtherRegion(String),
    /// `--region` not given: cannot be told.
    UnknownRegion,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageVerdict {
    pub apiserver: ComponentImage,
    pub skew: Skew,
    pub registry: Registry,
}

/// Compares the API server's image with the other components' and with the node's region.
/// `region` is the cluster's (`--region`), `vpc` whether the security center reaches it over
/// the VPC (`None` when unknown).
pub fn judge(
    apiserver: ComponentImage,
    others: &ControlPlane,
    region: Option<&str>,
    vpc: Option<bool>,
) -> ImageVerdict {
    let minor = |v: KubeVersion| (v.major, v.minor);
    let skew = match apiserver.version {
        None => Skew::Unknown(Uncompared::NoVersion { image: apiserver.image.clone() }),
        Some(mine) => {
            let mut worst: Option<(u32, &ComponentImage)> = None;
            for other in others.components.iter().filter(|o| o.component != "kube-apiserver") {
                let Some(theirs) = other.version else { continue };
                let distance = if mine.major != theirs.major { 100 } else { mine.minor.abs_diff(theirs.minor) };
                if worst.is_none_or(|(d, _)| distance > d) {
                    worst = Some((distance, other));
                }
            }
            match worst {
                None => Skew::Unknown(Uncompared::NoOther),
                Some((0, _)) => Skew::Same,
                Some((1, other)) => Skew::OneMinor {
                    other: other.clone(),
                    apiserver_newer: other.version.is_some_and(|v| minor(mine).cmp(&minor(v)) == Ordering::Greater),
                },
                Some((minors, other)) => Skew::Far { other: other.clone(), minors },
            }
        }
    };
    let host = apiserver.image.split('/').next().unwrap_or_default();
    let registry = match host.strip_prefix("registry-vpc.").and_then(|r| r.strip_suffix(".aliyuncs.com")) {
        None => Registry::Anywhere,
        Some(registry_region) => {
            let reach = match region {
                None => Reach::UnknownRegion,
                Some(r) if r != registry_region => Reach::OtherRegion(r.to_string()),
                Some(_) if vpc == Some(true) => Reach::Inside,
                Some(_) => Reach::SameRegionNotVpc,
            };
            Registry::Vpc { region: registry_region.to_string(), reach }
        }
    };
    ImageVerdict { apiserver, skew, registry }
}

/// The version the control plane runs by its images: the other components', when they agree;
/// the API server's own tag is not trusted over them (a pasted line may carry another version).
pub fn components_version(plane: &ControlPlane) -> Option<(KubeVersion, Vec<&ComponentImage>)> {
    let versioned: Vec<&ComponentImage> =
        plane.components.iter().filter(|c| c.component != "kube-apiserver" && c.version.is_some()).collect();
    let first = versioned.first()?.version?;
    versioned
        .iter()
        .all(|c| c.version.is_some_and(|v| (v.major, v.minor) == (first.major, first.minor)))
        .then_some((first, versioned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(component: &str, image: &str) -> ComponentImage {
        ComponentImage {
            component: component.into(),
            file: format!("{MANIFESTS_DIR}/{component}.yaml"),
            image: image.into(),
            line: Some(1),
            version: version::from_image(image),
        }
    }

    fn plane(images: &[(&str, &str)]) -> ControlPlane {
        ControlPlane { components: images.iter().map(|(c, i)| image(c, i)).collect(), unreadable: vec![] }
    }

    const VENDOR: &str = "registry-vpc.cn-shenzhen.aliyuncs.com/acs/kube-apiserver:v1.20.4-aliyun.1";

    #[test]
    fn the_vendors_image_on_a_1_28_node_is_far_and_in_another_vpc() {
        let others = plane(&[
            ("kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.28.3"),
            ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.28.3"),
        ]);
        let v = judge(image("kube-apiserver", VENDOR), &others, Some("cn-hangzhou"), Some(true));
        assert!(matches!(v.skew, Skew::Far { minors: 8, .. }), "{v:?}");
        assert_eq!(
            v.registry,
            Registry::Vpc { region: "cn-shenzhen".into(), reach: Reach::OtherRegion("cn-hangzhou".into()) }
        );
        assert_eq!(components_version(&others).map(|(v, _)| v.minor), Some(28));
    }

    #[test]
    fn skews_and_registries() {
        let others = plane(&[("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.28.3")]);
        let same = judge(image("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.28.9"), &others, None, None);
        assert_eq!((same.skew, same.registry), (Skew::Same, Registry::Anywhere));
        let newer = judge(image("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.29.0"), &others, None, None);
        assert!(matches!(newer.skew, Skew::OneMinor { apiserver_newer: true, .. }));
        let digest = judge(image("kube-apiserver", "registry.k8s.io/kube-apiserver@sha256:00"), &others, None, None);
        assert!(matches!(digest.skew, Skew::Unknown(_)));
        let alone = judge(image("kube-apiserver", VENDOR), &ControlPlane::default(), Some("cn-shenzhen"), Some(true));
        assert!(matches!(alone.skew, Skew::Unknown(_)));
        assert!(matches!(alone.registry, Registry::Vpc { reach: Reach::Inside, .. }));
        let public = judge(image("kube-apiserver", VENDOR), &others, Some("cn-shenzhen"), Some(false));
        assert!(matches!(public.registry, Registry::Vpc { reach: Reach::SameRegionNotVpc, .. }));
        assert_eq!(component_of("k8s.gcr.io/kube-apiserver-amd64:v1.11.0"), Some("kube-apiserver"));
        assert_eq!(component_of("registry.k8s.io/etcd:3.5.9-0"), None);
        let split = plane(&[
            ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.28.3"),
            ("kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.27.3"),
        ]);
        assert_eq!(components_version(&split), None, "components that disagree give no version");
    }

    #[test]
    fn reads_the_other_static_pods() {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifests = dir.path().join("etc/kubernetes/manifests");
        std::fs::create_dir_all(&manifests).expect("mkdir");
        let pod = |component: &str, image: &str| {
            format!("kind: Pod\nspec:\n  containers:\n  - name: {component}\n    image: {image}\n")
        };
        std::fs::write(
            manifests.join("kube-scheduler.yaml"),
            pod("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.28.3"),
        )
        .expect("write");
        std::fs::write(manifests.join("etcd.yaml"), pod("etcd", "registry.k8s.io/etcd:3.5.9-0")).expect("write");
        std::fs::write(manifests.join("broken.yaml"), "kind: [").expect("write");
        std::fs::write(manifests.join(".hidden.yaml"), "kind: [").expect("write");
        let plane =
            control_plane(&HostRoot::new(dir.path()), "/etc/kubernetes/manifests/kube-apiserver.yaml").expect("read");
        assert_eq!(plane.components.len(), 1);
        assert_eq!(plane.components[0].line, Some(5));
        assert_eq!(plane.unreadable.len(), 1, "{plane:?}");
    }
}
