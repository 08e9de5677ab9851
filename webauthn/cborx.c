#include "webauthn/cborx.h"

#include <stdlib.h>
#include <string.h>

/* Running total of the elements declared by every array and map head seen so far. */
typedef struct count_scan {
	size_t declared;
	size_t limit;
	bool over;
} count_scan;

static void add_declared(count_scan *scan, size_t n)
{
	if (n > scan->limit - scan->declared)
		scan->over = true;
	else
		scan->declared += n;
}

static void on_array(void *ctx, size_t n)
{
	add_declared(ctx, n);
}

static void on_map(void *ctx, size_t n)
{
	add_declared(ctx, n > SIZE_MAX / 2 ? SIZE_MAX : 2 * n);
}

/*
 * libcbor allocates an array or map for its declared count before reading a
 * single element, so a 5-byte item can ask for gigabytes. Every element takes
 * at least one byte, so all the counts declared in len bytes sum to at most
 * len: check that with libcbor's streaming decoder before building anything.
 */
static bool counts_fit(const uint8_t *ptr, size_t len)
{
	struct cbor_callbacks cb = cbor_empty_callbacks;
	count_scan scan = {.limit = len};
	size_t pos = 0;

	cb.array_start = on_array;
	cb.map_start = on_map;
	while (pos < len && !scan.over) {
		struct cbor_decoder_result r = cbor_stream_decode(ptr + pos, len - pos, &cb, &scan);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
			break; /* malformed or truncated: cbor_load will say which */
		pos += r.read;
	}
	return !scan.over;
}

wa_err wa_cbor_load_first(const uint8_t *ptr, size_t len, cbor_item_t **item, size_t *used)
{
	struct cbor_load_result res;

	*item = NULL;
	if (len == 0)
		return WA_ERR_CBOR_TRUNCATED;
	if (!counts_fit(ptr, len))
		return WA_ERR_CBOR_TRUNCATED;
	*item = cbor_load(ptr, len, &res);
	if (*item == NULL || res.error.code != CBOR_ERR_NONE) {
		if (*item != NULL)
			cbor_decref(item);
		/* With counts bounded above, libcbor's memory error means nesting beyond its stack.
		 */
		return res.error.code == CBOR_ERR_NOTENOUGHDATA ? WA_ERR_CBOR_TRUNCATED
		                                                : WA_ERR_CBOR_MALFORMED;
	}
	*used = res.read;
	return WA_OK;
}

wa_err wa_cbor_load_exact(const uint8_t *ptr, size_t len, cbor_item_t **item)
{
	size_t used = 0;
	wa_err err = wa_cbor_load_first(ptr, len, item, &used);

	if (err == WA_OK && used != len) {
		cbor_decref(item);
		return WA_ERR_CBOR_TRAILING;
	}
	return err;
}

bool wa_cbor_int(const cbor_item_t *item, int64_t *out)
{
	uint64_t v;

	if (item == NULL || !(cbor_isa_uint(item) || cbor_isa_negint(item)))
		return false;
	v = cbor_get_int(item);
	if (v > INT64_MAX)
		return false;
	*out = cbor_isa_uint(item) ? (int64_t)v : -1 - (int64_t)v;
	return true;
}

bool wa_cbor_bytes(const cbor_item_t *item, const uint8_t **ptr, size_t *len)
{
	if (item == NULL || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
		return false;
	*ptr = cbor_bytestring_handle(item);
	*len = cbor_bytestring_length(item);
	return true;
}

bool wa_cbor_text_eq(const cbor_item_t *item, const char *s)
{
	size_t n = strlen(s);

	return item != NULL && cbor_isa_string(item) && cbor_string_is_definite(item) &&
	       cbor_string_length(item) == n && memcmp(cbor_string_handle(item), s, n) == 0;
}

static bool is_definite_map(const cbor_item_t *map)
{
	return map != NULL && cbor_isa_map(map) && cbor_map_is_definite(map);
}

cbor_item_t *wa_cbor_map_get_text(const cbor_item_t *map, const char *key)
{
	struct cbor_pair *pairs;

	if (!is_definite_map(map))
		return NULL;
	pairs = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (wa_cbor_text_eq(pairs[i].key, key))
			return pairs[i].value;
	return NULL;
}

cbor_item_t *wa_cbor_map_get_int(const cbor_item_t *map, int64_t key)
{
	struct cbor_pair *pairs;
	int64_t k;

	if (!is_definite_map(map))
		return NULL;
	pairs = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (wa_cbor_int(pairs[i].key, &k) && k == key)
			return pairs[i].value;
	return NULL;
}

/* Canonical encoding of a key item, for comparisons; NULL on failure. */
static unsigned char *encode_key(const cbor_item_t *key, size_t *len)
{
	unsigned char *buf = NULL;
	size_t cap = 0;

	*len = cbor_serialize_alloc(key, &buf, &cap);
	if (*len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* <0, 0, >0 like memcmp, under the canonical order; 2 on encoding failure. */
static int compare_keys(const cbor_item_t *a, const cbor_item_t *b)
{
	size_t alen, blen;
	unsigned char *ea = encode_key(a, &alen), *eb = encode_key(b, &blen);
	int r = 2;

	if (ea != NULL && eb != NULL) {
		if (alen != blen)
			r = alen < blen ? -1 : 1;
		else
			r = memcmp(ea, eb, alen);
	}
	free(ea);
	free(eb);
	return r;
}

/* A definite-length map's pairs and their count; false for any other item. */
static bool definite_pairs(const cbor_item_t *map, struct cbor_pair **pairs, size_t *n)
{
	if (!is_definite_map(map))
		return false;
	*pairs = cbor_map_handle(map);
	*n = cbor_map_size(map);
	return true;
}

bool wa_cbor_map_has_duplicates(const cbor_item_t *map)
{
	struct cbor_pair *pairs;
	size_t n;

	if (!definite_pairs(map, &pairs, &n))
		return false;
	if (n > WA_CBOR_MAP_MAX)
		return true;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (compare_keys(pairs[i].key, pairs[j].key) == 0)
				return true;
	return false;
}

bool wa_cbor_map_is_canonical(const cbor_item_t *map)
{
	struct cbor_pair *pairs;
	size_t n;

	if (!definite_pairs(map, &pairs, &n))
		return false;
	for (size_t i = 1; i < n; i++) {
		int r = compare_keys(pairs[i - 1].key, pairs[i].key);
		if (r >= 0)
			return false;
	}
	return true;
}

cbor_item_t *wa_cbor_build_int(int64_t v)
{
	uint64_t m = v >= 0 ? (uint64_t)v : (uint64_t)(-1 - v);
	cbor_item_t *item;

	if (m <= UINT8_MAX)
		item = v >= 0 ? cbor_build_uint8((uint8_t)m) : cbor_build_negint8((uint8_t)m);
	else if (m <= UINT16_MAX)
		item = v >= 0 ? cbor_build_uint16((uint16_t)m) : cbor_build_negint16((uint16_t)m);
	else if (m <= UINT32_MAX)
		item = v >= 0 ? cbor_build_uint32((uint32_t)m) : cbor_build_negint32((uint32_t)m);
	else
		item = v >= 0 ? cbor_build_uint64(m) : cbor_build_negint64(m);
	return item;
}

/* libcbor re-serialises integers at the width they were read with: require the shortest. */
static bool ints_shortest(const cbor_item_t *item, int depth)
{
	if (depth > 16)
		return false;
	if (cbor_isa_uint(item) || cbor_isa_negint(item)) {
		uint64_t v = cbor_get_int(item);
		switch (cbor_int_get_width(item)) {
		case CBOR_INT_8:
			return true;
		case CBOR_INT_16:
			return v > UINT8_MAX;
		case CBOR_INT_32:
			return v > UINT16_MAX;
		default:
			return v > UINT32_MAX;
		}
	}
	if (cbor_isa_array(item)) {
		if (!cbor_array_is_definite(item))
			return false;
		for (size_t i = 0; i < cbor_array_size(item); i++)
			if (!ints_shortest(cbor_array_handle(item)[i], depth + 1))
				return false;
	}
	if (cbor_isa_map(item)) {
		struct cbor_pair *pairs = cbor_map_handle(item);
		if (!cbor_map_is_definite(item) || !wa_cbor_map_is_canonical(item))
			return false;
		for (size_t i = 0; i < cbor_map_size(item); i++)
			if (!ints_shortest(pairs[i].key, depth + 1) ||
			    !ints_shortest(pairs[i].value, depth + 1))
				return false;
	}
	/* Tags, indefinite strings and floats have no place in the structures checked here. */
	if (cbor_isa_tag(item))
		return false;
	if (cbor_isa_float_ctrl(item))
		return cbor_float_ctrl_is_ctrl(
		        item); /* true, false, null; floats have no shortest rule here */
	if ((cbor_isa_bytestring(item) && !cbor_bytestring_is_definite(item)) ||
	    (cbor_isa_string(item) && !cbor_string_is_definite(item)))
		return false;
	return true;
}

bool wa_cbor_is_canonical(const cbor_item_t *item, const uint8_t *ptr, size_t len)
{
	unsigned char *buf = NULL;
	size_t cap = 0, n;
	bool same;

	if (!ints_shortest(item, 0))
		return false;
	n = cbor_serialize_alloc(item, &buf, &cap);
	same = n == len && memcmp(buf, ptr, len) == 0;
	free(buf);
	return same;
}
