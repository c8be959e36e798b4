/* history.c — what happened to one code, read back from the ledger: its own records, and the
 * records of each carton or pallet while it was packed in one (a carton's ship moved the
 * goods inside it). Every public answer about a code (view, check, trace) starts here, so
 * each step it shows carries the ledger index that proves it. */
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"

#define HISTORY_DEPTH 8 /* cartons in pallets in containers: deeper nesting is not followed */
#define PAGE          256

typedef struct walk {
	qt_store *s;
	json_t *out;
	size_t max;
	bool truncated;
} walk;

static bool lists(const json_t *codes, const char *code)
{
	size_t k;
	json_t *c;
	json_array_foreach(codes, k, c)
	{
		if (strcmp(json_string_value(c), code) == 0)
			return true;
	}
	return false;
}

/* The index of the bracket that closes the array or object opening at p[at], or 0. */
static size_t value_end(const char *p, size_t n, size_t at)
{
	bool in_string = false;
	size_t depth = 0;

	for (size_t i = at; i < n; i++) {
		if (in_string && p[i] == '\\')
			i++;
		else if (p[i] == '"')
			in_string = !in_string;
		else if (!in_string && (p[i] == '[' || p[i] == '{'))
			depth++;
		else if (!in_string && (p[i] == ']' || p[i] == '}') && --depth == 0)
			return i;
	}
	return 0;
}

/* Cuts the leaf's bytes [from, to), keeping its NUL. */
static void cut(qt_buf *leaf, size_t from, size_t to)
{
	memmove(leaf->p + from, leaf->p + to, leaf->len - to + 1);
	leaf->len -= to - from;
}

/* A record's leaf as JSON, without its index keys: they name again the codes its body lists
 * (the code's own records were found through them) and no reader of a history uses them. A
 * code.issue record's body lists 64 codes, none of which a history needs either: it is read
 * back on every lookup of each of them, and those two lists were nearly all of its bytes and
 * of the time to parse it. The ledger writes a leaf as {"body":{…},"keys":[…],…,"type":…}
 * (ledger/log.c), so where each part is and what the record is can be read off its text. */
static json_t *parse_leaf(qt_buf *leaf)
{
	static const char body[] = "{\"body\":{", keys[] = ",\"keys\":[", codes[] = "\"codes\":[",
	                  issue[] = ",\"type\":\"code.issue\"}";
	size_t end, e;
	char *c;

	if (leaf->len > sizeof issue && !memcmp(leaf->p, body, sizeof body - 1) &&
	    (end = value_end(leaf->p, leaf->len, sizeof body - 2)) != 0) {
		if (!strncmp(leaf->p + end + 1, keys, sizeof keys - 1) &&
		    (e = value_end(leaf->p, leaf->len, end + sizeof keys - 1)) != 0)
			cut(leaf, end + 1, e + 1);
		/* the body's codes member: no quote inside a JCS string is left unescaped, so the
		 * first match is the member itself; a comma beside it goes too */
		if (!memcmp(leaf->p + leaf->len - (sizeof issue - 1), issue, sizeof issue - 1) &&
		    (c = strstr(leaf->p, codes)) != NULL && (size_t)(c - leaf->p) < end &&
		    (e = value_end(leaf->p, leaf->len, (size_t)(c - leaf->p) + sizeof codes - 2))) {
			if (leaf->p[e + 1] == ',')
				cut(leaf, (size_t)(c - leaf->p), e + 2);
			else if (c[-1] == ',')
				cut(leaf, (size_t)(c - leaf->p) - 1, e + 1);
		}
	}
	return json_loadb(leaf->p, leaf->len, 0, NULL);
}

/* The record that voided record idx, or 0. */
static uint64_t corrected_by(qt_store *s, uint64_t idx)
{
	char id[24];
	json_t *fix = NULL;
	uint64_t by = 0;
	qt_err e;

	snprintf(id, sizeof id, "%llu", (unsigned long long)idx);
	if (qt_doc_load(s, "correction", id, &fix, &e) == QT_OK)
		by = (uint64_t)json_integer_value(json_object_get(fix, "record"));
	json_decref(fix);
	return by;
}

static qt_rc add(walk *w, uint64_t idx, json_t *leaf, const char *via)
{
	json_t *e = json_pack("{s:I, s:O}", "index", (json_int_t)idx, "leaf", leaf);
	uint64_t by = corrected_by(w->s, idx);

	if (!e)
		return QT_ERR_NOMEM;
	if (via)
		json_object_set_new(e, "via", json_string(via));
	if (by)
		json_object_set_new(e, "corrected_by", json_integer((json_int_t)by));
	json_array_append_new(w->out, e);
	return QT_OK;
}

/* code's records with index in (from, until) (until 0: no end). own: the code's own story,
 * where packing starts an interval whose carton's moves are followed too; otherwise only the
 * records that move code itself (it as a subject, not as somebody's new parent). */
static qt_rc walk_code(walk *w, const char *code, uint64_t from, uint64_t until, int depth,
                       const char *via, qt_err *err)
{
	uint64_t recs[PAGE], after = from;
	size_t found = PAGE;
	qt_buf leaf;
	qt_rc rc = QT_OK;
	char parent[QT_CODE_CANON_MAX] = "";
	uint64_t packed_at = 0;

	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX + 1);
	while (rc == QT_OK && found == PAGE && !w->truncated) {
		rc = w->s->ops->index_find(w->s, "key", code, after, recs, PAGE, &found, err);
		for (size_t i = 0; rc == QT_OK && i < found; i++) {
			json_t *l, *body, *codes;
			const char *type, *p;
			uint64_t fix;

			after = recs[i];
			if (until && recs[i] >= until) {
				found = 0;
				break;
			}
			leaf.len = 0;
			if ((rc = w->s->ops->record_get(w->s, recs[i], &leaf, NULL, err)) != QT_OK)
				break;
			if (!(l = parse_leaf(&leaf))) {
				rc = qt_err_set(err, QT_ERR_INVALID, "record %llu is not JSON",
				                (unsigned long long)recs[i]);
				break;
			}
			type = qt_json_text(l, "type");
			body = json_object_get(l, "body");
			codes = json_object_get(body, "codes");
			p = qt_json_text(body, "parent");
			if (depth > 0 && !lists(codes, code)) {
				json_decref(l);
				continue; /* another code packed into or out of this carton */
			}
			if (json_array_size(w->out) >= w->max) {
				w->truncated = true;
				json_decref(l);
				break;
			}
			rc = add(w, recs[i], l, via);
			fix = json_integer_value(
			        json_object_get(json_array_get(w->out, json_array_size(w->out) - 1),
			                        "corrected_by"));
			if (rc == QT_OK && !strcmp(type, "event.pack") && lists(codes, code) &&
			    !fix) {
				snprintf(parent, sizeof parent, "%s", p);
				packed_at = recs[i];
			} else if (rc == QT_OK && parent[0] && lists(codes, code) && !fix &&
			           (!strcmp(type, "event.unpack") ||
			            !strcmp(type, "event.retail"))) {
				if (depth < HISTORY_DEPTH)
					rc = walk_code(w, parent, packed_at, recs[i], depth + 1,
					               parent, err);
				parent[0] = '\0';
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

static int by_index(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "index"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "index"));
	return (x > y) - (x < y);
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
		for (size_t i = 0; i < n; i++)
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
