/* sqlite_vfs.c — fault-injecting SQLite VFS (see sqlite_vfs.h). Each store that asks for
 * faults registers its own VFS instance, so the countdowns belong to that store alone. */
#include "store/sqlite_vfs.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qt_sqlite_vfs {
	sqlite3_vfs vfs;
	sqlite3_vfs *real;
	qt_store_faults *faults;
	char name[64];
};

typedef struct fault_file {
	sqlite3_file base;
	qt_sqlite_vfs *owner;
	sqlite3_file *real; /* points just past this struct */
} fault_file;

/* A countdown that fires once when it goes from 1 to 0. */
static int fires(int *counter)
{
	if (*counter <= 0)
		return 0;
	return --*counter == 0;
}

#define REAL(f) (((fault_file *)(f))->real)

static int ff_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int ff_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int ff_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (fires(&((fault_file *)f)->owner->faults->fail_write_in))
		return SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int ff_sync(sqlite3_file *f, int flags)
{
	if (fires(&((fault_file *)f)->owner->faults->fail_sync_in))
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int ff_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int ff_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int ff_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int ff_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int ff_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int ff_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int ff_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int ff_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, p);
}

static int ff_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void ff_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int ff_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int ff_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, p);
}

static int ff_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods fault_methods = {
        3,           ff_close,       ff_read,       ff_write,   ff_truncate, ff_sync,   ff_size,
        ff_lock,     ff_unlock,      ff_check_lock, ff_control, ff_sector,   ff_device, ff_shm_map,
        ff_shm_lock, ff_shm_barrier, ff_shm_unmap,  ff_fetch,   ff_unfetch,
};

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	fault_file *f = (fault_file *)file;
	int r;

	f->owner = v;
	f->real = (sqlite3_file *)(f + 1);
	r = v->real->xOpen(v->real, name, f->real, flags, out_flags);
	f->base.pMethods = r == SQLITE_OK && f->real->pMethods ? &fault_methods : NULL;
	return r;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xDelete(v->real, name, sync);
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xAccess(v->real, name, flags, out);
}

static int fv_full(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xFullPathname(v->real, name, n, out);
}

static void *fv_dlopen(sqlite3_vfs *vfs, const char *name)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xDlOpen(v->real, name);
}

static void fv_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	v->real->xDlError(v->real, n, out);
}

static void (*fv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xDlSym(v->real, h, sym);
}

static void fv_dlclose(sqlite3_vfs *vfs, void *h)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	v->real->xDlClose(v->real, h);
}

static int fv_random(sqlite3_vfs *vfs, int n, char *out)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xRandomness(v->real, n, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xSleep(v->real, us);
}

static int fv_time(sqlite3_vfs *vfs, double *out)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xCurrentTime(v->real, out);
}

static int fv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xGetLastError ? v->real->xGetLastError(v->real, n, out) : 0;
}

static int fv_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	qt_sqlite_vfs *v = (qt_sqlite_vfs *)vfs;
	return v->real->xCurrentTimeInt64(v->real, out);
}

qt_rc qt_sqlite_vfs_new(qt_store_faults *faults, qt_sqlite_vfs **out, qt_err *err)
{
	qt_sqlite_vfs *v = calloc(1, sizeof *v);
	qt_rc rc = QT_OK;

	*out = NULL;
	if (!v) {
		rc = qt_err_set(err, QT_ERR_NOMEM, "out of memory");
		goto out;
	}
	v->real = sqlite3_vfs_find(NULL);
	v->faults = faults;
	snprintf(v->name, sizeof v->name, "qtfault-%p", (void *)v);
	v->vfs = (sqlite3_vfs){
	        .iVersion = 2,
	        .szOsFile = (int)sizeof(fault_file) + v->real->szOsFile,
	        .mxPathname = v->real->mxPathname,
	        .zName = v->name,
	        .xOpen = fv_open,
	        .xDelete = fv_delete,
	        .xAccess = fv_access,
	        .xFullPathname = fv_full,
	        .xDlOpen = fv_dlopen,
	        .xDlError = fv_dlerror,
	        .xDlSym = fv_dlsym,
	        .xDlClose = fv_dlclose,
	        .xRandomness = fv_random,
	        .xSleep = fv_sleep,
	        .xCurrentTime = fv_time,
	        .xGetLastError = fv_last_error,
	        .xCurrentTimeInt64 = fv_time64,
	};
	if (sqlite3_vfs_register(&v->vfs, 0) != SQLITE_OK) {
		free(v);
		rc = qt_err_set(err, QT_ERR_IO, "cannot register the fault-injection VFS");
		goto out;
	}
	*out = v;
out:
	return rc;
}

const char *qt_sqlite_vfs_name(const qt_sqlite_vfs *v)
{
	return v->name;
}

void qt_sqlite_vfs_free(qt_sqlite_vfs *v)
{
	if (v) {
		sqlite3_vfs_unregister(&v->vfs);
		free(v);
	}
}
