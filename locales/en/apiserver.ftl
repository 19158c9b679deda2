
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-apiserver-endpoint = API server endpoint
    .summary = which API server address is probed and where it came from: `--apiserver`, or the kubeconfig (file, context, cluster, how the file was found: `--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`, `<root>/etc/kubernetes/admin.conf`); the CA / `tls-server-name` / insecure settings; a proxy is reported as not used; skip says where it looked
    .explain = Reports which API server address the other checks probe and where it came from: --apiserver, else the kubeconfig exactly as kubectl 1.32 resolves it (--kubeconfig; else $KUBECONFIG, only its files, merged in order, missing ones ignored; else ~/.kube/config; the tool's own last resort is <root>/etc/kubernetes/admin.conf) and its --context or current-context. The probes use TLS to the host, port and path kubectl dials; a server without https:// (kubectl dials plain http:// then) or with a path (a proxy such as Rancher's in front of the API server) warns. A kubeconfig kubectl refuses (a type error, CA data and CA file together, a CA with insecure-skip-tls-verify, an unknown context, a server that is no URL) fails with kubectl's reason, file and line; so does one where kubectl would dial plain http:// or its default http://localhost:8080 (no server, no context). The CA, tls-server-name and insecure-skip-tls-verify decide how the certificate is verified; a proxy-url or $HTTPS_PROXY is reported but not used, because the security center connects directly. Skipped, saying where it looked, when no kubeconfig exists. Fix: correct the kubeconfig until `kubectl version` connects, or pass --apiserver https://HOST:PORT with the address the security center will use.

check-apiserver-dns = API server name resolves
    .summary = A and AAAA through the system's DNS (or `--dns-server IP:PORT`), with timing; NXDOMAIN, no data, server error and no answer are distinct failures; warns when the OS resolver disagrees; skip for an IP literal
    .explain = Resolves the API server's host name (A and AAAA, in parallel) with a DNS stub resolver (the system's servers, or --dns-server) and times it; also asks the OS resolver and reports when it disagrees. NXDOMAIN, a server error and no answer are told apart. Skipped for an IP literal. A name that does not resolve in public DNS cannot be resolved by the security center. Fix: publish the name in DNS, or use the IP address in the join configuration.

check-apiserver-tcp = TCP connect to every address
    .summary = TCP connect to every resolved address at once: pass when all connect, warn when some do, fail when none; refused / timed out / unreachable told apart, with a fix for each
    .explain = Connects to the API server port on every resolved address at once (so silent addresses cost one --timeout, not one each) and tells the failures apart: refused (nothing listens, or a REJECT rule), timed out (a firewall drops the SYN, or the host is down), unreachable (no route, or an ICMP error). Warns when only some addresses answer: clients that pick a dead one fail. Fix: start the API server or open the port in every firewall on the path; remove dead addresses from DNS.

check-apiserver-tls = TLS handshake and certificate
    .summary = handshake: protocol, cipher and the chain (subject, issuer, SANs, not-after, SHA-256) recorded even when verification fails; fails on a wrong name, expired or not-yet-valid certificate or an untrusted CA (only the kubeconfig CA when it has one, else system roots); warns when it expires within 30 days or when `insecure-skip-tls-verify` hides a failure
    .explain = Performs the TLS handshake and records the protocol, the cipher and the presented chain (subject, issuer, SANs, validity, SHA-256 fingerprint), even when verification fails. Trust is kubectl's (Go's crypto/x509): the certificate must chain to the kubeconfig's CA (only that CA is trusted when one is given; system roots otherwise) — or be that very certificate, as a self-signed server certificate listed as the kubeconfig's certificate-authority is — cover the name or IP dialled (or tls-server-name), allow serverAuth, and be valid now, its CA too: fail when expired or not yet valid, warn when it expires within 30 days. insecure-skip-tls-verify turns a failure into a warning. Fix: renew the certificate (`kubeadm certs renew apiserver`), add the address to its SANs (kubeadm apiServer.certSANs), or give the cluster's CA in the kubeconfig.

check-apiserver-health = API server answers /readyz
    .summary = anonymous `GET /readyz` (fallback `/healthz`): 200 passes; 401/403 pass as "anonymous access disabled, server reachable"; 5xx fails with the body
    .explain = Sends an anonymous GET /readyz (falling back to /healthz on servers without it) over a verified TLS connection and times processing and transfer. 200 ok passes; 401/403 also passes: anonymous access is disabled, but the server is reachable and answering; 5xx fails with the body, which names the failing component. No credential is ever sent. Fix: for 5xx, look at the failing checks in the body (`kubectl get --raw='/readyz?verbose'`) and the kube-apiserver logs.

check-apiserver-version = Kubernetes version
    .summary = anonymous `GET /version`: gitVersion, major/minor (feeds `audit.k8s-version`); 401/403 skip (use `--k8s-version`)
    .explain = Sends an anonymous GET /version over a verified TLS connection and reads gitVersion, major and minor. Audit-log threat detection needs Kubernetes 1.16 or later. Skipped when anonymous access is disabled (401/403): the version is then unknown; give it with --k8s-version. Fix: upgrade the cluster to 1.16 or later to use audit detection.

check-apiserver-icmp = Ping round-trip time
    .summary = ping RTT; warns when echoes are filtered (ICMP often is); skips naming the missing privilege (CAP_NET_RAW or `net.ipv4.ping_group_range`), or with `--no-icmp`
    .explain = Pings every API server address (3 echo requests, 100 ms apart) and reports the round-trip times. Warn only: ICMP is often filtered and the security center does not need it. Tries an unprivileged ICMP socket, then a raw one; skipped, naming the missing privilege (a group inside net.ipv4.ping_group_range, or CAP_NET_RAW), when neither may be opened, and with --no-icmp.

## Where the endpoint came from (src/endpoint.rs, src/kubeconfig.rs)

apiserver-source-kubeconfig = context { $context } of { $file } ({ $via })
apiserver-trust-kubeconfig-ca = the kubeconfig CA ({ $origin })
apiserver-trust-system = the system's CA certificates
apiserver-ca-data-of = certificate-authority-data of cluster { $cluster } in { $file }
apiserver-looked-missing = { $path } missing
apiserver-looked-env-only = $KUBECONFIG is set, so kubectl reads only its files (no ~/.kube/config, no admin.conf)
apiserver-looked-no-home = $HOME unset, so no ~/.kube/config
apiserver-kubectl-refuses = kubectl refuses this kubeconfig: { $reason }
apiserver-no-context = no current-context and no --context
apiserver-context-cluster-undefined = context { $context } names cluster { $cluster }, which no kubeconfig defines
apiserver-cluster-no-server = cluster { $cluster } has no server
apiserver-default-server = { $why }: kubectl would dial its default { $dials }, which is not the API server the security center connects to
apiserver-plain-http-server = the server is { $dials }: kubectl talks plain HTTP to it, but the security center connects over TLS; write the API server's https:// address
apiserver-target-scheme = the scheme { $scheme } is neither https nor http: kubectl fails with "unsupported protocol scheme"
apiserver-target-port = port { $port } is not a port number (1-65535): kubectl cannot dial it
apiserver-target-ipv6 = { $written } is read as host { $host } and port { $port }: an IPv6 address needs brackets ([…])
apiserver-target-name = { $name } { $why }
apiserver-name-not-a-host-name = is not a host name
apiserver-name-invalid = is not a valid host name
apiserver-note-scheme-defaulted = the server has no https:// and kubectl dials plain { $dials } (client-go adds http:// to a server without a scheme); the probes use TLS there, as the security center does
apiserver-note-proxy-path = the path { $path } after the host means a proxy in front of the API server (Rancher and similar); the security center does not go through it: point --apiserver at the API server itself
apiserver-note-paths-in-root = the kubeconfig belongs to the copied node under --root, so its file paths are read there

## --apiserver and --forwarder (usage errors, exit 2)

apiserver-server-empty = empty API server address; expected https://host:port or host:port
apiserver-server-scheme = scheme { $scheme } in { $text }: the security center connects to the API server over HTTPS; expected https://host:port
apiserver-server-user-info = { $text } contains user information (shown as ***); give the address only
apiserver-server-unclosed-bracket = unclosed '[' in { $text }
apiserver-server-not-ipv6 = { $value } in { $text } is not an IPv6 address
apiserver-server-after-bracket = unexpected { $after } after ']' in { $text }
apiserver-server-bad-name = { $name } in { $text } { $why }
apiserver-server-bad-port = port { $port } in { $text } is not a port number (1-65535)

## A kubeconfig kubectl cannot read (input errors, exit 2)

apiserver-kubeconfig-invalid = not a valid kubeconfig: { $message }
apiserver-kubeconfig-invalid-field = not a valid kubeconfig: field { $key }: { $message }
apiserver-kubeconfig-not-config = not a kubeconfig: kubectl refuses it (no kind { $kind } is registered for version { $version }); expected apiVersion: v1, kind: Config
apiserver-kubeconfig-ca-data-not-base64 = field certificate-authority-data is not base64: kubectl refuses the file ("illegal base64 data")
apiserver-kubeconfig-duplicate-name = { $list }: duplicate name { $name } in one file: kubectl refuses the file

## apiserver.endpoint

apiserver-fix-kubeconfig = fix the kubeconfig so that `{ $command }` connects with it (it prints the same reason)
apiserver-fix-or-flag = or pass --apiserver https://HOST:PORT with the address the security center will connect to
apiserver-no-endpoint-looked = no API server endpoint: no --apiserver, and no kubeconfig ({ $looked })
apiserver-input-endpoint = --apiserver https://HOST:PORT, or --kubeconfig PATH
apiserver-fix-flag = pass --apiserver https://HOST:PORT with the address the security center will connect to
apiserver-fix-kubeconfig-flag = or pass --kubeconfig PATH (kubeadm writes /etc/kubernetes/admin.conf on control-plane nodes)
apiserver-note-tls-server-name = certificate checked for tls-server-name { $name }
apiserver-note-proxy-unused = { $source } { $url } is not used: the security center connects directly, and so do these probes
apiserver-endpoint = { $url } (from { $source })
apiserver-fix-not-the-proxy = pass --apiserver https://HOST:PORT with the API server's own address (not the proxy's)
apiserver-fix-https-server = write the kubeconfig's server as { $url }

## The checks that need an endpoint

apiserver-no-endpoint = no API server endpoint
apiserver-no-tcp = no address accepted a TCP connection

## apiserver.dns

apiserver-dns-ip-literal = { $ip } is an IP literal: nothing to resolve
apiserver-dns-resolved = { $name } → { $addresses } (via { $server }, { $ms } ms)
apiserver-dns-os-overrides = but this host's OS resolver says { $addresses }: /etc/hosts or a local resolver overrides DNS, so this host's view is not the security center's
apiserver-fix-dns-override = compare `{ $getent }` with `{ $dig }` and remove the local override
apiserver-dns-os-answers = the OS resolver answers { $addresses }
apiserver-dns-os-failed = the OS resolver failed: { $why }
apiserver-dns-only-local = DNS ({ $server }) has no address for { $name } (A: { $a }; AAAA: { $aaaa }), but this host's OS resolver says { $addresses }: a local override the security center cannot see
apiserver-fix-publish-public = publish { $name } in public DNS, or use the API server's IP address
apiserver-dns-nxdomain = { $name } does not exist: { $server } answered NXDOMAIN ({ $ms } ms)
apiserver-fix-publish = publish { $name } in DNS, fix the typo, or use the API server's IP address
apiserver-dns-no-records = { $name } exists but has no A or AAAA record at { $server }
apiserver-fix-add-record = add an A (or AAAA) record for { $name }
apiserver-dns-no-answer = no answer for { $name } from { $server } within { $timeout }: the DNS server is down or unreachable
apiserver-fix-dns-answers = check that the DNS server answers (`{ $command }`) and that UDP/TCP 53 to it is open
apiserver-dns-failed = { $name } could not be resolved via { $server }: { $why }
apiserver-fix-dns-config = check the DNS server and /etc/resolv.conf, or pass --dns-server IP:PORT

## apiserver.tcp

apiserver-dns-did-not-run = apiserver.dns did not run
apiserver-tcp-no-address = no address to connect to ({ $why })
apiserver-input-address = --apiserver with the API server's IP address, or a host name that resolves
apiserver-tcp-time = { $addr } { $ms } ms
apiserver-tcp-connected = connected to { $times }
apiserver-tcp-none = no address accepts TCP on port { $port }: { $failed }
apiserver-tcp-some = { $ok } of { $total } addresses accept TCP; failing: { $failed }
apiserver-fix-tcp-refused = { $addr } refused: make sure kube-apiserver listens on port { $port } there (`{ $command }`) and no firewall REJECTs the port
apiserver-fix-tcp-timed-out = { $addr } timed out: a firewall (host, security group, network ACL) drops the SYN, or the host is down; admit tcp/{ $port }
apiserver-fix-tcp-unreachable = { $addr } is unreachable from here: check the route (`{ $command }`)
apiserver-fix-tcp-other = { $addr }: { $error }

## apiserver.tls

apiserver-tls-handshake-failed = TLS handshake with { $addr } failed: { $reason }
apiserver-tls-insecure = { $summary }; the certificate is NOT verified (insecure-skip-tls-verify), and verification against { $trusted } would fail: { $reason }
apiserver-fix-set-ca = set certificate-authority-data in the kubeconfig instead of insecure-skip-tls-verify
apiserver-tls-rejected = certificate of { $addr } rejected ({ $kind }): { $reason }; trusted: { $trusted }
apiserver-tls-expires-soon = { $summary }; certificate valid for { $name }, but it expires in { $days } { $days ->
        [one] day
       *[other] days
    } ({ $expiry })
apiserver-tls-valid = { $summary }; certificate valid for { $name }, verified against { $trusted }, expires { $expiry } ({ $days } days)
apiserver-fix-tls-wrong-name = add { $name } to the API server certificate's SANs (kubeadm: apiServer.certSANs in the ClusterConfiguration, then `{ $command }` after moving the old apiserver.crt/key away), or connect with a name it already covers
apiserver-fix-tls-expired = renew the certificate: `{ $renew }` and restart kube-apiserver; `{ $list }` lists the others
apiserver-fix-tls-clock = check the clocks (`{ $command }`, chrony/ntpd) on this host and on the API server host
apiserver-fix-tls-ca-expired = the cluster CA has expired: renew it (kubeadm: `{ $command }` does not renew the CA; rotate it as the Kubernetes docs' manual CA rotation describes) and give the kubeconfig the new CA
apiserver-fix-tls-pinned = the kubeconfig pins a server certificate; put the certificate { $name } presents now (or the CA that issued it) in certificate-authority(-data): `{ $command }` prints it
apiserver-fix-tls-reissue = reissue the server certificate (kubeadm: move apiserver.crt/key away and run `{ $command }`) so that kubectl accepts it
apiserver-fix-tls-cluster-ca = verify against the cluster's CA: pass --kubeconfig with a kubeconfig whose certificate-authority(-data) is the cluster CA (/etc/kubernetes/pki/ca.crt on kubeadm clusters)

## apiserver.health and apiserver.version

apiserver-connect-failed = { $addr }: { $why }
apiserver-tls-with = TLS with { $addr }: { $reason }
apiserver-no-verified-connection = cannot open a verified connection: { $why }
apiserver-timing = processing { $processing } ms, transfer { $transfer } ms
apiserver-no-request = no request was sent
apiserver-health-ok = { $path }: ok ({ $timing })
apiserver-health-200 = { $path }: 200, { $body } ({ $timing })
apiserver-health-anonymous-off = { $path } answered { $status }: anonymous access disabled, server reachable ({ $timing })
apiserver-health-server-error = { $path } answered { $status }: { $body }
apiserver-fix-readyz-verbose = `{ $command }` names the failing component; check the kube-apiserver logs (`{ $logs }` / `{ $journal }`)
apiserver-health-not-kubernetes = { $path } answered { $status } ({ $body }): this does not look like a Kubernetes API server
apiserver-fix-not-another-service = check that the endpoint is the API server and not a proxy or another service
apiserver-version-anonymous-off = /version answered { $status }: anonymous access is disabled, so the version is unknown; pass --k8s-version
apiserver-version-status = /version answered { $status }: { $body }
apiserver-version-not-a-document = /version did not return a Kubernetes version document ({ $body })
apiserver-version-too-old-for-audit = { $git } (major { $major }, minor { $minor }): audit-log detection needs Kubernetes 1.16 or later ({ $timing })
apiserver-fix-upgrade = upgrade the cluster to Kubernetes 1.16 or later to use audit-log threat detection
apiserver-version-old = { $git } (major { $major }, minor { $minor }; older than 1.16: audit-log detection would not be available) ({ $timing })
apiserver-version = { $git } (major { $major }, minor { $minor }) ({ $timing })

## apiserver.icmp

apiserver-icmp-disabled = --no-icmp given
apiserver-icmp-no-address = no API server address known
apiserver-icmp-failed = ping could not run: { $why }
apiserver-icmp-rtt = { $address } rtt min/avg/max { $min }/{ $avg }/{ $max } ms ({ $received }/{ $sent } replies)
apiserver-icmp-silent = no echo reply from { $addresses } within { $timeout } (ICMP is often filtered; this alone does not stop the security center)

## What the probes say (src/probe): also forwarder.reach

probe-tcp-refused = connection refused
probe-tcp-timed-out = timed out
probe-tcp-unreachable = unreachable ({ $why })
probe-tcp-no-route = no route to host
probe-tcp-network-unreachable = network unreachable
probe-tcp-no-local-address = no local address can reach it
probe-tcp-attempt-failed = { $addr } { $why }
probe-tcp-second-connect = { $addr }: { $why } on the second connect

probe-dns-nxdomain = NXDOMAIN (the name does not exist)
probe-dns-no-data = no record of this type
probe-dns-server-error = the server answered { $code }
probe-dns-timed-out = no answer (timed out)
probe-dns-unreachable = the DNS server is unreachable ({ $why })
probe-dns-port-refused = connection refused: nothing answers DNS on that port
probe-dns-no-connection = no connection to the DNS server could be made
probe-dns-system-conf = cannot read the system DNS configuration: { $error }
probe-dns-setup = cannot set up the resolver: { $error }
probe-dns-no-nameserver = no nameserver configured
probe-dns-system-servers = the system's DNS servers
probe-dns-nss-not-asked = not asked: /etc/nsswitch.conf names { $services } for hosts, which this statically linked build would load from the host's glibc libraries, and that can crash it (compare `{ $command }` by hand)
probe-dns-system-timed-out = timed out

probe-http-request = cannot build the request: { $error }
probe-http-not-ready = the connection did not become ready in time
probe-http-closed = the connection closed: { $error }
probe-http-no-response-within = no response within { $timeout }
probe-http-no-response = no response: { $error }
probe-http-body-broke-off = the body broke off: { $error }
probe-http-body-not-within = the body did not arrive within { $timeout }
probe-http-start = cannot start HTTP/1.1: { $error }
probe-body-empty = an empty body
probe-body-other = a body of { $bytes } bytes (not shown)

probe-tls-bad-server-name = { $name } is not a valid TLS server name
probe-tls-timeout = no TLS handshake within { $timeout }: the port accepts TCP but does not speak TLS (a plain-HTTP port, a proxy, or a server stuck before answering)
probe-tls-no-certificate = the server presented no certificate
probe-tls-verification-failed = certificate verification failed
probe-tls-not-tls = the server did not answer with TLS ({ $error }): a plain-HTTP port or another protocol?
probe-tls-alert = the server ended the handshake with alert { $alert }
probe-tls-closed = the server closed the connection during the TLS handshake (not a TLS server, or it refused the client hello)
probe-tls-no-sans = none
probe-tls-wrong-name = the certificate is not valid for { $name }: its SANs are { $sans }
probe-tls-expired = the certificate expired on { $date }
probe-tls-not-yet-valid = the certificate is not valid yet: it starts on { $date } (is this host's clock right?)
probe-tls-ca-expired = the CA certificate { $subject } that issued the chain expired on { $date }
probe-tls-ca-not-yet-valid = the CA certificate { $subject } that issued the chain is not valid until { $date } (is this host's clock right?)
probe-tls-not-the-trusted-certificate = the server's certificate is not the one the kubeconfig trusts: the kubeconfig trusts { $trusted }, the server presents { $subject } (SHA-256 { $sha256 }…)
probe-tls-self-signed = the certificate is self-signed ({ $subject }) and not among the trusted certificates
probe-tls-bad-signature = the certificate names its issuer { $issuer }, and the trusted CA of that name did not sign it ({ $ca }: { $why }): a different CA with the same name?
probe-tls-unknown-ca = the certificate was issued by { $issuer }, which is not a trusted CA
probe-tls-wrong-usage = { $subject } lists extended key usages without serverAuth: it may not be used by a TLS server
probe-tls-not-a-ca = the intermediate certificate { $subject } is not a CA certificate, so it may not issue the server's
probe-tls-path-length = { $subject } allows fewer intermediate CAs below it than the chain has (path length)
probe-tls-insecure-signature = { $subject } is signed with SHA-1 or MD5, which kubectl (Go) no longer accepts: reissue it with SHA-256
probe-tls-unhandled-extension = { $subject } has a critical extension { $oid } that kubectl (Go) does not know, so it refuses the certificate
probe-tls-unparsable = the server's certificate cannot be parsed as X.509
probe-tls-signer-not-ca = it is not a CA certificate
probe-tls-signer-no-cert-sign = its key usage does not allow signing certificates
probe-tls-signer-wrong-key = its key did not sign the certificate
probe-tls-empty-ca = the kubeconfig CA holds no usable certificate
probe-tls-no-system-roots = this host has no system CA certificates to verify against
probe-tls-roots-unreadable = no trusted certificate could be read

probe-icmp-no-privilege = no privilege to send ICMP: unprivileged ping sockets need a group id inside net.ipv4.ping_group_range (now { $range }; this process's groups: { $groups }), and raw sockets need CAP_NET_RAW ({ $raw }). Run as root, grant it with `{ $setcap }`, or widen the range: `{ $sysctl }`
probe-icmp-unreadable = unreadable
probe-icmp-unknown = unknown
probe-icmp-raw-present = present, yet refused
probe-icmp-raw-missing = missing
probe-icmp-socket = cannot open an ICMP socket: { $error }
