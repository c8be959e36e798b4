/* h_web.c — the web pages (the public page at /, the enterprise console, the regulator
 * dashboard) and their scripts and styles, read from the web root (`serve --web DIR`,
 * default the source tree's web/). The pages use only the public HTTP API, as any client. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "http/http.h"

#define WEB_FILE_MAX (1u << 20) /* a page, script or style; the chart library is 204 KiB */

/* Script from where the page came, styles without inline code, the API on the same origin;
 * camera frames stay in the page. */
#define PAGE_CSP                                                                                   \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "    \
	"connect-src 'self'; media-src 'self' blob:; manifest-src 'self'; base-uri 'none'; "       \
	"form-action 'self'; frame-ancestors 'none'"

static const struct {
	const char *ext, *type;
} types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".json", "application/json"},
};

/* Served from outside web/: the npm packages' files the pages load (package.json). */
static const struct {
	const char *name, *path;
} vendor[] = {
        {"chart.umd.min.js", "../node_modules/chart.js/dist/chart.umd.min.js"},
};

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* A name under static/: letters, digits, '-', '_', '.', and '/' between parts, none of
 * which starts with a dot (so no "..", no hidden files). */
static bool safe_name(const char *name)
{
	bool start = true;

	if (!*name)
		return false;
	for (const char *c = name; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		          (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.' ||
		          *c == '/';
		if (!ok || (start && (*c == '.' || *c == '/')))
			return false;
		start = *c == '/';
	}
	return !start;
}

/* Text files go gzipped to a client that takes gzip: the dashboard with its chart library
 * is 308 KB as written and 107 KB gzipped, on a connection that may be poor. Each file is
 * compressed once per version (path, size, mtime) and kept: a handful of files, so a small
 * table (the oldest slot given up when it is full); a kept one is sent without reading the
 * file. */
#define GZ_SLOTS 16
static struct {
	char path[1024];
	off_t size;
	struct timespec mtime;
	unsigned char *gz;
	size_t len;
} gz_cache[GZ_SLOTS];
static unsigned gz_next;
static pthread_mutex_t gz_lock = PTHREAD_MUTEX_INITIALIZER;

static bool takes_gzip(const qt_req *req)
{
	const char *ae = req->conn ? qt_http_header(req, "Accept-Encoding") : NULL;
	const char *g = ae ? strstr(ae, "gzip") : NULL;
	/* "gzip;q=0" refuses it; any other mention accepts it */
	return g && strncmp(g + 4, ";q=0", 4) != 0 && strncmp(g + 4, "; q=0", 5) != 0;
}

/* data gzipped into out (allocated), or false. */
static bool gzip_bytes(const unsigned char *data, size_t n, unsigned char **out, size_t *len)
{
	z_stream z = {0};
	bool ok = false;
	uLong cap = compressBound((uLong)n) + 32;

	*out = malloc(cap);
	if (!*out || deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		goto out;
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	ok = deflate(&z, Z_FINISH) == Z_STREAM_END;
	*len = z.total_out;
	deflateEnd(&z);
out:
	if (!ok) {
		free(*out);
		*out = NULL;
	}
	return ok;
}

/* The slot holding this version of the file, or -1; under gz_lock. */
static int gz_slot(const char *path, const struct stat *st)
{
	for (int i = 0; i < GZ_SLOTS; i++)
		if (gz_cache[i].gz && strcmp(gz_cache[i].path, path) == 0 &&
		    gz_cache[i].size == st->st_size &&
		    gz_cache[i].mtime.tv_sec == st->st_mtim.tv_sec &&
		    gz_cache[i].mtime.tv_nsec == st->st_mtim.tv_nsec)
			return i;
	return -1;
}

/* The body as the kept gzipped form of this version of the file, if there is one: the file
 * need not be read. The body has room for the file, and a kept form is smaller. */
static bool send_kept_gzip(qt_resp *resp, const char *path, const struct stat *st)
{
	int hit;

	pthread_mutex_lock(&gz_lock);
	if ((hit = gz_slot(path, st)) >= 0) {
		memcpy(resp->body.p, gz_cache[hit].gz, gz_cache[hit].len);
		resp->body.len = gz_cache[hit].len;
	}
	pthread_mutex_unlock(&gz_lock);
	if (hit >= 0)
		qt_http_add_header(resp, "Content-Encoding", "gzip");
	return hit >= 0;
}

/* The body (the file as read) gzipped, and kept for the next request, when that is smaller;
 * compressed outside the lock, so other files are served meanwhile. */
static void send_new_gzip(qt_resp *resp, const char *path, const struct stat *st)
{
	unsigned char *gz = NULL;
	size_t len = 0;
	int slot;

	if (!gzip_bytes((const unsigned char *)resp->body.p, resp->body.len, &gz, &len))
		return;
	if (len >= resp->body.len) {
		free(gz);
		return;
	}
	memcpy(resp->body.p, gz, len);
	resp->body.len = len;
	qt_http_add_header(resp, "Content-Encoding", "gzip");
	pthread_mutex_lock(&gz_lock);
	if (gz_slot(path, st) < 0) { /* another request may have kept it meanwhile */
		slot = (int)(gz_next++ % GZ_SLOTS);
		free(gz_cache[slot].gz);
		snprintf(gz_cache[slot].path, sizeof gz_cache[slot].path, "%s", path);
		gz_cache[slot].size = st->st_size;
		gz_cache[slot].mtime = st->st_mtim;
		gz_cache[slot].gz = gz;
		gz_cache[slot].len = len;
		gz = NULL;
	}
	pthread_mutex_unlock(&gz_lock);
	free(gz);
}

/* The file rel (under the web root) as the answer; 404 when it is not there. */
static void send_file(qt_req *req, qt_resp *resp, const char *rel, const char *type)
{
	char path[1024];
	struct stat st;
	int fd = -1;
	bool gzip;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", req->web_root, rel) >= sizeof path ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) || (size_t)st.st_size > WEB_FILE_MAX ||
	    qt_buf_reserve(&resp->body, (size_t)st.st_size) != QT_OK) {
		qt_http_error(resp, 404, "not_found", "no such page or file");
		goto out;
	}
	gzip = strncmp(type, "image/png", 9) != 0 && st.st_size > 1024 && takes_gzip(req);
	if (!gzip || !send_kept_gzip(resp, path, &st)) {
		if (read(fd, resp->body.p, (size_t)st.st_size) != st.st_size) {
			qt_http_error(resp, 404, "not_found", "no such page or file");
			goto out;
		}
		resp->body.len = (size_t)st.st_size;
		if (gzip)
			send_new_gzip(resp, path, &st);
	}
	resp->status = 200;
	resp->type = type;
	/* the answer depends on Accept-Encoding: caches must keep the forms apart */
	qt_http_add_header(resp, "Vary", "Accept-Encoding");
	qt_http_add_header(resp, "X-Content-Type-Options", "nosniff");
	/* a page's address may hold a code: it goes nowhere else */
	qt_http_add_header(resp, "Referrer-Policy", "no-referrer");
	if (strncmp(type, "text/html", 9) == 0) {
		qt_http_add_header(resp, "Content-Security-Policy", PAGE_CSP);
		snprintf(resp->cache_control, sizeof resp->cache_control, "no-cache");
	} else {
		snprintf(resp->cache_control, sizeof resp->cache_control, "public, max-age=300");
	}
out:
	if (fd >= 0)
		close(fd);
}

static void h_public(qt_req *req, qt_resp *resp)
{
	send_file(req, resp, "index.html", types[0].type);
}

static void h_console(qt_req *req, qt_resp *resp)
{
	send_file(req, resp, "console.html", types[0].type);
}

static void h_dashboard(qt_req *req, qt_resp *resp)
{
	send_file(req, resp, "dashboard.html", types[0].type);
}

static void h_static(qt_req *req, qt_resp *resp)
{
	const char *name = req->params[0], *type = type_of(name);
	char rel[QT_HTTP_PARAM_MAX + 8];

	if (!safe_name(name) || !type) {
		qt_http_error(resp, 404, "not_found", "no such file");
		return;
	}
	snprintf(rel, sizeof rel, "static/%s", name);
	send_file(req, resp, rel, type);
}

static void h_vendor(qt_req *req, qt_resp *resp)
{
	for (size_t i = 0; i < sizeof vendor / sizeof vendor[0]; i++)
		if (strcmp(req->params[0], vendor[i].name) == 0) {
			send_file(req, resp, vendor[i].path, type_of(vendor[i].name));
			return;
		}
	qt_http_error(resp, 404, "not_found", "no such file");
}

const qt_route qt_routes_web[] = {
        {"GET", "/", h_public, 0, 0, false, "web_public"},
        {"GET", "/console", h_console, 0, 0, false, "web_console"},
        {"GET", "/dashboard", h_dashboard, 0, 0, false, "web_dashboard"},
        {"GET", "/static/{*}", h_static, 0, 0, false, "web_static"},
        {"GET", "/vendor/{}", h_vendor, 0, 0, false, "web_vendor"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
