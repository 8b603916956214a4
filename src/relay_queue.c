/*
 * relay_queue.c: the single-producer single-consumer rings between the
 * proxy thread and a relay thread. Commands go one way and results the
 * other, each in a ring of its own, so neither side ever takes a lock.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "relay_int.h"

/* A ring of len elements (a power of two) of elem bytes each. */
int
relay_queue_init(struct relay_queue *q, size_t len, size_t elem)
{
	memset(q, 0, sizeof(*q));
	if (len == 0 || (len & (len - 1)) != 0)
		return -1;
	if ((q->slots = calloc(len, elem)) == NULL)
		return -1;
	q->mask = len - 1;
	q->elem = elem;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	return 0;
}

/* Free the ring; both sides must be done with it. */
void
relay_queue_fini(struct relay_queue *q)
{
	free(q->slots);
	q->slots = NULL;
}

/* Producer: copy one element in; false when the ring is full. */
bool
relay_queue_push(struct relay_queue *q, const void *e)
{
	size_t	t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	size_t	h = atomic_load_explicit(&q->head, memory_order_acquire);

	if (t - h > q->mask)
		return false;
	memcpy(q->slots + (t & q->mask) * q->elem, e, q->elem);
	atomic_store_explicit(&q->tail, t + 1, memory_order_release);
	return true;
}

/* Consumer: copy the oldest element out; false when the ring is empty. */
bool
relay_queue_pop(struct relay_queue *q, void *e)
{
	size_t	h = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t	t = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (h == t)
		return false;
	memcpy(e, q->slots + (h & q->mask) * q->elem, q->elem);
	atomic_store_explicit(&q->head, h + 1, memory_order_release);
	return true;
}

/* Elements waiting, as either side sees it now. */
size_t
relay_queue_count(struct relay_queue *q)
{
	size_t	h = atomic_load_explicit(&q->head, memory_order_acquire);
	size_t	t = atomic_load_explicit(&q->tail, memory_order_acquire);

	return t - h;
}
