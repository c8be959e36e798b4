/* page.h — the HTML a browser gets when it opens a code's URL: the product page rendered
 * from the public view, and the small error page. Self-contained (inline style, no script,
 * no external resources), so it works on any phone that scans a label. */
#ifndef QT_PAGE_H
#define QT_PAGE_H

#include <jansson.h>

#include "util/buf.h"
#include "util/rc.h"

/* Where the page points: the code's own URL, its linkset and its JSON view. */
typedef struct qt_page_links {
	const char *anchor;
	const char *linkset;
	const char *json;
} qt_page_links;

/* The product page for view (qt_public_view's answer), appended to out. */
qt_rc qt_page_code(qt_buf *out, const json_t *view, const qt_page_links *links)
        __attribute__((warn_unused_result));

/* A page that says why a code could not be shown (status 400, 404 or other), with the
 * server's one-sentence reason. */
qt_rc qt_page_error(qt_buf *out, int status, const char *message)
        __attribute__((warn_unused_result));

#endif
