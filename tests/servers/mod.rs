//! Real servers on loopback for the probe tests and benchmarks: a TLS API server (rustls, with
//! certificates made here by rcgen) that answers /readyz, /healthz and /version and records
//! every request header it receives; a TCP listener that never speaks TLS; and a small
//! authoritative DNS server (hickory's wire format) for one test zone; and a pair of network
//! namespaces whose server side drops every SYN. Include `mod common;` beside `mod servers;`.
//!
//! Each server runs on its own thread with its own runtime, so the tests that drive the real
//! binary stay synchronous. Servers stop when the test process ends.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration as TimeDelta, OffsetDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{Netns, veth};

static CA_SEQ: AtomicUsize = AtomicUsize::new(0);

/// A test CA. Names are unique: a foreign CA with the same name makes webpki report a bad
/// signature instead of an unknown issuer.
pub struct Ca {
    pub pem: String,
    pub der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    pub fn new(tag: &str) -> Ca {
        let n = CA_SEQ.fetch_add(1, Ordering::SeqCst);
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, format!("k8sjoin-test-ca-{tag}-{}-{n}", std::process::id()));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&key).unwrap();
        Ca { pem: cert.pem(), der: cert.der().clone(), issuer: Issuer::new(params, key) }
    }

    /// A server certificate for `sans` valid from `from` to `to` days relative to now.
    pub fn leaf(&self, sans: &[&str], from_days: i64, to_days: i64) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(DnType::CommonName, "kube-apiserver");
        params.not_before = OffsetDateTime::now_utc() + TimeDelta::days(from_days);
        params.not_after = OffsetDateTime::now_utc() + TimeDelta::days(to_days);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf { chain: vec![cert.der().clone()], key: key.serialize_der() }
    }
}

/// A certificate chain and its private key (PKCS#8 DER).
#[derive(Clone)]
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: Vec<u8>,
}

impl Leaf {
    /// A self-signed server certificate for `sans`.
    pub fn self_signed(sans: &[&str]) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(DnType::CommonName, format!("self-signed-{}", std::process::id()));
        let cert = params.self_signed(&key).unwrap();
        Leaf { chain: vec![cert.der().clone()], key: key.serialize_der() }
    }

    /// A self-signed certificate as `openssl req -x509` makes it: CA:TRUE, with `sans`; its PEM
    /// is what a kubeconfig's `certificate-authority` would hold to trust exactly this server.
    pub fn self_signed_ca(sans: &[&str]) -> (Leaf, String) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        let n = CA_SEQ.fetch_add(1, Ordering::SeqCst);
        params.distinguished_name.push(DnType::CommonName, format!("pinned-{}-{n}", std::process::id()));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.not_before = OffsetDateTime::now_utc() - TimeDelta::days(1);
        params.not_after = OffsetDateTime::now_utc() + TimeDelta::days(30);
        let cert = params.self_signed(&key).unwrap();
        (Leaf { chain: vec![cert.der().clone()], key: key.serialize_der() }, cert.pem())
    }

    /// SHA-256 of the leaf as `AB:CD:…`.
    pub fn sha256(&self) -> String {
        let d = ring::digest::digest(&ring::digest::SHA256, self.chain[0].as_ref());
        d.as_ref().iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
    }
}

/// How the fake API server answers.
#[derive(Clone, Debug)]
pub struct Answers {
    pub readyz: (u16, String),
    /// `false`: /readyz is unknown (404), as on Kubernetes < 1.16.
    pub has_readyz: bool,
    pub version: (u16, String),
    /// How long `/version` takes to answer (a slow API server, for ordering tests).
    pub version_delay: std::time::Duration,
}

impl Default for Answers {
    fn default() -> Self {
        Answers {
            readyz: (200, "ok".into()),
            has_readyz: true,
            version: (
                200,
                r#"{"major":"1","minor":"28","gitVersion":"v1.28.3","gitCommit":"a8a1abc25cad87333840cd7d54be2efaf31a3177","platform":"linux/amd64"}"#
                    .into(),
            ),
            version_delay: std::time::Duration::ZERO,
        }
    }
}

/// A TLS API server on 127.0.0.1 (or `bind`).
pub struct ApiServer {
    pub addr: SocketAddr,
    /// Every request line and header line received, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl ApiServer {
    pub fn start(leaf: &Leaf, answers: Answers) -> ApiServer {
        Self::start_on("127.0.0.1:0".parse().unwrap(), leaf, answers)
    }

    pub fn start_on(bind: SocketAddr, leaf: &Leaf, answers: Answers) -> ApiServer {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key.clone()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(leaf.chain.clone(), key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind(bind).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        spawn_runtime(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                // As Go's net package does: without it, Nagle and delayed ACKs add 40 ms to replies.
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let answers = answers.clone();
                let seen = seen.clone();
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        serve_http(tls, &answers, &seen).await;
                    }
                });
            }
        });
        ApiServer { addr, requests }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn headers(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve_http<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut io: S,
    answers: &Answers,
    seen: &Mutex<Vec<String>>,
) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            match io.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end + 4);
        let lines: Vec<String> = head.split("\r\n").map(str::to_string).collect();
        seen.lock().unwrap().extend(lines.iter().cloned());
        let path = lines.first().and_then(|l| l.split_whitespace().nth(1)).unwrap_or("/").to_string();
        let (status, body, content_type) = match path.as_str() {
            "/readyz" if answers.has_readyz => (answers.readyz.0, answers.readyz.1.clone(), "text/plain"),
            "/healthz" => (200, "ok".to_string(), "text/plain"),
            "/version" => {
                tokio::time::sleep(answers.version_delay).await;
                (answers.version.0, answers.version.1.clone(), "application/json")
            }
            _ => (404, "404 page not found".to_string(), "text/plain"),
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if io.write_all(response.as_bytes()).await.is_err() || io.flush().await.is_err() {
            return;
        }
    }
}

/// A listener that accepts TCP connections and never sends a byte.
pub fn silent_listener() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    addr
}

/// A free UDP port on loopback with nothing behind it: a dead DNS server.
pub fn dead_udp_port() -> SocketAddr {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap()
}

/// An authoritative DNS server for a few names; every other name is NXDOMAIN.
pub struct DnsServer {
    pub addr: SocketAddr,
    /// How many queries arrived.
    pub queries: Arc<AtomicUsize>,
}

impl DnsServer {
    pub fn start(records: HashMap<String, Vec<IpAddr>>) -> DnsServer {
        use hickory_resolver::proto::op::{Message, MessageType, ResponseCode};
        use hickory_resolver::proto::rr::rdata::{A, AAAA};
        use hickory_resolver::proto::rr::{RData, Record, RecordType};

        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let queries = Arc::new(AtomicUsize::new(0));
        let count = queries.clone();
        let records: HashMap<String, Vec<IpAddr>> =
            records.into_iter().map(|(k, v)| (k.trim_end_matches('.').to_ascii_lowercase(), v)).collect();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            loop {
                let Ok((n, peer)) = socket.recv_from(&mut buf) else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
                let mut response = Message::response(query.metadata.id, query.metadata.op_code);
                response.metadata.message_type = MessageType::Response;
                response.metadata.authoritative = true;
                response.metadata.recursion_desired = query.metadata.recursion_desired;
                response.metadata.recursion_available = true;
                let Some(q) = query.queries.first().cloned() else { continue };
                response.add_query(q.clone());
                let name = q.name.to_string().trim_end_matches('.').to_ascii_lowercase();
                match records.get(&name) {
                    None => response.metadata.response_code = ResponseCode::NXDomain,
                    Some(ips) => {
                        for ip in ips {
                            let rdata = match (ip, q.query_type) {
                                (IpAddr::V4(v4), RecordType::A) => RData::A(A(*v4)),
                                (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(*v6)),
                                _ => continue,
                            };
                            response.add_answer(Record::from_rdata(q.name.clone(), 60, rdata));
                        }
                    }
                }
                if let Ok(bytes) = response.to_vec() {
                    let _ = socket.send_to(&bytes, peer);
                }
            }
        });
        DnsServer { addr, queries }
    }
}

/// Two network namespaces, a client and a server that drops every SYN (a firewall's DROP).
///
/// `client` reaches 198.51.100.1-16 through `server`, whose firewall drops every SYN; the name
/// `blackhole.k8sjoin.test` resolves to all 16 (from the client namespace's own /etc/hosts).
pub fn blackhole_pair() -> (Netns, Netns) {
    let client = Netns::new("bhc");
    let server = Netns::new("bhs");
    veth(&client, "bhc0", "203.0.113.1/24", &server, "bhs0", "203.0.113.2/24");
    client.exec_ok("ip route add 198.51.100.0/24 via 203.0.113.2");
    let mut hosts = String::from("127.0.0.1 localhost\n");
    for i in 1..=16 {
        server.exec_ok(&format!("ip addr add 198.51.100.{i}/32 dev lo"));
        hosts.push_str(&format!("198.51.100.{i} blackhole.k8sjoin.test\n"));
    }
    server.exec_ok("iptables -A INPUT -p tcp --syn -j DROP");
    client.etc_file("hosts", &hosts);
    // Nothing listens here: DNS questions end inside the namespace.
    client.etc_file("resolv.conf", "nameserver 127.0.0.1\n");
    (client, server)
}

fn spawn_runtime<F: std::future::Future<Output = ()> + Send + 'static>(future: F) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(future);
    });
}
