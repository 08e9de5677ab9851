/*
 * The store's checkpoints, off the request path. SQLite by default checkpoints in the thread
 * whose COMMIT took the WAL past 1000 pages: that request copies the WAL into the database file
 * and (synchronous=NORMAL) syncs both, while the store's lock is still held and every other
 * call waits. Here the connection's WAL hook only signals; one thread of the store,
 * with a connection of its own, runs the checkpoint (PASSIVE: it never waits for readers or
 * writers, which go on appending to the WAL meanwhile). Durability is unchanged: a commit is
 * in the WAL file when it returns, whoever copies it on later.
 */
#include "rp/store_impl.h"

#include <stdlib.h>

/* WAL pages that make a checkpoint due: SQLite's own default (wal_autocheckpoint). */
#define CHECKPOINT_FRAMES 1000

struct store_checkpointer {
	sqlite3 *db; /* its own connection */
	pthread_t thread;
	pthread_mutex_t lock; /* due, stop */
	pthread_cond_t cond;
	bool due, stop;
};

int store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	store_checkpointer *k = arg;

	(void)db;
	(void)name;
	if (frames >= CHECKPOINT_FRAMES) {
		pthread_mutex_lock(&k->lock);
		k->due = true;
		pthread_cond_signal(&k->cond);
		pthread_mutex_unlock(&k->lock);
	}
	return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
	store_checkpointer *k = arg;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		while (!k->due && !k->stop)
			pthread_cond_wait(&k->cond, &k->lock);
		if (k->stop)
			break;
		k->due = false;
		pthread_mutex_unlock(&k->lock);
		/* A checkpoint that could not finish (a reader on old pages) is retried at the next
		 * signal, as SQLite's own would be at the next commit. */
		(void)sqlite3_wal_checkpoint_v2(k->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

store_checkpointer *store_checkpointer_start(const char *path, bool throwaway)
{
	store_checkpointer *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->cond, NULL);
	if (sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	            SQLITE_OK ||
	    /* The checkpoint syncs as the store's commits would have: never, for a throwaway. */
	    sqlite3_exec(k->db,
	                 throwaway ? "PRAGMA synchronous = OFF" : "PRAGMA synchronous = NORMAL",
	                 NULL, NULL, NULL) != SQLITE_OK ||
	    pthread_create(&k->thread, NULL, checkpointer_main, k) != 0) {
		sqlite3_close(k->db);
		pthread_mutex_destroy(&k->lock);
		pthread_cond_destroy(&k->cond);
		free(k);
		return NULL;
	}
	return k;
}

void store_checkpointer_stop(store_checkpointer **kp)
{
	store_checkpointer *k = *kp;

	if (k == NULL)
		return;
	pthread_mutex_lock(&k->lock);
	k->stop = true;
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	sqlite3_close(k->db);
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->cond);
	free(k);
	*kp = NULL;
}
