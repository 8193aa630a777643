// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of src/core/config_space.c on fake config spaces: the
 * capability walk (lengths, hiding, hostile chains) and the permission
 * tables. Each check prints PASS/FAIL with its name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_space.h"

static int passed, failed;

#define CHECK(name, cond) do {						\
	if (cond) {							\
		passed++;						\
		printf("PASS %s\n", name);				\
	} else {							\
		failed++;						\
		printf("FAIL %s: %s (line %d)\n", name, #cond, __LINE__); \
	}								\
} while (0)

static unsigned char space[CFG_SPACE_MAX];
static int reads_past_end;

static int fake_read(void *ctx, int pos, int size, u32 *val)
{
	int i;

	(void)ctx;
	if (pos < 0 || pos + size > CFG_SPACE_MAX) {
		reads_past_end++;
		return -EINVAL;
	}
	*val = 0;
	for (i = 0; i < size; i++)
		*val |= (u32)space[pos + i] << (8 * i);
	return 0;
}

static void put8(int pos, u8 v) { space[pos] = v; }
static void put16(int pos, u16 v) { put8(pos, v & 0xff); put8(pos + 1, v >> 8); }
static void put32(int pos, u32 v) { put16(pos, v & 0xffff); put16(pos + 2, v >> 16); }

/* A plain endpoint: vendor 1234, device 11e8, BAR0 1 MiB memory. */
static void header(void)
{
	memset(space, 0, sizeof(space));
	put16(PCI_VENDOR_ID, 0x1234);
	put16(PCI_DEVICE_ID, 0x11e8);
	put32(PCI_BASE_ADDRESS_0, 0xfea00000);
}

static void cap(int pos, u8 id, u8 next)
{
	put8(pos, id);
	put8(pos + 1, next);
	put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	if (!space[PCI_CAPABILITY_LIST])
		put8(PCI_CAPABILITY_LIST, pos);
}

static struct cfg_layout l;

static void test_basic_header(void)
{
	header();
	CHECK("walk.no_caps.ok", cfg_layout_build(&l, 256, fake_read, NULL) == 0);
	CHECK("walk.no_caps.count", l.caps == 0 && l.hidden == 0);
	CHECK("walk.header_copied", memcmp(l.vconfig, space, 64) == 0);
	CHECK("walk.header_mapped", l.map[0] == CFG_MAP_BASIC && l.map[63] == CFG_MAP_BASIC);
	CHECK("walk.rest_free", l.map[64] == CFG_MAP_FREE && l.map[255] == CFG_MAP_FREE);
	CHECK("walk.size_256", l.size == 256);
}

static void test_msi_cap(void)
{
	header();
	cap(0x40, PCI_CAP_ID_MSI, 0);
	put16(0x40 + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
	CHECK("walk.msi64.ok", cfg_layout_build(&l, 256, fake_read, NULL) == 0);
	CHECK("walk.msi64.count", l.caps == 1);
	CHECK("walk.msi64.len14", l.map[0x40 + 13] == PCI_CAP_ID_MSI && l.map[0x40 + 14] == CFG_MAP_FREE);
	CHECK("walk.msi64.perm", l.perm[0x40] == CFG_PERM_MSI64);
	CHECK("walk.msi64.start", l.start[0x4c] == 0x40);

	put16(0x40 + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
	cfg_layout_build(&l, 256, fake_read, NULL);
	CHECK("walk.msi64mask.len24", l.map[0x40 + 23] == PCI_CAP_ID_MSI && l.map[0x40 + 24] == CFG_MAP_FREE);
	CHECK("walk.msi64mask.perm", l.perm[0x40] == CFG_PERM_MSI64_MASK);
}

static void test_hidden_cap_unlinked(void)
{
	header();
	cap(0x40, PCI_CAP_ID_PM, 0x50);
	cap(0x50, PCI_CAP_ID_DBG, 0x60);	/* host-only: hidden */
	cap(0x60, PCI_CAP_ID_MSIX, 0);
	CHECK("hide.ok", cfg_layout_build(&l, 256, fake_read, NULL) == 0);
	CHECK("hide.counts", l.caps == 2 && l.hidden == 1);
	CHECK("hide.prev_next_skips", l.vconfig[0x41] == 0x60);
	CHECK("hide.hidden_unmapped", l.map[0x50] == CFG_MAP_FREE);
	CHECK("hide.hw_untouched", space[0x41] == 0x50);

	/* Hiding the first capability moves the header pointer. */
	header();
	cap(0x40, PCI_CAP_ID_DBG, 0x60);
	cap(0x60, PCI_CAP_ID_PM, 0);
	cfg_layout_build(&l, 256, fake_read, NULL);
	CHECK("hide.first.header_ptr", l.vconfig[PCI_CAPABILITY_LIST] == 0x60);

	/* Hiding every capability clears the status bit. */
	header();
	cap(0x40, PCI_CAP_ID_DBG, 0);
	cfg_layout_build(&l, 256, fake_read, NULL);
	CHECK("hide.all.status_bit", !(l.vconfig[PCI_STATUS] & PCI_STATUS_CAP_LIST));
	CHECK("hide.all.ptr_zero", l.vconfig[PCI_CAPABILITY_LIST] == 0);
}

static void test_hostile_chains(void)
{
	header();
	cap(0x40, PCI_CAP_ID_PM, 0x40);		/* points at itself */
	CHECK("hostile.loop.terminates", cfg_layout_build(&l, 256, fake_read, NULL) == 0);
	CHECK("hostile.loop.one_cap", l.caps == 1);
	CHECK("hostile.loop.cut", l.vconfig[0x41] == 0);

	header();
	cap(0x40, PCI_CAP_ID_PM, 0x10);		/* into the header */
	cfg_layout_build(&l, 256, fake_read, NULL);
	CHECK("hostile.into_header.cut", l.vconfig[0x41] == 0 && l.map[0x10] == CFG_MAP_BASIC);

	header();
	cap(0x40, PCI_CAP_ID_PM, 0x44);		/* 8-byte PM overlapped by next */
	cap(0x44, PCI_CAP_ID_MSIX, 0);
	cfg_layout_build(&l, 256, fake_read, NULL);
	CHECK("hostile.overlap.second_hidden", l.caps == 1 && l.map[0x44] == PCI_CAP_ID_PM);

	header();
	cap(0xfc, PCI_CAP_ID_VNDR, 0);		/* vendor cap claiming 200 bytes */
	put8(0xfe, 200);
	reads_past_end = 0;
	cfg_layout_build(&l, 256, fake_read, NULL);
	CHECK("hostile.too_long.hidden", l.caps == 0 && l.map[0xfc] == CFG_MAP_FREE);
	CHECK("hostile.too_long.no_overread", reads_past_end == 0);
}

static void test_ext_caps(void)
{
	header();
	cap(0x40, PCI_CAP_ID_EXP, 0);
	put16(0x40 + PCI_EXP_FLAGS, 2 | (PCI_EXP_TYPE_ENDPOINT << 4));
	put32(0x100, PCI_EXT_CAP_ID_ERR | 1 << 16 | 0x140u << 20);
	put32(0x140, 0x0d | 1 << 16 | 0x150u << 20);	/* ACS at 0x140 */
	put32(0x150, 0x7f | 1 << 16 | 0x160u << 20);	/* unknown: hidden */
	put32(0x160, PCI_EXT_CAP_ID_DSN | 1 << 16);
	CHECK("ecap.ok", cfg_layout_build(&l, 4096, fake_read, NULL) == 0);
	CHECK("ecap.exp_len", l.map[0x40 + PCI_CAP_EXP_ENDPOINT_SIZEOF_V2 - 1] == PCI_CAP_ID_EXP);
	CHECK("ecap.aer_mapped", l.map[0x100] == PCI_EXT_CAP_ID_ERR);
	CHECK("ecap.skip_hidden", ((l.vconfig[0x143] << 8 | l.vconfig[0x142]) >> 4) == 0x160);
	CHECK("ecap.counts", l.ecaps == 3 && l.hidden == 1);

	/* A hidden first capability keeps only its next pointer. */
	put32(0x100, 0x7f | 1 << 16 | 0x160u << 20);
	cfg_layout_build(&l, 4096, fake_read, NULL);
	CHECK("ecap.first_hidden.id_zero", l.vconfig[0x100] == 0 && l.vconfig[0x101] == 0);
	CHECK("ecap.first_hidden.next_kept", ((l.vconfig[0x103] << 8 | l.vconfig[0x102]) >> 4) == 0x160);

	/* A looping chain ends. */
	put32(0x100, PCI_EXT_CAP_ID_DSN | 1 << 16 | 0x100u << 20);
	CHECK("ecap.loop.terminates", cfg_layout_build(&l, 4096, fake_read, NULL) == 0);
}

static void test_perms(void)
{
	const struct cfg_perm *b;

	cfg_perms_init();
	b = &cfg_perms[CFG_PERM_BASIC];
	CHECK("perm.vendor_readonly_virtual", b->virt[0] == 0xff && b->write[0] == 0);
	CHECK("perm.bar_virtual_writable",
	      cfg_chunk_mask(&b->virt[PCI_BASE_ADDRESS_0], 4) == 0xffffffff &&
	      cfg_chunk_mask(&b->write[PCI_BASE_ADDRESS_0], 4) == 0xffffffff);
	CHECK("perm.command_intx_virtual",
	      cfg_chunk_mask(&b->virt[PCI_COMMAND], 2) == PCI_COMMAND_INTX_DISABLE);
	CHECK("perm.status_readonly", cfg_chunk_mask(&b->write[PCI_STATUS], 2) == 0);
	CHECK("perm.pin_readonly", b->write[PCI_INTERRUPT_PIN] == 0);
	CHECK("perm.cap_ro_next_virtual", cfg_perms[CFG_PERM_CAP_RO].virt[1] == 0xff &&
	      cfg_perms[CFG_PERM_CAP_RO].write[1] == 0 && cfg_perms[CFG_PERM_CAP_RO].len == 2);
	CHECK("perm.msi_addr_virtual_writable",
	      cfg_chunk_mask(&cfg_perms[CFG_PERM_MSI64].write[PCI_MSI_ADDRESS_LO], 4) == 0xffffffff);
	CHECK("perm.msi_pending_readonly",
	      cfg_chunk_mask(&cfg_perms[CFG_PERM_MSI64_MASK].write[PCI_MSI_PENDING_64], 4) == 0);
	CHECK("perm.merge", cfg_merge_read(0x12345678, 0xaabbccdd, 0x0000ffff) == 0x1234ccdd);
}

static void test_cap_perms(void)
{
	const struct cfg_perm *pm = &cfg_perms[CFG_PERM_PM];
	const struct cfg_perm *exp = &cfg_perms[CFG_PERM_EXP];
	const struct cfg_perm *aer = &cfg_perms[CFG_PERM_ECAP_ERR];

	cfg_perms_init();
	CHECK("perm.pm.state_trapped",
	      !(cfg_chunk_mask(&pm->write[PCI_PM_CTRL], 2) & PCI_PM_CTRL_STATE_MASK));
	CHECK("perm.pm.pme_virtual_readonly",
	      (cfg_chunk_mask(&pm->virt[PCI_PM_CTRL], 2) & PCI_PM_CTRL_PME_ENABLE) &&
	      !(cfg_chunk_mask(&pm->write[PCI_PM_CTRL], 2) & PCI_PM_CTRL_PME_ENABLE));
	CHECK("perm.exp.phantom_readonly",
	      !(cfg_chunk_mask(&exp->write[PCI_EXP_DEVCTL], 2) & PCI_EXP_DEVCTL_PHANTOM));
	CHECK("perm.exp.flr_mps_mrrs_virtual",
	      cfg_chunk_mask(&exp->virt[PCI_EXP_DEVCTL], 2) ==
	      (PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_PAYLOAD | PCI_EXP_DEVCTL_READRQ));
	CHECK("perm.exp.ari_readonly",
	      !(cfg_chunk_mask(&exp->write[PCI_EXP_DEVCTL2], 2) & PCI_EXP_DEVCTL2_ARI));
	CHECK("perm.exp.link_readonly", cfg_chunk_mask(&exp->write[PCI_EXP_LNKCTL], 2) == 0);
	CHECK("perm.aer.header_virtual", cfg_chunk_mask(&aer->virt[0], 4) == 0xffffffff);
	CHECK("perm.aer.status_clearable",
	      cfg_chunk_mask(&aer->write[PCI_ERR_UNCOR_STATUS], 4) & PCI_ERR_UNC_POISON_TLP);
	CHECK("perm.aer.root_cmd_absent", aer->len == PCI_ERR_ROOT_COMMAND);
	CHECK("perm.vndr.raw", cfg_perms[CFG_PERM_VNDR].raw_write &&
	      cfg_perms[CFG_PERM_ECAP_VNDR].raw_write && !cfg_perms[CFG_PERM_CAP_RO].raw_write);

	/* PME support and enable start hidden in the virtual copy. */
	header();
	cap(0x40, PCI_CAP_ID_PM, 0);
	put16(0x40 + PCI_PM_PMC, 0xf803);
	put16(0x40 + PCI_PM_CTRL, PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS);
	cfg_layout_build(&l, 256, fake_read, NULL);
	CHECK("walk.pm.pme_support_hidden", (l.vconfig[0x43] << 8 | l.vconfig[0x42]) == 0x0003);
	CHECK("walk.pm.pme_enable_hidden", (l.vconfig[0x45] & 0x81) == 0);
	CHECK("walk.pm.perm", l.perm[0x40] == CFG_PERM_PM);
}

static void test_chunks(void)
{
	header();
	cap(0x40, PCI_CAP_ID_PM, 0x48);
	cap(0x48, PCI_CAP_ID_MSIX, 0);
	cfg_layout_build(&l, 256, fake_read, NULL);
	CHECK("chunk.dword", cfg_chunk(&l, 0x10, 4) == 4);
	CHECK("chunk.unaligned", cfg_chunk(&l, 0x11, 4) == 1 && cfg_chunk(&l, 0x12, 4) == 2);
	CHECK("chunk.short", cfg_chunk(&l, 0x10, 3) == 2);
	CHECK("chunk.cap_boundary", cfg_chunk(&l, 0x46, 4) == 2);
}

int main(void)
{
	test_basic_header();
	test_msi_cap();
	test_hidden_cap_unlinked();
	test_hostile_chains();
	test_ext_caps();
	test_perms();
	test_cap_perms();
	test_chunks();
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
