// SPDX-License-Identifier: GPL-2.0
/*
 * The module behind the device must stay loaded while anything of it is
 * open: the device fd, a VM fd or a vCPU fd alone (after the others were
 * closed) each hold a reference, so delete_module() refuses and never
 * frees code a file still points at. Nothing is ever unloaded: the test
 * calls delete_module() only when sysfs shows a reference held by us, in
 * which case the kernel must refuse.
 *
 * The module is derived from the device: /dev/kvm belongs to the vendor
 * module (kvm_amd or kvm_intel: KVM gives its file operations that owner),
 * any other node to the module of the same name (/dev/vmon -> vmon).
 */
#include <fcntl.h>
#include <libgen.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

static const char *device_module(void)
{
	static char name[64];

	if (vt_dev_is_kvm())
		return access("/sys/module/kvm_amd", F_OK) == 0 ? "kvm_amd" :
								 "kvm_intel";
	snprintf(name, sizeof(name), "%s", vt_dev_path());
	return basename(name);
}

static long module_refcnt(const char *mod)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/* Skips unless the module's reference count can be read. */
#define REQUIRE_MODULE(mod, base) do {					\
	mod = device_module();						\
	base = module_refcnt(mod);					\
	if (base == -ENOENT)						\
		SKIP(return, "/sys/module/%s/refcnt: not there (built in, or no CONFIG_MODULE_UNLOAD)", \
		     mod);						\
	ASSERT_LE(0, base) TH_LOG("/sys/module/%s/refcnt: %s", mod,	\
				  strerror(-base));			\
	if (geteuid() != 0)						\
		SKIP(return, "delete_module() needs CAP_SYS_MODULE");	\
} while (0)

/*
 * delete_module() while we hold a reference. In 6.1 a module whose count
 * is not zero makes try_stop_module() fail with EWOULDBLOCK (EAGAIN);
 * EBUSY is for a module that is not live or cannot be unloaded at all.
 * Both mean "refused"; anything else (0!) is a failure.
 */
static void expect_refused(struct __test_metadata *_metadata,
			   const char *mod, long base, const char *holder)
{
	long cnt = module_refcnt(mod);
	int r;

	ASSERT_LT(base, cnt) TH_LOG("%s: refcnt %ld, was %ld before: the module is not pinned",
				    holder, cnt, base);
	r = syscall(__NR_delete_module, mod, O_NONBLOCK);
	ASSERT_EQ(-1, r) TH_LOG("%s: delete_module(%s) succeeded", holder,
				mod);
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY)
		TH_LOG("%s: delete_module(%s): %s", holder, mod,
		       strerror(errno));
	TH_LOG("%s: refcnt %ld (base %ld), delete_module: %s", holder, cnt,
	       base, strerror(errno));
	EXPECT_EQ(0, access(vt_dev_path(), F_OK));
}

/* The count must come back: an fd that leaks a reference pins forever. */
static void expect_released(struct __test_metadata *_metadata,
			    const char *mod, long base)
{
	long cnt;
	int i;

	/* Releases may finish asynchronously (RCU, workqueues). */
	for (i = 0; i < 50; i++) {
		cnt = module_refcnt(mod);
		if (cnt == base)
			break;
		usleep(20000);
	}
	EXPECT_EQ(base, cnt);
}

TEST(vm_fd_pins_module)
{
	const char *mod;
	long base;
	int dev, vm;

	REQUIRE_MODULE(mod, base);
	dev = vt_open_dev();
	expect_refused(_metadata, mod, base, "device fd");
	vm = ioctl(dev, KVM_CREATE_VM, 0UL);
	ASSERT_LE(0, vm) TH_LOG("KVM_CREATE_VM: %s", strerror(errno));
	expect_refused(_metadata, mod, base, "device + VM fd");
	/* The VM fd alone. */
	close(dev);
	expect_refused(_metadata, mod, base, "VM fd");
	close(vm);
	expect_released(_metadata, mod, base);
}

TEST(vcpu_fd_pins_module)
{
	struct vt_vm *vm;
	struct vt_vcpu *vcpu;
	const char *mod;
	long base;

	REQUIRE_MODULE(mod, base);
	vm = vm_create_bare();
	vm_mem_add(vm, 0, 0, 2 << 20, 0);
	vcpu = vcpu_create_bare(vm, 0);
	/* Only the vCPU fd and its kvm_run mapping are left. */
	close(vm->fd);
	close(vm->dev_fd);
	vm->fd = vm->dev_fd = -1;
	expect_refused(_metadata, mod, base, "vCPU fd");
	close(vcpu->fd);
	vcpu->fd = -1;
	/* The mapping of kvm_run alone keeps the file (and module) alive. */
	expect_refused(_metadata, mod, base, "kvm_run mapping");
	EXPECT_EQ(0, munmap(vcpu->run, vcpu->run_size));
	vcpu->run = NULL;
	vm->vcpus[0] = NULL;
	free(vcpu);
	expect_released(_metadata, mod, base);
	vm_free(vm);
}

/*
 * The node is a misc device (major 10), as KVM's is: sysfs lists it in
 * /sys/class/misc/<name>, and its dev attribute names the node's numbers.
 */
TEST(node_is_misc_device)
{
	char path[128], want[32], got[32] = "";
	struct stat st;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, stat(vt_dev_path(), &st)) TH_LOG("stat %s: %s",
						      vt_dev_path(),
						      strerror(errno));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(10, major(st.st_rdev)) TH_LOG("%s is %u:%u, not misc",
						vt_dev_path(),
						major(st.st_rdev),
						minor(st.st_rdev));
	snprintf(path, sizeof(path), "/sys/class/misc/%s/dev",
		 basename(strdupa(vt_dev_path())));
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	ASSERT_LT(0, n);
	got[strcspn(got, "\n")] = 0;
	snprintf(want, sizeof(want), "%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	EXPECT_STREQ(want, got);
}

TEST_HARNESS_MAIN
