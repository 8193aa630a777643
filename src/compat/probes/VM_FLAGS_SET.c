// SPDX-License-Identifier: GPL-2.0-only
/* 6.3: vma->vm_flags is read-only; use vm_flags_set() */
#include "probe.h"
void p_set(struct vm_area_struct *v);
void p_set(struct vm_area_struct *v) { vm_flags_set(v, VM_IO); }
