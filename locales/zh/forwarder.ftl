# 转发机检查：经 ECS 转发机的端口 A 建立的 TCP 和 TLS 连接必须到达 API 服务器本身，由证书证明。

## 检查说明

check-forwarder-reach = 经转发机访问 API 服务器
    .summary = 混合云：经 `--forwarder HOST:PORT` 建立 TCP + TLS 连接；转发机出示的是 API 服务器自己的叶子证书（SHA-256 相同）时通过；从本机无法直连 API 服务器时，证书对 API 服务器的名称有效即通过；未指定 `--forwarder` 时跳过
    .explain = 指定 --forwarder HOST:PORT（其端口 A 转发到 IDC 中 API 服务器的 ECS 主机）时，像云安全中心那样经它连接并执行 TLS 握手。只有转发机出示的叶子证书（SHA-256 指纹）与直连 API 服务器时相同才通过；从本机无法直连时，证书对 API 服务器的名称有效即通过。证书不同说明转发机转到了别处，或终结了 TLS。未指定 --forwarder 时跳过：只有混合云集群需要转发机。修复：在转发机上检查 DNAT / forward-port / portproxy 规则、ip_forward 和回程路径（在转发机上用 --forward A:HOST:PORT 运行本工具）。

## forwarder.reach

forwarder-not-given = 未指定 --forwarder；只有混合云集群需要转发机
forwarder-name-unresolved = 转发机的名称 { $name } 经 { $server } 无法解析：{ $why }
forwarder-no-tcp = 无法与转发机建立 TCP 连接：{ $failed }
forwarder-fix-port = 在转发机上检查端口 { $port } 是否对该地域的地址池放行并已转发（{ $firewalld }，{ $iptables }）
forwarder-tls-failed = 与转发机 { $addr } 的 TCP 连接正常，但经它的 TLS 握手失败：{ $reason }
forwarder-fix-pass-through = 转发机必须原样转发 TCP 流（DNAT / forward-port / portproxy），不能终结 TLS
forwarder-same-certificate = { $addr } 出示的是 API 服务器自己的证书（SHA-256 { $sha256 }…）：转发机可以到达 API 服务器
forwarder-different-certificate = { $addr } 出示的证书与 API 服务器的不同（{ $leaf } 与 { $direct }…）：转发机转到了别处，或终结了 TLS
forwarder-fix-point-rule-at = 让转发机的规则指向 API 服务器的地址和端口（{ $keys }）
forwarder-valid-without-direct = 从本机无法直连 API 服务器；经 { $addr } 得到的证书对 { $name } 有效（已按 { $trusted } 验证）
forwarder-invalid-without-direct = 从本机无法直连 API 服务器，且经 { $addr } 得到的证书对 API 服务器无效：{ $reason }
forwarder-fix-point-rule = 让转发机的规则指向 API 服务器的地址和端口
forwarder-cannot-compare = 经 { $addr } 的 TCP 和 TLS 连接正常，但不知道 API 服务器的地址，无法比较证书
forwarder-fix-give-apiserver = 传入 --apiserver 或 kubeconfig，以便将转发机的证书与 API 服务器的证书比较
