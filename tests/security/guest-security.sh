# shellcheck shell=sh
# Guest script for run-guest (guest-test CASE security): the security
# property tests of vfio_sec_test on two edu and two e1000e, the first of
# each bound to $DRIVER_A (in-tree vfio-pci), the second to $DRIVER_B
# (vfio-pci-dkms), plus P1 (a bridge is never driven) on a pcie-pci-bridge
# and P4 (group viability) on the edu and virtio-net behind it. Check names: P<n>-<property>.<driver>.<what>. A check the
# in-tree driver fails prints "INTREE-FAILS ..." and fails nothing.
# Needs --bin vfio_sec_test.
DRIVER_A=${DRIVER_A:-vfio-pci}
DRIVER_B=${DRIVER_B:-vfio-pci-dkms}

status=0
opt() { [ "$1" = vfio-pci-dkms ] && echo -o; }

# P1: only type-0 functions are driven. The PCIe-to-PCI bridge has a type-1
# header and no driver of its own.
br=$(pci_find 1b36 000e | head -n 1)
if [ -z "$br" ]; then
	fail P1-type0-only.setup "no pcie-pci-bridge (1b36:000e)"
	status=1
else
	for drv in "$DRIVER_A" "$DRIVER_B"; do
		unbind "$br"
		echo "$drv" >"/sys/bus/pci/devices/$br/driver_override"
		echo "$br" >/sys/bus/pci/drivers_probe 2>/dev/null
		now=$(driver_of "$br")
		if [ -z "$now" ]; then
			pass "P1-type0-only.$drv.bridge_refused"
		elif [ "$drv" = vfio-pci-dkms ]; then
			fail "P1-type0-only.$drv.bridge_refused" "$br (type 1) bound to $now"
			status=1
		else
			echo "INTREE-FAILS P1-type0-only.$drv.bridge_refused: $br (type 1) bound to $now"
		fi
		unbind "$br"
		clear_override "$br"
	done
fi

# P4: group viability. Behind the bridge, one edu and one virtio-net share
# a group; with virtio-net on its kernel driver the group must be refused
# to either vfio driver, with virtio-net unbound it is usable.
child_at() {
	for c in /sys/bus/pci/devices/"$1"/0000:*:"$2"; do
		[ -e "$c" ] && echo "${c##*/}" && return 0
	done
}
if [ -n "$br" ]; then
	ve=$(child_at "$br" 01.0)
	vn=$(child_at "$br" 02.0)
fi
if [ -z "${ve:-}" ] || [ -z "${vn:-}" ]; then
	fail P4-group-viability.setup "need an edu (01.0) and a virtio-net (02.0) behind the bridge"
	status=1
else
	for drv in "$DRIVER_A" "$DRIVER_B"; do
		[ -n "$(driver_of "$vn")" ] || echo "$vn" >/sys/bus/pci/drivers/virtio-pci/bind
		if [ "$(driver_of "$vn")" != virtio-pci ]; then
			fail "P4-group-viability.$drv.setup" "$vn not on virtio-pci"
			status=1
			continue
		fi
		check "P4-group-viability.$drv.bind" bind "$ve" "$drv"
		# shellcheck disable=SC2046 # zero or one option
		vfio_sec_test -d "$drv" $(opt "$drv") viability "$ve" no || status=1
		unbind "$vn"
		# shellcheck disable=SC2046
		vfio_sec_test -d "$drv" $(opt "$drv") viability "$ve" yes || status=1
		unbind "$ve"
		clear_override "$ve"
	done
fi

for model in 1234:11e8:edu:props 8086:10d3:e1000e:msix; do
	vendor=${model%%:*}
	rest=${model#*:}
	device=${rest%%:*}
	rest=${rest#*:}
	name=${rest%%:*}
	test=${rest#*:}
	# shellcheck disable=SC2046 # one BDF per word; the root bus's
	set -- $(pci_find "$vendor" "$device" | grep '^0000:00:')
	if [ $# -lt 2 ]; then
		fail "security.$name.setup" "need two $vendor:$device devices, found $#"
		status=1
		continue
	fi
	check "security.$name.bind.A.$DRIVER_A" bind "$1" "$DRIVER_A"
	check "security.$name.bind.B.$DRIVER_B" bind "$2" "$DRIVER_B"
	# shellcheck disable=SC2046 # zero or one option
	vfio_sec_test -d "$DRIVER_A" $(opt "$DRIVER_A") "$test" "$1" || status=1
	# shellcheck disable=SC2046
	vfio_sec_test -d "$DRIVER_B" $(opt "$DRIVER_B") "$test" "$2" || status=1
done
grep -i vfio /proc/interrupts | sed 's/^/# left in \/proc\/interrupts: /'
exit $status
