/* Page templates: escaped and raw values, shared files included, no path out of the folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rp/pages.h"

static char dir[] = "/tmp/kagura-pages-XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static bool render(const char *name, wa_buf *out)
{
	const char *vars[][2] = {{"a", "<b>&"}, {"raw", "<i>"}};

	wa_buf_free(out);
	return rp_page_render(dir, name, vars, 2, out) && wa_buf_err(out) == WA_OK;
}

static void test_render(void **state)
{
	wa_buf out = WA_BUF_INIT(RP_HTML_MAX);

	(void)state;
	assert_non_null(mkdtemp(dir));
	put("shared.js", "var x = 1; /* {{a}} stays as written */\n");
	put("page.html", "<p>{{a}}</p>{{{raw}}}{{missing}}<script>{{> shared.js}}</script>");
	put("missing.html", "<script>{{> nowhere.js}}</script>");
	put("escape.html", "<script>{{> ../etc/passwd}}</script>");
	/* A shared piece of page takes the page's values; a script literal its own escaping. */
	put("head.html", "<title>{{a}}</title>");
	put("layout.html", "{{> head.html}}<script>x = '{{js a}}';</script>");
	put("loop.html", "{{> loop.html}}");
	assert_true(render("page.html", &out));
	assert_string_equal(wa_buf_str(&out), "<p>&lt;b&gt;&amp;</p><i><script>var x = 1; /* {{a}} "
	                                      "stays as written */\n</script>");
	assert_true(render("layout.html", &out));
	assert_string_equal(
	        wa_buf_str(&out),
	        "<title>&lt;b&gt;&amp;</title><script>x = '\\u003cb\\u003e\\u0026';</script>");
	/* A page that includes itself ends with an error, not a crash. */
	assert_false(render("loop.html", &out));
	/* A shared file that is not there, or a name leaving the folder: no page at all. */
	assert_false(render("missing.html", &out));
	assert_false(render("escape.html", &out));
	assert_false(render("../page.html", &out));
	wa_buf_free(&out);
	for (const char *n = "shared.js\0page.html\0missing.html\0escape.html\0head.html\0"
	                     "layout.html\0loop.html\0";
	     *n; n += strlen(n) + 1) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", dir, n);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_render)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
