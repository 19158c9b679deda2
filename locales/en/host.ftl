
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-host-container-runtime = Container runtime
    .summary = Docker installed (socket or binary under `--root`, or on PATH): pass; only containerd/CRI-O: warn (the vendor requires Docker); none: fail
    .explain = Looks for Docker (its socket or the docker/dockerd binary under --root, and on PATH on the live host). The vendor's procedure lists Docker as a prerequisite (前提条件: 已安装Docker), so Docker passes; a host with only containerd or CRI-O warns (the join may work, but it is outside what the vendor states); no runtime at all fails. Fix: install Docker on the cluster's nodes, or confirm with the vendor that your runtime is supported.

## host.container-runtime

host-kind-socket = socket
host-kind-binary = binary
host-sighting = { $kind } { $path }
host-sighting-of = { $runtime } { $kind } { $path }
host-docker-found = Docker found: { $found }
host-no-docker = no Docker, but { $found }: the vendor's procedure requires Docker (前提条件: 已安装Docker)
host-fix-docker-or-confirm = install Docker on the cluster's nodes, or confirm with Alibaba Cloud support that this runtime is supported
host-no-runtime = no container runtime found under { $root } (no Docker or containerd socket or binary)
host-fix-install-docker = install Docker (the vendor's prerequisite), e.g. { $url }
host-fix-root = checking a copied node? pass its root directory with --root
