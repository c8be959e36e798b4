/* check.c — checking incoming goods (查验): each scanned code gets a verdict (genuine, warning,
 * suspect) with reasons, from its state, its path through the chain and where it was checked
 * before, and becomes one "check" record. Verdicts are worked out on a read snapshot, off the
 * committing thread, and recorded only if nothing they read has moved since (otherwise they
 * are worked out again). Rules: docs/DOMAIN.md, "Checking incoming goods". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes/code.h"
#include "codes/uscc.h"
#include "core/check.h"
#include "core/replay.h"
#include "core/risk.h"
#include "core/scan.h"
#include "util/json_parse.h"

#define STILL_MAX 8  /* units remembered checking a code since it last moved */
#define OFF_MAX   16 /* units remembered checking a code off its path */
#define NAMED_MAX 3  /* units a message names */
#define TRIES     8  /* judging again because the codes moved meanwhile */

/* Reasons that make a check suspect: the ledger says this item cannot be here, from this
 * supplier. Every other reason (recalled, licence or certificate trouble, warranty, not
 * commissioned) makes it a warning: the item is what it says, but must not be taken in as
 * it is. */
static const char *const suspect_kinds[] = {
        "never_issued",       "destroyed", "sold", "supplier_not_holder",
        "received_elsewhere", "cloned",    NULL};

static const char *const verdicts[] = {"genuine", "warning", "suspect", NULL};

/* The versions of a code's state and sightings documents (the records that last wrote
 * them) a verdict read: the job records it only while they are still the current ones. */
typedef struct version {
	bool issued, seen_before;
	uint64_t code_rec, seen_rec;
} version;

/* One code of the request. */
typedef struct item {
	char code[QT_CODE_CANON_MAX];
	/* "check:" + code: a code's own key lists its story (qt_history reads a bounded
	 * window of it), which a flood of checks must not crowd out */
	char check_key[QT_CODE_CANON_MAX + 8];
	const char *keys[2];
	version read; /* what its verdict read */
	json_t *body; /* its check record's body */
} item;

typedef struct check_ctx {
	const qt_account *who;
	item *items;
	size_t n;
	bool stale;   /* a code moved between its verdict and the job */
	char now[32]; /* the records' time */
} check_ctx;

/* What one verdict is worked out from. */
typedef struct judge {
	qt_store *s;
	const qt_account *who;
	const char *supplier;
	item *it;
	json_t *doc;  /* the code's state; NULL when never issued */
	json_t *ship; /* its pending shipment, when in transit */
	json_t *path; /* units its history names (loaded when first needed) */
	json_t *reasons;
} judge;

static bool has(const json_t *list, const char *s)
{
	bool found = false;
	for (size_t k = 0; k < json_array_size(list) && !found; k++)
		found = strcmp(json_string_value(json_array_get(list, k)), s) == 0;
	return found;
}

/* A code's document of kind (*doc NULL when there is none) and the record that last wrote
 * it. */
static qt_rc load_version(qt_store *s, const char *kind, const char *code, json_t **doc,
                          bool *exists, uint64_t *rec, qt_err *err)
{
	qt_rc rc = qt_doc_load_rec(s, kind, code, doc, rec, err);

	*exists = rc == QT_OK;
	return rc == QT_ERR_NOTFOUND ? QT_OK : rc;
}

/* Append s to list unless it is there or the list holds max already. */
static void remember(json_t *list, const char *s, size_t max)
{
	if (!has(list, s) && json_array_size(list) < max)
		json_array_append_new(list, json_string(s));
}

/* "A, B, C and 2 more" */
static void name_units(const json_t *units, char *out, size_t n)
{
	size_t k, used = 0;
	json_t *u;

	out[0] = '\0';
	json_array_foreach(units, k, u)
	{
		if (k == NAMED_MAX) {
			snprintf(out + used, n - used, " and %zu more", json_array_size(units) - k);
			break;
		}
		used += (size_t)snprintf(out + used, n - used, "%s%.20s", k ? ", " : "",
		                         json_string_value(u));
		if (used >= n)
			break;
	}
}

static const char *verdict_of(const json_t *reasons)
{
	size_t k;
	json_t *r;
	const char *v = json_array_size(reasons) ? "warning" : "genuine";

	json_array_foreach(reasons, k, r)
	{
		for (size_t i = 0; suspect_kinds[i]; i++)
			if (strcmp(qt_json_text(r, "kind"), suspect_kinds[i]) == 0)
				v = "suspect";
	}
	return v;
}

/* ---- the code's path ---- */

/* The units its uncorrected events name, through the cartons it travelled in. */
static qt_rc load_path(judge *j, qt_err *err)
{
	json_t *hist = NULL, *h;
	size_t k;
	qt_rc rc = qt_history(j->s, j->it->code, 0, &hist, NULL, err);

	j->path = json_array();
	json_array_foreach(rc == QT_OK ? hist : NULL, k, h)
	{
		const json_t *leaf = json_object_get(h, "leaf");
		const char *by = qt_json_text(json_object_get(leaf, "body"), "by");
		if (strncmp(qt_json_text(leaf, "type"), "event.", 6) == 0 &&
		    !json_object_get(h, "corrected_by") && *by)
			remember(j->path, by, SIZE_MAX);
	}
	json_decref(hist);
	return rc;
}

/* Whether the ledger puts the code with unit: its producer, its holder, the unit a pending
 * shipment is addressed to, or any unit that recorded an event on it. */
static qt_rc on_path(judge *j, const char *unit, bool *yes, qt_err *err)
{
	qt_rc rc = QT_OK;

	*yes = !strcmp(unit, qt_json_text(j->doc, "producer")) ||
	       !strcmp(unit, qt_json_text(j->doc, "holder")) ||
	       (j->ship && !strcmp(unit, qt_json_text(j->ship, "to")));
	if (!*yes && !j->path)
		rc = load_path(j, err);
	if (!*yes && rc == QT_OK)
		*yes = has(j->path, unit);
	return rc;
}

/* ---- the rules ---- */

/* What the code's own and its producer's state say (never issued, recalled, destroyed,
 * licence or certificate suspended or revoked, serious violations, warranty): the
 * platform's warnings, the same a consumer's scan shows. */
static qt_rc warnings(judge *j, qt_err *err)
{
	json_t *product = NULL, *producer = NULL;
	qt_rc rc = QT_OK;

	if (j->doc && *qt_json_text(j->doc, "product"))
		rc = qt_doc_load(j->s, "product", qt_json_text(j->doc, "product"), &product, err);
	if (rc == QT_OK && j->doc)
		rc = qt_doc_load(j->s, "account", qt_json_text(j->doc, "producer"), &producer, err);
	if (rc == QT_ERR_NOTFOUND) /* a carton made by packing has no product */
		rc = QT_OK;
	if (rc == QT_OK)
		rc = qt_code_warnings(j->s, j->doc, product, producer, j->reasons, err);
	json_decref(product);
	json_decref(producer);
	return rc;
}

/* Whether the ledger has the code with the checker or its supplier, and if not, why; *here
 * says whether the check is explained (the checker or its supplier has it, or the checker
 * is on its path). */
static qt_rc custody(judge *j, bool *here, qt_err *err)
{
	const char *me = j->who->id, *sup = j->supplier;
	const char *st = qt_json_text(j->doc, "status"), *holder = qt_json_text(j->doc, "holder");
	const char *from = qt_json_text(j->ship, "from"), *to = qt_json_text(j->ship, "to");
	qt_rc rc = QT_OK;

	*here = true;
	if (!strcmp(st, "sold")) {
		qt_warning_add(j->reasons, "sold", "it was already sold to a consumer by %.20s",
		               holder);
		*here = false;
	} else if (j->ship) {
		if (!strcmp(to, me) && strcmp(from, sup) != 0)
			qt_warning_add(j->reasons, "supplier_not_holder",
			               "shipment %.20s to you is from %.20s, not from %.20s",
			               qt_json_text(j->doc, "shipment"), from, sup);
		else if (strcmp(to, me) != 0)
			qt_warning_add(
			        j->reasons, "supplier_not_holder",
			        "it is in transit from %.20s to %.20s (shipment %.20s), not with "
			        "%.20s",
			        from, to, qt_json_text(j->doc, "shipment"), sup);
		if (strcmp(to, me) != 0)
			rc = on_path(j, me, here, err);
	} else if (strcmp(holder, me) != 0 && strcmp(holder, sup) != 0) {
		/* anyone but the producer holds a code only by having received it */
		if (strcmp(holder, qt_json_text(j->doc, "producer")) != 0)
			qt_warning_add(
			        j->reasons, "received_elsewhere",
			        "it was already received by %.20s, which holds it, not %.20s",
			        holder, sup);
		else
			qt_warning_add(j->reasons, "supplier_not_holder",
			               "its producer %.20s holds it, not %.20s", holder, sup);
		rc = on_path(j, me, here, err);
	}
	return rc;
}

/* The sightings document after checker's check of a code whose state document record
 * code_rec wrote last, from the one before (old, NULL for none): the checker is among those
 * since it last moved, and among those off its path unless the check was explained. */
static json_t *sightings_after(const json_t *old, uint64_t code_rec, const char *checker,
                               bool explained)
{
	/* what was checked before it last moved says nothing about where it is now */
	json_t *still = (uint64_t)json_integer_value(json_object_get(old, "epoch")) == code_rec
	                        ? json_deep_copy(json_object_get(old, "still"))
	                        : NULL,
	       *off = json_deep_copy(json_object_get(old, "off"));
	json_t *seen = json_pack("{s:I, s:o, s:o}", "epoch", (json_int_t)code_rec, "still",
	                         still ? still : json_array(), "off", off ? off : json_array());

	remember(json_object_get(seen, "still"), checker, STILL_MAX);
	if (!explained)
		remember(json_object_get(seen, "off"), checker, OFF_MAX);
	return seen;
}

/* Where the code has been checked: cloned when, this check included, two or more units
 * other than its holder checked it since it last moved (one item cannot be in two places),
 * or two or more units off its path have checked it at all. */
static qt_rc sightings(judge *j, bool here, qt_err *err)
{
	item *it = j->it;
	json_t *old = NULL, *seen = NULL, *still, *off, *away = json_array(),
	       *off_path = json_array(), *u;
	const char *holder = qt_json_text(j->doc, "holder");
	char names[200];
	size_t k;
	qt_rc rc = load_version(j->s, "sightings", it->code, &old, &it->read.seen_before,
	                        &it->read.seen_rec, err);

	if (rc != QT_OK)
		goto out;
	seen = sightings_after(old, it->read.code_rec, j->who->id, here);
	still = json_object_get(seen, "still");
	off = json_object_get(seen, "off");
	json_array_foreach(still, k, u)
	{
		if (strcmp(json_string_value(u), holder) != 0)
			json_array_append(away, u);
	}
	json_array_foreach(off, k, u)
	{
		bool yes = false;
		if (rc == QT_OK && (rc = on_path(j, json_string_value(u), &yes, err)) == QT_OK &&
		    !yes)
			json_array_append(off_path, u);
	}
	if (rc != QT_OK)
		goto out;
	if (json_array_size(away) >= 2) {
		name_units(away, names, sizeof names);
		qt_warning_add(
		        j->reasons, "cloned",
		        "since it last moved (record %llu) it was checked at %zu places that do "
		        "not hold it: %s",
		        (unsigned long long)it->read.code_rec, json_array_size(away), names);
	} else if (json_array_size(off_path) >= 2) {
		name_units(off_path, names, sizeof names);
		qt_warning_add(j->reasons, "cloned",
		               "it was checked by %zu units that are not on its path: %s",
		               json_array_size(off_path), names);
	}
out:
	json_decref(old);
	json_decref(seen);
	json_decref(away);
	json_decref(off_path);
	return rc;
}

/* Whether the code labels one physical thing (an item, a carton or pallet), which can be in
 * one place only; a batch or product code is printed on many. */
static bool one_thing(const json_t *doc)
{
	const char *g = qt_json_text(doc, "granularity");
	return !strcmp(g, "item") || !strcmp(g, "logistic");
}

/* The code's state document (none when never issued) and, in transit, its shipment. */
static qt_rc load_code(judge *j, qt_err *err)
{
	version *v = &j->it->read;
	qt_rc rc = load_version(j->s, "code", j->it->code, &j->doc, &v->issued, &v->code_rec, err);

	if (rc == QT_OK && j->doc && !strcmp(qt_json_text(j->doc, "status"), "in_transit"))
		rc = qt_doc_load(j->s, "shipment", qt_json_text(j->doc, "shipment"), &j->ship, err);
	return rc;
}

/* The verdict on one code, as of the reader's snapshot: its record body. */
static qt_rc judge_one(qt_store *s, const qt_account *who, const char *supplier, item *it,
                       qt_err *err)
{
	judge j = {.s = s, .who = who, .supplier = supplier, .it = it, .reasons = json_array()};
	bool here = true;
	qt_rc rc;

	it->read = (version){0};
	if ((rc = load_code(&j, err)) == QT_OK)
		rc = warnings(&j, err);
	if (rc != QT_OK)
		goto out;
	if (j.doc && !strcmp(qt_json_text(j.doc, "status"), "issued"))
		qt_warning_add(j.reasons, "not_commissioned",
		               "its producer %.20s has not put it in use yet",
		               qt_json_text(j.doc, "producer"));
	if (j.doc && (rc = custody(&j, &here, err)) == QT_OK && one_thing(j.doc))
		rc = sightings(&j, here, err);
	if (rc != QT_OK)
		goto out;
	/* explained: recorded, since the sightings the job keeps follow from it and it was
	 * worked out from the code's path, which only the history shows */
	it->body = json_pack("{s:s, s:s, s:s, s:s, s:O, s:b}", "checker", who->id, "supplier",
	                     supplier, "code", it->code, "verdict", verdict_of(j.reasons),
	                     "reasons", j.reasons, "explained", j.doc && here);
	if (!it->body)
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
out:
	json_decref(j.doc);
	json_decref(j.ship);
	json_decref(j.path);
	json_decref(j.reasons);
	return rc;
}

/* ---- recording ---- */

/* The lists a check is found in: its checker's, and each jurisdiction's that covers the
 * checker (national, province, city, district), each also by verdict. */
static qt_rc list_check(qt_store *s, const char *checker, const char *verdict, uint64_t rec,
                        qt_err *err)
{
	static const size_t levels[] = {0, 2, 4, 6};
	char pad[24], src[QT_ID_MAX + 16], kind[32];
	qt_rc rc = QT_OK;

	snprintf(pad, sizeof pad, "%020llu", (unsigned long long)rec);
	for (int byv = 0; byv < 2 && rc == QT_OK; byv++) {
		snprintf(kind, sizeof kind, "checks%s%s", byv ? "_" : "", byv ? verdict : "");
		snprintf(src, sizeof src, "unit:%s", checker);
		rc = s->ops->link_put(s, kind, src, pad, err);
		for (size_t l = 0; l < 4 && rc == QT_OK && strlen(checker) >= 8; l++) {
			snprintf(src, sizeof src, "region:%.*s", (int)levels[l], checker + 2);
			rc = s->ops->link_put(s, kind, src, pad, err);
		}
	}
	return rc;
}

/* Whether a and b are the same versions of a code's documents. */
static bool same_version(const version *a, const version *b)
{
	return a->issued == b->issued && a->seen_before == b->seen_before &&
	       (!a->issued || a->code_rec == b->code_rec) &&
	       (!a->seen_before || a->seen_rec == b->seen_rec);
}

/* One check record as its job applies it. */
typedef struct one_check {
	const json_t *body; /* the record's */
	bool explained;     /* whether the ledger explained the goods being there */
	const char *now;    /* the record's time */
	/* what its verdict read, which must still be current; NULL when verify applies the
	 * record again (it was accepted) */
	const version *read;
} one_check;

/* A check, inside its write (and again in verify's replay), from its record and the state
 * as it is: the code's sightings, the lists it is found in, the warnings it raises. *stale
 * when what its verdict read has moved since. */
static qt_rc apply_check(qt_store *s, const one_check *c, uint64_t rec, bool *stale, qt_err *err)
{
	const char *code = qt_json_text(c->body, "code"),
	           *checker = qt_json_text(c->body, "checker"),
	           *verdict = qt_json_text(c->body, "verdict");
	const json_t *reasons = json_object_get(c->body, "reasons");
	json_t *doc = NULL, *old = NULL, *seen = NULL;
	version now = {0};
	qt_rc rc = load_version(s, "code", code, &doc, &now.issued, &now.code_rec, err);

	if (rc == QT_OK && doc && one_thing(doc))
		rc = load_version(s, "sightings", code, &old, &now.seen_before, &now.seen_rec, err);
	if (rc == QT_OK && c->read && !same_version(c->read, &now)) {
		*stale = true;
		rc = qt_err_set(err, QT_ERR_CONFLICT,
		                "%.100s changed while it was being checked; check again", code);
	}
	if (rc == QT_OK && doc && one_thing(doc)) {
		seen = sightings_after(old, now.code_rec, checker, c->explained);
		rc = qt_doc_save(s, "sightings", code, "", seen, rec, err);
	}
	if (rc == QT_OK)
		rc = list_check(s, checker, verdict, rec, err);
	/* the goods are where they were checked: that unit's regulators look */
	if (rc == QT_OK && qt_risk_suspect_scan(verdict, reasons))
		rc = qt_risk_raise(s,
		                   &(qt_risk){"suspect_scan", code, checker,
		                              qt_json_text(doc, "product"), c->body, c->now},
		                   rec, NULL, err);
	/* the goods are with the checker, from its supplier: a holder that is neither let them
	 * go without a flow record. A copy of the label says nothing about where the item
	 * itself went. */
	if (rc == QT_OK && doc && !qt_risk_reason(reasons, "cloned")) {
		const char *explained[] = {checker, qt_json_text(c->body, "supplier")};
		char seen_in[24];
		snprintf(seen_in, sizeof seen_in, "%llu", (unsigned long long)rec);
		rc = qt_risk_flow_gap(s, doc, code, "check", seen_in, explained, 2, rec, c->now,
		                      err);
	}
	json_decref(doc);
	json_decref(old);
	json_decref(seen);
	return rc;
}

static qt_rc apply_checks(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	check_ctx *c = ctx;
	qt_rc rc = QT_OK;

	for (size_t i = 0; i < c->n && rc == QT_OK; i++) {
		const item *it = &c->items[i];
		one_check one = {it->body, json_is_true(json_object_get(it->body, "explained")),
		                 c->now, &it->read};
		rc = apply_check(s, &one, first + i, &c->stale, err);
	}
	return rc;
}

/* For a check record made before check records carried "explained": whether the check was
 * explained, worked out again as its verdict did, on the replay's store, which holds the
 * state and the records (the code's path) as the records before this one left them. */
static qt_rc explained_then(qt_store *s, const qt_replay_rec *r, bool *here, qt_err *err)
{
	qt_account checker = {0};
	item it = {0};
	judge j = {.s = s,
	           .who = &checker,
	           .supplier = qt_json_text(r->body, "supplier"),
	           .it = &it,
	           .reasons = json_array()};
	qt_rc rc;

	snprintf(checker.id, sizeof checker.id, "%s", qt_json_text(r->body, "checker"));
	snprintf(it.code, sizeof it.code, "%s", qt_json_text(r->body, "code"));
	*here = true;
	if ((rc = load_code(&j, err)) == QT_OK && j.doc)
		rc = custody(&j, here, err);
	json_decref(j.doc);
	json_decref(j.ship);
	json_decref(j.path);
	json_decref(j.reasons);
	return rc;
}

qt_rc qt_checks_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	const json_t *recorded = json_object_get(r->body, "explained");
	one_check one = {r->body, json_is_true(recorded), r->ts, NULL};
	bool stale = false;
	qt_rc rc = recorded ? QT_OK : explained_then(s, r, &one.explained, err);

	return rc == QT_OK ? apply_check(s, &one, r->index, &stale, err) : rc;
}

/* ---- the request ---- */

static void clear_verdicts(check_ctx *c)
{
	for (size_t i = 0; c->items && i < c->n; i++) {
		json_decref(c->items[i].body);
		c->items[i].body = NULL;
	}
}

/* The request's shape: a seller, a supplier's USCC that is not its own, and 1 to
 * QT_CHECK_MAX distinct codes, each canonical. */
static qt_rc parse(const qt_account *who, const json_t *body, char supplier[QT_USCC_LEN + 1],
                   item **items, size_t *n, qt_err *err)
{
	static const char *const fields[] = {"supplier", "codes", NULL};
	json_t *codes = json_object_get(body, "codes"), *c;
	char why[QT_ERR_MSG_MAX];
	size_t k;
	qt_rc rc;

	*items = NULL;
	*n = json_array_size(codes);
	if (!(who->roles & QT_ROLE_SELLER))
		return qt_err_set(err, QT_ERR_DENIED, "only a seller checks incoming goods");
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_uscc(body, "supplier", true, supplier, err)) != QT_OK)
		return rc;
	if (strcmp(supplier, who->id) == 0)
		return qt_err_set(err, QT_ERR_INVALID, "supplier: a unit does not supply itself");
	if (!json_is_array(codes) || *n == 0)
		return qt_err_set(err, QT_ERR_INVALID, "'codes' must be an array of 1 to %d codes",
		                  QT_CHECK_MAX);
	if (*n > QT_CHECK_MAX)
		return qt_err_set(err, QT_ERR_TOOBIG, "at most %d codes in one check",
		                  QT_CHECK_MAX);
	if (!(*items = calloc(*n, sizeof **items)))
		return qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	json_array_foreach(codes, k, c)
	{
		item *it = &(*items)[k];
		if (!json_is_string(c))
			return qt_err_set(err, QT_ERR_INVALID, "codes[%zu] must be a string", k);
		if (qt_code_canon(json_string_value(c), json_string_length(c), it->code, NULL,
		                  err) != QT_OK) {
			snprintf(why, sizeof why, "%s", err->msg);
			return qt_err_set(err, QT_ERR_INVALID, "codes[%zu]: %.150s", k, why);
		}
		for (size_t m = 0; m < k; m++)
			if (strcmp((*items)[m].code, it->code) == 0)
				return qt_err_set(err, QT_ERR_INVALID,
				                  "codes[%zu] is codes[%zu] again", k, m);
		snprintf(it->check_key, sizeof it->check_key, "check:%s", it->code);
		it->keys[0] = it->check_key;
		it->keys[1] = who->id;
	}
	return QT_OK;
}

/* Every verdict on one snapshot of the reader. */
static qt_rc judge_all(qt_platform *p, check_ctx *c, const char *supplier, qt_err *err)
{
	qt_store *s = qt_platform_reader(p, err);
	qt_rc rc = s ? s->ops->read_begin(s, err) : QT_ERR_IO;

	for (size_t i = 0; i < c->n && rc == QT_OK; i++)
		rc = judge_one(s, c->who, supplier, &c->items[i], err);
	if (s)
		s->ops->read_end(s);
	return rc;
}

static json_t *answer_of(const check_ctx *c, const qt_receipt *receipts)
{
	json_t *results = json_array(), *list = json_array(), *counts;
	json_int_t tally[3] = {0, 0, 0};

	for (size_t i = 0; i < c->n; i++) {
		const json_t *b = c->items[i].body;
		const char *v = qt_json_text(b, "verdict");
		for (size_t k = 0; verdicts[k]; k++)
			tally[k] += strcmp(v, verdicts[k]) == 0;
		json_array_append_new(
		        results, json_pack("{s:s, s:I, s:s, s:O}", "code", c->items[i].code,
		                           "index", (json_int_t)(receipts[0].index + i), "verdict",
		                           v, "reasons", json_object_get(b, "reasons")));
	}
	counts = json_pack("{s:I, s:I, s:I}", "genuine", tally[0], "warning", tally[1], "suspect",
	                   tally[2]);
	json_array_append_new(list, qt_receipt_json(&receipts[0]));
	if (c->n > 1)
		json_array_append_new(list, qt_receipt_json(&receipts[1]));
	return json_pack("{s:I, s:I, s:o, s:o, s:o}", "checked", (json_int_t)c->n, "first_index",
	                 (json_int_t)receipts[0].index, "counts", counts, "results", results,
	                 "receipts", list);
}

qt_rc qt_check_submit(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                      qt_err *err)
{
	check_ctx c = {.who = who};
	char supplier[QT_USCC_LEN + 1];
	qt_record *recs = NULL;
	qt_receipt receipts[2];
	qt_rc rc = parse(who, body, supplier, &c.items, &c.n, err);

	*answer = NULL;
	if (rc == QT_OK && !(recs = calloc(c.n, sizeof *recs)))
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	/* a code that moved (or was checked elsewhere) meanwhile is judged again */
	for (int t = 0; rc == QT_OK && t < TRIES; t++) {
		c.stale = false;
		clear_verdicts(&c);
		if ((rc = judge_all(p, &c, supplier, err)) != QT_OK)
			break;
		qt_time_now(c.now);
		for (size_t i = 0; i < c.n; i++)
			recs[i] = (qt_record){.type = "check",
			                      .body = c.items[i].body,
			                      .keys = c.items[i].keys,
			                      .n_keys = 2,
			                      .ts = c.now};
		rc = qt_ledger_submit_job_ends(p->ledger, recs, c.n, apply_checks, &c, receipts,
		                               err);
		if (rc == QT_OK || !c.stale)
			break;
		rc = QT_OK;
	}
	if (rc == QT_OK && c.stale)
		rc = qt_err_set(err, QT_ERR_CONFLICT,
		                "the codes kept moving while they were checked; check again");
	if (rc == QT_OK && !(*answer = answer_of(&c, receipts)))
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	clear_verdicts(&c);
	free(c.items);
	free(recs);
	return rc;
}

/* ---- the risk view's list ---- */

static json_t *listed_check(qt_store *s, uint64_t idx, qt_buf *leaf, qt_err *err)
{
	json_t *l = NULL, *b, *row = NULL;

	qt_buf_reset(leaf);
	if (s->ops->record_get(s, idx, leaf, NULL, err) == QT_OK &&
	    (l = qt_json_parse(leaf->p, leaf->len, NULL)) != NULL) {
		b = json_object_get(l, "body");
		row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:O}", "index", (json_int_t)idx,
		                "ts", qt_json_text(l, "ts"), "checker", qt_json_text(b, "checker"),
		                "supplier", qt_json_text(b, "supplier"), "code",
		                qt_json_text(b, "code"), "verdict", qt_json_text(b, "verdict"),
		                "reasons", json_object_get(b, "reasons"));
	}
	json_decref(l);
	return row;
}

qt_rc qt_check_list(qt_store *s, const qt_account *who, const char *unit, const char *verdict,
                    const char *after, size_t limit, json_t **answer, qt_err *err)
{
	json_t *keys = json_array(), *items = json_array(), *k;
	char src[QT_ID_MAX + 16], kind[32];
	size_t found = 0, i, v;
	qt_buf leaf;
	qt_rc rc = QT_OK;

	*answer = NULL;
	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX + 1);
	for (v = 0; verdict && verdicts[v] && strcmp(verdicts[v], verdict) != 0; v++)
		;
	if (verdict && !verdicts[v]) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'verdict' must be genuine, warning or suspect");
		goto out;
	}
	if (unit && strcmp(unit, who->id) != 0 && !qt_regulates(who, unit)) {
		rc = qt_err_set(err, QT_ERR_DENIED,
		                "you may list your own checks, or a regulator those of units in "
		                "its jurisdiction");
		goto out;
	}
	if (unit || !(who->roles & QT_ROLE_REGULATOR))
		snprintf(src, sizeof src, "unit:%.40s", unit ? unit : who->id);
	else
		snprintf(src, sizeof src, "region:%s", who->jurisdiction);
	snprintf(kind, sizeof kind, "checks%s%s", verdict ? "_" : "", verdict ? verdict : "");
	rc = s->ops->link_list(s, kind, src, after ? after : "", limit, qt_link_collect, keys,
	                       &found, err);
	json_array_foreach(keys, i, k)
	{
		json_t *row;
		if (rc != QT_OK)
			break;
		row = listed_check(s, strtoull(json_string_value(k), NULL, 10), &leaf, err);
		if (!row)
			rc = qt_err_set(err, QT_ERR_IO, "check record %.24s cannot be read",
			                json_string_value(k));
		json_array_append_new(items, row);
	}
	if (rc != QT_OK)
		goto out;
	*answer = json_pack("{s:O}", "checks", items);
	if (found == limit)
		json_object_set(*answer, "next", json_array_get(keys, found - 1));
out:
	qt_buf_free(&leaf);
	json_decref(keys);
	json_decref(items);
	return rc;
}
