#!/usr/bin/env bash
# The project's one test command: what the README tells you to run and what CI (.ci/run) runs.
#
# 1. Installs the system packages the kernel-oracle and distribution tests drive (when root and
#    missing), and kubernetes-validate (PyPI) into a venv under target/.
# 2. cargo fmt --check, clippy on all targets with warnings as errors.
# 3. scripts/dist.sh: the static binary, which tests/dist.rs and tests/fleet.rs use (they find the
#    build fresh; as its own step, its minutes of LTO show here and not inside a test).
# 4. cargo test --locked.
#
# Tests that need root or a system package skip with a printed reason on a laptop; under CI=true
# they must run, so a missing package or privilege fails them instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v ip >/dev/null 2>&1 || packages+=(iproute2)
command -v iptables-restore >/dev/null 2>&1 || packages+=(iptables)
command -v nft >/dev/null 2>&1 || packages+=(nftables)
command -v ipset >/dev/null 2>&1 || packages+=(ipset)
command -v sysctl >/dev/null 2>&1 || packages+=(procps)
command -v xmllint >/dev/null 2>&1 || packages+=(libxml2-utils)
command -v man >/dev/null 2>&1 || packages+=(man-db)
command -v script >/dev/null 2>&1 || packages+=(bsdutils)
command -v readelf >/dev/null 2>&1 || packages+=(binutils)
# podman needs runc here (Debian's crun refuses this kernel's hybrid cgroups) and catatonit for the
# infra container of `podman kube play` (a Recommends, which --no-install-recommends leaves out).
command -v podman >/dev/null 2>&1 || packages+=(podman)
command -v runc >/dev/null 2>&1 || packages+=(runc)
command -v catatonit >/dev/null 2>&1 || [ -x /usr/libexec/podman/catatonit ] || packages+=(catatonit)
command -v python3 >/dev/null 2>&1 || packages+=(python3 python3-venv)
# tests/tls_kubectl.rs makes certificates and serves them with the openssl command line.
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
# firewalld and ufw: their real tools build the test setups (firewall-offline-cmd, ufw in a network
# namespace), and the suite must pass on a host where they are installed (their files must not leak
# into the tests).
command -v firewall-offline-cmd >/dev/null 2>&1 || packages+=(firewalld)
command -v ufw >/dev/null 2>&1 || packages+=(ufw)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: installing ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Installing must not start a daemon (firewalld would take over this host's own firewall):
    # policy-rc.d tells the packages' scripts not to start services, for the install only.
    guard=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      guard=/usr/sbin/policy-rc.d
      printf '#!/bin/sh\nexit 101\n' > "$guard" && chmod +x "$guard"
      trap 'rm -f "$guard"' EXIT
    fi
    apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null ||
      { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null; }
    [ -z "$guard" ] || rm -f "$guard"
  else
    echo "scripts/test.sh: missing ${packages[*]} (not root): tests that need them will skip outside CI"
  fi
fi

# The strict schema check of the fleet manifests (tests/fleet.rs): kubernetes-validate bundles
# Kubernetes' JSON schemas and validates offline. A venv keeps the machine's Python as it is; only
# its one command goes on the PATH.
tools="$PWD/target/tools"
if ! "$tools/bin/kubernetes-validate" --version >/dev/null 2>&1; then
  echo "scripts/test.sh: installing kubernetes-validate into $tools"
  # --clear: a venv left by a tree that moved has scripts pointing at the old place.
  { python3 -m venv --clear "$tools/kubernetes-validate" &&
    "$tools/kubernetes-validate/bin/pip" install -q kubernetes-validate==1.37.0 &&
    mkdir -p "$tools/bin" &&
    ln -sf ../kubernetes-validate/bin/kubernetes-validate "$tools/bin/kubernetes-validate"; } ||
    echo "scripts/test.sh: cannot install kubernetes-validate: the schema test will skip outside CI"
fi
export PATH="$tools/bin:$PATH"

# A run of this script builds once: incremental caches would only take disk (1.9 GB of a clean
# run's 6.4 GB) and give nothing back.
export CARGO_INCREMENTAL=0

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
time scripts/dist.sh
cargo test --locked
# The fuzz targets are their own crate (cargo-fuzz layout); make sure they keep compiling.
cargo check --locked --manifest-path fuzz/Cargo.toml --target-dir target/fuzz-check
