/* platform.c — the running platform's shared parts: the ledger, one read connection per
 * thread, JSON documents in the store, and the checked access to request fields that every
 * domain module uses (so a bad field gets the same clear error everywhere). */
#include "core/platform.h"
#include "codes/uscc.h"
#include "core/scan.h"

#include "util/json_parse.h"
#include "util/json_write.h"
#include "util/random.h"
#include "util/utf8.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void close_reader(void *s)
{
	qt_store *st = s;
	st->ops->close(st);
}

qt_rc qt_platform_open(const char *db, qt_platform **out, qt_err *err)
{
	qt_platform *p = calloc(1, sizeof *p);
	qt_rc rc = QT_OK;

	*out = NULL;
	if (!p) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(p->db, sizeof p->db, "%s", db);
	pthread_mutex_init(&p->lock, NULL);
	if (pthread_key_create(&p->reader_key, close_reader) != 0) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of thread keys");
		free(p);
		goto out;
	}
	if (pthread_key_create(&p->views_key, qt_public_cache_free) != 0) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of thread keys");
		pthread_key_delete(p->reader_key);
		free(p);
		goto out;
	}
	if (!(p->auth = qt_auth_cache_new(QT_AUTH_SLOTS)) ||
	    (rc = qt_ledger_open(db, NULL, &p->ledger, err)) != QT_OK) {
		if (!p->auth)
			rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		qt_auth_cache_free(p->auth);
		pthread_key_delete(p->views_key);
		pthread_key_delete(p->reader_key);
		free(p);
		goto out;
	}
	*out = p;
out:
	return rc;
}

void qt_platform_close(qt_platform *p)
{
	qt_store *s;

	if (!p)
		return;
	qt_queries_close(p); /* its last counts go through the ledger's writer */
	/* the calling thread's reader; other threads closed theirs when they ended */
	if ((s = pthread_getspecific(p->reader_key)) != NULL) {
		s->ops->close(s);
		pthread_setspecific(p->reader_key, NULL);
	}
	pthread_key_delete(p->reader_key);
	qt_public_cache_free(pthread_getspecific(p->views_key));
	pthread_key_delete(p->views_key);
	qt_ledger_close(p->ledger);
	qt_auth_cache_free(p->auth);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

qt_store *qt_platform_reader(qt_platform *p, qt_err *err)
{
	qt_store *s = pthread_getspecific(p->reader_key);
	qt_store_opts so = {.read_only = true, .cache_kib = 16384};

	if (!s && qt_store_open(p->db, &so, &s, err) == QT_OK &&
	    pthread_setspecific(p->reader_key, s) != 0) {
		s->ops->close(s);
		s = NULL;
		qt_err_set(err, QT_ERR_NOMEM, "out of thread keys");
	}
	return s;
}

/* ---- documents ---- */

qt_rc qt_doc_load(qt_store *s, const char *kind, const char *id, json_t **out, qt_err *err)
{
	return qt_doc_load_rec(s, kind, id, out, NULL, err);
}

qt_rc qt_doc_load_rec(qt_store *s, const char *kind, const char *id, json_t **out, uint64_t *rec,
                      qt_err *err)
{
	qt_buf b;
	json_error_t je;
	qt_rc rc;

	*out = NULL;
	qt_buf_init(&b, 1 << 24);
	rc = s->ops->doc_get(s, kind, id, &b, NULL, rec, err);
	if (rc == QT_OK && !(*out = qt_json_parse(b.p, b.len, &je)))
		rc = qt_err_set(err, QT_ERR_INVALID, "stored %s '%.60s' is not JSON: %s", kind, id,
		                je.text);
	qt_buf_free(&b);
	return rc;
}

#define QT_DOC_TEXT_MAX ((size_t)1 << 30) /* json_dumps had no cap; a document is far smaller */

qt_rc qt_doc_save(qt_store *s, const char *kind, const char *id, const char *owner,
                  const json_t *doc, uint64_t rec, qt_err *err)
{
	qt_buf text;
	qt_rc rc;

	/* the bytes json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) writes, which documents have
	 * always been stored as; writing them was a sixth of replaying a ledger */
	qt_buf_init(&text, QT_DOC_TEXT_MAX);
	/* most documents fit: one allocation, not the five of doubling from 64 bytes (a
	 * twentieth of a replay) */
	if ((rc = qt_buf_reserve(&text, 2048)) != QT_OK ||
	    (rc = qt_json_write(doc, true, &text)) != QT_OK)
		rc = qt_err_set(err, rc, "%s %.60s cannot be stored as JSON: %s", kind, id,
		                qt_rc_str(rc));
	else
		rc = s->ops->doc_put(s, kind, id, owner, text.p, text.len, rec, err);
	qt_buf_free(&text);
	return rc;
}

qt_rc qt_doc_collect(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                     uint64_t rec)
{
	json_t *docs = ctx, *doc = qt_json_parse(body, n, NULL);
	(void)id, (void)owner, (void)rec;
	if (!doc)
		return QT_ERR_INVALID;
	json_array_append_new(docs, doc);
	return QT_OK;
}

typedef struct doc_walk {
	qt_store_doc_fn fn;
	void *ctx;
	char last[512];
	size_t seen;
} doc_walk;

static qt_rc walk_one(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                      uint64_t rec)
{
	doc_walk *w = ctx;
	snprintf(w->last, sizeof w->last, "%s", id);
	w->seen++;
	return w->fn(w->ctx, id, owner, body, n, rec);
}

qt_rc qt_doc_walk(qt_store *s, const char *kind, size_t max, qt_store_doc_fn fn, void *ctx,
                  bool *cut, qt_err *err)
{
	enum { PAGE = 1000 };
	doc_walk w = {.fn = fn, .ctx = ctx};
	size_t found;
	qt_rc rc;

	do {
		rc = s->ops->doc_list(s, kind, NULL, w.last, PAGE, walk_one, &w, &found, err);
	} while (rc == QT_OK && found == PAGE && (!max || w.seen < max));
	if (rc == QT_OK && cut && found == PAGE)
		*cut = true;
	return rc;
}

qt_rc qt_link_collect(void *ctx, const char *dst)
{
	return json_array_append_new(ctx, json_string(dst)) == 0 ? QT_OK : QT_ERR_NOMEM;
}

void qt_date_cn(long long epoch, char out[11])
{
	time_t t = (time_t)(epoch + 8 * 3600);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

void qt_today_cn(char out[11])
{
	qt_date_cn((long long)time(NULL), out);
}

const char *qt_json_text(const json_t *obj, const char *name)
{
	const char *v = json_string_value(json_object_get(obj, name));
	return v ? v : "";
}

bool qt_json_lists(const json_t *array, const char *s)
{
	size_t k;
	json_t *e;
	json_array_foreach(array, k, e)
	{
		if (json_is_string(e) && strcmp(json_string_value(e), s) == 0)
			return true;
	}
	return false;
}

void qt_json_pick(json_t *to, const json_t *from, const char *const *names)
{
	for (; *names; names++) {
		json_t *v = json_object_get(from, *names);
		if (v)
			json_object_set(to, *names, v);
	}
}

void qt_json_set_province(json_t *obj, const char *division)
{
	const char *name = qt_division_province(division);
	if (name)
		json_object_set_new(obj, "province", json_string(name));
}

qt_rc qt_doc_page(qt_store *s, const char *link_kind, const char *src, const char *doc_kind,
                  const char *after, size_t limit, bool (*keep)(const void *ctx, const json_t *doc),
                  const void *ctx, const char *name, json_t **answer, qt_err *err)
{
	json_t *keys = NULL, *items = json_array(), *k, *d,
	       *last = json_string(after ? after : ""); /* the last link looked at */
	size_t found = 0, want = 0, scanned = 0, i;
	qt_rc rc = s->ops->read_begin(s, err);
	bool reading = rc == QT_OK, more = true, cut = false;

	*answer = NULL;
	/* Links are read a little past what would fill the page, so that whether any follow
	 * is known without a further read; a link met once the page is full, or once the scan
	 * bound is reached, is one the next page starts after the last one looked at. */
	while (rc == QT_OK && more && !cut) {
		want = limit + 1 - json_array_size(items);
		want = want < 100 ? 100 : want;
		json_decref(keys);
		keys = json_array();
		rc = s->ops->link_list(s, link_kind, src, json_string_value(last), want,
		                       qt_link_collect, keys, &found, err);
		more = found == want;
		json_array_foreach(keys, i, k)
		{
			const char *slash = strchr(json_string_value(k), '/');
			if (rc != QT_OK ||
			    (cut = json_array_size(items) == limit || scanned == QT_PAGE_SCAN_MAX))
				break;
			scanned++;
			json_string_set(last, json_string_value(k));
			if (slash && (rc = qt_doc_load(s, doc_kind, slash + 1, &d, err)) == QT_OK) {
				if (!keep || keep(ctx, d))
					json_array_append(items, d);
				json_decref(d);
			}
		}
	}
	if (rc == QT_OK) {
		*answer = json_pack("{s:O}", name, items);
		if (cut)
			json_object_set(*answer, "next", last);
	}
	if (reading)
		s->ops->read_end(s);
	json_decref(keys);
	json_decref(items);
	json_decref(last);
	return rc;
}

qt_rc qt_link_docs(qt_store *s, const char *link_kind, const char *src, bool newest,
                   const char *after, size_t limit, const char *doc_kind,
                   void (*doc_id)(const char *link, char id[QT_ID_MAX]), const char *name,
                   json_t **answer, qt_err *err)
{
	json_t *links = json_array(), *items = json_array(), *k;
	size_t found = 0, i;
	qt_rc rc = s->ops->read_begin(s, err);
	bool reading = rc == QT_OK;

	*answer = NULL;
	/* the links are read whole before any document, so no read runs inside the listing */
	if (rc == QT_OK)
		rc = (newest ? s->ops->link_list_back
		             : s->ops->link_list)(s, link_kind, src, after ? after : "", limit,
		                                  qt_link_collect, links, &found, err);
	json_array_foreach(links, i, k)
	{
		char id[QT_ID_MAX];
		json_t *doc = NULL;
		doc_id(json_string_value(k), id);
		if (rc == QT_OK && (rc = qt_doc_load(s, doc_kind, id, &doc, err)) == QT_OK)
			json_array_append_new(items, doc);
	}
	if (rc == QT_OK) {
		*answer = json_pack("{s:O}", name, items);
		if (found == limit && found)
			json_object_set(*answer, "next", json_array_get(links, found - 1));
	}
	if (reading)
		s->ops->read_end(s);
	json_decref(links);
	json_decref(items);
	return rc;
}

qt_rc qt_new_id(const char *prefix, size_t nbytes, char *out, size_t outsz, qt_err *err)
{
	uint8_t raw[32];
	char hex[65];
	qt_rc rc = nbytes <= sizeof raw ? qt_random(raw, nbytes) : QT_ERR_USAGE;

	if (rc != QT_OK)
		return qt_err_set(err, rc, "the random source failed");
	sodium_bin2hex(hex, sizeof hex, raw, nbytes);
	if ((size_t)snprintf(out, outsz, "%s%s", prefix, hex) >= outsz)
		return qt_err_set(err, QT_ERR_TOOBIG, "id buffer too small");
	return QT_OK;
}

/* ---- request fields ---- */

qt_rc qt_json_only(const json_t *obj, const char *const *allowed, qt_err *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return qt_err_set(err, QT_ERR_INVALID, "expected a JSON object");
	json_object_foreach((json_t *)obj, key, v)
	{
		bool ok = false;
		(void)v;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(allowed[i], key) == 0;
		if (!ok)
			return qt_err_set(err, QT_ERR_INVALID, "unknown field '%.60s'", key);
	}
	return QT_OK;
}

qt_rc qt_json_str(const json_t *obj, const char *name, size_t max, bool required, const char **out,
                  qt_err *err)
{
	json_t *v = json_object_get(obj, name);
	size_t n;

	*out = NULL;
	if (!v || json_is_null(v))
		return required ? qt_err_set(err, QT_ERR_INVALID, "'%s' is required", name) : QT_OK;
	if (!json_is_string(v))
		return qt_err_set(err, QT_ERR_INVALID, "'%s' must be a string", name);
	n = qt_utf8_chars(json_string_value(v), json_string_length(v));
	if (n == 0 || n > max)
		return qt_err_set(err, QT_ERR_INVALID, "'%s' must be 1 to %zu characters", name,
		                  max);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return qt_err_set(err, QT_ERR_INVALID, "'%s' must not contain NUL", name);
	*out = json_string_value(v);
	return QT_OK;
}

qt_rc qt_json_uscc(const json_t *obj, const char *name, bool required, char out[QT_USCC_LEN + 1],
                   qt_err *err)
{
	const char *v;
	qt_uscc u;
	qt_rc rc = qt_json_str(obj, name, 64, required, &v, err);

	out[0] = '\0';
	if (rc == QT_OK && v && (rc = qt_uscc_parse(v, strlen(v), &u, err)) != QT_OK) {
		char why[QT_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		return qt_err_set(err, QT_ERR_INVALID, "%s: %.150s", name, why);
	}
	if (rc == QT_OK && v)
		memcpy(out, u.code, sizeof u.code);
	return rc;
}

qt_rc qt_json_sha256(const json_t *obj, const char *name, bool required, const char **out,
                     qt_err *err)
{
	qt_rc rc = qt_json_str(obj, name, 64, required, out, err);

	if (rc == QT_OK && *out) {
		bool ok = strlen(*out) == 64;
		for (size_t i = 0; ok && i < 64; i++)
			ok = ((*out)[i] >= '0' && (*out)[i] <= '9') ||
			     ((*out)[i] >= 'a' && (*out)[i] <= 'f');
		if (!ok)
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "'%s' must be a SHA-256 in 64 lowercase hex digits", name);
	}
	return rc;
}

qt_rc qt_json_bool(const json_t *obj, const char *name, bool def, bool *out, qt_err *err)
{
	json_t *v = json_object_get(obj, name);

	*out = def;
	if (!v)
		return QT_OK;
	if (!json_is_boolean(v))
		return qt_err_set(err, QT_ERR_INVALID, "'%s' must be true or false", name);
	*out = json_is_true(v);
	return QT_OK;
}

qt_rc qt_json_int(const json_t *obj, const char *name, long long min, long long max, bool required,
                  long long def, long long *out, qt_err *err)
{
	json_t *v = json_object_get(obj, name);

	*out = def;
	if (!v)
		return required ? qt_err_set(err, QT_ERR_INVALID, "'%s' is required", name) : QT_OK;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return qt_err_set(err, QT_ERR_INVALID, "'%s' must be an integer from %lld to %lld",
		                  name, min, max);
	*out = json_integer_value(v);
	return QT_OK;
}

qt_rc qt_json_date(const json_t *obj, const char *name, bool required, const char **out,
                   qt_err *err)
{
	qt_rc rc = qt_json_str(obj, name, 10, required, out, err);

	if (rc == QT_OK && *out && !qt_date_valid(*out))
		rc = qt_err_set(err, QT_ERR_INVALID, "'%s' must be a date YYYY-MM-DD", name);
	return rc;
}

qt_rc qt_json_past_date(const json_t *obj, const char *name, bool required, char today[11],
                        const char **out, qt_err *err)
{
	qt_rc rc = qt_json_date(obj, name, required, out, err);

	qt_today_cn(today);
	if (rc == QT_OK && *out && strcmp(*out, today) > 0)
		rc = qt_err_set(err, QT_ERR_INVALID, "'%s' %s is in the future", name, *out);
	return rc;
}

/* ---- receipts ---- */

static json_t *b64(const void *p, size_t n)
{
	char out[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(out, sizeof out, p, n, sodium_base64_VARIANT_ORIGINAL);
	return json_string(out);
}

json_t *qt_receipt_json(const qt_receipt *r)
{
	json_t *proof = json_array();
	for (size_t i = 0; i < r->proof.n; i++)
		json_array_append_new(proof, b64(r->proof.h[i].b, QT_HASH_LEN));
	return json_pack("{s:I, s:o, s:I, s:s%, s:o}", "index", (json_int_t)r->index, "leaf_hash",
	                 b64(r->leaf_hash.b, QT_HASH_LEN), "tree_size", (json_int_t)r->tree_size,
	                 "checkpoint", r->checkpoint, r->checkpoint_len, "inclusion_proof", proof);
}
