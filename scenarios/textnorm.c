#include "scenarios/textnorm.h"
#include "webauthn/arraylen.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SC_TN_ERROR KAGURA_XT_ROW
static const kagura_xt_row sc_tn_errors[SC_TN_ERR__COUNT] = {
#include "scenarios/textnorm_error.def"
};
KAGURA_XT_GETTER(sc_tn_strerr, sc_tn_err, sc_tn_errors, field1, "unknown error")
KAGURA_XT_GETTER(sc_tn_errname, sc_tn_err, sc_tn_errors, name, "SC_TN_ERR_UNKNOWN")

#define ALL_FLAGS                                                                                 \
	(SC_TN_MARKUP | SC_TN_LINES | SC_TN_WRAPSPACE | SC_TN_WIDTH | SC_TN_QUOTES | SC_TN_DASH | \
	 SC_TN_CASE | SC_TN_SPACE)

/* ---- UTF-8 ---- */

/* Strict: no overlong forms, surrogates, values above U+10FFFF, truncation or NUL. */
static bool decode(const unsigned char *p, size_t len, uint32_t *out, size_t *n)
{
	size_t i = 0, m = 0;

	while (i < len) {
		uint32_t c = p[i], min;
		size_t k, extra;

		if (c == 0)
			return false;
		if (c < 0x80) {
			out[m++] = c;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			extra = 1, min = 0x80, c &= 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			extra = 2, min = 0x800, c &= 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			extra = 3, min = 0x10000, c &= 0x07;
		} else {
			return false;
		}
		if (len - i <= extra)
			return false;
		for (k = 1; k <= extra; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			c = (c << 6) | (p[i + k] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return false;
		out[m++] = c;
		i += extra + 1;
	}
	*n = m;
	return true;
}

static size_t encode(const uint32_t *v, size_t n, char *out)
{
	unsigned char *o = (unsigned char *)out;
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		uint32_t c = v[i];

		if (c < 0x80) {
			o[m++] = (unsigned char)c;
		} else if (c < 0x800) {
			o[m++] = (unsigned char)(0xC0 | (c >> 6));
			o[m++] = (unsigned char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			o[m++] = (unsigned char)(0xE0 | (c >> 12));
			o[m++] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
			o[m++] = (unsigned char)(0x80 | (c & 0x3F));
		} else {
			o[m++] = (unsigned char)(0xF0 | (c >> 18));
			o[m++] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
			o[m++] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
			o[m++] = (unsigned char)(0x80 | (c & 0x3F));
		}
	}
	o[m] = '\0';
	return m;
}

/* ---- character classes ---- */

static bool is_blank(uint32_t c)
{
	return c == ' ' || c == '\t';
}

static bool is_break(uint32_t c)
{
	return c == '\n' || c == '\r';
}

static bool is_alnum_ascii(uint32_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x3000 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F;
}

static bool is_zero_width(uint32_t c)
{
	return (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF;
}

static bool is_dash(uint32_t c)
{
	return c == '-' || c == 0x30FC || c == 0xFF70 || (c >= 0x2010 && c <= 0x2015) ||
	       c == 0x2212 || c == 0xFF0D || c == 0xFE58 || c == 0xFE63;
}

/* Katakana letters (full width, the small extension, half width): what a long vowel follows. */
static bool is_katakana(uint32_t c)
{
	return (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x31F0 && c <= 0x31FF) ||
	       (c >= 0xFF66 && c <= 0xFF9D && c != 0xFF70);
}

/* ---- the width table ---- */

/* U+FF61..U+FF9F, half-width katakana and punctuation, to full width (NFKC's mapping). */
static const uint16_t half_kana[] = {
        0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, /* ｡｢｣､･ */
        0x30F2,                                 /* ｦ */
        0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, /* ｧｨｩｪｫ */
        0x30E3, 0x30E5, 0x30E7, 0x30C3,         /* ｬｭｮｯ */
        0x30FC,                                 /* ｰ */
        0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, /* ｱｲｳｴｵ */
        0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, /* ｶｷｸｹｺ */
        0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, /* ｻｼｽｾｿ */
        0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, /* ﾀﾁﾂﾃﾄ */
        0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, /* ﾅﾆﾇﾈﾉ */
        0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, /* ﾊﾋﾌﾍﾎ */
        0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, /* ﾏﾐﾑﾒﾓ */
        0x30E4, 0x30E6, 0x30E8,                 /* ﾔﾕﾖ */
        0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED, /* ﾗﾘﾙﾚﾛ */
        0x30EF, 0x30F3,                         /* ﾜﾝ */
        0x3099, 0x309A,                         /* ﾞﾟ: combining marks, composed below */
};
_Static_assert(KAGURA_LEN(half_kana) == 0xFF9F - 0xFF61 + 1,
               "one row per code point U+FF61..U+FF9F");

/* The kana with a voiced mark (か+゛→が), or 0 when there is none. */
static uint32_t voiced(uint32_t c)
{
	uint32_t kata = 0;

	if (c >= 0x30EF && c <= 0x30F2) /* ワヰヱヲ → ヷヸヹヺ */
		return c + 8;
	if (c == 0x309D || c == 0x30FD) /* iteration marks ゝ ヽ */
		return c + 1;
	if (c >= 0x30A1 && c <= 0x30F6) { /* katakana: the hiragana rule, shifted */
		kata = 0x60;
		c -= 0x60;
	}
	if (c >= 0x304B && c <= 0x3061 && (c & 1)) /* か..ち */
		return c + 1 + kata;
	if (c == 0x3064 || c == 0x3066 || c == 0x3068) /* つてと */
		return c + 1 + kata;
	if (c >= 0x306F && c <= 0x307B && (c - 0x306F) % 3 == 0) /* はひふへほ */
		return c + 1 + kata;
	if (c == 0x3046) /* う */
		return kata ? 0x30F4 : 0x3094;
	return 0;
}

/* The kana with a semi-voiced mark (は+゜→ぱ), or 0. */
static uint32_t semi_voiced(uint32_t c)
{
	uint32_t kata = 0;

	if (c >= 0x30A1 && c <= 0x30F6) {
		kata = 0x60;
		c -= 0x60;
	}
	if (c >= 0x306F && c <= 0x307B && (c - 0x306F) % 3 == 0)
		return c + 2 + kata;
	return 0;
}

/* ---- passes: each reads in[0..n) and writes out, returning the new length ---- */

static bool starts_with(const uint32_t *in, size_t n, size_t i, const char *s)
{
	size_t k;

	for (k = 0; s[k] != '\0'; k++)
		if (i + k >= n || in[i + k] != (unsigned char)s[k])
			return false;
	return true;
}

/* Length of a <http(s)://…> autolink starting at in[i] ('<'), or 0. */
static size_t autolink(const uint32_t *in, size_t n, size_t i)
{
	size_t k;

	if (!starts_with(in, n, i, "<http://") && !starts_with(in, n, i, "<https://"))
		return 0;
	for (k = i + 1; k < n; k++) {
		if (in[k] == '>')
			return k - i + 1;
		if (is_space(in[k]) || in[k] == '<')
			return 0;
	}
	return 0;
}

/* Past the markdown block markers at a line start, or i itself when there are none. */
static size_t skip_block_markers(const uint32_t *in, size_t n, size_t i)
{
	size_t j = i, cut = i;

	while (j < n && is_blank(in[j]))
		j++;
	for (;;) {
		size_t k = j, hashes = 0;

		while (k < n && in[k] == '#' && hashes < 7)
			k++, hashes++;
		if (hashes == 0 && k < n && (in[k] == '-' || in[k] == '*' || in[k] == '+'))
			k++;
		if (k == j || hashes > 6 || k >= n || !is_blank(in[k]))
			break;
		while (k < n && is_blank(in[k]))
			k++;
		j = cut = k;
	}
	return cut;
}

static size_t pass_markup(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t i = 0, m = 0, len;
	bool line_start = true;

	while (i < n) {
		if (line_start) {
			i = skip_block_markers(in, n, i);
			line_start = false;
			continue;
		}
		if (starts_with(in, n, i, "<u>")) {
			i += 3;
		} else if (starts_with(in, n, i, "</u>")) {
			i += 4;
		} else if (starts_with(in, n, i, "**")) {
			i += 2;
		} else if ((len = autolink(in, n, i)) > 0) {
			memcpy(out + m, in + i + 1, (len - 2) * sizeof(*in));
			m += len - 2;
			i += len;
		} else {
			line_start = is_break(in[i]);
			out[m++] = in[i++];
		}
	}
	return m;
}

static size_t pass_lines(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t i = 0, m = 0;

	while (i < n) {
		if (!is_break(in[i])) {
			out[m++] = in[i++];
			continue;
		}
		while (m > 0 && is_blank(out[m - 1]))
			m--;
		while (i < n && (is_break(in[i]) || is_blank(in[i])))
			i++;
	}
	return m;
}

static size_t pass_wrapspace(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == ' ' && i > 0 && i + 1 < n && in[i - 1] >= 0x80 && in[i + 1] >= 0x80)
			continue;
		out[m++] = in[i];
	}
	return m;
}

/* Output may be longer than input (⑩..⑳ give two digits): out holds 2n. */
static size_t pass_width(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		uint32_t c = in[i], composed = 0;

		if (c >= 0xFF01 && c <= 0xFF5E)
			c -= 0xFEE0;
		else if (c == 0x3000)
			c = ' ';
		else if (c >= 0xFF61 && c <= 0xFF9F)
			c = half_kana[c - 0xFF61];
		if (c >= 0x2460 && c <= 0x2473) { /* ①..⑳ */
			uint32_t v = c - 0x2460 + 1;
			if (v >= 10)
				out[m++] = '0' + v / 10;
			out[m++] = '0' + v % 10;
			continue;
		}
		if ((c == 0x3099 || c == 0x309A) && m > 0)
			composed = c == 0x3099 ? voiced(out[m - 1]) : semi_voiced(out[m - 1]);
		if (composed != 0)
			out[m - 1] = composed;
		else
			out[m++] = c;
	}
	return m;
}

static size_t pass_quotes(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t c = in[i];

		if ((c >= 0x2018 && c <= 0x201B) || c == 0x2032)
			c = '\'';
		else if ((c >= 0x201C && c <= 0x201F) || c == 0x2033)
			c = '"';
		out[i] = c;
	}
	return n;
}

static size_t pass_space(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t i, m = 0;
	bool pending = false;

	for (i = 0; i < n; i++) {
		if (is_zero_width(in[i]))
			continue;
		if (is_space(in[i])) {
			pending = true;
			continue;
		}
		if (pending && m > 0 && is_alnum_ascii(out[m - 1]) && is_alnum_ascii(in[i]))
			out[m++] = ' ';
		pending = false;
		out[m++] = in[i];
	}
	return m;
}

static size_t pass_dash(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (!is_dash(in[i])) {
			out[m++] = in[i];
			continue;
		}
		if (m > 0 && is_katakana(out[m - 1]))
			continue; /* the optional long vowel */
		out[m++] = '-';
	}
	return m;
}

static size_t pass_case(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = in[i] >= 'A' && in[i] <= 'Z' ? in[i] + ('a' - 'A') : in[i];
	return n;
}

typedef size_t (*pass_fn)(const uint32_t *in, size_t n, uint32_t *out);

sc_tn_err sc_textnorm(const char *in, size_t len, unsigned flags, char **out, size_t *out_len)
{
	static const struct {
		unsigned flag;
		pass_fn fn;
	} passes[] = {
	        {SC_TN_MARKUP, pass_markup},       {SC_TN_LINES, pass_lines},
	        {SC_TN_WRAPSPACE, pass_wrapspace}, {SC_TN_WIDTH, pass_width},
	        {SC_TN_QUOTES, pass_quotes},       {SC_TN_SPACE, pass_space},
	        {SC_TN_DASH, pass_dash},           {SC_TN_CASE, pass_case},
	};
	uint32_t *a = NULL, *b = NULL, *t;
	size_t n, i, cap;
	char *s;

	if (out == NULL)
		return SC_TN_ERR_ARG;
	*out = NULL;
	if ((in == NULL && len > 0) || (flags & ~ALL_FLAGS) != 0)
		return SC_TN_ERR_ARG;
	if (len > SC_TN_MAX_INPUT)
		return SC_TN_ERR_TOO_LARGE;
	cap = 2 * len + 1; /* the width pass may double the length */
	a = malloc(cap * sizeof(*a));
	b = malloc(cap * sizeof(*b));
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return SC_TN_ERR_NOMEM;
	}
	if (!decode((const unsigned char *)in, len, a, &n)) {
		free(a);
		free(b);
		return SC_TN_ERR_TEXT;
	}
	for (i = 0; i < KAGURA_LEN(passes); i++) {
		if ((flags & passes[i].flag) == 0)
			continue;
		n = passes[i].fn(a, n, b);
		t = a, a = b, b = t;
	}
	free(b);
	if ((s = malloc(4 * n + 1)) == NULL) {
		free(a);
		return SC_TN_ERR_NOMEM;
	}
	n = encode(a, n, s);
	free(a);
	*out = s;
	if (out_len != NULL)
		*out_len = n;
	return SC_TN_OK;
}
