#!/bin/sh
# /init of the run-guest initramfs (busybox sh). Mounts the pseudo file
# systems, loads the modules listed in /etc/harness/modules, runs
# /test/script.sh with /lib/harness.sh sourced, and reports to the host on the
# result channel (ttyS1): the script's output as is, plus "HARNESS ..." lines.
export PATH=/bin:/sbin
export HOME=/tmp
/bin/busybox --install -s /bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t configfs configfs /sys/kernel/config 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null

say() { echo "run-guest: $*"; }

# fd 3: result channel; fd 4: kernel log (for the in-order console copy).
if ! exec 3>/dev/ttyS1; then
	say "no /dev/ttyS1, result channel on the console"
	exec 3>&1
fi
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 4>/dev/kmsg

res() { echo "$*" >&3; }

finish() {
	res "HARNESS tainted $(cat /proc/sys/kernel/tainted)"
	res "HARNESS done"
	exec 3>&-
	say "done, powering off"
	sync
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 10
}

say "kernel $(uname -r)"

tab=$(printf '\t')
while IFS="$tab" read -r f n p; do
	[ -n "$f" ] || continue
	say "insmod $n${p:+ $p}"
	# shellcheck disable=SC2086 # $p holds zero or more module parameters
	if ! out=$(insmod "/lib/harness/mod/$f" $p 2>&1); then
		out=$(echo "$out" | tr '\n' ' ')
		say "insmod FAILED: $n: $out"
		res "HARNESS insmod-fail $n: ${out:-insmod returned an error}"
		finish
	fi
done </etc/harness/modules

# --udev: coldplug as a distribution's initramfs does (initramfs-tools'
# init-top/udev): udevd, "add" for every subsystem and device, settle. The
# rules (80-drivers.rules: kmod load) then load the drivers.
if [ -e /etc/harness/udev ]; then
	say "starting systemd-udevd"
	t0=$(cut -d' ' -f1 /proc/uptime)
	if ! /usr/lib/systemd/systemd-udevd --daemon --resolve-names=never; then
		res "HARNESS error systemd-udevd did not start"
		finish
	fi
	udevadm trigger --type=subsystems --action=add ||
		res "HARNESS error udevadm trigger --type=subsystems failed"
	udevadm trigger --type=devices --action=add ||
		res "HARNESS error udevadm trigger --type=devices failed"
	if ! udevadm settle --timeout=120; then
		res "HARNESS error udevadm settle timed out"
	fi
	say "udev settled in $(awk -v a="$t0" '{ printf "%.2f", $1 - a }' /proc/uptime) s"
fi

# One line in, one write out on each channel, so nothing tears a line.
relay() {
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s\n' "$line" >&3
		printf 'guest: %s\n' "$line" >&4
	done
}

say "running test script"
{
	(
		cd /test || exit 1
		# shellcheck source=/dev/null
		. /etc/harness/env
		# shellcheck source=/dev/null
		. /lib/harness.sh
		# shellcheck source=/dev/null
		. /test/script.sh
	) </dev/null 2>&1
	echo $? >/tmp/script.rc
} | relay
rc=$(cat /tmp/script.rc 2>/dev/null)
say "test script exited with status ${rc:-unknown}"
res "HARNESS script-rc ${rc:-unknown}"
finish
