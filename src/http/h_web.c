/* h_web.c — the web pages (the public page at /, the enterprise console, the regulator
 * dashboard) and their scripts and styles, read from the web root (`serve --web DIR`,
 * default the source tree's web/). The pages use only the public HTTP API, as any client. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The file rel (under the web root) as the answer; 404 when it is not there. */
static void send_file(qt_req *req, qt_resp *resp, const char *rel, const char *type)
{
	char path[1024];
	struct stat st;
	int fd = -1;
	ssize_t n = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", req->web_root, rel) >= sizeof path ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) || (size_t)st.st_size > WEB_FILE_MAX ||
	    qt_buf_reserve(&resp->body, (size_t)st.st_size) != QT_OK ||
	    (n = read(fd, resp->body.p, (size_t)st.st_size)) != st.st_size) {
		qt_http_error(resp, 404, "not_found", "no such page or file");
		goto out;
	}
	resp->body.len = (size_t)n;
	resp->status = 200;
	resp->type = type;
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
