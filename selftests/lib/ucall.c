// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest ucalls: the guest's way to talk to the host.
 *
 * The guest builds a struct ucall on its stack and executes
 * "out %al, $UCALL_PORT" with RDI holding the struct's address (gva ==
 * gpa in the identity map). An OUT rather than an IN keeps the ucall
 * independent of the IN-completion path, which pio_test checks on its own.
 */
#include <stdarg.h>
#include <sys/ioctl.h>

#include "vmtest.h"

/* ---- guest side: no libc below this line until the host part ---- */

void ucall(u64 cmd, int nargs, ...)
{
	struct ucall uc;
	va_list va;
	int i;

	uc.cmd = cmd;
	uc.expr = NULL;
	uc.file = NULL;
	uc.line = 0;
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc.args[i] = 0;
	if (nargs > UCALL_MAX_ARGS)
		nargs = UCALL_MAX_ARGS;
	va_start(va, nargs);
	for (i = 0; i < nargs; i++)
		uc.args[i] = va_arg(va, u64);
	va_end(va);

	asm volatile("outb %%al, %%dx"
		     : : "a"(0), "d"(UCALL_PORT), "D"(&uc) : "memory");
}

void guest_assert_fail(const char *expr, const char *file, int line,
		       int nvals, u64 a, u64 b)
{
	struct ucall uc;

	uc.cmd = UCALL_ABORT;
	uc.args[0] = nvals;
	uc.args[1] = a;
	uc.args[2] = b;
	uc.args[3] = 0;
	uc.expr = expr;
	uc.file = file;
	uc.line = line;
	for (;;)
		asm volatile("outb %%al, %%dx"
			     : : "a"(0), "d"(UCALL_PORT), "D"(&uc) : "memory");
}

void guest_memset(void *d, int c, size_t n)
{
	volatile u8 *p = d;

	while (n--)
		*p++ = c;
}

void guest_memcpy(void *d, const void *s, size_t n)
{
	volatile u8 *p = d;
	const volatile u8 *q = s;

	while (n--)
		*p++ = *q++;
}

/* Called from lib/guest_entry.S with the exception frame. */
void vt_guest_exception(const u64 *frame)
{
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	for (;;)
		ucall(UCALL_EXCEPTION, 4, frame[0], frame[1], frame[2], cr2);
}

void vt_guest_returned(void)
{
	for (;;)
		GUEST_DONE();
}

/* ---- host side ---- */

u64 get_ucall(struct vt_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;

	if (uc)
		memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT)
		return UCALL_NONE;
	vcpu_regs_get(vcpu, &regs);
	if (uc)
		memcpy(uc, gpa2hva(vcpu->vm, regs.rdi), sizeof(*uc));
	return ((struct ucall *)gpa2hva(vcpu->vm, regs.rdi))->cmd;
}

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "9",
	"#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP",
};

/* Fail the test for a guest assertion or exception. */
void __vt_ucall_check(const char *file, int line, const struct ucall *uc)
{
	u64 v = uc->args[0];

	if (uc->cmd == UCALL_ABORT) {
		if (uc->args[0] == 2)
			__vt_fail(file, line,
				  "guest assertion at %s:%llu: %s (0x%llx != 0x%llx)",
				  uc->file, (unsigned long long)uc->line,
				  uc->expr, (unsigned long long)uc->args[1],
				  (unsigned long long)uc->args[2]);
		__vt_fail(file, line, "guest assertion at %s:%llu: %s",
			  uc->file, (unsigned long long)uc->line, uc->expr);
	}
	if (uc->cmd == UCALL_EXCEPTION && v >= 32)
		__vt_fail(file, line,
			  "unexpected guest interrupt, vector %llu, at rip 0x%llx",
			  (unsigned long long)v,
			  (unsigned long long)uc->args[2]);
	if (uc->cmd == UCALL_EXCEPTION)
		__vt_fail(file, line,
			  "guest exception %s (vector %llu) error 0x%llx at rip 0x%llx, cr2 0x%llx",
			  v < 32 && exc_names[v] ? exc_names[v] : "?",
			  (unsigned long long)v,
			  (unsigned long long)uc->args[1],
			  (unsigned long long)uc->args[2],
			  (unsigned long long)uc->args[3]);
}

u64 __vcpu_run_ucall(const char *file, int line, struct vt_vcpu *vcpu,
		     struct ucall *uc)
{
	struct ucall tmp;
	u64 cmd;

	if (!uc)
		uc = &tmp;
	vcpu_run(vcpu);
	__vcpu_assert_exit(file, line, vcpu, KVM_EXIT_IO);
	cmd = get_ucall(vcpu, uc);
	if (cmd == UCALL_NONE)
		__vt_fail(file, line, "expected a ucall, got an IO exit on port 0x%x",
			  vcpu->run->io.port);
	__vt_ucall_check(file, line, uc);
	return cmd;
}

u64 __vcpu_run_sync(const char *file, int line, struct vt_vcpu *vcpu)
{
	struct ucall uc;
	u64 cmd = __vcpu_run_ucall(file, line, vcpu, &uc);

	if (cmd != UCALL_SYNC)
		__vt_fail(file, line, "expected GUEST_SYNC, got ucall %llu",
			  (unsigned long long)cmd);
	return uc.args[0];
}

void __vcpu_run_done(const char *file, int line, struct vt_vcpu *vcpu)
{
	struct ucall uc;
	u64 cmd = __vcpu_run_ucall(file, line, vcpu, &uc);

	if (cmd != UCALL_DONE)
		__vt_fail(file, line, "expected GUEST_DONE, got ucall %llu (arg 0x%llx)",
			  (unsigned long long)cmd,
			  (unsigned long long)uc.args[0]);
}
