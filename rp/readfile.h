/* Reading a whole (bounded) file or stdin, for the command-line tools. */
#ifndef KAGURA_RP_READFILE_H
#define KAGURA_RP_READFILE_H

#include <stddef.h>

/* Reads path ("-" = stdin) up to max bytes; NULL and errno-style text in why on failure, or
 * "not a regular file" for a FIFO, a device or a directory (refused without waiting). */
char *rp_read_file(const char *path, size_t max, size_t *len, const char **why);

/* NULL when path is a regular file this process can open; else why not ("not a regular file"
 * for a FIFO, a device or a directory, found without waiting). For files a library reads by
 * name (a trust anchor), so that a FIFO never holds it up. */
const char *rp_file_unreadable(const char *path);

#endif
