/* sqlite_vfs.h — a SQLite VFS that passes everything to the real one but can fail a chosen
 * write or fsync: how the tests make a disk fail under a real database (qt_store_faults). */
#ifndef QT_SQLITE_VFS_H
#define QT_SQLITE_VFS_H

#include "store/store.h"

typedef struct qt_sqlite_vfs qt_sqlite_vfs;

qt_rc qt_sqlite_vfs_new(qt_store_faults *faults, qt_sqlite_vfs **out, qt_err *err)
        __attribute__((warn_unused_result));
const char *qt_sqlite_vfs_name(const qt_sqlite_vfs *v);
void qt_sqlite_vfs_free(qt_sqlite_vfs *v); /* after the database using it is closed */

#endif
