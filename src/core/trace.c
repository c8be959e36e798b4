/* trace.c — two-way tracing (来源可查、去向可追、责任可究): a code's chain of holders and steps,
 * each with the ledger index that proves it, as a regulator or a unit on its path may see it; and a
 * batch's source, the units it passed through and where its items are now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"
#include "core/trace.h"

static const char *const dir_names[] = {"", "back", "forward", "both"};

bool qt_trace_dir_parse(const char *text, qt_trace_dir *out)
{
	bool ok = !text;

	*out = QT_TRACE_BOTH;
	for (int d = QT_TRACE_BACK; text && d <= QT_TRACE_BOTH && !ok; d++)
		if (strcmp(text, dir_names[d]) == 0) {
			*out = (qt_trace_dir)d;
			ok = true;
		}
	return ok;
}

/* What one trace reads more than once. */
typedef struct tracer {
	qt_store *s;
	json_t *units; /* id → {unit, name, region, province?}: each account read once */
} tracer;

/* {unit, name, region, province?} of a unit (a new reference, not to be changed): its
 * account's name and division, or for a buyer that never registered, the name its shipper
 * gave (given_name) and the division in its USCC. */
static qt_rc unit_of(tracer *t, const char *id, const char *given_name, json_t **out, qt_err *err)
{
	json_t *u = json_object_get(t->units, id), *acc = NULL;
	char div[7];
	qt_rc rc = QT_OK;

	if (!u) {
		rc = qt_doc_load(t->s, "account", id, &acc, err);
		snprintf(div, sizeof div, "%.6s", strlen(id) >= 8 ? id + 2 : "");
		if (rc == QT_OK || rc == QT_ERR_NOTFOUND) {
			const char *d = qt_json_text(acc, "division");
			u = json_pack("{s:s, s:s, s:s}", "unit", id, "name",
			              acc          ? qt_json_text(acc, "name")
			              : given_name ? given_name
			                           : "",
			              "region", *d ? d : div);
			if (*qt_json_text(acc, "province"))
				json_object_set(u, "province", json_object_get(acc, "province"));
			json_object_set_new(t->units, id, u);
			rc = QT_OK;
		}
	}
	*out = rc == QT_OK ? json_incref(u) : NULL;
	json_decref(acc);
	return rc;
}

/* A copy of the unit to add fields to. */
static qt_rc unit_copy(tracer *t, const char *id, json_t **out, qt_err *err)
{
	json_t *u = NULL;
	qt_rc rc = unit_of(t, id, NULL, &u, err);

	*out = rc == QT_OK ? json_copy(u) : NULL;
	json_decref(u);
	return rc;
}

static bool is_unit(const json_t *holder, const char *id)
{
	return strcmp(qt_json_text(holder, "unit"), id) == 0;
}

/* ---- a code's chain ---- */

/* One step of a code's story from its history entry h: {index, type, time, by, shipment?,
 * from?, to?, via?, corrected_by?}. time is the event's own, else when it was recorded; a
 * ship or receive names its two parties from the shipment (a sealed buyer stays sealed in
 * the record, but the shipment says who it went to). */
static qt_rc step_of(tracer *t, const json_t *h, json_t **out, qt_err *err)
{
	const json_t *l = json_object_get(h, "leaf"), *body = json_object_get(l, "body");
	const char *type = qt_json_text(l, "type"), *by = qt_json_text(body, "by");
	const char *time = qt_json_text(body, "time");
	json_t *ship = NULL, *st, *u = NULL;
	json_int_t sid = -1;
	char id[24];
	qt_rc rc = QT_OK;

	st = json_pack("{s:O, s:s, s:s, s:s}", "index", json_object_get(h, "index"), "type", type,
	               "time", *time ? time : qt_json_text(l, "ts"), "by",
	               *by ? by : qt_json_text(body, "producer")); /* code.issue: the producer */
	if (!strcmp(type, "event.ship"))
		sid = json_integer_value(json_object_get(h, "index"));
	else if (!strcmp(type, "event.receive"))
		sid = json_integer_value(json_object_get(body, "shipment"));
	if (sid >= 0) {
		snprintf(id, sizeof id, "%lld", (long long)sid);
		rc = qt_doc_load(t->s, "shipment", id, &ship, err);
	}
	if (rc == QT_OK && ship) {
		json_object_set_new(st, "shipment", json_integer(sid));
		json_object_set(st, "from", json_object_get(ship, "from"));
		json_object_set(st, "to", json_object_get(ship, "to"));
		/* a buyer that has not registered is known by the name its shipper gave */
		rc = unit_of(t, qt_json_text(ship, "to"), qt_json_text(ship, "to_name"), &u, err);
	}
	if (json_object_get(h, "via"))
		json_object_set(st, "via", json_object_get(h, "via"));
	if (json_object_get(h, "corrected_by"))
		json_object_set(st, "corrected_by", json_object_get(h, "corrected_by"));
	if (rc != QT_OK) {
		json_decref(st);
		st = NULL;
	}
	*out = st;
	json_decref(ship);
	json_decref(u);
	return rc;
}

/* {index, time} of a step: where a holding starts or ends. */
static json_t *mark(const json_t *step)
{
	return json_pack("{s:O, s:O}", "index", json_object_get(step, "index"), "time",
	                 json_object_get(step, "time"));
}

/* The holders of a code, in order, from its steps (a voided step changes nothing): the
 * producer ("issued", from the code.issue record) or, for a carton, the unit whose pack
 * made it ("packed"); then each buyer, "in_transit" from the ship to it and "received" from
 * its receipt. A holder's until is the ship that took the code from it. */
static qt_rc holders_of(tracer *t, const json_t *steps, json_t *holders, qt_err *err)
{
	size_t k;
	json_t *st;
	qt_rc rc = QT_OK;

	json_array_foreach(steps, k, st)
	{
		const char *type = qt_json_text(st, "type"), *by = qt_json_text(st, "by");
		json_t *last = json_array_get(holders, json_array_size(holders) - 1), *h = NULL;
		const char *unit = NULL, *how = NULL;

		if (rc != QT_OK || json_object_get(st, "corrected_by"))
			continue;
		if (!strcmp(type, "event.ship")) {
			if (last && !json_object_get(last, "until"))
				json_object_set_new(last, "until", mark(st));
			unit = qt_json_text(st, "to");
			how = "in_transit";
		} else if (!strcmp(type, "event.receive") && last && is_unit(last, by) &&
		           !strcmp(qt_json_text(last, "how"), "in_transit")) {
			json_object_set_new(last, "how", json_string("received"));
			json_object_set_new(last, "since", mark(st));
		} else if (!strcmp(type, "event.receive")) {
			unit = by;
			how = "received";
		} else if (!last) {
			unit = by;
			how = strcmp(type, "code.issue") == 0 ? "issued" : "packed";
		}
		if (unit && (rc = unit_copy(t, unit, &h, err)) == QT_OK) {
			json_object_set_new(h, "how", json_string(how));
			json_object_set_new(h, "since", mark(st));
			json_array_append_new(holders, h);
		}
	}
	return rc;
}

/* Whether who may trace a code with these holders: a regulator of its producer or of a unit
 * on its path, or a unit on its path. */
static bool may_trace(const qt_account *who, const char *producer, const json_t *holders)
{
	bool regulator = (who->roles & QT_ROLE_REGULATOR) != 0;
	bool ok = regulator && qt_regulates(who, producer);
	size_t k;
	json_t *h;

	json_array_foreach(holders, k, h)
	{
		ok = ok ||
		     (regulator ? qt_regulates(who, qt_json_text(h, "unit")) : is_unit(h, who->id));
	}
	return ok;
}

/* What unit u sees of the chain: its own holdings whole and, for each, the neighbour the
 * direction asks for — the supplier before it (back), showing only the hand-over to u (its
 * until), and the buyer after it (forward), showing only its taking over from u (since). */
static json_t *holders_seen(const json_t *all, const char *u, qt_trace_dir dir)
{
	json_t *out = json_array();
	size_t n = json_array_size(all);

	for (size_t i = 0; i < n; i++) {
		json_t *h = json_array_get(all, i), *c;
		bool supplier = (dir & QT_TRACE_BACK) && i + 1 < n &&
		                is_unit(json_array_get(all, i + 1), u);
		bool buyer =
		        (dir & QT_TRACE_FORWARD) && i > 0 && is_unit(json_array_get(all, i - 1), u);

		if (is_unit(h, u)) {
			json_array_append(out, h);
		} else if (supplier || buyer) {
			c = json_copy(h);
			if (!buyer)
				json_object_del(c, "since");
			if (!supplier)
				json_object_del(c, "until");
			json_array_append_new(out, c);
		}
	}
	return out;
}

/* Whether unit u sees step st: back, its own steps but its ships onward, and the ship that
 * brought the code to it; forward, its own steps but its receipts, and the receipt of what it
 * shipped. Nothing another unit did beyond that hand-over. */
static bool step_seen(const json_t *st, const char *u, qt_trace_dir dir)
{
	const char *type = qt_json_text(st, "type");
	bool own = strcmp(qt_json_text(st, "by"), u) == 0;
	bool ship = strcmp(type, "event.ship") == 0, receive = strcmp(type, "event.receive") == 0;

	return ((dir & QT_TRACE_BACK) &&
	        ((own && !ship) || (ship && !strcmp(qt_json_text(st, "to"), u)))) ||
	       ((dir & QT_TRACE_FORWARD) &&
	        ((own && !receive) || (receive && !strcmp(qt_json_text(st, "from"), u))));
}

/* The members of src named in fields that it has, copied into a new object. */
static json_t *pick(const json_t *src, const char *const *fields)
{
	json_t *out = json_object();
	qt_json_pick(out, src, fields);
	return out;
}

/* Where goods come from: {producer?, product?, batch?}, with the batch's production date and
 * inspection report. with_producer false leaves the producer out (a unit that may not see
 * it). */
static qt_rc source_of(tracer *t, const char *producer, const char *product, const char *batch,
                       bool with_producer, json_t **out, qt_err *err)
{
	static const char *const product_fields[] = {"id",    "name",     "catalog_unit", "type",
	                                             "model", "standard", "licence_no",   "ccc_no",
	                                             "gtin",  NULL};
	static const char *const batch_fields[] = {
	        "id", "batch_no", "production_date", "quantity", "inspection_report", NULL};
	json_t *src = json_object(), *doc = NULL, *u = NULL;
	qt_rc rc = QT_OK;

	if (with_producer && *producer && (rc = unit_of(t, producer, NULL, &u, err)) == QT_OK)
		json_object_set_new(src, "producer", u);
	if (rc == QT_OK && *product &&
	    (rc = qt_doc_load(t->s, "product", product, &doc, err)) == QT_OK)
		json_object_set_new(src, "product", pick(doc, product_fields));
	json_decref(doc);
	doc = NULL;
	if (rc == QT_OK && *batch && (rc = qt_doc_load(t->s, "batch", batch, &doc, err)) == QT_OK)
		json_object_set_new(src, "batch", pick(doc, batch_fields));
	json_decref(doc);
	if (rc != QT_OK) {
		json_decref(src);
		src = NULL;
	}
	*out = src;
	return rc;
}

/* A code where it is now: {code, status, parent?, holder? (with_holder)}. */
static qt_rc item_of(qt_store *s, const char *key, bool with_holder, json_t **out, qt_err *err)
{
	static const char *const shown[] = {"code", "status", "parent", NULL};
	static const char *const shown_holder[] = {"code", "holder", "status", "parent", NULL};
	json_t *doc = NULL;
	qt_rc rc = qt_doc_load(s, "code", key, &doc, err);

	*out = rc == QT_OK ? pick(doc, with_holder ? shown_holder : shown) : NULL;
	json_decref(doc);
	return rc;
}

/* What is packed in a carton or pallet, at any depth: items [{code, status, parent}] (none:
 * the answer stays without). */
static qt_rc add_items(qt_store *s, const char *key, json_t *answer, qt_err *err)
{
	json_t *keys = json_array(), *items = json_array(), *it = NULL;
	bool more = false;
	qt_rc rc = qt_codes_with_contents(s, key, QT_TRACE_ITEMS_MAX + 1, keys, &more, err);

	for (size_t i = 1; rc == QT_OK && i < json_array_size(keys); i++)
		if ((rc = item_of(s, json_string_value(json_array_get(keys, i)), false, &it,
		                  err)) == QT_OK)
			json_array_append_new(items, it);
	if (rc == QT_OK && json_array_size(items)) {
		json_object_set(answer, "items", items);
		json_object_set_new(answer, "items_more", json_boolean(more));
	}
	json_decref(items);
	json_decref(keys);
	return rc;
}

/* The chain of the code whose state is doc: its steps and holders, as the ledger has them. */
static qt_rc chain_of(tracer *t, const char *key, json_t *steps, json_t *holders, bool *truncated,
                      qt_err *err)
{
	json_t *hist = NULL, *h, *st;
	size_t k;
	qt_rc rc = qt_history(t->s, key, 0, &hist, truncated, err);

	json_array_foreach(hist, k, h)
	{
		/* its custody and recall steps; anything else a record under its key says (a
		 * complaint filed before complaints had keys of their own) is not a step */
		const char *type = qt_json_text(json_object_get(h, "leaf"), "type");
		if (strcmp(type, "code.issue") != 0 && strncmp(type, "event.", 6) != 0 &&
		    strncmp(type, "recall.", 7) != 0)
			continue;
		if (rc == QT_OK && (rc = step_of(t, h, &st, err)) == QT_OK)
			json_array_append_new(steps, st);
	}
	if (rc == QT_OK)
		rc = holders_of(t, steps, holders, err);
	json_decref(hist);
	return rc;
}

/* The answer for who, from the whole chain: a regulator's whole, a unit's neighbourhood. */
static qt_rc code_view(tracer *t, const qt_account *who, const json_t *doc, qt_trace_dir dir,
                       json_t *steps, json_t *holders, bool truncated, json_t **answer, qt_err *err)
{
	bool regulator = (who->roles & QT_ROLE_REGULATOR) != 0, with_producer = regulator;
	const char *producer = qt_json_text(doc, "producer");
	json_t *seen = regulator ? json_incref(holders) : holders_seen(holders, who->id, dir);
	json_t *shown = json_array(), *st, *h, *src = NULL;
	size_t k;
	qt_rc rc = QT_OK;

	json_array_foreach(steps, k, st)
	{
		if (regulator || step_seen(st, who->id, dir))
			json_array_append(shown, st);
	}
	json_array_foreach(seen, k, h)
	{
		with_producer = with_producer || is_unit(h, producer);
	}
	*answer = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:b}", "code",
	                    qt_json_text(doc, "code"), "status", qt_json_text(doc, "status"),
	                    "direction", dir_names[dir], "view", regulator ? "regulator" : "unit",
	                    "holders", seen, "steps", shown, "truncated", truncated);
	if (dir & QT_TRACE_BACK)
		rc = source_of(t, producer, qt_json_text(doc, "product"),
		               qt_json_text(doc, "batch"), with_producer, &src, err);
	if (rc == QT_OK && src)
		json_object_set_new(*answer, "source", src);
	if (rc == QT_OK)
		rc = add_items(t->s, qt_json_text(doc, "code"), *answer, err);
	if (rc != QT_OK) {
		json_decref(*answer);
		*answer = NULL;
	}
	json_decref(seen);
	json_decref(shown);
	return rc;
}

qt_rc qt_trace_code(qt_store *s, const qt_account *who, const char *scanned, size_t n,
                    qt_trace_dir dir, json_t **answer, qt_err *err)
{
	char key[QT_CODE_CANON_MAX];
	tracer t = {.s = s, .units = json_object()};
	json_t *doc = NULL, *steps = json_array(), *holders = json_array();
	bool truncated = false, reading = false;
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_code_canon(scanned, n, key, NULL, err)) != QT_OK)
		goto out;
	/* one snapshot: the state and the records it was derived from agree */
	if ((rc = s->ops->read_begin(s, err)) != QT_OK)
		goto out;
	reading = true;
	if ((rc = qt_doc_load(s, "code", key, &doc, err)) == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, rc, "no code %.200s", key);
	if (rc == QT_OK)
		rc = chain_of(&t, key, steps, holders, &truncated, err);
	if (rc == QT_OK && !may_trace(who, qt_json_text(doc, "producer"), holders))
		rc = qt_err_set(err, QT_ERR_DENIED,
		                (who->roles & QT_ROLE_REGULATOR)
		                        ? "code %.200s was made and held outside your jurisdiction"
		                        : "you are not on the path of code %.200s",
		                key);
	if (rc == QT_OK)
		rc = code_view(&t, who, doc, dir, steps, holders, truncated, answer, err);
out:
	if (reading)
		s->ops->read_end(s);
	json_decref(doc);
	json_decref(steps);
	json_decref(holders);
	json_decref(t.units);
	return rc;
}

/* ---- a batch ---- */

typedef struct groups {
	tracer *t;
	json_t *holders; /* [{unit, name, region, count, by_status: {status: count}}] */
	qt_err *err;
} groups;

/* One (holder, status) group of a batch's codes; groups come by holder. */
static qt_rc add_group(void *ctx, const char *owner, const char *status, uint64_t count)
{
	groups *g = ctx;
	json_t *last = json_array_get(g->holders, json_array_size(g->holders) - 1);
	qt_rc rc = QT_OK;

	if (!last || !is_unit(last, owner)) {
		if ((rc = unit_copy(g->t, owner, &last, g->err)) == QT_OK) {
			json_object_set_new(last, "count", json_integer(0));
			json_object_set_new(last, "by_status", json_object());
			json_array_append_new(g->holders, last);
		}
	}
	if (rc == QT_OK) {
		json_object_set_new(
		        last, "count",
		        json_integer(json_integer_value(json_object_get(last, "count")) +
		                     (json_int_t)count));
		json_object_set_new(json_object_get(last, "by_status"),
		                    *status ? status : "unknown", json_integer((json_int_t)count));
	}
	return rc;
}

/* Forward: where the batch's items are now, {holders, items, next?}. */
static qt_rc batch_forward(tracer *t, const char *batch, const char *after, size_t limit,
                           json_t *answer, qt_err *err)
{
	groups g = {.t = t, .holders = json_array(), .err = err};
	json_t *keys = json_array(), *items = json_array(), *it;
	size_t found = 0;
	qt_rc rc = t->s->ops->link_doc_count(t->s, "batch_codes", batch, "code", "status",
	                                     QT_TRACE_GROUPS_MAX, add_group, &g, err);

	if (rc == QT_ERR_TOOBIG)
		rc = qt_err_set(err, rc, "batch %.60s is held in more than %d ways; page its items",
		                batch, QT_TRACE_GROUPS_MAX);
	if (rc == QT_OK)
		rc = t->s->ops->link_list(t->s, "batch_codes", batch, after ? after : "", limit,
		                          qt_link_collect, keys, &found, err);
	for (size_t i = 0; rc == QT_OK && i < json_array_size(keys); i++)
		if ((rc = item_of(t->s, json_string_value(json_array_get(keys, i)), true, &it,
		                  err)) == QT_OK)
			json_array_append_new(items, it);
	if (rc == QT_OK) {
		json_object_set(answer, "holders", g.holders);
		json_object_set(answer, "items", items);
		if (found == limit)
			json_object_set(answer, "next", json_array_get(keys, found - 1));
	}
	json_decref(g.holders);
	json_decref(keys);
	json_decref(items);
	return rc;
}

/* Back: where the batch came from and every unit its goods passed through, {source, units,
 * units_more}. passed: the ids of the units that received its goods. */
static qt_rc batch_back(tracer *t, const json_t *doc, const json_t *passed, bool more,
                        json_t *answer, qt_err *err)
{
	json_t *src = NULL, *units = json_array(), *u = NULL, *id;
	size_t k;
	qt_rc rc = source_of(t, qt_json_text(doc, "producer"), qt_json_text(doc, "product"),
	                     qt_json_text(doc, "id"), true, &src, err);

	json_array_foreach(passed, k, id)
	{
		if (rc == QT_OK && (rc = unit_of(t, json_string_value(id), NULL, &u, err)) == QT_OK)
			json_array_append_new(units, u);
	}
	if (rc == QT_OK) {
		json_object_set(answer, "source", src);
		json_object_set(answer, "units", units);
		json_object_set_new(answer, "units_more", json_boolean(more));
	}
	json_decref(src);
	json_decref(units);
	return rc;
}

qt_rc qt_trace_batch(qt_store *s, const qt_account *who, const char *batch, qt_trace_dir dir,
                     const char *after, size_t limit, json_t **answer, qt_err *err)
{
	tracer t = {.s = s, .units = json_object()};
	json_t *doc = NULL, *passed = json_array(), *id, *out = NULL;
	const char *producer;
	bool reading = false, more = false, allowed;
	size_t found = 0, k;
	qt_rc rc;

	*answer = NULL;
	if ((rc = s->ops->read_begin(s, err)) != QT_OK)
		goto out;
	reading = true;
	if ((rc = qt_doc_load(s, "batch", batch, &doc, err)) == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, rc, "no batch %.60s", batch);
	if (rc != QT_OK)
		goto out;
	producer = qt_json_text(doc, "producer");
	if ((rc = s->ops->link_list(s, "batch_holders", batch, "", QT_TRACE_UNITS_MAX + 1,
	                            qt_link_collect, passed, &found, err)) != QT_OK)
		goto out;
	if ((more = json_array_size(passed) > QT_TRACE_UNITS_MAX))
		json_array_remove(passed, QT_TRACE_UNITS_MAX);
	allowed = strcmp(who->id, producer) == 0 || qt_regulates(who, producer);
	json_array_foreach(passed, k, id)
	{
		allowed = allowed || qt_regulates(who, json_string_value(id));
	}
	if (!allowed) {
		rc = qt_err_set(
		        err, QT_ERR_DENIED,
		        "batch %.60s is neither yours nor made or sold in your jurisdiction",
		        batch);
		goto out;
	}
	out = json_pack("{s:s, s:s}", "batch", batch, "direction", dir_names[dir]);
	if (dir & QT_TRACE_BACK)
		rc = batch_back(&t, doc, passed, more, out, err);
	if (rc == QT_OK && (dir & QT_TRACE_FORWARD))
		rc = batch_forward(&t, batch, after, limit, out, err);
	if (rc == QT_OK) {
		*answer = out;
		out = NULL;
	}
out:
	if (reading)
		s->ops->read_end(s);
	json_decref(out);
	json_decref(doc);
	json_decref(passed);
	json_decref(t.units);
	return rc;
}
