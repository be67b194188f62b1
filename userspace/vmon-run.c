// SPDX-License-Identifier: GPL-2.0
/*
 * vmon-run: run one guest image on /dev/vmon (or /dev/kvm) with a serial
 * port and an exit port, nothing else. The conventions (load addresses,
 * ports, exit statuses) are in usage() and userspace/README.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libvmon.h"

/* Exit statuses of the runner itself; guests should use 0..63. */
enum {
	RUN_OK		= 0,
	RUN_USAGE	= 64,	/* bad command line */
	RUN_BADIMAGE	= 65,	/* not raw/ELF64 x86-64, segment outside RAM */
	RUN_NOIMAGE	= 66,	/* cannot read the image file */
	RUN_NODEV	= 67,	/* cannot open the device */
	RUN_API		= 68,	/* API version, a setup ioctl or KVM_RUN failed */
	RUN_NOMEM	= 69,	/* mmap or KVM_SET_USER_MEMORY_REGION refused */
	RUN_TIMEOUT	= 70,	/* --timeout expired */
	RUN_SHUTDOWN	= 71,	/* KVM_EXIT_SHUTDOWN (triple fault) */
	RUN_FAIL_ENTRY	= 72,	/* KVM_EXIT_FAIL_ENTRY */
	RUN_INTERNAL	= 73,	/* KVM_EXIT_INTERNAL_ERROR */
	RUN_UNEXPECTED	= 74,	/* any other exit reason */
};

#define SERIAL_BASE	0x3f8
#define EXIT_PORT	0xf4
#define REAL_LOAD	0x7c00ULL
#define REAL_LIMIT	0xa0000ULL	/* end of conventional memory */
#define MMIO_WARN_MAX	32

enum mode { MODE_AUTO, MODE_REAL, MODE_ELF };

static const char *prog = "vmon-run";
static int quiet;
static int trace;
static volatile sig_atomic_t timed_out;
static struct kvm_run *volatile run_for_signal;

struct uart {
	uint8_t lcr;
};

struct runner {
	struct vmon_guest vm;
	struct uart uart;
	int exit_code;			/* -1 until the guest writes one */
	uint8_t port_warned[2][65536 / 8];
	unsigned long mmio_warned;
	unsigned long exits, io_exits, mmio_exits;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s [--dev PATH] [--mem MiB] [--mode real|elf|auto] [--timeout SEC]\n"
"       [--quiet] [--trace] IMAGE\n"
"\n"
"Runs IMAGE on one vCPU through the KVM ioctl ABI of PATH (default %s).\n"
"  --dev PATH     hypervisor device: /dev/vmon or /dev/kvm\n"
"  --mem MiB      guest RAM at guest-physical 0 (default 64, max %llu)\n"
"  --mode MODE    auto (default): ELF if the file starts with \\177ELF, else raw\n"
"  --timeout SEC  stop the guest after SEC seconds (exit status %d)\n"
"  --quiet        no warnings for unhandled ports/MMIO, no summary line\n"
"  --trace        one line on stderr per exit to userspace\n"
"\n"
"Images:\n"
"  raw  real mode: loaded at 0x7c00, CS:IP = 0000:7c00, SS:SP = 0000:7c00,\n"
"       DS = ES = 0; must end below 0xa0000.\n"
"  elf  ELF64 x86-64 executable, PT_LOAD segments at p_paddr (vaddr must equal\n"
"       paddr), started at e_entry in 64-bit mode: identity map of\n"
"       max(RAM, 4 GiB) with 2 MiB pages, CS = 0x08, DS/ES/SS = 0x10,\n"
"       RSP = top of RAM, no IDT. [0, 0x%llx) holds the runner's GDT and\n"
"       page tables and must stay free.\n"
"Devices:\n"
"  0x3f8-0x3ff  serial port: THR writes go to stdout, LSR reads 0x60\n"
"  0x%x         exit port: writing V ends the run with exit status V & 0xff\n"
"  other ports  warning on stderr; reads return all-ones\n"
"  MMIO         (accesses outside RAM) warning on stderr; reads all-ones\n"
"Exit status:\n"
"  0 guest halted (hlt) or wrote 0 to the exit port; N: guest wrote N\n"
"  %d usage, %d bad image, %d cannot read image, %d cannot open device,\n"
"  %d KVM API/ioctl error, %d guest RAM refused, %d timeout,\n"
"  %d SHUTDOWN (triple fault), %d FAIL_ENTRY, %d INTERNAL_ERROR,\n"
"  %d other exit reason\n",
		prog, VMON_DEFAULT_DEV, VMON_MAX_MEM_MIB, RUN_TIMEOUT,
		(unsigned long long)vmon_lm_reserved_end(64ULL << 20),
		EXIT_PORT, RUN_USAGE, RUN_BADIMAGE, RUN_NOIMAGE, RUN_NODEV,
		RUN_API, RUN_NOMEM, RUN_TIMEOUT, RUN_SHUTDOWN, RUN_FAIL_ENTRY,
		RUN_INTERNAL, RUN_UNEXPECTED);
}

static void on_alarm(int sig)
{
	struct kvm_run *run = run_for_signal;

	(void)sig;
	timed_out = 1;
	/*
	 * A signal that lands between two KVM_RUNs would be missed by the
	 * in-kernel signal check; immediate_exit makes the next KVM_RUN
	 * return -EINTR at once instead.
	 */
	if (run)
		run->immediate_exit = 1;
}

/* ---------------------------------------------------------------- */
/* Image loading                                                     */

struct image {
	const char *path;
	uint8_t *data;
	size_t size;
	enum mode mode;
};

static int read_image(struct image *img)
{
	struct stat st;
	size_t done = 0;
	int fd;

	fd = open(img->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot open image %s: %s\n", prog,
			img->path, strerror(errno));
		return RUN_NOIMAGE;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file\n", prog, img->path);
		close(fd);
		return RUN_NOIMAGE;
	}
	if (st.st_size == 0) {
		fprintf(stderr, "%s: bad image %s: empty file\n", prog,
			img->path);
		close(fd);
		return RUN_BADIMAGE;
	}
	if ((unsigned long long)st.st_size > (VMON_MAX_MEM_MIB << 20)) {
		fprintf(stderr, "%s: bad image %s: larger than any guest RAM\n",
			prog, img->path);
		close(fd);
		return RUN_BADIMAGE;
	}
	img->size = st.st_size;
	img->data = malloc(img->size);
	if (!img->data) {
		fprintf(stderr, "%s: out of memory reading %s\n", prog,
			img->path);
		close(fd);
		return RUN_NOIMAGE;
	}
	while (done < img->size) {
		ssize_t n = read(fd, img->data + done, img->size - done);

		if (n <= 0) {
			fprintf(stderr, "%s: reading %s: %s\n", prog, img->path,
				n < 0 ? strerror(errno) : "short read");
			close(fd);
			return RUN_NOIMAGE;
		}
		done += n;
	}
	close(fd);
	return RUN_OK;
}

static int is_elf(const struct image *img)
{
	return img->size >= SELFMAG && !memcmp(img->data, ELFMAG, SELFMAG);
}

__attribute__((format(printf, 2, 3)))
static int bad(const struct image *img, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: bad image %s: ", prog, img->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return RUN_BADIMAGE;
}

/* Validate an ELF image against a RAM size; on success *entry is set. */
static int check_elf(const struct image *img, uint64_t mem_size,
		     uint64_t *entry)
{
	const Elf64_Ehdr *eh = (const void *)img->data;
	uint64_t reserved = vmon_lm_reserved_end(mem_size);
	int i, nload = 0, entry_ok = 0;

	if (!is_elf(img))
		return bad(img, "not an ELF file (use --mode real for a raw binary)");
	if (img->size < sizeof(*eh))
		return bad(img, "truncated ELF header");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return bad(img, "not a 64-bit ELF (class %u); only ELF64 x86-64 is supported",
			   eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad(img, "not a little-endian ELF");
	if (eh->e_machine != EM_X86_64)
		return bad(img, "ELF machine %u is not x86-64 (%u)", eh->e_machine,
			   EM_X86_64);
	if (eh->e_type != ET_EXEC)
		return bad(img, "ELF type %u is not an executable (ET_EXEC)", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phoff > img->size ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) >
	    img->size - eh->e_phoff)
		return bad(img, "program headers missing or outside the file");

	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(img->data + eh->e_phoff +
						      i * sizeof(*ph));

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		nload++;
		if (ph->p_filesz > ph->p_memsz)
			return bad(img, "segment %d: p_filesz > p_memsz", i);
		if (ph->p_offset > img->size ||
		    ph->p_filesz > img->size - ph->p_offset)
			return bad(img, "segment %d: file data outside the file", i);
		if (ph->p_paddr > mem_size || ph->p_memsz > mem_size - ph->p_paddr)
			return bad(img, "segment %d [0x%llx, 0x%llx) lies outside guest RAM [0, 0x%llx) (try --mem)",
				   i, (unsigned long long)ph->p_paddr,
				   (unsigned long long)(ph->p_paddr + ph->p_memsz),
				   (unsigned long long)mem_size);
		if (ph->p_paddr < reserved)
			return bad(img, "segment %d at 0x%llx overlaps the runner's GDT and page tables [0, 0x%llx)",
				   i, (unsigned long long)ph->p_paddr,
				   (unsigned long long)reserved);
		if (ph->p_vaddr != ph->p_paddr)
			return bad(img, "segment %d: vaddr 0x%llx != paddr 0x%llx; the runner identity-maps RAM",
				   i, (unsigned long long)ph->p_vaddr,
				   (unsigned long long)ph->p_paddr);
		if (eh->e_entry >= ph->p_paddr &&
		    eh->e_entry - ph->p_paddr < ph->p_memsz)
			entry_ok = 1;
	}
	if (!nload)
		return bad(img, "no PT_LOAD segment");
	if (!entry_ok)
		return bad(img, "entry point 0x%llx is not inside a loaded segment",
			   (unsigned long long)eh->e_entry);
	*entry = eh->e_entry;
	return RUN_OK;
}

static void load_elf(const struct image *img, uint8_t *mem)
{
	const Elf64_Ehdr *eh = (const void *)img->data;
	int i;

	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(img->data + eh->e_phoff +
						      i * sizeof(*ph));

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		memcpy(mem + ph->p_paddr, img->data + ph->p_offset,
		       ph->p_filesz);
		memset(mem + ph->p_paddr + ph->p_filesz, 0,
		       ph->p_memsz - ph->p_filesz);
	}
}

static int check_raw(const struct image *img, uint64_t mem_size)
{
	uint64_t end = REAL_LOAD + img->size;

	if (end > REAL_LIMIT)
		return bad(img, "%zu bytes do not fit between 0x7c00 and 0xa0000",
			   img->size);
	if (end > mem_size)
		return bad(img, "%zu bytes at 0x7c00 do not fit in %llu bytes of RAM",
			   img->size, (unsigned long long)mem_size);
	return RUN_OK;
}

/* ---------------------------------------------------------------- */
/* Devices                                                           */

static void serial_out(struct runner *r, uint16_t off, uint8_t val)
{
	switch (off) {
	case 0:
		/* With DLAB set this is the divisor latch, not data. */
		if (!(r->uart.lcr & 0x80)) {
			putchar(val);
			if (val == '\n')
				fflush(stdout);
		}
		break;
	case 3:
		r->uart.lcr = val;
		break;
	default:
		break;
	}
}

static uint8_t serial_in(struct runner *r, uint16_t off)
{
	switch (off) {
	case 2:
		return 0x01;		/* IIR: no interrupt pending */
	case 3:
		return r->uart.lcr;
	case 5:
		return 0x60;		/* LSR: THR and transmitter empty */
	default:
		return 0;
	}
}

static void warn_port(struct runner *r, const struct kvm_run *run)
{
	int dir = run->io.direction == KVM_EXIT_IO_OUT;
	uint16_t port = run->io.port;

	if (quiet || (r->port_warned[dir][port / 8] & (1u << (port % 8))))
		return;
	r->port_warned[dir][port / 8] |= 1u << (port % 8);
	fprintf(stderr, "%s: unhandled port %s 0x%x (size %u)%s; further accesses to it not reported\n",
		prog, dir ? "write to" : "read from", port, run->io.size,
		dir ? "" : ", returning all-ones");
}

/* Returns -1 to continue, or an exit status. */
static int handle_io(struct runner *r)
{
	struct kvm_run *run = r->vm.run;
	uint8_t *data = vmon_pio_data(&r->vm);
	uint16_t port = run->io.port;
	uint32_t i;

	r->io_exits++;
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (port >= SERIAL_BASE && port < SERIAL_BASE + 8) {
			if (run->io.direction == KVM_EXIT_IO_OUT) {
				serial_out(r, port - SERIAL_BASE, data[0]);
			} else {
				memset(data, 0, run->io.size);
				data[0] = serial_in(r, port - SERIAL_BASE);
			}
		} else if (port == EXIT_PORT) {
			if (run->io.direction == KVM_EXIT_IO_OUT) {
				r->exit_code = data[0];
				return data[0];
			}
			memset(data, 0, run->io.size);
		} else {
			warn_port(r, run);
			if (run->io.direction == KVM_EXIT_IO_IN)
				memset(data, 0xff, run->io.size);
		}
	}
	return -1;
}

static void handle_mmio(struct runner *r)
{
	struct kvm_run *run = r->vm.run;
	unsigned int len = run->mmio.len > 8 ? 8 : run->mmio.len;

	r->mmio_exits++;
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, len);
	if (quiet || r->mmio_warned > MMIO_WARN_MAX)
		return;
	if (r->mmio_warned++ == MMIO_WARN_MAX) {
		fprintf(stderr, "%s: further MMIO accesses not reported\n", prog);
		return;
	}
	if (run->mmio.is_write) {
		uint64_t v = 0;

		memcpy(&v, run->mmio.data, len);
		fprintf(stderr, "%s: MMIO write at 0x%llx, size %u, data 0x%llx (ignored)\n",
			prog, (unsigned long long)run->mmio.phys_addr,
			run->mmio.len, (unsigned long long)v);
	} else {
		fprintf(stderr, "%s: MMIO read at 0x%llx, size %u (returning all-ones)\n",
			prog, (unsigned long long)run->mmio.phys_addr,
			run->mmio.len);
	}
}

/* The vCPU state at the time of a failure, for whoever debugs it. */
static void dump_state(struct runner *r)
{
	struct kvm_regs regs;
	struct kvm_sregs s;

	if (ioctl(r->vm.vcpu_fd, KVM_GET_REGS, &regs) == 0)
		fprintf(stderr,
			"  rip %016llx rsp %016llx rflags %08llx\n"
			"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
			"  rsi %016llx rdi %016llx rbp %016llx\n",
			regs.rip, regs.rsp, regs.rflags, regs.rax, regs.rbx,
			regs.rcx, regs.rdx, regs.rsi, regs.rdi, regs.rbp);
	if (ioctl(r->vm.vcpu_fd, KVM_GET_SREGS, &s) == 0)
		fprintf(stderr,
			"  cs %04x base %llx l %u db %u  ss %04x  cr0 %llx cr2 %llx cr3 %llx cr4 %llx efer %llx\n",
			s.cs.selector, s.cs.base, s.cs.l, s.cs.db,
			s.ss.selector, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
}

static const char *internal_suberror_name(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "EMULATION";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "SIMUL_EX";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "DELIVERY_EV";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "UNEXPECTED_EXIT_REASON";
	default:
		return "?";
	}
}

static int report_exit(struct runner *r)
{
	struct kvm_run *run = r->vm.run;
	uint32_t i, n;
	int status;

	fflush(stdout);
	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr, "%s: guest shut down (KVM_EXIT_SHUTDOWN: triple fault or fatal exception)\n",
			prog);
		status = RUN_SHUTDOWN;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, "%s: VM entry failed (KVM_EXIT_FAIL_ENTRY): hardware_entry_failure_reason 0x%llx, cpu %u\n",
			prog,
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			run->fail_entry.cpu);
		status = RUN_FAIL_ENTRY;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		n = run->internal.ndata;
		if (n > 16)
			n = 16;
		fprintf(stderr, "%s: KVM_EXIT_INTERNAL_ERROR: suberror %u (%s), ndata %u",
			prog, run->internal.suberror,
			internal_suberror_name(run->internal.suberror),
			run->internal.ndata);
		for (i = 0; i < n; i++)
			fprintf(stderr, "%s0x%llx", i ? " " : ", data ",
				(unsigned long long)run->internal.data[i]);
		fputc('\n', stderr);
		status = RUN_INTERNAL;
		break;
	case KVM_EXIT_UNKNOWN:
		fprintf(stderr, "%s: KVM_EXIT_UNKNOWN: hardware_exit_reason 0x%llx\n",
			prog,
			(unsigned long long)run->hw.hardware_exit_reason);
		status = RUN_UNEXPECTED;
		break;
	default:
		fprintf(stderr, "%s: unexpected exit reason %u (%s)\n", prog,
			run->exit_reason, vmon_exit_name(run->exit_reason));
		status = RUN_UNEXPECTED;
		break;
	}
	dump_state(r);
	return status;
}

static void trace_exit(struct runner *r)
{
	struct kvm_run *run = r->vm.run;

	fprintf(stderr, "%s: exit %lu: %s", prog, r->exits,
		vmon_exit_name(run->exit_reason));
	if (run->exit_reason == KVM_EXIT_IO)
		fprintf(stderr, " %s port 0x%x size %u count %u",
			run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			run->io.port, run->io.size, run->io.count);
	else if (run->exit_reason == KVM_EXIT_MMIO)
		fprintf(stderr, " %s 0x%llx len %u",
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
	fputc('\n', stderr);
}

static int run_loop(struct runner *r)
{
	struct kvm_run *run = r->vm.run;
	int status;

	for (;;) {
		if (ioctl(r->vm.vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (timed_out)
					return RUN_TIMEOUT;
				continue;
			}
			fprintf(stderr, "%s: KVM_RUN failed: %s\n", prog,
				strerror(errno));
			dump_state(r);
			return RUN_API;
		}
		r->exits++;
		if (trace)
			trace_exit(r);
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			status = handle_io(r);
			if (status >= 0)
				return status;
			break;
		case KVM_EXIT_MMIO:
			handle_mmio(r);
			break;
		case KVM_EXIT_HLT:
			return RUN_OK;
		case KVM_EXIT_INTR:
			if (timed_out)
				return RUN_TIMEOUT;
			break;
		default:
			return report_exit(r);
		}
	}
}

static int parse_num(const char *s, unsigned long long max,
		     unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' || *out == 0 ||
	       *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mem", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'M' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "trace", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct runner r;
	const char *dev = VMON_DEFAULT_DEV;
	unsigned long long mem_mib = 64, timeout = 0;
	struct image img = { .mode = MODE_AUTO };
	struct timespec t0, t1;
	uint64_t mem_size, entry = 0;
	enum vmon_err err;
	int c, status;

	r.exit_code = -1;

	while ((c = getopt_long(argc, argv, "d:m:M:t:qTh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'm':
			if (parse_num(optarg, VMON_MAX_MEM_MIB, &mem_mib)) {
				fprintf(stderr, "%s: --mem takes 1..%llu (MiB)\n",
					prog, VMON_MAX_MEM_MIB);
				return RUN_USAGE;
			}
			break;
		case 'M':
			if (!strcmp(optarg, "real") || !strcmp(optarg, "raw"))
				img.mode = MODE_REAL;
			else if (!strcmp(optarg, "elf"))
				img.mode = MODE_ELF;
			else if (!strcmp(optarg, "auto"))
				img.mode = MODE_AUTO;
			else {
				fprintf(stderr, "%s: --mode takes real, elf or auto\n",
					prog);
				return RUN_USAGE;
			}
			break;
		case 't':
			if (parse_num(optarg, 1000000, &timeout)) {
				fprintf(stderr, "%s: --timeout takes 1..1000000 (seconds)\n",
					prog);
				return RUN_USAGE;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 'T':
			trace = 1;
			break;
		case 'h':
			usage(stdout);
			return RUN_OK;
		default:
			usage(stderr);
			return RUN_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return RUN_USAGE;
	}
	img.path = argv[optind];
	mem_size = mem_mib << 20;

	status = read_image(&img);
	if (status)
		return status;
	if (img.mode == MODE_AUTO)
		img.mode = is_elf(&img) ? MODE_ELF : MODE_REAL;
	status = img.mode == MODE_ELF ? check_elf(&img, mem_size, &entry) :
					check_raw(&img, mem_size);
	if (status)
		return status;

	err = vmon_open(&r.vm, dev);
	if (!err)
		err = vmon_create(&r.vm, mem_size);
	if (!err)
		err = vmon_set_cpuid(&r.vm);
	if (!err) {
		if (img.mode == MODE_ELF) {
			load_elf(&img, r.vm.mem);
			err = vmon_setup_long_mode(&r.vm, entry, mem_size);
		} else {
			memcpy(r.vm.mem + REAL_LOAD, img.data, img.size);
			err = vmon_setup_real_mode(&r.vm, REAL_LOAD, REAL_LOAD);
		}
	}
	switch (err) {
	case VMON_OK:
		break;
	case VMON_ERR_DEV:
		return RUN_NODEV;
	case VMON_ERR_MEM:
		return RUN_NOMEM;
	default:
		return RUN_API;
	}

	if (timeout) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;	/* no SA_RESTART: KVM_RUN must return */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		run_for_signal = r.vm.run;
		alarm(timeout);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = run_loop(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	alarm(0);
	fflush(stdout);

	if (status == RUN_TIMEOUT) {
		fprintf(stderr, "%s: timeout: guest still running after %llu s, stopped\n",
			prog, timeout);
		dump_state(&r);
	} else if (!quiet && (r.exit_code >= 0 ||
			      r.vm.run->exit_reason == KVM_EXIT_HLT)) {
		double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

		fprintf(stderr, "%s: guest %s, exit status %d (%lu exits: %lu io, %lu mmio; %.3f s)\n",
			prog, r.exit_code >= 0 ? "wrote the exit port" :
			"halted", status, r.exits, r.io_exits, r.mmio_exits, s);
	}
	vmon_close(&r.vm);
	free(img.data);
	return status;
}
