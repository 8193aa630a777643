# shellcheck shell=sh
# Guest script for run-guest: the uAPI fuzzer (vfio_fuzz) on one device of
# each model in $MODELS, bound to vfio-pci-dkms, one process per device,
# FUZZ_OPS operations each with seed FUZZ_SEED. Afterwards every fd is
# closed (the processes have exited): our modules must unload, which they
# cannot if the fuzz leaked a reference. Needs --bin vfio_fuzz.
FUZZ_OPS=${FUZZ_OPS:-300}
FUZZ_SEED=${FUZZ_SEED:-1}
MODELS=${MODELS:-1234:11e8:edu 8086:10d3:e1000e 1b36:0010:nvme 1af4:1041:virtio-net 1b36:0005:pci-testdev 1af4:1110:ivshmem 1234:1111:vga}

status=0
total=0
for model in $MODELS; do
	vendor=${model%%:*}
	rest=${model#*:}
	device=${rest%%:*}
	name=${rest#*:}
	bdf=$(pci_find "$vendor" "$device" | head -n 1)
	if [ -z "$bdf" ]; then
		fail "fuzz.$name.setup" "no $vendor:$device device"
		status=1
		continue
	fi
	if ! bind "$bdf" vfio-pci-dkms; then
		fail "fuzz.$name.bind" "cannot bind $bdf to vfio-pci-dkms"
		status=1
		continue
	fi
	t0=$(date +%s)
	vfio_fuzz -s "$FUZZ_SEED" -n "$FUZZ_OPS" -l "$name" "$bdf"
	rc=$?
	if [ $rc -gt 1 ]; then
		# killed by a signal or a usage error: no verdict line of its own
		fail "fuzz.$name" "vfio_fuzz died (status $rc); replay: vfio_fuzz -v -s $FUZZ_SEED -n $FUZZ_OPS $bdf"
	fi
	[ $rc -eq 0 ] || status=1
	echo "# fuzz.$name: $FUZZ_OPS ops in $(($(date +%s) - t0)) s"
	total=$((total + FUZZ_OPS))
done
echo "# fuzz: $total operations, seed $FUZZ_SEED"
grep -i vfio /proc/interrupts | sed 's/^/# left in \/proc\/interrupts: /'

# No process holds a vfio fd any more: both modules must go.
if out=$(rmmod vfio_pci_dkms vfio_pci_core_dkms 2>&1); then
	if grep -qE '^vfio_pci_(core_)?dkms ' /proc/modules; then
		fail fuzz.rmmod "still loaded after rmmod: $(grep -E '^vfio_pci_(core_)?dkms ' /proc/modules | tr '\n' ' ')"
		status=1
	else
		pass fuzz.rmmod
	fi
else
	fail fuzz.rmmod "$out; $(grep -E '^vfio_pci_(core_)?dkms ' /proc/modules | tr '\n' ' ')"
	status=1
fi
exit $status
