// SPDX-License-Identifier: GPL-2.0
/*
 * vmon-bench: the same micro-benchmarks on /dev/vmon and /dev/kvm, timed on
 * the host with CLOCK_MONOTONIC. Each result is one line on stdout:
 *
 *   bench <name> <value> <unit>
 *
 * and a benchmark that fails prints "bench <name> error -" (details on
 * stderr) and makes the exit status 1. Lines starting with '#' are
 * comments. The guests are in bench-guests.S; the interrupt benchmarks
 * (ipi, irqfd, timer) and theirs are in bench-irq.c and bench-irq.S.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "libvmon.h"

#define BENCH_CODE	0x100000ULL	/* guest code; stack grows down below */
#define FAULT_BASE	(16ULL << 20)	/* first byte of the fresh region */
#define DONE_PORT	0xf5
#define PIO_PORT	0xf6

extern const uint8_t bench_cpuid[], bench_cpuid_end[];
extern const uint8_t bench_pio[], bench_pio_end[];
extern const uint8_t bench_touch[], bench_touch_end[];

const char *bench_dev = VMON_DEFAULT_DEV;

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A VM with @code at BENCH_CODE, in long mode, RDI/RSI set. */
static int bench_vm(struct vmon_guest *vm, uint64_t mem, const uint8_t *code,
		    const uint8_t *code_end)
{
	if (vmon_open(vm, bench_dev) || vmon_create(vm, mem) || vmon_set_cpuid(vm))
		return -1;
	memcpy(vm->mem + BENCH_CODE, code, code_end - code);
	return 0;
}

static int start(struct vmon_guest *vm, uint64_t rdi, uint64_t rsi)
{
	struct kvm_regs regs;

	if (vmon_setup_long_mode(vm, BENCH_CODE, BENCH_CODE))
		return -1;
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0) {
		perror("KVM_GET_REGS");
		return -1;
	}
	regs.rdi = rdi;
	regs.rsi = rsi;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		perror("KVM_SET_REGS");
		return -1;
	}
	return 0;
}

static int run_once(struct vmon_guest *vm)
{
	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) == 0)
			return 0;
		if (errno != EINTR && errno != EAGAIN) {
			perror("KVM_RUN");
			return -1;
		}
	}
}

static int expect(struct vmon_guest *vm, uint32_t reason, int port)
{
	struct kvm_run *run = vm->run;

	if (run->exit_reason == reason &&
	    (port < 0 || (run->io.port == port &&
			  run->io.direction == KVM_EXIT_IO_OUT)))
		return 0;
	fprintf(stderr, "vmon-bench: expected exit %s", vmon_exit_name(reason));
	if (port >= 0)
		fprintf(stderr, " on port 0x%x", port);
	fprintf(stderr, ", got %s (%u)", vmon_exit_name(run->exit_reason),
		run->exit_reason);
	if (run->exit_reason == KVM_EXIT_IO)
		fprintf(stderr, " port 0x%x", run->io.port);
	fputc('\n', stderr);
	return -1;
}

/*
 * Run a guest that ends with "out DONE_PORT; hlt" and time it up to the
 * OUT. The hlt run afterwards completes the OUT before anyone touches the
 * registers again.
 */
static int run_to_done(struct vmon_guest *vm, uint64_t rdi, uint64_t rsi,
		       double *secs)
{
	double t0;

	if (start(vm, rdi, rsi))
		return -1;
	t0 = bench_now();
	if (run_once(vm))
		return -1;
	*secs = bench_now() - t0;
	if (expect(vm, KVM_EXIT_IO, DONE_PORT) || run_once(vm) ||
	    expect(vm, KVM_EXIT_HLT, -1))
		return -1;
	return 0;
}

static int bench_cpuid_exit(unsigned long iters, double *ns)
{
	struct vmon_guest vm;
	double secs;
	int ret = -1;

	if (bench_vm(&vm, 16ULL << 20, bench_cpuid, bench_cpuid_end))
		goto out;
	/* Warm-up: first entry, code and page-table faults. */
	if (run_to_done(&vm, 100, 0, &secs) ||
	    run_to_done(&vm, iters, 0, &secs))
		goto out;
	*ns = secs * 1e9 / iters;
	ret = 0;
out:
	vmon_close(&vm);
	return ret;
}

static int pio_loop(struct vmon_guest *vm, unsigned long iters)
{
	unsigned long n = 0;

	if (start(vm, iters, 0))
		return -1;
	for (;;) {
		if (run_once(vm))
			return -1;
		if (vm->run->exit_reason == KVM_EXIT_HLT)
			break;
		if (expect(vm, KVM_EXIT_IO, PIO_PORT))
			return -1;
		n++;
	}
	if (n != iters) {
		fprintf(stderr, "vmon-bench: %lu PIO exits, expected %lu\n", n,
			iters);
		return -1;
	}
	return 0;
}

static int bench_pio_exit(unsigned long iters, double *ns)
{
	struct vmon_guest vm;
	double t0;
	int ret = -1;

	if (bench_vm(&vm, 16ULL << 20, bench_pio, bench_pio_end) ||
	    pio_loop(&vm, 100))
		goto out;
	t0 = bench_now();
	if (pio_loop(&vm, iters))
		goto out;
	*ns = (bench_now() - t0) * 1e9 / iters;
	ret = 0;
out:
	vmon_close(&vm);
	return ret;
}

static int bench_tdp_fault(unsigned long mib, double *ns)
{
	struct vmon_guest vm;
	uint64_t pages = (mib << 20) / 4096;
	double secs;
	int ret = -1;

	if (bench_vm(&vm, FAULT_BASE + (mib << 20), bench_touch,
		     bench_touch_end))
		goto out;
	/* Warm-up below the region: code, stack page, guest page tables. */
	if (run_to_done(&vm, BENCH_CODE + 0x10000, 1, &secs) ||
	    run_to_done(&vm, FAULT_BASE, pages, &secs))
		goto out;
	*ns = secs * 1e9 / pages;
	ret = 0;
out:
	vmon_close(&vm);
	return ret;
}

static int bench_vm_cycle(unsigned long n, double *ns)
{
	struct vmon_guest vm;
	double t0;
	unsigned long i;
	int ret = -1;

	if (vmon_open(&vm, bench_dev))
		goto out;
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		if (vmon_create(&vm, 2ULL << 20))
			goto out;
		vmon_destroy(&vm);
	}
	*ns = (bench_now() - t0) * 1e9 / n;
	ret = 0;
out:
	vmon_close(&vm);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vmon-bench [--dev PATH] [--iters N] [--fault-mib M] [--vms V]\n"
"                  [--irqs I] [--timer-ms T] [--reps R] [--only LIST]\n"
"  --dev PATH     /dev/vmon (default) or /dev/kvm\n"
"  --iters N      guest loop iterations for cpuid and pio (default 10000)\n"
"  --fault-mib M  size of the fresh region the guest touches (default 64)\n"
"  --vms V        VM create/destroy cycles (default 20)\n"
"  --irqs I       measured round trips for ipi and irqfd (default 2000;\n"
"                 a tenth more, at least 10, as warm-up)\n"
"  --timer-ms T   interval the timer benchmark counts over (default 1000)\n"
"  --reps R       run each benchmark R times, report the best (default 3)\n"
"  --only LIST    comma-separated subset of: cpuid,pio,tdp,vm,ipi,irqfd,timer\n"
"Output: 'bench <name> <value> <unit>' per result:\n"
"  cpuid_exit_ns         guest CPUID, exit handled in the kernel, per iteration\n"
"  pio_exit_ns           guest OUT, exit to userspace and back, per iteration\n"
"  tdp_fault_mib_s       first touch of fresh guest RAM, one write per 4 KiB\n"
"  tdp_fault_ns          the same, per page\n"
"  vm_create_destroy_us  KVM_CREATE_VM + memslot + vCPU + close, per cycle\n"
"  vm_create_destroy_per_s  the same, cycles per second\n"
"  ipi_roundtrip_ns      x2APIC IPI vCPU 0 -> 1, answered 1 -> 0, both in HLT\n"
"  irqfd_roundtrip_ns    eventfd write -> MSI via KVM_IRQFD -> guest handler\n"
"                        -> OUT to a KVM_IOEVENTFD port -> host read\n"
"  timer_irq_per_s       TSC-deadline interrupts, re-armed to expire at once\n");
}

static int selected(const char *only, const char *name)
{
	size_t n = strlen(name);
	const char *p = only;

	if (!only)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == only || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static unsigned long parse_count(const char *opt, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || !v || v > 1000000000UL) {
		fprintf(stderr, "vmon-bench: %s takes a count 1..1000000000\n",
			opt);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "iters", required_argument, NULL, 'i' },
		{ "fault-mib", required_argument, NULL, 'f' },
		{ "vms", required_argument, NULL, 'v' },
		{ "irqs", required_argument, NULL, 'I' },
		{ "timer-ms", required_argument, NULL, 'T' },
		{ "only", required_argument, NULL, 'o' },
		{ "reps", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long iters = 10000, fault_mib = 64, vms = 20, reps = 3;
	unsigned long irqs = 2000, timer_ms = 1000;
	const struct bench {
		const char *key, *name;
		int (*fn)(unsigned long n, double *ns);
		unsigned long *n;
	} benches[] = {
		{ "cpuid", "cpuid_exit_ns", bench_cpuid_exit, &iters },
		{ "pio", "pio_exit_ns", bench_pio_exit, &iters },
		{ "tdp", "tdp_fault_mib_s", bench_tdp_fault, &fault_mib },
		{ "vm", "vm_create_destroy_us", bench_vm_cycle, &vms },
		{ "ipi", "ipi_roundtrip_ns", bench_ipi, &irqs },
		{ "irqfd", "irqfd_roundtrip_ns", bench_irqfd, &irqs },
		{ "timer", "timer_irq_per_s", bench_timer, &timer_ms },
	}, *b;
	const char *only = NULL;
	int c, failed = 0;

	while ((c = getopt_long(argc, argv, "d:i:f:v:I:T:o:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			bench_dev = optarg;
			break;
		case 'i':
			iters = parse_count("--iters", optarg);
			break;
		case 'f':
			fault_mib = parse_count("--fault-mib", optarg);
			if (fault_mib > 4096) {
				fprintf(stderr, "vmon-bench: --fault-mib at most 4096\n");
				return 2;
			}
			break;
		case 'v':
			vms = parse_count("--vms", optarg);
			break;
		case 'I':
			irqs = parse_count("--irqs", optarg);
			break;
		case 'T':
			timer_ms = parse_count("--timer-ms", optarg);
			break;
		case 'o':
			only = optarg;
			break;
		case 'r':
			reps = parse_count("--reps", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (only) {
		size_t nsel = 0;

		for (b = benches; b < benches + ARRAY_SIZE(benches); b++)
			nsel += selected(only, b->key) ? strlen(b->key) + 1 : 0;
		/* Every byte of LIST must belong to a known name + comma. */
		if (nsel != strlen(only) + 1) {
			fprintf(stderr, "vmon-bench: --only takes a comma-separated subset of cpuid,pio,tdp,vm,ipi,irqfd,timer\n");
			return 2;
		}
	}

	printf("# vmon-bench dev=%s iters=%lu fault_mib=%lu vms=%lu irqs=%lu timer_ms=%lu reps=%lu\n",
	       bench_dev, iters, fault_mib, vms, irqs, timer_ms, reps);
	fflush(stdout);

	for (b = benches; b < benches + ARRAY_SIZE(benches); b++) {
		double best = 0, ns;
		unsigned long r;

		if (!selected(only, b->key))
			continue;
		/*
		 * The CPU is shared with whatever else runs on the machine:
		 * the fastest of a few runs is the least disturbed one.
		 */
		for (r = 0; r < reps; r++) {
			if (b->fn(*b->n, &ns)) {
				best = -1;
				break;
			}
			if (!r || ns < best)
				best = ns;
		}
		if (best < 0) {
			printf("bench %s error -\n", b->name);
			failed = 1;
		} else if (!strcmp(b->key, "tdp")) {
			printf("bench tdp_fault_mib_s %.1f MiB/s\n",
			       4096.0 / (1 << 20) / (best / 1e9));
			printf("bench tdp_fault_ns %.0f ns\n", best);
		} else if (!strcmp(b->key, "vm")) {
			printf("bench vm_create_destroy_us %.0f us\n", best / 1e3);
			printf("bench vm_create_destroy_per_s %.1f 1/s\n",
			       1e9 / best);
		} else if (!strcmp(b->key, "timer")) {
			printf("bench timer_irq_per_s %.0f 1/s\n", 1e9 / best);
		} else {
			printf("bench %s %.0f ns\n", b->name, best);
		}
		fflush(stdout);
	}
	return failed;
}
