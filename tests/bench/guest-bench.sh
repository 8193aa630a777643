# shellcheck shell=sh
# Guest script for run-guest: vfio_bench on each pair of identical devices,
# the first of the pair bound to the in-tree vfio-pci, the second to
# vfio-pci-dkms; a third edu stays driverless for the limit figures. Prints
# vfio_bench's BENCH lines and one check per model.
# Needs three edu, two ivshmem-plain, two e1000e and --bin vfio_bench.
status=0
for model in 1234:11e8:edu 1af4:1110:ivshmem 8086:10d3:e1000e; do
	vendor=${model%%:*}
	rest=${model#*:}
	device=${rest%%:*}
	name=${rest#*:}
	# shellcheck disable=SC2046 # one BDF per word
	set -- $(pci_find "$vendor" "$device")
	if [ $# -lt 2 ]; then
		fail "bench.$name" "need two $vendor:$device devices, found $#"
		status=1
		continue
	fi
	if ! bind "$1" vfio-pci || ! bind "$2" vfio-pci-dkms; then
		fail "bench.$name" "could not bind $1 to vfio-pci and $2 to vfio-pci-dkms"
		status=1
		continue
	fi
	# shellcheck disable=SC2086 # BENCH_ARGS: options, split on purpose
	if vfio_bench ${BENCH_ARGS:-} "$name" "$1" "$2" ${3:-}; then
		pass "bench.$name"
	else
		fail "bench.$name" "vfio_bench failed"
		status=1
	fi
done
exit $status
