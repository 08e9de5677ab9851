#include "rp/token.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "webauthn/b64url.h"

#define BYTES_MAX 64 /* more than any token of the platform carries */

bool rp_random_token(size_t bytes, char *out, size_t size)
{
	uint8_t buf[BYTES_MAX];
	char *text;
	bool ok;

	/* The kernel's generator (OpenSSL's own seed source): a third of RAND_bytes' cost a call,
	 * and a request of at most 256 bytes is never cut short once the pool is ready. */
	if (bytes > sizeof(buf) || getrandom(buf, bytes, 0) != (ssize_t)bytes ||
	    (text = wa_b64url_encode(buf, bytes)) == NULL)
		return false;
	ok = strlen(text) < size;
	if (ok)
		strcpy(out, text);
	free(text);
	return ok;
}
