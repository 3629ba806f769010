#!/usr/bin/env bash
# Build bench/tests/live/why_live against the harness library and run it: boots IDE and
# virtio-blk guests under TCG and prints the traced "why" numbers (register accesses,
# kicks and interrupts per operation). Arguments are passed to why_live (see its header).
#   bench/tests/live/why_live.sh [--workloads randread_qd1,randread] [--keep-trace DIR]
set -eu
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root (scratch disks, registry)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "skipped: no qemu-system-x86_64"; exit 77; }
[ -r "$ROOT/build/guest/vmlinux" ] || make -C "$ROOT" image
make -C "$ROOT" --no-print-directory build/libpvbench.a
OUT=$(mktemp -d /var/tmp/pvbench-why.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
# Same warnings as the Makefile's host code.
cc -std=gnu11 -O2 -g -D_GNU_SOURCE -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wno-unused-parameter -Wvla -Wpointer-arith -Wno-format-truncation \
    -Werror -DPVB_DATADIR="\"$ROOT\"" $(pkg-config --cflags json-c) -I"$ROOT/common" $(printf -- "-I%s " "$ROOT"/bench/[a-z]*/) \
    -o "$OUT/why_live" "$ROOT/bench/tests/live/why_live.c" "$ROOT/build/libpvbench.a" \
    $(pkg-config --libs inih json-c libvirt libvirt-qemu libxml-2.0) -lm
export PVBENCH_STATE_DIR="$OUT/state"
mkdir -p "$OUT/logs"
"$OUT/why_live" --logs "$OUT/logs" "$@"
