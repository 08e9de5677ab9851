/*
 * The JPKI user client software (公的個人認証サービス 利用者クライアントソフト) and its browser
 * extension ("利用者クライアントソフト Edge/Chrome"), as the My Number card registration page
 * uses them: the page's button 「マイナンバーカードを登録」 asks the extension, the extension
 * starts the client, the client reads the card from the reader.
 *
 *  extension not installed or disabled → the button does nothing (3.13: the page stays);
 *  the client already running (the other browser, or its dialog left open) → 3.15;
 *  no card, badly inserted, an HPKI card, or no My Number card → 3.16.
 * The messages are the manual's (fixtures/manual/v2.16.json); a test holds them to it.
 */
#ifndef KAGURA_AUTHENTICATOR_PC_JPKI_H
#define KAGURA_AUTHENTICATOR_PC_JPKI_H

#include "webauthn/xtable.h"

#include <stdbool.h>

#include "authenticator/pc/card.h"

#define AU_JPKI_TABLE(X)                                                                        \
	X(AU_JPKI_OK, NULL, NULL, "the client read the My Number card: its PIN dialog is open") \
	X(AU_JPKI_NOTHING, "3.13", NULL,                                                        \
	  "the extension is not installed or not enabled: the button does nothing")             \
	X(AU_JPKI_ALREADY_RUNNING, "3.15", "既にアプリケーションが起動しています。",            \
	  "the client is already running (another browser, or a dialog left open)")             \
	X(AU_JPKI_CANNOT_CONNECT, "3.16", "個人番号カードに接続できません。",                   \
	  "no My Number card could be read: none, badly inserted, an HPKI card, another card")

typedef enum au_jpki_outcome { AU_JPKI_TABLE(KAGURA_XT_ENUM) AU_JPKI__COUNT } au_jpki_outcome;

const char *au_jpki_name(au_jpki_outcome o);
const char *au_jpki_manual_entry(au_jpki_outcome o); /* "3.15" ...; NULL for OK */
const char *au_jpki_message(au_jpki_outcome o);      /* the dialog's line; NULL: no dialog */
const char *au_jpki_reason(au_jpki_outcome o);

typedef struct au_jpki_pc {
	bool extension_installed;
	bool extension_enabled;
	unsigned running;  /* client instances open now (the other browser's count too) */
	au_reader *reader; /* borrowed */
} au_jpki_pc;

/* Client and extension installed and enabled, nothing running, reader as given. */
void au_jpki_init(au_jpki_pc *pc, au_reader *reader);

typedef struct au_jpki_result {
	au_jpki_outcome outcome;
	au_read_result read; /* what the reader said (AU_READ_OK when it was another card) */
	const au_card *card; /* the My Number card on AU_JPKI_OK, else NULL */
} au_jpki_result;

/*
 * The user clicks 「マイナンバーカードを登録」. On AU_JPKI_OK the client stays running (its PIN
 * dialog) until au_jpki_close; an error dialog is closed by its OK button (running unchanged).
 */
au_jpki_result au_jpki_click_register(au_jpki_pc *pc);
/* The client's dialog is closed (finished or cancelled): one instance fewer. */
void au_jpki_close(au_jpki_pc *pc);

#endif
