/*
 * An enum with its names and texts from one X-macro table, each row ROW(NAME, field, ...): the
 * enum, and every to-string accessor over it, generated here once instead of spelled out in
 * every module. Header-only, so any layer can use it without linking anything.
 *
 * The rows are data, so they live in a file of their own, FOO/error.def (LLVM's .def idiom): one
 * FOO_ERROR(FOO_ERR_BAD, "bad input") a line, and an #undef FOO_ERROR at its end. Each includer
 * defines FOO_ERROR first, as what a row gives there:
 *
 *   FOO/error.h:  #define FOO_ERROR KAGURA_XT_ENUM
 *                 typedef enum foo_err {
 *                 #include "FOO/error.def"
 *                         FOO_ERR__COUNT
 *                 } foo_err;
 *                 KAGURA_XT_DECLARE(foo_err, foo_strerr, foo_errname);
 *
 *   FOO/error.c:  #define FOO_ERROR KAGURA_XT_ROW
 *                 static const kagura_xt_row foo_errors[FOO_ERR__COUNT] = {
 *                 #include "FOO/error.def"
 *                 };
 *                 KAGURA_XT_GETTER(foo_strerr, foo_err, foo_errors, field1, "unknown error")
 *                 KAGURA_XT_GETTER(foo_errname, foo_err, foo_errors, name, "FOO_ERR_UNKNOWN")
 *
 * A table still written as a macro, #define FOO_TABLE(X) X(...) X(...), takes
 * FOO_TABLE(KAGURA_XT_ENUM) in its enum and KAGURA_XT_ACCESSOR for each accessor.
 */
#ifndef KAGURA_WEBAUTHN_XTABLE_H
#define KAGURA_WEBAUTHN_XTABLE_H

#include <stddef.h>

/* What one row gives: its enum constant, its name as text, its first or second field. */
#define KAGURA_XT_ENUM(name, ...)   name,
#define KAGURA_XT_NAME(name, ...)   [name] = #name,
#define KAGURA_XT_FIELD1(name, ...) [name] = KAGURA_XT_FIRST_(__VA_ARGS__, ~),
#define KAGURA_XT_FIELD2(name, ...) [name] = KAGURA_XT_SECOND_(__VA_ARGS__, ~),
/* The trailing ~ keeps the variadic part non-empty for a row with one field (C11). */
#define KAGURA_XT_FIRST_(a, ...)     a
#define KAGURA_XT_SECOND_(a, b, ...) b

/* const char *fn(type value): what pick gives for the value's row, fallback outside the
 * table (count rows); never NULL where every row gives text. */
#define KAGURA_XT_ACCESSOR(fn, type, table, pick, count, fallback)                      \
	const char *fn(type value)                                                      \
	{                                                                               \
		static const char *const texts[(count)] = {table(pick)};                \
		return (unsigned)value < (unsigned)(count) ? texts[value] : (fallback); \
	}

/* One row as the getters read it: its name as text, its first and second field (NULL if none). */
typedef struct kagura_xt_row {
	const char *name;
	const char *field1;
	const char *field2;
} kagura_xt_row;
#define KAGURA_XT_ROW(name, ...) \
	[name] = {#name, KAGURA_XT_FIRST_(__VA_ARGS__, ~), KAGURA_XT_SECOND_(__VA_ARGS__, NULL, ~)},

/* const char *fn(type value): the member (name, field1, field2) of the value's row in rows, an
 * array with a row per value; fallback outside it. */
#define KAGURA_XT_GETTER(fn, type, rows, member, fallback)                                       \
	const char *fn(type value)                                                               \
	{                                                                                        \
		return (unsigned)value < sizeof(rows) / sizeof((rows)[0]) ? (rows)[value].member \
		                                                          : (fallback);          \
	}

/* The accessors' prototypes, const char *fn(type value), for one or two accessor names. */
#define KAGURA_XT_DECLARE(type, ...)                                                      \
	KAGURA_XT_DECLARE_PICK_(__VA_ARGS__, KAGURA_XT_DECLARE2_, KAGURA_XT_DECLARE1_, ~) \
	(type, __VA_ARGS__)
#define KAGURA_XT_DECLARE_PICK_(a, b, pick, ...) pick
#define KAGURA_XT_DECLARE1_(type, fn)            const char *fn(type value)
#define KAGURA_XT_DECLARE2_(type, fn1, fn2) \
	const char *fn1(type value);        \
	const char *fn2(type value)

#endif
