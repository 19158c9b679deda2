
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-audit-k8s-version = Kubernetes version for audit detection
    .summary = with `--audit`: Kubernetes ≥ 1.16, from `/version`, else the other control-plane static pods' images, else the kube-apiserver image tag, else `--k8s-version` (says which)
    .explain = Verifies that the cluster runs Kubernetes 1.16 or later, which threat detection from audit logs requires. The version comes from the API server's /version when it was reachable, else from the tag of the kube-apiserver image in /etc/kubernetes/manifests/kube-apiserver.yaml, else from --k8s-version; the result says which. The same version decides which audit policy apiVersion kube-apiserver accepts. Fix: upgrade the cluster to 1.16 or later; when the version cannot be found, pass --k8s-version.

check-audit-policy-file = Audit policy file loads
    .summary = the audit policy exists under `--root`, is non-empty (hostPath `FileOrCreate` makes an empty one), YAML, `kind: Policy`, and its apiVersion is accepted (v1beta1 on ≥ 1.24 fails: the API server would not start; before, warns)
    .explain = Verifies that kube-apiserver will load the audit policy: the file --audit-policy-file names (seen on the host through its hostPath mount; /etc/kubernetes/audit-policy.yaml by default) exists, is not empty (a hostPath of type FileOrCreate silently creates an empty file), is a kind: Policy, and uses an apiVersion that Kubernetes version accepts. The vendor's sample says audit.k8s.io/v1beta1, which kube-apiserver 1.24 and later refuse at start-up ("no kind Policy is registered for version audit.k8s.io/v1beta1"): fail there, warn on older versions (deprecated since 1.19). Levels, stages and nonResourceURLs that kube-apiserver's validation rejects, and a policy without rules, fail too. The apiVersion is judged against every version that is known (API server, image tag, --k8s-version), so an upgrade written into the manifest counts. Fix: `k8sjoin-check audit-policy --k8s-version V > /etc/kubernetes/audit-policy.yaml` writes a correct file.

check-audit-policy-content = Audit policy content
    .summary = evaluated as kube-apiserver does (first matching rule, per-rule omitStages): no request logged twice (RequestReceived omitted); no request for secrets, configmaps, tokenreviews above `Metadata` (fails naming the first rule that logs one, with such a request); every request matched; not everything `None`
    .explain = Verifies what the policy logs, rule by rule as kube-apiserver matches them (first match wins): omitStages contains RequestReceived (else every request is logged twice: warn); Secrets, ConfigMaps and TokenReviews reach no rule at level Request or RequestResponse before a rule that keeps all of their requests at Metadata or None (such a rule writes secret values and tokens into the log file: fail, naming the rule); a final catch-all rule exists (else unmatched requests are not logged: warn); and the rules do not make everything None (warn). Fix: put the vendor's Metadata rule for secrets, configmaps and tokenreviews before any Request/RequestResponse rule, and end with `- level: Metadata`.

check-audit-apiserver-flags = kube-apiserver audit flags
    .summary = `--audit-log-path`, `--audit-policy-file`, `--audit-log-maxage/maxbackup/maxsize` in the kube-apiserver manifest, numeric; below the vendor's 30/10/100 warns (maxage/maxbackup 0 = no limit; maxsize 0 never rotates: warns)
    .explain = Verifies the audit flags in /etc/kubernetes/manifests/kube-apiserver.yaml: --audit-log-path (a file, not `-`), --audit-policy-file, and --audit-log-maxage, --audit-log-maxbackup, --audit-log-maxsize present and whole numbers (the vendor's values are 30, 10 and 100; lower values warn, since logs rotate away before they are collected; a missing maxsize never rotates and fills the disk). --audit-log-format must stay json and --audit-log-version audit.k8s.io/v1, which the collector parses. Fix: add the flags to the container's command exactly as in the vendor's sample.

check-audit-apiserver-mounts = Audit hostPath mounts
    .summary = hostPath volumes and mounts cover the log directory or the log file itself (writable; a file mount warns that rotation renames across it) and the policy file (read-only), names matching
    .explain = Verifies that the kube-apiserver pod sees the policy and writes the log on the host: a volumeMount covers the directory of --audit-log-path and is writable, another covers --audit-policy-file and is readOnly, each names a hostPath volume that exists (a name that matches no volume makes the kubelet refuse the pod), and no two mounts share a mountPath. Without the log mount the log stays inside the container, where the collector never sees it and a restart loses it. Fix: add the volumeMounts and volumes of the vendor's sample (k8s-audit for /var/log/kubernetes, audit-policy readOnly).

check-audit-collector-env = Log collector env vars
    .summary = `aliyun_logs_audit-<cluster_id>` = the log path, `_tags` = `audit=apiserver`, `_product` = `k8s-audit`, `_jsonfile` = `"true"`; a placeholder left or an id other than `--cluster-id` fails
    .explain = Verifies the env vars Logtail reads from the kube-apiserver container: aliyun_logs_audit-<cluster_id> = the --audit-log-path value, aliyun_logs_audit-<cluster_id>_tags = audit=apiserver, _product = k8s-audit, _jsonfile = "true" (quoted: an unquoted true is a boolean and the kubelet rejects the pod). A placeholder left in the name (${"{"}cluster_id{"}"}, {"{"}cluster_id{"}"}) fails, and so does an id other than --cluster-id. Without --cluster-id the id cannot be compared with the console's: warn. Fix: copy the Cluster ID from Security Center → 容器资产 → 集群 and write it into the four names.

check-audit-apiserver-running = Running kube-apiserver has the flags
    .summary = the running kube-apiserver (`<root>/proc/*/cmdline`) has the manifest's audit flags; differing warns (edited, not yet restarted); no process skips
    .explain = Compares the --audit-* flags of the running kube-apiserver (<root>/proc/*/cmdline) with the manifest's. A difference means the manifest was edited but the kubelet has not restarted the pod yet, or the new pod does not start (warn); no running kube-apiserver is a skip. Fix: wait a minute for the kubelet to restart the static pod; if it does not come back, read its logs (`crictl logs` / `docker logs` of the kube-apiserver container): a refused policy or a bad flag keeps it down.

check-audit-log-written = Audit log is being written
    .summary = the audit log exists, was written in the last 10 minutes, and its last lines are `audit.k8s.io/v1` Events; skipped before the restart (the running kube-apiserver lacks the manifest's audit flags)
    .explain = Verifies that kube-apiserver writes the audit log: the file --audit-log-path names, found on the host through its hostPath mount, exists, was modified in the last 10 minutes (a busy API server writes several events a second), and its last lines parse as audit.k8s.io/v1 Event objects in JSON. Fix: restart kube-apiserver with the audit flags (the kubelet does it when the manifest changes) and check the flags, mounts and policy checks above.

check-audit-apiserver-image = kube-apiserver image matches the control plane
    .summary = with `--audit`: the kube-apiserver image is the minor version of the other control-plane static pods (more than one apart fails: a pasted image line); a `registry-vpc.<region>` image outside that region fails
    .explain = Verifies that the kube-apiserver image in /etc/kubernetes/manifests/kube-apiserver.yaml is the Kubernetes minor version of the other control-plane static pods there (kube-controller-manager, kube-scheduler). The vendor's sample carries image registry-vpc.cn-shenzhen.aliyuncs.com/acs/kube-apiserver:v1.20.4-aliyun.1: pasted into another cluster's manifest it downgrades the API server when the kubelet restarts it. More than one minor version apart fails; one apart warns (the version skew policy allows the API server to be one minor newer, never older). A registry-vpc.<region>.aliyuncs.com image answers only inside that region's VPC: on a cluster in another region it fails (the kubelet cannot pull it and kube-apiserver does not come back); without --region it warns. Fix: keep the image line the manifest had and add only the audit flags, env vars and mounts.

check-audit-pool-seen = The security center's requests in the audit log
    .summary = with `--audit`, after the join: the audit log holds requests from the region's pool (the last time, count and address); none yet is a skip
    .explain = After the join: the audit log (the file --audit-log-path names, on the host) holds requests whose sourceIPs fall in the region's pool (--region, --pool), which shows the security center connects. Passes naming how many, the last time and the address; reads the last 128 MiB of the log. None yet is a skip, expected before the join. Fix: none before the join; after it, check the firewall checks and the security center console.

check-audit-collector-installed = Logtail and the audit logstore
    .summary = with `--audit`, manual: Logtail installed, the SLS project and logstore configured, and what to look for
    .explain = Manual step: the log collector (Logtail, installed per the vendor's 安装Logtail组件 procedure) must run on the masters, and the Log Service project must hold the logstore that the env var key names (audit-<cluster_id>); Security Center is then pointed at that project and logstore (开启日志 tab). None of this is visible from the host's files. Fix: install Logtail, confirm that the logstore receives entries tagged audit=apiserver, and enter its region, project and logstore in the Security Center console.

## Every audit check

audit-not-read = the audit files were not read (run with --audit)
audit-no-manifest = no kube-apiserver static pod manifest at { $path }: run on a master node, or pass --root with a copy of one
audit-needs-manifest = a run on a control-plane node, or --root with a copy of one
audit-and = { $left } and { $right }

## audit.k8s-version

audit-version-invalid = { $text } is not a Kubernetes version; expected e.g. 1.28 or v1.28.3

audit-source-server = API server /version
audit-source-components = control-plane static pods' images
audit-source-image = kube-apiserver image tag
audit-version-unparsed = /version said { $text }, which is not a version
audit-version-unreached = /version was not reached
audit-version-unknown = the Kubernetes version is unknown: { $server }, the manifest's image tag has no version, and no --k8s-version was given
audit-needs-version = --k8s-version V, or a reachable API server
audit-fix-pass-version = pass --k8s-version V (`kubectl version` shows the server version)
audit-version-says = { $source } says { $version }
audit-version-disagree = {" "}(but { $others })
audit-version-ok = Kubernetes { $version } from the { $source } { $detail }: { $minimum } or later{ $disagree }
audit-version-too-old = Kubernetes { $version } from the { $source } { $detail }: audit-log threat detection needs { $minimum } or later{ $disagree }
audit-fix-upgrade = upgrade the cluster to Kubernetes { $minimum } or later before turning on audit-log threat detection

## audit.policy-file

audit-fix-write-policy = write a correct policy: { $command }
audit-policy-where = { $path } ({ $how })
audit-policy-missing = no audit policy at { $place }: kube-apiserver with --audit-policy-file pointing at a missing file does not start
audit-policy-directory = { $place } is a directory: a hostPath mount created it because the file did not exist; kube-apiserver cannot read a policy from it
audit-fix-rmdir = { $command } and write the policy file in its place
audit-fix-type-file = give the policy's hostPath volume `type: File` so that a missing file stops the pod instead of turning into a directory
audit-policy-empty = { $place } is empty: a hostPath volume of type FileOrCreate creates an empty file when the policy is missing, and kube-apiserver refuses an empty policy
audit-policy-kind = { $path }: kind is { $kind }, expected Policy
audit-policy-kind-missing = missing
audit-policy-no-api-version = { $path }: no apiVersion (expected { $expected })
audit-fix-api-version = { $place }: change to `apiVersion: { $expected }`
audit-policy-retiring = { $path }: apiVersion { $api_version } works on { $version } ({ $source }) but is deprecated since { $deprecated } and refused from { $removed } on: after an upgrade kube-apiserver would not start
audit-policy-removed = { $path }: apiVersion { $api_version } was removed in { $removed }; kube-apiserver { $version } ({ $source }) refuses to start with this policy ("no kind Policy is registered for version { $api_version }")
audit-policy-too-new = { $path }: apiVersion { $api_version } exists only since { $since }; kube-apiserver { $version } ({ $source }) refuses it
audit-policy-unknown-api = { $path }: apiVersion { $api_version } is not an audit policy version kube-apiserver knows (expected { $expected })
audit-policy-refused-later = { $path }: apiVersion { $api_version } is refused by kube-apiserver { $removed } and later, and the cluster's version is unknown
audit-fix-version-to-judge = pass --k8s-version V so the apiVersion can be judged
audit-policy-invalid = { $place }: { $what } (kube-apiserver refuses the policy and does not start)
audit-policy-ok-any = { $path }: kind Policy, { $api_version } (accepted by every Kubernetes version since { $since }), { $rules } { $rules ->
        [one] rule
       *[other] rules
    }
audit-policy-ok = { $path }: kind Policy, { $api_version } accepted by Kubernetes { $versions }, { $rules } { $rules ->
        [one] rule
       *[other] rules
    }

## audit.policy-content

audit-content-no-policy = no policy to read at { $path }: see audit.policy-file
audit-content-not-loadable = { $path } is not a policy kube-apiserver loads (no kind: Policy, or no rules): see audit.policy-file
audit-content-leak = { $place }: rule { $rule } logs { $resources } at { $level } (for example { $example }): request/response bodies with secret values and tokens go into the audit log
audit-fix-insert-rule = insert before rule { $rule }:{ $yaml }
audit-content-twice = { $place }: omitStages lacks RequestReceived for rule { $rule } (neither the rule nor the policy omits it): the requests it logs at { $level }, for example { $example }, are written twice
audit-fix-omit-stages = add at the top level: { $yaml }
audit-content-no-catch-all = { $path }: no catch-all rule: requests no rule matches are not logged at all (for example { $example })
audit-fix-end-metadata = end the rules with `- level: Metadata`
audit-content-early-catch-all = { $place }: rule { $rule } matches every request, so the { $after } { $after ->
        [one] rule
       *[other] rules
    } after it never apply
audit-fix-move-rule = move rule { $rule } to the end
audit-content-logs-nothing = { $path }: every request ends at level None: the audit log stays empty
audit-content-rest = rule { $rule } catches the rest at { $level }
audit-content-all-matched = every request matches a rule
audit-content-ok = no request is logged twice (RequestReceived omitted); { $sensitive } never above Metadata; { $rest }

## audit.apiserver-flags

audit-fix-add-flag = add to the kube-apiserver command in { $manifest }: - { $flag }
audit-flags-no-log-path = --audit-log-path is missing: kube-apiserver writes no audit log
audit-flags-stdout = { $place }: { $flag } writes the audit log to standard output, not to a file the collector can read
audit-fix-use-flag = { $place }: use { $flag }
audit-flags-no-policy-file = --audit-policy-file is missing: without a policy kube-apiserver logs no events
audit-flags-rotation-missing = { $flag } is missing (the vendor's value is { $vendor })
audit-fix-set-flag = { $place }: { $flag }
audit-flags-below = { $place }: { $flag } is below the vendor's { $vendor }: logs may rotate away before they are collected
audit-flags-never-rotates = { $place }: { $flag }: the log never rotates and grows until the disk is full
audit-flags-not-number = { $place }: { $flag } is not a whole number of at least 0: kube-apiserver does not start
audit-flags-format = { $place }: { $flag }: the collector reads JSON lines (_jsonfile=true)
audit-fix-remove-or-use = { $place }: remove it or use { $flag }
audit-flags-version = { $place }: { $flag }: the collector expects { $expected } events
audit-flags-no-limit = 0 (no limit)
audit-flags-ok = --audit-log-path={ $log } --audit-policy-file={ $policy } maxage={ $maxage } maxbackup={ $maxbackup } maxsize={ $maxsize }

## audit.apiserver-mounts

audit-mounts-nothing = the manifest names neither an audit log file nor a policy file: see audit.apiserver-flags
audit-mounts-not-hostpath = { $place }: volume { $volume } behind { $mount_path } is not a hostPath: { $consequence }
audit-mounts-misplaced = { $place }: volumeMount { $mount } mounts the host's { $path } at { $mount_path }, but the flag names { $path }: { $consequence }
audit-fix-mount-path = { $place }: set mountPath: { $path }
audit-mounts-uncovered = no volumeMount covers { $path }: { $consequence }
audit-mounts-no-volume = { $place }: volumeMount { $mount } names no volume: the kubelet refuses the pod
audit-fix-add-volume = add a volume named { $mount } under spec.volumes, or fix the volumeMount's name
audit-mounts-twice = { $place }: mountPath { $mount_path } is used twice (also line { $line }): the kubelet refuses the pod
audit-fix-remove-mount = remove one of the two volumeMounts at { $mount_path }
audit-mounts-log-file-read-only = { $place }: volumeMount { $mount } for the log file is readOnly: kube-apiserver cannot write { $path }
audit-fix-remove-read-only = { $place }: remove readOnly from volumeMount { $mount }
audit-mounts-ok-log-file = log file { $path } → host { $host } (the file itself is mounted)
audit-mounts-file-rotates = { $place }: volumeMount { $mount } mounts the log file itself: when --audit-log-maxsize is reached kube-apiserver renames the file to rotate it, and a rename of a mount point fails
audit-fix-mount-dir-or-logrotate = mount the log's directory ({ $dir }) instead, or rotate the file on the host (logrotate with copytruncate, as GCE does) with --audit-log-maxsize=0
audit-fix-mount-log-dir = mount the log directory from the host: { $yaml }
audit-mounts-log-inside = kube-apiserver writes the audit log inside its container, where the collector never sees it and a restart loses it
audit-mounts-log-dir-read-only = { $place }: volumeMount { $mount } for the log directory is readOnly: kube-apiserver cannot write { $path }
audit-mounts-ok-log-dir = log dir { $dir } → host { $host }
audit-fix-mount-policy = mount the policy from the host: { $yaml }
audit-mounts-policy-inside = kube-apiserver does not find the policy file in its container and does not start
audit-mounts-policy-dir-type = { $place }: volume { $volume } for the policy file has type { $kind }: the kubelet refuses to start the pod on a file
audit-fix-policy-file-type = { $place }: use type: FileOrCreate (or File) for volume { $volume }
audit-mounts-ok-policy = policy { $path } ← host { $host }, readOnly
audit-mounts-policy-writable = { $place }: volumeMount { $mount } for the policy is writable: anything that takes over kube-apiserver can rewrite what is audited
audit-fix-add-read-only = { $place }: add readOnly: true to volumeMount { $mount }

## audit.collector-env

audit-env-none = the { $container } container has no { $name } env vars: Logtail does not collect the audit log
audit-fix-add-env = add to the container's env: { $yaml }
audit-fix-replace-id = { $place }: replace the id in every { $prefix }… name with { $id }
audit-env-placeholder = { $place }: the env var names still hold the placeholder { $placeholders } instead of the cluster id
audit-env-other-cluster = the env vars name cluster { $id }, but --cluster-id is { $given }: the logs would go to another cluster's logstore
audit-env-several-ids = the env vars name several cluster ids ({ $ids }): Logtail reads each name as its own config
audit-env-missing = { $name } is missing
audit-env-wrong = { $place }: { $name } is { $value }, expected { $expected }{ $what }
audit-env-log-path-value = {" "}(the --audit-log-path value)
audit-fix-set-env = { $place }: { $yaml }
audit-env-unquoted = { $place }: { $name } has the unquoted value { $value }: env values must be strings, so the kubelet rejects the pod
audit-fix-quote = { $place }: quote it: { $yaml }
audit-env-value-from = { $place }: { $name } is set by valueFrom; its value cannot be verified from the manifest
audit-env-no-value = { $place }: { $name } has no value
audit-env-no-log-path = { $name } cannot be compared with --audit-log-path, which the manifest does not set
audit-env-id-not-compared = cluster id { $id } not compared with the console's (no --cluster-id given)
audit-fix-cluster-id = rerun with --cluster-id ID (Security Center → 容器资产 → 集群) to compare it with { $id }
audit-env-ok = { $name }, _tags, _product and _jsonfile are set as the vendor requires

## audit.apiserver-running

audit-running-none = no kube-apiserver process runs (looked in { $dir })
audit-running-no-proc = cannot list processes in { $dir }: No such file or directory (os error 2)
audit-running-error = cannot list processes: { $error }
audit-running-lacks = pid { $pid } lacks { $flag }
audit-running-differs = pid { $pid } runs { $running } but the manifest says { $manifest }
audit-running-extra = pid { $pid } runs { $flag }, which the manifest no longer has
audit-running-ok = kube-apiserver (pid { $pids }) runs with the manifest's { $flags } audit { $flags ->
        [one] flag
       *[other] flags
    }
audit-running-pending = the running kube-apiserver has not picked up the manifest's audit flags: { $differences }
audit-fix-wait-restart = the kubelet restarts a static pod when its manifest changes: wait a minute and check again
audit-fix-crictl-logs = if it does not come back: `crictl ps -a --name kube-apiserver` then `crictl logs <id>` (or `docker ps -a` / `docker logs`) show why it does not start

## audit.log-written

audit-log-no-file = the manifest names no audit log file: see audit.apiserver-flags
audit-log-in-container = the directory of { $path } is not on a hostPath volume, so the log is not on the host: see audit.apiserver-mounts
audit-log-restart-pending = kube-apiserver has not been restarted with the manifest's audit flags yet (see audit.apiserver-running), so it writes no audit log: check again after the restart
audit-log-directory = cannot read { $path }: is a directory
audit-log-missing = no audit log at { $path }: kube-apiserver has not written one (not restarted with the audit flags yet, or it does not start)
audit-fix-pass-then-restart = make the other audit checks pass, then let the kubelet restart kube-apiserver (it does when the manifest changes)
audit-log-unreadable = cannot read the audit log: { $error }
audit-log-old = { $path } was last written { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    } ago: a running kube-apiserver writes audit events every few seconds (a copied node's log is always old)
audit-fix-check-running = check that kube-apiserver runs with the audit flags (audit.apiserver-running) and that the log mount is writable
audit-log-no-event = { $path } holds no complete event
audit-fix-check-policy = check the policy: it may log nothing (audit.policy-content)
audit-log-bad-line = { $path }: line { $line } of the last { $count } is not an { $expected } event: { $why }
audit-fix-json-events = kube-apiserver must write JSON events: remove --audit-log-format=legacy and any --audit-log-version other than { $expected }
audit-log-ok = { $path } was written { $seconds }s ago; its last { $lines } { $lines ->
        [one] line is an { $expected } event
       *[other] lines are { $expected } events
    }

## audit.apiserver-image

audit-image-none = the kube-apiserver container names no image
audit-image-theirs = { $component }'s { $version } ({ $place })
audit-image-same = the same minor version as the other control-plane static pods
audit-image-newer = allowed by the version skew policy during an upgrade, but the control plane should be upgraded together
audit-image-older = the API server must never be older than the controller manager or scheduler
audit-image-one-minor = { $place }: the image is Kubernetes { $version }, one minor version from { $other }: { $why }
audit-fix-image = { $place }: image: { $image }
audit-image-far = { $place }: the image { $image } is Kubernetes { $version }, { $minors } minor versions from { $other }: when the kubelet restarts kube-apiserver it runs that version (a pasted image line — the vendor's sample carries v1.20.4)
audit-fix-image-keep = { $place }: image: { $image } (keep the image the manifest had; add only the audit settings)
audit-image-not-compared = not compared: { $why }
audit-image-vpc-other-region = { $place }: { $registry } answers only inside { $region }'s VPC, and this cluster is in { $ours }: the kubelet cannot pull the image, and kube-apiserver does not come back
audit-fix-image-other-registry = { $place }: use the image the cluster's other components come from (or { $registry })
audit-image-vpc-not-vpc = { $place }: { $registry } answers only inside { $region }'s VPC: a node that is not an ECS instance in that VPC cannot pull the image
audit-fix-image-public-registry = { $place }: use { $registry } (public) unless every master is an ECS instance in { $region }'s VPC
audit-image-vpc-no-region = { $place }: { $registry } answers only inside { $region }'s VPC; without --region the tool cannot tell whether this cluster is there
audit-fix-region = rerun with --region REGION
audit-image-result = { $image }: { $compared }

## audit.pool-seen

audit-pool-not-on-host = the audit log is not on the host: see audit.apiserver-flags and audit.apiserver-mounts
audit-pool-no-region = no --region: the pool whose requests to look for is unknown
audit-pool-no-log = no audit log at { $path } yet (see audit.log-written)
audit-pool-directory = { $path } is a directory
audit-pool-last-mib = the last { $mib } MiB of { $path }
audit-pool-none = none of the { $events } { $events ->
        [one] event
       *[other] events
    } in { $scanned } came from { $region }'s pool yet: expected before the security center joins; after the join its requests appear here
audit-pool-seen = { $requests } { $requests ->
        [one] request
       *[other] requests
    } from { $region }'s pool in { $scanned }; the last at { $time } from { $address }

## audit.collector-installed

audit-collector-confirm = confirm that Logtail runs on every master and that the Log Service logstore { $logstore } receives entries tagged audit=apiserver
audit-fix-install-logtail = install Logtail as the vendor's 安装Logtail组件 (自建Kubernetes集群) procedure says; `kubectl -n kube-system get daemonset logtail-ds` shows it
audit-fix-logstore-entries = Log Service console: open the project, then the logstore { $logstore }, and look for recent entries
audit-fix-console-log = Security Center console → 容器资产 → 集群 → 自建集群接入 → 编辑 → 开启日志: enter the audit log region, project and logstore { $logstore }

## What kube-apiserver refuses in a policy (audit.policy-file)

audit-invalid-in-rule = rule { $rule }: { $what }
audit-invalid-no-rules = the policy has no rules (kube-apiserver: "loaded illegal policy with 0 rules")
audit-invalid-no-level = level is required (None, Metadata, Request or RequestResponse)
audit-invalid-level = level { $level } is not one of None, Metadata, Request, RequestResponse
audit-invalid-stage = omitStages has { $stage }; allowed stages are { $stages }
audit-invalid-resources-and-urls = rules cannot apply to both regular resources and non-resource URLs
audit-invalid-url-slash = nonResourceURL { $url } must begin with a '/' character
audit-invalid-url-wildcard = nonResourceURL { $url }: the wildcard '*' must be the final character
audit-invalid-group = group { $group } is not an API group name (lower-case DNS subdomain, without a version)
audit-invalid-resource-names = group { $group }: using resourceNames requires at least one resource

## A request as the audit policy sees it (the examples of audit.policy-content)

audit-request = { $verb } { $what }{ $sub }{ $name } { $scope } by { $user } in groups [{ $groups }]
audit-request-url = { $verb } { $path } by { $user } in groups [{ $groups }]
audit-req-any-verb = any other verb on
audit-req-any-user = any user
audit-req-user = user { $user }
audit-req-any-resource-other-group = any resource of another API group
audit-req-any-core-resource = any other core resource
audit-req-any-resource-of = any other resource of { $group }
audit-req-resource-other-group = { $resource } of another API group
audit-req-any-subresource = /(any other subresource)
audit-req-any-name = {" "}(any name)
audit-req-name = {" "}{ $name }
audit-req-cluster-wide = (cluster-wide)
audit-req-any-namespace = in any namespace
audit-req-namespace = in namespace { $namespace }

## Why the kube-apiserver image was not compared (audit.apiserver-image)

audit-image-no-version = the image { $image } has no version in its tag
audit-image-no-other = no other control-plane static pod with a versioned image

## Why a line of the audit log is not an event (audit.log-written)

audit-event-not-json = not an audit event in JSON: { $why }
audit-event-kind = kind is { $kind }, expected Event
audit-event-api-version = apiVersion is { $api_version }, expected { $expected }
audit-event-no-id = auditID is empty
audit-event-long-value = "a value of { $n } characters"

## How the policy file was found (audit.policy-file)

audit-policy-mounted = --audit-policy-file={ $path }, hostPath-mounted by volumeMount { $mount }
audit-policy-unmounted = --audit-policy-file={ $path } (no hostPath mount covers it)
audit-policy-default-path = the vendor's default path (the manifest sets no --audit-policy-file)

## What a policy file must be (its YAML errors)

audit-policy-expected = an audit policy (YAML, kind: Policy)
