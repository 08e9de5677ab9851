/* The test control API (only with --test-control): the CA's and the clock's hands. */
#ifndef KAGURA_RP_TEST_CONTROL_H
#define KAGURA_RP_TEST_CONTROL_H

#include "rp/app.h"

#define RP_TEST_CONTROL_PREFIX "/test-control/"

extern const rp_route rp_test_control_routes[];
extern const size_t rp_test_control_route_count;

#endif
