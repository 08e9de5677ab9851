/*
 * The PC's IC-card side: the inserted card (an HPKI card or a My Number card = a certificate and
 * its key from the generated test PKI, fixtures/pki/README.md), the reader and its driver, and
 * the PIN dialog. The reader's states are the causes the manual gives for 3.1 / 3.2 / 3.21 (the
 * card cannot be read, so the browser shows no PIN prompt and sends no certificate): reader or
 * driver missing, card not seated, a contactless reader on a metal desk (intermittent: the first
 * N reads fail), antivirus restricting the browser's smart-card access, the Program
 * Compatibility Assistant disabling the card middleware. Each has its remedy (a field set back).
 *
 * Presenting the card to the PC's browser (au_card_present) sets or clears au_web's client
 * certificate, so any flow that drives au_web (au_pc) logs in with whatever the reader gives.
 * No global state; bad PEM or a key that is not the certificate's is an error, never a crash.
 */
#ifndef KAGURA_AUTHENTICATOR_PC_CARD_H
#define KAGURA_AUTHENTICATOR_PC_CARD_H

#include "webauthn/xtable.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#include "authenticator/web/web.h"

#define AU_CARD_ERROR KAGURA_XT_ENUM
typedef enum au_card_err {
#include "authenticator/pc/card_error.def"
	AU_CARD_ERR__COUNT
} au_card_err;

KAGURA_XT_DECLARE(au_card_err, au_card_strerr); /* the message; never NULL */

typedef enum au_card_kind {
	AU_CARD_OTHER, /* a card that is neither (a bank card, a transit card ...) */
	AU_CARD_HPKI,
	AU_CARD_JPKI, /* the My Number card's user-authentication certificate */
} au_card_kind;

const char *au_card_kind_name(au_card_kind k); /* "hpki", "jpki", "other" */

typedef struct au_card au_card;

/*
 * A card from PEM text: the certificate (the leaf first, its CA may follow: what the card
 * presents) and the unencrypted private key. The key must be the leaf's.
 */
au_card_err au_card_from_pem(const char *name, au_card_kind kind, const char *cert_pem,
                             size_t cert_len, const char *key_pem, size_t key_len, au_card **out);
/* A card from objects already decoded (each up-referenced, the caller keeps its own): the
 * certificate, the CAs after it (NULL none) and the key, which must be the certificate's. */
au_card_err au_card_from_objects(const char *name, au_card_kind kind, X509 *cert,
                                 STACK_OF(X509) * chain, EVP_PKEY *key, au_card **out);
au_card_err au_card_load(const char *name, au_card_kind kind, const char *chain_path,
                         const char *key_path, au_card **out);
/* The card called name in PKI_DIR/index.json (its chain file, key, kind and 本人ID). */
au_card_err au_card_from_index(const char *pki_dir, const char *name, au_card **out);
/* The card one entry of PKI_DIR/index.json's "cards" describes. */
au_card_err au_card_from_index_entry(const char *pki_dir, const json_t *entry, au_card **out);
/* A card with no certificate at all (not a PKI card); it reads, but holds nothing to present. */
au_card_err au_card_plain(const char *name, au_card **out);
void au_card_free(au_card *card);

/* The CA certificates a card holds after its own: an OpenSSL STACK_OF(X509). */
typedef STACK_OF(X509) au_card_cas;

const char *au_card_name(const au_card *card);
au_card_kind au_card_kind_of(const au_card *card);
const char *au_card_honin_id(const au_card *card); /* "" when the index named none */
X509 *au_card_cert(const au_card *card);           /* borrowed; NULL for a plain card */
au_card_cas *au_card_chain(const au_card *card);   /* borrowed, the CAs after the leaf */
EVP_PKEY *au_card_key(const au_card *card);        /* borrowed */

/* ---- the reader ---- */

#define AU_READ KAGURA_XT_ENUM
typedef enum au_read_result {
#include "authenticator/pc/card_read.def"
	AU_READ__COUNT
} au_read_result;

/* The result's name ("AU_READ_METAL") and its reason in words; never NULL. */
KAGURA_XT_DECLARE(au_read_result, au_read_name, au_read_reason);

typedef struct au_reader {
	bool connected;          /* reader plugged in, driver installed (checked per manual 4.2) */
	bool seated;             /* the card sits properly in (or on) the reader */
	bool on_metal;           /* contactless reader on a metal desk */
	unsigned metal_failures; /* on metal: this many reads fail, then they work (intermittent) */
	bool antivirus_blocks;   /* remedy: change the AV setting or stop it */
	bool pca_blocks;         /* remedy: stop "Program Compatibility Assistant Service" */
	const au_card *card;     /* the inserted card, borrowed; NULL none */
	unsigned reads;          /* reads attempted since the last au_reader_insert */
} au_reader;

/* A healthy reader, connected, no card. */
void au_reader_init(au_reader *r);
/* Inserts card (NULL removes it), properly seated; the read counter starts again. */
void au_reader_insert(au_reader *r, const au_card *card);
/* One read by the middleware; *card (may be NULL) gets the card on AU_READ_OK. */
au_read_result au_reader_read(au_reader *r, const au_card **card);

/* ---- the login: certificate picker, PIN dialog, the browser's client certificate ---- */

typedef struct au_pin_user {
	bool cancel_picker;   /* Cancel in the browser's certificate picker (3.21) */
	unsigned pin_seconds; /* seconds the user takes to type the PIN (3.17: over 60 fails) */
} au_pin_user;

typedef struct au_card_login {
	au_read_result read;  /* what the reader answered */
	bool picker_shown;    /* the certificate picker listed the card's certificate */
	bool pin_prompt;      /* the PIN dialog opened (the manual: no PIN prompt = unreadable) */
	bool cert_presented;  /* the browser will send the card's certificate */
	unsigned pin_seconds; /* copied from the user, 0 without a PIN prompt */
} au_card_login;

/*
 * What happens on the PC when the platform asks for a client certificate: the middleware reads
 * the reader; on success the picker shows the card (unless the user cancels) and the PIN dialog
 * opens; then the browser presents the card (au_web_set_client_cert) — otherwise it clears any
 * certificate, so the handshake goes on without one. user NULL: picks the card, PIN at once.
 * out (may be NULL) says what the user saw. AU_CARD_ERR_WEB when au_web refused the objects.
 */
au_card_err au_card_present(au_reader *reader, const au_pin_user *user, au_web *web,
                            au_card_login *out);

/*
 * Manual 4.2: the browser's certificate manager, 個人 tab. The card's certificate is listed when
 * the reader reads it; it is the right kind when its issuer's CN starts "HPKI-" (HPKI card) or
 * its issuer names "Japan Agency for Local Authority Information Systems" (My Number card;
 * the manual writes "local", compared without case).
 */
typedef struct au_card_visibility {
	au_read_result read;
	bool listed;       /* a certificate shows in the 個人 tab */
	au_card_kind kind; /* what its issuer says; AU_CARD_OTHER none */
	char issuer[256];  /* the issuer as the list shows it (CN, else the last OU), "" none */
	char verdict[160]; /* one line for a report */
} au_card_visibility;

au_card_visibility au_card_check_visible(au_reader *reader);

#endif
