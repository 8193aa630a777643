# shellcheck shell=sh
# shellcheck disable=SC2016 # single-quoted $names are jq variables
# Guest script (run-guest --udev): the admin recipe for an early claim
# without persistence, taken from modprobe.d/vfio-pci-variants-examples.conf
# into /etc/modprobe.d:
#   options vfio-pci-dkms ids=8086:10d3
#   softdep e1000e pre: vfio-pci-dkms
# The real udev and kmod coldplug two e1000e: loading e1000e for them loads
# vfio-pci-dkms first, whose ids= claims both, so e1000e binds neither.
#
# Environment: BDFS (the e1000e devices), CONF (the modprobe.d file).
# shellcheck source=SCRIPTDIR/guest-lib.sh
. /lib/steering.sh

: "${BDFS:?}" "${CONF:?}"
sed 's/^/# conf: /' "$CONF"

# kmod's plan for e1000e: ours first, with the ids= option.
"$MODPROBE" --show-depends e1000e >/tmp/plan.txt 2>&1
sed 's/^/# plan: /' /tmp/plan.txt
if awk '/vfio-pci-dkms\.ko ids=8086:10d3/ && !e { o = NR } /e1000e\.ko/ { e = NR }
	END { exit !(o && e && o < e) }' /tmp/plan.txt; then
	pass ids.kmod-plan
else
	fail ids.kmod-plan "modprobe --show-depends e1000e: $(tr '\n' '|' </tmp/plan.txt)"
fi

# udev loaded the native driver (so the softdep was what brought ours).
if [ -d /sys/module/e1000e ] && [ -d "/sys/module/$MODULE" ]; then
	pass ids.both-modules-loaded
else
	fail ids.both-modules-loaded "loaded: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
fi

for b in $BDFS; do
	expect_driver "ids.bound.$b" "$b" "$DRIVER"
	expect_override "ids.no-override.$b" "$b" ""
	never_probed "ids.e1000e-never-probed.$b" "$b"
	vfio_group "ids.vfio-group.$b" "$b"
	explain_json "$b" "/tmp/$b.json"
	jchecks "explain.ids.$b" "/tmp/$b.json" '
		t("explain.ids.\($b)"; .driver == $drv and .vfio_dev == true and .claim.kind == "ids"
			and .claim.driver == $drv and .persisted == null and .driver_override == null),
		t("explain.ids.reason.\($b)";
			(.claim.reason | startswith("ids= of vfio_pci_dkms lists 8086:10d3 (" + $conf + ":"))
			and ([.notes[] | select(startswith("softdep e1000e pre: vfio_pci_dkms ("))] | length == 1)
			and ([.notes[] | select(test("currently bound"))] | length == 0))' \
		--arg b "$b" --arg conf "$CONF"
done

ma=$(cat "/sys/bus/pci/devices/${BDFS%% *}/modalias")
resolves alias.vfio-finds-ours "vfio_pci:${ma#pci:}" "$MODULE"
resolves alias.pci-never-ours "$ma" "$MODULE" not

lint lint.clean
