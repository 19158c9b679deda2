//! The audit Policy: reading it as kube-apiserver does, what kube-apiserver would refuse in it, and
//! what its rules do to the requests that carry secrets.
//!
//! Reading follows kube-apiserver's policy reader: `sigs.k8s.io/yaml` on the first YAML document,
//! decoded into typed fields (so `verbs: [get, on]` is refused: `on` is a boolean), a repeated key
//! keeping its last value. Validation follows `pkg/apis/audit/validation` (which checks the rules,
//! not the policy's own omitStages) and the reader, which refuses a policy with no rules. Rule
//! matching is in [`super::matcher`].

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::matcher::Request;
use super::version::{KubeVersion, policy_api_version_for};
use crate::error::InputError;
use crate::i18n::Text;
use crate::t;
use crate::yaml::{Doc, Scalar};

/// How much of a request an audit event records, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "None" => Some(Level::None),
            "Metadata" => Some(Level::Metadata),
            "Request" => Some(Level::Request),
            "RequestResponse" => Some(Level::RequestResponse),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        })
    }
}

pub const STAGES: [&str; 4] = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub api_version: Option<String>,
    pub api_version_line: Option<usize>,
    pub kind: Option<String>,
    pub kind_line: Option<usize>,
    pub omit_stages: Vec<String>,
    pub rules: Vec<Rule>,
}

/// One rule, as written; `number` is 1-based, the way people count rules in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub number: usize,
    pub line: usize,
    /// As written; [`Rule::level`] interprets it.
    pub level: String,
    pub users: Vec<String>,
    pub user_groups: Vec<String>,
    pub verbs: Vec<String>,
    pub namespaces: Vec<String>,
    pub resources: Vec<GroupResources>,
    pub non_resource_urls: Vec<String>,
    pub omit_stages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupResources {
    /// `""` is the core group.
    pub group: String,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
}

/// A resource that must never be logged with request or response bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sensitive {
    pub group: &'static str,
    pub resource: &'static str,
    /// Its objects live in namespaces (TokenReviews do not: a rule limited to namespaces never
    /// reaches them).
    pub namespaced: bool,
}

/// Bodies of these carry secret values (Secrets, ConfigMaps often do) or bearer tokens (TokenReviews).
pub const SENSITIVE: [Sensitive; 3] = [
    Sensitive { group: "", resource: "secrets", namespaced: true },
    Sensitive { group: "", resource: "configmaps", namespaced: true },
    Sensitive { group: "authentication.k8s.io", resource: "tokenreviews", namespaced: false },
];

impl fmt::Display for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() { f.write_str(self.resource) } else { write!(f, "{}.{}", self.resource, self.group) }
    }
}

/// Something kube-apiserver refuses when it loads the policy: it does not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub line: Option<usize>,
    /// The rule it is in (1-based); `None` for the policy as a whole.
    pub rule: Option<usize>,
    pub what: Problem,
}

/// What kube-apiserver's validation refuses (the values are as written in the policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The reader's "loaded illegal policy with 0 rules".
    NoRules,
    NoLevel,
    UnknownLevel(String),
    UnknownStage(String),
    ResourcesAndUrls,
    UrlWithoutSlash(String),
    WildcardNotLast(String),
    NotAGroup(String),
    NamesWithoutResources(String),
}

impl fmt::Display for Invalid {
    /// English, for evidence and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en())
    }
}

impl Invalid {
    /// What is refused, in the run's language.
    pub fn text(&self) -> Text {
        let q = |s: &str| format!("{s:?}");
        let what = match &self.what {
            Problem::NoRules => t!("audit-invalid-no-rules"),
            Problem::NoLevel => t!("audit-invalid-no-level"),
            Problem::UnknownLevel(l) => t!("audit-invalid-level", level = q(l)),
            Problem::UnknownStage(s) => t!("audit-invalid-stage", stage = q(s), stages = STAGES.join(", ")),
            Problem::ResourcesAndUrls => t!("audit-invalid-resources-and-urls"),
            Problem::UrlWithoutSlash(u) => t!("audit-invalid-url-slash", url = q(u)),
            Problem::WildcardNotLast(u) => t!("audit-invalid-url-wildcard", url = q(u)),
            Problem::NotAGroup(g) => t!("audit-invalid-group", group = q(g)),
            Problem::NamesWithoutResources(g) => t!("audit-invalid-resource-names", group = q(g)),
        };
        match self.rule {
            Some(rule) => t!("audit-invalid-in-rule", rule = rule, what = what),
            None => what,
        }
    }
}

/// A rule that writes a sensitive resource's bodies into the log: the first rule some request for
/// it lands on above Metadata, with such a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub resource: Sensitive,
    pub rule: usize,
    pub line: usize,
    pub level: Level,
    pub example: Request,
}

/// What every request does with a policy (see [`Policy::summary`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary<'a> {
    pub logged_twice: Option<Reached<'a>>,
    /// A request that no rule matches (it is not logged), if there is one.
    pub unmatched: Option<Request>,
    /// No request is logged at all: every request lands on a `None` rule or on none.
    pub logs_nothing: bool,
}

/// A rule reached by some request, with that request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached<'a> {
    pub rule: &'a Rule,
    pub example: Request,
}

impl Rule {
    /// `None` for a level kube-apiserver does not know (see [`Policy::invalid`]).
    pub fn level(&self) -> Option<Level> {
        Level::parse(&self.level)
    }

    /// Matches every request: no selector at all.
    pub fn is_catch_all(&self) -> bool {
        self.users.is_empty()
            && self.user_groups.is_empty()
            && self.verbs.is_empty()
            && self.namespaces.is_empty()
            && self.resources.is_empty()
            && self.non_resource_urls.is_empty()
    }
}

/// A Kubernetes API group name (`validation.NameIsDNSSubdomain`): lower-case RFC 1123 labels.
fn dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

impl Policy {
    /// What makes kube-apiserver refuse this policy at start-up (besides kind and apiVersion):
    /// `ValidatePolicy` on every rule, and the reader's "0 rules".
    pub fn invalid(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        if self.rules.is_empty() {
            out.push(Invalid { line: None, rule: None, what: Problem::NoRules });
        }
        for rule in &self.rules {
            let mut add = |what: Problem| out.push(Invalid { line: Some(rule.line), rule: Some(rule.number), what });
            if rule.level.is_empty() {
                add(Problem::NoLevel);
            } else if rule.level().is_none() {
                add(Problem::UnknownLevel(rule.level.clone()));
            }
            for s in rule.omit_stages.iter().filter(|s| !STAGES.contains(&s.as_str())) {
                add(Problem::UnknownStage(s.clone()));
            }
            if !rule.non_resource_urls.is_empty() && (!rule.resources.is_empty() || !rule.namespaces.is_empty()) {
                add(Problem::ResourcesAndUrls);
            }
            for url in rule.non_resource_urls.iter().filter(|u| *u != "*") {
                if !url.starts_with('/') {
                    add(Problem::UrlWithoutSlash(url.clone()));
                }
                // Byte-wise, as Go slices it: a multi-byte character must not split anything here.
                if url.as_bytes()[..url.len().saturating_sub(1)].contains(&b'*') {
                    add(Problem::WildcardNotLast(url.clone()));
                }
            }
            for gr in &rule.resources {
                if !gr.group.is_empty() && !dns_subdomain(&gr.group) {
                    add(Problem::NotAGroup(gr.group.clone()));
                }
                if !gr.resource_names.is_empty() && gr.resources.is_empty() {
                    add(Problem::NamesWithoutResources(gr.group.clone()));
                }
            }
        }
        out
    }

    /// For each sensitive resource, the first rule that logs some request for it above Metadata,
    /// with such a request; resources that never are logged above Metadata do not appear.
    pub fn leaks(&self) -> Vec<Leak> {
        SENSITIVE
            .iter()
            .filter_map(|&target| {
                let landings = self.landings(&self.requests_for(target));
                landings.rules.into_iter().zip(&self.rules).find_map(|(example, rule)| {
                    let level = rule.level().filter(|l| *l > Level::Metadata)?;
                    Some(Leak { resource: target, rule: rule.number, line: rule.line, level, example: example? })
                })
            })
            .collect()
    }

    /// What all requests do with this policy, from one pass over their classes: the first rule
    /// that logs some request at RequestReceived too (neither it nor the policy omits the stage,
    /// so those requests are logged twice), a request no rule matches, and whether any request is
    /// logged at all.
    pub fn summary(&self) -> Summary<'_> {
        let landings = self.landings(&self.everything());
        let logs = |rule: &Rule| rule.level().is_some_and(|l| l > Level::None);
        let logged_twice = landings.rules.iter().zip(&self.rules).find_map(|(example, rule)| {
            let omitted = self.omit_stages.iter().chain(&rule.omit_stages).any(|s| s == "RequestReceived");
            (logs(rule) && !omitted).then(|| example.clone().map(|example| Reached { rule, example })).flatten()
        });
        let logs_nothing =
            landings.rules.iter().zip(&self.rules).all(|(example, rule)| example.is_none() || !logs(rule));
        Summary { logged_twice, unmatched: landings.unmatched, logs_nothing }
    }

    /// The first rule that matches every request.
    pub fn catch_all(&self) -> Option<&Rule> {
        self.rules.iter().find(|r| r.is_catch_all())
    }

    /// True when no request is logged at all: every request lands on a `None` rule or on none.
    pub fn logs_nothing(&self) -> bool {
        let landings = self.landings(&self.everything());
        landings
            .rules
            .iter()
            .zip(&self.rules)
            .all(|(example, rule)| example.is_none() || rule.level() == Some(Level::None))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPolicy {
    api_version: Option<Scalar>,
    kind: Option<Scalar>,
    omit_stages: Option<Vec<Scalar>>,
    rules: Option<Vec<Spanned<RawRule>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    level: Option<Scalar>,
    users: Option<Vec<Scalar>>,
    user_groups: Option<Vec<Scalar>>,
    verbs: Option<Vec<Scalar>>,
    namespaces: Option<Vec<Scalar>>,
    resources: Option<Vec<RawGroupResources>>,
    #[serde(rename = "nonResourceURLs")]
    non_resource_urls: Option<Vec<Scalar>>,
    omit_stages: Option<Vec<Scalar>>,
    omit_managed_fields: Option<Scalar>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGroupResources {
    group: Option<Scalar>,
    resources: Option<Vec<Scalar>>,
    resource_names: Option<Vec<Scalar>>,
}

fn line(location: &serde_saphyr::Location) -> usize {
    usize::try_from(location.line()).unwrap_or(0)
}

/// Parses a policy file as kube-apiserver does (its first document, typed as Go types it);
/// `Ok(None)` when that document is empty (only comments), which is what a hostPath
/// `FileOrCreate` leaves behind.
pub fn parse(bytes: &[u8], file: &Path) -> Result<Option<Policy>, InputError> {
    let text = crate::yaml::first_document(crate::yaml::text(bytes, file)?);
    let raw: Option<RawPolicy> = serde_saphyr::from_str_with_options(text, crate::yaml::go_options())
        .map_err(|e| crate::yaml::yaml_error(file, &e, t!("audit-policy-expected")))?;
    let Some(raw) = raw else { return Ok(None) };
    let doc = Doc { text, file, reader: crate::yaml::Reader::Apiserver };
    let optional = |s: &Option<Scalar>, field: &str| -> Result<Option<String>, InputError> {
        s.as_ref().map(|s| doc.string(s, field)).transpose().map(|v| v.filter(|v| !v.is_empty()))
    };
    let mut rules = Vec::new();
    for (i, r) in raw.rules.unwrap_or_default().into_iter().enumerate() {
        let at = line(&r.referenced);
        let r = r.value;
        doc.bool(r.omit_managed_fields.as_ref(), "omitManagedFields")?;
        let mut resources = Vec::new();
        for g in r.resources.unwrap_or_default() {
            resources.push(GroupResources {
                group: doc.opt_string(g.group.as_ref(), "resources[].group")?,
                resources: doc.strings(g.resources.as_deref(), "resources[].resources")?,
                resource_names: doc.strings(g.resource_names.as_deref(), "resources[].resourceNames")?,
            });
        }
        rules.push(Rule {
            number: i + 1,
            line: at,
            level: doc.opt_string(r.level.as_ref(), "level")?,
            users: doc.strings(r.users.as_deref(), "users")?,
            user_groups: doc.strings(r.user_groups.as_deref(), "userGroups")?,
            verbs: doc.strings(r.verbs.as_deref(), "verbs")?,
            namespaces: doc.strings(r.namespaces.as_deref(), "namespaces")?,
            resources,
            non_resource_urls: doc.strings(r.non_resource_urls.as_deref(), "nonResourceURLs")?,
            omit_stages: doc.strings(r.omit_stages.as_deref(), "omitStages")?,
        });
    }
    Ok(Some(Policy {
        api_version_line: raw.api_version.as_ref().map(|s| s.line),
        api_version: optional(&raw.api_version, "apiVersion")?,
        kind_line: raw.kind.as_ref().map(|s| s.line),
        kind: optional(&raw.kind, "kind")?,
        omit_stages: doc.strings(raw.omit_stages.as_deref(), "omitStages")?,
        rules,
    }))
}

/// The vendor's sample policy (开启日志威胁检测), rules unchanged, in the apiVersion `version` accepts.
pub fn recommended(version: Option<KubeVersion>) -> String {
    let api_version = policy_api_version_for(version);
    let target = match version {
        Some(v) => format!("Kubernetes {v}"),
        None => "Kubernetes 1.12 and later (no --k8s-version given)".to_string(),
    };
    let mut out = format!(
        "# Audit policy for Security Center log threat detection, for {target}.\n\
         # The vendor's sample, with the apiVersion this version accepts ({api_version}).\n\
         # Save as /etc/kubernetes/audit-policy.yaml on every master, then check with\n\
         # `k8sjoin-check --audit --only audit`.\n"
    );
    if let Some(v) = version.filter(|v| !v.at_least(super::version::AUDIT_MINIMUM)) {
        out.push_str(&format!(
            "# Note: threat detection from audit logs needs Kubernetes {} or later; this cluster runs {v}.\n",
            super::version::AUDIT_MINIMUM
        ));
    }
    out.push_str(&format!("apiVersion: {api_version}\n"));
    out.push_str(SAMPLE_BODY);
    out
}

/// The vendor's sample after its apiVersion line.
const SAMPLE_BODY: &str = r#"kind: Policy
# Don't generate audit events for all requests in RequestReceived stage.
omitStages:
  - "RequestReceived"
rules:
  # The following requests were manually identified as high-volume and low-risk,
  # so drop them.
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: "" # core
        resources: ["endpoints", "services"]
  - level: None
    users: ["system:unsecured"]
    namespaces: ["kube-system"]
    verbs: ["get"]
    resources:
      - group: "" # core
        resources: ["configmaps"]
  - level: None
    users: ["kubelet"] # legacy kubelet identity
    verbs: ["get"]
    resources:
      - group: "" # core
        resources: ["nodes"]
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["get"]
    resources:
      - group: "" # core
        resources: ["nodes"]
  - level: None
    users:
      - system:kube-controller-manager
      - system:kube-scheduler
      - system:serviceaccount:kube-system:endpoint-controller
    verbs: ["get", "update"]
    namespaces: ["kube-system"]
    resources:
      - group: "" # core
        resources: ["endpoints"]
  - level: None
    users: ["system:apiserver"]
    verbs: ["get"]
    resources:
      - group: "" # core
        resources: ["namespaces"]
  # Don't log these read-only URLs.
  - level: None
    nonResourceURLs:
      - /healthz*
      - /version
      - /swagger*
  # Don't log events requests.
  - level: None
    resources:
      - group: "" # core
        resources: ["events"]
  # Secrets, ConfigMaps, and TokenReviews can contain sensitive & binary data,
  # so only log at the Metadata level.
  - level: Metadata
    resources:
      - group: "" # core
        resources: ["secrets", "configmaps"]
      - group: authentication.k8s.io
        resources: ["tokenreviews"]
  # Get responses can be large; skip them.
  - level: Request
    verbs: ["get", "list", "watch"]
    resources:
      - group: "" # core
      - group: "admissionregistration.k8s.io"
      - group: "apps"
      - group: "authentication.k8s.io"
      - group: "authorization.k8s.io"
      - group: "autoscaling"
      - group: "batch"
      - group: "certificates.k8s.io"
      - group: "extensions"
      - group: "networking.k8s.io"
      - group: "policy"
      - group: "rbac.authorization.k8s.io"
      - group: "settings.k8s.io"
      - group: "storage.k8s.io"
  # Default level for known APIs
  - level: RequestResponse
    resources:
      - group: "" # core
      - group: "admissionregistration.k8s.io"
      - group: "apps"
      - group: "authentication.k8s.io"
      - group: "authorization.k8s.io"
      - group: "autoscaling"
      - group: "batch"
      - group: "certificates.k8s.io"
      - group: "extensions"
      - group: "networking.k8s.io"
      - group: "policy"
      - group: "rbac.authorization.k8s.io"
      - group: "settings.k8s.io"
      - group: "storage.k8s.io"
  # Default level for all other requests.
  - level: Metadata
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Policy {
        parse(text.as_bytes(), Path::new("audit-policy.yaml")).expect("parses").expect("a document")
    }

    fn seed() -> Policy {
        policy(&recommended(KubeVersion::new(1, 28).into()))
    }

    #[test]
    fn the_vendor_sample_is_valid_leak_free_and_ends_with_a_catch_all() {
        let p = seed();
        assert_eq!(p.api_version.as_deref(), Some("audit.k8s.io/v1"));
        assert_eq!(p.kind.as_deref(), Some("Policy"));
        assert_eq!(p.rules.len(), 12);
        assert_eq!(p.omit_stages, ["RequestReceived"]);
        assert_eq!(p.invalid(), []);
        assert_eq!(p.leaks(), []);
        assert_eq!(p.catch_all().map(|r| r.number), Some(12));
        assert!(!p.summary().logs_nothing);
    }

    #[test]
    fn recommended_api_version_follows_the_version() {
        assert!(recommended(Some(KubeVersion::new(1, 11))).contains("\napiVersion: audit.k8s.io/v1beta1\n"));
        assert!(recommended(Some(KubeVersion::new(1, 11))).contains("needs Kubernetes v1.16"));
        assert!(recommended(None).contains("\napiVersion: audit.k8s.io/v1\n"));
    }

    #[test]
    fn secrets_at_request_response_is_a_leak_naming_the_rule() {
        let text = recommended(None).replace(
            "  - level: Metadata\n    resources:\n      - group: \"\" # core\n        resources: [\"secrets\"",
            "  - level: RequestResponse\n    resources:\n      - group: \"\" # core\n        resources: [\"secrets\"",
        );
        let p = policy(&text);
        let leaks = p.leaks();
        assert_eq!(leaks.len(), 3, "{leaks:?}");
        assert!(leaks.iter().all(|l| l.rule == 9 && l.level == Level::RequestResponse));
    }

    #[test]
    fn without_the_metadata_rule_the_request_rule_reaches_secrets() {
        let p = policy(
            "kind: Policy\nrules:\n- level: Request\n  verbs: [get]\n  resources:\n  - group: \"\"\n- level: Metadata\n",
        );
        let leaks = p.leaks();
        assert_eq!(leaks.iter().map(|l| l.resource.resource).collect::<Vec<_>>(), ["secrets", "configmaps"]);
        assert_eq!(leaks[0].line, 3);
    }

    #[test]
    fn narrow_metadata_rules_do_not_shield_later_ones() {
        // Metadata only for kube-system secrets: the RequestResponse catch-all still logs the rest.
        let p = policy(
            "kind: Policy\nrules:\n- level: Metadata\n  namespaces: [kube-system]\n  resources:\n  - resources: [secrets]\n\
             - level: None\n  resources:\n  - resources: [configmaps]\n  - group: authentication.k8s.io\n\
             - level: RequestResponse\n",
        );
        let leaks: Vec<&str> = p.leaks().iter().map(|l| l.resource.resource).collect();
        assert_eq!(leaks, ["secrets"]);
        // resourceNames narrow a rule too; `secrets/*` and `*` select the resource itself.
        let p = policy(
            "kind: Policy\nrules:\n- level: None\n  resources:\n  - resources: [secrets]\n    resourceNames: [a]\n\
             - level: None\n  resources:\n  - resources: [\"*\"]\n- level: Request\n",
        );
        // `*` without a group is the core group only: tokenreviews still reach rule 3.
        let leaks: Vec<(&str, usize)> = p.leaks().iter().map(|l| (l.resource.resource, l.rule)).collect();
        assert_eq!(leaks, [("tokenreviews", 3)]);
    }

    #[test]
    fn non_resource_rules_never_reach_resources() {
        let p = policy(
            "kind: Policy\nrules:\n- level: RequestResponse\n  nonResourceURLs: [\"/metrics\"]\n- level: None\n",
        );
        assert_eq!(p.leaks(), []);
        assert!(!p.summary().logs_nothing, "rule 1 logs /metrics");
    }

    #[test]
    fn what_kube_apiserver_refuses() {
        // The policy's own omitStages are not validated by kube-apiserver (only each rule's are).
        let p = policy(
            "kind: Policy\nomitStages: [Received]\nrules:\n- level: Full\n- level: None\n  nonResourceURLs: [healthz, \"/a*b\"]\n  \
             namespaces: [x]\n- level: None\n  resources:\n  - resourceNames: [x]\n- level: Metadata\n  omitStages: [Received]\n\
             - level: Metadata\n  resources: [{group: apps/v1}]\n- {}\n- level: None\n  nonResourceURLs: [\"/é\"]\n",
        );
        let invalid = p.invalid();
        let text: Vec<String> = invalid.iter().map(ToString::to_string).collect();
        assert_eq!(invalid.len(), 8, "{text:?}");
        assert_eq!(invalid[1].line, Some(5));
        assert!(text[5].contains("omitStages has \"Received\""), "{text:?}");
        assert!(text[6].contains("apps/v1") && text[7].contains("level is required"), "{text:?}");
        assert!(policy("kind: Policy\n").invalid()[0].to_string().contains("no rules"));
    }

    #[test]
    fn read_as_kube_apiserver_reads_it() {
        // Only the first document; a repeated key keeps its last value.
        let p =
            policy("kind: Policy\nrules:\n- level: None\n- level: Metadata\n  level: Request\n---\nkind: [broken\n");
        assert_eq!((p.rules.len(), p.rules[1].level.as_str()), (2, "Request"));
        assert_eq!(policy("kind: Policy\nrules:\n- level: None\n---\n").rules.len(), 1);
        // Plain YAML 1.1 booleans and numbers are not strings.
        for (text, line) in [
            ("kind: Policy\nrules:\n- level: None\n  verbs: [get, on]\n", 4),
            ("kind: Policy\nrules:\n- level: None\n  namespaces:\n  - no\n", 5),
            ("kind: Policy\nrules:\n- level: None\n  users: [1]\n", 4),
        ] {
            let e = parse(text.as_bytes(), Path::new("p.yaml")).expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.what.contains("kube-apiserver reads it as a string"), "{e}");
        }
        assert_eq!(policy("kind: Policy\nrules:\n- level: None\n  verbs: [\"on\"]\n").rules[0].verbs, ["on"]);
    }

    #[test]
    fn everything_none_is_detected() {
        assert!(
            policy("kind: Policy\nrules:\n- level: None\n  users: [a]\n- level: None\n- level: Metadata\n")
                .summary()
                .logs_nothing
        );
        assert!(policy("kind: Policy\nrules:\n- level: None\n  users: [a]\n").summary().logs_nothing);
        assert!(
            !policy("kind: Policy\nrules:\n- level: Metadata\n  users: [a]\n- level: None\n").summary().logs_nothing
        );
    }

    #[test]
    fn empty_and_comment_only_files_hold_no_policy() {
        for text in ["", "\n\n", "# nothing yet\n"] {
            assert!(parse(text.as_bytes(), Path::new("p")).expect("empty is not an error").is_none());
        }
    }

    #[test]
    fn malformed_and_hostile_input_are_input_errors() {
        for text in [
            "kind: Policy\nrules: [\n",
            "kind: Policy\nrules: 5\n",
            "kind: Policy\nrules:\n- level: [a]\n",
            "- a\n- b\n",
            "just text",
            "kind: Policy\n\tapiVersion: x\n",
        ] {
            let e = parse(text.as_bytes(), Path::new("audit-policy.yaml")).expect_err(text);
            assert_eq!(e.file, "audit-policy.yaml");
            assert!(e.line.is_some(), "{text:?}: {e}");
        }
        assert!(parse(&[0xff, 0x00, 0x13, 0x37], Path::new("p")).is_err());
        let laughs = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
                      d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
                      rules: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nkind: Policy\n";
        assert!(parse(laughs.as_bytes(), Path::new("p")).is_err());
    }

    #[test]
    fn every_truncation_of_the_sample_parses_or_is_an_input_error() {
        let full = recommended(None);
        for end in crate::yaml::cut_points(&full) {
            if let Err(e) = parse(&full.as_bytes()[..end], Path::new("p")) {
                assert_eq!(e.file, "p", "{end}: {e}");
            }
        }
    }
}
