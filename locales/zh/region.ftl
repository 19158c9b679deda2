# 地域检查：地域存在、接受该网络类型、API 服务器地址与之相符。

## 检查说明

check-region-known = 地域有效
    .summary = `--region` 可在地域表中找到（未指定地域时失败）
    .explain = 检查 --region 是否为云安全中心地域表中的地域（可用地域 ID、中文名或英文名）。地域决定了由哪个地址池连接 API 服务器，因此所有防火墙判定都依赖于它。修复：用 `k8sjoin-check regions` 列出的名称传入 --region；若厂商新增了地域，用 --regions-file 传入更新后的地域表。

check-region-vpc-eligible = 该地域允许此网络类型
    .summary = 专有网络VPC类型的集群须接入 5 个支持 VPC 的地域之一，否则失败并列出这些地域和公网接入的替代方案；`auto` 且地址未知时：在这 5 个地域通过，其他地域警告
    .explain = 检查专有网络VPC类型的集群是否接入了支持 VPC 类型集群的五个地域之一（cn-hangzhou、cn-beijing、cn-shanghai、cn-shenzhen、cn-hongkong）；通过公网接入时所有地域均可。网络类型取自 --network，或由 API 服务器地址推断（私网地址 = vpc）。--network auto 且地址未知时，在这五个地域通过，其他地域警告。修复：改为公网接入（API 服务器可通过公网地址访问，并放行该地域的公网 IP），或选择这五个地域之一。

check-region-network-type = API 服务器地址与网络类型相符
    .summary = API 服务器地址与网络类型相符（`public` 下的私网地址需要转发机；环回地址警告）
    .explain = 检查 API 服务器地址是否与网络类型相符：私网地址（RFC 1918、100.64.0.0/10、环回、链路本地、fc00::/7）无法由云安全中心经公网访问，除非有一台具有公网地址的转发机中转；环回地址则根本无法访问。修复：给出云安全中心将使用的地址（--apiserver），将 API 服务器暴露到公网，在支持 VPC 的地域以专有网络VPC类型接入，或部署转发机（--forwarder）。

check-region-cidr-conflict = 集群网段与私网地址池不冲突
    .summary = 集群的 Service 网段、Pod 网段和节点地址（取自 `--root` 下的静态 Pod 清单）与该地域的私网地址池不重叠；重叠时警告，并指出两个网段和清单所在行；没有清单时跳过
    .explain = 将集群的 Service 网段（--service-cluster-ip-range）、Pod 网段（kube-controller-manager 的 --cluster-cidr）和节点地址（--advertise-address、etcd 通告的 URL，读自 --root 下的静态 Pod 清单）与该地域的私网地址池比较。云安全中心从该地址池发起连接；集群网段与之重叠时，本机会把回包路由进集群网络而不是回到云安全中心，连接因此挂起。重叠时警告，并指出两个网段。修复：重新规划重叠的网段（Pod 与 Service 网段在创建集群时设定），或改为公网接入。

## 网络类型的判定依据（也用于报告的目标行）

network-auto-no-address = --network auto，且 API 服务器地址未知
network-address-public = API 服务器地址 { $address } 是公网地址
network-address-private = API 服务器地址 { $address } 属于 { $range }

## region.known

region-none-given = 未指定 --region：地域决定了哪个地址池必须能访问 API 服务器（地域表中共 { $n } 个地域）
region-fix-give = 传入 --region ID，例如 --region cn-hangzhou；`k8sjoin-check regions` 列出所有地域
region-known = { $region }（{ $name }）：{ $public } 个公网地址，{ $private } 个私网网段
region-shared-private = { $cidr } 同时也是 { $other } 的私网地址池

## region.vpc-eligible

region-no-region = 未指定地域
region-public-anywhere = 公网接入的集群可接入任意地域，包括 { $region }（{ $reason }）
region-vpc-accepted = { $region } 接受专有网络VPC类型的集群（{ $reason }）
region-vpc-refused = { $region } 不接受专有网络VPC类型的集群（{ $reason }）；只有以下 { $n } 个地域接受：{ $regions }。替代方案：通过公网接入
region-fix-vpc-regions = 或将集群部署在支持 VPC 的地域之一：{ $regions }
region-both-accepted = { $region } 同时接受专有网络VPC类型和公网接入的集群（网络类型未知：{ $reason }）
region-vpc-not-here = 专有网络VPC类型的集群无法接入 { $region }，公网接入的集群可以（网络类型未知：{ $reason }）。支持 VPC 的地域：{ $regions }
region-fix-network-flag = 传入 --network vpc|public，或传入 --apiserver 以便推断网络类型
region-fix-public-alternative = 改为公网接入：让 API 服务器可通过放行了 { $region } 公网地址池（{ $ips }）的公网地址访问，并以 --network public 运行
region-none-listed = 未列出

## region.network-type

region-no-address = API 服务器地址未知（{ $why }）
region-no-address-hint = 请传入 --apiserver https://HOST:PORT 或 kubeconfig
region-loopback = API 服务器地址 { $addresses } 是环回地址：从本机探测可以，但云安全中心永远无法连接它
region-fix-loopback = 给出云安全中心将要连接的地址：--apiserver https://NODE-OR-LB-ADDRESS:6443
region-private-via-forwarder = API 服务器地址 { $addresses } 是私网地址；以 --network public 接入时，云安全中心经转发机 { $forwarder } 访问它
region-private-but-public = API 服务器地址 { $addresses } 是私网地址，但网络类型为公网：云安全中心从公网地址池经互联网连接，无法访问私网地址
region-fix-expose-public = 在放行了该地域公网地址池的公网地址（EIP 或 SLB）上暴露 API 服务器
region-fix-join-vpc = 或在接受 VPC 类型的地域以专有网络VPC类型接入（--network vpc）
region-fix-forwarder = 或者（混合云）在一台有公网地址的 ECS 上把一个端口转发到 API 服务器，并用 --forwarder HOST:PORT 检查
region-public-address = API 服务器有公网地址（{ $addresses }）：可通过公网访问
region-vpc-but-public = 网络类型为 vpc，但 API 服务器地址 { $addresses } 是公网地址：VPC 接入从该地域的私网地址池连接，需要专有网络VPC内的私网地址
region-fix-private-address = 用 --apiserver 给出 API 服务器的私网（VPC）地址，或改用 --network public
region-vpc-fits = API 服务器地址 { $addresses } 是私网地址：符合专有网络VPC类型的集群（{ $reason }）
region-network-unknown = 网络类型未知：{ $reason }

## region.cidr-conflict

region-no-plan = 在 { $dir } 下的控制平面清单中未找到 Service 网段、Pod 网段或节点地址（不是 kubeadm 控制平面节点？请用 --root 传入其副本）
region-cidr-clear = { $ranges } 与 { $region } 的私网地址池 { $pool } 不重叠
region-cidr-range = { $role } { $range }
region-cidr-overlap = { $role } { $range }（{ $source }）与私网地址池 { $pool } 重叠
region-cidr-conflicts = { $overlaps }：发往云安全中心私网地址的回包会被路由进集群网络
region-fix-route-get = 检查回包去向：{ $command }
region-fix-replan = 重新规划重叠的网段（Pod 与 Service 网段在创建集群时确定），或改为公网接入（--network public），不使用私网地址池
plan-role-service = Service 网段
plan-role-pod = Pod 网段
plan-role-node = 节点地址
