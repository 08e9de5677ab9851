/*
 * The platform's message bundles: one UTF-8 .properties file per manual
 * generation (fixtures/messages/messages_v2.16.properties, ..._v1.04...),
 * keyed like Keycloak's messages_*.properties, so a page asks for
 * "accountDisabledMessage" and gets the words that generation's screen shows.
 *
 * The format is a strict subset of Java .properties (fixtures/messages/README.md):
 * "key=value" lines, '#' comment lines, blank lines; keys [A-Za-z0-9._-]+;
 * escapes \\ \n \t \uXXXX \= \: \# \! and "\ "; no continuation lines; no
 * whitespace around '=' and no unescaped whitespace at either end of a value;
 * '{' and '}' only as {0}..{9} placeholders. Anything else is refused with the
 * line number, because a silently mis-read text is a false test result.
 *
 * Values are HTML fragments (they may hold <br/>); format arguments are
 * inserted as given, so a caller rendering HTML escapes them first.
 */
#ifndef KAGURA_RP_MESSAGES_H
#define KAGURA_RP_MESSAGES_H

#include "webauthn/xtable.h"

#include <stddef.h>

/* Largest bundle file accepted: far above any real bundle, small enough to read whole. */
#define RP_MESSAGES_MAX_FILE (1024u * 1024u)

#define RP_MSG_ERROR KAGURA_XT_ENUM
typedef enum rp_msg_err {
#include "rp/messages_error.def"
	RP_MSG_ERR__COUNT
} rp_msg_err;

/* The human message for an error code, and its symbolic name ("RP_MSG_ERR_DUPLICATE"); never
 * NULL. */
KAGURA_XT_DECLARE(rp_msg_err, rp_msg_strerr, rp_msg_errname);

typedef struct rp_messages rp_messages; /* opaque, immutable once loaded */

/*
 * Reads and checks the bundle at path. On success *out owns the bundle. On
 * failure *out is NULL and why (if why_size > 0) holds "PATH:LINE: what" for an
 * error on a line, "PATH: what" otherwise.
 */
rp_msg_err rp_messages_load(const char *path, rp_messages **out, char *why, size_t why_size);

/*
 * The same from bytes in memory (len bytes, NUL not needed; an embedded NUL is a
 * control character); name stands for the path in why.
 */
rp_msg_err rp_messages_parse(const char *text, size_t len, const char *name, rp_messages **out,
                             char *why, size_t why_size);

void rp_messages_free(rp_messages *m);

/* The raw value (placeholders unexpanded), owned by m; NULL when absent or m/key NULL. */
const char *rp_messages_get(const rp_messages *m, const char *key);

/* Number of keys, and the i-th key in byte order (NULL when i is out of range): for
 * tools and tests that must see every key, not only the ones they know. */
size_t rp_messages_count(const rp_messages *m);
const char *rp_messages_key(const rp_messages *m, size_t i);

/*
 * Writes the value of key with {N} replaced by args[N] (inserted verbatim, never
 * expanded again); extra arguments are ignored. On any error buf holds "" (when
 * size > 0): RP_MSG_ERR_NO_KEY, RP_MSG_ERR_FORMAT_ARG, RP_MSG_ERR_SPACE (the text
 * and its NUL do not fit), RP_MSG_ERR_ARG (m, key or buf NULL, size 0, args NULL
 * with nargs > 0).
 */
rp_msg_err rp_messages_format(const rp_messages *m, const char *key, const char *const args[],
                              size_t nargs, char *buf, size_t size);

#endif
