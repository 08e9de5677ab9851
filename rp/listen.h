/* The address a server listens on, as the command line gives it: IPv4ADDR:PORT. */
#ifndef KAGURA_RP_LISTEN_H
#define KAGURA_RP_LISTEN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* What a listen address looks like, for error messages and usage texts. */
#define RP_LISTEN_FORM "IPv4ADDR:PORT, like 127.0.0.1:8400 (port 0: any free port)"

/* "255.255.255.255" and its NUL. */
#define RP_LISTEN_HOST_MAX 16

typedef struct rp_listen_addr {
	char host[RP_LISTEN_HOST_MAX]; /* dotted quad, as given */
	struct in_addr ip;
	uint16_t port; /* 0: the kernel picks one */
} rp_listen_addr;

/*
 * Parses "ADDR:PORT": ADDR a dotted-quad IPv4 address, PORT 0..65535 in decimal digits only
 * (no sign, no spaces). False for anything else, including an empty text or a host name.
 */
bool rp_listen_parse(const char *text, rp_listen_addr *out);

#endif
