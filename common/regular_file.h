/*
 * Input files that must be regular files, opened without waiting: a FIFO with no writer would
 * block open() and then every read forever, and a device or a directory holds no file's content.
 * The file is opened with O_NONBLOCK and judged by fstat on what was opened, so a name that is
 * swapped between a check and the open cannot slip anything else in. No global state.
 */
#ifndef KAGURA_COMMON_REGULAR_FILE_H
#define KAGURA_COMMON_REGULAR_FILE_H

#include <stdio.h>

#include "webauthn/xtable.h"

#define CM_FILE_ERROR_TABLE(X)              \
	X(CM_FILE_OK, "success")            \
	X(CM_FILE_OPEN, "cannot be opened") \
	X(CM_FILE_NOT_REGULAR, "not a regular file")

typedef enum cm_file_err { CM_FILE_ERROR_TABLE(KAGURA_XT_ENUM) CM_FILE__COUNT } cm_file_err;

/* The message ("not a regular file"), and the symbolic name ("CM_FILE_NOT_REGULAR"). */
const char *cm_file_strerr(cm_file_err err);
const char *cm_file_errname(cm_file_err err);

/*
 * The regular file at path (symbolic links followed) opened for reading ("rb") into *out.
 * CM_FILE_OPEN with errno set when it cannot be opened; CM_FILE_NOT_REGULAR for anything else
 * than a regular file. *out is NULL on any error.
 */
cm_file_err cm_file_open_regular(const char *path, FILE **out);

#endif
