/* The platform's network policy (manual 2.10): source networks it refuses, as IPv4 CIDRs. */
#ifndef KAGURA_RP_NETWORK_H
#define KAGURA_RP_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RP_MAX_NETWORKS 16

typedef struct rp_network {
	uint32_t addr; /* host order */
	uint32_t mask;
} rp_network;

/* "10.0.0.0/8" into a network; false when malformed. */
bool rp_network_parse(const char *cidr, rp_network *out);
bool rp_network_contains(const rp_network *n, const char *ip);
/* Whether ip lies in any of the n networks. */
bool rp_network_any_contains(const rp_network *nets, size_t n, const char *ip);

#endif
