# shellcheck shell=sh
# Guest script: igd-vfio-pci is loaded, but QEMU has no IGD to give it. It
# must refuse what is not one, cleanly: an Intel e1000e at 00:02.0 (the
# IGD's address, Intel, but not display class) and a QEMU VGA elsewhere
# (display class, not Intel). Each attempt: the bind fails with ENODEV,
# exactly one log line names the device and the reason, the device goes
# back to its own driver; finally the module unloads.
drv=igd-vfio-pci
nic=$(pci_find 8086 10d3)
vga=$(pci_find 1234 1111)

if [ -d "/sys/bus/pci/drivers/$drv" ]; then
	pass igd.loaded
else
	fail igd.loaded "no /sys/bus/pci/drivers/$drv"
fi

# refuse NAME BDF NATIVE REASON: ask igd-vfio-pci to bind BDF by
# driver_override, as an admin would.
refuse() {
	name=$1 bdf=$2 native=$3 reason=$4
	if [ -z "$bdf" ]; then
		fail "igd.$name.present" "device not found"
		return
	fi
	before=$(dmesg | grep -c "$drv $bdf:")
	unbind "$bdf"
	echo "$drv" >"/sys/bus/pci/devices/$bdf/driver_override"
	if err=$( (echo "$bdf" >"/sys/bus/pci/drivers/$drv/bind") 2>&1); then
		fail "igd.$name.bind_refused" "bind succeeded; driver now '$(driver_of "$bdf")'"
	else
		case $err in
		*"No such device"*) pass "igd.$name.bind_refused" ;;
		*) fail "igd.$name.bind_refused" "wrong error: $err" ;;
		esac
	fi
	if [ -z "$(driver_of "$bdf")" ]; then
		pass "igd.$name.left_unbound"
	else
		fail "igd.$name.left_unbound" "bound to '$(driver_of "$bdf")'"
	fi
	lines=$(dmesg | grep "$drv $bdf:" | tail -n +"$((before + 1))")
	n=$(printf '%s\n' "$lines" | grep -c .)
	if [ "$n" = 1 ] && printf '%s\n' "$lines" | grep -q "not binding .*$reason"; then
		pass "igd.$name.one_log_line"
	else
		fail "igd.$name.one_log_line" "$n lines: $lines"
	fi
	# Back to its own driver (or none) when the override goes.
	clear_override "$bdf"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	if [ "$(driver_of "$bdf")" = "$native" ]; then
		pass "igd.$name.rebinds_native"
	else
		fail "igd.$name.rebinds_native" "driver '$(driver_of "$bdf")', expected '${native:-none}'"
	fi
}

# Loaded with ids=8086:10d3,bogus: the good entry is added (the e1000e,
# bound to its own driver, stays there), the bad one reported and skipped;
# the core logs both under the module's name.
if dmesg | grep -q "igd_vfio_pci: add \[8086:10d3"; then
	pass igd.ids.added
else
	fail igd.ids.added "no 'add [8086:10d3' line from $drv"
fi
if dmesg | grep -q "igd_vfio_pci: ids=: invalid id string \"bogus\", skipped"; then
	pass igd.ids.bad_entry_reported
else
	fail igd.ids.bad_entry_reported "no report of the bad entry"
fi

if [ "$nic" = 0000:00:02.0 ]; then
	pass igd.e1000e_at_02.0
else
	fail igd.e1000e_at_02.0 "e1000e is at '$nic'"
fi
if [ "$(driver_of "$nic")" = e1000e ]; then
	pass igd.e1000e_native_at_boot
else
	fail igd.e1000e_native_at_boot "driver '$(driver_of "$nic")'"
fi
refuse e1000e "$nic" e1000e "not an Intel IGD at 00:02.0"
refuse vga "$vga" "" "not an Intel IGD at 00:02.0"
# A second attempt refuses the same way (nothing left behind).
refuse e1000e-again "$nic" e1000e "not an Intel IGD at 00:02.0"

if out=$(rmmod igd_vfio_pci 2>&1) && ! grep -q '^igd_vfio_pci ' /proc/modules; then
	pass igd.rmmod
else
	fail igd.rmmod "$out"
fi
