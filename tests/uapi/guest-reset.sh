# shellcheck shell=sh
# Guest script: DMA and hot reset (vfio_reset_test), each check run on a
# device bound to $DRIVER_A (default the in-tree vfio-pci) and on an
# identical one bound to $DRIVER_B (default vfio-pci-dkms), named
# <area>.<driver>.<check> so the answers sit side by side. Needs:
#   two edu on the root bus (DMA),
#   two e1000e, each alone behind its own pcie-root-port (hot reset),
#   two bridges with two edu each (one group and one reset set per bridge).
DRIVER_A=${DRIVER_A:-vfio-pci}
DRIVER_B=${DRIVER_B:-vfio-pci-dkms}
status=0

# own DRIVER: -o for ours
own() {
	[ "$1" = vfio-pci-dkms ] && echo -o
}

run_test() {
	vfio_reset_test "$@" || status=1
}

# Function tracing of pci_reset_bus, to see the bus reset of a last close.
T=/sys/kernel/tracing
[ -e $T/trace ] || T=/sys/kernel/debug/tracing
trace_start() {
	[ -w $T/set_ftrace_filter ] || return 1
	echo pci_reset_bus >$T/set_ftrace_filter 2>/dev/null || return 1
	echo function >$T/current_tracer || return 1
	echo >$T/trace
}
trace_count() {
	grep -c 'pci_reset_bus' $T/trace
}
trace_stop() {
	echo nop >$T/current_tracer
	echo >$T/set_ftrace_filter
}

bus_of() {
	b=${1#*:}
	echo "${b%%:*}"
}

root_edu=
bridged_edu=
for b in $(pci_find 1234 11e8); do
	if [ "$(bus_of "$b")" = 00 ]; then
		root_edu="$root_edu $b"
	else
		bridged_edu="$bridged_edu $b"
	fi
done

# --- DMA: edu on the root bus
# shellcheck disable=SC2086 # one BDF per word
set -- $root_edu
if [ $# -lt 2 ]; then
	fail dma.setup "need two edu on the root bus, found $#"
	status=1
else
	check "dma.bind.A.$DRIVER_A" bind "$1" "$DRIVER_A"
	check "dma.bind.B.$DRIVER_B" bind "$2" "$DRIVER_B"
	# shellcheck disable=SC2046 # zero or one option
	run_test -n "dma.$DRIVER_A" $(own "$DRIVER_A") dma "$1"
	# shellcheck disable=SC2046
	run_test -n "dma.$DRIVER_B" $(own "$DRIVER_B") dma "$2"
fi

# --- one e1000e alone behind each root port
# shellcheck disable=SC2046
set -- $(pci_find 8086 10d3)
if [ $# -lt 2 ]; then
	fail hot.setup "need two e1000e behind root ports, found $#"
	status=1
else
	check "hot.bind.A.$DRIVER_A" bind "$1" "$DRIVER_A"
	check "hot.bind.B.$DRIVER_B" bind "$2" "$DRIVER_B"
	# shellcheck disable=SC2046
	run_test -n "hot.$DRIVER_A" $(own "$DRIVER_A") hot "$1" "$2"
	# shellcheck disable=SC2046
	run_test -n "hot.$DRIVER_B" $(own "$DRIVER_B") hot "$2" "$1"
fi

# --- two edu behind each bridge
# shellcheck disable=SC2086
set -- $bridged_edu
if [ $# -lt 4 ] || [ "$(bus_of "$1")" != "$(bus_of "$2")" ] ||
	[ "$(bus_of "$3")" != "$(bus_of "$4")" ]; then
	fail pair.setup "need two bridges with two edu each, found:$bridged_edu"
	status=1
else
	a1=$1 a2=$2 b1=$3 b2=$4
	check "pair.bind.A1.$DRIVER_A" bind "$a1" "$DRIVER_A"
	check "pair.bind.A2.$DRIVER_A" bind "$a2" "$DRIVER_A"
	check "pair.bind.B1.$DRIVER_B" bind "$b1" "$DRIVER_B"
	check "pair.bind.B2.$DRIVER_B" bind "$b2" "$DRIVER_B"
	# shellcheck disable=SC2046
	run_test -n "pair.$DRIVER_A" $(own "$DRIVER_A") pair "$a1" "$a2"
	# shellcheck disable=SC2046
	run_test -n "pair.$DRIVER_B" $(own "$DRIVER_B") pair "$b1" "$b2"

	# The last close of a set whose devices have no function reset
	# (edu) resets the bus, once no device of the set is open.
	for pair in "$DRIVER_A:$a1" "$DRIVER_B:$b1"; do
		drv=${pair%%:*}
		bdf=${pair#*:}
		if trace_start; then
			# shellcheck disable=SC2046
			run_test -n "close_reset.$drv" $(own "$drv") close "$bdf"
			n=$(trace_count)
			if [ "$n" -ge 1 ]; then
				pass "close_reset.$drv.bus_reset_on_last_close"
			else
				fail "close_reset.$drv.bus_reset_on_last_close" "no pci_reset_bus call traced"
			fi
			trace_stop
		else
			echo "# no function tracer: close_reset.$drv not checked"
		fi
	done

	# The second device without a driver: not owned, no reset.
	unbind "$a2"
	unbind "$b2"
	# shellcheck disable=SC2046
	run_test -n "unowned.$DRIVER_A" $(own "$DRIVER_A") refuse "$a1" "$a2"
	# shellcheck disable=SC2046
	run_test -n "unowned.$DRIVER_B" $(own "$DRIVER_B") refuse "$b1" "$b2"

	# The second device on the other driver: each driver's reset set
	# holds its own devices only, so neither may reset the other's.
	check "mixed.bind.A2.$DRIVER_B" bind "$a2" "$DRIVER_B"
	check "mixed.bind.B2.$DRIVER_A" bind "$b2" "$DRIVER_A"
	# shellcheck disable=SC2046
	run_test -n "mixed.$DRIVER_A" $(own "$DRIVER_A") refuse "$a1" "$a2"
	# shellcheck disable=SC2046
	run_test -n "mixed.$DRIVER_B" $(own "$DRIVER_B") refuse "$b1" "$b2"
fi
exit $status
