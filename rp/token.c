#include "rp/token.h"

#include <openssl/rand.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/b64url.h"

#define BYTES_MAX 64 /* more than any token of the platform carries */

bool rp_random_token(size_t bytes, char *out, size_t size)
{
	uint8_t buf[BYTES_MAX];
	char *text;
	bool ok;

	if (bytes > sizeof(buf) || RAND_bytes(buf, (int)bytes) != 1 ||
	    (text = wa_b64url_encode(buf, bytes)) == NULL)
		return false;
	ok = strlen(text) < size;
	if (ok)
		strcpy(out, text);
	free(text);
	return ok;
}
