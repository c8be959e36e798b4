/* bench_lookup.c — public code lookups over HTTP (GET /api/v1/codes/{code}, no token) against
 * a real `qtrace serve` on a store of 10 million codes, from keep-alive clients: requests per
 * second and p50/p99 latency for random codes across the store and for a hot set, beside the
 * DESIGN.md targets and a trivial libmicrohttpd responder driven by the same client code; then
 * two floors: a lookup's own reads by raw SQLite statements, and a floor server (the trivial
 * responder making those reads for each request's code); then the server's memory (VmRSS,
 * VmHWM) beside its target. Every answer must be 200; any failure
 * makes the run fail. The store is built in-process once and cached (see store_path).
 * Usage: bench_lookup [--smoke] [path/to/qtrace]; default: qtrace beside this program. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "codes/code.h"
#include "common.h"
#include "core/catalog.h"
#include "core/trace.h"
#include "store/store.h"

#define LOOKUP_TARGET 30000.0 /* requests per second */
#define P99_TARGET_MS 5.0
#define RSS_TARGET_MB 200.0
/* How the cached store is built: bump it when build_store makes a different store, so older
 * cached ones are not reused. 2: `qtrace init` marks the first record of a catalogue addition
 * (its job key), without which `qtrace verify` of the store cannot rebuild its announcement. */
#define STORE_FORMAT 2
/* What one code costs the store (code document and its owner index, batch link, index row, a
 * 64th of an issue record, commission and flow records, B-tree slack): ~600 bytes, the 10M
 * store being 6.0 GB; rounded up here. Building wants 1.5 times that free, for its WAL. */
#define BYTES_PER_CODE 700ull
#define CARTON         50                       /* flowed codes per carton */
#define EVENT_CODES    (QT_EVENT_CODES_MAX - 1) /* one index key is the parent's */

/* The store, and the load put on it. Of each batch's codes (one batch per issue request)
 * the first `commissioned` are commissioned; of those the first `flowed` are packed in
 * cartons, shipped to a distributor, received, unpacked, shipped to a shop and received, and
 * every other one of them sold; every tenth code has been looked up before. */
typedef struct plan {
	unsigned long codes, per_batch, commissioned, flowed;
	unsigned clients;
	double warmup, seconds;
	unsigned long hot; /* the hot set: this many flowed codes */
} plan;

static const plan full = {10000000, QT_ISSUE_MAX, 10000, 1000, 16, 3.0, 10.0, 1000};
static const plan smoke = {3000, 1000, 200, 100, 4, 0.0, 0.5, 50};

/* ---- building the store, in-process ---- */

static void check(qt_rc rc, const qt_err *err, const char *what)
{
	if (rc != QT_OK)
		bench_die("building the store: %s: %s", what, err->msg);
}

/* Registers a unit and returns it as an account. */
static qt_account unit(qt_platform *p, const char *division, const char *org8, const char *name,
                       const char *role)
{
	char uscc[QT_USCC_LEN + 1];
	json_t *answer = NULL,
	       *body = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:[s]}", "name", name, "uscc",
	                         (bench_make_uscc(division, org8, uscc), uscc), "address",
	                         "福建省福州市鼓楼区1号", "contact", "0591-12345678", "licence",
	                         "sha256",
	                         "abababababababababababababababababababababababababababababababab",
	                         "name", "营业执照.pdf", "roles", role);
	qt_account a;
	qt_err err;

	check(qt_units_register(p, body, &answer, &err), &err, "register a unit");
	check(qt_accounts_get(qt_platform_reader(p, &err), uscc, &a, &err), &err,
	      "read the unit back");
	json_decref(body);
	json_decref(answer);
	return a;
}

/* Submits events (taken) as who; returns the ledger index of the first. */
static uint64_t submit(qt_platform *p, const qt_account *who, json_t *events)
{
	json_t *answer = NULL, *body = json_pack("{s:o}", "events", events);
	uint64_t first;
	qt_err err;

	check(qt_events_submit(p, who, body, &answer, &err), &err, "submit events");
	first = (uint64_t)json_integer_value(json_object_get(answer, "first_index"));
	json_decref(answer);
	json_decref(body);
	return first;
}

/* Codes [from, from + n) as canonical keys. */
static json_t *keys(unsigned long from, unsigned long n)
{
	json_t *a = json_array();
	char key[BENCH_KEY_MAX];

	for (unsigned long i = from; i < from + n; i++) {
		bench_key(i, key);
		json_array_append_new(a, json_string(key));
	}
	return a;
}

/* Carton k of batch b: an SSCC of the producer's company prefix 6901234. */
static void carton(unsigned long b, unsigned long k, char out[32])
{
	char digits[18];
	snprintf(digits, sizeof digits, "36901234%09lu", b * 1000 + k);
	snprintf(out, 32, "00/%s%c", digits, qt_gs1_check_digit(digits, 17));
}

typedef struct parties {
	qt_account producer, distributor, shop;
	const char *product;
} parties;

/* Batch b: registered, its codes issued in one request, commissioned, some flowed. */
static void build_batch(qt_platform *p, const plan *pl, const parties *u, unsigned long b)
{
	unsigned long first = b * pl->per_batch, cartons = pl->flowed / CARTON;
	char batch_no[32], key[BENCH_KEY_MAX], url[BENCH_KEY_MAX + 32], sscc[32];
	json_t *answer = NULL, *body, *codes = json_array(), *ev = json_array(), *ship, *recv;
	uint64_t at;
	qt_err err;

	snprintf(batch_no, sizeof batch_no, "L%05lu", b);
	body = json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s}}", "product", u->product, "batch_no",
	                 batch_no, "production_date", "2026-11-01", "quantity",
	                 (json_int_t)pl->per_batch, "inspection_report", "sha256",
	                 "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "name",
	                 "出厂检验.pdf");
	check(qt_batches_register(p, &u->producer, body, &answer, &err), &err, "register a batch");
	json_decref(body);
	/* the producer's own list, as printed labels carry them: GS1 Digital Links */
	for (unsigned long i = first; i < first + pl->per_batch; i++) {
		bench_key(i, key);
		snprintf(url, sizeof url, "https://id.bench.invalid/%s", key);
		json_array_append_new(codes, json_string(url));
	}
	body = json_pack("{s:s, s:O, s:s, s:s, s:o}", "product", u->product, "batch",
	                 json_object_get(json_object_get(answer, "batch"), "id"), "granularity",
	                 "item", "scheme", "gs1", "codes", codes);
	json_decref(answer);
	check(qt_codes_issue(p, &u->producer, body, &answer, &err), &err, "issue codes");
	json_decref(body);
	json_decref(answer);

	/* the producer: commission (as many codes an event as it may name), pack the flowed
	 * codes in cartons, ship the cartons */
	for (unsigned long i = 0; i < pl->commissioned; i += EVENT_CODES)
		json_array_append_new(ev,
		                      json_pack("{s:s, s:o}", "type", "commission", "codes",
		                                keys(first + i, pl->commissioned - i < EVENT_CODES
		                                                        ? pl->commissioned - i
		                                                        : EVENT_CODES)));
	ship = json_array();
	for (unsigned long k = 0; k < cartons; k++) {
		carton(b, k, sscc);
		json_array_append_new(ship, json_string(sscc));
		json_array_append_new(ev,
		                      json_pack("{s:s, s:s, s:o}", "type", "pack", "parent", sscc,
		                                "codes", keys(first + k * CARTON, CARTON)));
	}
	json_array_append_new(ev, json_pack("{s:s, s:O, s:{s:s, s:s}}", "type", "ship", "codes",
	                                    ship, "buyer", "uscc", u->distributor.id, "name",
	                                    u->distributor.name));
	at = json_array_size(ev) - 1; /* the ship, last */
	at += submit(p, &u->producer, ev);

	/* the distributor: receive, open every carton, ship the items on to the shop */
	ev = json_array();
	json_array_append_new(ev, json_pack("{s:s, s:I, s:o}", "type", "receive", "shipment",
	                                    (json_int_t)at, "codes", ship));
	for (unsigned long k = 0; k < cartons; k++) {
		carton(b, k, sscc);
		json_array_append_new(ev,
		                      json_pack("{s:s, s:s, s:o}", "type", "unpack", "parent", sscc,
		                                "codes", keys(first + k * CARTON, CARTON)));
	}
	for (unsigned long k = 0; k < cartons; k++)
		json_array_append_new(ev,
		                      json_pack("{s:s, s:o, s:{s:s, s:s}}", "type", "ship", "codes",
		                                keys(first + k * CARTON, CARTON), "buyer", "uscc",
		                                u->shop.id, "name", u->shop.name));
	at = submit(p, &u->distributor, ev) + 1 + cartons;

	/* the shop: receive each shipment, sell every other item */
	recv = json_array();
	for (unsigned long k = 0; k < cartons; k++)
		json_array_append_new(recv, json_pack("{s:s, s:I, s:o}", "type", "receive",
		                                      "shipment", (json_int_t)(at + k), "codes",
		                                      keys(first + k * CARTON, CARTON)));
	for (unsigned long i = 0; i < pl->flowed; i += 2)
		json_array_append_new(recv, json_pack("{s:s, s:o}", "type", "retail", "codes",
		                                      keys(first + i, 1)));
	if (cartons)
		submit(p, &u->shop, recv);
	else
		json_decref(recv);
}

/* Every tenth code of a batch looked up three times before (lookup counts live outside the
 * ledger, so a job of our own writes them, as queries.c's flush does). */
typedef struct tallies {
	unsigned long first, n;
} tallies;

static qt_rc write_tallies(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	const tallies *t = ctx;
	char key[BENCH_KEY_MAX];
	qt_rc rc = QT_OK;
	(void)first;

	for (unsigned long i = t->first; i < t->first + t->n && rc == QT_OK; i += 10) {
		bench_key(i, key);
		rc = s->ops->tally_add(s, "query", key, 3, "2026-11-02T08:00:00Z",
		                       "2026-11-09T20:00:00Z", err);
	}
	return rc;
}

/* The batches to build, taken in turn by two threads: while one is in the ledger's writer,
 * the other parses its codes and makes its JSON. */
typedef struct builder {
	qt_platform *p;
	const plan *pl;
	const parties *u;
	double t0;
	pthread_mutex_t lock; /* guards the two below */
	unsigned long next, done;
} builder;

static void progress(const plan *pl, unsigned long done, double t0)
{
	static int shown = -1;
	int tenth = (int)(done * 10 / pl->codes);
	bool last = done >= pl->codes;

	if (isatty(2))
		fprintf(stderr, "\rbench_lookup: building the store: %lu of %lu codes, %.0f s%s",
		        done, pl->codes, bench_now() - t0, last ? "\n" : "");
	else if (tenth != shown || last)
		fprintf(stderr, "bench_lookup: building the store: %lu of %lu codes, %.0f s\n",
		        done, pl->codes, bench_now() - t0);
	shown = tenth;
}

static void *build_batches(void *arg)
{
	builder *bd = arg;
	const plan *pl = bd->pl;

	for (;;) {
		unsigned long b;
		tallies t;
		qt_err err;

		pthread_mutex_lock(&bd->lock);
		b = bd->next++;
		pthread_mutex_unlock(&bd->lock);
		if (b * pl->per_batch >= pl->codes)
			return NULL;
		build_batch(bd->p, pl, bd->u, b);
		t = (tallies){b * pl->per_batch, pl->per_batch};
		check(qt_ledger_submit_job(bd->p->ledger, NULL, 0, write_tallies, &t, NULL, &err),
		      &err, "write lookup counts");
		pthread_mutex_lock(&bd->lock);
		bd->done += pl->per_batch;
		progress(pl, bd->done, bd->t0);
		pthread_mutex_unlock(&bd->lock);
	}
}

/* Builds the store for plan pl in path, a database fresh from `qtrace init`. */
static void build_store(const plan *pl, const char *path)
{
	json_t *answer = NULL, *body;
	qt_platform *p;
	parties u;
	builder bd;
	pthread_t threads[2];
	qt_err err;
	double t0 = bench_now();

	check(qt_platform_open(path, &p, &err), &err, "open");
	u.producer = unit(p, "350100", "B0000001", "福建电缆厂", "producer");
	u.distributor = unit(p, "350200", "D0000001", "厦门电工器材经销部", "seller");
	u.shop = unit(p, "350203", "T0000001", "思明五金店", "seller");
	body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:[s], s:s}", "name",
	                 "塑料绝缘控制电缆 KVV", "catalog_unit", "wire-cable.plastic-control",
	                 "type", "控制电缆", "model", "KVV 4×1.5", "standard", "GB/T 9330-2020",
	                 "licence_no", "XK06-014-00123", "warranty_months", 24, "schemes", "gs1",
	                 "gtin", "6901234567892");
	check(qt_products_register(p, &u.producer, body, &answer, &err), &err,
	      "register a product");
	u.product = json_string_value(json_object_get(json_object_get(answer, "product"), "id"));
	bd = (builder){.p = p, .pl = pl, .u = &u, .t0 = t0};
	pthread_mutex_init(&bd.lock, NULL);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&threads[i], NULL, build_batches, &bd) != 0)
			bench_die("cannot start the builder threads");
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&bd.lock);
	json_decref(body);
	json_decref(answer);
	qt_platform_close(p);
}

/* Moves a file (across file systems too); false when that failed. */
static bool move(const char *from, const char *to)
{
	char cmd[3 * PATH_MAX];

	if (rename(from, to) == 0)
		return true;
	snprintf(cmd, sizeof cmd, "mv -f '%s' '%s'", from, to);
	return errno == EXDEV && system(cmd) == 0;
}

/* Whether dir has room for a store of pl (with a margin for the WAL). */
static void need_room(const char *dir, const plan *pl)
{
	struct statvfs fs;
	unsigned long long need = pl->codes * BYTES_PER_CODE * 3 / 2;

	if (statvfs(dir, &fs) == 0 && (unsigned long long)fs.f_bavail * fs.f_frsize < need)
		bench_die("%s has %llu MB free; building a store of %lu codes needs %llu MB", dir,
		          (unsigned long long)fs.f_bavail * fs.f_frsize >> 20, pl->codes,
		          need >> 20);
}

/* The cached store for pl in out: $BENCH_CACHE (default /tmp/qt-bench-cache), one file named
 * by what it holds and how it was made (code count, schema version, STORE_FORMAT), so a new
 * way of building makes a new one (older ones of the same count are removed then), and a
 * new schema migrates the old one. When there is none, it is built in fresh (the run's new
 * database) and moved there. The 10M-code store is about 6.0 GB plus its WAL while building: the
 * disk is checked first. Runs add lookup counts to it, as a live server's store gets them. */
static void cached_store(const plan *pl, const char *fresh, char out[PATH_MAX])
{
	const char *dir = getenv("BENCH_CACHE") ? getenv("BENCH_CACHE") : "/tmp/qt-bench-cache";
	char prefix[64], suffix[32], old[PATH_MAX + 300], from[PATH_MAX + 320], to[PATH_MAX + 32];
	bool upgraded = false;
	struct dirent *e;
	DIR *d;

	snprintf(prefix, sizeof prefix, "lookup-%lu-", pl->codes);
	snprintf(out, PATH_MAX, "%s/%sschema%u-format%d.db", dir, prefix, qt_store_sqlite_schema(),
	         STORE_FORMAT);
	if (access(out, R_OK) == 0)
		return;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		bench_die("cannot make the cache directory %s: %s", dir, strerror(errno));
	snprintf(suffix, sizeof suffix, "-format%d.db", STORE_FORMAT);
	/* a store of an older schema made the same way is migrated, as a live server's store
	 * would be (its key moves first, so a store in the cache always has its key); any other
	 * of the same count is removed */
	for (d = opendir(dir); d && !upgraded && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || n <= strlen(suffix) ||
		    strcmp(e->d_name + n - strlen(suffix), suffix) != 0)
			continue;
		snprintf(old, sizeof old, "%s/%s", dir, e->d_name);
		snprintf(from, sizeof from, "%s.key", old);
		snprintf(to, sizeof to, "%s.key", out);
		upgraded = rename(from, to) == 0 && rename(old, out) == 0;
	}
	if (d)
		closedir(d);
	for (d = opendir(dir); d && (e = readdir(d));) {
		snprintf(old, sizeof old, "%s/%s", dir, e->d_name);
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 &&
		    strncmp(old, out, strlen(out)) != 0)
			unlink(old);
	}
	if (d)
		closedir(d);
	if (upgraded) {
		qt_platform *p;
		qt_err err;
		fprintf(stderr, "bench_lookup: migrating the cached store to schema %u\n",
		        qt_store_sqlite_schema());
		check(qt_platform_open(out, &p, &err), &err, "migrate the cached store");
		qt_platform_close(p);
		return;
	}
	need_room(bench_dir(), pl);
	need_room(dir, pl);
	fprintf(stderr,
	        "bench_lookup: no cached store in %s: building one of %lu codes (kept for later "
	        "runs)\n",
	        dir, pl->codes);
	build_store(pl, fresh);
	/* the ledger's signing key lives beside its database: the key first, so a store in
	 * the cache always has its key */
	snprintf(from, sizeof from, "%s.key", fresh);
	snprintf(to, sizeof to, "%s.key", out);
	if (!move(from, to) || !move(fresh, out))
		bench_die("cannot move the store into %s: %s", dir, strerror(errno));
}

/* Reads the file through once, so that the timed lookups find it in the page cache however
 * long ago it was built (the server maps it; it is not the server's memory). */
static void warm_file(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		bench_die("%s: %s", path, strerror(errno));
	while (read(fd, buf, sizeof buf) > 0)
		;
	close(fd);
}

/* ---- the load: clients at once, each on its own keep-alive connection ---- */

typedef struct result {
	unsigned long requests, failed;
	double seconds, p50_ms, p99_ms;
} result;

typedef struct load {
	unsigned port;
	const plan *pl;
	bool hot;
	double deadline;
	pthread_barrier_t go;
} load;

typedef struct client {
	load *ld;
	unsigned index;
	unsigned long requests, failed;
	uint32_t *lat; /* each request's latency in microseconds */
	size_t n, cap;
} client;

static atomic_int failures_shown;

/* The next code to look up: uniform over the store, or over the hot set (flowed codes of
 * every batch). */
static unsigned long pick(const load *ld, uint64_t *x)
{
	const plan *pl = ld->pl;
	unsigned long batches = pl->codes / pl->per_batch, j;

	*x ^= *x << 13; /* xorshift64: cheap, and each client has its own */
	*x ^= *x >> 7;
	*x ^= *x << 17;
	if (!ld->hot)
		return (unsigned long)(*x % pl->codes);
	j = (unsigned long)(*x % pl->hot);
	return j % batches * pl->per_batch + j / batches % pl->flowed;
}

static void *client_main(void *arg)
{
	client *c = arg;
	const load *ld = c->ld;
	uint64_t x = 0x9e3779b97f4a7c15ull * (c->index + 1);
	char key[BENCH_KEY_MAX], path[BENCH_KEY_MAX + 64];
	bench_http h;

	bench_http_init(&h, ld->port);
	if (!bench_http_connect(&h))
		c->failed++;
	pthread_barrier_wait(&c->ld->go);
	while (h.fd >= 0 && bench_now() < ld->deadline) {
		unsigned long code = pick(ld, &x);
		double t0;
		int status;

		bench_key(code, key);
		/* the key's slashes percent-encoded, as a scanning app sends it */
		snprintf(path, sizeof path, "/api/v1/codes/01%%2F%.14s%%2F21%%2F%s", key + 3,
		         key + 21);
		t0 = bench_now();
		status = bench_http_request(&h, "GET", path, NULL, NULL, 0);
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 65536;
			if (!(c->lat = realloc(c->lat, c->cap * sizeof *c->lat)))
				bench_die("out of memory");
		}
		c->lat[c->n++] = (uint32_t)((bench_now() - t0) * 1e6);
		c->requests++;
		if (status == 200)
			continue;
		c->failed++;
		if (atomic_fetch_add(&failures_shown, 1) < 5)
			fprintf(stderr, "bench_lookup: GET %s: status %d %.*s\n", path, status,
			        status > 0 ? (int)(h.body_len < 300 ? h.body_len : 300) : 0,
			        status > 0 ? h.body : "");
	}
	bench_http_free(&h);
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Lookups against the server on port for seconds; the clock runs from when every client is
 * connected until the last has its last answer. */
static result run_load(unsigned port, const plan *pl, bool hot, double seconds)
{
	load ld = {.port = port, .pl = pl, .hot = hot};
	client *cs = calloc(pl->clients, sizeof *cs);
	result r = {0};
	uint32_t *all;
	size_t n = 0;

	if (!cs)
		bench_die("out of memory");
	for (unsigned i = 0; i < pl->clients; i++)
		cs[i] = (client){.ld = &ld, .index = i};
	r.seconds = bench_clients_run(pl->clients, client_main, cs, sizeof *cs, &ld.go,
	                              &ld.deadline, seconds);
	for (unsigned i = 0; i < pl->clients; i++) {
		r.requests += cs[i].requests;
		r.failed += cs[i].failed;
	}
	if (!(all = malloc((r.requests + 1) * sizeof *all)))
		bench_die("out of memory");
	for (unsigned i = 0; i < pl->clients; i++) {
		memcpy(all + n, cs[i].lat, cs[i].n * sizeof *all);
		n += cs[i].n;
		free(cs[i].lat);
	}
	qsort(all, n, sizeof *all, by_value);
	r.p50_ms = n ? all[n / 2] / 1e3 : 0;
	r.p99_ms = n ? all[n * 99 / 100] / 1e3 : 0;
	free(all);
	free(cs);
	return r;
}

static double rate(const result *r)
{
	return (double)r->requests / r->seconds;
}

/* ---- the answers: that the store holds what the load expects ---- */

/* The view of code i, which must answer 200 with that code and events events. */
static void view(bench_http *h, unsigned long i, size_t events, qt_buf *keep)
{
	char key[BENCH_KEY_MAX], path[BENCH_KEY_MAX + 64];
	json_t *v;

	bench_key(i, key);
	snprintf(path, sizeof path, "/api/v1/codes/01%%2F%.14s%%2F21%%2F%s", key + 3, key + 21);
	bench_must(h, "GET", path, NULL, NULL, 200);
	v = bench_answer(h);
	if (strcmp(qt_json_text(v, "code"), key) != 0 ||
	    json_array_size(json_object_get(v, "events")) != events)
		bench_die("GET %s: not code %s with %zu events: %.*s", path, key, events,
		          (int)(h->body_len < 600 ? h->body_len : 600), h->body);
	json_decref(v);
	if (keep && qt_buf_append(keep, h->body, h->body_len) != QT_OK)
		bench_die("out of memory");
}

/* The CPU seconds process pid has used (user and system, all its threads). */
static double cpu_seconds(pid_t pid)
{
	char path[64], text[1024], *close;
	unsigned long user = 0, sys = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		bench_die("%s: %s", path, strerror(errno));
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	/* after "pid (comm)": state and 10 more fields, then utime and stime in clock ticks */
	if (!(close = strrchr(text, ')')) ||
	    sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &user,
	           &sys) != 2)
		bench_die("%s: not understood", path);
	return (double)(user + sys) / (double)sysconf(_SC_CLK_TCK);
}

/* A load against the server, and the server's CPU microseconds per request in it: a figure
 * other processes on a shared machine disturb far less than requests per second. */
static result server_load(unsigned port, const plan *pl, bool hot, double seconds, double *cpu_us)
{
	double cpu = cpu_seconds(bench_server_pid());
	result r = run_load(port, pl, hot, seconds);

	*cpu_us = (cpu_seconds(bench_server_pid()) - cpu) * 1e6 /
	          (double)(r.requests ? r.requests : 1);
	return r;
}

/* A line of /proc/<pid>/status, in MB. */
static double status_mb(pid_t pid, const char *name)
{
	char path[64], line[256];
	size_t n = strlen(name);
	unsigned long kb = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		bench_die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f))
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			kb = strtoul(line + n + 1, NULL, 10);
	fclose(f);
	return (double)kb / 1024;
}

/* ---- the floor: the reads a lookup cannot do without, straight from SQLite ---- */

/* A random lookup's own reads, as raw prepared statements on a connection that only reads,
 * with the server's reader cache: the code's document, its index rows, its first record, its count.
 * (Everything else a view reads is shared by thousands of codes and cached.) One thread per
 * core, one read transaction per lookup, as the server does. What this does per second,
 * without HTTP or any JSON, is a ceiling on the lookups per second of this store design. */
#define FLOOR_THREADS_MAX 64

/* A lookup's own reads, by raw prepared statements on a connection of its own. */
typedef struct raw_reader {
	sqlite3 *db;
	sqlite3_stmt *st[6];
	unsigned long lookups, missing;
} raw_reader;

static const char *const raw_sql[] = {
        "BEGIN",
        "SELECT body FROM docs WHERE kind = 'code' AND id = ?1",
        "SELECT rec FROM idx WHERE name = 'key' AND key = ?1 ORDER BY rec LIMIT 256",
        "SELECT leaf FROM records WHERE idx = ?1",
        "SELECT count, first, last FROM tallies WHERE kind = 'query' AND id = ?1",
        "COMMIT"};
enum { RAW_N = sizeof raw_sql / sizeof raw_sql[0] };

static void raw_open(raw_reader *r, const char *path)
{
	*r = (raw_reader){0};
	/* waiting on a lock: the threads open at once, and while the first rebuilds the WAL's
	 * index the others found the database locked (CI failed so, 1 run in 6 here) */
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(r->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(r->db, "PRAGMA query_only=1; PRAGMA cache_size=-16384", NULL, NULL,
	                 NULL) != SQLITE_OK)
		bench_die("raw reads: cannot open %s: %s", path,
		          r->db ? sqlite3_errmsg(r->db) : "");
	for (size_t i = 0; i < RAW_N; i++)
		if (sqlite3_prepare_v2(r->db, raw_sql[i], -1, &r->st[i], NULL) != SQLITE_OK)
			bench_die("raw reads: %s: %s", raw_sql[i], sqlite3_errmsg(r->db));
}

/* The reads of code key in one read transaction; false when it has no index row. */
static bool raw_lookup(raw_reader *r, const char *key)
{
	sqlite3_int64 rec = -1;

	for (size_t i = 0; i < RAW_N; i++) {
		sqlite3_stmt *st = r->st[i];
		if (i == 3)
			sqlite3_bind_int64(st, 1, rec);
		else if (i > 0 && i < RAW_N - 1)
			sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (i == 2 && rec < 0)
				rec = sqlite3_column_int64(st, 0);
			(void)sqlite3_column_blob(st, 0); /* the bytes, as a reader takes them */
		}
		sqlite3_reset(st);
	}
	r->lookups++;
	r->missing += rec < 0;
	return rec >= 0;
}

static void raw_close(raw_reader *r)
{
	for (size_t i = 0; i < RAW_N; i++)
		sqlite3_finalize(r->st[i]);
	sqlite3_close(r->db);
	r->db = NULL;
}

typedef struct reader {
	const char *db;
	const plan *pl;
	unsigned index;
	double deadline;
	pthread_barrier_t *go;
	unsigned long lookups;
} reader;

static void *reader_main(void *arg)
{
	reader *r = arg;
	load ld = {.pl = r->pl};
	uint64_t x = 0x2545f4914f6cdd1dull * (r->index + 1);
	raw_reader rr;
	char key[BENCH_KEY_MAX];

	raw_open(&rr, r->db);
	pthread_barrier_wait(r->go);
	while (bench_now() < r->deadline) {
		bench_key(pick(&ld, &x), key);
		if (!raw_lookup(&rr, key))
			bench_die("raw reads: %s has no index row", key);
	}
	r->lookups = rr.lookups;
	raw_close(&rr);
	return NULL;
}

/* The floor server: the trivial responder doing a lookup's raw reads before each answer, on
 * a connection per daemon thread. What no server of this store and HTTP library can beat. */
typedef struct floor_server {
	const char *db;
	pthread_key_t mine;
	pthread_mutex_t lock;
	raw_reader readers[FLOOR_THREADS_MAX];
	unsigned n;
} floor_server;

static void floor_work(void *ctx, const char *url)
{
	static const char prefix[] = "/api/v1/codes/";
	floor_server *f = ctx;
	raw_reader *r = pthread_getspecific(f->mine);

	if (!r) {
		pthread_mutex_lock(&f->lock);
		if (f->n == FLOOR_THREADS_MAX)
			bench_die("floor server: more than %d threads", FLOOR_THREADS_MAX);
		r = &f->readers[f->n++];
		pthread_mutex_unlock(&f->lock);
		raw_open(r, f->db);
		pthread_setspecific(f->mine, r);
	}
	/* a miss is counted (raw_lookup counts its own): the answer is sent all the same, and
	 * the run fails on any */
	if (strncmp(url, prefix, sizeof prefix - 1) != 0)
		r->missing++;
	else
		raw_lookup(r, url + sizeof prefix - 1);
}

/* Lookups per second of the floor over seconds, on threads threads. */
static double raw_reads(const char *db, const plan *pl, unsigned threads, double seconds)
{
	reader r[FLOOR_THREADS_MAX];
	pthread_t t[FLOOR_THREADS_MAX];
	pthread_barrier_t go;
	unsigned long lookups = 0;
	double t0;

	pthread_barrier_init(&go, NULL, threads + 1);
	for (unsigned i = 0; i < threads; i++) {
		r[i] = (reader){.db = db, .pl = pl, .index = i, .go = &go};
		if (pthread_create(&t[i], NULL, reader_main, &r[i]) != 0)
			bench_die("raw reads: cannot start a thread");
	}
	t0 = bench_now();
	for (unsigned i = 0; i < threads; i++)
		r[i].deadline = t0 + seconds;
	pthread_barrier_wait(&go);
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		lookups += r[i].lookups;
	}
	pthread_barrier_destroy(&go);
	return (double)lookups / (bench_now() - t0);
}

int main(int argc, char **argv)
{
	plan sized = full;
	const plan *pl = &full;
	char qtrace[PATH_MAX], fresh[BENCH_PATH_MAX], db[PATH_MAX], what[160];
	result rnd, hot, triv, flr;
	floor_server fs = {.db = NULL};
	unsigned long floor_missing = 0;
	double rss, hwm, anon, build_s, rnd_cpu, hot_cpu, floor_rate;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cores < 1                   ? 1
	                   : cores > FLOOR_THREADS_MAX ? FLOOR_THREADS_MAX
	                                               : (unsigned)cores;
	bench_trivial *trivial;
	unsigned tport;
	qt_buf sample;
	bool stopped;
	unsigned port;
	bench_http h;

	if (bench_begin("bench_lookup", argc, argv, qtrace, fresh))
		pl = &smoke;
	/* a smaller store for a quicker look (whole batches); the figure is for 10 million */
	if (pl == &full && getenv("BENCH_LOOKUP_CODES")) {
		sized.codes = strtoul(getenv("BENCH_LOOKUP_CODES"), NULL, 10);
		sized.codes -= sized.codes % sized.per_batch;
		if (!sized.codes)
			bench_die("BENCH_LOOKUP_CODES: at least %lu codes", sized.per_batch);
		pl = &sized;
	}
	build_s = bench_now();
	/* the smoke run's tiny store is built each time, in the run's own database */
	if (pl == &smoke) {
		snprintf(db, sizeof db, "%s", fresh);
		build_store(pl, db);
	} else {
		cached_store(pl, fresh, db);
		warm_file(db);
	}
	build_s = bench_now() - build_s;

	port = bench_server_start(qtrace, db);
	bench_http_init(&h, port);
	/* a sold code's whole journey (issue, commission, pack, carton shipped and received,
	 * unpack, ship, receive, retail); an unflowed commissioned code; an issued one, whose
	 * answer the trivial responder sends (the most common answer of a random lookup) */
	view(&h, 0, 9, NULL);
	view(&h, pl->flowed, 2, NULL);
	qt_buf_init(&sample, 1u << 20);
	view(&h, pl->per_batch - 1, 1, &sample);
	bench_http_free(&h);
	if (pl->warmup > 0)
		run_load(port, pl, false, pl->warmup);
	rnd = server_load(port, pl, false, pl->seconds, &rnd_cpu);
	hot = server_load(port, pl, true, pl->seconds, &hot_cpu);
	rss = status_mb(bench_server_pid(), "VmRSS");
	hwm = status_mb(bench_server_pid(), "VmHWM");
	anon = status_mb(bench_server_pid(), "RssAnon");
	stopped = bench_server_stop();
	if (!stopped)
		fprintf(stderr, "bench_lookup: qtrace serve did not stop cleanly on SIGTERM\n");

	trivial = bench_trivial_start(200, sample.p, sample.len, &tport);
	triv = run_load(tport, pl, false, pl->seconds);
	bench_trivial_stop(trivial);
	floor_rate = raw_reads(db, pl, threads, pl->seconds);
	fs.db = db;
	if (pthread_key_create(&fs.mine, NULL) != 0 || pthread_mutex_init(&fs.lock, NULL) != 0)
		bench_die("floor server: out of memory");
	trivial = bench_trivial_start_work(200, sample.p, sample.len, floor_work, &fs, &tport);
	flr = run_load(tport, pl, false, pl->seconds);
	bench_trivial_stop(trivial);
	for (unsigned i = 0; i < fs.n; i++) {
		floor_missing += fs.readers[i].missing;
		raw_close(&fs.readers[i]);
	}
	pthread_key_delete(fs.mine);
	pthread_mutex_destroy(&fs.lock);

	snprintf(what, sizeof what, "HTTP public code lookup: GET /api/v1/codes/{code}, %lu codes",
	         pl->codes);
	printf("%-72s %10s %10s %8s\n", what, "figure", "limit", "ratio");
	snprintf(what, sizeof what, "random codes, %u clients, req/s (vs target)", pl->clients);
	bench_row(what, rate(&rnd), 0, LOOKUP_TARGET);
	snprintf(what, sizeof what, "random codes, %u clients, req/s (vs trivial MHD responder)",
	         pl->clients);
	bench_row(what, rate(&rnd), 0, rate(&triv));
	snprintf(what, sizeof what, "hot set of %lu sold codes, req/s (vs trivial MHD responder)",
	         pl->hot);
	bench_row(what, rate(&hot), 0, rate(&triv));
	snprintf(what, sizeof what,
	         "raw SQLite reads of a random lookup, %u threads, per s (vs target)", threads);
	bench_row(what, floor_rate, 0, LOOKUP_TARGET);
	bench_row("random codes, req/s (vs raw SQLite reads of a lookup)", rate(&rnd), 0,
	          floor_rate);
	bench_row("floor server (trivial responder + raw reads), req/s (vs target)", rate(&flr), 0,
	          LOOKUP_TARGET);
	bench_row("random codes, req/s (vs floor server)", rate(&rnd), 0, rate(&flr));
	bench_row("floor server, p99 latency, ms (vs target)", flr.p99_ms, 2, P99_TARGET_MS);
	bench_row("random codes, p50 latency, ms (vs trivial MHD responder)", rnd.p50_ms, 2,
	          triv.p50_ms);
	bench_row("random codes, p99 latency, ms (vs target)", rnd.p99_ms, 2, P99_TARGET_MS);
	bench_row("random codes, p99 latency, ms (vs trivial MHD responder)", rnd.p99_ms, 2,
	          triv.p99_ms);
	bench_row("hot set, p99 latency, ms (vs target)", hot.p99_ms, 2, P99_TARGET_MS);
	bench_row("server CPU per lookup, random codes, microseconds", rnd_cpu, 0, 0);
	bench_row("server CPU per lookup, hot set, microseconds", hot_cpu, 0, 0);
	bench_row("server memory after the lookups, VmRSS MB (vs target)", rss, 0, RSS_TARGET_MB);
	bench_row("server memory, peak VmHWM MB (vs target)", hwm, 0, RSS_TARGET_MB);
	printf("(random: %lu requests in %.1f s; hot set: %lu in %.1f s, p50 %.2f ms; trivial "
	       "responder: %lu in %.1f s, answering the %zu-byte view of an issued code.\n"
	       " VmRSS is %.0f MB anonymous + %.0f MB of the mapped database. Store %s, ready in "
	       "%.0f s.\n Failed requests: %lu to qtrace, %lu to the trivial responder.\n"
	       " Raw SQLite reads: a lookup's own rows (code document, index rows, first record, "
	       "count) by prepared statements, one read transaction each, no HTTP or JSON.\n"
	       " Floor server: the trivial responder making those reads for each request's code "
	       "before its answer; %lu requests, %lu codes not found.)\n",
	       rnd.requests, rnd.seconds, hot.requests, hot.seconds, hot.p50_ms, triv.requests,
	       triv.seconds, sample.len, anon, rss - anon, db, build_s, rnd.failed + hot.failed,
	       triv.failed, flr.requests, floor_missing);
	if (pl == &smoke)
		printf("(smoke run: tiny counts, the figures mean nothing)\n");
	qt_buf_free(&sample);
	return bench_remove_dir(bench_dir()) && stopped && !rnd.failed && !hot.failed &&
	                       !triv.failed && rnd.requests && hot.requests && triv.requests &&
	                       !flr.failed && flr.requests && !floor_missing
	               ? 0
	               : 1;
}
