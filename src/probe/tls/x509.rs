//! Certificate verification as kubectl does it: client-go hands the presented chain to Go's
//! `crypto/x509` (`Certificate.Verify`, Go 1.23), and this module decides what Go decides.
//!
//! Go's rules, in its order:
//!
//! 1. The leaf itself: no critical extension Go does not handle; `NotBefore ≤ now ≤ NotAfter`;
//!    an extended key usage, when present, allows `serverAuth` (or any).
//! 2. The name: IP literals against IP SANs only; names against DNS SANs, case-insensitively,
//!    with a `*` only as the whole left-most label (and exact matches for anything else). The
//!    subject's common name is never used.
//! 3. **A leaf that is itself one of the trusted certificates is trusted as it is** — no chain,
//!    no signature, no CA flag (this is what makes a self-signed `openssl req -x509` certificate
//!    work as a kubeconfig's `certificate-authority`; WebPKI calls it `CaUsedAsEndEntity`).
//! 4. Otherwise a chain to a trusted certificate: each parent's subject is the child's issuer, the
//!    parent may sign (`CA:TRUE` on a v3 certificate, `keyCertSign` when key usage is present),
//!    the signature verifies and is not SHA-1 or MD5, intermediates are CAs, path lengths hold,
//!    and every certificate — the trusted root included — is within its validity period and
//!    allows `serverAuth` when it lists extended key usages. Key usage bits are otherwise
//!    ignored, and so is the leaf's CA flag.
//!
//! Not modelled (Go checks them, these never occur in kubeadm-style PKI): name constraints, and
//! algorithms ring does not verify (RSA under 2048 bits, P-521). A chain that depends on them is
//! reported as unverifiable, never as trusted.

use std::net::IpAddr;

use rustls::pki_types::{CertificateDer, ServerName};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;

/// What Go's verification decides, with what a message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The server's certificate does not parse.
    Unparsable,
    /// A critical extension Go does not know (`x509: unhandled critical extension`).
    UnhandledCritical {
        subject: String,
        oid: String,
    },
    NotYetValid {
        subject: String,
        not_before: i64,
        leaf: bool,
    },
    Expired {
        subject: String,
        not_after: i64,
        leaf: bool,
    },
    WrongName {
        name: String,
        sans: Vec<String>,
    },
    /// Extended key usage excludes TLS servers.
    IncompatibleUsage {
        subject: String,
    },
    /// No chain to a trusted certificate.
    UnknownAuthority(Unknown),
    /// A certificate in the chain is signed with SHA-1 or MD5, which Go refuses.
    InsecureAlgorithm {
        subject: String,
    },
    /// An intermediate that is not a CA.
    NotAuthorizedToSign {
        subject: String,
    },
    TooManyIntermediates {
        subject: String,
    },
    /// No certificate to trust at all.
    NoRoots(NoRoots),
}

/// Why there is no certificate to trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRoots {
    /// The kubeconfig's CA holds no usable certificate.
    EmptyCa,
    /// This host has no system CA certificates.
    NoSystemRoots,
    /// None of the trusted certificates parses.
    Unreadable,
}

/// Why a trusted certificate with the right name did not sign the presented one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSigned {
    NotCa,
    NoCertSign,
    WrongKey,
}

/// Why no chain was found, as far as a user can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub issuer: String,
    /// The presented certificate is self-signed.
    pub self_signed: bool,
    /// A trusted certificate (its subject) has the right name but its key did not sign (a
    /// different CA with the same name), or it may not sign certificates.
    pub name_match_failed: Option<(String, NotSigned)>,
    /// The trusted certificates include a server certificate for this very name: the kubeconfig
    /// pins a certificate, and the server presents another.
    pinned: Option<String>,
}

impl Unknown {
    pub fn pinned(&self) -> Option<&str> {
        self.pinned.as_deref()
    }
}

/// A parsed certificate and its DER.
struct Cert<'a> {
    der: &'a [u8],
    x: X509Certificate<'a>,
}

impl Cert<'_> {
    fn subject(&self) -> String {
        self.x.subject().to_string()
    }

    fn raw_subject(&self) -> &[u8] {
        self.x.subject().as_raw()
    }

    fn raw_issuer(&self) -> &[u8] {
        self.x.issuer().as_raw()
    }

    fn basic_constraints(&self) -> Option<(bool, Option<u32>)> {
        self.x.basic_constraints().ok().flatten().map(|b| (b.value.ca, b.value.path_len_constraint))
    }

    fn sans(&self) -> (Vec<String>, Vec<IpAddr>) {
        let mut dns = Vec::new();
        let mut ips = Vec::new();
        if let Ok(Some(ext)) = self.x.subject_alternative_name() {
            for name in &ext.value.general_names {
                match name {
                    GeneralName::DNSName(d) => dns.push((*d).to_string()),
                    GeneralName::IPAddress(bytes) => {
                        if let Ok(v4) = <[u8; 4]>::try_from(*bytes) {
                            ips.push(IpAddr::from(v4));
                        } else if let Ok(v6) = <[u8; 16]>::try_from(*bytes) {
                            ips.push(IpAddr::from(v6));
                        }
                    }
                    _ => {}
                }
            }
        }
        (dns, ips)
    }
}

/// The extensions Go's parser handles (`processExtensions`); any other critical one is refused.
const HANDLED: [&str; 13] = [
    "2.5.29.14",
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.19",
    "2.5.29.30",
    "2.5.29.31",
    "2.5.29.32",
    "2.5.29.33",
    "2.5.29.35",
    "2.5.29.36",
    "2.5.29.37",
    "2.5.29.54",
    "1.3.6.1.5.5.7.1.1",
];

/// SHA-1 and MD5 signatures (RSA, ECDSA, DSA), which Go no longer verifies.
const INSECURE: [&str; 6] = [
    "1.2.840.113549.1.1.4",
    "1.2.840.113549.1.1.5",
    "1.3.14.3.2.29",
    "1.2.840.10045.4.1",
    "1.2.840.10040.4.3",
    "1.2.840.113549.1.1.2",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Leaf,
    Intermediate,
    Root,
}

/// Go's `isValid` for `c` as it would join `chain` (which holds the leaf first).
fn is_valid(c: &Cert<'_>, role: Role, chain: &[&Cert<'_>], now: i64) -> Result<(), Rejection> {
    for ext in c.x.extensions() {
        let oid = ext.oid.to_id_string();
        if ext.critical && !HANDLED.contains(&oid.as_str()) {
            return Err(Rejection::UnhandledCritical { subject: c.subject(), oid });
        }
    }
    let validity = c.x.validity();
    let leaf = role == Role::Leaf;
    if now < validity.not_before.timestamp() {
        return Err(Rejection::NotYetValid { subject: c.subject(), not_before: validity.not_before.timestamp(), leaf });
    }
    if now > validity.not_after.timestamp() {
        return Err(Rejection::Expired { subject: c.subject(), not_after: validity.not_after.timestamp(), leaf });
    }
    if let Ok(Some(eku)) = c.x.extended_key_usage()
        && !eku.value.any
        && !eku.value.server_auth
    {
        return Err(Rejection::IncompatibleUsage { subject: c.subject() });
    }
    if role == Role::Intermediate && !matches!(c.basic_constraints(), Some((true, _))) {
        return Err(Rejection::NotAuthorizedToSign { subject: c.subject() });
    }
    if let Some((_, Some(max))) = c.basic_constraints()
        && chain.len().saturating_sub(1) > max as usize
    {
        return Err(Rejection::TooManyIntermediates { subject: c.subject() });
    }
    Ok(())
}

/// Why `signed_by` refuses a parent.
enum Unsigned {
    Not(NotSigned),
    /// SHA-1 or MD5.
    Insecure,
}

/// Go's `CheckSignatureFrom`: `parent` may sign, and signed `child` with an algorithm Go accepts.
fn signed_by(child: &Cert<'_>, parent: &Cert<'_>) -> Result<(), Unsigned> {
    let v3 = parent.x.version().0 >= 2;
    match parent.basic_constraints() {
        Some((false, _)) => return Err(Unsigned::Not(NotSigned::NotCa)),
        None if v3 => return Err(Unsigned::Not(NotSigned::NotCa)),
        _ => {}
    }
    if let Ok(Some(ku)) = parent.x.key_usage()
        && ku.value.flags != 0
        && !ku.value.key_cert_sign()
    {
        return Err(Unsigned::Not(NotSigned::NoCertSign));
    }
    if INSECURE.contains(&child.x.signature_algorithm.algorithm.to_id_string().as_str()) {
        return Err(Unsigned::Insecure);
    }
    child.x.verify_signature(Some(parent.x.public_key())).map_err(|_| Unsigned::Not(NotSigned::WrongKey))
}

/// Go's `VerifyHostname`.
fn verify_hostname(leaf: &Cert<'_>, name: &ServerName<'_>) -> Result<(), Rejection> {
    let (dns, ips) = leaf.sans();
    let shown: Vec<String> = dns.iter().cloned().chain(ips.iter().map(ToString::to_string)).collect();
    let wrong = |name: String| Rejection::WrongName { name, sans: shown.clone() };
    match name {
        ServerName::IpAddress(ip) => {
            let ip = IpAddr::from(*ip);
            let canonical = |a: IpAddr| match a {
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
                v4 => v4,
            };
            if ips.iter().any(|candidate| canonical(*candidate) == canonical(ip)) {
                Ok(())
            } else {
                Err(wrong(ip.to_string()))
            }
        }
        ServerName::DnsName(dns_name) => {
            let host = dns_name.as_ref().to_ascii_lowercase();
            let valid_input = valid_hostname(host.trim_end_matches('.'), false);
            let matched = dns.iter().any(|pattern| {
                if valid_input && valid_hostname(pattern, true) {
                    match_hostnames(&pattern.to_ascii_lowercase(), host.trim_end_matches('.'))
                } else {
                    !pattern.is_empty()
                        && pattern != "."
                        && !host.is_empty()
                        && host != "."
                        && pattern.to_ascii_lowercase() == host
                }
            });
            if matched { Ok(()) } else { Err(wrong(dns_name.as_ref().to_string())) }
        }
        _ => Err(wrong(String::new())),
    }
}

fn valid_hostname(host: &str, pattern: bool) -> bool {
    !host.is_empty()
        && host.split('.').enumerate().all(|(i, part)| {
            !part.is_empty()
                && (pattern && i == 0 && part == "*"
                    || part.char_indices().all(|(j, c)| c.is_ascii_alphanumeric() || c == '_' || (c == '-' && j != 0)))
        })
}

fn match_hostnames(pattern: &str, host: &str) -> bool {
    let p: Vec<&str> = pattern.split('.').collect();
    let h: Vec<&str> = host.split('.').collect();
    !pattern.is_empty()
        && !host.is_empty()
        && p.len() == h.len()
        && p.iter().zip(&h).enumerate().all(|(i, (a, b))| i == 0 && *a == "*" || a == b)
}

/// Verifies `leaf` (with the server's `intermediates`) for `name` against `roots` at `now` (Unix
/// seconds), as Go's `crypto/x509` does for kubectl.
pub fn verify(
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    name: &ServerName<'_>,
    roots: &[CertificateDer<'_>],
    now: i64,
) -> Result<(), Rejection> {
    let leaf = parse(leaf).ok_or(Rejection::Unparsable)?;
    // Go's pools skip what does not parse.
    let roots: Vec<Cert<'_>> = roots.iter().filter_map(parse).collect();
    if roots.is_empty() {
        return Err(Rejection::NoRoots(NoRoots::Unreadable));
    }
    let intermediates: Vec<Cert<'_>> = intermediates.iter().filter_map(parse).collect();
    is_valid(&leaf, Role::Leaf, &[], now)?;
    verify_hostname(&leaf, name)?;
    if roots.iter().any(|r| r.der == leaf.der) {
        return Ok(());
    }
    let mut search = Search { roots: &roots, intermediates: &intermediates, now, checks: 0, last: None, hint: None };
    if search.build(&[&leaf]) {
        return Ok(());
    }
    if let Some(rejection) = search.last {
        return Err(rejection);
    }
    let (dns, ips) = leaf.sans();
    let covers = |root: &Cert<'_>| {
        let (rdns, rips) = root.sans();
        root.raw_subject() == root.raw_issuer()
            && (rdns.iter().any(|d| dns.iter().any(|l| l.eq_ignore_ascii_case(d)))
                || rips.iter().any(|ip| ips.contains(ip))
                || verify_hostname(root, name).is_ok())
    };
    let pinned = roots.iter().find(|r| covers(r)).map(|r| {
        let digest = ring::digest::digest(&ring::digest::SHA256, r.der);
        let hex: Vec<String> = digest.as_ref().iter().take(8).map(|b| format!("{b:02X}")).collect();
        format!("{} (SHA-256 {}…)", r.subject(), hex.join(":"))
    });
    Err(Rejection::UnknownAuthority(Unknown {
        issuer: leaf.x.issuer().to_string(),
        self_signed: leaf.raw_subject() == leaf.raw_issuer(),
        name_match_failed: search.hint,
        pinned,
    }))
}

fn parse<'a>(der: &'a CertificateDer<'_>) -> Option<Cert<'a>> {
    let der: &'a [u8] = der.as_ref();
    x509_parser::parse_x509_certificate(der).ok().map(|(_, x)| Cert { der, x })
}

/// Go's `buildChains`: depth-first over the parents whose subject is the child's issuer.
struct Search<'r, 'a> {
    roots: &'r [Cert<'a>],
    intermediates: &'r [Cert<'a>],
    now: i64,
    /// Signature checks so far (Go stops at 100).
    checks: usize,
    /// The last `isValid` refusal of a candidate that did sign: Go reports it when no chain works.
    last: Option<Rejection>,
    /// Why the first candidate with the right name (its subject) did not sign.
    hint: Option<(String, NotSigned)>,
}

impl<'r, 'a> Search<'r, 'a> {
    fn build(&mut self, chain: &[&Cert<'a>]) -> bool {
        let Some(child) = chain.last().copied() else { return false };
        let candidates = self
            .roots
            .iter()
            .map(|c| (c, Role::Root))
            .chain(self.intermediates.iter().map(|c| (c, Role::Intermediate)))
            .filter(|(c, _)| c.raw_subject() == child.raw_issuer());
        let mut found = false;
        for (candidate, role) in candidates {
            if chain.iter().any(|c| {
                c.raw_subject() == candidate.raw_subject() && c.x.public_key().raw == candidate.x.public_key().raw
            }) {
                continue;
            }
            self.checks += 1;
            if self.checks > 100 {
                return found;
            }
            match signed_by(child, candidate) {
                Err(Unsigned::Insecure) => {
                    self.last = Some(Rejection::InsecureAlgorithm { subject: child.subject() });
                    continue;
                }
                Err(Unsigned::Not(why)) => {
                    self.hint.get_or_insert_with(|| (candidate.subject(), why));
                    continue;
                }
                Ok(()) => {}
            }
            if let Err(e) = is_valid(candidate, role, chain, self.now) {
                self.last = Some(e);
                continue;
            }
            match role {
                Role::Root => found = true,
                _ => {
                    let mut longer = chain.to_vec();
                    longer.push(candidate);
                    found |= self.build(&longer);
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    use time::{Duration, OffsetDateTime};

    fn now() -> i64 {
        OffsetDateTime::now_utc().unix_timestamp()
    }

    fn name(n: &str) -> ServerName<'static> {
        match n.parse::<IpAddr>() {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => ServerName::try_from(n.to_string()).expect("name"),
        }
    }

    struct Made {
        der: CertificateDer<'static>,
        issuer: Issuer<'static, KeyPair>,
    }

    fn ca(cn: &str, days: (i64, i64)) -> Made {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.not_before = OffsetDateTime::now_utc() + Duration::days(days.0);
        p.not_after = OffsetDateTime::now_utc() + Duration::days(days.1);
        let cert = p.self_signed(&key).expect("self-signed");
        Made { der: cert.der().clone(), issuer: Issuer::new(p, key) }
    }

    fn leaf(sans: &[&str], by: &Made, tweak: impl FnOnce(&mut CertificateParams)) -> CertificateDer<'static> {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("params");
        p.distinguished_name.push(DnType::CommonName, "kube-apiserver");
        tweak(&mut p);
        p.signed_by(&key, &by.issuer).expect("signed").der().clone()
    }

    /// What `openssl req -x509 -subj /CN=api -addext subjectAltName=…` makes: CA:TRUE, self-signed.
    fn openssl_style(sans: &[&str]) -> CertificateDer<'static> {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("params");
        p.distinguished_name.push(DnType::CommonName, "api");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
        p.not_after = OffsetDateTime::now_utc() + Duration::days(365);
        p.self_signed(&key).expect("self-signed").der().clone()
    }

    #[test]
    fn a_self_signed_ca_certificate_trusted_as_itself_verifies_with_validity_and_name_still_checked() {
        let cert = openssl_style(&["127.0.0.1", "api.test"]);
        assert_eq!(verify(&cert, &[], &name("127.0.0.1"), std::slice::from_ref(&cert), now()), Ok(()));
        assert_eq!(verify(&cert, &[], &name("API.test"), std::slice::from_ref(&cert), now()), Ok(()));
        assert!(matches!(
            verify(&cert, &[], &name("other.test"), std::slice::from_ref(&cert), now()),
            Err(Rejection::WrongName { .. })
        ));
        let later = now() + 400 * 86_400;
        assert!(matches!(
            verify(&cert, &[], &name("api.test"), std::slice::from_ref(&cert), later),
            Err(Rejection::Expired { leaf: true, .. })
        ));
        let other = openssl_style(&["127.0.0.1"]);
        match verify(&other, &[], &name("127.0.0.1"), std::slice::from_ref(&cert), now()) {
            Err(Rejection::UnknownAuthority(u)) => assert!(u.self_signed && u.pinned().is_some(), "{u:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn chains_as_go_builds_them() {
        let root = ca("go-root", (-1, 365));
        let good = leaf(&["api.test"], &root, |_| {});
        assert_eq!(verify(&good, &[], &name("api.test"), std::slice::from_ref(&root.der), now()), Ok(()));
        // A CA:TRUE leaf issued by the root: Go does not care about the leaf's CA flag.
        let ca_leaf = leaf(&["api.test"], &root, |p| p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained));
        assert_eq!(verify(&ca_leaf, &[], &name("api.test"), std::slice::from_ref(&root.der), now()), Ok(()));
        // A leaf for clients only.
        let client = leaf(&["api.test"], &root, |p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth]);
        assert!(matches!(
            verify(&client, &[], &name("api.test"), std::slice::from_ref(&root.der), now()),
            Err(Rejection::IncompatibleUsage { .. })
        ));
        // An expired root: WebPKI accepts it, Go does not.
        let old = ca("go-old-root", (-400, -1));
        let under_old = leaf(&["api.test"], &old, |_| {});
        assert!(matches!(
            verify(&under_old, &[], &name("api.test"), std::slice::from_ref(&old.der), now()),
            Err(Rejection::Expired { leaf: false, .. })
        ));
        // Through an intermediate, and not through a leaf posing as one.
        let mid_key = KeyPair::generate().expect("key");
        let mut mid = CertificateParams::new(Vec::<String>::new()).expect("params");
        mid.distinguished_name.push(DnType::CommonName, "go-mid");
        mid.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        mid.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let mid_der = mid.signed_by(&mid_key, &root.issuer).expect("mid").der().clone();
        let mid = Made { der: mid_der, issuer: Issuer::new(mid, mid_key) };
        let deep = leaf(&["api.test"], &mid, |_| {});
        let roots = std::slice::from_ref(&root.der);
        assert_eq!(verify(&deep, std::slice::from_ref(&mid.der), &name("api.test"), roots, now()), Ok(()));
        assert!(matches!(verify(&deep, &[], &name("api.test"), roots, now()), Err(Rejection::UnknownAuthority(_))));
        // Same name, other key.
        let impostor = ca("go-root", (-1, 365));
        let forged = leaf(&["api.test"], &impostor, |_| {});
        match verify(&forged, &[], &name("api.test"), roots, now()) {
            Err(Rejection::UnknownAuthority(u)) => assert!(u.name_match_failed.is_some() && !u.self_signed, "{u:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostnames_as_go_matches_them() {
        let root = ca("go-names", (-1, 365));
        let wild = leaf(&["*.example.test", "Exact.Host", "::1"], &root, |_| {});
        let roots = std::slice::from_ref(&root.der);
        for ok in ["a.example.test", "A.EXAMPLE.TEST.", "exact.host", "::1"] {
            assert_eq!(verify(&wild, &[], &name(ok), roots, now()), Ok(()), "{ok}");
        }
        for bad in ["example.test", "a.b.example.test", "exact.host.x", "127.0.0.1"] {
            assert!(matches!(verify(&wild, &[], &name(bad), roots, now()), Err(Rejection::WrongName { .. })), "{bad}");
        }
    }
}
