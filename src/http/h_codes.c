/* h_codes.c — issuing trace codes (POST /api/v1/codes), a producer's paged list of its
 * codes for printing (GET /api/v1/codes?batch=|product=), flow events (POST /api/v1/events,
 * or a ledger file as CSV: POST /api/v1/events/csv) and the shipments they make
 * (GET /api/v1/shipments[/{id}]). The rules live in src/core; these only translate HTTP. */
#include <string.h>
#include <strings.h>

#include "core/trace.h"
#include "http/http.h"

static void h_codes_issue(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_codes_issue, NULL, NULL);
}

static void h_codes_list(qt_req *req, qt_resp *resp)
{
	const char *batch = qt_http_query(req, "batch"), *product = qt_http_query(req, "product");
	const char *after;
	json_t *answer = NULL;
	size_t limit;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, 100, &limit, &after))
		return;
	if (!batch == !product) {
		qt_http_error(resp, 400, "invalid", "give exactly one of 'batch' and 'product'");
		return;
	}
	rc = qt_codes_list(req->rd, &req->who, batch ? "batch_codes" : "product_codes",
	                   batch ? batch : product, after, limit, &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

static void h_events(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_events_submit, NULL, NULL);
}

/* GET /api/v1/shipments?direction=in|out[&pending=true][&order=newest][&unit=USCC]: a unit's
 * (or, for its regulator, another unit's) shipments, or those still on their way. */
static void h_shipments_list(qt_req *req, qt_resp *resp)
{
	const char *dir = qt_http_query(req, "direction"), *pending = qt_http_query(req, "pending");
	qt_shipment_query q = {.unit = qt_http_query(req, "unit")};
	json_t *answer = NULL;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, 100, &q.limit, &q.after) ||
	    !qt_http_order(req, resp, &q.newest))
		return;
	if (!dir || (strcmp(dir, "in") != 0 && strcmp(dir, "out") != 0)) {
		qt_http_error(resp, 400, "invalid", "'direction' must be \"in\" or \"out\"");
		return;
	}
	if (pending && strcmp(pending, "true") != 0 && strcmp(pending, "false") != 0) {
		qt_http_error(resp, 400, "invalid", "'pending' must be true or false");
		return;
	}
	q.incoming = strcmp(dir, "in") == 0;
	q.pending = pending && !strcmp(pending, "true");
	rc = qt_shipments_list(req->rd, &req->who, &q, &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

static void h_shipment_get(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	qt_err err = {{0}};
	qt_rc rc = qt_shipments_get(req->rd, &req->who, req->params[0], &answer, &err);

	qt_http_answer(resp, rc, 200, answer, &err);
}

/* "text/csv", optionally with charset=utf-8 (any other charset is refused, not guessed). */
static bool is_csv(const char *type)
{
	const char *p = type;

	if (!p || strncasecmp(p, "text/csv", 8) != 0)
		return false;
	for (p += 8; *p == ' '; p++)
		;
	while (*p == ';') {
		for (p++; *p == ' '; p++)
			;
		if (strncasecmp(p, "charset=", 8) == 0) {
			p += 8;
			if (*p == '"')
				p++;
			if (strncasecmp(p, "utf-8", 5) != 0)
				return false;
			p += 5;
			if (*p == '"')
				p++;
			if (*p && *p != ';' && *p != ' ')
				return false;
		}
		while (*p && *p != ';')
			p++;
	}
	return *p == '\0';
}

static void h_events_csv(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL, *rows = NULL;
	qt_err err = {{0}};
	qt_rc rc;

	if (!is_csv(qt_http_header(req, "Content-Type"))) {
		qt_http_error(resp, 415, "unsupported_media_type",
		              "send the ledger file as 'Content-Type: text/csv' in UTF-8");
		return;
	}
	rc = qt_events_csv(req->p, &req->who, req->body, req->body_len, &answer, &rows, &err);
	if (rc == QT_OK)
		qt_http_json(resp, 201, answer);
	else if (rows)
		qt_http_json(resp, 422,
		             json_pack("{s:{s:s, s:s}, s:o}", "error", "code", "rows_refused",
		                       "message", err.msg, "rows", rows));
	else
		qt_http_fail(resp, rc, &err);
}

const qt_route qt_routes_codes[] = {
        {"POST", "/api/v1/codes", h_codes_issue, QT_ROLE_PRODUCER, 16u << 20, true, "codes_issue"},
        {"GET", "/api/v1/codes", h_codes_list, QT_ROLE_PRODUCER | QT_ROLE_REGULATOR, 0, false,
         "codes_list"},
        {"GET", "/api/v1/shipments", h_shipments_list, QT_ROLE_UNIT | QT_ROLE_REGULATOR, 0, false,
         "shipments_list"},
        {"GET", "/api/v1/shipments/{}", h_shipment_get, QT_ROLE_UNIT | QT_ROLE_REGULATOR, 0, false,
         "shipment_get"},
        {"POST", "/api/v1/events", h_events, QT_ROLE_UNIT | QT_ROLE_REGULATOR, 16u << 20, true,
         "events"},
        {"POST", "/api/v1/events/csv", h_events_csv, QT_ROLE_UNIT, 16u << 20, true, "events_csv"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
