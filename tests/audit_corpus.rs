//! The audit checks over real-world inputs nobody on this project wrote
//! (`../shared/reference/corpus/audit/`, traced in its SOURCES.md; read there, never copied).
//!
//! Each policy is put at `/etc/kubernetes/audit-policy.yaml` of a correct 1.28 master (the
//! `seed-policy-fixed` fixture) and judged by `audit.policy-file` and `audit.policy-content`; each
//! manifest is the kube-apiserver static pod of an empty node and judged by `audit.apiserver-flags`
//! and `audit.apiserver-mounts`. The expected statuses below come from Kubernetes' own rules —
//! kube-apiserver's policy reader, validation and checker (first matching rule, per-rule
//! omitStages), the kubelet's reading of static pods — and DESIGN §3's criteria (nothing about
//! Secrets, ConfigMaps or TokenReviews above Metadata; RequestReceived omitted; a catch-all; the
//! vendor's rotation values; the log on the host, the policy read-only). One line of why for each
//! status that is not a pass.
#![allow(clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/corpus/audit");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(!common::in_ci(), "CI=true but the corpus is not at {}", dir.display());
    eprintln!("SKIP: the audit corpus is not at {} (CI has it)", dir.display());
    None
}

/// (file, audit.policy-file, audit.policy-content, why the statuses that are not a pass).
/// Judged on Kubernetes 1.28 (`--k8s-version 1.28` and a 1.28 control plane).
const POLICIES: &[(&str, &str, &str, &str)] = &[
    (
        "aks-engine-audit-policy.yaml",
        "pass",
        "fail",
        "configmaps in kube-system at Request (rule 5), every secret at Request (rule 6)",
    ),
    (
        "cksprep-etc.kubernetes.audit.policy.yaml",
        "pass",
        "fail",
        "rule 2 logs system:nodes' requests at RequestResponse, ConfigMaps and TokenReviews included; and no omitStages: logged twice",
    ),
    ("cksprep-policy.yaml", "pass", "fail", "as above, with a None catch-all after it"),
    ("clhlc-audit-policy.yaml", "pass", "pass", ""),
    (
        "eksa-audit-policy.yaml",
        "fail",
        "fail",
        "audit.k8s.io/v1beta1: kube-apiserver 1.24+ does not start; rule 1 logs the aws-auth ConfigMap at RequestResponse, and the namespace controller's deletecollection of Secrets is logged at Request; there is no policy-wide omitStages, but every rule omits RequestReceived except rule 14 (serviceaccounts/token at Request), whose requests alone are logged twice",
    ),
    (
        "falco-k8saudit-audit-policy.yaml",
        "pass",
        "fail",
        "configmaps in kube-system at Request (rule 7, the Kubernetes docs' example)",
    ),
    (
        "gce-configure-helper-1.7.rendered.yaml",
        "fail",
        "skip",
        "no apiVersion and no kind (kube-apiserver cannot decode it), and versioned group names (admissionregistration.k8s.io/v1alpha1) fail validation; not a loadable policy, so its content is not judged",
    ),
    (
        "gce-configure-helper-v1beta1.rendered.yaml",
        "fail",
        "fail",
        "v1beta1; the namespace controller's deletecollection of Secrets and ConfigMaps at Request (rule 12, before the Metadata rule); every rule omits RequestReceived, so nothing is logged twice",
    ),
    ("k8s-website-audit-policy.yaml", "pass", "fail", "configmaps in kube-system at Request (rule 6)"),
    (
        "kops-golden-audit-cluster.yaml",
        "fail",
        "skip",
        "a kops Cluster spec (kind: Cluster), not a Policy: kops writes kops-golden-policy.yaml from it",
    ),
    (
        "kops-golden-policy.yaml",
        "pass",
        "warn",
        "one Metadata rule and no omitStages: every request is logged at RequestReceived and again at ResponseComplete",
    ),
    ("kubespray-audit-policy.rendered.yaml", "pass", "pass", ""),
    (
        "openshift-allrequestbodies.yaml",
        "pass",
        "fail",
        "ConfigMaps are not among the Metadata rule's resources: the RequestResponse catch-all (rule 4) logs them",
    ),
    (
        "openshift-base-policy.yaml",
        "pass",
        "warn",
        "the base the profiles append to: only None rules, so most requests match no rule and nothing is logged",
    ),
    ("openshift-default.yaml", "pass", "pass", ""),
    ("openshift-none.yaml", "pass", "warn", "every request ends at None: the log stays empty"),
    (
        "openshift-oauth.yaml",
        "pass",
        "fail",
        "only ConfigMaps: oauth users' writes reach the RequestResponse rule 4; their Secrets and TokenReviews are held at Metadata by rule 3 (same userGroups, earlier), and other users' requests end at None",
    ),
    ("openshift-writerequestbodies.yaml", "pass", "fail", "writes of ConfigMaps reach the RequestResponse rule 4"),
    ("rke2-default-policy.yaml", "pass", "warn", "a single None rule: nothing is logged"),
    ("rke2-docs-hardening-default-policy.yaml", "pass", "warn", "a single None rule: nothing is logged"),
    (
        "talos-auditpolicyconfig.yaml",
        "fail",
        "skip",
        "a Talos config document (kind: KubeAuditPolicyConfig) wrapping a policy; its trailing --- is read past as kube-apiserver would",
    ),
    ("talos-default-policy.yaml", "pass", "warn", "one Metadata rule and no omitStages: logged twice"),
    (
        "tastykube-minikube-audit-policy.yaml",
        "fail",
        "warn",
        "v1beta1; its only rule lists API groups, so requests of other groups and non-resource URLs match no rule",
    ),
    (
        "vendor-seed-policy-v1beta1.yaml",
        "fail",
        "pass",
        "the vendor's sample: v1beta1, refused by kube-apiserver 1.24+",
    ),
];

/// (file, audit.apiserver-flags, audit.apiserver-mounts, why).
const MANIFESTS: &[(&str, &str, &str, &str)] = &[
    (
        "gce-kube-apiserver.rendered.manifest",
        "pass",
        "warn",
        "maxage=0 and maxbackup=0 mean no limit, maxsize 2 GB; the log file itself is a hostPath (FileOrCreate): on the host, but a rotation would rename a mount point (GCE rotates on the host)",
    ),
    (
        "kops-golden-kube-apiserver.manifest",
        "warn",
        "pass",
        "maxage 10 and maxbackup 1 are below the vendor's 30 and 10",
    ),
    (
        "kubeadm-1.11-kube-apiserver.yaml",
        "fail",
        "skip",
        "plain kubeadm: no audit flags at all, so there is no mount to judge",
    ),
    ("kubeadm-1.25-kube-apiserver.yaml", "fail", "skip", "plain kubeadm: no audit flags"),
    (
        "kubeadm-1.28-cksprep-kube-apiserver.yaml",
        "fail",
        "fail",
        "no --audit-log-maxage, maxbackup 1 and maxsize 5 below the vendor's; the policy's directory is mounted writable",
    ),
    ("kubeadm-1.32-kube-apiserver.yaml", "fail", "skip", "plain kubeadm: no audit flags"),
];

/// A kops nodeup task list: the kubelet never reads it; its first task's `contents` is the
/// manifest above.
const KOPS_TASKS: &str = "kops-golden-tasks-kube-apiserver.yaml";

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn statuses(root: &Path, only: &[&str]) -> (std::process::Output, Vec<(String, String, String)>) {
    let mut cmd = common::bin();
    cmd.args(["--audit", "--format", "json", "--k8s-version", "1.28", "--root"]).arg(root);
    for id in only {
        cmd.args(["--only", id]);
    }
    let out = cmd.output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let checks = report["checks"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| {
                    let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                    (s("id"), s("status"), s("message"))
                })
                .collect()
        })
        .unwrap_or_default();
    (out, checks)
}

#[test]
fn every_corpus_policy_is_judged_as_kubernetes_would() {
    let Some(corpus) = corpus() else { return };
    let fixture = common::fixture("audit/seed-policy-fixed");
    let mut wrong = Vec::new();
    for (file, want_file, want_content, why) in POLICIES {
        assert!(want_file == &"pass" && want_content == &"pass" || !why.is_empty(), "{file}: say why");
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&fixture, dir.path());
        std::fs::copy(corpus.join(file), dir.path().join("etc/kubernetes/audit-policy.yaml")).unwrap();
        let (out, checks) = statuses(dir.path(), &["audit.policy-file", "audit.policy-content"]);
        assert_eq!(out.status.code().map(|c| c <= 1), Some(true), "{file} does not parse: {}", common::stderr(&out));
        let got: Vec<&str> = checks.iter().map(|(_, s, _)| s.as_str()).collect();
        if got != [*want_file, *want_content] {
            wrong.push(format!("{file}: {got:?}, expected [{want_file}, {want_content}] ({why})\n    {checks:?}"));
        }
        let content = checks.get(1).map(|(_, _, m)| m.as_str()).unwrap_or_default();
        match *file {
            "openshift-oauth.yaml" => assert!(
                content.contains("rule 4 logs configmaps at RequestResponse")
                    && !content.contains("secrets")
                    && !content.contains("tokenreviews"),
                "{file}: only ConfigMaps leak: {content}"
            ),
            "kubespray-audit-policy.rendered.yaml" | "gce-configure-helper-v1beta1.rendered.yaml" => {
                assert!(
                    !content.contains("RequestReceived for rule"),
                    "{file}: every logging rule omits RequestReceived: {content}"
                )
            }
            // No policy-wide omitStages, and every rule but 14 omits RequestReceived itself.
            "eksa-audit-policy.yaml" => assert!(content.contains("RequestReceived for rule 14 "), "{file}: {content}"),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_corpus_manifest_parses_and_is_judged_as_the_kubelet_reads_it() {
    let Some(corpus) = corpus() else { return };
    let mut wrong = Vec::new();
    for (file, want_flags, want_mounts, why) in MANIFESTS {
        assert!(want_flags == &"pass" && want_mounts == &"pass" || !why.is_empty(), "{file}: say why");
        let dir = tempfile::tempdir().unwrap();
        let manifests = dir.path().join("etc/kubernetes/manifests");
        std::fs::create_dir_all(&manifests).unwrap();
        std::fs::copy(corpus.join(file), manifests.join("kube-apiserver.yaml")).unwrap();
        let (out, checks) = statuses(dir.path(), &["audit.apiserver-flags", "audit.apiserver-mounts"]);
        assert_eq!(out.status.code().map(|c| c <= 1), Some(true), "{file} does not parse: {}", common::stderr(&out));
        let got: Vec<&str> = checks.iter().map(|(_, s, _)| s.as_str()).collect();
        if got != [*want_flags, *want_mounts] {
            wrong.push(format!("{file}: {got:?}, expected [{want_flags}, {want_mounts}] ({why})\n    {checks:?}"));
        }
        if *file == "gce-kube-apiserver.rendered.manifest" {
            assert!(checks[0].2.contains("maxage=0 (no limit) maxbackup=0 (no limit)"), "{checks:?}");
            assert!(checks[1].2.contains("mounts the log file itself"), "{checks:?}");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The kops task list: refused as the kubelet would refuse it (it has no kind), while the
    // manifest it carries is the one judged above.
    let tasks = std::fs::read_to_string(corpus.join(KOPS_TASKS)).unwrap();
    let contents: String = tasks
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  ") || l.is_empty())
        .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
        .collect();
    let manifest = std::fs::read_to_string(corpus.join("kops-golden-kube-apiserver.manifest")).unwrap();
    assert_eq!(contents.trim_end(), manifest.trim_end(), "the task's contents is the kops manifest");
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("etc/kubernetes/manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    std::fs::copy(corpus.join(KOPS_TASKS), manifests.join("kube-apiserver.yaml")).unwrap();
    let (out, _) = statuses(dir.path(), &["audit.apiserver-flags"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("has no kind"), "{}", common::stderr(&out));
}
