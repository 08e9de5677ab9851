#include "common/regular_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

KAGURA_XT_ACCESSOR(cm_file_strerr, cm_file_err, CM_FILE_ERROR_TABLE, KAGURA_XT_FIELD1,
                   CM_FILE__COUNT, "unknown file error")
KAGURA_XT_ACCESSOR(cm_file_errname, cm_file_err, CM_FILE_ERROR_TABLE, KAGURA_XT_NAME,
                   CM_FILE__COUNT, "CM_FILE_?")

cm_file_err cm_file_open_regular(const char *path, FILE **out)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	int saved;

	*out = NULL;
	if (fd < 0)
		return CM_FILE_OPEN;
	if (fstat(fd, &st) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return CM_FILE_OPEN;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return CM_FILE_NOT_REGULAR;
	}
	/* A regular file reads the same without O_NONBLOCK; it is cleared all the same. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
	    (*out = fdopen(fd, "rb")) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return CM_FILE_OPEN;
	}
	return CM_FILE_OK;
}
