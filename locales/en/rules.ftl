# Bad input in firewall rulesets read from files: iptables-save, nft JSON, ipset (exit 2, FILE:LINE).

rules-backslash-ends-line = a backslash ends the line
rules-unterminated-quote = unterminated quote (truncated line?)

## iptables-save

rules-iptables-too-large = larger than 4 GiB: not an iptables-save dump
rules-iptables-file-changed = changed since it was scanned (its size or modification time is not what it was): run again on a dump nothing writes to while it is read
rules-iptables-table-before-commit = table { $table } starts before table { $open } (line { $line }) has its COMMIT
rules-iptables-unknown-table = unknown table { $table }; expected filter, nat, mangle, raw or security
rules-iptables-table-twice = table { $table } appears twice
rules-iptables-commit-without-table = COMMIT without a table (expected a `*filter`-style line before)
rules-iptables-rule-outside-table = { $rule } outside a table; expected `*filter`, `*nat`, … first
rules-iptables-line-outside-table = a line outside a table; expected `*filter`, `*nat`, … first
rules-iptables-declaration = chain declaration needs a name and a policy, e.g. `:INPUT ACCEPT [0:0]`
rules-iptables-counters = counters { $counters }; expected [packets:bytes]
rules-iptables-new-needs-chain = -N needs a chain name
rules-iptables-policy-needs-chain = -P needs a chain and a policy
rules-iptables-append-needs-chain = -A needs a chain name
rules-iptables-chain-undeclared = chain { $chain } is not declared in table { $table } (expected a `:{ $chain }` line)
rules-iptables-command = unsupported command { $command }; expected -A, -I, -N, -P, :CHAIN or COMMIT
rules-iptables-no-commit = table { $table } has no COMMIT line (truncated input?)
rules-iptables-builtin-needs-policy = built-in chain { $chain } needs a policy (ACCEPT or DROP)
rules-iptables-user-chain-policy = { $chain } is not a built-in chain of table { $table }: its policy must be `-`
rules-iptables-policy = policy { $policy } of { $chain }; expected ACCEPT, DROP or - (user chain)
rules-iptables-chain-name = invalid chain name { $chain }

## nft -j list ruleset

rules-nft-not-json = { $error }; expected the JSON of `nft -j list ruleset` ({"{"}"nftables": [...]{"}"})
rules-nft-object = expected an object with one key such as "table", "chain" or "rule"
rules-nft-chain-undeclared-table = chain { $chain } of table { $table }, which the dump does not declare
rules-nft-policy = chain policy { $policy }; expected accept or drop
rules-nft-priority = chain priority: expected a number
rules-nft-set-undeclared-table = set { $set } of a table the dump does not declare
rules-nft-map-element = map { $map }: element { $element } is not a [key, verdict] pair
rules-nft-rule-undeclared-table = rule in table { $table }, which the dump does not declare
rules-nft-rule-undeclared-chain = rule in chain { $chain }, which table { $table } does not declare
rules-nft-rule-no-expr = rule without an "expr" list
rules-nft-missing-string = missing "{ $key }" (expected a string)

## ipset save

rules-ipset-family = family { $family }; expected inet or inet6
rules-ipset-type = set type { $kind }; expected e.g. hash:ip, hash:net, list:set
rules-ipset-add-before-create = add to set { $set } before its `create` line
rules-ipset-element = element { $element } of { $set }: { $why }
rules-ipset-short = `{ $command }` needs a set name and a type or element (truncated?)
rules-ipset-command = unknown command { $command }; expected `create` or `add` lines of `ipset save`
