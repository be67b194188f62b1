// SPDX-License-Identifier: GPL-2.0
/*
 * pvhshim: a multiboot (v1) kernel that starts Linux at its PVH entry.
 *
 * Bochs has no -kernel option, and Debian's xz-compressed bzImage spends
 * ~45 s of emulated time in its decompressor. The uncompressed vmlinux has
 * a PVH entry point (ELF note XEN_ELFNOTE_PHYS32_ENTRY), but ISOLINUX's
 * mboot.c32 speaks multiboot, not PVH. scripts/bochs/mkpvh.py therefore
 * packs this shim and vmlinux's loadable segments into one ELF32 file that
 * mboot.c32 loads like any multiboot kernel (segments at their physical
 * addresses, the initramfs as module 0); the shim turns the multiboot
 * information into a struct hvm_start_info (version 1, with the memory
 * map Linux requires when it does not run on Xen) and jumps to the entry.
 *
 * Both protocols start in flat 32-bit protected mode with paging and
 * interrupts off, so only the boot information differs.
 *
 * Built 32-bit, freestanding: gcc -m32 -ffreestanding -nostdlib with
 * -DPVH_ENTRY=<physical address> (see scripts/run-bochs.sh).
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#ifndef PVH_ENTRY
#error "PVH_ENTRY (the kernel's XEN_ELFNOTE_PHYS32_ENTRY) must be defined"
#endif

#define MB_BOOTLOADER_MAGIC	0x2badb002
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_MODS		(1u << 3)
#define MB_INFO_MMAP		(1u << 6)

#define HVM_START_MAGIC		0x336ec578
#define MAX_MEMMAP		64
#define MAX_MODS		4

struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_module {
	u32 mod_start, mod_end;
	u32 string;
	u32 reserved;
} __attribute__((packed));

/* The size field counts the bytes after itself. */
struct mb_mmap {
	u32 size;
	u64 addr, len;
	u32 type;
} __attribute__((packed));

/* include/xen/interface/hvm/start_info.h */
struct hvm_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries, reserved;
};

struct hvm_modlist_entry {
	u64 paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
	u64 addr, size;
	u32 type, reserved;
};

static struct hvm_start_info info;
static struct hvm_modlist_entry mods[MAX_MODS];
static struct hvm_memmap_table_entry memmap[MAX_MEMMAP];
u8 shim_stack[4096] __attribute__((aligned(16)));

void shim_main(u32 magic, struct mb_info *mbi);

/* multiboot: EAX = magic, EBX = struct mb_info; no usable stack. */
asm(".section .text.entry, \"ax\"\n"
    ".globl _start\n"
    "_start:\n"
    "	cld\n"
    "	movl $shim_stack + 4096, %esp\n"
    "	pushl %ebx\n"
    "	pushl %eax\n"
    "	call shim_main\n"
    "1:	hlt\n"
    "	jmp 1b\n"
    ".previous\n");

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* COM1, polled: only for the "cannot boot" story in the serial log. */
static void puts(const char *s)
{
	for (; *s; s++) {
		int n = 100000;

		while (!(inb(0x3fd) & 0x20) && --n)
			;
		outb(0x3f8, *s);
	}
}

static void die(const char *why)
{
	puts("pvhshim: ");
	puts(why);
	puts("\r\n");
	for (;;)
		asm volatile("cli; hlt");
}

static int is_rsdp(const u8 *p)
{
	static const char sig[8] = "RSD PTR ";
	u8 sum = 0;
	int i;

	for (i = 0; i < 8; i++)
		if (p[i] != (u8)sig[i])
			return 0;
	/* ACPI 1.0 checksum over the first 20 bytes. */
	for (i = 0; i < 20; i++)
		sum += p[i];
	return sum == 0;
}

/*
 * The RSDP lies in the first KiB of the EBDA or in 0xe0000-0xfffff, on a
 * 16-byte boundary. Linux would search too when rsdp_paddr is 0; finding
 * it here just keeps the PVH contract complete.
 */
static u32 find_rsdp(void)
{
	u32 ebda, p;

	/* BDA word 0x40e: the EBDA segment (asm: gcc objects to address 0x40e). */
	asm volatile("movzwl 0x40e, %0" : "=r"(ebda));
	ebda <<= 4;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		for (p = ebda; p < ebda + 1024; p += 16)
			if (is_rsdp((const u8 *)p))
				return p;
	for (p = 0xe0000; p < 0x100000; p += 16)
		if (is_rsdp((const u8 *)p))
			return p;
	return 0;
}

/* mboot.c32 passes "<kernel file> <arguments>": Linux wants the arguments. */
static u32 skip_first_word(u32 cmdline)
{
	const char *s = (const char *)cmdline;

	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return (u32)s;
}

void shim_main(u32 magic, struct mb_info *mbi)
{
	u32 i, off, n;

	if (magic != MB_BOOTLOADER_MAGIC)
		die("not started by a multiboot loader");
	if (!(mbi->flags & MB_INFO_MMAP))
		die("no memory map from the loader");

	info.magic = HVM_START_MAGIC;
	info.version = 1;

	if (mbi->flags & MB_INFO_CMDLINE)
		info.cmdline_paddr = skip_first_word(mbi->cmdline);

	if ((mbi->flags & MB_INFO_MODS) && mbi->mods_count) {
		const struct mb_module *m = (const void *)mbi->mods_addr;

		n = mbi->mods_count < MAX_MODS ? mbi->mods_count : MAX_MODS;
		for (i = 0; i < n; i++) {
			mods[i].paddr = m[i].mod_start;
			mods[i].size = m[i].mod_end - m[i].mod_start;
			mods[i].cmdline_paddr = m[i].string;
		}
		/* Linux takes module 0 as its initramfs. */
		info.nr_modules = n;
		info.modlist_paddr = (u32)mods;
	}

	n = 0;
	for (off = 0; off < mbi->mmap_length && n < MAX_MEMMAP;) {
		const struct mb_mmap *e = (const void *)(mbi->mmap_addr + off);

		memmap[n].addr = e->addr;
		memmap[n].size = e->len;
		memmap[n].type = e->type;
		n++;
		off += e->size + 4;
	}
	if (!n)
		die("empty memory map");
	info.memmap_paddr = (u32)memmap;
	info.memmap_entries = n;
	info.rsdp_paddr = find_rsdp();

	/* Once per boot: run-bochs.sh counts these to notice a reboot. */
	puts("pvhshim: starting Linux\r\n");
	/* PVH: EBX = struct hvm_start_info, flat 32-bit, paging off. */
	asm volatile("jmp *%0" : : "r"((u32)PVH_ENTRY), "b"(&info) : "memory");
	die("returned from the kernel");
}
