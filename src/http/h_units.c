/* h_units.c — POST /api/v1/units (a producer or seller registers; the answer holds its
 * token, shown this once) and GET /api/v1/units/me (who a token belongs to). */
#include "http/http.h"

void qt_h_units_register(qt_req *req, qt_resp *resp)
{
	json_t *body = qt_http_body_object(req, resp), *answer = NULL;
	qt_err err = {{0}};
	qt_rc rc;

	if (!body)
		return;
	rc = qt_units_register(req->p, body, &answer, &err);
	if (rc == QT_OK) {
		snprintf(resp->location, sizeof resp->location, "/api/v1/units/me");
		qt_http_json(resp, 201, answer);
	} else {
		qt_http_fail(resp, rc, &err);
	}
	json_decref(body);
}

void qt_h_units_me(qt_req *req, qt_resp *resp)
{
	json_t *doc = NULL;
	qt_err err;
	qt_rc rc = qt_doc_load(req->rd, "account", req->who.id, &doc, &err);
	qt_http_answer(resp, rc, 200, doc, &err);
}
