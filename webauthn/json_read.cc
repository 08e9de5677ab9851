/*
 * simdjson's reading, turned into jansson's tree (webauthn/json_read.h).
 *
 * simdjson refuses everything RFC 8259 refuses, as jansson does: invalid UTF-8, control
 * characters in strings, other whitespace, leading zeros, trailing text, lone surrogates. What
 * it accepts and jansson does not is checked here and left to jansson: a NUL in a string (jansson
 * refuses \u0000 without JSON_ALLOW_NUL), a duplicate member (refused or the last one kept), a
 * leading BOM, an integer above INT64_MAX (simdjson's uint64, or its real for integer text beyond
 * 64 bits: every real of 2^63 or more goes to jansson), a scalar at the top without
 * JSON_DECODE_ANY. Numbers keep jansson's split: integer text an integer, '.' or an exponent a
 * real.
 */
#include "webauthn/json_read.h"

#include <cstring>
#include <string_view>

#include <simdjson.h>

namespace
{

/*
 * Texts up to this size are read by the thread's own parser, which keeps its buffers (a fresh
 * parser's allocations cost more than the reading); larger ones get a parser of their own, so a
 * thread never holds more than about 16 times this.
 */
constexpr size_t KEPT_PARSER_BYTES = 16 * 1024;

/* 2^63: from here a real may have been integer text too long for int64. */
constexpr double INTEGER_BEYOND_INT64 = 9223372036854775808.0;

bool has_nul(std::string_view s)
{
	return std::memchr(s.data(), '\0', s.size()) != nullptr;
}

/* The jansson value of e, or nullptr where jansson must read the text itself. */
json_t *to_jansson(simdjson::dom::element e)
{
	switch (e.type()) {
	case simdjson::dom::element_type::OBJECT: {
		/* A copy, not the call's temporary: a range over it would outlive it. */
		simdjson::dom::object members = e.get_object().value_unsafe();
		json_t *obj = json_object();

		for (simdjson::dom::key_value_pair member : members) {
			json_t *value;

			if (obj == nullptr || has_nul(member.key) ||
			    json_object_getn(obj, member.key.data(), member.key.size()) !=
			            nullptr ||
			    (value = to_jansson(member.value)) == nullptr ||
			    json_object_setn_new_nocheck(obj, member.key.data(), member.key.size(),
			                                 value) != 0) {
				json_decref(obj);
				return nullptr;
			}
		}
		return obj;
	}
	case simdjson::dom::element_type::ARRAY: {
		simdjson::dom::array items = e.get_array().value_unsafe();
		json_t *arr = json_array();

		for (simdjson::dom::element item : items) {
			json_t *value;

			if (arr == nullptr || (value = to_jansson(item)) == nullptr ||
			    json_array_append_new(arr, value) != 0) {
				json_decref(arr);
				return nullptr;
			}
		}
		return arr;
	}
	case simdjson::dom::element_type::STRING: {
		std::string_view s = e.get_string().value_unsafe();

		/* simdjson has checked the UTF-8 already. */
		return has_nul(s) ? nullptr : json_stringn_nocheck(s.data(), s.size());
	}
	case simdjson::dom::element_type::INT64:
		return json_integer(e.get_int64().value_unsafe());
	case simdjson::dom::element_type::DOUBLE: {
		double d = e.get_double().value_unsafe();

		/* simdjson reads an integer beyond 64 bits as a real; jansson refuses it. */
		return d >= INTEGER_BEYOND_INT64 || d <= -INTEGER_BEYOND_INT64 ? nullptr
		                                                               : json_real(d);
	}
	case simdjson::dom::element_type::BOOL:
		return json_boolean(e.get_bool().value_unsafe());
	case simdjson::dom::element_type::NULL_VALUE:
		return json_null();
	default: /* UINT64: jansson refuses integers beyond its json_int_t */
		return nullptr;
	}
}

bool starts_with_bom(const char *text, size_t len)
{
	return len >= 3 && std::memcmp(text, "\xef\xbb\xbf", 3) == 0;
}

} // namespace

json_t *wa_json_read_simd(const char *text, size_t len, size_t flags) WA_JSON_READ_NOTHROW
{
	/* Nothing here throws: simdjson's error-code interface, a type checked before each read. */
	thread_local simdjson::dom::parser kept;
	simdjson::dom::parser own;
	/* kept holds its buffers (the last text's copy in them) until its next read or the
	 * thread's end, never shared between threads (KEPT_PARSER_BYTES says why). */
	simdjson::dom::parser &parser = len <= KEPT_PARSER_BYTES ? kept : own;
	simdjson::dom::element root;

	if (text == nullptr || (flags & ~static_cast<size_t>(WA_JSON_READ_FLAGS)) != 0 ||
	    starts_with_bom(text, len))
		return nullptr; /* jansson's own answer: a NULL text is its "wrong arguments" */
	if (parser.parse(text, len).get(root) != simdjson::SUCCESS)
		return nullptr;
	if ((flags & JSON_DECODE_ANY) == 0 && !root.is_object() && !root.is_array())
		return nullptr;
	return to_jansson(root);
}

json_t *wa_json_loadb(const char *text, size_t len, size_t flags,
                      json_error_t *err) WA_JSON_READ_NOTHROW
{
	json_t *root = wa_json_read_simd(text, len, flags);

	if (root == nullptr)
		return json_loadb(text, len, flags, err);
	if (err != nullptr) { /* as json_loadb leaves it after a success */
		err->text[0] = '\0';
		err->line = -1;
		err->column = -1;
		err->position = 0;
		std::strcpy(err->source, "<buffer>");
	}
	return root;
}
