/* h_system.c — GET /healthz and GET /metrics (Prometheus text): requests and latencies per
 * route, commits and the tree size, so an operator sees the platform breathe. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "http/http.h"

#define MAX_ROUTES 64
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                 0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])

typedef struct route_stats {
	const char *name;
	unsigned long long by_class[6]; /* 1xx..5xx by status / 100 */
	unsigned long long bucket[N_BUCKETS + 1];
	double seconds;
	unsigned long long count;
} route_stats;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static route_stats stats[MAX_ROUTES];
static size_t n_stats;

void qt_metrics_observe(const char *route, int status, double seconds)
{
	route_stats *r = NULL;
	size_t b = 0;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_stats && !r; i++)
		if (strcmp(stats[i].name, route) == 0)
			r = &stats[i];
	if (!r && n_stats < MAX_ROUTES) {
		r = &stats[n_stats++];
		r->name = route; /* route names are static strings */
	}
	if (r) {
		while (b < N_BUCKETS && seconds > buckets[b])
			b++;
		r->bucket[b]++;
		r->by_class[status >= 100 && status < 600 ? status / 100 : 0]++;
		r->seconds += seconds;
		r->count++;
	}
	pthread_mutex_unlock(&lock);
}

void qt_metrics_print(qt_buf *out)
{
	qt_rc rc = QT_OK;

	pthread_mutex_lock(&lock);
	rc = qt_buf_printf(out, "# HELP qtrace_http_requests_total HTTP requests by route and "
	                        "status class.\n# TYPE qtrace_http_requests_total counter\n");
	for (size_t i = 0; i < n_stats && rc == QT_OK; i++)
		for (int c = 1; c < 6 && rc == QT_OK; c++)
			if (stats[i].by_class[c])
				rc = qt_buf_printf(
				        out,
				        "qtrace_http_requests_total{route=\"%s\",status=\"%dxx\"} "
				        "%llu\n",
				        stats[i].name, c, stats[i].by_class[c]);
	if (rc == QT_OK)
		rc = qt_buf_printf(out, "# HELP qtrace_http_request_seconds Time to answer.\n"
		                        "# TYPE qtrace_http_request_seconds histogram\n");
	for (size_t i = 0; i < n_stats && rc == QT_OK; i++) {
		unsigned long long cum = 0;
		for (size_t b = 0; b < N_BUCKETS && rc == QT_OK; b++) {
			cum += stats[i].bucket[b];
			rc = qt_buf_printf(
			        out,
			        "qtrace_http_request_seconds_bucket{route=\"%s\",le=\"%g\"} "
			        "%llu\n",
			        stats[i].name, buckets[b], cum);
		}
		if (rc == QT_OK)
			rc = qt_buf_printf(
			        out,
			        "qtrace_http_request_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
			        "%llu\nqtrace_http_request_seconds_sum{route=\"%s\"} %.6f\n"
			        "qtrace_http_request_seconds_count{route=\"%s\"} %llu\n",
			        stats[i].name, stats[i].count, stats[i].name, stats[i].seconds,
			        stats[i].name, stats[i].count);
	}
	pthread_mutex_unlock(&lock);
}

void qt_h_healthz(qt_req *req, qt_resp *resp)
{
	uint64_t size;
	char note[QT_NOTE_MAX];

	qt_ledger_checkpoint_copy(req->p->ledger, note, sizeof note, &size);
	qt_http_json(resp, 200,
	             json_pack("{s:s, s:I}", "status", "ok", "tree_size", (json_int_t)size));
}

void qt_h_metrics(qt_req *req, qt_resp *resp)
{
	qt_buf out;
	qt_ledger_stats ls;
	uint64_t size;
	char note[QT_NOTE_MAX];

	qt_buf_init(&out, 1 << 20);
	qt_ledger_checkpoint_copy(req->p->ledger, note, sizeof note, &size);
	qt_ledger_get_stats(req->p->ledger, &ls);
	qt_metrics_print(&out);
	if (qt_buf_printf(&out,
	                  "# HELP qtrace_ledger_tree_size Records in the signed tree.\n"
	                  "# TYPE qtrace_ledger_tree_size gauge\nqtrace_ledger_tree_size %llu\n"
	                  "# HELP qtrace_ledger_commits_total Group commits (one fsync each).\n"
	                  "# TYPE qtrace_ledger_commits_total counter\n"
	                  "qtrace_ledger_commits_total %llu\n"
	                  "# HELP qtrace_ledger_jobs_total Writes committed or refused.\n"
	                  "# TYPE qtrace_ledger_jobs_total counter\n"
	                  "qtrace_ledger_jobs_total{result=\"ok\"} %llu\n"
	                  "qtrace_ledger_jobs_total{result=\"refused\"} %llu\n",
	                  (unsigned long long)size, (unsigned long long)ls.commits,
	                  (unsigned long long)ls.jobs_ok,
	                  (unsigned long long)ls.jobs_refused) != QT_OK) {
		qt_http_error(resp, 500, "internal", "metrics do not fit");
	} else {
		qt_http_text(resp, 200, "text/plain; version=0.0.4", out.p, out.len);
	}
	qt_buf_free(&out);
}
