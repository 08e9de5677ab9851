#include "rp/setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool rp_origin_host(const char *origin, char *buf, size_t size)
{
	const char *p = strstr(origin, "://");
	size_t n;

	if (p == NULL)
		return false;
	p += 3;
	n = strcspn(p, ":/");
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

bool rp_temp_store_path(char *path, size_t size)
{
	const char *tmpdir = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
	int fd;

	if ((size_t)snprintf(path, size, "%s/kagura-rp-XXXXXX", tmpdir) >= size ||
	    (fd = mkstemp(path)) < 0) {
		if (size > 0)
			path[0] = '\0';
		return false;
	}
	close(fd);
	unlink(path); /* SQLite creates it afresh */
	return true;
}

void rp_store_remove_files(const char *path)
{
	char companion[4200];

	unlink(path);
	snprintf(companion, sizeof(companion), "%.4000s-wal", path);
	unlink(companion);
	snprintf(companion, sizeof(companion), "%.4000s-shm", path);
	unlink(companion);
}

bool rp_app_load_fixtures(rp_app *app, const char *fixtures_dir, char *pages_dir, size_t pages_size,
                          char *why, size_t why_size)
{
	const char *fx = fixtures_dir                ? fixtures_dir
	                 : getenv("KAGURA_FIXTURES") ? getenv("KAGURA_FIXTURES")
	                                             : KAGURA_FIXTURES_DIR;
	char messages[4200];

	snprintf(pages_dir, pages_size, "%s/pages", fx);
	app->pages_dir = pages_dir;
	snprintf(messages, sizeof(messages), "%.4000s/messages/messages_v%s.properties", fx,
	         app->cfg.manual);
	return rp_messages_load(messages, &app->msgs, why, why_size) == RP_MSG_OK;
}
