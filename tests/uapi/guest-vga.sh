# shellcheck shell=sh
# Guest script: the VGA region (vfio_vga_test) on two QEMU std VGA devices,
# each alone behind a root port, compared between the in-tree vfio-pci
# ($DRIVER_A) and vfio-pci-dkms ($DRIVER_B):
#   - the boot VGA device goes to ours first: the host's console (vgacon)
#     must let go of it;
#   - each driver, on each device in turn: the region and its checks;
#   - both devices open at once, one per driver: every access reaches its
#     own device, and waits (interruptibly) while another process holds the
#     VGA arbiter's lock;
#   - both modules reloaded with disable_vga=1: no region, and the arbiter
#     is told the device leaves the legacy ranges to others; after unbind
#     the device decodes everything again.
# Needs two "-device VGA" behind root ports and --bin vfio_vga_test.
DRIVER_A=${DRIVER_A:-vfio-pci}
DRIVER_B=${DRIVER_B:-vfio-pci-dkms}
status=0

# shellcheck disable=SC2046 # one BDF per word
set -- $(pci_find 1234 1111)
if [ $# -ne 2 ]; then
	fail vga.setup "need two 1234:1111 devices, found $#"
	exit 1
fi
boot=
for b in "$@"; do
	[ "$(cat "/sys/bus/pci/devices/$b/boot_vga" 2>/dev/null)" = 1 ] && boot=$b
done
if [ -z "$boot" ]; then
	fail vga.setup "no boot VGA device among $*"
	exit 1
fi
other=$1
[ "$other" = "$boot" ] && other=$2
echo "# boot VGA $boot, second VGA $other"

# vgacon is the console of the boot VGA device until a driver takes it.
consoles() {
	for c in /sys/class/vtconsole/vtcon*; do
		printf '%s(bind=%s) ' "$(cat "$c/name")" "$(cat "$c/bind")"
	done
}
vgacon_bound() {
	for c in /sys/class/vtconsole/vtcon*; do
		case $(cat "$c/name") in
		*VGA*) [ "$(cat "$c/bind")" = 1 ] && return 0 ;;
		esac
	done
	return 1
}
echo "# consoles before: $(consoles)"
if vgacon_bound; then
	pass vga.vgacon_at_boot
else
	fail vga.vgacon_at_boot "no bound VGA console: $(consoles)"
fi
check "vga.bind.$DRIVER_B.boot" bind "$boot" "$DRIVER_B"
echo "# consoles after: $(consoles)"
if vgacon_bound; then
	fail "vga.$DRIVER_B.vgacon_released" "vgacon still bound: $(consoles)"
else
	pass "vga.$DRIVER_B.vgacon_released"
fi

# -o for ours only: checks only ours guarantees.
strict() {
	[ "$1" = vfio-pci-dkms ] && echo -o
}

# Each driver on each device.
for drv in "$DRIVER_B" "$DRIVER_A"; do
	for bdf in "$boot" "$other"; do
		dev=other
		[ "$bdf" = "$boot" ] && dev=boot
		check "vga.bind.$drv.$dev" bind "$bdf" "$drv"
		# shellcheck disable=SC2046 # zero or one option
		vfio_vga_test -n "vga.$dev" $(strict "$drv") "$bdf" || status=1
		unbind "$bdf"
	done
done

# One device per driver, both open.
check "vga.bind.pair.$DRIVER_A" bind "$boot" "$DRIVER_A"
check "vga.bind.pair.$DRIVER_B" bind "$other" "$DRIVER_B"
vfio_vga_test -n vga.pair -p "$boot" "$other" || status=1

# disable_vga=1 on both drivers.
unbind "$boot"
unbind "$other"
for mod in vfio_pci_dkms vfio_pci; do
	f=$(module_file "$mod") || { fail "vga.reload.$mod" "no module file"; status=1; continue; }
	if out=$(rmmod "$mod" 2>&1 && insmod "$f" disable_vga=1 2>&1); then
		pass "vga.reload.$mod"
	else
		fail "vga.reload.$mod" "$out"
		status=1
	fi
done
check "vga.bind.disabled.$DRIVER_A" bind "$boot" "$DRIVER_A"
check "vga.bind.disabled.$DRIVER_B" bind "$other" "$DRIVER_B"
vfio_vga_test -n vga.disabled -d "$boot" || status=1
vfio_vga_test -n vga.disabled -d "$other" || status=1
unbind "$boot"
unbind "$other"
vfio_vga_test -n "vga.after.$DRIVER_A" -u "$boot" || status=1
vfio_vga_test -n "vga.after.$DRIVER_B" -u "$other" || status=1
exit $status
