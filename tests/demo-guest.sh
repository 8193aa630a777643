# shellcheck shell=sh
# Guest side of `make demo`: the native e1000e driver keeps its NIC, one edu
# goes to the in-tree vfio-pci and one to our vfio-pci-dkms; then show who
# claimed what and compare the two edus through VFIO.
# shellcheck disable=SC2046 # one BDF per word
set -- $(pci_find 1234 11e8)
check demo.bind.edu_in_tree bind "$1" vfio-pci
check demo.bind.edu_ours bind "$2" vfio-pci-dkms

echo "TABLE BDF          ID         DRIVER"
for d in /sys/bus/pci/devices/*; do
	bdf=${d##*/}
	id="$(sed 's/^0x//' "$d/vendor"):$(sed 's/^0x//' "$d/device")"
	case $id in
	8086:29c0 | 8086:2918 | 8086:2930 | 1234:1111) continue ;;	# q35 chipset, VGA
	esac
	drv=$(driver_of "$bdf")
	echo "TABLE $bdf $id  ${drv:-(none)}"
done
vfio_compare -n demo "$1" "$2" | grep -v '^#'
