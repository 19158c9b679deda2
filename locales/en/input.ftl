# Bad input in the other files the tool reads: firewalld, ECS security groups, CIDR lists, manifests,
# forwarding state, dates, --forward and --firewall specs, versions (exit 2, FILE:LINE).

## Dates (waivers' expires), --forward, --firewall.

input-not-a-date = { $text } is not a date; expected YYYY-MM-DD (e.g. 2027-03-31)
input-not-a-calendar-day = { $text } is not a day of the calendar
input-forward-form = { $text }: expected A:HOST:PORT, e.g. 16443:192.168.10.5:6443
input-forward-port-a = port A
input-forward-bad-port = { $part } { $value } in { $text } is not a port (1-65535); expected A:HOST:PORT, e.g. 16443:192.168.10.5:6443
input-forward-bad-host = HOST { $host } in { $text } is not an IP address; expected A:HOST:PORT, e.g. 16443:192.168.10.5:6443
input-firewall-spec-form = --firewall { $spec }: expected KIND:PATH or live; kinds: { $kinds }
input-firewall-spec-stdin = --firewall { $spec }: only iptables:- reads standard input
input-firewall-spec-no-path = --firewall { $spec }: the path is empty
input-firewall-spec-kind = --firewall { $spec }: unknown kind { $kind }; expected one of { $kinds }

## Forwarding state: netsh port proxies, routes, sysctls.

input-netsh-half-utf16 = UTF-16 text that ends in half a character (truncated?); expected netsh output
input-netsh-bad-utf16 = invalid UTF-16 text; expected netsh output
input-netsh-not-text = not text (neither UTF-8 nor UTF-16 with a byte-order mark); expected the output of `netsh interface portproxy show v4tov4`
input-netsh-control-characters = control characters in the text; expected the output of `netsh interface portproxy show v4tov4`
input-netsh-not-a-port = { $value } is not a port (1-65535)
input-netsh-columns = { $n } columns; expected four columns "LISTEN-ADDRESS LISTEN-PORT CONNECT-ADDRESS CONNECT-PORT" as netsh prints them
input-route-bad-line = { $what }; expected a /proc/net/route line (Iface Destination Gateway Flags RefCnt Use Metric Mask …)
input-route6-bad-line = { $what }; expected a /proc/net/ipv6_route line
input-route-fields = { $n } fields
input-route-not-hex = { $value } is not hexadecimal
input-route-mask = mask { $mask } is not contiguous
input-route-metric = metric { $value } is not a number
input-route-not-address = { $value } is not an address
input-sysctl-not-integer = is not an integer; expected a sysctl value such as 0 or 1

## Static pod manifests.

manifest-expected = a { $component } static pod manifest (YAML, kind: Pod)
manifest-empty = is empty; expected { $expected }
manifest-not-a-pod = kind is { $kind }, not Pod; expected { $expected }
manifest-no-kind = has no kind; expected { $expected }
manifest-no-container = spec.containers has no { $component } container; expected the { $component } static pod

## firewalld configuration (zones, services, rich rules).

firewalld-unknown-fact = unknown fact { $fact }=
firewalld-stock-port = { $text }: expected PROTOCOL/PORT
firewalld-stock-target = target { $value }
firewalld-not-a-directory = not a firewalld configuration directory (expected zones/ or firewalld.conf)
firewalld-default-zone-name = DefaultZone={ $value }; expected a zone name
firewalld-default-zone-missing = the default zone { $zone } is not defined in { $path }
firewalld-root-element = root element <{ $element }>; expected <zone>
firewalld-root-element-service = root element <{ $element }>; expected <service>
firewalld-zone-target = zone target { $target }; expected default, ACCEPT, DROP or %%REJECT%%
firewalld-zone-priority = zone priority { $priority }; expected a number
firewalld-needs = { $element } needs { $attribute }=
firewalld-needs-attribute = needs { $attribute }=
firewalld-unknown-zone-element = unknown element <{ $element }> in a zone
firewalld-source-needs = <source> needs address=, ipset= or mac=
firewalld-bad-address = address { $text }; expected an IP address or CIDR
firewalld-bad-port = port { $text }; expected a number or FROM-TO
firewalld-empty-port-range = port range { $range } is empty
firewalld-to-addr = to-addr { $addr }; expected an IP address
firewalld-rule-family = rule family { $family }; expected ipv4 or ipv6
firewalld-rule-priority = rule priority { $priority }; expected a number
firewalld-rich-one-element = a rich rule has at most one element (service, port, protocol, …)
firewalld-rich-one-action = a rich rule has at most one action
firewalld-unknown-rich-element = unknown element <{ $element }> in a rich rule

## ECS security groups (DescribeSecurityGroupAttribute JSON) and CIDR lists.

ecs-sg-not-json = { $error }; expected the JSON of DescribeSecurityGroupAttribute ({"{"}"SecurityGroupId": …, "Permissions": {"{"}"Permission": [ … ]{"}"}{"}"})
ecs-sg-no-permissions = no "Permissions"; expected the JSON of DescribeSecurityGroupAttribute ({"{"}"SecurityGroupId": …, "Permissions": {"{"}"Permission": [ … ]{"}"}{"}"})
ecs-sg-permissions-shape = "Permissions" is neither {"{"}"Permission": [...]{"}"} nor a list; expected the JSON of DescribeSecurityGroupAttribute ({"{"}"SecurityGroupId": …, "Permissions": {"{"}"Permission": [ … ]{"}"}{"}"})
ecs-sg-permission = permission { $index }: { $why }
ecs-sg-expected-object = expected an object
ecs-sg-direction = Direction { $value }; expected ingress or egress
ecs-sg-protocol = IpProtocol { $value }; expected TCP, UDP, ICMP, ICMPv6, GRE or ALL
ecs-sg-port-range = PortRange { $value }; expected FROM/TO such as 6443/6443
ecs-sg-port-range-empty = PortRange { $value } is empty
ecs-sg-not-cidr = { $key } { $value } is not a CIDR
ecs-sg-no-source = no SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId
ecs-sg-policy = Policy { $value }; expected Accept or Drop
ecs-sg-priority = Priority { $value }; expected 1-100
cidrs-not-an-entry = { $word } is not an IP address or CIDR (expected e.g. 198.51.100.0/24)
cidrs-not-an-entry-hidden = a word of { $n_chars } characters that is not an IP address or CIDR (expected e.g. 198.51.100.0/24; is this an address list?)
cidrs-host-bits = { $word } has host bits set; expected { $network }
