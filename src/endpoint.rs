//! The API server endpoint: parsing `--apiserver`, reading a kubeconfig `server` the way kubectl
//! (client-go on Go's `net/url`) does, deciding what the probes can connect to, and classifying
//! addresses as private or public (which decides the network type).

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::i18n::Text;
use crate::probe::tls;
use crate::t;

/// Port used when neither the URL nor the flag names one and there is no scheme: kube-apiserver's
/// default secure port.
pub const DEFAULT_APISERVER_PORT: u16 = 6443;

/// A host as written: an IP literal or a DNS name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Ip(IpAddr),
    Name(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(IpAddr::V6(v6)) => write!(f, "[{v6}]"),
            Host::Ip(ip) => write!(f, "{ip}"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

impl Host {
    /// The host without brackets: what TLS verification and SNI use.
    pub fn bare(&self) -> String {
        match self {
            Host::Ip(ip) => ip.to_string(),
            Host::Name(name) => name.clone(),
        }
    }
}

/// Where the endpoint came from; `apiserver.endpoint` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EndpointSource {
    /// `--apiserver`.
    Flag,
    /// A kubeconfig file and context. `via` is how the file was found: `--kubeconfig`,
    /// `$KUBECONFIG`, `~/.kube/config` or `admin.conf`.
    Kubeconfig { file: String, context: String, cluster: String, via: String },
}

impl EndpointSource {
    /// `--apiserver`, or `context "c" of FILE (VIA)`, in the run's language.
    pub fn text(&self) -> Text {
        match self {
            EndpointSource::Flag => Text::verbatim("--apiserver"),
            EndpointSource::Kubeconfig { file, context, via, .. } => {
                t!("apiserver-source-kubeconfig", context = format!("{context:?}"), file = file, via = via)
            }
        }
    }
}

/// English, for logs.
impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en())
    }
}

/// How the API server's certificate is verified: the kubeconfig cluster's settings when there is
/// one, system roots otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// The kubeconfig CA; when set, client-go trusts nothing else.
    pub ca: Option<CaBundle>,
    /// `tls-server-name`: the name verified (and sent as SNI) instead of the host.
    pub server_name: Option<String>,
    /// `insecure-skip-tls-verify: true`.
    pub insecure: bool,
}

impl TlsSettings {
    /// The name the certificate must be valid for: `tls-server-name`, else the host dialled.
    pub fn name_for(&self, host: &Host) -> String {
        self.server_name.clone().unwrap_or_else(|| host.bare())
    }

    /// The roots to verify against, and how to say so.
    pub fn trust(&self) -> (tls::Trust, Text) {
        match &self.ca {
            Some(ca) => {
                (tls::Trust::Ca(ca.certs.clone()), t!("apiserver-trust-kubeconfig-ca", origin = ca.origin.text()))
            }
            None => (tls::Trust::System, t!("apiserver-trust-system")),
        }
    }
}

/// Where a cluster's CA came from and the certificates it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaBundle {
    pub origin: CaOrigin,
    pub certs: Vec<rustls::pki_types::CertificateDer<'static>>,
}

/// Where a kubeconfig cluster's CA is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaOrigin {
    /// `certificate-authority`: the CA file's path.
    File(String),
    /// `certificate-authority-data` of this cluster in this kubeconfig.
    Data { cluster: String, file: String },
}

impl CaOrigin {
    pub fn text(&self) -> Text {
        match self {
            CaOrigin::File(path) => Text::verbatim(path),
            CaOrigin::Data { cluster, file } => {
                t!("apiserver-ca-data-of", cluster = format!("{cluster:?}"), file = file)
            }
        }
    }
}

/// English: the path, or `certificate-authority-data of cluster "c" in FILE` (the evidence's form).
impl fmt::Display for CaOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en())
    }
}

/// A URL as it may be shown: without userinfo and query, whatever they hold.
pub fn redact_url(url: &str) -> String {
    crate::error::sanitize::url(url)
}

/// A proxy the user's tools would use; reported, never used by the probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxySetting {
    /// `kubeconfig proxy-url` or `$HTTPS_PROXY`.
    pub source: String,
    /// The URL with any credentials replaced by `***`.
    pub url: String,
}

/// Where to connect: `https://host:port`, and the path of a proxy in front of the API server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: Host,
    pub port: u16,
    /// A path after the host (`/k8s/clusters/c-x` behind Rancher), cleaned as client-go joins it;
    /// empty for an API server itself. The HTTP probes put it before `/readyz` and `/version`.
    pub path: String,
    pub source: EndpointSource,
    /// What kubectl dials for this kubeconfig (`http://…` when it would not use TLS); `None` for
    /// `--apiserver`.
    pub kubectl_dials: Option<String>,
}

impl Endpoint {
    /// `https://host:port`, the form reports show (with the proxy's path, when there is one).
    pub fn url(&self) -> String {
        format!("https://{}:{}{}", self.host, self.port, self.path)
    }

    /// The request path for `path` (`/readyz`) behind this endpoint's own path, escaped for the wire.
    pub fn request_path(&self, path: &str) -> String {
        format!("{}{path}", escape_path(&self.path))
    }
}

/// Why the kubeconfig gives no endpoint the probes can use: kubectl refuses it, or kubectl
/// would connect somewhere the security center cannot (plain HTTP, its default localhost:8080).
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointFailure {
    /// kubectl refuses the configuration before it connects, and where in client-go (`load`,
    /// `context`, `validation`, `url`, `transport`, `ca-pem`, `stat`); `None`: it would connect,
    /// but not to an API server over TLS.
    pub refused: Option<&'static str>,
    /// Why, with kubectl's words where it has them.
    pub why: Text,
    pub file: Option<String>,
    pub line: Option<usize>,
    /// What kubectl would dial, when it would dial at all.
    pub kubectl_dials: Option<String>,
    /// The context and cluster it came from, when one was chosen.
    pub source: Option<EndpointSource>,
}

/// A URL as Go's `net/url` parses it: only the parts client-go looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoUrl {
    /// Lower-cased, as Go stores it.
    pub scheme: String,
    pub opaque: String,
    /// Host and port as written (`URL.Host`).
    pub host: String,
    /// The path, percent-decoded.
    pub path: String,
    pub query: Option<String>,
}

impl GoUrl {
    /// `URL.Hostname()`: the host without port and brackets.
    pub fn hostname(&self) -> &str {
        split_host_port(&self.host).0
    }

    /// `URL.Port()`: the digits after the last colon, when there are any.
    pub fn port(&self) -> Option<&str> {
        split_host_port(&self.host).1
    }
}

fn split_host_port(host_port: &str) -> (&str, Option<&str>) {
    let (mut host, mut port) = (host_port, None);
    if let Some(colon) = host_port.rfind(':')
        && valid_optional_port(&host_port[colon..])
    {
        host = &host_port[..colon];
        port = Some(&host_port[colon + 1..]);
    }
    if host.len() >= 2 && host.starts_with('[') && host.ends_with(']') {
        host = &host[1..host.len() - 1];
    }
    (host, port)
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty() || port.strip_prefix(':').is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Go's `url.Parse` (`via_request = false`) and `url.ParseRequestURI` (`true`), for the URLs a
/// kubeconfig holds. Errors are Go's words.
pub fn go_url_parse(raw: &str, via_request: bool) -> Result<GoUrl, String> {
    let raw = if via_request { raw } else { raw.split_once('#').map_or(raw, |(u, _)| u) };
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url =
        GoUrl { scheme: String::new(), opaque: String::new(), host: String::new(), path: String::new(), query: None };
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, mut rest) = go_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((before, query)) = rest.split_once('?') {
        url.query = Some(query.to_string());
        rest = before;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if via_request {
            return Err("invalid URI for request".into());
        }
        if rest.split('/').next().is_some_and(|segment| segment.contains(':')) {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !via_request && !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        url.host = go_authority(authority)?;
        rest = path;
    }
    url.path = percent_decode(rest, false)?;
    Ok(url)
}

fn go_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i == 0 => return Ok(("", raw)),
            '0'..='9' | '+' | '-' | '.' => {}
            ':' if i == 0 => return Err("missing protocol scheme".into()),
            ':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// The host of an authority (`user@host:port`); user information is checked, never returned.
fn go_authority(authority: &str) -> Result<String, String> {
    let host = match authority.rfind('@') {
        Some(at) => {
            let user = &authority[..at];
            let allowed = |c: char| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c) || !c.is_ascii();
            if !user.chars().all(allowed) {
                return Err("net/url: invalid userinfo".into());
            }
            &authority[at + 1..]
        }
        None => authority,
    };
    if let Some(inner) = host.strip_prefix('[') {
        let Some(close) = inner.rfind(']') else { return Err("missing ']' in host".into()) };
        let after = &inner[close + 1..];
        if !valid_optional_port(after) {
            return Err(format!("invalid port {after:?} after host"));
        }
    } else if let Some(colon) = host.rfind(':')
        && !valid_optional_port(&host[colon..])
    {
        return Err(format!("invalid port {:?} after host", &host[colon..]));
    }
    percent_decode(host, true)
}

/// Go's `unescape`: `%XX` sequences decoded; in a host, only the characters Go allows there.
fn percent_decode(text: &str, host: bool) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = text.get(i + 1..i + 3).filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
            let Some(hex) = hex else {
                let shown: String = text[i..].chars().take(3).collect();
                return Err(format!("invalid URL escape {shown:?}"));
            };
            out.push(u8::from_str_radix(hex, 16).map_err(|e| e.to_string())?);
            i += 3;
            continue;
        }
        if host && b < 0x80 && !(b.is_ascii_alphanumeric() || b"-_.~!$&'()*+,;=:[]<>\"".contains(&b)) {
            return Err(format!("invalid character {:?} in host name", char::from(b)));
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "invalid UTF-8 in URL".into())
}

/// A decoded path escaped again, as `URL.String()` writes it (`#`, `?`, `%`, spaces escaped).
fn escape_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~$&+,/:;=@!'()*[]".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Go's `path.Clean`, for the path client-go joins before `/version`.
fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Where kubectl connects for a kubeconfig `server`: client-go's rules, from the string to the
/// URL its HTTP client dials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubectlTarget {
    pub url: GoUrl,
    /// The server had no scheme and client-go added `http://` (it adds `https://` only when the
    /// TLS settings are known at that point, which for a kubeconfig they are not).
    pub scheme_defaulted: bool,
    /// The path client-go puts before every request (`/k8s/clusters/c-x`), `""` for none.
    pub base_path: String,
}

impl KubectlTarget {
    /// The URL kubectl dials, before the request's own path: `https://host:port/base`.
    pub fn dials(&self) -> String {
        format!("{}://{}{}", self.url.scheme, self.url.host, self.base_path)
    }
}

/// client-go's reading of a kubeconfig `server`: the query and fragment after a path are dropped
/// (`ClientConfig`), a value without a scheme or host gets `http://` and may then carry no path
/// (`DefaultServerURL`). Errors are client-go's words; kubectl dials nothing then.
pub fn kubectl_target(server: &str) -> Result<KubectlTarget, String> {
    let mut host = server.to_string();
    if let Ok(u) = go_url_parse(server, true)
        && u.opaque.is_empty()
        && u.path.len() > 1
    {
        // `URL.String()` without the query: scheme, `//host` when there is one, the path.
        let scheme = if u.scheme.is_empty() { String::new() } else { format!("{}:", u.scheme) };
        let authority = if u.host.is_empty() { String::new() } else { format!("//{}", u.host) };
        host = format!("{scheme}{authority}{}", escape_path(&u.path));
    }
    let parsed = go_url_parse(&host, false);
    let (url, scheme_defaulted) = match parsed {
        Ok(u) if !u.scheme.is_empty() && !u.host.is_empty() => (u, false),
        _ => {
            let u =
                go_url_parse(&format!("http://{host}"), false).map_err(|e| format!("parse \"http://{host}\": {e}"))?;
            if !u.path.is_empty() && u.path != "/" {
                return Err(format!("host must be a URL or a host:port pair: {host:?}"));
            }
            (u, true)
        }
    };
    let cleaned = clean_path(&url.path);
    let base_path = if cleaned == "/" { String::new() } else { cleaned };
    Ok(KubectlTarget { url, scheme_defaulted, base_path })
}

/// What the probes can connect to for a kubectl target: TLS to the host and port kubectl dials.
/// `Err` says why not (another scheme, a port out of range, a host that is not one).
pub fn probe_target(target: &KubectlTarget) -> Result<(Host, u16), Text> {
    let url = &target.url;
    let default_port = match url.scheme.as_str() {
        "https" => 443,
        "http" => 80,
        other => return Err(t!("apiserver-target-scheme", scheme = format!("{other:?}"))),
    };
    let port = match url.port().filter(|p| !p.is_empty()) {
        None => default_port,
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => return Err(t!("apiserver-target-port", port = p)),
            Ok(n) => n,
        },
    };
    let name = url.hostname();
    let host = match name.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) if name.contains(':') => {
            return Err(t!(
                "apiserver-target-ipv6",
                written = format!("{:?}", url.host),
                host = format!("{name:?}"),
                port = url.port().unwrap_or_default()
            ));
        }
        Err(_) => Host::Name(
            valid_dns_name(name)
                .map_err(|why| t!("apiserver-target-name", name = format!("{name:?}"), why = why.text()))?,
        ),
    };
    Ok((host, port))
}

/// Parses `https://host[:port][/path]`, `host:port`, `host`, `[v6]:port` or a bare IPv6 literal.
/// `https://` without a port means 443, as for kubectl; a bare host without a port means 6443.
pub fn parse_server(text: &str) -> Result<(Host, u16), Text> {
    // Messages quote the text, so a password in it must go first.
    let redacted = redact_url(text.trim());
    let t = redacted.as_str();
    if t.is_empty() {
        return Err(t!("apiserver-server-empty"));
    }
    let (rest, default_port) = match t.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (rest, 443),
        Some((scheme, _)) => {
            return Err(t!("apiserver-server-scheme", scheme = format!("{scheme:?}"), text = format!("{t:?}")));
        }
        None => (t, DEFAULT_APISERVER_PORT),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(t!("apiserver-server-user-info", text = format!("{t:?}")));
    }
    if let Ok(ip) = authority.parse::<IpAddr>() {
        return Ok((Host::Ip(ip), default_port));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (v6, after) =
            inner.split_once(']').ok_or_else(|| t!("apiserver-server-unclosed-bracket", text = format!("{t:?}")))?;
        let ip: IpAddr = v6
            .parse()
            .map_err(|_| t!("apiserver-server-not-ipv6", value = format!("{v6:?}"), text = format!("{t:?}")))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| {
                t!("apiserver-server-after-bracket", after = format!("{p:?}"), text = format!("{t:?}"))
            })?),
        };
        (Host::Ip(ip), port)
    } else {
        let (h, p) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let host = match h.parse::<IpAddr>() {
            Ok(ip) => Host::Ip(ip),
            Err(_) => Host::Name(valid_dns_name(h).map_err(|why| {
                t!("apiserver-server-bad-name", name = format!("{h:?}"), text = format!("{t:?}"), why = why.text())
            })?),
        };
        (host, p)
    };
    let port = match port {
        None => default_port,
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => {
                return Err(t!("apiserver-server-bad-port", port = format!("{p:?}"), text = format!("{t:?}")));
            }
            Ok(n) => n,
        },
    };
    Ok((host, port))
}

/// Why a name is no host name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadName {
    /// Empty, or longer than DNS allows.
    NotAName,
    /// A label DNS does not allow.
    Invalid,
}

impl BadName {
    fn text(self) -> Text {
        match self {
            BadName::NotAName => t!("apiserver-name-not-a-host-name"),
            BadName::Invalid => t!("apiserver-name-invalid"),
        }
    }
}

/// English: what `--apiserver`'s usage errors say.
impl fmt::Display for BadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en())
    }
}

fn valid_dns_name(name: &str) -> Result<String, BadName> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > 253 {
        return Err(BadName::NotAName);
    }
    let ok_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if name.split('.').all(ok_label) { Ok(name.to_ascii_lowercase()) } else { Err(BadName::Invalid) }
}

/// Why an address counts as private, or `None` when it is public. The list is the one DESIGN.md
/// gives for `--network auto`: RFC 1918, shared address space, loopback, link-local, ULA.
pub fn private_range(ip: IpAddr) -> Option<&'static str> {
    const RANGES: &[(&str, &str)] = &[
        ("10.0.0.0/8", "RFC 1918 private"),
        ("172.16.0.0/12", "RFC 1918 private"),
        ("192.168.0.0/16", "RFC 1918 private"),
        ("100.64.0.0/10", "shared address space (RFC 6598)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("::1/128", "loopback"),
        ("fe80::/10", "link-local"),
        ("fc00::/7", "unique local (RFC 4193)"),
    ];
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    RANGES.iter().find_map(|(net, why)| {
        let net: IpNet = net.parse().ok()?;
        net.contains(&ip).then_some(*why)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (String, u16) {
        let (h, p) = parse_server(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        (h.to_string(), p)
    }

    #[test]
    fn parses_the_forms_people_write() {
        assert_eq!(ok("https://192.0.2.10:6443"), ("192.0.2.10".into(), 6443));
        assert_eq!(ok("https://api.example.test"), ("api.example.test".into(), 443));
        assert_eq!(ok("api.example.test:8443"), ("api.example.test".into(), 8443));
        assert_eq!(ok("API.Example.Test"), ("api.example.test".into(), 6443));
        assert_eq!(ok("192.0.2.10"), ("192.0.2.10".into(), 6443));
        assert_eq!(ok("[2001:db8::1]:6443"), ("[2001:db8::1]".into(), 6443));
        assert_eq!(ok("https://[2001:db8::1]/"), ("[2001:db8::1]".into(), 443));
        assert_eq!(ok("2001:db8::1"), ("[2001:db8::1]".into(), 6443));
        assert_eq!(ok("HTTPS://192.0.2.10:6443/readyz?x=1"), ("192.0.2.10".into(), 6443));
    }

    #[test]
    fn rejects_nonsense_with_a_reason() {
        for bad in [
            "",
            "http://192.0.2.1:6443",
            "https://host:0",
            "https://host:99999",
            "host:port",
            "https://[::1",
            "bad host:1",
            "https://u:p@h:1",
            "http://u:secret@h:1",
            "-x.test",
        ] {
            assert!(parse_server(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn never_echoes_a_password() {
        for bad in ["http://u:secret@h:1", "https://u:secret@h:1", "u:secret@h:1"] {
            let e = parse_server(bad).unwrap_err();
            assert!(!e.contains("secret"), "{e}");
        }
    }

    fn dials(server: &str) -> Result<String, String> {
        kubectl_target(server).map(|t| t.dials())
    }

    #[test]
    fn what_kubectl_dials_for_a_kubeconfig_server() {
        for (server, url) in [
            ("https://192.0.2.1:6443", "https://192.0.2.1:6443"),
            ("192.0.2.1", "http://192.0.2.1"),
            ("192.0.2.1:6443", "http://192.0.2.1:6443"),
            ("[2001:db8::1]:6443", "http://[2001:db8::1]:6443"),
            ("2001:db8::1", "http://2001:db8::1"),
            ("HTTPS://h:1", "https://h:1"),
            ("https://r.example/k8s/clusters/c-x/", "https://r.example/k8s/clusters/c-x"),
            ("https://h:6443/a/../b/?x=1#f", "https://h:6443/b"),
            ("https://h:6443?x=1", "https://h:6443"),
            ("https://h/", "https://h"),
            ("https://h/ ", "https://h/ "),
            ("ftp://h", "ftp://h"),
            ("h", "http://h"),
        ] {
            assert_eq!(dials(server).as_deref(), Ok(url), "{server}");
        }
        for refused in ["r.example/k8s", "https://h ost", " https://h", "https:/h", "http://[::1"] {
            assert!(dials(refused).is_err(), "{refused}: {:?}", dials(refused));
        }
    }

    #[test]
    fn what_the_probes_can_use() {
        let probe = |s: &str| kubectl_target(s).and_then(|t| probe_target(&t).map_err(|e| e.en()));
        assert_eq!(probe("https://h.example").map(|(h, p)| (h.to_string(), p)), Ok(("h.example".into(), 443)));
        assert_eq!(probe("192.0.2.1").map(|(_, p)| p), Ok(80), "kubectl's http default port");
        assert!(probe("2001:db8::1").is_err_and(|e| e.contains("brackets")));
        assert!(probe("https://h:99999").is_err_and(|e| e.contains("not a port")));
        assert!(probe("ftp://h").is_err_and(|e| e.contains("unsupported protocol scheme")));
        let u = go_url_parse("https://u:p@h:1/x%20y", false).expect("url");
        assert_eq!((u.host.as_str(), u.path.as_str(), u.hostname(), u.port()), ("h:1", "/x y", "h", Some("1")));
    }

    #[test]
    fn proxy_urls_lose_their_credentials() {
        assert_eq!(redact_url("http://user:secret@proxy:3128/x"), "http://***@proxy:3128/x");
        assert_eq!(redact_url("socks5://proxy:1080"), "socks5://proxy:1080");
        assert_eq!(redact_url("user:pw@proxy:1"), "***@proxy:1");
    }

    #[test]
    fn classifies_private_addresses() {
        for (ip, private) in [
            ("10.1.2.3", true),
            ("172.31.0.1", true),
            ("172.32.0.1", false),
            ("192.168.1.1", true),
            ("100.104.12.70", true),
            ("127.0.0.1", true),
            ("169.254.169.254", true),
            ("::1", true),
            ("fd00::1", true),
            ("::ffff:10.0.0.1", true),
            ("47.96.166.214", false),
            ("203.0.113.5", false),
            ("2001:db8::1", false),
        ] {
            let ip: IpAddr = ip.parse().expect("test address");
            assert_eq!(private_range(ip).is_some(), private, "{ip}");
        }
    }
}
