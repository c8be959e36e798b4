/* trace_fixture.h — a fresh platform on a temporary database for the codes and events tests,
 * with product and batch documents saved the way their own module will save them: by a
 * job's apply function, inside a ledger transaction. */
#ifndef QT_TRACE_FIXTURE_H
#define QT_TRACE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/replay.h"
#include "core/trace.h"

#define GTIN      "06901234567892"
#define PRODUCER  "91440300MA5D12340D"
#define PRODUCER2 "91440300MA5D99992B"
#define SELLER    "91110000MA001111X1"

typedef struct fixture {
	char dir[256];
	qt_platform *p;
} fixture;

typedef struct seed_doc {
	const char *kind, *id, *owner;
	json_t *body;
} seed_doc;

static inline qt_rc apply_seed(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	seed_doc *d = ctx;
	return qt_doc_save(s, d->kind, d->id, d->owner, d->body, first, err);
}

/* Save one document (steals body). */
static inline void seed(fixture *f, const char *kind, const char *id, const char *owner,
                        json_t *body)
{
	seed_doc d = {kind, id, owner, body};
	qt_err err;
	if (qt_ledger_submit_job(f->p->ledger, NULL, 0, apply_seed, &d, NULL, &err) != QT_OK)
		fail_msg("seed %s %s: %s", kind, id, err.msg);
	json_decref(body);
}

/* A product registered for every code scheme (tests of one scheme's refusal seed their own). */
static inline void seed_product(fixture *f, const char *id, const char *producer, const char *gtin)
{
	json_t *b = json_pack("{s:s, s:s, s:s, s:[s,s,s,s]}", "id", id, "producer", producer,
	                      "name", "架空绞线", "schemes", "gs1", "ecode", "dic", "ccc");
	if (gtin)
		json_object_set_new(b, "gtin", json_string(gtin));
	seed(f, "product", id, producer, b);
}

static inline void seed_batch(fixture *f, const char *id, const char *product, const char *producer,
                              const char *batch_no)
{
	seed(f, "batch", id, producer,
	     json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "id", id, "product", product, "producer",
	               producer, "batch_no", batch_no, "production_date", "2025-03-01", "quantity",
	               1000));
}

/* One record applied again as verify's replay does (its writer's replay fn, the store as
 * its log), in a ledger job that keeps nothing of it. */
typedef struct replayed {
	qt_replay_fn fn;
	qt_replay_rec r;
	const char *kind; /* the documents of this kind it leaves are read into docs */
	json_t *docs;
} replayed;

static inline qt_rc apply_replayed(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	replayed *p = ctx;
	qt_rc rc;

	(void)first;
	p->r.log = s;
	p->r.ts = "2026-11-21T08:00:00Z";
	if ((rc = p->fn(s, &p->r, err)) == QT_OK)
		rc = qt_doc_walk(s, p->kind, 0, qt_doc_collect, p->docs, NULL, err);
	return rc == QT_OK ? QT_ERR_CONFLICT : rc; /* keep nothing */
}

/* The documents of kind that replaying record index (type, body) leaves, as an array (the
 * caller frees it), or NULL with *rc and err saying why the replay failed. */
static inline json_t *replay_docs(fixture *f, qt_replay_fn fn, const char *type, json_t *body,
                                  uint64_t index, const char *kind, qt_rc *rc, qt_err *err)
{
	replayed p = {fn, {.index = index, .type = type, .body = body}, kind, json_array()};

	*rc = qt_ledger_submit_job(f->p->ledger, NULL, 0, apply_replayed, &p, NULL, err);
	if (*rc == QT_ERR_CONFLICT && json_array_size(p.docs))
		*rc = QT_OK;
	else {
		json_decref(p.docs);
		p.docs = NULL;
	}
	return p.docs;
}

static inline int fixture_setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char db[300], vkey[512];
	qt_err err;

	snprintf(f->dir, sizeof f->dir, "/tmp/qt-trace-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(db, sizeof db, "%s/t.db", f->dir);
	if (qt_ledger_init(db, "test.example/log", vkey, sizeof vkey, &err) != QT_OK ||
	    qt_platform_open(db, &f->p, &err) != QT_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	seed_product(f, "P0000000000000001", PRODUCER, GTIN);
	seed_batch(f, "B0000000000000001", "P0000000000000001", PRODUCER, "L2025");
	seed_product(f, "P0000000000000002", PRODUCER, NULL);
	seed_product(f, "P0000000000000003", PRODUCER2, "06901234567885");
	*state = f;
	return 0;
}

static inline int fixture_teardown(void **state)
{
	fixture *f = *state;
	char cmd[300];
	qt_platform_close(f->p);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	free(f);
	return system(cmd);
}

static inline qt_account unit(const char *id)
{
	qt_account a = {.roles = QT_ROLE_PRODUCER | QT_ROLE_SELLER};
	snprintf(a.id, sizeof a.id, "%s", id);
	return a;
}

/* Issue with body JSON text; returns rc, *answer on success. */
static inline qt_rc issue(fixture *f, const char *who, const char *body_text, json_t **answer,
                          qt_err *err)
{
	json_t *body = json_loads(body_text, 0, NULL), *a = NULL;
	qt_account u = unit(who);
	qt_rc rc;
	assert_non_null(body);
	rc = qt_codes_issue(f->p, &u, body, &a, err);
	json_decref(body);
	if (answer)
		*answer = a;
	else
		json_decref(a);
	return rc;
}

static inline json_t *code_doc(fixture *f, const char *key)
{
	json_t *d = NULL;
	qt_err err;
	qt_store *rd = qt_platform_reader(f->p, &err);
	if (qt_doc_load(rd, "code", key, &d, &err) != QT_OK)
		return NULL;
	return d;
}

static inline const char *str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

/* Issue n item codes of batch 1 to PRODUCER; keys into out. */
static inline void issue_codes(fixture *f, size_t n, char out[][64])
{
	char body[200];
	json_t *a = NULL;
	qt_err err;
	snprintf(body, sizeof body,
	         "{\"batch\":\"B0000000000000001\",\"granularity\":\"item\",\"scheme\":\"gs1\","
	         "\"count\":%zu}",
	         n);
	if (issue(f, PRODUCER, body, &a, &err) != QT_OK)
		fail_msg("issue: %s", err.msg);
	for (size_t i = 0; i < n; i++)
		snprintf(out[i], 64, "%s",
		         json_string_value(json_array_get(json_object_get(a, "codes"), i)));
	json_decref(a);
}

/* Submit events given as JSON text (printf-style) as account u. */
static inline qt_rc events_v(fixture *f, const qt_account *u, qt_err *err, json_t **answer,
                             const char *fmt, va_list ap)
{
	char text[8192];
	json_t *body, *a = NULL;
	qt_rc rc;
	vsnprintf(text, sizeof text, fmt, ap);
	if (getenv("QT_TEST_DEBUG"))
		fprintf(stderr, "%s\n", text);
	body = json_loads(text, 0, NULL);
	if (!body)
		fail_msg("bad test JSON: %s", text);
	rc = qt_events_submit(f->p, u, body, &a, err);
	if (getenv("QT_TEST_DEBUG") && rc != QT_OK)
		fprintf(stderr, "-> %d %s\n", rc, err->msg);
	json_decref(body);
	if (answer)
		*answer = a;
	else
		json_decref(a);
	return rc;
}

/* ... as the unit whose USCC is who */
static inline qt_rc events(fixture *f, const char *who, qt_err *err, json_t **answer,
                           const char *fmt, ...)
{
	qt_account u = unit(who);
	va_list ap;
	qt_rc rc;
	va_start(ap, fmt);
	rc = events_v(f, &u, err, answer, fmt, ap);
	va_end(ap);
	return rc;
}

/* ... as a regulator of jurisdiction j */
static inline qt_rc events_reg(fixture *f, const char *j, qt_err *err, const char *fmt, ...)
{
	qt_account u = {.id = "R01", .roles = QT_ROLE_REGULATOR};
	va_list ap;
	qt_rc rc;
	snprintf(u.jurisdiction, sizeof u.jurisdiction, "%s", j);
	va_start(ap, fmt);
	rc = events_v(f, &u, err, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

/* The first record index of a successful request (the answer is consumed). */
static inline long long first_index(json_t *a)
{
	long long i = json_integer_value(json_object_get(a, "first_index"));
	json_decref(a);
	return i;
}

/* from ships code to the unit to; the shipment's id (its ship record's index). */
static inline long long ship_to(fixture *f, const char *from, const char *to, const char *code)
{
	json_t *a = NULL;
	qt_err err;
	if (events(f, from, &err, &a,
	           "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	           "\"buyer\":{\"uscc\":\"%s\",\"name\":\"B\"}}]}",
	           code, to) != QT_OK)
		fail_msg("ship %s to %s: %s", code, to, err.msg);
	return first_index(a);
}

/* who receives code, shipped to it as shipment. */
static inline void receive_one(fixture *f, const char *who, long long shipment, const char *code)
{
	qt_err err;
	if (events(f, who, &err, NULL,
	           "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,\"codes\":[\"%s\"]}]}",
	           shipment, code) != QT_OK)
		fail_msg("receive %s: %s", code, err.msg);
}

/* Its producer commissions code. */
static inline void commission_one(fixture *f, const char *code)
{
	qt_err err;
	if (events(f, PRODUCER, &err, NULL,
	           "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]}]}", code) != QT_OK)
		fail_msg("commission %s: %s", code, err.msg);
}

static inline const char *status_of(fixture *f, const char *key, char out[32])
{
	json_t *d = code_doc(f, key);
	snprintf(out, 32, "%s", d ? str(d, "status") : "(none)");
	json_decref(d);
	return out;
}

#endif
