# API 服务器检查：从本机验证云安全中心连接 API 服务器要经过的每一步。

## 检查说明

check-apiserver-endpoint = API 服务器端点
    .summary = 探测哪个 API 服务器地址、该地址从何而来：`--apiserver`，或 kubeconfig（文件、上下文、集群，以及文件是如何找到的：`--kubeconfig`、`$KUBECONFIG`、`~/.kube/config`、`<root>/etc/kubernetes/admin.conf`）；CA / `tls-server-name` / insecure 设置；代理会列出但不使用；跳过时说明查找过哪些位置
    .explain = 列出其他检查所探测的 API 服务器地址及其来源：--apiserver；否则为 kubectl 1.32 解析出的 kubeconfig（--kubeconfig；否则 $KUBECONFIG，只读其中的文件，按顺序合并，忽略不存在的文件；否则 ~/.kube/config；本工具最后还会尝试 <root>/etc/kubernetes/admin.conf）及其 --context 或 current-context。探测使用 TLS 连接 kubectl 所连的主机、端口和路径；server 不带 https://（此时 kubectl 以明文 http:// 连接）或带有路径（API 服务器前面有代理，例如 Rancher）时警告。kubectl 拒绝的 kubeconfig（类型错误、同时给出 CA 数据和 CA 文件、CA 与 insecure-skip-tls-verify 同时设置、上下文不存在、server 不是 URL）会失败，并给出 kubectl 的原因、文件和行号；kubectl 会以明文 http:// 连接，或连接其默认的 http://localhost:8080（没有 server、没有上下文）时也失败。CA、tls-server-name 和 insecure-skip-tls-verify 决定如何验证证书；proxy-url 或 $HTTPS_PROXY 会列出但不使用，因为云安全中心直接连接。没有任何 kubeconfig 时跳过，并说明查找过哪些位置。修复：修正 kubeconfig，直到 `kubectl version` 能连上；或用 --apiserver https://HOST:PORT 传入云安全中心将使用的地址。

check-apiserver-dns = API 服务器域名可解析
    .summary = 通过系统的 DNS（或 `--dns-server IP:PORT`）解析 A 和 AAAA 记录并计时；NXDOMAIN、无记录、服务器错误和无应答分别报告；操作系统解析器结果不同时警告；IP 地址直接跳过
    .explain = 用 DNS 存根解析器（系统配置的服务器，或 --dns-server）并行解析 API 服务器主机名的 A 和 AAAA 记录并计时；同时询问操作系统解析器，结果不同时报告。NXDOMAIN、服务器错误和无应答会区分开。IP 地址直接跳过。公网 DNS 中无法解析的名称，云安全中心也无法解析。修复：在 DNS 中发布该名称，或在接入配置中使用 IP 地址。

check-apiserver-tcp = 到每个地址的 TCP 连接
    .summary = 同时向每个解析出的地址发起 TCP 连接：全部连通则通过，部分连通则警告，全部不通则失败；区分连接被拒绝、超时和不可达，并分别给出修复方法
    .explain = 同时连接每个解析出的地址上的 API 服务器端口（因此无应答的地址总共只花一次 --timeout，而不是每个一次），并区分失败原因：连接被拒绝（没有进程监听，或有 REJECT 规则）、超时（防火墙丢弃了 SYN，或主机已关机）、不可达（没有路由，或收到 ICMP 错误）。只有部分地址应答时警告：选中失效地址的客户端会连接失败。修复：启动 API 服务器，或在路径上的每道防火墙放行该端口；从 DNS 中删除失效的地址。

check-apiserver-tls = TLS 握手与证书
    .summary = 握手：记录协议、加密套件和证书链（主题、签发者、SAN、到期时间、SHA-256），验证失败时也记录；名称不符、证书过期或尚未生效、CA 不受信任（kubeconfig 有 CA 时只信任该 CA，否则信任系统根证书）时失败；30 天内到期，或 `insecure-skip-tls-verify` 掩盖了验证失败时警告
    .explain = 执行 TLS 握手，记录协议、加密套件和服务器出示的证书链（主题、签发者、SAN、有效期、SHA-256 指纹），验证失败时也记录。信任规则与 kubectl 相同（Go 的 crypto/x509）：证书必须链到 kubeconfig 的 CA（给出 CA 时只信任该 CA，否则信任系统根证书），或者就是该证书本身（例如作为 kubeconfig 的 certificate-authority 列出的自签名服务器证书）；必须覆盖所连接的名称或 IP（或 tls-server-name），允许 serverAuth，且当前有效，其 CA 也须有效：已过期或尚未生效时失败，30 天内到期时警告。insecure-skip-tls-verify 会把失败变为警告。修复：续期证书（`kubeadm certs renew apiserver`），把地址加入证书的 SAN（kubeadm 的 apiServer.certSANs），或在 kubeconfig 中给出集群的 CA。

check-apiserver-health = API 服务器响应 /readyz
    .summary = 匿名 `GET /readyz`（不支持时改用 `/healthz`）：200 通过；401/403 视为“匿名访问已禁用，服务器可达”而通过；5xx 失败并给出响应体
    .explain = 通过经过验证的 TLS 连接匿名发送 GET /readyz（服务器不支持时改用 /healthz），并分别计时处理和传输。200 ok 通过；401/403 也通过：匿名访问已禁用，但服务器可达且在应答；5xx 失败并给出响应体，其中会指出失败的组件。从不发送任何凭据。修复：对于 5xx，查看响应体中失败的检查项（`kubectl get --raw='/readyz?verbose'`）和 kube-apiserver 日志。

check-apiserver-version = Kubernetes 版本
    .summary = 匿名 `GET /version`：gitVersion、major/minor（供 `audit.k8s-version` 使用）；401/403 时跳过（请用 `--k8s-version`）
    .explain = 通过经过验证的 TLS 连接匿名发送 GET /version，读取 gitVersion、major 和 minor。审计日志威胁检测需要 Kubernetes 1.16 或更高版本。匿名访问被禁用（401/403）时跳过：此时版本未知，请用 --k8s-version 给出。修复：把集群升级到 1.16 或更高版本以使用审计检测。

check-apiserver-icmp = Ping 往返时间
    .summary = ping 往返时间；回显被过滤时警告（ICMP 常被过滤）；缺少权限时跳过并指出缺少哪一项（CAP_NET_RAW 或 `net.ipv4.ping_group_range`），指定 `--no-icmp` 时也跳过
    .explain = 对每个 API 服务器地址发送 ping（3 个回显请求，间隔 100 ms）并报告往返时间。仅警告：ICMP 常被过滤，云安全中心也不需要它。先尝试非特权 ICMP 套接字，再尝试原始套接字；两者都无法打开时跳过，并指出缺少的权限（net.ipv4.ping_group_range 范围内的组，或 CAP_NET_RAW）；指定 --no-icmp 时也跳过。

## 端点的来源（src/endpoint.rs、src/kubeconfig.rs）

apiserver-source-kubeconfig = { $file } 中的上下文 { $context }（{ $via }）
apiserver-trust-kubeconfig-ca = kubeconfig 的 CA（{ $origin }）
apiserver-trust-system = 系统的 CA 证书
apiserver-ca-data-of = { $file } 中集群 { $cluster } 的 certificate-authority-data
apiserver-looked-missing = { $path } 不存在
apiserver-looked-env-only = 已设置 $KUBECONFIG，kubectl 只读取其中的文件（不读 ~/.kube/config，也不读 admin.conf）
apiserver-looked-no-home = 未设置 $HOME，因此没有 ~/.kube/config
apiserver-kubectl-refuses = kubectl 拒绝该 kubeconfig：{ $reason }
apiserver-no-context = 没有 current-context，也没有 --context
apiserver-context-cluster-undefined = 上下文 { $context } 指向集群 { $cluster }，但没有任何 kubeconfig 定义该集群
apiserver-cluster-no-server = 集群 { $cluster } 没有 server
apiserver-default-server = { $why }：kubectl 会连接其默认地址 { $dials }，这不是云安全中心要连接的 API 服务器
apiserver-plain-http-server = server 为 { $dials }：kubectl 以明文 HTTP 连接它，但云安全中心通过 TLS 连接；请写 API 服务器的 https:// 地址
apiserver-target-scheme = 协议 { $scheme } 既不是 https 也不是 http：kubectl 会报错 "unsupported protocol scheme"
apiserver-target-port = 端口 { $port } 不是有效端口号（1-65535）：kubectl 无法连接
apiserver-target-ipv6 = { $written } 被解析为主机 { $host } 和端口 { $port }：IPv6 地址需要加方括号（[…]）
apiserver-target-name = { $name } { $why }
apiserver-name-not-a-host-name = 不是主机名
apiserver-name-invalid = 不是有效的主机名
apiserver-note-scheme-defaulted = server 没有 https://，kubectl 以明文连接 { $dials }（client-go 会给没有协议的 server 加上 http://）；探测与云安全中心一样，在该地址上使用 TLS
apiserver-note-proxy-path = 主机后的路径 { $path } 表示 API 服务器前面有代理（Rancher 等）；云安全中心不经过该代理：请让 --apiserver 指向 API 服务器本身
apiserver-note-paths-in-root = 该 kubeconfig 属于 --root 下复制的节点，其中的文件路径在该目录下读取

## --apiserver 与 --forwarder（用法错误，退出码 2）

apiserver-server-empty = API 服务器地址为空；应为 https://host:port 或 host:port
apiserver-server-scheme = { $text } 中的协议 { $scheme }：云安全中心通过 HTTPS 连接 API 服务器；应为 https://host:port
apiserver-server-user-info = { $text } 包含用户信息（显示为 ***）；请只给出地址
apiserver-server-unclosed-bracket = { $text } 中的 '[' 没有闭合
apiserver-server-not-ipv6 = { $text } 中的 { $value } 不是 IPv6 地址
apiserver-server-after-bracket = { $text } 中 ']' 之后出现了意外的 { $after }
apiserver-server-bad-name = { $text } 中的 { $name } { $why }
apiserver-server-bad-port = { $text } 中的端口 { $port } 不是有效端口号（1-65535）

## kubectl 无法读取的 kubeconfig（输入错误，退出码 2）

apiserver-kubeconfig-invalid = 不是有效的 kubeconfig：{ $message }
apiserver-kubeconfig-invalid-field = 不是有效的 kubeconfig：字段 { $key }：{ $message }
apiserver-kubeconfig-not-config = 不是 kubeconfig：kubectl 拒绝该文件（版本 { $version } 下没有注册 kind { $kind }）；应为 apiVersion: v1、kind: Config
apiserver-kubeconfig-ca-data-not-base64 = 字段 certificate-authority-data 不是 base64 编码：kubectl 拒绝该文件（"illegal base64 data"）
apiserver-kubeconfig-duplicate-name = { $list }：同一文件中名称 { $name } 重复：kubectl 拒绝该文件

## apiserver.endpoint

apiserver-fix-kubeconfig = 修正 kubeconfig，直到 `{ $command }` 能用它连上（它会打印同样的原因）
apiserver-fix-or-flag = 或用 --apiserver https://HOST:PORT 传入云安全中心将要连接的地址
apiserver-no-endpoint-looked = 没有 API 服务器端点：未指定 --apiserver，也没有 kubeconfig（{ $looked }）
apiserver-input-endpoint = --apiserver https://HOST:PORT，或 --kubeconfig PATH
apiserver-fix-flag = 用 --apiserver https://HOST:PORT 传入云安全中心将要连接的地址
apiserver-fix-kubeconfig-flag = 或传入 --kubeconfig PATH（kubeadm 会在 Master 节点上生成 /etc/kubernetes/admin.conf）
apiserver-note-tls-server-name = 按 tls-server-name { $name } 验证证书
apiserver-note-proxy-unused = 未使用 { $source } { $url }：云安全中心直接连接，这些探测也一样
apiserver-endpoint = { $url }（来自 { $source }）
apiserver-fix-not-the-proxy = 用 --apiserver https://HOST:PORT 传入 API 服务器自身的地址（而不是代理的地址）
apiserver-fix-https-server = 把 kubeconfig 的 server 写为 { $url }

## 需要端点的检查

apiserver-no-endpoint = 没有 API 服务器端点
apiserver-no-tcp = 没有地址接受 TCP 连接

## apiserver.dns

apiserver-dns-ip-literal = { $ip } 是 IP 地址：无需解析
apiserver-dns-resolved = { $name } → { $addresses }（经 { $server }，{ $ms } ms）
apiserver-dns-os-overrides = 但本机操作系统解析器给出的是 { $addresses }：/etc/hosts 或本地解析器覆盖了 DNS，本机看到的与云安全中心看到的不同
apiserver-fix-dns-override = 比较 `{ $getent }` 与 `{ $dig }` 的结果，并删除本地覆盖
apiserver-dns-os-answers = 操作系统解析器给出 { $addresses }
apiserver-dns-os-failed = 操作系统解析器失败：{ $why }
apiserver-dns-only-local = DNS（{ $server }）中没有 { $name } 的地址（A：{ $a }；AAAA：{ $aaaa }），但本机操作系统解析器给出 { $addresses }：这是云安全中心看不到的本地覆盖
apiserver-fix-publish-public = 在公网 DNS 中发布 { $name }，或使用 API 服务器的 IP 地址
apiserver-dns-nxdomain = { $name } 不存在：{ $server } 返回 NXDOMAIN（{ $ms } ms）
apiserver-fix-publish = 在 DNS 中发布 { $name }、修正拼写错误，或使用 API 服务器的 IP 地址
apiserver-dns-no-records = { $name } 存在，但 { $server } 上没有它的 A 或 AAAA 记录
apiserver-fix-add-record = 为 { $name } 添加 A（或 AAAA）记录
apiserver-dns-no-answer = { $timeout } 内 { $server } 未应答 { $name }：DNS 服务器已停止或不可达
apiserver-fix-dns-answers = 检查 DNS 服务器是否应答（`{ $command }`），以及到它的 UDP/TCP 53 端口是否放行
apiserver-dns-failed = 经 { $server } 无法解析 { $name }：{ $why }
apiserver-fix-dns-config = 检查 DNS 服务器和 /etc/resolv.conf，或传入 --dns-server IP:PORT

## apiserver.tcp

apiserver-dns-did-not-run = apiserver.dns 未运行
apiserver-tcp-no-address = 没有可连接的地址（{ $why }）
apiserver-input-address = 用 --apiserver 给出 API 服务器的 IP 地址，或可以解析的主机名
apiserver-tcp-time = { $addr }（{ $ms } ms）
apiserver-tcp-connected = 已连接 { $times }
apiserver-tcp-none = 端口 { $port } 上没有地址接受 TCP 连接：{ $failed }
apiserver-tcp-some = { $total } 个地址中有 { $ok } 个接受 TCP 连接；失败的：{ $failed }
apiserver-fix-tcp-refused = { $addr } 拒绝连接：确认 kube-apiserver 在该主机的端口 { $port } 上监听（`{ $command }`），且没有防火墙 REJECT 该端口
apiserver-fix-tcp-timed-out = { $addr } 超时：有防火墙（主机防火墙、安全组、网络 ACL）丢弃了 SYN，或主机已关机；请放行 tcp/{ $port }
apiserver-fix-tcp-unreachable = 从本机无法到达 { $addr }：检查路由（`{ $command }`）
apiserver-fix-tcp-other = { $addr }：{ $error }（操作系统报告的错误）

## apiserver.tls

apiserver-tls-handshake-failed = 与 { $addr } 的 TLS 握手失败：{ $reason }
apiserver-tls-insecure = { $summary }；证书未经验证（insecure-skip-tls-verify），若按 { $trusted } 验证将会失败：{ $reason }
apiserver-fix-set-ca = 在 kubeconfig 中设置 certificate-authority-data，而不是 insecure-skip-tls-verify
apiserver-tls-rejected = { $addr } 的证书被拒绝（{ $kind }）：{ $reason }；信任的是：{ $trusted }
apiserver-tls-expires-soon = { $summary }；证书对 { $name } 有效，但将在 { $days } 天后到期（{ $expiry }）
apiserver-tls-valid = { $summary }；证书对 { $name } 有效，已按 { $trusted } 验证，到期时间 { $expiry }（还有 { $days } 天）
apiserver-fix-tls-wrong-name = 把 { $name } 加入 API 服务器证书的 SAN（kubeadm：在 ClusterConfiguration 中设置 apiServer.certSANs，把旧的 apiserver.crt/key 移走后运行 `{ $command }`），或使用证书已覆盖的名称连接
apiserver-fix-tls-expired = 续期证书：运行 `{ $renew }` 并重启 kube-apiserver；`{ $list }` 会列出其他证书
apiserver-fix-tls-clock = 检查本机和 API 服务器主机的时钟（`{ $command }`、chrony/ntpd）
apiserver-fix-tls-ca-expired = 集群 CA 已过期：请续期（kubeadm：`{ $command }` 不会续期 CA；请按 Kubernetes 文档中手动轮换 CA 的步骤轮换），并在 kubeconfig 中使用新的 CA
apiserver-fix-tls-pinned = kubeconfig 固定了一个服务器证书；把 { $name } 现在出示的证书（或签发它的 CA）写入 certificate-authority(-data)：`{ $command }` 可以打印它
apiserver-fix-tls-reissue = 重新签发服务器证书（kubeadm：把 apiserver.crt/key 移走后运行 `{ $command }`），使 kubectl 接受它
apiserver-fix-tls-cluster-ca = 按集群的 CA 验证：传入 --kubeconfig，其 certificate-authority(-data) 为集群 CA（kubeadm 集群上为 /etc/kubernetes/pki/ca.crt）

## apiserver.health 与 apiserver.version

apiserver-connect-failed = { $addr }：{ $why }
apiserver-tls-with = 与 { $addr } 的 TLS 连接：{ $reason }
apiserver-no-verified-connection = 无法建立经过验证的连接：{ $why }
apiserver-timing = 处理 { $processing } ms，传输 { $transfer } ms
apiserver-no-request = 未发送任何请求
apiserver-health-ok = { $path }：ok（{ $timing }）
apiserver-health-200 = { $path }：200，{ $body }（{ $timing }）
apiserver-health-anonymous-off = { $path } 返回 { $status }：匿名访问已禁用，服务器可达（{ $timing }）
apiserver-health-server-error = { $path } 返回 { $status }：{ $body }
apiserver-fix-readyz-verbose = `{ $command }` 会指出失败的组件；查看 kube-apiserver 日志（`{ $logs }` / `{ $journal }`）
apiserver-health-not-kubernetes = { $path } 返回 { $status }（{ $body }）：这看起来不是 Kubernetes API 服务器
apiserver-fix-not-another-service = 确认该端点是 API 服务器，而不是代理或其他服务
apiserver-version-anonymous-off = /version 返回 { $status }：匿名访问已禁用，版本未知；请传入 --k8s-version
apiserver-version-status = /version 返回 { $status }：{ $body }
apiserver-version-not-a-document = /version 返回的不是 Kubernetes 版本信息（{ $body }）
apiserver-version-too-old-for-audit = { $git }（major { $major }，minor { $minor }）：审计日志检测需要 Kubernetes 1.16 或更高版本（{ $timing }）
apiserver-fix-upgrade = 将集群升级到 Kubernetes 1.16 或更高版本，以使用审计日志威胁检测
apiserver-version-old = { $git }（major { $major }，minor { $minor }；低于 1.16：无法使用审计日志检测）（{ $timing }）
apiserver-version = { $git }（major { $major }，minor { $minor }）（{ $timing }）

## apiserver.icmp

apiserver-icmp-disabled = 已指定 --no-icmp
apiserver-icmp-no-address = API 服务器地址未知
apiserver-icmp-failed = 无法执行 ping：{ $why }
apiserver-icmp-rtt = { $address } 往返时间 最小/平均/最大 { $min }/{ $avg }/{ $max } ms（收到 { $received }/{ $sent } 个回复）
apiserver-icmp-silent = { $timeout } 内没有收到 { $addresses } 的回显应答（ICMP 常被过滤；仅此一项不会妨碍云安全中心连接）

## 探测结果（src/probe），forwarder.reach 也使用

probe-tcp-refused = 连接被拒绝
probe-tcp-timed-out = 超时
probe-tcp-unreachable = 不可达（{ $why }）
probe-tcp-no-route = 没有到该主机的路由
probe-tcp-network-unreachable = 网络不可达
probe-tcp-no-local-address = 本机没有能到达它的地址
probe-tcp-attempt-failed = { $addr }：{ $why }
probe-tcp-second-connect = { $addr }：第二次连接时{ $why }

probe-dns-nxdomain = NXDOMAIN（该名称不存在）
probe-dns-no-data = 没有该类型的记录
probe-dns-server-error = 服务器返回 { $code }
probe-dns-timed-out = 无应答（超时）
probe-dns-unreachable = DNS 服务器不可达（{ $why }）
probe-dns-port-refused = 连接被拒绝：该端口上没有 DNS 服务
probe-dns-no-connection = 无法与 DNS 服务器建立连接
probe-dns-system-conf = 无法读取系统的 DNS 配置：{ $error }
probe-dns-setup = 无法初始化解析器：{ $error }
probe-dns-no-nameserver = 未配置 nameserver
probe-dns-system-servers = 系统的 DNS 服务器
probe-dns-nss-not-asked = 未查询：/etc/nsswitch.conf 的 hosts 行包含 { $services }，这个静态链接的版本会从主机的 glibc 库加载它们，可能导致崩溃（请手动比较 `{ $command }` 的结果）
probe-dns-system-timed-out = 超时

probe-http-request = 无法构造请求：{ $error }
probe-http-not-ready = 连接未能及时就绪
probe-http-closed = 连接已关闭：{ $error }
probe-http-no-response-within = { $timeout } 内无响应
probe-http-no-response = 无响应：{ $error }
probe-http-body-broke-off = 响应体中断：{ $error }
probe-http-body-not-within = { $timeout } 内未收到响应体
probe-http-start = 无法启动 HTTP/1.1：{ $error }
probe-body-empty = 空响应体
probe-body-other = { $bytes } 字节的响应体（不显示）

probe-tls-bad-server-name = { $name } 不是有效的 TLS 服务器名称
probe-tls-timeout = { $timeout } 内未完成 TLS 握手：该端口接受 TCP 连接，但不使用 TLS（明文 HTTP 端口、代理，或服务器在应答前卡住）
probe-tls-no-certificate = 服务器没有出示证书
probe-tls-verification-failed = 证书验证失败
probe-tls-not-tls = 服务器没有以 TLS 应答（{ $error }）：是明文 HTTP 端口或其他协议？
probe-tls-alert = 服务器以告警 { $alert } 结束了握手
probe-tls-closed = 服务器在 TLS 握手期间关闭了连接（不是 TLS 服务器，或拒绝了 ClientHello）
probe-tls-no-sans = 无
probe-tls-wrong-name = 证书对 { $name } 无效：其 SAN 为 { $sans }
probe-tls-expired = 证书已于 { $date } 过期
probe-tls-not-yet-valid = 证书尚未生效：生效时间为 { $date }（本机时钟是否正确？）
probe-tls-ca-expired = 签发该证书链的 CA 证书 { $subject } 已于 { $date } 过期
probe-tls-ca-not-yet-valid = 签发该证书链的 CA 证书 { $subject } 在 { $date } 之前无效（本机时钟是否正确？）
probe-tls-not-the-trusted-certificate = 服务器的证书不是 kubeconfig 信任的那一个：kubeconfig 信任 { $trusted }，服务器出示的是 { $subject }（SHA-256 { $sha256 }…）
probe-tls-self-signed = 证书是自签名的（{ $subject }），且不在受信任的证书中
probe-tls-bad-signature = 证书的签发者为 { $issuer }，但同名的受信任 CA 没有签发它（{ $ca }：{ $why }）：是另一个同名的 CA？
probe-tls-unknown-ca = 证书由 { $issuer } 签发，它不是受信任的 CA
probe-tls-wrong-usage = { $subject } 列出的扩展密钥用法中没有 serverAuth：不能用于 TLS 服务器
probe-tls-not-a-ca = 中间证书 { $subject } 不是 CA 证书，不能签发服务器证书
probe-tls-path-length = { $subject } 允许其下的中间 CA 数量少于证书链中的数量（路径长度限制）
probe-tls-insecure-signature = { $subject } 使用 SHA-1 或 MD5 签名，kubectl（Go）已不再接受：请用 SHA-256 重新签发
probe-tls-unhandled-extension = { $subject } 有一个 kubectl（Go）不认识的关键扩展 { $oid }，因此拒绝该证书
probe-tls-unparsable = 无法将服务器的证书解析为 X.509
probe-tls-signer-not-ca = 它不是 CA 证书
probe-tls-signer-no-cert-sign = 它的密钥用法不允许签发证书
probe-tls-signer-wrong-key = 证书不是由它的密钥签发的
probe-tls-empty-ca = kubeconfig 的 CA 中没有可用的证书
probe-tls-no-system-roots = 本机没有可用于验证的系统 CA 证书
probe-tls-roots-unreadable = 无法读取任何受信任的证书

probe-icmp-no-privilege = 没有发送 ICMP 的权限：非特权 ping 套接字要求进程的组 ID 在 net.ipv4.ping_group_range 范围内（当前为 { $range }；本进程的组：{ $groups }），原始套接字需要 CAP_NET_RAW（{ $raw }）。请以 root 运行，用 `{ $setcap }` 授权，或扩大范围：`{ $sysctl }`
probe-icmp-unreadable = 无法读取
probe-icmp-unknown = 未知
probe-icmp-raw-present = 已具备，但仍被拒绝
probe-icmp-raw-missing = 缺少
probe-icmp-socket = 无法打开 ICMP 套接字：{ $error }
