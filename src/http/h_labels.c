/* h_labels.c — GET /api/v1/codes/{code}/label.svg and /label.png: a code's printable label.
 * A label lets its bearer print a genuine-looking copy, so only the code's producer and its
 * current holder get one; everyone else learns nothing more than the public view says. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "labels/label.h"

static qt_rc label(qt_req *req, qt_resp *resp, qt_label_format fmt, qt_err *err)
{
	const char *sym_name = qt_http_query(req, "symbology");
	char key[QT_CODE_CANON_MAX], base[QT_HTTP_BASE_MAX], name[QT_LABEL_NAME_MAX],
	        disp[QT_LABEL_NAME_MAX + 40];
	qt_label_symbology sym = QT_LABEL_QR;
	qt_code code;
	json_t *doc = NULL, *batch = NULL;
	qt_rc rc;

	if ((sym_name && (rc = qt_label_symbology_parse(sym_name, &sym, err)) != QT_OK) ||
	    (rc = qt_code_parse_key(req->params[0], strlen(req->params[0]), &code, err)) != QT_OK)
		goto out;
	if ((rc = qt_doc_load(req->rd, "code", code.canonical, &doc, err)) != QT_OK) {
		if (rc == QT_ERR_NOTFOUND)
			qt_err_set(err, rc, "no code %.150s was issued", code.canonical);
		goto out;
	}
	if (strcmp(qt_json_text(doc, "producer"), req->who.id) != 0 &&
	    strcmp(qt_json_text(doc, "holder"), req->who.id) != 0) {
		rc = qt_err_set(err, QT_ERR_DENIED,
		                "only the code's producer or its holder may print its label");
		goto out;
	}
	/* the label shows the code as issued, whatever form of it the path gave, with its
	 * batch's lot where it has one */
	snprintf(key, sizeof key, "%s", code.canonical);
	if (*qt_json_text(doc, "batch") &&
	    (rc = qt_doc_load(req->rd, "batch", qt_json_text(doc, "batch"), &batch, err)) !=
	            QT_OK &&
	    rc != QT_ERR_NOTFOUND)
		goto out;
	if ((rc = qt_label_code(key, qt_json_text(batch, "batch_no"), &code, err)) != QT_OK)
		goto out;
	if (!qt_http_base_url(req, base)) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "the Host header must be a host name or address with an optional "
		                "port (or start the server with --public-url)");
		goto out;
	}
	qt_buf_reset(&resp->body);
	if ((rc = qt_label_render(&code, base, sym, fmt, &resp->body, err)) != QT_OK)
		goto out;
	resp->status = 200;
	resp->type = qt_label_format_type(fmt);
	qt_label_filename(&code, sym, qt_label_format_ext(fmt), name);
	snprintf(disp, sizeof disp, "inline; filename=\"%s\"", name);
	snprintf(resp->cache_control, sizeof resp->cache_control, "private");
	if (!qt_http_add_header(resp, "Content-Disposition", disp))
		rc = qt_err_set(err, QT_ERR_IO, "cannot name the label");
out:
	json_decref(doc);
	json_decref(batch);
	return rc;
}

static void answer(qt_req *req, qt_resp *resp, qt_label_format fmt)
{
	qt_err err = {{0}};
	qt_rc rc = label(req, resp, fmt, &err);

	if (rc != QT_OK) {
		qt_buf_reset(&resp->body);
		qt_http_fail(resp, rc, &err);
	}
}

static void h_label_svg(qt_req *req, qt_resp *resp)
{
	answer(req, resp, QT_LABEL_SVG);
}

static void h_label_png(qt_req *req, qt_resp *resp)
{
	answer(req, resp, QT_LABEL_PNG);
}

/* Listed before the public view's /api/v1/codes/{*}, which would take the suffix for part of
 * the code. */
const qt_route qt_routes_labels[] = {
        {"GET", "/api/v1/codes/{*}/label.svg", h_label_svg, QT_ROLE_UNIT, 0, false, "label_svg"},
        {"GET", "/api/v1/codes/{*}/label.png", h_label_png, QT_ROLE_UNIT, 0, false, "label_png"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
