// SPDX-License-Identifier: GPL-2.0-only
/* 5.11: vma_set_file() swaps the file behind a mapping */
#include "probe.h"
void p_set(struct vm_area_struct *v, struct file *f);
void p_set(struct vm_area_struct *v, struct file *f) { vma_set_file(v, f); }
