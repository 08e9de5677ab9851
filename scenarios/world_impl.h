/*
 * The world's inside, shared by the world (world.c), its vocabulary (vocabulary.c) and the step
 * handlers grouped by what they act on (steps_*.c, cards.c). Not for the runner: it uses world.h.
 */
#ifndef KAGURA_SCENARIOS_WORLD_IMPL_H
#define KAGURA_SCENARIOS_WORLD_IMPL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "authenticator/pc/card.h"
#include "authenticator/pc/jpki.h"
#include "authenticator/pc/pc.h"
#include "authenticator/pc/pcbrowser.h"
#include "authenticator/pc/pccerts.h"
#include "authenticator/phone/phone.h"
#include "authenticator/pc/proxy.h"
#include "scenarios/control.h"
#include "scenarios/number.h"
#include "scenarios/world.h"

#define MAX_ACTORS      8 /* users, phones, PCs, variables: each of a scenario's own */
#define SYM_MAX         32
#define ID_MAX          16 /* a 本人ID and its NUL */
#define MAX_RUN_IDS     16 /* card PKI 本人IDs a world stands in for */
#define MAX_MISSING     16 /* names left out with the setup steps that make them */
#define MAX_CARDS       16
#define MAX_LINKS       8 /* My Number card links a world makes */
#define FINGERPRINT_HEX 65
#define SEEN_TEXT_MAX   2400
#define TRACE_SEEN_MAX  600 /* bytes of a screen's text one trace line shows */

typedef struct named_user {
	char sym[SYM_MAX];
	char id[ID_MAX]; /* the 本人ID the platform knows: unique per world */
	bool created;    /* the platform has it because this world made it */
} named_user;

/* A card PKI's 本人ID and the one this run's copy of the card carries. */
typedef struct run_id {
	char pki[ID_MAX];
	char run[ID_MAX];
} run_id;

typedef struct named_phone {
	char sym[SYM_MAX];
	au_phone phone;
	bool open;
} named_phone;

/* A PC: its browser, and what stands around it (reader, JPKI client, installed CAs, proxy). */
typedef struct sc_pc {
	char sym[SYM_MAX];
	au_pc pc;
	au_reader reader;
	au_jpki_pc jpki;
	au_pc_certs certs;
	char browser[16]; /* chrome | edge */
	au_proxy *proxy;
	bool proxy_credentials;
	int front; /* card logins through the platform's front: -1 direct, else rp_front_mode */
	unsigned idle_clicks; /* 「マイナンバーカードを登録」 clicks that did nothing */
	const au_page *page_at_click;
} sc_pc;

/* A name a setup step left out would have made (no test control). */
typedef struct missing {
	char sym[SYM_MAX];
	char verb[SYM_MAX];
	int line;
} missing;

typedef struct named_var {
	char sym[SYM_MAX];
	char value[2048]; /* a URL: a Keycloak action link carries a signed token */
} named_var;

/* What the user saw last, per place. */
typedef struct seen {
	long status;
	char text[SEEN_TEXT_MAX]; /* title and feedback text of a page; the exception; prompts */
	char kind[64];            /* a page's kc-content class */
	bool any;
	bool blank;    /* a page that arrived and shows nothing (its body renders no text) */
	bool qr;       /* the phone's OS showed a QR code (sign in with another device) */
	char url[512]; /* the page's address, "" none */
	unsigned step; /* the step that showed it (trace) */
} seen;

/* A browser's page as served, kept for the visual report (cfg.keep_pages). */
typedef struct served_page {
	char *html; /* owned; NULL: no page on screen */
	size_t len;
} served_page;

struct sc_world {
	sc_world_config cfg;
	/* The CA's hand on the platform: cfg.control, else own_control (owned, the mock's). */
	struct sc_control *control;
	struct sc_control *own_control;
	named_user users[MAX_ACTORS];
	size_t n_users;
	named_phone phones[MAX_ACTORS];
	size_t n_phones;
	sc_pc pcs[MAX_ACTORS];
	size_t n_pcs;
	named_var vars[MAX_ACTORS];
	size_t n_vars;
	seen phone_page, phone_error, phone_prompt, pc_page, pc_browser, pc_dialog, pc_viewer;
	/* The pages behind phone_page and pc_page, as served (cfg.keep_pages). */
	served_page phone_served, pc_served;
	/* The PC browsers' own error pages (fixtures/pc/browsers.json): cfg.pc_pages, else
	 * own_pages (owned, read by this world). */
	const au_pcb_table *pages;
	au_pcb_table *own_pages;
	char stand_in[SC_STAND_IN_MAX]; /* note.stand-in: "" the cause is the real condition */
	size_t reissue_keys_used;       /* the PKI's spare keys this world's reissued cards took */
	au_card *cards[MAX_CARDS];
	size_t n_cards;
	char links[MAX_LINKS][FINGERPRINT_HEX]; /* the My Number cards this world linked */
	size_t n_links;
	run_id run_ids[MAX_RUN_IDS];
	size_t n_run_ids;
	unsigned step; /* steps run so far */
	bool setup;    /* the setup is running (sc_world_setup) */
	missing missing[MAX_MISSING];
	size_t n_missing;
	/* What a shared platform had before this world changed it (sc_world_cleanup). */
	json_t *networks_before; /* owned; NULL: untouched */
	bool clock_changed;
	json_int_t clock_before;
};

/* A step's handler: one verb of the vocabulary (vocabulary.c). */
typedef sc_status (*sc_step_fn)(sc_world *w, const sc_step *st, sc_outcome *out);

/* What a verb needs of the platform. */
enum {
	SC_NEEDS_TEST_CONTROL = 1 << 0, /* the platform's test control */
	SC_NEEDS_CARD_PKI = 1 << 1,     /* HTTPS with the card PKI (a card login): else skipped */
	SC_USES_CARDS = 1 << 2,         /* the test PKI's cards: the embedded platform gets HTTPS */
	SC_CHANGES_PLATFORM = 1 << 3,   /* it changes what every user of the platform sees */
	/* What of the platform's own it needs beyond a login (control.h's sc_capability, shifted
	 * here): a platform whose control lacks it skips the step with the control's reason. */
	SC_NEEDS_CAPS_SHIFT = 8,
};

#define SC_NEEDS_CAP(cap) ((unsigned)(cap) << SC_NEEDS_CAPS_SHIFT)

typedef struct sc_verb {
	const char *name;
	const char *usage; /* the one statement of its words (scenarios/usage.h) */
	const char *meaning;
	unsigned needs; /* SC_NEEDS_*, SC_CHANGES_PLATFORM */
	sc_step_fn fn;
} sc_verb;

/* The verb called name, NULL when the vocabulary lacks it. */
const sc_verb *sc_verb_of(const char *name);

/* ---- the world's names (world.c) ---- */

named_user *world_user(sc_world *w, const char *sym);
/* A user symbol's 本人ID, made up the first time (unique to the run). */
named_user *world_user_new(sc_world *w, const char *sym);
named_phone *world_phone(sc_world *w, const char *sym);
/* The phone a step names first; NULL with out filled. */
named_phone *world_phone_step(sc_world *w, const sc_step *st, sc_outcome *out);
sc_pc *world_pc(sc_world *w, const char *sym);
/* The PC a step names first; NULL with out filled. */
sc_pc *world_pc_step(sc_world *w, const sc_step *st, sc_outcome *out);
/* The same, with its browser in *browser (may be NULL). */
sc_pc *world_pc_side(sc_world *w, const sc_step *st, au_pc **browser, sc_outcome *out);
named_var *world_var(sc_world *w, const char *sym, bool create);
/* "$qr" → the variable's value; anything else as written. */
const char *world_value(sc_world *w, const char *text);
/* A URL as the platform printed it (its origin) mapped onto where it listens; a path joined. */
void world_url(sc_world *w, const char *ref, char *url, size_t size);
/* The platform's RP ID: the host of its origin. */
void world_rp_id(const sc_world *w, char *rp, size_t size);
bool world_control_ok(sc_world *w, sc_control_op op, json_t *body, sc_outcome *out);
/* The place where ("phone.page" ...), NULL when there is none. */
seen *world_seen(sc_world *w, const char *where);
/* The page (NULL: none) is what kept now shows, copied when the world keeps pages. */
void world_keep_page(sc_world *w, served_page *kept, const au_page *page);
/* Into pc.page: the PC's page as it came (e is AU_OK), else what the browser ran into (its why);
 * any failure fails the step. */
sc_status world_saw_pc(sc_world *w, sc_pc *c, au_err e, sc_outcome *out);
bool world_yes(const char *v);
/* A step's word as a number of kind (scenarios/number.h); false with out an SC_ERROR saying why.
 * The loader refuses such a word already: this keeps a handler from reading one regardless. */
bool world_number(const char *word, sc_number_kind kind, uint64_t *value, sc_outcome *out);
/* A yes|no word of a step and the flag it sets; field NULL: a key the handler reads itself. */
typedef struct world_switch {
	const char *key;
	bool *field;
} world_switch;
/* Sets each key=yes|no of the step from switches; an error naming usage for any other key. */
sc_status world_set_switches(const sc_step *st, const world_switch *switches, size_t n,
                             const char *usage, sc_outcome *out);
/*
 * The certificate viewer on the card in the reader of the PC the step names
 * (au_pc_view_card_cert): SC_PASS with *r and *text (borrowed, NULL: none); SC_ERROR with out
 * filled when the step names no PC; SC_FAIL, out untouched, when the viewer cannot open the card.
 */
sc_status world_view_card_cert(sc_world *w, const sc_step *st, sc_outcome *out,
                               au_certview_result *r, const char **text);
const char *world_or_empty(const char *s);

/* The user's devices as the CA lists them (owned array) or NULL with out filled. */
json_t *world_devices(sc_world *w, named_user *u, sc_outcome *out);
/* The PC browser's proxy setting as the PC has it now. */
sc_status world_apply_proxy(sc_pc *s, sc_outcome *out);

/* Sets a step's status and (fmt not NULL) its detail; returns the status. */
sc_status sc_result(sc_outcome *out, sc_status s, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* s, or "(none)" for a missing word in a message. */
const char *sc_or_none(const char *s);
/* Records what the user sees at where (pc.page, pc.browser, pc.dialog, pc.viewer); text NULL:
 * nothing is shown there. */
void sc_world_saw(sc_world *w, const char *where, long status, const char *text, const char *kind);
/* Names a user of a known 本人ID (a card's); false when the world has no room. */
bool sc_world_name_user(sc_world *w, const char *sym, const char *id);
/* The platform has a user sym now, created by this world (disabled again at cleanup). */
void sc_world_user_created(sc_world *w, const char *sym);
/* The 本人ID of a named user, NULL unknown. */
const char *sc_world_user_id(sc_world *w, const char *sym);
/* This run's own 本人ID standing for a card PKI's 本人ID (made up the first time). */
const char *sc_world_run_id(sc_world *w, const char *pki_id);
/* Test control as the CA (control.h): op with body (consumed); the answer (owned) or NULL with
 * out filled: SC_SKIP when the platform lacks it, else SC_ERROR. */
json_t *sc_world_control(sc_world *w, sc_control_op op, json_t *body, sc_outcome *out);
/* Whether the world's platform is a real Keycloak's (its login and finished pages differ). */
bool world_is_keycloak(const sc_world *w);
/* The platform's clock moves on by seconds (what it was is put back at cleanup). */
sc_status sc_world_advance_clock(sc_world *w, json_int_t seconds, sc_outcome *out);

/* ---- the run's IC cards (cards.c) ---- */

/* The card called name: this run's copy of the PKI's card (made once per world); "plain" a card
 * that is no PKI card. NULL with out filled. */
const au_card *world_card(sc_world *w, const char *name, sc_outcome *out);
/* The 本人ID a card of the PKI stands for in this run; NULL none. */
const char *world_card_user_id(sc_world *w, const char *name);
/* SHA-256 of the card's certificate, lower-case hex. */
bool world_card_fingerprint(const au_card *c, char hex[FINGERPRINT_HEX]);
/* The issuer reissues the card: same holder, new key and serial; NULL with out filled. */
au_card *world_card_reissue(sc_world *w, const au_card *old, const char *old_name, const char *name,
                            sc_outcome *out);

/* ---- the steps, by what they act on (steps_*.c) ---- */

#define SC_STEP(fn) sc_status fn(sc_world *w, const sc_step *st, sc_outcome *out)
/* the CA and its records (test control): steps_ca.c */
SC_STEP(step_ca_user);
SC_STEP(step_ca_disable);
SC_STEP(step_ca_enable);
SC_STEP(step_ca_device);
SC_STEP(step_ca_qr);
SC_STEP(step_card_user);
SC_STEP(step_card_link);
SC_STEP(step_card_unlink);
SC_STEP(step_pc_card_session);
/* the platform's clock: steps_clock.c */
SC_STEP(step_clock_advance);
/* the network on the way: steps_net.c */
SC_STEP(step_net_forbid);
SC_STEP(step_net_proxy);
SC_STEP(step_net_front);
SC_STEP(step_net_proxy_credentials);
/* the phones: steps_phone.c */
SC_STEP(step_phone_new);
SC_STEP(step_phone_set);
SC_STEP(step_phone_remedy);
SC_STEP(step_phone_register);
SC_STEP(step_phone_login);
SC_STEP(step_phone_open);
SC_STEP(step_phone_back);
SC_STEP(step_phone_reload);
SC_STEP(step_phone_resubmit);
SC_STEP(step_phone_delete_passkey);
/* the PCs, their browsers and JPKI clients: steps_pc.c */
SC_STEP(step_pc_new);
SC_STEP(step_pc_open);
SC_STEP(step_pc_submit);
SC_STEP(step_pc_qr);
SC_STEP(step_pc_wait);
SC_STEP(step_pc_browser_make);
SC_STEP(step_pc_card_login);
SC_STEP(step_pc_restart);
SC_STEP(step_pc_install_ca);
SC_STEP(step_pc_viewer);
SC_STEP(step_jpki_extension);
SC_STEP(step_jpki_click);
SC_STEP(step_jpki_register);
SC_STEP(step_jpki_close);
/* the cards and the reader: steps_card.c */
SC_STEP(step_card_seat);
SC_STEP(step_card_reader);
SC_STEP(step_card_check);
SC_STEP(step_card_reissue);
/* what the user sees, against the catalogue: steps_expect.c */
SC_STEP(step_note_stand_in);
SC_STEP(step_expect_message);
SC_STEP(step_expect_absent);
SC_STEP(step_expect_done);
SC_STEP(step_expect_blank);
SC_STEP(step_expect_qr);
SC_STEP(step_expect_status);
SC_STEP(step_expect_devices);
SC_STEP(step_expect_nothing);
SC_STEP(step_expect_login);
SC_STEP(step_expect_verified);
#undef SC_STEP

#endif
