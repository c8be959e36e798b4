/* ratelimit.h — a token bucket per client address, in memory: what keeps an open, accountless
 * write (a consumer's complaint) from being flooded from one address. Forgotten on restart;
 * good enough against a flood, not an accounting of anyone. */
#ifndef QT_RATELIMIT_H
#define QT_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>

#define QT_RATELIMIT_SLOTS 4096 /* addresses remembered at once */
#define QT_RATELIMIT_ADDR  64   /* an address as text (IPv6 fits) */
#define QT_RATELIMIT_PROBE 8    /* slots an address may land in */

typedef struct qt_ratelimit_slot {
	char addr[QT_RATELIMIT_ADDR];
	double tokens;
	double last; /* seconds, the caller's clock */
} qt_ratelimit_slot;

typedef struct qt_ratelimit {
	pthread_mutex_t lock;
	double burst; /* the bucket's size */
	double per_s; /* tokens back per second */
	qt_ratelimit_slot slots[QT_RATELIMIT_SLOTS];
} qt_ratelimit;

/* n requests per period seconds per address, all n at once allowed. */
void qt_ratelimit_init(qt_ratelimit *rl, unsigned n, double period);
void qt_ratelimit_destroy(qt_ratelimit *rl);

/* Take one token for addr at time now (seconds, monotonic): false when its bucket is empty.
 * *retry_s (may be NULL) gets the seconds until the next token. */
bool qt_ratelimit_take(qt_ratelimit *rl, const char *addr, double now, double *retry_s);

#endif
