#include "authenticator/pc/jpki.h"

#include <stddef.h>

#include "authenticator/pc/outcome.h"

static const au_outcome_row jpki_rows[] = {AU_JPKI_TABLE(AU_OUTCOME_ROW)};
static const au_outcome_row unknown = {"AU_JPKI_?", NULL, NULL, "unknown"};

AU_OUTCOME_ACCESSOR(au_jpki_name, au_jpki_outcome, jpki_rows, AU_JPKI__COUNT, unknown, name)
AU_OUTCOME_ACCESSOR(au_jpki_manual_entry, au_jpki_outcome, jpki_rows, AU_JPKI__COUNT, unknown,
                    entry)
AU_OUTCOME_ACCESSOR(au_jpki_message, au_jpki_outcome, jpki_rows, AU_JPKI__COUNT, unknown, text)
AU_OUTCOME_ACCESSOR(au_jpki_reason, au_jpki_outcome, jpki_rows, AU_JPKI__COUNT, unknown, why)

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
