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

struct qt_queries {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool stop;
	json_t *pending;  /* code -> [count, first, last], not yet written */
	json_t *flushing; /* the same, being written now (still counted by readers) */
};

static void add_pending(const json_t *map, const char *code, qt_tally *t)
{
	json_t *v = json_object_get(map, code);
	const char *first, *last;

	if (!v)
		return;
	first = json_string_value(json_array_get(v, 1));
	last = json_string_value(json_array_get(v, 2));
	if (!t->count || strcmp(first, t->first) < 0)
		snprintf(t->first, sizeof t->first, "%s", first);
	if (strcmp(last, t->last) > 0)
		snprintf(t->last, sizeof t->last, "%s", last);
	t->count += (uint64_t)json_integer_value(json_array_get(v, 0));
}

static qt_rc write_counts(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	const char *code;
	json_t *v;
	qt_rc rc = QT_OK;
	(void)first;

	json_object_foreach((json_t *)ctx, code, v)
	{
		if ((rc = s->ops->tally_add(s, "query", code,
		                            (uint64_t)json_integer_value(json_array_get(v, 0)),
		                            json_string_value(json_array_get(v, 1)),
		                            json_string_value(json_array_get(v, 2)), err)) != QT_OK)
			break;
	}
	return rc;
}

qt_rc qt_queries_flush(qt_platform *p, qt_err *err)
{
	qt_queries *q = p->queries;
	json_t *batch;
	qt_rc rc = QT_OK;

	if (!q)
		return QT_OK;
	pthread_mutex_lock(&q->lock);
	batch = json_object_size(q->pending) ? q->pending : NULL;
	if (batch) {
		q->flushing = batch;
		q->pending = json_object();
	}
	pthread_mutex_unlock(&q->lock);
	if (!batch)
		return QT_OK;
	rc = qt_ledger_submit_job(p->ledger, NULL, 0, write_counts, batch, NULL, err);
	pthread_mutex_lock(&q->lock);
	q->flushing = NULL;
	if (rc != QT_OK) {
		/* kept for the next try: merge back what was being written */
		const char *code;
		json_t *v;
		json_object_foreach(batch, code, v)
		{
			json_t *now = json_object_get(q->pending, code);
			if (now) {
				json_array_set_new(
				        now, 0,
				        json_integer(json_integer_value(json_array_get(v, 0)) +
				                     json_integer_value(json_array_get(now, 0))));
				json_array_set(now, 1, json_array_get(v, 1));
			} else {
				json_object_set(q->pending, code, v);
			}
		}
	}
	pthread_mutex_unlock(&q->lock);
	json_decref(batch);
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
		while (!q->stop && json_object_size(q->pending) < PENDING_MAX &&
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
		pthread_mutex_init(&q->lock, NULL);
		pthread_cond_init(&q->wake, NULL);
		q->pending = json_object();
		p->queries = q;
		if (pthread_create(&q->thread, NULL, flusher, p) != 0) {
			json_decref(q->pending);
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
	json_decref(q->pending);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->wake);
	free(q);
	p->queries = NULL;
}

qt_rc qt_queries_get(qt_platform *p, qt_store *s, const char *code, bool count, qt_tally *out,
                     qt_err *err)
{
	qt_queries *q = p->queries;
	char now[32];
	qt_rc rc = s->ops->tally_get(s, "query", code, out, err);

	if (rc == QT_ERR_NOTFOUND)
		rc = QT_OK;
	if (rc == QT_OK && count && !(q = queries(p, err)))
		rc = QT_ERR_NOMEM;
	if (rc != QT_OK || !q)
		return rc;
	qt_time_now(now);
	pthread_mutex_lock(&q->lock);
	if (count) {
		json_t *v = json_object_get(q->pending, code);
		if (v)
			json_array_set_new(
			        v, 0, json_integer(json_integer_value(json_array_get(v, 0)) + 1));
		else
			json_object_set_new(q->pending, code, json_pack("[i, s, s]", 1, now, now));
		if (v)
			json_array_set_new(v, 2, json_string(now));
		if (json_object_size(q->pending) >= PENDING_MAX)
			pthread_cond_signal(&q->wake);
	}
	/* The stored count is exact; this answer can be off by one batch while that batch
	 * commits (it may be in both the store and flushing, or in neither yet). Closing that
	 * window would make every lookup wait on the flush's fsync. */
	if (q->flushing)
		add_pending(q->flushing, code, out);
	add_pending(q->pending, code, out);
	pthread_mutex_unlock(&q->lock);
	return rc;
}
