#define _GNU_SOURCE /* F_OFD_SETLK, F_OFD_SETLKW */
#include "authenticator/device/device_lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Beside FILE: its lock, and the temporaries au_device_save writes (FILE.tmpXXXXXX). */
#define LOCK_SUFFIX ".lock"
#define TEMP_SUFFIX ".tmp"
#define TEMP_RANDOM 6 /* mkstemp's XXXXXX */
static const char temp_letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

#ifdef F_OFD_SETLKW
#define LOCK_WAIT F_OFD_SETLKW
#define LOCK_TRY  F_OFD_SETLK
#else /* a process-wide lock: the threads of one process do not exclude each other */
#define LOCK_WAIT F_SETLKW
#define LOCK_TRY  F_SETLK
#endif

struct au_device_lock {
	char *path; /* FILE.lock */
	int fd;     /* FILE.lock, write-locked */
	dev_t dev;  /* its identity, by which a nested take finds the lock */
	ino_t ino;
	unsigned depth;       /* takes not released yet */
	au_device_lock *next; /* the thread's other locks */
};

/* The locks this thread holds: a second lock of FILE.lock would wait on the first forever. */
static _Thread_local au_device_lock *held;

static au_device_lock *held_lock(const char *lock_path)
{
	struct stat st;

	if (stat(lock_path, &st) != 0)
		return NULL;
	for (au_device_lock *l = held; l != NULL; l = l->next)
		if (l->dev == st.st_dev && l->ino == st.st_ino)
			return l;
	return NULL;
}

/* A name au_device_save's mkstemp gives a temporary of the file named base. */
static bool temp_name(const char *name, const char *base, size_t base_len)
{
	const char *r = name + base_len + strlen(TEMP_SUFFIX);

	return strncmp(name, base, base_len) == 0 &&
	       strncmp(name + base_len, TEMP_SUFFIX, strlen(TEMP_SUFFIX)) == 0 &&
	       strlen(r) == TEMP_RANDOM && strspn(r, temp_letters) == TEMP_RANDOM;
}

bool au_device_folder(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return (size_t)snprintf(dir, size, ".") < size;
	/* "/phone.json" is in "/" */
	return (size_t)snprintf(dir, size, "%.*s", slash == path ? 1 : (int)(slash - path), path) <
	       size;
}

/* FILE.lock, the lock of the device file at file; false when it does not fit. */
static bool lock_name(const char *file, char *lock_path, size_t size)
{
	return (size_t)snprintf(lock_path, size, "%s" LOCK_SUFFIX, file) < size;
}

/* path into out; AU_ERR_IO with ENAMETOOLONG when it does not fit. */
static au_err copy_path(const char *path, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s", path) >= size) {
		errno = ENAMETOOLONG;
		return AU_ERR_IO;
	}
	return AU_OK;
}

au_err au_device_target(const char *path, char *target, size_t size, bool *exists)
{
	char resolved[PATH_MAX];
	struct stat st;

	*exists = false;
	if (lstat(path, &st) != 0)
		return copy_path(path, target, size);
	*exists = true;
	if (S_ISLNK(st.st_mode)) {
		if (realpath(path, resolved) == NULL)
			return errno == ENOENT || errno == ENOTDIR ? AU_ERR_LINK_MISSING
			                                           : AU_ERR_IO;
		if (stat(resolved, &st) != 0)
			return AU_ERR_IO;
		path = resolved;
	}
	if (!S_ISREG(st.st_mode))
		return AU_ERR_NOT_REGULAR;
	return copy_path(path, target, size);
}

/* Whether the file at path is the one st describes. */
static bool same_file(const char *path, const struct stat *st)
{
	struct stat other;

	return stat(path, &other) == 0 && other.st_dev == st->st_dev && other.st_ino == st->st_ino;
}

/* The part of path after its last '/'. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Whether path (maybe not made yet) has the name of file's lock or temporary, in its folder. */
static bool kin_name(const char *file, const char *path)
{
	char file_dir[PATH_MAX], path_dir[PATH_MAX], resolved[PATH_MAX];
	const char *base = base_name(file), *name;
	size_t base_len = strlen(base);
	struct stat st;

	/* A link that leads somewhere is judged by where it leads. */
	if (realpath(path, resolved) != NULL)
		path = resolved;
	name = base_name(path);
	if (!au_device_folder(file, file_dir, sizeof(file_dir)) ||
	    !au_device_folder(path, path_dir, sizeof(path_dir)) || stat(file_dir, &st) != 0 ||
	    !same_file(path_dir, &st))
		return false;
	return (strncmp(name, base, base_len) == 0 && strcmp(name + base_len, LOCK_SUFFIX) == 0) ||
	       temp_name(name, base, base_len);
}

bool au_device_file_kin(const char *device_path, const char *path)
{
	char file[PATH_MAX], lock_path[PATH_MAX];
	struct stat st;
	bool exists;

	if (au_device_target(device_path, file, sizeof(file), &exists) != AU_OK)
		return false;
	if (stat(path, &st) == 0 &&
	    (same_file(file, &st) ||
	     (lock_name(file, lock_path, sizeof(lock_path)) && same_file(lock_path, &st))))
		return true;
	return kin_name(file, path);
}

/* With the lock taken: the temporaries of path that writers killed before their rename left. */
static void remove_stale_temps(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t base_len = strlen(base);
	char dir[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (base_len == 0 || !au_device_folder(path, dir, sizeof(dir)) ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (temp_name(e->d_name, base, base_len) &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_uid == geteuid())
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

/* The whole of fd write-locked: waiting for it, or -1 with EAGAIN when busy. */
static int lock_fd(int fd, bool wait)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	int rc;

	while ((rc = fcntl(fd, wait ? LOCK_WAIT : LOCK_TRY, &fl)) != 0 && errno == EINTR)
		;
	return rc;
}

static au_err take(const char *path, au_device_lock_target target, bool wait, au_device_lock **out)
{
	char file[PATH_MAX], lock_path[PATH_MAX];
	struct stat st, now;
	au_device_lock *l;
	bool exists;
	int fd, saved;

	*out = NULL;
	/* Nothing to guard at a path that is no regular file: the load or the save says why. */
	if (au_device_target(path, file, sizeof(file), &exists) != AU_OK ||
	    (target == AU_LOCK_EXISTING && !exists))
		return AU_OK;
	if (!lock_name(file, lock_path, sizeof(lock_path))) {
		errno = ENAMETOOLONG;
		return AU_ERR_IO;
	}
	if ((l = held_lock(lock_path)) != NULL) {
		l->depth++;
		*out = l;
		return AU_OK;
	}
	for (;;) {
		if ((fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
			return AU_ERR_IO;
		if (lock_fd(fd, wait) != 0 || fstat(fd, &st) != 0)
			goto fail;
		/* The lock file a holder removed while this one waited is no lock any more. */
		if (stat(lock_path, &now) == 0 && now.st_dev == st.st_dev &&
		    now.st_ino == st.st_ino)
			break;
		close(fd);
	}
	if ((l = calloc(1, sizeof(*l))) == NULL || (l->path = strdup(lock_path)) == NULL) {
		free(l);
		errno = ENOMEM;
		goto fail;
	}
	l->fd = fd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->depth = 1;
	l->next = held;
	held = l;
	remove_stale_temps(file);
	*out = l;
	return AU_OK;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return saved == ENOMEM ? AU_ERR_NOMEM : AU_ERR_IO;
}

au_err au_device_lock_take(const char *path, au_device_lock_target target, au_device_lock **out)
{
	return take(path, target, true, out);
}

au_device_lock *au_device_lock_try(const char *path)
{
	au_device_lock *l;

	return take(path, AU_LOCK_EXISTING, false, &l) == AU_OK ? l : NULL;
}

void au_device_lock_release(au_device_lock **lock)
{
	au_device_lock *l = *lock;
	struct stat st;

	*lock = NULL;
	if (l == NULL || --l->depth > 0)
		return;
	for (au_device_lock **p = &held; *p != NULL; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	/* No lock file is left beside the device file: removed while locked, a waiter that then
	 * gets it sees it gone and makes a new one. */
	if (stat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	/* The last descriptor of the lock's open file description: closing it unlocks. */
	close(l->fd);
	free(l->path);
	free(l);
}
