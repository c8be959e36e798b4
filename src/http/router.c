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
static const qt_route *const tables[] = {core_routes, qt_routes_catalog, qt_routes_codes,
                                         qt_routes_trace};

/* A path segment into out; false when it does not fit. libmicrohttpd hands the path over
 * already percent-decoded: decoding it again would turn a code's own escapes (a serial
 * "A%2FB" in a canonical key, sent as "A%252FB") into something else. */
static bool copy(const char *s, size_t n, char *out, size_t max)
{
	bool ok = n < max;

	if (ok) {
		memcpy(out, s, n);
		out[n] = '\0';
	}
	return ok;
}

static bool match(const char *pattern, const char *path, qt_req *req)
{
	const char *p = pattern, *s = path;
	size_t n = 0;

	while (*p && *s) {
		if (strncmp(p, "{*}", 3) == 0) {
			if (n == QT_HTTP_PARAMS_MAX || !*s ||
			    !copy(s, strlen(s), req->params[n++], QT_HTTP_PARAM_MAX))
				return false;
			req->n_params = n;
			return true;
		}
		if (strncmp(p, "{}", 2) == 0) {
			const char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			if (len == 0 || n == QT_HTTP_PARAMS_MAX ||
			    !copy(s, len, req->params[n++], QT_HTTP_PARAM_MAX))
				return false;
			p += 2;
			s += len;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	req->n_params = n;
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
