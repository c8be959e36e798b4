/* router.c — the route table: every endpoint the server answers, who may call it and how
 * large its body may be, and the matcher that turns a path into a route and its {} params.
 * docs/openapi.yaml describes the same table for clients. */
#include <string.h>

#include "http/http.h"

static const qt_route core_routes[] = {
        {"GET", "/healthz", qt_h_healthz, 0, 0, false, "healthz"},
        {"GET", "/metrics", qt_h_metrics, 0, 0, false, "metrics"},
        {"GET", "/checkpoint", qt_h_checkpoint, 0, 0, false, "checkpoint"},
        {"GET", "/tile/{*}", qt_h_tile, 0, 0, false, "tile"},
        {"GET", "/api/v1/ledger/key", qt_h_ledger_key, 0, 0, false, "ledger_key"},
        {"GET", "/api/v1/ledger/entries/{}", qt_h_ledger_entry, 0, 0, false, "ledger_entry"},
        {"GET", "/api/v1/ledger/proof/inclusion", qt_h_proof_inclusion, 0, 0, false,
         "proof_inclusion"},
        {"GET", "/api/v1/ledger/proof/consistency", qt_h_proof_consistency, 0, 0, false,
         "proof_consistency"},
        {"POST", "/api/v1/units", qt_h_units_register, 0, 64 << 10, true, "units_register"},
        {"GET", "/api/v1/units/me", qt_h_units_me, QT_ROLE_ANY, 0, false, "units_me"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};

/* Each resource file keeps its own table (ended by a NULL method), listed here. */
static const qt_route *const tables[] = {
        core_routes,        qt_routes_catalog, qt_routes_codes,      qt_routes_labels,
        qt_routes_scan,     qt_routes_check,   qt_routes_resolver,   qt_routes_trace,
        qt_routes_sampling, qt_routes_draws,   qt_routes_complaints, qt_routes_recalls,
        qt_routes_stats,    qt_routes_warnings, qt_routes_web};

static int hexv(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Percent-decode s[0..n) into out; false on a bad escape, a NUL or no room. */
static bool decode(const char *s, size_t n, char *out, size_t max)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= n || hexv(s[i + 1]) < 0 || hexv(s[i + 2]) < 0)
				return false;
			c = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
			i += 2;
		}
		if (c == '\0' || o + 1 >= max)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* A parameter that does not decode (a bad escape, %00, too long) still matches, so the
 * request gets a 400 naming its path (req->bad_param) rather than a 404. */
static bool match(const char *pattern, const char *path, qt_req *req)
{
	const char *p = pattern, *s = path;
	size_t n = 0;
	bool bad = false;

	while (*p && *s) {
		if (strncmp(p, "{*}", 3) == 0 || strncmp(p, "{}", 2) == 0) {
			bool rest = p[1] == '*';
			const char *end = rest ? NULL : strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			/* {*} then literal text: the rest of the path up to that text at its end
			 * ("/api/v1/codes/{*}/label.svg") */
			size_t tail = rest ? strlen(p + 3) : 0;
			if (tail && (len <= tail || strcmp(s + len - tail, p + 3) != 0))
				return false;
			len -= tail;
			if (len == 0 || n == QT_HTTP_PARAMS_MAX)
				return false;
			if (!decode(s, len, req->params[n], QT_HTTP_PARAM_MAX)) {
				req->params[n][0] = '\0';
				bad = true;
			}
			n++;
			p += rest ? 3 : 2;
			s += len;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	req->n_params = n;
	req->bad_param = bad;
	return *p == '\0' && *s == '\0';
}

const qt_route *qt_route_find(qt_req *req, bool *path_known)
{
	*path_known = false;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const qt_route *r = tables[t]; r->method; r++)
			if (match(r->pattern, req->path, req)) {
				if (strcmp(r->method, req->method) == 0)
					return r;
				*path_known = true;
			}
	return NULL;
}
