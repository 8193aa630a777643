# shellcheck shell=sh
# Guest script for run-guest (guest-test CASE faults): fault injection with
# vfio_sec_test, each on the in-tree vfio-pci ($DRIVER_A) and on
# vfio-pci-dkms ($DRIVER_B):
#   P33 hot unplug: an edu behind each of two pcie-root-ports (QEMU ids
#       $HP_A, $HP_B), held open with a request eventfd while run-guest sends
#       device_del to QEMU's monitor
#   P3  rmmod of the driver refused while a device is open; SIGKILL of a
#       user at random points (seed $FAULT_SEED); unbind/bind loops while
#       another process opens
#   P5  two processes racing on one group
# and at the end both our modules unload (nothing leaked a reference).
# Prints "# faults injected: N" (the sum). Needs --bin vfio_sec_test.
DRIVER_A=${DRIVER_A:-vfio-pci}
DRIVER_B=${DRIVER_B:-vfio-pci-dkms}
FAULT_SEED=${FAULT_SEED:-1}
KILLS=${KILLS:-10}
CYCLES=${CYCLES:-8}
RACES=${RACES:-10}
HP_A=${HP_A:-hp1}
HP_B=${HP_B:-hp2}

status=0
total=0
opt() { [ "$1" = vfio-pci-dkms ] && echo -o; }
module_of() { if [ "$1" = vfio-pci-dkms ]; then echo vfio_pci_dkms; else echo vfio_pci; fi; }

# run LOG ARGS...: vfio_sec_test ARGS, output to LOG (shown afterwards).
run() {
	log=$1
	shift
	vfio_sec_test "$@" >"$log" 2>&1
}
show() {
	cat "$1"
	tally "$1"
}
tally() {
	n=$(sed -n 's/^# faults injected by [a-z]*: \([0-9]*\)$/\1/p' "$1")
	total=$((total + ${n:-0}))
	grep -qE '^(FAIL |vfio_sec_test .* [1-9][0-9]* failed$)' "$1" && status=1
	grep -qE '^vfio_sec_test ' "$1" || { fail "faults.$(basename "$1" .log)" "vfio_sec_test died"; status=1; }
}

# The devices behind the root ports at 00:10.0 and 00:11.0, and the two edu
# on the root bus.
child_of() {
	for c in /sys/bus/pci/devices/"$1"/0000:*:00.0; do
		[ -e "$c" ] && echo "${c##*/}" && return 0
	done
}
hp_a=$(child_of 0000:00:10.0)
hp_b=$(child_of 0000:00:11.0)
# shellcheck disable=SC2046 # one BDF per word
set -- $(pci_find 1234 11e8 | grep '^0000:00:')
if [ -z "$hp_a" ] || [ -z "$hp_b" ] || [ $# -lt 2 ]; then
	fail faults.setup "need an edu behind 00:10.0 and 00:11.0 and two on the root bus"
	exit 1
fi
ed_a=$1
ed_b=$2

# P33: both unplugs at once (pciehp waits 5 s after the attention button).
check "faults.bind.hp.$DRIVER_A" bind "$hp_a" "$DRIVER_A"
check "faults.bind.hp.$DRIVER_B" bind "$hp_b" "$DRIVER_B"
# Straight to the result channel (through tee): run-guest must see the
# "HARNESS device_del" request while the program waits for it.
# shellcheck disable=SC2046 # zero or one option
vfio_sec_test -d "$DRIVER_A" $(opt "$DRIVER_A") unplug "$hp_a" "$HP_A" 2>&1 | tee /tmp/unplug-a.log &
pa=$!
# shellcheck disable=SC2046
vfio_sec_test -d "$DRIVER_B" $(opt "$DRIVER_B") unplug "$hp_b" "$HP_B" 2>&1 | tee /tmp/unplug-b.log &
pb=$!
wait $pa
wait $pb
tally /tmp/unplug-a.log
tally /tmp/unplug-b.log

check "faults.bind.A.$DRIVER_A" bind "$ed_a" "$DRIVER_A"
check "faults.bind.B.$DRIVER_B" bind "$ed_b" "$DRIVER_B"
for pair in "$DRIVER_A:$ed_a" "$DRIVER_B:$ed_b"; do
	drv=${pair%%:*}
	bdf=${pair#*:}
	o=$(opt "$drv")
	# shellcheck disable=SC2086 # $o: zero or one option
	run "/tmp/rmmod-$drv.log" -d "$drv" $o rmmod "$bdf" "$(module_of "$drv")"
	show "/tmp/rmmod-$drv.log"
	# shellcheck disable=SC2086
	run "/tmp/sigkill-$drv.log" -d "$drv" $o -s "$FAULT_SEED" sigkill "$bdf" "$KILLS"
	show "/tmp/sigkill-$drv.log"
	# shellcheck disable=SC2086
	run "/tmp/bindloop-$drv.log" -d "$drv" $o bindloop "$bdf" "$CYCLES"
	show "/tmp/bindloop-$drv.log"
	# shellcheck disable=SC2086
	run "/tmp/race-$drv.log" -d "$drv" $o race "$bdf" "$RACES"
	show "/tmp/race-$drv.log"
done
echo "# faults injected: $total"
grep -i vfio /proc/interrupts | sed 's/^/# left in \/proc\/interrupts: /'

# No process holds a vfio fd any more: both our modules must go.
if out=$(rmmod vfio_pci_dkms vfio_pci_core_dkms 2>&1) &&
	! grep -qE '^vfio_pci_(core_)?dkms ' /proc/modules; then
	pass "P3-open-pins-module.$DRIVER_B.unload_after_faults"
else
	fail "P3-open-pins-module.$DRIVER_B.unload_after_faults" "$out; $(grep -E '^vfio_pci_(core_)?dkms ' /proc/modules | tr '\n' ' ')"
	status=1
fi
exit $status
