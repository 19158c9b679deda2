//! kubectl's rules for finding the API server: which kubeconfig files, merged how, which context,
//! what kubectl refuses, and where it would connect. The specification is client-go 1.32
//! (`tools/clientcmd`: the loading rules, `ClientConfig`, `ConfirmUsable`; `rest`: the server URL;
//! `transport`: the TLS settings), with kubectl's own default of `http://localhost:8080` for a
//! cluster without a server.
//!
//! The result is a [`Resolution`], never an error: a kubeconfig that kubectl refuses is a finding
//! for `apiserver.endpoint` (with kubectl's reason, file and line), not a reason to stop the run.
//!
//! Credentials never reach a value that could be printed: the `users` section is read into
//! [`Secret`]s, which keep only whether a field is set (client-go's validation needs that much)
//! and drop the text. Messages never quote values from the file.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_saphyr::Spanned;

use crate::endpoint::{
    CaBundle, CaOrigin, Endpoint, EndpointFailure, EndpointSource, KubectlTarget, TlsSettings, go_url_parse,
    kubectl_target, probe_target, redact_url,
};
use crate::error::InputError;
use crate::hostfs::{self, Found, HostRoot, Kind, NodeType};
use crate::i18n::Text;
use crate::t;
use crate::yaml::{self, Doc, Scalar, Secret};

/// kubeadm's admin kubeconfig on a control-plane node, the tool's last resort.
pub const ADMIN_CONF: &str = "/etc/kubernetes/admin.conf";

/// kubectl's server for a cluster that names none (`clientcmd.ClusterDefaults`), unless
/// `$KUBERNETES_MASTER` says otherwise.
pub const KUBECTL_DEFAULT_SERVER: &str = "http://localhost:8080";

/// Where the kubeconfig came from, in kubectl's order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `--kubeconfig PATH`.
    Flag,
    /// `$KUBECONFIG`, a path list merged in order.
    Env,
    /// `~/.kube/config`.
    Home,
    /// `<root>/etc/kubernetes/admin.conf`, kubeadm's admin kubeconfig on a control-plane node.
    AdminConf,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Flag => "--kubeconfig",
            Via::Env => "$KUBECONFIG",
            Via::Home => "~/.kube/config",
            Via::AdminConf => "admin.conf",
        }
    }
}

/// What the search may look at: the flag, the environment and the host root.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub flag: Option<PathBuf>,
    /// The value of `$KUBECONFIG`, unparsed.
    pub env: Option<OsString>,
    pub home: Option<PathBuf>,
    /// `--root`, under which `etc/kubernetes/admin.conf` is looked for.
    pub root: HostRoot,
    /// `$KUBERNETES_MASTER`: kubectl's server for a cluster that names none.
    pub default_server: Option<String>,
}

impl Search {
    /// The search as this process sees it: `$KUBECONFIG`, `$HOME` and `$KUBERNETES_MASTER`.
    pub fn from_env(flag: Option<PathBuf>, root: HostRoot) -> Search {
        Search {
            flag,
            env: std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()),
            home: std::env::var_os("HOME").filter(|v| !v.is_empty()).map(PathBuf::from),
            root,
            default_server: std::env::var("KUBERNETES_MASTER").ok().filter(|v| !v.is_empty()),
        }
    }

    fn default_server(&self) -> String {
        self.default_server.clone().unwrap_or_else(|| KUBECTL_DEFAULT_SERVER.to_string())
    }
}

/// What kubectl makes of the kubeconfig.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// No kubeconfig file exists where kubectl (or the tool's admin.conf fallback) looks: what was
    /// looked at.
    NotFound { looked: Vec<Text> },
    /// kubectl refuses the configuration before it connects anywhere.
    Refused(Refusal),
    /// A file the search found is not one the tool reads (a FIFO, a device, past the size limit):
    /// kubectl would hang or exhaust memory on it; the tool stops with exit 2 naming it.
    Unreadable(InputError),
    /// The client settings kubectl would use.
    Client(Box<ClientSettings>),
}

/// kubectl's refusal, located in the file that causes it when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// kubectl's own words (verbatim), or the catalogue's for a file it cannot read.
    pub reason: Text,
    pub file: Option<String>,
    pub line: Option<usize>,
}

/// Where in client-go the refusal comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// `--kubeconfig` names nothing (`os.Stat`).
    Stat,
    /// A file cannot be read or decoded (`LoadFromFile`).
    Load,
    /// `--context` or current-context names a context no file defines.
    Context,
    /// `ConfirmUsable`: the user's or cluster's settings contradict each other or name files
    /// that do not open.
    Validation,
    /// The server is not a URL client-go can dial (`DefaultServerURL`).
    Url,
    /// The TLS transport: a CA with `insecure-skip-tls-verify`, a token file that does not open.
    Transport,
    /// The CA holds no certificate (`AppendCertsFromPEM`).
    CaPem,
}

impl RefusalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalKind::Stat => "stat",
            RefusalKind::Load => "load",
            RefusalKind::Context => "context",
            RefusalKind::Validation => "validation",
            RefusalKind::Url => "url",
            RefusalKind::Transport => "transport",
            RefusalKind::CaPem => "ca-pem",
        }
    }
}

impl Refusal {
    fn new(kind: RefusalKind, reason: impl Into<String>) -> Refusal {
        Refusal { kind, reason: Text::verbatim(reason), file: None, line: None }
    }

    fn at(kind: RefusalKind, file: &Path, line: Option<usize>, reason: impl Into<String>) -> Refusal {
        Refusal { kind, reason: Text::verbatim(reason), file: Some(file.display().to_string()), line }
    }

    fn load(e: InputError) -> Refusal {
        Refusal { kind: RefusalKind::Load, reason: e.what, file: Some(e.file), line: e.line }
    }
}

/// A name and the file that defined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub file: PathBuf,
}

/// The client settings of the chosen context, as kubectl builds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    pub via: Via,
    pub files: Vec<PathBuf>,
    /// The context used; `None` when there is no context name at all.
    pub context: Option<Named>,
    /// The cluster the context names; `file` is `None` when no kubeconfig defines it (kubectl
    /// then uses its defaults alone).
    pub cluster: String,
    pub cluster_file: Option<PathBuf>,
    /// The server kubectl uses: the cluster's, else kubectl's default.
    pub server: String,
    /// The cluster sets no server (kubectl's default is used).
    pub server_defaulted: bool,
    /// Where kubectl connects.
    pub target: KubectlTarget,
    /// The TLS settings kubectl uses: `None` when it does not use TLS at all.
    pub tls: Option<TlsSettings>,
    /// `proxy-url`, with any credentials replaced by `***`.
    pub proxy_url: Option<String>,
    /// Paths in the kubeconfig were read inside `--root` (the file is part of a copied node).
    pub paths_in_root: bool,
}

/// A kubeconfig file as it was read: the path as kubectl names it, and, for a file inside a
/// copied `--root`, its path on that node.
#[derive(Debug, Clone)]
struct Located {
    path: PathBuf,
    in_root: Option<String>,
}

/// Resolves the kubeconfig as kubectl 1.32 does, with `--context` and (for `--apiserver`, like
/// `kubectl --server`) a server that replaces the cluster's.
pub fn resolve(search: &Search, context: Option<&str>, server: Option<&str>) -> Resolution {
    let (via, located) = match locate(search) {
        Ok(found) => found,
        Err(refusal) => return Resolution::Refused(refusal),
    };
    let Some(via) = via else {
        let mut looked: Vec<Text> =
            located.iter().map(|l| t!("apiserver-looked-missing", path = l.path.display().to_string())).collect();
        if search.env.is_some() {
            looked.push(t!("apiserver-looked-env-only"));
        } else if search.home.is_none() {
            looked.insert(0, t!("apiserver-looked-no-home"));
        }
        return match (context, server) {
            // kubectl with no kubeconfig: `--context` names a context that does not exist.
            (Some(name), _) => {
                Resolution::Refused(Refusal::new(RefusalKind::Context, format!("context {name:?} does not exist")))
            }
            _ => Resolution::NotFound { looked },
        };
    };
    let mut files = Vec::with_capacity(located.len());
    for l in &located {
        match read(&search.root, l) {
            Ok(Some(file)) => files.push(file),
            Ok(None) => {}
            Err(ReadError::Refused(refusal)) => return Resolution::Refused(refusal),
            Err(ReadError::Unreadable(e)) => return Resolution::Unreadable(e),
        }
    }
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    match client(&files, via, paths, search, context, server) {
        Ok(settings) => Resolution::Client(Box::new(settings)),
        Err(refusal) => Resolution::Refused(refusal),
    }
}

/// The resolution of files already parsed, as `$KUBECONFIG` would merge them (for fuzzing: no
/// kubeconfig is read, only the CA and credential files they name are looked at).
pub fn resolve_parsed(files: Vec<(PathBuf, KubeconfigFile)>, context: Option<&str>) -> Resolution {
    let read: Vec<ReadFile> =
        files.into_iter().map(|(path, parsed)| ReadFile { path, in_root: None, parsed }).collect();
    let paths = read.iter().map(|f| f.path.clone()).collect();
    match client(&read, Via::Env, paths, &Search::default(), context, None) {
        Ok(settings) => Resolution::Client(Box::new(settings)),
        Err(refusal) => Resolution::Refused(refusal),
    }
}

/// The files kubectl reads, in order: `--kubeconfig` (must exist), else every entry of
/// `$KUBECONFIG` (duplicates once, missing ones later skipped), else `~/.kube/config`; when none of
/// those exists and neither the flag nor `$KUBECONFIG` was given, the tool's own last resort
/// `<root>/etc/kubernetes/admin.conf`. `None` as the `Via` means nothing exists: the list is what
/// was looked at.
fn locate(search: &Search) -> Result<(Option<Via>, Vec<Located>), Refusal> {
    let outside = |path: PathBuf| Located { in_root: in_root(&search.root, &search_path(&path)), path };
    if let Some(flag) = &search.flag {
        if std::fs::metadata(flag).is_err() && std::fs::symlink_metadata(flag).is_err() {
            let why = format!("stat {}: no such file or directory", flag.display());
            return Err(Refusal::at(RefusalKind::Stat, flag, None, why));
        }
        return Ok((Some(Via::Flag), vec![outside(flag.clone())]));
    }
    let (via, candidates): (Via, Vec<PathBuf>) = match &search.env {
        Some(list) => {
            let mut seen = Vec::new();
            for p in std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()) {
                if !seen.contains(&p) {
                    seen.push(p);
                }
            }
            (Via::Env, seen)
        }
        None => (Via::Home, search.home.iter().map(|h| h.join(".kube/config")).collect()),
    };
    let exists = |p: &Path| !matches!(std::fs::metadata(p), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
    if candidates.iter().any(|p| exists(p)) {
        return Ok((Some(via), candidates.into_iter().map(outside).collect()));
    }
    let mut looked: Vec<Located> = candidates.into_iter().map(outside).collect();
    if via == Via::Env {
        return Ok((None, looked));
    }
    if let Ok(Some(NodeType::File)) = search.root.node_type(ADMIN_CONF) {
        let admin = Located { path: search.root.join(ADMIN_CONF), in_root: Some(ADMIN_CONF.to_string()) };
        return Ok((Some(Via::AdminConf), vec![admin]));
    }
    looked.push(Located { path: search.root.join(ADMIN_CONF), in_root: None });
    Ok((None, looked))
}

/// Where a user-given path is on the node of a copied `--root`, when it lies inside that root.
fn in_root(root: &HostRoot, path: &Path) -> Option<String> {
    if root.is_live() {
        return None;
    }
    let base = std::fs::canonicalize(root.dir()).ok()?;
    let dir = std::fs::canonicalize(path.parent()?).ok()?;
    let inside = dir.strip_prefix(&base).ok()?;
    let name = path.file_name()?;
    Some(format!("/{}", inside.join(name).display()).replace("//", "/"))
}

/// `path` made absolute as Go's `filepath.Abs` does (against the working directory, cleaned).
fn search_path(path: &Path) -> PathBuf {
    go_clean(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Go's `filepath.Clean`: lexical, `..` removes the previous name without looking at the disk.
fn go_clean(path: &Path) -> PathBuf {
    let mut out: Vec<&std::ffi::OsStr> = Vec::new();
    let absolute = path.is_absolute();
    for c in path.components() {
        match c {
            Component::Normal(name) => out.push(name),
            Component::ParentDir => {
                if out.pop().is_none() && !absolute {
                    out.push(std::ffi::OsStr::new(".."));
                }
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    let mut clean = if absolute { PathBuf::from("/") } else { PathBuf::new() };
    clean.extend(out);
    if clean.as_os_str().is_empty() { PathBuf::from(".") } else { clean }
}

/// One kubeconfig file, typed as client-go decodes it. Nothing of `users` but what validation
/// needs: whether each credential is set, and the paths of certificate and token files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeconfigFile {
    pub current_context: String,
    pub clusters: Vec<(String, Cluster)>,
    pub contexts: Vec<(String, ContextEntry)>,
    pub users: Vec<(String, User)>,
}

/// The cluster fields that decide where and how kubectl connects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cluster {
    pub line: usize,
    pub server: String,
    pub certificate_authority: String,
    /// Decoded from base64.
    pub certificate_authority_data: Vec<u8>,
    pub tls_server_name: String,
    pub insecure_skip_tls_verify: bool,
    /// With any credentials replaced by `***`.
    pub proxy_url: String,
}

/// A context names a cluster and a user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextEntry {
    pub line: usize,
    pub cluster: String,
    pub user: String,
}

/// What client-go's validation of a user looks at, without any credential.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    pub line: usize,
    pub token: bool,
    pub token_file: String,
    pub basic_auth: bool,
    pub client_certificate: String,
    pub client_certificate_data: bool,
    pub client_key: String,
    pub client_key_data: bool,
    pub exec: bool,
    pub auth_provider: bool,
    pub impersonate: bool,
    pub impersonate_extras: bool,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(rename = "apiVersion")]
    api_version: Option<Scalar>,
    kind: Option<Scalar>,
    preferences: Option<RawPreferences>,
    clusters: Option<Vec<Spanned<RawNamedCluster>>>,
    contexts: Option<Vec<Spanned<RawNamedContext>>>,
    users: Option<Vec<Spanned<RawNamedUser>>>,
    #[serde(rename = "current-context")]
    current_context: Option<Scalar>,
    extensions: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize)]
struct RawPreferences {
    colors: Option<Scalar>,
    extensions: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize)]
struct RawNamedCluster {
    name: Option<Scalar>,
    cluster: Option<RawCluster>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawCluster {
    server: Option<Scalar>,
    certificate_authority: Option<Scalar>,
    certificate_authority_data: Option<Scalar>,
    tls_server_name: Option<Scalar>,
    insecure_skip_tls_verify: Option<Scalar>,
    proxy_url: Option<Scalar>,
    disable_compression: Option<Scalar>,
    extensions: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize)]
struct RawNamedContext {
    name: Option<Scalar>,
    context: Option<RawContext>,
}

#[derive(Deserialize)]
struct RawContext {
    cluster: Option<Scalar>,
    user: Option<Scalar>,
    namespace: Option<Scalar>,
    extensions: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize)]
struct RawNamedUser {
    name: Option<Scalar>,
    user: Option<RawUser>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawUser {
    client_certificate: Option<Scalar>,
    client_certificate_data: Option<Secret>,
    client_key: Option<Scalar>,
    client_key_data: Option<Secret>,
    token: Option<Secret>,
    #[serde(rename = "tokenFile")]
    token_file: Option<Scalar>,
    #[serde(rename = "as")]
    impersonate: Option<Scalar>,
    #[serde(rename = "as-uid")]
    impersonate_uid: Option<Scalar>,
    #[serde(rename = "as-groups")]
    impersonate_groups: Option<Vec<Scalar>>,
    #[serde(rename = "as-user-extra")]
    impersonate_user_extra: Option<HashMap<String, IgnoredAny>>,
    username: Option<Secret>,
    password: Option<Secret>,
    auth_provider: Option<IgnoredAny>,
    exec: Option<IgnoredAny>,
    extensions: Option<Vec<IgnoredAny>>,
}

/// Parses one kubeconfig file as kubectl does; the error is kubectl's refusal, with the line,
/// without any value from the file.
pub fn parse(text: &str, file: &Path) -> Result<KubeconfigFile, InputError> {
    let text = yaml::first_document(text);
    let raw: Option<RawFile> = serde_saphyr::from_str_with_options(text, yaml::go_options()).map_err(|e| {
        let line = e.location().and_then(|l| usize::try_from(l.line()).ok()).filter(|&l| l > 0);
        let message = plain_message(&e);
        let what = match line.and_then(|l| key_on_line(text, l)) {
            Some(key) => t!("apiserver-kubeconfig-invalid-field", key = key, message = message),
            None => t!("apiserver-kubeconfig-invalid", message = message),
        };
        InputError::at(file, line, what)
    })?;
    let Some(raw) = raw else { return Ok(KubeconfigFile::default()) };
    let doc = Doc { text, file, reader: crate::yaml::Reader::Kubectl };
    let version = doc.opt_string(raw.api_version.as_ref(), "apiVersion")?;
    let kind = doc.opt_string(raw.kind.as_ref(), "kind")?;
    let version_shown = if version.is_empty() { "v1" } else { version.as_str() };
    let kind_shown = if kind.is_empty() { "Config" } else { kind.as_str() };
    if version_shown != "v1" || kind_shown != "Config" {
        let line = raw.api_version.as_ref().filter(|_| version_shown != "v1").or(raw.kind.as_ref()).map(|s| s.line);
        return Err(InputError::at(
            file,
            line,
            t!(
                "apiserver-kubeconfig-not-config",
                kind = format!("{kind_shown:?}"),
                version = format!("{version_shown:?}")
            ),
        ));
    }
    if let Some(p) = &raw.preferences {
        doc.bool(p.colors.as_ref(), "preferences.colors")?;
        let _ = &p.extensions;
    }
    let _ = &raw.extensions;
    let mut out = KubeconfigFile {
        current_context: doc.opt_string(raw.current_context.as_ref(), "current-context")?,
        ..KubeconfigFile::default()
    };
    for item in raw.clusters.unwrap_or_default() {
        let line = location_line(&item.referenced);
        let name = doc.opt_string(item.value.name.as_ref(), "clusters[].name")?;
        let c = item.value.cluster;
        let cluster = match c {
            None => Cluster { line, ..Cluster::default() },
            Some(c) => {
                let data = doc.opt_string(c.certificate_authority_data.as_ref(), "certificate-authority-data")?;
                let certificate_authority_data = yaml::go_base64(&data).ok_or_else(|| {
                    InputError::at(
                        file,
                        c.certificate_authority_data.as_ref().map(|s| s.line),
                        t!("apiserver-kubeconfig-ca-data-not-base64"),
                    )
                })?;
                doc.bool(c.disable_compression.as_ref(), "disable-compression")?;
                let _ = &c.extensions;
                Cluster {
                    line,
                    server: doc.opt_string(c.server.as_ref(), "server")?,
                    certificate_authority: doc.opt_string(c.certificate_authority.as_ref(), "certificate-authority")?,
                    certificate_authority_data,
                    tls_server_name: doc.opt_string(c.tls_server_name.as_ref(), "tls-server-name")?,
                    insecure_skip_tls_verify: doc
                        .bool(c.insecure_skip_tls_verify.as_ref(), "insecure-skip-tls-verify")?,
                    // Only the redacted form is kept: a proxy URL may carry a password.
                    proxy_url: redact_url(&doc.opt_string(c.proxy_url.as_ref(), "proxy-url")?),
                }
            }
        };
        push_unique(&mut out.clusters, name, cluster, "clusters", file, line)?;
    }
    for item in raw.contexts.unwrap_or_default() {
        let line = location_line(&item.referenced);
        let name = doc.opt_string(item.value.name.as_ref(), "contexts[].name")?;
        let entry = match item.value.context {
            None => ContextEntry { line, ..ContextEntry::default() },
            Some(c) => {
                doc.opt_string(c.namespace.as_ref(), "namespace")?;
                let _ = &c.extensions;
                ContextEntry {
                    line,
                    cluster: doc.opt_string(c.cluster.as_ref(), "context.cluster")?,
                    user: doc.opt_string(c.user.as_ref(), "context.user")?,
                }
            }
        };
        push_unique(&mut out.contexts, name, entry, "contexts", file, line)?;
    }
    for item in raw.users.unwrap_or_default() {
        let line = location_line(&item.referenced);
        let name = doc.opt_string(item.value.name.as_ref(), "users[].name")?;
        let user = match item.value.user {
            None => User { line, ..User::default() },
            Some(u) => {
                let username = doc.secret(u.username.as_ref(), "username", false)?;
                let password = doc.secret(u.password.as_ref(), "password", false)?;
                let groups = doc.strings(u.impersonate_groups.as_deref(), "as-groups")?;
                let uid = doc.opt_string(u.impersonate_uid.as_ref(), "as-uid")?;
                let _ = &u.extensions;
                User {
                    line,
                    token: doc.secret(u.token.as_ref(), "token", false)?,
                    token_file: doc.opt_string(u.token_file.as_ref(), "tokenFile")?,
                    basic_auth: username || password,
                    client_certificate: doc.opt_string(u.client_certificate.as_ref(), "client-certificate")?,
                    client_certificate_data: doc.secret(
                        u.client_certificate_data.as_ref(),
                        "client-certificate-data",
                        true,
                    )?,
                    client_key: doc.opt_string(u.client_key.as_ref(), "client-key")?,
                    client_key_data: doc.secret(u.client_key_data.as_ref(), "client-key-data", true)?,
                    exec: u.exec.is_some(),
                    auth_provider: u.auth_provider.is_some(),
                    impersonate: !doc.opt_string(u.impersonate.as_ref(), "as")?.is_empty(),
                    impersonate_extras: !uid.is_empty()
                        || !groups.is_empty()
                        || u.impersonate_user_extra.as_ref().is_some_and(|m| !m.is_empty()),
                }
            }
        };
        push_unique(&mut out.users, name, user, "users", file, line)?;
    }
    Ok(out)
}

/// client-go turns each list into a map and refuses a name that comes twice in one file.
fn push_unique<T>(
    list: &mut Vec<(String, T)>,
    name: String,
    value: T,
    what: &str,
    file: &Path,
    line: usize,
) -> Result<(), InputError> {
    if list.iter().any(|(n, _)| *n == name) {
        return Err(InputError::at(
            file,
            Some(line),
            t!("apiserver-kubeconfig-duplicate-name", list = what, name = format!("{name:?}")),
        ));
    }
    list.push((name, value));
    Ok(())
}

fn location_line(location: &serde_saphyr::Location) -> usize {
    usize::try_from(location.line()).unwrap_or(0)
}

/// The parser's message without a source snippet and with every quoted value removed: the
/// offending value could be a secret.
fn plain_message(e: &serde_saphyr::Error) -> String {
    let options = serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off };
    let rendered = e.without_snippet().render_with_options(options);
    let first = rendered.lines().next().unwrap_or("malformed YAML").trim();
    // Drop the parser's own " at line L column C" suffix: the line is reported separately.
    let first = first.split(" at line ").next().unwrap_or(first);
    crate::error::sanitize::quoting_nothing(first)
}

/// Keys a kubeconfig may hold. Only these are ever named in an error: any other text on the
/// line, a key included, could be a secret.
const KNOWN_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "preferences",
    "current-context",
    "clusters",
    "contexts",
    "users",
    "name",
    "cluster",
    "context",
    "user",
    "namespace",
    "extensions",
    "extension",
    "server",
    "certificate-authority",
    "certificate-authority-data",
    "tls-server-name",
    "insecure-skip-tls-verify",
    "proxy-url",
    "disable-compression",
    "token",
    "tokenFile",
    "client-certificate",
    "client-certificate-data",
    "client-key",
    "client-key-data",
    "username",
    "password",
    "exec",
    "auth-provider",
    "as",
    "as-groups",
    "as-uid",
];

/// The kubeconfig key written on a line (`    insecure-skip-tls-verify: maybe` → the key).
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let raw = text.lines().nth(line.checked_sub(1)?)?;
    let (key, _) = raw.trim_start().trim_start_matches("- ").split_once(':')?;
    let key = key.trim();
    KNOWN_KEYS.contains(&key).then(|| key.to_string())
}

/// A parsed file and where it was found.
#[derive(Debug, Clone)]
struct ReadFile {
    path: PathBuf,
    in_root: Option<String>,
    parsed: KubeconfigFile,
}

/// Why a located file gives no configuration.
enum ReadError {
    /// kubectl's own refusal: a directory, text that is not a kubeconfig.
    Refused(Refusal),
    /// Not a regular file, or past the size limit: the bounded reader refuses it.
    Unreadable(InputError),
}

/// Reads one located file: `None` when it does not exist (client-go skips it), a refusal when
/// kubectl would refuse it, unreadable when the bounded reader does.
fn read(root: &HostRoot, located: &Located) -> Result<Option<ReadFile>, ReadError> {
    let path = &located.path;
    let directory = || {
        ReadError::Refused(Refusal::at(
            RefusalKind::Load,
            path,
            None,
            format!("read {}: is a directory", path.display()),
        ))
    };
    let bytes = match &located.in_root {
        Some(host_path) if located.path == root.join(host_path) => {
            match root.read(host_path, Kind::Kubeconfig).map_err(ReadError::Unreadable)? {
                Found::File(bytes) => bytes,
                Found::Missing => return Ok(None),
                Found::Directory => return Err(directory()),
            }
        }
        _ => match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Ok(m) if m.is_dir() => return Err(directory()),
            _ => hostfs::read_file(path, Kind::Kubeconfig).map_err(ReadError::Unreadable)?,
        },
    };
    let text = hostfs::utf8(bytes, path, Kind::Kubeconfig).map_err(|e| ReadError::Refused(Refusal::load(e)))?;
    let parsed = parse(&text, path).map_err(|e| ReadError::Refused(Refusal::load(e)))?;
    Ok(Some(ReadFile { path: path.clone(), in_root: located.in_root.clone(), parsed }))
}

/// A file path from a kubeconfig, resolved as client-go does (relative to the kubeconfig's
/// directory, cleaned lexically) and, for a kubeconfig of a copied node, inside `--root`.
#[derive(Debug, Clone)]
struct FileRef {
    /// What messages show: the path kubectl would open, or its place under `--root`.
    shown: PathBuf,
    /// The node's path, when the kubeconfig belongs to a copied `--root`.
    in_root: Option<String>,
}

fn file_ref(root: &HostRoot, origin: &ReadFile, value: &str) -> FileRef {
    match &origin.in_root {
        Some(host_file) => {
            let dir = Path::new(host_file).parent().unwrap_or(Path::new("/"));
            let host = go_clean(&dir.join(value)).display().to_string();
            FileRef { shown: root.join(&host), in_root: Some(host) }
        }
        None => {
            let path = Path::new(value);
            let shown = if path.is_absolute() {
                path.to_path_buf()
            } else {
                let base = search_path(origin.path.parent().unwrap_or(Path::new(".")));
                go_clean(&base.join(path))
            };
            FileRef { shown, in_root: None }
        }
    }
}

impl FileRef {
    /// Go's `os.Open` would succeed.
    fn opens(&self, root: &HostRoot) -> bool {
        match &self.in_root {
            Some(host) => matches!(root.node_type(host), Ok(Some(_))),
            // Non-blocking: a FIFO opens at once instead of waiting for a writer.
            None => hostfs::opens(&self.shown),
        }
    }

    fn read(&self, root: &HostRoot) -> Result<Vec<u8>, String> {
        let result = match &self.in_root {
            Some(host) => match root.read(host, Kind::Certificate) {
                Ok(Found::File(bytes)) => Ok(bytes),
                Ok(Found::Missing) => Err("no such file or directory".to_string()),
                Ok(Found::Directory) => Err("is a directory".to_string()),
                Err(e) => Err(e.what.en()),
            },
            None => hostfs::read_file(&self.shown, Kind::Certificate).map_err(|e| e.what.en()),
        };
        result.map_err(|why| format!("open {}: {why}", self.shown.display()))
    }
}

/// The entries kubectl merges from every file: for each name, the first file that defines it.
struct Merged<'a> {
    clusters: HashMap<&'a str, (&'a ReadFile, &'a Cluster)>,
    contexts: HashMap<&'a str, (&'a ReadFile, &'a ContextEntry)>,
    users: HashMap<&'a str, (&'a ReadFile, &'a User)>,
    current: Option<&'a str>,
}

fn merge(files: &[ReadFile]) -> Merged<'_> {
    let mut m = Merged { clusters: HashMap::new(), contexts: HashMap::new(), users: HashMap::new(), current: None };
    for f in files {
        if m.current.is_none() && !f.parsed.current_context.is_empty() {
            m.current = Some(&f.parsed.current_context);
        }
        for (name, c) in &f.parsed.clusters {
            m.clusters.entry(name).or_insert((f, c));
        }
        for (name, c) in &f.parsed.contexts {
            m.contexts.entry(name).or_insert((f, c));
        }
        for (name, u) in &f.parsed.users {
            m.users.entry(name).or_insert((f, u));
        }
    }
    m
}

/// kubectl's `ClientConfig` for the merged files: the context, its cluster over kubectl's
/// defaults, `ConfirmUsable`'s validation, the server URL, and the TLS transport's own checks.
fn client(
    files: &[ReadFile],
    via: Via,
    paths: Vec<PathBuf>,
    search: &Search,
    context_flag: Option<&str>,
    server_flag: Option<&str>,
) -> Result<ClientSettings, Refusal> {
    let root = &search.root;
    let m = merge(files);
    let context_name = context_flag.or(m.current).unwrap_or_default();
    let context = m.contexts.get(context_name).copied();
    if context_flag.is_some() && context.is_none() {
        return Err(Refusal::new(RefusalKind::Context, format!("context {context_name:?} does not exist")));
    }
    let mut problems: Vec<Refusal> = Vec::new();
    if !context_name.is_empty() && context.is_none() {
        let file = files.iter().find(|f| f.parsed.current_context == context_name).map(|f| f.path.clone());
        problems.push(Refusal {
            kind: RefusalKind::Context,
            reason: Text::verbatim(format!("context was not found for specified context: {context_name}")),
            file: file.map(|f| f.display().to_string()),
            line: None,
        });
    }
    let user_name = context.map(|(_, c)| c.user.as_str()).unwrap_or_default();
    if let Some((file, user)) = m.users.get(user_name) {
        problems.extend(validate_user(root, file, user_name, user));
    }
    let cluster_name = context.map(|(_, c)| c.cluster.as_str()).unwrap_or_default();
    let found = m.clusters.get(cluster_name).copied();
    let cluster = found.map(|(_, c)| c.clone()).unwrap_or_default();
    let in_cluster = |kind: RefusalKind, reason: String| match found {
        Some((f, c)) => Refusal::at(kind, &f.path, Some(c.line), reason),
        None => Refusal::new(kind, reason),
    };
    let invalid = |reason: String| in_cluster(RefusalKind::Validation, reason);
    // `kubectl --server` replaces the server and drops the cluster's tls-server-name.
    let (server, server_defaulted, tls_server_name) = match server_flag {
        Some(s) => (s.to_string(), false, String::new()),
        None if cluster.server.is_empty() => (search.default_server(), true, cluster.tls_server_name.clone()),
        None => (cluster.server.clone(), false, cluster.tls_server_name.clone()),
    };
    if !cluster.proxy_url.is_empty() {
        let scheme = go_url_parse(&cluster.proxy_url, false).map(|u| u.scheme);
        let why = match scheme.as_deref() {
            Ok("http" | "https" | "socks5") => None,
            Ok(other) => Some(format!("unsupported scheme {other:?}, must be http, https, or socks5")),
            Err(_) => Some("could not parse it".to_string()),
        };
        if let Some(why) = why {
            problems.push(invalid(format!("invalid 'proxy-url' for cluster {cluster_name:?}: {why}")));
        }
    }
    let ca_file = found
        .filter(|_| !cluster.certificate_authority.is_empty())
        .map(|(f, _)| file_ref(root, f, &cluster.certificate_authority));
    if ca_file.is_some() && !cluster.certificate_authority_data.is_empty() {
        problems.push(invalid(format!(
            "certificate-authority-data and certificate-authority are both specified for {cluster_name}. certificate-authority-data will override."
        )));
    }
    if let Some(ca) = &ca_file
        && !ca.opens(root)
    {
        problems.push(invalid(format!(
            "unable to read certificate-authority {} for {cluster_name}: the file cannot be opened",
            ca.shown.display()
        )));
    }
    if let Some(first) = problems.first() {
        let reason = if problems.len() == 1 {
            format!("invalid configuration: {}", first.reason.en())
        } else {
            let all: Vec<String> = problems.iter().map(|p| p.reason.en()).collect();
            format!("invalid configuration: [{}]", all.join(", "))
        };
        return Err(Refusal {
            kind: first.kind,
            reason: Text::verbatim(reason),
            file: first.file.clone(),
            line: first.line,
        });
    }
    let target = kubectl_target(&server).map_err(|e| in_cluster(RefusalKind::Url, e))?;
    let tls = if target.url.scheme == "https" {
        if let Some((file, user)) = m.users.get(user_name)
            && !user.token
            && !user.token_file.is_empty()
        {
            let token_file = file_ref(root, file, &user.token_file);
            if !token_file.opens(root) {
                return Err(Refusal::at(
                    RefusalKind::Transport,
                    &file.path,
                    Some(user.line),
                    format!("open {}: the token file cannot be read", token_file.shown.display()),
                ));
            }
        }
        let has_ca = ca_file.is_some() || !cluster.certificate_authority_data.is_empty();
        if has_ca && cluster.insecure_skip_tls_verify {
            return Err(in_cluster(
                RefusalKind::Transport,
                "specifying a root certificates file with the insecure flag is not allowed".into(),
            ));
        }
        let ca = match (&ca_file, found) {
            (Some(file), _) => {
                let pem = file.read(root).map_err(|e| in_cluster(RefusalKind::Transport, e))?;
                let origin = CaOrigin::File(file.shown.display().to_string());
                Some(ca_bundle(&pem, origin).map_err(|e| in_cluster(RefusalKind::CaPem, e))?)
            }
            (None, Some((f, _))) if !cluster.certificate_authority_data.is_empty() => {
                let origin = CaOrigin::Data { cluster: cluster_name.to_string(), file: f.path.display().to_string() };
                Some(
                    ca_bundle(&cluster.certificate_authority_data, origin)
                        .map_err(|e| in_cluster(RefusalKind::CaPem, e))?,
                )
            }
            _ => None,
        };
        Some(TlsSettings {
            ca,
            server_name: Some(tls_server_name).filter(|s| !s.is_empty()),
            insecure: cluster.insecure_skip_tls_verify,
        })
    } else {
        None
    };
    Ok(ClientSettings {
        via,
        files: paths,
        context: context.map(|(f, _)| Named { name: context_name.to_string(), file: f.path.clone() }),
        cluster: cluster_name.to_string(),
        cluster_file: found.map(|(f, _)| f.path.clone()),
        server,
        server_defaulted,
        target,
        tls,
        proxy_url: Some(cluster.proxy_url.clone()).filter(|u| !u.is_empty()),
        paths_in_root: found.is_some_and(|(f, _)| f.in_root.is_some()),
    })
}

/// client-go's `validateAuthInfo`, on whether each credential is set.
fn validate_user(root: &HostRoot, file: &ReadFile, name: &str, user: &User) -> Vec<Refusal> {
    let at = |reason: String| Refusal::at(RefusalKind::Validation, &file.path, Some(user.line), reason);
    let mut problems = Vec::new();
    let mut methods = Vec::new();
    if user.token {
        methods.push("token");
    }
    if user.basic_auth {
        methods.push("basicAuth");
    }
    let cert_file = !user.client_certificate.is_empty();
    if cert_file || user.client_certificate_data {
        if cert_file && user.client_certificate_data {
            problems.push(at(format!(
                "client-cert-data and client-cert are both specified for {name}. client-cert-data will override."
            )));
        }
        let key_file = !user.client_key.is_empty();
        if key_file && user.client_key_data {
            problems.push(at(format!(
                "client-key-data and client-key are both specified for {name}; client-key-data will override"
            )));
        }
        if !key_file && !user.client_key_data {
            problems.push(at(format!(
                "client-key-data or client-key must be specified for {name} to use the clientCert authentication method."
            )));
        }
        for (field, value) in [("client-cert", &user.client_certificate), ("client-key", &user.client_key)] {
            if !value.is_empty() && !file_ref(root, file, value).opens(root) {
                problems.push(at(format!("unable to read {field} file for {name}")));
            }
        }
    }
    if user.exec && user.auth_provider {
        problems.push(at(format!("authProvider cannot be provided in combination with an exec plugin for {name}")));
    }
    if methods.len() > 1 {
        problems.push(at(format!(
            "more than one authentication method found for {name}; found [{}], only one is allowed",
            methods.join(" ")
        )));
    }
    if user.impersonate_extras && !user.impersonate {
        problems.push(at(format!("requesting uid, groups or user-extra for {name} without impersonating a user")));
    }
    problems
}

/// The CA certificates as Go's `AppendCertsFromPEM` takes them: every CERTIFICATE block that
/// parses; none at all is client-go's "unable to load root certificates".
fn ca_bundle(pem: &[u8], origin: CaOrigin) -> Result<CaBundle, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .filter(|der| x509_parser::parse_x509_certificate(der.as_ref()).is_ok())
        .collect();
    if certs.is_empty() {
        return Err(format!("unable to load root certificates from {origin}: unable to parse bytes as PEM block"));
    }
    Ok(CaBundle { origin, certs })
}

/// What the probes do with a resolution: an endpoint, a failure saying why not, or nothing found.
#[derive(Debug, Clone, PartialEq)]
pub enum Discovery {
    Found {
        endpoint: Endpoint,
        tls: TlsSettings,
        proxy_url: Option<String>,
        /// What `apiserver.endpoint` says about the endpoint.
        notes: Vec<Text>,
    },
    Failed(EndpointFailure),
    NotFound {
        looked: Vec<Text>,
    },
    /// A file the bounded reader refuses: an input error (exit 2).
    Unreadable(InputError),
}

impl Resolution {
    /// The endpoint the probes use for this resolution: TLS to the host, port and path kubectl
    /// dials. kubectl's plain `http://` is said, and explicit `http://` (or kubectl's default
    /// server) is a failure: the security center connects over TLS to a real API server.
    pub fn discovery(self) -> Discovery {
        let settings = match self {
            Resolution::NotFound { looked } => return Discovery::NotFound { looked },
            Resolution::Unreadable(e) => return Discovery::Unreadable(e),
            Resolution::Refused(r) => {
                return Discovery::Failed(EndpointFailure {
                    refused: Some(r.kind.as_str()),
                    why: t!("apiserver-kubectl-refuses", reason = r.reason),
                    file: r.file,
                    line: r.line,
                    kubectl_dials: None,
                    source: None,
                });
            }
            Resolution::Client(s) => *s,
        };
        let context = settings.context.as_ref().map_or_else(String::new, |c| c.name.clone());
        let file = settings.context.as_ref().map(|c| c.file.display().to_string());
        let source = EndpointSource::Kubeconfig {
            file: file.clone().unwrap_or_else(|| {
                settings.files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":")
            }),
            context: context.clone(),
            cluster: settings.cluster.clone(),
            via: settings.via.as_str().to_string(),
        };
        let dials = settings.target.dials();
        let all_files = settings.files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":");
        let fail = |why: Text| {
            Discovery::Failed(EndpointFailure {
                refused: None,
                why,
                file: Some(
                    settings
                        .cluster_file
                        .as_ref()
                        .or(settings.context.as_ref().map(|c| &c.file))
                        .map_or_else(|| all_files.clone(), |p| p.display().to_string()),
                ),
                line: None,
                kubectl_dials: Some(dials.clone()),
                source: Some(source.clone()),
            })
        };
        if settings.server_defaulted {
            let cluster = format!("{:?}", settings.cluster);
            let why = match (&settings.context, settings.cluster_file.is_some()) {
                (None, _) => t!("apiserver-no-context"),
                (Some(c), false) => {
                    t!("apiserver-context-cluster-undefined", context = format!("{:?}", c.name), cluster = cluster)
                }
                (Some(_), true) => t!("apiserver-cluster-no-server", cluster = cluster),
            };
            return fail(t!("apiserver-default-server", why = why, dials = &dials));
        }
        let scheme = settings.target.url.scheme.clone();
        if scheme == "http" && !settings.target.scheme_defaulted {
            return fail(t!("apiserver-plain-http-server", dials = &dials));
        }
        let (host, port) = match probe_target(&settings.target) {
            Ok(found) => found,
            Err(why) => return fail(why),
        };
        let mut notes = Vec::new();
        if settings.target.scheme_defaulted {
            notes.push(t!("apiserver-note-scheme-defaulted", dials = &dials));
        }
        if !settings.target.base_path.is_empty() {
            notes.push(t!("apiserver-note-proxy-path", path = &settings.target.base_path));
        }
        if settings.paths_in_root {
            notes.push(t!("apiserver-note-paths-in-root"));
        }
        let tls = settings.tls.clone().unwrap_or_default();
        let endpoint =
            Endpoint { host, port, path: settings.target.base_path.clone(), source, kubectl_dials: Some(dials) };
        Discovery::Found { endpoint, tls, proxy_url: settings.proxy_url, notes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "CANARY-7f3a9c";

    fn parse_ok(text: &str) -> KubeconfigFile {
        parse(text, Path::new("kc.yaml")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn files(texts: &[&str]) -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let p = dir.path().join(format!("kc{i}"));
                std::fs::write(&p, t).expect("write");
                p
            })
            .collect();
        (dir, paths)
    }

    fn search_env(paths: &[PathBuf]) -> Search {
        Search { env: Some(std::env::join_paths(paths).expect("join")), ..Search::default() }
    }

    fn client_of(r: Resolution) -> ClientSettings {
        match r {
            Resolution::Client(c) => *c,
            other => panic!("{other:?}"),
        }
    }

    fn refusal_of(r: Resolution) -> Refusal {
        match r {
            Resolution::Refused(r) => r,
            other => panic!("{other:?}"),
        }
    }

    const ONE: &str = "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster:\n    server: https://192.0.2.10:6443\n";

    #[test]
    fn reads_the_cluster_of_the_current_context_and_keeps_no_credential() {
        let text = format!(
            "{ONE}    tls-server-name: api.test\n    proxy-url: http://u:{CANARY}@proxy:3128\nusers:\n- name: u\n  user:\n    token: {CANARY}\n"
        );
        let (_dir, paths) = files(&[&text]);
        let c = client_of(resolve(&search_env(&paths), None, None));
        assert_eq!(c.context.as_ref().map(|c| c.name.as_str()), Some("a"));
        assert_eq!(c.target.dials(), "https://192.0.2.10:6443");
        let tls = c.tls.clone().expect("https uses TLS");
        assert_eq!(tls.server_name.as_deref(), Some("api.test"));
        assert_eq!(c.proxy_url.as_deref(), Some("http://***@proxy:3128"));
        assert!(!format!("{c:?}").contains(CANARY), "{c:?}");
        let parsed = parse_ok(&text);
        assert!(parsed.users[0].1.token && !format!("{parsed:?}").contains(CANARY));
    }

    #[test]
    fn yaml_1_1_as_kubectl_types_it() {
        for yes in ["true", "yes", "on", "True", "y", "Y"] {
            let kc = parse_ok(&format!("clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: {yes}\n"));
            assert!(kc.clusters[0].1.insecure_skip_tls_verify, "{yes}");
        }
        for bad in ["\"true\"", "1", "maybe"] {
            let e = parse(
                &format!("clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: {bad}\n"),
                Path::new("k"),
            )
            .expect_err(bad);
            assert_eq!(e.line, Some(4), "{bad}: {e}");
        }
        for name in ["yes", "no", "on", "1", "0x1f", "1e3", "y"] {
            let e = parse(&format!("clusters:\n- name: {name}\n"), Path::new("k")).expect_err(name);
            assert!(e.what.contains("clusters[].name") && e.what.contains("quote it"), "{e}");
        }
        assert_eq!(parse_ok("clusters:\n- name: 'yes'\n").clusters[0].0, "yes");
        assert_eq!(parse_ok("clusters:\n- name: ~\n").clusters[0].0, "");
        assert_eq!(parse_ok("clusters:\n- name: 2024-01-02\n").clusters[0].0, "2024-01-02");
        let dup = parse_ok("clusters:\n- name: c\n  cluster:\n    server: https://a\n    server: https://b\n");
        assert_eq!(dup.clusters[0].1.server, "https://b", "a repeated key keeps its last value");
        let e = parse("clusters:\n- name: c\n- name: c\n", Path::new("k")).expect_err("duplicate name");
        assert!(e.what.contains("duplicate name"), "{e}");
        let two = parse_ok("current-context: a\n---\n[not yaml\n");
        assert_eq!(two.current_context, "a", "only the first document counts");
        let e = parse("kind: Pod\n", Path::new("k")).expect_err("not a Config");
        assert!(e.what.contains("no kind \"Pod\""), "{e}");
        let e = parse("users:\n- name: u\n  user: {client-key-data: '%%%'}\n", Path::new("k")).expect_err("base64");
        assert!(e.what.contains("client-key-data is not base64"), "{e}");
    }

    #[test]
    fn merge_first_file_wins_and_current_context_comes_from_the_first_file_that_sets_it() {
        let a = "clusters:\n- name: c\n  cluster: {server: 'https://192.0.2.1'}\n";
        let b = "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: 'https://192.0.2.2'}\n";
        let (_dir, paths) = files(&[a, b]);
        let c = client_of(resolve(&search_env(&paths), None, None));
        assert_eq!(c.target.dials(), "https://192.0.2.1");
        assert_eq!(c.context.expect("context").file, paths[1]);
        let reversed: Vec<PathBuf> = paths.iter().rev().cloned().collect();
        assert_eq!(client_of(resolve(&search_env(&reversed), None, None)).target.dials(), "https://192.0.2.2");
    }

    #[test]
    fn what_kubectl_refuses_and_what_it_dials_instead() {
        let (_dir, paths) = files(&[ONE]);
        let r = refusal_of(resolve(&search_env(&paths), Some("nope"), None));
        assert_eq!(r.reason.en(), "context \"nope\" does not exist");
        let (_dir, paths) = files(&[&ONE.replace("current-context: a", "current-context: b")]);
        let r = refusal_of(resolve(&search_env(&paths), None, None));
        assert!(r.reason.contains("context was not found for specified context: b"), "{r:?}");
        // No server: kubectl's default.
        let (_dir, paths) = files(&[&ONE.replace("    server: https://192.0.2.10:6443\n", "    tls-server-name: x\n")]);
        let c = client_of(resolve(&search_env(&paths), None, None));
        assert!(c.server_defaulted);
        assert_eq!(c.target.dials(), "http://localhost:8080");
        // No scheme: http, and the TLS settings are not used at all.
        let (_dir, paths) = files(&[&ONE.replace("https://192.0.2.10:6443", "192.0.2.10")]);
        let c = client_of(resolve(&search_env(&paths), None, None));
        assert_eq!((c.target.dials(), c.tls.is_none()), ("http://192.0.2.10".to_string(), true));
        let (_dir, paths) = files(&[&ONE.replace("https://192.0.2.10:6443", "'https://h ost'")]);
        assert!(refusal_of(resolve(&search_env(&paths), None, None)).reason.contains("host must be a URL"));
        let with_both =
            format!("{ONE}    insecure-skip-tls-verify: true\n    certificate-authority-data: {}\n", "LS0t");
        let (_dir, paths) = files(&[&with_both]);
        let r = refusal_of(resolve(&search_env(&paths), None, None));
        assert!(r.reason.contains("insecure flag is not allowed") && r.line == Some(6), "{r:?}");
        let users = format!("{ONE}users:\n- name: u\n  user: {{token: {CANARY}, password: {CANARY}}}\n");
        let (_dir, paths) = files(&[&users]);
        let r = refusal_of(resolve(&search_env(&paths), None, None));
        assert!(r.reason.contains("more than one authentication method") && !r.reason.contains(CANARY), "{r:?}");
    }

    #[test]
    fn locate_order_and_the_admin_conf_fallback() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".kube")).expect("mkdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("etc/kubernetes")).expect("mkdir");
        let search = Search { home: Some(home.clone()), root: HostRoot::new(&root), ..Search::default() };
        let Resolution::NotFound { looked } = resolve(&search, None, None) else { panic!("nothing exists yet") };
        assert!(looked.iter().any(|l| l.en().ends_with("etc/kubernetes/admin.conf missing")), "{looked:?}");
        std::fs::write(root.join("etc/kubernetes/admin.conf"), ONE).expect("write");
        assert_eq!(client_of(resolve(&search, None, None)).via, Via::AdminConf);
        std::fs::write(home.join(".kube/config"), ONE).expect("write");
        assert_eq!(client_of(resolve(&search, None, None)).via, Via::Home);
        // $KUBECONFIG naming only missing files: no cluster, and no fallback at all.
        let env = Search { env: Some(dir.path().join("missing").into_os_string()), ..search.clone() };
        assert!(matches!(resolve(&env, None, None), Resolution::NotFound { .. }));
        let flagged = Search { flag: Some(dir.path().join("nope")), ..search.clone() };
        assert!(refusal_of(resolve(&flagged, None, None)).reason.contains("no such file"));
        let with_dir = Search { env: Some(std::env::join_paths([home.join(".kube")]).expect("join")), ..search };
        assert!(refusal_of(resolve(&with_dir, None, None)).reason.contains("is a directory"));
    }

    #[test]
    fn a_copied_nodes_admin_conf_reads_its_ca_inside_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc/kubernetes/pki")).expect("mkdir");
        let ca = rcgen::generate_simple_self_signed(vec!["x".to_string()]).expect("cert").cert.pem();
        std::fs::write(root.join("etc/kubernetes/pki/ca.crt"), ca).expect("write");
        std::fs::write(
            root.join("etc/kubernetes/admin.conf"),
            format!("{ONE}    certificate-authority: /etc/kubernetes/pki/ca.crt\n"),
        )
        .expect("write");
        let search = Search { root: HostRoot::new(root), ..Search::default() };
        let c = client_of(resolve(&search, None, None));
        assert!(c.paths_in_root);
        let ca = c.tls.and_then(|t| t.ca).expect("CA read inside the root");
        assert_eq!(ca.origin.to_string(), root.join("etc/kubernetes/pki/ca.crt").display().to_string());
    }

    #[test]
    fn syntax_errors_never_echo_secrets() {
        for text in [
            format!("users:\n- name: u\n  user:\n    token: \"{CANARY}\n"),
            format!("users:\n- name: u\n  user: {{token: {CANARY}\n"),
            format!("users:\n- name: u\n  user:\n    token: {CANARY}\n   password: [{CANARY}\n"),
            format!("clusters: \"{CANARY}\"\n"),
            format!("clusters:\n- name: {{{CANARY}: 1}}\n"),
            format!("users:\n- name: u\n  user:\n    {CANARY}: [\n"),
            format!("users:\n- name: u\n  user:\n    token: [{CANARY}]\n"),
        ] {
            let e = parse(&text, Path::new("kc.yaml")).expect_err(&text).to_string();
            assert!(!e.contains(CANARY), "{e}");
            assert!(e.starts_with("kc.yaml"), "{e}");
        }
    }

    #[test]
    fn hostile_and_truncated_input_is_an_error_not_a_panic() {
        let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
                    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
                    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nclusters: [*g]\n";
        let _ = parse(bomb, Path::new("kc.yaml"));
        let deep = format!("clusters: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&deep, Path::new("kc.yaml")).is_err());
        for cut in 0..ONE.len() {
            let _ = parse(&ONE[..cut], Path::new("kc.yaml"));
        }
        assert!(parse("- just\n- a list\n", Path::new("kc.yaml")).is_err());
        assert_eq!(parse("", Path::new("kc.yaml")).expect("empty"), KubeconfigFile::default());
    }

    #[test]
    fn go_clean_is_lexical() {
        assert_eq!(go_clean(Path::new("/a/b/../c/./d/")), PathBuf::from("/a/c/d"));
        assert_eq!(go_clean(Path::new("/../x")), PathBuf::from("/x"));
        assert_eq!(go_clean(Path::new("a/../../b")), PathBuf::from("../b"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_is_parsed_or_rejected_without_panicking(text in "\\PC{0,200}") {
            let _ = parse(&text, Path::new("kc.yaml"));
        }

        #[test]
        fn kubeconfig_shaped_noise_is_parsed_or_rejected_without_panicking(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "clusters:", "contexts:", "users:", "current-context: a", "- name: a", "  cluster:",
                    "    server: https://192.0.2.1", "    insecure-skip-tls-verify: true", "  context: {cluster: a}",
                    "{", "[", "]", "}", "&x", "*x", "!!binary", "'", "\"", ": ", "- ", "    ", "\t", "---", "...",
                ]),
                0..40,
            )
        ) {
            let text = parts.join("\n");
            let _ = parse(&text, Path::new("kc.yaml"));
        }
    }
}
