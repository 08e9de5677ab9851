#include "rp/network.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

bool rp_network_parse(const char *cidr, rp_network *out)
{
	char addr[32];
	const char *slash = strchr(cidr, '/');
	struct in_addr in;
	char *end;
	long bits = 32;

	if (slash == NULL)
		slash = cidr + strlen(cidr);
	else if ((bits = strtol(slash + 1, &end, 10)) < 0 || bits > 32 || *end != '\0' ||
	         slash[1] == '\0')
		return false;
	if ((size_t)(slash - cidr) >= sizeof(addr))
		return false;
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1)
		return false;
	out->mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	out->addr = ntohl(in.s_addr) & out->mask;
	return true;
}

bool rp_network_contains(const rp_network *n, const char *ip)
{
	struct in_addr in;

	return ip != NULL && inet_pton(AF_INET, ip, &in) == 1 &&
	       (ntohl(in.s_addr) & n->mask) == n->addr;
}

bool rp_network_any_contains(const rp_network *nets, size_t n, const char *ip)
{
	for (size_t i = 0; i < n; i++)
		if (rp_network_contains(&nets[i], ip))
			return true;
	return false;
}
