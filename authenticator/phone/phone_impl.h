/*
 * What the phone's files (phone.c the object, phone_provision.c a new device, phone_ceremony.c
 * the WebAuthn ceremonies, phone_visit.c the pages, phone_history.c the browser's history,
 * phone_remedy.c what the user changes) share. For authenticator/phone/phone*.c only.
 */
#ifndef KAGURA_AUTHENTICATOR_PHONE_PHONE_IMPL_H
#define KAGURA_AUTHENTICATOR_PHONE_PHONE_IMPL_H

#include "authenticator/phone/phone.h"

/* why = "what: detail" (why may be NULL). */
void au_phone_why(char *why, size_t size, const char *what, const char *detail);

/* ---- the object (phone.c) ---- */

au_os_family au_phone_os_family(const au_persona *p);
/* The persona name of the default browser: the phone's own when none is set. */
const char *au_phone_browser_name(const au_phone *p);
/* Loads the browser persona name into p->browser (replacing it only on success). */
au_err au_phone_load_browser(au_phone *p, const char *name, const char **why);

/* ---- ceremonies (phone_ceremony.c) ---- */

/* The browser's own refusals before any authenticator is asked. AU_FAIL_NO_WEBAUTHN: the
 * page finds no PublicKeyCredential (no WebAuthn, or iOS 17 with iCloud Keychain off). */
au_failure au_phone_browser_precheck(const au_persona *p, const au_settings *s);

/* ---- the browser (phone_visit.c) ---- */

/* Where the current browser keeps its site data: each browser app its own. */
void au_phone_jar_path(const au_phone *p, char *jar, size_t size);
/* The browser closes (its site data written); the next visit opens it again. */
void au_phone_close_browser(au_phone *p);

/* ---- its history (phone_history.c) ---- */

/* A page as it came, on top of the history (the oldest goes when it is full). */
void au_phone_history_push(au_phone *p, const char *url, const char *html, size_t len, long status);
/* The current page leaves the history (there is one). */
void au_phone_history_pop(au_phone *p);
/* Remembers what form f posts (the browser can send it again). */
void au_phone_post_remember(au_phone *p, const au_form *f);
/* The history and the last form posted are forgotten. */
void au_phone_history_forget(au_phone *p);

#endif
