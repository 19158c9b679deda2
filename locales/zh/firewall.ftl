# 防火墙检查：API 服务器前有哪些访问控制层，地域地址池的每个地址能否在 API 服务器端口上通过所有层，哪些放行规则失效，端口是否对整个互联网开放。

## 检查说明

check-firewall-sources = 已加载的防火墙层
    .summary = 加载了哪些访问控制层（`--firewall` 文件，或本机实时的 iptables-legacy / iptables-nft / nft 规则集和 ipset）、来源及规则数；一层都没有时跳过（并说明原因，例如缺少 CAP_NET_ADMIN）；实时读取不完整时警告
    .explain = 列出防火墙检查所判定的访问控制层：每个 --firewall（iptables-save、nft -j list ruleset、firewalld 区域、ECS 安全组、CIDR 列表），以及使用 --firewall live 时（以 root 运行且未给出 --firewall 时的默认值）本机的 iptables-legacy、iptables-nft、nftables 规则和 ipset。各层串联：地址池必须依次通过每一层。一层都无法加载时跳过并说明原因（读取实时防火墙需要 CAP_NET_ADMIN）。修复：在 API 服务器所在主机上以 root 运行，或用 --firewall KIND:FILE 传入导出的规则；把安全组和负载均衡的访问控制列表也作为层传入。已读取实时规则但 API 服务器地址不属于本机时警告：只有本机就是 NAT（EIP）后面的 API 服务器时，这些规则才位于 API 服务器之前。

check-firewall-allowlist = API 服务器端口放行地址池
    .summary = 每个地址池条目在 tcp/PORT 上被每一层放行，按地址范围精确判定（SYN、后续报文和回包）：逐条给出放行 / 部分放行 / 拒绝 / 无法判定、被拒绝和无法判定的子网段、起决定作用的规则（层、链、规则编号、行号、规则文本），以及用该层语法写成、插在第一条拒绝规则之前的修复命令；有地址被拒绝时失败，有地址无法判定时警告
    .explain = 按地址范围精确判定从地域地址池的每个地址（公网 IP 和私网网段）到 API 服务器端口的新 TCP 连接：SYN（conntrack NEW）、客户端的后续报文（ESTABLISHED）以及服务器的回包都必须通过每一层。对每个地址池条目给出放行、部分放行（哪些子网段被拒绝）、拒绝或无法判定，以及起决定作用的规则（层、链、规则编号、行号、规则文本）。评估器无法判定的规则（未给出 --interface 时的未知接口、未知 API 服务器地址时的 -d 规则、限速规则、未给出 --ipset 时的 ipset）使相关范围无法判定：警告，绝不通过。修复：输出的命令用该层自己的语法（iptables -I、nft insert rule、firewall-cmd --add-rich-rule、aliyun ecs AuthorizeSecurityGroup、CIDR 行）在第一条拒绝规则之前插入一条 ACCEPT；每条命令都已通过重新判定修复后的规则验证。

check-firewall-shadowed = 地址池的放行规则未被遮蔽
    .summary = 被前面的规则遮蔽而永远不会生效的地址池 ACCEPT 规则，并指出遮蔽它们的规则
    .explain = 找出为（部分）地址池编写、却因前面的规则先拒绝了这些地址而永远匹配不到的 ACCEPT 规则，例如位于 198.51.100.64/26 的 DROP 之下的 198.51.100.70 的 ACCEPT。这样的规则看似放行了地址池，实际不起作用。只警告：拒绝本身由 firewall.allowlist 报告。修复：把该 ACCEPT 移到遮蔽它的规则之上，或缩小那条规则的范围。

check-firewall-exposure = API 服务器端口未对互联网开放
    .summary = API 服务器端口对 0.0.0.0/0 或 ::/0（至少一半）开放时警告
    .explain = 用整个 IPv4（和 IPv6）地址空间判定各层：至少一半的地址能与 API 服务器端口建立连接时（放行了 0.0.0.0/0 或 ::/0，可能只除去少数网段），整个互联网都能访问 API 服务器，只剩它的身份认证在保护它。警告。修复：只放行地址池和你自己的网络（`k8sjoin-check allowlist --region R --format iptables|nft|firewalld|ecs-sg`），然后拒绝其余地址。

## firewall.sources

firewall-live-needs-net-admin = 读取实时防火墙需要 CAP_NET_ADMIN：请以 root 运行（sudo），或用 --firewall iptables:FILE / nft:FILE 传入导出的规则
firewall-live-no-ip-set-module = 未加载 ip_set 模块：没有集合
firewall-live-program-not-installed = 未安装 { $program }
firewall-live-not-installed = 未安装
firewall-live-sets-read = { $count } 个集合
firewall-live-no-legacy-tables = 没有 legacy 表（{ $names } 为空）
firewall-live-no-nf-tables-module = 未加载 nf_tables 模块
firewall-live-no-tables = 没有表
firewall-live-rules-read = { $count } 条规则
firewall-live-no-base-chains = 没有基础链
firewall-live-timed-out = 超时
firewall-live-read-nothing = 实时读取未能读到本机的 iptables 或 nftables 规则
firewall-none-given = 未给出 --firewall，且只有以 root 运行（或使用 --firewall live）时才读取实时防火墙
firewall-none-given-root = 未给出 --firewall；使用 --root { $root } 时节点是一份副本，因此不读取本机的实时规则（请用 --firewall 传入该节点导出的规则）
firewall-none-given-short = 未给出
firewall-no-layer = 未加载任何防火墙层：{ $why }
firewall-fix-run-as-root = 在 API 服务器所在主机上以 root（sudo）运行，以便读取实时规则
firewall-fix-pass-layers = 或逐层传入：--firewall iptables:FILE（iptables-save）、nft:FILE（nft -j list ruleset）、firewalld:/etc/firewalld、ecs-sg:FILE（DescribeSecurityGroupAttribute）、cidrs:FILE
firewall-live-filters-nothing = 实时读取未发现任何 iptables、nftables 或 ipset 规则：本机没有过滤 API 服务器端口
firewall-layer-summary = { $name }（{ $rules } 条规则）
firewall-layers = { $n ->
        [1] 1 层
       *[other] { $n } 层串联
    }：{ $layers }
firewall-live-not-read = 未读取实时防火墙：{ $why }
firewall-fix-run-as-root-live = 以 root 运行，以便纳入本机的实时规则
firewall-live-failed = 无法读取 { $sources }
firewall-sg-partial = 安全组 { $groups } 只给出了部分分页（其 NextToken 不为空）：后续分页中的规则未被判定
firewall-live-elsewhere = 但实时规则属于本机，而 API 服务器地址 { $addresses } 不是本机的地址
firewall-fix-run-on-apiserver = 在 API 服务器所在主机上运行，或用 --firewall KIND:FILE 传入它的规则
firewall-fix-behind-nat = 如果本机就是 NAT（EIP 或 SLB）后面的 API 服务器，判定结果成立：用 --apiserver 给出本机自己的地址即可消除此警告
firewall-input-root-or-dumps = root 权限（sudo）以读取本机实时规则，或 --firewall KIND:FILE
firewall-input-dumps-or-root = --firewall KIND:FILE（iptables-save、nft -j list ruleset、firewalld、ecs-sg、cidrs），或 root 权限以读取实时规则
firewall-input-node-dumps = --firewall KIND:FILE，传入 --root 所指节点导出的规则

## firewall.sources 未提供防火墙层时，后续检查的说明

firewall-sources-skipped = firewall.sources 未运行，因此没有加载任何防火墙层（它被跳过了）
firewall-input-sources-in-run = 在本次运行中包含 firewall.sources（不要 --skip 它）
firewall-fix-pass-or-root = 传入 --firewall KIND:FILE，或以 root 运行以读取实时规则（见 firewall.sources）

## firewall.allowlist（及 forward.filter）：在一条连接上判定地址池

pool-no-region-to-admit = 未指定 --region：不知道要放行哪个地址池（见 region.known）
pool-no-region = 未指定 --region：地址池未知（见 region.known）
firewall-no-pool-entries = { $region } 没有{ $part ->
        [public] 公网
        [private] 私网
       *[other] 任何
    }地址池条目
pool-no-entry-of-family = { $region } 的地址池中没有与 { $destinations } 地址族相同的条目：没有可以转发到那里的地址
pool-what-forwarded = tcp/{ $port }（转发到 { $to }）
pool-part-of-entry = { $entry } 中的 { $ranges }
pool-denied-by-rule = { $which }，被 { $layer } { $chain } 第 { $rule } 条规则拒绝（{ $action }）
pool-denied-by-policy = { $which }，被 { $layer } { $chain } 的默认策略拒绝
pool-denied-by-layer = { $which }，被 { $layer } 拒绝
pool-denied = { $region } 的 { $n } 个地址池条目中有 { $denied } 个无法连接 { $what }：{ $list }
pool-fix-note = # { $layer }：{ $note }
pool-undecided = 没有地址被拒绝，但 { $n } 个地址池条目中有 { $undecided } 个在 { $what } 上无法判定：{ $list }（{ $why }）
pool-admitted = { $region } 的全部 { $n } 个地址池条目在 { $what } 上均被 { $n_layers } 层放行

## 地址范围无法判定的原因，以及如何才能判定

pool-undecidable-interface-in = -i/iifname：地址池流量所经的接口未知
pool-undecidable-interface-out = -o/oifname：地址池流量所经的接口未知
pool-undecidable-api-address-dst = -d/daddr：API 服务器的地址未知
pool-undecidable-api-address-src = -s/saddr：API 服务器的地址未知
pool-undecidable-ipset = ipset { $name }：集合的内容未知
pool-undecidable-ipset-not-in = ipset { $name }：集合的内容未知（不在 { $looked_in } 中）
pool-undecidable-xt-target = xt 目标 { $name }：nft 无法显示的 iptables-nft 目标
pool-undecidable-xt-match = xt 匹配 { $name }：nft 无法显示的 iptables-nft 匹配
pool-undecidable-no-layer = 已加载的层都不过滤 { $family } 流量
pool-undecidable-translation = 连接是否被地址转换取决于：{ $reason }
pool-undecidable-nat-paths-disagree = 经过 nat 链的各条路径结论不一致
pool-undecidable-paths-disagree = 经过规则集的各条路径结论不一致
pool-undecidable-rate-or-state = { $what }：是否匹配取决于流量的速率或历史、时间或报文内容，而不取决于地址
pool-undecidable-reverse-path = 反向路径检查（rpfilter、fib saddr . iif oif）：地址池流量到达的接口以及回到它的路由未知
pool-undecidable-loop = 链 { $chain } 跳回了自身（内核不会加载这样的循环）：未继续跟踪
pool-undecidable-budget = 评估器在 { $steps } 步后停止（经过无法判定的规则的路径成倍增加）：这些地址未被跟踪到结论
pool-limitation-deep-chains = 链的嵌套深度超过 128 层
pool-limitation-undecidable-match = 无法判定的匹配
pool-limitation-raw-conntrack = 连接跟踪生效之前（raw 表）的 conntrack 匹配
pool-limitation-raw-connmark = 连接跟踪生效之前（raw 表）的连接标记
pool-limitation-ct-status = 在连接过程中会变化的 conntrack 状态位
pool-limitation-earlier-mark = 之前的规则可能设置过的标记
pool-limitation-local-address = 该地址是否为本机地址
pool-limitation-no-route = 连接被转换到本机没有路由可达的地址
pool-advice-interface = 传入 --interface IF（地址池流量到达的接口），以判定 -i/iifname 和反向路径规则
pool-advice-apiserver = 用 --apiserver 传入 API 服务器的 IP 地址（或可解析的名称），以判定 -d/daddr 规则
pool-advice-ipset = 用 --ipset FILE 传入 `ipset save` 的输出，以判定 -m set 规则
pool-advice-opaque-xt = 同时传入 iptables-nft-save 的输出（--firewall iptables:FILE）：nft 只把 iptables-nft 规则显示为不透明的 xt 表达式
pool-advice-no-layer = 地址池有 IPv6 条目时，也传入 IPv6 规则（ip6tables-save）
pool-advice-by-hand = 请人工检查：{ $reason }

## 修复命令无法解决的问题（跟在“# 层：”之后）

firewall-fix-no-position-in-chain = 在 { $chain } 中没有任何位置能放行 { $ranges }；请手工修复
firewall-fix-no-position = 在该层中没有任何位置能放行 { $ranges }；请手工修复
firewall-fix-incomplete = 在 { $max } 条规则内未找到完整的修复；其余规则请手工修复
firewall-fix-not-a-rule = 拒绝并非来自某条规则：没有可以插在其前面的位置
firewall-fix-owned-chain-unreached = 链 { $chain } 由 { $owner } 管理并会被它重写，且该层没有基础链跳转到它：请在 { $owner } 自己的配置中放行 { $cidrs }
firewall-fix-owned-base-chain = 基础链 { $chain } 也由 { $owner } 管理：请在 { $owner } 自己的配置中放行地址池
firewall-fix-no-handle = 链 { $chain } 的第 { $rule } 条规则没有可供插入的句柄（handle）
firewall-fix-no-zone = 未找到区域 { $zone }
firewall-fix-no-permission = 未找到该安全组规则
firewall-fix-highest-priority = 安全组规则 { $rule }（{ $permission }）已是最高优先级，且同等优先级下 Drop 优先于 Accept：请撤销或缩小它（aliyun ecs RevokeSecurityGroup …）以放行 { $cidrs }
firewall-fix-no-ufw-chain = 此导出中没有 ufw 的链 { $chain }：请手工用 ufw allow 放行地址池

## firewall.shadowed

firewall-none-shadowed = { $region } 地址池的 ACCEPT 规则均未被前面的规则遮蔽
firewall-chain-rule = { $chain } 第 { $rule } 条规则
firewall-chain-policy = { $chain } 默认策略
firewall-shadowed-rule = { $layer } { $chain } 第 { $rule } 条规则（{ $text }）永远匹配不到 { $addresses }：它们先被 { $by }拒绝
firewall-shadowed = { $n } 条针对地址池的 ACCEPT 规则被遮蔽：{ $rules }
firewall-fix-shadowed = 把每条被遮蔽的 ACCEPT 移到先拒绝的那条规则之上，或缩小那条规则的范围（firewall.allowlist 会输出一条可用的插入命令）

## firewall.exposure

firewall-exposure-except = { $whole }（除 { $closed } 外）
firewall-exposure-open = { $range }（占 { $family } 地址的 { $share }%）
firewall-exposure-open-if-listening = { $range }（占 { $family } 地址的 { $share }%，前提是 API 服务器监听 { $family }）
firewall-exposure-maybe = { $family } 地址中可能有 { $share }% 被放行（存在无法判定的规则）
firewall-exposure-no-address = 没有 { $family } 地址
firewall-exposure-open-to-all = tcp/{ $port } 对整个互联网开放：{ $open }
firewall-exposure-maybe-open = tcp/{ $port } 可能对互联网开放：{ $maybe }
firewall-exposure-narrow = tcp/{ $port } 只对以下地址放行：{ $from }
firewall-fix-admit-only = 在 API 服务器端口上只放行地址池和你自己的网络，然后拒绝其余地址
firewall-fix-admit-only-with = 只放行地址池和你自己的网络：{ $command }（或 nft、firewalld、ecs-sg），然后拒绝 tcp/{ $port } 的其余流量
