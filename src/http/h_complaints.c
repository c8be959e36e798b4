/* h_complaints.c — POST/GET /api/v1/complaints (consumers file without an account, rate-limited
 * per address; regulators list and track), POST/GET /api/v1/announcements and the public Atom
 * feed /announcements.atom. Rules and routing live in src/core/complaints.c and announce.c. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "core/complaints.h"
#include "http/http.h"
#include "util/ratelimit.h"

/* Enough for a consumer with several bad products at once, far below a flood. */
#define COMPLAINTS_PER_MINUTE 10

static qt_ratelimit limiter;
static pthread_once_t limiter_once = PTHREAD_ONCE_INIT;

static void limiter_init(void)
{
	qt_ratelimit_init(&limiter, COMPLAINTS_PER_MINUTE, 60);
}

static void h_complaint_file(qt_req *req, qt_resp *resp)
{
	double retry;
	char secs[16];

	pthread_once(&limiter_once, limiter_init);
	if (!qt_ratelimit_take(&limiter, req->client, qt_time_mono(), &retry)) {
		snprintf(secs, sizeof secs, "%d", (int)retry + 1);
		qt_http_add_header(resp, "Retry-After", secs);
		qt_http_error(resp, 429, "rate_limited",
		              "at most %d complaints a minute from one address: try again in %s s",
		              COMPLAINTS_PER_MINUTE, secs);
		return;
	}
	qt_http_write(req, resp, qt_complaint_file, NULL, NULL);
}

static void h_complaint_list(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	const char *after;
	size_t limit;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, 100, &limit, &after))
		return;
	rc = qt_complaint_list(req->rd, &req->who, qt_http_query(req, "state"), after, limit,
	                       &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

static void h_complaint_update(qt_req *req, qt_resp *resp)
{
	qt_http_act(req, resp, qt_complaint_update);
}

static void h_announce(qt_req *req, qt_resp *resp)
{
	qt_http_write(req, resp, qt_announce_publish, NULL, NULL);
}

static void h_announce_list(qt_req *req, qt_resp *resp)
{
	json_t *answer = NULL;
	const char *after;
	size_t limit;
	qt_err err = {{0}};
	qt_rc rc;

	if (!qt_http_page(req, resp, 100, &limit, &after))
		return;
	rc = qt_announce_list(req->rd, after, limit, &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
}

static void h_announce_atom(qt_req *req, qt_resp *resp)
{
	qt_buf out;
	qt_err err = {{0}};
	qt_rc rc;

	qt_buf_init(&out, 8u << 20);
	rc = qt_announce_atom(req->rd, req->public_url, &out, &err);
	if (rc == QT_OK)
		qt_http_text(resp, 200, "application/atom+xml; charset=utf-8", out.p, out.len);
	else
		qt_http_fail(resp, rc, &err);
	qt_buf_free(&out);
}

const qt_route qt_routes_complaints[] = {
        {"POST", "/api/v1/complaints", h_complaint_file, 0, 16 << 10, true, "complaint_file"},
        {"GET", "/api/v1/complaints", h_complaint_list, QT_ROLE_REGULATOR, 0, false,
         "complaint_list"},
        {"POST", "/api/v1/complaints/{}", h_complaint_update, QT_ROLE_REGULATOR, 16 << 10, true,
         "complaint_update"},
        {"POST", "/api/v1/announcements", h_announce, QT_ROLE_REGULATOR, 64 << 10, true,
         "announce"},
        {"GET", "/api/v1/announcements", h_announce_list, 0, 0, false, "announce_list"},
        {"GET", "/announcements.atom", h_announce_atom, 0, 0, false, "announce_atom"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
