// SPDX-License-Identifier: GPL-2.0-only
/* 6.8: eventfd_signal() lost its count argument */
#include "probe.h"
void p_sig(struct eventfd_ctx *c);
void p_sig(struct eventfd_ctx *c) { eventfd_signal(c); }
