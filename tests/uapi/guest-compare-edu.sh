# shellcheck shell=sh
# Guest script for run-guest: bind two edu devices, A to $DRIVER_A and B to
# $DRIVER_B (both default to the in-tree vfio-pci), and compare them with
# vfio_compare. Needs two "-device edu" and --bin vfio_compare.
DRIVER_A=${DRIVER_A:-vfio-pci}
DRIVER_B=${DRIVER_B:-vfio-pci}

# shellcheck disable=SC2046 # one BDF per word
set -- $(pci_find 1234 11e8)
if [ $# -lt 2 ]; then
	fail edu.setup "need two edu devices, found $#"
	exit 1
fi
A=$1
B=$2
check "edu.bind.A.$DRIVER_A" bind "$A" "$DRIVER_A"
check "edu.bind.B.$DRIVER_B" bind "$B" "$DRIVER_B"
ls -l /dev/vfio
# shellcheck disable=SC2086 # COMPARE_FLAGS holds zero or more options
vfio_compare -n edu ${COMPARE_FLAGS:-} "$A" "$B"
