# 主机检查：厂商的接入步骤假定集群服务器上已安装的软件。

## 检查说明

check-host-container-runtime = 容器运行时
    .summary = 已安装 Docker（`--root` 下或 PATH 中有其套接字或可执行文件）：通过；只有 containerd/CRI-O：警告（厂商要求 Docker）；都没有：失败
    .explain = 查找 Docker（--root 下其套接字或 docker/dockerd 可执行文件，检查本机时还查找 PATH）。厂商的接入步骤把 Docker 列为前提条件（前提条件：已安装Docker），因此有 Docker 即通过；只有 containerd 或 CRI-O 的主机警告（接入可能成功，但超出了厂商声明的范围）；没有任何容器运行时则失败。修复：在集群节点上安装 Docker，或向厂商确认你的运行时受支持。

## host.container-runtime

host-kind-socket = 套接字
host-kind-binary = 可执行文件
host-sighting = { $kind } { $path }
host-sighting-of = { $runtime } { $kind } { $path }
host-docker-found = 已找到 Docker：{ $found }
host-no-docker = 没有 Docker，但有 { $found }：厂商的接入步骤要求 Docker（前提条件：已安装Docker）
host-fix-docker-or-confirm = 在集群节点上安装 Docker，或向阿里云技术支持确认该运行时受支持
host-no-runtime = 在 { $root } 下没有找到容器运行时（没有 Docker 或 containerd 的套接字或可执行文件）
host-fix-install-docker = 安装 Docker（厂商的前提条件），例如 { $url }
host-fix-root = 检查的是复制的节点？请用 --root 传入其根目录
