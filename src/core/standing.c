/* standing.c — what regulators record about a producer's standing: a production licence or
 * CCC certificate suspended, revoked or valid again, and a unit put on or taken off the
 * serious-violation list (严重违法失信名单). Each is a ledger record; every scan of the
 * producer's codes shows it at once (public.c's warnings). */
#include <stdio.h>
#include <string.h>

#include "codes/code.h"
#include "codes/uscc.h"
#include "core/replay.h"
#include "core/risk.h"
#include "core/scan.h"

typedef struct standing {
	const qt_account *who;
	const char *unit;   /* the producer or listed unit */
	const char *number; /* licence / certificate number; NULL for the list */
	const char *field;  /* the product field that carries number */
	json_t *doc;        /* the state to keep */
	char subject[128];  /* a warning's: "<number> <status> <date>" */
	char now[32];       /* the record's time */
} standing;

static qt_rc check_unit(qt_store *s, const standing *st, qt_err *err)
{
	qt_rc rc = s->ops->doc_get(s, "account", st->unit, NULL, NULL, NULL, err);
	if (rc == QT_ERR_NOTFOUND)
		return qt_err_set(err, QT_ERR_INVALID, "no unit %.40s is registered", st->unit);
	if (rc == QT_OK && !qt_regulates(st->who, st->unit))
		rc = qt_err_set(err, QT_ERR_DENIED, "unit %.40s is outside your jurisdiction",
		                st->unit);
	return rc;
}

/* In the transaction: the producer is the regulator's, and (for a certificate) one of its
 * products carries the number. */
static qt_rc apply_standing(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	standing *st = ctx;
	json_t *products = json_array(), *pr;
	const char *product = NULL; /* the first product that carries the number */
	size_t found = 0, i;
	bool carried = !st->number;
	qt_rc rc = check_unit(s, st, err);

	if (rc == QT_OK && st->number)
		rc = s->ops->doc_list(s, "product", st->unit, NULL, 10000, qt_doc_collect, products,
		                      &found, err);
	json_array_foreach(products, i, pr)
	{
		bool here = strcmp(qt_json_text(pr, st->field), st->number) == 0;
		if (here && !carried)
			product = qt_json_text(pr, "id");
		carried |= here;
	}
	if (rc == QT_OK && !carried)
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "no product of %.40s carries %s %.40s: check the number", st->unit,
		                st->field, st->number);
	if (rc == QT_OK)
		rc = qt_doc_save(s, st->number ? "licence_status" : "credit",
		                 st->number ? st->number : st->unit, st->unit, st->doc, first, err);
	/* the subject is the number in that status from that date: suspended, then revoked is
	 * news again */
	if (rc == QT_OK && st->number && qt_risk_licence_revoked(qt_json_text(st->doc, "status")))
		rc = qt_risk_raise(s,
		                   &(qt_risk){"licence_revoked", st->subject, st->unit, product,
		                              st->doc, st->now},
		                   first, NULL, err);
	json_decref(products);
	return rc;
}

static qt_rc record(qt_platform *p, standing *st, const char *type, json_t **answer, qt_err *err)
{
	const char *keys[2] = {st->unit, st->number};
	qt_record rec = {.type = type,
	                 .body = st->doc,
	                 .keys = keys,
	                 .n_keys = st->number ? 2 : 1,
	                 .ts = st->now};
	qt_receipt receipt;
	qt_rc rc;

	qt_time_now(st->now);
	rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_standing, st, &receipt, err);

	if (rc == QT_OK)
		*answer = json_pack("{s:O, s:o}", type[0] == 'l' ? "licence" : "listing", st->doc,
		                    "receipt", qt_receipt_json(&receipt));
	return rc;
}

qt_rc qt_standing_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	bool licence = strcmp(r->type, "licence.status") == 0;
	qt_account who;
	standing st = {.who = &who,
	               .unit = qt_json_text(r->body, licence ? "producer" : "unit"),
	               .number = licence ? qt_json_text(r->body, "number") : NULL,
	               .field = strcmp(qt_json_text(r->body, "kind"), "ccc") ? "licence_no"
	                                                                     : "ccc_no",
	               .doc = r->body};
	qt_rc rc = qt_replay_who(s, r, &who, err);

	snprintf(st.subject, sizeof st.subject, "%s %s %s", qt_json_text(r->body, "number"),
	         qt_json_text(r->body, "status"), qt_json_text(r->body, "date"));
	snprintf(st.now, sizeof st.now, "%s", r->ts);
	return rc == QT_OK ? apply_standing(&st, s, r->index, err) : rc;
}

/* The date a standing took effect: given, or today (in China, as every date the platform is
 * told). A revocation is recorded once it has happened: a date to come would be shown as a
 * fact at once. */
static qt_rc effective(const json_t *body, char today[11], const char **date, qt_err *err)
{
	qt_rc rc = qt_json_past_date(body, "date", false, today, date, err);
	if (rc == QT_OK && !*date)
		*date = today;
	return rc;
}

qt_rc qt_standing_licence(qt_platform *p, const qt_account *who, const json_t *body,
                          json_t **answer, qt_err *err)
{
	static const char *const fields[] = {"producer", "number", "status",
	                                     "date",     "reason", NULL};
	const char *number, *status, *date, *reason;
	char today[11], producer[QT_USCC_LEN + 1];
	qt_licence lic;
	qt_code ccc;
	qt_err e2;
	standing st = {.who = who};
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_uscc(body, "producer", true, producer, err)) != QT_OK ||
	    (rc = qt_json_str(body, "number", 64, true, &number, err)) != QT_OK ||
	    (rc = qt_json_str(body, "status", 20, true, &status, err)) != QT_OK ||
	    (rc = qt_json_str(body, "reason", QT_TEXT_MAX, false, &reason, err)) != QT_OK ||
	    (rc = effective(body, today, &date, err)) != QT_OK)
		return rc;
	if (strcmp(status, "valid") && strcmp(status, "suspended") && strcmp(status, "revoked") &&
	    strcmp(status, "expired"))
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'status' must be \"valid\", \"suspended\", "
		                  "\"revoked\" or \"expired\"");
	/* an expiry is a fact of the calendar; suspending or revoking is a decision */
	if ((!strcmp(status, "suspended") || !strcmp(status, "revoked")) && !reason)
		return qt_err_set(err, QT_ERR_INVALID, "'reason' is required to %s a %s",
		                  status[0] == 's' ? "suspend" : "revoke",
		                  "licence or certificate");
	/* the number as products carry it: a licence's canonical form, or the 16 digits */
	if (qt_licence_parse(number, strlen(number), &lic, &e2) == QT_OK) {
		number = lic.number;
		st.field = "licence_no";
	} else if (qt_code_parse(number, strlen(number), NULL, &ccc, &e2) == QT_OK &&
	           ccc.scheme == QT_SCHEME_CCC) {
		number = ccc.ccc_number;
		st.field = "ccc_no";
	} else {
		return qt_err_set(err, QT_ERR_INVALID,
		                  "'number' is neither a production licence (XK…) nor a CCC "
		                  "certificate number");
	}
	st.unit = producer;
	st.number = number;
	st.doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "kind",
	                   st.field[0] == 'l' ? "licence" : "ccc", "producer", producer, "status",
	                   status, "date", date, "by", who->id);
	if (reason)
		json_object_set_new(st.doc, "reason", json_string(reason));
	snprintf(st.subject, sizeof st.subject, "%s %s %s", number, status, date);
	rc = record(p, &st, "licence.status", answer, err);
	json_decref(st.doc);
	return rc;
}

qt_rc qt_standing_credit(qt_platform *p, const qt_account *who, const json_t *body, json_t **answer,
                         qt_err *err)
{
	static const char *const fields[] = {"unit", "listed", "date", "reason", NULL};
	const char *date, *reason;
	char today[11], unit[QT_USCC_LEN + 1];
	bool listed;
	standing st = {.who = who};
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_uscc(body, "unit", true, unit, err)) != QT_OK ||
	    (rc = qt_json_str(body, "reason", QT_TEXT_MAX, false, &reason, err)) != QT_OK ||
	    (rc = effective(body, today, &date, err)) != QT_OK)
		return rc;
	if (!json_is_boolean(json_object_get(body, "listed")))
		return qt_err_set(err, QT_ERR_INVALID, "'listed' must be true or false");
	listed = json_is_true(json_object_get(body, "listed"));
	if (listed && !reason)
		return qt_err_set(err, QT_ERR_INVALID, "'reason' is required to list a unit");
	st.unit = unit;
	st.doc = json_pack("{s:s, s:b, s:s, s:s}", "unit", unit, "listed", listed, "date", date,
	                   "by", who->id);
	if (reason)
		json_object_set_new(st.doc, "reason", json_string(reason));
	rc = record(p, &st, "credit.listing", answer, err);
	json_decref(st.doc);
	return rc;
}
