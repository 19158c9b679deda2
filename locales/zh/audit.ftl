# 审计日志威胁检测检查（--audit）：Kubernetes 版本、审计策略、kube-apiserver 清单中的参数、挂载和采集环境变量、运行中的进程、审计日志，以及日志采集组件（人工确认）。

## 检查说明

check-audit-k8s-version = 审计日志检测所需的 Kubernetes 版本
    .summary = 使用 `--audit` 时：Kubernetes ≥ 1.16，版本依次取自 `/version`、其他控制平面静态 Pod 的镜像、kube-apiserver 镜像标签、`--k8s-version`（并注明来源）
    .explain = 检查集群是否运行 Kubernetes 1.16 或更高版本，这是基于审计日志的威胁检测所要求的。版本优先取自可访问时 API 服务器的 /version，其次取自 /etc/kubernetes/manifests/kube-apiserver.yaml 中 kube-apiserver 镜像的标签，最后取自 --k8s-version；结果会注明来源。该版本也决定了 kube-apiserver 接受哪个审计策略 apiVersion。修复：将集群升级到 1.16 或更高版本；无法得知版本时，传入 --k8s-version。

check-audit-policy-file = 审计策略文件可加载
    .summary = `--root` 下存在审计策略，且非空（hostPath `FileOrCreate` 会创建空文件）、是 YAML、`kind: Policy`，其 apiVersion 可被接受（≥ 1.24 上使用 v1beta1 失败：API 服务器无法启动；更早版本警告）
    .explain = 检查 kube-apiserver 能否加载审计策略：--audit-policy-file 指定的文件（经其 hostPath 挂载在主机上查看；默认为 /etc/kubernetes/audit-policy.yaml）存在、非空（类型为 FileOrCreate 的 hostPath 会悄悄创建一个空文件）、是 kind: Policy，并使用该 Kubernetes 版本接受的 apiVersion。厂商示例中写的是 audit.k8s.io/v1beta1，kube-apiserver 1.24 及以后版本启动时会拒绝它（"no kind Policy is registered for version audit.k8s.io/v1beta1"）：在这些版本上失败，在更早版本上警告（自 1.19 起已弃用）。kube-apiserver 校验会拒绝的 level、stage 和 nonResourceURLs，以及没有规则的策略，同样失败。apiVersion 会针对所有已知版本（API 服务器、镜像标签、--k8s-version）判断，因此写入清单的升级也会计算在内。修复：`k8sjoin-check audit-policy --k8s-version V > /etc/kubernetes/audit-policy.yaml` 会写出正确的文件。

check-audit-policy-content = 审计策略内容
    .summary = 按 kube-apiserver 的方式评估（首条匹配的规则，逐条规则的 omitStages）：没有请求被记录两次（已省略 RequestReceived）；secrets、configmaps、tokenreviews 的请求都不高于 `Metadata`（否则失败，指出第一条记录此类请求的规则及示例请求）；每个请求都有规则匹配；并非全部为 `None`
    .explain = 按 kube-apiserver 的匹配方式（首条匹配生效）逐条检查策略记录的内容：omitStages 包含 RequestReceived（否则每个请求都会被记录两次：警告）；Secret、ConfigMap 和 TokenReview 在遇到将其全部请求保持在 Metadata 或 None 的规则之前，不会命中 level 为 Request 或 RequestResponse 的规则（此类规则会把 Secret 的值和令牌写入日志文件：失败，并指出该规则）；存在最后的兜底规则（否则未匹配的请求不会被记录：警告）；规则没有让所有请求都为 None（警告）。修复：把厂商针对 secrets、configmaps 和 tokenreviews 的 Metadata 规则放在任何 Request/RequestResponse 规则之前，并以 `- level: Metadata` 结尾。

check-audit-apiserver-flags = kube-apiserver 审计参数
    .summary = kube-apiserver 清单中有 `--audit-log-path`、`--audit-policy-file`、`--audit-log-maxage/maxbackup/maxsize`，且为数字；低于厂商的 30/10/100 时警告（maxage/maxbackup 为 0 表示不限制；maxsize 为 0 则从不轮转：警告）
    .explain = 检查 /etc/kubernetes/manifests/kube-apiserver.yaml 中的审计参数：--audit-log-path（是文件而不是 `-`）、--audit-policy-file，以及 --audit-log-maxage、--audit-log-maxbackup、--audit-log-maxsize 均存在且为整数（厂商的取值为 30、10 和 100；更低的值会警告，因为日志可能在被采集前就已轮转删除；缺少 maxsize 则从不轮转，会写满磁盘）。--audit-log-format 必须保持 json，--audit-log-version 必须为 audit.k8s.io/v1，这是采集组件解析的格式。修复：完全按照厂商示例把这些参数加入容器的 command。

check-audit-apiserver-mounts = 审计 hostPath 挂载
    .summary = hostPath 卷和挂载覆盖日志目录或日志文件本身（可写；挂载文件本身时警告：轮转会跨挂载点重命名）以及策略文件（只读），名称一致
    .explain = 检查 kube-apiserver Pod 能否看到主机上的策略并把日志写到主机上：有一个 volumeMount 覆盖 --audit-log-path 所在目录且可写，另一个覆盖 --audit-policy-file 且为 readOnly，每个挂载都指向存在的 hostPath 卷（名称不匹配任何卷时 kubelet 拒绝该 Pod），并且没有两个挂载使用同一 mountPath。没有日志挂载时，日志只留在容器内，采集组件永远看不到，重启后也会丢失。修复：添加厂商示例中的 volumeMounts 和 volumes（/var/log/kubernetes 对应 k8s-audit，audit-policy 为 readOnly）。

check-audit-collector-env = 日志采集环境变量
    .summary = `aliyun_logs_audit-<cluster_id>` = 日志路径，`_tags` = `audit=apiserver`，`_product` = `k8s-audit`，`_jsonfile` = `"true"`；残留占位符或集群 ID 与 `--cluster-id` 不同时失败
    .explain = 检查 Logtail 从 kube-apiserver 容器读取的环境变量：aliyun_logs_audit-<cluster_id> = --audit-log-path 的值，aliyun_logs_audit-<cluster_id>_tags = audit=apiserver，_product = k8s-audit，_jsonfile = "true"（须加引号：不加引号的 true 是布尔值，kubelet 会拒绝该 Pod）。名称中残留占位符（${"{"}cluster_id{"}"}、{"{"}cluster_id{"}"}）时失败，集群 ID 与 --cluster-id 不同时也失败。未给出 --cluster-id 时无法与控制台中的 ID 比较：警告。修复：从云安全中心 → 容器资产 → 集群 复制集群 ID，写入这四个名称。

check-audit-apiserver-running = 运行中的 kube-apiserver 已带审计参数
    .summary = 运行中的 kube-apiserver（`<root>/proc/*/cmdline`）带有清单中的审计参数；不一致时警告（已修改但尚未重启）；没有进程时跳过
    .explain = 将运行中的 kube-apiserver（<root>/proc/*/cmdline）的 --audit-* 参数与清单中的比较。不一致说明清单已修改但 kubelet 尚未重启该 Pod，或新 Pod 无法启动（警告）；没有运行中的 kube-apiserver 时跳过。修复：等待约一分钟让 kubelet 重启静态 Pod；如果它没有恢复，查看其日志（kube-apiserver 容器的 `crictl logs` / `docker logs`）：被拒绝的策略或错误的参数会让它无法启动。

check-audit-log-written = 审计日志正在写入
    .summary = 审计日志存在、最近 10 分钟内有写入，且最后几行是 `audit.k8s.io/v1` 事件；重启前（运行中的 kube-apiserver 尚无清单中的审计参数）跳过
    .explain = 检查 kube-apiserver 是否在写审计日志：--audit-log-path 指定的文件（经其 hostPath 挂载在主机上查找）存在，最近 10 分钟内被修改过（繁忙的 API 服务器每秒会写入多条事件），且最后几行能解析为 JSON 格式的 audit.k8s.io/v1 Event 对象。修复：以审计参数重启 kube-apiserver（清单变更时 kubelet 会自动重启），并检查上面的参数、挂载和策略检查。

check-audit-apiserver-image = kube-apiserver 镜像与控制平面一致
    .summary = 使用 `--audit` 时：kube-apiserver 镜像与其他控制平面静态 Pod 的次版本相同（相差超过一个次版本时失败：粘贴了别处的镜像行）；在 `registry-vpc.<region>` 所在地域之外使用该镜像时失败
    .explain = 检查 /etc/kubernetes/manifests/kube-apiserver.yaml 中的 kube-apiserver 镜像与同目录下其他控制平面静态 Pod（kube-controller-manager、kube-scheduler）的 Kubernetes 次版本是否相同。厂商示例中的镜像是 registry-vpc.cn-shenzhen.aliyuncs.com/acs/kube-apiserver:v1.20.4-aliyun.1：粘贴进其他集群的清单后，kubelet 重启 API 服务器时会把它降级。相差超过一个次版本时失败；相差一个时警告（版本偏差策略允许 API 服务器比其他组件新一个次版本，但绝不能更旧）。registry-vpc.<region>.aliyuncs.com 镜像仓库只在该地域的专有网络VPC内可访问：在其他地域的集群上失败（kubelet 无法拉取镜像，kube-apiserver 无法恢复）；未给出 --region 时警告。修复：保留清单原有的镜像行，只添加审计参数、环境变量和挂载。

check-audit-pool-seen = 审计日志中有云安全中心的请求
    .summary = 使用 `--audit` 且接入之后：审计日志中有来自该地域地址池的请求（最后一次的时间、次数和地址）；尚无请求时跳过
    .explain = 接入之后：审计日志（--audit-log-path 指定的主机上的文件）中有 sourceIPs 属于该地域地址池（--region、--pool）的请求，说明云安全中心已连接。通过时给出请求次数、最后一次的时间和地址；读取日志的最后 128 MiB。尚无请求时跳过，接入之前这是正常的。修复：接入之前无需处理；接入之后，检查防火墙相关检查和云安全中心控制台。

check-audit-collector-installed = Logtail 与审计日志库
    .summary = 使用 `--audit` 时，人工确认：已安装 Logtail，已配置日志服务 SLS 的 Project 和日志库，以及要查看的内容
    .explain = 人工步骤：日志采集组件（Logtail，按厂商的“安装Logtail组件”步骤安装）必须在 Master 节点上运行，日志服务 SLS 的 Project 中必须有环境变量名所指定的日志库（audit-<cluster_id>）；然后在云安全中心中指定该 Project 和日志库（开启日志页签）。这些都无法从主机文件中看到。修复：安装 Logtail，确认该日志库收到带 audit=apiserver 标签的日志，并在云安全中心控制台中填写其地域、Project 和日志库。

## 所有审计检查

audit-not-read = 未读取审计文件（请以 --audit 运行）
audit-no-manifest = { $path } 处没有 kube-apiserver 静态 Pod 清单：请在 Master 节点上运行，或用 --root 传入其副本
audit-needs-manifest = 在控制平面节点上运行，或用 --root 传入清单副本
audit-and = { $left } 和 { $right }

## audit.k8s-version

audit-version-invalid = { $text } 不是 Kubernetes 版本号；应为 1.28 或 v1.28.3 这样的形式
audit-source-server = API 服务器的 /version
audit-source-components = 其他控制平面静态 Pod 的镜像
audit-source-image = kube-apiserver 镜像标签
audit-version-unparsed = /version 返回 { $text }，不是版本号
audit-version-unreached = 未能访问 /version
audit-version-unknown = Kubernetes 版本未知：{ $server }，清单中的镜像标签不含版本号，且未指定 --k8s-version
audit-needs-version = --k8s-version V，或可访问的 API 服务器
audit-fix-pass-version = 传入 --k8s-version V（`kubectl version` 可显示服务器版本）
audit-version-says = { $source }：{ $version }
audit-version-disagree = （但 { $others }）
audit-version-ok = Kubernetes { $version }（来源：{ $source } { $detail }）：满足 { $minimum } 及以上的要求{ $disagree }
audit-version-too-old = Kubernetes { $version }（来源：{ $source } { $detail }）：审计日志威胁检测需要 { $minimum } 或更高版本{ $disagree }
audit-fix-upgrade = 先将集群升级到 Kubernetes { $minimum } 或更高版本，再开启审计日志威胁检测

## audit.policy-file

audit-fix-write-policy = 写入正确的审计策略：{ $command }
audit-policy-where = { $path }（{ $how }）
audit-policy-missing = { $place } 处没有审计策略：--audit-policy-file 指向不存在的文件时，kube-apiserver 无法启动
audit-policy-directory = { $place } 是一个目录：文件不存在时 hostPath 挂载创建了它；kube-apiserver 无法从目录读取策略
audit-fix-rmdir = 执行 { $command }，然后在原处写入策略文件
audit-fix-type-file = 将策略的 hostPath 卷设为 `type: File`：文件缺失时 Pod 将无法启动，而不是把它变成一个目录
audit-policy-empty = { $place } 是空文件：策略缺失时，类型为 FileOrCreate 的 hostPath 卷会创建空文件，而 kube-apiserver 拒绝空策略
audit-policy-kind = { $path }：kind 为 { $kind }，应为 Policy
audit-policy-kind-missing = 缺失
audit-policy-no-api-version = { $path }：缺少 apiVersion（应为 { $expected }）
audit-fix-api-version = { $place }：改为 `apiVersion: { $expected }`
audit-policy-retiring = { $path }：apiVersion { $api_version } 在 { $version }（{ $source }）上可用，但自 { $deprecated } 起已弃用，从 { $removed } 起将被拒绝：升级后 kube-apiserver 将无法启动
audit-policy-removed = { $path }：apiVersion { $api_version } 已在 { $removed } 中移除；kube-apiserver { $version }（{ $source }）使用此策略时拒绝启动（"no kind Policy is registered for version { $api_version }"）
audit-policy-too-new = { $path }：apiVersion { $api_version } 自 { $since } 起才有；kube-apiserver { $version }（{ $source }）不接受它
audit-policy-unknown-api = { $path }：apiVersion { $api_version } 不是 kube-apiserver 认识的审计策略版本（应为 { $expected }）
audit-policy-refused-later = { $path }：kube-apiserver { $removed } 及以后的版本拒绝 apiVersion { $api_version }，而集群版本未知
audit-fix-version-to-judge = 传入 --k8s-version V，以便判断该 apiVersion 是否可用
audit-policy-invalid = { $place }：{ $what }（kube-apiserver 拒绝该策略，无法启动）
audit-policy-ok-any = { $path }：kind Policy，{ $api_version }（自 { $since } 起所有 Kubernetes 版本均接受），共 { $rules } 条规则
audit-policy-ok = { $path }：kind Policy，Kubernetes { $versions } 接受 { $api_version }，共 { $rules } 条规则

## audit.policy-content

audit-content-no-policy = { $path } 处没有可读取的策略：见 audit.policy-file
audit-content-not-loadable = { $path } 不是 kube-apiserver 能加载的策略（没有 kind: Policy，或没有规则）：见 audit.policy-file
audit-content-leak = { $place }：规则 { $rule } 以 { $level } 级别记录 { $resources }（例如 { $example }）：含 Secret 值和令牌的请求/响应体会被写入审计日志
audit-fix-insert-rule = 在规则 { $rule } 之前插入：{ $yaml }
audit-content-twice = { $place }：规则 { $rule } 的 omitStages 不含 RequestReceived（规则和策略都没有省略该阶段）：它以 { $level } 级别记录的请求（例如 { $example }）会被写入两次
audit-fix-omit-stages = 在顶层添加：{ $yaml }
audit-content-no-catch-all = { $path }：没有兜底规则：不匹配任何规则的请求根本不会被记录（例如 { $example }）
audit-fix-end-metadata = 以 `- level: Metadata` 作为最后一条规则
audit-content-early-catch-all = { $place }：规则 { $rule } 匹配所有请求，因此其后的 { $after } 条规则永远不会生效
audit-fix-move-rule = 把规则 { $rule } 移到最后
audit-content-logs-nothing = { $path }：所有请求的级别都是 None：审计日志将始终为空
audit-content-rest = 规则 { $rule } 以 { $level } 级别记录其余请求
audit-content-all-matched = 每个请求都有规则匹配
audit-content-ok = 没有请求被记录两次（已省略 RequestReceived）；{ $sensitive } 从不高于 Metadata；{ $rest }

## audit.apiserver-flags

audit-fix-add-flag = 在 { $manifest } 中为 kube-apiserver 的 command 添加：- { $flag }
audit-flags-no-log-path = 缺少 --audit-log-path：kube-apiserver 不写审计日志
audit-flags-stdout = { $place }：{ $flag } 把审计日志写到标准输出，而不是采集组件能读取的文件
audit-fix-use-flag = { $place }：改用 { $flag }
audit-flags-no-policy-file = 缺少 --audit-policy-file：没有策略时 kube-apiserver 不记录任何事件
audit-flags-rotation-missing = 缺少 { $flag }（厂商的取值为 { $vendor }）
audit-fix-set-flag = { $place }：改为 { $flag }
audit-flags-below = { $place }：{ $flag } 低于厂商的 { $vendor }：日志可能在被采集前就已轮转删除
audit-flags-never-rotates = { $place }：{ $flag }：日志从不轮转，会一直增长直到写满磁盘
audit-flags-not-number = { $place }：{ $flag } 不是不小于 0 的整数：kube-apiserver 无法启动
audit-flags-format = { $place }：{ $flag }：采集组件读取的是 JSON 行（_jsonfile=true）
audit-fix-remove-or-use = { $place }：删除该参数，或改用 { $flag }
audit-flags-version = { $place }：{ $flag }：采集组件需要 { $expected } 事件
audit-flags-no-limit = 0（不限制）
audit-flags-ok = 审计参数已设置：--audit-log-path={ $log } --audit-policy-file={ $policy } maxage={ $maxage } maxbackup={ $maxbackup } maxsize={ $maxsize }

## audit.apiserver-mounts

audit-mounts-nothing = 清单既未指定审计日志文件，也未指定策略文件：见 audit.apiserver-flags
audit-mounts-not-hostpath = { $place }：{ $mount_path } 背后的卷 { $volume } 不是 hostPath：{ $consequence }
audit-mounts-misplaced = { $place }：volumeMount { $mount } 把主机的 { $path } 挂载到了 { $mount_path }，但参数指定的是 { $path }：{ $consequence }
audit-fix-mount-path = { $place }：设置 mountPath: { $path }
audit-mounts-uncovered = 没有覆盖 { $path } 的 volumeMount：{ $consequence }
audit-mounts-no-volume = { $place }：volumeMount { $mount } 指向的卷不存在：kubelet 会拒绝该 Pod
audit-fix-add-volume = 在 spec.volumes 下添加名为 { $mount } 的卷，或修正该 volumeMount 的名称
audit-mounts-twice = { $place }：mountPath { $mount_path } 被使用了两次（另一处在第 { $line } 行）：kubelet 会拒绝该 Pod
audit-fix-remove-mount = 删除 { $mount_path } 处两个 volumeMount 中的一个
audit-mounts-log-file-read-only = { $place }：日志文件的 volumeMount { $mount } 是 readOnly：kube-apiserver 无法写入 { $path }
audit-fix-remove-read-only = { $place }：去掉 volumeMount { $mount } 的 readOnly
audit-mounts-ok-log-file = 日志文件 { $path } → 主机 { $host }（挂载的是文件本身）
audit-mounts-file-rotates = { $place }：volumeMount { $mount } 挂载的是日志文件本身：达到 --audit-log-maxsize 时 kube-apiserver 会重命名该文件进行轮转，而重命名挂载点会失败
audit-fix-mount-dir-or-logrotate = 改为挂载日志所在目录（{ $dir }），或在主机上轮转该文件（像 GCE 那样用带 copytruncate 的 logrotate），并设置 --audit-log-maxsize=0
audit-fix-mount-log-dir = 从主机挂载日志目录：{ $yaml }
audit-mounts-log-inside = kube-apiserver 把审计日志写在容器内，采集组件永远看不到，重启后也会丢失
audit-mounts-log-dir-read-only = { $place }：日志目录的 volumeMount { $mount } 是 readOnly：kube-apiserver 无法写入 { $path }
audit-mounts-ok-log-dir = 日志目录 { $dir } → 主机 { $host }
audit-fix-mount-policy = 从主机挂载策略文件：{ $yaml }
audit-mounts-policy-inside = kube-apiserver 在容器内找不到策略文件，无法启动
audit-mounts-policy-dir-type = { $place }：策略文件的卷 { $volume } 类型为 { $kind }：挂载目标是文件时 kubelet 拒绝启动该 Pod
audit-fix-policy-file-type = { $place }：将卷 { $volume } 的类型改为 type: FileOrCreate（或 File）
audit-mounts-ok-policy = 策略 { $path } ← 主机 { $host }，readOnly
audit-mounts-policy-writable = { $place }：策略的 volumeMount { $mount } 可写：任何控制了 kube-apiserver 的人都能改写审计内容
audit-fix-add-read-only = { $place }：为 volumeMount { $mount } 添加 readOnly: true

## audit.collector-env

audit-env-none = { $container } 容器没有 { $name } 环境变量：Logtail 不会采集审计日志
audit-fix-add-env = 在容器的 env 中添加：{ $yaml }
audit-fix-replace-id = { $place }：把每个 { $prefix }… 名称中的 ID 替换为 { $id }
audit-env-placeholder = { $place }：环境变量名中仍是占位符 { $placeholders }，而不是集群 ID
audit-env-other-cluster = 环境变量中的集群为 { $id }，但 --cluster-id 为 { $given }：日志会进入另一个集群的日志库
audit-env-several-ids = 环境变量中有多个集群 ID（{ $ids }）：Logtail 会把每个名称当作单独的配置
audit-env-missing = 缺少 { $name }
audit-env-wrong = { $place }：{ $name } 为 { $value }，应为 { $expected }{ $what }
audit-env-log-path-value = （即 --audit-log-path 的值）
audit-fix-set-env = { $place }：改为 { $yaml }
audit-env-unquoted = { $place }：{ $name } 的值 { $value } 未加引号：env 的值必须是字符串，否则 kubelet 会拒绝该 Pod
audit-fix-quote = { $place }：加上引号：{ $yaml }
audit-env-value-from = { $place }：{ $name } 通过 valueFrom 设置，无法从清单核实其值
audit-env-no-value = { $place }：{ $name } 没有值
audit-env-no-log-path = 清单未设置 --audit-log-path，无法与 { $name } 比较
audit-env-id-not-compared = 集群 ID { $id } 未与控制台中的 ID 比较（未指定 --cluster-id）
audit-fix-cluster-id = 用 --cluster-id ID（云安全中心 → 容器资产 → 集群）重新运行，与 { $id } 比较
audit-env-ok = { $name }、_tags、_product 和 _jsonfile 均已按厂商要求设置

## audit.apiserver-running

audit-running-none = 没有运行中的 kube-apiserver 进程（已查看 { $dir }）
audit-running-no-proc = 无法列出 { $dir } 中的进程：目录不存在（os error 2）
audit-running-error = 无法列出进程：{ $error }
audit-running-lacks = 进程 { $pid } 缺少 { $flag }
audit-running-differs = 进程 { $pid } 运行时为 { $running }，但清单中为 { $manifest }
audit-running-extra = 进程 { $pid } 运行时带有 { $flag }，而清单中已没有该参数
audit-running-ok = kube-apiserver（进程 { $pids }）正以清单中的 { $flags } 个审计参数运行
audit-running-pending = 运行中的 kube-apiserver 尚未使用清单中的审计参数：{ $differences }
audit-fix-wait-restart = 静态 Pod 的清单变更后 kubelet 会重启它：等待约一分钟后再检查
audit-fix-crictl-logs = 如果它没有恢复：先执行 `crictl ps -a --name kube-apiserver`，再执行 `crictl logs <id>`（或 `docker ps -a` / `docker logs`）查看它无法启动的原因

## audit.log-written

audit-log-no-file = 清单未指定审计日志文件：见 audit.apiserver-flags
audit-log-in-container = { $path } 所在目录不在 hostPath 卷上，因此日志不在主机上：见 audit.apiserver-mounts
audit-log-restart-pending = kube-apiserver 尚未以清单中的审计参数重启（见 audit.apiserver-running），因此不会写审计日志：重启后再检查
audit-log-directory = 无法读取 { $path }：这是一个目录
audit-log-missing = { $path } 处没有审计日志：kube-apiserver 还没有写过（尚未以审计参数重启，或无法启动）
audit-fix-pass-then-restart = 先让其他审计检查通过，再让 kubelet 重启 kube-apiserver（清单变更时它会自动重启）
audit-log-unreadable = 无法读取审计日志：{ $error }
audit-log-old = { $path } 上次写入是在 { $minutes } 分钟前：运行中的 kube-apiserver 每隔几秒就会写入审计事件（复制来的节点的日志总是旧的）
audit-fix-check-running = 检查 kube-apiserver 是否以审计参数运行（audit.apiserver-running），以及日志挂载是否可写
audit-log-no-event = { $path } 中没有完整的事件
audit-fix-check-policy = 检查策略：它可能什么都不记录（audit.policy-content）
audit-log-bad-line = { $path }：最后 { $count } 行中的第 { $line } 行不是 { $expected } 事件：{ $why }
audit-fix-json-events = kube-apiserver 必须写 JSON 事件：删除 --audit-log-format=legacy 以及任何不是 { $expected } 的 --audit-log-version
audit-log-ok = { $path } 在 { $seconds } 秒前有写入；最后 { $lines } 行均为 { $expected } 事件

## audit.apiserver-image

audit-image-none = kube-apiserver 容器未指定镜像
audit-image-theirs = { $component } 的 { $version }（{ $place }）
audit-image-same = 与其他控制平面静态 Pod 的次版本相同
audit-image-newer = 版本偏差策略在升级期间允许这样，但控制平面应一起升级
audit-image-older = API 服务器绝不能比 controller manager 或 scheduler 旧
audit-image-one-minor = { $place }：镜像是 Kubernetes { $version }，与 { $other } 相差一个次版本：{ $why }
audit-fix-image = { $place }：改为 image: { $image }
audit-image-far = { $place }：镜像 { $image } 是 Kubernetes { $version }，与 { $other } 相差 { $minors } 个次版本：kubelet 重启 kube-apiserver 时会运行这个版本（粘贴了别处的镜像行——厂商示例中是 v1.20.4）
audit-fix-image-keep = { $place }：改为 image: { $image }（保留清单原有的镜像，只添加审计相关设置）
audit-image-not-compared = 未比较：{ $why }
audit-image-vpc-other-region = { $place }：{ $registry } 只在 { $region } 的专有网络VPC内可访问，而本集群位于 { $ours }：kubelet 无法拉取镜像，kube-apiserver 将无法恢复
audit-fix-image-other-registry = { $place }：使用集群其他组件所用的镜像（或 { $registry }）
audit-image-vpc-not-vpc = { $place }：{ $registry } 只在 { $region } 的专有网络VPC内可访问：不是该 VPC 内 ECS 实例的节点无法拉取镜像
audit-fix-image-public-registry = { $place }：除非每个 Master 节点都是 { $region } 专有网络VPC内的 ECS 实例，否则改用 { $registry }（公网）
audit-image-vpc-no-region = { $place }：{ $registry } 只在 { $region } 的专有网络VPC内可访问；未指定 --region，无法判断本集群是否在该地域
audit-fix-region = 用 --region REGION 重新运行
audit-image-result = { $image }：{ $compared }

## audit.pool-seen

audit-pool-not-on-host = 审计日志不在主机上：见 audit.apiserver-flags 和 audit.apiserver-mounts
audit-pool-no-region = 未指定 --region：不知道要查找哪个地址池的请求
audit-pool-no-log = { $path } 处还没有审计日志（见 audit.log-written）
audit-pool-directory = { $path } 是一个目录
audit-pool-last-mib = { $path } 的最后 { $mib } MiB
audit-pool-none = { $scanned } 中的 { $events } 个事件都不是来自 { $region } 的地址池：云安全中心接入之前这是正常的；接入之后它的请求会出现在这里
audit-pool-seen = { $scanned } 中有 { $requests } 个来自 { $region } 地址池的请求；最后一个在 { $time }，来自 { $address }

## audit.collector-installed

audit-collector-confirm = 请确认 Logtail 在每个 Master 节点上运行，且日志服务 SLS 的日志库 { $logstore } 收到了带 audit=apiserver 标签的日志
audit-fix-install-logtail = 按厂商的“安装Logtail组件（自建Kubernetes集群）”步骤安装 Logtail；`kubectl -n kube-system get daemonset logtail-ds` 可查看它
audit-fix-logstore-entries = 日志服务控制台：打开对应的 Project，再打开日志库 { $logstore }，查看是否有最近的日志
audit-fix-console-log = 云安全中心控制台 → 容器资产 → 集群 → 自建集群接入 → 编辑 → 开启日志：填写审计日志的地域、Project 和日志库 { $logstore }

## kube-apiserver 拒绝的策略内容（audit.policy-file）

audit-invalid-in-rule = 规则 { $rule }：{ $what }
audit-invalid-no-rules = 策略中没有任何规则（kube-apiserver："loaded illegal policy with 0 rules"）
audit-invalid-no-level = 缺少 level（应为 None、Metadata、Request 或 RequestResponse）
audit-invalid-level = level { $level } 不是 None、Metadata、Request、RequestResponse 之一
audit-invalid-stage = omitStages 中有 { $stage }；允许的阶段为 { $stages }
audit-invalid-resources-and-urls = 一条规则不能同时作用于常规资源和非资源 URL
audit-invalid-url-slash = nonResourceURL { $url } 必须以 '/' 开头
audit-invalid-url-wildcard = nonResourceURL { $url }：通配符 '*' 只能是最后一个字符
audit-invalid-group = group { $group } 不是 API 组名（应为小写的 DNS 子域名，不带版本）
audit-invalid-resource-names = group { $group }：使用 resourceNames 时至少需要一个资源

## 审计策略眼中的请求（audit.policy-content 中的示例）

audit-request = { $verb } { $what }{ $sub }{ $name }（{ $scope }；{ $user }，用户组 [{ $groups }]）
audit-request-url = { $verb } { $path }（{ $user }，用户组 [{ $groups }]）
audit-req-any-verb = 以任意其他动词访问
audit-req-any-user = 任意用户
audit-req-user = 用户 { $user }
audit-req-any-resource-other-group = 其他 API 组的任意资源
audit-req-any-core-resource = 任意其他核心资源
audit-req-any-resource-of = { $group } 的任意其他资源
audit-req-resource-other-group = 其他 API 组的 { $resource }
audit-req-any-subresource = /（任意其他子资源）
audit-req-any-name = （任意名称）
audit-req-name = {" "}{ $name }
audit-req-cluster-wide = 集群范围
audit-req-any-namespace = 任意命名空间
audit-req-namespace = 命名空间 { $namespace }

## 未比较 kube-apiserver 镜像的原因（audit.apiserver-image）

audit-image-no-version = 镜像 { $image } 的标签中没有版本号
audit-image-no-other = 没有其他带版本号镜像的控制平面静态 Pod

## 审计日志中某行不是审计事件的原因（audit.log-written）

audit-event-not-json = 不是 JSON 格式的审计事件：{ $why }
audit-event-kind = kind 为 { $kind }，应为 Event
audit-event-api-version = apiVersion 为 { $api_version }，应为 { $expected }
audit-event-no-id = auditID 为空
audit-event-long-value = 一个长 { $n } 个字符的值

## 策略文件的查找方式（audit.policy-file）

audit-policy-mounted = --audit-policy-file={ $path }，由 volumeMount { $mount } 以 hostPath 挂载
audit-policy-unmounted = --audit-policy-file={ $path }（没有覆盖它的 hostPath 挂载）
audit-policy-default-path = 厂商的默认路径（清单未设置 --audit-policy-file）

## 策略文件应有的内容（其 YAML 错误）

audit-policy-expected = 审计策略（YAML，kind: Policy）
