#include "webauthn/attobj.h"

#include <string.h>

#include "webauthn/cborx.h"

static wa_err parse_map(wa_attobj *out)
{
	const cbor_item_t *fmt, *stmt, *ad;

	if (!cbor_isa_map(out->root) || !cbor_map_is_definite(out->root) ||
	    cbor_map_size(out->root) > WA_CBOR_MAP_MAX)
		return WA_ERR_ATTOBJ_NOT_MAP;
	if (wa_cbor_map_has_duplicates(out->root))
		return WA_ERR_ATTOBJ_DUPLICATE;
	if ((fmt = wa_cbor_map_get_text(out->root, "fmt")) == NULL)
		return WA_ERR_ATTOBJ_FMT_MISSING;
	/* fmt names are short ASCII identifiers; anything longer is no known format. */
	if (!cbor_isa_string(fmt) || !cbor_string_is_definite(fmt) ||
	    cbor_string_length(fmt) >= sizeof(out->fmt))
		return WA_ERR_ATTOBJ_FMT_TYPE;
	memcpy(out->fmt, cbor_string_handle(fmt), cbor_string_length(fmt));
	out->fmt[cbor_string_length(fmt)] = '\0';
	if (strlen(out->fmt) != cbor_string_length(fmt))
		return WA_ERR_ATTOBJ_FMT_TYPE;
	if ((stmt = wa_cbor_map_get_text(out->root, "attStmt")) == NULL)
		return WA_ERR_ATTOBJ_ATTSTMT_MISSING;
	if (!cbor_isa_map(stmt) || !cbor_map_is_definite(stmt) ||
	    cbor_map_size(stmt) > WA_CBOR_MAP_MAX)
		return WA_ERR_ATTOBJ_ATTSTMT_TYPE;
	/* Verifiers that keep the first or the last duplicate would disagree on the same bytes. */
	if (wa_cbor_map_has_duplicates(stmt))
		return WA_ERR_ATT_STMT_DUPLICATE;
	out->att_stmt = stmt;
	if ((ad = wa_cbor_map_get_text(out->root, "authData")) == NULL)
		return WA_ERR_ATTOBJ_AUTHDATA_MISSING;
	if (!wa_cbor_bytes(ad, &out->auth_data, &out->auth_data_len))
		return WA_ERR_ATTOBJ_AUTHDATA_TYPE;
	return WA_OK;
}

wa_err wa_attobj_parse(const uint8_t *ptr, size_t len, wa_attobj *out)
{
	wa_err err;

	memset(out, 0, sizeof(*out));
	if ((err = wa_cbor_load_exact(ptr, len, &out->root)) != WA_OK)
		return err;
	if ((err = parse_map(out)) != WA_OK)
		wa_attobj_reset(out);
	return err;
}

void wa_attobj_reset(wa_attobj *obj)
{
	if (obj->root != NULL)
		cbor_decref(&obj->root);
	memset(obj, 0, sizeof(*obj));
}
