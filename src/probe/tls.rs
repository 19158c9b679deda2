//! TLS handshakes that record what the server presented, whether or not it verifies.
//!
//! The verifier trusts what kubectl trusts: Go's `crypto/x509` rules (see [`x509`]), not WebPKI's
//! (which, for one, refuses a self-signed server certificate listed as the kubeconfig's CA). It
//! keeps the presented chain and the verdict, then either enforces the verdict (for connections
//! that carry requests) or lets the handshake finish (to learn the protocol and cipher of a
//! server whose certificate fails). That is how a failing certificate still shows its subject,
//! SANs and dates: the evidence an SRE needs most exactly then.

pub mod x509;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use serde::{Serialize, Serializer};
use tokio::net::TcpStream;

use crate::i18n::Text;
use crate::t;
use crate::units::rfc3339_unix;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use x509::{NoRoots, NotSigned, Rejection};

/// Which certificates to trust.
#[derive(Debug, Clone)]
pub enum Trust {
    /// Only these CA certificates (a kubeconfig's CA: client-go trusts nothing else then).
    Ca(Vec<CertificateDer<'static>>),
    /// The operating system's roots.
    System,
}

/// What to connect as: the name to verify (and send as SNI; an IP literal sends none and is
/// checked against IP SANs), the trust, and whether a failed verification ends the handshake.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: ServerName<'static>,
    pub trust: Trust,
    /// `false` lets the handshake finish after a failed verification (the verdict is still
    /// recorded): for `insecure-skip-tls-verify`, and to learn more about a failing server.
    pub enforce: bool,
}

impl Target {
    /// `name` is a host name or an IP literal.
    pub fn new(name: &str, trust: Trust, enforce: bool) -> Result<Target, Text> {
        let name = match name.trim_matches(['[', ']']).parse::<IpAddr>() {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => ServerName::try_from(name.to_string())
                .map_err(|_| t!("probe-tls-bad-server-name", name = format!("{name:?}")))?,
        };
        Ok(Target { name, trust, enforce })
    }
}

/// One certificate of the presented chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses the certificate is valid for.
    pub sans: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    /// Seconds since the epoch, for expiry arithmetic.
    #[serde(skip)]
    pub not_after_unix: i64,
    /// SHA-256 of the DER, as `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints).
    pub sha256: String,
    pub self_signed: bool,
}

/// The verdict on the presented chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub verified: bool,
    /// `wrong-name`, `expired`, `not-yet-valid`, `ca-expired`, `ca-not-yet-valid`, `unknown-ca`,
    /// `self-signed`, `not-the-trusted-certificate`, `bad-signature`, `wrong-usage`, `not-a-ca`,
    /// `insecure-signature`, `unhandled-extension`, `no-roots` or `other`; absent when verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// Why, in the run's language; the evidence has it in English.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "english")]
    pub reason: Option<Text>,
}

fn english<S: Serializer>(text: &Option<Text>, s: S) -> Result<S::Ok, S::Error> {
    match text {
        Some(t) => s.serialize_str(&t.en()),
        None => s.serialize_none(),
    }
}

/// A finished handshake.
#[derive(Debug, Clone, PartialEq)]
pub struct Handshake {
    pub protocol: String,
    pub cipher: String,
    pub chain: Vec<CertInfo>,
    pub verdict: Verdict,
    pub elapsed: Duration,
}

/// A handshake that did not finish, with whatever the server presented before it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// `timeout`, `not-tls`, `closed`, `alert`, `certificate` or `other`.
    pub kind: &'static str,
    pub reason: Text,
    pub chain: Vec<CertInfo>,
    pub verdict: Option<Verdict>,
}

/// Performs the TLS handshake on a connected socket within `timeout`.
pub async fn handshake(
    tcp: TcpStream,
    target: &Target,
    timeout: Duration,
) -> Result<(TlsStream<TcpStream>, Handshake), Failure> {
    let started = Instant::now();
    let recorder = Arc::new(Recorder::new(&target.trust, target.enforce));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure { kind: "other", reason: Text::verbatim(e.to_string()), chain: vec![], verdict: None })?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let connector = TlsConnector::from(Arc::new(config));
    let result = tokio::time::timeout(timeout, connector.connect(target.name.clone(), tcp)).await;
    let (chain, verdict) = recorder.take();
    match result {
        Err(_) => Err(Failure {
            kind: "timeout",
            reason: t!("probe-tls-timeout", timeout = format!("{timeout:?}")),
            chain,
            verdict,
        }),
        Ok(Err(e)) => {
            let (kind, reason) = describe_io(&e, verdict.as_ref());
            Err(Failure { kind, reason, chain, verdict })
        }
        Ok(Ok(stream)) => {
            let (_, conn) = stream.get_ref();
            let protocol =
                conn.protocol_version().map_or_else(|| "unknown".into(), |v| pretty_version(&format!("{v:?}")));
            let cipher =
                conn.negotiated_cipher_suite().map_or_else(|| "unknown".into(), |s| format!("{:?}", s.suite()));
            let verdict = verdict.unwrap_or(Verdict {
                verified: false,
                kind: Some("other"),
                reason: Some(t!("probe-tls-no-certificate")),
            });
            Ok((stream, Handshake { protocol, cipher, chain, verdict, elapsed: started.elapsed() }))
        }
    }
}

fn pretty_version(debug: &str) -> String {
    match debug {
        "TLSv1_3" => "TLS 1.3".into(),
        "TLSv1_2" => "TLS 1.2".into(),
        other => other.to_string(),
    }
}

fn describe_io(e: &std::io::Error, verdict: Option<&Verdict>) -> (&'static str, Text) {
    if let Some(v) = verdict.filter(|v| !v.verified) {
        return ("certificate", v.reason.clone().unwrap_or_else(|| t!("probe-tls-verification-failed")));
    }
    let inner = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidMessage(_)) | Some(rustls::Error::InappropriateMessage { .. }) => {
            ("not-tls", t!("probe-tls-not-tls", error = e.to_string()))
        }
        Some(rustls::Error::AlertReceived(alert)) => ("alert", t!("probe-tls-alert", alert = format!("{alert:?}"))),
        Some(other) => ("other", Text::verbatim(other.to_string())),
        None => match e.kind() {
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => {
                ("closed", t!("probe-tls-closed"))
            }
            _ => ("other", Text::verbatim(e.to_string())),
        },
    }
}

/// The trusted certificates for `trust`, or why there are none.
fn roots(trust: &Trust) -> Result<Vec<CertificateDer<'static>>, NoRoots> {
    match trust {
        Trust::Ca(certs) if certs.is_empty() => Err(NoRoots::EmptyCa),
        Trust::Ca(certs) => Ok(certs.clone()),
        Trust::System => {
            let found = rustls_native_certs::load_native_certs().certs;
            if found.is_empty() {
                return Err(NoRoots::NoSystemRoots);
            }
            Ok(found)
        }
    }
}

/// Verifies as kubectl does, recording the chain and the verdict.
#[derive(Debug)]
struct Recorder {
    roots: Result<Vec<CertificateDer<'static>>, NoRoots>,
    provider: Arc<CryptoProvider>,
    enforce: bool,
    seen: Mutex<Option<(Vec<CertInfo>, Verdict)>>,
}

impl Recorder {
    fn new(trust: &Trust, enforce: bool) -> Recorder {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Recorder { roots: roots(trust), provider, enforce, seen: Mutex::new(None) }
    }

    fn take(&self) -> (Vec<CertInfo>, Option<Verdict>) {
        match self.seen.lock().map(|mut s| s.take()) {
            Ok(Some((chain, verdict))) => (chain, Some(verdict)),
            _ => (Vec::new(), None),
        }
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain: Vec<CertInfo> = std::iter::once(end_entity).chain(intermediates).map(|c| cert_info(c)).collect();
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let result = match &self.roots {
            Ok(roots) => x509::verify(end_entity, intermediates, server_name, roots, now),
            Err(why) => Err(Rejection::NoRoots(*why)),
        };
        let verdict = match &result {
            Ok(()) => Verdict { verified: true, kind: None, reason: None },
            Err(rejection) => {
                let (kind, reason) = explain(rejection, &chain);
                Verdict { verified: false, kind: Some(kind), reason: Some(reason) }
            }
        };
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some((chain, verdict));
        }
        match result {
            // The verdict's words are recorded above; rustls needs only that it failed.
            Err(_) if self.enforce => {
                Err(rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
            }
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A stable kind and a sentence a tired SRE understands.
fn explain(rejection: &Rejection, chain: &[CertInfo]) -> (&'static str, Text) {
    let leaf = chain.first();
    let date = |unix: i64| crate::units::rfc3339_unix(unix);
    let leaf_subject = leaf.map_or_else(String::new, |l| l.subject.clone());
    match rejection {
        Rejection::WrongName { name, sans } => {
            let sans = if sans.is_empty() {
                t!("probe-tls-no-sans")
            } else {
                Text::join(sans.iter().map(Text::verbatim), crate::i18n::Sep::Comma)
            };
            ("wrong-name", t!("probe-tls-wrong-name", name = name, sans = sans))
        }
        Rejection::Expired { not_after, leaf: true, .. } => {
            ("expired", t!("probe-tls-expired", date = date(*not_after)))
        }
        Rejection::NotYetValid { not_before, leaf: true, .. } => {
            ("not-yet-valid", t!("probe-tls-not-yet-valid", date = date(*not_before)))
        }
        Rejection::Expired { subject, not_after, .. } => {
            ("ca-expired", t!("probe-tls-ca-expired", subject = subject, date = date(*not_after)))
        }
        Rejection::NotYetValid { subject, not_before, .. } => {
            ("ca-not-yet-valid", t!("probe-tls-ca-not-yet-valid", subject = subject, date = date(*not_before)))
        }
        Rejection::UnknownAuthority(u) => match (u.pinned(), u.self_signed) {
            (Some(trusted), _) => (
                "not-the-trusted-certificate",
                t!(
                    "probe-tls-not-the-trusted-certificate",
                    trusted = trusted,
                    subject = leaf_subject,
                    sha256 = leaf.map_or(String::new(), |l| l.sha256.chars().take(23).collect())
                ),
            ),
            (None, true) => ("self-signed", t!("probe-tls-self-signed", subject = leaf_subject)),
            (None, false) => match &u.name_match_failed {
                Some((ca, why)) => (
                    "bad-signature",
                    t!("probe-tls-bad-signature", issuer = &u.issuer, ca = ca, why = not_signed(*why)),
                ),
                None => ("unknown-ca", t!("probe-tls-unknown-ca", issuer = &u.issuer)),
            },
        },
        Rejection::IncompatibleUsage { subject } => ("wrong-usage", t!("probe-tls-wrong-usage", subject = subject)),
        Rejection::NotAuthorizedToSign { subject } => ("not-a-ca", t!("probe-tls-not-a-ca", subject = subject)),
        Rejection::TooManyIntermediates { subject } => ("not-a-ca", t!("probe-tls-path-length", subject = subject)),
        Rejection::InsecureAlgorithm { subject } => {
            ("insecure-signature", t!("probe-tls-insecure-signature", subject = subject))
        }
        Rejection::UnhandledCritical { subject, oid } => {
            ("unhandled-extension", t!("probe-tls-unhandled-extension", subject = subject, oid = oid))
        }
        Rejection::Unparsable => ("other", t!("probe-tls-unparsable")),
        Rejection::NoRoots(why) => ("no-roots", no_roots(*why)),
    }
}

fn not_signed(why: NotSigned) -> Text {
    match why {
        NotSigned::NotCa => t!("probe-tls-signer-not-ca"),
        NotSigned::NoCertSign => t!("probe-tls-signer-no-cert-sign"),
        NotSigned::WrongKey => t!("probe-tls-signer-wrong-key"),
    }
}

fn no_roots(why: NoRoots) -> Text {
    match why {
        NoRoots::EmptyCa => t!("probe-tls-empty-ca"),
        NoRoots::NoSystemRoots => t!("probe-tls-no-system-roots"),
        NoRoots::Unreadable => t!("probe-tls-roots-unreadable"),
    }
}

/// Subject, issuer, SANs, dates and fingerprint of one certificate; unparsable parts are named so.
pub fn cert_info(der: &CertificateDer<'_>) -> CertInfo {
    let digest = ring::digest::digest(&ring::digest::SHA256, der.as_ref());
    let sha256 = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
    match x509_parser::parse_x509_certificate(der.as_ref()) {
        Ok((_, cert)) => {
            let mut sans = Vec::new();
            if let Ok(Some(ext)) = cert.subject_alternative_name() {
                for gn in &ext.value.general_names {
                    match gn {
                        x509_parser::extensions::GeneralName::DNSName(d) => sans.push((*d).to_string()),
                        x509_parser::extensions::GeneralName::IPAddress(bytes) => match bytes.len() {
                            4 => sans.push(IpAddr::from(<[u8; 4]>::try_from(*bytes).unwrap_or_default()).to_string()),
                            16 => sans.push(IpAddr::from(<[u8; 16]>::try_from(*bytes).unwrap_or_default()).to_string()),
                            _ => {}
                        },
                        _ => {}
                    }
                }
            }
            let validity = cert.validity();
            CertInfo {
                subject: cert.subject().to_string(),
                issuer: cert.issuer().to_string(),
                sans,
                not_before: rfc3339_unix(validity.not_before.timestamp()),
                not_after: rfc3339_unix(validity.not_after.timestamp()),
                not_after_unix: validity.not_after.timestamp(),
                sha256,
                self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
            }
        }
        Err(_) => CertInfo {
            subject: "(unparsable certificate)".into(),
            issuer: String::new(),
            sans: vec![],
            not_before: String::new(),
            not_after: String::new(),
            not_after_unix: 0,
            sha256,
            self_signed: false,
        },
    }
}

/// Seconds from now until `unix` (negative when it is past).
pub fn seconds_until(unix: i64) -> i64 {
    let now =
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    unix.saturating_sub(now)
}
