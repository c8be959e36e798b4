/* replay_store.c — the scratch store as verify's replay sees it (see replay.h). Applying the
 * records again rewrote each code's document several times a transaction, each a B-tree
 * descent and a row rewritten, and copied every record and index row there for the few
 * writers that read them: documents are now held in memory until the transaction commits, and
 * records are read where they already are, in the log. */
#include <stdlib.h>
#include <string.h>

#include "core/replay.h"

/* One document, present or absent: "kind\0id\0owner\0" then the body, in mem. */
typedef struct dc_entry {
	char *mem;
	size_t cap;
	size_t kind_len, id_len, owner_len, n;
	uint64_t hash, rec;
	bool present;
	bool dirty; /* written here, not yet to the store */
	bool valid; /* false: changed inside a savepoint, read it from the store again */
} dc_entry;

typedef struct dc_store {
	qt_store base;
	qt_store_ops ops; /* this store's, with the iterator functions of the inner one */
	qt_store *in;
	qt_store *log; /* records and index rows are its, those before `below` */
	uint64_t below;
	dc_entry *e;
	size_t n, cap;
	uint32_t *slot; /* entry index + 1, 0 for empty; nslot a power of two */
	size_t nslot;
	size_t bytes, max_bytes;
	size_t dirty;
	unsigned depth; /* savepoints open */
	bool in_txn;    /* outside a transaction documents are written at once */
	qt_buf body, owner;
} dc_store;

static uint64_t key_hash(const char *kind, size_t kn, const char *id, size_t in)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a over kind, NUL, id */
	for (size_t i = 0; i < kn; i++)
		h = (h ^ (unsigned char)kind[i]) * 1099511628211ull;
	h *= 1099511628211ull;
	for (size_t i = 0; i < in; i++)
		h = (h ^ (unsigned char)id[i]) * 1099511628211ull;
	return h;
}

static const char *e_id(const dc_entry *e)
{
	return e->mem + e->kind_len + 1;
}

static const char *e_owner(const dc_entry *e)
{
	return e_id(e) + e->id_len + 1;
}

static const char *e_body(const dc_entry *e)
{
	return e_owner(e) + e->owner_len + 1;
}

static void forget_all(dc_store *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->e[i].mem);
	c->n = c->bytes = c->dirty = 0;
	if (c->slot)
		memset(c->slot, 0, c->nslot * sizeof *c->slot);
}

/* Whether entry e is (kind, id). */
static bool is_key(const dc_entry *e, const char *kind, size_t kn, const char *id, size_t in,
                   uint64_t h)
{
	return e->hash == h && e->kind_len == kn && e->id_len == in &&
	       memcmp(e->mem, kind, kn) == 0 && memcmp(e_id(e), id, in) == 0;
}

/* The slot of (kind, id): its entry's, or the empty one where it would go. */
static uint32_t *slot_of(dc_store *c, const char *kind, size_t kn, const char *id, size_t in,
                         uint64_t h)
{
	size_t mask = c->nslot - 1, i = (size_t)h & mask;

	while (c->slot[i] && !is_key(&c->e[c->slot[i] - 1], kind, kn, id, in, h))
		i = (i + 1) & mask;
	return &c->slot[i];
}

static qt_rc grow(dc_store *c, qt_err *err)
{
	qt_rc rc = QT_OK;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		dc_entry *e = realloc(c->e, cap * sizeof *e);
		if (!e) {
			rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory caching documents");
			goto out;
		}
		c->e = e;
		c->cap = cap;
	}
	if (2 * (c->n + 1) > c->nslot) {
		size_t nslot = c->nslot ? c->nslot * 2 : 2048;
		uint32_t *slot = calloc(nslot, sizeof *slot);
		if (!slot) {
			rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory caching documents");
			goto out;
		}
		free(c->slot);
		c->slot = slot;
		c->nslot = nslot;
		for (size_t i = 0; i < c->n; i++) {
			const dc_entry *e = &c->e[i];
			*slot_of(c, e->mem, e->kind_len, e_id(e), e->id_len, e->hash) =
			        (uint32_t)(i + 1);
		}
	}
out:
	return rc;
}

/* (kind, id)'s entry, made (absent, invalid) when there is none; NULL: no memory. */
static dc_entry *entry(dc_store *c, const char *kind, const char *id, qt_err *err)
{
	size_t kn = strlen(kind), in = strlen(id);
	uint64_t h = key_hash(kind, kn, id, in);
	uint32_t *slot;
	dc_entry *e = NULL;

	if (grow(c, err) != QT_OK)
		goto out;
	slot = slot_of(c, kind, kn, id, in, h);
	if (*slot) {
		e = &c->e[*slot - 1];
		goto out;
	}
	e = &c->e[c->n];
	*e = (dc_entry){.cap = kn + in + 3, .kind_len = kn, .id_len = in, .hash = h};
	if (!(e->mem = malloc(e->cap))) {
		qt_err_set(err, QT_ERR_NOMEM, "out of memory caching documents");
		e = NULL;
		goto out;
	}
	memcpy(e->mem, kind, kn + 1);
	memcpy(e->mem + kn + 1, id, in + 1);
	e->mem[kn + in + 2] = '\0'; /* no owner yet */
	*slot = (uint32_t)++c->n;
	c->bytes += e->cap + sizeof *e + 2 * sizeof *slot;
out:
	return e;
}

/* e now holds owner and body (present) or nothing (absent). */
static qt_rc set(dc_store *c, dc_entry *e, bool present, const char *owner, const void *body,
                 size_t n, uint64_t rec, qt_err *err)
{
	size_t on = present && owner ? strlen(owner) : 0;
	size_t need = e->kind_len + e->id_len + 2 + on + 1 + (present ? n : 0);
	qt_rc rc = QT_OK;

	if (need > e->cap) {
		char *mem = realloc(e->mem, need);
		if (!mem) {
			rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory caching documents");
			goto out;
		}
		c->bytes += need - e->cap;
		e->mem = mem;
		e->cap = need;
	}
	e->owner_len = on;
	memcpy((char *)e_owner(e), present && owner ? owner : "", on + 1);
	e->n = present ? n : 0;
	if (e->n)
		memcpy((char *)e_body(e), body, n);
	e->present = present;
	e->rec = present ? rec : 0;
	e->valid = true;
out:
	return rc;
}

static int by_key(const void *a, const void *b)
{
	const dc_entry *x = *(const dc_entry *const *)a, *y = *(const dc_entry *const *)b;
	int d = strcmp(x->mem, y->mem);
	return d ? d : strcmp(e_id(x), e_id(y));
}

/* Writes every document held since the last flush, in key order (the store's B-tree takes
 * them in one pass); forget: then empty the cache. */
static qt_rc flush(dc_store *c, bool forget, qt_err *err)
{
	dc_entry **order = NULL;
	size_t k = 0;
	qt_rc rc = QT_OK;

	if (c->dirty && !(order = malloc(c->dirty * sizeof *order))) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory writing cached documents");
		goto out;
	}
	for (size_t i = 0; i < c->n && k < c->dirty; i++)
		if (c->e[i].dirty)
			order[k++] = &c->e[i];
	if (k) /* qsort of NULL is undefined, even of nothing */
		qsort(order, k, sizeof *order, by_key);
	for (size_t i = 0; rc == QT_OK && i < k; i++) {
		dc_entry *e = order[i];
		rc = c->in->ops->doc_put(c->in, e->mem, e_id(e), e_owner(e), e_body(e), e->n,
		                         e->rec, err);
		e->dirty = false;
	}
	c->dirty = 0;
	if (forget || rc != QT_OK)
		forget_all(c);
out:
	free(order);
	return rc;
}

static void dc_close(qt_store *s)
{
	dc_store *c = (dc_store *)s;

	forget_all(c);
	free(c->e);
	free(c->slot);
	qt_buf_free(&c->body);
	qt_buf_free(&c->owner);
	c->in->ops->close(c->in);
	free(c);
}

/* The cached entry of (kind, id), or NULL: none, or none yet made. */
static dc_entry *cached(dc_store *c, const char *kind, const char *id)
{
	size_t kn = strlen(kind), in = strlen(id);
	uint32_t *slot = c->nslot ? slot_of(c, kind, kn, id, in, key_hash(kind, kn, id, in)) : NULL;
	return slot && *slot ? &c->e[*slot - 1] : NULL;
}

/* Beyond the bound, what is held is written and the cache starts empty. */
static qt_rc bound(dc_store *c, qt_err *err)
{
	return c->bytes > c->max_bytes ? flush(c, true, err) : QT_OK;
}

static qt_rc answer(const dc_entry *e, const char *kind, const char *id, qt_buf *body,
                    qt_buf *owner, uint64_t *rec, qt_err *err)
{
	qt_rc rc = QT_OK;

	if (!e->present) {
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "no %s '%.80s'", kind, id);
		goto out;
	}
	if (body) {
		qt_buf_reset(body);
		rc = qt_buf_append(body, e_body(e), e->n);
	}
	if (rc == QT_OK && owner) {
		qt_buf_reset(owner);
		rc = qt_buf_append(owner, e_owner(e), e->owner_len);
	}
	if (rec)
		*rec = e->rec;
	if (rc != QT_OK)
		rc = qt_err_set(err, rc, "%s '%.80s' is too large to read", kind, id);
out:
	return rc;
}

static qt_rc dc_doc_get(qt_store *s, const char *kind, const char *id, qt_buf *body, qt_buf *owner,
                        uint64_t *rec, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	dc_entry *e;
	uint64_t r = 0;
	qt_rc rc = QT_OK;

	/* Inside a savepoint every entry still valid is the store's own (all was written when
	 * it began); the rest is read through and not kept, as it may yet be taken back. */
	if (c->depth) {
		e = cached(c, kind, id);
		rc = e && e->valid ? answer(e, kind, id, body, owner, rec, err)
		                   : c->in->ops->doc_get(c->in, kind, id, body, owner, rec, err);
		goto out;
	}
	if (!(e = entry(c, kind, id, err))) {
		rc = QT_ERR_NOMEM;
		goto out;
	}
	if (!e->valid) {
		rc = c->in->ops->doc_get(c->in, kind, id, &c->body, &c->owner, &r, err);
		if (rc == QT_OK)
			rc = set(c, e, true, c->owner.p, c->body.p, c->body.len, r, err);
		else if (rc == QT_ERR_NOTFOUND)
			rc = set(c, e, false, NULL, NULL, 0, 0, err);
		if (rc != QT_OK)
			goto out;
	}
	if ((rc = answer(e, kind, id, body, owner, rec, err)) == QT_OK)
		rc = bound(c, err);
out:
	return rc;
}

static qt_rc dc_doc_put(qt_store *s, const char *kind, const char *id, const char *owner,
                        const void *body, size_t n, uint64_t rec, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	dc_entry *e;
	qt_rc rc;

	if (c->depth || !c->in_txn) {
		if ((e = cached(c, kind, id)) != NULL)
			e->valid = false;
		rc = c->in->ops->doc_put(c->in, kind, id, owner, body, n, rec, err);
		goto out;
	}
	if (!(e = entry(c, kind, id, err))) {
		rc = QT_ERR_NOMEM;
		goto out;
	}
	if ((rc = set(c, e, true, owner, body, n, rec, err)) != QT_OK)
		goto out;
	c->dirty += !e->dirty;
	e->dirty = true;
	rc = bound(c, err);
out:
	return rc;
}

/* ---- transactions: what is held is written at commit and forgotten at rollback ---- */

static qt_rc dc_begin(qt_store *s, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	qt_rc rc = c->in->ops->begin(c->in, err);

	c->in_txn = rc == QT_OK;
	return rc;
}

static qt_rc dc_commit(qt_store *s, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	qt_rc rc = flush(c, false, err);

	if (rc != QT_OK)
		c->in->ops->rollback(c->in);
	else if ((rc = c->in->ops->commit(c->in, err)) != QT_OK)
		forget_all(c);
	c->in_txn = false;
	c->depth = 0;
	return rc;
}

static void dc_rollback(qt_store *s)
{
	dc_store *c = (dc_store *)s;
	forget_all(c);
	c->depth = 0;
	c->in_txn = false;
	c->in->ops->rollback(c->in);
}

static qt_rc dc_savepoint(qt_store *s, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	qt_rc rc = flush(c, false, err);

	if (rc == QT_OK && (rc = c->in->ops->savepoint(c->in, err)) == QT_OK)
		c->depth++;
	return rc;
}

static qt_rc dc_savepoint_release(qt_store *s, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	qt_rc rc = c->in->ops->savepoint_release(c->in, err);

	c->depth -= c->depth > 0;
	return rc;
}

static void dc_savepoint_rollback(qt_store *s)
{
	dc_store *c = (dc_store *)s;
	c->in->ops->savepoint_rollback(c->in);
	c->depth -= c->depth > 0;
}

/* ---- what reads documents otherwise sees the ones held: they are written first ---- */

static qt_rc dc_doc_list(qt_store *s, const char *kind, const char *owner, const char *after,
                         size_t limit, qt_store_doc_fn fn, void *ctx, size_t *found, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	qt_rc rc = flush(c, false, err);
	return rc == QT_OK
	               ? c->in->ops->doc_list(c->in, kind, owner, after, limit, fn, ctx, found, err)
	               : rc;
}

static qt_rc dc_link_doc_count(qt_store *s, const char *link_kind, const char *src,
                               const char *doc_kind, const char *field, size_t max_groups,
                               qt_store_group_fn fn, void *ctx, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	qt_rc rc = flush(c, false, err);
	return rc == QT_OK ? c->in->ops->link_doc_count(c->in, link_kind, src, doc_kind, field,
	                                                max_groups, fn, ctx, err)
	                   : rc;
}

static qt_rc dc_scan(qt_store *s, qt_store_scan_kind kind, uint64_t from, qt_store_iter **it,
                     qt_err *err)
{
	dc_store *c = (dc_store *)s;
	qt_rc rc = kind == QT_SCAN_DOCS ? flush(c, false, err) : QT_OK;
	return rc == QT_OK ? c->in->ops->scan(c->in, kind, from, it, err) : rc;
}

/* ---- links: sets known to be empty are remembered ---- */

/* Each code moved is asked for what is packed in it, and nineteen in twenty hold nothing:
 * those answers are kept as entries of their own kind ("\1" and the link kind, which no
 * document kind begins with), until a link is added to the set. Only outside savepoints,
 * where nothing learnt can be taken back. */
static bool empty_kind(const char *kind, char out[64])
{
	size_t n = strlen(kind);
	bool fits = n + 2 <= 64;

	if (fits) {
		out[0] = '\1';
		memcpy(out + 1, kind, n + 1);
	}
	return fits;
}

static qt_rc dc_link_put(qt_store *s, const char *kind, const char *src, const char *dst,
                         qt_err *err)
{
	dc_store *c = (dc_store *)s;
	dc_entry *e;
	char ek[64];

	if (empty_kind(kind, ek) && (e = cached(c, ek, src)) != NULL)
		e->valid = false;
	return c->in->ops->link_put(c->in, kind, src, dst, err);
}

static qt_rc dc_link_list(qt_store *s, const char *kind, const char *src, const char *after,
                          size_t limit, qt_store_link_fn fn, void *ctx, size_t *found, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	bool learn = (!after || !*after) && limit > 0 && c->depth == 0;
	char ek[64];
	dc_entry *e = NULL;
	qt_rc rc;

	learn = learn && empty_kind(kind, ek);
	if (learn && (e = cached(c, ek, src)) != NULL && e->valid && e->present) {
		*found = 0;
		rc = QT_OK;
		goto out;
	}
	rc = c->in->ops->link_list(c->in, kind, src, after, limit, fn, ctx, found, err);
	if (rc == QT_OK && learn && *found == 0 && (e = entry(c, ek, src, err)) != NULL &&
	    (rc = set(c, e, true, "", "", 0, 0, err)) == QT_OK)
		rc = bound(c, err);
out:
	return rc;
}

/* ---- the rest goes straight through ---- */

#define IN(s) (((dc_store *)(s))->in)

static qt_rc dc_read_begin(qt_store *s, qt_err *err)
{
	return IN(s)->ops->read_begin(IN(s), err);
}

static void dc_read_end(qt_store *s)
{
	IN(s)->ops->read_end(IN(s));
}

static uint64_t dc_data_version(qt_store *s)
{
	return IN(s)->ops->data_version(IN(s));
}

static qt_rc dc_meta_get(qt_store *s, const char *key, qt_buf *out, qt_err *err)
{
	return IN(s)->ops->meta_get(IN(s), key, out, err);
}

static qt_rc dc_meta_put(qt_store *s, const char *key, const char *value, qt_err *err)
{
	return IN(s)->ops->meta_put(IN(s), key, value, err);
}

/* ---- records and index rows: the log's, as if it ended before the one being applied ---- */

static qt_rc dc_record_count(qt_store *s, uint64_t *count, qt_err *err)
{
	(void)err;
	*count = ((dc_store *)s)->below;
	return QT_OK;
}

static qt_rc dc_record_put(qt_store *s, uint64_t index, const void *leaf, size_t n,
                           const qt_hash *leaf_hash, const void *sealed, size_t sealed_len,
                           qt_err *err)
{
	(void)s, (void)leaf, (void)n, (void)leaf_hash, (void)sealed, (void)sealed_len;
	return qt_err_set(err, QT_ERR_INVALID, "record %llu: a replay writes no records",
	                  (unsigned long long)index);
}

static qt_rc dc_record_get(qt_store *s, uint64_t index, qt_buf *leaf, qt_buf *sealed, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	return index < c->below ? c->log->ops->record_get(c->log, index, leaf, sealed, err)
	                        : qt_err_set(err, QT_ERR_NOTFOUND, "no record %llu",
	                                     (unsigned long long)index);
}

static qt_rc dc_index_put(qt_store *s, const char *name, const char *key, uint64_t record,
                          qt_err *err)
{
	(void)s, (void)name, (void)key;
	return qt_err_set(err, QT_ERR_INVALID, "record %llu: a replay writes no index rows",
	                  (unsigned long long)record);
}

static qt_rc dc_index_find(qt_store *s, const char *name, const char *key, uint64_t after,
                           uint64_t *records, size_t max, size_t *found, qt_err *err)
{
	dc_store *c = (dc_store *)s;
	qt_rc rc = c->log->ops->index_find(c->log, name, key, after, records, max, found, err);

	/* ascending: the later records are at the end */
	while (rc == QT_OK && *found && records[*found - 1] >= c->below)
		(*found)--;
	return rc;
}

static qt_rc dc_node_put(qt_store *s, unsigned level, uint64_t index, const qt_hash *h, qt_err *err)
{
	return IN(s)->ops->node_put(IN(s), level, index, h, err);
}

static qt_rc dc_nodes_get(qt_store *s, unsigned level, uint64_t first, size_t count, qt_hash *h,
                          qt_err *err)
{
	return IN(s)->ops->nodes_get(IN(s), level, first, count, h, err);
}

static qt_rc dc_checkpoint_put(qt_store *s, uint64_t size, const char *note, size_t n, qt_err *err)
{
	return IN(s)->ops->checkpoint_put(IN(s), size, note, n, err);
}

static qt_rc dc_checkpoint_latest(qt_store *s, uint64_t *size, qt_buf *note, qt_err *err)
{
	return IN(s)->ops->checkpoint_latest(IN(s), size, note, err);
}

static qt_rc dc_link_del(qt_store *s, const char *kind, const char *src, const char *dst,
                         qt_err *err)
{
	return IN(s)->ops->link_del(IN(s), kind, src, dst, err);
}

static qt_rc dc_link_list_back(qt_store *s, const char *kind, const char *src, const char *before,
                               size_t limit, qt_store_link_fn fn, void *ctx, size_t *found,
                               qt_err *err)
{
	return IN(s)->ops->link_list_back(IN(s), kind, src, before, limit, fn, ctx, found, err);
}

static qt_rc dc_tally_add(qt_store *s, const char *kind, const char *id, uint64_t count,
                          const char *first, const char *last, qt_err *err)
{
	return IN(s)->ops->tally_add(IN(s), kind, id, count, first, last, err);
}

static qt_rc dc_tally_get(qt_store *s, const char *kind, const char *id, qt_tally *out, qt_err *err)
{
	return IN(s)->ops->tally_get(IN(s), kind, id, out, err);
}

qt_rc qt_replay_store_open(qt_store *inner, qt_store *log, size_t max_bytes, qt_store **out,
                           qt_err *err)
{
	dc_store *c = calloc(1, sizeof *c);
	qt_rc rc = QT_OK;

	*out = NULL;
	if (!c) {
		inner->ops->close(inner);
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory for a document cache");
		goto out;
	}
	c->in = inner;
	c->log = log;
	c->max_bytes = max_bytes;
	qt_buf_init(&c->body, (size_t)1 << 26);
	qt_buf_init(&c->owner, 4096);
	c->ops = (qt_store_ops){
	        .name = inner->ops->name,
	        .close = dc_close,
	        .begin = dc_begin,
	        .commit = dc_commit,
	        .rollback = dc_rollback,
	        .savepoint = dc_savepoint,
	        .savepoint_release = dc_savepoint_release,
	        .savepoint_rollback = dc_savepoint_rollback,
	        .read_begin = dc_read_begin,
	        .read_end = dc_read_end,
	        .data_version = dc_data_version,
	        .meta_get = dc_meta_get,
	        .meta_put = dc_meta_put,
	        .record_count = dc_record_count,
	        .record_put = dc_record_put,
	        .record_get = dc_record_get,
	        .node_put = dc_node_put,
	        .nodes_get = dc_nodes_get,
	        .index_put = dc_index_put,
	        .index_find = dc_index_find,
	        .checkpoint_put = dc_checkpoint_put,
	        .checkpoint_latest = dc_checkpoint_latest,
	        .doc_get = dc_doc_get,
	        .doc_put = dc_doc_put,
	        .doc_list = dc_doc_list,
	        .link_put = dc_link_put,
	        .link_del = dc_link_del,
	        .link_list = dc_link_list,
	        .link_list_back = dc_link_list_back,
	        .link_doc_count = dc_link_doc_count,
	        .tally_add = dc_tally_add,
	        .tally_get = dc_tally_get,
	        .scan = dc_scan,
	        /* iterators are the inner store's own */
	        .next = inner->ops->next,
	        .scan_close = inner->ops->scan_close,
	};
	c->base.ops = &c->ops;
	*out = &c->base;
out:
	return rc;
}

void qt_replay_store_at(qt_store *s, uint64_t below)
{
	((dc_store *)s)->below = below;
}
