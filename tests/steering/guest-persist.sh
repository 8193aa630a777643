# shellcheck shell=sh
# shellcheck disable=SC2016 # single-quoted $names are jq variables
# Guest script (run-guest --udev): one e1000e persisted to vfio-pci-dkms with
# "vfio-variant persist" before boot, one left alone. The real udev and kmod
# coldplug them; the package's udev rule must claim the persisted one before
# the e1000e module udev loads can bind it.
#
# Environment: PERSIST_BDF (persisted), NATIVE_BDF (not persisted).
# shellcheck source=SCRIPTDIR/guest-lib.sh
. /lib/steering.sh

P=${PERSIST_BDF:?}
N=${NATIVE_BDF:?}

echo "# persisted: $(grep -v '^#' "/etc/vfio-pci-variants/devices.d/$P" 2>&1 | tr '\n' ' ')"

# What udev did at boot.
expect_driver persist.bound "$P" "$DRIVER"
expect_override persist.override "$P" "$DRIVER"
never_probed persist.e1000e-never-probed "$P"
expect_driver native.bound "$N" e1000e
# The probe-line check above can fail: e1000e does log its probe of a device.
check native.probe-logged probe_lines "$N"
expect_override native.no-override "$N" ""
# The module udev's rule loaded is the one DKMS installs.
f=$(/usr/bin/modinfo -n "$MODULE" 2>&1)
case $f in
*/updates/dkms/vfio-pci-dkms.ko)
	if [ -d "/sys/module/$MODULE" ]; then
		pass persist.module-loaded
	else
		fail persist.module-loaded "$MODULE is not loaded"
	fi
	;;
*) fail persist.module-loaded "modinfo -n $MODULE: $f" ;;
esac
vfio_group persist.vfio-group "$P"

# vfio-variant explain names the driver that actually bound, and why.
explain_json "$P" /tmp/p.json
jchecks explain.persist /tmp/p.json '
	t("explain.persist.driver"; .driver == $drv and .vfio_dev == true),
	t("explain.persist.claim"; .claim.driver == $drv and .claim.kind == "override"
		and (.claim.reason | test("persisted"))),
	t("explain.persist.persisted"; .persisted.driver == $drv and .persisted.module == "vfio_pci_dkms"
		and .persisted.file == "/etc/vfio-pci-variants/devices.d/" + $p),
	t("explain.persist.agrees"; [.notes[] | select(test("currently bound|differs"))] | length == 0)' \
	--arg p "$P"
explain_json "$N" /tmp/n.json
jchecks explain.native /tmp/n.json '
	t("explain.native"; .driver == "e1000e" and .claim.kind == "native" and .claim.driver == "e1000e"
		and .persisted == null and .vfio_dev == false
		and ([.notes[] | select(test("currently bound"))] | length == 0))'

# list shows both, each with the driver that bound it.
"$VV" list --json >/tmp/list.json 2>&1 || echo '{}' >/tmp/list.json
jchecks list.json /tmp/list.json '
	t("list.json"; ([.devices[] | select(.bdf == $p and .driver == $drv and .claim.driver == $drv)] | length == 1)
		and ([.devices[] | select(.bdf == $n and .driver == "e1000e" and .claim.driver == "e1000e")] | length == 1))' \
	--arg p "$P" --arg n "$N"
"$VV" list >/tmp/list.txt 2>&1
sed 's/^/# /' /tmp/list.txt
if awk -v p="$P" -v n="$N" -v d="$DRIVER" '
	$1 == p && $4 == d { a = 1 }
	$1 == n && $4 == "e1000e" { b = 1 }
	END { exit !(a && b) }' /tmp/list.txt; then
	pass list.text
else
	fail list.text "$(tr '\n' '|' </tmp/list.txt)"
fi

# kmod's view: our module only in the override-only vfio_pci: namespace.
ma=$(cat "/sys/bus/pci/devices/$P/modalias")
resolves alias.vfio-finds-ours "vfio_pci:${ma#pci:}" "$MODULE"
resolves alias.vfio-generic "vfio_pci:v00008086d000010D3sv*sd*bc*sc*i*" "$MODULE"
resolves alias.pci-native "$ma" e1000e
resolves alias.pci-never-ours "$ma" "$MODULE" not

lint lint.clean
