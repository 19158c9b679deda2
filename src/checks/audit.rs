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
use crate::checks::words::{Findings, values};
use crate::context::Context;
use crate::context::NetworkType;
use crate::error::InputError;
use crate::hostfs::Found;
use crate::i18n::{Sep, Text};
use crate::manifest::{EnvValue, Flag, Manifest, Mapping, VolumeMount};
use crate::t;

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
    env.ctx.audit_files.as_ref().ok_or_else(|| Early::from(Outcome::skip(t!("audit-not-read"))))
}

/// The manifest, or the skip every manifest-based check gives without one.
/// (Boxed: an `Outcome` is large and this is the rare path.)
fn manifest(env: &Env) -> Result<(&AuditFiles, &Manifest), Early> {
    let files = files(env)?;
    match &files.manifest {
        Some(m) => Ok((files, m)),
        None => Err(Early::from(
            Outcome::skip(t!("audit-no-manifest", path = files.manifest_path.display().to_string()))
                .evidence(json!({"manifest": files.manifest_path}))
                .needing(t!("audit-needs-manifest")),
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

/// An input error as a message part, its `FILE:LINE` verbatim and what it says in the run's
/// language (in English what its `Display` says).
fn input_error(e: &InputError) -> Text {
    let place = match e.line {
        Some(line) => format!("{}:{line}", e.file),
        None => e.file.clone(),
    };
    Text::join([Text::verbatim(place), e.what.clone()], Sep::Colon)
}

/// A name or value as the messages quote it: `"k8s-audit"`.
fn q(s: &str) -> String {
    format!("{s:?}")
}

/// `a and b and c` in the run's language.
fn and_list(items: &[String]) -> Text {
    let mut items = items.iter();
    let first = items.next().map_or_else(|| Text::verbatim(""), Text::verbatim);
    items.fold(first, |left, right| t!("audit-and", left = left, right = right))
}

/// Where a Kubernetes version is known from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Server,
    Components,
    Image,
    Flag,
}

impl Source {
    /// The word the evidence gives.
    fn as_str(self) -> &'static str {
        match self {
            Source::Server => "API server /version",
            Source::Components => "control-plane static pods' images",
            Source::Image => "kube-apiserver image tag",
            Source::Flag => "--k8s-version",
        }
    }

    fn text(self) -> Text {
        match self {
            Source::Server => t!("audit-source-server"),
            Source::Components => t!("audit-source-components"),
            Source::Image => t!("audit-source-image"),
            Source::Flag => Text::verbatim("--k8s-version"),
        }
    }
}

/// One place the Kubernetes version is known from.
struct VersionSource {
    version: KubeVersion,
    source: Source,
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
        out.push(VersionSource { version, source: Source::Server, detail: text.to_string() });
    }
    // The other components' images before the API server's own tag: a pasted image line must
    // not outweigh the rest of the control plane.
    if let Some((version, components)) =
        ctx.audit_files.as_ref().and_then(|f| image::components_version(&f.control_plane))
    {
        let detail = components.iter().map(|c| c.image.as_str()).collect::<Vec<_>>().join(", ");
        out.push(VersionSource { version, source: Source::Components, detail });
    }
    if let Some(image) = ctx.audit_files.as_ref().and_then(|f| f.manifest.as_ref()).and_then(|m| m.image.as_ref())
        && let Some(version) = version::from_image(image)
    {
        out.push(VersionSource { version, source: Source::Image, detail: image.clone() });
    }
    if let Some(version) = ctx.k8s_version {
        out.push(VersionSource { version, source: Source::Flag, detail: version.to_string() });
    }
    out
}

fn sources_evidence(sources: &[VersionSource]) -> Value {
    sources
        .iter()
        .map(|s| json!({"version": s.version.to_string(), "source": s.source.as_str(), "detail": s.detail}))
        .collect()
}

fn k8s_version(env: &Env) -> Checked {
    let sources = version_sources(env);
    let unparsed = env.server_version().filter(|t| t.parse::<KubeVersion>().is_err());
    let evidence = json!({
        "version": sources.first().map(|s| s.version.to_string()),
        "source": sources.first().map(|s| s.source.as_str()),
        "sources": sources_evidence(&sources),
        "unparsed_server_version": unparsed,
        "minimum": AUDIT_MINIMUM.to_string(),
    });
    let Some(chosen) = sources.first() else {
        let server = match unparsed {
            Some(text) => t!("audit-version-unparsed", text = q(text)),
            None => t!("audit-version-unreached"),
        };
        return Ok(Outcome::skip(t!("audit-version-unknown", server = server))
            .evidence(evidence)
            .needing(t!("audit-needs-version"))
            .fix(t!("audit-fix-pass-version")));
    };
    let others: Vec<Text> = sources
        .iter()
        .skip(1)
        .filter(|s| (s.version.major, s.version.minor) != (chosen.version.major, chosen.version.minor))
        .map(|s| t!("audit-version-says", source = s.source.text(), version = s.version.to_string()))
        .collect();
    let disagree = if others.is_empty() {
        Text::verbatim("")
    } else {
        t!("audit-version-disagree", others = Text::join(others, Sep::Comma))
    };
    let (version, source, detail) = (chosen.version.to_string(), chosen.source.text(), chosen.detail.as_str());
    let minimum = AUDIT_MINIMUM.to_string();
    if chosen.version.at_least(AUDIT_MINIMUM) {
        Ok(Outcome::pass(t!(
            "audit-version-ok",
            version = version,
            source = source,
            detail = detail,
            minimum = minimum,
            disagree = disagree
        ))
        .evidence(evidence))
    } else {
        Ok(Outcome::fail(t!(
            "audit-version-too-old",
            version = version,
            source = source,
            detail = detail,
            minimum = minimum.as_str(),
            disagree = disagree
        ))
        .evidence(evidence)
        .fix(t!("audit-fix-upgrade", minimum = minimum)))
    }
}

fn policy_fix(files: &AuditFiles, sources: &[VersionSource]) -> Text {
    let newest = sources.iter().map(|s| s.version).max();
    let flag = newest.map(|v| format!(" --k8s-version {}.{}", v.major, v.minor)).unwrap_or_default();
    t!("audit-fix-write-policy", command = format!("k8sjoin-check audit-policy{flag} > {}", files.policy.host_path))
}

fn policy_file(env: &Env) -> Checked {
    let files = files(env)?;
    let sources = version_sources(env);
    let where_ = t!("audit-policy-where", path = &files.policy.host_path, how = files.policy.how.text());
    let mut evidence = json!({
        "path": files.policy.path,
        "host_path": files.policy.host_path,
        "how": files.policy.how.to_string(),
        "versions": sources_evidence(&sources),
    });
    let policy = match &files.policy_file {
        PolicyFile::Missing => {
            return Ok(Outcome::fail(t!("audit-policy-missing", place = where_))
                .evidence(evidence)
                .fix(policy_fix(files, &sources)));
        }
        PolicyFile::NotAFile => {
            return Ok(Outcome::fail(t!("audit-policy-directory", place = where_))
                .evidence(evidence)
                .fix(t!("audit-fix-rmdir", command = format!("rmdir {}", files.policy.host_path)))
                .fix(policy_fix(files, &sources))
                .fix(t!("audit-fix-type-file")));
        }
        PolicyFile::Empty => {
            return Ok(Outcome::fail(t!("audit-policy-empty", place = where_))
                .evidence(evidence)
                .fix(policy_fix(files, &sources)));
        }
        PolicyFile::Parsed(policy) => policy,
    };
    let path = files.policy.host_path.as_str();
    let mut findings = Findings::default();
    if policy.kind.as_deref() != Some("Policy") {
        let kind = policy.kind.as_deref().map_or_else(|| t!("audit-policy-kind-missing"), |k| Text::verbatim(q(k)));
        findings.add(Status::Fail, t!("audit-policy-kind", path = path, kind = kind));
        findings.fix(policy_fix(files, &sources));
    }
    let mut judged = Vec::new();
    match &policy.api_version {
        None => {
            findings.add(Status::Fail, t!("audit-policy-no-api-version", path = path, expected = AUDIT_V1));
            findings.fix(policy_fix(files, &sources));
        }
        Some(api_version) => {
            let line = policy.api_version_line.map(|l| format!(":{l}")).unwrap_or_default();
            let fix = t!("audit-fix-api-version", place = format!("{path}{line}"), expected = AUDIT_V1);
            for s in &sources {
                let support = version::policy_support(api_version, s.version);
                judged.push(
                    json!({"version": s.version.to_string(), "source": s.source.as_str(), "support": format!("{support:?}")}),
                );
                let (version, source) = (s.version.to_string(), s.source.text());
                match support {
                    Support::Current => {}
                    Support::Retiring { removed_in } => findings.add(
                        Status::Warn,
                        t!(
                            "audit-policy-retiring",
                            path = path,
                            api_version = api_version,
                            version = version,
                            source = source,
                            deprecated = version::BETA_DEPRECATED.to_string(),
                            removed = removed_in.to_string()
                        ),
                    ),
                    Support::Removed { removed_in } => findings.add(
                        Status::Fail,
                        t!(
                            "audit-policy-removed",
                            path = path,
                            api_version = api_version,
                            removed = removed_in.to_string(),
                            version = version,
                            source = source
                        ),
                    ),
                    Support::TooNew { since } => findings.add(
                        Status::Fail,
                        t!(
                            "audit-policy-too-new",
                            path = path,
                            api_version = api_version,
                            since = since.to_string(),
                            version = version,
                            source = source
                        ),
                    ),
                    Support::Unknown => findings.add(
                        Status::Fail,
                        t!("audit-policy-unknown-api", path = path, api_version = q(api_version), expected = AUDIT_V1),
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
                    t!(
                        "audit-policy-refused-later",
                        path = path,
                        api_version = api_version,
                        removed = version::BETA_REMOVED.to_string()
                    ),
                );
                findings.fix(fix);
                findings.fix(t!("audit-fix-version-to-judge"));
            }
        }
    }
    let invalid = policy.invalid();
    for problem in &invalid {
        let line = problem.line.map(|l| format!(":{l}")).unwrap_or_default();
        findings.add(Status::Fail, t!("audit-policy-invalid", place = format!("{path}{line}"), what = problem.text()));
    }
    if !invalid.is_empty() {
        findings.fix(policy_fix(files, &sources));
    }
    evidence["api_version"] = json!(policy.api_version);
    evidence["kind"] = json!(policy.kind);
    evidence["rules"] = json!(policy.rules.len());
    evidence["judged"] = json!(judged);
    evidence["invalid"] = invalid.iter().map(|i| json!({"line": i.line, "what": i.to_string()})).collect();
    let mut versions: Vec<String> = Vec::new();
    for v in sources.iter().map(|s| s.version.to_string()) {
        if !versions.contains(&v) {
            versions.push(v);
        }
    }
    let ok = if versions.is_empty() {
        t!(
            "audit-policy-ok-any",
            path = path,
            api_version = AUDIT_V1,
            since = version::V1_SINCE.to_string(),
            rules = policy.rules.len()
        )
    } else {
        t!(
            "audit-policy-ok",
            path = path,
            api_version = policy.api_version.as_deref().unwrap_or_default(),
            versions = and_list(&versions),
            rules = policy.rules.len()
        )
    };
    Ok(findings.outcome(ok, evidence))
}

const SENSITIVE_RULE: &str = "- level: Metadata\n  resources:\n  - group: \"\"\n    resources: [\"secrets\", \"configmaps\"]\n  - group: authentication.k8s.io\n    resources: [\"tokenreviews\"]";

fn policy_content(env: &Env) -> Checked {
    let files = files(env)?;
    let PolicyFile::Parsed(policy) = &files.policy_file else {
        return Ok(Outcome::skip(t!("audit-content-no-policy", path = &files.policy.host_path)));
    };
    if policy.kind.as_deref() != Some("Policy") || policy.rules.is_empty() {
        return Ok(Outcome::skip(t!("audit-content-not-loadable", path = &files.policy.host_path)));
    }
    let path = files.policy.host_path.as_str();
    let mut findings = Findings::default();
    let leaks = policy.leaks();
    // One message per rule: a rule usually reaches all three resources at once.
    let mut by_rule: BTreeMap<usize, (usize, Level, Vec<String>, Text)> = BTreeMap::new();
    for leak in &leaks {
        by_rule
            .entry(leak.rule)
            .or_insert((leak.line, leak.level, Vec::new(), leak.example.text()))
            .2
            .push(leak.resource.to_string());
    }
    for (rule, (line, level, resources, example)) in &by_rule {
        findings.add(
            Status::Fail,
            t!(
                "audit-content-leak",
                place = format!("{path}:{line}"),
                rule = rule.to_string(),
                resources = values(resources),
                level = level.to_string(),
                example = example
            ),
        );
    }
    if let Some(first) = leaks.iter().map(|l| l.rule).min() {
        findings.fix(t!("audit-fix-insert-rule", rule = first.to_string(), yaml = format!("\n{SENSITIVE_RULE}")));
    }
    let summary = policy.summary();
    let twice = &summary.logged_twice;
    if let Some(t) = &twice {
        findings.add(
            Status::Warn,
            t!(
                "audit-content-twice",
                place = format!("{path}:{}", t.rule.line),
                rule = t.rule.number.to_string(),
                level = &t.rule.level,
                example = t.example.text()
            ),
        );
        findings.fix(t!("audit-fix-omit-stages", yaml = "omitStages: [\"RequestReceived\"]"));
    }
    let catch_all = policy.catch_all();
    let unmatched = &summary.unmatched;
    match (catch_all, &unmatched) {
        (None, Some(example)) => {
            findings.add(Status::Warn, t!("audit-content-no-catch-all", path = path, example = example.text()));
            findings.fix(t!("audit-fix-end-metadata"));
        }
        (Some(rule), _) if rule.number < policy.rules.len() => {
            findings.add(
                Status::Warn,
                t!(
                    "audit-content-early-catch-all",
                    place = format!("{path}:{}", rule.line),
                    rule = rule.number.to_string(),
                    after = policy.rules.len() - rule.number
                ),
            );
            findings.fix(t!("audit-fix-move-rule", rule = rule.number.to_string()));
        }
        _ => {}
    }
    if summary.logs_nothing {
        findings.add(Status::Warn, t!("audit-content-logs-nothing", path = path));
        findings.fix(t!("audit-fix-end-metadata"));
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
        Some(r) => {
            t!("audit-content-rest", rule = r.number.to_string(), level = r.level().unwrap_or(Level::None).to_string())
        }
        None => t!("audit-content-all-matched"),
    };
    Ok(findings.outcome(t!("audit-content-ok", sensitive = values(&sensitive), rest = rest), evidence))
}

fn flags_evidence(flags: &[Flag], prefix: &str) -> Value {
    flags.iter().filter(|f| f.name.starts_with(prefix)).map(|f| json!({"flag": f.text(), "line": f.line})).collect()
}

fn apiserver_flags(env: &Env) -> Checked {
    let (files, m) = manifest(env)?;
    let mut findings = Findings::default();
    let manifest_path = files.manifest_path.display().to_string();
    let add_flag = |findings: &mut Findings, flag: String| {
        findings.fix(t!("audit-fix-add-flag", manifest = &manifest_path, flag = flag));
    };
    match m.flag("audit-log-path") {
        None => {
            findings.add(Status::Fail, t!("audit-flags-no-log-path"));
            add_flag(&mut findings, "--audit-log-path=/var/log/kubernetes/kubernetes.audit".into());
        }
        Some(f) if matches!(f.value.as_deref(), None | Some("" | "-")) => {
            findings.add(Status::Fail, t!("audit-flags-stdout", place = at(files, f.line), flag = f.text()));
            findings.fix(t!(
                "audit-fix-use-flag",
                place = at(files, f.line),
                flag = "--audit-log-path=/var/log/kubernetes/kubernetes.audit"
            ));
        }
        Some(_) => {}
    }
    if m.flag("audit-policy-file").and_then(|f| f.value.as_deref()).is_none_or(str::is_empty) {
        findings.add(Status::Fail, t!("audit-flags-no-policy-file"));
        add_flag(&mut findings, "--audit-policy-file=/etc/kubernetes/audit-policy.yaml".into());
    }
    for (name, vendor) in ROTATION {
        let Some(f) = m.flag(name) else {
            findings.add(Status::Fail, t!("audit-flags-rotation-missing", flag = format!("--{name}"), vendor = vendor));
            add_flag(&mut findings, format!("--{name}={vendor}"));
            continue;
        };
        let here = at(files, f.line);
        let set = t!("audit-fix-set-flag", place = &here, flag = format!("--{name}={vendor}"));
        match rotation(name, f.value.as_deref().unwrap_or_default(), vendor) {
            Rotation::Enough | Rotation::NoLimit => {}
            Rotation::Below => {
                findings.add(Status::Warn, t!("audit-flags-below", place = &here, flag = f.text(), vendor = vendor));
                findings.fix(set);
            }
            Rotation::NeverRotates => {
                findings.add(Status::Warn, t!("audit-flags-never-rotates", place = &here, flag = f.text()));
                findings.fix(set);
            }
            Rotation::Refused => {
                findings.add(Status::Fail, t!("audit-flags-not-number", place = &here, flag = f.text()));
                findings.fix(set);
            }
        }
    }
    if let Some(f) = m.flag("audit-log-format").filter(|f| f.value.as_deref() != Some("json")) {
        findings.add(Status::Fail, t!("audit-flags-format", place = at(files, f.line), flag = f.text()));
        findings.fix(t!("audit-fix-remove-or-use", place = at(files, f.line), flag = "--audit-log-format=json"));
    }
    if let Some(f) = m.flag("audit-log-version").filter(|f| f.value.as_deref() != Some(AUDIT_V1)) {
        findings.add(
            Status::Fail,
            t!("audit-flags-version", place = at(files, f.line), flag = f.text(), expected = AUDIT_V1),
        );
        findings.fix(t!(
            "audit-fix-remove-or-use",
            place = at(files, f.line),
            flag = format!("--audit-log-version={AUDIT_V1}")
        ));
    }
    let evidence = json!({"manifest": files.manifest_path, "flags": flags_evidence(&m.flags, "audit-")});
    let value = |name: &str| m.flag(name).and_then(|f| f.value.clone()).unwrap_or_default();
    let limit = |name: &str| {
        let v = value(name);
        if v == "0" { t!("audit-flags-no-limit") } else { Text::verbatim(v) }
    };
    let ok = t!(
        "audit-flags-ok",
        log = value("audit-log-path"),
        policy = value("audit-policy-file"),
        maxage = limit("audit-log-maxage"),
        maxbackup = limit("audit-log-maxbackup"),
        maxsize = value("audit-log-maxsize")
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
    consequence: &Text,
    findings: &mut Findings,
    fix: &Text,
) -> bool {
    match mapping {
        Mapping::HostPath { .. } => return true,
        Mapping::NotHostPath { volume: None, .. } => findings.fix(fix.clone()),
        Mapping::NotHostPath { mount, volume: Some(v) } => {
            findings.add(
                Status::Fail,
                t!(
                    "audit-mounts-not-hostpath",
                    place = at(files, Some(v.line)),
                    volume = q(&v.name),
                    mount_path = &mount.mount_path,
                    consequence = consequence
                ),
            );
            findings.fix(fix.clone());
        }
        Mapping::Unmounted => match misplaced_mount(m, container_path) {
            // The usual slip: the host directory is mounted, at another path than the flag names.
            Some(mount) => {
                findings.add(
                    Status::Fail,
                    t!(
                        "audit-mounts-misplaced",
                        place = at(files, Some(mount.line)),
                        mount = q(&mount.name),
                        path = container_path,
                        mount_path = &mount.mount_path,
                        consequence = consequence
                    ),
                );
                findings.fix(t!("audit-fix-mount-path", place = at(files, Some(mount.line)), path = container_path));
            }
            None => {
                findings
                    .add(Status::Fail, t!("audit-mounts-uncovered", path = container_path, consequence = consequence));
                findings.fix(fix.clone());
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
        return Ok(Outcome::skip(t!("audit-mounts-nothing")));
    }
    let mut findings = Findings::default();
    let mut evidence = json!({"manifest": files.manifest_path});
    for mount in &m.mounts {
        if m.volume(&mount.name).is_none() {
            findings.add(
                Status::Fail,
                t!("audit-mounts-no-volume", place = at(files, Some(mount.line)), mount = q(&mount.name)),
            );
            findings.fix(t!("audit-fix-add-volume", mount = q(&mount.name)));
        }
    }
    let mut seen: BTreeMap<String, &VolumeMount> = BTreeMap::new();
    for mount in &m.mounts {
        if let Some(first) = seen.insert(crate::manifest::normalize(&mount.mount_path), mount) {
            findings.add(
                Status::Fail,
                t!(
                    "audit-mounts-twice",
                    place = at(files, Some(mount.line)),
                    mount_path = &mount.mount_path,
                    line = first.line.to_string()
                ),
            );
            findings.fix(t!("audit-fix-remove-mount", mount_path = &mount.mount_path));
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
            let place = at(files, Some(mount.line));
            if mount.read_only {
                findings.add(
                    Status::Fail,
                    t!("audit-mounts-log-file-read-only", place = &place, mount = q(&mount.name), path = log_path),
                );
                findings.fix(t!("audit-fix-remove-read-only", place = &place, mount = q(&mount.name)));
            } else {
                ok.push(t!("audit-mounts-ok-log-file", path = log_path, host = host));
            }
            let rotates = m
                .flag("audit-log-maxsize")
                .and_then(|f| f.value.as_deref())
                .is_some_and(|v| rotation("audit-log-maxsize", v, 1) == Rotation::Enough);
            if rotates {
                findings.add(Status::Warn, t!("audit-mounts-file-rotates", place = &place, mount = q(&mount.name)));
                findings.fix(t!("audit-fix-mount-dir-or-logrotate", dir = parent_dir(log_path)));
            }
        }
    } else if let Some(log_path) = &log_path {
        let dir = parent_dir(log_path);
        let mapping = m.host_location(&dir);
        evidence["log"] = mapping_evidence(&dir, &mapping);
        let fix = t!(
            "audit-fix-mount-log-dir",
            yaml = format!(
                "volumeMounts: - {{name: k8s-audit, mountPath: {dir}}}; volumes: - {{name: k8s-audit, hostPath: {{path: {dir}, type: DirectoryOrCreate}}}}"
            )
        );
        let consequence = t!("audit-mounts-log-inside");
        if reaches_host(files, m, &dir, &mapping, &consequence, &mut findings, &fix)
            && let Mapping::HostPath { mount, host, .. } = &mapping
        {
            let place = at(files, Some(mount.line));
            if mount.read_only {
                findings.add(
                    Status::Fail,
                    t!("audit-mounts-log-dir-read-only", place = &place, mount = q(&mount.name), path = log_path),
                );
                findings.fix(t!("audit-fix-remove-read-only", place = &place, mount = q(&mount.name)));
            } else {
                ok.push(t!("audit-mounts-ok-log-dir", dir = &dir, host = host));
            }
        }
    }
    if let Some(policy_path) = &policy_path {
        let mapping = m.host_location(policy_path);
        evidence["policy"] = mapping_evidence(policy_path, &mapping);
        let fix = t!(
            "audit-fix-mount-policy",
            yaml = format!(
                "volumeMounts: - {{name: audit-policy, mountPath: {policy_path}, readOnly: true}}; volumes: - {{name: audit-policy, hostPath: {{path: {policy_path}, type: FileOrCreate}}}}"
            )
        );
        let consequence = t!("audit-mounts-policy-inside");
        if reaches_host(files, m, policy_path, &mapping, &consequence, &mut findings, &fix)
            && let Mapping::HostPath { mount, volume, host } = &mapping
        {
            let is_file_mount =
                crate::manifest::normalize(&mount.mount_path) == crate::manifest::normalize(policy_path);
            let kind = volume.host_path.as_ref().and_then(|h| h.kind.as_deref());
            if is_file_mount && matches!(kind, Some("Directory" | "DirectoryOrCreate")) {
                let place = at(files, Some(volume.line));
                findings.add(
                    Status::Fail,
                    t!(
                        "audit-mounts-policy-dir-type",
                        place = &place,
                        volume = q(&volume.name),
                        kind = kind.unwrap_or_default()
                    ),
                );
                findings.fix(t!("audit-fix-policy-file-type", place = &place, volume = q(&volume.name)));
            }
            if mount.read_only {
                ok.push(t!("audit-mounts-ok-policy", path = policy_path, host = host));
            } else {
                let place = at(files, Some(mount.line));
                findings.add(Status::Fail, t!("audit-mounts-policy-writable", place = &place, mount = q(&mount.name)));
                findings.fix(t!("audit-fix-add-read-only", place = &place, mount = q(&mount.name)));
            }
        }
    }
    Ok(findings.outcome(Text::join(ok, Sep::Semicolon), evidence))
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
        return Ok(Outcome::fail(t!(
            "audit-env-none",
            container = &m.container,
            name = format!("{COLLECTOR_PREFIX}<cluster_id>")
        ))
        .evidence(evidence)
        .fixes(expected.iter().map(|(suffix, value)| {
            t!("audit-fix-add-env", yaml = format!("- name: {COLLECTOR_PREFIX}{id_hint}{suffix}\n  value: \"{value}\""))
        })));
    }
    let mut findings = Findings::default();
    let mut ids: Vec<&str> = vars.iter().map(|(id, _, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let fix_names = t!(
        "audit-fix-replace-id",
        place = at(files, vars.first().map(|(_, _, e)| e.line)),
        prefix = COLLECTOR_PREFIX,
        id = &id_hint
    );
    let placeholders: Vec<String> = ids.iter().copied().filter(|id| is_placeholder(id)).map(q).collect();
    if !placeholders.is_empty() {
        let lines: Vec<String> =
            vars.iter().filter(|(id, _, _)| is_placeholder(id)).map(|(_, _, e)| e.line.to_string()).collect();
        findings.add(
            Status::Fail,
            t!(
                "audit-env-placeholder",
                place = at(files, None) + ":" + &lines.join(","),
                placeholders = Text::verbatim(placeholders.join(", "))
            ),
        );
        findings.fix(fix_names.clone());
    }
    let real: Vec<&str> = ids.iter().copied().filter(|id| !is_placeholder(id)).collect();
    match &env.ctx.cluster_id {
        Some(given) => {
            for id in real.iter().filter(|id| *id != given) {
                findings.add(Status::Fail, t!("audit-env-other-cluster", id = *id, given = given));
                findings.fix(fix_names.clone());
            }
        }
        None => {
            if real.len() > 1 {
                findings.add(Status::Fail, t!("audit-env-several-ids", ids = Text::verbatim(real.join(", "))));
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
                findings.add(Status::Fail, t!("audit-env-missing", name = &name));
                findings.fix(t!("audit-fix-add-env", yaml = set));
            }
            Some((EnvValue::Text(v), _)) if v == want => {}
            Some((EnvValue::Text(v), line)) => {
                let what = if suffix.is_empty() && log_path.is_some() {
                    t!("audit-env-log-path-value")
                } else {
                    Text::verbatim("")
                };
                findings.add(
                    Status::Fail,
                    t!(
                        "audit-env-wrong",
                        place = at(files, Some(line)),
                        name = &name,
                        value = q(v),
                        expected = q(want),
                        what = what
                    ),
                );
                findings.fix(t!("audit-fix-set-env", place = at(files, Some(line)), yaml = set));
            }
            Some((EnvValue::NotText(v), line)) => {
                findings.add(
                    Status::Fail,
                    t!("audit-env-unquoted", place = at(files, Some(line)), name = &name, value = v),
                );
                findings.fix(t!("audit-fix-quote", place = at(files, Some(line)), yaml = format!("value: \"{v}\"")));
            }
            Some((EnvValue::From, line)) => {
                findings.add(Status::Warn, t!("audit-env-value-from", place = at(files, Some(line)), name = &name));
                findings.fix(t!("audit-fix-set-env", place = at(files, Some(line)), yaml = set));
            }
            Some((EnvValue::Absent, line)) => {
                findings.add(Status::Fail, t!("audit-env-no-value", place = at(files, Some(line)), name = &name));
                findings.fix(t!("audit-fix-set-env", place = at(files, Some(line)), yaml = set));
            }
        }
    }
    if log_path.is_none() {
        findings.add(Status::Warn, t!("audit-env-no-log-path", name = format!("{COLLECTOR_PREFIX}{id}")));
    }
    if env.ctx.cluster_id.is_none() && !real.is_empty() {
        findings.add(Status::Warn, t!("audit-env-id-not-compared", id = id));
        findings.fix(t!("audit-fix-cluster-id", id = id));
    }
    Ok(findings.outcome(t!("audit-env-ok", name = format!("{COLLECTOR_PREFIX}{id}")), evidence))
}

/// `--name=value`, or `--name` for a bare flag.
fn show_flag(name: &str, v: &Option<String>) -> String {
    match v {
        Some(v) => format!("--{name}={v}"),
        None => format!("--{name}"),
    }
}

fn apiserver_running(env: &Env) -> Checked {
    let (files, m) = manifest(env)?;
    let proc_dir = env.ctx.root.join("/proc").display().to_string();
    let (processes, differences) = match process::compare(&env.ctx.root, &m.flags) {
        Ok(Running::Running { processes, differences }) => (processes, differences),
        Ok(Running::NotRunning) => return Ok(Outcome::skip(t!("audit-running-none", dir = proc_dir))),
        Ok(Running::NoProcessTable) => return Ok(Outcome::skip(t!("audit-running-no-proc", dir = proc_dir))),
        Err(e) => return Ok(Outcome::skip(t!("audit-running-error", error = input_error(&e)))),
    };
    let wanted = audit_flags(&m.flags);
    let differences: Vec<Text> = differences
        .iter()
        .filter_map(|d| {
            let pid = d.pid.to_string();
            Some(match (&d.running, &d.manifest) {
                (None, Some(want)) => t!("audit-running-lacks", pid = pid, flag = show_flag(&d.flag, want)),
                (Some(run), Some(want)) => t!(
                    "audit-running-differs",
                    pid = pid,
                    running = show_flag(&d.flag, run),
                    manifest = show_flag(&d.flag, want)
                ),
                (Some(run), None) => t!("audit-running-extra", pid = pid, flag = show_flag(&d.flag, run)),
                (None, None) => return None,
            })
        })
        .collect();
    let evidence = json!({
        "manifest": files.manifest_path,
        "processes": processes.iter().map(|p| json!({"pid": p.pid, "program": p.program, "audit_flags": audit_flags(&p.flags)})).collect::<Vec<_>>(),
        "manifest_audit_flags": wanted,
        "differences": differences.iter().map(Text::en).collect::<Vec<_>>(),
    });
    let pids: Vec<String> = processes.iter().map(|p| p.pid.to_string()).collect();
    if differences.is_empty() {
        return Ok(Outcome::pass(t!("audit-running-ok", pids = values(&pids), flags = wanted.len())).evidence(evidence));
    }
    Ok(Outcome::warn(t!("audit-running-pending", differences = Text::join(differences, Sep::Semicolon)))
        .evidence(evidence)
        .fix(t!("audit-fix-wait-restart"))
        .fix(t!("audit-fix-crictl-logs")))
}

/// The log must have been written this recently.
const LOG_FRESH: Duration = Duration::from_secs(600);
/// This many of the last lines must parse as events.
const LOG_LINES: usize = 10;

fn log_written(env: &Env) -> Checked {
    let (_, m) = manifest(env)?;
    let (log_path, host) = match log_location(m) {
        LogLocation::NoFlag | LogLocation::Stdout(_) => return Ok(Outcome::skip(t!("audit-log-no-file"))),
        LogLocation::InContainer { container_path } => {
            return Ok(Outcome::skip(t!("audit-log-in-container", path = container_path)));
        }
        LogLocation::OnHost { container_path, host_path, .. } => (container_path, host_path),
    };
    // Before the restart the log cannot exist yet: that is the expected state of an edited master.
    if let Ok(running) = process::compare(&env.ctx.root, &m.flags)
        && running.restart_pending()
    {
        return Ok(Outcome::skip(t!("audit-log-restart-pending"))
            .evidence(json!({"container_path": log_path, "host_path": host})));
    }
    let path = env.ctx.root.join(&host);
    let mut evidence = json!({"container_path": log_path, "host_path": host, "path": path});
    let tail = match read_tail(&env.ctx.root, &host, LOG_LINES) {
        Ok(Found::File(tail)) => tail,
        Ok(Found::Directory) => {
            return Ok(Outcome::skip(t!("audit-log-directory", path = path.display().to_string())).evidence(evidence));
        }
        Ok(Found::Missing) => {
            return Ok(Outcome::fail(t!("audit-log-missing", path = &host))
                .evidence(evidence)
                .fix(t!("audit-fix-pass-then-restart")));
        }
        Err(e) => return Ok(Outcome::skip(t!("audit-log-unreadable", error = input_error(&e))).evidence(evidence)),
    };
    let age = SystemTime::now().duration_since(tail.modified).unwrap_or_default();
    evidence["size"] = json!(tail.size);
    evidence["age_seconds"] = json!(age.as_secs());
    evidence["lines_checked"] = json!(tail.lines.len());
    if age > LOG_FRESH {
        return Ok(Outcome::fail(t!("audit-log-old", path = &host, minutes = age.as_secs() / 60))
            .evidence(evidence)
            .fix(t!("audit-fix-check-running")));
    }
    if tail.lines.is_empty() {
        return Ok(Outcome::fail(t!("audit-log-no-event", path = &host))
            .evidence(evidence)
            .fix(t!("audit-fix-check-policy")));
    }
    let count = tail.lines.len();
    let mut last = None;
    for (i, line) in tail.lines.iter().enumerate() {
        match parse_event(line) {
            Ok(event) => last = Some(event),
            Err(why) => {
                // Where, not what: the line may hold a request's URI or body.
                evidence["bad_line"] = json!({"index": i + 1, "bytes": line.len()});
                return Ok(Outcome::fail(t!(
                    "audit-log-bad-line",
                    path = &host,
                    line = (i + 1).to_string(),
                    count = count,
                    expected = AUDIT_V1,
                    why = why.text()
                ))
                .evidence(evidence)
                .fix(t!("audit-fix-json-events", expected = AUDIT_V1)));
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
    Ok(Outcome::pass(t!(
        "audit-log-ok",
        path = &host,
        seconds = age.as_secs().to_string(),
        lines = count,
        expected = AUDIT_V1
    ))
    .evidence(evidence))
}

fn apiserver_image(env: &Env) -> Checked {
    let (files, m) = manifest(env)?;
    let Some(image) = &m.image else { return Ok(Outcome::skip(t!("audit-image-none"))) };
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
        t!(
            "audit-image-theirs",
            component = &o.component,
            version = o.version.map(|v| v.to_string()).unwrap_or_default(),
            place = format!("{}{line}", o.file)
        )
    };
    // The other component's image with the API server's name: the image this manifest should keep.
    let suggested = |o: &ComponentImage| o.image.replace(&o.component, "kube-apiserver");
    let mut compared = Text::verbatim("");
    match &verdict.skew {
        Skew::Same => compared = t!("audit-image-same"),
        Skew::OneMinor { other, apiserver_newer } => {
            let why = if *apiserver_newer { t!("audit-image-newer") } else { t!("audit-image-older") };
            findings.add(
                Status::Warn,
                t!("audit-image-one-minor", place = &here, version = &mine, other = theirs(other), why = why),
            );
            findings.fix(t!("audit-fix-image", place = &here, image = suggested(other)));
        }
        Skew::Far { other, minors } => {
            findings.add(
                Status::Fail,
                t!(
                    "audit-image-far",
                    place = &here,
                    image = &verdict.apiserver.image,
                    version = &mine,
                    minors = *minors,
                    other = theirs(other)
                ),
            );
            findings.fix(t!("audit-fix-image-keep", place = &here, image = suggested(other)));
        }
        Skew::Unknown(why) => compared = t!("audit-image-not-compared", why = why.text()),
    }
    match &verdict.registry {
        Registry::Anywhere => {}
        Registry::Vpc { region: registry, reach } => {
            let host = format!("registry-vpc.{registry}.aliyuncs.com");
            match reach {
                Reach::Inside => {}
                Reach::OtherRegion(ours) => {
                    findings.add(
                        Status::Fail,
                        t!(
                            "audit-image-vpc-other-region",
                            place = &here,
                            registry = &host,
                            region = registry,
                            ours = ours
                        ),
                    );
                    findings.fix(t!(
                        "audit-fix-image-other-registry",
                        place = &here,
                        registry = format!("registry-vpc.{ours}.aliyuncs.com")
                    ));
                }
                Reach::SameRegionNotVpc => {
                    findings.add(
                        Status::Warn,
                        t!("audit-image-vpc-not-vpc", place = &here, registry = &host, region = registry),
                    );
                    findings.fix(t!(
                        "audit-fix-image-public-registry",
                        place = &here,
                        registry = format!("registry.{registry}.aliyuncs.com"),
                        region = registry
                    ));
                }
                Reach::UnknownRegion => {
                    findings.add(
                        Status::Warn,
                        t!("audit-image-vpc-no-region", place = &here, registry = &host, region = registry),
                    );
                    findings.fix(t!("audit-fix-region"));
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
    let result = t!("audit-image-result", image = &verdict.apiserver.image, compared = compared);
    if findings.is_empty() && matches!(verdict.skew, Skew::Unknown(_)) && verdict.registry == Registry::Anywhere {
        return Ok(Outcome::skip(result).evidence(evidence));
    }
    Ok(findings.outcome(result, evidence))
}

fn pool_seen(env: &Env) -> Checked {
    let (_, m) = manifest(env)?;
    let LogLocation::OnHost { host_path, .. } = log_location(m) else {
        return Ok(Outcome::skip(t!("audit-pool-not-on-host")));
    };
    let Some(region) = &env.ctx.region else {
        return Ok(Outcome::skip(t!("audit-pool-no-region")));
    };
    let pool: Vec<ipnet::IpNet> = region.pool(env.ctx.pool).iter().map(|e| e.entry).collect();
    let mut evidence = json!({"host_path": host_path, "region": region.id, "pool": pool});
    let seen = match pool_requests(&env.ctx.root, &host_path, &pool) {
        Ok(Found::File(seen)) => seen,
        Ok(Found::Missing) => {
            return Ok(Outcome::skip(t!("audit-pool-no-log", path = &host_path)).evidence(evidence));
        }
        Ok(Found::Directory) => {
            return Ok(Outcome::skip(t!("audit-pool-directory", path = &host_path)).evidence(evidence));
        }
        Err(e) => return Ok(Outcome::skip(t!("audit-log-unreadable", error = input_error(&e))).evidence(evidence)),
    };
    evidence["events_read"] = json!(seen.scanned);
    evidence["bytes_read"] = json!(seen.bytes);
    evidence["from_pool"] = json!(seen.events);
    evidence["addresses"] = seen.addresses.iter().map(|(ip, n)| json!({"address": ip, "events": n})).collect();
    let scanned = if seen.bytes >= POOL_SCAN_BYTES {
        t!("audit-pool-last-mib", mib = (POOL_SCAN_BYTES >> 20).to_string(), path = &host_path)
    } else {
        Text::verbatim(&host_path)
    };
    match &seen.last {
        None => Ok(Outcome::skip(t!("audit-pool-none", events = seen.scanned, scanned = scanned, region = &region.id))
            .evidence(evidence)),
        Some((time, address)) => {
            evidence["last"] = json!({"time": time, "address": address});
            Ok(Outcome::pass(t!(
                "audit-pool-seen",
                requests = seen.events,
                region = &region.id,
                scanned = scanned,
                time = time,
                address = address.to_string()
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
    Ok(Outcome::manual(t!("audit-collector-confirm", logstore = &logstore))
        .evidence(json!({
            "logstore": logstore,
            "tag": "audit=apiserver",
            "cluster_id": id,
            "where": ["kube-system DaemonSet logtail-ds (loongcollector-ds in newer installs)", "Log Service console → the project created when Logtail was installed → logstore", "Security Center → 容器资产 → 集群 → 自建集群接入 → 编辑 → 开启日志"],
        }))
        .fix(t!("audit-fix-install-logtail"))
        .fix(t!("audit-fix-logstore-entries", logstore = &logstore))
        .fix(t!("audit-fix-console-log", logstore = &logstore)))
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
