#!/usr/bin/env bash
# The project's one test command: what the README tells you to run and what CI (.ci/run) runs.
#
# 1. Installs the system packages the kernel-oracle tests drive (when root and missing).
# 2. cargo fmt --check, clippy on all targets with warnings as errors, cargo test --locked.
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

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
# The fuzz targets are their own crate (cargo-fuzz layout); make sure they keep compiling.
cargo check --locked --manifest-path fuzz/Cargo.toml --target-dir target/fuzz-check
