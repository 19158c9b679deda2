# 命令行：按运行语言显示的 --help（由 clap 排版）以及用法错误。

## 帮助：程序、各子命令（…-about）和各选项

cli-about = 将自建 Kubernetes 集群接入阿里云云安全中心（接入K8s自建集群）之前的预检：云安全中心能否访问并接入该集群？如果不能，究竟需要改什么？
cli-region = 集群所在地域：地域 ID（cn-hangzhou）、中文名（华东1(杭州)）或英文名（China (Hangzhou)）；不区分大小写和括号全半角
cli-network = 集群的网络类型；`auto` 根据 API 服务器地址推断
cli-pool = 必须放行该地域地址池的哪一部分
cli-apiserver = API 服务器：https://host:port 或 host:port（默认：kubeconfig 当前上下文中的地址）
cli-kubeconfig = kubeconfig 文件（默认：$KUBECONFIG、~/.kube/config、<root>/etc/kubernetes/admin.conf）
cli-context = 使用此 kubeconfig 上下文，而非 current-context
cli-forwarder = 混合云，可在任意主机运行：ECS 转发机的 HOST:PORT（端口 A）
cli-forward = 混合云，在转发机上运行：本机把端口 A 转发到 API 服务器的 HOST:PORT
cli-k8s-version = 无法访问 /version 时使用的 Kubernetes 版本
cli-firewall = 一层访问控制：iptables:FILE、nft:FILE、firewalld:PATH、ecs-sg:FILE、cidrs:FILE、netsh:FILE 或 live。可重复，或用逗号分隔（iptables:a.txt,nft:b.json）；各层串联生效
cli-ipset = `ipset save` 的输出，用于判定 `-m set` 匹配。可重复，或用逗号分隔
cli-port = 防火墙检查所判定的 API 服务器端口（默认：端点的端口，否则为 6443）
cli-interface = 地址池流量到达的网卡（用于判定 -i / iifname 匹配）
cli-assume-return-route = 在转发机上：IDC 把回包经本机路由回来，因此不需要 SNAT
cli-root = 主机文件（/etc/kubernetes、/proc/sys/net、/var/log/kubernetes）的路径前缀，用于检查复制出来的节点
cli-audit = 同时运行审计日志威胁检测相关的检查
cli-cluster-id = 云安全中心显示的集群 ID，用于采集器环境变量的名称
cli-dns-server = 使用此 DNS 服务器而不是系统的解析器
cli-timeout = 每个网络阶段的时限（例如 3s、500ms）
cli-deadline = 整个运行的时限
cli-no-icmp = 不 ping API 服务器
cli-skip = 跳过 ID 为 ID 或以 ID. 开头的检查（例如 `apiserver.icmp`、`audit`）。可重复，或用逗号分隔
cli-only = 只运行 ID 为 ID 或以 ID. 开头的检查（以及它们依赖的检查）。可重复，或用逗号分隔
cli-format = 标准输出的格式
cli-report = 同时把完整的 JSON 报告写入 PATH
cli-fail-on = 哪些状态不通过门禁（退出码 1）
cli-then-sleep = 输出后等待 SIGTERM 或 SIGINT 而不退出：集群检查 Pod 的镜像中没有 shell 和 sleep，而其日志必须比运行更持久（仅由集群检查的 DaemonSet 设置）
cli-waivers = 已接受的风险：{"{"}id, reason, expires: YYYY-MM-DD, node{"}"} 组成的 YAML 或 JSON 列表
cli-waive = 一项已接受的风险：ID=REASON@YYYY-MM-DD（到期日最多在 365 天之后）。可重复
cli-allow-incomplete = 结论不完整时以 0 而不是 4 退出（报告中仍注明不完整）
cli-verbose = 在表格中列出所有检查，包括已通过的
cli-quiet = 不在标准错误上显示进度行
cli-node = 报告中运行所在主机的名称（默认：其主机名）
cli-regions-file = 替换内置的地域表（格式与 data/regions.json 相同的 JSON）
cli-lang = 人类可读输出的语言：en 或 zh（默认取自 LC_ALL、LC_MESSAGES 或 LANG；zh* 为中文）。ID、状态和 JSON 键名不变
cli-regions-about = 列出各地域、其地址池，以及是否接受专有网络VPC类型的集群
cli-allowlist-about = 输出需要写入防火墙的规则，使其放行某地域的地址池
cli-allowlist-region = 地域：ID、中文名或英文名
cli-allowlist-port = 要放行的 API 服务器端口
cli-allowlist-pool = 放行地址池的哪一部分
cli-explain-about = 说明一项检查检查什么、为什么，以及如何修复
cli-explain-check-id = 检查 ID，例如 `firewall.allowlist`
cli-schema-about = 输出报告的 JSON Schema
cli-list-about = 列出所有检查：ID、类别以及各自检查的内容
cli-completions-about = 输出某个 shell 的补全脚本（bash、zsh、fish、powershell、elvish）
cli-man-about = 在标准输出上输出 man 手册页（roff）
cli-audit-policy-about = 按 Kubernetes 版本输出一份正确的审计策略（即厂商的示例）
cli-audit-policy-k8s-version = 集群的 Kubernetes 版本（例如 1.28）；决定策略的 apiVersion
cli-fleet-about = 输出 Kubernetes 清单，在每个控制平面节点上运行这些检查
cli-fleet-image = 以静态二进制为入口的镜像（由 Containerfile 构建）
cli-fleet-namespace = DaemonSet 运行所在的命名空间（由清单创建）
cli-merge-about = 把各节点的报告合并为一份集群报告（各节点的状态、集群的结论，以及 fleet.drift：各 Master 节点之间的差异）
cli-merge-files = 要合并的报告；`-` 读取标准输入
cli-merge-format = 标准输出的格式
cli-merge-report = 同时把集群报告（JSON）写入 PATH
cli-merge-verbose = 在表格中列出所有检查，包括已通过的

## 帮助的排版与用法错误

cli-help-template = {"{"}about-with-newline{"}"}
    用法：{"{"}usage{"}"}

    {"{"}all-args{"}"}{"{"}after-help{"}"}
cli-heading-commands = 命令
cli-heading-options = 选项
cli-usage = 用法：{ $usage }
cli-more-help = 更多信息请使用 '--help'。
cli-error-unknown-argument = 未知参数 '{ $arg }'
cli-error-unknown-argument-suggest = 未知参数 '{ $arg }'；您是否要用 '{ $suggestion }'？
cli-error-unknown-subcommand = 未知子命令 '{ $name }'
cli-error-invalid-value = '{ $arg }' 的值 '{ $value }' 无效（可选值：{ $valid }）
cli-error-value-validation = '{ $arg }' 的值 '{ $value }' 无效：{ $why }
cli-error-missing = 缺少以下必需参数：{ $args }
cli-error-conflict = 参数 '{ $arg }' 不能与 '{ $other }' 同时使用
cli-error-values = '{ $arg }' 的取值个数不对
cli-error-no-equals = 为 '{ $arg }' 赋值时需要使用等号
cli-help = 显示帮助（-h 显示摘要）
cli-version = 显示版本
cli-help-about = 显示本信息或指定子命令的帮助
