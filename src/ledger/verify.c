/* verify.c — `qtrace verify`: recompute everything from the stored records alone — every
 * leaf (canonical form, hash, sealed fields against their stored values), every Merkle node,
 * every read-index row, every checkpoint's signature and root and their mutual consistency —
 * in one streaming pass, and name the first thing that differs. */
#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/jcs.h"
#include "ledger/ledger_internal.h"

#define MAX_LEVELS 64

typedef struct stream {
	qt_store_iter *it;
	qt_store_row row;
	bool has;
	bool open;
} stream;

typedef struct saved_cp {
	uint64_t size;
	qt_hash root;
} saved_cp;

typedef struct leaf_parts {
	const char *type, *ts, *body, *keys, *sealed;
	size_t type_len, ts_len, body_len, keys_len, sealed_len;
	char unknown[48]; /* a top-level member no record has */
} leaf_parts;

typedef struct keyval {
	char key[QT_LEDGER_KEY_MAX + 1];
	size_t len;
} keyval;

/* What the per-record checks need of their own: the worker thread and this one each have
 * one (see the pipeline below). The index rows the records call for are folded into a keyed
 * multiset hash: read in the index's own order, they are compared as a whole, and only a
 * mismatch costs a second pass. */
typedef struct rcheck {
	keyval keys[QT_LEDGER_KEYS_MAX]; /* one record's index keys, decoded */
	char buf[QT_LEDGER_KEY_MAX + 1]; /* one key with an escape, decoded */
	uint8_t index_key[crypto_shorthash_siphashx24_KEYBYTES];
	unsigned __int128 index_sum;
	uint64_t index_rows;
} rcheck;

typedef struct vstate {
	qt_store *s;
	qt_verifier v;
	char origin[QT_NOTE_NAME_MAX + 1];
	stream cps;
	stream levels[MAX_LEVELS];
	qt_merkle_builder tree;
	uint64_t count;
	saved_cp *saved;
	size_t n_saved, cap_saved;
	uint64_t witnessed; /* the size of the checkpoint given, once it is shown consistent */
	qt_err *err;
	rcheck chk; /* this thread's share of the record checks (the worker has its own) */
	/* the index table's own multiset hash, read alongside the records (read_index_table);
	 * a failed read waits in idx_rc until the records have passed */
	stream idx;
	unsigned __int128 idx_sum;
	uint64_t idx_rows;
	qt_rc idx_rc;
	qt_err idx_err;
} vstate;

static qt_rc advance(vstate *st, stream *sm, qt_err *err)
{
	qt_rc rc = st->s->ops->next(sm->it, &sm->row, err);
	sm->has = rc == QT_OK;
	return rc == QT_ERR_NOTFOUND ? QT_OK : rc;
}

static qt_rc open_stream(vstate *st, stream *sm, qt_store_scan_kind kind, uint64_t from,
                         qt_err *err)
{
	qt_rc rc = st->s->ops->scan(st->s, kind, from, &sm->it, err);
	if (rc == QT_OK) {
		sm->open = true;
		rc = advance(st, sm, err);
	}
	return rc;
}

/* ---- canonical-JSON spans already checked by qt_jcs_check ------------------------------ */

/* Runs for every member of every leaf: the five names are told apart by their length and
 * compared at a fixed size, which the compiler does inline. */
static qt_rc member(void *ctx, const char *key, size_t keylen, const char *value, size_t vlen)
{
	leaf_parts *lp = ctx;
	const char **slot = NULL;
	size_t *len = NULL;
	qt_rc rc = QT_OK;

	if (keylen == 2 && memcmp(key, "ts", 2) == 0)
		slot = &lp->ts, len = &lp->ts_len;
	else if (keylen == 4 && memcmp(key, "body", 4) == 0)
		slot = &lp->body, len = &lp->body_len;
	else if (keylen == 4 && memcmp(key, "keys", 4) == 0)
		slot = &lp->keys, len = &lp->keys_len;
	else if (keylen == 4 && memcmp(key, "type", 4) == 0)
		slot = &lp->type, len = &lp->type_len;
	else if (keylen == 6 && memcmp(key, "sealed", 6) == 0)
		slot = &lp->sealed, len = &lp->sealed_len;
	if (!slot) {
		snprintf(lp->unknown, sizeof lp->unknown, "unexpected member \"%.*s\"",
		         (int)(keylen < 32 ? keylen : 32), key);
		rc = QT_ERR_INVALID;
		goto out;
	}
	*slot = value;
	*len = vlen;
out:
	return rc;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode the canonical string starting at *p (at its opening quote) into out. */
static bool read_string(const char **p, const char *end, char *out, size_t max, size_t *len)
{
	const char *s = *p;
	size_t o = 0;

	if (s >= end || *s != '"')
		return false;
	for (s++; s < end && *s != '"'; s++) {
		char c = *s;
		if (c == '\\') {
			if (++s >= end)
				return false;
			switch (*s) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if (end - s < 5 || hexval(s[3]) < 0 || hexval(s[4]) < 0)
					return false;
				c = (char)(hexval(s[3]) * 16 + hexval(s[4]));
				s += 4;
				break;
			default: c = *s; break;
			}
		}
		if (o == max)
			return false;
		out[o++] = c;
	}
	if (s >= end)
		return false;
	out[o] = '\0';
	*len = o;
	*p = s + 1;
	return true;
}

/* The string at *p (at its opening quote) in place, when it has no escape: so are nearly all
 * keys, field names and commitments, which are then compared as they stand rather than
 * decoded into a copy. Otherwise *p is left alone for read_string. */
static bool plain_string(const char **p, const char *end, const char **str, size_t *len)
{
	const char *s = *p, *q;

	if (s >= end || *s != '"' || !(q = memchr(s + 1, '"', (size_t)(end - s - 1))) ||
	    memchr(s + 1, '\\', (size_t)(q - s - 1)))
		return false;
	*str = s + 1;
	*len = (size_t)(q - *str);
	*p = q + 1;
	return true;
}

/* ---- per-record checks ------------------------------------------------------------------- */

/* Every index row of a record is (name, key, record); fold each into the multiset hash. */
static void index_fold(const uint8_t *hkey, unsigned __int128 *sum, const char *name, size_t nlen,
                       const char *key, size_t keylen, uint64_t rec)
{
	uint8_t in[64 + QT_LEDGER_KEY_MAX + 10], out[crypto_shorthash_siphashx24_BYTES];
	size_t n = 0;
	unsigned __int128 v;

	if (nlen > 64)
		nlen = 64;
	if (keylen > QT_LEDGER_KEY_MAX)
		keylen = QT_LEDGER_KEY_MAX;
	memcpy(in, name, nlen);
	n = nlen;
	in[n++] = 0;
	memcpy(in + n, key, keylen);
	n += keylen;
	in[n++] = 0;
	for (int i = 0; i < 8; i++)
		in[n++] = (uint8_t)(rec >> (8 * i));
	crypto_shorthash_siphashx24(out, in, n, hkey);
	memcpy(&v, out, sizeof v);
	*sum += v;
}

/* Each of a record's index keys in its leaf's "keys" member, to fn: where it stands when it
 * has no escape (nearly every key), else decoded into buf. */
static qt_rc each_key(uint64_t rec, const leaf_parts *lp, char buf[QT_LEDGER_KEY_MAX + 1],
                      void (*fn)(void *ctx, const char *key, size_t len), void *ctx, qt_err *err)
{
	const char *p = lp->keys ? lp->keys + 1 : NULL;
	const char *end = lp->keys ? lp->keys + lp->keys_len - 1 : NULL;
	size_t n = 0;
	qt_rc rc = QT_OK;

	while (p && p < end) {
		const char *at = p, *key;
		size_t len;
		bool ok = n++ < QT_LEDGER_KEYS_MAX;
		if (ok && (!plain_string(&p, end, &key, &len) || len > QT_LEDGER_KEY_MAX)) {
			p = at;
			ok = read_string(&p, end, buf, QT_LEDGER_KEY_MAX, &len);
			key = buf;
		}
		if (!ok) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "record %llu: its index keys are malformed",
			                (unsigned long long)rec);
			goto out;
		}
		fn(ctx, key, len);
		if (p < end && *p == ',')
			p++;
	}
out:
	return rc;
}

typedef struct key_list {
	keyval *keys;
	size_t n;
} key_list;

static void add_key(void *ctx, const char *key, size_t len)
{
	key_list *kl = ctx;

	memcpy(kl->keys[kl->n].key, key, len);
	kl->keys[kl->n].key[len] = '\0';
	kl->keys[kl->n++].len = len;
}

/* A record's index keys, decoded from its leaf's "keys" member. */
static qt_rc leaf_keys(keyval *keys, uint64_t rec, const leaf_parts *lp, size_t *n, qt_err *err)
{
	key_list kl = {keys, 0};
	char buf[QT_LEDGER_KEY_MAX + 1];
	qt_rc rc = each_key(rec, lp, buf, add_key, &kl, err);

	*n = kl.n;
	return rc;
}

typedef struct key_fold {
	rcheck *c;
	uint64_t rec;
	size_t n;
} key_fold;

static void fold_key(void *ctx, const char *key, size_t len)
{
	key_fold *kf = ctx;

	index_fold(kf->c->index_key, &kf->c->index_sum, QT_INDEX_KEY, sizeof QT_INDEX_KEY - 1, key,
	           len, kf->rec);
	kf->n++;
}

static qt_rc check_index(rcheck *c, uint64_t rec, const leaf_parts *lp, qt_err *err)
{
	key_fold kf = {c, rec, 0};
	qt_rc rc = each_key(rec, lp, c->buf, fold_key, &kf, err);

	c->index_rows += rc == QT_OK ? kf.n : 0;
	return rc;
}

static qt_rc check_secrets(const qt_store_row *row, const leaf_parts *lp, qt_err *err)
{
	const char *p = lp->sealed ? lp->sealed + 1 : NULL;
	const char *end = lp->sealed ? lp->sealed + lp->sealed_len - 1 : NULL;
	const uint8_t *sp = row->blob3, *send = sp ? sp + row->len3 : NULL;
	unsigned long long rec = (unsigned long long)row->a;
	qt_sealed_field f;
	qt_rc rc = QT_OK;

	while (p && p < end) {
		char field[66], sealed[80], b64[QT_COMMITMENT_B64_LEN];
		const char *at = p, *fs, *ss;
		size_t flen, slen;

		if (!plain_string(&p, end, &fs, &flen) || flen > 65 || p >= end || *p++ != ':' ||
		    !plain_string(&p, end, &ss, &slen) || slen > sizeof sealed - 1) {
			p = at;
			if (!read_string(&p, end, field, 65, &flen) || p >= end || *p++ != ':' ||
			    !read_string(&p, end, sealed, sizeof sealed - 1, &slen)) {
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "record %llu: malformed sealed fields", rec);
				goto out;
			}
			/* compared as C strings, which a decoded \u0000 ends */
			fs = field;
			flen = strlen(field);
			ss = sealed;
			slen = strlen(sealed);
		}
		if (p < end && *p == ',')
			p++;
		if (!sp || !qt_sealed_next(&sp, send, &f) || strlen(f.field) != flen ||
		    memcmp(f.field, fs, flen) != 0) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "record %llu: sealed field '%.*s' has no stored value", rec,
			                (int)flen, fs);
			goto out;
		}
		qt_ledger_commitment(f.salt, f.value, f.value_len, b64);
		if (slen != QT_COMMITMENT_B64_LEN - 1 || memcmp(b64, ss, slen) != 0) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "record %llu: stored value of sealed field '%.*s' does not "
			                "match its commitment",
			                rec, (int)flen, fs);
			goto out;
		}
	}
	if (sp && sp < send) {
		if (qt_sealed_next(&sp, send, &f))
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "stored private value '%.64s' of record %llu is not sealed "
			                "in the record",
			                f.field, rec);
		else
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "record %llu: its stored private values are malformed",
			                rec);
		goto out;
	}
out:
	return rc;
}

static qt_rc check_node(void *ctx, unsigned level, uint64_t index, const qt_hash *h)
{
	vstate *st = ctx;
	stream *sm;
	qt_rc rc = QT_OK;

	/* level 0 is compared with the record's stored hash already; the levels between the
	 * stored ones are not kept */
	if (level == 0 || level % QT_NODE_STRIDE != 0)
		return QT_OK;
	sm = &st->levels[level];
	if (!sm->open && (rc = open_stream(st, sm, QT_SCAN_NODES, level, st->err)) != QT_OK)
		goto out;
	if (!sm->has || sm->row.b != index) {
		rc = qt_err_set(st->err, QT_ERR_INVALID,
		                "Merkle node level %u index %llu is missing", level,
		                (unsigned long long)index);
		goto out;
	}
	if (sm->row.len1 != QT_HASH_LEN || memcmp(sm->row.blob1, h->b, QT_HASH_LEN) != 0) {
		rc = qt_err_set(st->err, QT_ERR_INVALID,
		                "Merkle node level %u index %llu does not match the tree", level,
		                (unsigned long long)index);
		goto out;
	}
	rc = advance(st, sm, st->err);
out:
	return rc;
}

/* A signed checkpoint's text: signed by the log's key, and a checkpoint. why says what not. */
static qt_rc signed_checkpoint(const vstate *st, const char *note, size_t n, qt_checkpoint *cp,
                               qt_err *why)
{
	size_t text_len;
	qt_rc rc = n > QT_NOTE_MAX ? qt_err_set(why, QT_ERR_INVALID, "too long") : QT_OK;

	if (rc == QT_OK && (rc = qt_note_verify(&st->v, note, n, &text_len, why)) == QT_OK)
		rc = qt_checkpoint_parse(note, text_len, cp, why);
	return rc;
}

static qt_rc check_checkpoints(vstate *st, qt_err *err)
{
	qt_rc rc = QT_OK;

	while (st->cps.has && st->cps.row.a == st->count) {
		const qt_store_row *r = &st->cps.row;
		qt_checkpoint cp;
		qt_hash root;
		qt_err why;

		if (signed_checkpoint(st, (const char *)r->blob1, r->len1, &cp, &why) != QT_OK) {
			rc = qt_err_set(err, QT_ERR_INVALID, "checkpoint at size %llu: %s",
			                (unsigned long long)r->a, why.msg);
			goto out;
		}
		qt_merkle_builder_root(&st->tree, &root);
		if (cp.size != r->a || strcmp(cp.origin, st->origin) != 0) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "checkpoint at size %llu: it is for '%s' size %llu",
			                (unsigned long long)r->a, cp.origin,
			                (unsigned long long)cp.size);
			goto out;
		}
		if (memcmp(cp.root.b, root.b, QT_HASH_LEN) != 0) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "checkpoint at size %llu: root does not match the tree",
			                (unsigned long long)r->a);
			goto out;
		}
		if (st->n_saved == st->cap_saved) {
			size_t cap = st->cap_saved ? st->cap_saved * 2 : 64;
			saved_cp *p = realloc(st->saved, cap * sizeof *p);
			if (!p) {
				rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
				goto out;
			}
			st->saved = p;
			st->cap_saved = cap;
		}
		st->saved[st->n_saved++] = (saved_cp){cp.size, cp.root};
		if ((rc = advance(st, &st->cps, err)) != QT_OK)
			goto out;
	}
out:
	return rc;
}

/* The checks of one record that need nothing but the record itself, want being the number
 * it should have; either thread runs them, on a copied batch (see the pipeline below). */
static qt_rc check_leaf(rcheck *c, uint64_t want, const qt_store_row *r, qt_hash *h, qt_err *err)
{
	leaf_parts lp;
	qt_err why;
	qt_rc rc = QT_OK;

	/* the spans, and not the message buffers whole: this runs for every record */
	memset(&lp, 0, offsetof(leaf_parts, unknown));
	lp.unknown[0] = why.msg[0] = '\0';
	if (r->a != want) {
		rc = qt_err_set(err, QT_ERR_INVALID, "record %llu is missing (found %llu next)",
		                (unsigned long long)want, (unsigned long long)r->a);
		goto out;
	}
	if (qt_jcs_check((const char *)r->blob1, r->len1, member, &lp, &why) != QT_OK || !lp.type ||
	    !lp.ts || !lp.body || lp.body[0] != '{' || lp.type[0] != '"' ||
	    (lp.keys && lp.keys[0] != '[') || (lp.sealed && lp.sealed[0] != '{')) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "record %llu is not a canonical ledger record%s%s",
		                (unsigned long long)r->a, why.msg[0] || lp.unknown[0] ? ": " : "",
		                why.msg[0] ? why.msg : lp.unknown);
		goto out;
	}
	qt_merkle_leaf_hash(r->blob1, r->len1, h);
	if (r->len2 != QT_HASH_LEN || memcmp(r->blob2, h->b, QT_HASH_LEN) != 0) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "record %llu: stored leaf hash does not match the record",
		                (unsigned long long)r->a);
		goto out;
	}
	if ((rc = check_secrets(r, &lp, err)) == QT_OK)
		rc = check_index(c, r->a, &lp, err);
out:
	return rc;
}

/* What must follow the records strictly in order, on the thread that owns the store: the
 * tree with its stored nodes, then the checkpoints at the new size. */
static qt_rc check_tree(vstate *st, const qt_hash *h, qt_err *err)
{
	qt_rc rc;

	st->err = err;
	if ((rc = qt_merkle_builder_push(&st->tree, h, check_node, st)) != QT_OK)
		goto out;
	st->count++;
	rc = check_checkpoints(st, err);
out:
	return rc;
}

/* Fold up to max more rows of the index table into its hash. The thread that owns the store
 * reads it in its own order, in chunks, whenever it would otherwise wait for the worker, so
 * the scan overlaps the record checks instead of following them on one core; the two scans
 * share the connection and its snapshot. */
static void read_index_table(vstate *st, size_t max)
{
	if (!st->idx.open && st->idx_rc == QT_OK)
		st->idx_rc = open_stream(st, &st->idx, QT_SCAN_INDEX, 0, &st->idx_err);
	for (; st->idx_rc == QT_OK && st->idx.has && max > 0; max--) {
		const qt_store_row *r = &st->idx.row;
		index_fold(st->chk.index_key, &st->idx_sum, r->text1, strlen(r->text1), r->text2,
		           strlen(r->text2), r->a);
		st->idx_rows++;
		st->idx_rc = advance(st, &st->idx, &st->idx_err);
	}
}

static bool index_table_pending(const vstate *st)
{
	return st->idx_rc == QT_OK && (!st->idx.open || st->idx.has);
}

/* ---- the records pipeline ------------------------------------------------------------------
 * The per-record checks (canonical form, leaf hash, sealed values, index fold) are pure CPU
 * on the row's bytes, and cost about as much as everything else together, so a worker thread
 * runs them on copied batches while this thread reads the next rows and builds the tree.
 * Every store access stays on this thread, on its one connection and snapshot (SQLite
 * connections are not to be shared between threads, and a second connection could see a
 * later snapshot beside a live server). Batches come back in order and this thread stops at
 * the first record the checks failed, having built the tree up to it, so the first bad thing
 * named is the same as in a one-thread pass. When this thread would wait for the worker, it
 * reads on in the index table (read_index_table), and once that is done checks the newest
 * batch still waiting itself (the worker takes the oldest), so the work balances across the
 * two cores whichever side is slower or shares its core. */

/* Many small batches in flight rather than a few large ones: on a shared machine either
 * thread can lose its core for a while, and the other then keeps reading or checking ahead
 * instead of waiting (about 4 MB of copied rows at most). */
#define BATCH   512
#define SLOTS   16
#define NO_BLOB SIZE_MAX
/* index rows read per look at whether the oldest batch is back (about a batch's time) */
#define INDEX_CHUNK 256

typedef enum { SLOT_FREE, SLOT_FILLED, SLOT_CHECKING, SLOT_CHECKED } slot_state;

typedef struct batch {
	size_t n, n_ok; /* rows copied; rows that passed the record checks */
	uint64_t first; /* the number the first row should have; batches are in its order */
	uint64_t a[BATCH];
	size_t off[BATCH][3], len[BATCH][3]; /* in buf; NO_BLOB for a NULL column */
	uint8_t *buf;
	size_t buf_len, buf_cap;
	qt_hash h[BATCH];
	qt_rc rc, read_rc; /* the checks' first failure; the read that ended the batch */
	qt_err err, read_err;
	slot_state state; /* under the pipe's mutex */
} batch;

typedef struct vpipe {
	pthread_mutex_t mu;
	pthread_cond_t filled, checked;
	bool quit;
	rcheck chk; /* the worker's own; this thread's is in vstate */
	batch slots[SLOTS];
} vpipe;

static void check_batch(rcheck *c, batch *b)
{
	b->rc = QT_OK;
	for (b->n_ok = 0; b->n_ok < b->n; b->n_ok++) {
		size_t i = b->n_ok;
		const uint8_t *blob[3];
		for (int k = 0; k < 3; k++)
			blob[k] = b->off[i][k] == NO_BLOB ? NULL : b->buf + b->off[i][k];
		qt_store_row r = {.a = b->a[i],
		                  .blob1 = blob[0],
		                  .blob2 = blob[1],
		                  .blob3 = blob[2],
		                  .len1 = b->len[i][0],
		                  .len2 = b->len[i][1],
		                  .len3 = b->len[i][2]};
		if ((b->rc = check_leaf(c, b->first + i, &r, &b->h[i], &b->err)) != QT_OK)
			break;
	}
}

/* Under the mutex: the oldest or the newest batch waiting to be checked, now claimed. */
static batch *claim(vpipe *p, bool oldest)
{
	batch *best = NULL;

	for (size_t k = 0; k < SLOTS; k++) {
		batch *b = &p->slots[k];
		if (b->state == SLOT_FILLED &&
		    (!best || (oldest ? b->first < best->first : b->first > best->first)))
			best = b;
	}
	if (best)
		best->state = SLOT_CHECKING;
	return best;
}

static void *worker(void *arg)
{
	vpipe *p = arg;

	for (;;) {
		batch *b = NULL;
		pthread_mutex_lock(&p->mu);
		while (!p->quit && !(b = claim(p, true)))
			pthread_cond_wait(&p->filled, &p->mu);
		pthread_mutex_unlock(&p->mu);
		if (!b)
			break;
		check_batch(&p->chk, b);
		pthread_mutex_lock(&p->mu);
		b->state = SLOT_CHECKED;
		pthread_cond_signal(&p->checked);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* Copy the current row and those after it, up to a batch, out of SQLite's buffers. */
static qt_rc fill_batch(vstate *st, stream *records, batch *b, uint64_t first, qt_err *err)
{
	qt_rc rc = QT_OK;

	b->n = b->buf_len = 0;
	b->first = first;
	b->read_rc = QT_OK;
	while (records->has && b->n < BATCH) {
		const qt_store_row *r = &records->row;
		const uint8_t *blob[3] = {r->blob1, r->blob2, r->blob3};
		size_t len[3] = {r->len1, r->len2, r->len3};
		size_t need = b->buf_len + len[0] + len[1] + len[2];
		if (need > b->buf_cap) {
			size_t cap = b->buf_cap ? b->buf_cap : 1 << 16;
			uint8_t *nb;
			while (cap < need)
				cap *= 2;
			if (!(nb = realloc(b->buf, cap))) {
				rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
				goto out;
			}
			b->buf = nb;
			b->buf_cap = cap;
		}
		b->a[b->n] = r->a;
		for (int k = 0; k < 3; k++) {
			b->len[b->n][k] = len[k];
			b->off[b->n][k] = blob[k] ? b->buf_len : NO_BLOB;
			if (blob[k]) {
				memcpy(b->buf + b->buf_len, blob[k], len[k]);
				b->buf_len += len[k];
			}
		}
		b->n++;
		/* a failed read is reported only after the rows before it have been checked */
		if ((b->read_rc = advance(st, records, &b->read_err)) != QT_OK)
			break;
	}
out:
	return rc;
}

static qt_rc check_records(vstate *st, stream *records,
                           void (*progress)(uint64_t done, uint64_t total), uint64_t total,
                           qt_err *err)
{
	vpipe *p = calloc(1, sizeof *p);
	pthread_t tid;
	bool threaded = false;
	size_t fill = 0, take = 0, inflight = 0;
	uint64_t read = 0;
	qt_rc rc = QT_OK;

	if (!p) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(p->chk.index_key, st->chk.index_key, sizeof p->chk.index_key);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->filled, NULL);
	pthread_cond_init(&p->checked, NULL);
	/* without a thread this one checks every batch itself */
	threaded = pthread_create(&tid, NULL, worker, p) == 0;
	while (rc == QT_OK && (inflight > 0 || records->has)) {
		batch *b;
		while (records->has && inflight < SLOTS) {
			b = &p->slots[fill];
			if ((rc = fill_batch(st, records, b, read, err)) != QT_OK)
				goto out;
			read += b->n;
			pthread_mutex_lock(&p->mu);
			b->state = SLOT_FILLED;
			pthread_cond_signal(&p->filled);
			pthread_mutex_unlock(&p->mu);
			fill = (fill + 1) % SLOTS;
			inflight++;
			if (b->read_rc != QT_OK)
				break;
		}
		b = &p->slots[take];
		pthread_mutex_lock(&p->mu);
		while (b->state != SLOT_CHECKED) {
			batch *mine;
			/* the index table first: only this thread can read it */
			if (index_table_pending(st)) {
				pthread_mutex_unlock(&p->mu);
				read_index_table(st, INDEX_CHUNK);
				pthread_mutex_lock(&p->mu);
				continue;
			}
			mine = claim(p, false);
			if (!mine) {
				pthread_cond_wait(&p->checked, &p->mu);
				continue;
			}
			pthread_mutex_unlock(&p->mu);
			check_batch(&st->chk, mine);
			pthread_mutex_lock(&p->mu);
			mine->state = SLOT_CHECKED;
		}
		pthread_mutex_unlock(&p->mu);
		for (size_t i = 0; rc == QT_OK && i < b->n_ok; i++) {
			rc = check_tree(st, &b->h[i], err);
			if (rc == QT_OK && progress && (st->count & 0xffff) == 0)
				progress(st->count, total);
		}
		if (rc == QT_OK && b->n_ok < b->n) {
			rc = b->rc;
			*err = b->err;
		}
		if (rc == QT_OK && b->read_rc != QT_OK) {
			rc = b->read_rc;
			*err = b->read_err;
		}
		pthread_mutex_lock(&p->mu);
		b->state = SLOT_FREE;
		pthread_mutex_unlock(&p->mu);
		take = (take + 1) % SLOTS;
		inflight--;
	}
out:
	if (p) {
		if (threaded) {
			pthread_mutex_lock(&p->mu);
			p->quit = true;
			pthread_cond_signal(&p->filled);
			pthread_mutex_unlock(&p->mu);
			pthread_join(tid, NULL);
		}
		/* the index fold is a sum, so the two threads' shares simply add */
		st->chk.index_sum += p->chk.index_sum;
		st->chk.index_rows += p->chk.index_rows;
		pthread_cond_destroy(&p->checked);
		pthread_cond_destroy(&p->filled);
		pthread_mutex_destroy(&p->mu);
		for (size_t k = 0; k < SLOTS; k++)
			free(p->slots[k].buf);
		free(p);
	}
	return rc;
}

/* The slow path, taken only when the index table does not hash to what the records call
 * for: find the first row that should not be there, or the first that is missing. */
static qt_rc name_bad_index_row(vstate *st, qt_err *err)
{
	qt_store_iter *it = NULL;
	qt_store_row row;
	qt_buf leaf;
	qt_rc rc;

	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX);
	if ((rc = st->s->ops->scan(st->s, QT_SCAN_INDEX, 0, &it, err)) != QT_OK)
		goto out;
	while ((rc = st->s->ops->next(it, &row, err)) == QT_OK) {
		leaf_parts lp = {0};
		size_t n = 0, i;
		bool found = false;
		if (strcmp(row.text1, QT_INDEX_KEY) == 0 && row.a < st->count &&
		    st->s->ops->record_get(st->s, row.a, &leaf, NULL, err) == QT_OK &&
		    qt_jcs_check(leaf.p, leaf.len, member, &lp, err) == QT_OK &&
		    leaf_keys(st->chk.keys, row.a, &lp, &n, err) == QT_OK)
			for (i = 0; i < n && !found; i++)
				found = st->chk.keys[i].len == strlen(row.text2) &&
				        memcmp(st->chk.keys[i].key, row.text2,
				               st->chk.keys[i].len) == 0;
		if (!found) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                row.a < st->count ? "index row (%.20s, '%.80s') of record "
			                                    "%llu does not match the record"
			                                  : "index row (%.20s, '%.80s') of record "
			                                    "%llu has no record",
			                row.text1, row.text2, (unsigned long long)row.a);
			goto out;
		}
	}
	if (rc != QT_ERR_NOTFOUND)
		goto out;
	/* Every row there is explained by a record, so one the records call for is missing. */
	for (uint64_t rec = 0; rec < st->count; rec++) {
		leaf_parts lp = {0};
		size_t n = 0;
		if ((rc = st->s->ops->record_get(st->s, rec, &leaf, NULL, err)) != QT_OK ||
		    (rc = qt_jcs_check(leaf.p, leaf.len, member, &lp, err)) != QT_OK ||
		    (rc = leaf_keys(st->chk.keys, rec, &lp, &n, err)) != QT_OK)
			goto out;
		for (size_t i = 0; i < n; i++) {
			uint64_t got[1];
			size_t found = 0;
			if ((rc = st->s->ops->index_find(st->s, QT_INDEX_KEY, st->chk.keys[i].key,
			                                 rec == 0 ? UINT64_MAX : rec - 1, got, 1,
			                                 &found, err)) != QT_OK)
				goto out;
			if (found == 0 || got[0] != rec) {
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "index row (key, '%.80s') of record %llu is missing",
				        st->chk.keys[i].key, (unsigned long long)rec);
				goto out;
			}
		}
	}
	rc = qt_err_set(err, QT_ERR_INVALID, "the index table does not match the records");
out:
	st->s->ops->scan_close(it);
	qt_buf_free(&leaf);
	return rc;
}

/* What the records' checks left of the index table's scan, then the two hashes compared. */
static qt_rc check_index_table(vstate *st, qt_err *err)
{
	qt_rc rc;

	read_index_table(st, SIZE_MAX);
	if ((rc = st->idx_rc) != QT_OK) {
		*err = st->idx_err;
		goto out;
	}
	if (st->idx_sum != st->chk.index_sum || st->idx_rows != st->chk.index_rows)
		rc = name_bad_index_row(st, err);
out:
	return rc;
}

/* Whether the tree the store holds at b's size extends the one signed at a's size. */
static bool consistent(vstate *st, const saved_cp *a, const saved_cp *b)
{
	qt_merkle_proof proof;
	qt_hash empty;

	if (a->size == 0) {
		qt_merkle_empty_root(&empty);
		return memcmp(a->root.b, empty.b, QT_HASH_LEN) == 0;
	}
	return qt_merkle_consistency_proof(qt_ledger_store_node, st->s, a->size, b->size, &proof) ==
	               QT_OK &&
	       qt_merkle_verify_consistency(a->size, b->size, &proof, &a->root, &b->root);
}

/* A checkpoint a client or witness kept: signed by the log's key, for this log, and a tree
 * this log still extends. The database's own checkpoints cannot show that nothing was cut
 * off its end or rewritten and signed again; one kept elsewhere can. */
static qt_rc check_witness(vstate *st, const char *note, size_t n, qt_err *err)
{
	qt_checkpoint cp;
	saved_cp now = {.size = st->count};
	qt_err why;
	qt_rc rc = QT_OK;

	if (signed_checkpoint(st, note, n, &cp, &why) != QT_OK) {
		rc = qt_err_set(err, QT_ERR_INVALID, "the checkpoint given: %s", why.msg);
		goto out;
	}
	if (strcmp(cp.origin, st->origin) != 0) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "the checkpoint given is for log '%.60s', this log is '%.60s'",
		                cp.origin, st->origin);
		goto out;
	}
	if (cp.size > st->count) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "the checkpoint given was signed at tree size %llu, but the log "
		                "holds %llu records: records have been removed from its end",
		                (unsigned long long)cp.size, (unsigned long long)st->count);
		goto out;
	}
	qt_merkle_builder_root(&st->tree, &now.root);
	if (!consistent(st, &(saved_cp){cp.size, cp.root}, &now)) {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        "the checkpoint given (tree size %llu) is not consistent with the "
		        "log: records up to that size have been changed since it was signed",
		        (unsigned long long)cp.size);
		goto out;
	}
	st->witnessed = cp.size;
out:
	return rc;
}

qt_rc qt_ledger_verify(const char *db, const qt_verify_opts *opts, qt_verify_result *res,
                       qt_err *err)
{
	const char *key = opts->key;
	vstate st;
	qt_store_opts so = {.read_only = true};
	stream records = {0};
	qt_buf meta;
	uint64_t total = 0;
	qt_rc rc = QT_OK;

	memset(&st, 0, sizeof st);
	qt_buf_init(&meta, 4096);
	if (sodium_init() < 0) {
		rc = qt_err_set(err, QT_ERR_IO, "libsodium failed to initialise");
		goto out;
	}
	if ((rc = qt_store_open(db, &so, &st.s, err)) != QT_OK)
		goto out;
	if ((rc = st.s->ops->meta_get(st.s, "origin", &meta, err)) != QT_OK)
		goto out;
	snprintf(st.origin, sizeof st.origin, "%s", meta.p);
	if (!key) {
		if ((rc = st.s->ops->meta_get(st.s, "verifier_key", &meta, err)) != QT_OK)
			goto out;
		key = meta.p;
	}
	if ((rc = qt_note_verifier_parse(key, strlen(key), &st.v, err)) != QT_OK)
		goto out;
	/* one snapshot for the whole pass */
	if ((rc = st.s->ops->read_begin(st.s, err)) != QT_OK)
		goto out;
	if ((rc = st.s->ops->record_count(st.s, &total, err)) != QT_OK)
		goto out;
	qt_merkle_builder_init(&st.tree);
	randombytes_buf(st.chk.index_key, sizeof st.chk.index_key);
	if ((rc = open_stream(&st, &st.cps, QT_SCAN_CHECKPOINTS, 0, err)) != QT_OK ||
	    (rc = open_stream(&st, &records, QT_SCAN_RECORDS, 0, err)) != QT_OK)
		goto out;
	if ((rc = check_checkpoints(&st, err)) != QT_OK) /* the size-0 checkpoint */
		goto out;
	if ((rc = check_records(&st, &records, opts->progress, total, err)) != QT_OK)
		goto out;
	/* Anything left over is not explained by the records. */
	if ((rc = check_index_table(&st, err)) != QT_OK)
		goto out;
	if (st.cps.has) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "checkpoint at size %llu is beyond the tree (%llu records)",
		                (unsigned long long)st.cps.row.a, (unsigned long long)st.count);
		goto out;
	}
	for (unsigned level = 1; level < MAX_LEVELS; level++) {
		stream *sm = &st.levels[level];
		if (!sm->open && (rc = open_stream(&st, sm, QT_SCAN_NODES, level, err)) != QT_OK)
			goto out;
		if (sm->has) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "Merkle node level %u index %llu is not part of the tree",
			                level, (unsigned long long)sm->row.b);
			goto out;
		}
	}
	if (st.n_saved == 0 || st.saved[st.n_saved - 1].size != st.count) {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        "records %llu to %llu are not covered by a signed checkpoint",
		        (unsigned long long)(st.n_saved ? st.saved[st.n_saved - 1].size : 0),
		        (unsigned long long)st.count - 1);
		goto out;
	}
	/* Each checkpoint with the next: prove it as a client would. */
	for (size_t i = 0; i + 1 < st.n_saved; i++) {
		const saved_cp *a = &st.saved[i], *b = &st.saved[i + 1];
		if (!consistent(&st, a, b)) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "checkpoints at sizes %llu and %llu are not consistent",
			                (unsigned long long)a->size, (unsigned long long)b->size);
			goto out;
		}
	}
	memset(res, 0, sizeof *res);
	if (opts->checkpoint &&
	    (rc = check_witness(&st, opts->checkpoint, opts->checkpoint_len, err)) != QT_OK)
		goto out;
	if (opts->progress)
		opts->progress(st.count, total);
	res->records = st.count;
	res->tree_size = st.count;
	qt_merkle_builder_root(&st.tree, &res->root);
	res->checkpoints = st.n_saved;
	res->witnessed_size = opts->checkpoint ? st.witnessed : 0;
out:
	if (st.s) {
		st.s->ops->scan_close(records.it);
		st.s->ops->scan_close(st.cps.it);
		st.s->ops->scan_close(st.idx.it);
		for (unsigned level = 0; level < MAX_LEVELS; level++)
			st.s->ops->scan_close(st.levels[level].it);
		st.s->ops->read_end(st.s);
		st.s->ops->close(st.s);
	}
	free(st.saved);
	qt_buf_free(&meta);
	return rc;
}
