# shellcheck shell=sh
# Guest script: for every device model in $PAIRS ("VENDOR:DEVICE:LABEL ..."),
# bind the first two devices of that model to $DRIVER_A and $DRIVER_B and
# compare them through the VFIO uAPI with vfio_compare.
DRIVER_A=${DRIVER_A:-vfio-pci}
DRIVER_B=${DRIVER_B:-vfio-pci-dkms}
status=0
for pair in $PAIRS; do
	vendor=${pair%%:*}
	rest=${pair#*:}
	device=${rest%%:*}
	label=${rest#*:}
	# shellcheck disable=SC2046 # one BDF per word
	set -- $(pci_find "$vendor" "$device")
	if [ $# -lt 2 ]; then
		fail "$label.setup" "need two $vendor:$device devices, found $#"
		status=1
		continue
	fi
	check "$label.bind.A.$DRIVER_A" bind "$1" "$DRIVER_A"
	check "$label.bind.B.$DRIVER_B" bind "$2" "$DRIVER_B"
	vfio_compare -w -n "$label" "$1" "$2" || status=1
	unbind "$1"
	unbind "$2"
done
exit $status
