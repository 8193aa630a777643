# shellcheck shell=sh
# Guest script for run-guest: edu-vfio-pci, loaded with
#   ids=1234:11e8,bogus
# must claim both edu devices at load and report the bad entry. Then
# vfio_migration_test: MIGRATION=v2 migrates A to B through the uAPI
# (EXPECT_PRECOPY=0|1: whether PRE_COPY must be offered),
# then MIG_FUZZ_OPS random uAPI operations (vfio_migration_test fuzz);
# MIGRATION=none checks that migration is reported unavailable and the
# device still works.
# Last, a device edu-vfio-pci does not recognise (an e1000e, through
# driver_override) is refused with ENODEV and one log line, and e1000e can
# take it back; the modules unload (no leaked data fd or reference).
# Needs two "-device edu", one "-device e1000e", --bin vfio_migration_test.
status=0

# shellcheck disable=SC2046 # one BDF per word
set -- $(pci_find 1234 11e8)
if [ $# -lt 2 ]; then
	fail migration.setup "need two edu devices, found $#"
	exit 1
fi
A=$1
B=$2
for d in "$A" "$B"; do
	if [ "$(driver_of "$d")" = edu-vfio-pci ]; then
		pass "migration.ids.claimed_at_load.$d"
	else
		fail "migration.ids.claimed_at_load.$d" "driver '$(driver_of "$d")'"
		status=1
	fi
done
if dmesg | grep -q 'edu_vfio_pci: ids=: invalid id string "bogus", skipped'; then
	pass migration.ids.invalid_entry_reported
else
	fail migration.ids.invalid_entry_reported "no log line for \"bogus\""
	status=1
fi

unavail=$(dmesg | grep -c 'edu-vfio-pci .*migration unavailable')
case ${MIGRATION:-v2} in
v2)
	if [ "$unavail" = 0 ]; then
		pass migration.offered
	else
		fail migration.offered "'migration unavailable' logged on a v2 kernel"
		status=1
	fi
	vfio_migration_test -n migration -P "${EXPECT_PRECOPY:-1}" \
		-s "${MIG_SEED:-1}" -m "${MIG_MUTATIONS:-200}" migrate "$A" "$B" || status=1
	vfio_migration_test -n migration -s "${MIG_SEED:-1}" \
		-m "${MIG_FUZZ_OPS:-2000}" fuzz "$A" "$B" || status=1
	;;
none)
	if [ "$unavail" = 2 ]; then
		pass migration.unavailable_logged
	else
		fail migration.unavailable_logged "$unavail 'migration unavailable' lines for 2 devices"
		status=1
	fi
	vfio_migration_test -n migration unavailable "$A" || status=1
	;;
esac

# A device it does not recognise: ENODEV and exactly one log line.
nic=$(pci_find 8086 10d3 | head -n 1)
if [ -z "$nic" ]; then
	fail migration.refuse.setup "no e1000e"
	exit 1
fi
unbind "$nic"
echo edu-vfio-pci >"/sys/bus/pci/devices/$nic/driver_override"
if echo "$nic" 2>/tmp/bind.err >/sys/bus/pci/drivers/edu-vfio-pci/bind; then
	fail migration.refuse.bind_enodev "bind succeeded"
	status=1
else
	err=$(cat /tmp/bind.err)
	case $err in
	*"No such device"*) pass migration.refuse.bind_enodev ;;
	*) fail migration.refuse.bind_enodev "bind failed otherwise: $err"; status=1 ;;
	esac
fi
echo "$nic" >/sys/bus/pci/drivers_probe 2>/dev/null
lines=$(dmesg | grep -c "edu-vfio-pci $nic: ")
if [ "$lines" = 2 ] && [ "$(dmesg | grep -c "edu-vfio-pci $nic: 8086:10d3 is not a QEMU edu device (1234:11e8), not binding")" = 2 ]; then
	pass migration.refuse.one_log_line_per_attempt
else
	fail migration.refuse.one_log_line_per_attempt "$lines lines for 2 attempts"
	dmesg | grep "$nic" | sed 's/^/# /'
	status=1
fi
if [ -z "$(driver_of "$nic")" ]; then
	pass migration.refuse.left_unbound
else
	fail migration.refuse.left_unbound "driver '$(driver_of "$nic")'"
	status=1
fi
clear_override "$nic"
echo "$nic" >/sys/bus/pci/drivers_probe 2>/dev/null
if [ "$(driver_of "$nic")" = e1000e ]; then
	pass migration.refuse.native_rebinds
else
	fail migration.refuse.native_rebinds "driver '$(driver_of "$nic")'"
	status=1
fi

# Nothing holds our modules any more.
unbind "$A"
unbind "$B"
if rmmod edu_vfio_pci && rmmod vfio_pci_core_dkms; then
	pass migration.modules_unload
else
	fail migration.modules_unload "$(lsmod | grep -E 'edu|dkms')"
	status=1
fi
exit $status
