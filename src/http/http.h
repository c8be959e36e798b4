/* http.h — what a request handler sees: the request (method, path parameters, query,
 * headers, the whole body, who is asking) and the response it fills in. Handlers never
 * touch libmicrohttpd; the server (server.c) and the router (router.c) do. */
#ifndef QT_HTTP_H
#define QT_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/platform.h"
#include "util/buf.h"

#define QT_HTTP_PARAMS_MAX 4
#define QT_HTTP_PARAM_MAX  1024
#define QT_HTTP_BODY_MAX   (32u << 20) /* the largest route limit */
#define QT_HTTP_PAGE_MAX   1000        /* list pages */

typedef struct qt_req {
	void *conn; /* the server's connection; for qt_http_query/header only */
	const char *method;
	const char *path;                                   /* as sent: still percent-encoded */
	const char *query;                                  /* after '?', as sent; "" when none */
	char params[QT_HTTP_PARAMS_MAX][QT_HTTP_PARAM_MAX]; /* {x} segments, percent-decoded */
	size_t n_params;
	bool bad_param; /* a {x} segment did not decode: the server answers 400 */
	const char *body;
	size_t body_len;
	bool authed; /* who is set */
	qt_account who;
	qt_platform *p;
	qt_store *rd;           /* this thread's read connection */
	const char *public_url; /* `serve --public-url`, or NULL */
	const char *web_root;   /* the directory the web pages are served from */
	char client[64];        /* the peer's address (IPv6: its /64), for rate limits */
} qt_req;

typedef struct qt_resp {
	int status;
	const char *type; /* Content-Type */
	qt_buf body;
	char location[512];
	char cache_control[64];
	char headers[2048]; /* more headers: name NUL value NUL ... (qt_http_add_header) */
	size_t headers_len;
} qt_resp;

typedef void (*qt_handler)(qt_req *req, qt_resp *resp);

const char *qt_http_query(const qt_req *req, const char *name);
const char *qt_http_header(const qt_req *req, const char *name);
/* A query parameter and in *n its length as decoded, which a %00 in it leaves longer than
 * strlen says; NULL when absent. */
const char *qt_http_query_n(const qt_req *req, const char *name, size_t *n);
/* One more header on the answer; false (and nothing added) when it does not fit or holds a
 * line break. */
bool qt_http_add_header(qt_resp *resp, const char *name, const char *value);

/* JSON answers (steals v). */
void qt_http_json(qt_resp *resp, int status, json_t *v);
/* {"error":{"code":code,"message":...}} */
void qt_http_error(qt_resp *resp, int status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* The error for a failed qt_rc: invalid 400, notfound 404, conflict 409, denied 403,
 * toobig 413, anything else 500. */
void qt_http_fail(qt_resp *resp, qt_rc rc, const qt_err *err);
/* What a core call gave: answer with status (stolen) when rc is QT_OK, else its error. */
void qt_http_answer(qt_resp *resp, qt_rc rc, int status, json_t *answer, const qt_err *err);
void qt_http_text(qt_resp *resp, int status, const char *type, const void *p, size_t n);

/* A write of the caller's: the body as a JSON object to fn, whose answer goes out as 201
 * (with Location path/<answer[made].id> when path is given), or its error. */
typedef qt_rc (*qt_http_write_fn)(qt_platform *p, const qt_account *who, const json_t *body,
                                  json_t **answer, qt_err *err);
void qt_http_write(qt_req *req, qt_resp *resp, qt_http_write_fn fn, const char *made,
                   const char *path);
/* A write on the resource the path names ({} params[0]: a recall, a complaint, a warning):
 * the body to fn with that id, answered 200. */
typedef qt_rc (*qt_http_act_fn)(qt_platform *p, const qt_account *who, const char *id,
                                const json_t *body, json_t **answer, qt_err *err);
void qt_http_act(qt_req *req, qt_resp *resp, qt_http_act_fn fn);
/* The body as a JSON object; on failure the 400 is already in resp. */
json_t *qt_http_body_object(qt_req *req, qt_resp *resp);
/* ?limit= (default def, at most QT_HTTP_PAGE_MAX) and ?after=; false: 400 in resp. */
bool qt_http_page(qt_req *req, qt_resp *resp, size_t def, size_t *limit, const char **after);
/* ?order=oldest|newest (oldest when absent): *newest; false, with a 400 answered, otherwise. */
bool qt_http_order(qt_req *req, qt_resp *resp, bool *newest);

/* Route handlers, one file per resource. */
void qt_h_healthz(qt_req *req, qt_resp *resp);
void qt_h_metrics(qt_req *req, qt_resp *resp);
void qt_h_checkpoint(qt_req *req, qt_resp *resp);
void qt_h_tile(qt_req *req, qt_resp *resp);
void qt_h_ledger_key(qt_req *req, qt_resp *resp);
void qt_h_ledger_entry(qt_req *req, qt_resp *resp);
void qt_h_proof_inclusion(qt_req *req, qt_resp *resp);
void qt_h_proof_consistency(qt_req *req, qt_resp *resp);
void qt_h_units_register(qt_req *req, qt_resp *resp);
void qt_h_units_me(qt_req *req, qt_resp *resp);

/* The route for a request: the handler, who may call it, and how big its body may be. */
typedef struct qt_route {
	const char *method;
	const char *pattern; /* "/api/v1/ledger/entries/{}" */
	qt_handler handler;
	unsigned roles;   /* 0 = public; else a token of one of these roles */
	size_t max_body;  /* 0 = no body */
	bool writes;      /* runs on the write pool (it waits for a group commit) */
	const char *name; /* for metrics and the access log */
} qt_route;

/* Route tables of the resource files (each ends with a NULL method). */
extern const qt_route qt_routes_catalog[];    /* h_catalog.c: catalogue, products, batches */
extern const qt_route qt_routes_codes[];      /* h_codes.c: code issue, events, ledger upload */
extern const qt_route qt_routes_draws[];      /* h_draws.c: the double random draw, published */
extern const qt_route qt_routes_labels[];     /* h_labels.c: a code's printable label */
extern const qt_route qt_routes_scan[];       /* h_scan.c: the public view, producers' standing */
extern const qt_route qt_routes_check[];      /* h_check.c: checking incoming goods, checks list */
extern const qt_route qt_routes_resolver[];   /* h_resolver.c: GS1 Digital Link, /t/, /E= */
extern const qt_route qt_routes_trace[];      /* h_trace.c: tracing codes and batches */
extern const qt_route qt_routes_sampling[];   /* h_sampling.c: supervision sampling results */
extern const qt_route qt_routes_complaints[]; /* h_complaints.c: complaints, announcements */
extern const qt_route qt_routes_recalls[];    /* h_recalls.c: recalls, their progress and impact */
extern const qt_route qt_routes_stats[];      /* h_stats.c: a regulator's statistics */
extern const qt_route qt_routes_warnings[];   /* h_warnings.c: risk warnings for regulators */
extern const qt_route qt_routes_web[];        /* h_web.c: the web pages and their files */

/* The base of the links this server hands out: `serve --public-url`, else http:// and the
 * request's Host (false when that is not a host name or address with an optional port). */
#define QT_HTTP_BASE_MAX 300 /* "https://" + a host name of up to 253 bytes + ":65535" */
bool qt_http_base_url(const qt_req *req, char out[QT_HTTP_BASE_MAX]);

/* Whether url can be `serve --public-url`: http(s)://host[:port], no path. */
qt_rc qt_http_public_url_check(const char *url, qt_err *err) __attribute__((warn_unused_result));

/* Match method and path; fills req->params. NULL with *path_known = whether some other
 * method matches (405 rather than 404). */
const qt_route *qt_route_find(qt_req *req, bool *path_known);

/* Metrics the server counts and /metrics prints. */
void qt_metrics_observe(const char *route, int status, double seconds);
void qt_metrics_print(qt_buf *out);

#endif
