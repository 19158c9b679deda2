# Errors: bad input (exit 2), usage, and what the tool prints on standard error.

error-prefix = error: { $message }
error-internal = internal error: { $what }
error-cannot-write = cannot write { $what }: { $error }
error-cannot-read = cannot read: { $error }
warning-waiver-expired = warning: the waiver for { $id } ({ $source }) expired on { $expires }: ignored
warning-waiver-stale = warning: the waiver for { $id } ({ $source }) matches no check of this run (stale)

## The command line (setup)

setup-bad-flag = { $flag }: { $why }
setup-port-zero = --port 0 is not a port; expected 1-65535
setup-port-contradicts-forward = --port { $port } contradicts --forward { $forward }: the API server port is { $target_port } (port A, { $listen_port }, is where this host listens)
setup-netsh-needs-forward = --firewall netsh:FILE is a Windows forwarder's port proxies: give --forward A:HOST:PORT too, so that the forwarding checks read it
setup-dns-server-form = { $value } is not IP:PORT (e.g. 127.0.0.1:53 or [::1]:53)
setup-one-stdin = only one --firewall may read standard input (-)
setup-blind-network = network results are true from this host only: a firewall, NAT or IDC gateway between the security center and this host is not visible from here
setup-blind-root = host files (manifests, sysctls, routes, audit log) come from the copy under --root { $root }; network probes still run from this host
setup-blind-ecs-sg = the ECS security group was not given (--firewall ecs-sg:FILE from DescribeSecurityGroupAttribute), so it is not judged
setup-blind-slb = no load balancer ACL was given (--firewall cidrs:FILE), so an SLB in front of the API server is not judged

## The region table (--regions-file)

regions-bad-json = { $error }; expected {"{"}"source": "…", "updated": "YYYY-MM-DD", "regions": [{"{"}"id", "name_zh", "name_en", "public_ips", "private_cidrs", "vpc_supported"{"}"}, …]{"}"}
regions-bad-updated = "updated" is { $value }; expected a date YYYY-MM-DD
regions-empty = "regions" is empty; expected at least one region
regions-entry = region { $entry }: { $what }
regions-entry-label = entry { $index }
regions-entry-label-id = entry { $index } ({ $id })
regions-duplicate = duplicate { $key } { $value }, already used by entry { $first } ({ $first_id })
regions-id-empty = "id" is empty
regions-pool-empty = the address pool is empty: expected at least one entry in "public_ips" or "private_cidrs"
regions-host-bits = private CIDR { $cidr } has host bits set; the network is { $network }
regions-listed-twice = "{ $list }" lists { $entry } twice
regions-unknown = unknown region { $query } (`k8sjoin-check regions` lists every region by id, Chinese and English name)
regions-unknown-did-you-mean = unknown region { $query }; did you mean { $suggestion }? (`k8sjoin-check regions` lists every region by id, Chinese and English name)
regions-unknown-one-of = unknown region { $query }; did you mean one of { $suggestions }? (`k8sjoin-check regions` lists every region by id, Chinese and English name)

## Input files (the bounded reader)

hostfs-regular-file = { $what }: a regular file
hostfs-regular-file-limit = { $what }: a regular file of at most { $limit }
hostfs-expected = { $what }; expected { $expected }
hostfs-kind-region-table = a region table (JSON)
hostfs-kind-kubeconfig = a kubeconfig
hostfs-kind-certificate = a PEM certificate file
hostfs-kind-manifest = a static pod manifest
hostfs-kind-audit-policy = an audit policy
hostfs-kind-firewall-dump = a firewall dump
hostfs-kind-firewalld-xml = a firewalld XML file
hostfs-kind-security-group = a security group (JSON)
hostfs-kind-cidr-list = a CIDR list
hostfs-kind-port-proxy = netsh portproxy output
hostfs-kind-sysctl = a sysctl value
hostfs-kind-proc-table = a /proc table
hostfs-kind-cmdline = a process command line
hostfs-kind-waivers = a waivers file
hostfs-kind-report = a k8sjoin-check report
hostfs-kind-audit-log = an audit log
hostfs-symlink-loop = more than { $n } symlinks to follow (a loop?); refused
hostfs-symlink-outside = a symlink to { $target }, which does not exist inside --root { $root }; refused (files under --root are read as that node sees them, never outside it)
hostfs-is-directory = is a directory; expected { $expected }
hostfs-is-fifo = is a FIFO (named pipe); expected { $expected }; save the output to a file first (iptables:- reads standard input)
hostfs-is-device = is a device; expected { $expected }
hostfs-is-socket = is a socket; expected { $expected }
hostfs-is-special = is a special file; expected { $expected }
hostfs-too-large = is larger than { $limit }, the limit for { $what }
hostfs-stdin-deadline = { $what } did not end before the run's --deadline
hostfs-not-utf8 = not UTF-8 text; expected { $what } (is this the right file?)
audit-manifest-is-directory = is a directory; expected the kube-apiserver static pod manifest ({ $expected })
plan-manifest-is-directory = is a directory; expected the { $component } manifest ({ $expected })
plan-bad-flag-value = --{ $flag }={ $value }: { $why }
plan-not-a-cidr = { $item } is not a CIDR; expected e.g. 10.96.0.0/12
plan-not-an-address = { $item } is not an IP address

## YAML inputs

yaml-not-utf8 = not UTF-8 text (a binary file?); expected YAML
yaml-error-at = { $message } (column { $column }); expected { $expected }
yaml-error = { $message }; expected { $expected }
yaml-reader-kubelet = the kubelet
yaml-written-bool = an unquoted YAML boolean (yes/no/on/off/y/n/true/false)
yaml-written-number = an unquoted number
yaml-written-string = a string
yaml-mismatch = { $field } is { $written }, but { $reader } reads it as a { $wanted } and refuses the file ("cannot unmarshal { $go_word } into … of type { $wanted }")
yaml-mismatch-quote-it = { $field } is { $written }, but { $reader } reads it as a { $wanted } and refuses the file ("cannot unmarshal { $go_word } into … of type { $wanted }"): quote it
yaml-not-base64 = { $field } is not base64 ({ $reader } refuses the file: "illegal base64 data")

## Check selection (--only, --skip) and explain

runner-unknown-check = unknown check id { $pattern } in { $flag } Ids are dotted (category.name); categories: { $categories }. `k8sjoin-check explain ID` describes one.
runner-unknown-check-did-you-mean = unknown check id { $pattern } in { $flag }; did you mean { $id }? Ids are dotted (category.name); categories: { $categories }. `k8sjoin-check explain ID` describes one.
runner-nothing-to-run = --only/--skip leave no check to run
runner-nothing-to-run-audit = --only/--skip leave no check to run: the audit checks run only with --audit
explain-unknown = unknown check id { $id }; the checks are: { $checks }
allowlist-no-entries = { $region } has no { $pool } pool entries

## Waivers (--waivers, --waive)

waiver-no-id = no id; expected the check id or dotted prefix it accepts
waiver-bad-id = id { $id } is not a check id; expected e.g. firewall.allowlist or firewall
waiver-no-reason = waiver for { $id } has no reason; say why the risk is accepted
waiver-no-expiry = waiver for { $id } has no expiry; expected expires: YYYY-MM-DD, at most { $days } days ahead
waiver-bad-expiry = waiver for { $id }: expires { $why }
waiver-too-far = waiver for { $id } expires { $date }, more than { $days } days ahead; a waiver must be renewed at least once a year
waiver-file-expected = a list of waivers, each {"{"}id, reason, expires: YYYY-MM-DD, node{"}"}
waiver-flag = --waive { $value }: { $what }
waiver-flag-form = expected ID=REASON@YYYY-MM-DD

## fleet

fleet-set-by-daemonset = fleet: { $flag } cannot be given: { $why }
fleet-bad-image = fleet: --image { $image } is not an image reference
fleet-bad-namespace = fleet: --namespace { $namespace } is not a namespace name: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit
