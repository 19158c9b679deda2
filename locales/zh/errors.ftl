# 错误：输入有误（退出码 2）、用法错误，以及工具在标准错误上输出的内容。

error-prefix = 错误：{ $message }
error-internal = 内部错误：{ $what }
error-cannot-write = 无法写入 { $what }：{ $error }
error-cannot-read = 无法读取：{ $error }
warning-waiver-expired = 警告：{ $id } 的豁免（{ $source }）已于 { $expires } 过期：已忽略
warning-waiver-stale = 警告：{ $id } 的豁免（{ $source }）未匹配本次运行的任何检查（已失效）

## 命令行（准备阶段）

setup-bad-flag = { $flag }：{ $why }
setup-port-zero = --port 0 不是有效端口；应为 1-65535
setup-port-contradicts-forward = --port { $port } 与 --forward { $forward } 矛盾：API 服务器端口为 { $target_port }（端口 A，即 { $listen_port }，是本机监听的端口）
setup-netsh-needs-forward = --firewall netsh:FILE 是 Windows 转发机的端口代理：请同时给出 --forward A:HOST:PORT，以便转发检查读取它
setup-dns-server-form = { $value } 不是 IP:PORT（例如 127.0.0.1:53 或 [::1]:53）
setup-one-stdin = 只能有一个 --firewall 读取标准输入（-）
setup-blind-network = 网络检查结果仅对本机成立：云安全中心与本机之间的防火墙、NAT 或 IDC 网关从这里看不到
setup-blind-root = 主机文件（清单、sysctl、路由、审计日志）取自 --root { $root } 下的副本；网络探测仍从本机发起
setup-blind-ecs-sg = 未给出 ECS 安全组（--firewall ecs-sg:FILE，取自 DescribeSecurityGroupAttribute），因此未判定
setup-blind-slb = 未给出负载均衡访问控制列表（--firewall cidrs:FILE），因此 API 服务器前的 SLB 未判定

## 地域表（--regions-file）

regions-bad-json = { $error }；应为 {"{"}"source": "…", "updated": "YYYY-MM-DD", "regions": [{"{"}"id", "name_zh", "name_en", "public_ips", "private_cidrs", "vpc_supported"{"}"}, …]{"}"}
regions-bad-updated = "updated" 的值为 { $value }；应为 YYYY-MM-DD 格式的日期
regions-empty = "regions" 为空；至少应有一个地域
regions-entry = 地域 { $entry }：{ $what }
regions-entry-label = 第 { $index } 项
regions-entry-label-id = 第 { $index } 项（{ $id }）
regions-duplicate = { $key } { $value } 重复，已被第 { $first } 项（{ $first_id }）使用
regions-id-empty = "id" 为空
regions-pool-empty = 地址池为空："public_ips" 或 "private_cidrs" 中至少应有一项
regions-host-bits = 私网网段 { $cidr } 设置了主机位；其网络地址为 { $network }
regions-listed-twice = "{ $list }" 中 { $entry } 出现了两次
regions-unknown = 未知地域 { $query }（`k8sjoin-check regions` 按 ID、中文名和英文名列出所有地域）
regions-unknown-did-you-mean = 未知地域 { $query }；您是否要找 { $suggestion }？（`k8sjoin-check regions` 按 ID、中文名和英文名列出所有地域）
regions-unknown-one-of = 未知地域 { $query }；您是否要找以下之一：{ $suggestions }？（`k8sjoin-check regions` 按 ID、中文名和英文名列出所有地域）

## 输入文件（有界读取）

hostfs-regular-file = { $what }：普通文件
hostfs-regular-file-limit = { $what }：不超过 { $limit } 的普通文件
hostfs-expected = { $what }；应为{ $expected }
hostfs-kind-region-table = 地域表（JSON）
hostfs-kind-kubeconfig = kubeconfig 文件
hostfs-kind-certificate = PEM 证书文件
hostfs-kind-manifest = 静态 Pod 清单
hostfs-kind-audit-policy = 审计策略
hostfs-kind-firewall-dump = 防火墙规则导出
hostfs-kind-firewalld-xml = firewalld XML 文件
hostfs-kind-security-group = 安全组（JSON）
hostfs-kind-cidr-list = CIDR 列表
hostfs-kind-port-proxy = netsh portproxy 输出
hostfs-kind-sysctl = sysctl 值
hostfs-kind-proc-table = /proc 表
hostfs-kind-cmdline = 进程命令行
hostfs-kind-waivers = 豁免文件
hostfs-kind-report = k8sjoin-check 报告
hostfs-kind-audit-log = 审计日志
hostfs-symlink-loop = 需要跟随的符号链接超过 { $n } 个（存在循环？）；已拒绝
hostfs-symlink-outside = 指向 { $target } 的符号链接，而该目标在 --root { $root } 内不存在；已拒绝（--root 下的文件按该节点自身的视角读取，绝不越出其范围）
hostfs-is-directory = 是目录；应为{ $expected }
hostfs-is-fifo = 是 FIFO（命名管道）；应为{ $expected }；请先将输出保存到文件（iptables:- 可读取标准输入）
hostfs-is-device = 是设备文件；应为{ $expected }
hostfs-is-socket = 是套接字；应为{ $expected }
hostfs-is-special = 是特殊文件；应为{ $expected }
hostfs-too-large = 大于 { $limit }，超过了{ $what }的大小上限
hostfs-stdin-deadline = { $what }在本次运行的 --deadline 之前未结束
hostfs-not-utf8 = 不是 UTF-8 文本；应为{ $what }（文件是否正确？）
audit-manifest-is-directory = 是目录；应为 kube-apiserver 静态 Pod 清单（{ $expected }）
plan-manifest-is-directory = 是目录；应为 { $component } 清单（{ $expected }）
plan-bad-flag-value = --{ $flag }={ $value }：{ $why }
plan-not-a-cidr = { $item } 不是 CIDR；应为如 10.96.0.0/12 的形式
plan-not-an-address = { $item } 不是 IP 地址

## YAML 输入

yaml-not-utf8 = 不是 UTF-8 文本（二进制文件？）；应为 YAML
yaml-error-at = { $message }（第 { $column } 列）；应为{ $expected }
yaml-error = { $message }；应为{ $expected }
yaml-reader-kubelet = kubelet
yaml-written-bool = 未加引号的 YAML 布尔值（yes/no/on/off/y/n/true/false）
yaml-written-number = 未加引号的数字
yaml-written-string = 字符串
yaml-mismatch = { $field } 是{ $written }，但 { $reader } 把它读作 { $wanted }，并拒绝该文件（"cannot unmarshal { $go_word } into … of type { $wanted }"）
yaml-mismatch-quote-it = { $field } 是{ $written }，但 { $reader } 把它读作 { $wanted }，并拒绝该文件（"cannot unmarshal { $go_word } into … of type { $wanted }"）：请加上引号
yaml-not-base64 = { $field } 不是 base64（{ $reader } 拒绝该文件："illegal base64 data"）

## 检查选择（--only、--skip）与 explain

runner-unknown-check = { $flag } 中的检查 ID { $pattern } 未知。ID 以点分隔（类别.名称）；类别：{ $categories }。`k8sjoin-check explain ID` 说明其中一项。
runner-unknown-check-did-you-mean = { $flag } 中的检查 ID { $pattern } 未知；您是否要找 { $id }？ID 以点分隔（类别.名称）；类别：{ $categories }。`k8sjoin-check explain ID` 说明其中一项。
runner-nothing-to-run = --only/--skip 之后没有可运行的检查
runner-nothing-to-run-audit = --only/--skip 之后没有可运行的检查：审计检查只在指定 --audit 时运行
explain-unknown = 未知的检查 ID { $id }；所有检查：{ $checks }
allowlist-no-entries = { $region } 没有 { $pool } 地址池条目

## 豁免（--waivers、--waive）

waiver-no-id = 缺少 id；应为要豁免的检查 ID 或以点分隔的前缀
waiver-bad-id = id { $id } 不是检查 ID；应类似 firewall.allowlist 或 firewall
waiver-no-reason = { $id } 的豁免缺少理由；请说明接受该风险的原因
waiver-no-expiry = { $id } 的豁免缺少到期日；应为 expires: YYYY-MM-DD，且不超过 { $days } 天之后
waiver-bad-expiry = { $id } 的豁免：expires { $why }
waiver-too-far = { $id } 的豁免于 { $date } 到期，超过 { $days } 天之后；豁免至少每年须续期一次
waiver-file-expected = 豁免列表，每项为 {"{"}id, reason, expires: YYYY-MM-DD, node{"}"}
waiver-flag = --waive { $value }：{ $what }
waiver-flag-form = 应为 ID=REASON@YYYY-MM-DD

## fleet

fleet-set-by-daemonset = fleet：不能指定 { $flag }：{ $why }
fleet-bad-image = fleet：--image { $image } 不是镜像引用
fleet-bad-namespace = fleet：--namespace { $namespace } 不是合法的命名空间名称：最多 63 个小写字母、数字和 '-'，且以字母或数字开头和结尾
