#define _XOPEN_SOURCE 700 /* realpath */
#include "scenarios/report_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NEW_FILE_MODE 0666 /* what fopen(path, "w") would create, less the umask */

/* The mode FILE has, or a new file would get. */
static mode_t report_mode(const struct stat *st, bool exists)
{
	mode_t mask;

	if (exists)
		return st->st_mode & 07777;
	/* umask can only be read by setting it: put back at once, before any worker starts */
	mask = umask(0);
	umask(mask);
	return NEW_FILE_MODE & ~mask;
}

/* Where a report to path lands: path, or the file a symbolic link there names (one that does not
 * exist yet included, a relative link read from the link's folder), into out. */
static bool report_target(const char *path, char *out, size_t size)
{
	char link[PATH_MAX];
	const char *slash;
	ssize_t n;

	if (realpath(path, out) != NULL)
		return true;
	if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
		return snprintf(out, size, "%s", path) < (int)size; /* no link: path itself */
	link[n] = '\0';
	slash = strrchr(path, '/');
	if (link[0] == '/' || slash == NULL)
		return snprintf(out, size, "%s", link) < (int)size;
	return snprintf(out, size, "%.*s/%s", (int)(slash - path), path, link) < (int)size;
}

bool sc_report_file_usable(const char *path)
{
	char target[PATH_MAX], folder[PATH_MAX];
	struct stat st;
	char *slash;

	if (!report_target(path, target, sizeof(target))) {
		errno = ENAMETOOLONG;
		return false;
	}
	if (stat(target, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return false;
		}
		return true;
	}
	snprintf(folder, sizeof(folder), "%s", target);
	if ((slash = strrchr(folder, '/')) == NULL)
		return true; /* the working folder */
	*(slash == folder ? slash + 1 : slash) = '\0';
	if (stat(folder, &st) != 0)
		return false; /* errno says why (no such folder) */
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return false;
	}
	return true;
}

bool sc_report_file_open(sc_report_file *r, const char *path)
{
	struct stat st;
	bool exists = stat(path, &st) == 0;
	int fd;

	memset(r, 0, sizeof(*r));
	snprintf(r->asked, sizeof(r->asked), "%s", path);
	if (exists && !S_ISREG(st.st_mode)) {
		snprintf(r->path, sizeof(r->path), "%s", path);
		return (r->f = fopen(path, "w")) != NULL;
	}
	/* a link is followed: the report replaces the file it names, not the link */
	if (!report_target(path, r->path, sizeof(r->path))) {
		errno = ENAMETOOLONG;
		return false;
	}
	snprintf(r->temp, sizeof(r->temp), "%s.tmpXXXXXX", r->path);
	if ((fd = mkstemp(r->temp)) < 0) {
		/* no file can be made beside it (a folder not ours): the report goes in place */
		r->temp[0] = '\0';
		return (r->f = fopen(path, "w")) != NULL;
	}
	if (fchmod(fd, report_mode(&st, exists)) != 0 || (r->f = fdopen(fd, "w")) == NULL) {
		int e = errno;
		close(fd);
		unlink(r->temp);
		errno = e;
		return false;
	}
	return true;
}

/* The temporary's bytes copied into path, written in place (a rename refused: a sticky folder's
 * file of another owner). */
static bool copy_in_place(const char *temp, const char *path)
{
	FILE *in = fopen(temp, "rb"), *out = in != NULL ? fopen(path, "w") : NULL;
	char buf[8192];
	size_t n;
	bool ok = in != NULL && out != NULL;

	while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	ok = ok && !ferror(in);
	if (in != NULL)
		fclose(in);
	if (out != NULL && fclose(out) != 0)
		ok = false;
	return ok;
}

bool sc_report_file_close(sc_report_file *r, bool keep)
{
	bool ok = r->f != NULL && fclose(r->f) == 0;

	r->f = NULL;
	if (r->temp[0] == '\0')
		return ok;
	if (ok && keep && rename(r->temp, r->path) != 0)
		ok = copy_in_place(r->temp, r->asked);
	unlink(r->temp);
	return ok;
}
