/*
 * The visual report: one HTML page per run folder, every entry with the manual's message, causes
 * and remedies beside what the user saw after each cause and remedy block. A browser's page is
 * shown as its screenshot (taken by headless Chromium from the page as served, saved beside it);
 * the phone's exception and OS prompts and the PC browser's own screens are drawn from the texts
 * the harness models. Every text passes through textcut.h's XML cleaner: results hold any bytes.
 */
#define _POSIX_C_SOURCE 200809L

#include "scenarios/report_html.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenarios/textcut.h"
#include "webauthn/arraylen.h"

#define DIR_MODE         0755
#define MAX_SHOOTER_ARGS 16
#define PATH_MAX_REPORT  4096
#define SHOT_LIST        "shots.list"
#define INDEX_PAGE       "index.html"
#define PAGES_DIR        "pages"
#define SHOTS_DIR        "shots"

extern char **environ;

static const char *const html_errors[] = {
#define SC_HTML_TEXT(name, text) [name] = text,
        SC_HTML_ERROR(SC_HTML_TEXT)
#undef SC_HTML_TEXT
};

const char *sc_html_strerr(sc_html_err e)
{
	return (size_t)e < KAGURA_LEN(html_errors) ? html_errors[e] : "unknown error";
}

/* The report's own look: two columns an entry, screens side by side, dialogs drawn as boxes. */
static const char style[] =
        "body{font-family:\"Noto Sans CJK JP\",\"Noto Sans JP\",sans-serif;margin:16px;"
        "color:#151515;background:#fafafa}"
        "h1{font-size:1.4rem}h2{font-size:1.15rem;margin:0 0 8px}"
        ".entry{background:#fff;border:1px solid #ccc;margin:0 0 20px;padding:12px;"
        "display:grid;grid-template-columns:minmax(260px,1fr) 3fr;gap:16px}"
        ".manual{border-right:1px solid #ddd;padding-right:12px}"
        ".text{white-space:pre-wrap;overflow-wrap:anywhere}"
        ".message{background:#fff4e5;border-left:4px solid #f0ab00;padding:6px 8px}"
        ".pass{color:#1e4f18;background:#e9f5e7}.fail{color:#a30000;background:#fdecec}"
        ".skip{color:#6a6e73;background:#f0f0f0}"
        ".status{padding:1px 6px;border-radius:3px;font-weight:bold}"
        ".block{border-top:1px dashed #ccc;padding:8px 0}"
        ".views{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}"
        "figure{margin:0;max-width:420px}figure img{border:1px solid #888;max-width:100%}"
        "figcaption,.where{font-size:.8rem;color:#444;overflow-wrap:anywhere}"
        ".stand-in{font-size:.8rem;color:#8a4b00;overflow-wrap:anywhere}"
        ".dialog{width:300px;background:#fff;border-radius:8px;"
        "box-shadow:0 2px 8px rgba(0,0,0,.35);padding:14px}"
        ".dialog .title{font-weight:bold;margin:0 0 8px}"
        ".dialog .ok{text-align:right;color:#0066cc;font-weight:bold;margin:10px 0 0}"
        ".sheet{width:320px;background:#f2f2f7;border-radius:14px 14px 0 0;padding:14px;"
        "box-shadow:0 -2px 8px rgba(0,0,0,.25)}"
        ".browser-error{width:360px;background:#fff;border:1px solid #888;padding:18px;"
        "color:#202124}"
        ".browser-error .title{font-size:1.1rem;margin:0 0 8px}"
        ".missing{width:300px;padding:12px;border:2px dashed #c9190b;color:#a30000}"
        ".explain{font-size:.85rem;background:#fdecec;padding:6px}";

static void put_text(FILE *out, const char *s)
{
	sc_text_write(out, s, SC_TEXT_XML);
}

static void put_attr(FILE *out, const char *s)
{
	sc_text_write(out, s, SC_TEXT_XML_ATTR);
}

static const char *status_class(sc_status s)
{
	return s == SC_PASS ? "pass" : s == SC_SKIP ? "skip" : "fail";
}

static void put_status(FILE *out, sc_status s)
{
	fprintf(out, "<span class=\"status %s\">%s</span>", status_class(s), sc_status_name(s));
}

/*
 * A file name of the report's own making for a kept page: run, entry and screens by their index
 * (an entry's id is any bytes), the browser last. Into name (size bytes), without extension.
 */
static void page_name(char *name, size_t size, size_t run, size_t entry, size_t screens,
                      sc_place place)
{
	snprintf(name, size, "r%zu-e%zu-s%zu-%s", run, entry, screens,
	         sc_place_on_phone(place) ? "phone" : "pc");
}

/* ---- the manual's side ---- */

static void put_items(FILE *out, const char *heading, const sc_cat_item *items, size_t n)
{
	if (n == 0)
		return;
	fprintf(out, "<h3>%s</h3><ul>", heading);
	for (size_t i = 0; i < n; i++) {
		fputs("<li class=\"text\"><b>", out);
		put_text(out, items[i].id);
		fputs("</b> ", out);
		put_text(out, items[i].text);
		fputs("</li>", out);
	}
	fputs("</ul>", out);
}

static void put_manual(FILE *out, const sc_entry_result *e)
{
	const sc_cat_entry *c = e->entry;

	fputs("<div class=\"manual\">", out);
	if (c == NULL) {
		fputs("<p class=\"text\">", out);
		put_text(out, e->detail);
		fputs("</p></div>", out);
		return;
	}
	fputs("<h3>manual's message</h3><div class=\"message text\">", out);
	for (size_t i = 0; i < c->n_messages; i++) {
		put_text(out, c->messages[i]);
		fputs("\n", out);
	}
	if (c->n_messages == 0)
		fputs("(the screen shows no text)", out);
	fputs("</div>", out);
	put_items(out, "causes", c->causes, c->n_causes);
	put_items(out, "remedies", c->remedies, c->n_remedies);
	fputs("</div>", out);
}

/* ---- what the user saw ---- */

/* A browser's page: its screenshot when it was taken, the saved page, the URL and the text. */
static void put_page(FILE *out, const sc_view *v, sc_place place, const char *name, const char *dir)
{
	char png[PATH_MAX_REPORT];
	struct stat st;
	bool have_png = false;

	if (dir != NULL && v->html != NULL) {
		snprintf(png, sizeof(png), "%s/" SHOTS_DIR "/%s.png", dir, name);
		have_png = stat(png, &st) == 0 && st.st_size > 0;
	}
	fputs("<figure>", out);
	if (have_png)
		fprintf(out, "<img src=\"" SHOTS_DIR "/%s.png\" alt=\"", name);
	else
		fputs("<div class=\"missing text\">", out);
	if (v->blank)
		fputs("(blank: the page renders nothing) ", out);
	if (!have_png)
		fputs(v->html == NULL ? "no page arrived: "
		      : dir == NULL   ? "screenshot not taken: "
		                      : "no screenshot (see the run's stderr): ",
		      out);
	(have_png ? put_attr : put_text)(out, v->text);
	fputs(have_png ? "\">" : "</div>", out);
	fprintf(out, "<figcaption>%s", sc_place_name(place));
	if (v->status != 0)
		fprintf(out, " HTTP %ld", v->status);
	if (v->url[0] != '\0') {
		fputs(" <span class=\"text\">", out);
		put_text(out, v->url);
		fputs("</span>", out);
	}
	if (dir != NULL && v->html != NULL)
		fprintf(out, " <a href=\"" PAGES_DIR "/%s.html\">page as served</a>", name);
	fputs("<div class=\"text\">", out);
	put_text(out, v->text);
	fputs("</div></figcaption></figure>", out);
}

/* The rest as the harness models them: the exception a page got, the OS's sheet, the PC
 * browser's own error page, its dialogs and certificate viewer. */
static void put_drawn(FILE *out, const sc_view *v, sc_place place)
{
	static const char *const box[SC_PLACES] = {[SC_PLACE_PHONE_ERROR] = "dialog",
	                                           [SC_PLACE_PHONE_PROMPT] = "sheet",
	                                           [SC_PLACE_PC_BROWSER] = "browser-error",
	                                           [SC_PLACE_PC_DIALOG] = "dialog",
	                                           [SC_PLACE_PC_VIEWER] = "dialog"};
	static const char *const title[SC_PLACES] = {
	        [SC_PLACE_PHONE_ERROR] = "the page's WebAuthn call failed",
	        [SC_PLACE_PHONE_PROMPT] = "the phone's OS",
	        [SC_PLACE_PC_BROWSER] = "the browser's own page",
	        [SC_PLACE_PC_DIALOG] = "dialog",
	        [SC_PLACE_PC_VIEWER] = "certificate viewer"};

	fprintf(out, "<figure><div class=\"%s\"><p class=\"title\">%s</p><div class=\"text\">",
	        box[place], title[place]);
	put_text(out, v->text);
	fputs("</div>", out);
	if (place == SC_PLACE_PHONE_ERROR || place == SC_PLACE_PC_DIALOG)
		fputs("<p class=\"ok\">OK</p>", out);
	fprintf(out, "</div><figcaption>%s", sc_place_name(place));
	if (v->status != 0)
		fprintf(out, " HTTP %ld", v->status);
	fputs("</figcaption></figure>", out);
}

/* Why a cause did not pass: what was expected, what was seen, where. */
static void put_explanation(FILE *out, const sc_cause_result *c)
{
	if (c->status == SC_PASS)
		return;
	fputs("<div class=\"explain text\">", out);
	put_text(out, c->at.detail);
	if (c->at.expected[0] != '\0') {
		fputs("\nexpected: ", out);
		put_text(out, c->at.expected);
	}
	if (c->at.where[0] != '\0') {
		fputs("\nseen at ", out);
		put_text(out, c->at.where);
		fputs(": ", out);
		put_text(out, c->at.seen);
	}
	fputs("</div>", out);
}

static void put_block(FILE *out, const sc_entry_result *e, const sc_screens *s, size_t run,
                      size_t entry, size_t k, const char *dir)
{
	const sc_cause_result *c = s->cause < e->n_causes ? &e->causes[s->cause] : NULL;
	const sc_cat_item *item = e->entry ? sc_cat_entry_item(e->entry, s->block) : NULL;

	fputs("<div class=\"block\"><p>", out);
	fputs(s->remedy ? "remedy <b>" : "cause <b>", out);
	put_text(out, s->block);
	fputs("</b> ", out);
	put_status(out, s->status);
	fprintf(out, " %ld ms", s->ms);
	if (!s->remedy && c != NULL) {
		fputs(" — <span class=\"text\">", out);
		put_text(out, c->label);
		fputs("</span>", out);
	}
	if (!s->remedy && c != NULL && c->stand_in[0] != '\0') {
		fputs("<br><span class=\"stand-in text\">stand-in: ", out);
		put_text(out, c->stand_in);
		fputs("</span>", out);
	}
	if (item != NULL) {
		fputs("<br><span class=\"where text\">manual: ", out);
		put_text(out, item->text);
		fputs("</span>", out);
	}
	fputs("</p>", out);
	if (!s->remedy && c != NULL)
		put_explanation(out, c);
	fputs("<div class=\"views\">", out);
	for (size_t p = 0; p < SC_PLACES; p++) {
		char name[96];
		if (!s->views[p].shown)
			continue;
		page_name(name, sizeof(name), run, entry, k, (sc_place)p);
		if (sc_place_is_page((sc_place)p))
			put_page(out, &s->views[p], (sc_place)p, name, dir);
		else
			put_drawn(out, &s->views[p], (sc_place)p);
	}
	fputs("</div></div>", out);
}

static void put_entry(FILE *out, const sc_entry_result *e, size_t r, size_t i, const char *dir)
{
	fputs("<section class=\"entry\"><div><h2>", out);
	put_text(out, e->id);
	fputs(" ", out);
	put_text(out, e->entry ? e->entry->title : "");
	fputs("</h2><p>", out);
	put_status(out, e->status);
	fprintf(out, " causes %zu/%zu, remedy %s, %ld ms</p>", e->cause_ids_passed, e->cause_ids,
	        e->remedies_applied ? sc_status_name(e->remedy) : "-", e->ms);
	if (e->detail[0] != '\0') {
		fputs("<p class=\"text\">", out);
		put_text(out, e->detail);
		fputs("</p>", out);
	}
	put_manual(out, e);
	fputs("</div><div>", out);
	for (size_t k = 0; k < e->n_screens; k++)
		put_block(out, e, &e->screens[k], r, i, k, dir);
	if (e->n_screens == 0)
		for (size_t c = 0; c < e->n_causes; c++)
			put_explanation(out, &e->causes[c]);
	if (e->remedy != SC_PASS && e->remedy_detail[0] != '\0') {
		fputs("<div class=\"explain text\">", out);
		put_text(out, e->remedy_detail);
		fputs("</div>", out);
	}
	fputs("</div></section>\n", out);
}

void sc_report_html_index(FILE *out, const sc_report_run *runs, size_t n_runs, const char *dir)
{
	size_t passed, failed, skipped;

	sc_report_count(runs, n_runs, &passed, &failed, &skipped);
	fprintf(out,
	        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
	        "<title>kagura-scenarios: %zu passed, %zu failed, %zu skipped</title>"
	        "<style>%s</style></head><body>\n",
	        passed, failed, skipped, style);
	for (size_t r = 0; r < n_runs; r++) {
		const sc_report_run *run = &runs[r];
		fputs("<h1>manual ", out);
		put_text(out, run->manual);
		fputs(run->target ? " against " : " (embedded platform)", out);
		put_text(out, run->target);
		fputs("</h1>\n", out);
		if (run->note != NULL && run->note[0] != '\0') {
			fputs("<p class=\"text\">", out);
			put_text(out, run->note);
			fputs("</p>", out);
		}
		for (size_t i = 0; i < run->n; i++)
			put_entry(out, &run->results[i], r, i, dir);
	}
	fprintf(out, "<p>%zu passed, %zu failed, %zu skipped</p></body></html>\n", passed, failed,
	        skipped);
}

/* ---- the folder ---- */

static bool make_dir(const char *path)
{
	return mkdir(path, DIR_MODE) == 0 || errno == EEXIST;
}

static bool write_file(const char *path, const char *bytes, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f != NULL && fwrite(bytes, 1, len, f) == len;

	return f != NULL ? fclose(f) == 0 && ok : false;
}

/* Every kept page into dir/pages/, each listed in list with its PNG and its browser. */
static sc_html_err save_pages(const char *dir, FILE *list, const sc_report_run *runs, size_t n_runs,
                              char *why, size_t why_size)
{
	for (size_t r = 0; r < n_runs; r++)
		for (size_t i = 0; i < runs[r].n; i++) {
			const sc_entry_result *e = &runs[r].results[i];
			for (size_t k = 0; k < e->n_screens; k++)
				for (size_t p = 0; p < SC_PLACES; p++) {
					const sc_view *v = &e->screens[k].views[p];
					char name[96], path[PATH_MAX_REPORT];
					if (!v->shown || v->html == NULL)
						continue;
					page_name(name, sizeof(name), r, i, k, (sc_place)p);
					snprintf(path, sizeof(path), "%s/" PAGES_DIR "/%s.html",
					         dir, name);
					if (!write_file(path, v->html, v->html_len)) {
						snprintf(why, why_size, "%s: %s", path,
						         strerror(errno));
						return SC_HTML_ERR_WRITE;
					}
					fprintf(list,
					        PAGES_DIR "/%s.html\t" SHOTS_DIR "/%s.png\t%s\n",
					        name, name,
					        sc_place_on_phone((sc_place)p) ? "phone" : "pc");
				}
		}
	return SC_HTML_OK;
}

/* Runs shooter with dir added; its output goes to stderr, where the run's own notes go. */
static sc_html_err take_shots(const char *const *shooter, const char *dir, char *why,
                              size_t why_size)
{
	char *argv[MAX_SHOOTER_ARGS + 2];
	size_t n = 0;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc, status = 0;

	while (shooter[n] != NULL && n < MAX_SHOOTER_ARGS) {
		argv[n] = (char *)shooter[n];
		n++;
	}
	argv[n++] = (char *)dir;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		snprintf(why, why_size, "%s: %s", argv[0], strerror(rc));
		return SC_HTML_ERR_SHOTS;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, why_size, "%s: %s", argv[0], strerror(errno));
			return SC_HTML_ERR_SHOTS;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, why_size, "%s %s: exit %d", argv[0], n > 2 ? argv[1] : "",
		         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return SC_HTML_ERR_SHOTS;
	}
	return SC_HTML_OK;
}

sc_html_err sc_report_html(const char *dir, const sc_report_run *runs, size_t n_runs,
                           const char *const *shooter, char *why, size_t why_size)
{
	char path[PATH_MAX_REPORT];
	sc_html_err err = SC_HTML_OK, shots = SC_HTML_OK;
	FILE *f;

	why[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		static const char *const sub[] = {"", "/" PAGES_DIR, "/" SHOTS_DIR};
		snprintf(path, sizeof(path), "%s%s", dir, sub[i]);
		if (!make_dir(path)) {
			snprintf(why, why_size, "%s: %s", path, strerror(errno));
			return SC_HTML_ERR_DIR;
		}
	}
	snprintf(path, sizeof(path), "%s/" SHOT_LIST, dir);
	if ((f = fopen(path, "w")) == NULL) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return SC_HTML_ERR_WRITE;
	}
	err = save_pages(dir, f, runs, n_runs, why, why_size);
	if (fclose(f) != 0 && err == SC_HTML_OK) {
		snprintf(why, why_size, "%s: cannot be written", path);
		err = SC_HTML_ERR_WRITE;
	}
	if (err != SC_HTML_OK)
		return err;
	if (shooter != NULL)
		shots = take_shots(shooter, dir, why, why_size);
	snprintf(path, sizeof(path), "%s/" INDEX_PAGE, dir);
	if ((f = fopen(path, "w")) == NULL) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return SC_HTML_ERR_WRITE;
	}
	sc_report_html_index(f, runs, n_runs, dir);
	if (fclose(f) != 0) {
		snprintf(why, why_size, "%s: cannot be written", path);
		return SC_HTML_ERR_WRITE;
	}
	return shots;
}
