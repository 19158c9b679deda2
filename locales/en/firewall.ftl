
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-firewall-sources = Firewall layers loaded
    .summary = which access-control layers were loaded (`--firewall` files, or the live iptables-legacy / iptables-nft / nft rulesets and ipsets), from where, how many rules; skip when there is none (with why, e.g. no CAP_NET_ADMIN); warn when the live reading was partial
    .explain = Lists the access-control layers the firewall checks judge: every --firewall (iptables-save, nft -j list ruleset, firewalld zones, an ECS security group, a CIDR list) and, with --firewall live (the default when running as root without --firewall), this host's iptables-legacy, iptables-nft and nftables rules and ipsets. Layers are in series: the pool must get through each of them. Skipped when no layer could be loaded, saying why (reading the live firewall needs CAP_NET_ADMIN). Fix: run as root on the API server host, or pass the dumps with --firewall KIND:FILE; add the security group and load balancer ACL as layers too. When the live rules are read but the API server's address is not one of this host's, it warns: those rules stand in front of the API server only when this host is the API server behind NAT (an EIP).

check-firewall-allowlist = Pool admitted on the API server port
    .summary = every pool entry is admitted on tcp/PORT by every layer, judged exactly over address ranges (SYN, later packets and answers): per entry admitted / partial / denied / unknown, the denied and unknown sub-ranges, the deciding rule (layer, chain, rule number, line, text) and a fix in that layer's syntax placed before the first denying rule; fail when any address is denied, warn when some are unknown
    .explain = Judges a new TCP connection from every address of the region's pool (public IPs and private CIDR) to the API server port, exactly over address ranges: the SYN (conntrack NEW), the client's later packets (ESTABLISHED) and the server's answers must all pass every layer. For each pool entry it reports admitted, partial (which sub-ranges are denied), denied or unknown, with the deciding rule (layer, chain, rule number, line, text). A rule the evaluator cannot decide (an unknown interface without --interface, a -d rule without the API server's address, a rate limit, an ipset without --ipset) makes the affected ranges unknown: warn, never pass. Fix: the printed commands insert an ACCEPT before the first rule that denies, in the layer's own syntax (iptables -I, nft insert rule, firewall-cmd --add-rich-rule, aliyun ecs AuthorizeSecurityGroup, CIDR lines); each was checked by judging the fixed rules again.

check-firewall-shadowed = No shadowed allow rules for the pool
    .summary = ACCEPT rules for the pool that an earlier rule makes unreachable, naming the rule that shadows them
    .explain = Finds ACCEPT rules written for (part of) the pool that never see those addresses because an earlier rule denies them first, e.g. an ACCEPT for 198.51.100.70 below a DROP for 198.51.100.64/26. Such a rule looks like it admits the pool but does nothing. Warn only: firewall.allowlist reports the denial itself. Fix: move the ACCEPT above the rule that shadows it, or narrow that rule.

check-firewall-exposure = API server port not open to the Internet
    .summary = warns when the API server port is open to (at least half of) 0.0.0.0/0 or ::/0
    .explain = Judges the whole IPv4 (and IPv6) address space against the layers: when at least half of it can open a connection to the API server port (0.0.0.0/0 or ::/0 admitted, perhaps minus a few blocks), the whole Internet can reach the API server, and only its authentication protects it. Warn. Fix: admit only the pool and your own networks (`k8sjoin-check allowlist --region R --format iptables|nft|firewalld|ecs-sg`), then drop the rest.

## firewall.sources

firewall-live-needs-net-admin = reading the live firewall needs CAP_NET_ADMIN: run as root (sudo), or give the dumps with --firewall iptables:FILE / nft:FILE
firewall-live-no-ip-set-module = the ip_set module is not loaded: no sets
firewall-live-program-not-installed = { $program } is not installed
firewall-live-not-installed = not installed
firewall-live-sets-read = { $count } sets
firewall-live-no-legacy-tables = no legacy tables ({ $names } is empty)
firewall-live-no-nf-tables-module = the nf_tables module is not loaded
firewall-live-no-tables = no tables
firewall-live-rules-read = { $count } rules
firewall-live-no-base-chains = no base chains
firewall-live-timed-out = timed out
firewall-live-read-nothing = the live reading could not read this host's iptables or nftables rules
firewall-none-given = no --firewall given, and the live firewall is read only as root (or with --firewall live)
firewall-none-given-root = no --firewall given; with --root { $root } the node is a copy, so this host's live rules are not read (pass the node's dumps with --firewall)
firewall-none-given-short = none given
firewall-no-layer = no firewall layer loaded: { $why }
firewall-fix-run-as-root = run as root (sudo) on the API server host, so that the live rules can be read
firewall-fix-pass-layers = or pass each layer: --firewall iptables:FILE (iptables-save), nft:FILE (nft -j list ruleset), firewalld:/etc/firewalld, ecs-sg:FILE (DescribeSecurityGroupAttribute), cidrs:FILE
firewall-live-filters-nothing = the live reading found no iptables, nftables or ipset rules: nothing on this host filters the API server's port
firewall-layer-summary = { $name } ({ $rules } rules)
firewall-layers = { $n } { $n ->
        [one] layer
       *[other] layers
    } in series: { $layers }
firewall-live-not-read = the live firewall was not read: { $why }
firewall-fix-run-as-root-live = run as root to include this host's live rules
firewall-live-failed = could not read { $sources }
firewall-sg-partial = security group { $groups } given as a partial page (its NextToken is not empty): permissions on later pages are not judged
firewall-live-elsewhere = but the live rules are this host's, and the API server's address { $addresses } is not an address of this host
firewall-fix-run-on-apiserver = run on the API server host, or pass its rules with --firewall KIND:FILE
firewall-fix-behind-nat = if this host is the API server behind NAT (an EIP or SLB), the verdicts hold: pass --apiserver with the host's own address to silence this
firewall-input-root-or-dumps = root (sudo) to read this host's live rules, or --firewall KIND:FILE
firewall-input-dumps-or-root = --firewall KIND:FILE (iptables-save, nft -j list ruleset, firewalld, ecs-sg, cidrs), or root for the live rules
firewall-input-node-dumps = --firewall KIND:FILE with the dumps of the node under --root

## What the checks after firewall.sources say when it gave them no layer

firewall-sources-skipped = firewall.sources did not run, so no layer is loaded (it was skipped)
firewall-input-sources-in-run = firewall.sources in the run (do not --skip it)
firewall-fix-pass-or-root = pass --firewall KIND:FILE, or run as root for the live rules (see firewall.sources)

## firewall.allowlist (and forward.filter): the pool judged on one connection

pool-no-region-to-admit = no --region: the pool to admit is unknown (see region.known)
pool-no-region = no --region: the pool is unknown (see region.known)
firewall-no-pool-entries = { $region } has no { $part } pool entries
pool-no-entry-of-family = no pool entry of { $region } has the address family of { $destinations }: none can be forwarded there
pool-what-forwarded = tcp/{ $port } forwarded to { $to }
pool-part-of-entry = { $ranges } of { $entry }
pool-denied-by-rule = { $which } by { $layer } { $chain } rule { $rule } ({ $action })
pool-denied-by-policy = { $which } by { $layer } { $chain } policy
pool-denied-by-layer = { $which } by { $layer }
pool-denied = { $denied } of { $n } pool { $n ->
        [one] entry
       *[other] entries
    } of { $region } cannot connect to { $what }: { $list }
pool-fix-note = # { $layer }: { $note }
pool-undecided = nothing denied, but { $undecided } of { $n } pool { $n ->
        [one] entry
       *[other] entries
    } cannot be decided on { $what }: { $list } ({ $why })
pool-admitted = all { $n } pool { $n ->
        [one] entry
       *[other] entries
    } of { $region } admitted on { $what } by { $n_layers } { $n_layers ->
        [one] layer
       *[other] layers
    }

## Why a range cannot be decided, and what would decide it

pool-undecidable-interface-in = -i/iifname: the interface the pool's traffic uses is unknown
pool-undecidable-interface-out = -o/oifname: the interface the pool's traffic uses is unknown
pool-undecidable-api-address-dst = -d/daddr: the API server's address is unknown
pool-undecidable-api-address-src = -s/saddr: the API server's address is unknown
pool-undecidable-ipset = ipset { $name }: the set's contents are unknown
pool-undecidable-ipset-not-in = ipset { $name }: the set's contents are unknown (not in { $looked_in })
pool-undecidable-xt-target = xt target { $name }: an iptables-nft target nft cannot show
pool-undecidable-xt-match = xt match { $name }: an iptables-nft match nft cannot show
pool-undecidable-no-layer = no loaded layer filters { $family } traffic
pool-undecidable-translation = whether the connection is translated depends on: { $reason }
pool-undecidable-nat-paths-disagree = paths through the nat chains disagree
pool-undecidable-paths-disagree = paths through the ruleset disagree
pool-undecidable-rate-or-state = { $what }: whether it matches depends on the traffic's rate or history, the time or the payload, not on addresses
pool-undecidable-reverse-path = reverse-path check (rpfilter, fib saddr . iif oif): the interface the pool's traffic arrives on, and the route back to it, are unknown
pool-undecidable-loop = chain { $chain } jumps back into itself (a loop no kernel loads): not followed
pool-undecidable-budget = the evaluator stopped after { $steps } steps (paths through undecidable rules multiply): these addresses were not followed to a verdict
pool-limitation-deep-chains = chains nest deeper than 128
pool-limitation-undecidable-match = undecidable match
pool-limitation-raw-conntrack = a conntrack match before connection tracking runs (raw table)
pool-limitation-raw-connmark = a connection mark before connection tracking runs (raw table)
pool-limitation-ct-status = conntrack status bits that vary along the connection
pool-limitation-earlier-mark = a mark an earlier rule may have set
pool-limitation-local-address = whether the address is local to this host
pool-limitation-no-route = the connection is translated to an address this host has no route to
pool-advice-interface = pass --interface IF (the interface the pool's traffic arrives on) to decide -i/iifname and reverse-path rules
pool-advice-apiserver = pass --apiserver with the API server's IP address (or a name that resolves) to decide -d/daddr rules
pool-advice-ipset = pass --ipset FILE with `ipset save` output to decide -m set rules
pool-advice-opaque-xt = also pass the iptables-nft-save output (--firewall iptables:FILE): nft shows iptables-nft rules only as opaque xt expressions
pool-advice-no-layer = give the IPv6 rules too (ip6tables-save) when the pool has IPv6 entries
pool-advice-by-hand = check by hand: { $reason }

## What no fix command solves (after "# LAYER: ")

firewall-fix-no-position-in-chain = no position in { $chain } admits { $ranges }; fix it by hand
firewall-fix-no-position = no position in the layer admits { $ranges }; fix it by hand
firewall-fix-incomplete = no complete fix found within { $max } rules; fix the remaining rules by hand
firewall-fix-not-a-rule = the denial does not come from a rule: nothing to insert before
firewall-fix-owned-chain-unreached = { $owner } owns chain { $chain } and rewrites it, and no base chain of this layer jumps to it: admit { $cidrs } in { $owner }'s own configuration
firewall-fix-owned-base-chain = { $owner } owns the base chain { $chain } too: admit the pool in { $owner }'s own configuration
firewall-fix-no-handle = rule { $rule } of chain { $chain } has no handle to insert before
firewall-fix-no-zone = zone { $zone } not found
firewall-fix-no-permission = permission not found
firewall-fix-highest-priority = permission { $rule } ({ $permission }) has the highest priority, and a Drop wins over an Accept of equal priority: revoke or narrow it (aliyun ecs RevokeSecurityGroup …) to admit { $cidrs }
firewall-fix-no-ufw-chain = ufw's chain { $chain } is not in this dump: admit the pool with ufw allow by hand

## firewall.shadowed

firewall-none-shadowed = no ACCEPT rule for { $region }'s pool is shadowed by an earlier rule
firewall-chain-rule = { $chain } rule { $rule }
firewall-chain-policy = { $chain } policy
firewall-shadowed-rule = { $layer } { $chain } rule { $rule } ({ $text }) never sees { $addresses }: { $by } denies first
firewall-shadowed = { $n } ACCEPT { $n ->
        [one] rule
       *[other] rules
    } for the pool shadowed: { $rules }
firewall-fix-shadowed = move each shadowed ACCEPT above the rule that denies first, or narrow that rule (firewall.allowlist prints an insert that works)

## firewall.exposure

firewall-exposure-except = { $whole } except { $closed }
firewall-exposure-open = { $range } ({ $share }% of { $family } addresses)
firewall-exposure-open-if-listening = { $range } ({ $share }% of { $family } addresses, if the API server listens on { $family })
firewall-exposure-maybe = { $share }% of { $family } addresses may be admitted (undecidable rules)
firewall-exposure-no-address = no { $family } address
firewall-exposure-open-to-all = tcp/{ $port } is open to the whole Internet: { $open }
firewall-exposure-maybe-open = tcp/{ $port } may be open to the Internet: { $maybe }
firewall-exposure-narrow = tcp/{ $port } is admitted only from { $from }
firewall-fix-admit-only = admit only the pool and your own networks on the API server port, then drop the rest
firewall-fix-admit-only-with = admit only the pool and your own networks: { $command } (or nft, firewalld, ecs-sg), then drop the rest of tcp/{ $port }
