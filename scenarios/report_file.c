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

bool sc_report_file_open(sc_report_file *r, const char *path)
{
	struct stat st;
	bool exists = stat(path, &st) == 0;
	int fd;

	memset(r, 0, sizeof(*r));
	if (exists && !S_ISREG(st.st_mode)) {
		snprintf(r->path, sizeof(r->path), "%s", path);
		return (r->f = fopen(path, "w")) != NULL;
	}
	/* a link is followed: the report replaces the file it names, not the link */
	if ((!exists || realpath(path, r->path) == NULL) &&
	    snprintf(r->path, sizeof(r->path), "%s", path) >= (int)sizeof(r->path)) {
		errno = ENAMETOOLONG;
		return false;
	}
	snprintf(r->temp, sizeof(r->temp), "%s.tmpXXXXXX", r->path);
	if ((fd = mkstemp(r->temp)) < 0) {
		r->temp[0] = '\0';
		return false;
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

bool sc_report_file_close(sc_report_file *r, bool keep)
{
	bool ok = r->f != NULL && fclose(r->f) == 0;

	r->f = NULL;
	if (r->temp[0] == '\0')
		return ok;
	if (ok && keep && rename(r->temp, r->path) == 0)
		return true;
	unlink(r->temp);
	return ok && !keep;
}
