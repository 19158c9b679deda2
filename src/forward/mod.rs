//! Hybrid-cloud forwarding machinery: what a forwarder host's kernel settings, routes and port
//! proxies say, read live or from a copied node under `--root`. No knowledge of checks.

pub mod host;
pub mod portproxy;
pub mod route;
pub mod sysctl;

use std::fmt;
use std::net::IpAddr;

use crate::i18n::Text;
use crate::t;

/// `--forward A:HOST:PORT`: this host forwards its TCP port A to the API server at HOST:PORT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardSpec {
    pub listen_port: u16,
    pub target: IpAddr,
    pub target_port: u16,
}

impl fmt::Display for ForwardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.target {
            IpAddr::V6(v6) => write!(f, "port {} → [{v6}]:{}", self.listen_port, self.target_port),
            v4 => write!(f, "port {} → {v4}:{}", self.listen_port, self.target_port),
        }
    }
}

impl ForwardSpec {
    /// Parses `A:HOST:PORT`, e.g. `16443:192.168.10.5:6443` or `16443:[2001:db8::5]:6443`. HOST must
    /// be an address: DNAT rules and port proxies name addresses, and the checks compare them.
    pub fn parse(text: &str) -> Result<ForwardSpec, Text> {
        let shown = format!("{text:?}");
        let form = || t!("input-forward-form", text = shown.as_str());
        let (a, rest) = text.trim().split_once(':').ok_or_else(form)?;
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (h, p) = inner.split_once("]:").ok_or_else(form)?;
            (h, p)
        } else {
            rest.rsplit_once(':').ok_or_else(form)?
        };
        let port_of = |s: &str, what: Text| match s.parse::<u16>() {
            Ok(0) | Err(_) => {
                Err(t!("input-forward-bad-port", part = what, value = format!("{s:?}"), text = shown.as_str()))
            }
            Ok(p) => Ok(p),
        };
        let target = host
            .parse::<IpAddr>()
            .map_err(|_| t!("input-forward-bad-host", host = format!("{host:?}"), text = shown.as_str()))?;
        Ok(ForwardSpec {
            listen_port: port_of(a, t!("input-forward-port-a"))?,
            target,
            target_port: port_of(port, Text::verbatim("PORT"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forward_specs() {
        let f = ForwardSpec::parse("16443:192.0.2.50:6443").expect("valid");
        assert_eq!((f.listen_port, f.target.to_string(), f.target_port), (16443, "192.0.2.50".into(), 6443));
        let f = ForwardSpec::parse("16443:[2001:db8::5]:6443").expect("valid");
        assert_eq!(f.target.to_string(), "2001:db8::5");
        for bad in [
            "",
            "16443",
            "16443:192.0.2.50",
            "0:192.0.2.50:6443",
            "a:192.0.2.50:6443",
            "16443:api.test:6443",
            "16443:192.0.2.50:70000",
        ] {
            assert!(ForwardSpec::parse(bad).is_err(), "{bad:?}");
        }
    }
}
