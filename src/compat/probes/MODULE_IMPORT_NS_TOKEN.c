// SPDX-License-Identifier: GPL-2.0-only
/* until 6.12 the namespace is a bare token; from 6.13 a string literal */
#include "probe.h"
MODULE_IMPORT_NS(VFIO_PCI_DKMS_PROBE);
