//! Audit-log threat detection checks (`--audit`): the Kubernetes version, the audit policy, the
//! kube-apiserver manifest's flags, mounts and collector env vars, the running process, the log,
//! and the log collector (manual).
//!
//! The seed's procedure has the user hand-edit the static pod manifest on every master; one
//! mistake and kube-apiserver does not come back. These checks read what the kubelet and
//! kube-apiserver will read, before the restart, and say which line to change.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::audit::image::{self, ComponentImage, Reach, Registry, Skew};
use crate::audit::log::{POOL_SCAN_BYTES, parse_event, pool_requests, read_tail};
use crate::audit::policy::{Level, SENSITIVE};
use crate::audit::process::{self, Running, audit_flags};
use crate::audit::version::{self, AUDIT_MINIMUM, AUDIT_V1, KubeVersion, Support};
use crate::audit::{AuditFiles, LogLocation, PolicyFile, ROTATION, Rotation, log_location, rotation};
use crate::check::{Category, CheckDef, Checked, Early, Env, FactKind, Outcome, Run, Status, always, never};
use crate::checks::words::Findings;
use crate::context::Context;
use crate::context::NetworkType;
use crate::hostfs::Found;
use crate::manifest::{EnvValue, Flag, Manifest, Mapping, VolumeMount};

fn with_audit(ctx: &Context) -> bool {
    ctx.audit
}

pub const K8S_VERSION: CheckDef = CheckDef {
    id: "audit.k8s-version",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::ServerVersion],
    required: always,
    applies: with_audit,
    run: Run::Sync(k8s_version),
};

pub const POLICY_FILE: CheckDef = CheckDef {
    id: "audit.policy-file",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::ServerVersion],
    required: always,
    applies: with_audit,
    run: Run::Sync(policy_file),
};

pub const POLICY_CONTENT: CheckDef = CheckDef {
    id: "audit.policy-content",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: always,
    applies: with_audit,
    run: Run::Sync(policy_content),
};

pub const APISERVER_FLAGS: CheckDef = CheckDef {
    id: "audit.apiserver-flags",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: always,
    applies: with_audit,
    run: Run::Sync(apiserver_flags),
};

pub const APISERVER_MOUNTS: CheckDef = CheckDef {
    id: "audit.apiserver-mounts",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: always,
    applies: with_audit,
    run: Run::Sync(apiserver_mounts),
};

pub const COLLECTOR_ENV: CheckDef = CheckDef {
    id: "audit.collector-env",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: always,
    applies: with_audit,
    run: Run::Sync(collector_env),
};

pub const APISERVER_RUNNING: CheckDef = CheckDef {
    id: "audit.apiserver-running",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: never,
    applies: with_audit,
    run: Run::Sync(apiserver_running),
};

pub const LOG_WRITTEN: CheckDef = CheckDef {
    id: "audit.log-written",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: always,
    applies: with_audit,
    run: Run::Sync(log_written),
};

pub const APISERVER_IMAGE: CheckDef = CheckDef {
    id: "audit.apiserver-image",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[FactKind::Addresses],
    required: always,
    applies: with_audit,
    run: Run::Sync(apiserver_image),
};

pub const POOL_SEEN: CheckDef = CheckDef {
    id: "audit.pool-seen",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: never,
    applies: with_audit,
    run: Run::Sync(pool_seen),
};

pub const COLLECTOR_INSTALLED: CheckDef = CheckDef {
    id: "audit.collector-installed",
    category: Category::Audit,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: never,
    applies: with_audit,
    run: Run::Sync(collector_installed),
};

fn files(env: &Env) -> Result<&AuditFiles, Early> {
    env.ctx
        .audit_files
        .as_ref()
        .ok_or_else(|| Early::from(Outcome::skip("the audit files were not read (run with --audit)")))
}

/// The manifest, or the skip every manifest-based check gives without one.
/// (Boxed: an `Outcome` is large and this is the rare path.)
fn manifest(env: &Env) -> Result<(&AuditFiles, &Manifest), Early> {
    let files = files(env)?;
    match &files.manifest {
        Some(m) => Ok((files, m)),
        None => Err(Early::from(
            Outcome::skip(format!(
                "no kube-apiserver static pod manifest at {}: run on a master node, or pass --root with a copy of one",
                files.manifest_path.display()
            ))
            .evidence(json!({"manifest": files.manifest_path}))
            .needing("a run on a control-plane node, or --root with a copy of one"),
        )),
    }
}

/// `kube-apiserver.yaml:12`, for messages.
fn at(files: &AuditFiles, line: Option<usize>) -> String {
    let name = files.manifest_path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    match line {
        Some(line) => format!("{name}:{line}"),
        None => name,
    }
}

/// One place the Kubernetes version is known from.
struct VersionSource {
    version: KubeVersion,
    source: &'static str,
    detail: String,
}

/// Every version that is known, in the order of trust: `/version`, the other control-plane
/// components' images, the kube-apiserver image tag, `--k8s-version`.
fn version_sources(env: &Env) -> Vec<VersionSource> {
    let ctx = &env.ctx;
    let mut out = Vec::new();
    if let Some(text) = env.server_version()
        && let Ok(version) = text.parse()
    {
        out.push(VersionSource { version, source: "API server /version", detail: text.to_string() });
    }
    // The other components' images before the API server's own tag: a pasted image line must
    // not outweigh the rest of the control plane.
    if let Some((version, components)) =
        ctx.audit_files.as_ref().and_then(|f| image::components_version(&f.control_plane))
    {
        let detail = components.iter().map(|c| c.image.as_str()).collect::<Vec<_>>().join(", ");
        out.push(VersionSource { version, source: "control-plane static pods' images", detail });
    }
    if let Some(image) = ctx.audit_files.as_ref().and_then(|f| f.manifest.as_ref()).and_then(|m| m.image.as_ref())
        && let Some(version) = version::from_image(image)
    {
        out.push(VersionSource { version, source: "kube-apiserver image tag", detail: image.clone() });
    }
    if let Some(version) = ctx.k8s_version {
        out.push(VersionSource { version, source: "--k8s-version", detail: version.to_string() });
    }
    out
}

fn sources_evidence(sources: &[VersionSource]) -> Value {
    sources.iter().map(|s| json!({"version": s.version.to_string(), "source": s.source, "detail": s.detail})).collect()
}

fn k8s_version(env: &Env) -> Checked {
    let sources = version_sources(env);
    let unparsed = env.server_version().filter(|t| t.parse::<KubeVersion>().is_err());
    let evidence = json!({
        "version": sources.first().map(|s| s.version.to_string()),
        "source": sources.first().map(|s| s.source),
        "sources": sources_evidence(&sources),
        "unparsed_server_version": unparsed,
        "minimum": AUDIT_MINIMUM.to_string(),
    });
    let Some(chosen) = sources.first() else {
        let server = match unparsed {
            Some(text) => format!("/version said {text:?}, which is not a version"),
            None => "/version was not reached".to_string(),
        };
        return Ok(Outcome::skip(format!(
            "the Kubernetes version is unknown: {server}, the manifest's image tag has no version, and no --k8s-version was given"
        ))
        .evidence(evidence)
        .needing("--k8s-version V, or a reachable API server")
        .fix("pass --k8s-version V (`kubectl version` shows the server version)"));
    };
    let others: Vec<String> = sources
        .iter()
        .skip(1)
        .filter(|s| (s.version.major, s.version.minor) != (chosen.version.major, chosen.version.minor))
        .map(|s| format!("{} says {}", s.source, s.version))
        .collect();
    let disagree = if others.is_empty() { String::new() } else { format!(" (but {})", others.join(", ")) };
    let from = format!("from the {} {}", chosen.source, chosen.detail);
    if chosen.version.at_least(AUDIT_MINIMUM) {
        Ok(Outcome::pass(format!("Kubernetes {} {from}: {AUDIT_MINIMUM} or later{disagree}", chosen.version))
            .evidence(evidence))
    } else {
        Ok(Outcome::fail(format!(
            "Kubernetes {} {from}: audit-log threat detection needs {AUDIT_MINIMUM} or later{disagree}",
            chosen.version
        ))
        .evidence(evidence)
        .fix(format!(
            "upgrade the cluster to Kubernetes {AUDIT_MINIMUM} or later before turning on audit-log threat detection"
        )))
    }
}

fn policy_fix(files: &AuditFiles, sources: &[VersionSource]) -> String {
    let newest = sources.iter().map(|s| s.version).max();
    let flag = newest.map(|v| format!(" --k8s-version {}.{}", v.major, v.minor)).unwrap_or_default();
    format!("write a correct policy: k8sjoin-check audit-policy{flag} > {}", files.policy.host_path)
}

fn policy_file(env: &Env) -> Checked {
    let files = files(env)?;
    let sources = version_sources(env);
    let where_ = format!("{} ({})", files.policy.host_path, files.policy.how);
    let mut evidence = json!({
        "path": files.policy.path,
        "host_path": files.policy.host_path,
        "how": files.policy.how,
        "versions": sources_evidence(&sources),
    });
    let policy = match &files.policy_file {
        PolicyFile::Missing => {
            return Ok(Outcome::fail(format!(
                "no audit policy at {where_}: kube-apiserver with --audit-policy-file pointing at a missing file does not start"
            ))
            .evidence(evidence)
            .fix(policy_fix(files, &sources)));
        }
        PolicyFile::NotAFile => {
            return Ok(Outcome::fail(format!(
                "{where_} is a directory: a hostPath mount created it because the file did not exist; kube-apiserver cannot read a policy from it"
            ))
            .evidence(evidence)
            .fix(format!("rmdir {} and write the policy file in its place", files.policy.host_path))
            .fix(policy_fix(files, &sources))
            .fix("give the policy's hostPath volume `type: File` so that a missing file stops the pod instead of turning into a directory"));
        }
        PolicyFile::Empty => {
            return Ok(Outcome::fail(format!(
                "{where_} is empty: a hostPath volume of type FileOrCreate creates an empty file when the policy is missing, and kube-apiserver refuses an empty policy"
            ))
            .evidence(evidence)
            .fix(policy_fix(files, &sources)));
        }
        PolicyFile::Parsed(policy) => policy,
    };
    let path = files.policy.host_path.as_str();
    let mut findings = Findings::default();
    if policy.kind.as_deref() != Some("Policy") {
        let kind = policy.kind.as_deref().map_or_else(|| "missing".to_string(), |k| format!("{k:?}"));
        findings.add(Status::Fail, format!("{path}: kind is {kind}, expected Policy"));
        findings.fix(policy_fix(files, &sources));
    }
    let mut judged = Vec::new();
    match &policy.api_version {
        None => {
            findings.add(Status::Fail, format!("{path}: no apiVersion (expected {AUDIT_V1})"));
            findings.fix(policy_fix(files, &sources));
        }
        Some(api_version) => {
            let line = policy.api_version_line.map(|l| format!(":{l}")).unwrap_or_default();
            let fix = format!("{path}{line}: change to `apiVersion: {AUDIT_V1}`");
            for s in &sources {
                let support = version::policy_support(api_version, s.version);
                judged.push(
                    json!({"version": s.version.to_string(), "source": s.source, "support": format!("{support:?}")}),
                );
                match support {
                    Support::Current => {}
                    Support::Retiring { removed_in } => findings.add(
                        Status::Warn,
                        format!(
                            "{path}: apiVersion {api_version} works on {} ({}) but is deprecated since {} and refused from {removed_in} on: after an upgrade kube-apiserver would not start",
                            s.version,
                            s.source,
                            version::BETA_DEPRECATED
                        ),
                    ),
                    Support::Removed { removed_in } => findings.add(
                        Status::Fail,
                        format!(
                            "{path}: apiVersion {api_version} was removed in {removed_in}; kube-apiserver {} ({}) refuses to start with this policy (\"no kind Policy is registered for version {api_version}\")",
                            s.version, s.source
                        ),
                    ),
                    Support::TooNew { since } => findings.add(
                        Status::Fail,
                        format!("{path}: apiVersion {api_version} exists only since {since}; kube-apiserver {} ({}) refuses it", s.version, s.source),
                    ),
                    Support::Unknown => findings.add(
                        Status::Fail,
                        format!("{path}: apiVersion {api_version:?} is not an audit policy version kube-apiserver knows (expected {AUDIT_V1})"),
                    ),
                }
                if support != Support::Current {
                    findings.fix(fix.clone());
                }
            }
            if sources.is_empty() && api_version != AUDIT_V1 {
                let support = version::policy_support(api_version, KubeVersion::new(1, 16));
                let status = if support.refused() { Status::Fail } else { Status::Warn };
                findings.add(
                    status,
                    format!("{path}: apiVersion {api_version} is refused by kube-apiserver {} and later, and the cluster's version is unknown", version::BETA_REMOVED),
                );
                findings.fix(fix);
                findings.fix("pass --k8s-version V so the apiVersion can be judged");
            }
        }
    }
    let invalid = policy.invalid();
    for problem in &invalid {
        let line = problem.line.map(|l| format!(":{l}")).unwrap_or_default();
        findings.add(
            Status::Fail,
            format!("{path}{line}: {} (kube-apiserver refuses the policy and does not start)", problem.what),
        );
    }
    if !invalid.is_empty() {
        findings.fix(policy_fix(files, &sources));
    }
    evidence["api_version"] = json!(policy.api_version);
    evidence["kind"] = json!(policy.kind);
    evidence["rules"] = json!(policy.rules.len());
    evidence["judged"] = json!(judged);
    evidence["invalid"] = invalid.iter().map(|i| json!({"line": i.line, "what": i.what})).collect();
    let mut versions: Vec<String> = Vec::new();
    for v in sources.iter().map(|s| s.version.to_string()) {
        if !versions.contains(&v) {
            versions.push(v);
        }
    }
    let ok = if versions.is_empty() {
        format!(
            "{path}: kind Policy, {AUDIT_V1} (accepted by every Kubernetes version since {}), {} rules",
            version::V1_SINCE,
            policy.rules.len()
        )
    } else {
        format!(
            "{path}: kind Policy, {} accepted by Kubernetes {}, {} rules",
            policy.api_version.as_deref().unwrap_or_default(),
            versions.join(" and "),
            policy.rules.len()
        )
    };
    Ok(findings.outcome(ok, evidence))
}

const SENSITIVE_RULE: &str = "- level: Metadata\n  resources:\n  - group: \"\"\n    resources: [\"secrets\", \"configmaps\"]\n  - group: authentication.k8s.io\n    resources: [\"tokenreviews\"]";

fn policy_content(env: &Env) -> Checked {
    let files = files(env)?;
    let PolicyFile::Parsed(policy) = &files.policy_file else {
        return Ok(Outcome::skip(format!("no policy to read at {}: see audit.policy-file", files.policy.host_path)));
    };
    if policy.kind.as_deref() != Some("Policy") || policy.rules.is_empty() {
        return Ok(Outcome::skip(format!(
            "{} is not a policy kube-apiserver loads (no kind: Policy, or no rules): see audit.policy-file",
            files.policy.host_path
        )));
    }
    let path = files.policy.host_path.as_str();
    let mut findings = Findings::default();
    let leaks = policy.leaks();
    // One message per rule: a rule usually reaches all three resources at once.
    let mut by_rule: BTreeMap<usize, (usize, Level, Vec<String>, String)> = BTreeMap::new();
    for leak in &leaks {
        by_rule
            .entry(leak.rule)
            .or_insert((leak.line, leak.level, Vec::new(), leak.example.to_string()))
            .2
            .push(leak.resource.to_string());
    }
    for (rule, (line, level, resources, example)) in &by_rule {
        findings.add(
            Status::Fail,
            format!(
                "{path}:{line}: rule {rule} logs {} at {level} (for example {example}): request/response bodies with secret values and tokens go into the audit log",
                resources.join(", ")
            ),
        );
    }
    if let Some(first) = leaks.iter().map(|l| l.rule).min() {
        findings.fix(format!("insert before rule {first}:\n{SENSITIVE_RULE}"));
    }
    let summary = policy.summary();
    let twice = &summary.logged_twice;
    if let Some(t) = &twice {
        findings.add(
            Status::Warn,
            format!(
                "{path}:{}: omitStages lacks RequestReceived for rule {} (neither the rule nor the policy omits it): the requests it logs at {}, for example {}, are written twice",
                t.rule.line, t.rule.number, t.rule.level, t.example
            ),
        );
        findings.fix("add at the top level: omitStages: [\"RequestReceived\"]");
    }
    let catch_all = policy.catch_all();
    let unmatched = &summary.unmatched;
    match (catch_all, &unmatched) {
        (None, Some(example)) => {
            findings.add(
                Status::Warn,
                format!(
                    "{path}: no catch-all rule: requests no rule matches are not logged at all (for example {example})"
                ),
            );
            findings.fix("end the rules with `- level: Metadata`");
        }
        (Some(rule), _) if rule.number < policy.rules.len() => {
            findings.add(
                Status::Warn,
                format!(
                    "{path}:{}: rule {} matches every request, so the {} rules after it never apply",
                    rule.line,
                    rule.number,
                    policy.rules.len() - rule.number
                ),
            );
            findings.fix(format!("move rule {} to the end", rule.number));
        }
        _ => {}
    }
    if summary.logs_nothing {
        findings.add(Status::Warn, format!("{path}: every request ends at level None: the audit log stays empty"));
        findings.fix("end the rules with `- level: Metadata`");
    }
    let evidence = json!({
        "path": files.policy.path,
        "omit_stages": policy.omit_stages,
        "leaks": leaks.iter().map(|l| json!({"resource": l.resource.to_string(), "rule": l.rule, "line": l.line, "level": l.level.to_string(), "example": l.example.to_string()})).collect::<Vec<_>>(),
        "logged_twice": twice.as_ref().map(|t| json!({"rule": t.rule.number, "line": t.rule.line, "example": t.example.to_string()})),
        "unmatched_example": unmatched.as_ref().map(ToString::to_string),
        "catch_all": catch_all.map(|r| json!({"rule": r.number, "line": r.line, "level": r.level})),
        "rules": policy.rules.len(),
    });
    let sensitive: Vec<String> = SENSITIVE.iter().map(ToString::to_string).collect();
    let rest = match catch_all {
        Some(r) => format!("rule {} catches the rest at {}", r.number, r.level().unwrap_or(Level::None)),
        None => "every request matches a rule".to_string(),
    };
    let ok = format!(
        "no request is logged twice (RequestReceived omitted); {} never above Metadata; {rest}",
        sensitive.join(", ")
    );
    Ok(findings.outcome(ok, evidence))
}

fn flags_evidence(flags: &[Flag], prefix: &str) -> Value {
    flags.iter().filter(|f| f.name.starts_with(prefix)).map(|f| json!({"flag": f.text(), "line": f.line})).collect()
}

fn apiserver_flags(env: &Env) -> Checked {
    let (files, m) = manifest(env)?;
    let mut findings = Findings::default();
    let add_flag = |findings: &mut Findings, flag: String| {
        findings.fix(format!("add to the kube-apiserver command in {}: - {flag}", files.manifest_path.display()))
    };
    match m.flag("audit-log-path") {
        None => {
            findings.add(Status::Fail, "--audit-log-path is missing: kube-apiserver writes no audit log");
            add_flag(&mut findings, "--audit-log-path=/var/log/kubernetes/kubernetes.audit".into());
        }
        Some(f) if matches!(f.value.as_deref(), None | Some("" | "-")) => {
            findings.add(
                Status::Fail,
                format!(
                    "{}: {} writes the audit log to standard output, not to a file the collector can read",
                    at(files, f.line),
                    f.text()
                ),
            );
            findings.fix(format!("{}: use --audit-log-path=/var/log/kubernetes/kubernetes.audit", at(files, f.line)));
        }
        Some(_) => {}
    }
    if m.flag("audit-policy-file").and_then(|f| f.value.as_deref()).is_none_or(str::is_empty) {
        findings.add(Status::Fail, "--audit-policy-file is missing: without a policy kube-apiserver logs no events");
        add_flag(&mut findings, "--audit-policy-file=/etc/kubernetes/audit-policy.yaml".into());
    }
    for (name, vendor) in ROTATION {
        let Some(f) = m.flag(name) else {
            findings.add(Status::Fail, format!("--{name} is missing (the vendor's value is {vendor})"));
            add_flag(&mut findings, format!("--{name}={vendor}"));
            continue;
        };
        let here = at(files, f.line);
        match rotation(name, f.value.as_deref().unwrap_or_default(), vendor) {
            Rotation::Enough | Rotation::NoLimit => {}
            Rotation::Below => {
                findings.add(
                    Status::Warn,
                    format!(
                        "{here}: {} is below the vendor's {vendor}: logs may rotate away before they are collected",
                        f.text()
                    ),
                );
                findings.fix(format!("{here}: --{name}={vendor}"));
            }
            Rotation::NeverRotates => {
                findings.add(
                    Status::Warn,
                    format!("{here}: {}: the log never rotates and grows until the disk is full", f.text()),
                );
                findings.fix(format!("{here}: --{name}={vendor}"));
            }
            Rotation::Refused => {
                findings.add(
                    Status::Fail,
                    format!("{here}: {} is not a whole number of at least 0: kube-apiserver does not start", f.text()),
                );
                findings.fix(format!("{here}: --{name}={vendor}"));
            }
        }
    }
    if let Some(f) = m.flag("audit-log-format").filter(|f| f.value.as_deref() != Some("json")) {
        findings.add(
            Status::Fail,
            format!("{}: {}: the collector reads JSON lines (_jsonfile=true)", at(files, f.line), f.text()),
        );
        findings.fix(format!("{}: remove it or use --audit-log-format=json", at(files, f.line)));
    }
    if let Some(f) = m.flag("audit-log-version").filter(|f| f.value.as_deref() != Some(AUDIT_V1)) {
        findings
            .add(Status::Fail, format!("{}: {}: the collector expects {AUDIT_V1} events", at(files, f.line), f.text()));
        findings.fix(format!("{}: remove it or use --audit-log-version={AUDIT_V1}", at(files, f.line)));
    }
    let evidence = json!({"manifest": files.manifest_path, "flags": flags_evidence(&m.flags, "audit-")});
    let value = |name: &str| m.flag(name).and_then(|f| f.value.clone()).unwrap_or_default();
    let limit = |name: &str| {
        let v = value(name);
        if v == "0" { "0 (no limit)".to_string() } else { v }
    };
    let ok = format!(
        "--audit-log-path={} --audit-policy-file={} maxage={} maxbackup={} maxsize={}",
        value("audit-log-path"),
        value("audit-policy-file"),
        limit("audit-log-maxage"),
        limit("audit-log-maxbackup"),
        value("audit-log-maxsize")
    );
    Ok(findings.outcome(ok, evidence))
}

/// The directory a file is in (`/var/log/kubernetes` for `/var/log/kubernetes/kubernetes.audit`).
fn parent_dir(path: &str) -> String {
    let path = crate::manifest::normalize(path);
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((dir, _)) => dir.to_string(),
    }
}

fn mapping_evidence(container_path: &str, mapping: &Mapping<'_>) -> Value {
    match mapping {
        Mapping::HostPath { mount, volume, host } => json!({
            "container_path": container_path, "mount": mount.name, "mount_path": mount.mount_path,
            "read_only": mount.read_only, "volume_line": volume.line, "host_path": host,
            "host_path_type": volume.host_path.as_ref().and_then(|h| h.kind.clone()),
        }),
        Mapping::NotHostPath { mount, volume } => json!({
            "container_path": container_path, "mount": mount.name, "mount_path": mount.mount_path,
            "volume": volume.map(|v| v.name.clone()), "host_path": null,
        }),
        Mapping::Unmounted => json!({"container_path": container_path, "mount": null, "host_path": null}),
    }
}

/// Whether `mapping` reaches the host; records why not. (A mount whose volume does not exist is
/// reported once, by the name check.)
fn reaches_host(
    files: &AuditFiles,
    m: &Manifest,
    container_path: &str,
    mapping: &Mapping<'_>,
    consequence: &str,
    findings: &mut Findings,
    fix: &str,
) -> bool {
    match mapping {
        Mapping::HostPath { .. } => return true,
        Mapping::NotHostPath { volume: None, .. } => findings.fix(fix.to_string()),
        Mapping::NotHostPath { mount, volume: Some(v) } => {
            findings.add(
                Status::Fail,
                format!(
                    "{}: volume {:?} behind {} is not a hostPath: {consequence}",
                    at(files, Some(v.line)),
                    v.name,
                    mount.mount_path
                ),
            );
            findings.fix(fix.to_string());
        }
        Mapping::Unmounted => match misplaced_mount(m, container_path) {
            // The usual slip: the host directory is mounted, at another path than the flag names.
            Some(mount) => {
                findings.add(
                    Status::Fail,
                    format!(
                        "{}: volumeMount {:?} mounts the host's {container_path} at {}, but the flag names {container_path}: {consequence}",
                        at(files, Some(mount.line)),
                        mount.name,
                        mount.mount_path
                    ),
                );
                findings.fix(format!("{}: set mountPath: {container_path}", at(files, Some(mount.line))));
            }
            None => {
                findings.add(Status::Fail, format!("no volumeMount covers {container_path}: {consequence}"));
                findings.fix(fix.to_string());
            }
        },
    }
    false
}

/// A mount whose hostPath volume is `path` on the host, mounted somewhere else in the container.
fn misplaced_mount<'a>(m: &'a Manifest, path: &str) -> Option<&'a VolumeMount> {
    let path = crate::manifest::normalize(path);
    m.mounts.iter().find(|mount| {
        m.volume(&mount.name)
            .and_then(|v| v.host_path.as_ref())
            .is_some_and(|h| crate::manifest::normalize(&h.path) == path)
    })
}

fn apiserver_mounts(env: &Env) -> Checked {
    let (files, m) = manifest(env)?;
    let log_path = m.flag("audit-log-path").and_then(|f| f.value.clone()).filter(|p| !p.is_empty() && p != "-");
    let policy_path = m.flag("audit-policy-file").and_then(|f| f.value.clone()).filter(|p| !p.is_empty());
    if log_path.is_none() && policy_path.is_none() {
        return Ok(Outcome::skip(
            "the manifest names neither an audit log file nor a policy file: see audit.apiserver-flags",
        ));
    }
    let mut findings = Findings::default();
    let mut evidence = json!({"manifest": files.manifest_path});
    for mount in &m.mounts {
        if m.volume(&mount.name).is_none() {
            findings.add(
                Status::Fail,
                format!(
                    "{}: volumeMount {:?} names no volume: the kubelet refuses the pod",
                    at(files, Some(mount.line)),
                    mount.name
                ),
            );
            findings
                .fix(format!("add a volume named {:?} under spec.volumes, or fix the volumeMount's name", mount.name));
        }
    }
    let mut seen: BTreeMap<String, &VolumeMount> = BTreeMap::new();
    for mount in &m.mounts {
        if let Some(first) = seen.insert(crate::manifest::normalize(&mount.mount_path), mount) {
            findings.add(
                Status::Fail,
                format!(
                    "{}: mountPath {} is used twice (also line {}): the kubelet refuses the pod",
                    at(files, Some(mount.line)),
                    mount.mount_path,
                    first.line
                ),
            );
            findings.fix(format!("remove one of the two volumeMounts at {}", mount.mount_path));
        }
    }
    let mut ok = Vec::new();
    let file_mounted = matches!(log_location(m), LogLocation::OnHost { file_mount: true, .. });
    if let (Some(log_path), true) = (&log_path, file_mounted) {
        // GCE's way: the file itself is a hostPath (FileOrCreate). The log is on the host, but
        // kube-apiserver rotates by renaming the file, which a mount point refuses.
        let mapping = m.host_location(log_path);
        evidence["log"] = mapping_evidence(log_path, &mapping);
        if let Mapping::HostPath { mount, host, .. } = &mapping {
            if mount.read_only {
                findings.add(
                    Status::Fail,
                    format!(
                        "{}: volumeMount {:?} for the log file is readOnly: kube-apiserver cannot write {log_path}",
                        at(files, Some(mount.line)),
                        mount.name
                    ),
                );
                findings.fix(format!(
                    "{}: remove readOnly from volumeMount {:?}",
                    at(files, Some(mount.line)),
                    mount.name
                ));
            } else {
                ok.push(format!("log file {log_path} → host {host} (the file itself is mounted)"));
            }
            let rotates = m
                .flag("audit-log-maxsize")
                .and_then(|f| f.value.as_deref())
                .is_some_and(|v| rotation("audit-log-maxsize", v, 1) == Rotation::Enough);
            if rotates {
                findings.add(
                    Status::Warn,
                    format!(
                        "{}: volumeMount {:?} mounts the log file itself: when --audit-log-maxsize is reached kube-apiserver renames the file to rotate it, and a rename of a mount point fails",
                        at(files, Some(mount.line)),
                        mount.name
                    ),
                );
                findings.fix(format!(
                    "mount the log's directory ({}) instead, or rotate the file on the host (logrotate with copytruncate, as GCE does) with --audit-log-maxsize=0",
                    parent_dir(log_path)
                ));
            }
        }
    } else if let Some(log_path) = &log_path {
        let dir = parent_dir(log_path);
        let mapping = m.host_location(&dir);
        evidence["log"] = mapping_evidence(&dir, &mapping);
        let fix = format!(
            "mount the log directory from the host: volumeMounts: - {{name: k8s-audit, mountPath: {dir}}}; volumes: - {{name: k8s-audit, hostPath: {{path: {dir}, type: DirectoryOrCreate}}}}"
        );
        let consequence = "kube-apiserver writes the audit log inside its container, where the collector never sees it and a restart loses it";
        if reaches_host(files, m, &dir, &mapping, consequence, &mut findings, &fix)
            && let Mapping::HostPath { mount, host, .. } = &mapping
        {
            if mount.read_only {
                findings.add(
                    Status::Fail,
                    format!("{}: volumeMount {:?} for the log directory is readOnly: kube-apiserver cannot write {log_path}", at(files, Some(mount.line)), mount.name),
                );
                findings.fix(format!(
                    "{}: remove readOnly from volumeMount {:?}",
                    at(files, Some(mount.line)),
                    mount.name
                ));
            } else {
                ok.push(format!("log dir {dir} → host {host}"));
            }
        }
    }
    if let Some(policy_path) = &policy_path {
        let mapping = m.host_location(policy_path);
        evidence["policy"] = mapping_evidence(policy_path, &mapping);
        let fix = format!(
            "mount the policy from the host: volumeMounts: - {{name: audit-policy, mountPath: {policy_path}, readOnly: true}}; volumes: - {{name: audit-policy, hostPath: {{path: {policy_path}, type: FileOrCreate}}}}"
        );
        let consequence = "kube-apiserver does not find the policy file in its container and does not start";
        if reaches_host(files, m, policy_path, &mapping, consequence, &mut findings, &fix)
            && let Mapping::HostPath { mount, volume, host } = &mapping
        {
            let is_file_mount =
                crate::manifest::normalize(&mount.mount_path) == crate::manifest::normalize(policy_path);
            let kind = volume.host_path.as_ref().and_then(|h| h.kind.as_deref());
            if is_file_mount && matches!(kind, Some("Directory" | "DirectoryOrCreate")) {
                findings.add(
                    Status::Fail,
                    format!("{}: volume {:?} for the policy file has type {}: the kubelet refuses to start the pod on a file", at(files, Some(volume.line)), volume.name, kind.unwrap_or_default()),
                );
                findings.fix(format!(
                    "{}: use type: FileOrCreate (or File) for volume {:?}",
                    at(files, Some(volume.line)),
                    volume.name
                ));
            }
            if mount.read_only {
                ok.push(format!("policy {policy_path} ← host {host}, readOnly"));
            } else {
                findings.add(
                    Status::Fail,
                    format!("{}: volumeMount {:?} for the policy is writable: anything that takes over kube-apiserver can rewrite what is audited", at(files, Some(mount.line)), mount.name),
                );
                findings.fix(format!(
                    "{}: add readOnly: true to volumeMount {:?}",
                    at(files, Some(mount.line)),
                    mount.name
                ));
            }
        }
    }
    Ok(findings.outcome(ok.join("; "), evidence))
}

const COLLECTOR_PREFIX: &str = "aliyun_logs_audit-";

/// The Logtail settings that follow the cluster id in an env var name.
const COLLECTOR_SUFFIXES: [&str; 8] =
    ["_tags", "_product", "_jsonfile", "_project", "_logstore", "_shard", "_ttl", "_machinegroup"];

/// `(cluster id, suffix)` of a collector env var name: `aliyun_logs_audit-c1_tags` → `("c1", "_tags")`.
fn collector_key(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix(COLLECTOR_PREFIX)?;
    Some(COLLECTOR_SUFFIXES.iter().find_map(|s| rest.strip_suffix(s).map(|id| (id, *s))).unwrap_or((rest, "")))
}

fn is_placeholder(id: &str) -> bool {
    id.is_empty() || id.contains(['{', '}', '$', '<', '>']) || id.eq_ignore_ascii_case("cluster_id")
}

fn collector_env(env: &Env) -> Checked {
    let (files, m) = manifest(env)?;
    let vars: Vec<_> =
        m.env.iter().filter_map(|e| collector_key(&e.name).map(|(id, suffix)| (id, suffix, e))).collect();
    let evidence = json!({
        "container": m.container,
        "vars": vars.iter().map(|(_, _, e)| json!({"name": e.name, "value": match &e.value {
            EnvValue::Text(t) | EnvValue::NotText(t) => Some(t.clone()),
            EnvValue::From | EnvValue::Absent => None,
        }, "line": e.line})).collect::<Vec<_>>(),
        "cluster_id": env.ctx.cluster_id,
    });
    let id_hint = env.ctx.cluster_id.clone().unwrap_or_else(|| "<cluster_id>".into());
    let log_path = m.flag("audit-log-path").and_then(|f| f.value.clone()).filter(|p| !p.is_empty() && p != "-");
    let expected: [(&str, String); 4] = [
        ("", log_path.clone().unwrap_or_else(|| "/var/log/kubernetes/kubernetes.audit".into())),
        ("_tags", "audit=apiserver".into()),
        ("_product", "k8s-audit".into()),
        ("_jsonfile", "true".into()),
    ];
    if vars.is_empty() {
        return Ok(Outcome::fail(format!(
            "the {} container has no {COLLECTOR_PREFIX}<cluster_id> env vars: Logtail does not collect the audit log",
            m.container
        ))
        .evidence(evidence)
        .fixes(expected.iter().map(|(suffix, value)| {
            format!("add to the container's env: - name: {COLLECTOR_PREFIX}{id_hint}{suffix}\n  value: \"{value}\"")
        })));
    }
    let mut findings = Findings::default();
    let mut ids: Vec<&str> = vars.iter().map(|(id, _, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let fix_names = format!(
        "{}: replace the id in every {COLLECTOR_PREFIX}… name with {id_hint}",
        at(files, vars.first().map(|(_, _, e)| e.line))
    );
    let placeholders: Vec<&str> = ids.iter().copied().filter(|id| is_placeholder(id)).collect();
    if !placeholders.is_empty() {
        let lines: Vec<String> =
            vars.iter().filter(|(id, _, _)| is_placeholder(id)).map(|(_, _, e)| e.line.to_string()).collect();
        findings.add(
            Status::Fail,
            format!(
                "{}: the env var names still hold the placeholder {} instead of the cluster id",
                at(files, None) + ":" + &lines.join(","),
                placeholders.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(", ")
            ),
        );
        findings.fix(fix_names.clone());
    }
    let real: Vec<&str> = ids.iter().copied().filter(|id| !is_placeholder(id)).collect();
    match &env.ctx.cluster_id {
        Some(given) => {
            for id in real.iter().filter(|id| *id != given) {
                findings.add(Status::Fail, format!("the env vars name cluster {id}, but --cluster-id is {given}: the logs would go to another cluster's logstore"));
                findings.fix(fix_names.clone());
            }
        }
        None => {
            if real.len() > 1 {
                findings.add(
                    Status::Fail,
                    format!(
                        "the env vars name several cluster ids ({}): Logtail reads each name as its own config",
                        real.join(", ")
                    ),
                );
                findings.fix(fix_names.clone());
            }
        }
    }
    let id = real.first().copied().or(ids.first().copied()).unwrap_or_default();
    for (suffix, want) in &expected {
        let name = format!("{COLLECTOR_PREFIX}{id}{suffix}");
        let found = vars.iter().rev().find(|(vid, s, _)| *vid == id && s == suffix).map(|(_, _, e)| *e);
        let set = format!("- name: {name}\n  value: \"{want}\"");
        match found.map(|e| (&e.value, e.line)) {
            None => {
                findings.add(Status::Fail, format!("{name} is missing"));
                findings.fix(format!("add to the container's env: {set}"));
            }
            Some((EnvValue::Text(v), _)) if v == want => {}
            Some((EnvValue::Text(v), line)) => {
                let what = if suffix.is_empty() && log_path.is_some() { " (the --audit-log-path value)" } else { "" };
                findings
                    .add(Status::Fail, format!("{}: {name} is {v:?}, expected {want:?}{what}", at(files, Some(line))));
                findings.fix(format!("{}: {set}", at(files, Some(line))));
            }
            Some((EnvValue::NotText(v), line)) => {
                findings.add(
                    Status::Fail,
                    format!("{}: {name} has the unquoted value {v}: env values must be strings, so the kubelet rejects the pod", at(files, Some(line))),
                );
                findings.fix(format!("{}: quote it: value: \"{v}\"", at(files, Some(line))));
            }
            Some((EnvValue::From, line)) => {
                findings.add(
                    Status::Warn,
                    format!(
                        "{}: {name} is set by valueFrom; its value cannot be verified from the manifest",
                        at(files, Some(line))
                    ),
                );
                findings.fix(format!("{}: {set}", at(files, Some(line))));
            }
            Some((EnvValue::Absent, line)) => {
                findings.add(Status::Fail, format!("{}: {name} has no value", at(files, Some(line))));
                findings.fix(format!("{}: {set}", at(files, Some(line))));
            }
        }
    }
    if log_path.is_none() {
        findings.add(
            Status::Warn,
            format!("{COLLECTOR_PREFIX}{id} cannot be compared with --audit-log-path, which the manifest does not set"),
        );
    }
    if env.ctx.cluster_id.is_none() && !real.is_empty() {
        findings.add(Status::Warn, format!("cluster id {id} not compared with the console's (no --cluster-id given)"));
        findings.fix(format!("rerun with --cluster-id ID (Security Center → 容器资产 → 集群) to compare it with {id}"));
    }
    Ok(findings.outcome(
        format!("{COLLECTOR_PREFIX}{id}, _tags, _product and _jsonfile are set as the vendor requires"),
        evidence,
    ))
}

fn apiserver_running(env: &Env) -> Checked {
    let (files, m) = manifest(env)?;
    let proc_dir = env.ctx.root.join("/proc");
    let (processes, differences) = match process::compare(&env.ctx.root, &m.flags) {
        Ok(Running::Running { processes, differences }) => (processes, differences),
        Ok(Running::NotRunning) => {
            return Ok(Outcome::skip(format!("no kube-apiserver process runs (looked in {})", proc_dir.display())));
        }
        Ok(Running::NoProcessTable) => {
            return Ok(Outcome::skip(format!(
                "cannot list processes in {}: No such file or directory (os error 2)",
                proc_dir.display()
            )));
        }
        Err(e) => return Ok(Outcome::skip(format!("cannot list processes: {e}"))),
    };
    let wanted = audit_flags(&m.flags);
    let show = |name: &str, v: &Option<String>| match v {
        Some(v) => format!("--{name}={v}"),
        None => format!("--{name}"),
    };
    let differences: Vec<String> = differences
        .iter()
        .map(|d| match (&d.running, &d.manifest) {
            (None, Some(want)) => format!("pid {} lacks {}", d.pid, show(&d.flag, want)),
            (Some(run), Some(want)) => {
                format!("pid {} runs {} but the manifest says {}", d.pid, show(&d.flag, run), show(&d.flag, want))
            }
            (Some(run), None) => format!("pid {} runs {}, which the manifest no longer has", d.pid, show(&d.flag, run)),
            (None, None) => String::new(),
        })
        .collect();
    let evidence = json!({
        "manifest": files.manifest_path,
        "processes": processes.iter().map(|p| json!({"pid": p.pid, "program": p.program, "audit_flags": audit_flags(&p.flags)})).collect::<Vec<_>>(),
        "manifest_audit_flags": wanted,
        "differences": differences,
    });
    let pids: Vec<String> = processes.iter().map(|p| p.pid.to_string()).collect();
    if differences.is_empty() {
        return Ok(Outcome::pass(format!(
            "kube-apiserver (pid {}) runs with the manifest's {} audit flags",
            pids.join(", "),
            wanted.len()
        ))
        .evidence(evidence));
    }
    Ok(Outcome::warn(format!(
        "the running kube-apiserver has not picked up the manifest's audit flags: {}",
        differences.join("; ")
    ))
    .evidence(evidence)
    .fix("the kubelet restarts a static pod when its manifest changes: wait a minute and check again")
    .fix("if it does not come back: `crictl ps -a --name kube-apiserver` then `crictl logs <id>` (or `docker ps -a` / `docker logs`) show why it does not start"))
}

/// The log must have been written this recently.
const LOG_FRESH: Duration = Duration::from_secs(600);
/// This many of the last lines must parse as events.
const LOG_LINES: usize = 10;

fn log_written(env: &Env) -> Checked {
    let (_, m) = manifest(env)?;
    let (log_path, host) = match log_location(m) {
        LogLocation::NoFlag | LogLocation::Stdout(_) => {
            return Ok(Outcome::skip("the manifest names no audit log file: see audit.apiserver-flags"));
        }
        LogLocation::InContainer { container_path } => {
            return Ok(Outcome::skip(format!(
                "the directory of {container_path} is not on a hostPath volume, so the log is not on the host: see audit.apiserver-mounts"
            )));
        }
        LogLocation::OnHost { container_path, host_path, .. } => (container_path, host_path),
    };
    // Before the restart the log cannot exist yet: that is the expected state of an edited master.
    if let Ok(running) = process::compare(&env.ctx.root, &m.flags)
        && running.restart_pending()
    {
        return Ok(Outcome::skip(
            "kube-apiserver has not been restarted with the manifest's audit flags yet (see audit.apiserver-running), so it writes no audit log: check again after the restart",
        )
        .evidence(json!({"container_path": log_path, "host_path": host})));
    }
    let path = env.ctx.root.join(&host);
    let mut evidence = json!({"container_path": log_path, "host_path": host, "path": path});
    let tail = match read_tail(&env.ctx.root, &host, LOG_LINES) {
        Ok(Found::File(tail)) => tail,
        Ok(Found::Directory) => {
            return Ok(Outcome::skip(format!("cannot read {}: is a directory", path.display())).evidence(evidence));
        }
        Ok(Found::Missing) => {
            return Ok(Outcome::fail(format!("no audit log at {host}: kube-apiserver has not written one (not restarted with the audit flags yet, or it does not start)"))
                .evidence(evidence)
                .fix("make the other audit checks pass, then let the kubelet restart kube-apiserver (it does when the manifest changes)"));
        }
        Err(e) => return Ok(Outcome::skip(format!("cannot read the audit log: {e}")).evidence(evidence)),
    };
    let age = SystemTime::now().duration_since(tail.modified).unwrap_or_default();
    evidence["size"] = json!(tail.size);
    evidence["age_seconds"] = json!(age.as_secs());
    evidence["lines_checked"] = json!(tail.lines.len());
    if age > LOG_FRESH {
        return Ok(Outcome::fail(format!(
            "{host} was last written {} minutes ago: a running kube-apiserver writes audit events every few seconds (a copied node's log is always old)",
            age.as_secs() / 60
        ))
        .evidence(evidence)
        .fix("check that kube-apiserver runs with the audit flags (audit.apiserver-running) and that the log mount is writable"));
    }
    if tail.lines.is_empty() {
        return Ok(Outcome::fail(format!("{host} holds no complete event"))
            .evidence(evidence)
            .fix("check the policy: it may log nothing (audit.policy-content)"));
    }
    let count = tail.lines.len();
    let mut last = None;
    for (i, line) in tail.lines.iter().enumerate() {
        match parse_event(line) {
            Ok(event) => last = Some(event),
            Err(why) => {
                // Where, not what: the line may hold a request's URI or body.
                evidence["bad_line"] = json!({"index": i + 1, "bytes": line.len()});
                return Ok(Outcome::fail(format!("{host}: line {} of the last {count} is not an {AUDIT_V1} event: {why}", i + 1))
                    .evidence(evidence)
                    .fix(format!("kube-apiserver must write JSON events: remove --audit-log-format=legacy and any --audit-log-version other than {AUDIT_V1}")));
            }
        }
    }
    if let Some(event) = &last {
        // The URI without its query: a token in a query string must not reach the report.
        let path = event.request_uri.split(['?', '#']).next().unwrap_or_default();
        evidence["last_event"] = json!({
            "auditID": crate::error::sanitize::excerpt(&event.audit_id),
            "stage": crate::error::sanitize::excerpt(&event.stage),
            "level": crate::error::sanitize::excerpt(&event.level),
            "verb": crate::error::sanitize::excerpt(&event.verb),
            "requestURI": crate::error::sanitize::excerpt(path),
        });
    }
    Ok(Outcome::pass(format!(
        "{host} was written {}s ago; its last {count} lines are {AUDIT_V1} events",
        age.as_secs()
    ))
    .evidence(evidence))
}

fn apiserver_image(env: &Env) -> Checked {
    let (files, m) = manifest(env)?;
    let Some(image) = &m.image else { return Ok(Outcome::skip("the kube-apiserver container names no image")) };
    let apiserver = ComponentImage {
        component: "kube-apiserver".into(),
        file: crate::audit::MANIFEST_PATH.into(),
        image: image.clone(),
        line: m.image_line,
        version: version::from_image(image),
    };
    let region = env.ctx.region.as_ref().map(|r| r.id.as_str());
    let addresses = env.addresses();
    let vpc = env
        .ctx
        .network_decision(addresses.as_ref().map(|r| r.addresses.as_slice()))
        .network
        .map(|n| n == NetworkType::Vpc);
    let verdict = image::judge(apiserver, &files.control_plane, region, vpc);
    let here = at(files, m.image_line);
    let mut findings = Findings::default();
    let mine = verdict.apiserver.version.map(|v| v.to_string()).unwrap_or_default();
    let theirs = |o: &ComponentImage| {
        let line = o.line.map(|l| format!(":{l}")).unwrap_or_default();
        format!("{}'s {} ({}{line})", o.component, o.version.map(|v| v.to_string()).unwrap_or_default(), o.file)
    };
    // The other component's image with the API server's name: the image this manifest should keep.
    let suggested = |o: &ComponentImage| o.image.replace(&o.component, "kube-apiserver");
    let mut compared = String::new();
    match &verdict.skew {
        Skew::Same => compared = "the same minor version as the other control-plane static pods".into(),
        Skew::OneMinor { other, apiserver_newer } => {
            let why = if *apiserver_newer {
                "allowed by the version skew policy during an upgrade, but the control plane should be upgraded together"
            } else {
                "the API server must never be older than the controller manager or scheduler"
            };
            findings.add(
                Status::Warn,
                format!("{here}: the image is Kubernetes {mine}, one minor version from {}: {why}", theirs(other)),
            );
            findings.fix(format!("{here}: image: {}", suggested(other)));
        }
        Skew::Far { other, minors } => {
            findings.add(
                Status::Fail,
                format!(
                    "{here}: the image {} is Kubernetes {mine}, {minors} minor versions from {}: when the kubelet restarts kube-apiserver it runs that version (a pasted image line — the vendor's sample carries v1.20.4)",
                    verdict.apiserver.image,
                    theirs(other)
                ),
            );
            findings.fix(format!(
                "{here}: image: {} (keep the image the manifest had; add only the audit settings)",
                suggested(other)
            ));
        }
        Skew::Unknown(why) => compared = format!("not compared: {why}"),
    }
    match &verdict.registry {
        Registry::Anywhere => {}
        Registry::Vpc { region: registry, reach } => {
            let what = format!("{here}: registry-vpc.{registry}.aliyuncs.com answers only inside {registry}'s VPC");
            match reach {
                Reach::Inside => {}
                Reach::OtherRegion(ours) => {
                    findings.add(Status::Fail, format!("{what}, and this cluster is in {ours}: the kubelet cannot pull the image, and kube-apiserver does not come back"));
                    findings.fix(format!("{here}: use the image the cluster's other components come from (or registry-vpc.{ours}.aliyuncs.com)"));
                }
                Reach::SameRegionNotVpc => {
                    findings.add(
                        Status::Warn,
                        format!("{what}: a node that is not an ECS instance in that VPC cannot pull the image"),
                    );
                    findings.fix(format!("{here}: use registry.{registry}.aliyuncs.com (public) unless every master is an ECS instance in {registry}'s VPC"));
                }
                Reach::UnknownRegion => {
                    findings.add(
                        Status::Warn,
                        format!("{what}; without --region the tool cannot tell whether this cluster is there"),
                    );
                    findings.fix("rerun with --region REGION");
                }
            }
        }
    }
    let evidence = json!({
        "image": verdict.apiserver.image,
        "line": verdict.apiserver.line,
        "version": verdict.apiserver.version.map(|v| v.to_string()),
        "control_plane": files.control_plane.components.iter().map(|c| json!({"component": c.component, "file": c.file, "line": c.line, "image": c.image, "version": c.version.map(|v| v.to_string())})).collect::<Vec<_>>(),
        "unreadable": files.control_plane.unreadable.iter().map(|(f, why)| json!({"file": f, "why": why})).collect::<Vec<_>>(),
        "skew": verdict.skew.as_str(),
        "registry": match &verdict.registry { Registry::Anywhere => None, Registry::Vpc { region, .. } => Some(region.clone()) },
    });
    if findings.is_empty() && matches!(verdict.skew, Skew::Unknown(_)) && verdict.registry == Registry::Anywhere {
        return Ok(Outcome::skip(format!("{}: {compared}", verdict.apiserver.image)).evidence(evidence));
    }
    Ok(findings.outcome(format!("{}: {compared}", verdict.apiserver.image), evidence))
}

fn pool_seen(env: &Env) -> Checked {
    let (_, m) = manifest(env)?;
    let LogLocation::OnHost { host_path, .. } = log_location(m) else {
        return Ok(Outcome::skip(
            "the audit log is not on the host: see audit.apiserver-flags and audit.apiserver-mounts",
        ));
    };
    let Some(region) = &env.ctx.region else {
        return Ok(Outcome::skip("no --region: the pool whose requests to look for is unknown"));
    };
    let pool: Vec<ipnet::IpNet> = region.pool(env.ctx.pool).iter().map(|e| e.entry).collect();
    let mut evidence = json!({"host_path": host_path, "region": region.id, "pool": pool});
    let seen = match pool_requests(&env.ctx.root, &host_path, &pool) {
        Ok(Found::File(seen)) => seen,
        Ok(Found::Missing) => {
            return Ok(
                Outcome::skip(format!("no audit log at {host_path} yet (see audit.log-written)")).evidence(evidence)
            );
        }
        Ok(Found::Directory) => return Ok(Outcome::skip(format!("{host_path} is a directory")).evidence(evidence)),
        Err(e) => return Ok(Outcome::skip(format!("cannot read the audit log: {e}")).evidence(evidence)),
    };
    evidence["events_read"] = json!(seen.scanned);
    evidence["bytes_read"] = json!(seen.bytes);
    evidence["from_pool"] = json!(seen.events);
    evidence["addresses"] = seen.addresses.iter().map(|(ip, n)| json!({"address": ip, "events": n})).collect();
    let scanned = if seen.bytes >= POOL_SCAN_BYTES {
        format!("the last {} MiB of {host_path}", POOL_SCAN_BYTES >> 20)
    } else {
        host_path.clone()
    };
    match &seen.last {
        None => Ok(Outcome::skip(format!(
            "none of the {} events in {scanned} came from {}'s pool yet: expected before the security center joins; after the join its requests appear here",
            seen.scanned,
            region.id
        ))
        .evidence(evidence)),
        Some((time, address)) => {
            evidence["last"] = json!({"time": time, "address": address});
            Ok(Outcome::pass(format!(
                "{} request{} from {}'s pool in {scanned}; the last at {time} from {address}",
                seen.events,
                if seen.events == 1 { "" } else { "s" },
                region.id
            ))
            .evidence(evidence))
        }
    }
}

fn collector_installed(env: &Env) -> Checked {
    let from_env = env
        .ctx
        .audit_files
        .as_ref()
        .and_then(|f| f.manifest.as_ref())
        .and_then(|m| m.env.iter().find_map(|e| collector_key(&e.name).map(|(id, _)| id.to_string())))
        .filter(|id| !is_placeholder(id));
    let id = env.ctx.cluster_id.clone().or(from_env);
    let logstore = id.as_ref().map_or_else(|| "audit-<cluster_id>".to_string(), |id| format!("audit-{id}"));
    Ok(Outcome::manual(format!(
        "confirm that Logtail runs on every master and that the Log Service logstore {logstore} receives entries tagged audit=apiserver"
    ))
    .evidence(json!({
        "logstore": logstore,
        "tag": "audit=apiserver",
        "cluster_id": id,
        "where": ["kube-system DaemonSet logtail-ds (loongcollector-ds in newer installs)", "Log Service console → the project created when Logtail was installed → logstore", "Security Center → 容器资产 → 集群 → 自建集群接入 → 编辑 → 开启日志"],
    }))
    .fix("install Logtail as the vendor's 安装Logtail组件 (自建Kubernetes集群) procedure says; `kubectl -n kube-system get daemonset logtail-ds` shows it")
    .fix(format!("Log Service console: open the project, then the logstore {logstore}, and look for recent entries"))
    .fix(format!("Security Center console → 容器资产 → 集群 → 自建集群接入 → 编辑 → 开启日志: enter the audit log region, project and logstore {logstore}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collector_keys_split_id_and_setting() {
        assert_eq!(collector_key("aliyun_logs_audit-c0ffee"), Some(("c0ffee", "")));
        assert_eq!(collector_key("aliyun_logs_audit-c0ffee_jsonfile"), Some(("c0ffee", "_jsonfile")));
        assert_eq!(collector_key("aliyun_logs_audit-${cluster_id}_tags"), Some(("${cluster_id}", "_tags")));
        assert_eq!(collector_key("aliyun_logs_other"), None);
        assert!(is_placeholder("${cluster_id}") && is_placeholder("{cluster_id}") && is_placeholder("<cluster_id>"));
        assert!(is_placeholder("cluster_id") && !is_placeholder("c0ffee"));
    }

    #[test]
    fn parent_directories() {
        assert_eq!(parent_dir("/var/log/kubernetes/kubernetes.audit"), "/var/log/kubernetes");
        assert_eq!(parent_dir("/audit.log"), "/");
        assert_eq!(parent_dir("audit.log"), "/");
    }
}
