/* log.c — the ledger's write path: record → canonical leaf (JCS, non-public fields sealed by
 * salted SHA-256) → one store transaction per group (records with their sealed values, index
 * rows, Merkle nodes, and the new signed checkpoint) → one fsync → receipts. See verify.c for
 * the reader. */
#include "ledger/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ledger/jcs.h"
#include "ledger/ledger_internal.h"
#include "util/random.h"
#include "util/sha256.h"
#include "util/timefmt.h"

/* ---- records → leaves ------------------------------------------------------------------ */

static bool valid_type(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n == 0 || n > QT_LEDGER_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

bool qt_ledger_valid_field(const char *f)
{
	size_t n = strlen(f);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((f[i] >= 'a' && f[i] <= 'z') || (f[i] >= '0' && f[i] <= '9') || f[i] == '_'))
			return false;
	return true;
}

void qt_ledger_commitment(const uint8_t *salt, const void *value, size_t n,
                          char out[QT_COMMITMENT_B64_LEN])
{
	const qt_sha256_part parts[] = {{salt, QT_LEDGER_SALT_LEN}, {value, n}};
	static const char b64[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t h[QT_SHA256_LEN + 1] = {0}; /* one zero byte past the hash for the last group */
	size_t o = 0;

	_Static_assert(QT_COMMITMENT_B64_LEN == (QT_SHA256_LEN + 2) / 3 * 4 + 1, "commitment size");
	qt_sha256(parts, 2, h);
	/* Standard padded base64, as sodium_bin2base64(..._VARIANT_ORIGINAL) writes it, but
	 * without its constant-time table lookups: a commitment is public, and encoding it was a
	 * tenth of `qtrace verify`'s time. */
	for (size_t i = 0; i < QT_SHA256_LEN; i += 3) {
		uint32_t v = (uint32_t)h[i] << 16 | (uint32_t)h[i + 1] << 8 | h[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < QT_SHA256_LEN ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < QT_SHA256_LEN ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

void qt_prepared_free(qt_prepared *p)
{
	if (!p->pooled) {
		qt_buf_free(&p->leaf);
		qt_buf_free(&p->sealed);
	}
}

/* ---- the stored form of sealed fields ----------------------------------------------------
 * Per field, in field-name order: u8 name length, name, salt, u32 little-endian value
 * length, value (its JCS). Only the store holds it; the leaf has the commitments. */

static qt_rc sealed_put(qt_buf *b, const char *field, const uint8_t *salt, const json_t *value,
                        qt_err *err)
{
	uint8_t nlen = (uint8_t)strlen(field), vlen[4];
	size_t at;
	qt_rc rc;

	if ((rc = qt_buf_append(b, &nlen, 1)) != QT_OK ||
	    (rc = qt_buf_append(b, field, nlen)) != QT_OK ||
	    (rc = qt_buf_append(b, salt, QT_LEDGER_SALT_LEN)) != QT_OK ||
	    (rc = qt_buf_append(b, "\0\0\0\0", 4)) != QT_OK)
		goto out;
	at = b->len;
	if ((rc = qt_jcs_encode(value, b, err)) != QT_OK)
		goto out;
	for (int i = 0; i < 4; i++)
		vlen[i] = (uint8_t)((b->len - at) >> (8 * i));
	memcpy(b->p + at - 4, vlen, 4);
out:
	return rc;
}

bool qt_sealed_next(const uint8_t **p, const uint8_t *end, qt_sealed_field *f)
{
	const uint8_t *s = *p;
	size_t vlen;

	if (s >= end || (size_t)(end - s) < 1u + s[0] + QT_LEDGER_SALT_LEN + 4 || s[0] == 0 ||
	    s[0] > 64)
		return false;
	memcpy(f->field, s + 1, s[0]);
	f->field[s[0]] = '\0';
	f->field_len = s[0];
	s += 1 + s[0];
	f->salt = s;
	s += QT_LEDGER_SALT_LEN;
	vlen = (size_t)s[0] | (size_t)s[1] << 8 | (size_t)s[2] << 16 | (size_t)s[3] << 24;
	s += 4;
	if ((size_t)(end - s) < vlen)
		return false;
	f->value = s;
	f->value_len = vlen;
	*p = s + vlen;
	return true;
}

static int cmp_field(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define PUT(lit) qt_buf_append(&p->leaf, lit, sizeof lit - 1)

/* The leaf is laid out by hand in canonical order (body, keys, sealed, ts, type: the top-level
 * names sorted), with only the caller's body going through the general encoder. p's buffers
 * are emptied first and keep what memory they have. */
static qt_rc prepare_into(const qt_record *r, qt_prepared *p, qt_err *err)
{
	const char *fields[QT_LEDGER_SEALED_MAX];
	size_t n_fields = 0;
	char ts[64];
	const char *t = r->ts;
	qt_rc rc = QT_OK;

	qt_buf_reset(&p->leaf);
	qt_buf_reset(&p->sealed);
	if (!valid_type(r->type)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "record type must be 1 to %d characters of a-z 0-9 . _ -",
		                QT_LEDGER_TYPE_MAX);
		goto out;
	}
	if (r->body && !json_is_object(r->body)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "record body must be a JSON object");
		goto out;
	}
	if (t && !qt_time_valid(t)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "record time '%.40s' is not RFC 3339 UTC (2026-01-31T08:00:00Z)",
		                t);
		goto out;
	}
	if (r->n_keys > QT_LEDGER_KEYS_MAX) {
		rc = qt_err_set(err, QT_ERR_INVALID, "more than %d index keys in one record",
		                QT_LEDGER_KEYS_MAX);
		goto out;
	}
	if (r->private_fields && !json_is_object(r->private_fields)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "private fields must be a JSON object");
		goto out;
	}
	if (r->private_fields && json_object_size(r->private_fields) > QT_LEDGER_SEALED_MAX) {
		rc = qt_err_set(err, QT_ERR_INVALID, "more than %d private fields in one record",
		                QT_LEDGER_SEALED_MAX);
		goto out;
	}
	if (!t) {
		qt_time_now(ts);
		t = ts;
	}

	/* most records fit in 512 bytes: one allocation, not one per doubling */
	rc = qt_buf_reserve(&p->leaf, 512);
	if (rc == QT_OK)
		rc = PUT("{\"body\":");
	if (rc == QT_OK && r->body)
		rc = qt_jcs_encode(r->body, &p->leaf, err);
	else if (rc == QT_OK)
		rc = PUT("{}");
	if (rc != QT_OK)
		goto toobig;

	if (r->n_keys) {
		rc = PUT(",\"keys\":[");
		for (size_t i = 0; i < r->n_keys && rc == QT_OK; i++) {
			const char *k = r->keys[i];
			size_t kn = k ? strlen(k) : 0;
			qt_err why;
			if (kn == 0 || kn > QT_LEDGER_KEY_MAX ||
			    (i > 0 && (rc = PUT(",")) != QT_OK) ||
			    qt_jcs_string(k, kn, &p->leaf, &why) != QT_OK) {
				rc = qt_err_set(err, rc == QT_OK ? QT_ERR_INVALID : rc,
				                "index key %zu must be 1 to %d bytes of UTF-8",
				                i + 1, QT_LEDGER_KEY_MAX);
				goto out;
			}
			for (size_t j = 0; j < i; j++)
				if (strcmp(r->keys[j], k) == 0) {
					rc = qt_err_set(err, QT_ERR_INVALID,
					                "index key '%.60s' is listed twice", k);
					goto out;
				}
		}
		if (rc != QT_OK || (rc = PUT("]")) != QT_OK)
			goto toobig;
	}

	if (r->private_fields) {
		const char *field;
		json_t *value;
		json_object_foreach((json_t *)r->private_fields, field, value)
		{
			if (!qt_ledger_valid_field(field)) {
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "private field name '%.64s' must be 1 to 64 of a-z 0-9 _",
				        field);
				goto out;
			}
			if (r->body && json_object_get(r->body, field)) {
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "field '%s' is both public and private", field);
				goto out;
			}
			fields[n_fields++] = field;
		}
		/* field names are ASCII, so byte order is JCS's UTF-16 order */
		qsort(fields, n_fields, sizeof fields[0], cmp_field);
	}
	for (size_t i = 0; i < n_fields; i++) {
		uint8_t salt[QT_LEDGER_SALT_LEN];
		char b64[QT_COMMITMENT_B64_LEN];
		size_t at = p->sealed.len;
		const uint8_t *v;
		qt_sealed_field sf;

		if ((rc = qt_random(salt, sizeof salt)) != QT_OK) {
			rc = qt_err_set(err, rc, "the random source failed");
			goto out;
		}
		rc = sealed_put(&p->sealed, fields[i], salt,
		                json_object_get(r->private_fields, fields[i]), err);
		if (rc != QT_OK)
			goto toobig;
		v = (const uint8_t *)p->sealed.p + at;
		if (!qt_sealed_next(&v, (const uint8_t *)p->sealed.p + p->sealed.len, &sf)) {
			rc = qt_err_set(err, QT_ERR_INVALID, "private field '%s' is too large",
			                fields[i]);
			goto out;
		}
		qt_ledger_commitment(salt, sf.value, sf.value_len, b64);
		if ((rc = i == 0 ? PUT(",\"sealed\":{") : PUT(",")) != QT_OK ||
		    (rc = qt_jcs_string(fields[i], strlen(fields[i]), &p->leaf, err)) != QT_OK ||
		    (rc = PUT(":\"")) != QT_OK ||
		    (rc = qt_buf_append(&p->leaf, b64, QT_COMMITMENT_B64_LEN - 1)) != QT_OK ||
		    (rc = PUT("\"")) != QT_OK || (i + 1 == n_fields && (rc = PUT("}")) != QT_OK))
			goto toobig;
	}

	if ((rc = PUT(",\"ts\":")) != QT_OK ||
	    (rc = qt_jcs_string(t, strlen(t), &p->leaf, err)) != QT_OK ||
	    (rc = PUT(",\"type\":")) != QT_OK ||
	    (rc = qt_jcs_string(r->type, strlen(r->type), &p->leaf, err)) != QT_OK ||
	    (rc = PUT("}")) != QT_OK)
		goto toobig;
	qt_merkle_leaf_hash(p->leaf.p, p->leaf.len, &p->leaf_hash);
	p->keys = r->keys;
	p->n_keys = r->n_keys;
	goto out;
toobig:
	if (rc == QT_ERR_TOOBIG)
		rc = qt_err_set(err, QT_ERR_TOOBIG, "record is larger than %d bytes",
		                QT_LEDGER_LEAF_MAX);
	else if (rc == QT_ERR_NOMEM)
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
out:
	return rc;
}

#undef PUT

qt_rc qt_ledger_prepare(const qt_record *r, qt_prepared *p, qt_err *err)
{
	qt_rc rc;

	memset(p, 0, sizeof *p);
	qt_buf_init(&p->leaf, QT_LEDGER_LEAF_MAX);
	qt_buf_init(&p->sealed, QT_LEDGER_LEAF_MAX);
	if ((rc = prepare_into(r, p, err)) != QT_OK)
		qt_prepared_free(p);
	return rc;
}

/* ---- node cache: nodes touched by one group, so its receipts cost no extra reads ------- */

#define CACHE_BITS 16
#define CACHE_SIZE (1u << CACHE_BITS)

static uint64_t node_key(unsigned level, uint64_t index)
{
	return ((uint64_t)level << 56) ^ index;
}

static qt_node_slot *cache_slot(qt_ledger *l, unsigned level, uint64_t index, bool *hit)
{
	uint64_t k = node_key(level, index);
	uint32_t h = (uint32_t)((k * 0x9e3779b97f4a7c15ULL) >> (64 - CACHE_BITS));
	for (uint32_t probe = 0; probe < 64; probe++) {
		qt_node_slot *s = &l->cache[(h + probe) & (CACHE_SIZE - 1)];
		if (s->gen != l->cache_gen) {
			*hit = false;
			return s;
		}
		if (s->key == k) {
			*hit = true;
			return s;
		}
	}
	*hit = false;
	return NULL; /* crowded: just don't cache */
}

static void cache_put(qt_ledger *l, unsigned level, uint64_t index, const qt_hash *h)
{
	bool hit;
	qt_node_slot *s = cache_slot(l, level, index, &hit);
	if (s) {
		s->gen = l->cache_gen;
		s->key = node_key(level, index);
		s->hash = *h;
	}
}

/* The nodes a group completes form, level by level, one run of consecutive indexes: kept in
 * flat arrays they answer the group's own receipts by position, not by a hash lookup. */
static void group_nodes_start(qt_ledger *l, uint64_t base, uint64_t n)
{
	size_t off = 0;

	l->gn_base = base;
	l->gn_end = base + n;
	for (unsigned level = 0; level < QT_GROUP_LEVELS; level++) {
		l->gn_off[level] = off;
		off += (size_t)(((base + n - 1) >> level) - (base >> level) + 1);
	}
}

/* Where a node of the current group lives, or NULL: only nodes the group completed. */
static qt_hash *group_node(qt_ledger *l, unsigned level, uint64_t index)
{
	uint64_t lo;

	if (level >= QT_GROUP_LEVELS || l->gn_end == 0)
		return NULL;
	lo = l->gn_base >> level;
	if (index < lo || index > (l->gn_end - 1) >> level || ((index + 1) << level) > l->gn_end)
		return NULL;
	return &l->gn[l->gn_off[level] + (index - lo)];
}

static qt_rc node_get_cached(void *ctx, unsigned level, uint64_t index, qt_hash *out)
{
	qt_ledger *l = ctx;
	bool hit;
	qt_node_slot *s;
	qt_hash *g = group_node(l, level, index);
	qt_rc rc = QT_OK;

	if (g) {
		*out = *g;
		return QT_OK;
	}
	s = cache_slot(l, level, index, &hit);
	if (s && hit) {
		*out = s->hash;
		goto out;
	}
	rc = qt_ledger_store_node(l->store, level, index, out);
	if (rc == QT_OK && s) {
		s->gen = l->cache_gen;
		s->key = node_key(level, index);
		s->hash = *out;
	}
out:
	return rc;
}

typedef struct emit_ctx {
	qt_ledger *l;
	qt_err *err;
} emit_ctx;

static qt_rc emit_node(void *ctx, unsigned level, uint64_t index, const qt_hash *h)
{
	emit_ctx *e = ctx;
	qt_rc rc = QT_OK;
	/* Level 0 is stored with the record itself; of the levels above, every fourth. */
	if (level > 0 && level % QT_NODE_STRIDE == 0)
		rc = e->l->store->ops->node_put(e->l->store, level, index, h, e->err);
	if (rc == QT_OK) {
		qt_hash *g = group_node(e->l, level, index);
		if (g)
			*g = *h;
		else
			cache_put(e->l, level, index, h);
	}
	return rc;
}

/* ---- checkpoints ------------------------------------------------------------------------ */

/* Sign the checkpoint (size, root) into l->pending_note and stage it in the open
 * transaction; it becomes the log's checkpoint (adopt_checkpoint) only once that commits,
 * and a note whose transaction fails is never shown to anyone. */
static qt_rc stage_checkpoint(qt_ledger *l, uint64_t size, const qt_hash *root, size_t *note_len,
                              qt_err *err)
{
	qt_checkpoint cp;
	char body[QT_NOTE_MAX];
	size_t body_len;
	qt_merkle_proof proof;
	qt_rc rc;

	if (size < l->cp_size) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "refusing to sign: tree size %llu is behind checkpoint %llu",
		                (unsigned long long)size, (unsigned long long)l->cp_size);
		goto out;
	}
	/* Never sign two checkpoints that are not consistent: prove it before signing. */
	if (l->cp_size > 0 && l->cp_size < size) {
		rc = qt_merkle_consistency_proof(node_get_cached, l, l->cp_size, size, &proof);
		if (rc != QT_OK) {
			rc = qt_err_set(err, rc, "cannot read the tree to prove consistency");
			goto out;
		}
		if (!qt_merkle_verify_consistency(l->cp_size, size, &proof, &l->cp_root, root)) {
			rc = qt_err_set(
			        err, QT_ERR_INVALID,
			        "refusing to sign: tree at size %llu is not consistent with "
			        "checkpoint %llu",
			        (unsigned long long)size, (unsigned long long)l->cp_size);
			goto out;
		}
	} else if (l->cp_size == size && l->cp_note[0] &&
	           memcmp(l->cp_root.b, root->b, QT_HASH_LEN) != 0) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "refusing to sign: a different root for size %llu",
		                (unsigned long long)size);
		goto out;
	}
	snprintf(cp.origin, sizeof cp.origin, "%s", l->origin);
	cp.size = size;
	cp.root = *root;
	rc = qt_checkpoint_format(&cp, body, sizeof body, &body_len);
	if (rc != QT_OK) {
		rc = qt_err_set(err, rc, "checkpoint too large");
		goto out;
	}
	if (l->faults && l->faults->fail_sign_in > 0 && --l->faults->fail_sign_in == 0) {
		rc = qt_err_set(err, QT_ERR_IO, "signing failed (injected fault)");
		goto out;
	}
	rc = qt_note_sign(&l->signer, body, body_len, l->pending_note, sizeof l->pending_note,
	                  note_len, err);
	if (rc == QT_OK)
		rc = l->store->ops->checkpoint_put(l->store, size, l->pending_note, *note_len, err);
out:
	return rc;
}

/* The staged checkpoint is durable: it is now the one receipts carry. */
static void adopt_checkpoint(qt_ledger *l, uint64_t size, const qt_hash *root, size_t note_len)
{
	pthread_mutex_lock(&l->cp_lock);
	memcpy(l->cp_note, l->pending_note, note_len + 1);
	l->cp_note_len = note_len;
	l->cp_size = size;
	pthread_mutex_unlock(&l->cp_lock);
	l->cp_root = *root;
}

/* A checkpoint in a transaction of its own: for records a crash left uncovered. */
static qt_rc sign_checkpoint(qt_ledger *l, uint64_t size, const qt_hash *root, qt_err *err)
{
	size_t note_len;
	qt_rc rc = l->store->ops->begin(l->store, err);

	if (rc == QT_OK && (rc = stage_checkpoint(l, size, root, &note_len, err)) == QT_OK)
		rc = l->store->ops->commit(l->store, err);
	if (rc == QT_OK)
		adopt_checkpoint(l, size, root, note_len);
	else
		l->store->ops->rollback(l->store);
	return rc;
}

/* After any failure in the commit path the store, not memory, says what happened (a failed
 * fsync may or may not have left the transaction on disk): reload, then make sure the tree
 * on disk is covered by a checkpoint. */
static qt_rc resync(qt_ledger *l, qt_err *err)
{
	qt_buf note;
	uint64_t size = 0, cp_size = 0;
	qt_checkpoint cp;
	size_t text_len;
	qt_hash root;
	qt_rc rc;

	qt_buf_init(&note, QT_NOTE_MAX);
	l->cache_gen++;
	l->gn_end = 0;
	if ((rc = l->store->ops->record_count(l->store, &size, err)) != QT_OK)
		goto out;
	if ((rc = qt_merkle_builder_load(&l->tree, node_get_cached, l, size)) != QT_OK) {
		rc = qt_err_set(err, rc, "cannot load the Merkle tree of %llu leaves",
		                (unsigned long long)size);
		goto out;
	}
	rc = l->store->ops->checkpoint_latest(l->store, &cp_size, &note, err);
	if (rc != QT_OK)
		goto out;
	if ((rc = qt_note_verify(&l->verifier, note.p, note.len, &text_len, err)) != QT_OK ||
	    (rc = qt_checkpoint_parse(note.p, text_len, &cp, err)) != QT_OK)
		goto out;
	if (cp.size != cp_size || cp.size > size) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "latest checkpoint (size %llu) does not fit the stored tree (%llu)",
		                (unsigned long long)cp.size, (unsigned long long)size);
		goto out;
	}
	pthread_mutex_lock(&l->cp_lock);
	memcpy(l->cp_note, note.p, note.len);
	l->cp_note[note.len] = '\0';
	l->cp_note_len = note.len;
	l->cp_size = cp.size;
	pthread_mutex_unlock(&l->cp_lock);
	l->cp_root = cp.root;
	l->size = size;
	if (size > cp.size) {
		qt_merkle_builder_root(&l->tree, &root);
		rc = sign_checkpoint(l, size, &root, err);
		if (rc != QT_OK)
			goto out;
	}
	l->dirty = false;
out:
	qt_buf_free(&note);
	return rc;
}

/* ---- preparing a large group on a second thread ------------------------------------------
 * Turning records into leaves (canonical JSON, salts, hashes) needs nothing from the store,
 * so for a large group a helper thread prepares record i+1.. while the commit path stages
 * record i: the two halves of the work run on two cores. Once the commit path has placed
 * the job in the tree, the helper also pushes the leaves into the job's copy of the tree
 * (the Merkle node hashes), and once the job is staged it gives the leaves' memory back
 * while the commit path signs, commits and answers: the commit path's thread, the one the
 * caller waits for, does neither. */

#define FEED_MIN   512 /* smaller groups are prepared in line */
#define FEED_CHUNK 64  /* records per wake-up */

/* The helper copies each leaf into slabs the ledger keeps from group to group, preparing it in
 * buffers it reuses: a malloc and a free per leaf were a tenth of the helper's time, half of
 * that growing its heap again (and faulting the pages in) after the last group's frees had
 * given the memory back. A few idle slabs are kept; more are freed. */
#define SLAB_SIZE (1u << 20)
#define POOL_KEEP 8

typedef struct qt_slab {
	struct qt_slab *next;
	size_t used;
	char data[];
} qt_slab;

static qt_slab *slab_get(qt_ledger *l)
{
	qt_slab *s;

	pthread_mutex_lock(&l->pool_lock);
	s = l->pool;
	if (s) {
		l->pool = s->next;
		l->pool_n--;
	}
	pthread_mutex_unlock(&l->pool_lock);
	if (!s)
		s = malloc(sizeof *s + SLAB_SIZE);
	if (s) {
		s->next = NULL;
		s->used = 0;
	}
	return s;
}

static void slabs_put(qt_ledger *l, qt_slab *list)
{
	while (list) {
		qt_slab *next = list->next;
		bool keep;
		pthread_mutex_lock(&l->pool_lock);
		keep = l->pool_n < POOL_KEEP;
		if (keep) {
			list->next = l->pool;
			l->pool = list;
			l->pool_n++;
		}
		pthread_mutex_unlock(&l->pool_lock);
		if (!keep)
			free(list);
		list = next;
	}
}

typedef struct feed {
	const qt_record *recs;
	qt_prepared *ps;
	size_t n;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* both ways: records ready, leaves hashed; placed, staged */
	size_t ready;        /* records 0..ready-1 are prepared */
	bool failed;         /* record `ready` failed: why in rc, err */
	qt_rc rc;
	bool cancelled; /* the commit path gave up: stop */
	bool alone;     /* prepared in line: nothing places or releases the job */
	qt_err err;
	/* Set by the commit path (feed_place): the job's first leaf goes after tree's last. */
	bool placed;
	qt_ledger *l;           /* whose slabs hold the leaves and group arrays take the nodes */
	qt_merkle_builder tree; /* while placed, the helper's alone */
	size_t hashed;          /* leaves 0..hashed-1 are in tree */
	bool hashing;           /* the helper is pushing leaves, outside the lock */
	qt_rc hash_rc;
	bool staged;    /* the commit path is done with the leaves' bytes */
	qt_slab *slabs; /* where the leaves are, the one being filled first */
} feed;

/* Prepare record i in scratch and copy it into the feed's slabs (NUL after each part, as a
 * qt_buf keeps it). */
static qt_rc feed_prepare(feed *f, size_t i, qt_prepared *scratch, qt_err *err)
{
	qt_rc rc = prepare_into(&f->recs[i], scratch, err);
	size_t leaf_len = scratch->leaf.len, sealed_len = scratch->sealed.len;
	size_t need = leaf_len + 1 + sealed_len + 1;

	if (rc == QT_OK && (!f->slabs || SLAB_SIZE - f->slabs->used < need)) {
		qt_slab *s = slab_get(f->l);
		if (s) {
			s->next = f->slabs;
			f->slabs = s;
		} else
			rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	}
	if (rc == QT_OK) {
		qt_prepared *p = &f->ps[i];
		char *at = f->slabs->data + f->slabs->used;
		*p = *scratch;
		p->pooled = true;
		p->leaf.p = memcpy(at, scratch->leaf.p, leaf_len + 1);
		p->leaf.cap = leaf_len + 1;
		p->sealed.p = sealed_len
		                      ? memcpy(at + leaf_len + 1, scratch->sealed.p, sealed_len + 1)
		                      : NULL;
		p->sealed.cap = sealed_len ? sealed_len + 1 : 0;
		f->slabs->used += need;
	}
	return rc;
}

/* The job's nodes all complete inside the group, so each has its slot in the group's
 * arrays; a missing one would be a bug, and fails the group rather than lose the node. */
static qt_rc emit_group_node(void *ctx, unsigned level, uint64_t index, const qt_hash *h)
{
	qt_hash *g = group_node(ctx, level, index);

	if (g)
		*g = *h;
	return g ? QT_OK : QT_ERR_INVALID;
}

/* Prepare the records a chunk at a time, hashing what is prepared once the job is placed;
 * with all prepared, hash the rest; give the slabs back once the job is staged. */
static void *feed_main(void *arg)
{
	feed *f = arg;
	size_t i = 0;
	bool go = true;
	qt_prepared scratch = {0};

	qt_buf_init(&scratch.leaf, QT_LEDGER_LEAF_MAX);
	qt_buf_init(&scratch.sealed, QT_LEDGER_LEAF_MAX);
	while (go) {
		size_t stop = i + FEED_CHUNK < f->n ? i + FEED_CHUNK : f->n, from = 0;
		qt_err one;
		qt_rc rc = QT_OK;
		bool bad = false, hash = false;
		for (; i < stop; i++) {
			/* in line, the leaves must outlive this call: their own memory */
			rc = f->alone ? qt_ledger_prepare(&f->recs[i], &f->ps[i], &one)
			              : feed_prepare(f, i, &scratch, &one);
			if (rc != QT_OK) {
				bad = true;
				break;
			}
		}
		pthread_mutex_lock(&f->lock);
		f->ready = i;
		if (bad) {
			f->failed = true;
			f->rc = rc;
			f->err = one;
		}
		pthread_cond_broadcast(&f->cond);
		while (!bad && i == f->n && !f->alone && !f->cancelled && !f->staged &&
		       !(f->placed && f->hashed < i && f->hash_rc == QT_OK))
			pthread_cond_wait(&f->cond, &f->lock);
		go = !bad && !f->cancelled && !f->staged && !(f->alone && i == f->n);
		if (go && f->placed && f->hashed < i && f->hash_rc == QT_OK) {
			hash = f->hashing = true;
			from = f->hashed;
		}
		pthread_mutex_unlock(&f->lock);
		if (hash) {
			for (size_t k = from; k < i && rc == QT_OK; k++)
				rc = qt_merkle_builder_push(&f->tree, &f->ps[k].leaf_hash,
				                            emit_group_node, f->l);
			pthread_mutex_lock(&f->lock);
			f->hashing = false;
			f->hashed = i;
			f->hash_rc = rc;
			pthread_cond_broadcast(&f->cond);
			pthread_mutex_unlock(&f->lock);
		}
	}
	/* The slabs go back only once the commit path is done with the leaves' bytes (it may
	 * still be staging the records before a bad one); after that only the leaf hashes are
	 * read, for receipts. */
	pthread_mutex_lock(&f->lock);
	while (!f->alone && !f->staged && !f->cancelled)
		pthread_cond_wait(&f->cond, &f->lock);
	pthread_mutex_unlock(&f->lock);
	slabs_put(f->l, f->slabs);
	f->slabs = NULL;
	qt_prepared_free(&scratch);
	return NULL;
}

/* Wait until record i is prepared; a failed record fails the group. *ready is how many are
 * prepared now, so the caller comes back only when it has used them all (one lock per
 * chunk, not per record). */
static qt_rc feed_wait(feed *f, size_t i, size_t *ready, qt_err *err)
{
	qt_rc rc = QT_OK;

	pthread_mutex_lock(&f->lock);
	while (f->ready <= i && !f->failed)
		pthread_cond_wait(&f->cond, &f->lock);
	if (f->ready <= i)
		rc = qt_err_set(err, f->rc, "record %zu: %s", f->ready + 1, f->err.msg);
	*ready = f->ready;
	pthread_mutex_unlock(&f->lock);
	return rc;
}

/* The job's first leaf goes after the last of tree: from now on the helper hashes. */
static void feed_place(feed *f, const qt_merkle_builder *tree)
{
	pthread_mutex_lock(&f->lock);
	f->tree = *tree;
	f->hashed = 0;
	f->hash_rc = QT_OK;
	f->placed = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* With every record staged: wait for the helper to have pushed every leaf, and take the
 * tree it built. */
static qt_rc feed_hashed(feed *f, qt_merkle_builder *tree, qt_err *err)
{
	qt_rc rc;

	pthread_mutex_lock(&f->lock);
	while (f->hashed < f->n && f->hash_rc == QT_OK)
		pthread_cond_wait(&f->cond, &f->lock);
	rc = f->hash_rc;
	if (rc == QT_OK)
		*tree = f->tree;
	else
		rc = qt_err_set(err, rc, "cannot hash the Merkle nodes of the group");
	pthread_mutex_unlock(&f->lock);
	return rc;
}

/* The commit path is done with the job, staged or not: the helper stops hashing (and is
 * waited for, as the group's node arrays are about to be read or reused) and may free the
 * leaves' bytes. */
static void feed_release(feed *f)
{
	pthread_mutex_lock(&f->lock);
	f->placed = false;
	while (f->hashing)
		pthread_cond_wait(&f->cond, &f->lock);
	f->staged = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* ---- the commit path -------------------------------------------------------------------- */

/* One caller's write: its records (being prepared by a feed, or ready), its receipts, and
 * the state check that runs inside the group's transaction. */
typedef struct job {
	qt_prepared *ps;
	size_t n;
	qt_receipt *receipts; /* n of them (2 when ends), or NULL */
	bool ends;            /* receipts for the first and the last record only */
	qt_ledger_apply_fn apply;
	void *ctx;
	feed *fd; /* ps still being prepared */
	qt_rc rc;
	qt_err err;
	bool done;
	struct job *next;
} job;

/* The stored nodes (every QT_NODE_STRIDE-th level) that leaves first .. first+n-1 complete,
 * from the group's arrays, where the helper that hashed them left them. */
static qt_rc stage_nodes(qt_ledger *l, uint64_t first, size_t n, qt_err *err)
{
	qt_rc rc = QT_OK;

	for (unsigned level = QT_NODE_STRIDE; level < QT_GROUP_LEVELS && rc == QT_OK;
	     level += QT_NODE_STRIDE) {
		/* node i completes with leaf ((i + 1) << level) - 1; shifted, not multiplied,
		 * for tree sizes near 2^64 */
		for (uint64_t i = first >> level; i < (first + n) >> level && rc == QT_OK; i++)
			rc = l->store->ops->node_put(l->store, level, i, group_node(l, level, i),
			                             err);
	}
	return rc;
}

/* Stage one job: its state check and changes, then its records. A job that may fail half
 * way runs under a savepoint, so its failure takes back only its own rows. */
static qt_rc stage_job(qt_ledger *l, job *j, uint64_t first, emit_ctx *ectx, qt_err *err)
{
	const qt_store_ops *ops = l->store->ops;
	bool sp = j->apply || j->fd;
	qt_merkle_builder before;
	size_t ready = 0;
	qt_rc rc = QT_OK;

	j->rc = QT_OK;
	if (sp) {
		before = l->tree;
		if ((rc = ops->savepoint(l->store, err)) != QT_OK)
			goto out;
	}
	if (j->apply && (j->rc = j->apply(j->ctx, l->store, first, &j->err)) != QT_OK)
		goto undo;
	if (j->fd)
		feed_place(j->fd, &l->tree);
	for (size_t i = 0; i < j->n; i++) {
		const qt_prepared *p = &j->ps[i];
		uint64_t idx = first + i;
		if (j->fd && i >= ready && (j->rc = feed_wait(j->fd, i, &ready, &j->err)) != QT_OK)
			goto undo;
		if ((rc = ops->record_put(l->store, idx, p->leaf.p, p->leaf.len, &p->leaf_hash,
		                          p->sealed.p, p->sealed.len, err)) != QT_OK)
			goto out;
		for (size_t k = 0; k < p->n_keys; k++)
			if ((rc = ops->index_put(l->store, QT_INDEX_KEY, p->keys[k], idx, err)) !=
			    QT_OK)
				goto out;
		if (!j->fd && (rc = qt_merkle_builder_push(&l->tree, &p->leaf_hash, emit_node,
		                                           ectx)) != QT_OK)
			goto out;
	}
	if (j->fd && ((rc = feed_hashed(j->fd, &l->tree, err)) != QT_OK ||
	              (rc = stage_nodes(l, first, j->n, err)) != QT_OK))
		goto out;
	if (sp)
		rc = ops->savepoint_release(l->store, err);
	goto out;
undo:
	/* bad input or a broken rule, found before anything was committed: this job only */
	ops->savepoint_rollback(l->store);
	l->tree = before;
out:
	if (j->fd)
		feed_release(j->fd);
	return rc;
}

/* The receipts of n consecutive records, the first at index first, in the tree of the
 * adopted checkpoint. */
typedef struct answer_ctx {
	const qt_ledger *l;
	uint64_t first;
	const qt_prepared *ps;
	qt_receipt *receipts;
} answer_ctx;

static qt_merkle_proof *receipt_at(void *ctx, size_t i)
{
	answer_ctx *a = ctx;
	qt_receipt *r = &a->receipts[i];

	r->index = a->first + i;
	r->leaf_hash = a->ps[i].leaf_hash;
	r->tree_size = a->l->size;
	memcpy(r->checkpoint, a->l->cp_note, a->l->cp_note_len + 1);
	r->checkpoint_len = a->l->cp_note_len;
	return &r->proof;
}

static qt_rc answer(qt_ledger *l, qt_merkle_edges *edges, uint64_t first, const qt_prepared *ps,
                    size_t n, qt_receipt *receipts)
{
	answer_ctx a = {l, first, ps, receipts};
	return qt_merkle_inclusion_proofs(node_get_cached, l, first, n, l->size, edges, receipt_at,
	                                  &a);
}

/* One group: every job staged in one transaction, one fsync, one checkpoint, then receipts.
 * A job refused by its check or its input fails alone (j->rc); a store failure fails the
 * whole group (the return value). */
static qt_rc commit_jobs(qt_ledger *l, job *const *jobs, size_t n_jobs, qt_err *err)
{
	const qt_store_ops *ops = l->store->ops;
	qt_merkle_builder saved = l->tree;
	emit_ctx ectx = {l, err};
	qt_merkle_edges edges;
	qt_hash root;
	size_t note_len = 0;
	uint64_t base = l->size, idx, total = 0;
	qt_rc rc = QT_OK;

	for (size_t k = 0; k < n_jobs; k++)
		total += jobs[k]->n;
	if (l->dirty && (rc = resync(l, err)) != QT_OK)
		goto out;

	/* 1. stage: state changes, records, index rows and nodes, in one transaction */
	if ((rc = ops->begin(l->store, err)) != QT_OK ||
	    (rc = ops->record_count(l->store, &idx, err)) != QT_OK)
		goto fail;
	/* Another process (the CLI beside a running server) may have appended since our last
	 * group: now that we hold the write lock, the store says where the log ends. */
	if (idx != l->size) {
		ops->rollback(l->store);
		if ((rc = resync(l, err)) != QT_OK)
			goto out;
		if ((rc = ops->begin(l->store, err)) != QT_OK ||
		    (rc = ops->record_count(l->store, &idx, err)) != QT_OK)
			goto fail;
		if (idx != l->size) {
			rc = qt_err_set(err, QT_ERR_IO,
			                "another process keeps appending to the log");
			goto fail;
		}
	}
	base = l->size;
	saved = l->tree;
	l->cache_gen++;
	group_nodes_start(l, base, total);
	for (size_t k = 0; k < n_jobs; k++) {
		if ((rc = stage_job(l, jobs[k], idx, &ectx, err)) != QT_OK)
			goto fail;
		if (jobs[k]->rc == QT_OK)
			idx += jobs[k]->n;
	}
	l->gn_end = idx > base ? idx : 0; /* only what was staged */
	/* 2. sign the new tree head and stage it with the records (unless every job was
	 * refused), so that 3. one commit, one fsync, makes both durable together */
	if (idx > base) {
		qt_merkle_builder_root(&l->tree, &root);
		if ((rc = stage_checkpoint(l, idx, &root, &note_len, err)) != QT_OK)
			goto fail;
	}
	if ((rc = ops->commit(l->store, err)) != QT_OK)
		goto fail;
	l->size = idx;
	if (idx == base)
		goto out;
	adopt_checkpoint(l, idx, &root, note_len);

	/* 4. answer (proof reads in one snapshot) */
	qt_merkle_edges_init(&edges, l->size);
	if ((rc = ops->read_begin(l->store, err)) != QT_OK)
		goto out;
	idx = base;
	for (size_t k = 0; k < n_jobs && rc == QT_OK; k++) {
		job *j = jobs[k];
		if (j->rc != QT_OK)
			continue;
		if (j->receipts && !j->ends)
			rc = answer(l, &edges, idx, j->ps, j->n, j->receipts);
		else if (j->receipts) {
			/* a large job's middle goes unanswered */
			rc = answer(l, &edges, idx, j->ps, 1, j->receipts);
			if (rc == QT_OK && j->n > 1)
				rc = answer(l, &edges, idx + j->n - 1, j->ps + j->n - 1, 1,
				            j->receipts + 1);
		}
		if (rc != QT_OK)
			rc = qt_err_set(err, rc, "cannot read the tree for a receipt");
		idx += j->n;
	}
	ops->read_end(l->store);
	goto out;
fail:
	ops->rollback(l->store);
	l->gn_end = 0;
	l->tree = saved;
	l->size = base;
	l->dirty = true;
out:
	return rc;
}

/* Group commit: whoever finds no commit running becomes the leader and commits what is
 * queued, up to a group's worth of records; the others wait for their answer. */
static qt_rc run_job(qt_ledger *l, job *me, qt_err *err)
{
	pthread_mutex_lock(&l->queue_lock);
	me->next = NULL;
	me->done = false;
	*l->queue_tail = me;
	l->queue_tail = &me->next;
	l->queued++;
	while (!me->done) {
		if (!l->committing) {
			job *batch = l->queue, *p = batch;
			job **js = l->batch_jobs;
			size_t n = 0, records = 0;
			qt_err gerr;
			qt_rc grc;

			while (p && n < QT_LEDGER_GROUP_MAX &&
			       (n == 0 || records + p->n <= QT_LEDGER_GROUP_MAX)) {
				records += p->n;
				js[n++] = p;
				p = p->next;
			}
			l->queue = p;
			if (!p)
				l->queue_tail = &l->queue;
			l->queued -= n;
			l->committing = true;
			pthread_mutex_unlock(&l->queue_lock);

			pthread_mutex_lock(&l->lock);
			grc = commit_jobs(l, js, n, &gerr);
			pthread_mutex_unlock(&l->lock);

			pthread_mutex_lock(&l->queue_lock);
			l->stats.commits++;
			for (size_t i = 0; i < n; i++) {
				/* the group failed for a reason of the platform's, not the writer's
				 */
				if (grc != QT_OK) {
					js[i]->rc = grc == QT_ERR_NOMEM ? grc : QT_ERR_IO;
					js[i]->err = gerr;
				}
				if (js[i]->rc == QT_OK)
					l->stats.jobs_ok++;
				else
					l->stats.jobs_refused++;
				js[i]->done = true;
			}
			l->committing = false;
			pthread_cond_broadcast(&l->queue_cond);
		} else {
			pthread_cond_wait(&l->queue_cond, &l->queue_lock);
		}
	}
	pthread_mutex_unlock(&l->queue_lock);
	if (me->rc != QT_OK && err)
		*err = me->err;
	return me->rc;
}

static qt_rc submit(qt_ledger *l, const qt_record *recs, size_t n, qt_ledger_apply_fn apply,
                    void *ctx, qt_receipt *receipts, bool ends, qt_err *err)
{
	job me = {.n = n, .receipts = receipts, .ends = ends, .apply = apply, .ctx = ctx};
	feed fd = {.recs = recs, .n = n, .l = l};
	pthread_t feeder;
	bool threaded = false;
	qt_rc rc = QT_OK;

	if (n > QT_LEDGER_GROUP_MAX || (n == 0 && !apply)) {
		rc = qt_err_set(err, QT_ERR_INVALID, "a group holds 1 to %d records",
		                QT_LEDGER_GROUP_MAX);
		goto out;
	}
	if (n && !(me.ps = calloc(n, sizeof *me.ps))) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	fd.ps = me.ps;
	pthread_mutex_init(&fd.lock, NULL);
	pthread_cond_init(&fd.cond, NULL);
	/* A large job's leaves are prepared beside its staging; a small one's right here,
	 * so that a bad record is refused before it queues. */
	if (n >= FEED_MIN && pthread_create(&feeder, NULL, feed_main, &fd) == 0) {
		threaded = true;
		me.fd = &fd;
	} else {
		fd.alone = true;
		feed_main(&fd);
		if (fd.failed)
			rc = qt_err_set(err, fd.rc, "record %zu: %s", fd.ready + 1, fd.err.msg);
	}
	if (rc == QT_OK)
		rc = run_job(l, &me, err);
	if (threaded) {
		/* the helper may be waiting to hash or to give its slabs back */
		pthread_mutex_lock(&fd.lock);
		fd.cancelled = true;
		pthread_cond_broadcast(&fd.cond);
		pthread_mutex_unlock(&fd.lock);
		pthread_join(feeder, NULL);
	}
	pthread_mutex_destroy(&fd.lock);
	pthread_cond_destroy(&fd.cond);
out:
	for (size_t i = 0; me.ps && i < n; i++)
		qt_prepared_free(&me.ps[i]);
	free(me.ps);
	return rc;
}

qt_rc qt_ledger_submit_job(qt_ledger *l, const qt_record *recs, size_t n, qt_ledger_apply_fn apply,
                           void *ctx, qt_receipt *receipts, qt_err *err)
{
	return submit(l, recs, n, apply, ctx, receipts, false, err);
}

qt_rc qt_ledger_submit_job_ends(qt_ledger *l, const qt_record *recs, size_t n,
                                qt_ledger_apply_fn apply, void *ctx, qt_receipt receipts[2],
                                qt_err *err)
{
	return submit(l, recs, n, apply, ctx, receipts, true, err);
}

qt_rc qt_ledger_append(qt_ledger *l, const qt_record *recs, size_t n, qt_receipt *receipts,
                       qt_err *err)
{
	return submit(l, recs, n, NULL, NULL, receipts, false, err);
}

qt_rc qt_ledger_submit(qt_ledger *l, const qt_record *rec, qt_receipt *receipt, qt_err *err)
{
	return submit(l, rec, 1, NULL, NULL, receipt, false, err);
}

/* ---- open, init, close ------------------------------------------------------------------ */

static qt_rc read_key_file(const char *path, qt_signer *s, qt_err *err)
{
	char text[512];
	FILE *f = fopen(path, "r");
	size_t n;
	struct stat sb;
	qt_rc rc = QT_OK;

	if (!f) {
		rc = qt_err_set(err, QT_ERR_IO, "cannot open the signing key %s: %s", path,
		                strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "signing key %s is readable by others (mode %03o); chmod 600 it",
		                path, (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	n = fread(text, 1, sizeof text - 1, f);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	text[n] = '\0';
	rc = qt_note_signer_parse(text, n, s, err);
	sodium_memzero(text, sizeof text);
out:
	if (f)
		fclose(f);
	return rc;
}

static void key_path_of(const char *db, const qt_ledger_opts *opts, char *out, size_t n)
{
	if (opts && opts->key_path)
		snprintf(out, n, "%s", opts->key_path);
	else
		snprintf(out, n, "%s.key", db);
}

qt_rc qt_ledger_open(const char *db, const qt_ledger_opts *opts, qt_ledger **out, qt_err *err)
{
	qt_ledger *l = NULL;
	qt_store_opts so = {0};
	qt_buf meta;
	qt_verifier stored;
	char key_path[4096];
	qt_rc rc = QT_OK;

	*out = NULL;
	qt_buf_init(&meta, 4096);
	if (sodium_init() < 0) {
		rc = qt_err_set(err, QT_ERR_IO, "libsodium failed to initialise");
		goto out;
	}
	l = calloc(1, sizeof *l);
	if (!l || !(l->cache = calloc(CACHE_SIZE, sizeof *l->cache)) ||
	    !(l->gn = calloc(2 * QT_LEDGER_GROUP_MAX + 2 * QT_GROUP_LEVELS, sizeof *l->gn)) ||
	    !(l->batch_jobs = calloc(QT_LEDGER_GROUP_MAX, sizeof *l->batch_jobs))) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_mutex_init(&l->cp_lock, NULL);
	pthread_mutex_init(&l->queue_lock, NULL);
	pthread_cond_init(&l->queue_cond, NULL);
	pthread_mutex_init(&l->pool_lock, NULL);
	l->queue_tail = &l->queue;
	l->cache_gen = 1;
	l->faults = opts ? opts->faults : NULL;
	so.faults = l->faults ? &l->faults->store : NULL;
	if ((rc = qt_store_open(db, &so, &l->store, err)) != QT_OK)
		goto fail;
	key_path_of(db, opts, key_path, sizeof key_path);
	if ((rc = read_key_file(key_path, &l->signer, err)) != QT_OK)
		goto fail;
	qt_note_verifier_of(&l->signer, &l->verifier);
	/* The key on disk must be the one this log was created with. */
	if ((rc = l->store->ops->meta_get(l->store, "verifier_key", &meta, err)) != QT_OK ||
	    (rc = qt_note_verifier_parse(meta.p, meta.len, &stored, err)) != QT_OK)
		goto fail;
	if (stored.key_id != l->verifier.key_id ||
	    memcmp(stored.pk, l->verifier.pk, sizeof stored.pk) != 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s is not the signing key of %s", key_path,
		                db);
		goto fail;
	}
	if ((rc = l->store->ops->meta_get(l->store, "origin", &meta, err)) != QT_OK)
		goto fail;
	snprintf(l->origin, sizeof l->origin, "%s", meta.p);
	if ((rc = resync(l, err)) != QT_OK)
		goto fail;
	*out = l;
	goto out;
fail:
	qt_ledger_close(l);
out:
	qt_buf_free(&meta);
	return rc;
}

void qt_ledger_close(qt_ledger *l)
{
	if (!l)
		return;
	if (l->store)
		l->store->ops->close(l->store);
	qt_note_signer_wipe(&l->signer);
	pthread_mutex_destroy(&l->lock);
	pthread_mutex_destroy(&l->cp_lock);
	pthread_mutex_destroy(&l->queue_lock);
	pthread_cond_destroy(&l->queue_cond);
	while (l->pool) {
		qt_slab *next = l->pool->next;
		free(l->pool);
		l->pool = next;
	}
	pthread_mutex_destroy(&l->pool_lock);
	free(l->cache);
	free(l->gn);
	free(l->batch_jobs);
	free(l);
}

static bool valid_origin(const char *o)
{
	size_t n = strlen(o);
	if (n == 0 || n > QT_NOTE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)o[i] <= 0x20 || o[i] == '+' || o[i] == 0x7f)
			return false;
	return true;
}

qt_rc qt_ledger_init(const char *db, const char *origin, char *vkey, size_t vkey_size, qt_err *err)
{
	qt_store *store = NULL;
	qt_store_opts so = {.create = true};
	qt_signer signer;
	qt_verifier verifier;
	qt_checkpoint cp = {0};
	char key_path[4096], text[512], body[QT_NOTE_MAX], note[QT_NOTE_MAX], vk[512];
	size_t body_len, note_len;
	int fd = -1;
	bool key_written = false, db_created = false;
	struct stat sb;
	qt_rc rc = QT_OK;

	memset(&signer, 0, sizeof signer);
	if (sodium_init() < 0) {
		rc = qt_err_set(err, QT_ERR_IO, "libsodium failed to initialise");
		goto out;
	}
	if (!valid_origin(origin)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "origin must be 1 to %d printable characters without spaces or "
		                "'+'",
		                QT_NOTE_NAME_MAX);
		goto out;
	}
	snprintf(key_path, sizeof key_path, "%s.key", db);
	if (stat(db, &sb) == 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "%s already exists", db);
		goto out;
	}
	if ((rc = qt_note_keygen(origin, &signer, err)) != QT_OK)
		goto out;
	qt_note_verifier_of(&signer, &verifier);
	if ((rc = qt_note_signer_format(&signer, text, sizeof text)) != QT_OK ||
	    (rc = qt_note_verifier_format(&verifier, vk, sizeof vk)) != QT_OK) {
		rc = qt_err_set(err, rc, "key text does not fit");
		goto out;
	}
	/* The key file first, exclusively and private: never overwrite someone's key. */
	fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = qt_err_set(err, QT_ERR_IO, "cannot create %s: %s", key_path, strerror(errno));
		goto out;
	}
	key_written = true;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1 ||
	    fsync(fd) != 0) {
		rc = qt_err_set(err, QT_ERR_IO, "cannot write %s: %s", key_path, strerror(errno));
		goto out;
	}
	if ((rc = qt_store_open(db, &so, &store, err)) != QT_OK)
		goto out;
	db_created = true;
	snprintf(cp.origin, sizeof cp.origin, "%s", origin);
	cp.size = 0;
	qt_merkle_empty_root(&cp.root);
	if ((rc = qt_checkpoint_format(&cp, body, sizeof body, &body_len)) != QT_OK ||
	    (rc = qt_note_sign(&signer, body, body_len, note, sizeof note, &note_len, err)) !=
	            QT_OK)
		goto out;
	if ((rc = store->ops->begin(store, err)) != QT_OK)
		goto out;
	if ((rc = store->ops->meta_put(store, "origin", origin, err)) != QT_OK ||
	    (rc = store->ops->meta_put(store, "verifier_key", vk, err)) != QT_OK ||
	    (rc = store->ops->checkpoint_put(store, 0, note, note_len, err)) != QT_OK ||
	    (rc = store->ops->commit(store, err)) != QT_OK) {
		store->ops->rollback(store);
		goto out;
	}
	if (vkey && snprintf(vkey, vkey_size, "%s", vk) >= (int)vkey_size)
		rc = qt_err_set(err, QT_ERR_TOOBIG, "verifier key buffer too small");
out:
	sodium_memzero(text, sizeof text);
	qt_note_signer_wipe(&signer);
	if (fd >= 0)
		close(fd);
	if (store)
		store->ops->close(store);
	if (rc != QT_OK && key_written) {
		/* Leave nothing half-made behind: a retry must start clean. */
		unlink(key_path);
		if (db_created) {
			char side[4200];
			unlink(db);
			snprintf(side, sizeof side, "%s-wal", db);
			unlink(side);
			snprintf(side, sizeof side, "%s-shm", db);
			unlink(side);
		}
	}
	return rc;
}

/* ---- queries ---------------------------------------------------------------------------- */

uint64_t qt_ledger_size(const qt_ledger *l)
{
	return l->size;
}

qt_store *qt_ledger_store(qt_ledger *l)
{
	return l->store;
}

qt_rc qt_ledger_record(qt_ledger *l, uint64_t index, qt_buf *leaf, qt_err *err)
{
	qt_rc rc;
	pthread_mutex_lock(&l->lock);
	rc = l->store->ops->record_get(l->store, index, leaf, NULL, err);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

const char *qt_ledger_checkpoint(const qt_ledger *l, uint64_t *size)
{
	if (size)
		*size = l->cp_size;
	return l->cp_note;
}

void qt_ledger_get_stats(qt_ledger *l, qt_ledger_stats *out)
{
	pthread_mutex_lock(&l->queue_lock);
	*out = l->stats;
	pthread_mutex_unlock(&l->queue_lock);
}

size_t qt_ledger_checkpoint_copy(qt_ledger *l, char *out, size_t outsz, uint64_t *size)
{
	size_t n;
	pthread_mutex_lock(&l->cp_lock);
	n = l->cp_note_len < outsz ? l->cp_note_len : 0;
	memcpy(out, l->cp_note, n);
	if (outsz)
		out[n] = '\0';
	if (size)
		*size = l->cp_size;
	pthread_mutex_unlock(&l->cp_lock);
	return n;
}

void qt_ledger_verifier(const qt_ledger *l, qt_verifier *out)
{
	*out = l->verifier;
}

qt_rc qt_ledger_store_node(void *ctx, unsigned level, uint64_t index, qt_hash *out)
{
	qt_store *s = ctx;
	unsigned below = level % QT_NODE_STRIDE, base = level - below;
	size_t span = (size_t)1 << below;
	qt_hash h[1 << (QT_NODE_STRIDE - 1)];
	qt_rc rc;

	/* A level that is not stored is rebuilt from the 2..8 nodes of the stored level under
	 * it: one range read instead of one row per node per level. */
	rc = s->ops->nodes_get(s, base, index << below, span, h, NULL);
	for (; rc == QT_OK && span > 1; span /= 2)
		for (size_t i = 0; i < span / 2; i++)
			qt_merkle_node_hash(&h[2 * i], &h[2 * i + 1], &h[i]);
	if (rc == QT_OK)
		*out = h[0];
	return rc;
}

/* Both proofs: bounds checked against a committed tree size, nodes read in one snapshot. */
static qt_rc proof_at(qt_store *s, uint64_t size, bool inclusion, uint64_t a, uint64_t b,
                      qt_merkle_proof *out, qt_err *err)
{
	qt_rc rc;

	if (inclusion ? (b > size || a >= b) : (b > size || a > b || a == 0)) {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        inclusion ? "index %llu is not in a tree of size %llu (of %llu)"
		                  : "no consistency proof from %llu to %llu (tree size %llu)",
		        (unsigned long long)a, (unsigned long long)b, (unsigned long long)size);
	} else if ((rc = s->ops->read_begin(s, err)) == QT_OK) {
		rc = inclusion ? qt_merkle_inclusion_proof(qt_ledger_store_node, s, a, b, out)
		               : qt_merkle_consistency_proof(qt_ledger_store_node, s, a, b, out);
		s->ops->read_end(s);
		if (rc != QT_OK)
			rc = qt_err_set(err, rc, "cannot read the tree");
	}
	return rc;
}

static qt_rc proof(qt_ledger *l, bool inclusion, uint64_t a, uint64_t b, qt_merkle_proof *out,
                   qt_err *err)
{
	qt_rc rc;
	pthread_mutex_lock(&l->lock);
	rc = proof_at(l->store, l->size, inclusion, a, b, out, err);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

qt_rc qt_ledger_inclusion_at(qt_store *s, uint64_t tree_size, uint64_t index, uint64_t size,
                             qt_merkle_proof *out, qt_err *err)
{
	return proof_at(s, tree_size, true, index, size, out, err);
}

qt_rc qt_ledger_consistency_at(qt_store *s, uint64_t tree_size, uint64_t size1, uint64_t size2,
                               qt_merkle_proof *out, qt_err *err)
{
	return proof_at(s, tree_size, false, size1, size2, out, err);
}

qt_rc qt_ledger_tile_at(qt_store *s, uint64_t size, const qt_tile_ref *ref, qt_buf *out,
                        qt_err *err)
{
	qt_buf leaf;
	qt_rc rc;

	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX);
	if ((rc = s->ops->read_begin(s, err)) != QT_OK)
		goto out;
	if (!ref->entries) {
		rc = qt_tile_hashes(qt_ledger_store_node, s, size, ref, out, err);
	} else if (ref->width < 1 || ref->width > QT_TILE_WIDTH ||
	           ref->width > qt_tile_width_at(0, ref->index, size)) {
		rc = qt_err_set(err, QT_ERR_NOTFOUND,
		                "entry bundle %llu of width %u does not exist at tree size %llu",
		                (unsigned long long)ref->index, ref->width,
		                (unsigned long long)size);
	} else {
		size_t start = out->len;
		for (unsigned i = 0; i < ref->width && rc == QT_OK; i++) {
			uint64_t idx = ref->index * QT_TILE_WIDTH + i;
			if ((rc = s->ops->record_get(s, idx, &leaf, NULL, err)) == QT_OK &&
			    (rc = qt_tile_bundle_append(out, leaf.p, leaf.len)) != QT_OK)
				rc = qt_err_set(err, rc, "entry bundle does not fit the buffer");
		}
		if (rc != QT_OK && out->p) {
			out->len = start; /* nothing partial */
			out->p[start] = '\0';
		}
	}
	s->ops->read_end(s);
out:
	qt_buf_free(&leaf);
	return rc;
}

qt_rc qt_ledger_tile(qt_ledger *l, const qt_tile_ref *ref, qt_buf *out, qt_err *err)
{
	qt_rc rc;
	pthread_mutex_lock(&l->lock);
	rc = qt_ledger_tile_at(l->store, l->size, ref, out, err);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

qt_rc qt_ledger_inclusion(qt_ledger *l, uint64_t index, uint64_t size, qt_merkle_proof *out,
                          qt_err *err)
{
	return proof(l, true, index, size, out, err);
}

qt_rc qt_ledger_consistency(qt_ledger *l, uint64_t size1, uint64_t size2, qt_merkle_proof *out,
                            qt_err *err)
{
	return proof(l, false, size1, size2, out, err);
}
