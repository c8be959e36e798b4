/* queries.c — how often and since when each code was looked up ("first queried on …, 3
 * queries"). A lookup must not wait on a disk write, so counts gather in memory and a
 * background thread writes them in one transaction a second; a crash loses at most that
 * second's counts, never a ledger record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/scan.h"

#define FLUSH_EVERY_S 1
#define PENDING_MAX   100000 /* codes waiting: beyond this a flush is started at once */
#define TIME_LEN      24     /* "YYYY-MM-DDThh:mm:ss.mmmZ", as qt_time_now writes it */

/* One code's lookups not yet written. */
typedef struct pend {
	uint64_t count;
	uint32_t off, len; /* the code: text.p + off, NUL-terminated */
	char first[TIME_LEN + 1], last[TIME_LEN + 1];
} pend;

/* Codes waiting, in a table of their own: every lookup adds to it, and jansson's objects
 * (an allocation for each value, a hashed key, a new string for each "last") made counting
 * a fifth of a lookup's cost. Open addressing over the entries; codes in one buffer. */
typedef struct pend_map {
	pend *e; /* n of them, in the order they came */
	size_t n, cap;
	uint32_t *slot; /* entry index + 1, or 0 for empty; nslot is a power of two */
	size_t nslot;
	qt_buf text;
} pend_map;

struct qt_queries {
	pthread_mutex_t flush_lock; /* one flush at a time: the two tables take turns */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool stop;
	pend_map maps[2];
	pend_map *pending;  /* not yet written */
	pend_map *flushing; /* being written now (still counted by readers), or NULL */
};

static uint64_t hash_code(const char *code, size_t n)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)code[i]) * 1099511628211ull;
	return h;
}

static void map_init(pend_map *m)
{
	memset(m, 0, sizeof *m);
	/* every code is at most QT_CODE_CANON_MAX bytes, and a flush starts at PENDING_MAX */
	qt_buf_init(&m->text, (size_t)(PENDING_MAX + 1000) * QT_CODE_CANON_MAX);
}

static void map_free(pend_map *m)
{
	free(m->e);
	free(m->slot);
	qt_buf_free(&m->text);
}

/* Empty, keeping its memory for the next second's codes. */
static void map_clear(pend_map *m)
{
	m->n = 0;
	if (m->slot)
		memset(m->slot, 0, m->nslot * sizeof *m->slot);
	qt_buf_reset(&m->text);
}

/* The slot where code is, or where it would go. */
static uint32_t *map_slot(const pend_map *m, const char *code, size_t n)
{
	size_t mask = m->nslot - 1, i = (size_t)hash_code(code, n) & mask;

	while (m->slot[i]) {
		const pend *e = &m->e[m->slot[i] - 1];
		if (e->len == n && !memcmp(m->text.p + e->off, code, n))
			break;
		i = (i + 1) & mask;
	}
	return &m->slot[i];
}

static const pend *map_find(const pend_map *m, const char *code, size_t n)
{
	uint32_t *sl = m->n ? map_slot(m, code, n) : NULL;
	return sl && *sl ? &m->e[*sl - 1] : NULL;
}

/* Room for one more entry: the table at most half full. */
static qt_rc map_grow(pend_map *m)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		pend *e = realloc(m->e, cap * sizeof *e);
		if (!e)
			return QT_ERR_NOMEM;
		m->e = e;
		m->cap = cap;
	}
	if (2 * (m->n + 1) > m->nslot) {
		size_t nslot = m->nslot ? m->nslot * 2 : 2048;
		uint32_t *old = m->slot, *sl = calloc(nslot, sizeof *sl);
		if (!sl)
			return QT_ERR_NOMEM;
		m->slot = sl;
		m->nslot = nslot;
		for (size_t i = 0; i < m->n; i++)
			*map_slot(m, m->text.p + m->e[i].off, m->e[i].len) = (uint32_t)(i + 1);
		free(old);
	}
	return QT_OK;
}

/* count lookups of code from first to last: added to its entry, or a new one (*at, when
 * given: the entry, so that a lookup reads back its own count without a second probe). */
static qt_rc map_add(pend_map *m, const char *code, size_t n, uint64_t count, const char *first,
                     const char *last, const pend **at)
{
	uint32_t *sl;
	pend *e;
	size_t off = m->text.len;
	qt_rc rc;

	if ((rc = map_grow(m)) != QT_OK)
		goto out;
	sl = map_slot(m, code, n);
	if (*sl) {
		e = &m->e[*sl - 1];
		e->count += count;
		if (strcmp(first, e->first) < 0)
			snprintf(e->first, sizeof e->first, "%s", first);
		if (strcmp(last, e->last) > 0)
			snprintf(e->last, sizeof e->last, "%s", last);
		goto found;
	}
	if ((rc = qt_buf_append(&m->text, code, n)) != QT_OK ||
	    (rc = qt_buf_putc(&m->text, '\0')) != QT_OK) {
		m->text.len = off;
		goto out;
	}
	e = &m->e[m->n];
	*e = (pend){.count = count, .off = (uint32_t)off, .len = (uint32_t)n};
	snprintf(e->first, sizeof e->first, "%s", first);
	snprintf(e->last, sizeof e->last, "%s", last);
	*sl = (uint32_t)++m->n;
found:
	if (at)
		*at = e;
out:
	return rc;
}

/* Entry v's counts (none when NULL) into t. */
static void add_pending(const pend *v, qt_tally *t)
{
	if (!v)
		return;
	if (!t->count || strcmp(v->first, t->first) < 0)
		snprintf(t->first, sizeof t->first, "%s", v->first);
	if (strcmp(v->last, t->last) > 0)
		snprintf(t->last, sizeof t->last, "%s", v->last);
	t->count += v->count;
}

/* qsort has no context argument: the table being sorted, for this thread */
static _Thread_local const pend_map *sort_map;

static int by_code(const void *a, const void *b)
{
	const pend *x = &sort_map->e[*(const uint32_t *)a], *y = &sort_map->e[*(const uint32_t *)b];
	return strcmp(sort_map->text.p + x->off, sort_map->text.p + y->off);
}

/* The waiting counts, in code order: the tally rows are a B-tree by code, and writing them in
 * its order visits each page once, in turn. */
static qt_rc write_counts(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	const pend_map *m = ctx;
	uint32_t *order = malloc(m->n * sizeof *order);
	qt_rc rc = QT_OK;
	(void)first;

	if (!order) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->n; i++)
		order[i] = (uint32_t)i;
	sort_map = m;
	qsort(order, m->n, sizeof *order, by_code);
	for (size_t i = 0; i < m->n && rc == QT_OK; i++) {
		const pend *e = &m->e[order[i]];
		rc = s->ops->tally_add(s, "query", m->text.p + e->off, e->count, e->first, e->last,
		                       err);
	}
out:
	free(order);
	return rc;
}

qt_rc qt_queries_flush(qt_platform *p, qt_err *err)
{
	qt_queries *q = p->queries;
	pend_map *batch = NULL;
	qt_rc rc = QT_OK;

	if (!q)
		return QT_OK;
	pthread_mutex_lock(&q->flush_lock);
	pthread_mutex_lock(&q->lock);
	if (q->pending->n) {
		batch = q->flushing = q->pending;
		q->pending = batch == &q->maps[0] ? &q->maps[1] : &q->maps[0];
	}
	pthread_mutex_unlock(&q->lock);
	if (!batch)
		goto out;
	rc = qt_ledger_submit_job(p->ledger, NULL, 0, write_counts, batch, NULL, err);
	pthread_mutex_lock(&q->lock);
	q->flushing = NULL;
	/* a failed batch is kept for the next try: merged into what came meanwhile */
	for (size_t i = 0; rc != QT_OK && i < batch->n; i++) {
		const pend *e = &batch->e[i];
		if (map_add(q->pending, batch->text.p + e->off, e->len, e->count, e->first, e->last,
		            NULL) != QT_OK)
			break; /* no memory: these counts are lost, the lookups were answered */
	}
	map_clear(batch);
	pthread_mutex_unlock(&q->lock);
out:
	pthread_mutex_unlock(&q->flush_lock);
	return rc;
}

static void *flusher(void *arg)
{
	qt_platform *p = arg;
	qt_queries *q = p->queries;
	bool stop = false;

	while (!stop) {
		struct timespec until;
		qt_err err;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += FLUSH_EVERY_S;
		pthread_mutex_lock(&q->lock);
		while (!q->stop && q->pending->n < PENDING_MAX &&
		       pthread_cond_timedwait(&q->wake, &q->lock, &until) != ETIMEDOUT)
			;
		stop = q->stop;
		pthread_mutex_unlock(&q->lock);
		if (qt_queries_flush(p, &err) != QT_OK)
			continue; /* a failed flush keeps its counts for the next */
	}
	return NULL;
}

/* The counter and its thread, made on the first lookup (CLI commands never need them). */
static qt_queries *queries(qt_platform *p, qt_err *err)
{
	qt_queries *q;

	pthread_mutex_lock(&p->lock);
	if (!(q = p->queries) && (q = calloc(1, sizeof *q)) != NULL) {
		pthread_mutex_init(&q->flush_lock, NULL);
		pthread_mutex_init(&q->lock, NULL);
		pthread_cond_init(&q->wake, NULL);
		map_init(&q->maps[0]);
		map_init(&q->maps[1]);
		q->pending = &q->maps[0];
		p->queries = q;
		if (pthread_create(&q->thread, NULL, flusher, p) != 0) {
			map_free(&q->maps[0]);
			map_free(&q->maps[1]);
			free(q);
			p->queries = q = NULL;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (!q)
		qt_err_set(err, QT_ERR_NOMEM, "cannot start the query counter");
	return q;
}

void qt_queries_close(qt_platform *p)
{
	qt_queries *q = p->queries;
	qt_err err;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	if (qt_queries_flush(p, &err) != QT_OK)
		fprintf(stderr, "qtrace: lookup counts not written: %s\n", err.msg);
	map_free(&q->maps[0]);
	map_free(&q->maps[1]);
	pthread_mutex_destroy(&q->lock);
	pthread_mutex_destroy(&q->flush_lock);
	pthread_cond_destroy(&q->wake);
	free(q);
	p->queries = NULL;
}

qt_rc qt_queries_get(qt_platform *p, qt_store *s, const char *code, bool count, qt_tally *out,
                     qt_err *err)
{
	qt_queries *q = p->queries;
	char now[32];
	const pend *mine = NULL;
	size_t n = strlen(code);
	qt_rc rc = s->ops->tally_get(s, "query", code, out, err);

	if (rc == QT_ERR_NOTFOUND)
		rc = QT_OK;
	if (rc == QT_OK && count && !(q = queries(p, err)))
		rc = QT_ERR_NOMEM;
	if (rc != QT_OK || !q)
		return rc;
	qt_time_now(now);
	pthread_mutex_lock(&q->lock);
	/* without memory for one more code this lookup goes uncounted, but is answered */
	if (count && map_add(q->pending, code, n, 1, now, now, &mine) == QT_OK &&
	    q->pending->n >= PENDING_MAX)
		pthread_cond_signal(&q->wake);
	/* The stored count is exact; this answer can be off by one batch while that batch
	 * commits (it may be in both the store and flushing, or in neither yet). Closing that
	 * window would make every lookup wait on the flush's fsync. */
	if (q->flushing)
		add_pending(map_find(q->flushing, code, n), out);
	add_pending(mine ? mine : map_find(q->pending, code, n), out);
	pthread_mutex_unlock(&q->lock);
	return rc;
}
