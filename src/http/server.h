/* server.h — `qtrace serve`: the HTTP server on libmicrohttpd. */
#ifndef QT_SERVER_H
#define QT_SERVER_H

#include <stdio.h>

#include "util/rc.h"

/* libmicrohttpd's memory per connection (headers and body chunks; bodies are gathered in
 * our own buffer). It clears this between keep-alive requests, so it is kept small. */
#define QT_HTTP_CONN_MEMORY ((size_t)32 << 10)
#define QT_HTTP_THREADS_MAX 64 /* epoll threads */

typedef struct qt_server_opts {
	const char *db;
	const char *listen;     /* "127.0.0.1:8080" */
	unsigned threads;       /* epoll threads (to QT_HTTP_THREADS_MAX); 0 = one per core */
	unsigned writers;       /* threads that wait for group commits; 0 = 64 */
	FILE *access_log;       /* NULL = none */
	const char *public_url; /* resolver links' base; NULL = from Host */
	const char *web_root;   /* the web pages' files; NULL = QT_WEB_DIR */
	void (*ready)(void *ctx, unsigned port); /* called once listening */
	void *ready_ctx;
} qt_server_opts;

/* Serve until SIGTERM or SIGINT, then stop accepting, finish what is in flight and close.
 * The calling thread must be the only one so far (signals are blocked for all threads). */
qt_rc qt_server_run(const qt_server_opts *opts, qt_err *err) __attribute__((warn_unused_result));

#endif
