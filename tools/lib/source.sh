# SPDX-License-Identifier: GPL-2.0
# linux_source_dir [SERIES]: print the path of an extracted Debian
# linux-source-SERIES tree (default 6.12) under /var/cache/minikvm,
# extracting the package's tarball once.  Used for checkpatch.pl, the
# kselftest harness, the debug kernel and the upstream KVM selftests.

linux_source_dir() {
	local series=${1:-6.12} cache=${MINIKVM_CACHE:-/var/cache/minikvm}
	local tarball=/usr/src/linux-source-$series.tar.xz dir
	dir=$cache/linux-source-$series
	[ -f "$tarball" ] || { echo "linux_source_dir: $tarball missing (tools/deps)" >&2; return 1; }
	if [ ! -f "$dir/.extracted" ] || [ "$tarball" -nt "$dir/.extracted" ]; then
		rm -rf "$dir" && mkdir -p "$cache" &&
			tar -C "$cache" -xf "$tarball" && touch "$dir/.extracted" || return 1
	fi
	echo "$dir"
}
