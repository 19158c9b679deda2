//! Kubernetes versions as the audit checks need them: parsed from `/version`'s gitVersion, an image
//! tag or `--k8s-version`, and which audit Policy apiVersions a version accepts.

use std::fmt;
use std::str::FromStr;

use crate::i18n::Text;
use crate::t;

/// `major.minor[.patch]`; vendor suffixes (`-aliyun.1`, `+k3s1`) are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: Option<u32>,
}

/// Threat detection from audit logs needs at least this version (the vendor's requirement).
pub const AUDIT_MINIMUM: KubeVersion = KubeVersion::new(1, 16);

impl KubeVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        KubeVersion { major, minor, patch: None }
    }

    /// Compares major and minor only: `v1.24.3` is at least `1.24`.
    pub fn at_least(self, other: KubeVersion) -> bool {
        (self.major, self.minor) >= (other.major, other.minor)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "v{}.{}.{patch}", self.major, self.minor),
            None => write!(f, "v{}.{}", self.major, self.minor),
        }
    }
}

impl FromStr for KubeVersion {
    type Err = Text;

    /// Accepts `1.28`, `v1.28.3`, `v1.20.4-aliyun.1`, `v1.28.3+k3s1`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || t!("audit-version-invalid", text = format!("{text:?}"));
        let t = text.trim();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        let core = t.split(['-', '+']).next().unwrap_or_default();
        let mut parts = core.split('.');
        let mut number = || -> Result<Option<u32>, Text> {
            match parts.next() {
                None => Ok(None),
                Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().map(Some).map_err(|_| invalid())
                }
                Some(_) => Err(invalid()),
            }
        };
        let major = number()?.ok_or_else(invalid)?;
        let minor = number()?.ok_or_else(invalid)?;
        let patch = number()?;
        if parts.next().is_some() || major == 0 {
            return Err(invalid());
        }
        Ok(KubeVersion { major, minor, patch })
    }
}

/// The version in a container image reference's tag (`registry/acs/kube-apiserver:v1.20.4-aliyun.1`),
/// if the tag is one; a digest-only reference or a tag like `latest` has none.
pub fn from_image(image: &str) -> Option<KubeVersion> {
    let name_end = image.find('@').unwrap_or(image.len());
    let name = &image[..name_end];
    let last_segment = name.rsplit('/').next().unwrap_or(name);
    let (_, tag) = last_segment.rsplit_once(':')?;
    tag.parse().ok()
}

pub const AUDIT_V1: &str = "audit.k8s.io/v1";
pub const AUDIT_V1BETA1: &str = "audit.k8s.io/v1beta1";
pub const AUDIT_V1ALPHA1: &str = "audit.k8s.io/v1alpha1";

/// `audit.k8s.io/v1` exists since Kubernetes 1.12.
pub const V1_SINCE: KubeVersion = KubeVersion::new(1, 12);
/// v1alpha1 and v1beta1 were deprecated in 1.19 (kubernetes PR #98858)…
pub const BETA_DEPRECATED: KubeVersion = KubeVersion::new(1, 19);
/// …and removed in 1.24 (PR #108092): kube-apiserver refuses to start with such a policy.
pub const BETA_REMOVED: KubeVersion = KubeVersion::new(1, 24);

/// Whether a kube-apiserver of some version loads a Policy written in some apiVersion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Loaded, and will stay loadable.
    Current,
    /// Loaded today, refused from `removed_in` on (the warn case).
    Retiring { removed_in: KubeVersion },
    /// Refused: removed in that version, so the server does not start.
    Removed { removed_in: KubeVersion },
    /// Refused: the apiVersion arrived later than this server.
    TooNew { since: KubeVersion },
    /// Refused: no Kubernetes version knows it.
    Unknown,
}

impl Support {
    pub fn refused(self) -> bool {
        matches!(self, Support::Removed { .. } | Support::TooNew { .. } | Support::Unknown)
    }
}

/// How `version` treats a Policy whose `apiVersion` is `api_version`.
pub fn policy_support(api_version: &str, version: KubeVersion) -> Support {
    match api_version {
        AUDIT_V1 if version.at_least(V1_SINCE) => Support::Current,
        AUDIT_V1 => Support::TooNew { since: V1_SINCE },
        AUDIT_V1BETA1 | AUDIT_V1ALPHA1 if version.at_least(BETA_REMOVED) => {
            Support::Removed { removed_in: BETA_REMOVED }
        }
        AUDIT_V1BETA1 | AUDIT_V1ALPHA1 => Support::Retiring { removed_in: BETA_REMOVED },
        _ => Support::Unknown,
    }
}

/// The apiVersion to write a policy in for `version` (`audit.k8s.io/v1` when it is unknown: every
/// version that can do threat detection accepts it).
pub fn policy_api_version_for(version: Option<KubeVersion>) -> &'static str {
    match version {
        Some(v) if !v.at_least(V1_SINCE) => AUDIT_V1BETA1,
        _ => AUDIT_V1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> KubeVersion {
        text.parse().expect("version")
    }

    #[test]
    fn parses_the_forms_clusters_report() {
        assert_eq!(v("1.28"), KubeVersion::new(1, 28));
        assert_eq!(v("v1.28.3"), KubeVersion { major: 1, minor: 28, patch: Some(3) });
        assert_eq!(v("v1.20.4-aliyun.1"), KubeVersion { major: 1, minor: 20, patch: Some(4) });
        assert_eq!(v("v1.28.3+k3s1"), KubeVersion { major: 1, minor: 28, patch: Some(3) });
        assert_eq!(v("V1.9").to_string(), "v1.9");
        for bad in ["", "v", "1", "latest", "1.x", "1.2.3.4", "0.9", "v1..2", "１.２８", "99999999999.1"] {
            assert!(bad.parse::<KubeVersion>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn compares_minor_versions_numerically() {
        assert!(v("1.100").at_least(v("1.24")));
        assert!(!v("v1.23.17").at_least(BETA_REMOVED));
        assert!(v("v1.24.0").at_least(BETA_REMOVED));
        assert!(v("2.0").at_least(BETA_REMOVED));
    }

    #[test]
    fn versions_from_image_tags() {
        assert_eq!(
            from_image("registry-vpc.cn-shenzhen.aliyuncs.com/acs/kube-apiserver:v1.20.4-aliyun.1"),
            Some(v("1.20.4"))
        );
        assert_eq!(from_image("registry.local:5000/kube-apiserver:v1.28.3"), Some(v("1.28.3")));
        assert_eq!(from_image("registry.local:5000/kube-apiserver"), None);
        assert_eq!(from_image("kube-apiserver:latest"), None);
        assert_eq!(from_image("k8s.gcr.io/kube-apiserver:v1.22.1@sha256:abcd"), Some(v("1.22.1")));
        assert_eq!(from_image("k8s.gcr.io/kube-apiserver@sha256:abcd"), None);
    }

    #[test]
    fn policy_api_versions_by_server_version() {
        assert_eq!(policy_support(AUDIT_V1BETA1, v("1.28")), Support::Removed { removed_in: BETA_REMOVED });
        assert_eq!(policy_support(AUDIT_V1BETA1, v("1.24.0")), Support::Removed { removed_in: BETA_REMOVED });
        assert_eq!(policy_support(AUDIT_V1BETA1, v("1.23")), Support::Retiring { removed_in: BETA_REMOVED });
        assert_eq!(policy_support(AUDIT_V1ALPHA1, v("1.20")), Support::Retiring { removed_in: BETA_REMOVED });
        assert_eq!(policy_support(AUDIT_V1, v("1.28")), Support::Current);
        assert_eq!(policy_support(AUDIT_V1, v("1.11")), Support::TooNew { since: V1_SINCE });
        assert_eq!(policy_support("audit.k8s.io/v2", v("1.28")), Support::Unknown);
        assert_eq!(policy_support("v1", v("1.28")), Support::Unknown);
        assert_eq!(policy_api_version_for(Some(v("1.11"))), AUDIT_V1BETA1);
        assert_eq!(policy_api_version_for(Some(v("1.12"))), AUDIT_V1);
        assert_eq!(policy_api_version_for(None), AUDIT_V1);
    }
}
