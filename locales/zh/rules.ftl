# Bad input in firewall rulesets read from files: iptables-save, nft JSON, ipset (exit 2, FILE:LINE).

rules-backslash-ends-line = 行尾是反斜杠
rules-unterminated-quote = 引号未闭合（行被截断？）

## iptables-save

rules-iptables-too-large = 大于 4 GiB：不是 iptables-save 的输出
rules-iptables-file-changed = 在扫描之后被改动了（大小或修改时间已不同）：请对读取期间无人写入的转储重新运行
rules-iptables-table-before-commit = 表 { $table } 开始时，表 { $open }（第 { $line } 行）还没有 COMMIT
rules-iptables-unknown-table = 未知的表 { $table }；应为 filter、nat、mangle、raw 或 security
rules-iptables-table-twice = 表 { $table } 出现了两次
rules-iptables-commit-without-table = COMMIT 之前没有表（前面应有 `*filter` 这样的行）
rules-iptables-rule-outside-table = { $rule } 不在任何表内；应先有 `*filter`、`*nat` 等行
rules-iptables-line-outside-table = 有一行不在任何表内；应先有 `*filter`、`*nat` 等行
rules-iptables-declaration = 链声明需要名称和策略，例如 `:INPUT ACCEPT [0:0]`
rules-iptables-counters = 计数器 { $counters }；应为 [packets:bytes]
rules-iptables-new-needs-chain = -N 需要链名
rules-iptables-policy-needs-chain = -P 需要链名和策略
rules-iptables-append-needs-chain = -A 需要链名
rules-iptables-chain-undeclared = 链 { $chain } 未在表 { $table } 中声明（应有 `:{ $chain }` 行）
rules-iptables-command = 不支持的命令 { $command }；应为 -A、-I、-N、-P、:CHAIN 或 COMMIT
rules-iptables-no-commit = 表 { $table } 没有 COMMIT 行（输入被截断？）
rules-iptables-builtin-needs-policy = 内置链 { $chain } 需要策略（ACCEPT 或 DROP）
rules-iptables-user-chain-policy = { $chain } 不是表 { $table } 的内置链：其策略必须是 `-`
rules-iptables-policy = { $chain } 的策略 { $policy }；应为 ACCEPT、DROP 或 -（自定义链）
rules-iptables-chain-name = 无效的链名 { $chain }

## nft -j list ruleset

rules-nft-not-json = { $error }；应为 `nft -j list ruleset` 输出的 JSON（{"{"}"nftables": [...]{"}"}）
rules-nft-object = 应为只有一个键的对象，如 "table"、"chain" 或 "rule"
rules-nft-chain-undeclared-table = 链 { $chain } 属于表 { $table }，而该表未在输出中声明
rules-nft-policy = 链策略 { $policy }；应为 accept 或 drop
rules-nft-priority = 链优先级：应为数字
rules-nft-set-undeclared-table = 集合 { $set } 所属的表未在输出中声明
rules-nft-map-element = 映射 { $map }：元素 { $element } 不是 [key, verdict] 对
rules-nft-rule-undeclared-table = 规则属于表 { $table }，而该表未在输出中声明
rules-nft-rule-undeclared-chain = 规则属于链 { $chain }，而表 { $table } 未声明该链
rules-nft-rule-no-expr = 规则没有 "expr" 列表
rules-nft-missing-string = 缺少 "{ $key }"（应为字符串）

## ipset save

rules-ipset-family = 地址族 { $family }；应为 inet 或 inet6
rules-ipset-type = 集合类型 { $kind }；应为 hash:ip、hash:net、list:set 等
rules-ipset-add-before-create = 向集合 { $set } 添加元素早于其 `create` 行
rules-ipset-element = { $set } 的元素 { $element }：{ $why }
rules-ipset-short = `{ $command }` 需要集合名以及类型或元素（被截断？）
rules-ipset-command = 未知命令 { $command }；应为 `ipset save` 的 `create` 或 `add` 行
