#!/bin/sh
# init=/usr/local/sbin/vfio-pci-variants-e2e-init of the end-to-end test's
# Debian image (tests/packaging/boot). The distribution's own initramfs
# (initramfs-tools, with its udev and kmod and the package's hook) has run and
# switched to the root file system; this takes the place of systemd: it
# records what the initramfs did, starts the root's systemd-udevd as
# systemd-udev-trigger.service would (trigger "add", settle), then checks the
# installed system and reports to the host on ttyS1 in run-guest's protocol
# ("PASS name" / "FAIL name: detail", "HARNESS ..." lines), with a copy of
# each line in the kernel log ("guest: ...").
#
# /etc/vfio-pci-variants-e2e.conf (written when the image is made):
# E2E_SUITE, E2E_ABI (the kernel the image must boot), PERSIST_BDF (persisted
# to vfio-pci-dkms with "vfio-variant persist"), NATIVE_BDF (not persisted).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
export LANG=C

# initramfs-tools moved /dev, /run, /proc and /sys into the root.
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mountpoint -q /run || mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp # the root is mounted read-only

if ! exec 3>/dev/ttyS1; then
	echo "e2e-init: no /dev/ttyS1, results on the console"
	exec 3>&1
fi
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 4>/dev/kmsg
res() { printf '%s\n' "$*" >&3; }

finish() {
	res "HARNESS tainted $(cat /proc/sys/kernel/tainted)"
	res "HARNESS done"
	exec 3>&-
	sync
	echo o >/proc/sysrq-trigger
	# no program from the disk from here on: the power-off work stops it
	while :; do :; done
}

# What the initramfs left, before anything of the root runs.
cp /proc/modules /tmp/modules.initramfs
initramfs_driver() { # BDF
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) && echo "${l##*/}"
}

# ------------------------------------------------------------ the checks

pass() { echo "PASS $P$1"; }
fail() {
	n=$1
	shift
	echo "FAIL $P$n: $*"
}

driver_of() {
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
	echo "${l##*/}"
}

expect_driver() { # NAME BDF DRIVER
	now=$(driver_of "$2")
	if [ "$now" = "$3" ]; then pass "$1"; else fail "$1" "$2 is bound to '${now:-nothing}', expected $3"; fi
}

override_of() {
	v=$(cat "/sys/bus/pci/devices/$1/driver_override")
	[ "$v" != "(null)" ] || v=
	echo "$v"
}

vfio_group() { # NAME BDF: its /dev/vfio/N exists
	l=$(readlink "/sys/bus/pci/devices/$2/iommu_group") || l=
	g=${l##*/}
	if [ -n "$g" ] && [ -c "/dev/vfio/$g" ]; then pass "$1"; else fail "$1" "no /dev/vfio/${g:-?} for $2 (there: $(echo /dev/vfio/*))"; fi
}

# The GNU build ID of a module file and of the loaded module (its note in
# sysfs: namesz, descsz, type, "GNU\0", then the ID).
file_build_id() { # FILE
	case $1 in
	*.ko.xz) xz -dc "$1" >/tmp/m.ko ;;
	*.ko.zst) zstd -q -dc "$1" >/tmp/m.ko ;;
	*.ko.gz) gzip -dc "$1" >/tmp/m.ko ;;
	*) cp "$1" /tmp/m.ko ;;
	esac
	readelf -n /tmp/m.ko 2>/dev/null | sed -n 's/^ *Build ID: *//p' | head -n 1
}
sys_build_id() { # MODULE
	f=/sys/module/$1/notes/.note.gnu.build-id
	[ -r "$f" ] || return 0
	od -An -v -tx1 "$f" | tr -d ' \n' | cut -c33-
}

main() {
	# shellcheck source=/dev/null
	. /etc/vfio-pci-variants-e2e.conf
	P=e2e.$E2E_SUITE.
	abi=$(uname -r)
	dk=/lib/modules/$abi/updates/dkms

	if [ "$abi" = "$E2E_ABI" ]; then pass boot.kernel; else fail boot.kernel "booted $abi, the image's kernel is $E2E_ABI"; fi
	rootdev=$(awk '$2 == "/" && $1 != "rootfs" { print $1 " " $3 }' /proc/mounts | tail -n 1)
	case $rootdev in
	"/dev/vda ext4") pass boot.root ;;
	*) fail boot.root "/ is '$rootdev', expected /dev/vda ext4" ;;
	esac
	echo "# loaded by the initramfs: $(cut -d' ' -f1 /tmp/modules.initramfs | sort | tr '\n' ' ')"

	# Claimed in the initramfs: before anything of the root file system ran.
	if [ "$INITRAMFS_DRIVER" = vfio-pci-dkms ]; then
		pass persist.claimed-in-initramfs
	else
		fail persist.claimed-in-initramfs "$PERSIST_BDF was on '${INITRAMFS_DRIVER:-nothing}' when the initramfs handed over"
	fi
	for m in vfio_pci_core_dkms vfio_pci_dkms; do
		if grep -q "^$m " /tmp/modules.initramfs; then
			pass "initramfs.loaded.$m"
		else
			fail "initramfs.loaded.$m" "$m was not loaded by the initramfs"
		fi
	done

	# The devices after the root's udev coldplug.
	expect_driver persist.bound "$PERSIST_BDF" vfio-pci-dkms
	v=$(override_of "$PERSIST_BDF")
	if [ "$v" = vfio-pci-dkms ]; then pass persist.override; else fail persist.override "driver_override of $PERSIST_BDF is '$v'"; fi
	dmesg >/tmp/dmesg.txt
	if out=$(grep -F "e1000e $PERSIST_BDF" /tmp/dmesg.txt); then
		fail persist.e1000e-never-probed "e1000e probed $PERSIST_BDF: $(echo "$out" | head -n 2 | tr '\n' ' ')"
	else
		pass persist.e1000e-never-probed
	fi
	vfio_group persist.vfio-group "$PERSIST_BDF"
	expect_driver native.bound "$NATIVE_BDF" e1000e
	if grep -qF "e1000e $NATIVE_BDF" /tmp/dmesg.txt; then
		pass native.probe-logged
	else
		fail native.probe-logged "no e1000e line about $NATIVE_BDF in the kernel log"
	fi
	v=$(override_of "$NATIVE_BDF")
	if [ -z "$v" ]; then pass native.no-override; else fail native.no-override "driver_override of $NATIVE_BDF is '$v'"; fi

	# Our modules: the ones the package's dkms.conf names, each installed in
	# updates/dkms by DKMS, loaded from there (modprobe loads those nothing
	# loaded at boot: the variants bind nothing by themselves).
	conf=$(find /usr/src -maxdepth 2 -path '/usr/src/vfio-pci-variants-*/dkms.conf' | head -n 1)
	want=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$conf" 2>/dev/null | sort -u)
	have=$(find "$dk" -maxdepth 1 -name '*.ko*' 2>/dev/null | sed 's|.*/||; s/\.ko.*//' | sort -u)
	echo "# dkms.conf ($conf) builds: $(echo "$want" | tr '\n' ' ')"
	echo "# in $dk: $(echo "$have" | tr '\n' ' ')"
	if [ -n "$want" ] && [ "$want" = "$have" ]; then
		pass ours.installed
	else
		fail ours.installed "dkms.conf names '$(echo "$want" | tr '\n' ' ')', $dk holds '$(echo "$have" | tr '\n' ' ')'"
	fi
	for m in $want; do
		n=$(echo "$m" | tr - _)
		modprobe "$m" 2>/tmp/err || echo "# modprobe $m: $(cat /tmp/err)"
		f=$(modinfo -n "$m" 2>/dev/null)
		case $f in
		"$dk/$m.ko"*) ;;
		*)
			fail "ours.$m.from-dkms" "modinfo -n $m gives '$f', not $dk/$m.ko*"
			continue
			;;
		esac
		if [ ! -d "/sys/module/$n" ]; then
			fail "ours.$m.from-dkms" "$m is not loaded"
			continue
		fi
		a=$(file_build_id "$f")
		b=$(sys_build_id "$n")
		if [ -n "$a" ] && [ "$a" = "$b" ]; then
			pass "ours.$m.from-dkms"
		else
			fail "ours.$m.from-dkms" "build ID of $f is '$a', of the loaded $n '$b'"
		fi
	done
	# Loading them all bound nothing new.
	expect_driver ours.bind-nothing "$NATIVE_BDF" e1000e

	# The in-tree stack beside ours.
	modprobe vfio-pci 2>/tmp/err || echo "# modprobe vfio-pci: $(cat /tmp/err)"
	for m in vfio_pci vfio_pci_core; do
		f=$(modinfo -n "$m" 2>/dev/null) || {
			echo "# $m: not a module of this kernel"
			[ "$m" = vfio_pci ] && fail intree.$m "no vfio_pci module in this kernel"
			continue
		}
		case $f in
		/lib/modules/"$abi"/kernel/*)
			if [ -d "/sys/module/$m" ]; then pass "intree.$m"; else fail "intree.$m" "$m is not loaded"; fi
			;;
		*) fail "intree.$m" "modinfo -n $m gives '$f', not the kernel's own" ;;
		esac
	done
	if [ -d /sys/module/vfio_pci ] && [ -d /sys/module/vfio_pci_dkms ] && [ -d /sys/module/vfio_pci_core_dkms ]; then
		pass intree.beside-ours
	else
		fail intree.beside-ours "loaded: $(cut -d' ' -f1 /proc/modules | grep vfio | tr '\n' ' ')"
	fi
	# The installed vfio-variant hands the other e1000e to the in-tree
	# vfio-pci: one device on each stack.
	if out=$(vfio-variant bind "$NATIVE_BDF" vfio-pci 2>&1); then
		echo "$out" | sed 's/^/# /'
	else
		echo "$out" | sed 's/^/# /'
	fi
	expect_driver intree.bind "$NATIVE_BDF" vfio-pci
	vfio_group intree.vfio-group "$NATIVE_BDF"
	expect_driver persist.still-bound "$PERSIST_BDF" vfio-pci-dkms
	echo "# vfio-variant list:"
	vfio-variant list 2>&1 | sed 's/^/#   /'
}

# shellcheck source=/dev/null
INITRAMFS_DRIVER=$(. /etc/vfio-pci-variants-e2e.conf && initramfs_driver "$PERSIST_BDF")

# The root's udev, as systemd-udevd.service and systemd-udev-trigger.service
# start it.
t0=$(cut -d' ' -f1 /proc/uptime)
if /lib/systemd/systemd-udevd --daemon --resolve-names=never; then
	udevadm trigger --type=subsystems --action=add
	udevadm trigger --type=devices --action=add
	udevadm settle --timeout=60 || res "HARNESS error udevadm settle timed out"
else
	res "HARNESS error the root's systemd-udevd did not start"
fi
echo "e2e-init: root udev settled in $(awk -v a="$t0" '{ printf "%.1f", $1 - a }' /proc/uptime) s" >&4

{
	main </dev/null 2>&1
	echo $? >/tmp/rc
} | while IFS= read -r line || [ -n "$line" ]; do
	printf '%s\n' "$line" >&3
	printf 'guest: %s\n' "$line" >&4
done
res "HARNESS script-rc $(cat /tmp/rc 2>/dev/null || echo unknown)"
finish
