#include "authenticator/jpki.h"

#include <stddef.h>

static const struct {
	const char *name, *entry, *text, *why;
} jpki_rows[] = {
#define AU_JPKI_ROW(name, entry, text, why) {#name, entry, text, why},
        AU_JPKI_TABLE(AU_JPKI_ROW)
#undef AU_JPKI_ROW
};

const char *au_jpki_name(au_jpki_outcome o)
{
	return (unsigned)o < AU_JPKI__COUNT ? jpki_rows[o].name : "AU_JPKI_?";
}
const char *au_jpki_manual_entry(au_jpki_outcome o)
{
	return (unsigned)o < AU_JPKI__COUNT ? jpki_rows[o].entry : NULL;
}
const char *au_jpki_message(au_jpki_outcome o)
{
	return (unsigned)o < AU_JPKI__COUNT ? jpki_rows[o].text : NULL;
}
const char *au_jpki_reason(au_jpki_outcome o)
{
	return (unsigned)o < AU_JPKI__COUNT ? jpki_rows[o].why : "unknown";
}

void au_jpki_init(au_jpki_pc *pc, au_reader *reader)
{
	if (pc == NULL)
		return;
	pc->extension_installed = true;
	pc->extension_enabled = true;
	pc->running = 0;
	pc->reader = reader;
}

au_jpki_result au_jpki_click_register(au_jpki_pc *pc)
{
	au_jpki_result r = {AU_JPKI_NOTHING, AU_READ_NO_READER, NULL};
	const au_card *card = NULL;

	if (pc == NULL || !pc->extension_installed || !pc->extension_enabled)
		return r;
	if (pc->running > 0) {
		r.outcome = AU_JPKI_ALREADY_RUNNING;
		return r;
	}
	r.read = au_reader_read(pc->reader, &card);
	if (r.read != AU_READ_OK || au_card_kind_of(card) != AU_CARD_JPKI ||
	    au_card_cert(card) == NULL) {
		r.outcome = AU_JPKI_CANNOT_CONNECT;
		return r;
	}
	pc->running++;
	r.outcome = AU_JPKI_OK;
	r.card = card;
	return r;
}

void au_jpki_close(au_jpki_pc *pc)
{
	if (pc != NULL && pc->running > 0)
		pc->running--;
}
