#include "webauthn/authdata.h"

#include <cbor.h>
#include <string.h>

#include "webauthn/cborx.h"

/* Length of the CBOR item at p; a truncated item is reported as truncated attested data. */
static wa_err item_length(const uint8_t *p, size_t len, size_t *used, cbor_item_t **item)
{
	wa_err err = wa_cbor_load_first(p, len, item, used);

	return err == WA_ERR_CBOR_TRUNCATED ? WA_ERR_AUTHDATA_ATTESTED_SHORT : err;
}

static wa_err parse_attested(const uint8_t *p, size_t len, size_t *pos, wa_authdata *out)
{
	size_t used = 0;
	cbor_item_t *key;
	wa_err err;

	if (len - *pos < WA_AAGUID_LEN + 2)
		return WA_ERR_AUTHDATA_ATTESTED_SHORT;
	memcpy(out->aaguid, p + *pos, WA_AAGUID_LEN);
	*pos += WA_AAGUID_LEN;
	out->cred_id_len = (size_t)p[*pos] << 8 | p[*pos + 1];
	*pos += 2;
	if (out->cred_id_len > WA_CRED_ID_MAX)
		return WA_ERR_AUTHDATA_CRED_ID_LENGTH;
	if (len - *pos < out->cred_id_len)
		return WA_ERR_AUTHDATA_ATTESTED_SHORT;
	out->cred_id = p + *pos;
	*pos += out->cred_id_len;
	if (*pos == len)
		return WA_ERR_AUTHDATA_ATTESTED_SHORT;
	if ((err = item_length(p + *pos, len - *pos, &used, &key)) != WA_OK)
		return err;
	cbor_decref(&key);
	out->cose_key = p + *pos;
	out->cose_key_len = used;
	*pos += used;
	out->has_attested = true;
	return WA_OK;
}

wa_err wa_authdata_parse(const uint8_t *ptr, size_t len, wa_authdata *out)
{
	size_t pos = WA_AUTHDATA_MIN_LEN, used = 0;
	cbor_item_t *ext;
	wa_err err;

	memset(out, 0, sizeof(*out));
	if (ptr == NULL || len < WA_AUTHDATA_MIN_LEN)
		return WA_ERR_AUTHDATA_SHORT;
	memcpy(out->rp_id_hash, ptr, 32);
	out->flags = ptr[32];
	out->sign_count = (uint32_t)ptr[33] << 24 | (uint32_t)ptr[34] << 16 |
	                  (uint32_t)ptr[35] << 8 | ptr[36];
	if ((out->flags & WA_FLAG_AT) && (err = parse_attested(ptr, len, &pos, out)) != WA_OK)
		return err;
	if (out->flags & WA_FLAG_ED) {
		if (pos == len)
			return WA_ERR_AUTHDATA_ED_MISSING;
		err = item_length(ptr + pos, len - pos, &used, &ext);
		if (err == WA_ERR_NOMEM)
			return err;
		if (err != WA_OK)
			return WA_ERR_AUTHDATA_EXTENSIONS;
		err = cbor_isa_map(ext) && cbor_map_is_definite(ext) &&
		                      cbor_map_size(ext) <= WA_CBOR_MAP_MAX &&
		                      !wa_cbor_map_has_duplicates(ext)
		              ? WA_OK
		              : WA_ERR_AUTHDATA_EXTENSIONS;
		cbor_decref(&ext);
		if (err != WA_OK)
			return err;
		out->ext = ptr + pos;
		out->ext_len = used;
		pos += used;
	}
	if (pos != len)
		return WA_ERR_AUTHDATA_TRAILING;
	return WA_OK;
}

wa_err wa_authdata_encode(const wa_authdata *ad, wa_blob *out)
{
	uint8_t head[WA_AUTHDATA_MIN_LEN + WA_AAGUID_LEN + 2];
	size_t n = WA_AUTHDATA_MIN_LEN;
	wa_blob b = {0};
	wa_err err;

	memcpy(head, ad->rp_id_hash, 32);
	head[32] = ad->flags;
	head[33] = (uint8_t)(ad->sign_count >> 24);
	head[34] = (uint8_t)(ad->sign_count >> 16);
	head[35] = (uint8_t)(ad->sign_count >> 8);
	head[36] = (uint8_t)ad->sign_count;
	if (ad->has_attested) {
		if (ad->cred_id_len > 0xffff)
			return WA_ERR_ARG;
		memcpy(head + n, ad->aaguid, WA_AAGUID_LEN);
		n += WA_AAGUID_LEN;
		head[n++] = (uint8_t)(ad->cred_id_len >> 8);
		head[n++] = (uint8_t)ad->cred_id_len;
	}
	if ((err = wa_blob_append(&b, head, n)) != WA_OK ||
	    (ad->has_attested &&
	     ((err = wa_blob_append(&b, ad->cred_id, ad->cred_id_len)) != WA_OK ||
	      (err = wa_blob_append(&b, ad->cose_key, ad->cose_key_len)) != WA_OK)) ||
	    (ad->ext_len && (err = wa_blob_append(&b, ad->ext, ad->ext_len)) != WA_OK)) {
		wa_blob_reset(&b);
		return err;
	}
	wa_blob_reset(out);
	*out = b;
	return WA_OK;
}
