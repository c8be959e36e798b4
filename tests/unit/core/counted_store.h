/* counted_store.h — a real store seen through a wrapper that counts its document reads (all,
 * and of one kind), for tests that check how often a path reads the store. Reads it does not
 * count (records, index rows, read transactions) go straight through. */
#ifndef QT_TEST_COUNTED_STORE_H
#define QT_TEST_COUNTED_STORE_H

#include <string.h>

#include "store/store.h"

typedef struct counted {
	qt_store base;
	qt_store_ops ops;
	qt_store *real;
	const char *kind; /* reads of this kind are counted in of_kind (NULL: none) */
	int reads, of_kind;
} counted;

static qt_rc counted_doc(qt_store *s, const char *kind, const char *id, qt_buf *body, qt_buf *owner,
                         uint64_t *rec, qt_err *err)
{
	counted *c = (counted *)s;
	c->reads++;
	c->of_kind += c->kind && !strcmp(kind, c->kind);
	return c->real->ops->doc_get(c->real, kind, id, body, owner, rec, err);
}

static qt_rc counted_record(qt_store *s, uint64_t index, qt_buf *leaf, qt_buf *sealed, qt_err *err)
{
	counted *c = (counted *)s;
	return c->real->ops->record_get(c->real, index, leaf, sealed, err);
}

static qt_rc counted_index(qt_store *s, const char *name, const char *key, uint64_t after,
                           uint64_t *records, size_t max, size_t *found, qt_err *err)
{
	counted *c = (counted *)s;
	return c->real->ops->index_find(c->real, name, key, after, records, max, found, err);
}

static qt_rc counted_begin(qt_store *s, qt_err *err)
{
	counted *c = (counted *)s;
	return c->real->ops->read_begin(c->real, err);
}

static void counted_end(qt_store *s)
{
	counted *c = (counted *)s;
	c->real->ops->read_end(c->real);
}

/* c, wrapping real, counting reads of kind (or none). */
static void counted_wrap(counted *c, qt_store *real, const char *kind)
{
	*c = (counted){.ops = *real->ops, .real = real, .kind = kind};
	c->ops.doc_get = counted_doc;
	c->ops.record_get = counted_record;
	c->ops.index_find = counted_index;
	c->ops.read_begin = counted_begin;
	c->ops.read_end = counted_end;
	c->base.ops = &c->ops;
}

#endif
