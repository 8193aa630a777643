// SPDX-License-Identifier: GPL-2.0-only
/* 6.17: irq bypass producers are keyed by their eventfd, given at registration */
#include "probe.h"
#include <linux/irqbypass.h>
int p_reg(struct irq_bypass_producer *p, struct eventfd_ctx *e);
int p_reg(struct irq_bypass_producer *p, struct eventfd_ctx *e)
{
	return irq_bypass_register_producer(p, e, 1);
}
