
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-fleet-drift = Masters configured alike
    .summary = with `merge`: the masters agree on the Kubernetes version, the audit policy (SHA-256), the kube-apiserver image and `--audit-*` flags, and the allowlist verdicts; fail naming the node and the difference
    .explain = Only in a fleet report (`k8sjoin-check merge` of the reports of every control-plane node, e.g. from `k8sjoin-check fleet`): compares what must be the same on every master, node by node: the Kubernetes version, the SHA-256 of the audit policy file, the kube-apiserver image and its --audit-* flags (from the static pod manifest), and firewall.allowlist's verdict on every pool entry. The vendor's procedure has the audit settings edited by hand on every master (依次登录所有Master节点), so one master that was missed, or edited differently, is the common failure. Fails naming the node that differs and both values; skipped with one node. Fix: make the differing node's manifest and policy the same as the others', then run the fleet again.

## The fleet report (merge).

fleet-hostname = fleet of { $n } { $n ->
        [one] node
       *[other] nodes
    }: { $nodes }
fleet-one-node = 1 node
fleet-all-nodes = all { $n } nodes
fleet-same-everywhere = { $status } on { $on }: { $message }
fleet-node-status = { $node } { $status }: { $message }
fleet-pass-on = pass on { $nodes }
fleet-what-version = Kubernetes version
fleet-what-policy = audit policy (SHA-256)
fleet-what-image = kube-apiserver image
fleet-what-allowlist = allowlist verdict for { $entry }
fleet-one-report = one node: nothing to compare
fleet-agree = the { $n } nodes agree on the Kubernetes version, the audit policy, the kube-apiserver image and audit flags, and the allowlist verdicts
fleet-fix-drift = make the differing node's manifest and policy the same as the others' (copy /etc/kubernetes/audit-policy.yaml and the audit lines of kube-apiserver.yaml), then run the fleet again
fleet-value-none = none
fleet-nodes-have = { $nodes } { $n ->
        [one] has
       *[other] have
    } { $value }
fleet-differs = { $what } differs: { $others } where { $majority }

## Reading the reports to merge (bad input, exit 2).

merge-not-a-report-line = expected a k8sjoin-check report: a JSON line, or `kubectl logs --prefix` of the fleet's pods (a pod that prints anything else did not run its checks)
merge-not-json = not a JSON report: { $error }
merge-schema-missing = missing
merge-schema-version = schema_version { $found }; this k8sjoin-check merges schema_version { $supported } (merge with the version that wrote them)
merge-not-our-report = not a k8sjoin-check report: { $error }
merge-nothing = no report to merge; expected the fleet's pod logs
merge-other-region = a report for region { $region }, but { $first_source } is for { $first_region }: merge the reports of one cluster
merge-second-report = a second report of node { $node } (the first is at { $earlier })

## Run options the DaemonSet sets itself (why the user's value cannot go to the pods).

fleet-daemonset-sets-root = the DaemonSet mounts the node's / at /host and runs with --root /host
fleet-daemonset-sets-format = each pod prints its report as one JSON line (--format json-line) for `k8sjoin-check merge`
fleet-daemonset-sets-report = a pod's report is its log (`kubectl logs`), not a file in the pod
fleet-daemonset-sets-node = each pod names its report after its node (--node $(NODE_NAME))
fleet-daemonset-sets-then-sleep = each pod already waits after its run, so that its log stays
