#include "rp/states.h"

#include <stddef.h>
#include <string.h>

#include "webauthn/arraylen.h"

#define RP_STATE_NAME(name, text) [name] = text,
static const char *const step_names[] = {RP_STEP_TABLE(RP_STATE_NAME)};
static const char *const kind_names[] = {RP_QR_KIND_TABLE(RP_STATE_NAME)};
static const char *const state_names[] = {RP_QR_STATE_TABLE(RP_STATE_NAME)};
#undef RP_STATE_NAME

static const char *name_of(const char *const *names, size_t n, unsigned value)
{
	return value < n ? names[value] : NULL;
}

/* The index of name in names; false when none matches. */
static bool parse(const char *const *names, size_t n, const char *name, unsigned *out)
{
	for (unsigned i = 0; name != NULL && i < n; i++)
		if (strcmp(names[i], name) == 0) {
			*out = i;
			return true;
		}
	return false;
}

const char *rp_session_step_name(rp_session_step step)
{
	return name_of(step_names, KAGURA_LEN(step_names), (unsigned)step);
}

const char *rp_qr_kind_name(rp_qr_kind kind)
{
	return name_of(kind_names, KAGURA_LEN(kind_names), (unsigned)kind);
}

const char *rp_qr_state_name(rp_qr_state state)
{
	return name_of(state_names, KAGURA_LEN(state_names), (unsigned)state);
}

bool rp_session_step_parse(const char *name, rp_session_step *out)
{
	unsigned i;

	if (!parse(step_names, KAGURA_LEN(step_names), name, &i))
		return false;
	*out = (rp_session_step)i;
	return true;
}

bool rp_qr_kind_parse(const char *name, rp_qr_kind *out)
{
	unsigned i;

	if (!parse(kind_names, KAGURA_LEN(kind_names), name, &i))
		return false;
	*out = (rp_qr_kind)i;
	return true;
}

bool rp_qr_state_parse(const char *name, rp_qr_state *out)
{
	unsigned i;

	if (!parse(state_names, KAGURA_LEN(state_names), name, &i))
		return false;
	*out = (rp_qr_state)i;
	return true;
}
