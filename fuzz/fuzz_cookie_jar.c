/*
 * The browsers' cookie jar file (Netscape format, kept beside a device file): the input is
 * written in the scratch folder, loaded line by line by au_web_new as a phone or PC starts, and
 * saved back as it ends.
 */
#include <curl/curl.h>
#include <stdlib.h>

#include "authenticator/web/web.h"

#include "fuzz.h"

/* libcurl's global state, once per process as web.h asks. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	atexit(curl_global_cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096];
	au_web *web;

	if (!fuzz_write_file("jar.cookies", data, size, path, sizeof(path)))
		return 0;
	if ((web = au_web_new(path)) != NULL) {
		(void)au_web_save(web);
		au_web_free(web);
	}
	return 0;
}
