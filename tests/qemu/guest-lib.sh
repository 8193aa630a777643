#!/bin/sh
# Helpers for guest scripts run by run-guest (sourced before the script).
# shellcheck shell=sh
#
# Result protocol: one line per check, "PASS <name>" or "FAIL <name>: <detail>".

pass() { echo "PASS $1"; }
fail() {
	n=$1
	shift
	echo "FAIL $n: $*"
}

# check NAME CMD [ARG...]: run CMD; PASS when it succeeds, else FAIL with its
# output (last lines).
check() {
	n=$1
	shift
	if out=$("$@" 2>&1); then
		[ -z "$out" ] || echo "$out" | sed 's/^/  /'
		pass "$n"
	else
		fail "$n" "$(echo "$out" | tail -n 3 | tr '\n' ' ')(status $?)"
	fi
}

# pci_find VENDOR DEVICE: the BDFs of matching devices, in bus order.
pci_find() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = "0x$1" ] || continue
		[ "$(cat "$d/device")" = "0x$2" ] || continue
		echo "${d##*/}"
	done
}

# driver_of BDF: the bound driver's name, or nothing.
driver_of() {
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
	echo "${l##*/}"
}

# iommu_group BDF: the device's IOMMU group number.
iommu_group() {
	l=$(readlink "/sys/bus/pci/devices/$1/iommu_group") || return 1
	echo "${l##*/}"
}

# unbind BDF: detach the device from its driver, if any.
unbind() {
	[ -e "/sys/bus/pci/devices/$1/driver" ] || return 0
	echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
}

# bind BDF DRIVER: bind the device to DRIVER through driver_override
# (unbinding it from its current driver first). Fails unless DRIVER ends up
# bound. The override stays set; clear_override removes it.
bind() {
	b=$1
	drv=$2
	p=/sys/bus/pci/devices/$b
	[ -d "$p" ] || { echo "bind: no PCI device $b" >&2; return 1; }
	[ "$(driver_of "$b")" = "$drv" ] && return 0
	unbind "$b" || { echo "bind: cannot unbind $b from $(driver_of "$b")" >&2; return 1; }
	echo "$drv" >"$p/driver_override" || return 1
	echo "$b" >/sys/bus/pci/drivers_probe 2>/dev/null
	now=$(driver_of "$b")
	if [ "$now" != "$drv" ]; then
		echo "bind: $b is bound to '${now:-nothing}', not $drv" >&2
		return 1
	fi
	echo "bind: $b -> $drv (iommu group $(iommu_group "$b"))" >&2
}

# clear_override BDF
clear_override() {
	echo >"/sys/bus/pci/devices/$1/driver_override"
}

# wait_for PATH [SECONDS]: wait until PATH exists (default 10 s).
wait_for() {
	t=${2:-10}
	t=$((t * 10))
	while [ ! -e "$1" ]; do
		[ "$t" -gt 0 ] || return 1
		t=$((t - 1))
		sleep 0.1
	done
}

# module_file NAME: the guest path of a module run-guest loaded at boot
# (to reload it, e.g. with other parameters: rmmod NAME; insmod FILE PARAMS).
module_file() {
	n=$(echo "$1" | tr - _)
	for f in /lib/harness/mod/*-"$n".ko; do
		[ -e "$f" ] || return 1
		echo "$f"
		return 0
	done
}
