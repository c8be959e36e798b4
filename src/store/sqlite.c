/* sqlite.c — the SQLite backend of the store: one file, WAL, synchronous=FULL, numbered
 * migrations, prepared statements, a bounded page cache. Rows are insert-only, enforced by
 * triggers, so a stray UPDATE or DELETE in our own code fails loudly. */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite_vfs.h"
#include "util/json_parse.h"

/* Numbered migrations: schema version i+1 is reached by running migrations[i]. Append only;
 * a migration that shipped is never edited. Migration 1: the ledger. */
static const char migration_001[] =
        "CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE records(idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, hash BLOB NOT NULL,"
        "  sealed BLOB);"
        "CREATE TABLE nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
        "  PRIMARY KEY(level, idx)) WITHOUT ROWID;"
        "CREATE TABLE checkpoints(size INTEGER PRIMARY KEY, note BLOB NOT NULL);"
        "CREATE TABLE idx(name TEXT NOT NULL, key TEXT NOT NULL, rec INTEGER NOT NULL,"
        "  PRIMARY KEY(name, key, rec)) WITHOUT ROWID;"
        "CREATE TRIGGER meta_ro BEFORE UPDATE ON meta BEGIN SELECT RAISE(ABORT,'append-only'); END;"
        "CREATE TRIGGER meta_rd BEFORE DELETE ON meta BEGIN SELECT RAISE(ABORT,'append-only'); END;"
        "CREATE TRIGGER records_ro BEFORE UPDATE ON records BEGIN SELECT "
        "RAISE(ABORT,'append-only'); END;"
        "CREATE TRIGGER records_rd BEFORE DELETE ON records BEGIN SELECT "
        "RAISE(ABORT,'append-only'); END;"
        "CREATE TRIGGER nodes_ro BEFORE UPDATE ON nodes BEGIN SELECT RAISE(ABORT,'append-only'); "
        "END;"
        "CREATE TRIGGER nodes_rd BEFORE DELETE ON nodes BEGIN SELECT RAISE(ABORT,'append-only'); "
        "END;"
        "CREATE TRIGGER checkpoints_ro BEFORE UPDATE ON checkpoints BEGIN SELECT "
        "RAISE(ABORT,'append-only'); END;"
        "CREATE TRIGGER checkpoints_rd BEFORE DELETE ON checkpoints BEGIN SELECT "
        "RAISE(ABORT,'append-only'); END;"
        "CREATE TRIGGER idx_ro BEFORE UPDATE ON idx BEGIN SELECT RAISE(ABORT,'append-only'); END;"
        "CREATE TRIGGER idx_rd BEFORE DELETE ON idx BEGIN SELECT RAISE(ABORT,'append-only'); END;";

/* Migration 2: the platform's current state, derived from the records and written in the
 * same transaction as they are. Unlike records these rows change (a code's holder moves), so
 * they carry the index of the record that last set them. docs: one JSON document per thing
 * (unit, product, batch, code...), listable by owner; links: sets (a batch's codes, a
 * carton's children). */
static const char migration_002[] =
        "CREATE TABLE docs(kind TEXT NOT NULL, id TEXT NOT NULL, owner TEXT NOT NULL,"
        "  body BLOB NOT NULL, rec INTEGER NOT NULL, PRIMARY KEY(kind, id)) WITHOUT ROWID;"
        "CREATE INDEX docs_by_owner ON docs(kind, owner, id);"
        "CREATE TABLE links(kind TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,"
        "  PRIMARY KEY(kind, src, dst)) WITHOUT ROWID;";

/* Migration 3: counters outside the ledger (how often a code was looked up and when first):
 * frequent, worth nothing as evidence, and written in batches, so never records. */
static const char migration_003[] =
        "CREATE TABLE tallies(kind TEXT NOT NULL, id TEXT NOT NULL, count INTEGER NOT NULL,"
        "  first TEXT NOT NULL, last TEXT NOT NULL, PRIMARY KEY(kind, id)) WITHOUT ROWID;";

/* Migration 4: the shipments still on their way, listed for both parties (events.c keeps
 * these links from now on; here they are made for the shipments already stored). */
static const char migration_004[] =
        "INSERT OR IGNORE INTO links(kind, src, dst)"
        "  SELECT k.kind, CASE k.kind WHEN 'shipments_pending_in'"
        "    THEN json_extract(CAST(d.body AS TEXT), '$.to')"
        "    ELSE json_extract(CAST(d.body AS TEXT), '$.from') END,"
        "    printf('%020d', CAST(d.id AS INTEGER))"
        "  FROM docs d, (SELECT 'shipments_pending_in' AS kind"
        "                UNION ALL SELECT 'shipments_pending_out') k"
        "  WHERE d.kind = 'shipment'"
        "    AND json_extract(CAST(d.body AS TEXT), '$.received') = 0"
        "    AND json_extract(CAST(d.body AS TEXT), '$.cancelled') IS NULL;";

/* Migration 5: a product's batches in production date order (products.c keeps these links
 * from now on; here they are made for the batches already stored, each after the record that
 * registered it: the first indexed under its id). */
static const char migration_005[] =
        "INSERT OR IGNORE INTO links(kind, src, dst)"
        "  SELECT 'batches_by_date', json_extract(CAST(d.body AS TEXT), '$.product'),"
        "    json_extract(CAST(d.body AS TEXT), '$.production_date') || '/' ||"
        "    printf('%020d', (SELECT MIN(i.rec) FROM idx i WHERE i.name = 'key' AND i.key = d.id))"
        "    || '/' || d.id"
        "  FROM docs d WHERE d.kind = 'batch';";

static const char *const migrations[] = {migration_001, migration_002, migration_003, migration_004,
                                         migration_005};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

enum {
	ST_BEGIN,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_META_GET,
	ST_META_PUT,
	ST_COUNT,
	ST_RECORD_PUT,
	ST_RECORD_GET,
	ST_NODE_PUT,
	ST_NODE_GET,
	ST_LEAF_HASH,
	ST_INDEX_PUT,
	ST_INDEX_FIND,
	ST_CP_PUT,
	ST_CP_LATEST,
	ST_DOC_GET,
	ST_DOC_PUT,
	ST_DOC_UPDATE,
	ST_DOC_LIST,
	ST_DOC_LIST_OWNER,
	ST_LINK_PUT,
	ST_LINK_DEL,
	ST_LINK_LIST,
	ST_LINK_LIST_BACK,
	ST_TALLY_ADD,
	ST_TALLY_GET,
	ST_LINK_DOC_COUNT,
	ST_MAX
};

static const char *const sql[ST_MAX] = {
        [ST_BEGIN] = "BEGIN IMMEDIATE",
        [ST_BEGIN_READ] = "BEGIN DEFERRED",
        [ST_COMMIT] = "COMMIT",
        [ST_ROLLBACK] = "ROLLBACK",
        [ST_SAVEPOINT] = "SAVEPOINT job",
        [ST_RELEASE] = "RELEASE job",
        [ST_ROLLBACK_TO] = "ROLLBACK TO job",
        [ST_META_GET] = "SELECT v FROM meta WHERE k = ?1",
        [ST_META_PUT] = "INSERT INTO meta(k, v) VALUES (?1, ?2)",
        [ST_COUNT] = "SELECT COALESCE(MAX(idx) + 1, 0) FROM records",
        [ST_RECORD_PUT] = "INSERT INTO records(idx, leaf, hash, sealed) VALUES (?1, ?2, ?3, ?4)",
        [ST_RECORD_GET] = "SELECT leaf, sealed FROM records WHERE idx = ?1",
        [ST_NODE_PUT] = "INSERT INTO nodes(level, idx, hash) VALUES (?1, ?2, ?3)",
        [ST_NODE_GET] = ("SELECT hash FROM nodes WHERE level = ?1 AND idx >= ?2 AND idx < ?3 "
                         "ORDER BY idx"),
        [ST_LEAF_HASH] = "SELECT hash FROM records WHERE idx >= ?2 AND idx < ?3 AND ?1 = 0 "
                         "ORDER BY idx",
        [ST_INDEX_PUT] = "INSERT INTO idx(name, key, rec) VALUES (?1, ?2, ?3)",
        [ST_INDEX_FIND] = ("SELECT rec FROM idx WHERE name = ?1 AND key = ?2 AND rec > ?3 "
                           "ORDER BY rec LIMIT ?4"),
        [ST_CP_PUT] = "INSERT INTO checkpoints(size, note) VALUES (?1, ?2)",
        [ST_CP_LATEST] = "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
        [ST_DOC_GET] = "SELECT body, owner, rec FROM docs WHERE kind = ?1 AND id = ?2",
        [ST_DOC_PUT] = "INSERT OR REPLACE INTO docs(kind, id, owner, body, rec) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)",
        /* most changes keep the owner: rewrite the row alone, not its docs_by_owner entry */
        [ST_DOC_UPDATE] = "UPDATE docs SET body = ?4, rec = ?5 WHERE kind = ?1 AND id = ?2 AND "
                          "owner = ?3",
        [ST_DOC_LIST] = "SELECT id, owner, body, rec FROM docs WHERE kind = ?1 AND id > ?3 "
                        "ORDER BY id LIMIT ?4",
        [ST_DOC_LIST_OWNER] = "SELECT id, owner, body, rec FROM docs WHERE kind = ?1 AND "
                              "owner = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
        [ST_LINK_PUT] = "INSERT OR IGNORE INTO links(kind, src, dst) VALUES (?1, ?2, ?3)",
        [ST_LINK_DEL] = "DELETE FROM links WHERE kind = ?1 AND src = ?2 AND dst = ?3",
        [ST_LINK_LIST] = "SELECT dst FROM links WHERE kind = ?1 AND src = ?2 AND dst > ?3 "
                         "ORDER BY dst LIMIT ?4",
        [ST_LINK_LIST_BACK] = "SELECT dst FROM links WHERE kind = ?1 AND src = ?2 AND dst < ?3 "
                              "ORDER BY dst DESC LIMIT ?4",
        [ST_TALLY_ADD] = "INSERT INTO tallies(kind, id, count, first, last) VALUES (?1, ?2, ?3, "
                         "?4, ?5) ON CONFLICT(kind, id) DO UPDATE SET count = count + "
                         "excluded.count, first = min(first, excluded.first), "
                         "last = max(last, excluded.last)",
        [ST_TALLY_GET] = "SELECT count, first, last FROM tallies WHERE kind = ?1 AND id = ?2",
        /* CROSS JOIN keeps the links first: one primary-key probe per linked document */
        [ST_LINK_DOC_COUNT] = "SELECT d.owner, d.body FROM links l CROSS JOIN docs d "
                              "ON d.kind = ?3 AND d.id = l.dst WHERE l.kind = ?1 AND l.src = ?2",
};

static const char *const scan_sql[] = {
        [QT_SCAN_RECORDS] =
                "SELECT idx, leaf, hash, sealed FROM records WHERE idx >= ?1 ORDER BY idx",
        [QT_SCAN_NODES] = "SELECT level, idx, hash FROM nodes WHERE level = ?1 ORDER BY idx",
        /* the whole table, ?1 unused: a filter on rec, tested on every row, was a tenth of
         * the scan */
        [QT_SCAN_INDEX] = "SELECT rec, name, key FROM idx WHERE ?1 >= 0 ORDER BY name, key, rec",
        [QT_SCAN_CHECKPOINTS] = "SELECT size, note FROM checkpoints WHERE size >= ?1 ORDER BY size",
        /* ?1 is bound but unused: every scan binds its `from` */
        [QT_SCAN_DOCS] = "SELECT rec, kind, id, owner, body FROM docs WHERE ?1 >= 0 "
                         "ORDER BY kind, id",
        [QT_SCAN_LINKS] = "SELECT 0, kind, src, dst FROM links WHERE ?1 >= 0 "
                          "ORDER BY kind, src, dst",
};

/* WAL checkpoints run on their own connection and thread, so a commit never waits for the
 * WAL to be copied into the database; the writer only signals when enough has piled up. */
#define CKPT_FRAMES    2048  /* ask for a checkpoint past this many WAL pages (32 MiB) */
#define CKPT_FRAMES_HI 65536 /* the checkpointer is behind: the writer checkpoints itself */

typedef struct checkpointer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	sqlite3 *db;
	bool wanted, stop, running;
} checkpointer;

typedef struct sq_store {
	qt_store base;
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX];
	qt_sqlite_vfs *vfs; /* fault-injecting VFS, tests only */
	checkpointer ck;
} sq_store;

struct qt_store_iter {
	sq_store *s;
	qt_store_scan_kind kind;
	sqlite3_stmt *stmt;
};

static qt_rc db_error(sq_store *s, qt_err *err, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);
	qt_rc rc = (code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_TOOBIG ? QT_ERR_TOOBIG
	           : (code & 0xff) == SQLITE_CONSTRAINT                           ? QT_ERR_INVALID
	                                                                          : QT_ERR_IO;
	return qt_err_set(err, rc, "sqlite: %s: %s", what, sqlite3_errmsg(s->db));
}

/* Run a prepared statement that returns no rows. */
static qt_rc run(sq_store *s, int which, qt_err *err)
{
	sqlite3_stmt *st = s->st[which];
	int r = sqlite3_step(st);
	qt_rc rc = r == SQLITE_DONE ? QT_OK : db_error(s, err, sql[which]);
	/* every caller binds all parameters: no clear_bindings, which costs a pass per row */
	sqlite3_reset(st);
	return rc;
}

static qt_rc exec(sq_store *s, const char *text, qt_err *err)
{
	char *msg = NULL;
	qt_rc rc = QT_OK;
	if (sqlite3_exec(s->db, text, NULL, NULL, &msg) != SQLITE_OK) {
		rc = qt_err_set(err, QT_ERR_IO, "sqlite: %s", msg ? msg : "error");
		sqlite3_free(msg);
	}
	return rc;
}

static void *checkpoint_main(void *arg)
{
	checkpointer *ck = arg;

	pthread_mutex_lock(&ck->lock);
	while (!ck->stop) {
		if (!ck->wanted) {
			pthread_cond_wait(&ck->cond, &ck->lock);
			continue;
		}
		ck->wanted = false;
		pthread_mutex_unlock(&ck->lock);
		/* PASSIVE never blocks the writer; what it cannot copy now it copies next time. */
		sqlite3_wal_checkpoint_v2(ck->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&ck->lock);
	}
	pthread_mutex_unlock(&ck->lock);
	return NULL;
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	sq_store *s = arg;
	checkpointer *ck = &s->ck;

	if (frames >= CKPT_FRAMES_HI || (!ck->running && frames >= CKPT_FRAMES)) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (frames >= CKPT_FRAMES) {
		pthread_mutex_lock(&ck->lock);
		ck->wanted = true;
		pthread_cond_signal(&ck->cond);
		pthread_mutex_unlock(&ck->lock);
	}
	return SQLITE_OK;
}

static void checkpointer_start(sq_store *s, const char *path)
{
	checkpointer *ck = &s->ck;

	pthread_mutex_init(&ck->lock, NULL);
	pthread_cond_init(&ck->cond, NULL);
	/* Without its own connection or thread the writer checkpoints inline (wal_hook). */
	if (sqlite3_open_v2(path, &ck->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) ==
	            SQLITE_OK &&
	    sqlite3_busy_timeout(ck->db, 5000) == SQLITE_OK &&
	    pthread_create(&ck->thread, NULL, checkpoint_main, ck) == 0)
		ck->running = true;
	sqlite3_wal_hook(s->db, wal_hook, s);
}

static void checkpointer_stop(sq_store *s)
{
	checkpointer *ck = &s->ck;

	if (ck->running) {
		pthread_mutex_lock(&ck->lock);
		ck->stop = true;
		pthread_cond_signal(&ck->cond);
		pthread_mutex_unlock(&ck->lock);
		pthread_join(ck->thread, NULL);
		ck->running = false;
	}
	sqlite3_close(ck->db);
	ck->db = NULL;
}

static void sq_close(qt_store *base)
{
	sq_store *s = (sq_store *)base;
	if (!s)
		return;
	if (s->db && !sqlite3_db_readonly(s->db, "main"))
		checkpointer_stop(s);
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	qt_sqlite_vfs_free(s->vfs);
	free(s);
}

static qt_rc sq_begin(qt_store *base, qt_err *err)
{
	return run((sq_store *)base, ST_BEGIN, err);
}

static qt_rc sq_commit(qt_store *base, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	qt_rc rc = run(s, ST_COMMIT, err);
	/* A failed COMMIT may leave the transaction open; never leave it half-done. */
	if (rc != QT_OK && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void sq_rollback(qt_store *base)
{
	sq_store *s = (sq_store *)base;
	if (!sqlite3_get_autocommit(s->db))
		(void)run(s, ST_ROLLBACK, NULL);
}

static qt_rc sq_savepoint(qt_store *base, qt_err *err)
{
	return run((sq_store *)base, ST_SAVEPOINT, err);
}

static qt_rc sq_savepoint_release(qt_store *base, qt_err *err)
{
	return run((sq_store *)base, ST_RELEASE, err);
}

static void sq_savepoint_rollback(qt_store *base)
{
	sq_store *s = (sq_store *)base;
	/* ROLLBACK TO keeps the savepoint open; RELEASE closes it, leaving the rows before it */
	(void)run(s, ST_ROLLBACK_TO, NULL);
	(void)run(s, ST_RELEASE, NULL);
}

static qt_rc sq_read_begin(qt_store *base, qt_err *err)
{
	return run((sq_store *)base, ST_BEGIN_READ, err);
}

static void sq_read_end(qt_store *base)
{
	sq_store *s = (sq_store *)base;
	if (!sqlite3_get_autocommit(s->db))
		(void)run(s, ST_COMMIT, NULL);
}

static uint64_t sq_data_version(qt_store *base)
{
	sq_store *s = (sq_store *)base;
	unsigned v = 0;

	sqlite3_file_control(s->db, "main", SQLITE_FCNTL_DATA_VERSION, &v);
	return v;
}

static qt_rc sq_meta_get(qt_store *base, const char *key, qt_buf *out, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_META_GET];
	qt_rc rc = QT_OK;
	int r;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	qt_buf_reset(out);
	if (r == SQLITE_ROW)
		rc = qt_buf_append(out, sqlite3_column_text(st, 0),
		                   (size_t)sqlite3_column_bytes(st, 0));
	else if (r == SQLITE_DONE)
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "no meta value '%s'", key);
	else
		rc = db_error(s, err, "meta_get");
	sqlite3_reset(st);
	return rc;
}

static qt_rc sq_meta_put(qt_store *base, const char *key, const char *value, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_bind_text(s->st[ST_META_PUT], 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st[ST_META_PUT], 2, value, -1, SQLITE_STATIC);
	return run(s, ST_META_PUT, err);
}

static qt_rc sq_record_count(qt_store *base, uint64_t *count, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_COUNT];
	qt_rc rc = QT_OK;

	if (sqlite3_step(st) == SQLITE_ROW)
		*count = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = db_error(s, err, "record_count");
	sqlite3_reset(st);
	return rc;
}

static qt_rc sq_record_put(qt_store *base, uint64_t index, const void *leaf, size_t n,
                           const qt_hash *h, const void *sealed, size_t sealed_len, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_RECORD_PUT];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	sqlite3_bind_blob(st, 2, leaf, (int)n, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, h->b, QT_HASH_LEN, SQLITE_STATIC);
	if (sealed_len)
		sqlite3_bind_blob(st, 4, sealed, (int)sealed_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	return run(s, ST_RECORD_PUT, err);
}

static qt_rc sq_record_get(qt_store *base, uint64_t index, qt_buf *leaf, qt_buf *sealed,
                           qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_RECORD_GET];
	qt_rc rc;
	int r;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	r = sqlite3_step(st);
	qt_buf_reset(leaf);
	if (sealed)
		qt_buf_reset(sealed);
	if (r == SQLITE_ROW) {
		rc = qt_buf_append(leaf, sqlite3_column_blob(st, 0),
		                   (size_t)sqlite3_column_bytes(st, 0));
		if (rc == QT_OK && sealed)
			rc = qt_buf_append(sealed, sqlite3_column_blob(st, 1),
			                   (size_t)sqlite3_column_bytes(st, 1));
		if (rc != QT_OK)
			rc = qt_err_set(err, rc, "record %llu does not fit in memory",
			                (unsigned long long)index);
	} else if (r == SQLITE_DONE)
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "no record %llu", (unsigned long long)index);
	else
		rc = db_error(s, err, "record_get");
	sqlite3_reset(st);
	return rc;
}

static qt_rc sq_node_put(qt_store *base, unsigned level, uint64_t index, const qt_hash *h,
                         qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_NODE_PUT];
	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	sqlite3_bind_blob(st, 3, h->b, QT_HASH_LEN, SQLITE_STATIC);
	return run(s, ST_NODE_PUT, err);
}

static qt_rc sq_nodes_get(qt_store *base, unsigned level, uint64_t first, size_t count, qt_hash *h,
                          qt_err *err)
{
	sq_store *s = (sq_store *)base;
	/* Level 0 is the leaf hash, kept with its record. */
	sqlite3_stmt *st = s->st[level == 0 ? ST_LEAF_HASH : ST_NODE_GET];
	size_t got = 0;
	qt_rc rc = QT_OK;
	int r;

	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(first + count));
	while (got < count && (r = sqlite3_step(st)) == SQLITE_ROW &&
	       sqlite3_column_bytes(st, 0) == QT_HASH_LEN)
		memcpy(h[got++].b, sqlite3_column_blob(st, 0), QT_HASH_LEN);
	if (got < count && r != SQLITE_ROW && r != SQLITE_DONE)
		rc = db_error(s, err, "nodes_get");
	else if (got < count)
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "no Merkle node at level %u index %llu",
		                level, (unsigned long long)(first + got));
	sqlite3_reset(st);
	return rc;
}

static qt_rc sq_index_put(qt_store *base, const char *name, const char *key, uint64_t record,
                          qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_INDEX_PUT];
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)record);
	return run(s, ST_INDEX_PUT, err);
}

static qt_rc sq_index_find(qt_store *base, const char *name, const char *key, uint64_t after,
                           uint64_t *records, size_t max, size_t *found, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_INDEX_FIND];
	qt_rc rc = QT_OK;
	int r;

	*found = 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	/* "after" of UINT64_MAX means from the start: SQLite integers are signed. */
	sqlite3_bind_int64(st, 3, after == UINT64_MAX ? -1 : (sqlite3_int64)after);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)max);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		records[(*found)++] = (uint64_t)sqlite3_column_int64(st, 0);
	if (r != SQLITE_DONE)
		rc = db_error(s, err, "index_find");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static qt_rc sq_checkpoint_put(qt_store *base, uint64_t size, const char *note, size_t n,
                               qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_CP_PUT];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_blob(st, 2, note, (int)n, SQLITE_STATIC);
	return run(s, ST_CP_PUT, err);
}

static qt_rc sq_checkpoint_latest(qt_store *base, uint64_t *size, qt_buf *note, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_CP_LATEST];
	qt_rc rc;
	int r = sqlite3_step(st);

	qt_buf_reset(note);
	if (r == SQLITE_ROW) {
		*size = (uint64_t)sqlite3_column_int64(st, 0);
		rc = qt_buf_append(note, sqlite3_column_blob(st, 1),
		                   (size_t)sqlite3_column_bytes(st, 1));
	} else if (r == SQLITE_DONE) {
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "no checkpoint");
	} else {
		rc = db_error(s, err, "checkpoint_latest");
	}
	sqlite3_reset(st);
	return rc;
}

static qt_rc sq_doc_get(qt_store *base, const char *kind, const char *id, qt_buf *body,
                        qt_buf *owner, uint64_t *rec, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_DOC_GET];
	qt_rc rc = QT_OK;
	int r;

	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (body) {
			qt_buf_reset(body);
			rc = qt_buf_append(body, sqlite3_column_blob(st, 0),
			                   (size_t)sqlite3_column_bytes(st, 0));
		}
		if (rc == QT_OK && owner) {
			qt_buf_reset(owner);
			rc = qt_buf_append(owner, sqlite3_column_text(st, 1),
			                   (size_t)sqlite3_column_bytes(st, 1));
		}
		if (rec)
			*rec = (uint64_t)sqlite3_column_int64(st, 2);
		if (rc != QT_OK)
			rc = qt_err_set(err, rc, "%s '%.80s' is too large to read", kind, id);
	} else if (r == SQLITE_DONE) {
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "no %s '%.80s'", kind, id);
	} else {
		rc = db_error(s, err, "doc_get");
	}
	sqlite3_reset(st);
	return rc;
}

/* ST_DOC_UPDATE or ST_DOC_PUT: the same five parameters. */
static qt_rc doc_write(sq_store *s, int which, const char *kind, const char *id, const char *owner,
                       const void *body, size_t n, uint64_t rec, qt_err *err)
{
	sqlite3_stmt *st = s->st[which];
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, owner ? owner : "", -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, body, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)rec);
	return run(s, which, err);
}

static qt_rc sq_doc_put(qt_store *base, const char *kind, const char *id, const char *owner,
                        const void *body, size_t n, uint64_t rec, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	qt_rc rc = doc_write(s, ST_DOC_UPDATE, kind, id, owner, body, n, rec, err);

	/* a new document, or one changing owner: the whole row and its index entry */
	if (rc == QT_OK && sqlite3_changes(s->db) == 0)
		rc = doc_write(s, ST_DOC_PUT, kind, id, owner, body, n, rec, err);
	return rc;
}

static qt_rc sq_tally_add(qt_store *base, const char *kind, const char *id, uint64_t count,
                          const char *first, const char *last, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_TALLY_ADD];
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)count);
	sqlite3_bind_text(st, 4, first, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, last, -1, SQLITE_STATIC);
	return run(s, ST_TALLY_ADD, err);
}

static qt_rc sq_tally_get(qt_store *base, const char *kind, const char *id, qt_tally *out,
                          qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_TALLY_GET];
	qt_rc rc = QT_OK;
	int r;

	memset(out, 0, sizeof *out);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		out->count = (uint64_t)sqlite3_column_int64(st, 0);
		snprintf(out->first, sizeof out->first, "%s",
		         (const char *)sqlite3_column_text(st, 1));
		snprintf(out->last, sizeof out->last, "%s",
		         (const char *)sqlite3_column_text(st, 2));
	} else if (r == SQLITE_DONE) {
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "no %s tally for '%.80s'", kind, id);
	} else {
		rc = db_error(s, err, "tally_get");
	}
	sqlite3_reset(st);
	return rc;
}

/* Listings bind (kind, owner or src, after, limit) and hand each row to an adapter. */
static qt_rc list_rows(sq_store *s, int which, const char *kind, const char *second,
                       const char *after, size_t limit, qt_rc (*row)(void *, sqlite3_stmt *),
                       void *ctx, size_t *found, qt_err *err)
{
	sqlite3_stmt *st = s->st[which];
	qt_rc rc = QT_OK;
	int r = SQLITE_DONE;

	*found = 0;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (second)
		sqlite3_bind_text(st, 2, second, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, after ? after : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
	while (rc == QT_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		(*found)++;
		rc = row(ctx, st);
	}
	if (rc == QT_OK && r != SQLITE_DONE)
		rc = db_error(s, err, sql[which]);
	sqlite3_reset(st);
	return rc;
}

typedef struct doc_cb {
	qt_store_doc_fn fn;
	qt_store_link_fn link_fn;
	void *ctx;
} doc_cb;

static qt_rc doc_row(void *ctx, sqlite3_stmt *st)
{
	doc_cb *c = ctx;
	return c->fn(c->ctx, (const char *)sqlite3_column_text(st, 0),
	             (const char *)sqlite3_column_text(st, 1), sqlite3_column_blob(st, 2),
	             (size_t)sqlite3_column_bytes(st, 2), (uint64_t)sqlite3_column_int64(st, 3));
}

static qt_rc link_row(void *ctx, sqlite3_stmt *st)
{
	doc_cb *c = ctx;
	return c->link_fn(c->ctx, (const char *)sqlite3_column_text(st, 0));
}

static qt_rc sq_doc_list(qt_store *base, const char *kind, const char *owner, const char *after,
                         size_t limit, qt_store_doc_fn fn, void *ctx, size_t *found, qt_err *err)
{
	doc_cb c = {.fn = fn, .ctx = ctx};
	return list_rows((sq_store *)base, owner ? ST_DOC_LIST_OWNER : ST_DOC_LIST, kind, owner,
	                 after, limit, doc_row, &c, found, err);
}

static qt_rc sq_link(qt_store *base, bool put, const char *kind, const char *src, const char *dst,
                     qt_err *err)
{
	sq_store *s = (sq_store *)base;
	int which = put ? ST_LINK_PUT : ST_LINK_DEL;
	sqlite3_stmt *st = s->st[which];
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, src, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, dst, -1, SQLITE_STATIC);
	return run(s, which, err);
}

static qt_rc sq_link_put(qt_store *base, const char *kind, const char *src, const char *dst,
                         qt_err *err)
{
	return sq_link(base, true, kind, src, dst, err);
}

static qt_rc sq_link_del(qt_store *base, const char *kind, const char *src, const char *dst,
                         qt_err *err)
{
	return sq_link(base, false, kind, src, dst, err);
}

static qt_rc sq_link_list(qt_store *base, const char *kind, const char *src, const char *after,
                          size_t limit, qt_store_link_fn fn, void *ctx, size_t *found, qt_err *err)
{
	doc_cb c = {.link_fn = fn, .ctx = ctx};
	return list_rows((sq_store *)base, ST_LINK_LIST, kind, src, after, limit, link_row, &c,
	                 found, err);
}

static qt_rc sq_link_list_back(qt_store *base, const char *kind, const char *src,
                               const char *before, size_t limit, qt_store_link_fn fn, void *ctx,
                               size_t *found, qt_err *err)
{
	doc_cb c = {.link_fn = fn, .ctx = ctx};
	/* from the last: above every key, as no UTF-8 text holds the byte 0xFF (keys compare
	 * byte by byte), so the range stays one index seek */
	return list_rows((sq_store *)base, ST_LINK_LIST_BACK, kind, src,
	                 before && *before ? before : "\xff", limit, link_row, &c, found, err);
}

static size_t json_space(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* The string value of the top-level member name of the JSON object s[0..n), quotes off,
 * escapes kept; false when there is no such member or it is not a string. It skims rather
 * than parses (documents are JSON the platform wrote): a full parse of each of a batch's
 * 100,000 documents (json_extract) costs more than reading them. */
static bool json_member(const char *s, size_t n, const char *name, const char **v, size_t *vn)
{
	size_t i = json_space(s, n, 0), nl = strlen(name), k0, k1;
	bool found = false;

	if (i >= n || s[i++] != '{')
		return false;
	for (;;) {
		i = json_space(s, n, i);
		if (i >= n || s[i] != '"')
			break;
		k0 = i + 1;
		k1 = qt_json_string_end(s, n, k0);
		i = json_space(s, n, k1 + 1);
		if (k1 >= n || i >= n || s[i] != ':')
			break;
		i = json_space(s, n, i + 1);
		if (k1 - k0 == nl && memcmp(s + k0, name, nl) == 0) {
			size_t e = i < n && s[i] == '"' ? qt_json_string_end(s, n, i + 1) : n;
			if ((found = e < n)) {
				*v = s + i + 1;
				*vn = e - i - 1;
			}
			break;
		}
		i = json_space(s, n, qt_json_value_end(s, n, i));
		if (i >= n || s[i++] != ',')
			break;
	}
	return found;
}

/* ---- link_doc_count: counting in a hash table of groups, not in SQL (a GROUP BY sorts
 * every row: as long again as reading them, for a batch of 100,000) ---- */

typedef struct group {
	char *key; /* owner, NUL, value, NUL; NULL: an empty slot */
	size_t owner_len, value_len;
	uint64_t count;
} group;

typedef struct groups {
	group *slot; /* open addressing; cap a power of two, at most half full */
	size_t cap, used;
} groups;

static uint64_t group_hash(const char *owner, size_t on, const char *value, size_t vn)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (size_t i = 0; i < on; i++)
		h = (h ^ (uint8_t)owner[i]) * 1099511628211u;
	h = (h ^ 0xff) * 1099511628211u;
	for (size_t i = 0; i < vn; i++)
		h = (h ^ (uint8_t)value[i]) * 1099511628211u;
	return h;
}

/* The slot of (owner, value) in slot[0..cap): its group's or the empty one it would take. */
static group *group_slot(group *slot, size_t cap, const char *owner, size_t on, const char *value,
                         size_t vn)
{
	size_t i = (size_t)group_hash(owner, on, value, vn) & (cap - 1);

	while (slot[i].key && !(slot[i].owner_len == on && slot[i].value_len == vn &&
	                        memcmp(slot[i].key, owner, on) == 0 &&
	                        memcmp(slot[i].key + on + 1, value, vn) == 0))
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static qt_rc groups_grow(groups *g)
{
	size_t cap = g->cap ? g->cap * 2 : 64;
	group *slot = calloc(cap, sizeof *slot);

	if (!slot)
		return QT_ERR_NOMEM;
	for (size_t i = 0; i < g->cap; i++)
		if (g->slot[i].key)
			*group_slot(slot, cap, g->slot[i].key, g->slot[i].owner_len,
			            g->slot[i].key + g->slot[i].owner_len + 1,
			            g->slot[i].value_len) = g->slot[i];
	free(g->slot);
	g->slot = slot;
	g->cap = cap;
	return QT_OK;
}

/* One more of (owner, value); QT_ERR_TOOBIG when it would be group max + 1. */
static qt_rc groups_count(groups *g, size_t max, const char *owner, size_t on, const char *value,
                          size_t vn)
{
	group *e;
	qt_rc rc = (g->used + 1) * 2 > g->cap ? groups_grow(g) : QT_OK;

	if (rc != QT_OK)
		return rc;
	e = group_slot(g->slot, g->cap, owner, on, value, vn);
	if (!e->key && g->used == max)
		return QT_ERR_TOOBIG;
	if (!e->key) {
		if (!(e->key = malloc(on + vn + 2)))
			return QT_ERR_NOMEM;
		memcpy(e->key, owner, on);
		e->key[on] = '\0';
		memcpy(e->key + on + 1, value, vn);
		e->key[on + 1 + vn] = '\0';
		e->owner_len = on;
		e->value_len = vn;
		g->used++;
	}
	e->count++;
	return QT_OK;
}

/* By owner, then value, in byte order (SQLite's BINARY collation). */
static int by_owner_value(const void *a, const void *b)
{
	const group *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->key + x->owner_len + 1, y->key + y->owner_len + 1);
}

static qt_rc sq_link_doc_count(qt_store *base, const char *link_kind, const char *src,
                               const char *doc_kind, const char *field, size_t max_groups,
                               qt_store_group_fn fn, void *ctx, qt_err *err)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *st = s->st[ST_LINK_DOC_COUNT];
	groups g = {0};
	size_t n = 0;
	qt_rc rc = QT_OK;
	int r = SQLITE_DONE;

	sqlite3_bind_text(st, 1, link_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, src, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, doc_kind, -1, SQLITE_STATIC);
	while (rc == QT_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *owner = (const char *)sqlite3_column_text(st, 0), *v = "";
		const char *body = sqlite3_column_blob(st, 1);
		size_t vn = 0;
		if (!body ||
		    !json_member(body, (size_t)sqlite3_column_bytes(st, 1), field, &v, &vn))
			vn = 0;
		rc = groups_count(&g, max_groups, owner ? owner : "",
		                  (size_t)sqlite3_column_bytes(st, 0), v, vn);
	}
	if (rc == QT_OK && r != SQLITE_DONE)
		rc = db_error(s, err, "link_doc_count");
	else if (rc == QT_ERR_TOOBIG)
		qt_err_set(err, rc, "more than %zu groups", max_groups);
	else if (rc == QT_ERR_NOMEM)
		qt_err_set(err, rc, "out of memory counting %zu groups", g.used);
	sqlite3_reset(st);
	/* the groups in order, packed at the front of the table */
	for (size_t i = 0; i < g.cap; i++)
		if (g.slot[i].key)
			g.slot[n++] = g.slot[i];
	if (n)
		qsort(g.slot, n, sizeof *g.slot, by_owner_value);
	for (size_t i = 0; i < n; i++) {
		if (rc == QT_OK)
			rc = fn(ctx, g.slot[i].key, g.slot[i].key + g.slot[i].owner_len + 1,
			        g.slot[i].count);
		free(g.slot[i].key);
	}
	free(g.slot);
	return rc;
}

static qt_rc sq_scan(qt_store *base, qt_store_scan_kind kind, uint64_t from, qt_store_iter **out,
                     qt_err *err)
{
	sq_store *s = (sq_store *)base;
	qt_store_iter *it = calloc(1, sizeof *it);
	qt_rc rc = QT_OK;

	if (!it) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	it->s = s;
	it->kind = kind;
	if (sqlite3_prepare_v2(s->db, scan_sql[kind], -1, &it->stmt, NULL) != SQLITE_OK) {
		rc = db_error(s, err, "scan");
		free(it);
		it = NULL;
		goto out;
	}
	sqlite3_bind_int64(it->stmt, 1, (sqlite3_int64)from);
out:
	*out = it;
	return rc;
}

static qt_rc sq_next(qt_store_iter *it, qt_store_row *row, qt_err *err)
{
	sqlite3_stmt *st = it->stmt;
	int r = sqlite3_step(st);

	if (r == SQLITE_DONE)
		return QT_ERR_NOTFOUND;
	if (r != SQLITE_ROW)
		return db_error(it->s, err, "scan");
	memset(row, 0, sizeof *row);
	row->a = (uint64_t)sqlite3_column_int64(st, 0);
	switch (it->kind) {
	case QT_SCAN_RECORDS:
		row->blob1 = sqlite3_column_blob(st, 1);
		row->len1 = (size_t)sqlite3_column_bytes(st, 1);
		row->blob2 = sqlite3_column_blob(st, 2);
		row->len2 = (size_t)sqlite3_column_bytes(st, 2);
		row->blob3 = sqlite3_column_blob(st, 3);
		row->len3 = (size_t)sqlite3_column_bytes(st, 3);
		break;
	case QT_SCAN_NODES:
		row->b = (uint64_t)sqlite3_column_int64(st, 1);
		row->blob1 = sqlite3_column_blob(st, 2);
		row->len1 = (size_t)sqlite3_column_bytes(st, 2);
		break;
	case QT_SCAN_INDEX:
		row->text1 = (const char *)sqlite3_column_text(st, 1);
		row->text2 = (const char *)sqlite3_column_text(st, 2);
		break;
	case QT_SCAN_CHECKPOINTS:
		row->blob1 = sqlite3_column_blob(st, 1);
		row->len1 = (size_t)sqlite3_column_bytes(st, 1);
		break;
	case QT_SCAN_DOCS:
	case QT_SCAN_LINKS:
		row->text1 = (const char *)sqlite3_column_text(st, 1);
		row->text2 = (const char *)sqlite3_column_text(st, 2);
		row->blob1 = sqlite3_column_blob(st, 3);
		row->len1 = (size_t)sqlite3_column_bytes(st, 3);
		if (it->kind == QT_SCAN_DOCS) {
			row->blob2 = sqlite3_column_blob(st, 4);
			row->len2 = (size_t)sqlite3_column_bytes(st, 4);
		}
		break;
	}
	return QT_OK;
}

static void sq_scan_close(qt_store_iter *it)
{
	if (it) {
		sqlite3_finalize(it->stmt);
		free(it);
	}
}

static const qt_store_ops sqlite_ops = {
        .name = "sqlite",
        .close = sq_close,
        .begin = sq_begin,
        .commit = sq_commit,
        .rollback = sq_rollback,
        .savepoint = sq_savepoint,
        .savepoint_release = sq_savepoint_release,
        .savepoint_rollback = sq_savepoint_rollback,
        .read_begin = sq_read_begin,
        .read_end = sq_read_end,
        .data_version = sq_data_version,
        .meta_get = sq_meta_get,
        .meta_put = sq_meta_put,
        .record_count = sq_record_count,
        .record_put = sq_record_put,
        .record_get = sq_record_get,
        .node_put = sq_node_put,
        .nodes_get = sq_nodes_get,
        .index_put = sq_index_put,
        .index_find = sq_index_find,
        .checkpoint_put = sq_checkpoint_put,
        .checkpoint_latest = sq_checkpoint_latest,
        .doc_get = sq_doc_get,
        .doc_put = sq_doc_put,
        .doc_list = sq_doc_list,
        .link_put = sq_link_put,
        .link_del = sq_link_del,
        .link_list = sq_link_list,
        .link_list_back = sq_link_list_back,
        .tally_add = sq_tally_add,
        .tally_get = sq_tally_get,
        .link_doc_count = sq_link_doc_count,
        .scan = sq_scan,
        .next = sq_next,
        .scan_close = sq_scan_close,
};

static qt_rc migrate(sq_store *s, qt_err *err)
{
	sqlite3_stmt *st = NULL;
	int version = 0;
	qt_rc rc = QT_OK;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = db_error(s, err, "user_version");
		goto out;
	}
	version = sqlite3_column_int(st, 0);
	if (version > (int)N_MIGRATIONS) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "database schema version %d is newer than this qtrace (%zu)",
		                version, N_MIGRATIONS);
		goto out;
	}
	for (size_t v = (size_t)version; v < N_MIGRATIONS; v++) {
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %zu", v + 1);
		if ((rc = exec(s, "BEGIN IMMEDIATE", err)) != QT_OK)
			goto out;
		if ((rc = exec(s, migrations[v], err)) != QT_OK ||
		    (rc = exec(s, pragma, err)) != QT_OK ||
		    (rc = exec(s, "COMMIT", err)) != QT_OK) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			goto out;
		}
	}
out:
	sqlite3_finalize(st);
	return rc;
}

unsigned qt_store_sqlite_schema(void)
{
	return (unsigned)N_MIGRATIONS;
}

/* A database in WAL mode is read through its -shm index, which a reader must be able to
 * make: a regulator checking a copy on read-only media, or a file it may not write, got
 * "attempt to write a readonly database". With no log to read (no -wal file, or an empty
 * one) nothing else is in the file, so it is opened as immutable instead; a log that cannot
 * be read is said plainly, since its records would be missed. */
static qt_rc read_only_reachable(sq_store *s, const char *path, const char *vfs_name, qt_err *err)
{
	char wal[PATH_MAX + 8], uri[3 * PATH_MAX + 40];
	struct stat sb;
	size_t o;
	int rc = sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);

	if (rc == SQLITE_OK || ((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN))
		return QT_OK; /* read, or a failure the first real read reports */
	snprintf(wal, sizeof wal, "%s-wal", path);
	if (stat(wal, &sb) == 0 && sb.st_size > 0)
		return qt_err_set(err, QT_ERR_IO,
		                  "%.60s has a write-ahead log (%.60s-wal) that can be read only "
		                  "with write access to its directory: copy both somewhere "
		                  "writable and read the copy",
		                  path, path);
	o = (size_t)snprintf(uri, sizeof uri, "file:");
	for (const char *c = path; *c && o + 4 < sizeof uri; c++)
		o += (size_t)(strchr("?#%", *c) ? snprintf(uri + o, sizeof uri - o, "%%%02X",
		                                           (unsigned char)*c)
		                                : snprintf(uri + o, sizeof uri - o, "%c", *c));
	snprintf(uri + o, sizeof uri - o, "?immutable=1");
	sqlite3_close(s->db);
	s->db = NULL;
	if (sqlite3_open_v2(uri, &s->db,
	                    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
	                    vfs_name) != SQLITE_OK)
		return qt_err_set(err, QT_ERR_IO, "cannot open %s: %s", path,
		                  s->db ? sqlite3_errmsg(s->db) : "out of memory");
	sqlite3_extended_result_codes(s->db, 1);
	return QT_OK;
}

/* SQLite keeps allocation statistics nobody here reads, under one process-wide mutex taken
 * on every allocation: the server's readers on both cores queued on it. Set once, before
 * SQLite initialises itself on the first open. */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

qt_rc qt_store_sqlite_open(const char *path, const qt_store_opts *opts, qt_store **out, qt_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	static const qt_store_opts defaults = {0};
	sq_store *s = calloc(1, sizeof *s);
	struct stat sb;
	const char *vfs_name = NULL;
	char pragmas[256];
	int flags;
	qt_rc rc = QT_OK;

	*out = NULL;
	pthread_once(&once, sqlite_setup);
	if (!opts)
		opts = &defaults;
	if (!s) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	s->base.ops = &sqlite_ops;
	if (opts->create && stat(path, &sb) == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s already exists", path);
		goto fail;
	}
	if (!opts->create && stat(path, &sb) != 0) {
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "%s does not exist (run qtrace init)", path);
		goto fail;
	}
	if (opts->faults) {
		rc = qt_sqlite_vfs_new(opts->faults, &s->vfs, err);
		if (rc != QT_OK)
			goto fail;
		vfs_name = qt_sqlite_vfs_name(s->vfs);
	}
	/* The store holds sealed values in clear and token hashes: its owner's alone, like the
	 * signing key. SQLite gives its -wal and -shm files the database file's mode. */
	if (opts->create && *path) { /* "": SQLite's temporary database, its own file */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = qt_err_set(err, QT_ERR_IO, "cannot create %s: %s", path,
			                strerror(errno));
			goto fail;
		}
		close(fd);
	}
	flags = opts->read_only ? SQLITE_OPEN_READONLY
	                        : SQLITE_OPEN_READWRITE | (opts->create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db,
	                    flags | (opts->read_only ? SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_FULLMUTEX),
	                    vfs_name) != SQLITE_OK) {
		rc = qt_err_set(err, QT_ERR_IO, "cannot open %s: %s", path,
		                s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	if (opts->read_only && (rc = read_only_reachable(s, path, vfs_name, err)) != QT_OK)
		goto fail;
	/* The ledger depends on every acknowledged commit being on disk: FULL, not NORMAL. */
	snprintf(pragmas, sizeof pragmas,
	         "%sPRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-%zu;"
	         "PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;",
	         /* small pages: many writers' groups touch scattered state pages, and each
	          * dirty page goes whole into the WAL (16 KiB pages cost 64-client event
	          * ingest a third, and bought appends nothing measurable) */
	         opts->create ? "PRAGMA page_size=4096;" : "",
	         opts->cache_kib ? opts->cache_kib : (size_t)65536);
	/* A read-only pass (verify, mirroring) reads every page once: map the file instead
	 * of copying each page through read(). */
	if (opts->read_only && !opts->cache_kib &&
	    (rc = exec(s, "PRAGMA mmap_size=1073741824", err)) != QT_OK)
		goto fail;
	/* A reader that asks for a cache (the server's, one per thread) reads through it: it
	 * keeps the inner B-tree pages a lookup in a large store reads each time, and the mapped
	 * pages of a store of gigabytes were most of the server's resident memory. */
	if (opts->read_only && opts->cache_kib) {
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA cache_size=-%zu", opts->cache_kib);
		if ((rc = exec(s, pragma, err)) != QT_OK)
			goto fail;
	}
	/* a scratch store is rebuilt from the log if lost: no fsync, no WAL to copy back */
	if (opts->scratch)
		snprintf(
		        pragmas, sizeof pragmas,
		        "PRAGMA page_size=4096; PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
		        "PRAGMA cache_size=-%zu; PRAGMA temp_store=MEMORY;",
		        opts->cache_kib ? opts->cache_kib : (size_t)262144);
	if (!opts->read_only && (rc = exec(s, pragmas, err)) != QT_OK)
		goto fail;
	if (!opts->read_only && (rc = migrate(s, err)) != QT_OK)
		goto fail;
	if (!opts->read_only) {
		if (opts->faults) /* checkpoint inline: the injected faults stay deterministic */
			sqlite3_wal_hook(s->db, wal_hook, s);
		else if (!opts->scratch)
			checkpointer_start(s, path);
	}
	for (int i = 0; i < ST_MAX; i++)
		if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
		                       NULL) != SQLITE_OK) {
			rc = db_error(s, err, sql[i]);
			goto fail;
		}
	*out = &s->base;
	goto out;
fail:
	sq_close(&s->base);
out:
	return rc;
}

qt_rc qt_store_open(const char *where, const qt_store_opts *opts, qt_store **out, qt_err *err)
{
	/* Only SQLite for now; a "postgres://" URL will select the PostgreSQL backend. */
	if (strncmp(where, "postgres://", 11) == 0 || strncmp(where, "postgresql://", 13) == 0) {
		*out = NULL;
		return qt_err_set(err, QT_ERR_USAGE, "the PostgreSQL backend is not built yet");
	}
	return qt_store_sqlite_open(where, opts, out, err);
}
