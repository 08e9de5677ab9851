/*
 * The store's checkpoints, off the request path. SQLite by default checkpoints in the thread
 * whose COMMIT took the WAL past 1000 pages: that request copies the WAL into the database file
 * and (synchronous=NORMAL) syncs both, while the store's lock is still held and every other
 * call waits. Here the connection's WAL hook only signals; one thread of the store,
 * with a connection of its own, runs the checkpoint (PASSIVE: it never waits for readers or
 * writers, which go on appending to the WAL meanwhile). Durability is unchanged: a commit is
 * in the WAL file when it returns, whoever copies it on later.
 *
 * The WAL starts over only when a write begins with every frame copied. Writes that never
 * pause keep the thread's checkpoint a few frames behind, so that moment never comes: the
 * thread runs once per CHECKPOINT_FRAMES new frames (not at every commit past them, which
 * synced both files for a handful of frames each time), and the first commit after its run
 * checkpoints the few frames written meanwhile itself and resets the WAL (RESTART): nothing
 * writes meanwhile, so every frame is copied and the next write starts the WAL over. That
 * commit's callers wait for a few frames and two syncs (~1 ms on disk), not for the thousands
 * a WAL left to grow would hold (a stall of 20-30 ms). A WAL that still reaches
 * CHECKPOINT_INLINE_FRAMES (the thread too slow, another process's reader) is checkpointed the
 * same way.
 */
#include "rp/store_impl.h"

#include <stdlib.h>

/* WAL pages that make a checkpoint due: SQLite's own default (wal_autocheckpoint). */
#define CHECKPOINT_FRAMES 1000
/* WAL pages at which the committing call checkpoints (the WAL stays near 16 MiB at most). */
#define CHECKPOINT_INLINE_FRAMES (4 * CHECKPOINT_FRAMES)

struct store_checkpointer {
	sqlite3 *db; /* its own connection */
	pthread_t thread;
	pthread_mutex_t lock; /* due, stop, running, held, reset_due, due_at, inline_at */
	pthread_cond_t cond;  /* any of them changed */
	bool due, stop;
	/* The thread is checkpointing; held: a commit checkpoints itself, the thread waits. */
	bool running, held;
	/* The thread's run ended: the next commit copies what is left and resets the WAL. */
	bool reset_due;
	int due_at;    /* the WAL's frames that make the thread's next checkpoint due */
	int inline_at; /* the WAL's frames at which a commit next checkpoints itself */
};

int store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	store_checkpointer *k = arg;
	bool now;

	pthread_mutex_lock(&k->lock);
	if (frames < k->due_at - CHECKPOINT_FRAMES) {
		/* The WAL started over. */
		k->due_at = CHECKPOINT_FRAMES;
		k->inline_at = CHECKPOINT_INLINE_FRAMES;
	}
	/* After each run of the thread (once), or at inline_at; tried again only CHECKPOINT_FRAMES
	 * later: a reader that keeps the WAL (another process's) must not make every commit sync
	 * both files. */
	if ((now = frames >= k->inline_at || (k->reset_due && !k->running))) {
		k->reset_due = false;
		k->inline_at = frames + CHECKPOINT_FRAMES;
	} else if (frames >= k->due_at) {
		k->due = true;
		k->due_at = frames + CHECKPOINT_FRAMES;
		pthread_cond_broadcast(&k->cond);
	}
	if (!now) {
		pthread_mutex_unlock(&k->lock);
		return SQLITE_OK;
	}
	/*
	 * Under the store's lock (this is its COMMIT). The thread's connection, while it
	 * checkpoints, is a reader of the WAL, and a reader keeps it from starting over: the WAL
	 * would grow another CHECKPOINT_FRAMES. So the thread's run ends first, and none starts
	 * until this one has copied every frame and reset the WAL (RESTART). Another process's
	 * reader is not waited for: no busy wait, the reset is then left for the next time.
	 */
	k->held = true;
	while (k->running)
		pthread_cond_wait(&k->cond, &k->lock);
	pthread_mutex_unlock(&k->lock);
	sqlite3_busy_timeout(db, 0);
	(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	pthread_mutex_lock(&k->lock);
	k->held = false;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
	store_checkpointer *k = arg;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		while ((!k->due || k->held) && !k->stop)
			pthread_cond_wait(&k->cond, &k->lock);
		if (k->stop)
			break;
		k->due = false;
		k->running = true;
		pthread_mutex_unlock(&k->lock);
		/* What could not be copied (a reader on old pages) is copied at the next one. */
		(void)sqlite3_wal_checkpoint_v2(k->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&k->lock);
		k->running = false;
		k->reset_due = true;
		pthread_cond_broadcast(&k->cond);
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
	k->due_at = CHECKPOINT_FRAMES;
	k->inline_at = CHECKPOINT_INLINE_FRAMES;
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
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	sqlite3_close(k->db);
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->cond);
	free(k);
	*kp = NULL;
}
