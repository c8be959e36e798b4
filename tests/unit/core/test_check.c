/* test_check.c — checking incoming goods: each reason with a case that gives it (and its
 * verdict), the cases that must stay genuine, clone detection (two places at once, units
 * off the path, units on it only through a carton), two checkers racing on one code, bad
 * input that records nothing, and who may list the recorded checks. */
#include <pthread.h>

#include "core/check.h"
#include "core/scan.h"
#include "trace_fixture.h"

#define SELLER2 "91320500MA5D000161" /* Suzhou */
#define SELLER3 "91320500MA5D00024U" /* Suzhou */
#define SELLER4 "91110000MA5D000406" /* Beijing */
#define CARTON  "00/006901234000000018"
#define PALLET  "00/006901234000000025"

/* Check body text as account u; *answer on success. */
static qt_rc check_text(fixture *f, const qt_account *u, const char *text, json_t **answer,
                        qt_err *err)
{
	json_t *body = json_loads(text, 0, NULL), *a = NULL;
	qt_rc rc;

	if (!body)
		fail_msg("bad test JSON: %s", text);
	rc = qt_check_submit(f->p, u, body, &a, err);
	json_decref(body);
	if (answer)
		*answer = a;
	else
		json_decref(a);
	return rc;
}

/* The result for one code checked by unit who from supplier (the caller frees it). */
static json_t *check(fixture *f, const char *who, const char *supplier, const char *code)
{
	char text[600];
	json_t *a = NULL, *r;
	qt_account u = unit(who);
	qt_err err;

	snprintf(text, sizeof text, "{\"supplier\":\"%s\",\"codes\":[\"%s\"]}", supplier, code);
	if (check_text(f, &u, text, &a, &err) != QT_OK)
		fail_msg("check %s: %s", code, err.msg);
	assert_int_equal(json_integer_value(json_object_get(a, "checked")), 1);
	r = json_incref(json_array_get(json_object_get(a, "results"), 0));
	json_decref(a);
	return r;
}

/* The reason of that kind in a result, or NULL. */
static const json_t *reason_of(const json_t *r, const char *kind)
{
	const json_t *found = NULL;
	json_t *reasons = json_object_get(r, "reasons");
	for (size_t k = 0; k < json_array_size(reasons) && !found; k++)
		if (!strcmp(str(json_array_get(reasons, k), "kind"), kind))
			found = json_array_get(reasons, k);
	return found;
}

/* The verdict and exactly these reason kinds (NULL-terminated); frees r. */
static void expect(json_t *r, const char *verdict, ...)
{
	va_list ap;
	size_t n = 0;
	const char *kind;

	if (getenv("QT_TEST_DEBUG"))
		fprintf(stderr, "%s\n", json_dumps(r, 0));
	assert_string_equal(str(r, "verdict"), verdict);
	va_start(ap, verdict);
	while ((kind = va_arg(ap, const char *)) != NULL) {
		if (!reason_of(r, kind))
			fail_msg("no reason %s in %s", kind, json_dumps(r, 0));
		n++;
	}
	va_end(ap);
	assert_int_equal(json_array_size(json_object_get(r, "reasons")), n);
	json_decref(r);
}

static void ok(qt_rc rc, const qt_err *err)
{
	if (rc != QT_OK)
		fail_msg("%s", err->msg);
}

/* Issue n codes (n <= 20) and commission the first active of them. */
static void issue_active(fixture *f, size_t n, size_t active, char out[][64])
{
	char text[2048];
	size_t used = (size_t)snprintf(text, sizeof text, "{\"type\":\"commission\",\"codes\":[");
	qt_err err;

	issue_codes(f, n, out);
	for (size_t i = 0; i < active; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "%s\"%s\"", i ? "," : "",
		                         out[i]);
	ok(events(f, PRODUCER, &err, NULL, "{\"events\":[%s]}]}", text), &err);
}

/* Ship code from one unit to another; the shipment's id. */
/* The code's state document as stored, bytes and record. */
static void raw_doc(fixture *f, const char *code, qt_buf *out, uint64_t *rec)
{
	qt_err err;
	qt_store *rd = qt_platform_reader(f->p, &err);
	qt_buf_reset(out);
	ok(rd->ops->doc_get(rd, "code", code, out, NULL, rec, &err), &err);
}

static void test_genuine_and_state_unchanged(void **state)
{
	fixture *f = *state;
	char c[2][64];
	qt_buf before, after;
	uint64_t rec0, rec1, size;
	long long sh;
	json_t *hist = NULL;
	qt_err err;
	qt_store *rd;
	uint64_t found[4];
	size_t n;

	qt_buf_init(&before, 1 << 20);
	qt_buf_init(&after, 1 << 20);
	issue_active(f, 2, 2, c);
	/* the supplier holds it: it is being handed over now */
	raw_doc(f, c[0], &before, &rec0);
	size = qt_ledger_size(f->p->ledger);
	expect(check(f, SELLER, PRODUCER, c[0]), "genuine", NULL);
	raw_doc(f, c[0], &after, &rec1);
	assert_int_equal(qt_ledger_size(f->p->ledger), size + 1);
	assert_int_equal(rec0, rec1);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.p, after.p, before.len);
	/* shipped from the supplier to the checker */
	sh = ship_to(f, PRODUCER, SELLER, c[1]);
	raw_doc(f, c[1], &before, &rec0);
	expect(check(f, SELLER, PRODUCER, c[1]), "genuine", NULL);
	raw_doc(f, c[1], &after, &rec1);
	assert_int_equal(rec0, rec1);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.p, after.p, before.len);
	/* received: the checker holds it */
	receive_one(f, SELLER, sh, c[1]);
	expect(check(f, SELLER, PRODUCER, c[1]), "genuine", NULL);
	/* the records are "check"s, under check:<code> and the checker, not in the code's
	 * own story (whose last step stays the receipt) */
	rd = qt_platform_reader(f->p, &err);
	ok(qt_history(rd, c[1], 0, &hist, NULL, &err), &err);
	assert_string_equal(
	        str(json_object_get(json_array_get(hist, json_array_size(hist) - 1), "leaf"),
	            "type"),
	        "event.receive");
	json_decref(hist);
	{
		char key[QT_CODE_CANON_MAX + 8];
		qt_buf leaf;
		json_t *l;
		snprintf(key, sizeof key, "check:%s", c[1]);
		ok(rd->ops->index_find(rd, "key", key, 0, found, 4, &n, &err), &err);
		assert_int_equal(n, 2);
		qt_buf_init(&leaf, 1 << 16);
		ok(rd->ops->record_get(rd, found[1], &leaf, NULL, &err), &err);
		l = json_loadb(leaf.p, leaf.len, 0, NULL);
		assert_string_equal(str(l, "type"), "check");
		assert_string_equal(str(json_object_get(l, "body"), "checker"), SELLER);
		json_decref(l);
		qt_buf_free(&leaf);
	}
	ok(rd->ops->index_find(rd, "key", SELLER, 0, found, 4, &n, &err), &err);
	assert_int_equal(n, 3);
	qt_buf_free(&before);
	qt_buf_free(&after);
}

static void test_never_issued(void **state)
{
	fixture *f = *state;
	expect(check(f, SELLER, PRODUCER, "(01)" GTIN "(21)NEVER1"), "suspect", "never_issued",
	       NULL);
}

static void test_supplier_does_not_hold_it(void **state)
{
	fixture *f = *state;
	char c[3][64];
	json_t *r;

	issue_active(f, 3, 3, c);
	/* the producer holds it, not the supplier named */
	r = check(f, SELLER, SELLER2, c[0]);
	assert_non_null(strstr(str(reason_of(r, "supplier_not_holder"), "message"), PRODUCER));
	expect(r, "suspect", "supplier_not_holder", NULL);
	/* on its way to another unit */
	ship_to(f, PRODUCER, SELLER2, c[1]);
	r = check(f, SELLER, PRODUCER, c[1]);
	assert_non_null(strstr(str(reason_of(r, "supplier_not_holder"), "message"), "in transit"));
	expect(r, "suspect", "supplier_not_holder", NULL);
	/* on its way to the checker, but from somebody else than the supplier named */
	ship_to(f, PRODUCER, SELLER, c[2]);
	expect(check(f, SELLER, SELLER2, c[2]), "suspect", "supplier_not_holder", NULL);
}

static void test_sold_and_received_elsewhere(void **state)
{
	fixture *f = *state;
	char c[2][64];
	qt_err err;

	issue_active(f, 2, 2, c);
	receive_one(f, SELLER, ship_to(f, PRODUCER, SELLER, c[0]), c[0]);
	receive_one(f, SELLER, ship_to(f, PRODUCER, SELLER, c[1]), c[1]);
	ok(events(f, SELLER, &err, NULL, "{\"events\":[{\"type\":\"retail\",\"codes\":[\"%s\"]}]}",
	          c[0]),
	   &err);
	/* sold to a consumer, and offered again by the shop that sold it */
	expect(check(f, SELLER2, SELLER, c[0]), "suspect", "sold", NULL);
	/* received by another unit, which still holds it */
	expect(check(f, SELLER2, PRODUCER, c[1]), "suspect", "received_elsewhere", NULL);
}

static void test_recalled_destroyed_not_commissioned(void **state)
{
	fixture *f = *state;
	char c[3][64];
	json_t *r;
	qt_err err;

	issue_active(f, 3, 2, c);
	ok(events(f, PRODUCER, &err, NULL,
	          "{\"events\":[{\"type\":\"recall\",\"codes\":[\"%s\"],\"reason\":\"绝缘老化\"},"
	          "{\"type\":\"destroy\",\"codes\":[\"%s\"]}]}",
	          c[0], c[1]),
	   &err);
	/* the supplier holds each: the item is what it says, but must not be taken in; the
	 * checker is told why it was recalled, as a consumer's scan is */
	r = check(f, SELLER, PRODUCER, c[0]);
	assert_string_equal(str(reason_of(r, "recalled"), "reason"), "绝缘老化");
	expect(r, "warning", "recalled", NULL);
	expect(check(f, SELLER, PRODUCER, c[1]), "suspect", "destroyed", NULL);
	expect(check(f, SELLER, PRODUCER, c[2]), "warning", "not_commissioned", NULL);
}

/* A carton is taken in as what it holds: recalled or destroyed goods packed in it, at any
 * depth, make the carton and the pallet it is on a warning, counted; a carton of sound goods
 * stays genuine. */
static void test_contents_recalled_or_destroyed(void **state)
{
	fixture *f = *state;
	char c[4][64];
	json_t *r;
	const json_t *w;
	qt_err err;

	issue_active(f, 4, 4, c);
	ok(events(f, PRODUCER, &err, NULL,
	          "{\"events\":[{\"type\":\"pack\",\"parent\":\"" CARTON
	          "\",\"codes\":[\"%s\",\"%s\","
	          "\"%s\"]},{\"type\":\"pack\",\"parent\":\"" PALLET "\",\"codes\":[\"" CARTON
	          "\"]}]}",
	          c[0], c[1], c[2]),
	   &err);
	expect(check(f, SELLER, PRODUCER, CARTON), "genuine", NULL);
	ok(events(f, PRODUCER, &err, NULL,
	          "{\"events\":[{\"type\":\"recall\",\"codes\":[\"%s\",\"%s\"]}]}", c[0], c[3]),
	   &err);
	r = check(f, SELLER, PRODUCER, CARTON);
	w = reason_of(r, "contents_recalled");
	assert_non_null(w);
	assert_int_equal(json_integer_value(json_object_get(w, "recalled")), 1);
	assert_int_equal(json_integer_value(json_object_get(w, "items")), 3);
	assert_non_null(
	        strstr(str(w, "message"), "1 of the 3 codes packed in it has been recalled"));
	expect(r, "warning", "contents_recalled", NULL);
	/* the pallet holds the carton and its three items */
	r = check(f, SELLER, PRODUCER, PALLET);
	w = reason_of(r, "contents_recalled");
	assert_non_null(w);
	assert_int_equal(json_integer_value(json_object_get(w, "items")), 4);
	expect(r, "warning", "contents_recalled", NULL);
	ok(events(f, PRODUCER, &err, NULL,
	          "{\"events\":[{\"type\":\"destroy\",\"codes\":[\"%s\"]}]}", c[1]),
	   &err);
	r = check(f, SELLER, PRODUCER, CARTON);
	w = reason_of(r, "contents_destroyed");
	assert_non_null(w);
	assert_int_equal(json_integer_value(json_object_get(w, "destroyed")), 1);
	expect(r, "warning", "contents_recalled", "contents_destroyed", NULL);
}

/* A regulator's record of the producer's standing — its licence revoked, the producer on the
 * serious-violation list — comes through the platform's warnings: a warning on goods that
 * come the way the ledger expects, beside any suspect reason. */
static void test_producer_standing(void **state)
{
	fixture *f = *state;
	qt_account reg = {.id = "R44", .roles = QT_ROLE_REGULATOR, .jurisdiction = "44"};
	json_t *a = NULL, *body;
	char c[2][64];
	qt_err err;

	seed(f, "account", PRODUCER, "440300",
	     json_pack("{s:s, s:s, s:s, s:[s]}", "id", PRODUCER, "uscc", PRODUCER, "name", "P",
	               "roles", "producer"));
	seed(f, "product", "P0000000000000004", PRODUCER,
	     json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "id", "P0000000000000004", "producer",
	               PRODUCER, "name", "KVV", "licence_no", "XK06-014-00123", "schemes", "dic"));
	ok(issue(f, PRODUCER,
	         "{\"product\":\"P0000000000000004\",\"granularity\":\"item\",\"scheme\":\"dic\","
	         "\"count\":2}",
	         &a, &err),
	   &err);
	for (size_t i = 0; i < 2; i++)
		snprintf(c[i], sizeof c[i], "%s",
		         json_string_value(json_array_get(json_object_get(a, "codes"), i)));
	json_decref(a);
	ok(events(f, PRODUCER, &err, NULL,
	          "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\"]}]}", c[0], c[1]),
	   &err);
	ship_to(f, PRODUCER, SELLER2, c[1]);
	expect(check(f, SELLER, PRODUCER, c[0]), "genuine", NULL);
	body = json_pack("{s:s, s:s, s:s, s:s}", "producer", PRODUCER, "number", "XK06-014-00123",
	                 "status", "revoked", "reason", "抽查不合格");
	ok(qt_standing_licence(f->p, &reg, body, &a, &err), &err);
	json_decref(body);
	json_decref(a);
	expect(check(f, SELLER, PRODUCER, c[0]), "warning", "licence_revoked", NULL);
	body = json_pack("{s:s, s:b, s:s}", "unit", PRODUCER, "listed", 1, "reason", "严重违法");
	ok(qt_standing_credit(f->p, &reg, body, &a, &err), &err);
	json_decref(body);
	json_decref(a);
	expect(check(f, SELLER, PRODUCER, c[0]), "warning", "licence_revoked", "serious_violation",
	       NULL);
	expect(check(f, SELLER, PRODUCER, c[1]), "suspect", "licence_revoked", "serious_violation",
	       "supplier_not_holder", NULL);
}

/* One item cannot be at two units at once: two units that do not hold it check it before it
 * moves again. Once it moves, earlier checks no longer count. The holder's own checks never
 * count. */
static void test_clone_two_places(void **state)
{
	fixture *f = *state;
	char c[1][64];
	const char *msg;
	json_t *r;

	issue_active(f, 1, 1, c);
	expect(check(f, PRODUCER, PRODUCER2, c[0]), "genuine", NULL); /* its holder */
	expect(check(f, SELLER, PRODUCER, c[0]), "genuine", NULL);
	expect(check(f, SELLER, PRODUCER, c[0]), "genuine", NULL); /* the same unit again */
	r = check(f, SELLER2, PRODUCER, c[0]);
	msg = str(reason_of(r, "cloned"), "message");
	assert_non_null(strstr(msg, "2 places"));
	assert_non_null(strstr(msg, SELLER));
	assert_non_null(strstr(msg, SELLER2));
	assert_null(strstr(msg, PRODUCER));
	expect(r, "suspect", "cloned", NULL);
	/* it moves: a fresh start */
	ship_to(f, PRODUCER, SELLER, c[0]);
	expect(check(f, SELLER, PRODUCER, c[0]), "genuine", NULL);
}

/* A batch code is printed on every item of the batch: seeing it in two places is no clone. */
static void test_batch_code_not_cloned(void **state)
{
	fixture *f = *state;
	json_t *a = NULL;
	const char *code;
	qt_err err;

	ok(issue(f, PRODUCER,
	         "{\"batch\":\"B0000000000000001\",\"granularity\":\"batch\",\"scheme\":\"gs1\","
	         "\"count\":1}",
	         &a, &err),
	   &err);
	code = json_string_value(json_array_get(json_object_get(a, "codes"), 0));
	ok(events(f, PRODUCER, &err, NULL,
	          "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]}]}", code),
	   &err);
	expect(check(f, SELLER, PRODUCER, code), "genuine", NULL);
	expect(check(f, SELLER2, PRODUCER, code), "genuine", NULL);
	expect(check(f, SELLER3, PRODUCER, code), "genuine", NULL);
	json_decref(a);
}

/* Units that are not on the code's path, each checking it at a different time: one may be a
 * paper error, two are two places the ledger cannot explain, and from then on every check of
 * the code says so. A unit on the path only through the carton the code travelled in is on
 * the path. */
static void test_clone_off_path(void **state)
{
	fixture *f = *state;
	char c[1][64];
	const char *msg;
	qt_err err;
	json_t *r;
	long long sh;

	issue_active(f, 1, 1, c);
	ok(events(f, PRODUCER, &err, NULL,
	          "{\"events\":[{\"type\":\"pack\",\"parent\":\"" CARTON "\",\"codes\":[\"%s\"]}]}",
	          c[0]),
	   &err);
	receive_one(f, SELLER, ship_to(f, PRODUCER, SELLER, CARTON), CARTON);
	receive_one(f, SELLER2, ship_to(f, SELLER, SELLER2, CARTON), CARTON);
	expect(check(f, SELLER3, PRODUCER, c[0]), "suspect", "received_elsewhere", NULL);
	/* SELLER had it, in the carton: on the path, though it no longer holds it */
	sh = ship_to(f, SELLER2, PRODUCER2, CARTON);
	expect(check(f, SELLER, PRODUCER, c[0]), "suspect", "supplier_not_holder", NULL);
	receive_one(f, PRODUCER2, sh, CARTON);
	expect(check(f, PRODUCER2, SELLER2, c[0]), "genuine", NULL);
	r = check(f, SELLER4, SELLER, c[0]);
	msg = str(reason_of(r, "cloned"), "message");
	assert_non_null(strstr(msg, "2 units that are not on its path"));
	assert_non_null(strstr(msg, SELLER3));
	assert_non_null(strstr(msg, SELLER4));
	assert_null(strstr(msg, SELLER ","));
	expect(r, "suspect", "received_elsewhere", "cloned", NULL);
	/* from now on even its holder is told */
	expect(check(f, PRODUCER2, SELLER2, c[0]), "suspect", "cloned", NULL);
}

/* The sightings a check by who from supplier leaves, replayed from a record that does not
 * say whether the check was explained, are those the check itself leaves; *explained is what
 * the check recorded. */
static void same_as_legacy(fixture *f, const char *who, const char *supplier, const char *code,
                           bool *explained)
{
	/* a check record as written before it said whether the check was explained */
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "checker", who, "supplier", supplier,
	                         "code", code, "verdict", "genuine", "reasons"),
	       *now = NULL, *rec, *seen;
	uint64_t index = qt_ledger_size(f->p->ledger);
	qt_buf leaf;
	qt_err err;
	qt_rc rc;
	qt_store *rd;

	seen = replay_docs(f, qt_checks_replay, "check", body, index, "sightings", &rc, &err);
	ok(rc, &err);
	json_decref(check(f, who, supplier, code));
	rd = qt_platform_reader(f->p, &err);
	ok(qt_doc_load(rd, "sightings", code, &now, &err), &err);
	if (!json_equal(now, json_array_get(seen, 0)))
		fail_msg("replayed %s, checked %s", json_dumps(seen, 0), json_dumps(now, 0));
	qt_buf_init(&leaf, 1 << 16);
	ok(rd->ops->record_get(rd, index, &leaf, NULL, &err), &err);
	rec = json_loadb(leaf.p, leaf.len, 0, NULL);
	*explained = json_is_true(json_object_get(json_object_get(rec, "body"), "explained"));
	json_decref(rec);
	qt_buf_free(&leaf);
	json_decref(now);
	json_decref(seen);
	json_decref(body);
}

/* A check recorded before records said whether it was explained is worked out again from its
 * path when replayed, and leaves the sightings the check did: off its path, and on it. */
static void test_replay_without_explained(void **state)
{
	fixture *f = *state;
	char c[1][64];
	bool explained = true;

	issue_active(f, 1, 1, c);
	/* its producer holds it: SELLER3 is not on its path */
	same_as_legacy(f, SELLER3, SELLER, c[0], &explained);
	assert_false(explained);
	/* SELLER had it and passed it on to SELLER2: only its history puts SELLER on its path */
	receive_one(f, SELLER, ship_to(f, PRODUCER, SELLER, c[0]), c[0]);
	receive_one(f, SELLER2, ship_to(f, SELLER, SELLER2, c[0]), c[0]);
	same_as_legacy(f, SELLER, SELLER4, c[0], &explained);
	assert_true(explained);
	same_as_legacy(f, SELLER4, SELLER, c[0], &explained);
	assert_false(explained);
}

typedef struct racer {
	fixture *f;
	const char *who;
	char (*codes)[64];
	size_t n;
	json_t *answer;
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	char text[4096];
	size_t used;
	qt_account u = unit(r->who);
	qt_err err;

	used = (size_t)snprintf(text, sizeof text, "{\"supplier\":\"%s\",\"codes\":[", PRODUCER);
	for (size_t i = 0; i < r->n; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "%s\"%s\"", i ? "," : "",
		                         r->codes[i]);
	snprintf(text + used, sizeof text - used, "]}");
	if (check_text(r->f, &u, text, &r->answer, &err) != QT_OK)
		r->answer = NULL;
	return NULL;
}

/* Two units check the same codes at once, both from the holder: whichever is recorded
 * second must see the first (a verdict is never recorded on a state that moved). */
static void test_racing_checkers(void **state)
{
	fixture *f = *state;
	char c[20][64];
	racer a = {f, SELLER, c, 20, NULL}, b = {f, SELLER2, c, 20, NULL};
	pthread_t ta, tb;

	issue_active(f, 20, 20, c);
	for (int round = 0; round < 2; round++) {
		/* the second round: the codes went on to another unit, so both claims are false */
		for (size_t i = 0; round && i < 20; i++)
			receive_one(f, SELLER3, ship_to(f, PRODUCER, SELLER3, c[i]), c[i]);
		pthread_create(&ta, NULL, race, &a);
		pthread_create(&tb, NULL, race, &b);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		assert_non_null(a.answer);
		assert_non_null(b.answer);
		for (size_t i = 0; i < 20; i++) {
			json_t *ra = json_array_get(json_object_get(a.answer, "results"), i);
			json_t *rb = json_array_get(json_object_get(b.answer, "results"), i);
			bool a_later = json_integer_value(json_object_get(ra, "index")) >
			               json_integer_value(json_object_get(rb, "index"));
			json_t *later = a_later ? ra : rb, *earlier = a_later ? rb : ra;
			assert_non_null(reason_of(later, "cloned"));
			assert_null(reason_of(earlier, "cloned"));
			assert_string_equal(str(earlier, "verdict"), round ? "suspect" : "genuine");
		}
		json_decref(a.answer);
		json_decref(b.answer);
	}
}

static void test_bad_input_records_nothing(void **state)
{
	fixture *f = *state;
	qt_account seller = unit(SELLER), producer = {.id = PRODUCER, .roles = QT_ROLE_PRODUCER};
	qt_account reg = {.id = "R1", .roles = QT_ROLE_REGULATOR};
	uint64_t size = qt_ledger_size(f->p->ledger);
	qt_err err;
	char *big;
	size_t used;
	static const struct {
		const char *text, *says;
	} bad[] = {
	        {"{\"supplier\":\"" PRODUCER "\",\"codes\":[\"(01)06901234567893(21)A\"]}",
	         "codes[0]"},
	        {"{\"supplier\":\"91440300MA5D12340X\",\"codes\":[\"(01)" GTIN "(21)A\"]}",
	         "supplier"},
	        {"{\"supplier\":\"" SELLER "\",\"codes\":[\"(01)" GTIN "(21)A\"]}", "itself"},
	        {"{\"codes\":[\"(01)" GTIN "(21)A\"]}", "supplier"},
	        {"{\"supplier\":\"" PRODUCER "\",\"codes\":[]}", "codes"},
	        {"{\"supplier\":\"" PRODUCER "\",\"codes\":\"(01)" GTIN "(21)A\"}", "codes"},
	        {"{\"supplier\":\"" PRODUCER "\",\"codes\":[7]}", "codes[0]"},
	        {"{\"supplier\":\"" PRODUCER "\",\"codes\":[\"(01)" GTIN "(21)A\",\"01/" GTIN
	         "/21/A\"]}",
	         "codes[1] is codes[0]"},
	        {"{\"supplier\":\"" PRODUCER "\",\"codes\":[\"(01)" GTIN "(21)A\"],\"x\":1}",
	         "unknown field 'x'"},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(check_text(f, &seller, bad[i].text, NULL, &err), QT_ERR_INVALID);
		if (!strstr(err.msg, bad[i].says))
			fail_msg("%s: %s", bad[i].text, err.msg);
	}
	assert_int_equal(check_text(f, &producer, bad[0].text, NULL, &err), QT_ERR_DENIED);
	assert_int_equal(check_text(f, &reg, bad[0].text, NULL, &err), QT_ERR_DENIED);
	/* one more than allowed */
	big = malloc(64 * (QT_CHECK_MAX + 2));
	used = (size_t)sprintf(big, "{\"supplier\":\"" PRODUCER "\",\"codes\":[");
	for (int i = 0; i <= QT_CHECK_MAX; i++)
		used += (size_t)sprintf(big + used, "%s\"(01)" GTIN "(21)N%d\"", i ? "," : "", i);
	sprintf(big + used, "]}");
	assert_int_equal(check_text(f, &seller, big, NULL, &err), QT_ERR_TOOBIG);
	free(big);
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
}

/* List the checks as account who; the indexes listed. */
static json_t *listed(fixture *f, const qt_account *who, const char *unit_id, const char *verdict,
                      const char *after, size_t limit, qt_rc want)
{
	json_t *a = NULL, *ids = json_array(), *checks;
	qt_err err;
	qt_store *rd = qt_platform_reader(f->p, &err);

	assert_int_equal(qt_check_list(rd, who, unit_id, verdict, after, limit, &a, &err), want);
	checks = json_object_get(a, "checks");
	for (size_t k = 0; k < json_array_size(checks); k++)
		json_array_append(ids, json_object_get(json_array_get(checks, k), "index"));
	if (json_object_get(a, "next"))
		json_array_append(ids, json_object_get(a, "next"));
	json_decref(a);
	return ids;
}

static void test_list(void **state)
{
	fixture *f = *state;
	char c[2][64];
	json_t *r, *ids;
	long long g, s1, s2;
	qt_account me = unit(SELLER);
	qt_account bj = {.id = "R1", .roles = QT_ROLE_REGULATOR, .jurisdiction = "11"};
	qt_account nat = {.id = "R2", .roles = QT_ROLE_REGULATOR, .jurisdiction = ""};
	qt_account js = {.id = "R3", .roles = QT_ROLE_REGULATOR, .jurisdiction = "3205"};

	issue_active(f, 2, 1, c);
	r = check(f, SELLER, PRODUCER, c[0]); /* Beijing */
	g = json_integer_value(json_object_get(r, "index"));
	json_decref(r);
	r = check(f, SELLER, PRODUCER, "(01)" GTIN "(21)FAKE");
	s1 = json_integer_value(json_object_get(r, "index"));
	json_decref(r);
	r = check(f, SELLER2, PRODUCER, "(01)" GTIN "(21)FAKE"); /* Suzhou */
	s2 = json_integer_value(json_object_get(r, "index"));
	json_decref(r);

	ids = listed(f, &me, NULL, NULL, NULL, 100, QT_OK);
	assert_int_equal(json_array_size(ids), 2);
	assert_int_equal(json_integer_value(json_array_get(ids, 0)), g);
	assert_int_equal(json_integer_value(json_array_get(ids, 1)), s1);
	json_decref(ids);
	ids = listed(f, &me, NULL, "suspect", NULL, 100, QT_OK);
	assert_int_equal(json_array_size(ids), 1);
	assert_int_equal(json_integer_value(json_array_get(ids, 0)), s1);
	json_decref(ids);
	json_decref(listed(f, &me, SELLER2, NULL, NULL, 100, QT_ERR_DENIED));
	json_decref(listed(f, &me, NULL, "bad", NULL, 100, QT_ERR_INVALID));
	/* Beijing's regulator sees Beijing's checker, not Suzhou's */
	ids = listed(f, &bj, NULL, "suspect", NULL, 100, QT_OK);
	assert_int_equal(json_array_size(ids), 1);
	assert_int_equal(json_integer_value(json_array_get(ids, 0)), s1);
	json_decref(ids);
	json_decref(listed(f, &bj, SELLER2, NULL, NULL, 100, QT_ERR_DENIED));
	ids = listed(f, &js, NULL, NULL, NULL, 100, QT_OK);
	assert_int_equal(json_array_size(ids), 1);
	assert_int_equal(json_integer_value(json_array_get(ids, 0)), s2);
	json_decref(ids);
	ids = listed(f, &js, SELLER2, "genuine", NULL, 100, QT_OK);
	assert_int_equal(json_array_size(ids), 0);
	json_decref(ids);
	/* the national one sees both, in pages */
	ids = listed(f, &nat, NULL, "suspect", NULL, 1, QT_OK);
	assert_int_equal(json_array_size(ids), 2); /* one check and the next page's key */
	assert_int_equal(json_integer_value(json_array_get(ids, 0)), s1);
	r = listed(f, &nat, NULL, "suspect", json_string_value(json_array_get(ids, 1)), 1, QT_OK);
	assert_int_equal(json_integer_value(json_array_get(r, 0)), s2);
	json_decref(r);
	json_decref(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_genuine_and_state_unchanged, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_never_issued, fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_supplier_does_not_hold_it, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_sold_and_received_elsewhere, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_contents_recalled_or_destroyed, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_recalled_destroyed_not_commissioned,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_producer_standing, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_clone_two_places, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_batch_code_not_cloned, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_clone_off_path, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_racing_checkers, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_input_records_nothing, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_list, fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_replay_without_explained, fixture_setup,
	                                        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
