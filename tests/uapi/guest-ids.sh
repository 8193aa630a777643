# shellcheck shell=sh
# Guest script: vfio-pci-dkms was loaded with
#   ids=1234:11e8,bogus,1234
# The edu device must be claimed at load, the pci-testdev left alone, and
# the two malformed entries reported and skipped.
edu=$(pci_find 1234 11e8)
testdev=$(pci_find 1b36 0005)
if [ "$(driver_of "$edu")" = vfio-pci-dkms ]; then
	pass ids.edu_claimed_at_load
else
	fail ids.edu_claimed_at_load "edu $edu has driver '$(driver_of "$edu")'"
fi
if [ -z "$(driver_of "$testdev")" ]; then
	pass ids.other_device_untouched
else
	fail ids.other_device_untouched "pci-testdev $testdev has driver '$(driver_of "$testdev")'"
fi
for bad in bogus 1234; do
	if dmesg | grep -q "vfio_pci_dkms: ids=: invalid id string \"$bad\", skipped"; then
		pass "ids.invalid_entry_reported.$bad"
	else
		fail "ids.invalid_entry_reported.$bad" "no log line for \"$bad\""
	fi
done
if dmesg | grep -q 'vfio_pci_dkms: add \[1234:11e8'; then
	pass ids.valid_entry_logged
else
	fail ids.valid_entry_logged "no 'add [1234:11e8' log line"
fi
# Unbinding and rebinding through the dynamic ID works like the in-tree one.
unbind "$edu"
echo "$edu" > /sys/bus/pci/drivers_probe
if [ "$(driver_of "$edu")" = vfio-pci-dkms ]; then
	pass ids.rebind_by_dynamic_id
else
	fail ids.rebind_by_dynamic_id "after drivers_probe: '$(driver_of "$edu")'"
fi
