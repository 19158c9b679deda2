# 集群报告（merge）：所有 Master 节点的报告合为一份。

## 检查说明

check-fleet-drift = 各 Master 节点配置一致
    .summary = 用 `merge` 合并时：各 Master 节点的 Kubernetes 版本、审计策略（SHA-256）、kube-apiserver 镜像与 `--audit-*` 参数、白名单判定结果一致；不一致时失败，并指出节点及差异
    .explain = 仅出现在集群报告中（对每个控制平面节点的报告执行 `k8sjoin-check merge`，例如来自 `k8sjoin-check fleet`）：逐节点比较每个 Master 上必须相同的内容：Kubernetes 版本、审计策略文件的 SHA-256、静态 Pod 清单中的 kube-apiserver 镜像及其 --audit-* 参数，以及 firewall.allowlist 对每个地址池条目的判定。厂商的流程要求在每个 Master 上手工修改审计配置（依次登录所有Master节点），因此漏改或改得不一致的 Master 是常见的失败原因。发现差异时失败，并列出不同的节点和两边的取值；只有一个节点时跳过。修复：让有差异节点的清单和策略与其他节点一致，然后重新运行集群检查。

## 集群报告（merge）

fleet-hostname = { $n } 个节点组成的集群：{ $nodes }
fleet-one-node = 1 个节点
fleet-all-nodes = 全部 { $n } 个节点
fleet-same-everywhere = 在{ $on }上均为 { $status }：{ $message }
fleet-node-status = { $node } { $status }：{ $message }
fleet-pass-on = 在 { $nodes } 上通过
fleet-what-version = Kubernetes 版本
fleet-what-policy = 审计策略（SHA-256）
fleet-what-image = kube-apiserver 镜像
fleet-what-allowlist = { $entry } 的白名单判定
fleet-one-report = 只有一个节点：无可比较
fleet-agree = { $n } 个节点的 Kubernetes 版本、审计策略、kube-apiserver 镜像与审计参数、白名单判定均一致
fleet-fix-drift = 让有差异节点的清单和策略与其他节点一致（复制 /etc/kubernetes/audit-policy.yaml 以及 kube-apiserver.yaml 中的审计相关行），然后重新运行集群检查
fleet-value-none = 无
fleet-nodes-have = { $nodes } 为 { $value }
fleet-differs = { $what }不一致：{ $others }，而 { $majority }

## Reading the reports to merge (bad input, exit 2).

merge-not-a-report-line = 应为 k8sjoin-check 报告：一行 JSON，或 fleet 各 Pod 的 `kubectl logs --prefix` 输出（输出其他内容的 Pod 没有运行检查）
merge-not-json = 不是 JSON 报告：{ $error }
merge-schema-missing = 缺失
merge-schema-version = schema_version 为 { $found }；此版本的 k8sjoin-check 合并 schema_version { $supported } 的报告（请用生成报告的版本合并）
merge-not-our-report = 不是 k8sjoin-check 报告：{ $error }
merge-nothing = 没有可合并的报告；应为 fleet 各 Pod 的日志
merge-other-region = 报告的地域为 { $region }，但 { $first_source } 的地域为 { $first_region }：只能合并同一集群的报告
merge-second-report = 节点 { $node } 的第二份报告（第一份在 { $earlier }）

## Run options the DaemonSet sets itself (why the user's value cannot go to the pods).

fleet-daemonset-sets-root = DaemonSet 把节点的 / 挂载到 /host，并以 --root /host 运行
fleet-daemonset-sets-format = 每个 Pod 把报告输出为一行 JSON（--format json-line），供 `k8sjoin-check merge` 合并
fleet-daemonset-sets-report = Pod 的报告就是它的日志（`kubectl logs`），不是 Pod 里的文件
fleet-daemonset-sets-node = 每个 Pod 以所在节点命名报告（--node $(NODE_NAME)）
fleet-daemonset-sets-then-sleep = 每个 Pod 运行后已会等待，以便保留日志
