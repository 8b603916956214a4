/*
 * relay_pool.c: the memory a relay thread's sessions live in. Sessions
 * are made on the proxy thread, and from malloc they came out scattered
 * among that thread's SIP state (a call's dialog, transactions and
 * messages are three times the size of its relay session), so that the
 * packet path touched a page or more of its own for every session it
 * met. Here each thread's sessions sit side by side in slabs of their
 * own (2 MiB, a huge page where the kernel gives one). At 2,100 calls
 * through sipedged this took the relay thread's CPU per packet from 8.8
 * to 8.1 us in one set of runs and changed nothing in a later one
 * (bench/README, "capacity").
 *
 * Taken on the proxy thread, given back by the relay thread that freed
 * the session (or by the proxy for one that never reached it): a mutex,
 * never held on the packet path. Slabs stay until the thread stops.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <sys/mman.h>

#include "relay_int.h"

#define RELAY_SLAB_BYTES	(2u << 20)

/* A slab's head; its sessions follow, a cache line apart. */
struct relay_slab {
	struct relay_slab	*next;
};

#define RELAY_POOL_ALIGN	64
#define RELAY_POOL_STRIDE	\
	((sizeof(struct relay_session) + RELAY_POOL_ALIGN - 1) & \
	~(size_t)(RELAY_POOL_ALIGN - 1))

void
relay_pool_init(struct relay_pool *p)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mx, NULL);
	p->ready = true;
}

void
relay_pool_fini(struct relay_pool *p)
{
	struct relay_slab	*sl;

	if (!p->ready)
		return;
	while ((sl = p->slabs) != NULL) {
		p->slabs = sl->next;
		munmap(sl, RELAY_SLAB_BYTES);
	}
	pthread_mutex_destroy(&p->mx);
	p->ready = false;
}

/* One more slab, its sessions on the free list; -1 when none is had. */
static int
relay_pool_grow(struct relay_pool *p)
{
	struct relay_slab	*sl;
	struct relay_session	*s;
	unsigned char		*at, *end;

	sl = mmap(NULL, RELAY_SLAB_BYTES, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sl == MAP_FAILED)
		return -1;
	/* Best effort: a kernel with THP off simply says no. */
	(void)madvise(sl, RELAY_SLAB_BYTES, MADV_HUGEPAGE);
	sl->next = p->slabs;
	p->slabs = sl;
	p->n_slabs++;
	end = (unsigned char *)sl + RELAY_SLAB_BYTES;
	/* From the top down, so that the free list hands them out in order. */
	for (at = end - RELAY_POOL_STRIDE; at >= (unsigned char *)sl +
	    RELAY_POOL_ALIGN; at -= RELAY_POOL_STRIDE) {
		s = (struct relay_session *)(void *)at;
		s->next = p->free;
		p->free = s;
	}
	return 0;
}

/* A zeroed session, or NULL when memory ran out. */
struct relay_session *
relay_pool_get(struct relay_pool *p)
{
	struct relay_session	*s = NULL;

	pthread_mutex_lock(&p->mx);
	if (p->free != NULL || relay_pool_grow(p) == 0) {
		s = p->free;
		p->free = s->next;
	}
	pthread_mutex_unlock(&p->mx);
	if (s != NULL)
		memset(s, 0, sizeof(*s));
	return s;
}

void
relay_pool_put(struct relay_pool *p, struct relay_session *s)
{
	pthread_mutex_lock(&p->mx);
	s->next = p->free;
	p->free = s;
	pthread_mutex_unlock(&p->mx);
}
