
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-forward-ip-forward = IP forwarding on
    .summary = with `--forward`: forwarding is on for the interface the pool arrives on (`--interface`, else the route back to the pool, assuming a symmetric path) and the one towards HOST (the route to it; no route fails); `net.ipv4.ip_forward` = 0 with both interfaces on warns (the next write turns them off); IPv6: `net.ipv6.conf.all.forwarding`; fix: `sysctl -w` and an `/etc/sysctl.d` line
    .explain = On the forwarder (--forward A:HOST:PORT), the kernel forwards a packet only when forwarding is on for the interface it arrives on: the pool's SYN arrives on the inbound interface (--interface, else the one the route back to the pool leaves by, assuming a symmetric path), the API server's answers on the interface of the route to HOST. net.ipv4.ip_forward sets every interface at once; an interface set apart since then decides for itself (ip_forward = 0 with both interfaces on still forwards: warn, the next write of ip_forward turns them off). Also fails when there is no route to HOST. IPv6 targets need net.ipv6.conf.all.forwarding. Read under --root (live /proc by default). Skipped for a Windows port proxy, which relays in user space. Fix: sysctl -w net.ipv4.ip_forward=1 now, and the same line in /etc/sysctl.d/ for the next boot.

check-forward-dnat = Port A translated to the API server
    .summary = with `--forward`: the pool's connection to port A is translated to exactly HOST:PORT, judged over every nat chain of every layer in kernel order (iptables DNAT/REDIRECT, nft dnat, firewalld forward-port; the first translation wins); a translation elsewhere fails naming the rule and where it goes; with `netsh:FILE`, a port proxy from port A to HOST:PORT instead
    .explain = Judges the pool's SYN to port A on this host against every nat chain of the prerouting hook, of every layer together (iptables nat PREROUTING DNAT/REDIRECT, nftables dnat, firewalld forward-port) in the kernel's order: the first translation wins. Passes when every pool entry is translated to exactly HOST:PORT; fails when none is, or when port A goes somewhere else (another address or port, a REDIRECT to this host, an address range), naming the rule and where it sends the connection. With --firewall netsh:FILE (a Windows forwarder) it checks the port proxy instead: a v4tov4 rule listening on port A and connecting to HOST:PORT. Fix: the printed iptables, firewall-cmd or netsh command, immediate and permanent.

check-forward-filter = FORWARD chain admits the pool
    .summary = with `--forward`: the forwarded connection (translated SYN with DNAT status, later packets, the answers, and what security groups, raw and mangle see of port A before the translation) passes every filter, per pool entry and range as in `firewall.allowlist`, with the deciding rule and an insert that fixes it
    .explain = Judges the forwarded connection for every address of the pool, exactly over ranges, like firewall.allowlist: the translated SYN (conntrack NEW with DNAT status) and the client's later packets on the forward path to HOST:PORT, the API server's answers coming back, and ahead of the translation what the security group, raw and mangle chains see of port A. Every base chain on those hooks must accept (a FORWARD policy DROP with no rule for the flow, or a REJECT before the rule that admits it, stops the connection). Fix: the printed iptables -I FORWARD / nft insert rule, placed before the first rule that denies and checked by judging the fixed rules again.

check-forward-return-path = Answers find their way back
    .summary = with `--forward`: the answers come back: SNAT/MASQUERADE to an address of this host on the way to HOST (or `--assume-return-route`), a route back to every pool address, and no strict `rp_filter` (1) on the inbound interface while the route back leaves by another one (loose, 2, is fine); a port proxy skips the three kernel checks
    .explain = The API server answers the address the forwarded SYN came from. Unless that is this host, the answers go by the IDC's own routes and never reach the client: a SNAT or MASQUERADE on the way to HOST (judged like the DNAT, over the nat chains of the postrouting hook) makes it this host; --assume-return-route says the IDC routes the pool back through this host instead. This host also needs a route back to every pool address, and strict reverse-path filtering (rp_filter = 1, the larger of conf.all and the inbound interface's) drops the SYN when that route leaves by another interface than it arrived on; loose mode (2) does not. Fix: iptables -t nat -A POSTROUTING … -j MASQUERADE or firewall-cmd --add-masquerade (immediate and --permanent); sysctl -w net.ipv4.conf.IF.rp_filter=2 and the same line in /etc/sysctl.d/.

## Shared by the forwarding checks

forward-not-a-forwarder = no --forward: this host is not a forwarder
forward-portproxy-needs-no-kernel = not needed for a portproxy: the forwarder relays in user space ({ $files }), so the kernel's forwarding, filtering and NAT are not involved
forward-no-entry-of-family = { $region } has no { $family } pool entry to forward
forward-sources-skipped = firewall.sources did not run, so no firewall layer is loaded
forward-input-rules = root on the forwarder (the live rules), or --firewall iptables:FILE / nft:FILE
forward-fix-rules = run as root on the forwarder (the live rules are read), or pass --firewall iptables:FILE / nft:FILE
forward-fix-interface = pass --interface IF (where the pool's traffic arrives)
forward-inbound-route-back = the interface of the route back to the pool: this assumes the pool's traffic arrives where the answers leave (a symmetric path); pass --interface if it does not
forward-inbound-unknown = unknown: the routes back to the pool leave by several interfaces, or by none; pass --interface
forward-and = { $a } and { $b }
forward-rule-numbered = { $place } rule { $rule }
forward-rule-at-line = { $place } line { $line }
forward-rule-with-text = { $rule } ({ $text })
forward-undecidable-rule = undecidable rule
forward-fix-with-iptables = # with iptables:
forward-fix-or-nftables = # or with nftables ({ $layer }), and the same rule in /etc/nftables.conf:
forward-fix-nftables-conf = # and the same change in /etc/nftables.conf, so that it stays after a reboot

## forward.ip-forward

forward-ipv6-on = net.ipv6.conf.all.forwarding = 1
forward-ipv6-off = net.ipv6.conf.all.forwarding = { $value }: this host does not forward IPv6
forward-ipv6-unknown = cannot tell whether IPv6 forwarding is on: { $path } does not exist
forward-side-inbound = inbound
forward-side-outbound = outbound
forward-side-both = inbound and outbound
forward-every-routed-interface = { $interfaces } (every interface the pool is routed by)
forward-unknown-inbound = the inbound interface ({ $note })
forward-unknown-outbound = the outbound interface: the routing table is not under { $root } (proc/net/route)
forward-interface-off = { $iface } ({ $side }) has forwarding = 0
forward-interface-side = { $iface } ({ $side })
forward-no-such-interface = there is no interface { $iface } ({ $side }) on this host (net/ipv4/conf lists { $interfaces })
forward-interface-unknown = { $iface } ({ $side }): { $path } does not exist
forward-no-route-to-target = no route to { $target }: the forwarded SYN cannot leave
forward-fix-route-to-target = { $command }   # the next hop towards the IDC (VPN, Express Connect); persist it in the network configuration
forward-cannot-tell = cannot tell whether forwarding is on for { $what }
forward-ip-forward-off-but-on = net.ipv4.ip_forward = 0, but forwarding is on for { $interfaces }: connections are forwarded now, and the next write of net.ipv4.ip_forward (a reboot, sysctl --system, another tool) turns it off on every interface
forward-ip-forward-missing = forwarding is on for { $interfaces }, but { $path } does not exist
forward-ip-forward-on = net.ipv4.ip_forward = 1 and forwarding is on for { $interfaces }

## forward.dnat

forward-dnat-unseen = { $why }: the DNAT rules cannot be seen
forward-at-port = port { $port }
forward-this-host-port = this host's port { $port }
forward-dnat-elsewhere = { $who }: { $rule } sends it to { $to }, not { $target }
forward-dnat-dropped = { $who }: { $rule } drops it
forward-dnat-unknown = { $who } ({ $why })
forward-dnat-missing = no rule translates tcp/{ $port } from { $ranges }
forward-dnat-not-forwarded = { $at } is not forwarded to { $target }: { $problems }
forward-dnat-cannot-tell = cannot tell whether { $at } is forwarded to { $target } for { $what }
forward-dnat-translated = { $at } is translated to { $target } for all { $n } pool { $n ->
        [one] entry
       *[other] entries
    } by { $rules }
forward-fix-or-firewalld-forward-port = # or with firewalld (a forward-port to another host also needs masquerade, see forward.return-path):

## forward.dnat with a Windows port proxy

forward-portproxy-rule = { $file } line { $line }: { $from } → { $to }
forward-portproxy-relays = the port proxy relays port { $port } to { $target } ({ $rule }); it needs the IP Helper service (iphlpsvc) running and port { $port } open in Windows Firewall
forward-portproxy-relays-to-name = the port proxy relays port { $port } to the name { $name } ({ $rule }): the tool cannot tell whether it resolves to { $target }
forward-portproxy-elsewhere = port { $port } is relayed elsewhere, not to { $target }: { $rules }
forward-portproxy-none = no port proxy listens on port { $port } ({ $n_rules } { $n_rules ->
        [one] rule
       *[other] rules
    } read)
forward-fix-windows-firewall = { $command }   # Windows Firewall must admit port A too

## forward.filter

forward-filter-unjudged = { $why }: the FORWARD chain cannot be judged

## forward.return-path

forward-no-route-back = no route back to { $addresses }: the answers cannot leave this host
forward-fix-route-back = { $command }   # towards the pool; persist it in the network configuration
forward-unknown-routes-back = the routes back to the pool (no routing table under { $root })
forward-routed-by = { $addresses } by { $iface }
forward-strict-rp-filter = strict reverse-path filtering (rp_filter = 1 on { $iface }) drops the SYN: the route back to { $routes } leaves by another interface than { $iface }
forward-fix-symmetric = # or make the path symmetric: route the pool back through { $iface } ({ $command })
forward-rp-filter-unknown = rp_filter on { $iface } ({ $all } or { $path } is missing)
forward-rp-filter-inbound-unknown = whether strict rp_filter drops the SYN: the inbound interface is unknown ({ $note })
forward-snat-elsewhere = { $who }: { $rule } translates the source to { $address }, which is not an address of this host: the answers go there
forward-snat-unknown-return = { $who }: whether the answers to { $rule } ({ $to }) come back here
forward-snat-dropped = { $who }: { $rule } drops the SYN
forward-snat-unknown = { $who }: SNAT ({ $why })
forward-no-snat = no SNAT/MASQUERADE for { $ranges } on the way to { $to }: { $target } answers the pool's own addresses by its own routes, not through this host
forward-snat-unseen = whether SNAT/MASQUERADE rewrites the source ({ $why })
forward-return-cannot-tell = cannot tell { $what }
forward-return-routed-by-idc = the IDC routes the answers back through this host (--assume-return-route)
forward-return-translated = the source is translated to this host on the way to { $target }
forward-answers-come-back = answers come back: { $how }; this host routes the pool back
forward-fix-or-firewalld-masquerade = # or with firewalld (masquerade in the zone of the interface towards { $target }):
forward-fix-or-assume-return-route = # or, when the IDC routes the pool back through this host, run with --assume-return-route (no SNAT needed)
