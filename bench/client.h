/* client.h — what the benchmarks that drive a real `qtrace serve` share: the child process
 * (init, serve on a port of the kernel's choosing, SIGTERM), a small keep-alive HTTP/1.1
 * client on plain sockets, a producer with a product, a batch and its codes, and a way to die
 * that leaves no server or temporary directory behind. */
#ifndef QT_BENCH_CLIENT_H
#define QT_BENCH_CLIENT_H

#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "codes/uscc.h"
#include "core/platform.h"
#include "util/buf.h"

#define BENCH_PATH_MAX 400 /* the temporary directory and a file name in it */

/* How every HTTP bench starts: reads `[--smoke] [path/to/qtrace]` from argv (qtrace: the one
 * given, else the one built beside this program) and returns whether --smoke was given;
 * ignores SIGPIPE; makes /tmp/qt-<name>-XXXXXX (bench_dir; bench_die removes it) and runs
 * `qtrace init` of a new database db in it. name also prefixes messages. */
bool bench_begin(const char *name, int argc, char **argv, char qtrace[PATH_MAX],
                 char db[BENCH_PATH_MAX]);
/* The temporary directory bench_begin made. */
const char *bench_dir(void);
/* Prints "<name>: message", stops the server, removes the temporary directory, exits 1. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* `qtrace serve` of db on 127.0.0.1, access log on; returns the port it announced. */
unsigned bench_server_start(const char *qtrace, const char *db);
/* The running server's process id (0: none), to read its /proc entries. */
pid_t bench_server_pid(void);
/* SIGTERM, as an operator stops it; true when it exited 0. */
bool bench_server_stop(void);

/* One keep-alive connection, one request at a time. */
typedef struct bench_http {
	unsigned port;
	int fd;           /* -1: connect on the next request */
	qt_buf in;        /* the last answer, head and body */
	const char *body; /* the last answer's body, inside in */
	size_t body_len;
} bench_http;

void bench_http_init(bench_http *h, unsigned port);
bool bench_http_connect(bench_http *h);
void bench_http_free(bench_http *h);
/* One request; the answer's body is h->body. Returns the status or -1 (connection failed;
 * the next request reconnects). */
int bench_http_request(bench_http *h, const char *method, const char *path, const char *token,
                       const char *body, size_t body_len);
/* A request that must be answered with status want (dies otherwise). */
void bench_must(bench_http *h, const char *method, const char *path, const char *token,
                const char *body, int want);
/* The last answer as JSON (dies when it is not). */
json_t *bench_answer(const bench_http *h);
/* POST of a JSON body (taken) that must be answered 201; returns the answer. */
json_t *bench_post(bench_http *h, const char *path, const char *token, json_t *body);

/* A valid 统一社会信用代码 of the division with organisation code body org8. */
void bench_make_uscc(const char *division, const char *org8, char out[QT_USCC_LEN + 1]);
/* Registers a unit (roles: "producer", "seller") and returns its token in token. */
void bench_register(bench_http *h, const char *uscc, const char *name, const char *role,
                    char token[QT_TOKEN_LEN + 1]);
/* Registers a producer, its product and a batch of n, and issues the codes bench_key(0 …
 * n-1) to it, QT_ISSUE_MAX per request. token gets the producer's, batch the batch id. */
void bench_prepare(bench_http *h, unsigned long n, char token[QT_TOKEN_LEN + 1],
                   char batch[QT_ID_MAX]);

/* A load: fn on n client threads at once, thread i given (char *)args + i * size. Each
 * connects, then waits on go (made here, for n + 1) before its first request and stops at
 * *deadline (now + seconds, published by the barrier). Returns the seconds from when every
 * client was connected until the last ended. */
double bench_clients_run(unsigned n, void *(*fn)(void *), void *args, size_t size,
                         pthread_barrier_t *go, double *deadline, double seconds);

/* The trivial responder: libmicrohttpd started with the server's daemon options, answering
 * every request with status and the JSON text answer (kept by the caller until it stops),
 * reading and dropping any body; what HTTP alone costs, driven by the same client code. */
typedef struct bench_trivial bench_trivial;
bench_trivial *bench_trivial_start(unsigned status, const char *answer, size_t n, unsigned *port);
/* The same, calling work(ctx, url) on the daemon's thread before each answer: a floor server
 * that does only the given work per request (url as libmicrohttpd decoded it). */
typedef void (*bench_work)(void *ctx, const char *url);
bench_trivial *bench_trivial_start_work(unsigned status, const char *answer, size_t n,
                                        bench_work work, void *ctx, unsigned *port);
void bench_trivial_stop(bench_trivial *t);

#endif
