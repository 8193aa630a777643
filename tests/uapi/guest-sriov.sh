# shellcheck shell=sh
# Guest script: SR-IOV and the VF token (vfio_sriov_test). Two identical
# SR-IOV nvme PFs (each behind its own root port) and two edu: one of each
# bound to $DRIVER_A (default the in-tree vfio-pci), the other to $DRIVER_B
# (default vfio-pci-dkms); pci-pf-stub loaded. Every check is named sriov.<driver>.<check>, so
# the two drivers' answers sit side by side.
DRIVER_A=${DRIVER_A:-vfio-pci}
DRIVER_B=${DRIVER_B:-vfio-pci-dkms}
status=0

t() {
	vfio_sriov_test "$@" || status=1
}

# param DRIVER VALUE: the driver's enable_sriov module parameter
param() {
	echo "$2" >"/sys/module/$(echo "$1" | tr - _)/parameters/enable_sriov"
}

# vfs PF: the PF's VFs, in order
vfs() {
	for s_l in /sys/bus/pci/devices/"$1"/virtfn*; do
		[ -e "$s_l" ] || continue
		s_l=$(readlink "$s_l")
		echo "${s_l##*/}"
	done
}

# wait_bound BDF DRIVER: the VF probe runs asynchronously to sriov_numvfs
wait_bound() {
	s_w=50
	while [ "$(driver_of "$1")" != "$2" ] && [ $s_w -gt 0 ]; do
		sleep 0.1
		s_w=$((s_w - 1))
	done
	[ "$(driver_of "$1")" = "$2" ]
}

other() {
	if [ "$1" = "$DRIVER_A" ]; then echo "$DRIVER_B"; else echo "$DRIVER_A"; fi
}

pfs=
for s_b in $(pci_find 1b36 0010); do
	[ -e "/sys/bus/pci/devices/$s_b/sriov_totalvfs" ] && pfs="$pfs $s_b"
done
# shellcheck disable=SC2086 # one BDF per word
set -- $pfs
# shellcheck disable=SC2046
set -- "$@" $(pci_find 1234 11e8)
if [ $# -lt 4 ]; then
	fail sriov.setup "need two SR-IOV nvme PFs and two edu, found: $*"
	exit 1
fi
pf_a=$1 pf_b=$2 edu_a=$3 edu_b=$4
echo "# PF $pf_a: sriov_totalvfs $(cat "/sys/bus/pci/devices/$pf_a/sriov_totalvfs")"

# one_driver DRIVER PF EDU (guest-lib's helpers use n, b and drv: prefix ours)
one_driver() {
	s_drv=$1 s_pf=$2 s_edu=$3
	s_n=sriov.$s_drv
	check "$s_n.bind_pf" bind "$s_pf" "$s_drv"
	check "$s_n.bind_edu" bind "$s_edu" "$s_drv"

	param "$s_drv" 0
	t -n "$s_n.param_off" numvfs "$s_pf" 2 ENOENT
	param "$s_drv" 1
	# 5.10's in-tree driver lets the user put a PF with VFs into D3.
	s_d3=
	case $(uname -r) in
	5.10.*) [ "$s_drv" = vfio-pci ] && s_d3=-D ;;
	esac
	# shellcheck disable=SC2086 # zero or one option
	t -n "$s_n" $s_d3 token "$s_pf" "$s_drv" "$(other "$s_drv")"
	t -n "$s_n" plain "$s_edu"

	# VFs enabled with the PF closed: captured by driver_override.
	t -n "$s_n.closed" numvfs "$s_pf" 2 0
	# shellcheck disable=SC2046
	set -- $(vfs "$s_pf")
	if [ $# = 2 ]; then
		pass "$s_n.two_vfs"
	else
		fail "$s_n.two_vfs" "VFs: $*"
	fi
	for s_vf in "$@"; do
		s_o=$(cat "/sys/bus/pci/devices/$s_vf/driver_override")
		if [ "$s_o" = "$s_drv" ]; then
			pass "$s_n.vf_driver_override"
		else
			fail "$s_n.vf_driver_override" "$s_vf: '$s_o'"
		fi
		if wait_bound "$s_vf" "$s_drv"; then
			pass "$s_n.vf_bound"
		else
			fail "$s_n.vf_bound" "$s_vf bound to '$(driver_of "$s_vf")'"
		fi
	done
	s_vf=${1:-none}
	t -n "$s_n.enabled" numvfs "$s_pf" 1 EBUSY

	# Unbinding the PF takes its VFs away.
	unbind "$s_pf"
	if [ -z "$(vfs "$s_pf")" ] && [ ! -e "/sys/bus/pci/devices/$s_vf" ]; then
		pass "$s_n.unbind_pf_disables_vfs"
	else
		fail "$s_n.unbind_pf_disables_vfs" "VFs left: $(vfs "$s_pf")"
	fi

	# A PF whose VFs another driver enabled (pci-pf-stub leaves them on at
	# unbind) is refused: those VFs could be in use anywhere.
	check "$s_n.stub.bind_pf" bind "$s_pf" pci-pf-stub
	echo 0 >"/sys/bus/pci/devices/$s_pf/sriov_drivers_autoprobe"
	t -n "$s_n.stub" numvfs "$s_pf" 1 0
	unbind "$s_pf"
	if [ -n "$(vfs "$s_pf")" ]; then
		pass "$s_n.stub.vfs_left_enabled"
	else
		fail "$s_n.stub.vfs_left_enabled" "pci-pf-stub's unbind disabled the VFs"
	fi
	if bind "$s_pf" "$s_drv" 2>/dev/null; then
		fail "$s_n.refuses_pf_with_vfs" "bound to $s_drv"
	else
		pass "$s_n.refuses_pf_with_vfs"
	fi
	if dmesg | grep -qi "$s_pf: cannot bind to .*PF with SR-IOV enabled"; then
		pass "$s_n.refuses_pf_with_vfs_logged"
	else
		fail "$s_n.refuses_pf_with_vfs_logged" "no log line"
	fi
	check "$s_n.stub.rebind_pf" bind "$s_pf" pci-pf-stub
	t -n "$s_n.stub.off" numvfs "$s_pf" 0 0
	echo 1 >"/sys/bus/pci/devices/$s_pf/sriov_drivers_autoprobe"
	unbind "$s_pf"
	clear_override "$s_pf"
	param "$s_drv" 0
}

one_driver "$DRIVER_A" "$pf_a" "$edu_a"
one_driver "$DRIVER_B" "$pf_b" "$edu_b"
exit $status
