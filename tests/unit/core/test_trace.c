/* test_trace.c — tracing on a real store: a regulator's whole chain and each unit's neighbours
 * (never a unit further away), cartons and pallets carrying items, voided steps, a batch's
 * holders and the units it passed through, and the store's grouped count on awkward bodies. */
#include "trace_fixture.h"

#include "core/scan.h"

#define RETAILER   "91330100MA5T000377"
#define OUTSIDER   "91320100MA5T00045X"
#define SSCC       "(00)106901234000000015"
#define SSCC_KEY   "00/106901234000000015"
#define PALLET     "(00)106901234000000022"
#define PALLET_KEY "00/106901234000000022"

static qt_account regulator(const char *j)
{
	qt_account a = {.id = "regulator-1", .roles = QT_ROLE_REGULATOR};
	snprintf(a.jurisdiction, sizeof a.jurisdiction, "%s", j);
	return a;
}

static qt_rc trace_as(fixture *f, const qt_account *who, const char *code, qt_trace_dir dir,
                      json_t **answer)
{
	qt_err err;
	qt_rc rc = qt_trace_code(qt_platform_reader(f->p, &err), who, code, strlen(code), dir,
	                         answer, &err);
	if (getenv("QT_TEST_DEBUG"))
		fprintf(stderr, "trace %s as %s: %d %s\n", code, who->id, rc,
		        rc == QT_OK ? "" : err.msg);
	return rc;
}

static json_t *trace_ok(fixture *f, const qt_account *who, const char *code, qt_trace_dir dir)
{
	json_t *a = NULL;
	assert_int_equal(trace_as(f, who, code, dir, &a), QT_OK);
	if (getenv("QT_TEST_DEBUG")) {
		char *t = json_dumps(a, JSON_INDENT(1));
		fprintf(stderr, "%s\n", t);
		free(t);
	}
	return a;
}

/* The values of member name of each object in the array at answer[list], joined by ",". */
static const char *column(const json_t *answer, const char *list, const char *name, char *out,
                          size_t n)
{
	size_t k, used = 0;
	json_t *e;
	out[0] = '\0';
	json_array_foreach(json_object_get(answer, list), k, e)
	{
		json_t *v = json_object_get(e, name);
		char one[128];
		if (json_is_integer(v))
			snprintf(one, sizeof one, "%lld", (long long)json_integer_value(v));
		else
			snprintf(one, sizeof one, "%s", v ? json_string_value(v) : "-");
		used += (size_t)snprintf(out + used, n - used, "%s%s", k ? "," : "", one);
	}
	return out;
}

/* Whether the answer mentions text anywhere. */
static bool mentions(const json_t *answer, const char *text)
{
	char *t = json_dumps(answer, 0);
	bool found = strstr(t, text) != NULL;
	free(t);
	return found;
}

static long long mark_index(const json_t *holder, const char *which)
{
	json_t *m = json_object_get(holder, which);
	return m ? (long long)json_integer_value(json_object_get(m, "index")) : -1;
}

/* Codes c[0..2] of batch 1: all commissioned; c[0], c[1] shipped to SELLER and received;
 * c[0] shipped on to RETAILER, received and sold. Record indexes into idx: [0] commission,
 * [1] ship to SELLER, [2] SELLER's receipt, [3] ship to RETAILER, [4] RETAILER's receipt,
 * [5] retail. */
static void three_tiers(fixture *f, char c[3][64], long long idx[6])
{
	json_t *a = NULL;
	qt_err err;

	issue_codes(f, 3, c);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\","
	                        "\"%s\"]},{\"type\":\"ship\",\"codes\":[\"%s\",\"%s\"],"
	                        "\"time\":\"2026-11-02T08:00:00Z\","
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"北京经销\"}}]}",
	                        c[0], c[1], c[2], c[0], c[1]),
	                 QT_OK);
	idx[0] = first_index(a);
	idx[1] = idx[0] + 1;
	assert_int_equal(events(f, SELLER, &err, &a,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\",\"%s\"]},{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" RETAILER "\",\"name\":\"杭州五金\"}}]}",
	                        idx[1], c[0], c[1], c[0]),
	                 QT_OK);
	idx[2] = first_index(a);
	idx[3] = idx[2] + 1;
	assert_int_equal(events(f, RETAILER, &err, &a,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]},{\"type\":\"retail\",\"codes\":[\"%s\"]}]}",
	                        idx[3], c[0], c[0]),
	                 QT_OK);
	idx[4] = first_index(a);
	idx[5] = idx[4] + 1;
}

static void test_regulator_sees_the_whole_chain(void **state)
{
	fixture *f = *state;
	char c[3][64], col[1024], want[256];
	long long idx[6];
	qt_account nat = regulator("");
	json_t *a, *h, *src;

	three_tiers(f, c, idx);
	a = trace_ok(f, &nat, c[0], QT_TRACE_BOTH);
	assert_string_equal(str(a, "code"), c[0]);
	assert_string_equal(str(a, "status"), "sold");
	assert_string_equal(str(a, "view"), "regulator");
	assert_string_equal(column(a, "holders", "unit", col, sizeof col),
	                    PRODUCER "," SELLER "," RETAILER);
	assert_string_equal(column(a, "holders", "how", col, sizeof col),
	                    "issued,received,received");
	assert_string_equal(column(a, "holders", "region", col, sizeof col),
	                    "440300,110000,330100");
	/* each holding starts and ends at the record that proves it */
	h = json_object_get(a, "holders");
	assert_int_equal(mark_index(json_array_get(h, 0), "until"), idx[1]);
	assert_int_equal(mark_index(json_array_get(h, 1), "since"), idx[2]);
	assert_int_equal(mark_index(json_array_get(h, 1), "until"), idx[3]);
	assert_int_equal(mark_index(json_array_get(h, 2), "since"), idx[4]);
	assert_int_equal(mark_index(json_array_get(h, 2), "until"), -1);
	assert_string_equal(str(json_object_get(json_array_get(h, 0), "until"), "time"),
	                    "2026-11-02T08:00:00Z"); /* the event's own time where it gave one */
	assert_string_equal(column(a, "steps", "type", col, sizeof col),
	                    "code.issue,event.commission,event.ship,event.receive,event.ship,"
	                    "event.receive,event.retail");
	snprintf(want, sizeof want, "%lld,%lld,%lld,%lld,%lld,%lld", idx[0], idx[1], idx[2], idx[3],
	         idx[4], idx[5]);
	assert_non_null(strstr(column(a, "steps", "index", col, sizeof col), want));
	assert_string_equal(column(a, "steps", "to", col, sizeof col),
	                    "-,-," SELLER "," SELLER "," RETAILER "," RETAILER ",-");
	assert_string_equal(column(a, "steps", "from", col, sizeof col),
	                    "-,-," PRODUCER "," PRODUCER "," SELLER "," SELLER ",-");
	/* back: where it came from */
	src = json_object_get(a, "source");
	assert_string_equal(str(json_object_get(src, "producer"), "unit"), PRODUCER);
	assert_string_equal(str(json_object_get(src, "batch"), "production_date"), "2025-03-01");
	assert_string_equal(str(json_object_get(src, "product"), "id"), "P0000000000000001");
	assert_false(json_is_true(json_object_get(a, "truncated")));
	assert_null(json_object_get(a, "items"));
	json_decref(a);
	/* forward has no source; back has it */
	a = trace_ok(f, &nat, c[0], QT_TRACE_FORWARD);
	assert_null(json_object_get(a, "source"));
	assert_string_equal(str(a, "direction"), "forward");
	assert_int_equal(json_array_size(json_object_get(a, "holders")), 3);
	json_decref(a);
}

static void test_regulators_in_jurisdiction(void **state)
{
	fixture *f = *state;
	char c[3][64];
	long long idx[6];
	json_t *a = NULL;
	/* the producer's province, the middle unit's, the retailer's city; not Jiangsu */
	const char *allowed[] = {"44", "4403", "11", "33", "3301"};

	three_tiers(f, c, idx);
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		qt_account r = regulator(allowed[i]);
		a = trace_ok(f, &r, c[0], QT_TRACE_BOTH);
		assert_int_equal(json_array_size(json_object_get(a, "holders")), 3);
		json_decref(a);
	}
	qt_account js = regulator("32");
	assert_int_equal(trace_as(f, &js, c[0], QT_TRACE_BOTH, &a), QT_ERR_DENIED);
	assert_null(a);
	/* c[2] never left the producer: Beijing's regulator has nothing to do with it */
	qt_account bj = regulator("11");
	assert_int_equal(trace_as(f, &bj, c[2], QT_TRACE_BOTH, &a), QT_ERR_DENIED);
}

static void test_units_see_only_their_neighbours(void **state)
{
	fixture *f = *state;
	char c[3][64], col[1024], want[64];
	long long idx[6];
	qt_account seller = unit(SELLER), retailer = unit(RETAILER), producer = unit(PRODUCER);
	qt_account outsider = unit(OUTSIDER);
	json_t *a = NULL, *h;

	three_tiers(f, c, idx);
	/* the middle unit: its supplier back, its buyer forward, each by the hand-over only */
	a = trace_ok(f, &seller, c[0], QT_TRACE_BOTH);
	assert_string_equal(str(a, "view"), "unit");
	assert_string_equal(column(a, "holders", "unit", col, sizeof col),
	                    PRODUCER "," SELLER "," RETAILER);
	h = json_object_get(a, "holders");
	assert_int_equal(mark_index(json_array_get(h, 0), "since"), -1);
	assert_int_equal(mark_index(json_array_get(h, 0), "until"), idx[1]);
	assert_int_equal(mark_index(json_array_get(h, 2), "since"), idx[4]);
	assert_string_equal(column(a, "steps", "type", col, sizeof col),
	                    "event.ship,event.receive,event.ship,event.receive");
	assert_false(mentions(a, "event.retail"));
	assert_false(mentions(a, "code.issue"));
	json_decref(a);
	/* back only: no buyer */
	a = trace_ok(f, &seller, c[0], QT_TRACE_BACK);
	assert_string_equal(column(a, "holders", "unit", col, sizeof col), PRODUCER "," SELLER);
	assert_false(mentions(a, RETAILER));
	snprintf(want, sizeof want, "%lld,%lld", idx[1], idx[2]);
	assert_string_equal(column(a, "steps", "index", col, sizeof col), want);
	json_decref(a);
	/* the retailer never learns who made it, even looking back */
	a = trace_ok(f, &retailer, c[0], QT_TRACE_BOTH);
	assert_string_equal(column(a, "holders", "unit", col, sizeof col), SELLER "," RETAILER);
	assert_false(mentions(a, PRODUCER));
	assert_null(json_object_get(json_object_get(a, "source"), "producer"));
	assert_string_equal(str(json_object_get(json_object_get(a, "source"), "batch"), "batch_no"),
	                    "L2025");
	assert_string_equal(column(a, "steps", "type", col, sizeof col),
	                    "event.ship,event.receive,event.retail");
	json_decref(a);
	a = trace_ok(f, &retailer, c[0], QT_TRACE_FORWARD);
	assert_string_equal(column(a, "holders", "unit", col, sizeof col), RETAILER);
	assert_string_equal(column(a, "steps", "type", col, sizeof col), "event.retail");
	json_decref(a);
	/* the producer forward: its buyer, not the buyer's buyer */
	a = trace_ok(f, &producer, c[0], QT_TRACE_FORWARD);
	assert_string_equal(column(a, "holders", "unit", col, sizeof col), PRODUCER "," SELLER);
	assert_false(mentions(a, RETAILER));
	assert_string_equal(column(a, "steps", "type", col, sizeof col),
	                    "code.issue,event.commission,event.ship,event.receive");
	json_decref(a);
	/* nobody else; and the retailer is not on c[1]'s path */
	assert_int_equal(trace_as(f, &outsider, c[0], QT_TRACE_BOTH, &a), QT_ERR_DENIED);
	assert_int_equal(trace_as(f, &retailer, c[1], QT_TRACE_BOTH, &a), QT_ERR_DENIED);
	assert_null(a);
}

static void test_bad_codes(void **state)
{
	fixture *f = *state;
	qt_account nat = regulator("");
	json_t *a = NULL;
	qt_trace_dir d;

	assert_int_equal(trace_as(f, &nat, "not a code", QT_TRACE_BOTH, &a), QT_ERR_INVALID);
	assert_int_equal(trace_as(f, &nat, "(01)" GTIN "(21)NEVER", QT_TRACE_BOTH, &a),
	                 QT_ERR_NOTFOUND);
	assert_int_equal(trace_as(f, &nat, "(01)" GTIN "(21)NEVER", QT_TRACE_BOTH, &a),
	                 QT_ERR_NOTFOUND);
	assert_null(a);
	assert_true(qt_trace_dir_parse(NULL, &d) && d == QT_TRACE_BOTH);
	assert_true(qt_trace_dir_parse("back", &d) && d == QT_TRACE_BACK);
	assert_true(qt_trace_dir_parse("forward", &d) && d == QT_TRACE_FORWARD);
	assert_false(qt_trace_dir_parse("sideways", &d));
	assert_false(qt_trace_dir_parse("", &d));
}

/* Goods packed in a carton move with it: the carton's ship and receipt are the item's steps
 * (via the carton), and the carton's trace lists what is in it. */
static void test_carton_moves_its_items(void **state)
{
	fixture *f = *state;
	char c[3][64], col[1024];
	json_t *a = NULL;
	long long pack, ship;
	qt_account nat = regulator(""), seller = unit(SELLER);
	qt_err err;

	issue_codes(f, 3, c);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\","
	                        "\"%s\"]},{\"type\":\"pack\",\"parent\":\"" SSCC "\","
	                        "\"codes\":[\"%s\",\"%s\",\"%s\"]},{\"type\":\"ship\","
	                        "\"codes\":[\"" SSCC "\"],\"buyer\":{\"uscc\":\"" SELLER "\","
	                        "\"name\":\"S\"}}]}",
	                        c[0], c[1], c[2], c[0], c[1], c[2]),
	                 QT_OK);
	pack = first_index(a) + 1;
	ship = pack + 1;
	assert_int_equal(events(f, SELLER, &err, &a,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,\"codes\":["
	                        "\"" SSCC "\"]},{\"type\":\"unpack\",\"parent\":\"" SSCC "\","
	                        "\"codes\":[\"%s\"]},{\"type\":\"retail\",\"codes\":[\"%s\"]}]}",
	                        ship, c[0], c[0]),
	                 QT_OK);
	json_decref(a);
	a = trace_ok(f, &nat, c[0], QT_TRACE_BOTH);
	assert_string_equal(column(a, "steps", "type", col, sizeof col),
	                    "code.issue,event.commission,event.pack,event.ship,event.receive,"
	                    "event.unpack,event.retail");
	assert_string_equal(column(a, "steps", "via", col, sizeof col),
	                    "-,-,-," SSCC_KEY "," SSCC_KEY ",-,-");
	assert_string_equal(column(a, "holders", "unit", col, sizeof col), PRODUCER "," SELLER);
	assert_int_equal(mark_index(json_array_get(json_object_get(a, "holders"), 0), "until"),
	                 ship);
	json_decref(a);
	/* the seller sees the carton's ship to it as the step that brought it the item */
	a = trace_ok(f, &seller, c[1], QT_TRACE_BACK);
	assert_string_equal(column(a, "steps", "type", col, sizeof col),
	                    "event.ship,event.receive");
	assert_string_equal(column(a, "steps", "via", col, sizeof col), SSCC_KEY "," SSCC_KEY);
	json_decref(a);
	/* the carton: its own chain, and the items still in it */
	a = trace_ok(f, &nat, SSCC, QT_TRACE_BOTH);
	assert_string_equal(str(a, "code"), SSCC_KEY);
	assert_int_equal(json_array_size(json_object_get(a, "items")), 2);
	assert_true(mentions(json_object_get(a, "items"), c[1]));
	assert_true(mentions(json_object_get(a, "items"), c[2]));
	assert_false(json_is_true(json_object_get(a, "items_more")));
	assert_string_equal(column(a, "holders", "how", col, sizeof col), "packed,received");
	assert_false(mentions(json_object_get(a, "items"), c[0]));
	json_decref(a);
}

/* A carton put on a pallet before an item went into the carton still travels with the
 * pallet: the item's history follows both levels. */
static void test_nested_parents(void **state)
{
	fixture *f = *state;
	char c[2][64], col[1024];
	json_t *a = NULL;
	long long ship;
	qt_account nat = regulator("");
	qt_err err;

	issue_codes(f, 2, c);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\"]},"
	                        "{\"type\":\"pack\",\"parent\":\"" SSCC "\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"pack\",\"parent\":\"" PALLET "\",\"codes\":[\"" SSCC
	                        "\"]},"
	                        "{\"type\":\"pack\",\"parent\":\"" SSCC "\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"ship\",\"codes\":[\"" PALLET "\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0], c[1], c[0], c[1]),
	                 QT_OK);
	ship = first_index(a) + 4;
	for (int i = 0; i < 2; i++) {
		a = trace_ok(f, &nat, c[i], QT_TRACE_BOTH);
		assert_string_equal(column(a, "steps", "via", col, sizeof col),
		                    i == 0 ? "-,-,-," SSCC_KEY "," PALLET_KEY
		                           : "-,-,-," PALLET_KEY);
		assert_int_equal(
		        json_integer_value(json_object_get(
		                json_array_get(json_object_get(a, "steps"),
		                               json_array_size(json_object_get(a, "steps")) - 1),
		                "index")),
		        ship);
		assert_string_equal(column(a, "holders", "how", col, sizeof col),
		                    "issued,in_transit");
		json_decref(a);
	}
	/* the pallet lists both levels of what it carries */
	a = trace_ok(f, &nat, PALLET, QT_TRACE_FORWARD);
	assert_int_equal(json_array_size(json_object_get(a, "items")), 3);
	json_decref(a);
}

/* A voided step stays in the steps, marked, and changes no holder. */
static void test_corrected_steps(void **state)
{
	fixture *f = *state;
	char c[1][64], col[1024], want[64];
	json_t *a = NULL;
	long long ship, fix;
	qt_account nat = regulator(""), seller = unit(SELLER), retailer = unit(RETAILER);
	qt_err err;

	issue_codes(f, 1, c);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0], c[0]),
	                 QT_OK);
	ship = first_index(a) + 1;
	assert_int_equal(
	        events(f, PRODUCER, &err, &a,
	               "{\"events\":[{\"type\":\"correct\",\"corrects\":%lld,\"codes\":[]},"
	               "{\"type\":\"ship\",\"codes\":[\"%s\"],"
	               "\"buyer\":{\"uscc\":\"" RETAILER "\",\"name\":\"R\"}}]}",
	               ship, c[0]),
	        QT_OK);
	fix = first_index(a);
	a = trace_ok(f, &nat, c[0], QT_TRACE_BOTH);
	snprintf(want, sizeof want, "-,-,%lld,-", fix);
	assert_string_equal(column(a, "steps", "corrected_by", col, sizeof col), want);
	assert_string_equal(column(a, "holders", "unit", col, sizeof col), PRODUCER "," RETAILER);
	assert_string_equal(column(a, "holders", "how", col, sizeof col), "issued,in_transit");
	assert_string_equal(str(json_array_get(json_object_get(a, "holders"), 1), "name"), "R");
	json_decref(a);
	/* the voided buyer is not on the path; the buyer in transit is */
	assert_int_equal(trace_as(f, &seller, c[0], QT_TRACE_BOTH, &a), QT_ERR_DENIED);
	a = trace_ok(f, &retailer, c[0], QT_TRACE_BACK);
	assert_string_equal(column(a, "holders", "unit", col, sizeof col), PRODUCER "," RETAILER);
	json_decref(a);
}

static qt_rc batch_as(fixture *f, const qt_account *who, const char *batch, qt_trace_dir dir,
                      const char *after, size_t limit, json_t **answer)
{
	qt_err err;
	qt_rc rc = qt_trace_batch(qt_platform_reader(f->p, &err), who, batch, dir, after, limit,
	                          answer, &err);
	if (getenv("QT_TEST_DEBUG"))
		fprintf(stderr, "batch %s as %s: %d %s\n", batch, who->id, rc,
		        rc == QT_OK ? "" : err.msg);
	return rc;
}

static long long by_status(const json_t *holder, const char *status)
{
	return json_integer_value(json_object_get(json_object_get(holder, "by_status"), status));
}

static void test_batch_trace(void **state)
{
	fixture *f = *state;
	char c[3][64], col[1024], more[5][64];
	long long idx[6];
	qt_account producer = unit(PRODUCER), seller = unit(SELLER), nat = regulator("");
	qt_account zj = regulator("33"), js = regulator("32");
	json_t *a = NULL, *h, *all = json_array();
	const char *next;

	seed(f, "account", RETAILER, "330100",
	     json_pack("{s:s, s:s, s:s, s:s}", "id", RETAILER, "name", "杭州五金有限公司",
	               "division", "330100", "province", "浙江省"));
	three_tiers(f, c, idx);
	issue_codes(f, 5, more); /* issued, never commissioned */
	assert_int_equal(batch_as(f, &producer, "B0000000000000001", QT_TRACE_BOTH, NULL, 3, &a),
	                 QT_OK);
	/* holders in the order of their ids */
	h = json_object_get(a, "holders");
	assert_string_equal(column(a, "holders", "unit", col, sizeof col),
	                    SELLER "," RETAILER "," PRODUCER);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 2), "count")), 6);
	assert_int_equal(by_status(json_array_get(h, 2), "active"), 1);
	assert_int_equal(by_status(json_array_get(h, 2), "issued"), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 0), "count")), 1);
	assert_int_equal(by_status(json_array_get(h, 0), "active"), 1);
	assert_int_equal(by_status(json_array_get(h, 1), "sold"), 1);
	assert_string_equal(str(json_array_get(h, 1), "region"), "330100");
	/* a registered unit by its own name, not the one its supplier typed */
	assert_string_equal(str(json_array_get(h, 1), "name"), "杭州五金有限公司");
	assert_string_equal(str(json_array_get(h, 1), "province"), "浙江省");
	/* back: the source and every unit that received its goods */
	assert_string_equal(column(a, "units", "unit", col, sizeof col), SELLER "," RETAILER);
	assert_string_equal(
	        str(json_object_get(json_object_get(a, "source"), "batch"), "production_date"),
	        "2025-03-01");
	assert_string_equal(str(json_object_get(json_object_get(a, "source"), "producer"), "unit"),
	                    PRODUCER);
	/* forward: the items, paged */
	assert_int_equal(json_array_size(json_object_get(a, "items")), 3);
	json_array_extend(all, json_object_get(a, "items"));
	next = str(a, "next");
	assert_true(*next);
	json_t *b = NULL;
	char after[64];
	snprintf(after, sizeof after, "%s", next);
	assert_int_equal(
	        batch_as(f, &producer, "B0000000000000001", QT_TRACE_FORWARD, after, 10, &b),
	        QT_OK);
	assert_null(json_object_get(b, "next"));
	assert_null(json_object_get(b, "units"));
	json_array_extend(all, json_object_get(b, "items"));
	assert_int_equal(json_array_size(all), 8);
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *it = json_array_get(all, i);
		if (!strcmp(str(it, "code"), c[0])) {
			assert_string_equal(str(it, "holder"), RETAILER);
			assert_string_equal(str(it, "status"), "sold");
		}
	}
	json_decref(b);
	json_decref(a);
	json_decref(all);
	/* back only: no holders or items */
	assert_int_equal(batch_as(f, &zj, "B0000000000000001", QT_TRACE_BACK, NULL, 10, &a), QT_OK);
	assert_null(json_object_get(a, "holders"));
	assert_null(json_object_get(a, "items"));
	json_decref(a);
	assert_int_equal(batch_as(f, &nat, "B0000000000000001", QT_TRACE_FORWARD, NULL, 10, &a),
	                 QT_OK);
	json_decref(a);
	/* not the producer's, nor in a regulator's reach; unknown */
	assert_int_equal(batch_as(f, &seller, "B0000000000000001", QT_TRACE_BOTH, NULL, 10, &a),
	                 QT_ERR_DENIED);
	assert_int_equal(batch_as(f, &js, "B0000000000000001", QT_TRACE_BOTH, NULL, 10, &a),
	                 QT_ERR_DENIED);
	assert_int_equal(batch_as(f, &nat, "B00000000000000ff", QT_TRACE_BOTH, NULL, 10, &a),
	                 QT_ERR_NOTFOUND);
	assert_null(a);
}

/* ---- the store's grouped count, on documents a naive search would misread ---- */

typedef struct put_ctx {
	const char *const *ids, *const *owners, *const *bodies;
	size_t n;
} put_ctx;

static qt_rc put_docs(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	put_ctx *p = ctx;
	qt_rc rc = QT_OK;
	for (size_t i = 0; i < p->n && rc == QT_OK; i++)
		if ((rc = s->ops->doc_put(s, "thing", p->ids[i], p->owners[i], p->bodies[i],
		                          strlen(p->bodies[i]), first, err)) == QT_OK)
			rc = s->ops->link_put(s, "box", "b1", p->ids[i], err);
	return rc;
}

static qt_rc collect_groups(void *ctx, const char *owner, const char *value, uint64_t count)
{
	char *out = ctx;
	size_t used = strlen(out);
	snprintf(out + used, 1024 - used, "%s%s/%s=%llu", used ? " " : "", owner, value,
	         (unsigned long long)count);
	return QT_OK;
}

static void test_link_doc_count(void **state)
{
	fixture *f = *state;
	static const char *const ids[] = {"1", "2", "3", "4", "5", "6", "7", "8"};
	static const char *const owners[] = {"u2", "u1", "u1", "u1", "u2", "u1", "u1", "u2"};
	static const char *const bodies[] = {
	        "{\"status\":\"sold\"}",
	        /* a nested member and a string that looks like one come first */
	        ("{\"a\":{\"status\":\"x\",\"b\":[1,{\"c\":\"}\"}]},"
	         "\"n\":\"\\\"status\\\":\\\"y\\\"\",\"status\":\"active\"}"),
	        " { \"note\" : \"a,b\" , \"status\" : \"active\" } ",
	        "{\"status\":5}",
	        "{\"other\":\"sold\"}",
	        "{\"list\":[\"status\",\"sold\"],\"status\":\"sold\",\"z\":null}",
	        "not json",
	        /* an escaped backslash does not escape the quote after it */
	        "{\"n\":\"x\\\\\",\"status\":\"sold\"}",
	};
	put_ctx p = {ids, owners, bodies, 8};
	char out[1024] = "";
	qt_err err;
	qt_store *rd;

	assert_int_equal(qt_ledger_submit_job(f->p->ledger, NULL, 0, put_docs, &p, NULL, &err),
	                 QT_OK);
	rd = qt_platform_reader(f->p, &err);
	assert_int_equal(rd->ops->link_doc_count(rd, "box", "b1", "thing", "status", 10,
	                                         collect_groups, out, &err),
	                 QT_OK);
	assert_string_equal(out, "u1/=2 u1/active=2 u1/sold=1 u2/=1 u2/sold=2");
	out[0] = '\0';
	assert_int_equal(rd->ops->link_doc_count(rd, "box", "b1", "thing", "status", 4,
	                                         collect_groups, out, &err),
	                 QT_ERR_TOOBIG);
	out[0] = '\0';
	assert_int_equal(rd->ops->link_doc_count(rd, "box", "nothing", "thing", "status", 4,
	                                         collect_groups, out, &err),
	                 QT_OK);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_regulator_sees_the_whole_chain, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_regulators_in_jurisdiction, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_units_see_only_their_neighbours, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_codes, fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_carton_moves_its_items, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_nested_parents, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_corrected_steps, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_batch_trace, fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_link_doc_count, fixture_setup,
	                                        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
