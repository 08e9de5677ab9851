/* Everything the platform serves: each flow's route table, in the order the router tries them. */
#ifndef KAGURA_RP_ROUTES_H
#define KAGURA_RP_ROUTES_H

#include <stddef.h>

#include "rp/route.h"

extern const rp_route_table *const rp_platform_routes[];
extern const size_t rp_platform_route_count;

#endif
