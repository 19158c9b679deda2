
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-region-known = Region is known
    .summary = `--region` resolves in the table (fails when no region is given)
    .explain = Verifies that --region names a region of the security center's table (by id, Chinese or English name). The region decides which address pool connects to the API server, so every firewall verdict depends on it. Fix: pass --region with a name from `k8sjoin-check regions`; if the vendor added a region, pass an updated table with --regions-file.

check-region-vpc-eligible = Network type allowed in region
    .summary = a VPC-type cluster joins one of the 5 VPC regions; fails otherwise, naming them and the public-network alternative; with `auto` and no known address: pass in the 5, warn elsewhere
    .explain = Verifies that a VPC-type cluster joins one of the five regions that accept VPC-type clusters (cn-hangzhou, cn-beijing, cn-shanghai, cn-shenzhen, cn-hongkong); over the public network every region works. The network type is --network, or inferred from the API server address (private = vpc). With --network auto and no known address it passes in the five regions and warns elsewhere. Fix: join over the public network (the API server reachable on a public address that admits the region's public IPs), or choose one of the five regions.

check-region-network-type = API server address fits network type
    .summary = the API server address fits the network type (a private address over `public` needs a forwarder; loopback warns)
    .explain = Verifies that the API server's address fits the network type: a private address (RFC 1918, 100.64.0.0/10, loopback, link-local, fc00::/7) cannot be reached by the security center over the public network unless a forwarder with a public address relays it; a loopback address cannot be reached at all. Fix: give the address the security center will use (--apiserver), expose the API server publicly, join as a VPC-type cluster in a VPC region, or set up a forwarder (--forwarder).

check-region-cidr-conflict = Cluster CIDRs clear of the private pool
    .summary = the cluster's service CIDRs, pod CIDRs and node addresses (from the static pod manifests under `--root`) do not overlap the region's private pool; overlap warns naming both ranges and the manifest line; no manifests: skip
    .explain = Compares the cluster's service CIDRs (--service-cluster-ip-range), pod CIDRs (--cluster-cidr of kube-controller-manager) and node addresses (--advertise-address, etcd's advertised URLs), read from the static pod manifests under --root, with the region's private pool. The security center connects from that pool; when a cluster range overlaps it, this host routes the replies into the cluster network instead of back to the security center, and the connection hangs. Overlap warns, naming both ranges. Fix: re-plan the overlapping range (pod and service CIDRs are set when the cluster is created), or join over the public network.

## How the network type was decided (also the report's target line).

network-auto-no-address = --network auto and no API server address is known
network-address-public = the API server address { $address } is public
network-address-private = the API server address { $address } is { $range }

## region.known

region-none-given = no --region given: the region decides which address pool must reach the API server ({ $n } regions in the table)
region-fix-give = pass --region ID, e.g. --region cn-hangzhou; `k8sjoin-check regions` lists every region
region-known = { $region } ({ $name }): { $public } public { $public ->
        [one] address
       *[other] addresses
    }, { $private } private { $private ->
        [one] CIDR
       *[other] CIDRs
    }
region-shared-private = { $cidr } is also { $other }'s private pool

## region.vpc-eligible

region-no-region = no region
region-public-anywhere = public-network clusters may join any region, { $region } included ({ $reason })
region-vpc-accepted = { $region } accepts VPC-type clusters ({ $reason })
region-vpc-refused = { $region } does not accept VPC-type clusters ({ $reason }); only these { $n } regions do: { $regions }. Alternative: join over the public network
region-fix-vpc-regions = or run the cluster in one of the VPC regions: { $regions }
region-both-accepted = { $region } accepts both VPC-type and public-network clusters (network type not known: { $reason })
region-vpc-not-here = a VPC-type cluster cannot join { $region }; a public-network one can (network type not known: { $reason }). VPC regions: { $regions }
region-fix-network-flag = pass --network vpc|public, or --apiserver so the type can be inferred
region-fix-public-alternative = join as a public-network cluster instead: make the API server reachable on a public address that admits { $region }'s public pool ({ $ips }), and run with --network public
region-none-listed = none listed

## region.network-type

region-no-address = no API server address known ({ $why })
region-no-address-hint = pass --apiserver https://HOST:PORT or a kubeconfig
region-loopback = the API server address { $addresses } is loopback: fine for probing from this host, but the security center can never connect to it
region-fix-loopback = give the address the security center will connect to: --apiserver https://NODE-OR-LB-ADDRESS:6443
region-private-via-forwarder = the API server address { $addresses } is private; with --network public the security center reaches it through the forwarder { $forwarder }
region-private-but-public = the API server address { $addresses } is private, but the network type is public: the security center connects from its public pool over the Internet and cannot reach a private address
region-fix-expose-public = expose the API server on a public address (EIP or SLB) that admits the region's public pool
region-fix-join-vpc = or join as a VPC-type cluster (--network vpc) in a region that accepts them
region-fix-forwarder = or, for a hybrid cloud, forward a port of a public ECS host to the API server and check it with --forwarder HOST:PORT
region-public-address = the API server has a public address ({ $addresses }): reachable over the public network
region-vpc-but-public = the network type is vpc but the API server address { $addresses } is public: a VPC-type join connects from the region's private pool, which needs a private address in the VPC
region-fix-private-address = give the API server's private (VPC) address with --apiserver, or use --network public
region-vpc-fits = the API server address { $addresses } is private: fits a VPC-type cluster ({ $reason })
region-network-unknown = network type unknown: { $reason }

## region.cidr-conflict

region-no-plan = no service or pod CIDR or node address found in the control-plane manifests under { $dir } (not a kubeadm control-plane node? pass --root with a copy of one)
region-cidr-clear = { $ranges } clear of { $region }'s private pool { $pool }
region-cidr-range = { $role } { $range }
region-cidr-overlap = { $role } { $range } ({ $source }) overlaps the private pool { $pool }
region-cidr-conflicts = { $overlaps }: replies to the security center's private addresses would be routed into the cluster network
region-fix-route-get = check where replies go: { $command }
region-fix-replan = re-plan the overlapping range (pod and service CIDRs are chosen when the cluster is created), or join over the public network (--network public) so the private pool is not used
plan-role-service = service CIDR
plan-role-pod = pod CIDR
plan-role-node = node address
