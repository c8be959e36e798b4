/* bench_trace.c — a 100,000-item batch through three tiers over a real `qtrace serve`, then its
 * forward trace and a recall's impact report timed beside DESIGN.md's 200 ms, answers checked
 * against the flow (see docs/ARCHITECTURE.md). Usage: bench_trace [--smoke] [path/to/qtrace]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "common.h"
#include "core/trace.h"

#define FORWARD_TARGET_MS 200.0
#define IMPACT_TARGET_MS  200.0 /* DESIGN.md: a 100,000-item batch's recall impact report */
#define PER_EVENT         (QT_EVENT_CODES_MAX - 1) /* codes one event moves */
#define RETAILERS         3

typedef struct plan {
	unsigned long items;
	int reps; /* timed requests of each kind */
} plan;

static const plan full = {100000, 10};
static const plan smoke = {700, 2}; /* 12 chunks: the distributor keeps one */

/* Who takes part, by token and USCC. */
typedef struct party {
	char token[QT_TOKEN_LEN + 1], uscc[QT_USCC_LEN + 1];
	const char *name;
} party;

/* Where each chunk of PER_EVENT codes goes: chunk j stays with the distributor when
 * j % 10 == 9, else goes to retailer j % RETAILERS, which sells it unless j / RETAILERS is a
 * multiple of 3. */
static bool kept(unsigned long j)
{
	return j % 10 == 9;
}

static bool sold(unsigned long j)
{
	return !kept(j) && (j / RETAILERS) % 3 != 0;
}

/* {"events":[one event of type per chunk j with pick(j) true, codes of the chunk, then
 * extra(j)]}; the chunks in order, so the i-th event is the i-th chunk picked. */
static void events_body(qt_buf *b, unsigned long items, const char *type,
                        bool (*pick)(unsigned long j, const void *ctx),
                        void (*extra)(qt_buf *b, unsigned long j, const void *ctx), const void *ctx)
{
	unsigned long chunks = (items + PER_EVENT - 1) / PER_EVENT, n = 0;
	qt_rc rc;

	qt_buf_reset(b);
	rc = qt_buf_append(b, "{\"events\":[", 11);
	for (unsigned long j = 0; j < chunks && rc == QT_OK; j++) {
		char key[BENCH_KEY_MAX];
		if (pick && !pick(j, ctx))
			continue;
		rc = qt_buf_printf(b, "%s{\"type\":\"%s\",\"codes\":[", n++ ? "," : "", type);
		for (unsigned long i = j * PER_EVENT; i < (j + 1) * PER_EVENT && i < items; i++) {
			bench_key(i, key);
			if (rc == QT_OK)
				rc = qt_buf_printf(b, "%s\"%s\"", i > j * PER_EVENT ? "," : "",
				                   key);
		}
		if (rc == QT_OK)
			rc = qt_buf_putc(b, ']');
		if (rc == QT_OK && extra)
			extra(b, j, ctx);
		if (rc == QT_OK)
			rc = qt_buf_putc(b, '}');
	}
	if (rc != QT_OK || qt_buf_append(b, "]}", 2) != QT_OK)
		bench_die("out of memory");
	if (n > QT_EVENTS_MAX)
		bench_die("%lu events do not fit in one request", n);
}

/* The run's flow state, what the body callbacks read. */
typedef struct flow {
	unsigned long items;
	const party *dist, *shops;
	long long *ship_of;  /* chunk → index of the ship record that last moved it */
	int shop;            /* the retailer a callback is about, or -1 */
	long long first_out; /* first index of the distributor's ships */
} flow;

/* A body that no longer fits in memory ends the run. */
static void must_fit(qt_rc rc)
{
	if (rc != QT_OK)
		bench_die("out of memory");
}

static void to_dist(qt_buf *b, unsigned long j, const void *ctx)
{
	const flow *f = ctx;
	(void)j;
	must_fit(qt_buf_printf(b, ",\"buyer\":{\"uscc\":\"%s\",\"name\":\"%s\"}", f->dist->uscc,
	                       f->dist->name));
}

static void to_shop(qt_buf *b, unsigned long j, const void *ctx)
{
	const flow *f = ctx;
	const party *s = &f->shops[j % RETAILERS];
	must_fit(
	        qt_buf_printf(b, ",\"buyer\":{\"uscc\":\"%s\",\"name\":\"%s\"}", s->uscc, s->name));
}

static void shipment(qt_buf *b, unsigned long j, const void *ctx)
{
	const flow *f = ctx;
	must_fit(qt_buf_printf(b, ",\"shipment\":%lld", f->ship_of[j]));
}

static bool onward(unsigned long j, const void *ctx)
{
	(void)ctx;
	return !kept(j);
}

static bool this_shop(unsigned long j, const void *ctx)
{
	const flow *f = ctx;
	return !kept(j) && (int)(j % RETAILERS) == f->shop;
}

static bool this_shop_sells(unsigned long j, const void *ctx)
{
	return this_shop(j, ctx) && sold(j);
}

/* POST the events in b as token; returns the first record index. */
static long long post_events(bench_http *h, const char *token, const qt_buf *b)
{
	json_t *v;
	long long first;

	bench_must(h, "POST", "/api/v1/events", token, b->p, 201);
	v = bench_answer(h);
	first = (long long)json_integer_value(json_object_get(v, "first_index"));
	json_decref(v);
	return first;
}

/* The three tiers: the producer commissions everything and ships it all to the distributor,
 * which receives it and ships most of it on to the retailers, which receive and sell. */
static void run_flow(bench_http *h, const party *producer, flow *f)
{
	unsigned long chunks = (f->items + PER_EVENT - 1) / PER_EVENT, n;
	qt_buf b;
	long long first;

	qt_buf_init(&b, 16u << 20);
	events_body(&b, f->items, "commission", NULL, NULL, f);
	post_events(h, producer->token, &b);
	events_body(&b, f->items, "ship", NULL, to_dist, f);
	first = post_events(h, producer->token, &b);
	for (unsigned long j = 0; j < chunks; j++)
		f->ship_of[j] = first + (long long)j;
	events_body(&b, f->items, "receive", NULL, shipment, f);
	post_events(h, f->dist->token, &b);
	events_body(&b, f->items, "ship", onward, to_shop, f);
	first = post_events(h, f->dist->token, &b);
	n = 0;
	for (unsigned long j = 0; j < chunks; j++)
		if (!kept(j))
			f->ship_of[j] = first + (long long)n++;
	for (f->shop = 0; f->shop < RETAILERS; f->shop++) {
		events_body(&b, f->items, "receive", this_shop, shipment, f);
		post_events(h, f->shops[f->shop].token, &b);
		events_body(&b, f->items, "retail", this_shop_sells, NULL, f);
		if (strstr(b.p, "retail"))
			post_events(h, f->shops[f->shop].token, &b);
	}
	f->shop = -1;
	qt_buf_free(&b);
}

/* What the forward trace must say: per unit, codes active and sold. */
typedef struct expect {
	unsigned long active[RETAILERS + 1], sold[RETAILERS + 1]; /* [RETAILERS]: distributor */
} expect;

static expect expected(unsigned long items)
{
	expect e = {{0}, {0}};
	for (unsigned long i = 0; i < items; i++) {
		unsigned long j = i / PER_EVENT;
		int who = kept(j) ? RETAILERS : (int)(j % RETAILERS);
		if (sold(j))
			e.sold[who]++;
		else
			e.active[who]++;
	}
	return e;
}

/* The expect index of a unit: a retailer's number, RETAILERS for the distributor, else -1. */
static int party_of(const flow *f, const char *unit)
{
	for (int r = 0; r <= RETAILERS; r++)
		if (!strcmp(unit, r < RETAILERS ? f->shops[r].uscc : f->dist->uscc))
			return r;
	return -1;
}

/* Dies unless the forward answer's holders are exactly the expected ones. */
static void check_forward(const json_t *v, const flow *f, const expect *e)
{
	json_t *holders = json_object_get(v, "holders"), *hd;
	unsigned long total = 0;
	size_t k;

	json_array_foreach(holders, k, hd)
	{
		const char *unit = json_string_value(json_object_get(hd, "unit"));
		json_t *by = json_object_get(hd, "by_status");
		int who = party_of(f, unit);
		if (who < 0 ||
		    (unsigned long)json_integer_value(json_object_get(by, "active")) !=
		            e->active[who] ||
		    (unsigned long)json_integer_value(json_object_get(by, "sold")) != e->sold[who])
			bench_die("the forward trace says %s holds %s, which is not what the flow "
			          "did",
			          unit, json_dumps(by, JSON_COMPACT));
		total += (unsigned long)json_integer_value(json_object_get(hd, "count"));
	}
	if (total != f->items || json_array_size(holders) != RETAILERS + 1)
		bench_die("the forward trace counts %lu items with %zu holders, not %lu with %d",
		          total, json_array_size(holders), f->items, RETAILERS + 1);
}

/* Dies unless a recall's impact report counts the flow: every item found and outstanding,
 * per holder its active and sold codes, sales under the three retailers' regions. */
static void check_impact(const json_t *v, const flow *f, const expect *e)
{
	const json_t *im = json_object_get(v, "impact"), *t = json_object_get(im, "totals"), *hd;
	unsigned long sold = 0;
	size_t k;

	for (int r = 0; r <= RETAILERS; r++)
		sold += e->sold[r];
	json_array_foreach(json_object_get(im, "holders"), k, hd)
	{
		const char *unit = json_string_value(json_object_get(hd, "unit"));
		int who = party_of(f, unit);
		if (who < 0 || (unsigned long)json_integer_value(json_object_get(hd, "quantity")) !=
		                       e->active[who] + e->sold[who])
			bench_die(
			        "the recall's impact says %s holds %s, which is not what the flow "
			        "did",
			        unit, json_dumps(hd, JSON_COMPACT));
	}
	if (json_array_size(json_object_get(im, "holders")) != RETAILERS + 1 ||
	    json_array_size(json_object_get(im, "sold_by_region")) != RETAILERS ||
	    (unsigned long)json_integer_value(json_object_get(t, "found")) != f->items ||
	    (unsigned long)json_integer_value(json_object_get(t, "outstanding")) != f->items ||
	    (unsigned long)json_integer_value(json_object_get(t, "sold")) != sold)
		bench_die("the recall's impact is not the flow's: %s",
		          json_dumps(im, JSON_COMPACT));
}

/* Milliseconds of reps GETs of path (after one untimed), each answered 200; the median
 * goes to *median, the best is returned. The last answer stays in h. */
static double time_get(bench_http *h, const char *path, const char *token, int reps, double *median)
{
	double ms[64], best = 1e300;

	bench_must(h, "GET", path, token, NULL, 200);
	for (int r = 0; r < reps && r < 64; r++) {
		double t0 = bench_now();
		bench_must(h, "GET", path, token, NULL, 200);
		ms[r] = (bench_now() - t0) * 1000.0;
		best = ms[r] < best ? ms[r] : best;
	}
	for (int a = 1; a < reps; a++) /* a few values: insertion sort */
		for (int b = a; b > 0 && ms[b - 1] > ms[b]; b--) {
			double t = ms[b];
			ms[b] = ms[b - 1];
			ms[b - 1] = t;
		}
	*median = ms[reps / 2];
	return best;
}

int main(int argc, char **argv)
{
	static const char *const divisions[] = {"330100", "320100", "310100"};
	const plan *pl = &full;
	char qtrace[PATH_MAX], db[BENCH_PATH_MAX], path[512], key[BENCH_KEY_MAX], batch[QT_ID_MAX];
	char what[120];
	party producer = {.name = "福建电缆厂"}, dist = {.name = "北京经销"};
	party shops[RETAILERS] = {{.name = "杭州五金"}, {.name = "南京建材"}, {.name = "上海电料"}};
	double setup, fwd_best, fwd_median, back_best, back_median, one_best, one_median;
	double open_ms, impact_best, impact_median;
	expect e;
	flow f;
	bench_http h;
	json_t *v;
	bool stopped;

	if (bench_begin("bench_trace", argc, argv, qtrace, db))
		pl = &smoke;
	bench_http_init(&h, bench_server_start(qtrace, db));

	setup = bench_now();
	bench_prepare(&h, pl->items, producer.token, batch);
	bench_make_uscc("110000", "B0000002", dist.uscc);
	bench_register(&h, dist.uscc, dist.name, "seller", dist.token);
	for (int r = 0; r < RETAILERS; r++) {
		char org[9];
		snprintf(org, sizeof org, "B000001%d", r);
		bench_make_uscc(divisions[r], org, shops[r].uscc);
		bench_register(&h, shops[r].uscc, shops[r].name, "seller", shops[r].token);
	}
	f = (flow){.items = pl->items,
	           .dist = &dist,
	           .shops = shops,
	           .ship_of = calloc((pl->items + PER_EVENT - 1) / PER_EVENT, sizeof(long long)),
	           .shop = -1};
	if (!f.ship_of)
		bench_die("out of memory");
	run_flow(&h, &producer, &f);
	setup = bench_now() - setup;

	/* the batch forward: where every item is now (the default page of items) */
	snprintf(path, sizeof path, "/api/v1/trace/batch/%s?direction=forward", batch);
	fwd_best = time_get(&h, path, producer.token, pl->reps, &fwd_median);
	e = expected(pl->items);
	v = bench_answer(&h);
	check_forward(v, &f, &e);
	json_decref(v);
	snprintf(path, sizeof path, "/api/v1/trace/batch/%s?direction=back", batch);
	back_best = time_get(&h, path, producer.token, pl->reps, &back_median);
	v = bench_answer(&h);
	if (json_array_size(json_object_get(v, "units")) != RETAILERS + 1)
		bench_die("the back trace lists %zu units, not %d",
		          json_array_size(json_object_get(v, "units")), RETAILERS + 1);
	json_decref(v);
	/* one sold item, through all three tiers, as the retailer that sold it sees it */
	bench_key(4 * PER_EVENT, key); /* chunk 4: retailer 1, sold */
	snprintf(path, sizeof path, "/api/v1/trace/%s", key);
	one_best = time_get(&h, path, shops[1].token, pl->reps, &one_median);
	v = bench_answer(&h);
	if (json_array_size(json_object_get(v, "holders")) != 2 ||
	    strcmp(json_string_value(json_object_get(v, "status")), "sold") != 0)
		bench_die("the item's trace is not the flow's: %s", json_dumps(v, JSON_COMPACT));
	json_decref(v);
	/* the producer recalls the batch: the answer carries the impact report; then the
	 * report alone, as anyone following the recall reads it */
	snprintf(path, sizeof path, "{\"batch\":\"%s\",\"reason\":\"导体电阻不合格\"}", batch);
	open_ms = bench_now();
	bench_must(&h, "POST", "/api/v1/recalls", producer.token, path, 201);
	open_ms = (bench_now() - open_ms) * 1000.0;
	v = bench_answer(&h);
	check_impact(v, &f, &e);
	snprintf(path, sizeof path, "/api/v1/recalls/%s",
	         json_string_value(json_object_get(json_object_get(v, "recall"), "id")));
	json_decref(v);
	impact_best = time_get(&h, path, producer.token, pl->reps, &impact_median);
	v = bench_answer(&h);
	check_impact(v, &f, &e);
	json_decref(v);
	bench_http_free(&h);
	stopped = bench_server_stop();

	printf("%-72s %10s %10s %8s\n", "Tracing (GET /api/v1/trace) and recalls on qtrace serve",
	       "ms", "limit", "ratio");
	snprintf(what, sizeof what, "batch of %lu items forward, 3 tiers (median of %d)", pl->items,
	         pl->reps);
	bench_row(what, fwd_median, 1, FORWARD_TARGET_MS);
	snprintf(what, sizeof what, "batch of %lu items forward, 3 tiers (best of %d)", pl->items,
	         pl->reps);
	bench_row(what, fwd_best, 1, FORWARD_TARGET_MS);
	snprintf(what, sizeof what, "batch of %lu items back: source and units (median)",
	         pl->items);
	bench_row(what, back_median, 1, 0);
	bench_row("one item through 3 tiers, both ways, its retailer's view (median)", one_median,
	          1, 0);
	snprintf(what, sizeof what,
	         "recall of the batch opened: POST, impact report in the answer");
	bench_row(what, open_ms, 1, IMPACT_TARGET_MS);
	snprintf(what, sizeof what, "recall's impact report of %lu items: GET (median of %d)",
	         pl->items, pl->reps);
	bench_row(what, impact_median, 1, IMPACT_TARGET_MS);
	printf("(ms per request, lower is better: a ratio up to 1.00x meets the target. Setup, "
	       "untimed: %lu codes issued and moved producer -> distributor -> %d retailers "
	       "in %.1f s; best back %.1f ms, best item %.1f ms, best impact report %.1f ms.)\n",
	       pl->items, RETAILERS, setup, back_best, one_best, impact_best);
	if (pl == &smoke)
		printf("(smoke run: tiny counts, the figures mean nothing)\n");
	if (!stopped)
		fprintf(stderr, "bench_trace: qtrace serve did not stop cleanly on SIGTERM\n");
	free(f.ship_of);
	return bench_remove_dir(bench_dir()) && stopped ? 0 : 1;
}
