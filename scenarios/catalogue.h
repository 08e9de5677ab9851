/*
 * The manual catalogue: every entry of one generation of the platform's error
 * manual (fixtures/manual/v2.16.json, v1.04.json), transcribed from the manual's
 * text: id, section, platform, title, the message lines the screen shows, the
 * documented causes and remedies, cross-references, and for a newer generation
 * what changed. The schema is fixtures/manual/README.md.
 *
 * The catalogue is the oracle the scenario runner compares a screen with, so the
 * loader is strict: unknown members, wrong types, duplicate ids, dangling
 * parents, untidy strings (control characters, white space at either end) are
 * refused with the JSON path of the offending value, because a silently
 * mis-read text is a false test result.
 */
#ifndef KAGURA_SCENARIOS_CATALOGUE_H
#define KAGURA_SCENARIOS_CATALOGUE_H

#include "webauthn/xtable.h"

#include <stddef.h>

#define SC_CAT_FORMAT      "kagura-manual-catalogue/1"
#define SC_CAT_MAX_FILE    (4u * 1024u * 1024u) /* bytes of a catalogue file */
#define SC_CAT_MAX_TEXT    4096u                /* bytes of one string */
#define SC_CAT_MAX_ENTRIES 256u
#define SC_CAT_MAX_LIST    64u /* messages, screen lines, causes, remedies, refs … of one entry */

#define SC_CAT_ERROR KAGURA_XT_ENUM
typedef enum sc_cat_err {
#include "scenarios/catalogue_error.def"
	SC_CAT_ERR__COUNT
} sc_cat_err;

/* The human message for an error code, and its symbolic name ("SC_CAT_ERR_DUPLICATE"); never
 * NULL. */
KAGURA_XT_DECLARE(sc_cat_err, sc_cat_strerr, sc_cat_errname);

typedef enum sc_cat_platform {
	SC_CAT_SMARTPHONE, /* manual section 2 */
	SC_CAT_PC,         /* manual section 3 */
} sc_cat_platform;

/* Who puts the text on the screen (the catalogue's shown_by), so the runner knows where to look. */
typedef enum sc_cat_shown_by {
	SC_CAT_BY_PLATFORM, /* HPKI-KAGURA's pages, HTTP statuses and front server */
	SC_CAT_BY_BROWSER,  /* the browser: a DOMException, its own error page */
	SC_CAT_BY_OS,       /* the phone OS: prompts, pickers */
	SC_CAT_BY_CARD,     /* the IC-card stack: JPKI client, extension, certificate viewer */
	SC_CAT_BY_NETWORK,  /* something on the path, e.g. an authenticating proxy */
} sc_cat_shown_by;

typedef enum sc_cat_since {
	SC_CAT_SINCE_NONE,    /* the catalogue names no previous manual */
	SC_CAT_SINCE_NEW,     /* no entry of the previous manual corresponds */
	SC_CAT_SINCE_CHANGED, /* the message, a cause or a remedy differs */
	SC_CAT_SINCE_SAME,    /* message, causes and remedies read the same */
} sc_cat_since;

/* How the manual sets a cause or remedy text (typography, not interpretation). */
typedef enum sc_cat_kind {
	SC_CAT_ITEM, /* a bullet (or a continuation line of one with its own condition or action) */
	SC_CAT_LEAD, /* an unbulleted paragraph before the bullets */
	SC_CAT_NOTE, /* a ※ remark or an unbulleted paragraph after a bullet */
} sc_cat_kind;

typedef struct sc_cat_item {
	const char *id; /* "c1".. for causes, "r1".. for remedies */
	sc_cat_kind kind;
	const char *text;   /* verbatim excerpt of the manual; '\n' where it breaks the line */
	const char *parent; /* id of the item this one belongs to, or NULL */
	const char *const *refs;
	size_t n_refs;
} sc_cat_item;

/* A part of a message or screen line that varies between occurrences. */
typedef struct sc_cat_sample {
	const char *text;       /* as the manual's sample shows it */
	const char *stands_for; /* what it stands for */
} sc_cat_sample;

typedef struct sc_cat_entry {
	const char *id;      /* "2.11" */
	const char *section; /* "2" */
	sc_cat_platform platform;
	sc_cat_shown_by shown_by;
	const char *title;           /* the entry's heading as the manual's body prints it */
	const char *toc_title;       /* as the table of contents prints it; NULL when unreadable */
	const char *const *messages; /* the error text, one string per screen line */
	size_t n_messages;           /* 0: the screen shows no text */
	const char *const *screen;   /* every line the manual transcribes from the screen */
	size_t n_screen;
	const sc_cat_sample *samples;
	size_t n_samples;
	const sc_cat_item *causes;
	size_t n_causes;
	const sc_cat_item *remedies;
	size_t n_remedies;
	const char *const *refs; /* every ref of the causes and remedies, in order of first use */
	size_t n_refs;
	sc_cat_since since;   /* SC_CAT_SINCE_NONE when the catalogue names no previous manual */
	const char *previous; /* the corresponding id in the previous manual, or NULL */
	const char *const *remarks; /* the transcriber's remarks (English), not manual text */
	size_t n_remarks;
} sc_cat_entry;

typedef struct sc_catalogue sc_catalogue; /* opaque, immutable once loaded */

/*
 * Reads and checks the catalogue at path. On success *out owns the catalogue. On
 * failure *out is NULL and why (if why_size > 0) holds "PATH: JSONPATH: what" for
 * a bad value (e.g. "v2.16.json: entries[3].causes[1].text: wrong JSON type:
 * expected a string, got an integer"), "PATH:LINE:COLUMN: not well-formed JSON:
 * …" for a syntax error, "PATH: what" otherwise.
 */
sc_cat_err sc_catalogue_load(const char *path, sc_catalogue **out, char *why, size_t why_size);

/* The same from len bytes in memory; name stands for the path in why. */
sc_cat_err sc_catalogue_parse(const char *text, size_t len, const char *name, sc_catalogue **out,
                              char *why, size_t why_size);

void sc_catalogue_free(sc_catalogue *c);

/* The manual generation ("2.16"), and the previous one ("1.04", or NULL). */
const char *sc_catalogue_manual(const sc_catalogue *c);
const char *sc_catalogue_previous_manual(const sc_catalogue *c);
/* The platform's host as the manual's screens name it (messages that show it), NULL none. */
const char *sc_catalogue_platform_host(const sc_catalogue *c);
/* The manual's text file, relative to the catalogue's folder, and its SHA-256 (hex). */
const char *sc_catalogue_source_file(const sc_catalogue *c);
const char *sc_catalogue_source_sha256(const sc_catalogue *c);

/* Entries in the manual's order: count, and the i-th (NULL when out of range). */
size_t sc_catalogue_count(const sc_catalogue *c);
const sc_cat_entry *sc_catalogue_entry(const sc_catalogue *c, size_t i);
/* The entry with this id ("3.17"), or NULL. */
const sc_cat_entry *sc_catalogue_find(const sc_catalogue *c, const char *id);
/* The cause or remedy with this id ("c2", "r1") of an entry, or NULL. */
const sc_cat_item *sc_cat_entry_item(const sc_cat_entry *e, const char *id);

/*
 * Checks that c's previous entries exist in prev: prev is the manual c names as
 * previous_manual (SC_CAT_ERR_LINK otherwise) and every non-NULL previous id is
 * an entry of prev (SC_CAT_ERR_NOT_FOUND, why names the entry).
 */
sc_cat_err sc_catalogue_link(const sc_catalogue *c, const sc_catalogue *prev, char *why,
                             size_t why_size);

/* Names as the file spells them ("smartphone", "browser", "changed", "note"); never NULL. */
const char *sc_cat_platform_name(sc_cat_platform p);
const char *sc_cat_shown_by_name(sc_cat_shown_by s);
const char *sc_cat_since_name(sc_cat_since s);
const char *sc_cat_kind_name(sc_cat_kind k);

#endif
