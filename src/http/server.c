/* server.c — the HTTP server: libmicrohttpd with internal epoll threads (one per core) reads
 * requests and writes answers; handlers that wait for a group commit run on a pool of
 * writer threads (the connection is suspended meanwhile), so 64 clients writing one event
 * each share one fsync instead of queueing behind each other. Connections are accepted here
 * and dealt to the epoll thread that holds the fewest. Also the access log, the metrics and
 * the graceful stop. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "util/json_write.h"
#include "util/utf8.h"

typedef struct conn_state {
	qt_req req;
	qt_resp resp;
	const qt_route *route;
	qt_buf body;
	char *target; /* the request target as sent: path, NUL, query */
	bool started, too_big, answered, queued;
	double t0;
	struct MHD_Connection *mhd;
	struct conn_state *next; /* write pool queue */
	struct server *srv;
} conn_state;

typedef struct server {
	qt_platform *p;
	const char *public_url;
	const char *web_root;
	FILE *log;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	conn_state *qhead, **qtail;
	bool stopping;
	pthread_t *writers;
	unsigned n_writers;
	atomic_int in_flight;
	/* one libmicrohttpd daemon per epoll thread, and the connections each holds */
	struct MHD_Daemon *d[QT_HTTP_THREADS_MAX];
	atomic_int conns[QT_HTTP_THREADS_MAX];
	unsigned n_d, next_d;
	int listen_fd;
	atomic_bool closing; /* stop accepting */
	pthread_t acceptor;
	bool accepting; /* the acceptor thread runs */
} server;

/* The peer's address as text; an IPv6 peer by its /64, since one household or phone is
 * handed a whole /64 and could otherwise walk through it. */
static void client_address(struct MHD_Connection *mhd, char out[64])
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	struct in6_addr a6;

	snprintf(out, 64, "unknown");
	if (sa && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          64);
	} else if (sa && sa->sa_family == AF_INET6) {
		a6 = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		memset(a6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a6, out, 60))
			strcat(out, "/64");
	}
}

/* ---- helpers for handlers ---- */

const char *qt_http_query(const qt_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *qt_http_query_n(const qt_req *req, const char *name, size_t *n)
{
	const char *v = NULL;

	if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
	                                  n) != MHD_YES)
		v = NULL;
	return v;
}

const char *qt_http_header(const qt_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

bool qt_http_add_header(qt_resp *resp, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	bool ok = n + v + 2 <= sizeof resp->headers - resp->headers_len &&
	          !strpbrk(name, "\r\n:") && !strpbrk(value, "\r\n");

	/* stored as name NUL value NUL pairs; a value with a line break would split the
	 * answer, so it is refused rather than sent */
	if (ok) {
		memcpy(resp->headers + resp->headers_len, name, n + 1);
		memcpy(resp->headers + resp->headers_len + n + 1, value, v + 1);
		resp->headers_len += n + v + 2;
	}
	return ok;
}

void qt_http_text(qt_resp *resp, int status, const char *type, const void *p, size_t n)
{
	resp->status = status;
	resp->type = type;
	qt_buf_reset(&resp->body);
	if (qt_buf_append(&resp->body, p, n) != QT_OK) {
		resp->status = 500;
		resp->type = "text/plain";
		qt_buf_reset(&resp->body);
	}
}

void qt_http_json(qt_resp *resp, int status, json_t *v)
{
	qt_buf_reset(&resp->body);
	if (v && qt_json_write(v, false, &resp->body) == QT_OK) {
		resp->status = status;
		resp->type = "application/json";
	} else {
		static const char failed[] =
		        "{\"error\":{\"code\":\"internal\",\"message\":\"the answer could not be "
		        "written\"}}";
		qt_http_text(resp, 500, "application/json", failed, sizeof failed - 1);
	}
	json_decref(v);
}

void qt_http_error(qt_resp *resp, int status, const char *code, const char *fmt, ...)
{
	char msg[QT_ERR_MSG_MAX + 100], text[3 * sizeof msg];
	size_t n, i = 0, o = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Messages quote what the caller sent (a path, a query) and are cut at a byte limit:
	 * bytes that are not UTF-8 become U+FFFD, or the error itself could not be JSON. */
	for (n = strlen(msg); i < n;) {
		size_t k = qt_utf8_decode(msg + i, n - i, NULL);
		if (k) {
			memcpy(text + o, msg + i, k);
			o += k;
			i += k;
		} else {
			memcpy(text + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	text[o] = '\0';
	qt_http_json(resp, status,
	             json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", text));
}

void qt_http_fail(qt_resp *resp, qt_rc rc, const qt_err *err)
{
	const char *msg = err && err->msg[0] ? err->msg : qt_rc_str(rc);
	switch (rc) {
	case QT_ERR_INVALID: qt_http_error(resp, 400, "invalid", "%s", msg); break;
	case QT_ERR_NOTFOUND: qt_http_error(resp, 404, "not_found", "%s", msg); break;
	case QT_ERR_CONFLICT: qt_http_error(resp, 409, "conflict", "%s", msg); break;
	case QT_ERR_DENIED: qt_http_error(resp, 403, "forbidden", "%s", msg); break;
	case QT_ERR_TOOBIG: qt_http_error(resp, 413, "too_large", "%s", msg); break;
	case QT_ERR_USAGE: qt_http_error(resp, 400, "invalid", "%s", msg); break;
	default: qt_http_error(resp, 500, "internal", "%s", msg); break;
	}
}

void qt_http_answer(qt_resp *resp, qt_rc rc, int status, json_t *answer, const qt_err *err)
{
	if (rc == QT_OK)
		qt_http_json(resp, status, answer);
	else
		qt_http_fail(resp, rc, err);
}

void qt_http_write(qt_req *req, qt_resp *resp, qt_http_write_fn fn, const char *made,
                   const char *path)
{
	json_t *body = qt_http_body_object(req, resp), *answer = NULL;
	const char *id;
	qt_err err = {{0}};
	qt_rc rc;

	if (!body)
		return;
	rc = fn(req->p, &req->who, body, &answer, &err);
	if (rc == QT_OK && path &&
	    (id = json_string_value(json_object_get(json_object_get(answer, made), "id"))))
		snprintf(resp->location, sizeof resp->location, "%s/%s", path, id);
	qt_http_answer(resp, rc, 201, answer, &err);
	json_decref(body);
}

void qt_http_act(qt_req *req, qt_resp *resp, qt_http_act_fn fn)
{
	json_t *body = qt_http_body_object(req, resp), *answer = NULL;
	qt_err err = {{0}};
	qt_rc rc;

	if (!body)
		return;
	rc = fn(req->p, &req->who, req->params[0], body, &answer, &err);
	qt_http_answer(resp, rc, 200, answer, &err);
	json_decref(body);
}

json_t *qt_http_body_object(qt_req *req, qt_resp *resp)
{
	json_error_t je;
	json_t *v;

	if (req->body_len == 0) {
		qt_http_error(resp, 400, "invalid", "a JSON object body is required");
		return NULL;
	}
	v = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		qt_http_error(resp, 400, "malformed_json", "body is not JSON: %s at byte %d",
		              je.text, je.position);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		qt_http_error(resp, 400, "invalid", "the body must be a JSON object");
		return NULL;
	}
	return v;
}

bool qt_http_page(qt_req *req, qt_resp *resp, size_t def, size_t *limit, const char **after)
{
	const char *l = qt_http_query(req, "limit");
	char *end;
	long v;

	*after = qt_http_query(req, "after");
	*limit = def;
	if (*after && strlen(*after) > 400) {
		qt_http_error(resp, 400, "invalid", "'after' is longer than 400 bytes");
		return false;
	}
	if (l) {
		errno = 0;
		v = strtol(l, &end, 10);
		if (errno || *end || end == l || v < 1 || v > QT_HTTP_PAGE_MAX) {
			qt_http_error(resp, 400, "invalid", "'limit' must be from 1 to %d",
			              QT_HTTP_PAGE_MAX);
			return false;
		}
		*limit = (size_t)v;
	}
	return true;
}

bool qt_http_order(qt_req *req, qt_resp *resp, bool *newest)
{
	const char *order = qt_http_query(req, "order");
	bool ok = !order || strcmp(order, "oldest") == 0 || strcmp(order, "newest") == 0;

	*newest = order && strcmp(order, "newest") == 0;
	if (!ok)
		qt_http_error(resp, 400, "invalid", "'order' must be \"oldest\" or \"newest\"");
	return ok;
}

/* ---- running a request ---- */

static void authenticate(conn_state *c)
{
	const char *h = qt_http_header(&c->req, "Authorization");
	qt_err err = {{0}};
	qt_rc rc;

	if (!h || strncmp(h, "Bearer ", 7) != 0) {
		qt_http_error(&c->resp, 401, "unauthorized",
		              "this needs 'Authorization: Bearer <token>'");
		return;
	}
	rc = qt_accounts_auth(c->req.rd, c->req.p->auth, h + 7, &c->req.who, &err);
	if (rc == QT_ERR_NOTFOUND) {
		qt_http_error(&c->resp, 401, "unauthorized", "unknown token");
		return;
	}
	if (rc != QT_OK) {
		qt_http_fail(&c->resp, rc, &err);
		return;
	}
	c->req.authed = true;
	if (c->route->roles && !(c->req.who.roles & c->route->roles))
		qt_http_error(&c->resp, 403, "forbidden", "a %s account may not do this",
		              qt_role_name(c->req.who.roles & -c->req.who.roles));
}

static void run_handler(conn_state *c)
{
	qt_err err = {{0}};

	c->req.body = c->body.p ? c->body.p : "";
	c->req.body_len = c->body.len;
	c->req.rd = qt_platform_reader(c->req.p, &err);
	if (!c->req.rd) {
		qt_http_error(&c->resp, 503, "unavailable", "cannot read the database: %s",
		              err.msg);
		return;
	}
	/* an optional token on public routes still identifies the caller */
	if (c->route->roles || qt_http_header(&c->req, "Authorization")) {
		authenticate(c);
		if (c->resp.status)
			return;
	}
	c->route->handler(&c->req, &c->resp);
	if (!c->resp.status)
		qt_http_error(&c->resp, 500, "internal", "no answer");
}

static void *writer_main(void *arg)
{
	server *s = arg;

	for (;;) {
		conn_state *c;
		pthread_mutex_lock(&s->qlock);
		while (!s->qhead && !s->stopping)
			pthread_cond_wait(&s->qcond, &s->qlock);
		if (!s->qhead) {
			pthread_mutex_unlock(&s->qlock);
			break;
		}
		c = s->qhead;
		s->qhead = c->next;
		if (!s->qhead)
			s->qtail = &s->qhead;
		pthread_mutex_unlock(&s->qlock);
		run_handler(c);
		c->answered = true;
		MHD_resume_connection(c->mhd);
	}
	return NULL;
}

static enum MHD_Result respond(conn_state *c)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	        c->resp.body.len, c->resp.body.p ? c->resp.body.p : (void *)"",
	        MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type",
	                        c->resp.type ? c->resp.type : "application/json");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (c->resp.location[0])
		MHD_add_response_header(r, "Location", c->resp.location);
	for (size_t i = 0; i < c->resp.headers_len;) {
		const char *name = c->resp.headers + i, *value = name + strlen(name) + 1;
		MHD_add_response_header(r, name, value);
		i = (size_t)(value + strlen(value) + 1 - c->resp.headers);
	}
	MHD_add_response_header(r, "Cache-Control",
	                        c->resp.cache_control[0] ? c->resp.cache_control : "no-store");
	ret = MHD_queue_response(c->mhd, (unsigned)c->resp.status, r);
	MHD_destroy_response(r);
	return ret;
}

/* libmicrohttpd percent-decodes the path before on_request sees it, so "%2F" inside a
 * segment (a serial number may hold a '/') would become a separator and the router would
 * decode a second time. The request target is kept as sent: routes match the raw path and
 * decode their parameters once; the resolver reads GS1 attributes from the raw query. */
static void *on_target(void *cls, const char *uri, struct MHD_Connection *mhd)
{
	conn_state *c = calloc(1, sizeof *c);
	char *q;
	(void)cls;
	(void)mhd;

	if (c && !(c->target = strdup(uri))) {
		free(c);
		c = NULL;
	}
	if (c) {
		q = strchr(c->target, '?');
		if (q)
			*q++ = '\0';
		c->req.path = c->target;
		c->req.query = q ? q : "";
	}
	return c;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mhd, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	server *s = cls;
	conn_state *c = *con_cls;
	bool known;
	(void)version;
	(void)url;

	if (!c)
		return MHD_NO; /* on_target could not allocate */
	if (!c->started) {
		c->started = true;
		c->t0 = qt_time_mono();
		c->mhd = mhd;
		c->srv = s;
		c->req.conn = mhd;
		c->req.method = method;
		c->req.p = s->p;
		c->req.public_url = s->public_url;
		c->req.web_root = s->web_root;
		client_address(mhd, c->req.client);
		qt_buf_init(&c->resp.body, 1u << 30);
		c->route = qt_route_find(&c->req, &known);
		qt_buf_init(&c->body, c->route ? c->route->max_body : 0);
		if (!c->route)
			qt_http_error(&c->resp, known ? 405 : 404,
			              known ? "method_not_allowed" : "not_found",
			              known ? "%s is not allowed on %.200s"
			                    : "no such page: %.200s%s",
			              known ? method : c->req.path, known ? c->req.path : "");
		else if (c->req.bad_param)
			qt_http_error(
			        &c->resp, 400, "invalid",
			        "the path %.200s has a bad percent-escape, an encoded NUL or a "
			        "part longer than %d bytes",
			        c->req.path, QT_HTTP_PARAM_MAX - 1);
		atomic_fetch_add(&s->in_flight, 1);
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* keep reading a body that is too large, so the 413 reaches the client */
		if (!c->resp.status && !c->too_big &&
		    qt_buf_append(&c->body, upload_data, *upload_data_size) != QT_OK) {
			c->too_big = true;
			qt_buf_free(&c->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (c->answered || c->resp.status)
		return respond(c);
	if (c->too_big) {
		qt_http_error(&c->resp, 413, "too_large", "the body is larger than %zu bytes",
		              c->route->max_body);
		return respond(c);
	}
	if (c->route->writes && !c->queued) {
		c->queued = true;
		MHD_suspend_connection(mhd);
		pthread_mutex_lock(&s->qlock);
		c->next = NULL;
		*s->qtail = c;
		s->qtail = &c->next;
		pthread_cond_signal(&s->qcond);
		pthread_mutex_unlock(&s->qlock);
		return MHD_YES;
	}
	run_handler(c);
	c->answered = true;
	return respond(c);
}

static void json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
}

static void on_completed(void *cls, struct MHD_Connection *mhd, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	server *s = cls;
	conn_state *c = *con_cls;
	double secs;
	(void)mhd;

	if (!c)
		return;
	if (!c->started) {
		/* the connection ended before its request was read: nothing to count */
		free(c->target);
		free(c);
		*con_cls = NULL;
		return;
	}
	secs = qt_time_mono() - c->t0;
	qt_metrics_observe(c->route ? c->route->name : "unmatched", c->resp.status, secs);
	if (s->log) {
		char ts[32];
		qt_time_now(ts);
		flockfile(s->log);
		fprintf(s->log, "{\"ts\":\"%s\",\"method\":\"", ts);
		json_escape(s->log, c->req.method ? c->req.method : "");
		fputs("\",\"path\":\"", s->log);
		json_escape(s->log, c->req.path ? c->req.path : "");
		fprintf(s->log,
		        "\",\"route\":\"%s\",\"status\":%d,\"ms\":%.3f,\"bytes_in\":%zu,"
		        "\"bytes_out\":%zu,\"account\":\"%s\"%s}\n",
		        c->route ? c->route->name : "", c->resp.status, secs * 1e3, c->body.len,
		        c->resp.body.len, c->req.authed ? c->req.who.id : "",
		        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
		funlockfile(s->log);
	}
	qt_buf_free(&c->body);
	qt_buf_free(&c->resp.body);
	free(c->target);
	free(c);
	*con_cls = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}

/* A daemon's count of its connections (cls) is one less when one ends. It is one more as
 * soon as the acceptor hands it one: the daemon's own notice of the start comes later, and
 * a burst counted from those notices went wholly to one daemon. */
static void on_connection(void *cls, struct MHD_Connection *mhd, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	(void)mhd;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_sub((atomic_int *)cls, 1);
}

/* The daemon that holds the fewest connections; of equals, the next in turn. */
static unsigned fewest(server *s)
{
	unsigned best = s->next_d % s->n_d;

	for (unsigned k = 1; k < s->n_d; k++) {
		unsigned i = (s->next_d + k) % s->n_d;
		if (atomic_load(&s->conns[i]) < atomic_load(&s->conns[best]))
			best = i;
	}
	s->next_d = best + 1;
	return best;
}

/* A libmicrohttpd thread pool lets each thread accept from the listening socket on its own,
 * and a burst of keep-alive clients could all land on one thread, leaving the other cores
 * idle for those connections' lives (seen: 16 clients on one of two threads). Connections
 * are accepted here instead, and each goes to the daemon (one thread each) holding fewest. */
static void *acceptor_main(void *arg)
{
	server *s = arg;

	while (!atomic_load(&s->closing)) {
		struct sockaddr_storage addr;
		socklen_t len = sizeof addr;
		int fd = accept(s->listen_fd, (struct sockaddr *)&addr, &len);
		if (fd >= 0) {
			fcntl(fd, F_SETFD, FD_CLOEXEC); /* accept4 is not POSIX */
			unsigned i = fewest(s);
			atomic_fetch_add(&s->conns[i], 1);
			/* on failure (out of memory, too many connections) MHD closes it */
			if (MHD_add_connection(s->d[i], fd, (struct sockaddr *)&addr, len) !=
			    MHD_YES)
				atomic_fetch_sub(&s->conns[i], 1);
		} else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		           errno == ENOMEM) {
			/* out of descriptors: let connections end rather than spin */
			nanosleep(&(struct timespec){0, 10000000}, NULL);
		}
		/* otherwise (a peer gone before accept, a signal, the socket shut down to stop
		 * this thread) the loop's test decides */
	}
	return NULL;
}

static qt_rc listen_on(server *s, const struct sockaddr_in *sa, const char *text, qt_err *err)
{
	int one = 1;
	qt_rc rc = QT_OK;

	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0 ||
	    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(s->listen_fd, (const struct sockaddr *)sa, sizeof *sa) != 0 ||
	    listen(s->listen_fd, 1024) != 0)
		rc = qt_err_set(err, QT_ERR_IO, "cannot listen on %s: %s", text, strerror(errno));
	return rc;
}

/* The port listened on (the one the system chose for port 0). */
static unsigned listen_port(const server *s)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;

	return getsockname(s->listen_fd, (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin_port) : 0;
}

/* Stops taking connections: the acceptor sees closing once accept returns, which shutting
 * the socket down makes it do. */
static void stop_accepting(server *s)
{
	atomic_store(&s->closing, true);
	if (s->listen_fd >= 0)
		shutdown(s->listen_fd, SHUT_RDWR);
	if (s->accepting)
		pthread_join(s->acceptor, NULL);
	s->accepting = false;
}

static bool parse_listen(const char *listen, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	long port;
	char *end;

	if (!colon || (size_t)(colon - listen) >= sizeof host)
		return false;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return false;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) == 1;
}

/* One server per database: a second would keep its own caches of what the first changes
 * (accounts, the public view's documents) and sign checkpoints beside it. The lock is an
 * flock on FILE.lock, which the kernel releases however the server ends; the file names the
 * holder's pid for the message a second server gives. */
static qt_rc serve_lock(const char *db, int *fd, qt_err *err)
{
	char path[4096], pid[32] = "";
	ssize_t n;
	qt_rc rc = QT_OK;

	snprintf(path, sizeof path, "%s.lock", db);
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc = qt_err_set(err, QT_ERR_IO, "cannot open %.150s: %s", path, strerror(errno));
	} else if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		if ((n = pread(*fd, pid, sizeof pid - 1, 0)) > 0)
			pid[strcspn(pid, "\n")] = '\0';
		rc = qt_err_set(err, QT_ERR_CONFLICT,
		                "another qtrace serve%s%s%s is serving %.120s: stop it first",
		                pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "", db);
		close(*fd);
		*fd = -1;
	} else {
		n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		if (ftruncate(*fd, 0) != 0 || pwrite(*fd, pid, (size_t)n, 0) != n)
			rc = qt_err_set(err, QT_ERR_IO, "cannot write %.150s: %s", path,
			                strerror(errno));
	}
	return rc;
}

qt_rc qt_server_run(const qt_server_opts *opts, qt_err *err)
{
	server s = {.listen_fd = -1};
	struct sockaddr_in sa;
	const char *listen_text = opts->listen ? opts->listen : "127.0.0.1:8080";
	sigset_t sigs;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = opts->threads                 ? opts->threads
	                   : cores < 1                   ? 1
	                   : cores > QT_HTTP_THREADS_MAX ? QT_HTTP_THREADS_MAX
	                                                 : (unsigned)cores;
	int sig, lock = -1;
	qt_rc rc = QT_OK;

	if (!parse_listen(listen_text, &sa))
		return qt_err_set(err, QT_ERR_USAGE,
		                  "--listen wants HOST:PORT, e.g. 127.0.0.1:8080");
	if (threads > QT_HTTP_THREADS_MAX)
		return qt_err_set(err, QT_ERR_USAGE, "--threads wants 1 to %d",
		                  QT_HTTP_THREADS_MAX);
	if (opts->public_url && (rc = qt_http_public_url_check(opts->public_url, err)) != QT_OK)
		return rc;
	/* every thread made from here on inherits the blocked signals; main waits for them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = serve_lock(opts->db, &lock, err)) != QT_OK ||
	    (rc = qt_platform_open(opts->db, &s.p, err)) != QT_OK ||
	    (rc = listen_on(&s, &sa, listen_text, err)) != QT_OK)
		goto out;
	s.log = opts->access_log;
	s.public_url = opts->public_url;
	s.web_root = opts->web_root ? opts->web_root : QT_WEB_DIR;
	pthread_mutex_init(&s.qlock, NULL);
	pthread_cond_init(&s.qcond, NULL);
	s.qtail = &s.qhead;
	s.n_writers = opts->writers ? opts->writers : 64;
	s.writers = calloc(s.n_writers, sizeof *s.writers);
	for (unsigned i = 0; s.writers && i < s.n_writers; i++)
		if (pthread_create(&s.writers[i], NULL, writer_main, &s) != 0) {
			s.n_writers = i;
			break;
		}
	if (!s.writers || s.n_writers == 0) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "cannot start the writer threads");
		goto out;
	}
	for (; s.n_d < threads; s.n_d++) {
		s.d[s.n_d] = MHD_start_daemon(
		        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC |
		                MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
		        0, NULL, NULL, on_request, &s, MHD_OPTION_URI_LOG_CALLBACK, on_target, &s,
		        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s, MHD_OPTION_NOTIFY_CONNECTION,
		        on_connection, &s.conns[s.n_d], MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		        MHD_OPTION_CONNECTION_MEMORY_LIMIT, QT_HTTP_CONN_MEMORY, MHD_OPTION_END);
		if (!s.d[s.n_d]) {
			rc = qt_err_set(err, QT_ERR_IO, "cannot start the HTTP threads on %s",
			                listen_text);
			goto out;
		}
	}
	if (pthread_create(&s.acceptor, NULL, acceptor_main, &s) != 0) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "cannot start the accepting thread");
		goto out;
	}
	s.accepting = true;
	if (opts->ready)
		opts->ready(opts->ready_ctx, listen_port(&s));

	/* The access log is written out once a second rather than per request: a write(2) per
	 * lookup was a twentieth of the server's time. A crash loses at most that second. */
	while ((sig = sigtimedwait(&sigs, NULL, &(struct timespec){1, 0})) < 0)
		if (s.log)
			fflush(s.log);
	/* Stop taking connections, let the requests in flight finish (their commits too). */
	stop_accepting(&s);
	for (int i = 0; i < 3000 && atomic_load(&s.in_flight) > 0; i++)
		nanosleep(&(struct timespec){0, 10000000}, NULL);
out:
	stop_accepting(&s);
	for (unsigned i = 0; i < s.n_d; i++)
		MHD_stop_daemon(s.d[i]);
	if (s.listen_fd >= 0)
		close(s.listen_fd);
	pthread_mutex_lock(&s.qlock);
	s.stopping = true;
	pthread_cond_broadcast(&s.qcond);
	pthread_mutex_unlock(&s.qlock);
	for (unsigned i = 0; s.writers && i < s.n_writers; i++)
		pthread_join(s.writers[i], NULL);
	free(s.writers);
	qt_platform_close(s.p);
	if (lock >= 0)
		close(lock);
	return rc;
}
