/*
 * One writer at a time on a device file. Whoever changes the file holds its lock from before
 * reading it to after the new file is renamed over it, so commands run at once on one device all
 * keep their changes (none saves a copy read before another's save).
 *
 * The lock is an fcntl write lock on FILE.lock beside the file: a lock on FILE itself would go
 * with the inode a save renames away. It is an open file description lock where the system has
 * them (Linux): it excludes the process's other threads too, and closing another descriptor of
 * FILE.lock does not drop it. A thread taking the lock of a file it holds already nests, so
 * au_device_load and au_device_save take it themselves, inside a caller's read-modify-write or on
 * their own.
 *
 * A device file may be a symbolic link to a regular file: the lock and the temporaries are beside
 * the file the link leads to (au_device_target), which is the file a save replaces.
 *
 * FILE.lock is removed when the lock is released (one waiting on the removed file takes the new
 * one), so nothing stays beside the device file but what a killed holder leaves: FILE.lock, which
 * the next holder reuses, and its temporary. Taking the free lock removes such temporaries:
 * FILE.tmpXXXXXX (au_device_save's mkstemp pattern, six letters or digits), regular files of this
 * user. With the lock free, no writer is writing one.
 */
#ifndef KAGURA_AUTHENTICATOR_DEVICE_DEVICE_LOCK_H
#define KAGURA_AUTHENTICATOR_DEVICE_DEVICE_LOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "authenticator/error.h"

typedef struct au_device_lock au_device_lock;

typedef enum au_device_lock_target {
	/* A device file to read and change: when path is not a regular file there is nothing to
	 * guard, and no lock file is made beside it (AU_OK, *out NULL): the load says why. */
	AU_LOCK_EXISTING,
	/* A device file that may not exist yet (device new, a save). */
	AU_LOCK_NEW,
} au_device_lock_target;

/* Waits for the lock of the device file at path. AU_ERR_IO with errno when FILE.lock cannot be
 * opened or locked; *out NULL on any error. */
au_err au_device_lock_take(const char *path, au_device_lock_target target, au_device_lock **out);

/* For a reader, which never waits on a writer (a save renames a whole file over the old one):
 * the lock when it is free now, NULL when it is busy or cannot be taken. */
au_device_lock *au_device_lock_try(const char *path);

/* Releases a lock (a nested one unlocks with its outermost release) and NULLs *lock. */
void au_device_lock_release(au_device_lock **lock);

/* The folder the file at path is in ("." for a bare name); false when it does not fit. */
bool au_device_folder(const char *path, char *dir, size_t size);

/*
 * The file a device file path stands for, into target: path itself, or the regular file a
 * symbolic link at path leads to (realpath), so that the lock, the temporaries and the rename
 * of a save are beside that file and the link stays a link. *exists false when nothing is at
 * path (target is path). AU_ERR_NOT_REGULAR when what is at path, or where its link leads, is
 * not a regular file (a device, a FIFO, a directory, a socket); AU_ERR_LINK_MISSING for a link
 * to nothing; AU_ERR_IO when target does not fit.
 */
au_err au_device_target(const char *path, char *target, size_t size, bool *exists);

/*
 * Whether writing to path would write into the device file at device_path: path is that file
 * (through any link or hard link), its lock file, or has the name of its lock or of one of its
 * temporaries in its folder.
 */
bool au_device_file_kin(const char *device_path, const char *path);

#endif
