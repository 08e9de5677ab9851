/*
 * One writer at a time on a device file (authenticator/device/device_lock.c): imports run at once
 * all keep their credentials; the temporary of a writer killed before its rename is removed by the
 * next load and the file is whole; a lock nests in its thread (load and save inside a caller's
 * read-modify-write leave the lock held) and excludes other processes and threads; a reader never
 * waits; nothing is left beside the file, and no lock file is made beside a missing one. A save
 * through a symbolic link replaces the file it leads to; a FIFO or a device is refused at once;
 * the names that would write into a device file (its lock, its temporaries) are known.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, pthread */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authenticator/device/attest.h"
#include "authenticator/device/device_io.h"
#include "authenticator/device/device_lock.h"
#include "webauthn/cose.h"

#define WRITERS 10
#define NOW     ((time_t)1767225600)

typedef struct folder {
	char dir[64];
	char path[96]; /* dir/phone.json */
} folder;

static int setup(void **state)
{
	folder *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kagura-device-lock-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/phone.json", f->dir);
	*state = f;
	return 0;
}

/* The folder holds only the device file (no lock file, no temporary): removing it empties it. */
static int teardown(void **state)
{
	folder *f = *state;
	int rc =
	        (unlink(f->path) == 0 || access(f->path, F_OK) != 0) && rmdir(f->dir) == 0 ? 0 : -1;

	if (rc != 0)
		print_error("%s: something besides the device file was left\n", f->dir);
	free(f);
	return rc;
}

/* The names in dir, sorted, space-separated. */
static void listing(const char *dir, char *out, size_t size)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t used = 0;

	assert_true(n >= 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "",
			                         names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

/* A device holding one discoverable ES256 credential for user (none when user is NULL). */
static void device_with(au_device *dev, const char *user)
{
	au_credential *c;
	uint8_t id[32];

	assert_int_equal(au_device_init(dev, "android-chrome"), AU_OK);
	if (user == NULL)
		return;
	assert_non_null(c = au_device_add_credential(dev));
	assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
	assert_int_equal(wa_blob_set(&c->id, id, sizeof(id)), WA_OK);
	assert_int_equal(wa_blob_set(&c->user_id, user, strlen(user)), WA_OK);
	snprintf(c->rp_id, sizeof(c->rp_id), "example.org");
	snprintf(c->user_name, sizeof(c->user_name), "%s", user);
	assert_non_null(c->key = au_keygen(WA_COSE_ES256));
	c->alg = WA_COSE_ES256;
	c->resident = true;
	c->created = NOW;
}

static size_t credentials_in(const char *path)
{
	au_device dev;
	size_t n;

	assert_int_equal(au_device_load(&dev, path), AU_OK);
	n = dev.n_credentials;
	au_device_free(&dev);
	return n;
}

static void wait_exit(pid_t pid, int status)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), status);
}

/* ---- changes at once all kept ---- */

/* Ten processes import a credential each into one device file, started together. */
static void test_imports_at_once_all_kept(void **state)
{
	folder *f = *state;
	au_io_import_opts o = {.format = AU_IO_CDP, .now = NOW};
	char *text[WRITERS];
	pid_t pid[WRITERS];
	int start[2];
	au_device dev;

	device_with(&dev, NULL);
	assert_int_equal(au_device_save(&dev, f->path), AU_OK);
	au_device_free(&dev);
	for (int i = 0; i < WRITERS; i++) {
		char user[16];
		au_io_report rep;
		json_t *doc;
		snprintf(user, sizeof(user), "user-%d", i);
		device_with(&dev, user);
		assert_int_equal(au_io_export(&dev, AU_IO_CDP, NULL, &doc, &rep), AU_IO_OK);
		assert_non_null(text[i] = json_dumps(doc, JSON_COMPACT));
		json_decref(doc);
		au_device_free(&dev);
	}
	/* Each child waits for the pipe to close, so all of them read the file at about once. */
	assert_int_equal(pipe(start), 0);
	for (int i = 0; i < WRITERS; i++) {
		assert_true((pid[i] = fork()) >= 0);
		if (pid[i] == 0) {
			au_io_import_result res;
			au_io_report rep;
			char c;
			close(start[1]);
			(void)!read(start[0], &c, 1);
			_exit(au_io_import_file(f->path, text[i], strlen(text[i]), &o, &res,
			                        &rep) == AU_IO_OK
			              ? 0
			              : 1);
		}
	}
	close(start[0]);
	close(start[1]);
	for (int i = 0; i < WRITERS; i++)
		wait_exit(pid[i], 0);
	assert_int_equal(credentials_in(f->path), WRITERS);
	for (int i = 0; i < WRITERS; i++)
		free(text[i]);
}

/* ---- a writer killed before its rename ---- */

/*
 * A child writes a temporary as au_device_save does (the private keys in it) and is killed with
 * SIGKILL before renaming it, holding the lock when lock is true; tmp gets the temporary's path,
 * the one file in the folder besides the device file.
 */
static void killed_writer(const folder *f, bool lock, char *tmp, size_t size)
{
	const char *want;
	char names[512];
	pid_t pid;
	int st;

	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		au_device_lock *l = NULL;
		FILE *in = fopen(f->path, "rb");
		char buf[65536];
		size_t n = in ? fread(buf, 1, sizeof(buf), in) : 0;
		int fd;
		if (lock && au_device_lock_take(f->path, AU_LOCK_EXISTING, &l) != AU_OK)
			_exit(1);
		snprintf(tmp, size, "%s.tmpXXXXXX", f->path);
		if ((fd = mkstemp(tmp)) < 0 || write(fd, buf, n) != (ssize_t)n || fsync(fd) != 0)
			_exit(1);
		raise(SIGKILL);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* Left beside the file: the temporary, and the lock file a killed holder cannot remove. */
	listing(f->dir, names, sizeof(names));
	want = lock ? "phone.json phone.json.lock phone.json.tmp" : "phone.json phone.json.tmp";
	assert_int_equal(strlen(names), strlen(want) + 6);
	assert_memory_equal(names, want, strlen(want));
	snprintf(tmp, size, "%s/%s", f->dir, names + strlen(want) - strlen("phone.json.tmp"));
}

static void test_killed_writer_temp_removed(void **state)
{
	folder *f = *state;
	char tmp[128], names[512];
	au_device dev;

	device_with(&dev, "alice");
	assert_int_equal(au_device_save(&dev, f->path), AU_OK);
	au_device_free(&dev);
	killed_writer(f, false, tmp, sizeof(tmp));
	/* The next load removes it; the file is whole. */
	assert_int_equal(credentials_in(f->path), 1);
	listing(f->dir, names, sizeof(names));
	assert_string_equal(names, "phone.json");
}

/* The same with the lock held when it died: the system dropped the lock, the next take has it. */
static void test_killed_holder_lock_free(void **state)
{
	folder *f = *state;
	char tmp[128], names[512];
	au_device_lock *lock = NULL;
	au_device dev;

	device_with(&dev, "alice");
	assert_int_equal(au_device_save(&dev, f->path), AU_OK);
	au_device_free(&dev);
	killed_writer(f, true, tmp, sizeof(tmp));
	assert_int_equal(access(tmp, F_OK), 0);
	assert_int_equal(au_device_lock_take(f->path, AU_LOCK_EXISTING, &lock), AU_OK);
	assert_non_null(lock);
	assert_int_not_equal(access(tmp, F_OK), 0);
	au_device_lock_release(&lock);
	assert_null(lock);
	listing(f->dir, names, sizeof(names));
	assert_string_equal(names, "phone.json");
	assert_int_equal(credentials_in(f->path), 1);
}

/* A temporary of another file, or not of mkstemp's pattern, is not ours: it stays. */
static void test_other_temps_kept(void **state)
{
	folder *f = *state;
	static const char *const others[] = {"phone.json.tmpAbC12", "phone.json.tmpAbC12de",
	                                     "other.json.tmpAbC12d", "phone.json.tmpAbC-2d"};
	char p[160], names[512];
	au_device dev;

	device_with(&dev, NULL);
	assert_int_equal(au_device_save(&dev, f->path), AU_OK);
	au_device_free(&dev);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		FILE *o;
		snprintf(p, sizeof(p), "%s/%s", f->dir, others[i]);
		assert_non_null(o = fopen(p, "w"));
		fclose(o);
	}
	assert_int_equal(credentials_in(f->path), 0);
	listing(f->dir, names, sizeof(names));
	assert_string_equal(names, "other.json.tmpAbC12d phone.json phone.json.tmpAbC-2d "
	                           "phone.json.tmpAbC12 phone.json.tmpAbC12de");
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, others[i]);
		assert_int_equal(unlink(p), 0);
	}
}

/* ---- nesting and exclusion ---- */

/*
 * In another process: the lock is busy (an fcntl lock on a new descriptor of FILE.lock is refused;
 * a forked child shares its parent's descriptors, and with them the parent's lock), and a load
 * does not wait for it.
 */
static void expect_busy_in_child(const char *path)
{
	pid_t pid;

	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		char lock_path[128];
		au_device dev;
		int fd;
		snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
		if ((fd = open(lock_path, O_RDWR)) < 0)
			_exit(1);
		if (fcntl(fd, F_SETLK, &fl) == 0 || (errno != EAGAIN && errno != EACCES))
			_exit(2);
		if (au_device_load(&dev, path) != AU_OK)
			_exit(3);
		_exit(0);
	}
	wait_exit(pid, 0);
}

static void *try_in_thread(void *path)
{
	au_device_lock *l = au_device_lock_try(path);
	bool busy = l == NULL;

	au_device_lock_release(&l);
	return busy ? path : NULL;
}

static void test_lock_nests_and_excludes(void **state)
{
	folder *f = *state;
	au_device_lock *lock = NULL, *again = NULL;
	au_device dev;
	pthread_t t;
	void *busy;

	device_with(&dev, "alice");
	assert_int_equal(au_device_save(&dev, f->path), AU_OK);
	au_device_free(&dev);
	assert_int_equal(au_device_lock_take(f->path, AU_LOCK_EXISTING, &lock), AU_OK);
	assert_non_null(lock);
	/* A load and a save inside the read-modify-write nest: the lock is still held after them.
	 */
	assert_int_equal(au_device_load(&dev, f->path), AU_OK);
	assert_int_equal(au_device_save(&dev, f->path), AU_OK);
	au_device_free(&dev);
	assert_int_equal(au_device_lock_take(f->path, AU_LOCK_EXISTING, &again), AU_OK);
	au_device_lock_release(&again);
	expect_busy_in_child(f->path);
	/* Another thread of this process is excluded too. */
	assert_int_equal(pthread_create(&t, NULL, try_in_thread, f->path), 0);
	assert_int_equal(pthread_join(t, &busy), 0);
	assert_non_null(busy);
	au_device_lock_release(&lock);
	assert_null(lock);
	/* Released: free for the others. */
	assert_int_equal(pthread_create(&t, NULL, try_in_thread, f->path), 0);
	assert_int_equal(pthread_join(t, &busy), 0);
	assert_null(busy);
}

/* A missing device file: nothing to guard, no lock file made beside it. */
static void test_missing_file_no_lock_file(void **state)
{
	folder *f = *state;
	au_device_lock *lock = NULL;
	char names[512];
	au_device dev;

	assert_int_equal(au_device_load(&dev, f->path), AU_ERR_IO);
	assert_int_equal(au_device_lock_take(f->path, AU_LOCK_EXISTING, &lock), AU_OK);
	assert_null(lock);
	assert_null(au_device_lock_try(f->path));
	listing(f->dir, names, sizeof(names));
	assert_string_equal(names, "");
}

/* ---- what a device file path may be ---- */

/* A save through a symbolic link replaces the file it leads to: the link stays a link, and
 * nothing is left beside either. */
static void test_save_through_link(void **state)
{
	folder *f = *state;
	char link[128], names[512];
	struct stat st;
	au_device dev;

	device_with(&dev, NULL);
	assert_int_equal(au_device_save(&dev, f->path), AU_OK);
	snprintf(link, sizeof(link), "%s/link.json", f->dir);
	assert_int_equal(symlink("phone.json", link), 0);
	dev.settings.delay_ms = 7;
	assert_int_equal(au_device_save(&dev, link), AU_OK);
	au_device_free(&dev);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(au_device_load(&dev, f->path), AU_OK);
	assert_int_equal(dev.settings.delay_ms, 7);
	au_device_free(&dev);
	listing(f->dir, names, sizeof(names));
	assert_string_equal(names, "link.json phone.json");
	assert_int_equal(unlink(link), 0);
}

/* A FIFO, or a link to a device, is no device file: the load says so at once (a FIFO's reader
 * would wait for a writer forever), the save leaves it as it is. */
static void test_not_regular_refused(void **state)
{
	folder *f = *state;
	char link[128];
	struct stat st;
	au_device dev;

	alarm(10); /* a load that waits on the FIFO fails the test instead of hanging it */
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(au_device_load(&dev, f->path), AU_ERR_NOT_REGULAR);
	device_with(&dev, NULL);
	assert_int_equal(au_device_save(&dev, f->path), AU_ERR_NOT_REGULAR);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	snprintf(link, sizeof(link), "%s/null.json", f->dir);
	assert_int_equal(symlink("/dev/null", link), 0);
	assert_int_equal(au_device_save(&dev, link), AU_ERR_NOT_REGULAR);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("missing.json", link), 0);
	assert_int_equal(au_device_save(&dev, link), AU_ERR_LINK_MISSING);
	assert_int_equal(unlink(link), 0);
	au_device_free(&dev);
	alarm(0);
}

/* What writing to a path would write into the device file: the file under any name, its lock,
 * a temporary's name; not another file beside it. */
static void test_file_kin(void **state)
{
	static const struct {
		const char *name;
		bool kin;
	} cases[] = {
	        {"phone.json", true},
	        {"link.json", true},
	        {"hard.json", true},
	        {"phone.json.lock", true},
	        {"phone.json.tmpAb3dE6", true},
	        {"./phone.json.tmpZZZZZZ", true},
	        {"phone.json.tmpAb3", false},
	        {"phone.json.log", false},
	        {"other.json", false},
	        {"phone.json.lock.log", false},
	};
	folder *f = *state;
	au_device_lock *lock = NULL;
	char path[192];
	au_device dev;

	device_with(&dev, NULL);
	assert_int_equal(au_device_save(&dev, f->path), AU_OK);
	au_device_free(&dev);
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(symlink("phone.json", "link.json"), 0);
	assert_int_equal(link("phone.json", "hard.json"), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, cases[i].name);
		if (au_device_file_kin(f->path, path) != cases[i].kin)
			fail_msg("%s: kin %d", cases[i].name, !cases[i].kin);
		/* Named from the folder itself, and the device file through its link. */
		assert_int_equal(au_device_file_kin("link.json", cases[i].name), cases[i].kin);
	}
	/* The lock file as it is while held. */
	assert_int_equal(au_device_lock_take(f->path, AU_LOCK_EXISTING, &lock), AU_OK);
	assert_true(au_device_file_kin(f->path, "phone.json.lock"));
	au_device_lock_release(&lock);
	assert_int_equal(unlink("link.json"), 0);
	assert_int_equal(unlink("hard.json"), 0);
	assert_int_equal(chdir("/"), 0);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_imports_at_once_all_kept, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_killed_writer_temp_removed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_killed_holder_lock_free, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_other_temps_kept, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lock_nests_and_excludes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_missing_file_no_lock_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_save_through_link, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_not_regular_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_file_kin, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
