/*
 * The step vocabulary of scenario files: one table. A row is a verb's name, its usage line (the
 * one statement of its words, checked against every step: scenarios/usage.h), what it means,
 * what it needs of the platform, and its handler. `kagura-scenarios steps` prints the table;
 * scenarios/README.md's vocabulary is checked against it (unit.test_scenario).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/usage.h"
#include "scenarios/world_impl.h"
#include "webauthn/arraylen.h"

#define TC   SC_NEEDS_TEST_CONTROL
#define PKI  SC_NEEDS_CARD_PKI
#define CARD SC_USES_CARDS
#define ALL  SC_CHANGES_PLATFORM

static const sc_verb vocabulary[] = {
        /* the CA and its records (test control) */
        {"ca.user", "USER [disabled]", "the CA registers a user (a fresh 本人ID)", TC,
         step_ca_user},
        {"ca.disable", "USER", "the CA disables the user", TC, step_ca_disable},
        {"ca.enable", "USER", "the CA enables the user again", TC, step_ca_enable},
        {"ca.device", "USER disable|enable|delete", "the CA acts on all the user's devices", TC,
         step_ca_device},
        {"ca.qr", "USER as=VAR [ttl=SECONDS]", "the CA issues a registration QR (newer supersedes)",
         TC, step_ca_qr},
        {"card.user", "USER CARD [disabled]",
         "the CA registers the user of the card's 本人ID (a My Number card: its holder's)",
         TC | CARD, step_card_user},
        {"card.link", "CARD USER", "the CA's record: the My Number card is the user's", TC | CARD,
         step_card_link},
        {"card.unlink", "CARD", "the CA removes the My Number card's link", TC | CARD,
         step_card_unlink},
        {"pc.card-session", "PC USER", "test control: the PC's session is card-authenticated", TC,
         step_pc_card_session},
        /* the platform's clock */
        {"clock.advance", "MINUTES", "the platform's clock moves on", TC | ALL, step_clock_advance},
        /* the network on the way */
        {"net.forbid", "[CIDR...]", "the platform refuses these source networks (none: allow all)",
         TC | ALL, step_net_forbid},
        {"net.proxy", "PC kind=tunnel|auth|inspect|inspect-first|none [credentials=yes]",
         "a proxy on the PC's path (a real loopback proxy)", 0, step_net_proxy},
        {"net.front", "PC tls1.2|tls1.3|none",
         "card logins through the platform's front server (strict client-certificate TLS)", PKI,
         step_net_front},
        {"net.proxy-credentials", "PC", "the browser gets the proxy's credentials", 0,
         step_net_proxy_credentials},
        /* the phones */
        {"phone.new", "PHONE persona=NAME [SETTING=VALUE...]", "a new phone (device file, browser)",
         0, step_phone_new},
        {"phone.set", "PHONE SETTING=VALUE...", "the user changes a setting of the phone", 0,
         step_phone_set},
        {"phone.remedy", "PHONE ACTION [ARG]", "a remedy of the manual's section 4", 0,
         step_phone_remedy},
        {"phone.register", "PHONE USER [label=TEXT]", "setup: register the phone via a CA QR", TC,
         step_phone_register},
        {"phone.login", "PHONE USER", "device-only FIDO login on the phone", 0, step_phone_login},
        {"phone.open", "PHONE URL|$VAR [label=TEXT] [username=USER]",
         "the phone opens a URL (a scanned QR) and goes on as its user", 0, step_phone_open},
        {"phone.back", "PHONE [label=TEXT] [username=USER]",
         "the Back button: the page before is shown again and the user goes on", 0,
         step_phone_back},
        {"phone.reload", "PHONE", "the browser loads the current URL again with GET", 0,
         step_phone_reload},
        {"phone.resubmit", "PHONE", "the browser posts its last form again (sent twice)", 0,
         step_phone_resubmit},
        {"phone.delete-passkey", "PHONE [USER]",
         "the user deletes the platform's passkeys (of USER) on the phone", 0,
         step_phone_delete_passkey},
        /* the PCs, their browsers and JPKI clients */
        {"pc.new", "PC", "a new PC browser (empty cookie jar)", 0, step_pc_new},
        {"pc.open", "PC PATH|URL", "the PC opens a page", 0, step_pc_open},
        {"pc.submit", "PC FORM [FIELD=VALUE]", "the PC's user fills a field and submits", 0,
         step_pc_submit},
        {"pc.qr", "PC as=VAR", "reads the QR the PC shows", 0, step_pc_qr},
        {"pc.wait", "PC", "the QR page's script learns the result and moves on", 0, step_pc_wait},
        {"pc.browser", "PC chrome|edge", "which browser the PC's user runs", 0,
         step_pc_browser_make},
        {"pc.card-login", "PC hpki|jpki|jpki-register [pin_seconds=N] [cancel=yes]",
         "IC-card login over mutual TLS (picker, PIN after N seconds)", PKI, step_pc_card_login},
        {"pc.restart", "PC", "cache and cookies cleared (4.1), the browser closed and started", 0,
         step_pc_restart},
        {"pc.install-ca", "PC none|roots-only|old|current", "the PC's installed CA certificates", 0,
         step_pc_install_ca},
        {"pc.viewer", "PC", "the certificate viewer on the card's certificate (pc.viewer)", 0,
         step_pc_viewer},
        {"jpki.extension", "PC [installed=yes|no] [enabled=yes|no]", "the JPKI client's extension",
         0, step_jpki_extension},
        {"jpki.click", "PC", "「マイナンバーカードを登録」; the client's dialog is left open", 0,
         step_jpki_click},
        {"jpki.register", "PC", "「マイナンバーカードを登録」, PIN: the card is registered", PKI,
         step_jpki_register},
        {"jpki.close", "PC", "the JPKI client's open dialog is closed", 0, step_jpki_close},
        /* the cards and the reader */
        {"card.insert", "PC CARD", "a card of the test PKI (or plain) into the PC's reader", CARD,
         step_card_insert},
        {"card.remove", "PC", "the card out of the reader", CARD, step_card_remove},
        {"card.reader",
         "PC [connected=yes|no] [seated=yes|no] [antivirus=yes|no] [pca=yes|no] [metal=N|no]",
         "the reader's state (a remedy sets it back)", CARD, step_card_reader},
        {"card.check", "PC", "manual 4.2: the card's certificate is listed", CARD, step_card_check},
        {"card.reissue", "CARD as=NEWCARD",
         "the issuer reissues the card: same holder, new key and serial", CARD, step_card_reissue},
        /* what the user sees, against the catalogue */
        {"expect.message", "WHERE [entry=ID]", "WHERE shows the catalogue's message of the entry",
         0, step_expect_message},
        {"expect.absent", "WHERE [entry=ID]", "WHERE does not show the entry's message", 0,
         step_expect_absent},
        {"expect.done", "WHERE", "WHERE shows a finished page (registered, logged in)", 0,
         step_expect_done},
        {"expect.blank", "WHERE", "the page at WHERE came and shows nothing (a white screen)", 0,
         step_expect_blank},
        {"expect.qr", "phone.prompt", "the phone's OS shows a QR code (another device)", 0,
         step_expect_qr},
        {"expect.status", "WHERE CODE", "the page at WHERE came with this HTTP status", 0,
         step_expect_status},
        {"expect.devices", "USER COUNT", "the CA lists COUNT enabled devices of the user", TC,
         step_expect_devices},
        {"expect.nothing", "PC", "the click did nothing: no dialog, the page stays (3.13)", 0,
         step_expect_nothing},
        {"expect.login", "PC", "the card login went through (registration QR or finished)", 0,
         step_expect_login},
        {"expect.verified", "PC", "the certificate viewer verifies the card's certificate", 0,
         step_expect_verified},
};

#undef TC
#undef PKI
#undef CARD
#undef ALL

#define N_VERBS (KAGURA_LEN(vocabulary))

const sc_verb *sc_verb_of(const char *name)
{
	for (size_t i = 0; name != NULL && i < N_VERBS; i++)
		if (strcmp(vocabulary[i].name, name) == 0)
			return &vocabulary[i];
	return NULL;
}

bool sc_step_known(const char *name)
{
	return sc_verb_of(name) != NULL;
}

bool sc_step_check(const sc_step *st, char *why, size_t why_size)
{
	const sc_verb *v = sc_verb_of(st->verb);

	if (v == NULL) {
		snprintf(why, why_size, "unknown step %s", st->verb);
		return false;
	}
	return sc_usage_check(v->usage, st, why, why_size);
}

bool sc_step_needs_test_control(const sc_step *st)
{
	const sc_verb *v = sc_verb_of(st->verb);
	return v != NULL && (v->needs & SC_NEEDS_TEST_CONTROL);
}

bool sc_step_changes_platform(const sc_step *st)
{
	const sc_verb *v = sc_verb_of(st->verb);
	const char *pin = sc_step_get(st, "pin_seconds");

	/* a card login with a PIN dialog of N seconds moves the platform's clock on by N */
	return (v != NULL && (v->needs & SC_CHANGES_PLATFORM)) || (pin != NULL && atol(pin) > 0);
}

static bool block_needs_card_pki(const sc_block *b)
{
	for (size_t i = 0; i < b->n_steps; i++) {
		const sc_verb *v = sc_verb_of(b->steps[i].verb);
		if (v != NULL && (v->needs & (SC_NEEDS_CARD_PKI | SC_USES_CARDS)))
			return true;
	}
	return false;
}

bool sc_scenario_needs_card_pki(const sc_scenario *s)
{
	if (block_needs_card_pki(&s->setup))
		return true;
	for (size_t i = 0; i < s->n_causes; i++) {
		if (block_needs_card_pki(&s->causes[i].block))
			return true;
		for (size_t k = 0; k < s->causes[i].n_remedies; k++)
			if (block_needs_card_pki(&s->causes[i].remedies[k]))
				return true;
	}
	return false;
}

void sc_vocabulary_print(FILE *out)
{
	for (size_t i = 0; i < N_VERBS; i++)
		fprintf(out, "  %-21s %-40s %s%s\n", vocabulary[i].name, vocabulary[i].usage,
		        vocabulary[i].meaning,
		        vocabulary[i].needs & SC_NEEDS_TEST_CONTROL ? " [test control]" : "");
	fprintf(out, "  WHERE: phone.page phone.error phone.prompt pc.page pc.browser pc.dialog "
	             "pc.viewer\n");
}
