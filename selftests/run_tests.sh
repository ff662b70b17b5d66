#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh - run every selftest binary in out/ and report in kselftest TAP.
#
# Usage: selftests/run_tests.sh [-d DEVICE] [-t TEST]... [-T SECONDS]
#   -d DEVICE   device under test (sets MINIKVM_DEVICE; default: $MINIKVM_DEVICE or /dev/minikvm)
#   -t TEST     run only this binary of out/ (repeatable; default: all)
#   -T SECONDS  per-binary time limit (default: 900)
#
# Each binary is itself a kselftest harness program; its TAP is shown indented
# with "# " under one result line per binary. Exit status: 0 if every binary
# passed or skipped, 1 if any failed. The last line is "N passed, N failed,
# N skipped" (counting binaries).
set -uo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
outdir=$here/out
limit=900
tests=()

while getopts "d:t:T:h" opt; do
	case $opt in
	d) export MINIKVM_DEVICE=$OPTARG ;;
	t) tests+=("$OPTARG") ;;
	T) limit=$OPTARG ;;
	*) sed -n '4,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
	esac
done

if [ ${#tests[@]} -eq 0 ]; then
	for f in "$outdir"/*_test; do
		[ -x "$f" ] && tests+=("$(basename "$f")")
	done
fi
if [ ${#tests[@]} -eq 0 ]; then
	echo "run_tests.sh: no test binaries in $outdir (run make first)" >&2
	exit 1
fi

device=${MINIKVM_DEVICE:-/dev/minikvm}
echo "TAP version 13"
echo "1..${#tests[@]}"
echo "# device: $device"
pass=0 fail=0 skip=0 n=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	echo "# selftests: minikvm: $t"
	# The harness exits 0 when every case skipped; say SKIP plainly here.
	if [ ! -c "$device" ]; then
		echo "ok $n selftests: minikvm: $t # SKIP $device is not a character device"
		skip=$((skip + 1))
		continue
	fi
	if [ ! -x "$outdir/$t" ]; then
		echo "not ok $n selftests: minikvm: $t # no such binary"
		fail=$((fail + 1))
		continue
	fi
	timeout --foreground -k 10 "$limit" "$outdir/$t" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	case $rc in
	0) echo "ok $n selftests: minikvm: $t"; pass=$((pass + 1)) ;;
	4) echo "ok $n selftests: minikvm: $t # SKIP"; skip=$((skip + 1)) ;;
	124) echo "not ok $n selftests: minikvm: $t # TIMEOUT ${limit} seconds"; fail=$((fail + 1)) ;;
	*) echo "not ok $n selftests: minikvm: $t # exit=$rc"; fail=$((fail + 1)) ;;
	esac
done
echo "# Totals: pass:$pass fail:$fail skip:$skip"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
