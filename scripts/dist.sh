#!/usr/bin/env bash
# Builds the release artefact of DESIGN §8: dist/k8sjoin-check-<version>-x86_64-linux, statically
# linked against glibc (crt-static on the gnu target), stripped, and its .sha256 beside it
# (`sha256sum -c` format). Checks what it promises before it writes anything to dist/: no ELF
# interpreter, no shared library, under 15 MB, and the binary runs.
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
limit=15000000
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
name="k8sjoin-check-${version}-x86_64-linux"

# An explicit --target keeps the flag off build scripts and proc macros: those run on the build
# machine, and a proc macro is a shared library, which crt-static cannot make.
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
  cargo build --locked --profile dist --target "$target" --bin k8sjoin-check
built="target/$target/dist/k8sjoin-check"

fail() { echo "scripts/dist.sh: $built: $*" >&2; exit 1; }
headers=$(readelf --program-headers --wide "$built")
dynamic=$(readelf --dynamic --wide "$built")
! grep -q 'INTERP' <<<"$headers" || fail "has an ELF interpreter (not static)"
! grep -q '(NEEDED)' <<<"$dynamic" || fail "needs shared libraries: $(grep '(NEEDED)' <<<"$dynamic")"
size=$(stat -c %s "$built")
[ "$size" -lt "$limit" ] || fail "is $size bytes, over the 15 MB budget"
"$built" --version >/dev/null || fail "does not run"

mkdir -p dist
# One version at a time in dist/, so that the Containerfile's COPY pattern matches exactly one file.
find dist -maxdepth 1 -name 'k8sjoin-check-*-x86_64-linux*' ! -name "$name" ! -name "$name.sha256" -delete
cp "$built" "dist/$name.tmp" && mv "dist/$name.tmp" "dist/$name"
(cd dist && sha256sum "$name" >"$name.sha256")
echo "scripts/dist.sh: dist/$name ($size bytes, static, stripped)"
