/* replay.c — verify's rebuild of the state: what a scan, a trace or a recall answers is read
 * from documents and links that the log does not hold, so every record is applied again by
 * its writer's own code into a scratch store, and that state must be the one the store holds.
 * A holder, status or recall changed in the file, or a link added or dropped, is caught. */
#include "core/replay.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/log.h"
#include "util/json_parse.h"

/* records applied again per scratch transaction: the documents they rewrite are held
 * until it commits */
#define TXN_RECORDS     65536
#define PROGRESS        10000               /* records or documents between two progress calls */
#define DOC_CACHE_BYTES ((size_t)256 << 20) /* documents held by the scratch store */

/* The writers, by record type. */
static const struct writer {
	const char *type;
	qt_replay_fn fn;
} writers[] = {
        {"unit.register", qt_accounts_replay},
        {"account.add", qt_accounts_replay},
        {"catalog.add", qt_catalog_replay},
        {"product.register", qt_products_replay},
        {"batch.register", qt_batches_replay},
        {"licence.status", qt_standing_replay},
        {"credit.listing", qt_standing_replay},
        {"announcement", qt_announce_replay},
        {"code.issue", qt_codes_replay},
        {"event.commission", qt_events_replay},
        {"event.pack", qt_events_replay},
        {"event.unpack", qt_events_replay},
        {"event.ship", qt_events_replay},
        {"event.receive", qt_events_replay},
        {"event.retail", qt_events_replay},
        {"event.return", qt_events_replay},
        {"event.recall", qt_events_replay},
        {"event.destroy", qt_events_replay},
        {"event.correct", qt_events_replay},
        {"recall.open", qt_recall_replay},
        {"recall.progress", qt_recall_replay},
        {"recall.close", qt_recall_replay},
        {"check", qt_checks_replay},
        {"complaint.file", qt_complaints_replay},
        {"complaint.update", qt_complaints_replay},
        {"warning.update", qt_risk_replay},
        {"sampling", qt_sampling_replay},
        {"draw", qt_draw_replay},
        {NULL, NULL},
};

/* The kinds of document and link compared: those whose every writer is replayed above.
 * Tokens never are: the secret they are the hash of is in no record (see check_token). */
static const char *const doc_kinds[] = {"account",        "catalog",      "gtin",     "batchno",
                                        "licence_status", "credit",       "product",  "batch",
                                        "shipment",       "correction",   "code",     "recall",
                                        "sightings",      "complaint",    "sampling", "draw",
                                        "warning",        "announcement", NULL};
static const char *const link_kinds[] = {"product_batches",
                                         "batches_by_date",
                                         "batch_codes",
                                         "product_codes",
                                         "children",
                                         "shipments_out",
                                         "shipments_in",
                                         "shipments_pending_out",
                                         "shipments_pending_in",
                                         "batch_holders",
                                         "recalls",
                                         "recall_codes",
                                         "recall_returned",
                                         "recall_destroyed",
                                         "checks",
                                         "checks_genuine",
                                         "checks_warning",
                                         "checks_suspect",
                                         "complaints",
                                         "product_complaints",
                                         "samplings",
                                         "unit_samplings",
                                         "product_samplings",
                                         "batch_samplings",
                                         "recorder_samplings",
                                         "unit_fails",
                                         "warnings",
                                         "announcements",
                                         NULL};

static bool listed(const char *const *list, const char *kind)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], kind) == 0)
			return true;
	return false;
}

qt_rc qt_replay_parse(uint64_t idx, const void *leaf, size_t n, const void *sealed,
                      size_t sealed_len, json_t **out, qt_err *err)
{
	const uint8_t *p = sealed, *end = p ? p + sealed_len : NULL;
	qt_sealed_field f;
	json_t *rec = qt_json_parse(leaf, n, NULL), *body = json_object_get(rec, "body");

	*out = NULL;
	if (!json_is_object(body)) {
		json_decref(rec);
		return qt_err_set(err, QT_ERR_INVALID, "record %" PRIu64 " is not a record", idx);
	}
	while (p && p < end && qt_sealed_next(&p, end, &f)) {
		char name[sizeof f.field];
		snprintf(name, sizeof name, "%.*s", (int)f.field_len, f.field);
		json_object_set_new(
		        body, name,
		        json_loadb((const char *)f.value, f.value_len, JSON_DECODE_ANY, NULL));
	}
	*out = rec;
	return QT_OK;
}

bool qt_replay_leaf_type(const uint8_t *leaf, size_t n, char *out, size_t outsz)
{
	static const char tag[] = "\"type\":\"";
	size_t end, start;

	if (n < sizeof tag + 2 || leaf[n - 1] != '}' || leaf[n - 2] != '"')
		return false;
	end = n - 2;
	for (start = end; start > 0 && leaf[start - 1] != '"'; start--)
		;
	if (start < sizeof tag - 1 || end - start >= outsz ||
	    memcmp(leaf + start - (sizeof tag - 1), tag, sizeof tag - 1) != 0)
		return false;
	memcpy(out, leaf + start, end - start);
	out[end - start] = '\0';
	return true;
}

qt_rc qt_replay_who(qt_store *s, const qt_replay_rec *r, qt_account *out, qt_err *err)
{
	const char *id = qt_json_text(r->body, "by");
	qt_rc rc = qt_accounts_get(s, id, out, err);
	if (rc == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, QT_ERR_INVALID, "its author %.60s was not registered then",
		                id);
	return rc;
}

/* Apply record row again into scratch. */
static qt_rc apply_again(qt_store *log, qt_store *scratch, const qt_store_row *row, bool *done,
                         char unknown[128], qt_err *err)
{
	char type[QT_LEDGER_TYPE_MAX + 1];
	const struct writer *w = writers;
	json_t *rec = NULL;
	qt_replay_rec r;
	qt_rc rc;

	*done = false;
	qt_replay_store_at(scratch, row->a);
	if (!qt_replay_leaf_type(row->blob1, row->len1, type, sizeof type))
		return qt_err_set(err, QT_ERR_INVALID, "record %" PRIu64 " is not a record",
		                  row->a);
	while (w->type && strcmp(w->type, type) != 0)
		w++;
	if ((rc = qt_replay_parse(row->a, row->blob1, row->len1, row->blob3, row->len3, &rec,
	                          err)) != QT_OK)
		goto out;
	r = (qt_replay_rec){.index = row->a,
	                    .type = type,
	                    .body = json_object_get(rec, "body"),
	                    .keys = json_object_get(rec, "keys"),
	                    .ts = qt_json_text(rec, "ts"),
	                    .log = log};
	if (w->fn && (rc = w->fn(scratch, &r, err)) != QT_OK && rc != QT_ERR_NOMEM) {
		char why[QT_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "record %" PRIu64 " (%s) cannot be applied again: %.140s", row->a,
		                type, why);
	}
	*done = rc == QT_OK && w->fn;
	/* a type this qtrace does not know (a newer one wrote it) makes no state here: if it
	 * made any, the comparison says where, and names the first such record */
	if (rc == QT_OK && !w->fn && !*unknown)
		snprintf(unknown, 128,
		         "record %" PRIu64 " is of type %.40s, which this qtrace "
		         "does not know",
		         row->a, type);
out:
	json_decref(rec);
	return rc;
}

static qt_rc apply_all(qt_store *log, qt_store *scratch, uint64_t count,
                       qt_replay_progress_fn progress, qt_replay_result *res, qt_err *err)
{
	qt_store_iter *it = NULL;
	qt_store_row row;
	size_t in_txn = 0;
	bool done;
	qt_rc rc = log->ops->scan(log, QT_SCAN_RECORDS, 0, &it, err);

	while (rc == QT_OK && (rc = log->ops->next(it, &row, err)) == QT_OK && row.a < count) {
		if (in_txn == 0 && (rc = scratch->ops->begin(scratch, err)) != QT_OK)
			break;
		in_txn++;
		if ((rc = apply_again(log, scratch, &row, &done, res->unknown, err)) != QT_OK)
			break;
		res->records += done;
		if (in_txn == TXN_RECORDS) {
			in_txn = 0;
			rc = scratch->ops->commit(scratch, err);
		}
		if (progress && (row.a + 1) % PROGRESS == 0)
			progress("applying the records again", row.a + 1);
	}
	if (rc == QT_ERR_NOTFOUND || (rc == QT_OK && row.a >= count))
		rc = QT_OK;
	if (in_txn && rc == QT_OK)
		rc = scratch->ops->commit(scratch, err);
	else if (in_txn)
		scratch->ops->rollback(scratch);
	if (it)
		log->ops->scan_close(it);
	return rc;
}

/* The name of the first top-level member in which two documents differ. */
static const char *first_difference(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	if (!json_is_object(a) || !json_is_object(b))
		return "body";
	json_object_foreach((json_t *)a, k, v) if (!json_equal(v, json_object_get(b, k))) return k;
	json_object_foreach((json_t *)b, k, v) if (!json_object_get(a, k)) return k;
	return "body";
}

/* The same document in both stores: the same owner, writer and body. */
static qt_rc same_doc(const qt_store_row *a, const qt_store_row *b, qt_err *err)
{
	json_t *ja, *jb;
	const char *what;
	qt_rc rc = QT_OK;

	if (a->len1 != b->len1 || (a->len1 && memcmp(a->blob1, b->blob1, a->len1) != 0))
		return qt_err_set(err, QT_ERR_INVALID,
		                  "document %s %.80s: its owner is \"%.*s\", not \"%.*s\" as its "
		                  "records make it",
		                  a->text1, a->text2, (int)(a->len1 > 40 ? 40 : a->len1),
		                  a->len1 ? (const char *)a->blob1 : "",
		                  (int)(b->len1 > 40 ? 40 : b->len1),
		                  b->len1 ? (const char *)b->blob1 : "");
	if (a->a != b->a)
		return qt_err_set(err, QT_ERR_INVALID,
		                  "document %s %.80s: it names record %" PRIu64
		                  " as its writer, not %" PRIu64 " as its records make it",
		                  a->text1, a->text2, a->a, b->a);
	if (a->len2 == b->len2 && (!a->len2 || memcmp(a->blob2, b->blob2, a->len2) == 0))
		return QT_OK;
	ja = qt_json_parse((const char *)a->blob2, a->len2, NULL);
	jb = qt_json_parse((const char *)b->blob2, b->len2, NULL);
	if (!ja || !jb || !json_equal(ja, jb)) {
		what = ja && jb ? first_difference(ja, jb) : "body";
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "document %s %.80s: its %.40s differs from what record %" PRIu64
		                " and those before it make",
		                a->text1, a->text2, what, b->a);
	}
	json_decref(ja);
	json_decref(jb);
	return rc;
}

/* A token's hash is in no record (the token is a secret), so it cannot be made again: its
 * document must belong to an account the records make, and have been written with it. */
static qt_rc check_token(qt_store *scratch, const qt_store_row *t, qt_err *err)
{
	char owner[QT_ID_MAX];
	uint64_t arec = 0;
	json_t *body = qt_json_parse((const char *)t->blob2, t->len2, NULL);
	qt_rc rc;

	snprintf(owner, sizeof owner, "%.*s", (int)(t->len1 < QT_ID_MAX ? t->len1 : 0),
	         t->len1 ? (const char *)t->blob1 : "");
	rc = scratch->ops->doc_get(scratch, "account", owner, NULL, NULL, &arec, err);
	if (rc == QT_ERR_NOTFOUND)
		rc = qt_err_set(err, QT_ERR_INVALID, "document token %.70s belongs to no account",
		                t->text2);
	else if (rc == QT_OK && (strcmp(qt_json_text(body, "account"), owner) != 0 ||
	                         json_object_size(body) != 1 || t->a != arec))
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "document token %.70s is not the token its account was made with",
		                t->text2);
	json_decref(body);
	return rc;
}

/* A document of a kind that is not compared (a token, or a kind of a newer qtrace) must at
 * least name a writer the ledger holds. */
static qt_rc check_uncompared(qt_store *scratch, uint64_t count, const qt_store_row *row,
                              qt_err *err)
{
	if (strcmp(row->text1, "token") == 0)
		return check_token(scratch, row, err);
	if (row->a >= count)
		return qt_err_set(err, QT_ERR_INVALID,
		                  "document %s %.80s names record %" PRIu64
		                  " as its writer, which the ledger does not hold",
		                  row->text1, row->text2, row->a);
	return QT_OK;
}

/* Next row of a scan of a compared kind; *at_end when none is left. The store's own rows
 * of other kinds (scratch NULL for the scratch store's) are checked as they go by. */
static qt_rc next_compared(qt_store *s, qt_store_iter *it, const char *const *kinds,
                           qt_store *scratch, uint64_t count, qt_store_row *row, bool *at_end,
                           qt_err *err)
{
	qt_rc rc;
	while ((rc = s->ops->next(it, row, err)) == QT_OK && !listed(kinds, row->text1))
		if (scratch && kinds == doc_kinds &&
		    (rc = check_uncompared(scratch, count, row, err)) != QT_OK)
			return rc;
	*at_end = rc == QT_ERR_NOTFOUND;
	return *at_end ? QT_OK : rc;
}

/* Compare one kind of state (docs or links) of the two stores, both in key order. */
static qt_rc compare(qt_store *log, qt_store *scratch, uint64_t count, qt_store_scan_kind kind,
                     qt_replay_progress_fn progress, uint64_t *n, qt_err *err)
{
	const char *const *kinds = kind == QT_SCAN_DOCS ? doc_kinds : link_kinds;
	const char *what = kind == QT_SCAN_DOCS ? "document" : "link";
	qt_store_iter *ia = NULL, *ib = NULL;
	qt_store_row a, b;
	bool a_end = false, b_end = false;
	qt_rc rc;

	if ((rc = log->ops->scan(log, kind, 0, &ia, err)) != QT_OK ||
	    (rc = scratch->ops->scan(scratch, kind, 0, &ib, err)) != QT_OK ||
	    (rc = next_compared(log, ia, kinds, scratch, count, &a, &a_end, err)) != QT_OK ||
	    (rc = next_compared(scratch, ib, kinds, NULL, count, &b, &b_end, err)) != QT_OK)
		goto out;
	while (rc == QT_OK && !(a_end && b_end)) {
		int c = a_end ? 1 : b_end ? -1 : strcmp(a.text1, b.text1);
		if (c == 0)
			c = strcmp(a.text2, b.text2);
		if (c == 0 && kind == QT_SCAN_LINKS) {
			size_t m = a.len1 < b.len1 ? a.len1 : b.len1;
			c = m ? memcmp(a.blob1, b.blob1, m) : 0;
			if (c == 0)
				c = a.len1 < b.len1 ? -1 : a.len1 > b.len1;
		}
		if (c < 0) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "%s %s %.80s%s%.*s is in the store, but no record made it",
			                what, a.text1, a.text2, kind == QT_SCAN_LINKS ? " -> " : "",
			                kind == QT_SCAN_LINKS ? (int)(a.len1 > 80 ? 80 : a.len1)
			                                      : 0,
			                a.len1 ? (const char *)a.blob1 : "");
			break;
		}
		if (c > 0) {
			if (kind == QT_SCAN_DOCS)
				rc = qt_err_set(err, QT_ERR_INVALID,
				                "document %s %.80s is missing: record %" PRIu64
				                " made it",
				                b.text1, b.text2, b.a);
			else
				rc = qt_err_set(
				        err, QT_ERR_INVALID,
				        "link %s %.80s -> %.*s is missing: its records make it",
				        b.text1, b.text2, (int)(b.len1 > 80 ? 80 : b.len1),
				        b.len1 ? (const char *)b.blob1 : "");
			break;
		}
		if (kind == QT_SCAN_DOCS && (rc = same_doc(&a, &b, err)) != QT_OK)
			break;
		if (++*n % PROGRESS == 0 && progress)
			progress(kind == QT_SCAN_DOCS ? "comparing documents" : "comparing links",
			         *n);
		if ((rc = next_compared(log, ia, kinds, scratch, count, &a, &a_end, err)) == QT_OK)
			rc = next_compared(scratch, ib, kinds, NULL, count, &b, &b_end, err);
	}
out:
	if (ia)
		log->ops->scan_close(ia);
	if (ib)
		scratch->ops->scan_close(ib);
	return rc;
}

qt_rc qt_replay_verify(qt_store *s, qt_replay_progress_fn progress, qt_replay_result *res,
                       qt_err *err)
{
	qt_store_opts so = {.create = true, .scratch = true};
	qt_store *scratch = NULL;
	uint64_t count = 0;
	bool reading = false;
	qt_rc rc = QT_OK;

	*res = (qt_replay_result){0};
	/* SQLite's own temporary database (an empty name): a file in $TMPDIR that is removed as
	 * soon as it is made, so a verify stopped by Ctrl-C or killed leaves no scratch store of
	 * gigabytes behind, as one of our own naming did */
	if ((rc = qt_store_open("", &so, &scratch, err)) != QT_OK ||
	    (rc = qt_replay_store_open(scratch, s, DOC_CACHE_BYTES, &scratch, err)) != QT_OK ||
	    (rc = s->ops->read_begin(s, err)) != QT_OK)
		goto out;
	reading = true;
	if ((rc = s->ops->record_count(s, &count, err)) != QT_OK ||
	    (rc = apply_all(s, scratch, count, progress, res, err)) != QT_OK ||
	    (rc = compare(s, scratch, count, QT_SCAN_DOCS, progress, &res->docs, err)) != QT_OK)
		goto out;
	rc = compare(s, scratch, count, QT_SCAN_LINKS, progress, &res->links, err);
out:
	if (rc == QT_ERR_INVALID && *res->unknown) {
		char why[QT_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		qt_err_set(err, rc, "%.110s (%.85s)", why, res->unknown);
	}
	if (reading)
		s->ops->read_end(s);
	if (scratch)
		scratch->ops->close(scratch);
	return rc;
}
