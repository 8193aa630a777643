# shellcheck shell=sh
# Guest script: a std VGA under UEFI firmware (OVMF), where the kernel's
# console is a firmware framebuffer (efifb) inside the VGA's BAR0. Binding
# the device to vfio-pci-dkms must remove that framebuffer first: nothing
# on the host may draw into a device a user owns.
# shellcheck disable=SC2046 # one BDF per word
set -- $(pci_find 1234 1111)
if [ $# -ne 1 ]; then
	fail vga-efi.setup "need one 1234:1111 device, found $#"
	exit 1
fi
bdf=$1
echo "# /proc/fb at boot: $(tr '\n' ';' </proc/fb)"
if grep -q . /proc/fb; then
	pass vga-efi.framebuffer_at_boot
else
	fail vga-efi.framebuffer_at_boot "no framebuffer at boot (is the firmware UEFI?)"
	exit 1
fi
check vga-efi.bind bind "$bdf" vfio-pci-dkms
if grep -q . /proc/fb; then
	fail vga-efi.vfio-pci-dkms.framebuffer_released "still there: $(tr '\n' ';' </proc/fb)"
else
	pass vga-efi.vfio-pci-dkms.framebuffer_released
fi
