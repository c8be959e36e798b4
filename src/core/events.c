/* events.c — what happens to coded goods: commission, pack/unpack, ship/receive, retail,
 * return, recall, destroy and correct. A request's events are one job applied in order, so
 * event 2 sees event 1; the first broken rule refuses the whole request and names it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codes/code.h"
#include "codes/uscc.h"
#include "core/replay.h"
#include "core/trace.h"
#include "util/json_parse.h"
#include "util/utf8.h"

/* One event after its shape has been checked. */
typedef struct event {
	const char *type;
	json_t *codes; /* canonical keys */
	char parent[QT_CODE_CANON_MAX];
	qt_code_kind parent_kind;
	char buyer[QT_USCC_LEN + 1]; /* ship: the receiving unit's USCC ("" when none) */
	const char *buyer_name;
	long long shipment; /* receive */
	long long corrects; /* correct */
	const char *time;   /* when it happened, as reported (may be sealed); NULL: now */
	char time_utc[40];  /* a time reported with an offset, as UTC */
} event;

typedef struct batch_ctx {
	const qt_account *who;
	event *ev;
	size_t n;
	json_t *fails; /* NULL: the first refusal refuses all; else each is listed (a file) */
	bool record;   /* false: check only, keep nothing */
	/* the batch rule_in_order last read, and its production date ("" when none) */
	char made_batch[QT_ID_MAX], made[11];
	char now[32]; /* the records' time: when an event that gives none happened */
} batch_ctx;

/* ---- the rules: each a small function the apply step runs; false sets why ---- */

/* A code must exist (have been issued) before anything happens to it. */
static bool rule_issued(const json_t *doc, char *why, size_t n)
{
	if (!doc)
		snprintf(why, n, "the code was never issued");
	return doc != NULL;
}

/* Nothing but commissioning happens to a code that has not been commissioned. */
static bool rule_commissioned(const json_t *doc, char *why, size_t n)
{
	bool ok = strcmp(qt_json_text(doc, "status"), "issued") != 0;
	if (!ok)
		snprintf(why, n, "it is not commissioned yet");
	return ok;
}

/* Recalled and destroyed codes never move again. */
static bool is_final(const json_t *doc)
{
	const char *s = qt_json_text(doc, "status");
	return !strcmp(s, "recalled") || !strcmp(s, "destroyed");
}

static bool rule_not_final(const json_t *doc, char *why, size_t n)
{
	const char *s = qt_json_text(doc, "status");
	bool ok = !is_final(doc);
	if (!ok)
		snprintf(why, n, "it is %s", s);
	return ok;
}

/* Only the current holder acts on a code. */
static bool rule_holder(const json_t *doc, const qt_account *who, const char *verb, char *why,
                        size_t n)
{
	bool ok = strcmp(qt_json_text(doc, "holder"), who->id) == 0;
	if (!ok)
		snprintf(why, n, "only its holder may %s it (holder is %.40s)", verb,
		         qt_json_text(doc, "holder"));
	return ok;
}

/* Goods on their way belong to nobody until received. */
static bool rule_not_in_transit(const json_t *doc, char *why, size_t n)
{
	bool ok = strcmp(qt_json_text(doc, "status"), "in_transit") != 0;
	if (!ok)
		snprintf(why, n, "it is in transit (shipment %.20s)",
		         qt_json_text(doc, "shipment"));
	return ok;
}

/* A code is in at most one parent; a packed code moves only with its parent. */
static bool rule_no_parent(const json_t *doc, char *why, size_t n)
{
	bool ok = !json_object_get(doc, "parent");
	if (!ok)
		snprintf(why, n, "it is packed in %.120s", qt_json_text(doc, "parent"));
	return ok;
}

/* A regulator acts on goods made or held in its jurisdiction. */
static bool rule_jurisdiction(const json_t *doc, const qt_account *who, char *why, size_t n)
{
	bool ok = qt_regulates(who, qt_json_text(doc, "producer")) ||
	          qt_regulates(who, qt_json_text(doc, "holder"));
	if (!ok)
		snprintf(why, n,
		         "it was made by %.20s and is held by %.20s, outside jurisdiction %s",
		         qt_json_text(doc, "producer"), qt_json_text(doc, "holder"),
		         who->jurisdiction[0] ? who->jurisdiction : "(national)");
	return ok;
}

/* Events follow the goods in time: one dated (its own "time") before its holder received the
 * item or before the day its batch was made (in China) cannot be true. Only times the units
 * gave are compared: an event recorded without one may have been recorded late, so the time
 * it was recorded bounds nothing. The receipt's time is told only to its holder. */
static bool rule_in_order(batch_ctx *b, qt_store *s, const event *e, const json_t *doc, char *why,
                          size_t n)
{
	const char *got = qt_json_text(doc, "received_at"), *batch = qt_json_text(doc, "batch");
	bool mine = strcmp(qt_json_text(doc, "holder"), b->who->id) == 0;
	long long at;
	char day[11];

	if (!e->time)
		return true;
	at = qt_time_epoch(e->time);
	if (*got && at < qt_time_epoch(got)) {
		snprintf(why, n, "it is dated %s, before its holder received it%s%s%s", e->time,
		         mine ? " (" : "", mine ? got : "", mine ? ")" : "");
		return false;
	}
	if (*batch && strcmp(batch, b->made_batch) != 0) {
		json_t *bd = NULL;
		qt_err ignored;
		if (qt_doc_load(s, "batch", batch, &bd, &ignored) != QT_OK)
			bd = NULL;
		snprintf(b->made_batch, sizeof b->made_batch, "%s", batch);
		snprintf(b->made, sizeof b->made, "%s", qt_json_text(bd, "production_date"));
		json_decref(bd);
	}
	qt_date_cn(at, day);
	if (*batch && *b->made && strcmp(day, b->made) < 0) {
		snprintf(why, n, "it is dated %s, before its batch was made (%s)", e->time,
		         b->made);
		return false;
	}
	return true;
}

/* ---- state helpers ---- */

static json_t *load(qt_store *s, const char *key)
{
	json_t *d = NULL;
	qt_err e;
	if (qt_doc_load(s, "code", key, &d, &e) != QT_OK)
		d = NULL;
	return d;
}

static qt_rc save(qt_store *s, json_t *doc, uint64_t rec, qt_err *err)
{
	return qt_doc_save(s, "code", qt_json_text(doc, "code"), qt_json_text(doc, "holder"), doc,
	                   rec, err);
}

qt_rc qt_codes_with_contents(qt_store *s, const char *key, size_t max, json_t *out, bool *more,
                             qt_err *err)
{
	size_t start = json_array_size(out), found;
	bool over = false;
	qt_rc rc = QT_OK;

	json_array_append_new(out, json_string(key));
	for (size_t i = start; i < json_array_size(out) && rc == QT_OK && !over; i++) {
		const char *k = json_string_value(json_array_get(out, i));
		char after[QT_CODE_CANON_MAX] = "";
		size_t page;
		do {
			/* one more than there is room for: whether any were left out */
			size_t room = max ? max - (json_array_size(out) - start) : SIZE_MAX;
			page = room < 1000 ? room + 1 : 1000;
			rc = s->ops->link_list(s, "children", k, after, page, qt_link_collect, out,
			                       &found, err);
			if (rc == QT_OK && max && json_array_size(out) - start > max) {
				json_array_remove(out, json_array_size(out) - 1);
				over = true;
			} else if (rc == QT_OK && found) {
				snprintf(after, sizeof after, "%s",
				         json_string_value(
				                 json_array_get(out, json_array_size(out) - 1)));
			}
		} while (rc == QT_OK && !over && found == page);
	}
	if (more)
		*more = over;
	return rc;
}

/* A recalled code d changes hands: its new holder joins the holders of each recall it is
 * in, who see the recall and report its progress. */
static qt_rc recall_holder(qt_store *s, const json_t *d, const char *holder, uint64_t rec,
                           qt_err *err)
{
	const json_t *on = json_object_get(d, "recalls"), *id;
	size_t k;
	qt_rc rc = QT_OK;

	json_array_foreach(on, k, id)
	{
		json_t *r = NULL, *hs;
		if (rc == QT_OK &&
		    (rc = qt_doc_load(s, "recall", json_string_value(id), &r, err)) == QT_OK &&
		    json_is_array(hs = json_object_get(r, "holders")) &&
		    !qt_json_lists(hs, holder)) {
			json_array_append_new(hs, json_string(holder));
			rc = qt_doc_save(s, "recall", json_string_value(id),
			                 qt_json_text(r, "producer"), r, rec, err);
		}
		json_decref(r);
	}
	return rc;
}

/* Set status (and holder, and shipment) on a code and all it carries. received (the time the
 * receipt gives, "" when none; NULL for any other move): the holder has just received them, so it
 * joins the units each one's batch passed through (the links "batch_holders", which a batch's back
 * trace lists), and no later event of theirs may be dated before it (rule_in_order). Recalled and
 * destroyed goods never move again: packed in a carton that moves on, they keep their state and
 * holder (destroying recalled goods excepted); with why given (a ship), they refuse the move
 * instead, said in why. Goods recalled on their way are the one exception: the receiver has them,
 * so a receipt makes it their holder, still recalled. */
static qt_rc move_all(qt_store *s, const char *key, const char *status, const char *holder,
                      const char *shipment, const char *received, uint64_t rec, char *why,
                      size_t wn, qt_err *err)
{
	json_t *all = json_array();
	qt_rc rc = qt_codes_with_contents(s, key, 0, all, NULL, err);
	char linked[QT_ID_MAX] = ""; /* a carton's goods are mostly of one batch: link it once */

	for (size_t i = 0; i < json_array_size(all) && rc == QT_OK; i++) {
		json_t *d = load(s, json_string_value(json_array_get(all, i)));
		const char *batch = qt_json_text(d, "batch"), *code = qt_json_text(d, "code");
		if (!d)
			continue;
		bool recalled = strcmp(qt_json_text(d, "status"), "recalled") == 0;
		/* recalled on their way (a carton holding recalled goods does not ship, so a
		 * receipt reaches no other): they are delivered all the same, and the receiver,
		 * who has them now, answers for them to each recall (recall_holder) */
		bool delivered = received && recalled;
		/* destroying is the one move left to recalled goods */
		if (delivered) {
			rc = recall_holder(s, d, holder, rec, err);
		} else if (is_final(d) && (strcmp(status, "destroyed") != 0 || !recalled)) {
			if (!why) {
				json_decref(d);
				continue;
			}
			snprintf(why, wn, "it holds %.100s, which is %s: unpack that first", code,
			         qt_json_text(d, "status"));
			json_decref(d);
			break;
		}
		if (received && *batch && strcmp(batch, linked) != 0) {
			snprintf(linked, sizeof linked, "%s", batch);
			rc = s->ops->link_put(s, "batch_holders", batch, holder, err);
		}
		json_object_set_new(d, "status", json_string(delivered ? "recalled" : status));
		if (holder)
			json_object_set_new(d, "holder", json_string(holder));
		if (shipment)
			json_object_set_new(d, "shipment", json_string(shipment));
		else
			json_object_del(d, "shipment");
		if (received && *received)
			json_object_set_new(d, "received_at", json_string(received));
		else if (received || shipment) /* the last receipt no longer binds */
			json_object_del(d, "received_at");
		if (rc == QT_OK)
			rc = save(s, d, rec, err);
		json_decref(d);
	}
	json_decref(all);
	return rc;
}

const char *qt_code_sale(const json_t *code_doc)
{
	const char *st = qt_json_text(code_doc, "status");
	return !strcmp(st, "sold") || !strcmp(st, "recalled") ? qt_json_text(code_doc, "sold") : "";
}

qt_rc qt_code_recall(qt_store *s, const char *key, uint64_t rec, qt_err *err)
{
	return move_all(s, key, "recalled", NULL, NULL, NULL, rec, NULL, 0, err);
}

/* A shipment is listed for both parties under the link kinds <list>_out and <list>_in, by its
 * id zero-padded so that lists page in shipping order: "shipments" for good, and
 * "shipments_pending" (on false, off) while it is on its way, so that a busy unit finds what
 * awaits it without paging through all it ever shipped or received. */
static qt_rc list_shipment(qt_store *s, const json_t *ship, const char *list, bool on, qt_err *err)
{
	qt_rc (*op)(qt_store *, const char *, const char *, const char *, qt_err *) =
	        on ? s->ops->link_put : s->ops->link_del;
	char pad[24], kind[40];
	qt_rc rc;

	snprintf(pad, sizeof pad, "%020lld",
	         (long long)json_integer_value(json_object_get(ship, "id")));
	snprintf(kind, sizeof kind, "%s_out", list);
	rc = op(s, kind, qt_json_text(ship, "from"), pad, err);
	snprintf(kind, sizeof kind, "%s_in", list);
	return rc == QT_OK ? op(s, kind, qt_json_text(ship, "to"), pad, err) : rc;
}

/* ---- correct: the author voids one of its events ---- */

bool qt_event_correctable(const char *type)
{
	return !strncmp(type, "event.", 6) && strcmp(type, "event.recall") != 0 &&
	       strcmp(type, "event.destroy") != 0 && strcmp(type, "event.correct") != 0;
}

/* The record index a code's state was last written by (0 when it has none). */
static uint64_t last_rec(qt_store *s, const char *key)
{
	uint64_t rec = 0;
	qt_err e;
	if (s->ops->doc_get(s, "code", key, NULL, NULL, &rec, &e) != QT_OK)
		rec = 0;
	return rec;
}

/* Whether every code in list (and, when deep, whatever is packed in them) is as record idx
 * left it. */
static qt_rc unchanged_since(qt_store *s, const json_t *list, bool deep, uint64_t idx, char *why,
                             size_t wn, qt_err *err)
{
	json_t *all = deep ? json_array() : json_deep_copy(list);
	size_t k;
	json_t *c;
	qt_rc rc = QT_OK;

	json_array_foreach(deep ? list : NULL, k, c)
	{
		if ((rc = qt_codes_with_contents(s, json_string_value(c), 0, all, NULL, err)) !=
		    QT_OK)
			break;
	}
	json_array_foreach(all, k, c)
	{
		uint64_t r = last_rec(s, json_string_value(c));
		if (rc == QT_OK && r != idx && !why[0])
			snprintf(why, wn, "%.70s changed since, in record %llu: correct that first",
			         json_string_value(c), (unsigned long long)r);
	}
	json_decref(all);
	return rc;
}

/* Set one field (or remove it, value NULL) on each listed code's state. */
static qt_rc set_each(qt_store *s, const json_t *list, const char *field, const char *value,
                      uint64_t rec, qt_err *err)
{
	size_t k;
	json_t *c;
	qt_rc rc = QT_OK;

	json_array_foreach(list, k, c)
	{
		json_t *d = load(s, json_string_value(c));
		if (!d)
			continue;
		if (value)
			json_object_set_new(d, field, json_string(value));
		else
			json_object_del(d, field);
		rc = save(s, d, rec, err);
		json_decref(d);
		if (rc != QT_OK)
			break;
	}
	return rc;
}

/* Whether the goods of shipment sid (codes and, at any depth, what is packed in them) are
 * still on it. A ship is voided by their state, not by which record wrote it last: a receipt
 * taken back leaves them as the ship left them, though written by the correction. */
static qt_rc still_shipped(qt_store *s, const json_t *codes, const char *sid, char *why, size_t wn,
                           qt_err *err)
{
	json_t *all = json_array(), *c;
	size_t k;
	qt_rc rc = QT_OK;

	json_array_foreach(codes, k, c)
	{
		if (rc == QT_OK)
			rc = qt_codes_with_contents(s, json_string_value(c), 0, all, NULL, err);
	}
	json_array_foreach(all, k, c)
	{
		json_t *d = rc == QT_OK && !why[0] ? load(s, json_string_value(c)) : NULL;
		if (d && (strcmp(qt_json_text(d, "status"), "in_transit") != 0 ||
		          strcmp(qt_json_text(d, "shipment"), sid) != 0))
			snprintf(why, wn,
			         "%.70s is no longer on shipment %s (it is %s, record %llu): "
			         "correct "
			         "that first",
			         json_string_value(c), sid, qt_json_text(d, "status"),
			         (unsigned long long)last_rec(s, json_string_value(c)));
		json_decref(d);
	}
	json_decref(all);
	return rc;
}

/* Take back a sale (record idx): on the shelf again, and back in the carton it was sold
 * out of, which must not have changed since the sale (the ledger's story has the item in
 * it again once the sale is void, so the state must too). */
static qt_rc unsell(qt_store *s, const json_t *codes, uint64_t idx, uint64_t rec, char *why,
                    size_t wn, qt_err *err)
{
	size_t k;
	json_t *c;
	qt_rc rc = QT_OK;

	json_array_foreach(codes, k, c)
	{
		const char *from;
		json_t *d = load(s, json_string_value(c));
		uint64_t r;

		if (!d)
			continue;
		from = qt_json_text(d, "sold_from");
		if (*from && (r = last_rec(s, from)) > idx) {
			snprintf(why, wn,
			         "its carton %.60s changed in record %llu: correct that first",
			         from, (unsigned long long)r);
			json_decref(d);
			break;
		}
		if (*from) {
			json_object_set(d, "parent", json_object_get(d, "sold_from"));
			rc = s->ops->link_put(s, "children", from, json_string_value(c), err);
		}
		json_object_del(d, "sold_from");
		json_object_del(d, "sold");
		json_object_set_new(d, "status", json_string("active"));
		if (rc == QT_OK)
			rc = save(s, d, rec, err);
		json_decref(d);
		if (rc != QT_OK)
			break;
	}
	return rc;
}

/* Void event record idx (by its author, once) and undo what it did to the codes, which must
 * be as it left them: later records are corrected first, newest first, so the state always
 * agrees with the log. Recall and destroy are final. A refusal is reported in why. */
static qt_rc undo(qt_store *s, const qt_account *who, uint64_t idx, const json_t *named,
                  uint64_t rec, char *why, size_t wn, qt_err *err)
{
	qt_buf leaf;
	json_t *l = NULL, *body, *codes, *ship = NULL, *fix;
	const char *type = "", *parent;
	char id[24];
	qt_rc rc = QT_OK;

	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX + 1);
	snprintf(id, sizeof id, "%llu", (unsigned long long)idx);
	if (idx >= rec || s->ops->record_get(s, idx, &leaf, NULL, err) != QT_OK ||
	    !(l = qt_json_parse(leaf.p, leaf.len, NULL))) {
		snprintf(why, wn, "there is no record %llu", (unsigned long long)idx);
		goto out;
	}
	type = qt_json_text(l, "type");
	body = json_object_get(l, "body");
	codes = json_object_get(body, "codes");
	parent = qt_json_text(body, "parent");
	if (strncmp(type, "event.", 6) != 0)
		snprintf(why, wn, "record %s is not an event", id);
	else if (strcmp(qt_json_text(body, "by"), who->id) != 0)
		snprintf(why, wn, "only its author may correct record %s", id);
	else if (!qt_event_correctable(type))
		snprintf(why, wn, "record %s is a %s, which cannot be undone", id, type + 6);
	else if ((rc = s->ops->doc_get(s, "correction", id, NULL, NULL, NULL, err)) == QT_OK)
		snprintf(why, wn, "record %s is already corrected", id);
	/* the codes a correction lists are those whose journeys show it: the voided record's */
	for (size_t k = 0; !why[0] && k < json_array_size(named); k++) {
		const char *c = json_string_value(json_array_get(named, k));
		if (!qt_json_lists(codes, c) && strcmp(c, parent) != 0) {
			snprintf(why, wn, "%.80s is not in record %s, which this corrects", c, id);
			rc = QT_OK;
		}
	}
	if (why[0] || rc != QT_ERR_NOTFOUND)
		goto out;
	/* a parent's other contents may have moved since; only the parent itself must not */
	if (!strcmp(type, "event.ship"))
		rc = still_shipped(s, codes, id, why, wn, err);
	else
		rc = unchanged_since(s, codes, true, idx, why, wn, err);
	if (rc == QT_OK && !why[0] && *parent) {
		json_t *just = json_pack("[s]", parent);
		rc = unchanged_since(s, just, false, idx, why, wn, err);
		json_decref(just);
	}
	if (rc != QT_OK || why[0])
		goto out;
	if (!strcmp(type, "event.ship") || !strcmp(type, "event.receive")) {
		bool shipped = type[6] == 's';
		char sid[24];
		snprintf(sid, sizeof sid, "%lld",
		         shipped ? (long long)idx
		                 : json_integer_value(json_object_get(body, "shipment")));
		if ((rc = qt_doc_load(s, "shipment", sid, &ship, err)) != QT_OK)
			goto out;
		for (size_t k = 0; k < json_array_size(codes) && rc == QT_OK; k++)
			rc = move_all(s, json_string_value(json_array_get(codes, k)),
			              shipped ? "active" : "in_transit",
			              shipped ? NULL : qt_json_text(ship, "from"),
			              shipped ? NULL : sid, NULL, rec, NULL, 0, err);
		json_object_set_new(ship, shipped ? "cancelled" : "received",
		                    shipped ? json_true() : json_false());
		if (rc == QT_OK)
			rc = list_shipment(s, ship, "shipments_pending", !shipped, err);
		if (rc == QT_OK)
			rc = qt_doc_save(s, "shipment", sid, qt_json_text(ship, "to"), ship, rec,
			                 err);
	} else if (!strcmp(type, "event.pack") || !strcmp(type, "event.unpack")) {
		bool packed = type[6] == 'p';
		json_t *p = load(s, parent);
		rc = set_each(s, codes, "parent", packed ? NULL : parent, rec, err);
		for (size_t k = 0; k < json_array_size(codes) && rc == QT_OK; k++) {
			const char *c = json_string_value(json_array_get(codes, k));
			rc = packed ? s->ops->link_del(s, "children", parent, c, err)
			            : s->ops->link_put(s, "children", parent, c, err);
		}
		if (rc == QT_OK && p)
			rc = save(s, p, rec, err);
		json_decref(p);
	} else if (!strcmp(type, "event.retail")) {
		rc = unsell(s, codes, idx, rec, why, wn, err);
	} else {
		/* what each remaining event changed the status from */
		const char *before = !strcmp(type, "event.commission") ? "issued"
		                     : !strcmp(type, "event.retail")   ? "active"
		                                                       : "sold";
		rc = set_each(s, codes, "status", before, rec, err);
	}
	if (rc != QT_OK)
		goto out;
	fix = json_pack("{s:I, s:s}", "record", (json_int_t)rec, "by", who->id);
	rc = qt_doc_save(s, "correction", id, who->id, fix, rec, err);
	json_decref(fix);
out:
	json_decref(l);
	json_decref(ship);
	qt_buf_free(&leaf);
	return rc;
}

/* ---- applying one event ---- */

#define REFUSE(...)                                                                                \
	do {                                                                                       \
		snprintf(why, sizeof why, __VA_ARGS__);                                            \
		goto refuse;                                                                       \
	} while (0)

static qt_rc apply_one(batch_ctx *b, size_t i, qt_store *s, uint64_t rec, qt_err *err)
{
	event *e = &b->ev[i];
	const qt_account *who = b->who;
	bool regulator = who->roles & QT_ROLE_REGULATOR;
	char why[160] = "", idx[24];
	const char *t = e->type, *bad = "";
	json_t *doc = NULL, *ship = NULL;
	qt_rc rc = QT_OK;

	snprintf(idx, sizeof idx, "%llu", (unsigned long long)rec);
	if (strcmp(t, "correct") == 0) {
		rc = undo(s, who, (uint64_t)e->corrects, e->codes, rec, why, sizeof why, err);
		if (rc == QT_OK && why[0])
			goto refuse;
		goto out;
	}
	if (strcmp(t, "receive") == 0) {
		json_t *want;
		size_t k;
		json_t *c;
		snprintf(idx, sizeof idx, "%lld", e->shipment);
		if (qt_doc_load(s, "shipment", idx, &ship, err) != QT_OK)
			REFUSE("there is no shipment %lld", e->shipment);
		if (strcmp(qt_json_text(ship, "to"), who->id) != 0)
			REFUSE("shipment %lld was not shipped to you", e->shipment);
		if (json_is_true(json_object_get(ship, "received")))
			REFUSE("shipment %lld is already received", e->shipment);
		if (json_is_true(json_object_get(ship, "cancelled")))
			REFUSE("shipment %lld was cancelled by its shipper", e->shipment);
		/* the supplier a receipt names goes into the public journey: it must be the
		 * shipper, not whoever the receiver says */
		if (e->buyer[0] && strcmp(e->buyer, qt_json_text(ship, "from")) != 0)
			REFUSE("shipment %lld came from %s, not from supplier %s", e->shipment,
			       qt_json_text(ship, "from"), e->buyer);
		if (e->time && *qt_json_text(ship, "shipped") &&
		    qt_time_epoch(e->time) < qt_time_epoch(qt_json_text(ship, "shipped")))
			REFUSE("it is dated %s, before shipment %lld was shipped (%s)", e->time,
			       e->shipment, qt_json_text(ship, "shipped"));
		want = json_object_get(ship, "codes");
		if (json_array_size(want) != json_array_size(e->codes))
			REFUSE("shipment %lld has %zu codes, not %zu", e->shipment,
			       json_array_size(want), json_array_size(e->codes));
		json_array_foreach(e->codes, k, c)
		{
			bool in = false;
			for (size_t m = 0; m < json_array_size(want) && !in; m++)
				in = json_equal(c, json_array_get(want, m));
			if (!in) {
				bad = json_string_value(c);
				REFUSE("%.120s is not in shipment %lld", bad, e->shipment);
			}
		}
		json_array_foreach(e->codes, k, c)
		{
			if ((rc = move_all(s, json_string_value(c), "active", who->id, NULL,
			                   e->time ? e->time : "", rec, NULL, 0, err)) != QT_OK)
				goto out;
		}
		json_object_set_new(ship, "received", json_true());
		if ((rc = list_shipment(s, ship, "shipments_pending", false, err)) == QT_OK)
			rc = qt_doc_save(s, "shipment", idx, qt_json_text(ship, "to"), ship, rec,
			                 err);
		goto out;
	}
	if (strcmp(t, "pack") == 0 || strcmp(t, "unpack") == 0) {
		json_t *p = load(s, e->parent);
		bad = e->parent;
		if (p && (!rule_holder(p, who, t, why, sizeof why) ||
		          !rule_not_final(p, why, sizeof why) ||
		          !rule_not_in_transit(p, why, sizeof why))) {
			json_decref(p);
			goto refuse;
		}
		if (p && !rule_commissioned(p, why, sizeof why)) {
			json_decref(p);
			goto refuse;
		}
		if (!p && strcmp(t, "unpack") == 0)
			REFUSE("the parent was never packed");
		if (!p && e->parent_kind != QT_KIND_LOGISTIC)
			REFUSE("a new parent must be a carton or pallet code (an SSCC, AI 00); "
			       "this is a %s code",
			       qt_code_kind_name(e->parent_kind));
		if (!p) {
			/* a carton or pallet code comes into being when goods are packed in it */
			p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "code", e->parent, "scheme",
			              "gs1", "granularity", "logistic", "producer", who->id,
			              "holder", who->id, "status", "active");
		}
		/* saved even when unchanged: its record index then says its contents changed,
		 * which is what a later correction checks */
		rc = save(s, p, rec, err);
		json_decref(p);
		if (rc != QT_OK)
			goto out;
	}
	for (size_t k = 0; k < json_array_size(e->codes); k++) {
		const char *key = json_string_value(json_array_get(e->codes, k));
		bad = key;
		json_decref(doc);
		doc = load(s, key);
		if (!rule_issued(doc, why, sizeof why) ||
		    !rule_in_order(b, s, e, doc, why, sizeof why))
			goto refuse;
		if (strcmp(t, "commission") == 0) {
			if (strcmp(qt_json_text(doc, "producer"), who->id) != 0)
				REFUSE("only its producer may commission it");
			/* recalled before it went out (recall.c) */
			if (!rule_not_final(doc, why, sizeof why))
				goto refuse;
			if (strcmp(qt_json_text(doc, "status"), "issued") != 0)
				REFUSE("it is already commissioned");
			json_object_set_new(doc, "status", json_string("active"));
		} else if (strcmp(t, "recall") == 0 || strcmp(t, "destroy") == 0) {
			bool allowed = regulator ||
			               strcmp(qt_json_text(doc, "holder"), who->id) == 0 ||
			               (t[0] == 'r' &&
			                strcmp(qt_json_text(doc, "producer"), who->id) == 0);
			if (!rule_commissioned(doc, why, sizeof why) ||
			    !rule_not_final(doc, why, sizeof why) ||
			    (regulator && !rule_jurisdiction(doc, who, why, sizeof why)))
				goto refuse;
			if (!allowed)
				REFUSE("only its holder%s or a regulator may %s it",
				       t[0] == 'r' ? ", its producer" : "", t);
			if ((rc = move_all(s, key, t[0] == 'r' ? "recalled" : "destroyed", NULL,
			                   NULL, NULL, rec, NULL, 0, err)) != QT_OK)
				goto out;
			continue;
		} else {
			/* recalled or destroyed goods may still be taken out of a carton, so
			 * that the rest of it can go on */
			if (!rule_commissioned(doc, why, sizeof why) ||
			    (strcmp(t, "unpack") != 0 && !rule_not_final(doc, why, sizeof why)) ||
			    !rule_holder(doc, who, t, why, sizeof why) ||
			    !rule_not_in_transit(doc, why, sizeof why))
				goto refuse;
			if (strcmp(t, "pack") == 0) {
				const char *up = e->parent;
				json_t *anc = NULL;
				if (!rule_no_parent(doc, why, sizeof why))
					goto refuse;
				/* no cycles: the new parent may not be inside this code */
				for (int depth = 0; *up && depth < 64; depth++) {
					if (strcmp(up, key) == 0) {
						json_decref(anc);
						REFUSE("the parent is packed inside it");
					}
					json_t *next = load(s, up);
					json_decref(anc);
					anc = next;
					up = anc ? qt_json_text(anc, "parent") : "";
				}
				json_decref(anc);
				json_object_set_new(doc, "parent", json_string(e->parent));
				rc = s->ops->link_put(s, "children", e->parent, key, err);
			} else if (strcmp(t, "unpack") == 0) {
				if (strcmp(qt_json_text(doc, "parent"), e->parent) != 0)
					REFUSE("it is not packed in %.100s", e->parent);
				json_object_del(doc, "parent");
				rc = s->ops->link_del(s, "children", e->parent, key, err);
			} else if (strcmp(t, "ship") == 0) {
				if (!rule_no_parent(doc, why, sizeof why))
					goto refuse;
				if (strcmp(qt_json_text(doc, "status"), "sold") == 0)
					REFUSE("it is sold");
				json_decref(doc);
				doc = NULL;
				if ((rc = move_all(s, key, "in_transit", NULL, idx, NULL, rec, why,
				                   sizeof why, err)) != QT_OK)
					goto out;
				if (why[0])
					goto refuse;
				continue;
			} else if (strcmp(t, "retail") == 0) {
				if (strcmp(qt_json_text(doc, "status"), "sold") == 0)
					REFUSE("it is already sold");
				/* sold straight out of its carton: the carton is kept as
				 * sold_from, so a correction of the sale can put it back */
				if (json_object_get(doc, "parent")) {
					rc = s->ops->link_del(s, "children",
					                      qt_json_text(doc, "parent"), key,
					                      err);
					json_object_set(doc, "sold_from",
					                json_object_get(doc, "parent"));
				}
				json_object_del(doc, "parent");
				json_object_set_new(doc, "status", json_string("sold"));
				/* the warranty runs from the sale; kept in the state even when
				 * the sale's time is sealed (only "expired or not" is shown) */
				json_object_set_new(doc, "sold",
				                    json_string(e->time ? e->time : b->now));
			} else if (strcmp(t, "return") == 0) {
				if (strcmp(qt_json_text(doc, "status"), "sold") != 0)
					REFUSE("only a sold code can be returned");
				json_object_set_new(doc, "status", json_string("returned"));
			}
		}
		if (rc == QT_OK)
			rc = save(s, doc, rec, err);
		if (rc != QT_OK)
			goto out;
	}
	if (strcmp(t, "ship") == 0) {
		ship = json_pack("{s:I, s:s, s:s, s:s, s:s, s:O, s:b}", "id", (json_int_t)rec,
		                 "from", who->id, "from_name", who->name, "to", e->buyer, "to_name",
		                 e->buyer_name ? e->buyer_name : "", "codes", e->codes, "received",
		                 0);
		if (e->time) /* for rule_in_order: a receipt is not dated before it */
			json_object_set_new(ship, "shipped", json_string(e->time));
		if ((rc = qt_doc_save(s, "shipment", idx, e->buyer, ship, rec, err)) == QT_OK &&
		    (rc = list_shipment(s, ship, "shipments", true, err)) == QT_OK)
			rc = list_shipment(s, ship, "shipments_pending", true, err);
	}
	goto out;
refuse:
	rc = qt_err_set(err, QT_ERR_CONFLICT, "event %zu (%s%s%.60s): %s", i, t, *bad ? " " : "",
	                bad, why);
out:
	json_decref(doc);
	json_decref(ship);
	return rc;
}

/* For a file's list of failures: {"event": i, "message"}. */
static void note_failure(json_t *fails, size_t i, const char *msg)
{
	json_array_append_new(fails, json_pack("{s:I, s:s%}", "event", (json_int_t)i, "message",
	                                       msg, qt_utf8_valid_prefix(msg, strlen(msg))));
}

/* With a list of failures, each event is tried under a savepoint of its own: a refused one
 * is listed and taken back whole, so the next sees the state as if it had not been there,
 * and the job fails at the end if any was refused. Events refused by their shape (type
 * NULL) are skipped. */
static qt_rc apply_each(batch_ctx *b, size_t i, qt_store *s, uint64_t rec, qt_err *err)
{
	qt_rc rc;

	if (!b->ev[i].type)
		return QT_OK;
	if ((rc = s->ops->savepoint(s, err)) != QT_OK)
		return rc;
	if ((rc = apply_one(b, i, s, rec, err)) == QT_ERR_CONFLICT) {
		note_failure(b->fails, i, err->msg);
		s->ops->savepoint_rollback(s);
		return QT_OK;
	}
	if (rc == QT_OK)
		return s->ops->savepoint_release(s, err);
	s->ops->savepoint_rollback(s);
	return rc;
}

static qt_rc apply_events(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	batch_ctx *b = ctx;
	qt_rc rc = QT_OK;
	for (size_t i = 0; i < b->n && rc == QT_OK; i++)
		rc = b->fails ? apply_each(b, i, s, first + i, err)
		              : apply_one(b, i, s, first + i, err);
	if (rc == QT_OK && b->fails && (json_array_size(b->fails) || !b->record))
		rc = qt_err_set(err, QT_ERR_CONFLICT, "%zu events refused",
		                json_array_size(b->fails));
	return rc;
}

/* ---- the request ---- */

#define QT_CLOCK_SLACK_S 600

/* The latest event time accepted now: a few minutes' grace for clocks that run fast. */
static long long latest_time(void)
{
	return (long long)time(NULL) + QT_CLOCK_SLACK_S;
}

static const char *const types[] = {"commission", "pack",    "unpack", "ship",
                                    "receive",    "retail",  "return", "recall",
                                    "destroy",    "correct", NULL};

/* A flow field: a string or {"value": string, "public": bool}, public unless def_pub is
 * false or its flag says otherwise. Goes into pub or priv under its name. */
static qt_rc flow_field(const json_t *obj, const char *name, const char *prefix, bool required,
                        bool def_pub, json_t *pub, json_t *priv, const char **value, qt_err *err)
{
	static const char *const f[] = {"value", "public", NULL};
	json_t *v = json_object_get(obj, name);
	char full[64];
	bool is_pub = def_pub;
	qt_rc rc = QT_OK;

	*value = NULL;
	snprintf(full, sizeof full, "%s%s", prefix, name); /* sealed names: a-z 0-9 _ */
	if (!v)
		return required ? qt_err_set(err, QT_ERR_INVALID, "'%s' is required", full) : QT_OK;
	if (json_is_object(v)) {
		if ((rc = qt_json_only(v, f, err)) != QT_OK ||
		    (rc = qt_json_str(v, "value", QT_TEXT_MAX, true, value, err)) != QT_OK ||
		    (rc = qt_json_bool(v, "public", def_pub, &is_pub, err)) != QT_OK) {
			char why[QT_ERR_MSG_MAX];
			snprintf(why, sizeof why, "%s", err->msg);
			return qt_err_set(err, QT_ERR_INVALID, "%s: %.150s", full, why);
		}
	} else if (json_is_string(v) && json_string_length(v) >= 1 &&
	           qt_utf8_chars(json_string_value(v), json_string_length(v)) <= QT_TEXT_MAX) {
		*value = json_string_value(v);
	} else {
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'%s' must be a string or {\"value\": string, \"public\": bool}",
		                  full);
	}
	json_object_set_new(is_pub ? pub : priv, full, json_string(*value));
	return rc;
}

/* Check one event's shape and make its record (body, private fields, keys). */
static qt_rc parse_event(const json_t *in, const qt_account *who, event *e, json_t **pub,
                         json_t **priv, const char ***keys, size_t *n_keys, qt_err *err)
{
	static const char *const fields[] = {"type",   "codes",    "parent",   "time",
	                                     "buyer",  "supplier", "shipment", "corrects",
	                                     "reason", "public",   NULL};
	static const char *const party[] = {"uscc", "name", "address", "contact", NULL};
	qt_uscc uscc;
	json_t *codes = json_object_get(in, "codes"), *c, *bu;
	const char *time = NULL, *parent = NULL, *v, *reason;
	size_t k;
	bool need_codes, retail_pub, retail, ship;
	qt_rc rc;

	*pub = json_object();
	*priv = json_object();
	e->codes = json_array();
	if (!json_is_object(in))
		return qt_err_set(err, QT_ERR_INVALID, "must be an object");
	if ((rc = qt_json_only(in, fields, err)) != QT_OK ||
	    (rc = qt_json_str(in, "type", 20, true, &e->type, err)) != QT_OK ||
	    (rc = qt_json_str(in, "time", 40, false, &time, err)) != QT_OK ||
	    (rc = qt_json_str(in, "parent", QT_CODE_INPUT_MAX, false, &parent, err)) != QT_OK ||
	    (rc = qt_json_str(in, "reason", QT_TEXT_MAX, false, &reason, err)) != QT_OK ||
	    (rc = qt_json_bool(in, "public", true, &retail_pub, err)) != QT_OK)
		return rc;
	for (k = 0; types[k] && strcmp(types[k], e->type) != 0; k++)
		;
	if (!types[k])
		return qt_err_set(err, QT_ERR_INVALID, "unknown type '%.20s'", e->type);
	/* another offset (a system in China sends +08:00) is the same instant, kept as UTC */
	if (time && !qt_time_valid(time)) {
		size_t tn = strlen(time);
		if (tn < 20 || time[10] != 'T' || (time[tn - 6] != '+' && time[tn - 6] != '-') ||
		    !qt_time_from_text(time, tn, 0, e->time_utc) || !qt_time_valid(e->time_utc))
			return qt_err_set(err, QT_ERR_INVALID,
			                  "'time' must be RFC 3339: 2026-11-21T10:00:00Z, or "
			                  "2026-11-21T18:00:00+08:00");
		time = e->time_utc;
	}
	e->time = time;
	if (time && qt_time_epoch(time) > latest_time())
		return qt_err_set(err, QT_ERR_INVALID, "'time' %.40s is in the future", time);
	if (!(who->roles & QT_ROLE_UNIT) && strcmp(e->type, "recall") != 0 &&
	    strcmp(e->type, "destroy") != 0)
		return qt_err_set(err, QT_ERR_DENIED, "a regulator may only recall or destroy");
	need_codes = strcmp(e->type, "correct") != 0;
	/* a correct may list the codes of the record it voids, or none */
	if ((codes || need_codes) &&
	    (!json_is_array(codes) || json_array_size(codes) > QT_EVENT_CODES_MAX - 1 ||
	     (need_codes && json_array_size(codes) == 0)))
		return qt_err_set(err, QT_ERR_INVALID, "'codes' must be an array of 1 to %d codes",
		                  QT_EVENT_CODES_MAX - 1);
	*keys = calloc(json_array_size(codes) + 1, sizeof **keys);
	if (!*keys)
		return qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	json_array_foreach(codes, k, c)
	{
		char key[QT_CODE_CANON_MAX];
		if (!json_is_string(c))
			return qt_err_set(err, QT_ERR_INVALID, "codes[%zu] must be a string", k);
		if (qt_code_canon(json_string_value(c), json_string_length(c), key, NULL, err) !=
		    QT_OK) {
			char why[QT_ERR_MSG_MAX];
			snprintf(why, sizeof why, "%s", err->msg);
			return qt_err_set(err, QT_ERR_INVALID, "codes[%zu]: %.150s", k, why);
		}
		for (size_t m = 0; m < json_array_size(e->codes); m++)
			if (strcmp(key, json_string_value(json_array_get(e->codes, m))) == 0)
				return qt_err_set(err, QT_ERR_INVALID, "codes[%zu] is listed twice",
				                  k);
		json_array_append_new(e->codes, json_string(key));
	}
	json_array_foreach(e->codes, k, c)(*keys)[k] = json_string_value(c);
	*n_keys = json_array_size(e->codes);
	if ((strcmp(e->type, "pack") == 0 || strcmp(e->type, "unpack") == 0) != !!parent)
		return qt_err_set(err, QT_ERR_INVALID, "'parent' belongs to pack and unpack only");
	if (parent) {
		if (qt_code_canon(parent, strlen(parent), e->parent, &e->parent_kind, err) != QT_OK)
			return qt_err_set(err, QT_ERR_INVALID, "'parent' is not a valid code");
		(*keys)[(*n_keys)++] = e->parent;
		json_object_set_new(*pub, "parent", json_string(e->parent));
	}
	/* a retail sale may name its customer (客户名称): sealed unless flagged public */
	retail = strcmp(e->type, "retail") == 0;
	ship = strcmp(e->type, "ship") == 0;
	bu = json_object_get(in, ship || retail ? "buyer" : "supplier");
	if ((ship && !json_is_object(bu)) || (json_object_get(in, "buyer") && !ship && !retail) ||
	    (json_object_get(in, "supplier") && strcmp(e->type, "receive") != 0))
		return qt_err_set(err, QT_ERR_INVALID,
		                  "a ship names its 'buyer', a retail sale may name its 'buyer' "
		                  "(the customer), a receive may name its 'supplier'");
	if (bu) {
		const char *pre = ship || retail ? "buyer_" : "supplier_";
		if (!json_is_object(bu) || (rc = qt_json_only(bu, party, err)) != QT_OK)
			return json_is_object(bu)
			               ? rc
			               : qt_err_set(err, QT_ERR_INVALID, "must be an object");
		if ((rc = flow_field(bu, "uscc", pre, ship, !retail, *pub, *priv, &v, err)) !=
		    QT_OK)
			return rc;
		if (v && qt_uscc_parse(v, strlen(v), &uscc, err) != QT_OK) {
			char why[QT_ERR_MSG_MAX];
			snprintf(why, sizeof why, "%s", err->msg);
			return qt_err_set(err, QT_ERR_INVALID, "%suscc: %.150s", pre, why);
		}
		/* recorded as the unit's id is: " 9144…t" is the same unit as "9144…T" */
		if (v) {
			char full[24];
			snprintf(full, sizeof full, "%suscc", pre);
			json_object_set_new(json_object_get(*pub, full) ? *pub : *priv, full,
			                    json_string(uscc.code));
			snprintf(e->buyer, sizeof e->buyer, "%s", uscc.code);
		}
		if ((rc = flow_field(bu, "name", pre, ship, !retail, *pub, *priv, &e->buyer_name,
		                     err)) != QT_OK ||
		    (rc = flow_field(bu, "address", pre, false, !retail, *pub, *priv, &v, err)) !=
		            QT_OK ||
		    (rc = flow_field(bu, "contact", pre, false, !retail, *pub, *priv, &v, err)) !=
		            QT_OK)
			return rc;
		if (ship && strcmp(e->buyer, who->id) == 0)
			return qt_err_set(err, QT_ERR_INVALID,
			                  "buyer_uscc: a unit cannot ship to itself");
	}
	if ((rc = qt_json_int(in, "shipment", 0, INT64_MAX, strcmp(e->type, "receive") == 0, -1,
	                      &e->shipment, err)) != QT_OK ||
	    (rc = qt_json_int(in, "corrects", 0, INT64_MAX, strcmp(e->type, "correct") == 0, -1,
	                      &e->corrects, err)) != QT_OK)
		return rc;
	if (e->shipment >= 0)
		json_object_set_new(*pub, "shipment", json_integer(e->shipment));
	if (e->corrects >= 0)
		json_object_set_new(*pub, "corrects", json_integer(e->corrects));
	if (reason)
		json_object_set_new(*pub, "reason", json_string(reason));
	if (time)
		json_object_set_new(strcmp(e->type, "retail") == 0 && !retail_pub ? *priv : *pub,
		                    "time", json_string(time));
	json_object_set_new(*pub, "by", json_string(who->id));
	json_object_set(*pub, "codes", e->codes);
	return QT_OK;
}

static qt_rc submit(qt_platform *p, const qt_account *who, const json_t *body, json_t *fails,
                    bool record, json_t **answer, qt_err *err)
{
	static const char *const fields[] = {"events", NULL};
	json_t *in = json_object_get(body, "events"), *list;
	size_t n = json_array_size(in);
	qt_record *recs = NULL;
	qt_receipt *receipts = NULL;
	json_t **pubs = NULL, **privs = NULL;
	const char ***keys = NULL;
	event *ev = NULL;
	batch_ctx b = {.who = who, .n = n, .fails = fails};
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK)
		goto out;
	if (!json_is_array(in) || n < 1) {
		rc = qt_err_set(err, QT_ERR_INVALID, "'events' must be an array of 1 to %d events",
		                QT_EVENTS_MAX);
		goto out;
	}
	if (n > QT_EVENTS_MAX) {
		rc = qt_err_set(err, QT_ERR_TOOBIG, "at most %d events in one request",
		                QT_EVENTS_MAX);
		goto out;
	}
	recs = calloc(n, sizeof *recs);
	receipts = calloc(2, sizeof *receipts);
	pubs = calloc(n, sizeof *pubs);
	privs = calloc(n, sizeof *privs);
	keys = calloc(n, sizeof *keys);
	b.ev = ev = calloc(n, sizeof *ev);
	qt_time_now(b.now);
	if (!recs || !receipts || !pubs || !privs || !keys || !ev) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t nk = 0;
		if ((rc = parse_event(json_array_get(in, i), who, &ev[i], &pubs[i], &privs[i],
		                      &keys[i], &nk, err)) != QT_OK) {
			char why[QT_ERR_MSG_MAX];
			if (fails && rc != QT_ERR_NOMEM) {
				note_failure(fails, i, err->msg);
				ev[i].type = NULL; /* refused by its shape: not applied */
				rc = QT_OK;
				continue;
			}
			snprintf(why, sizeof why, "%s", err->msg);
			rc = qt_err_set(err, rc, "events[%zu]: %.170s", i, why);
			goto out;
		}
		recs[i] =
		        (qt_record){.type = ev[i].type,
		                    .body = pubs[i],
		                    .private_fields = json_object_size(privs[i]) ? privs[i] : NULL,
		                    .keys = keys[i],
		                    .n_keys = nk,
		                    .ts = b.now};
	}
	/* record types live as long as the records: one static string per event type */
	for (size_t i = 0; i < n; i++) {
		static const char *const rtypes[] = {
		        "event.commission", "event.pack",   "event.unpack", "event.ship",
		        "event.receive",    "event.retail", "event.return", "event.recall",
		        "event.destroy",    "event.correct"};
		for (size_t k = 0; types[k] && ev[i].type; k++)
			if (strcmp(types[k], ev[i].type) == 0)
				recs[i].type = rtypes[k];
	}
	/* a file with refused events is still checked to the end, but records nothing */
	if (fails && json_array_size(fails))
		record = false;
	b.record = record;
	rc = qt_ledger_submit_job_ends(p->ledger, recs, record ? n : 0, apply_events, &b, receipts,
	                               err);
	if (!record && rc == QT_ERR_CONFLICT && !json_array_size(fails))
		rc = QT_OK; /* checked, none refused, and (as asked) all taken back */
	if (rc != QT_OK || !record)
		goto out;
	list = json_array();
	json_array_append_new(list, qt_receipt_json(&receipts[0]));
	if (n > 1)
		json_array_append_new(list, qt_receipt_json(&receipts[1]));
	*answer = json_pack("{s:I, s:I, s:o}", "accepted", (json_int_t)n, "first_index",
	                    (json_int_t)receipts[0].index, "receipts", list);
out:
	for (size_t i = 0; i < n && pubs && privs && keys && ev; i++) {
		json_decref(pubs[i]);
		json_decref(privs[i]);
		free(keys[i]);
		json_decref(ev[i].codes);
	}
	free(recs);
	free(receipts);
	free(pubs);
	free(privs);
	free(keys);
	free(ev);
	return rc;
}

/* The request an event record was made from: its flow fields (buyer_uscc, supplier_name…)
 * back in their party's object. */
static json_t *request_of(const qt_replay_rec *r)
{
	json_t *in = json_object(), *v;
	const char *k;

	json_object_set_new(in, "type", json_string(r->type + strlen("event.")));
	json_object_foreach(r->body, k, v)
	{
		const char *party = strncmp(k, "buyer_", 6) == 0      ? "buyer"
		                    : strncmp(k, "supplier_", 9) == 0 ? "supplier"
		                                                      : NULL;
		if (party) {
			json_t *o = json_object_get(in, party);
			if (!o)
				json_object_set_new(in, party, o = json_object());
			json_object_set(o, k + strlen(party) + 1, v);
		} else if (strcmp(k, "by") != 0) {
			json_object_set(in, k, v);
		}
	}
	return in;
}

qt_rc qt_events_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	json_t *in = request_of(r), *pub = NULL, *priv = NULL;
	const char **keys = NULL;
	size_t nk = 0;
	qt_account who;
	event e = {0};
	batch_ctx b = {.who = &who, .ev = &e, .n = 1, .record = true};
	qt_rc rc = qt_replay_who(s, r, &who, err);

	snprintf(b.now, sizeof b.now, "%s", r->ts);
	if (rc == QT_OK && (rc = parse_event(in, &who, &e, &pub, &priv, &keys, &nk, err)) == QT_OK)
		rc = apply_one(&b, 0, s, r->index, err);
	json_decref(in);
	json_decref(pub);
	json_decref(priv);
	json_decref(e.codes);
	free(keys);
	return rc;
}

qt_rc qt_events_submit(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                       qt_err *err)
{
	return submit(p, who, body, NULL, true, answer, err);
}

qt_rc qt_events_submit_each(qt_platform *p, const qt_account *who, const json_t *events,
                            bool record, json_t *fails, json_t **answer, qt_err *err)
{
	json_t *body = json_pack("{s:O}", "events", events);
	qt_rc rc;

	*answer = NULL;
	if (!body)
		return qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	rc = submit(p, who, body, fails, record, answer, err);
	json_decref(body);
	return rc;
}
