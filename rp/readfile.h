/* Reading a whole (bounded) file or stdin, for the command-line tools. */
#ifndef KAGURA_RP_READFILE_H
#define KAGURA_RP_READFILE_H

#include <stddef.h>

/* Reads path ("-" = stdin) up to max bytes; NULL and errno-style text in why on failure. */
char *rp_read_file(const char *path, size_t max, size_t *len, const char **why);

#endif
