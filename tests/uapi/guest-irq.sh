# shellcheck shell=sh
# Guest script for run-guest: interrupt checks (vfio_irq_test) on two devices
# of each model in $MODELS (default: edu and e1000e), the first bound to
# $DRIVER_A (default the in-tree vfio-pci) and the second to $DRIVER_B
# (default vfio-pci-dkms). Both run the same checks, named
# irq.<model>.<driver>.<check>, so the drivers' answers sit side by side.
# The last check on each device unbinds it (request interrupt).
# Needs two "-device" of each model and --bin vfio_irq_test.
DRIVER_A=${DRIVER_A:-vfio-pci}
DRIVER_B=${DRIVER_B:-vfio-pci-dkms}
MODELS=${MODELS:-1234:11e8:edu 8086:10d3:e1000e}

# -o: strict where in-tree kernels disagree, for our own driver only.
strict() {
	[ "$1" = vfio-pci-dkms ] && echo -o
}

status=0
for model in $MODELS; do
	vendor=${model%%:*}
	rest=${model#*:}
	device=${rest%%:*}
	name=${rest#*:}
	# shellcheck disable=SC2046 # one BDF per word
	set -- $(pci_find "$vendor" "$device")
	if [ $# -lt 2 ]; then
		fail "irq.$name.setup" "need two $vendor:$device devices, found $#"
		status=1
		continue
	fi
	check "irq.$name.bind.A.$DRIVER_A" bind "$1" "$DRIVER_A"
	check "irq.$name.bind.B.$DRIVER_B" bind "$2" "$DRIVER_B"
	# shellcheck disable=SC2046 # zero or one option
	vfio_irq_test -n "irq.$name.$DRIVER_A" $(strict "$DRIVER_A") "$1" || status=1
	# shellcheck disable=SC2046
	vfio_irq_test -n "irq.$name.$DRIVER_B" $(strict "$DRIVER_B") "$2" || status=1
done
grep -i vfio /proc/interrupts | sed 's/^/# left in \/proc\/interrupts: /'
exit $status
