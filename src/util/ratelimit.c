/* ratelimit.c — the per-address token bucket behind accountless writes. A fixed table, so a
 * flood of distinct addresses costs no memory: when every slot an address may use is taken,
 * the one idle longest is given up (its owner gets a full bucket again, which only errs on
 * the side of letting a consumer through). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/ratelimit.h"

void qt_ratelimit_init(qt_ratelimit *rl, unsigned n, double period)
{
	memset(rl, 0, sizeof *rl);
	pthread_mutex_init(&rl->lock, NULL);
	rl->burst = n;
	rl->per_s = n / period;
}

void qt_ratelimit_destroy(qt_ratelimit *rl)
{
	pthread_mutex_destroy(&rl->lock);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static qt_ratelimit_slot *slot_of(qt_ratelimit *rl, const char *addr)
{
	uint32_t h = fnv1a(addr);
	qt_ratelimit_slot *empty = NULL, *oldest = NULL, *sl;

	for (unsigned i = 0; i < QT_RATELIMIT_PROBE; i++) {
		sl = &rl->slots[(h + i) % QT_RATELIMIT_SLOTS];
		if (!strcmp(sl->addr, addr))
			return sl;
		if (!sl->addr[0])
			empty = empty ? empty : sl;
		else if (!oldest || sl->last < oldest->last)
			oldest = sl;
	}
	sl = empty ? empty : oldest;
	snprintf(sl->addr, sizeof sl->addr, "%s", addr);
	sl->tokens = rl->burst;
	sl->last = -1; /* fresh: no refill owed */
	return sl;
}

bool qt_ratelimit_take(qt_ratelimit *rl, const char *addr, double now, double *retry_s)
{
	qt_ratelimit_slot *sl;
	bool ok;

	pthread_mutex_lock(&rl->lock);
	sl = slot_of(rl, addr);
	if (sl->last >= 0 && now > sl->last) {
		sl->tokens += (now - sl->last) * rl->per_s;
		if (sl->tokens > rl->burst)
			sl->tokens = rl->burst;
	}
	sl->last = now;
	ok = sl->tokens >= 1;
	if (ok)
		sl->tokens -= 1;
	if (retry_s)
		*retry_s = ok ? 0 : (1 - sl->tokens) / rl->per_s;
	pthread_mutex_unlock(&rl->lock);
	return ok;
}
