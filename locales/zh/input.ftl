# Bad input in the other files the tool reads: firewalld, ECS security groups, CIDR lists, manifests,
# forwarding state, dates, --forward and --firewall specs, versions (exit 2, FILE:LINE).

## Dates (waivers' expires), --forward, --firewall.

input-not-a-date = { $text } 不是日期；应为 YYYY-MM-DD（如 2027-03-31）
input-not-a-calendar-day = { $text } 不是日历上存在的日期
input-forward-form = { $text }：应为 A:HOST:PORT，如 16443:192.168.10.5:6443
input-forward-port-a = 端口 A
input-forward-bad-port = { $text } 中的 { $part } { $value } 不是端口（1-65535）；应为 A:HOST:PORT，如 16443:192.168.10.5:6443
input-forward-bad-host = { $text } 中的 HOST { $host } 不是 IP 地址；应为 A:HOST:PORT，如 16443:192.168.10.5:6443
input-firewall-spec-form = --firewall { $spec }：应为 KIND:PATH 或 live；类型：{ $kinds }
input-firewall-spec-stdin = --firewall { $spec }：只有 iptables:- 可以读取标准输入
input-firewall-spec-no-path = --firewall { $spec }：路径为空
input-firewall-spec-kind = --firewall { $spec }：未知类型 { $kind }；应为以下之一：{ $kinds }

## Forwarding state: netsh port proxies, routes, sysctls.

input-netsh-half-utf16 = UTF-16 文本以半个字符结尾（被截断？）；应为 netsh 的输出
input-netsh-bad-utf16 = 无效的 UTF-16 文本；应为 netsh 的输出
input-netsh-not-text = 不是文本（既不是 UTF-8，也不是带字节序标记的 UTF-16）；应为 `netsh interface portproxy show v4tov4` 的输出
input-netsh-control-characters = 文本中有控制字符；应为 `netsh interface portproxy show v4tov4` 的输出
input-netsh-not-a-port = { $value } 不是端口（1-65535）
input-netsh-columns = { $n } 列；应为 netsh 输出的四列 "LISTEN-ADDRESS LISTEN-PORT CONNECT-ADDRESS CONNECT-PORT"
input-route-bad-line = { $what }；应为 /proc/net/route 的一行（Iface Destination Gateway Flags RefCnt Use Metric Mask …）
input-route6-bad-line = { $what }；应为 /proc/net/ipv6_route 的一行
input-route-fields = { $n } 个字段
input-route-not-hex = { $value } 不是十六进制数
input-route-mask = 掩码 { $mask } 不连续
input-route-metric = 跃点数 { $value } 不是数字
input-route-not-address = { $value } 不是地址
input-sysctl-not-integer = 不是整数；应为 0 或 1 这样的 sysctl 值

## Static pod manifests.

manifest-expected = { $component } 静态 Pod 清单（YAML，kind: Pod）
manifest-empty = 为空；应为{ $expected }
manifest-not-a-pod = kind 为 { $kind }，不是 Pod；应为{ $expected }
manifest-no-kind = 没有 kind；应为{ $expected }
manifest-no-container = spec.containers 中没有 { $component } 容器；应为 { $component } 静态 Pod

## firewalld configuration (zones, services, rich rules).

firewalld-unknown-fact = 未知的条目 { $fact }=
firewalld-stock-port = { $text }：应为 PROTOCOL/PORT
firewalld-stock-target = target { $value }
firewalld-not-a-directory = 不是 firewalld 配置目录（应有 zones/ 或 firewalld.conf）
firewalld-default-zone-name = DefaultZone={ $value }；应为区域名
firewalld-default-zone-missing = 默认区域 { $zone } 未在 { $path } 中定义
firewalld-root-element = 根元素为 <{ $element }>；应为 <zone>
firewalld-root-element-service = 根元素为 <{ $element }>；应为 <service>
firewalld-zone-target = 区域 target 为 { $target }；应为 default、ACCEPT、DROP 或 %%REJECT%%
firewalld-zone-priority = 区域优先级 { $priority }；应为数字
firewalld-needs = { $element } 需要 { $attribute }=
firewalld-needs-attribute = 需要 { $attribute }=
firewalld-unknown-zone-element = 区域中有未知元素 <{ $element }>
firewalld-source-needs = <source> 需要 address=、ipset= 或 mac=
firewalld-bad-address = 地址 { $text }；应为 IP 地址或 CIDR
firewalld-bad-port = 端口 { $text }；应为数字或 FROM-TO
firewalld-empty-port-range = 端口范围 { $range } 为空
firewalld-to-addr = to-addr { $addr }；应为 IP 地址
firewalld-rule-family = 规则 family 为 { $family }；应为 ipv4 或 ipv6
firewalld-rule-priority = 规则优先级 { $priority }；应为数字
firewalld-rich-one-element = 一条富规则最多有一个元素（service、port、protocol 等）
firewalld-rich-one-action = 一条富规则最多有一个动作
firewalld-unknown-rich-element = 富规则中有未知元素 <{ $element }>

## ECS security groups (DescribeSecurityGroupAttribute JSON) and CIDR lists.

ecs-sg-not-json = { $error }；应为 DescribeSecurityGroupAttribute 返回的 JSON（{"{"}"SecurityGroupId": …, "Permissions": {"{"}"Permission": [ … ]{"}"}{"}"}）
ecs-sg-no-permissions = 没有 "Permissions"；应为 DescribeSecurityGroupAttribute 返回的 JSON（{"{"}"SecurityGroupId": …, "Permissions": {"{"}"Permission": [ … ]{"}"}{"}"}）
ecs-sg-permissions-shape = "Permissions" 既不是 {"{"}"Permission": [...]{"}"} 也不是列表；应为 DescribeSecurityGroupAttribute 返回的 JSON（{"{"}"SecurityGroupId": …, "Permissions": {"{"}"Permission": [ … ]{"}"}{"}"}）
ecs-sg-permission = 第 { $index } 条授权规则：{ $why }
ecs-sg-expected-object = 应为对象
ecs-sg-direction = Direction 为 { $value }；应为 ingress 或 egress
ecs-sg-protocol = IpProtocol 为 { $value }；应为 TCP、UDP、ICMP、ICMPv6、GRE 或 ALL
ecs-sg-port-range = PortRange 为 { $value }；应为 FROM/TO，如 6443/6443
ecs-sg-port-range-empty = PortRange { $value } 为空
ecs-sg-not-cidr = { $key } { $value } 不是 CIDR
ecs-sg-no-source = 没有 SourceCidrIp、Ipv6SourceCidrIp、SourceGroupId 或 SourcePrefixListId
ecs-sg-policy = Policy 为 { $value }；应为 Accept 或 Drop
ecs-sg-priority = Priority 为 { $value }；应为 1-100
cidrs-not-an-entry = { $word } 不是 IP 地址或 CIDR（应为如 198.51.100.0/24 的形式）
cidrs-not-an-entry-hidden = 一个 { $n_chars } 个字符的词不是 IP 地址或 CIDR（应为如 198.51.100.0/24 的形式；这是地址列表吗？）
cidrs-host-bits = { $word } 设置了主机位；应为 { $network }
