#include "webauthn/json_write.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/buf.h"
#include "webauthn/utf8.h"

/* The most text one answer may grow to (webauthn/json_write.h): far beyond any, well below memory.
 */
#define WRITE_MAX_BYTES (64u * 1024 * 1024)

struct writer {
	wa_buf out;
	bool refused; /* a tree jansson would not write either, or one too deep */
};

static bool writing(const struct writer *w)
{
	return !w->refused && wa_buf_err(&w->out) == WA_OK;
}

/* Escapes as jansson's dump_string does: the two mandatory ones, then control characters. */
static void put_string(struct writer *w, const char *s, size_t n)
{
	wa_buf *b = &w->out;
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	if (!wa_utf8_valid((const uint8_t *)s, n)) {
		w->refused = true;
		return;
	}
	wa_buf_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = {'\\', 0};
		size_t esc_len = 2;

		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		wa_buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			esc_len = 6;
		}
		wa_buf_add(b, esc, esc_len);
	}
	wa_buf_add(b, s + run, n - run);
	wa_buf_add(b, "\"", 1);
}

static void put_real(struct writer *w, const json_t *json)
{
	char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);

	if (text == NULL) {
		w->refused = true;
		return;
	}
	wa_buf_adds(&w->out, text);
	free(text);
}

static void put_value(struct writer *w, const json_t *json, int depth)
{
	wa_buf *b = &w->out;
	char num[32];

	if (depth > WA_JSON_WRITE_DEPTH) {
		w->refused = true;
		return;
	}
	switch (json_typeof(json)) {
	case JSON_OBJECT: {
		const char *sep = "{";

		for (void *it = json_object_iter((json_t *)json); it != NULL && writing(w);
		     it = json_object_iter_next((json_t *)json, it)) {
			wa_buf_add(b, sep, 1);
			put_string(w, json_object_iter_key(it), json_object_iter_key_len(it));
			wa_buf_add(b, ":", 1);
			put_value(w, json_object_iter_value(it), depth + 1);
			sep = ",";
		}
		wa_buf_adds(b, *sep == '{' ? "{}" : "}");
		break;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(json);

		wa_buf_add(b, "[", 1);
		for (size_t i = 0; i < n && writing(w); i++) {
			if (i > 0)
				wa_buf_add(b, ",", 1);
			put_value(w, json_array_get(json, i), depth + 1);
		}
		wa_buf_add(b, "]", 1);
		break;
	}
	case JSON_STRING:
		put_string(w, json_string_value(json), json_string_length(json));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(json));
		wa_buf_adds(b, num);
		break;
	case JSON_REAL:
		put_real(w, json);
		break;
	case JSON_TRUE:
		wa_buf_add(b, "true", 4);
		break;
	case JSON_FALSE:
		wa_buf_add(b, "false", 5);
		break;
	case JSON_NULL:
		wa_buf_add(b, "null", 4);
		break;
	}
}

char *wa_json_dumps(const json_t *json, size_t *len)
{
	struct writer w = {.out = WA_BUF_INIT(WRITE_MAX_BYTES)};

	*len = 0;
	if (!json_is_object(json) && !json_is_array(json))
		return NULL;
	put_value(&w, json, 0);
	if (!writing(&w) || w.out.ptr == NULL) {
		wa_buf_free(&w.out);
		return NULL;
	}
	*len = w.out.len;
	return w.out.ptr; /* the buffer's own allocation, handed over */
}
