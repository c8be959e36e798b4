/* history.c — what happened to one code, read back from the ledger: its own records, and the
 * records of each carton or pallet while it was packed in one (a carton's ship moved the
 * goods inside it). Every public answer about a code (view, check, trace) starts here, so
 * each step it shows carries the ledger index that proves it. */
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"
#include "core/trace.h"
#include "util/json_parse.h"

#define HISTORY_DEPTH 8 /* cartons in pallets in containers: deeper nesting is not followed */
#define PAGE          256

typedef struct walk {
	qt_store *s;
	json_t *out;
	size_t max;
	bool truncated;
} walk;

/* The array of strings whose '[' is at p[i]: the index of its closing ']', or 0 when it is
 * not one. *listed says whether want (quoted, wn bytes) is one of its elements. */
static size_t strings_end(const char *p, size_t n, size_t i, const char *want, size_t wn,
                          bool *listed)
{
	*listed = false;
	if (++i < n && p[i] == ']')
		return i;
	while (i < n && p[i] == '"') {
		size_t e = qt_json_string_end(p, n, i + 1) + 1; /* past the closing quote */
		if (e > n)
			return 0;
		if (e - i == wn && !memcmp(p + i, want, wn))
			*listed = true;
		if (e < n && p[e] == ']')
			return e;
		if (e >= n || p[e] != ',')
			return 0;
		i = e + 1;
	}
	return 0;
}

/* Cuts the leaf's bytes [from, to), keeping its NUL. */
static void cut(qt_buf *leaf, size_t from, size_t to)
{
	memmove(leaf->p + from, leaf->p + to, leaf->len - to + 1);
	leaf->len -= to - from;
}

/* A record's leaf as JSON, as the readers of a history need it: without its index keys
 * (they name again the codes its body lists), and with the body's codes list reduced to
 * code itself when it is listed ([] otherwise): readers only ask whether a record names the
 * code, and a commission, pack or code.issue record lists up to 64, which were nearly all of
 * its bytes and of the time to parse it. The ledger writes a leaf as
 * {"body":{…},"keys":[…],…} in JCS (ledger/log.c): no spaces, so one walk over the body's
 * members finds its own "codes" and its end, with one memchr per string. A leaf that is not
 * laid out so is read whole. */
static json_t *parse_leaf(qt_buf *leaf, const char *code)
{
	static const char body[] = "{\"body\":{", keys[] = ",\"keys\":[", codes[] = "\"codes\"";
	char quoted[QT_CODE_CANON_MAX + 3];
	const char *p = leaf->p;
	size_t n = leaf->len, i = sizeof body - 1, open = 0, close = 0, keys_end = 0, qn;
	bool listed = false, seen, laid_out = n > i && !memcmp(p, body, i);

	qn = (size_t)snprintf(quoted, sizeof quoted, "\"%s\"", code);
	while (laid_out && qn < sizeof quoted && p[i] != '}') {
		size_t k = p[i] == '"' ? qt_json_string_end(p, n, i + 1) + 1 : n + 1;
		bool is_codes = k == i + sizeof codes - 1 && !memcmp(p + i, codes, k - i);
		if (k >= n || p[k] != ':') {
			laid_out = false;
			break;
		}
		i = k + 1;
		if (is_codes && p[i] == '[' && (k = strings_end(p, n, i, quoted, qn, &seen))) {
			open = i + 1;
			close = k;
			listed = seen;
			i = k + 1;
		} else if ((i = qt_json_value_end(p, n, i)) >= n) {
			laid_out = false;
			break;
		}
		if (p[i] == ',')
			i++;
		else if (p[i] != '}')
			laid_out = false;
	}
	/* i is at the body's '}': its index keys follow */
	if (laid_out && qn < sizeof quoted && !strncmp(p + i + 1, keys, sizeof keys - 1))
		keys_end = strings_end(p, n, i + sizeof keys - 1, "", 0, &seen);
	if (keys_end)
		cut(leaf, i + 1, keys_end + 1);
	if (laid_out && close) {
		/* [first element .. ']') becomes the code, or nothing */
		cut(leaf, open, close);
		if (listed) {
			memmove(leaf->p + open + qn, leaf->p + open, leaf->len - open + 1);
			memcpy(leaf->p + open, quoted, qn);
			leaf->len += qn;
		}
	}
	return qt_json_parse(leaf->p, leaf->len, NULL);
}

/* The record that voided record idx, or 0. */
static uint64_t corrected_by(qt_store *s, uint64_t idx)
{
	char id[24];
	json_t *fix = NULL;
	uint64_t by = 0;

	snprintf(id, sizeof id, "%llu", (unsigned long long)idx);
	/* nearly every record has none: no message is written for that (err NULL) */
	if (qt_doc_load(s, "correction", id, &fix, NULL) == QT_OK)
		by = (uint64_t)json_integer_value(json_object_get(fix, "record"));
	json_decref(fix);
	return by;
}

static qt_rc add(walk *w, uint64_t idx, json_t *leaf, const char *via, uint64_t fix)
{
	json_t *e = json_pack("{s:I, s:O}", "index", (json_int_t)idx, "leaf", leaf);

	if (!e)
		return QT_ERR_NOMEM;
	if (via)
		json_object_set_new(e, "via", json_string(via));
	if (fix)
		json_object_set_new(e, "corrected_by", json_integer((json_int_t)fix));
	json_array_append_new(w->out, e);
	return QT_OK;
}

/* Record idx as JSON, and the record that voided it (0: none). */
static qt_rc load_record(qt_store *s, uint64_t idx, const char *code, qt_buf *leaf, json_t **out,
                         uint64_t *fix, qt_err *err)
{
	qt_rc rc = s->ops->record_get(s, idx, leaf, NULL, err);

	*out = NULL;
	if (rc == QT_OK && !(*out = parse_leaf(leaf, code)))
		rc = qt_err_set(err, QT_ERR_INVALID, "record %llu is not JSON",
		                (unsigned long long)idx);
	/* a record no correction can void (a code.issue, say: every code's first) is not
	 * looked up, which was a B-tree probe per record */
	*fix = rc == QT_OK && qt_event_correctable(qt_json_text(*out, "type"))
	               ? corrected_by(s, idx)
	               : 0;
	return rc;
}

/* What record l does to code's parent: 1 packs code into *parent, -1 takes it out of its
 * parent (unpacked, or sold out of the carton), 0 neither. A voided record does nothing. */
static int parent_move(const json_t *l, const char *code, uint64_t fix, const char **parent)
{
	const char *type = qt_json_text(l, "type");
	const json_t *body = json_object_get(l, "body");

	if (fix || !qt_json_lists(json_object_get(body, "codes"), code))
		return 0;
	*parent = qt_json_text(body, "parent");
	if (!strcmp(type, "event.pack"))
		return 1;
	return !strcmp(type, "event.unpack") || !strcmp(type, "event.retail") ? -1 : 0;
}

/* code's records with index in (from, until) (until 0: no end). At depth 0, all of the
 * code's own story from its first record; in a carton's window (depth > 0) only the records that
 * move the carton itself, not those that pack other goods into it. Packing starts an interval in
 * which the parent's moves are followed too; in a window, the records before it say what the carton
 * was already packed in when the window opened (a carton put on a pallet before the item
 * went into the carton still travels with the pallet). */
static qt_rc walk_code(walk *w, const char *code, uint64_t from, uint64_t until, int depth,
                       const char *via, qt_err *err)
{
	uint64_t recs[PAGE], after = UINT64_MAX, packed_at = 0; /* from the first record */
	size_t found = PAGE;
	qt_buf leaf;
	qt_rc rc = QT_OK;
	char parent[QT_CODE_CANON_MAX] = "";

	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX + 1);
	while (rc == QT_OK && found == PAGE && !w->truncated) {
		rc = w->s->ops->index_find(w->s, QT_INDEX_KEY, code, after, recs, PAGE, &found,
		                           err);
		for (size_t i = 0; rc == QT_OK && i < found; i++) {
			json_t *l = NULL;
			const char *p = "";
			uint64_t fix = 0;
			int move;

			after = recs[i];
			if (until && recs[i] >= until) {
				found = 0;
				break;
			}
			if ((rc = load_record(w->s, recs[i], code, &leaf, &l, &fix, err)) != QT_OK)
				break;
			move = parent_move(l, code, fix, &p);
			if (depth > 0 && recs[i] <= from) {
				/* before the window: only where the carton already was */
				if (move)
					snprintf(parent, sizeof parent, "%s", move > 0 ? p : "");
				packed_at = from;
			} else if (depth == 0 ||
			           qt_json_lists(
			                   json_object_get(json_object_get(l, "body"), "codes"),
			                   code)) {
				if (json_array_size(w->out) >= w->max) {
					w->truncated = true;
					json_decref(l);
					break;
				}
				rc = add(w, recs[i], l, via, fix);
				/* an interval in a parent ends: what the parent did meanwhile */
				if (rc == QT_OK && move && parent[0] && depth < HISTORY_DEPTH)
					rc = walk_code(w, parent, packed_at, recs[i], depth + 1,
					               parent, err);
				if (move) {
					snprintf(parent, sizeof parent, "%s", move > 0 ? p : "");
					packed_at = recs[i];
				}
			}
			json_decref(l);
		}
	}
	/* still packed (or packed until the window closes): the carton's moves until then */
	if (rc == QT_OK && parent[0] && depth < HISTORY_DEPTH && !w->truncated)
		rc = walk_code(w, parent, packed_at, until, depth + 1, parent, err);
	qt_buf_free(&leaf);
	return rc;
}

static json_int_t index_of(const json_t *e)
{
	return json_integer_value(json_object_get(e, "index"));
}

/* Ledger order; of two finds of one record, the code's own (no via) first. */
static int by_index(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int vx = json_object_get(x, "via") != NULL, vy = json_object_get(y, "via") != NULL;

	if (index_of(x) != index_of(y))
		return index_of(x) > index_of(y) ? 1 : -1;
	return vx - vy;
}

qt_rc qt_history(qt_store *s, const char *code, size_t max, json_t **out, bool *truncated,
                 qt_err *err)
{
	walk w = {.s = s, .out = json_array(), .max = max ? max : QT_HISTORY_MAX};
	size_t n;
	json_t **items = NULL;
	qt_rc rc = walk_code(&w, code, 0, 0, 0, NULL, err);

	/* interval walks append after the code's own records: put the story in ledger order */
	n = json_array_size(w.out);
	if (rc == QT_OK && n > 1 && !(items = malloc(n * sizeof *items)))
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
	if (rc == QT_OK && items) {
		for (size_t i = 0; i < n; i++)
			items[i] = json_incref(json_array_get(w.out, i));
		qsort(items, n, sizeof *items, by_index);
		json_array_clear(w.out);
		/* a record naming both a carton and what is in it (a recall of both) is found
		 * twice: once as the code's own, once as the carton's */
		for (size_t i = 0; i < n; i++)
			if (i > 0 && index_of(items[i - 1]) == index_of(items[i]))
				json_decref(items[i]);
			else
				json_array_append_new(w.out, items[i]);
	}
	free(items);
	if (rc != QT_OK) {
		json_decref(w.out);
		w.out = NULL;
	}
	*out = w.out;
	if (truncated)
		*truncated = w.truncated;
	return rc;
}
