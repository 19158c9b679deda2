//! kubectl's rules for finding the API server: which kubeconfig files, merged how, which context,
//! and what the chosen cluster says about the server and its TLS trust.
//!
//! The files are read with our own serde structs, and the `users` section is not modelled at all:
//! tokens, client keys and passwords are skipped by the parser and never reach a value that could
//! be printed, logged or put in a report. Error messages never quote values from the file either
//! (a YAML error inside `users` would otherwise echo a secret).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::Deserialize;

use crate::error::InputError;
use crate::hostfs::{self, HostRoot, Kind};

/// kubeadm's admin kubeconfig on a control-plane node, the tool's last resort.
pub const ADMIN_CONF: &str = "/etc/kubernetes/admin.conf";

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
}

impl Search {
    /// The search as this process sees it: `$KUBECONFIG` and `$HOME` from the environment.
    pub fn from_env(flag: Option<PathBuf>, root: HostRoot) -> Search {
        Search {
            flag,
            env: std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()),
            home: std::env::var_os("HOME").filter(|v| !v.is_empty()).map(PathBuf::from),
            root,
        }
    }
}

/// The files to merge, or where the search looked when it found none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    Found { via: Via, files: Vec<PathBuf> },
    NotFound { looked: Vec<String> },
}

/// Finds the kubeconfig files as kubectl does: `--kubeconfig` (must exist), else the existing
/// files of `$KUBECONFIG` (missing ones are ignored, as client-go does), else `~/.kube/config`,
/// else `<root>/etc/kubernetes/admin.conf`.
pub fn locate(search: &Search) -> Result<Located, InputError> {
    if let Some(flag) = &search.flag {
        // Anything that is there is read (and refused when it is not a regular file); only a
        // missing file is "no such file".
        if flag.symlink_metadata().is_err() {
            return Err(InputError::at(flag, None, "--kubeconfig: no such file"));
        }
        return Ok(Located::Found { via: Via::Flag, files: vec![flag.clone()] });
    }
    let mut looked = vec!["--kubeconfig not given".to_string()];
    match &search.env {
        Some(list) => {
            let files: Vec<PathBuf> =
                std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()).filter(|p| p.is_file()).collect();
            if !files.is_empty() {
                return Ok(Located::Found { via: Via::Env, files });
            }
            looked.push(format!("$KUBECONFIG={} names no existing file", list.to_string_lossy()));
        }
        None => looked.push("$KUBECONFIG unset".into()),
    }
    match &search.home {
        Some(home) => {
            let path = home.join(".kube/config");
            if path.is_file() {
                return Ok(Located::Found { via: Via::Home, files: vec![path] });
            }
            looked.push(format!("{} missing", path.display()));
        }
        None => looked.push("$HOME unset, so no ~/.kube/config".into()),
    }
    if let Some(admin) = search.root.resolve(ADMIN_CONF)?.filter(|p| p.is_file()) {
        return Ok(Located::Found { via: Via::AdminConf, files: vec![admin] });
    }
    looked.push(format!("{} missing", search.root.join(ADMIN_CONF).display()));
    Ok(Located::NotFound { looked })
}

/// One kubeconfig file as far as this tool reads it. Everything else, `users` above all, is
/// skipped unread.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct KubeconfigFile {
    #[serde(rename = "current-context", default)]
    pub current_context: Option<String>,
    #[serde(default)]
    pub clusters: Option<Vec<NamedCluster>>,
    #[serde(default)]
    pub contexts: Option<Vec<NamedContext>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NamedCluster {
    pub name: String,
    #[serde(default)]
    pub cluster: Option<Cluster>,
}

/// The cluster fields that decide where and how to connect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cluster {
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub certificate_authority: Option<String>,
    #[serde(default)]
    pub certificate_authority_data: Option<String>,
    #[serde(default)]
    pub tls_server_name: Option<String>,
    #[serde(default)]
    pub insecure_skip_tls_verify: Option<bool>,
    #[serde(default)]
    pub proxy_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NamedContext {
    pub name: String,
    #[serde(default)]
    pub context: Option<ContextEntry>,
}

/// A context names a cluster and a user; only the cluster matters here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ContextEntry {
    #[serde(default)]
    pub cluster: Option<String>,
}

/// Parses one kubeconfig file. Errors name the file, the line and the field, and never quote a
/// value from the file.
pub fn parse(text: &str, file: &Path) -> Result<KubeconfigFile, InputError> {
    if text.trim().is_empty() {
        // client-go treats an empty file as an empty configuration.
        return Ok(KubeconfigFile::default());
    }
    let parsed: Result<Option<KubeconfigFile>, _> = serde_saphyr::from_str(text);
    match parsed {
        Ok(config) => Ok(config.unwrap_or_default()),
        Err(e) => {
            let line = e.location().and_then(|l| usize::try_from(l.line()).ok()).filter(|&l| l > 0);
            let message = plain_message(&e);
            let field = line.and_then(|l| key_on_line(text, l));
            let what = match field {
                Some(key) => format!("field {key}: {message}"),
                None => message,
            };
            Err(InputError::at(file, line, format!("not a valid kubeconfig: {what}")))
        }
    }
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

/// Where a cluster's CA came from and the certificates it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaBundle {
    /// `certificate-authority-data of cluster "c" in FILE`, or the CA file's path.
    pub origin: String,
    pub certs: Vec<CertificateDer<'static>>,
}

/// The endpoint and TLS settings of the chosen context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The file that defined the chosen context.
    pub file: PathBuf,
    /// The file that defined its cluster (with `$KUBECONFIG`, possibly another one).
    pub cluster_file: PathBuf,
    pub context: String,
    pub cluster: String,
    pub server: String,
    pub ca: Option<CaBundle>,
    pub tls_server_name: Option<String>,
    pub insecure: bool,
    /// `proxy-url`, with any credentials in it replaced by `***`.
    pub proxy_url: Option<String>,
}

/// Merges the files as client-go does (for every named cluster and context, and for
/// `current-context`, the first file that sets it wins) and reads the chosen context's cluster.
pub fn select(files: &[(PathBuf, KubeconfigFile)], context: Option<&str>) -> Result<Selected, InputError> {
    let names = |files: &[(PathBuf, KubeconfigFile)]| files.iter().map(|(p, _)| p.display().to_string()).collect();
    let all: Vec<String> = names(files);
    let where_ = all.join(", ");
    let mut contexts: HashMap<&str, (&Path, Option<&ContextEntry>)> = HashMap::new();
    let mut clusters: HashMap<&str, (&Path, Option<&Cluster>)> = HashMap::new();
    let mut current: Option<(&Path, &str)> = None;
    for (path, file) in files {
        if current.is_none() {
            current = file.current_context.as_deref().filter(|c| !c.is_empty()).map(|c| (path.as_path(), c));
        }
        for c in file.contexts.iter().flatten() {
            contexts.entry(c.name.as_str()).or_insert((path.as_path(), c.context.as_ref()));
        }
        for c in file.clusters.iter().flatten() {
            clusters.entry(c.name.as_str()).or_insert((path.as_path(), c.cluster.as_ref()));
        }
    }
    let mut known: Vec<&str> = contexts.keys().copied().collect();
    known.sort_unstable();
    let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
    let (name, named_by) = match (context, current) {
        (Some(name), _) => (name, "--context".to_string()),
        (None, Some((file, name))) => (name, format!("current-context of {}", file.display())),
        (None, None) => {
            return Err(InputError::new(
                where_,
                None,
                format!("current-context is not set and no --context given; contexts: {known}"),
            ));
        }
    };
    let Some(&(ctx_file, entry)) = contexts.get(name) else {
        return Err(InputError::new(
            where_,
            None,
            format!("context {name:?} ({named_by}) is not defined in contexts; contexts: {known}"),
        ));
    };
    let in_ctx = |what: String| InputError::at(ctx_file, None, what);
    let cluster_name = entry
        .and_then(|e| e.cluster.as_deref())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| in_ctx(format!("context {name:?} names no cluster (field contexts[].context.cluster)")))?;
    let Some(&(cluster_file, cluster)) = clusters.get(cluster_name) else {
        return Err(in_ctx(format!(
            "context {name:?} names cluster {cluster_name:?}, which is not defined in clusters of {where_}"
        )));
    };
    let in_cluster = |what: String| InputError::at(cluster_file, None, format!("cluster {cluster_name:?}: {what}"));
    let cluster = cluster.cloned().unwrap_or_default();
    let server = cluster
        .server
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| in_cluster("field server is missing: the API server address is unknown".into()))?
        .to_string();
    let insecure = cluster.insecure_skip_tls_verify.unwrap_or(false);
    let ca = read_ca(&cluster, cluster_name, cluster_file)?;
    if insecure && ca.is_some() {
        return Err(in_cluster(
            "certificate-authority and insecure-skip-tls-verify: true are both set; kubectl refuses this \
             combination (specifying a root certificates file with the insecure flag is not allowed): remove one"
                .into(),
        ));
    }
    Ok(Selected {
        file: ctx_file.to_path_buf(),
        cluster_file: cluster_file.to_path_buf(),
        context: name.to_string(),
        cluster: cluster_name.to_string(),
        server,
        ca,
        tls_server_name: cluster.tls_server_name.filter(|s| !s.is_empty()),
        insecure,
        proxy_url: cluster.proxy_url.filter(|s| !s.is_empty()).map(|u| redact_url(&u)),
    })
}

/// `certificate-authority-data` wins over `certificate-authority`; a relative CA path is relative
/// to the kubeconfig file that names it.
fn read_ca(cluster: &Cluster, name: &str, file: &Path) -> Result<Option<CaBundle>, InputError> {
    if let Some(data) = cluster.certificate_authority_data.as_deref().filter(|d| !d.trim().is_empty()) {
        let field = |what: &str| {
            InputError::at(file, None, format!("cluster {name:?}: field certificate-authority-data {what}"))
        };
        let compact: String = data.split_whitespace().collect();
        let pem = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| field("is not base64 (expected base64 of a PEM CA certificate)"))?;
        let certs = pem_certificates(&pem).ok_or_else(|| field("does not hold a PEM certificate"))?;
        let origin = format!("certificate-authority-data of cluster {name:?} in {}", file.display());
        return Ok(Some(CaBundle { origin, certs }));
    }
    let Some(path) = cluster.certificate_authority.as_deref().filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
    };
    let path = Path::new(path);
    let path = if path.is_relative() { file.parent().unwrap_or(Path::new(".")).join(path) } else { path.to_path_buf() };
    let pem = hostfs::read_file(&path, Kind::Certificate)
        .map_err(|e| InputError::at(file, None, format!("cluster {name:?}: field certificate-authority: {e}")))?;
    let certs = pem_certificates(&pem).ok_or_else(|| {
        InputError::at(
            file,
            None,
            format!("cluster {name:?}: field certificate-authority: {} holds no PEM certificate", path.display()),
        )
    })?;
    Ok(Some(CaBundle { origin: path.display().to_string(), certs }))
}

fn pem_certificates(pem: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem).collect::<Result<_, _>>().ok()?;
    (!certs.is_empty()).then_some(certs)
}

/// Reads, parses and merges the located files and selects the context.
pub fn load(files: &[PathBuf], context: Option<&str>) -> Result<Selected, InputError> {
    let mut parsed = Vec::with_capacity(files.len());
    for path in files {
        let text = hostfs::utf8(hostfs::read_file(path, Kind::Kubeconfig)?, path, Kind::Kubeconfig)?;
        parsed.push((path.clone(), parse(&text, path)?));
    }
    select(&parsed, context)
}

/// A proxy URL as it may be shown: without userinfo and query, whatever they hold.
pub fn redact_url(url: &str) -> String {
    crate::error::sanitize::url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "CANARY-7f3a9c";

    fn parse_ok(text: &str) -> KubeconfigFile {
        parse(text, Path::new("kc.yaml")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn file(text: &str) -> (PathBuf, KubeconfigFile) {
        (PathBuf::from("/k/kc.yaml"), parse_ok(text))
    }

    #[test]
    fn reads_the_cluster_of_the_current_context_and_skips_users() {
        let kc = file(&format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: a\ncontexts:\n- name: a\n  context: {{cluster: c1, user: u}}\n\
             clusters:\n- name: c1\n  cluster:\n    server: https://192.0.2.10:6443\n    tls-server-name: api.test\n    proxy-url: http://u:{CANARY}@proxy:3128\n\
             users:\n- name: u\n  user:\n    token: {CANARY}\n    client-key-data: {CANARY}\n    password: {CANARY}\n"
        ));
        let s = select(std::slice::from_ref(&kc), None).unwrap();
        assert_eq!((s.context.as_str(), s.cluster.as_str(), s.server.as_str()), ("a", "c1", "https://192.0.2.10:6443"));
        assert_eq!(s.tls_server_name.as_deref(), Some("api.test"));
        assert_eq!(s.proxy_url.as_deref(), Some("http://***@proxy:3128"));
        assert!(!format!("{s:?}").contains(CANARY), "{s:?}");
    }

    #[test]
    fn kubectl_booleans() {
        for yes in ["true", "yes", "on", "True"] {
            let kc = parse_ok(&format!("clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: {yes}\n"));
            let c = kc.clusters.unwrap().remove(0).cluster.unwrap();
            assert_eq!(c.insecure_skip_tls_verify, Some(true), "{yes}");
        }
    }

    #[test]
    fn merge_first_file_wins() {
        let a = (PathBuf::from("/a"), parse_ok("clusters:\n- name: c\n  cluster: {server: https://192.0.2.1}\n"));
        let b = (
            PathBuf::from("/b"),
            parse_ok(
                "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: https://192.0.2.2}\n",
            ),
        );
        let s = select(&[a.clone(), b.clone()], None).unwrap();
        assert_eq!(s.server, "https://192.0.2.1");
        assert_eq!(s.file, PathBuf::from("/b"), "the context came from /b");
        assert_eq!(select(&[b, a], None).unwrap().server, "https://192.0.2.2");
    }

    #[test]
    fn clear_errors() {
        let kc = file("current-context: nope\ncontexts:\n- name: a\n  context: {cluster: c}\n");
        let e = select(std::slice::from_ref(&kc), None).unwrap_err().to_string();
        assert!(e.contains("\"nope\"") && e.contains("contexts: a"), "{e}");
        let e = select(std::slice::from_ref(&kc), Some("a")).unwrap_err().to_string();
        assert!(e.contains("cluster \"c\", which is not defined"), "{e}");
        let e = select(&[file("contexts: []")], None).unwrap_err().to_string();
        assert!(e.contains("current-context is not set"), "{e}");
        let e = select(&[file("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {}\n")], None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("field server is missing"), "{e}");
    }

    #[test]
    fn type_errors_name_line_and_field_without_the_value() {
        let text = format!(
            "clusters:\n- name: c\n  cluster:\n    server: https://h\n    insecure-skip-tls-verify: {CANARY}\n"
        );
        let e = parse(&text, Path::new("kc.yaml")).unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("insecure-skip-tls-verify"), "{msg}");
        assert!(!msg.contains(CANARY), "{msg}");
    }

    #[test]
    fn syntax_errors_in_users_never_echo_secrets() {
        for text in [
            format!("users:\n- name: u\n  user:\n    token: \"{CANARY}\n"),
            format!("users:\n- name: u\n  user: {{token: {CANARY}\n"),
            format!("users:\n- name: u\n  user:\n    token: {CANARY}\n   password: [{CANARY}\n"),
            format!("clusters: \"{CANARY}\"\n"),
            format!("clusters:\n- name: {{{CANARY}: 1}}\n"),
            format!("users:\n- name: u\n  user:\n    {CANARY}: [\n"),
        ] {
            let e = parse(&text, Path::new("kc.yaml")).unwrap_err().to_string();
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
        let full = "current-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n";
        for cut in 0..full.len() {
            let _ = parse(&full[..cut], Path::new("kc.yaml"));
        }
        assert!(parse("- just\n- a list\n", Path::new("kc.yaml")).is_err());
        assert_eq!(parse("", Path::new("kc.yaml")).unwrap(), KubeconfigFile::default());
    }

    #[test]
    fn ca_data_and_insecure_conflict() {
        let pem = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        let b64 = base64::engine::general_purpose::STANDARD.encode(pem);
        let text = format!(
            "current-context: a\ncontexts:\n- name: a\n  context: {{cluster: c}}\nclusters:\n- name: c\n  cluster:\n    server: https://h\n    certificate-authority-data: {b64}\n    insecure-skip-tls-verify: true\n"
        );
        let e = select(&[file(&text)], None).unwrap_err().to_string();
        assert!(e.contains("insecure-skip-tls-verify") && e.contains("/k/kc.yaml"), "{e}");
        let text = "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster:\n    server: https://h\n    certificate-authority-data: '%%%'\n";
        let e = select(&[file(text)], None).unwrap_err().to_string();
        assert!(e.contains("certificate-authority-data is not base64"), "{e}");
    }

    #[test]
    fn locate_order() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".kube")).unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("etc/kubernetes")).unwrap();
        let search = Search { flag: None, env: None, home: Some(home.clone()), root: HostRoot::new(&root) };
        let Located::NotFound { looked } = locate(&search).unwrap() else { panic!("nothing exists yet") };
        assert!(looked.iter().any(|l| l.contains("admin.conf missing")), "{looked:?}");
        std::fs::write(root.join("etc/kubernetes/admin.conf"), "").unwrap();
        assert!(matches!(locate(&search).unwrap(), Located::Found { via: Via::AdminConf, .. }));
        std::fs::write(home.join(".kube/config"), "").unwrap();
        assert!(matches!(locate(&search).unwrap(), Located::Found { via: Via::Home, .. }));
        let one = dir.path().join("one");
        std::fs::write(&one, "").unwrap();
        let env = std::env::join_paths([dir.path().join("missing"), one.clone()]).unwrap();
        let with_env = Search { env: Some(env), ..search.clone() };
        assert_eq!(locate(&with_env).unwrap(), Located::Found { via: Via::Env, files: vec![one] });
        let flagged = Search { flag: Some(dir.path().join("nope")), ..search };
        assert!(locate(&flagged).unwrap_err().to_string().contains("no such file"));
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
            if let Ok(file) = parse(&text, Path::new("kc.yaml")) {
                let _ = select(&[(PathBuf::from("kc.yaml"), file)], None);
            }
        }
    }

    #[test]
    fn proxy_urls_lose_their_credentials() {
        assert_eq!(redact_url("http://user:secret@proxy:3128/x"), "http://***@proxy:3128/x");
        assert_eq!(redact_url("socks5://proxy:1080"), "socks5://proxy:1080");
        assert_eq!(redact_url("user:pw@proxy:1"), "***@proxy:1");
    }
}
