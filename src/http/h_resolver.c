/* h_resolver.c — the resolver: a code's own URL as printed on a label (GS1 Digital Link
 * /01/…, digital identity /t/…, Ecode /E=…) answers a browser with the product page, an app
 * with the public view, a machine with an RFC 9264 linkset and ?linkType= with a redirect;
 * /.well-known/gs1resolver describes it (GS1-Conformant Resolver standard). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/scan.h"
#include "http/http.h"
#include "http/page.h"

#define BASE_MAX QT_HTTP_BASE_MAX
#define URL_MAX  2048 /* a link: the base and a canonical key, percent-encoded once more */
#define GS1_VOC  "https://gs1.org/voc/"
#define LINKSET_CONTEXT                                                                            \
	"<https://ref.gs1.org/standards/resolver/linkset-context>; "                               \
	"rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\""
#define BAD_HOST                                                                                   \
	"the Host header must be a host name or address with an optional port (or start the "      \
	"server with --public-url)"
/* A Digital Link is read from a URL on no host in particular: the key names the product. */
#define ANY_HOST "https://resolver.invalid"

typedef enum want { WANT_HTML, WANT_JSON, WANT_LINKSET, WANT_REDIRECT } want;

/* The GS1 link types offered for every code, in linkset order. */
enum { L_DEFAULT, L_PIP, L_CERT, L_RECALL, L_TRACE, N_LINKS };
static const struct {
	const char *term, *title, *type;
} offered[N_LINKS] = {
        [L_DEFAULT] = {"defaultLink", "产品信息页 Product information page", "text/html"},
        [L_PIP] = {"pip", "产品信息页 Product information page", "text/html"},
        [L_CERT] = {"certificationInfo",
                    "生产许可证、CCC 认证与执行标准 Production licence, CCC and standard",
                    "application/json"},
        [L_RECALL] = {"recallStatus", "状态、召回与警告 Status, recall and warnings",
                      "application/json"},
        [L_TRACE] = {"traceability", "流转记录与账本序号 Journey with ledger proofs",
                     "application/json"},
};

/* snprintf that says whether it all fitted. */
static bool fmt(char *out, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
static bool fmt(char *out, size_t size, const char *f, ...)
{
	va_list ap;
	int n;
	va_start(ap, f);
	n = vsnprintf(out, size, f, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size;
}

/* ---- this server's own address ---- */

/* host[:port] as links and a Location may carry it: a DNS name, an IPv4 address or an IPv6
 * literal in brackets, and a port of 1 to 5 digits. */
/* The length of the host in h[0..n): an IPv6 literal in brackets, or letters, digits, '-'
 * and '.' (a DNS name or an IPv4 address); 0 when there is none. */
static size_t host_len(const char *h, size_t n)
{
	bool v6 = n > 0 && h[0] == '[';
	const char *set = v6 ? "0123456789abcdefABCDEF:."
	                     : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";
	size_t i = v6;

	while (i < n && h[i] && strchr(set, h[i]))
		i++;
	if (v6)
		i = i > 1 && i < n && h[i] == ']' ? i + 1 : 0;
	else if (i > 0 && (h[0] == '.' || h[0] == '-'))
		i = 0;
	return i;
}

/* host[:port] as links and a Location may carry it: the host and a port of 1 to 5 digits. */
static bool host_ok(const char *h, size_t n)
{
	size_t i = n <= BASE_MAX - 16 ? host_len(h, n) : 0, port = n - i - 1;

	return i > 0 &&
	       (i == n || (h[i] == ':' && port >= 1 && port <= 5 &&
	                   qt_code_all_digits(h + i + 1, port) && atol(h + i + 1) <= 65535));
}

qt_rc qt_http_public_url_check(const char *url, qt_err *err)
{
	size_t skip = strncmp(url, "https://", 8) == 0  ? 8
	              : strncmp(url, "http://", 7) == 0 ? 7
	                                                : 0;
	size_t n = strlen(url);

	n -= n > skip && url[n - 1] == '/';
	return skip && host_ok(url + skip, n - skip)
	               ? QT_OK
	               : qt_err_set(err, QT_ERR_USAGE,
	                            "--public-url wants http(s)://HOST[:PORT] with no path, e.g. "
	                            "https://id.example.cn");
}

/* The base of every link this server hands out. `serve --public-url` when set (behind a
 * TLS proxy the Host header cannot know the scheme); else http:// and the Host header,
 * checked first, because it is the client's text and goes into links and a Location. */
bool qt_http_base_url(const qt_req *req, char out[QT_HTTP_BASE_MAX])
{
	const char *host = qt_http_header(req, "Host"), *pub = req->public_url;
	size_t n = pub ? strlen(pub) : 0;

	n -= n && pub[n - 1] == '/';
	return pub ? fmt(out, QT_HTTP_BASE_MAX, "%.*s", (int)n, pub)
	           : host && host_ok(host, strlen(host)) &&
	                       fmt(out, QT_HTTP_BASE_MAX, "http://%s", host);
}

/* ---- what the client wants ---- */

/* The q an Accept header gives type: that of its most specific range matching it (RFC 9110
 * §12.5.1); 1 without the header, 0 when nothing matches. */
static double accept_q(const char *accept, const char *type)
{
	size_t major = (size_t)(strchr(type, '/') - type) + 1;
	double q = accept ? 0 : 1;
	int best = 0;

	for (const char *r = accept ? accept : ""; *r;) {
		const char *end = r + strcspn(r, ","), *semi;
		size_t n;
		int spec;
		double rq = 1;

		while (r < end && (*r == ' ' || *r == '\t'))
			r++;
		semi = r + strcspn(r, ";,");
		for (n = (size_t)(semi - r); n && (r[n - 1] == ' ' || r[n - 1] == '\t');)
			n--;
		spec = n == strlen(type) && strncasecmp(r, type, n) == 0                       ? 3
		       : n == major + 1 && strncasecmp(r, type, major) == 0 && r[major] == '*' ? 2
		       : n == 3 && memcmp(r, "*/*", 3) == 0                                    ? 1
		                                                                               : 0;
		for (const char *a = semi; a < end; a++)
			if (*a == ';') {
				a += strspn(a + 1, " \t") + 1;
				if ((*a == 'q' || *a == 'Q') && a[1] == '=')
					rq = strtod(a + 2, NULL);
			}
		if (spec > best) {
			best = spec;
			q = rq < 0 ? 0 : rq > 1 ? 1 : rq;
		}
		r = *end ? end + 1 : end;
	}
	return q;
}

/* From ?linkType= (a GS1 link type as CURIE or URI; "linkset" or "all") or else Accept. The
 * page is the default, also for a bare "* / *", as the resolver standard asks of a request
 * that names no media type. false: a linkType that is none of these. */
static bool wanted(const qt_req *req, want *w, char term[64])
{
	static const char *const prefixes[] = {"gs1:", "https://gs1.org/voc/",
	                                       "http://gs1.org/voc/", "https://ref.gs1.org/voc/",
	                                       "http://ref.gs1.org/voc/"};
	const char *lt = qt_http_query(req, "linkType"), *accept = qt_http_header(req, "Accept");
	double h = accept_q(accept, "text/html"), j = accept_q(accept, "application/json");
	double l = accept_q(accept, "application/linkset+json");
	bool ok = !lt;

	term[0] = '\0';
	*w = l > h && l > j ? WANT_LINKSET : j > h ? WANT_JSON : WANT_HTML;
	if (lt && (!strcmp(lt, "linkset") || !strcmp(lt, "all"))) {
		*w = WANT_LINKSET;
		ok = true;
	}
	for (size_t i = 0; !ok && i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t k = strlen(prefixes[i]), n = strlen(lt);
		if (n > k && n - k < 64 && strncmp(lt, prefixes[i], k) == 0 &&
		    strspn(lt + k,
		           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
		            n - k) {
			memcpy(term, lt + k, n - k + 1);
			*w = WANT_REDIRECT;
			ok = true;
		}
	}
	return ok;
}

/* ---- answers ---- */

/* A page of ours: it has no script, so the policy can forbid every script outright, and an
 * escaping mistake could not run one. */
static void html(qt_resp *resp, int status, const qt_buf *page)
{
	qt_http_text(resp, status, "text/html; charset=utf-8", page->p, page->len);
	qt_http_add_header(resp, "Content-Security-Policy",
	                   "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
}

/* A refusal in the form the client asked for: the small page for a browser, else JSON. */
static void refuse(qt_resp *resp, want w, qt_rc rc, const qt_err *err)
{
	int status = rc == QT_ERR_INVALID || rc == QT_ERR_TOOBIG || rc == QT_ERR_USAGE ? 400
	             : rc == QT_ERR_NOTFOUND                                           ? 404
	                                                                               : 500;
	qt_buf page;

	qt_buf_init(&page, 64 << 10);
	if (w != WANT_HTML)
		/* a key too long for a code is a bad code here, not a large upload */
		qt_http_fail(resp, status == 400 ? QT_ERR_INVALID : rc, err);
	else if (qt_page_error(&page, status, err->msg[0] ? err->msg : qt_rc_str(rc)) == QT_OK)
		html(resp, status, &page);
	else
		qt_http_error(resp, 500, "internal", "cannot build the error page");
	qt_buf_free(&page);
}

/* Percent-encode key for a path, keeping its '/': each byte outside the unreserved set
 * (including the '%' of the key's own escapes) once more, as the router decodes once. */
static bool key_path(const char *key, char *out, size_t size)
{
	size_t o = 0;

	for (; *key && o + 4 <= size; key++) {
		unsigned char c = (unsigned char)*key;
		if (c == '/' || (qt_code_chars[c] & QT_CHAR_UNRESERVED))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 4, "%%%02X", c);
	}
	out[o] = '\0';
	return *key == '\0';
}

static bool anchor_url(const char *base, const qt_code *code, char out[URL_MAX])
{
	return qt_code_resolver_url(code, base, out, URL_MAX) == QT_OK;
}

/* The links of one code; hrefs point at this server only. */
typedef struct links {
	char anchor[URL_MAX], view[URL_MAX], product[URL_MAX], linkset[URL_MAX + 20];
	const char *href[N_LINKS];
} links;

static bool make_links(const char *base, const qt_code *code, const json_t *view, links *l)
{
	char key[URL_MAX];
	const char *pid =
	        json_string_value(json_object_get(json_object_get(view, "product"), "id"));
	bool ok = anchor_url(base, code, l->anchor) &&
	          fmt(l->linkset, sizeof l->linkset, "%s?linkType=linkset", l->anchor) &&
	          key_path(code->canonical, key, sizeof key) &&
	          fmt(l->view, URL_MAX, "%s/api/v1/codes/%s", base, key);

	l->product[0] = '\0';
	/* product ids are "P" and hex: nothing to encode */
	if (ok && pid && strspn(pid, "P0123456789abcdef") == strlen(pid))
		ok = fmt(l->product, URL_MAX, "%s/api/v1/products/%s", base, pid);
	l->href[L_DEFAULT] = l->href[L_PIP] = l->anchor;
	l->href[L_CERT] = l->product[0] ? l->product : NULL; /* a carton has no product */
	l->href[L_RECALL] = l->href[L_TRACE] = l->view;
	return ok;
}

/* RFC 9264 §4.2: {"linkset":[{"anchor":…, "<relation type URI>":[{"href",…}], …}]}. */
static json_t *linkset(const links *l, const json_t *view)
{
	json_t *ctx = json_pack("{s:s}", "anchor", l->anchor);
	const char *name =
	        json_string_value(json_object_get(json_object_get(view, "product"), "name"));
	char rel[64];

	if (name)
		json_object_set_new(ctx, "description", json_string(name));
	for (int i = 0; i < N_LINKS; i++) {
		if (!l->href[i])
			continue;
		snprintf(rel, sizeof rel, GS1_VOC "%s", offered[i].term);
		json_object_set_new(ctx, rel,
		                    json_pack("[{s:s, s:s, s:s, s:[s]}]", "href", l->href[i],
		                              "title", offered[i].title, "type", offered[i].type,
		                              "hreflang", "zh"));
	}
	return json_pack("{s:[o]}", "linkset", ctx);
}

static void answer(qt_resp *resp, want w, const char *term, const char *base, const qt_code *code,
                   const json_t *view)
{
	char hdr[URL_MAX + 100];
	links *l = malloc(sizeof *l);
	qt_buf page;
	int i;

	qt_buf_init(&page, 4u << 20);
	if (!l) {
		qt_http_error(resp, 500, "internal", "out of memory");
		goto out;
	}
	if (!make_links(base, code, view, l) ||
	    !fmt(hdr, sizeof hdr, "<%s>; rel=\"linkset\"; type=\"application/linkset+json\"",
	         l->linkset) ||
	    !qt_http_add_header(resp, "Link", hdr) ||
	    /* public data, no credentials: any web app may read a linkset or a view */
	    !qt_http_add_header(resp, "Access-Control-Allow-Origin", "*")) {
		qt_http_error(resp, 500, "internal", "a link to this code is too long");
		goto out;
	}
	switch (w) {
	case WANT_LINKSET:
		qt_http_json(resp, 200, linkset(l, view));
		resp->type = "application/linkset+json";
		qt_http_add_header(resp, "Link", LINKSET_CONTEXT);
		break;
	case WANT_REDIRECT:
		/* a type this code has no link of goes to the default link, as GS1 resolvers do */
		for (i = 0; i < N_LINKS && (strcmp(offered[i].term, term) || !l->href[i]);)
			i++;
		if (!qt_http_add_header(resp, "Location", l->href[i < N_LINKS ? i : L_DEFAULT])) {
			qt_http_error(resp, 500, "internal", "the link is too long for a redirect");
			break;
		}
		qt_http_text(resp, 307, "text/plain; charset=utf-8", "", 0);
		break;
	case WANT_JSON: qt_http_json(resp, 200, json_incref((json_t *)view)); break;
	case WANT_HTML:
		if (qt_page_code(&page, view,
		                 &(qt_page_links){.anchor = l->anchor,
		                                  .linkset = l->linkset,
		                                  .json = l->view}) != QT_OK) {
			qt_http_error(resp, 500, "internal", "cannot build the page");
			break;
		}
		html(resp, 200, &page);
		break;
	}
out:
	qt_buf_free(&page);
	free(l);
}

/* ---- the three URL forms ---- */

/* Reads the code from the request into code, and into text the form qt_public_view gets. */
typedef qt_rc (*read_fn)(const qt_req *req, qt_code *code, char *text, size_t size, qt_err *err);

/* The GS1 numeric attributes of a raw query ("17=261231&linkType=…" → "?17=261231"); the
 * rest (linkType, context, a marketing tag) is for the resolver, not part of the code. */
static bool gs1_attrs(const char *query, char *out, size_t size)
{
	size_t o = 0;
	bool fits = true;

	out[0] = '\0';
	for (const char *a = query; *a && fits;) {
		size_t n = strcspn(a, "&"), k = strcspn(a, "=&");
		if (k > 0 && k < n && qt_code_all_digits(a, k) && (fits = o + n + 2 <= size)) {
			out[o] = o ? '&' : '?';
			o++;
			memcpy(out + o, a, n);
			o += n;
			out[o] = '\0';
		}
		a += n + (a[n] == '&');
	}
	return fits;
}

/* /01/…: the raw path (a serial may hold an encoded '/') and the query's GS1 attributes. */
static qt_rc read_gs1(const qt_req *req, qt_code *code, char *text, size_t size, qt_err *err)
{
	char url[QT_CODE_INPUT_MAX + 1], attrs[QT_CODE_INPUT_MAX + 1];
	size_t segments = 0;
	qt_rc rc = QT_OK;

	if (!gs1_attrs(req->query, attrs, sizeof attrs) ||
	    !fmt(url, sizeof url, ANY_HOST "%s", req->path) ||
	    strlen(url) + strlen(attrs) > QT_CODE_INPUT_MAX) {
		rc = qt_err_set(err, QT_ERR_INVALID, "the Digital Link is longer than %d bytes",
		                QT_CODE_INPUT_MAX);
		goto out;
	}
	/* The parser takes whatever precedes the last key in the path for a resolver's own
	 * prefix; here the path starts at the key, so each segment must be one of its pairs. */
	for (const char *s = req->path; *s; s++)
		segments += *s == '/' && s[1];
	if ((rc = qt_gs1_parse_dl(url, strlen(url), NULL, code, err)) != QT_OK)
		goto out;
	if (segments != 2 * code->n_elems) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "a Digital Link path here is /01/<GTIN> and its key qualifiers "
		                "(/22/, /10/, /21/), or /00/<SSCC>, with nothing before or "
		                "between them");
		goto out;
	}
	strcat(url, attrs); /* the length was checked above */
	if (attrs[0] && (rc = qt_gs1_parse_dl(url, strlen(url), NULL, code, err)) != QT_OK)
		goto out;
	if (!fmt(text, size, "%s", code->canonical))
		rc = QT_ERR_TOOBIG;
out:
	return rc;
}

static qt_rc read_dic(const qt_req *req, qt_code *code, char *text, size_t size, qt_err *err)
{
	qt_rc rc = qt_dic_parse(req->params[0], strlen(req->params[0]), code, err);
	return rc == QT_OK && !fmt(text, size, "%s", code->canonical) ? QT_ERR_TOOBIG : rc;
}

/* The view gets the Ecode as printed: its canonical key percent-encodes V4's UTF-8, which
 * read back as an Ecode would be other master data. */
static qt_rc read_ecode(const qt_req *req, qt_code *code, char *text, size_t size, qt_err *err)
{
	qt_rc rc = qt_ecode_parse(req->params[0], strlen(req->params[0]), NULL, code, err);
	return rc == QT_OK && !fmt(text, size, "E=%s", req->params[0]) ? QT_ERR_TOOBIG : rc;
}

/* Any of them: what the client wants, the code, its view, the answer. */
static void resolve(qt_req *req, qt_resp *resp, read_fn read)
{
	qt_code *code = malloc(sizeof *code);
	char text[QT_HTTP_PARAM_MAX + 3], term[64], base[BASE_MAX];
	json_t *view = NULL;
	want w;
	qt_err err = {{0}};
	qt_rc rc;

	if (!wanted(req, &w, term)) {
		rc = qt_err_set(&err, QT_ERR_INVALID,
		                "linkType must be \"linkset\", \"all\" or a GS1 link type such as "
		                "gs1:pip");
	} else if (!code) {
		rc = qt_err_set(&err, QT_ERR_NOMEM, "out of memory");
	} else if ((rc = read(req, code, text, sizeof text, &err)) != QT_OK) {
		/* err says what is wrong with the code */
	} else if (!qt_http_base_url(req, base)) {
		rc = qt_err_set(&err, QT_ERR_INVALID, BAD_HOST);
	} else {
		/* a person looking (page or view) counts as a lookup; links and redirects do
		 * not, nor does HEAD */
		rc = qt_public_view(req->p, text, strlen(text),
		                    (w == WANT_HTML || w == WANT_JSON) &&
		                            !strcmp(req->method, "GET"),
		                    &view, &err);
	}
	if (rc != QT_OK)
		refuse(resp, w, rc, &err);
	else
		answer(resp, w, term, base, code, view);
	json_decref(view);
	free(code);
}

static void h_gs1(qt_req *req, qt_resp *resp)
{
	resolve(req, resp, read_gs1);
}

static void h_dic(qt_req *req, qt_resp *resp)
{
	resolve(req, resp, read_dic);
}

static void h_ecode(qt_req *req, qt_resp *resp)
{
	resolve(req, resp, read_ecode);
}

/* GS1-Conformant Resolver standard, resolver description file. */
static void h_description(qt_req *req, qt_resp *resp)
{
	char base[BASE_MAX];

	if (!qt_http_base_url(req, base))
		qt_http_error(resp, 400, "invalid", BAD_HOST);
	else
		qt_http_json(resp, 200,
		             json_pack("{s:s, s:s, s:[s, s], s:[{s:s, s:s}], s:b, s:s}", "name",
		                       "qtrace 产品质量安全追溯 resolver", "resolverRoot", base,
		                       "supportedPrimaryKeys", "01", "00", "supportedLinkType",
		                       "namespace", GS1_VOC, "prefix", "gs1:",
		                       "linkTypeDefaultCanBeLinkset", 0, "jsonLdContextLocation",
		                       "https://ref.gs1.org/standards/resolver/linkset-context"));
}

const qt_route qt_routes_resolver[] = {
        {"GET", "/01/{*}", h_gs1, 0, 0, false, "resolve_gs1"},
        {"HEAD", "/01/{*}", h_gs1, 0, 0, false, "resolve_gs1"},
        /* a carton's or pallet's SSCC, as its label's QR carries it */
        {"GET", "/00/{*}", h_gs1, 0, 0, false, "resolve_gs1"},
        {"HEAD", "/00/{*}", h_gs1, 0, 0, false, "resolve_gs1"},
        {"GET", "/t/{}", h_dic, 0, 0, false, "resolve_dic"},
        {"HEAD", "/t/{}", h_dic, 0, 0, false, "resolve_dic"},
        {"GET", "/E={*}", h_ecode, 0, 0, false, "resolve_ecode"},
        {"HEAD", "/E={*}", h_ecode, 0, 0, false, "resolve_ecode"},
        {"GET", "/.well-known/gs1resolver", h_description, 0, 0, false, "gs1resolver"},
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
