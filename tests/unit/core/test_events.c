/* test_events.c — the flow rules, each with a case that breaks it: commissioned first, only
 * the holder ships, receive matches a shipment to the receiver, nothing moves after recall or
 * destroy, one parent per code, parents carry their children, only the author corrects, and
 * a refused request changes nothing. */
#include "trace_fixture.h"

#include "core/scan.h"

static void test_commission_first(void **state)
{
	fixture *f = *state;
	char c[2][64], s[32];
	qt_err err;
	uint64_t size;
	issue_codes(f, 2, c);
	size = qt_ledger_size(f->p->ledger);
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "not commissioned"));
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	/* unknown code */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"(01)" GTIN
	                        "(21)NOPE\"]}]}"),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "never issued"));
	/* commission then ship in one request: event 1 sees event 0 */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\","
	                        "\"contact\":{\"value\":\"138\",\"public\":false}}}]}",
	                        c[0], c[0]),
	                 QT_OK);
	assert_string_equal(status_of(f, c[0], s), "in_transit");
	/* commissioning twice is refused */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]}]}",
	                        c[0]),
	                 QT_ERR_CONFLICT);
}

static void test_only_holder_ships_and_receive_matches(void **state)
{
	fixture *f = *state;
	char c[1][64], s[32];
	json_t *a = NULL;
	qt_err err;
	long long ship_idx;
	issue_codes(f, 1, c);
	commission_one(f, c[0]);
	/* a unit acting on another's code */
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" PRODUCER2 "\",\"name\":\"X\"}}]}",
	                        c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "only its holder may ship it (holder is " PRODUCER));
	assert_non_null(strstr(err.msg, "event 0 (ship"));
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0]),
	                 QT_OK);
	ship_idx = json_integer_value(json_object_get(a, "first_index"));
	json_decref(a);
	/* the wrong unit cannot receive it */
	assert_int_equal(events(f, PRODUCER2, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]}]}",
	                        ship_idx, c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "not shipped to you"));
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]},{\"type\":\"retail\",\"codes\":[\"%s\"],"
	                        "\"public\":false,\"time\":\"2025-03-02T10:00:00Z\"}]}",
	                        ship_idx, c[0], c[0]),
	                 QT_OK);
	assert_string_equal(status_of(f, c[0], s), "sold");
	/* receiving twice */
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]}]}",
	                        ship_idx, c[0]),
	                 QT_ERR_CONFLICT);
}

/* One event of type on codes (JSON list members: "\"A\",\"B\""), dated time unless NULL,
 * with more members (",\"shipment\":3", or ""). */
static qt_rc dated(fixture *f, const char *who, const char *type, const char *codes,
                   const char *time, const char *more, qt_err *err, long long *first)
{
	json_t *a = NULL;
	qt_rc rc = events(f, who, err, &a,
	                  "{\"events\":[{\"type\":\"%s\",\"codes\":[%s]%s%s%s%s}]}", type, codes,
	                  time ? ",\"time\":\"" : "", time ? time : "", time ? "\"" : "", more);
	if (first)
		*first = json_integer_value(json_object_get(a, "first_index"));
	json_decref(a);
	return rc;
}

/* Events follow the goods in time, where units give times: nothing is dated before the
 * day its batch was made (in China: 2025-03-01 begins at 2025-02-28T16:00Z), a receipt not
 * before its shipment, and nothing the holder does before its receipt. A receipt recorded
 * without a time may have been recorded late: it bounds nothing. A refused event changes
 * nothing. */
static void test_times_follow_the_goods(void **state)
{
	fixture *f = *state;
	char c[2][64], s[32], both[140], one[70], on[40];
	qt_err err;
	long long sh;
	uint64_t size;
	issue_codes(f, 2, c);
	snprintf(both, sizeof both, "\"%s\",\"%s\"", c[0], c[1]);
	snprintf(one, sizeof one, "\"%s\"", c[0]);
	size = qt_ledger_size(f->p->ledger);
	assert_int_equal(
	        dated(f, PRODUCER, "commission", one, "2025-02-28T23:59:59+08:00", "", &err, NULL),
	        QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "it is dated 2025-02-28T15:59:59Z, before its batch was "
	                                "made (2025-03-01)"));
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	assert_string_equal(status_of(f, c[0], s), "issued");
	assert_int_equal(
	        dated(f, PRODUCER, "commission", both, "2025-02-28T16:00:00Z", "", &err, NULL),
	        QT_OK);
	assert_int_equal(dated(f, PRODUCER, "ship", both, "2025-03-05T08:00:00Z",
	                       ",\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}", &err, &sh),
	                 QT_OK);
	/* received the day before it was shipped */
	snprintf(on, sizeof on, ",\"shipment\":%lld", sh);
	assert_int_equal(dated(f, SELLER, "receive", both, "2025-03-04T08:00:00Z", on, &err, NULL),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "before shipment"));
	assert_non_null(strstr(err.msg, "was shipped (2025-03-05T08:00:00Z)"));
	assert_string_equal(status_of(f, c[0], s), "in_transit");
	assert_int_equal(dated(f, SELLER, "receive", both, "2025-03-06T08:00:00Z", on, &err, NULL),
	                 QT_OK);
	/* sold before the shop had it */
	assert_int_equal(dated(f, SELLER, "retail", one, "2025-03-06T07:59:59Z", "", &err, NULL),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "before its holder received it (2025-03-06T08:00:00Z)"));
	assert_string_equal(status_of(f, c[0], s), "active");
	/* the producer recalling it with a time before the receipt is told the rule, not the
	 * shop's receipt time */
	snprintf(one, sizeof one, "\"%s\"", c[1]);
	assert_int_equal(dated(f, PRODUCER, "recall", one, "2025-03-06T07:00:00Z", "", &err, NULL),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "before its holder received it"));
	assert_null(strstr(err.msg, "08:00:00Z"));
	assert_int_equal(dated(f, SELLER, "retail", one, "2025-03-06T08:00:00Z", "", &err, NULL),
	                 QT_OK);
	assert_string_equal(status_of(f, c[1], s), "sold");
	/* shipped on with no times: the next holder's receipt gives none, so a sale it dates
	 * any time after production stands */
	snprintf(one, sizeof one, "\"%s\"", c[0]);
	assert_int_equal(dated(f, SELLER, "ship", one, NULL,
	                       ",\"buyer\":{\"uscc\":\"" PRODUCER2 "\",\"name\":\"S2\"}", &err,
	                       &sh),
	                 QT_OK);
	snprintf(on, sizeof on, ",\"shipment\":%lld", sh);
	assert_int_equal(dated(f, PRODUCER2, "receive", one, NULL, on, &err, NULL), QT_OK);
	assert_int_equal(dated(f, PRODUCER2, "retail", one, "2025-03-02T08:00:00Z", "", &err, NULL),
	                 QT_OK);
	assert_string_equal(status_of(f, c[0], s), "sold");
}

static void test_nothing_after_recall_or_destroy(void **state)
{
	fixture *f = *state;
	char c[2][64], s[32];
	qt_err err;
	issue_codes(f, 2, c);
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\"]},"
	                        "{\"type\":\"recall\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"destroy\",\"codes\":[\"%s\"]}]}",
	                        c[0], c[1], c[0], c[1]),
	                 QT_OK);
	assert_string_equal(status_of(f, c[0], s), "recalled");
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"retail\",\"codes\":[\"%s\"]}]}", c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "recalled"));
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[1]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "destroyed"));
}

/* Recalled goods never move again, in a carton either: a carton holding them does not ship
 * until they are unpacked (which is allowed), and goods recalled while their shipment is on
 * the way stay recalled when it is received, by the receiver, who has them: it may unpack
 * them and answers for them. */
static void test_recalled_goods_stay_in_cartons_and_shipments(void **state)
{
	fixture *f = *state;
	char c[4][64], s[32];
	json_t *a = NULL, *d;
	qt_err err;
	long long idx;
	uint64_t size;
	issue_codes(f, 4, c);
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\",\"%"
	                        "s\",\"%s\"]},"
	                        "{\"type\":\"pack\",\"parent\":\"(00)006901234000000018\","
	                        "\"codes\":[\"%s\",\"%s\"]},"
	                        "{\"type\":\"recall\",\"codes\":[\"%s\"]}]}",
	                        c[0], c[1], c[2], c[3], c[0], c[1], c[0]),
	                 QT_OK);
	size = qt_ledger_size(f->p->ledger);
	assert_int_equal(
	        events(f, PRODUCER, &err, NULL,
	               "{\"events\":[{\"type\":\"ship\",\"codes\":[\"00/006901234000000018\"],"
	               "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}"),
	        QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, c[0]));
	assert_non_null(strstr(err.msg, "recalled: unpack that first"));
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	assert_string_equal(status_of(f, c[1], s), "active");
	assert_string_equal(status_of(f, "00/006901234000000018", s), "active");
	/* taken out, the recalled item stays; the carton goes on with the rest */
	assert_int_equal(
	        events(f, PRODUCER, &err, &a,
	               "{\"events\":[{\"type\":\"unpack\",\"parent\":\"00/006901234000000018\","
	               "\"codes\":[\"%s\"]},"
	               "{\"type\":\"ship\",\"codes\":[\"00/006901234000000018\",\"%s\"],"
	               "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	               c[0], c[2]),
	        QT_OK);
	idx = json_integer_value(json_object_get(a, "first_index")) + 1;
	json_decref(a);
	d = code_doc(f, c[0]);
	assert_string_equal(str(d, "status"), "recalled");
	assert_null(json_object_get(d, "parent"));
	json_decref(d);
	/* recalled on the way, both inside the carton and shipped loose */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"recall\",\"codes\":[\"%s\",\"%s\"]}]}",
	                        c[1], c[2]),
	                 QT_OK);
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"00/006901234000000018\",\"%s\"]}]}",
	                        idx, c[2]),
	                 QT_OK);
	assert_string_equal(status_of(f, "00/006901234000000018", s), "active");
	for (int i = 1; i <= 2; i++) {
		d = code_doc(f, c[i]);
		assert_string_equal(str(d, "status"), "recalled");
		assert_string_equal(str(d, "holder"), SELLER);
		json_decref(d);
	}
	/* the carton is the receiver's to open, the recalled item in it too */
	assert_int_equal(
	        events(f, SELLER, &err, NULL,
	               "{\"events\":[{\"type\":\"unpack\",\"parent\":\"00/006901234000000018\","
	               "\"codes\":[\"%s\"]},{\"type\":\"pack\",\"parent\":"
	               "\"00/006901234000000018\",\"codes\":[\"%s\"]}]}",
	               c[1], c[1]),
	        QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "event 1 (pack"));
	/* destroying a carton destroys the recalled goods in it too */
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"destroy\","
	                        "\"codes\":[\"00/006901234000000018\"]}]}"),
	                 QT_OK);
	assert_string_equal(status_of(f, c[1], s), "destroyed");
}

static void test_one_parent_and_parent_moves_children(void **state)
{
	fixture *f = *state;
	char c[3][64], s[32];
	json_t *a = NULL, *d;
	qt_err err;
	long long idx;
	issue_codes(f, 3, c);
	assert_int_equal(
	        events(f, PRODUCER, &err, NULL,
	               "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\",\"%s\"]},"
	               "{\"type\":\"pack\",\"parent\":\"(00)006901234000000018\","
	               "\"codes\":[\"%s\",\"%s\"]}]}",
	               c[0], c[1], c[2], c[0], c[1]),
	        QT_OK);
	/* a code in two parents */
	assert_int_equal(
	        events(f, PRODUCER, &err, NULL,
	               "{\"events\":[{\"type\":\"pack\",\"parent\":\"(00)006901234000000025\","
	               "\"codes\":[\"%s\"]}]}",
	               c[0]),
	        QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "packed in 00/006901234000000018"));
	/* a packed code does not ship alone */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0]),
	                 QT_ERR_CONFLICT);
	/* shipping and receiving the carton moves what is in it */
	assert_int_equal(
	        events(f, PRODUCER, &err, &a,
	               "{\"events\":[{\"type\":\"ship\",\"codes\":[\"00/006901234000000018\"],"
	               "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}"),
	        QT_OK);
	idx = json_integer_value(json_object_get(a, "first_index"));
	json_decref(a);
	assert_string_equal(status_of(f, c[1], s), "in_transit");
	assert_string_equal(status_of(f, c[2], s), "active");
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"00/006901234000000018\"]},"
	                        "{\"type\":\"unpack\",\"parent\":\"00/006901234000000018\","
	                        "\"codes\":[\"%s\"]}]}",
	                        idx, c[0]),
	                 QT_OK);
	d = code_doc(f, c[1]);
	assert_string_equal(str(d, "holder"), SELLER);
	assert_string_equal(str(d, "status"), "active");
	assert_string_equal(str(d, "parent"), "00/006901234000000018");
	json_decref(d);
	d = code_doc(f, c[0]);
	assert_null(json_object_get(d, "parent"));
	json_decref(d);
}

static void test_all_or_nothing_and_correct(void **state)
{
	fixture *f = *state;
	char c[2][64], s[32];
	json_t *a = NULL;
	qt_err err;
	uint64_t size;
	long long idx;
	issue_codes(f, 2, c);
	size = qt_ledger_size(f->p->ledger);
	/* event 1 breaks a rule: event 0 is not kept either */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"retail\",\"codes\":[\"%s\"]}]}",
	                        c[0], c[1]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "event 1 (retail"));
	assert_string_equal(status_of(f, c[0], s), "issued");
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]}]}",
	                        c[0]),
	                 QT_OK);
	idx = json_integer_value(json_object_get(a, "first_index"));
	json_decref(a);
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"correct\",\"corrects\":%lld,\"codes\":[],"
	                        "\"reason\":\"typo\"}]}",
	                        idx),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "only its author"));
	/* a correction lists the codes of the record it voids, no others */
	size = qt_ledger_size(f->p->ledger);
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"correct\",\"corrects\":%lld,"
	                        "\"codes\":[\"%s\"],\"reason\":\"typo\"}]}",
	                        idx, c[1]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "is not in record"));
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	assert_string_equal(status_of(f, c[0], s), "active");
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"correct\",\"corrects\":%lld,"
	                        "\"codes\":[\"%s\"],\"reason\":\"typo\"}]}",
	                        idx, c[0]),
	                 QT_OK);
	assert_string_equal(status_of(f, c[0], s), "issued");
	/* shapes */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"fly\",\"codes\":[\"%s\"]}]}", c[0]),
	                 QT_ERR_INVALID);
	assert_int_equal(events(f, PRODUCER, &err, NULL, "{\"events\":[]}"), QT_ERR_INVALID);
}

static void test_regulator_acts_in_its_jurisdiction(void **state)
{
	fixture *f = *state;
	char c[3][64], s[32];
	json_t *a = NULL;
	qt_err err;
	uint64_t size;
	issue_codes(f, 3, c);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\","
	                        "\"codes\":[\"%s\",\"%s\",\"%s\"]},"
	                        "{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0], c[1], c[2], c[2]),
	                 QT_OK);
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]}]}",
	                        first_index(a) + 1, c[2]),
	                 QT_OK);
	size = qt_ledger_size(f->p->ledger);
	/* made and held in Shenzhen (440300): Beijing's regulator may not recall it */
	assert_int_equal(events_reg(f, "11", &err,
	                            "{\"events\":[{\"type\":\"recall\",\"codes\":[\"%s\"]}]}",
	                            c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "outside jurisdiction 11"));
	assert_int_equal(events_reg(f, "4401", &err,
	                            "{\"events\":[{\"type\":\"destroy\",\"codes\":[\"%s\"]}]}",
	                            c[0]),
	                 QT_ERR_CONFLICT);
	assert_int_equal(qt_ledger_size(f->p->ledger), size);
	assert_string_equal(status_of(f, c[0], s), "active");
	/* the province, the city and the nation may */
	assert_int_equal(events_reg(f, "44", &err,
	                            "{\"events\":[{\"type\":\"recall\",\"codes\":[\"%s\"]}]}",
	                            c[0]),
	                 QT_OK);
	assert_int_equal(events_reg(f, "4403", &err,
	                            "{\"events\":[{\"type\":\"destroy\",\"codes\":[\"%s\"]}]}",
	                            c[1]),
	                 QT_OK);
	assert_string_equal(status_of(f, c[0], s), "recalled");
	assert_string_equal(status_of(f, c[1], s), "destroyed");
	/* made in Shenzhen but now held in Beijing: Beijing's regulator may */
	assert_int_equal(events_reg(f, "11", &err,
	                            "{\"events\":[{\"type\":\"recall\",\"codes\":[\"%s\"]}]}",
	                            c[2]),
	                 QT_OK);
	/* and a regulator moves nothing */
	assert_int_equal(events_reg(f, "", &err,
	                            "{\"events\":[{\"type\":\"retail\",\"codes\":[\"%s\"]}]}",
	                            c[2]),
	                 QT_ERR_DENIED);
}

static void test_new_parent_is_an_sscc(void **state)
{
	fixture *f = *state;
	char c[3][64];
	json_t *d;
	qt_err err;
	issue_codes(f, 3, c);
	assert_int_equal(
	        events(f, PRODUCER, &err, NULL,
	               "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\"]}]}", c[0],
	               c[1]),
	        QT_OK);
	/* a code nobody issued is not a carton */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"pack\",\"parent\":\"(01)" GTIN
	                        "(21)BOX1\",\"codes\":[\"%s\"]}]}",
	                        c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "an SSCC"));
	/* an item that is not commissioned yet carries nothing */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"pack\",\"parent\":\"%s\","
	                        "\"codes\":[\"%s\"]}]}",
	                        c[2], c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "not commissioned"));
	/* a commissioned item may carry another (an e-bike its battery) */
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"pack\",\"parent\":\"%s\","
	                        "\"codes\":[\"%s\"]}]}",
	                        c[1], c[0]),
	                 QT_OK);
	d = code_doc(f, c[0]);
	assert_string_equal(str(d, "parent"), c[1]);
	json_decref(d);
}

static void state_is(const json_t *d, const char *status, const char *holder)
{
	assert_string_equal(str(d, "status"), status);
	assert_string_equal(str(d, "holder"), holder);
}

/* correct: the author voids its event and its effect is undone, newest first. */
static void test_correct_undoes(void **state)
{
	fixture *f = *state;
	char c[3][64], s[32];
	json_t *a = NULL, *d;
	qt_err err;
	long long com, ship, rcv, pack, sale;
	issue_codes(f, 3, c);
#define CORRECT(who, idx)                                                                          \
	events(f, who, &err, NULL, "{\"events\":[{\"type\":\"correct\",\"corrects\":%lld}]}", idx)
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]}]}",
	                        c[0]),
	                 QT_OK);
	com = first_index(a);
	assert_int_equal(CORRECT(PRODUCER, com), QT_OK);
	assert_string_equal(status_of(f, c[0], s), "issued");
	assert_int_equal(CORRECT(PRODUCER, com), QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "already corrected"));
	/* commission and ship: the commission cannot be undone before the shipment */
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\"]},"
	                        "{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        c[0], c[1], c[0]),
	                 QT_OK);
	com = first_index(a);
	ship = com + 1;
	assert_int_equal(CORRECT(PRODUCER, com), QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "changed since, in record"));
	/* cancelling the shipment gives the goods back; it can no longer be received */
	assert_int_equal(CORRECT(PRODUCER, ship), QT_OK);
	d = code_doc(f, c[0]);
	state_is(d, "active", PRODUCER);
	assert_null(json_object_get(d, "shipment"));
	json_decref(d);
	assert_int_equal(events(f, SELLER, &err, NULL,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]}]}",
	                        ship, c[0]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "cancelled"));
	/* a receipt undone by its receiver: the goods are in transit again, then received */
	ship = ship_to(f, PRODUCER, SELLER, c[0]);
	assert_int_equal(events(f, SELLER, &err, &a,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]}]}",
	                        ship, c[0]),
	                 QT_OK);
	rcv = first_index(a);
	assert_int_equal(CORRECT(PRODUCER, rcv), QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "only its author"));
	/* the shipment cannot be cancelled while its receipt stands */
	assert_int_equal(CORRECT(PRODUCER, ship), QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "is no longer on shipment"));
	assert_int_equal(CORRECT(SELLER, rcv), QT_OK);
	d = code_doc(f, c[0]);
	state_is(d, "in_transit", PRODUCER);
	json_decref(d);
	/* with the receipt taken back, it can: the goods are as the ship left them */
	assert_int_equal(CORRECT(PRODUCER, ship), QT_OK);
	d = code_doc(f, c[0]);
	state_is(d, "active", PRODUCER);
	json_decref(d);
	ship = ship_to(f, PRODUCER, SELLER, c[0]);
	assert_int_equal(events(f, SELLER, &err, &a,
	                        "{\"events\":[{\"type\":\"receive\",\"shipment\":%lld,"
	                        "\"codes\":[\"%s\"]},{\"type\":\"retail\",\"codes\":[\"%s\"]}]}",
	                        ship, c[0], c[0]),
	                 QT_OK);
	sale = first_index(a) + 1;
	assert_int_equal(CORRECT(SELLER, sale), QT_OK);
	assert_string_equal(status_of(f, c[0], s), "active");
	/* a pack undone: the code is loose again and ships alone */
	assert_int_equal(
	        events(f, PRODUCER, &err, &a,
	               "{\"events\":[{\"type\":\"pack\",\"parent\":\"(00)006901234000000018\","
	               "\"codes\":[\"%s\"]}]}",
	               c[1]),
	        QT_OK);
	pack = first_index(a);
	assert_int_equal(CORRECT(PRODUCER, pack), QT_OK);
	d = code_doc(f, c[1]);
	assert_null(json_object_get(d, "parent"));
	json_decref(d);
	assert_int_equal(events(f, PRODUCER, &err, NULL,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}},"
	                        "{\"type\":\"unpack\",\"parent\":\"(00)006901234000000018\","
	                        "\"codes\":[\"%s\"]}]}",
	                        c[1], c[1]),
	                 QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "event 1 (unpack"));
	/* recall is final */
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"recall\",\"codes\":[\"%s\"]}]}",
	                        c[2], c[2]),
	                 QT_OK);
	assert_int_equal(CORRECT(PRODUCER, first_index(a) + 1), QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "cannot be undone"));
	assert_string_equal(status_of(f, c[2], s), "recalled");
}

/* A sale straight out of a carton, taken back: the item is in the carton again (as the
 * ledger's story says once the sale is void), unless the carton moved since. */
static void test_correct_sale_from_carton(void **state)
{
	fixture *f = *state;
	char c[2][64];
	json_t *a = NULL, *d, *hist;
	qt_err err;
	long long sale, ship;
	const char *carton = "00/006901234000000018";
	qt_store *rd;

	issue_codes(f, 2, c);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"commission\",\"codes\":[\"%s\",\"%s\"]},"
	                        "{\"type\":\"pack\",\"parent\":\"%s\",\"codes\":[\"%s\",\"%s\"]},"
	                        "{\"type\":\"retail\",\"codes\":[\"%s\"]}]}",
	                        c[0], c[1], carton, c[0], c[1], c[0]),
	                 QT_OK);
	sale = first_index(a) + 2;
	d = code_doc(f, c[0]);
	assert_null(json_object_get(d, "parent"));
	json_decref(d);
	assert_int_equal(CORRECT(PRODUCER, sale), QT_OK);
	d = code_doc(f, c[0]);
	assert_string_equal(str(d, "status"), "active");
	assert_string_equal(str(d, "parent"), carton);
	assert_null(json_object_get(d, "sold"));
	json_decref(d);
	/* the carton carries it again: shipping the carton moves it */
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"ship\",\"codes\":[\"%s\"],"
	                        "\"buyer\":{\"uscc\":\"" SELLER "\",\"name\":\"S\"}}]}",
	                        carton),
	                 QT_OK);
	ship = first_index(a);
	d = code_doc(f, c[0]);
	assert_string_equal(str(d, "status"), "in_transit");
	json_decref(d);
	/* and its story shows the carton's shipment, as the state does */
	rd = qt_platform_reader(f->p, &err);
	assert_int_equal(qt_history(rd, c[0], 0, &hist, NULL, &err), QT_OK);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_array_get(hist, json_array_size(hist) - 1), "index")),
	                 ship);
	json_decref(hist);
	/* sold out of a carton that has moved since: correct the move first */
	assert_int_equal(CORRECT(PRODUCER, ship), QT_OK);
	assert_int_equal(events(f, PRODUCER, &err, &a,
	                        "{\"events\":[{\"type\":\"retail\",\"codes\":[\"%s\"]},"
	                        "{\"type\":\"unpack\",\"parent\":\"%s\",\"codes\":[\"%s\"]}]}",
	                        c[1], carton, c[0]),
	                 QT_OK);
	sale = first_index(a);
	assert_int_equal(CORRECT(PRODUCER, sale), QT_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "its carton"));
	d = code_doc(f, c[1]);
	assert_string_equal(str(d, "status"), "sold");
	json_decref(d);
}
#undef CORRECT

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_commission_first, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_only_holder_ships_and_receive_matches,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_times_follow_the_goods, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_nothing_after_recall_or_destroy, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_recalled_goods_stay_in_cartons_and_shipments,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_one_parent_and_parent_moves_children,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_all_or_nothing_and_correct, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_regulator_acts_in_its_jurisdiction,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_new_parent_is_an_sscc, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_correct_sale_from_carton, fixture_setup,
	                                        fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_correct_undoes, fixture_setup,
	                                        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
