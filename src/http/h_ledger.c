/* h_ledger.c — the ledger, read-only, for anyone: the signed checkpoint, C2SP tiles for
 * mirrors, the verifier key, one entry with its leaf bytes, inclusion and consistency
 * proofs. Read through the thread's own connection, bounded by the published checkpoint. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "util/json_parse.h"

static json_t *b64_json(const void *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(cap);
	json_t *v = NULL;
	if (out) {
		sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
		v = json_string(out);
		free(out);
	}
	return v;
}

static json_t *proof_json(const qt_merkle_proof *p)
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(a, b64_json(p->h[i].b, QT_HASH_LEN));
	return a;
}

static bool u64_arg(qt_req *req, qt_resp *resp, const char *name, const char *text, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!text || !*text) {
		qt_http_error(resp, 400, "invalid", "'%s' is required", name);
		return false;
	}
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || text[0] == '-' || text[0] == '+') {
		qt_http_error(resp, 400, "invalid", "'%s' must be a non-negative integer", name);
		return false;
	}
	(void)req;
	*out = v;
	return true;
}

void qt_h_checkpoint(qt_req *req, qt_resp *resp)
{
	char note[QT_NOTE_MAX];
	size_t n = qt_ledger_checkpoint_copy(req->p->ledger, note, sizeof note, NULL);
	qt_http_text(resp, 200, "text/plain; charset=utf-8", note, n);
}

void qt_h_tile(qt_req *req, qt_resp *resp)
{
	qt_tile_ref ref;
	qt_buf out;
	char note[QT_NOTE_MAX];
	uint64_t size;
	qt_err err;
	qt_rc rc;

	qt_ledger_checkpoint_copy(req->p->ledger, note, sizeof note, &size);
	/* the route took "/tile/" off; the parser reads the path as C2SP writes it */
	if (qt_tile_path_parse(req->path + 1, strlen(req->path + 1), &ref, &err) != QT_OK) {
		qt_http_error(resp, 404, "not_found", "no such tile: %s", err.msg);
		return;
	}
	qt_buf_init(&out, 1 << 24);
	rc = qt_ledger_tile_at(req->rd, size, &ref, &out, &err);
	if (rc == QT_OK) {
		qt_http_text(resp, 200, "application/octet-stream", out.p, out.len);
		/* a full tile never changes; a partial one is replaced by a wider one */
		if (ref.width == QT_TILE_WIDTH)
			snprintf(resp->cache_control, sizeof resp->cache_control,
			         "public, max-age=31536000, immutable");
	} else {
		qt_http_fail(resp, rc, &err);
	}
	qt_buf_free(&out);
}

void qt_h_ledger_key(qt_req *req, qt_resp *resp)
{
	qt_verifier v;
	char text[512];
	char note[QT_NOTE_MAX];
	uint64_t size;

	qt_ledger_verifier(req->p->ledger, &v);
	qt_ledger_checkpoint_copy(req->p->ledger, note, sizeof note, &size);
	if (qt_note_verifier_format(&v, text, sizeof text) != QT_OK) {
		qt_http_error(resp, 500, "internal", "cannot format the verifier key");
		return;
	}
	qt_http_json(resp, 200,
	             json_pack("{s:s, s:s, s:s}", "verifier_key", text, "origin", v.name,
	                       "algorithm", "Ed25519 (C2SP signed-note)"));
}

void qt_h_ledger_entry(qt_req *req, qt_resp *resp)
{
	char note[QT_NOTE_MAX];
	uint64_t size, index;
	qt_buf leaf;
	qt_hash h;
	json_t *rec;
	json_error_t je;
	qt_err err;
	qt_rc rc;

	if (!u64_arg(req, resp, "index", req->params[0], &index))
		return;
	qt_ledger_checkpoint_copy(req->p->ledger, note, sizeof note, &size);
	if (index >= size) {
		qt_http_error(resp, 404, "not_found", "no entry %llu: the tree has %llu",
		              (unsigned long long)index, (unsigned long long)size);
		return;
	}
	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX);
	rc = req->rd->ops->record_get(req->rd, index, &leaf, NULL, &err);
	if (rc != QT_OK) {
		qt_http_fail(resp, rc, &err);
		goto out;
	}
	qt_merkle_leaf_hash(leaf.p, leaf.len, &h);
	rec = qt_json_parse(leaf.p, leaf.len, &je);
	qt_http_json(resp, 200,
	             json_pack("{s:I, s:o, s:o, s:o*}", "index", (json_int_t)index, "leaf",
	                       b64_json(leaf.p, leaf.len), "leaf_hash", b64_json(h.b, QT_HASH_LEN),
	                       "record", rec));
out:
	qt_buf_free(&leaf);
}

static void proof_handler(qt_req *req, qt_resp *resp, bool inclusion)
{
	const char *na = inclusion ? "index" : "from", *nb = inclusion ? "size" : "to";
	char note[QT_NOTE_MAX];
	uint64_t tree, a, b;
	qt_merkle_proof p;
	qt_err err;
	qt_rc rc;

	if (!u64_arg(req, resp, na, qt_http_query(req, na), &a) ||
	    !u64_arg(req, resp, nb, qt_http_query(req, nb), &b))
		return;
	qt_ledger_checkpoint_copy(req->p->ledger, note, sizeof note, &tree);
	rc = inclusion ? qt_ledger_inclusion_at(req->rd, tree, a, b, &p, &err)
	               : qt_ledger_consistency_at(req->rd, tree, a, b, &p, &err);
	if (rc != QT_OK) {
		qt_http_fail(resp, rc, &err);
		return;
	}
	qt_http_json(resp, 200,
	             json_pack("{s:I, s:I, s:o}", inclusion ? "index" : "from", (json_int_t)a,
	                       inclusion ? "tree_size" : "to", (json_int_t)b, "hashes",
	                       proof_json(&p)));
}

void qt_h_proof_inclusion(qt_req *req, qt_resp *resp)
{
	proof_handler(req, resp, true);
}

void qt_h_proof_consistency(qt_req *req, qt_resp *resp)
{
	proof_handler(req, resp, false);
}
