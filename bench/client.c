/* client.c — the parts of the HTTP-driven benchmarks that are not measured: the qtrace child
 * process, a small HTTP/1.1 client (what the measured loads send with, too), the producer,
 * product, batch and codes a run starts from, and dying without leaving anything behind. */
#include "client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "core/trace.h"
#include "http/server.h"

#define ANSWER_MAX (64u << 20)

/* What bench_die must undo: the server child and the temporary directory. */
static pid_t server_pid;
static char tmp_dir[64];
static const char *bench_name = "bench";

const char *bench_dir(void)
{
	return tmp_dir;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", bench_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	if (tmp_dir[0])
		bench_remove_dir(tmp_dir);
	exit(1);
}

/* ---- the HTTP client ---- */

void bench_http_init(bench_http *h, unsigned port)
{
	h->port = port;
	h->fd = -1;
	h->body = NULL;
	h->body_len = 0;
	qt_buf_init(&h->in, ANSWER_MAX);
}

static void http_close(bench_http *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

void bench_http_free(bench_http *h)
{
	http_close(h);
	qt_buf_free(&h->in);
}

bool bench_http_connect(bench_http *h)
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
static bool fill(bench_http *h)
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
static int read_answer(bench_http *h)
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

int bench_http_request(bench_http *h, const char *method, const char *path, const char *token,
                       const char *body, size_t body_len)
{
	char head[1024];
	struct iovec iov[2];
	int n, status;

	if (h->fd < 0 && !bench_http_connect(h))
		return -1;
	n = snprintf(head, sizeof head,
	             "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s%s%sContent-Type: "
	             "application/json\r\nContent-Length: %zu\r\n\r\n",
	             method, path, h->port, token ? "Authorization: Bearer " : "",
	             token ? token : "", token ? "\r\n" : "", body_len);
	if (n < 0 || (size_t)n >= sizeof head)
		return -1;
	iov[0] = (struct iovec){head, (size_t)n};
	iov[1] = (struct iovec){(void *)body, body_len};
	if (!send_all(h->fd, iov, body_len ? 2 : 1) || (status = read_answer(h)) < 0) {
		http_close(h);
		return -1;
	}
	return status;
}

void bench_must(bench_http *h, const char *method, const char *path, const char *token,
                const char *body, int want)
{
	int status = bench_http_request(h, method, path, token, body, body ? strlen(body) : 0);

	if (status != want)
		bench_die("%s %s: status %d, not %d: %.*s", method, path, status, want,
		          status > 0 ? (int)(h->body_len < 400 ? h->body_len : 400) : 0,
		          status > 0 ? h->body : "");
}

json_t *bench_answer(const bench_http *h)
{
	json_t *v = json_loadb(h->body, h->body_len, 0, NULL);
	if (!v)
		bench_die("the answer is not JSON: %.*s",
		          (int)(h->body_len < 400 ? h->body_len : 400), h->body);
	return v;
}

json_t *bench_post(bench_http *h, const char *path, const char *token, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	if (!text)
		bench_die("out of memory");
	bench_must(h, "POST", path, token, text, 201);
	free(text);
	json_decref(body);
	return bench_answer(h);
}

/* ---- the qtrace child ---- */

/* Runs argv with stdout and stderr to log (stdin from /dev/null); returns its pid. */
static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
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

bool bench_begin(const char *name, int argc, char **argv, char qtrace[PATH_MAX],
                 char db[BENCH_PATH_MAX])
{
	char log[sizeof tmp_dir + 32];
	char *init[] = {qtrace, "init", "--db", db, NULL};
	bool smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
	int st, i = smoke ? 2 : 1;

	bench_name = name;
	if (argc > i) {
		snprintf(qtrace, PATH_MAX, "%s", argv[i]);
	} else {
		/* qtrace is built beside the benchmarks */
		ssize_t n = readlink("/proc/self/exe", qtrace, PATH_MAX - 8);
		char *slash = n > 0 ? (qtrace[n] = '\0', strrchr(qtrace, '/')) : NULL;
		if (!slash)
			bench_die("usage: %s [--smoke] [path/to/qtrace]", name);
		strcpy(slash + 1, "qtrace");
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/qt-%s-XXXXXX", name);
	if (!mkdtemp(tmp_dir)) {
		tmp_dir[0] = '\0';
		bench_die("no temporary directory: %s", strerror(errno));
	}
	snprintf(db, BENCH_PATH_MAX, "%s/bench.db", tmp_dir);
	snprintf(log, sizeof log, "%s/init.log", tmp_dir);
	if (waitpid(spawn(init, log), &st, 0) < 0 || st != 0) {
		print_file(log);
		bench_die("%s init failed", qtrace);
	}
	return smoke;
}

unsigned bench_server_start(const char *qtrace, const char *db)
{
	char log[sizeof tmp_dir + 32], access[sizeof tmp_dir + 32], line[512];
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
			bench_die("qtrace serve exited");
		}
		if (!port)
			nanosleep(&(struct timespec){0, 50000000}, NULL);
	}
	if (!port)
		bench_die("qtrace serve did not start within 30 s");
	return port;
}

pid_t bench_server_pid(void)
{
	return server_pid;
}

bool bench_server_stop(void)
{
	int st;
	kill(server_pid, SIGTERM);
	if (waitpid(server_pid, &st, 0) != server_pid)
		st = -1;
	server_pid = 0;
	return st == 0;
}

/* ---- the platform's state for a run ---- */

void bench_make_uscc(const char *division, const char *org8, char out[QT_USCC_LEN + 1])
{
	char first17[18];
	snprintf(first17, sizeof first17, "91%s%s%c", division, org8, qt_uscc_org_check_char(org8));
	snprintf(out, QT_USCC_LEN + 1, "%s%c", first17, qt_uscc_check_char(first17));
}

void bench_register(bench_http *h, const char *uscc, const char *name, const char *role,
                    char token[QT_TOKEN_LEN + 1])
{
	json_t *v = bench_post(
	        h, "/api/v1/units", NULL,
	        json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:[s]}", "name", name, "uscc", uscc,
	                  "address", "福建省福州市鼓楼区1号", "contact", "0591-12345678", "licence",
	                  "sha256",
	                  "abababababababababababababababababababababababababababababababab",
	                  "name", "营业执照.pdf", "roles", role));
	snprintf(token, QT_TOKEN_LEN + 1, "%s", json_string_value(json_object_get(v, "token")));
	json_decref(v);
}

void bench_prepare(bench_http *h, unsigned long n, char token[QT_TOKEN_LEN + 1],
                   char batch_id[QT_ID_MAX])
{
	char uscc[QT_USCC_LEN + 1];
	json_t *v, *b;
	const char *product, *batch;
	qt_buf body;

	bench_make_uscc("350100", "B0000001", uscc);
	bench_register(h, uscc, "福建电缆厂", "producer", token);
	v = bench_post(h, "/api/v1/products", token,
	               json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:[s], s:s}", "name",
	                         "塑料绝缘控制电缆 KVV", "catalog_unit",
	                         "wire-cable.plastic-control", "type", "控制电缆", "model",
	                         "KVV 4×1.5", "standard", "GB/T 9330-2020", "licence_no",
	                         "XK06-014-00123", "warranty_months", 24, "schemes", "gs1", "gtin",
	                         "6901234567892"));
	product = json_string_value(json_object_get(json_object_get(v, "product"), "id"));
	b = bench_post(h, "/api/v1/batches", token,
	               json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s}}", "product", product,
	                         "batch_no", "L2026-11", "production_date", "2026-11-01",
	                         "quantity", (json_int_t)n, "inspection_report", "sha256",
	                         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	                         "name", "出厂检验.pdf"));
	batch = json_string_value(json_object_get(json_object_get(b, "batch"), "id"));
	snprintf(batch_id, QT_ID_MAX, "%s", batch);
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
			bench_die("out of memory");
		bench_must(h, "POST", "/api/v1/codes", token, body.p, 201);
		issued = bench_answer(h);
		if (json_integer_value(json_object_get(issued, "issued")) !=
		    (json_int_t)(end - first))
			bench_die("issued %lld codes, not %lu",
			          (long long)json_integer_value(json_object_get(issued, "issued")),
			          end - first);
		json_decref(issued);
	}
	qt_buf_free(&body);
	json_decref(b);
	json_decref(v);
}

/* ---- the load ---- */

double bench_clients_run(unsigned n, void *(*fn)(void *), void *args, size_t size,
                         pthread_barrier_t *go, double *deadline, double seconds)
{
	pthread_t *threads = calloc(n, sizeof *threads);
	double t0;

	if (!threads || pthread_barrier_init(go, NULL, n + 1) != 0)
		bench_die("out of memory");
	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, fn, (char *)args + i * size) != 0)
			bench_die("cannot start client threads");
	/* the barrier also publishes the deadline to the clients */
	t0 = bench_now();
	*deadline = t0 + seconds;
	pthread_barrier_wait(go);
	for (unsigned i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	t0 = bench_now() - t0;
	pthread_barrier_destroy(go);
	free(threads);
	return t0;
}

/* ---- the trivial responder: the same library and threading as the server, no work ---- */

struct bench_trivial {
	struct MHD_Daemon *d;
	struct MHD_Response *resp;
	unsigned status;
	bench_work work;
	void *work_ctx;
};

static enum MHD_Result trivial_answer(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version, const char *upload,
                                      size_t *upload_size, void **con_cls)
{
	static int started;
	const bench_trivial *t = cls;
	(void)url, (void)method, (void)version, (void)upload;

	if (!*con_cls) {
		*con_cls = &started;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* the body is read and dropped */
		return MHD_YES;
	}
	if (t->work)
		t->work(t->work_ctx, url);
	return MHD_queue_response(conn, t->status, t->resp);
}

bench_trivial *bench_trivial_start(unsigned status, const char *answer, size_t n, unsigned *port)
{
	return bench_trivial_start_work(status, answer, n, NULL, NULL, port);
}

bench_trivial *bench_trivial_start_work(unsigned status, const char *answer, size_t n,
                                        bench_work work, void *ctx, unsigned *port)
{
	const union MHD_DaemonInfo *info;
	bench_trivial *t = calloc(1, sizeof *t);

	if (!t)
		bench_die("out of memory");
	t->status = status;
	t->work = work;
	t->work_ctx = ctx;
	t->resp = MHD_create_response_from_buffer(n, (void *)answer, MHD_RESPMEM_PERSISTENT);
	if (!t->resp ||
	    MHD_add_response_header(t->resp, "Content-Type", "application/json") != MHD_YES)
		bench_die("cannot make the trivial answer");
	/* one epoll thread per core, as qtrace serve has (src/http/server.c, which runs a daemon
	 * per thread and deals connections to them itself; a pool is libmicrohttpd's own way) */
	t->d = MHD_start_daemon(
	        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, trivial_answer, t,
	        MHD_OPTION_SOCK_ADDR,
	        &(struct sockaddr_in){.sin_family = AF_INET,
	                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
	        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	        QT_HTTP_CONN_MEMORY, MHD_OPTION_END);
	if (!t->d || !(info = MHD_get_daemon_info(t->d, MHD_DAEMON_INFO_BIND_PORT)))
		bench_die("cannot start the trivial responder");
	*port = info->port;
	return t;
}

void bench_trivial_stop(bench_trivial *t)
{
	MHD_stop_daemon(t->d);
	MHD_destroy_response(t->resp);
	free(t);
}
