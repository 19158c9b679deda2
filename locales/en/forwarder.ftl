
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-forwarder-reach = API server through the forwarder
    .summary = hybrid cloud: TCP + TLS through `--forwarder HOST:PORT`; passes when the forwarder presents the API server's own leaf certificate (same SHA-256), or, when the direct path is not reachable from here, a certificate valid for the API server's name; skip without `--forwarder`
    .explain = With --forwarder HOST:PORT (the ECS host whose port A forwards to the IDC's API server), connects through it and performs the TLS handshake as the security center would. Passes only when the forwarder presents the same leaf certificate (SHA-256 fingerprint) as the API server does directly; when the direct path cannot be reached from here, when its certificate is valid for the API server's name. A different certificate means the forwarder ends somewhere else or terminates TLS. Skipped without --forwarder: only hybrid-cloud clusters need one. Fix: on the forwarder, check the DNAT / forward-port / portproxy rule, ip_forward and the return path (run this tool there with --forward A:HOST:PORT).
