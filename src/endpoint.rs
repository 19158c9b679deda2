//! The API server endpoint: parsing `--apiserver` / kubeconfig `server` values, and classifying
//! addresses as private or public (which decides the network type).

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::probe::tls;

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

impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointSource::Flag => f.write_str("--apiserver"),
            EndpointSource::Kubeconfig { file, context, via, .. } => write!(f, "context {context:?} of {file} ({via})"),
        }
    }
}

/// How the API server's certificate is verified: the kubeconfig cluster's settings when there is
/// one, system roots otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// The kubeconfig CA; when set, client-go trusts nothing else.
    pub ca: Option<crate::kubeconfig::CaBundle>,
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
    pub fn trust(&self) -> (tls::Trust, String) {
        match &self.ca {
            Some(ca) => (tls::Trust::Ca(ca.certs.clone()), format!("the kubeconfig CA ({})", ca.origin)),
            None => (tls::Trust::System, "the system's CA certificates".into()),
        }
    }
}

/// A proxy the user's tools would use; reported, never used by the probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxySetting {
    /// `kubeconfig proxy-url` or `$HTTPS_PROXY`.
    pub source: String,
    /// The URL with any credentials replaced by `***`.
    pub url: String,
}

/// Where to connect: `https://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: Host,
    pub port: u16,
    pub source: EndpointSource,
}

impl Endpoint {
    /// `https://host:port`, the form reports show.
    pub fn url(&self) -> String {
        format!("https://{}:{}", self.host, self.port)
    }
}

/// Parses `https://host[:port][/path]`, `host:port`, `host`, `[v6]:port` or a bare IPv6 literal.
/// `https://` without a port means 443, as for kubectl; a bare host without a port means 6443.
pub fn parse_server(text: &str) -> Result<(Host, u16), String> {
    // Messages quote the text, so a password in it must go first.
    let redacted = crate::kubeconfig::redact_url(text.trim());
    let t = redacted.as_str();
    if t.is_empty() {
        return Err("empty API server address; expected https://host:port or host:port".into());
    }
    let (rest, default_port) = match t.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (rest, 443),
        Some((scheme, _)) => {
            return Err(format!(
                "scheme {scheme:?} in {t:?}: the security center connects to the API server over HTTPS; expected https://host:port"
            ));
        }
        None => (t, DEFAULT_APISERVER_PORT),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(format!("{t:?} contains user information (shown as ***); give the address only"));
    }
    if let Ok(ip) = authority.parse::<IpAddr>() {
        return Ok((Host::Ip(ip), default_port));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (v6, after) = inner.split_once(']').ok_or_else(|| format!("unclosed '[' in {t:?}"))?;
        let ip: IpAddr = v6.parse().map_err(|_| format!("{v6:?} in {t:?} is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| format!("unexpected {p:?} after ']' in {t:?}"))?),
        };
        (Host::Ip(ip), port)
    } else {
        let (h, p) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let host = match h.parse::<IpAddr>() {
            Ok(ip) => Host::Ip(ip),
            Err(_) => Host::Name(valid_dns_name(h).map_err(|why| format!("{h:?} in {t:?} {why}"))?),
        };
        (host, p)
    };
    let port = match port {
        None => default_port,
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => return Err(format!("port {p:?} in {t:?} is not a port number (1-65535)")),
            Ok(n) => n,
        },
    };
    Ok((host, port))
}

fn valid_dns_name(name: &str) -> Result<String, &'static str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > 253 {
        return Err("is not a host name");
    }
    let ok_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if name.split('.').all(ok_label) { Ok(name.to_ascii_lowercase()) } else { Err("is not a valid host name") }
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
