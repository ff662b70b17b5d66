# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers: which Debian kernels are the targets.
#
# kernel_version 6.1|6.12  prints the newest installed matching version
# (e.g. 6.1.0-56-amd64, 6.12.117+deb12-amd64), or fails.

kernel_version() {
	local pat
	case $1 in
	6.1) pat='/boot/vmlinuz-6.1.0-*-amd64' ;;
	6.12) pat='/boot/vmlinuz-6.12.*+deb12-amd64' ;;
	*) echo "kernel_version: unknown series $1" >&2; return 1 ;;
	esac
	# shellcheck disable=SC2086
	ls -1 $pat 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V | tail -1 | grep . ||
		{ echo "kernel_version: no $1 kernel installed (tools/deps)" >&2; return 1; }
}
