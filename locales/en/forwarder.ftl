
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-forwarder-reach = API server through the forwarder
    .summary = hybrid cloud: TCP + TLS through `--forwarder HOST:PORT`; passes when the forwarder presents the API server's own leaf certificate (same SHA-256), or, when the direct path is not reachable from here, a certificate valid for the API server's name; skip without `--forwarder`
    .explain = With --forwarder HOST:PORT (the ECS host whose port A forwards to the IDC's API server), connects through it and performs the TLS handshake as the security center would. Passes only when the forwarder presents the same leaf certificate (SHA-256 fingerprint) as the API server does directly; when the direct path cannot be reached from here, when its certificate is valid for the API server's name. A different certificate means the forwarder ends somewhere else or terminates TLS. Skipped without --forwarder: only hybrid-cloud clusters need one. Fix: on the forwarder, check the DNAT / forward-port / portproxy rule, ip_forward and the return path (run this tool there with --forward A:HOST:PORT).

## forwarder.reach

forwarder-not-given = no --forwarder given; only hybrid-cloud clusters need one
forwarder-name-unresolved = the forwarder's name { $name } does not resolve via { $server }: { $why }
forwarder-no-tcp = no TCP connection to the forwarder: { $failed }
forwarder-fix-port = on the forwarder, check that port { $port } is open to the region's pool and forwarded ({ $firewalld }, { $iptables })
forwarder-tls-failed = TCP to the forwarder { $addr } works, but the TLS handshake through it failed: { $reason }
forwarder-fix-pass-through = the forwarder must pass the TCP stream through untouched (DNAT / forward-port / portproxy), not terminate it
forwarder-same-certificate = { $addr } presents the API server's own certificate (SHA-256 { $sha256 }…): the forwarder reaches the API server
forwarder-different-certificate = { $addr } presents a different certificate than the API server ({ $leaf } vs { $direct }…): the forwarder ends somewhere else, or terminates TLS
forwarder-fix-point-rule-at = point the forwarder's rule at the API server's address and port ({ $keys })
forwarder-valid-without-direct = the direct path is not reachable from here; through { $addr } the certificate is valid for { $name } (verified against { $trusted })
forwarder-invalid-without-direct = the direct path is not reachable from here, and the certificate through { $addr } is not valid for the API server: { $reason }
forwarder-fix-point-rule = point the forwarder's rule at the API server's address and port
forwarder-cannot-compare = TCP and TLS through { $addr } work, but without the API server's address the certificate cannot be compared
forwarder-fix-give-apiserver = pass --apiserver or a kubeconfig so the forwarder's certificate can be compared with the API server's
