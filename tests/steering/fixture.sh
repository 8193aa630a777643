# shellcheck shell=bash
# Fixture trees for the steering tests: a fake root with sysfs, modules of a
# kernel (tiny ELF objects whose .modinfo holds aliases, indexed by the real
# depmod) and modprobe.d files. Sourced by tests/steering/run.

FIX_KVER=6.1.0-fixture

# fake_module ROOT RELPATH KEY=VALUE...: an object file with those .modinfo
# records (alias=..., softdep=...), enough for depmod and modprobe.
fake_module() {
	local root=$1 rel=$2 src n=0
	shift 2
	src=$(mktemp "$FIX_TMP/mod.XXXXXX.c")
	{
		for kv in "$@"; do
			n=$((n + 1))
			printf '__attribute__((section(".modinfo"), used, aligned(1)))\n'
			printf 'static const char mi%d[] = "%s";\n' "$n" "$kv"
		done
		printf 'int fixture_dummy;\n'
	} >"$src"
	mkdir -p "$(dirname "$root/lib/modules/$FIX_KVER/$rel")"
	gcc -c -o "$root/lib/modules/$FIX_KVER/$rel" "$src"
	rm -f "$src"
}

# fake_device ROOT BDF MODALIAS [DRIVER]: a PCI device directory.
fake_device() {
	local root=$1 bdf=$2 modalias=$3 driver=${4:-} dev
	dev=$root/sys/bus/pci/devices/$bdf
	mkdir -p "$dev"
	printf '%s\n' "$modalias" >"$dev/modalias"
	printf '(null)\n' >"$dev/driver_override"
	if [ -n "$driver" ]; then
		fake_driver "$root" "$driver"
		ln -s "../../../../bus/pci/drivers/$driver" "$dev/driver"
	fi
}

# fake_driver ROOT NAME: a registered PCI driver with its bind/unbind files.
fake_driver() {
	local d=$1/sys/bus/pci/drivers/$2
	mkdir -p "$d"
	: >"$d/bind"
	: >"$d/unbind"
}

# The standard host: see README.md in this directory for the story.
fixture_host() {
	local root=$1 m=$1/lib/modules/$FIX_KVER
	mkdir -p "$root/etc/modprobe.d" "$root/usr/lib/modprobe.d" "$root/run" \
		"$root/sys/bus/pci/devices" "$root/sys/bus/pci/drivers" "$m"
	: >"$root/sys/bus/pci/drivers_probe"

	# in-tree modules (modules.order lists them: depmod puts them first)
	fake_module "$root" kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko \
		'alias=pci:v00008086d000010D3sv*sd*bc*sc*i*' \
		'alias=pci:v00008086d000010D4sv*sd*bc*sc*i*'
	fake_module "$root" kernel/drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko \
		'alias=pci:v000015B3d0000101Esv*sd*bc*sc*i*'
	fake_module "$root" kernel/drivers/vfio/pci/vfio-pci.ko \
		'alias=vfio_pci:v*d*sv*sd*bc*sc*i*'
	fake_module "$root" kernel/drivers/vfio/pci/mlx5/mlx5-vfio-pci.ko \
		'alias=vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i*'
	fake_module "$root" kernel/drivers/pci/pci-stub.ko
	fake_module "$root" kernel/drivers/net/ethernet/acme/acmenet.ko \
		'alias=pci:v0000AC3Ed00000001sv*sd*bc*sc*i*'
	(cd "$m" && find kernel -name '*.ko' | sort) >"$m/modules.order"
	# a built-in native driver: the GPU
	printf 'kernel/drivers/gpu/drm/i915/i915.ko\n' >"$m/modules.builtin"
	printf 'i915.alias=pci:v00008086d00001912sv*sd*bc03sc*i*\0' \
		>"$m/modules.builtin.modinfo"

	# ours (updates/dkms): the generic driver and three variants
	fake_module "$root" updates/dkms/vfio-pci-core-dkms.ko
	fake_module "$root" updates/dkms/vfio-pci-dkms.ko \
		'alias=vfio_pci:v*d*sv*sd*bc*sc*i*'
	fake_module "$root" updates/dkms/edu-vfio-pci.ko \
		'alias=vfio_pci:v00001234d000011E8sv*sd*bc*sc*i*'
	fake_module "$root" updates/dkms/acme-vfio-pci.ko \
		'alias=vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i*'
	fake_module "$root" updates/dkms/igd-vfio-pci.ko \
		'alias=vfio_pci:v00008086d*sv*sd*bc03sc*i*'
	# a glob inside a field: kmod matches it, libvirt does not
	fake_module "$root" updates/dkms/glob-vfio-pci.ko \
		'alias=vfio_pci:v0000AC3Ed0000000*sv*sd*bc*sc*i*'
	depmod -b "$root" "$FIX_KVER" 2>/dev/null

	# devices
	fake_device "$root" 0000:00:02.0 pci:v00008086d00001912sv00008086sd00002212bc03sc00i00 i915
	fake_device "$root" 0000:00:03.0 pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00 e1000e
	fake_device "$root" 0000:00:04.0 pci:v00001234d000011E8sv00001AF4sd00001100bc00sc00i00
	fake_device "$root" 0000:00:05.0 pci:v000015B3d0000101Esv000015B3sd00000001bc02sc00i00 mlx5_core
	fake_device "$root" 0000:00:06.0 pci:v00008086d000010D4sv00008086sd0000A01Fbc02sc00i00 vfio-pci-dkms
	printf 'vfio-pci-dkms\n' >"$root/sys/bus/pci/devices/0000:00:06.0/driver_override"
	mkdir -p "$root/sys/bus/pci/devices/0000:00:06.0/vfio-dev"
	fake_device "$root" 0000:00:07.0 pci:v0000AC3Ed00000001sv00000000sd00000000bcFFsc00i00 acmenet
	fake_device "$root" 0000:00:08.0 pci:v0000DEADd0000BEEFsv00000000sd00000000bc11sc80i00
}
