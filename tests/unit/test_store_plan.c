/*
 * rp/store's statements find their rows through an index: SQLite's EXPLAIN QUERY PLAN of every
 * statement the store prepares (store_sql_text, all of them, on a store the store itself
 * created) may not SCAN a table nor build an automatic index, so no lookup grows with the
 * store's size. Foreign keys' child columns are indexed too (a parent's delete looks for its
 * children). A store made before the later indexes gets them when it is opened.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

/* The statement table is the store's internal one: the test enumerates it rather than copy it. */
#include "testdir.h"
#include "rp/store_impl.h"

/* The plan's words for a full pass over a table, and for an index SQLite builds per query. */
#define PLAN_SCAN       "SCAN "
#define PLAN_CONSTANT   "SCAN CONSTANT ROW" /* a SELECT without FROM: no table read */
#define PLAN_AUTOMATIC  "AUTOMATIC"
#define PLAN_DETAIL_COL 3 /* EXPLAIN QUERY PLAN's columns: id, parent, notused, detail */

/* A scan that is meant: the statement, the plan's detail line, and why it may read everything. */
typedef struct allowed_scan {
	enum q q;
	const char *detail;
	const char *why;
} allowed_scan;

/* None today; a row here needs its reason. */
static const allowed_scan allowed_scans[] = {
        {Q__COUNT, NULL, NULL},
};

/*
 * A foreign key whose child column has no index of its own, and why no lookup needs one: only a
 * parent's delete or key change looks for children, and the test checks no statement does either.
 */
typedef struct allowed_fk {
	const char *table, *column;
	const char *why;
} allowed_fk;

static const allowed_fk allowed_fks[] = {
        {"sessions", "user_id",
         "sessions are found by id; no statement deletes a user or changes users.id"},
};

typedef struct fixture {
	char dir[64];
	char path[128];
	rp_store *s;
	sqlite3 *
	        db; /* a raw connection to the same file: the plans are SQLite's, not the store's */
} fixture;

static int fx_setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	*state = f;
	if (!test_dir_make(f->dir, sizeof(f->dir), "kagura-plan"))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	if (rp_store_open(f->path, &f->s) != RP_STORE_OK)
		return -1;
	return sqlite3_open_v2(f->path, &f->db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK ? 0 : -1;
}

static int fx_teardown(void **state)
{
	fixture *f = *state;

	sqlite3_close(f->db);
	rp_store_close(f->s);
	test_dir_remove(f->dir);
	free(f);
	return 0;
}

/* ---- the plan check ---- */

static bool scan_allowed(enum q q, const char *detail)
{
	for (size_t i = 0; allowed_scans[i].detail != NULL; i++)
		if (allowed_scans[i].q == q && strcmp(allowed_scans[i].detail, detail) == 0)
			return true;
	return false;
}

/*
 * The plan of sql on db: how many of its steps read a whole table or build an index for the
 * query, each printed with the statement; a statement SQLite cannot prepare fails the test.
 */
static int unindexed_steps(sqlite3 *db, enum q q, const char *sql)
{
	char *explain = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st = NULL;
	int rc, bad = 0;

	assert_non_null(explain);
	rc = sqlite3_prepare_v2(db, explain, -1, &st, NULL);
	if (rc != SQLITE_OK)
		fail_msg("cannot prepare \"%s\": %s", sql, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, PLAN_DETAIL_COL);
		bool scan = strncmp(detail, PLAN_SCAN, strlen(PLAN_SCAN)) == 0 &&
		            strcmp(detail, PLAN_CONSTANT) != 0;

		if ((scan || strstr(detail, PLAN_AUTOMATIC) != NULL) && !scan_allowed(q, detail)) {
			print_message("%s %d reads without an index: %s\n    %s\n",
			              q < Q__COUNT ? "statement" : "probe", (int)q, detail, sql);
			bad++;
		}
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_free(explain);
	return bad;
}

static int unindexed_statements(sqlite3 *db)
{
	int bad = 0;

	for (int q = 0; q < Q__COUNT; q++) {
		assert_non_null(store_sql_text[q]);
		bad += unindexed_steps(db, (enum q)q, store_sql_text[q]);
	}
	return bad;
}

static void test_every_statement_uses_an_index(void **state)
{
	fixture *f = *state;

	assert_int_equal(unindexed_statements(f->db), 0);
}

/* The check itself can fail: a lookup by an unindexed column, and one by the key, told apart. */
static void test_the_check_sees_a_scan(void **state)
{
	fixture *f = *state;

	assert_int_equal(
	        unindexed_steps(f->db, Q__COUNT, "SELECT key FROM records WHERE value = ?1"), 1);
	assert_int_equal(unindexed_steps(f->db, Q__COUNT,
	                                 "SELECT value FROM records WHERE kind = ?1 AND key = ?2"),
	                 0);
	/* What the purge was before its index: NOT of the liveness test reads every row. */
	assert_int_equal(
	        unindexed_steps(f->db, Q__COUNT,
	                        "DELETE FROM codes WHERE NOT (expires = 0 OR expires > ?1)"),
	        1);
}

/* ---- foreign keys: the child's column leads a full (not partial) index ---- */

static bool column_leads_an_index(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT 1 FROM pragma_index_list(?1) AS l "
	                                    "JOIN pragma_index_info(l.name) AS i "
	                                    "WHERE l.partial = 0 AND i.seqno = 0 AND i.name = ?2",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* The first statement that deletes parent rows or changes their key (to), or -1. */
static int parent_change(const char *parent, const char *to)
{
	char del[96], rep[96], upd[96];

	snprintf(del, sizeof(del), "DELETE FROM %s ", parent);
	snprintf(rep, sizeof(rep), "REPLACE INTO %s ", parent);
	snprintf(upd, sizeof(upd), "UPDATE %s SET %s ", parent, to);
	for (int q = 0; q < Q__COUNT; q++)
		if (strstr(store_sql_text[q], del) != NULL ||
		    strstr(store_sql_text[q], rep) != NULL ||
		    strstr(store_sql_text[q], upd) != NULL)
			return q;
	return -1;
}

/* Allowed without an index when listed, and only while no statement changes the parent so. */
static bool fk_allowed(const char *table, const char *column, const char *parent, const char *to)
{
	int q;

	for (size_t i = 0; i < sizeof(allowed_fks) / sizeof(allowed_fks[0]); i++) {
		const allowed_fk *a = &allowed_fks[i];
		if (strcmp(a->table, table) != 0 || strcmp(a->column, column) != 0)
			continue;
		if ((q = parent_change(parent, to)) < 0)
			return true;
		print_message("%s.%s is listed (%s), but statement %d does: %s\n", table, column,
		              a->why, q, store_sql_text[q]);
		return false;
	}
	return false;
}

static void test_foreign_keys_are_indexed(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = NULL;
	int bad = 0, seen = 0;

	assert_int_equal(sqlite3_prepare_v2(f->db,
	                                    "SELECT m.name, k.\"from\", k.\"table\", k.\"to\" "
	                                    "FROM sqlite_master AS m "
	                                    "JOIN pragma_foreign_key_list(m.name) AS k "
	                                    "WHERE m.type = 'table'",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(st, 0);
		const char *column = (const char *)sqlite3_column_text(st, 1);
		const char *parent = (const char *)sqlite3_column_text(st, 2);
		const char *to = (const char *)sqlite3_column_text(st, 3);

		seen++;
		if (!column_leads_an_index(f->db, table, column) &&
		    !fk_allowed(table, column, parent, to != NULL ? to : "rowid")) {
			print_message("foreign key %s.%s has no index\n", table, column);
			bad++;
		}
	}
	sqlite3_finalize(st);
	assert_true(seen > 0); /* the schema has foreign keys: the query found them */
	assert_int_equal(bad, 0);
}

/* ---- a store made before the later indexes ---- */

/* The index names store_later_indexes_sql creates, from its own text. */
static size_t later_index_names(char names[][64], size_t max)
{
	static const char mark[] = "CREATE INDEX IF NOT EXISTS ";
	size_t n = 0;

	for (const char *p = strstr(store_later_indexes_sql, mark); p != NULL && n < max;
	     p = strstr(p, mark)) {
		p += strlen(mark);
		size_t len = strcspn(p, " (");
		assert_true(len > 0 && len < 64);
		memcpy(names[n], p, len);
		names[n++][len] = '\0';
	}
	return n;
}

static int64_t count_indexes(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT count(*) FROM sqlite_master "
	                                    "WHERE type = 'index' AND name = ?1",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_older_store_gets_the_indexes(void **state)
{
	fixture *f = *state;
	char names[16][64];
	size_t n = later_index_names(names, 16);

	assert_true(n > 0);
	rp_store_close(f->s);
	f->s = NULL;
	/* The store as an earlier build made it: the same schema version, these indexes absent. */
	for (size_t i = 0; i < n; i++) {
		char *sql = sqlite3_mprintf("DROP INDEX \"%w\"", names[i]);
		assert_int_equal(sqlite3_exec(f->db, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_free(sql);
	}
	assert_true(unindexed_statements(f->db) > 0); /* without them the purge reads every row */
	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(count_indexes(f->db, names[i]), 1);
	assert_int_equal(unindexed_statements(f->db), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_every_statement_uses_an_index, fx_setup,
	                                        fx_teardown),
	        cmocka_unit_test_setup_teardown(test_the_check_sees_a_scan, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_foreign_keys_are_indexed, fx_setup,
	                                        fx_teardown),
	        cmocka_unit_test_setup_teardown(test_older_store_gets_the_indexes, fx_setup,
	                                        fx_teardown),
	};

	return cmocka_run_group_tests_name("store_plan", tests, NULL, NULL);
}
