# 转发检查：在混合云转发机上运行（--forward A:HOST:PORT），检查地址池到端口 A 的连接到达 HOST:PORT 上的 API 服务器所需的内核设置。

## 检查说明

check-forward-ip-forward = IP 转发已开启
    .summary = 使用 `--forward` 时：地址池流量到达的接口（`--interface`，否则按回到地址池的路由，假定路径对称）和通往 HOST 的接口（到它的路由；没有路由则失败）均已开启转发；两个接口均已开启但 `net.ipv4.ip_forward` = 0 时警告（下一次写入会关闭它们）；IPv6：`net.ipv6.conf.all.forwarding`；修复：`sysctl -w` 及一行 `/etc/sysctl.d` 配置
    .explain = 在转发机上（--forward A:HOST:PORT），只有报文到达的接口开启了转发，内核才会转发它：地址池的 SYN 到达入方向接口（--interface，否则为回到地址池的路由所出的接口，假定路径对称），API 服务器的回包到达通往 HOST 的路由所在的接口。net.ipv4.ip_forward 会一次设置所有接口；此后单独设置过的接口自行决定（ip_forward = 0 而两个接口都开启时仍会转发：警告，下一次写入 ip_forward 会关闭它们）。没有到 HOST 的路由时也失败。IPv6 目标需要 net.ipv6.conf.all.forwarding。在 --root 下读取（默认读取实时的 /proc）。Windows 端口代理在用户态中转，跳过此检查。修复：立即执行 sysctl -w net.ipv4.ip_forward=1，并在 /etc/sysctl.d/ 中写入同样的设置以便重启后生效。

check-forward-dnat = 端口 A 被转换到 API 服务器
    .summary = 使用 `--forward` 时：地址池到端口 A 的连接被转换到恰好 HOST:PORT，按内核顺序判定所有层的所有 nat 链（iptables DNAT/REDIRECT、nft dnat、firewalld forward-port；第一个转换生效）；转换到别处时失败，并指出规则及其去向；使用 `netsh:FILE` 时，改为检查从端口 A 到 HOST:PORT 的端口代理
    .explain = 把地址池到本机端口 A 的 SYN 按内核顺序与 prerouting 钩子上所有层的所有 nat 链一起判定（iptables nat PREROUTING DNAT/REDIRECT、nftables dnat、firewalld forward-port）：第一个转换生效。每个地址池条目都被转换到恰好 HOST:PORT 时通过；没有任何转换，或端口 A 被转到别处（其他地址或端口、REDIRECT 到本机、一个地址范围）时失败，并指出规则及连接的去向。使用 --firewall netsh:FILE（Windows 转发机）时改为检查端口代理：一条监听端口 A 并连接 HOST:PORT 的 v4tov4 规则。修复：输出的 iptables、firewall-cmd 或 netsh 命令，立即生效且永久保存。

check-forward-filter = FORWARD 链放行地址池
    .summary = 使用 `--forward` 时：被转发的连接（带 DNAT 状态的转换后 SYN、后续报文、回包，以及安全组、raw 和 mangle 在转换前看到的端口 A 流量）通过每一个过滤器，像 `firewall.allowlist` 一样按地址池条目和地址范围判定，并给出起决定作用的规则和修复用的插入命令
    .explain = 像 firewall.allowlist 一样，按地址范围精确判定地址池中每个地址的被转发连接：转发路径上发往 HOST:PORT 的转换后 SYN（带 DNAT 状态的 conntrack NEW）和客户端的后续报文、API 服务器返回的回包，以及转换之前安全组、raw 和 mangle 链看到的端口 A 流量。这些钩子上的每条基础链都必须放行（FORWARD 默认策略为 DROP 且没有匹配该流量的规则，或放行规则之前有一条 REJECT，都会阻断连接）。修复：输出的 iptables -I FORWARD / nft insert rule 命令，插在第一条拒绝规则之前，并已通过重新判定修复后的规则验证。

check-forward-return-path = 回包能原路返回
    .summary = 使用 `--forward` 时：回包能返回：发往 HOST 的路上有 SNAT/MASQUERADE 转换为本机地址（或 `--assume-return-route`）、有回到每个地址池地址的路由，且回程路由从另一个接口出去时入方向接口没有严格的 `rp_filter`（1）（宽松模式 2 没有问题）；端口代理跳过这三项内核检查
    .explain = API 服务器会应答被转发的 SYN 的源地址。除非该地址是本机，否则回包会按 IDC 自己的路由走，永远回不到客户端：发往 HOST 的路上的 SNAT 或 MASQUERADE（像 DNAT 一样按 postrouting 钩子上的 nat 链判定）会把源地址变成本机；--assume-return-route 表示 IDC 会把地址池的回包路由回本机。本机还需要有回到每个地址池地址的路由；当该路由从与到达接口不同的接口出去时，严格的反向路径过滤（rp_filter = 1，取 conf.all 与入方向接口两者中的较大值）会丢弃 SYN，宽松模式（2）则不会。修复：iptables -t nat -A POSTROUTING … -j MASQUERADE 或 firewall-cmd --add-masquerade（立即生效并 --permanent）；sysctl -w net.ipv4.conf.IF.rp_filter=2，并在 /etc/sysctl.d/ 中写入同样的设置。

## 各转发检查共用

forward-not-a-forwarder = 未给出 --forward：本机不是转发机
forward-portproxy-needs-no-kernel = 端口代理不需要此项：转发机在用户态中转（{ $files }），因此不涉及内核的转发、过滤和 NAT
forward-no-entry-of-family = { $region } 没有可转发的 { $family } 地址池条目
forward-sources-skipped = firewall.sources 未运行，因此没有加载任何防火墙层
forward-input-rules = 转发机上的 root 权限（读取实时规则），或 --firewall iptables:FILE / nft:FILE
forward-fix-rules = 在转发机上以 root 运行（读取实时规则），或传入 --firewall iptables:FILE / nft:FILE
forward-fix-interface = 传入 --interface IF（地址池流量到达的接口）
forward-inbound-route-back = 回到地址池的路由所在的接口：这假定地址池流量从回包离开的接口到达（路径对称）；若非如此，请传入 --interface
forward-inbound-unknown = 未知：回到地址池的路由从多个接口出去，或一个都没有；请传入 --interface
forward-and = { $a } 和 { $b }
forward-rule-numbered = { $place } 第 { $rule } 条规则
forward-rule-at-line = { $place } 第 { $line } 行
forward-rule-with-text = { $rule }（{ $text }）
forward-undecidable-rule = 无法判定的规则
forward-fix-with-iptables = # 使用 iptables：
forward-fix-or-nftables = # 或使用 nftables（{ $layer }），并在 /etc/nftables.conf 中写入同样的规则：
forward-fix-nftables-conf = # 并在 /etc/nftables.conf 中做同样的修改，以便重启后保留

## forward.ip-forward

forward-ipv6-on = net.ipv6.conf.all.forwarding = 1：本机转发 IPv6
forward-ipv6-off = net.ipv6.conf.all.forwarding = { $value }：本机不转发 IPv6
forward-ipv6-unknown = 无法判断 IPv6 转发是否开启：{ $path } 不存在
forward-side-inbound = 入方向
forward-side-outbound = 出方向
forward-side-both = 入方向和出方向
forward-every-routed-interface = { $interfaces }（地址池路由所经的每个接口）
forward-unknown-inbound = 入方向接口（{ $note }）
forward-unknown-outbound = 出方向接口：{ $root } 下没有路由表（proc/net/route）
forward-interface-off = { $iface }（{ $side }）的 forwarding = 0
forward-interface-side = { $iface }（{ $side }）
forward-no-such-interface = 本机没有接口 { $iface }（{ $side }）（net/ipv4/conf 中有 { $interfaces }）
forward-interface-unknown = { $iface }（{ $side }）：{ $path } 不存在
forward-no-route-to-target = 没有到 { $target } 的路由：被转发的 SYN 无法发出
forward-fix-route-to-target = { $command }   # 通往 IDC 的下一跳（VPN、高速通道）；请在网络配置中持久化
forward-cannot-tell = 无法判断以下接口是否开启了转发：{ $what }
forward-ip-forward-off-but-on = net.ipv4.ip_forward = 0，但 { $interfaces } 已开启转发：连接目前会被转发，但下一次写入 net.ipv4.ip_forward（重启、sysctl --system、其他工具）会关闭所有接口的转发
forward-ip-forward-missing = { $interfaces } 已开启转发，但 { $path } 不存在
forward-ip-forward-on = net.ipv4.ip_forward = 1，且 { $interfaces } 已开启转发

## forward.dnat

forward-dnat-unseen = { $why }：看不到 DNAT 规则
forward-at-port = 端口 { $port }
forward-this-host-port = 本机端口 { $port }
forward-dnat-elsewhere = { $who }：{ $rule } 把它转到 { $to }，而不是 { $target }
forward-dnat-dropped = { $who }：{ $rule } 丢弃了它
forward-dnat-unknown = { $who }（{ $why }）
forward-dnat-missing = 没有规则转换来自 { $ranges } 的 tcp/{ $port }
forward-dnat-not-forwarded = { $at } 未被转发到 { $target }：{ $problems }
forward-dnat-cannot-tell = 无法判断 { $at } 是否被转发到 { $target }：{ $what }
forward-dnat-translated = 全部 { $n } 个地址池条目的 { $at } 均被转换到 { $target }，规则：{ $rules }
forward-fix-or-firewalld-forward-port = # 或使用 firewalld（转发到其他主机的 forward-port 还需要 masquerade，见 forward.return-path）：

## forward.dnat：Windows 端口代理

forward-portproxy-rule = { $file } 第 { $line } 行：{ $from } → { $to }
forward-portproxy-relays = 端口代理把端口 { $port } 中转到 { $target }（{ $rule }）；需要 IP Helper 服务（iphlpsvc）在运行，且 Windows 防火墙放行端口 { $port }
forward-portproxy-relays-to-name = 端口代理把端口 { $port } 中转到名称 { $name }（{ $rule }）：本工具无法判断它是否解析为 { $target }
forward-portproxy-elsewhere = 端口 { $port } 被中转到别处，而不是 { $target }：{ $rules }
forward-portproxy-none = 没有端口代理监听端口 { $port }（读取了 { $n_rules } 条规则）
forward-fix-windows-firewall = { $command }   # Windows 防火墙也必须放行端口 A

## forward.filter

forward-filter-unjudged = { $why }：无法判定 FORWARD 链

## forward.return-path

forward-no-route-back = 没有回到 { $addresses } 的路由：回包无法离开本机
forward-fix-route-back = { $command }   # 通往地址池；请在网络配置中持久化
forward-unknown-routes-back = 回到地址池的路由（{ $root } 下没有路由表）
forward-routed-by = { $addresses } 经 { $iface }
forward-strict-rp-filter = 严格的反向路径过滤（{ $iface } 上 rp_filter = 1）会丢弃 SYN：回到 { $routes } 的路由从 { $iface } 以外的接口出去
forward-fix-symmetric = # 或使路径对称：让地址池的回程经过 { $iface }（{ $command }）
forward-rp-filter-unknown = { $iface } 上的 rp_filter（缺少 { $all } 或 { $path }）
forward-rp-filter-inbound-unknown = 严格的 rp_filter 是否会丢弃 SYN：入方向接口未知（{ $note }）
forward-snat-elsewhere = { $who }：{ $rule } 把源地址转换为 { $address }，而它不是本机的地址：回包会发往那里
forward-snat-unknown-return = { $who }：{ $rule }（{ $to }）的回包是否会回到本机
forward-snat-dropped = { $who }：{ $rule } 丢弃了 SYN
forward-snat-unknown = { $who }：SNAT（{ $why }）
forward-no-snat = 发往 { $to } 的路上没有针对 { $ranges } 的 SNAT/MASQUERADE：{ $target } 会按自己的路由直接应答地址池的地址，而不经过本机
forward-snat-unseen = SNAT/MASQUERADE 是否改写源地址（{ $why }）
forward-return-cannot-tell = 无法判断：{ $what }
forward-return-routed-by-idc = IDC 把回包路由回本机（--assume-return-route）
forward-return-translated = 发往 { $target } 的路上源地址被转换为本机地址
forward-answers-come-back = 回包能够返回：{ $how }；本机有回到地址池的路由
forward-fix-or-firewalld-masquerade = # 或使用 firewalld（在通往 { $target } 的接口所在区域开启 masquerade）：
forward-fix-or-assume-return-route = # 或者，如果 IDC 会把地址池的回包路由回本机，使用 --assume-return-route 运行（不需要 SNAT）
