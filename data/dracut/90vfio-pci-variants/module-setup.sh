#!/bin/bash
# dracut module of vfio-pci-variants (installed as
# /usr/lib/dracut/modules.d/90vfio-pci-variants/module-setup.sh). When
# devices are persisted with "vfio-variant persist", put into the initramfs
# what claims them as soon as udev sees them there, before their native
# drivers load: the persisted files, the udev rule, vfio-variant and the
# chosen drivers' modules. With nothing persisted dracut leaves the module
# out unless asked for it.

vv_confdir=/etc/vfio-pci-variants/devices.d

# the persisted files, as paths on the host (dracut's sysroot included)
vv_files() {
	local f
	for f in "${dracutsysrootdir-}$vv_confdir"/*; do
		[[ -f $f ]] && printf '%s\n' "$f"
	done
}

vv_module() {
	local mod
	mod=$(sed -n 's/^VFIO_VARIANT_MODULE=//p' "$1" | tail -n 1)
	[[ $mod ]] || mod=$(sed -n 's/^VFIO_VARIANT_DRIVER=//p' "$1" | tail -n 1 | tr - _)
	printf '%s\n' "$mod"
}

# called by dracut
check() {
	[[ $(vv_files) ]] || return 255
	require_binaries /usr/sbin/vfio-variant || return 1
	return 0
}

# called by dracut
depends() {
	echo udev-rules
	return 0
}

# called by dracut
installkernel() {
	local f mod
	while read -r f; do
		mod=$(vv_module "$f")
		[[ $mod ]] && hostonly='' instmods "$mod"
	done < <(vv_files)
	return 0
}

# called by dracut
install() {
	local f
	inst_rules 60-vfio-pci-variants.rules
	inst_multiple /usr/sbin/vfio-variant
	while read -r f; do
		inst_simple "$vv_confdir/${f##*/}"
	done < <(vv_files)
	return 0
}
