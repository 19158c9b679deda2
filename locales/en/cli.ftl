# The command line: --help in the run's language (clap renders it), and usage errors.

## Help: the program, each subcommand (…-about) and each option

cli-about = Preflight checks before joining a self-built Kubernetes cluster to Alibaba Cloud Security Center (云安全中心 接入K8s自建集群): will the security center reach and admit this cluster, and if not, exactly what must change?
cli-region = The cluster's region: id (cn-hangzhou), Chinese name (华东1(杭州)) or English name (China (Hangzhou)); case and bracket width do not matter
cli-network = Network type of the cluster; `auto` infers it from the API server address
cli-pool = Which part of the region's pool must be admitted
cli-apiserver = API server: https://host:port or host:port (default: the kubeconfig's current context)
cli-kubeconfig = Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, <root>/etc/kubernetes/admin.conf)
cli-context = Kubeconfig context to use instead of current-context
cli-forwarder = Hybrid cloud, run anywhere: the ECS forwarder's HOST:PORT (port A)
cli-forward = Hybrid cloud, run on the forwarder: this host forwards its port A to the API server HOST:PORT
cli-k8s-version = Kubernetes version, when /version cannot be reached
cli-firewall = An access-control layer: iptables:FILE, nft:FILE, firewalld:PATH, ecs-sg:FILE, cidrs:FILE, netsh:FILE, or live. Repeatable, or a comma list (iptables:a.txt,nft:b.json); layers are in series
cli-ipset = `ipset save` output, so that `-m set` matches can be decided. Repeatable, or a comma list
cli-port = The API server port the firewall checks evaluate (default: the endpoint's port, else 6443)
cli-interface = The interface the pool's traffic arrives on (decides -i / iifname matches)
cli-assume-return-route = On a forwarder: the IDC routes replies back through this host, so no SNAT is needed
cli-root = Prefix for host files (/etc/kubernetes, /proc/sys/net, /var/log/kubernetes), to check a copied node
cli-audit = Also run the audit-log threat-detection checks
cli-cluster-id = The cluster id the security center shows, for the collector env var names
cli-dns-server = Resolve with this DNS server instead of the system's
cli-timeout = Time limit for each network phase (e.g. 3s, 500ms)
cli-deadline = Time limit for the whole run
cli-no-icmp = Do not ping the API server
cli-skip = Skip checks whose id is or starts with ID. (e.g. `apiserver.icmp`, `audit`). Repeatable, or a comma list
cli-only = Run only checks whose id is or starts with ID. (plus what they need). Repeatable, or a comma list
cli-format = Output format on stdout
cli-report = Also write the complete JSON report to PATH
cli-fail-on = Which statuses fail the gate (exit code 1)
cli-then-sleep = After the output, wait for SIGTERM or SIGINT instead of exiting: a fleet pod's image has no shell and no sleep, and its log must outlive the run (set by the fleet DaemonSet only)
cli-waivers = Accepted risks: a YAML or JSON list of {"{"}id, reason, expires: YYYY-MM-DD, node{"}"}
cli-waive = An accepted risk: ID=REASON@YYYY-MM-DD (expires at most 365 days ahead). Repeatable
cli-allow-incomplete = An incomplete verdict exits 0 instead of 4 (the report still says incomplete)
cli-verbose = List every check in the table, passes included
cli-quiet = No progress line on standard error
cli-node = The name the report gives the host it ran on (default: its host name)
cli-regions-file = Replace the embedded region table (same JSON format as data/regions.json)
cli-lang = Language of human output: en or zh (default: from LC_ALL, LC_MESSAGES or LANG; zh* is Chinese). Ids, statuses and JSON keys never change
cli-regions-about = List the regions, their address pools and whether VPC-type clusters may join
cli-allowlist-about = Print what to paste into a firewall so that it admits a region's pool
cli-allowlist-region = Region: id, Chinese or English name
cli-allowlist-port = The API server port to admit
cli-allowlist-pool = Which part of the pool to admit
cli-explain-about = Explain what a check verifies, why, and how to fix it
cli-explain-check-id = A check id such as `firewall.allowlist`
cli-schema-about = Print the JSON Schema of the report
cli-list-about = List the checks: id, category and what each verifies
cli-completions-about = Print the completion script for a shell (bash, zsh, fish, powershell, elvish)
cli-man-about = Print the man page (roff) on standard output
cli-audit-policy-about = Print a correct audit policy (the vendor's sample) for a Kubernetes version
cli-audit-policy-k8s-version = The cluster's Kubernetes version (e.g. 1.28); decides the policy's apiVersion
cli-fleet-about = Print Kubernetes manifests that run the checks on every control-plane node
cli-fleet-image = The image with the static binary as its entrypoint (built from the Containerfile)
cli-fleet-namespace = The namespace the DaemonSet runs in (created by the manifests)
cli-merge-about = Merge the nodes' reports into one fleet report (each node's status, the fleet's verdict, and fleet.drift: what differs between the masters)
cli-merge-files = Reports to merge; `-` reads standard input
cli-merge-format = Output format on stdout
cli-merge-report = Also write the fleet report (JSON) to PATH
cli-merge-verbose = List every check in the table, passes included

## Help layout and usage errors

cli-help-template = {"{"}about-with-newline{"}"}
    {"{"}usage-heading{"}"} {"{"}usage{"}"}

    {"{"}all-args{"}"}{"{"}after-help{"}"}
cli-heading-commands = Commands
cli-heading-options = Options
cli-usage = Usage: { $usage }
cli-more-help = For more information, try '--help'.
cli-error-unknown-argument = unexpected argument '{ $arg }' found
cli-error-unknown-argument-suggest = unexpected argument '{ $arg }' found; did you mean '{ $suggestion }'?
cli-error-unknown-subcommand = unrecognized subcommand '{ $name }'
cli-error-invalid-value = invalid value '{ $value }' for '{ $arg }' (possible values: { $valid })
cli-error-value-validation = invalid value '{ $value }' for '{ $arg }': { $why }
cli-error-missing = the following required arguments were not provided: { $args }
cli-error-conflict = the argument '{ $arg }' cannot be used with '{ $other }'
cli-error-values = wrong number of values for '{ $arg }'
cli-error-no-equals = equal sign is needed when assigning values to '{ $arg }'
cli-help = Print help (see a summary with '-h')
cli-version = Print version
cli-help-about = Print this message or the help of the given subcommand(s)
