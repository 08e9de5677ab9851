/* The test control API (only with --test-control): the CA's and the clock's hands. */
#ifndef KAGURA_RP_TEST_CONTROL_H
#define KAGURA_RP_TEST_CONTROL_H

#include "rp/route.h"

#define RP_TEST_CONTROL_PREFIX "/test-control/"

extern const rp_route_table rp_test_control_table;

#endif
