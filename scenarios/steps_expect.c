/* What the user sees, compared with the manual catalogue (never the platform's own texts). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/world_impl.h"
#include "scenarios/textcut.h"

static const seen *where_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *where = sc_step_word(st, 0);
	const seen *s = where ? world_seen(w, where) : NULL;

	if (s == NULL) {
		sc_result(out, SC_ERROR,
		          "where is phone.page, phone.error, phone.prompt, pc.page, pc.browser, "
		          "pc.dialog or pc.viewer");
		return NULL;
	}
	snprintf(out->where, sizeof(out->where), "%s", where);
	sc_text_copy(out->seen, sizeof(out->seen), s->any ? s->text : "(nothing shown yet)");
	return s;
}

/*
 * A catalogue line as this platform shows it: the manual's host replaced by the platform's
 * (owned); NULL when out of memory.
 */
static char *as_shown(const sc_world *w, const char *line)
{
	const char *from = w->cfg.host_from, *to = w->cfg.host_to, *hit;
	size_t nf, nt;
	char *shown;

	if (from == NULL || to == NULL || strcmp(from, to) == 0 || strstr(line, from) == NULL)
		return strdup(line);
	nf = strlen(from);
	nt = strlen(to);
	if ((shown = malloc(strlen(line) / nf * nt + strlen(line) + 1)) == NULL)
		return NULL;
	shown[0] = '\0';
	for (; (hit = strstr(line, from)) != NULL; line = hit + nf) {
		strncat(shown, line, (size_t)(hit - line));
		strcat(shown, to);
	}
	strcat(shown, line);
	return shown;
}

/* Whether the seen place shows the catalogue line (as this platform names itself); the
 * line is appended to expected. */
static bool shows_line(sc_world *w, const seen *s, const char *line, size_t i, sc_outcome *out)
{
	char *shown = as_shown(w, line);
	size_t len = strlen(out->expected);
	bool ok;

	if (shown == NULL)
		return false;
	if (len < sizeof(out->expected) - 1)
		sc_text_printf(out->expected + len, sizeof(out->expected) - len, "%s%s",
		               i ? " / " : "", shown);
	ok = s->any && w->cfg.shows(s->text, shown);
	free(shown);
	return ok;
}

typedef enum shown_as { SHOWN_ALL, SHOWN_ANY } shown_as;

/*
 * Compares the entry's catalogue message (step's entry= or the scenario's) with WHERE: all of
 * its lines shown, or any; *hit gets the answer, *entry the entry. SC_PASS when compared.
 */
static sc_status compare_message(sc_world *w, const sc_step *st, shown_as how, sc_outcome *out,
                                 bool *hit, const char **entry)
{
	const seen *s = where_step(w, st, out);
	const char *const *lines;
	size_t n;

	*entry = sc_step_get(st, "entry") ? sc_step_get(st, "entry") : w->cfg.entry;
	if (s == NULL)
		return out->status;
	if (!w->cfg.message(w->cfg.message_ctx, *entry, &lines, &n) || n == 0)
		return sc_result(out, SC_ERROR, "the %s catalogue has no message for entry %s",
		                 w->cfg.manual, *entry);
	*hit = how == SHOWN_ALL;
	for (size_t i = 0; i < n; i++) {
		bool shown = shows_line(w, s, lines[i], i, out);
		*hit = how == SHOWN_ALL ? shown && *hit : shown || *hit;
	}
	return SC_PASS;
}

sc_status step_expect_message(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *entry;
	bool all = false;

	if (compare_message(w, st, SHOWN_ALL, out, &all, &entry) != SC_PASS)
		return out->status;
	return all ? SC_PASS
	           : sc_result(out, SC_FAIL, "entry %s's message is not on the %s", entry,
	                       out->where);
}

/* The entry's message is not at WHERE (a remedy that takes a screen away, 2.13 r1). */
sc_status step_expect_absent(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *entry;
	bool any = false;

	snprintf(out->expected, sizeof(out->expected), "not: ");
	if (compare_message(w, st, SHOWN_ANY, out, &any, &entry) != SC_PASS)
		return out->status;
	return any ? sc_result(out, SC_FAIL, "entry %s's message is still on the %s", entry,
	                       out->where)
	           : SC_PASS;
}

/* Manual 2.16: the page came and the screen stays white (nothing rendered). */
sc_status step_expect_blank(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);

	if (s == NULL)
		return out->status;
	if (s != &w->phone_page && s != &w->pc_page)
		return sc_result(out, SC_ERROR, "expect.blank is for a page (phone.page, pc.page)");
	snprintf(out->expected, sizeof(out->expected),
	         "a blank screen (a page with nothing shown)");
	if (s->any && s->blank)
		return SC_PASS;
	return sc_result(out, SC_FAIL, "the %s shows something (HTTP %ld)", out->where, s->status);
}

/* Manual 2.17: the phone's OS shows a QR code (sign in with another device). */
sc_status step_expect_qr(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);

	if (s == NULL)
		return out->status;
	if (s != &w->phone_prompt)
		return sc_result(out, SC_ERROR, "expect.qr is for phone.prompt");
	snprintf(out->expected, sizeof(out->expected),
	         "a QR code on the phone (the OS: sign in with another device)");
	return s->any && s->qr ? SC_PASS
	                       : sc_result(out, SC_FAIL, "the phone's OS showed no QR code");
}

sc_status step_expect_done(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);

	if (s == NULL)
		return out->status;
	snprintf(out->expected, sizeof(out->expected), "a finished page (done or logged-in)");
	if (s->any && (strcmp(s->kind, "done") == 0 || strcmp(s->kind, "logged-in") == 0))
		return SC_PASS;
	return sc_result(out, SC_FAIL, "the %s is not a finished page (class \"%s\", HTTP %ld)",
	                 out->where, s->kind, s->status);
}

sc_status step_expect_status(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);
	const char *code = sc_step_word(st, 1);
	uint64_t want;

	if (s == NULL)
		return out->status;
	if (code == NULL)
		return sc_result(out, SC_ERROR, "expect.status WHERE CODE");
	if (!world_number(code, SC_NUMBER_HTTP_STATUS, &want, out))
		return out->status;
	snprintf(out->expected, sizeof(out->expected), "HTTP %s", code);
	if (s->any && s->status == (long)want)
		return SC_PASS;
	return sc_result(out, SC_FAIL, "the %s came with HTTP %ld", out->where, s->status);
}

sc_status step_expect_devices(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_user *u = world_user(w, sc_step_word(st, 0));
	const char *want = sc_step_word(st, 1);
	json_t *list, *c;
	size_t i, enabled = 0;
	uint64_t count;

	if (u == NULL || want == NULL)
		return sc_result(out, SC_ERROR, "expect.devices USER COUNT");
	if (!world_number(want, SC_NUMBER_COUNT, &count, out))
		return out->status;
	if ((list = world_devices(w, u, out)) == NULL)
		return out->status;
	json_array_foreach(list, i, c) enabled += json_is_true(json_object_get(c, "enabled"));
	json_decref(list);
	snprintf(out->where, sizeof(out->where), "ca.devices");
	snprintf(out->expected, sizeof(out->expected), "%s device(s) registered", want);
	snprintf(out->seen, sizeof(out->seen), "%zu", enabled);
	return enabled == count
	               ? SC_PASS
	               : sc_result(out, SC_FAIL, "the CA lists %zu enabled device(s)", enabled);
}

/* The step's PC for an expectation on its page (out's where and expected filled in); NULL
 * (out set) when the step names no PC. */
__attribute__((format(printf, 5, 6))) static sc_pc *
expect_pc_page(sc_world *w, const sc_step *st, au_pc **pc, sc_outcome *out, const char *fmt, ...)
{
	sc_pc *s = world_pc_side(w, st, pc, out);
	va_list ap;

	if (s == NULL)
		return NULL;
	snprintf(out->where, sizeof(out->where), "pc.page");
	va_start(ap, fmt);
	vsnprintf(out->expected, sizeof(out->expected), fmt, ap);
	va_end(ap);
	return s;
}

/* 3.13: the button did nothing: no dialog, no request, the same page on the screen. */
sc_status step_expect_nothing(sc_world *w, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	sc_pc *s =
	        expect_pc_page(w, st, &pc, out, "nothing happens: no dialog, the page stays (%s)",
	                       sc_or_none(w->cfg.entry));

	if (s == NULL)
		return out->status;
	snprintf(out->seen, sizeof(out->seen), "%.255s\n%.2000s", au_pc_title(pc), au_pc_text(pc));
	if (s->idle_clicks == 0)
		return sc_result(out, SC_FAIL, "the click did something (a dialog or a request)");
	if (pc->page == NULL || pc->page != s->page_at_click)
		return sc_result(out, SC_FAIL, "the page changed");
	if (strstr(au_pc_text(pc), "マイナンバーカード") == NULL)
		return sc_result(out, SC_FAIL, "not the My Number card registration page");
	return SC_PASS;
}

/* ---- expectations ---- */

/* The card login went through: the PC shows the device registration QR (user manual 5.2) or
 * the platform's finished page. */
sc_status step_expect_login(sc_world *w, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;

	if (expect_pc_page(
	            w, st, &pc, out,
	            "the card login accepted: the device registration QR, or a finished page") ==
	    NULL)
		return out->status;
	snprintf(out->seen, sizeof(out->seen), "HTTP %ld %.255s\n%.2000s", pc->status,
	         au_pc_title(pc), pc->page ? au_pc_text(pc) : pc->why);
	if (pc->page != NULL && pc->status == 200 &&
	    (au_pc_qr_url(pc) != NULL || strcmp(au_pc_kind(pc), "done") == 0))
		return SC_PASS;
	return sc_result(out, SC_FAIL, "the PC is not through");
}

sc_status step_expect_verified(sc_world *w, const sc_step *st, sc_outcome *out)
{
	au_certview_result r;
	const char *text = NULL;
	sc_status viewed = world_view_card_cert(w, st, out, &r, &text);

	if (viewed == SC_ERROR)
		return viewed;
	snprintf(out->where, sizeof(out->where), "pc.viewer");
	snprintf(out->expected, sizeof(out->expected),
	         "the viewer verifies the card's certificate");
	if (viewed != SC_PASS)
		return sc_result(out, SC_FAIL, "the viewer cannot open the card");
	snprintf(out->seen, sizeof(out->seen), "%s", text ? text : "(verified)");
	return r.verdict == AU_CERTVIEW_OK
	               ? SC_PASS
	               : sc_result(out, SC_FAIL, "the viewer does not verify it");
}

/* note.stand-in real=TEXT seen=TEXT: the cause does not provoke the manual's condition itself but
 * the closest one the simulator has; the reports say so beside its result. */
sc_status step_note_stand_in(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *real = sc_step_get(st, "real"), *shown = sc_step_get(st, "seen");

	if (real == NULL || shown == NULL || real[0] == '\0' || shown[0] == '\0')
		return sc_result(out, SC_ERROR, "note.stand-in real=TEXT seen=TEXT");
	snprintf(w->stand_in, sizeof(w->stand_in), "stands for %s; the user sees %s", real, shown);
	return SC_PASS;
}
