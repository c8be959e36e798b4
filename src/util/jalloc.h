/* jalloc.h — the allocator jansson uses: small blocks kept per thread by size class. */
#ifndef QT_JALLOC_H
#define QT_JALLOC_H

#include <stddef.h>

/* Makes jansson allocate through the per-thread size classes. Call it before any jansson
 * value exists (first thing in main): a value made by one allocator must not be freed by
 * the other. Sanitizer builds keep jansson on plain malloc, so that ASan sees its blocks. */
void qt_jalloc_install(void);

/* Frees text that json_dumps returned: it comes from jansson's allocator, not malloc. */
void qt_jalloc_free_text(char *text);

/* The allocator itself, and the bytes the calling thread keeps, for tests. */
void *qt_jalloc_malloc(size_t n);
void qt_jalloc_free(void *p);
size_t qt_jalloc_kept(void);

#endif
