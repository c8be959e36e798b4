/* bench_http.c — durable event ingest over HTTP, as clients send it: POST /api/v1/events to a
 * real `qtrace serve` (its own process, fresh database, access log on), 10,000 events per
 * request, and one event per request from 64 keep-alive clients. Each figure is printed beside
 * its DESIGN.md target, the raw SQLite loop writing the same rows, and a trivial
 * libmicrohttpd responder driven by the same client code. Every answer's status is checked;
 * any failure makes the run fail. `--smoke` (ctest) runs tiny counts only to keep this code
 * working. Usage: bench_http [--smoke] [path/to/qtrace]; default: qtrace beside this program. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>

#include "http/server.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codes/uscc.h"
#include "common.h"
#include "core/trace.h"
#include "util/buf.h"

#define BULK_TARGET   200000.0
#define SINGLE_TARGET 20000.0
#define ANSWER_MAX    (64u << 20)

/* One load shape: clients at once, each sending up to per_client requests of events_each
 * events (each event commissions a code of its own), until they are sent or seconds pass. */
typedef struct shape {
	unsigned clients, per_client, events_each;
	double seconds;
} shape;

typedef struct plan {
	shape bulk, one;
	double raw_one_seconds; /* raw loop at one row per transaction: fsync-bound, so capped */
} plan;

static const plan full = {{1, 20, QT_EVENTS_MAX, 30.0}, {64, 500, 1, 10.0}, 3.0};
static const plan smoke = {{1, 2, 100, 120.0}, {64, 2, 1, 120.0}, 0.2};

/* What die() must undo: the server child and the temporary directory. */
static pid_t server_pid;
static char tmp_dir[] = "/tmp/qt-bench-http-XXXXXX";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("bench_http: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	bench_remove_dir(tmp_dir);
	exit(1);
}

/* ---- a small HTTP/1.1 client: one keep-alive connection, one request at a time ---- */

typedef struct http {
	unsigned port;
	int fd;           /* -1: connect on the next request */
	qt_buf in;        /* the last answer, head and body */
	const char *body; /* the last answer's body, inside in */
	size_t body_len;
} http;

static void http_init(http *h, unsigned port)
{
	h->port = port;
	h->fd = -1;
	h->body = NULL;
	h->body_len = 0;
	qt_buf_init(&h->in, ANSWER_MAX);
}

static void http_close(http *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

static void http_free(http *h)
{
	http_close(h);
	qt_buf_free(&h->in);
}

static bool http_connect(http *h)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port)};
	int one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((h->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return false;
	/* a request goes out in one write; don't let Nagle hold back the next one */
	setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(h->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		http_close(h);
		return false;
	}
	return true;
}

static bool send_all(int fd, struct iovec *iov, size_t n)
{
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = n};

	while (m.msg_iovlen) {
		ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		while (m.msg_iovlen && (size_t)w >= m.msg_iov->iov_len) {
			w -= (ssize_t)m.msg_iov->iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen) {
			m.msg_iov->iov_base = (char *)m.msg_iov->iov_base + w;
			m.msg_iov->iov_len -= (size_t)w;
		}
	}
	return true;
}

/* More bytes of the answer into h->in; false on a closed connection or an error. */
static bool fill(http *h)
{
	ssize_t r;

	if (qt_buf_reserve(&h->in, 65536) != QT_OK)
		return false;
	do
		r = recv(h->fd, h->in.p + h->in.len, h->in.cap - h->in.len - 1, 0);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return false;
	h->in.len += (size_t)r;
	h->in.p[h->in.len] = '\0';
	return true;
}

/* The value of header name in the head [p, end), or NULL. */
static const char *header(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	for (; p && p < end; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL)
		if ((size_t)(end - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':')
			return p + n + 1;
	return NULL;
}

/* Reads one answer: head, then a Content-Length body (all libmicrohttpd sends for a
 * buffer). Returns the status, or -1 when the connection failed or the answer is not
 * understood. */
static int read_answer(http *h)
{
	const char *end = NULL, *v;
	size_t head, len;
	int status;

	qt_buf_reset(&h->in);
	while (!end) {
		if (!fill(h))
			return -1;
		end = strstr(h->in.p, "\r\n\r\n");
	}
	head = (size_t)(end + 4 - h->in.p);
	if (sscanf(h->in.p, "HTTP/1.%*d %d", &status) != 1 ||
	    !(v = header(h->in.p, end, "Content-Length")))
		return -1;
	len = strtoul(v, NULL, 10);
	v = header(h->in.p, end, "Connection");
	if (v && strncasecmp(v + strspn(v, " "), "close", 5) == 0)
		http_close(h);
	while (h->in.len < head + len)
		if (h->fd < 0 || !fill(h))
			return -1;
	h->body = h->in.p + head;
	h->body_len = len;
	return status;
}

/* One request; the answer's body is h->body. Returns the status or -1 (connection failed;
 * the next request reconnects). */
static int http_request(http *h, const char *method, const char *path, const char *token,
                        const char *body, size_t body_len)
{
	char head[512];
	struct iovec iov[2];
	int n, status;

	if (h->fd < 0 && !http_connect(h))
		return -1;
	n = snprintf(head, sizeof head,
	             "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s%s%sContent-Type: "
	             "application/json\r\nContent-Length: %zu\r\n\r\n",
	             method, path, h->port, token ? "Authorization: Bearer " : "",
	             token ? token : "", token ? "\r\n" : "", body_len);
	iov[0] = (struct iovec){head, (size_t)n};
	iov[1] = (struct iovec){(void *)body, body_len};
	if (!send_all(h->fd, iov, body_len ? 2 : 1) || (status = read_answer(h)) < 0) {
		http_close(h);
		return -1;
	}
	return status;
}

/* A setup request that must be answered with status want (its body is then h->body). */
static void must(http *h, const char *method, const char *path, const char *token, const char *body,
                 int want)
{
	int status = http_request(h, method, path, token, body, body ? strlen(body) : 0);

	if (status != want)
		die("%s %s: status %d, not %d: %.*s", method, path, status, want,
		    status > 0 ? (int)(h->body_len < 400 ? h->body_len : 400) : 0,
		    status > 0 ? h->body : "");
}

/* The last answer as JSON. */
static json_t *answer_json(const http *h)
{
	json_t *v = json_loadb(h->body, h->body_len, 0, NULL);
	if (!v)
		die("the answer is not JSON: %.*s", (int)(h->body_len < 400 ? h->body_len : 400),
		    h->body);
	return v;
}

/* POST of a JSON body (taken) that must be answered 201; returns the answer. */
static json_t *must_post(http *h, const char *path, const char *token, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	if (!text)
		die("out of memory");
	must(h, "POST", path, token, text, 201);
	free(text);
	json_decref(body);
	return answer_json(h);
}

/* ---- the qtrace child ---- */

/* Runs argv with stdout and stderr to log (stdin from /dev/null); returns its pid. */
static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY),
		    out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void print_file(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		fputs(line, stderr);
	if (f)
		fclose(f);
}

/* qtrace serve on a port of the kernel's choosing; returns the port it announced. */
static unsigned start_server(const char *qtrace, const char *db)
{
	char log[300], access[300], line[512];
	char *argv[] = {(char *)qtrace, "serve",        "--db", (char *)db, "--listen",
	                "127.0.0.1:0",  "--access-log", access, NULL};
	unsigned port = 0;

	snprintf(log, sizeof log, "%s/server.log", tmp_dir);
	snprintf(access, sizeof access, "%s/access.log", tmp_dir);
	server_pid = spawn(argv, log);
	for (int i = 0; i < 600 && !port; i++) {
		FILE *f = fopen(log, "r");
		while (f && fgets(line, sizeof line, f))
			if (sscanf(line, "qtrace: serving on http://127.0.0.1:%u/", &port) == 1)
				break;
		if (f)
			fclose(f);
		if (!port && waitpid(server_pid, NULL, WNOHANG) == server_pid) {
			server_pid = 0;
			print_file(log);
			die("qtrace serve exited");
		}
		if (!port)
			nanosleep(&(struct timespec){0, 50000000}, NULL);
	}
	if (!port)
		die("qtrace serve did not start within 30 s");
	return port;
}

/* SIGTERM, as an operator stops it; true when it stopped cleanly (exit status 0). */
static bool stop_server(void)
{
	int st;
	kill(server_pid, SIGTERM);
	if (waitpid(server_pid, &st, 0) != server_pid)
		st = -1;
	server_pid = 0;
	return st == 0;
}

/* ---- the platform's state for the run: a producer, a product, a batch, codes ---- */

/* A valid 统一社会信用代码: authority 9, category 1, the division, the organisation code
 * body org8 with its GB 11714 check, then the GB 32100 check character. */
static void make_uscc(const char *division, const char *org8, char out[QT_USCC_LEN + 1])
{
	char first17[18];
	snprintf(first17, sizeof first17, "91%s%s%c", division, org8, qt_uscc_org_check_char(org8));
	snprintf(out, QT_USCC_LEN + 1, "%s%c", first17, qt_uscc_check_char(first17));
}

/* Registers the producer, its product and batch, and issues the codes bench_key(0 … n-1),
 * QT_ISSUE_MAX per request; token gets the producer's. */
static void prepare(http *h, unsigned long n, char token[QT_TOKEN_LEN + 1])
{
	char uscc[QT_USCC_LEN + 1];
	json_t *v;
	const char *product, *batch;
	qt_buf body;

	make_uscc("350100", "B0000001", uscc);
	v = must_post(h, "/api/v1/units", NULL,
	              json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:[s]}", "name", "福建电缆厂",
	                        "uscc", uscc, "address", "福建省福州市鼓楼区1号", "contact",
	                        "0591-12345678", "licence", "sha256",
	                        "abababababababababababababababababababababababababababababababab",
	                        "name", "营业执照.pdf", "roles", "producer"));
	snprintf(token, QT_TOKEN_LEN + 1, "%s", json_string_value(json_object_get(v, "token")));
	json_decref(v);
	v = must_post(h, "/api/v1/products", token,
	              json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:[s], s:s}", "name",
	                        "塑料绝缘控制电缆 KVV", "catalog_unit",
	                        "wire-cable.plastic-control", "type", "控制电缆", "model",
	                        "KVV 4×1.5", "standard", "GB/T 9330-2020", "licence_no",
	                        "XK06-014-00123", "warranty_months", 24, "schemes", "gs1", "gtin",
	                        "6901234567892"));
	product = json_string_value(json_object_get(json_object_get(v, "product"), "id"));
	json_t *b = must_post(
	        h, "/api/v1/batches", token,
	        json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s}}", "product", product, "batch_no",
	                  "L2026-11", "production_date", "2026-11-01", "quantity", (json_int_t)n,
	                  "inspection_report", "sha256",
	                  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	                  "name", "出厂检验.pdf"));
	batch = json_string_value(json_object_get(json_object_get(b, "batch"), "id"));
	qt_buf_init(&body, 64u << 20);
	for (unsigned long first = 0; first < n; first += QT_ISSUE_MAX) {
		unsigned long end = first + QT_ISSUE_MAX < n ? first + QT_ISSUE_MAX : n;
		json_t *issued;
		qt_rc rc;
		qt_buf_reset(&body);
		rc = qt_buf_printf(&body,
		                   "{\"product\":\"%s\",\"batch\":\"%s\",\"granularity\":\"item\","
		                   "\"scheme\":\"gs1\",\"codes\":[",
		                   product, batch);
		/* the producer's own list, so the bench knows every code without paging; a
		 * canonical key is the path of the code's GS1 Digital Link */
		for (unsigned long i = first; i < end && rc == QT_OK; i++) {
			char key[BENCH_KEY_MAX];
			bench_key(i, key);
			rc = qt_buf_printf(&body, "%s\"https://id.bench.invalid/%s\"",
			                   i > first ? "," : "", key);
		}
		if (rc != QT_OK || qt_buf_append(&body, "]}", 2) != QT_OK)
			die("out of memory");
		must(h, "POST", "/api/v1/codes", token, body.p, 201);
		issued = answer_json(h);
		if (json_integer_value(json_object_get(issued, "issued")) !=
		    (json_int_t)(end - first))
			die("issued %lld codes, not %lu",
			    (long long)json_integer_value(json_object_get(issued, "issued")),
			    end - first);
		json_decref(issued);
	}
	qt_buf_free(&body);
	json_decref(b);
	json_decref(v);
}

/* {"events":[commission of code first, …, of code first + n - 1]} */
static void events_body(qt_buf *b, unsigned long first, unsigned n)
{
	char key[BENCH_KEY_MAX];
	qt_rc rc = qt_buf_append(b, "{\"events\":[", 11);

	for (unsigned long i = first; i < first + n && rc == QT_OK; i++) {
		bench_key(i, key);
		rc = qt_buf_printf(b, "%s{\"type\":\"commission\",\"codes\":[\"%s\"]}",
		                   i > first ? "," : "", key);
	}
	if (rc != QT_OK || qt_buf_append(b, "]}", 2) != QT_OK)
		die("out of memory");
}

/* A shape's request bodies, request k commissioning codes first + k * events_each on. */
static qt_buf *make_bodies(const shape *sh, unsigned long first)
{
	size_t n = (size_t)sh->clients * sh->per_client;
	qt_buf *bodies = calloc(n, sizeof *bodies);

	if (!bodies)
		die("out of memory");
	for (size_t k = 0; k < n; k++) {
		qt_buf_init(&bodies[k], 16u << 20);
		events_body(&bodies[k], first + k * sh->events_each, sh->events_each);
	}
	return bodies;
}

static void free_bodies(const shape *sh, qt_buf *bodies)
{
	for (size_t k = 0; k < (size_t)sh->clients * sh->per_client; k++)
		qt_buf_free(&bodies[k]);
	free(bodies);
}

static unsigned long events_of(const shape *sh)
{
	return (unsigned long)sh->clients * sh->per_client * sh->events_each;
}

/* The server's counters: tree size and group commits so far. */
static void server_counts(http *h, unsigned long *tree_size, unsigned long *commits)
{
	json_t *v;
	const char *c;

	must(h, "GET", "/healthz", NULL, NULL, 200);
	v = answer_json(h);
	*tree_size = (unsigned long)json_integer_value(json_object_get(v, "tree_size"));
	json_decref(v);
	must(h, "GET", "/metrics", NULL, NULL, 200);
	c = strstr(h->body, "\nqtrace_ledger_commits_total ");
	if (!c)
		die("/metrics has no qtrace_ledger_commits_total");
	*commits = strtoul(c + 29, NULL, 10);
}

/* ---- the load: clients at once, each on its own keep-alive connection ---- */

typedef struct result {
	unsigned long requests, events, failed;
	double seconds;
} result;

typedef struct load {
	unsigned port;
	const char *token;
	const shape *sh;
	const qt_buf *bodies; /* client c sends bodies[c * per_client + i], i = 0, 1, … */
	double deadline;
	pthread_barrier_t go;
} load;

typedef struct client {
	pthread_t thread;
	load *ld;
	unsigned index;
	result r;
} client;

static atomic_int failures_shown;

static void *client_main(void *arg)
{
	client *c = arg;
	const load *ld = c->ld;
	const qt_buf *mine = ld->bodies + (size_t)c->index * ld->sh->per_client;
	http h;

	http_init(&h, ld->port);
	if (!http_connect(&h))
		c->r.failed = ld->sh->per_client;
	pthread_barrier_wait(&c->ld->go);
	for (unsigned i = 0; h.fd >= 0 && i < ld->sh->per_client && bench_now() < ld->deadline;
	     i++) {
		int status = http_request(&h, "POST", "/api/v1/events", ld->token, mine[i].p,
		                          mine[i].len);
		c->r.requests++;
		if (status == 201) {
			c->r.events += ld->sh->events_each;
			continue;
		}
		c->r.failed++;
		if (atomic_fetch_add(&failures_shown, 1) < 5)
			fprintf(stderr, "bench_http: POST /api/v1/events: status %d %.*s\n", status,
			        status > 0 ? (int)(h.body_len < 300 ? h.body_len : 300) : 0,
			        status > 0 ? h.body : "");
	}
	http_free(&h);
	return NULL;
}

/* Runs one shape against the server on port; the clock runs from when every client is
 * connected until the last has its last answer. */
static result run_load(unsigned port, const char *token, const shape *sh, const qt_buf *bodies)
{
	load ld = {.port = port, .token = token, .sh = sh, .bodies = bodies};
	client *cs = calloc(sh->clients, sizeof *cs);
	result r = {0};

	if (!cs || pthread_barrier_init(&ld.go, NULL, sh->clients + 1) != 0)
		die("out of memory");
	for (unsigned i = 0; i < sh->clients; i++) {
		cs[i] = (client){.ld = &ld, .index = i};
		if (pthread_create(&cs[i].thread, NULL, client_main, &cs[i]) != 0)
			die("cannot start client threads");
	}
	/* the barrier also publishes the deadline to the clients */
	r.seconds = bench_now();
	ld.deadline = r.seconds + sh->seconds;
	pthread_barrier_wait(&ld.go);
	for (unsigned i = 0; i < sh->clients; i++) {
		pthread_join(cs[i].thread, NULL);
		r.requests += cs[i].r.requests;
		r.events += cs[i].r.events;
		r.failed += cs[i].r.failed;
	}
	r.seconds = bench_now() - r.seconds;
	pthread_barrier_destroy(&ld.go);
	free(cs);
	return r;
}

/* ---- the trivial responder: the same library and threading as the server, no work ---- */

static enum MHD_Result trivial_answer(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version, const char *upload,
                                      size_t *upload_size, void **con_cls)
{
	static int started;
	struct MHD_Response *resp = cls;
	(void)url, (void)method, (void)version, (void)upload;

	if (!*con_cls) {
		*con_cls = &started;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* the body is read and dropped */
		return MHD_YES;
	}
	return MHD_queue_response(conn, 201, resp);
}

static struct MHD_Daemon *start_trivial(struct MHD_Response **resp, unsigned *port)
{
	static const char answer[] = "{\"accepted\":1}";
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;

	*resp = MHD_create_response_from_buffer(sizeof answer - 1, (void *)answer,
	                                        MHD_RESPMEM_PERSISTENT);
	if (!*resp || MHD_add_response_header(*resp, "Content-Type", "application/json") != MHD_YES)
		die("cannot make the trivial answer");
	/* the options qtrace serve starts its daemon with (src/http/server.c) */
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	                     trivial_answer, *resp, MHD_OPTION_SOCK_ADDR,
	                     &(struct sockaddr_in){.sin_family = AF_INET,
	                                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
	                     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
	                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, QT_HTTP_CONN_MEMORY,
	                     MHD_OPTION_END);
	if (!d || !(info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)))
		die("cannot start the trivial responder");
	*port = info->port;
	return d;
}

/* ---- the limit rows: what the server wrote for one commission event ---- */

typedef struct sample {
	qt_buf leaf, sealed, doc;
} sample;

static void copy_column(sqlite3_stmt *st, int col, qt_buf *out)
{
	qt_buf_init(out, 1u << 20);
	if (sqlite3_column_bytes(st, col) &&
	    qt_buf_append(out, sqlite3_column_blob(st, col),
	                  (size_t)sqlite3_column_bytes(st, col)) != QT_OK)
		die("out of memory");
}

/* The last record (a commission) and code S0's state document, read from the database. */
static void read_sample(const char *db_path, sample *s)
{
	sqlite3 *db;
	sqlite3_stmt *rec = NULL, *doc = NULL;
	char key[BENCH_KEY_MAX];

	bench_key(0, key);
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT leaf, sealed FROM records ORDER BY idx DESC LIMIT 1", -1,
	                       &rec, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT body FROM docs WHERE kind = 'code' AND id = ?1", -1,
	                       &doc, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(doc, 1, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(rec) != SQLITE_ROW || sqlite3_step(doc) != SQLITE_ROW)
		die("reading a sample record: %s", sqlite3_errmsg(db));
	copy_column(rec, 0, &s->leaf);
	copy_column(rec, 1, &s->sealed);
	copy_column(doc, 0, &s->doc);
	sqlite3_finalize(rec);
	sqlite3_finalize(doc);
	sqlite3_close(db);
}

/* The raw loop with the server's rows, in a database of its own. */
static double raw(const sample *s, const char *name, unsigned long n, unsigned long per_txn,
                  unsigned long ranges, unsigned long range_len, double max_seconds)
{
	char path[300];
	snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
	return bench_raw_loop(path,
	                      &(bench_rows){.leaf = s->leaf.p,
	                                    .leaf_len = s->leaf.len,
	                                    .sealed = s->sealed.len ? s->sealed.p : NULL,
	                                    .sealed_len = s->sealed.len,
	                                    .doc = s->doc.p,
	                                    .doc_len = s->doc.len,
	                                    .ranges = ranges,
	                                    .range_len = range_len},
	                      n, per_txn, max_seconds);
}

/* ---- one run ---- */

/* Both shapes' bodies, built before any clock starts and sent to both servers. */
typedef struct bodies {
	qt_buf *bulk, *one;
} bodies;

/* What the server did. */
typedef struct server_run {
	result bulk, one;
	unsigned long bulk_commits, one_commits;
	double issue_seconds;
	char token[QT_TOKEN_LEN + 1]; /* the producer's, sent to the trivial responder too */
	bool consistent;              /* the tree grew by exactly the events answered 201 */
	bool stopped;                 /* exit status 0 after SIGTERM */
} server_run;

static double rate(const result *r)
{
	return (double)r->events / r->seconds;
}

static server_run run_server(const plan *pl, const char *qtrace, const char *db, const bodies *b)
{
	unsigned long size0, size1, size2, commits0, commits1, commits2;
	server_run sr;
	http h;

	http_init(&h, start_server(qtrace, db));
	sr.issue_seconds = bench_now();
	prepare(&h, events_of(&pl->bulk) + events_of(&pl->one), sr.token);
	sr.issue_seconds = bench_now() - sr.issue_seconds;
	server_counts(&h, &size0, &commits0);
	sr.bulk = run_load(h.port, sr.token, &pl->bulk, b->bulk);
	server_counts(&h, &size1, &commits1);
	sr.one = run_load(h.port, sr.token, &pl->one, b->one);
	server_counts(&h, &size2, &commits2);
	http_free(&h);
	sr.stopped = stop_server();
	sr.bulk_commits = commits1 - commits0;
	sr.one_commits = commits2 - commits1;
	sr.consistent = size1 - size0 == sr.bulk.events && size2 - size1 == sr.one.events;
	if (!sr.consistent)
		fprintf(stderr, "bench_http: the tree grew by %lu and %lu, not %lu and %lu\n",
		        size1 - size0, size2 - size1, sr.bulk.events, sr.one.events);
	if (!sr.stopped)
		fprintf(stderr, "bench_http: qtrace serve did not stop cleanly on SIGTERM\n");
	return sr;
}

static void row(const char *what, double figure, double limit)
{
	if (limit > 0)
		printf("%-72s %10.0f %10.0f %7.2fx\n", what, figure, limit, figure / limit);
	else
		printf("%-72s %10.0f %10s %8s\n", what, figure, "-", "-");
}

int main(int argc, char **argv)
{
	const plan *pl = &full;
	const shape *bulk = &pl->bulk, *one = &pl->one;
	char qtrace[PATH_MAX], db[300], log[300], what[120];
	char *init_argv[] = {qtrace, "init", "--db", db, NULL};
	unsigned long group_rows;
	unsigned tport;
	result tbulk, tone;
	server_run sr;
	bodies b;
	struct MHD_Daemon *trivial;
	struct MHD_Response *tresp;
	sample smp;
	bool ok;
	int st, i = 1;
	double group, raw_bulk, raw_one, raw_group;

	if (argc > i && strcmp(argv[i], "--smoke") == 0) {
		pl = &smoke;
		bulk = &pl->bulk;
		one = &pl->one;
		i++;
	}
	if (argc > i) {
		snprintf(qtrace, sizeof qtrace, "%s", argv[i]);
	} else {
		/* qtrace is built beside the benchmarks */
		ssize_t n = readlink("/proc/self/exe", qtrace, sizeof qtrace - 8);
		char *slash = n > 0 ? (qtrace[n] = '\0', strrchr(qtrace, '/')) : NULL;
		if (!slash)
			die("usage: bench_http [--smoke] [path/to/qtrace]");
		strcpy(slash + 1, "qtrace");
	}
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(tmp_dir))
		die("no temporary directory: %s", strerror(errno));
	snprintf(db, sizeof db, "%s/bench.db", tmp_dir);
	snprintf(log, sizeof log, "%s/init.log", tmp_dir);
	if (waitpid(spawn(init_argv, log), &st, 0) < 0 || st != 0) {
		print_file(log);
		die("%s init failed", qtrace);
	}
	/* the bulk run commissions the first codes, the one-event run those after */
	b.bulk = make_bodies(bulk, 0);
	b.one = make_bodies(one, events_of(bulk));

	sr = run_server(pl, qtrace, db, &b);
	group = sr.one_commits ? (double)sr.one.events / (double)sr.one_commits : 1;
	group_rows = group < 1.5 ? 1 : (unsigned long)(group + 0.5);

	trivial = start_trivial(&tresp, &tport);
	tbulk = run_load(tport, sr.token, bulk, b.bulk);
	tone = run_load(tport, sr.token, one, b.one);
	MHD_stop_daemon(trivial);
	MHD_destroy_response(tresp);
	free_bodies(bulk, b.bulk);
	free_bodies(one, b.one);

	/* the same rows the server wrote, in the same key order: ascending for the bulk
	 * upload, the clients' runs of codes interleaved for one event per request */
	read_sample(db, &smp);
	raw_bulk = raw(&smp, "raw-bulk.db", sr.bulk.events, bulk->events_each, 0, 0, 0);
	raw_one = raw(&smp, "raw-one.db", sr.one.events, 1, one->clients, one->per_client,
	              pl->raw_one_seconds);
	raw_group = raw(&smp, "raw-group.db", sr.one.events, group_rows, one->clients,
	                one->per_client, 0);

	printf("%-72s %10s %10s %8s\n", "HTTP event ingest: POST /api/v1/events to qtrace serve",
	       "events/s", "limit", "ratio");
	snprintf(what, sizeof what, "%u events per request (vs target)", bulk->events_each);
	row(what, rate(&sr.bulk), BULK_TARGET);
	snprintf(what, sizeof what, "%u events per request (vs raw SQLite, %u rows per txn)",
	         bulk->events_each, bulk->events_each);
	row(what, rate(&sr.bulk), raw_bulk);
	snprintf(what, sizeof what, "%u events per request (vs trivial MHD responder)",
	         bulk->events_each);
	row(what, rate(&sr.bulk), rate(&tbulk));
	snprintf(what, sizeof what, "1 event per request, %u clients (vs target)", one->clients);
	row(what, rate(&sr.one), SINGLE_TARGET);
	snprintf(what, sizeof what,
	         "1 event per request, %u clients (vs raw SQLite, 1 row per txn)", one->clients);
	row(what, rate(&sr.one), raw_one);
	snprintf(what, sizeof what,
	         "1 event per request, %u clients (vs raw SQLite, %lu rows per txn)", one->clients,
	         group_rows);
	row(what, rate(&sr.one), raw_group);
	snprintf(what, sizeof what, "1 event per request, %u clients (vs trivial MHD responder)",
	         one->clients);
	row(what, rate(&sr.one), rate(&tone));
	printf("(bulk: %lu events in %lu requests, %lu group commits, %.2f s. One event: %lu "
	       "requests in %.2f s, %lu group commits, %.1f events per commit.\n"
	       " Setup, untimed: %lu codes issued in %.2f s. Raw rows per event: a record with a "
	       "%zu-byte leaf, an index row, nodes, a %zu-byte code document.\n"
	       " Failed requests: %lu to qtrace, %lu to the trivial responder.)\n",
	       sr.bulk.events, sr.bulk.requests, sr.bulk_commits, sr.bulk.seconds, sr.one.requests,
	       sr.one.seconds, sr.one_commits, group, events_of(bulk) + events_of(one),
	       sr.issue_seconds, smp.leaf.len, smp.doc.len, sr.bulk.failed + sr.one.failed,
	       tbulk.failed + tone.failed);
	if (pl == &smoke)
		printf("(smoke run: tiny counts, the figures mean nothing)\n");

	ok = sr.consistent && sr.stopped && !sr.bulk.failed && !sr.one.failed && !tbulk.failed &&
	     !tone.failed;
	/* the smoke run is small enough never to reach its deadline: all must have gone */
	if (pl == &smoke && (sr.bulk.events != events_of(bulk) || sr.one.events != events_of(one) ||
	                     tbulk.events != events_of(bulk) || tone.events != events_of(one)))
		ok = false;
	qt_buf_free(&smp.leaf);
	qt_buf_free(&smp.sealed);
	qt_buf_free(&smp.doc);
	return bench_remove_dir(tmp_dir) && ok ? 0 : 1;
}
