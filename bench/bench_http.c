/* bench_http.c — durable event ingest over HTTP, as clients send it: POST /api/v1/events to a
 * real `qtrace serve` (its own process, fresh database, access log on), 10,000 events per
 * request, and one event per request from 64 keep-alive clients. Each figure is printed beside
 * its DESIGN.md target, the raw SQLite loop writing the same rows, and a trivial
 * libmicrohttpd responder driven by the same client code. Every answer's status is checked;
 * any failure makes the run fail. `--smoke` (ctest) runs tiny counts only to keep this code
 * working. Usage: bench_http [--smoke] [path/to/qtrace]; default: qtrace beside this program. */
#include <arpa/inet.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>

#include "http/server.h"
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "common.h"
#include "core/trace.h"
#include "util/buf.h"

#define BULK_TARGET   200000.0
#define SINGLE_TARGET 20000.0

/* One load shape: clients at once, each sending up to per_client requests of events_each
 * events (each event commissions a code of its own), until they are sent or seconds pass. */
typedef struct shape {
	unsigned clients, per_client, events_each;
	double seconds;
} shape;

typedef struct plan {
	shape bulk, one;
	double raw_one_seconds; /* raw loop at one row per transaction: fsync-bound, so capped */
} plan;

static const plan full = {{1, 20, QT_EVENTS_MAX, 30.0}, {64, 500, 1, 10.0}, 3.0};
static const plan smoke = {{1, 2, 100, 120.0}, {64, 2, 1, 120.0}, 0.2};

/* the run's temporary directory (bench_tmp_dir) */
static const char *tmp_dir;

/* {"events":[commission of code first, …, of code first + n - 1]} */
static void events_body(qt_buf *b, unsigned long first, unsigned n)
{
	char key[BENCH_KEY_MAX];
	qt_rc rc = qt_buf_append(b, "{\"events\":[", 11);

	for (unsigned long i = first; i < first + n && rc == QT_OK; i++) {
		bench_key(i, key);
		rc = qt_buf_printf(b, "%s{\"type\":\"commission\",\"codes\":[\"%s\"]}",
		                   i > first ? "," : "", key);
	}
	if (rc != QT_OK || qt_buf_append(b, "]}", 2) != QT_OK)
		bench_die("out of memory");
}

/* A shape's request bodies, request k commissioning codes first + k * events_each on. */
static qt_buf *make_bodies(const shape *sh, unsigned long first)
{
	size_t n = (size_t)sh->clients * sh->per_client;
	qt_buf *bodies = calloc(n, sizeof *bodies);

	if (!bodies)
		bench_die("out of memory");
	for (size_t k = 0; k < n; k++) {
		qt_buf_init(&bodies[k], 16u << 20);
		events_body(&bodies[k], first + k * sh->events_each, sh->events_each);
	}
	return bodies;
}

static void free_bodies(const shape *sh, qt_buf *bodies)
{
	for (size_t k = 0; k < (size_t)sh->clients * sh->per_client; k++)
		qt_buf_free(&bodies[k]);
	free(bodies);
}

static unsigned long events_of(const shape *sh)
{
	return (unsigned long)sh->clients * sh->per_client * sh->events_each;
}

/* The server's counters: tree size and group commits so far. */
static void server_counts(bench_http *h, unsigned long *tree_size, unsigned long *commits)
{
	json_t *v;
	const char *c;

	bench_must(h, "GET", "/healthz", NULL, NULL, 200);
	v = bench_answer(h);
	*tree_size = (unsigned long)json_integer_value(json_object_get(v, "tree_size"));
	json_decref(v);
	bench_must(h, "GET", "/metrics", NULL, NULL, 200);
	c = strstr(h->body, "\nqtrace_ledger_commits_total ");
	if (!c)
		bench_die("/metrics has no qtrace_ledger_commits_total");
	*commits = strtoul(c + 29, NULL, 10);
}

/* ---- the load: clients at once, each on its own keep-alive connection ---- */

typedef struct result {
	unsigned long requests, events, failed;
	double seconds;
} result;

typedef struct load {
	unsigned port;
	const char *token;
	const shape *sh;
	const qt_buf *bodies; /* client c sends bodies[c * per_client + i], i = 0, 1, … */
	double deadline;
	pthread_barrier_t go;
} load;

typedef struct client {
	load *ld;
	unsigned index;
	result r;
} client;

static atomic_int failures_shown;

static void *client_main(void *arg)
{
	client *c = arg;
	const load *ld = c->ld;
	const qt_buf *mine = ld->bodies + (size_t)c->index * ld->sh->per_client;
	bench_http h;

	bench_http_init(&h, ld->port);
	if (!bench_http_connect(&h))
		c->r.failed = ld->sh->per_client;
	pthread_barrier_wait(&c->ld->go);
	for (unsigned i = 0; h.fd >= 0 && i < ld->sh->per_client && bench_now() < ld->deadline;
	     i++) {
		int status = bench_http_request(&h, "POST", "/api/v1/events", ld->token, mine[i].p,
		                                mine[i].len);
		c->r.requests++;
		if (status == 201) {
			c->r.events += ld->sh->events_each;
			continue;
		}
		c->r.failed++;
		if (atomic_fetch_add(&failures_shown, 1) < 5)
			fprintf(stderr, "bench_http: POST /api/v1/events: status %d %.*s\n", status,
			        status > 0 ? (int)(h.body_len < 300 ? h.body_len : 300) : 0,
			        status > 0 ? h.body : "");
	}
	bench_http_free(&h);
	return NULL;
}

/* Runs one shape against the server on port; the clock runs from when every client is
 * connected until the last has its last answer. */
static result run_load(unsigned port, const char *token, const shape *sh, const qt_buf *bodies)
{
	load ld = {.port = port, .token = token, .sh = sh, .bodies = bodies};
	client *cs = calloc(sh->clients, sizeof *cs);
	result r = {0};

	if (!cs)
		bench_die("out of memory");
	for (unsigned i = 0; i < sh->clients; i++)
		cs[i] = (client){.ld = &ld, .index = i};
	r.seconds = bench_clients_run(sh->clients, client_main, cs, sizeof *cs, &ld.go,
	                              &ld.deadline, sh->seconds);
	for (unsigned i = 0; i < sh->clients; i++) {
		r.requests += cs[i].r.requests;
		r.events += cs[i].r.events;
		r.failed += cs[i].r.failed;
	}
	free(cs);
	return r;
}

/* ---- the limit rows: what the server wrote for one commission event ---- */

typedef struct sample {
	qt_buf leaf, sealed, doc;
} sample;

static void copy_column(sqlite3_stmt *st, int col, qt_buf *out)
{
	qt_buf_init(out, 1u << 20);
	if (sqlite3_column_bytes(st, col) &&
	    qt_buf_append(out, sqlite3_column_blob(st, col),
	                  (size_t)sqlite3_column_bytes(st, col)) != QT_OK)
		bench_die("out of memory");
}

/* The last record (a commission) and code S0's state document, read from the database. */
static void read_sample(const char *db_path, sample *s)
{
	sqlite3 *db;
	sqlite3_stmt *rec = NULL, *doc = NULL;
	char key[BENCH_KEY_MAX];

	bench_key(0, key);
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT leaf, sealed FROM records ORDER BY idx DESC LIMIT 1", -1,
	                       &rec, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT body FROM docs WHERE kind = 'code' AND id = ?1", -1,
	                       &doc, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(doc, 1, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(rec) != SQLITE_ROW || sqlite3_step(doc) != SQLITE_ROW)
		bench_die("reading a sample record: %s", sqlite3_errmsg(db));
	copy_column(rec, 0, &s->leaf);
	copy_column(rec, 1, &s->sealed);
	copy_column(doc, 0, &s->doc);
	sqlite3_finalize(rec);
	sqlite3_finalize(doc);
	sqlite3_close(db);
}

/* The raw loop with the server's rows, in a database of its own. */
static double raw(const sample *s, const char *name, unsigned long n, unsigned long per_txn,
                  unsigned long ranges, unsigned long range_len, double max_seconds)
{
	char path[300];
	snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
	return bench_raw_loop(path,
	                      &(bench_rows){.leaf = s->leaf.p,
	                                    .leaf_len = s->leaf.len,
	                                    .sealed = s->sealed.len ? s->sealed.p : NULL,
	                                    .sealed_len = s->sealed.len,
	                                    .doc = s->doc.p,
	                                    .doc_len = s->doc.len,
	                                    .ranges = ranges,
	                                    .range_len = range_len},
	                      n, per_txn, max_seconds);
}

/* ---- one run ---- */

/* Both shapes' bodies, built before any clock starts and sent to both servers. */
typedef struct bodies {
	qt_buf *bulk, *one;
} bodies;

/* What the server did. */
typedef struct server_run {
	result bulk, one;
	unsigned long bulk_commits, one_commits;
	double issue_seconds;
	char token[QT_TOKEN_LEN + 1]; /* the producer's, sent to the trivial responder too */
	bool consistent;              /* the tree grew by exactly the events answered 201 */
	bool stopped;                 /* exit status 0 after SIGTERM */
} server_run;

static double rate(const result *r)
{
	return (double)r->events / r->seconds;
}

static server_run run_server(const plan *pl, const char *qtrace, const char *db, const bodies *b)
{
	unsigned long size0, size1, size2, commits0, commits1, commits2;
	server_run sr;
	bench_http h;
	char batch[QT_ID_MAX];

	bench_http_init(&h, bench_server_start(qtrace, db));
	sr.issue_seconds = bench_now();
	bench_prepare(&h, events_of(&pl->bulk) + events_of(&pl->one), sr.token, batch);
	sr.issue_seconds = bench_now() - sr.issue_seconds;
	server_counts(&h, &size0, &commits0);
	sr.bulk = run_load(h.port, sr.token, &pl->bulk, b->bulk);
	server_counts(&h, &size1, &commits1);
	sr.one = run_load(h.port, sr.token, &pl->one, b->one);
	server_counts(&h, &size2, &commits2);
	bench_http_free(&h);
	sr.stopped = bench_server_stop();
	sr.bulk_commits = commits1 - commits0;
	sr.one_commits = commits2 - commits1;
	sr.consistent = size1 - size0 == sr.bulk.events && size2 - size1 == sr.one.events;
	if (!sr.consistent)
		fprintf(stderr, "bench_http: the tree grew by %lu and %lu, not %lu and %lu\n",
		        size1 - size0, size2 - size1, sr.bulk.events, sr.one.events);
	if (!sr.stopped)
		fprintf(stderr, "bench_http: qtrace serve did not stop cleanly on SIGTERM\n");
	return sr;
}

int main(int argc, char **argv)
{
	const plan *pl = &full;
	const shape *bulk = &pl->bulk, *one = &pl->one;
	char qtrace[PATH_MAX], db[BENCH_PATH_MAX], what[120];
	unsigned long group_rows;
	unsigned tport;
	result tbulk, tone;
	server_run sr;
	bodies b;
	bench_trivial *trivial;
	sample smp;
	bool ok;
	double group, raw_bulk, raw_one, raw_group;

	if (bench_begin("bench_http", argc, argv, qtrace, db)) {
		pl = &smoke;
		bulk = &pl->bulk;
		one = &pl->one;
	}
	tmp_dir = bench_dir();
	/* the bulk run commissions the first codes, the one-event run those after */
	b.bulk = make_bodies(bulk, 0);
	b.one = make_bodies(one, events_of(bulk));

	sr = run_server(pl, qtrace, db, &b);
	group = sr.one_commits ? (double)sr.one.events / (double)sr.one_commits : 1;
	group_rows = group < 1.5 ? 1 : (unsigned long)(group + 0.5);

	trivial = bench_trivial_start(201, "{\"accepted\":1}", 14, &tport);
	tbulk = run_load(tport, sr.token, bulk, b.bulk);
	tone = run_load(tport, sr.token, one, b.one);
	bench_trivial_stop(trivial);
	free_bodies(bulk, b.bulk);
	free_bodies(one, b.one);

	/* the same rows the server wrote, in the same key order: ascending for the bulk
	 * upload, the clients' runs of codes interleaved for one event per request */
	read_sample(db, &smp);
	raw_bulk = raw(&smp, "raw-bulk.db", sr.bulk.events, bulk->events_each, 0, 0, 0);
	raw_one = raw(&smp, "raw-one.db", sr.one.events, 1, one->clients, one->per_client,
	              pl->raw_one_seconds);
	raw_group = raw(&smp, "raw-group.db", sr.one.events, group_rows, one->clients,
	                one->per_client, 0);

	printf("%-72s %10s %10s %8s\n", "HTTP event ingest: POST /api/v1/events to qtrace serve",
	       "events/s", "limit", "ratio");
	snprintf(what, sizeof what, "%u events per request (vs target)", bulk->events_each);
	bench_row(what, rate(&sr.bulk), 0, BULK_TARGET);
	snprintf(what, sizeof what, "%u events per request (vs raw SQLite, %u rows per txn)",
	         bulk->events_each, bulk->events_each);
	bench_row(what, rate(&sr.bulk), 0, raw_bulk);
	snprintf(what, sizeof what, "%u events per request (vs trivial MHD responder)",
	         bulk->events_each);
	bench_row(what, rate(&sr.bulk), 0, rate(&tbulk));
	snprintf(what, sizeof what, "1 event per request, %u clients (vs target)", one->clients);
	bench_row(what, rate(&sr.one), 0, SINGLE_TARGET);
	snprintf(what, sizeof what,
	         "1 event per request, %u clients (vs raw SQLite, 1 row per txn)", one->clients);
	bench_row(what, rate(&sr.one), 0, raw_one);
	snprintf(what, sizeof what,
	         "1 event per request, %u clients (vs raw SQLite, %lu rows per txn)", one->clients,
	         group_rows);
	bench_row(what, rate(&sr.one), 0, raw_group);
	snprintf(what, sizeof what, "1 event per request, %u clients (vs trivial MHD responder)",
	         one->clients);
	bench_row(what, rate(&sr.one), 0, rate(&tone));
	printf("(bulk: %lu events in %lu requests, %lu group commits, %.2f s. One event: %lu "
	       "requests in %.2f s, %lu group commits, %.1f events per commit.\n"
	       " Setup, untimed: %lu codes issued in %.2f s. Raw rows per event: a record with a "
	       "%zu-byte leaf, an index row, nodes, a %zu-byte code document.\n"
	       " Failed requests: %lu to qtrace, %lu to the trivial responder.)\n",
	       sr.bulk.events, sr.bulk.requests, sr.bulk_commits, sr.bulk.seconds, sr.one.requests,
	       sr.one.seconds, sr.one_commits, group, events_of(bulk) + events_of(one),
	       sr.issue_seconds, smp.leaf.len, smp.doc.len, sr.bulk.failed + sr.one.failed,
	       tbulk.failed + tone.failed);
	if (pl == &smoke)
		printf("(smoke run: tiny counts, the figures mean nothing)\n");

	ok = sr.consistent && sr.stopped && !sr.bulk.failed && !sr.one.failed && !tbulk.failed &&
	     !tone.failed;
	/* the smoke run is small enough never to reach its deadline: all must have gone */
	if (pl == &smoke && (sr.bulk.events != events_of(bulk) || sr.one.events != events_of(one) ||
	                     tbulk.events != events_of(bulk) || tone.events != events_of(one)))
		ok = false;
	qt_buf_free(&smp.leaf);
	qt_buf_free(&smp.sealed);
	qt_buf_free(&smp.doc);
	return bench_remove_dir(tmp_dir) && ok ? 0 : 1;
}
