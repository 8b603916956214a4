/*
 * relay_ports.c: RTP/RTCP port pairs (an even RTP port and the next one)
 * from [media] port_min..port_max. A freed pair waits in quarantine
 * before it is handed out again, so that late packets of an ended call
 * never reach the next one.
 *
 * Allocation never walks the range: free pairs sit in a FIFO, freed pairs
 * in a second FIFO stamped with the time they may return. Quarantine has
 * one length, so that FIFO is in time order and only its head is looked
 * at. Reusing the longest-free pair first also keeps ports apart in time.
 */
#include "config.h"

#include <stdlib.h>

#include "relay_int.h"

/* A ring of pair indices; the quarantine's carries a release time too. */
struct relay_ports {
	uint16_t	 base;		/* first even port */
	uint32_t	 n;		/* pairs */
	unsigned	 quarantine_ms;
	uint32_t	*free_q;	/* FIFO of free pair indices */
	uint32_t	 free_head;
	uint32_t	 free_len;
	uint32_t	*q_idx;		/* FIFO of quarantined pairs */
	uint64_t	*q_until;
	uint32_t	 q_head;
	uint32_t	 q_len;
};

/* The pairs of a range; NULL when it holds none. */
struct relay_ports *
relay_ports_new(uint16_t min, uint16_t max, unsigned quarantine_ms)
{
	struct relay_ports	*p;
	uint32_t		 base = min + (min & 1), i;

	if (base + 1 > max || base + 1 > 65535)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->base = base;
	p->n = (max - base + 1) / 2;
	p->quarantine_ms = quarantine_ms;
	p->free_q = calloc(p->n, sizeof(*p->free_q));
	p->q_idx = calloc(p->n, sizeof(*p->q_idx));
	p->q_until = calloc(p->n, sizeof(*p->q_until));
	if (p->free_q == NULL || p->q_idx == NULL || p->q_until == NULL) {
		relay_ports_free(p);
		return NULL;
	}
	for (i = 0; i < p->n; i++)
		p->free_q[i] = i;
	p->free_len = p->n;
	return p;
}

/* Free the allocator (not the sockets: they are their threads'). */
void
relay_ports_free(struct relay_ports *p)
{
	if (p == NULL)
		return;
	free(p->free_q);
	free(p->q_idx);
	free(p->q_until);
	free(p);
}

/* Move pairs whose quarantine is over back to the free FIFO. */
static void
relay_ports_release(struct relay_ports *p, uint64_t now_ms)
{
	while (p->q_len > 0 && p->q_until[p->q_head] <= now_ms) {
		p->free_q[(p->free_head + p->free_len) % p->n] =
		    p->q_idx[p->q_head];
		p->free_len++;
		p->q_head = (p->q_head + 1) % p->n;
		p->q_len--;
	}
}

/* A free pair's RTP port (even; RTCP is port + 1), or 0 when none. */
uint16_t
relay_ports_get(struct relay_ports *p, uint64_t now_ms)
{
	uint32_t	i;

	relay_ports_release(p, now_ms);
	if (p->free_len == 0)
		return 0;
	i = p->free_q[p->free_head];
	p->free_head = (p->free_head + 1) % p->n;
	p->free_len--;
	return (uint16_t)(p->base + 2 * i);
}

/* Return a pair by its RTP port; it is handed out again after quarantine. */
void
relay_ports_put(struct relay_ports *p, uint16_t port, uint64_t now_ms)
{
	uint32_t	t;

	if (port < p->base || (uint32_t)(port - p->base) / 2 >= p->n ||
	    p->q_len >= p->n)
		return;
	t = (p->q_head + p->q_len) % p->n;
	p->q_idx[t] = (uint32_t)(port - p->base) / 2;
	p->q_until[t] = now_ms + p->quarantine_ms;
	p->q_len++;
}

/* Ports (not pairs) in use, in the range and in quarantine. */
void
relay_ports_counts(struct relay_ports *p, uint64_t now_ms, unsigned *in_use,
    unsigned *total, unsigned *quarantined)
{
	relay_ports_release(p, now_ms);
	*total = 2 * p->n;
	*quarantined = 2 * p->q_len;
	*in_use = 2 * (p->n - p->free_len - p->q_len);
}
