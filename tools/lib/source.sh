# SPDX-License-Identifier: GPL-2.0
# linux_source_dir: print the path of an extracted Debian linux-source-6.12
# tree under /var/cache/minikvm (extracting the package's tarball once).
# Used for checkpatch.pl, the kselftest harness and the debug kernel.

linux_source_dir() {
	local cache=${MINIKVM_CACHE:-/var/cache/minikvm} tarball=/usr/src/linux-source-6.12.tar.xz
	local dir=$cache/linux-source-6.12
	[ -f "$tarball" ] || { echo "linux_source_dir: $tarball missing (tools/deps)" >&2; return 1; }
	if [ ! -f "$dir/.extracted" ] || [ "$tarball" -nt "$dir/.extracted" ]; then
		rm -rf "$dir" && mkdir -p "$cache" &&
			tar -C "$cache" -xf "$tarball" && touch "$dir/.extracted" || return 1
	fi
	echo "$dir"
}
