# shellcheck shell=sh
# Helpers of the steering guest scripts (guest-persist.sh, guest-early-ids.sh),
# installed in the guest as /lib/steering.sh. They run in a run-guest --udev
# guest: the host's kmod and udev, the package's udev rule, modprobe.d files
# and vfio-variant as installed on a host, jq for the JSON.
#
# busybox sh runs its own applets before anything in PATH (modprobe, lsmod,
# ...): kmod's programs are called by path.

# (exported: the scripts that source this file use them)
export VV=/usr/sbin/vfio-variant
export MODPROBE=/usr/bin/modprobe
export DRIVER=vfio-pci-dkms
export MODULE=vfio_pci_dkms

# The whole kernel log so far, once: every "was it ever probed" question is
# asked of the same text.
dmesg >/tmp/dmesg.txt

# probe_lines BDF: the kernel log lines e1000e wrote about device BDF (it
# names the device in every line of its probe: "e1000e 0000:00:04.0 ...").
probe_lines() {
	grep -F "e1000e $1" /tmp/dmesg.txt
}

# expect_driver NAME BDF DRIVER
expect_driver() {
	now=$(driver_of "$2")
	if [ "$now" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "$2 is bound to '${now:-nothing}', expected $3"
	fi
}

# expect_override NAME BDF VALUE (VALUE empty: no override)
expect_override() {
	v=$(cat "/sys/bus/pci/devices/$2/driver_override")
	[ "$v" != "(null)" ] || v=
	if [ "$v" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "driver_override of $2 is '$v', expected '$3'"
	fi
}

# never_probed NAME BDF: e1000e never logged a probe of BDF.
never_probed() {
	if out=$(probe_lines "$2"); then
		fail "$1" "e1000e probed $2: $(echo "$out" | head -n 2 | tr '\n' ' ')"
	else
		pass "$1"
	fi
}

# vfio_group NAME BDF: the device's VFIO group node exists.
vfio_group() {
	g=$(iommu_group "$2")
	if [ -n "$g" ] && [ -c "/dev/vfio/$g" ]; then
		pass "$1"
	else
		fail "$1" "no /dev/vfio/${g:-?} for $2 (there: $(echo /dev/vfio/*))"
	fi
}

# jchecks GROUP FILE PROGRAM [jq options]: named checks of the JSON in FILE
# in one jq run (each jq start costs about 0.2 s under TCG). PROGRAM is a
# comma-separated list of t(NAME; CONDITION), each printing PASS or FAIL
# (with the JSON); $drv is the driver name. GROUP fails if jq itself does.
jchecks() {
	g=$1
	f=$2
	prog=$3
	shift 3
	if ! out=$(jq -r --arg drv "$DRIVER" "$@" "
		def t(name; cond): if cond then \"PASS \\(name)\"
			else \"FAIL \\(name): not as expected in \\(tojson | .[0:700])\" end;
		$prog" "$f" 2>&1) || [ -z "$out" ]; then
		fail "$g" "jq on $f: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
		return
	fi
	echo "$out"
}

# explain_json BDF FILE: vfio-variant explain --json, kept in FILE.
explain_json() {
	if ! "$VV" explain "$1" --json >"$2" 2>/tmp/explain.err; then
		echo "# vfio-variant explain $1 failed: $(cat /tmp/explain.err)"
		echo '{}' >"$2"
	fi
	echo "# explain $1: $(cat "$2")"
}

# resolves NAME ALIAS MODULE [not]: "modprobe --resolve-alias ALIAS" lists
# MODULE (or, with "not", does not).
resolves() {
	out=$("$MODPROBE" --resolve-alias "$2" 2>&1)
	if echo "$out" | grep -qx "$3"; then
		found=1
	else
		found=0
	fi
	if [ "${4:-}" = not ] && [ "$found" = 0 ]; then
		pass "$1"
	elif [ "${4:-}" != not ] && [ "$found" = 1 ]; then
		pass "$1"
	else
		fail "$1" "modprobe --resolve-alias '$2' gives: $(echo "$out" | tr '\n' ' ')"
	fi
}

# lint NAME: vfio-variant check finds nothing at all to say about the
# guest's configuration (the package's defaults, an admin recipe from the
# examples file, the kernel's own modules.softdep).
lint() {
	if out=$("$VV" check 2>&1) && echo "$out" | grep -q ' 0 errors, 0 warnings$'; then
		echo "$out" | sed 's/^/  /'
		pass "$1"
	else
		fail "$1" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}
