#include "rp/routes.h"

#include "rp/conformance.h"
#include "rp/flow_card.h"
#include "rp/flow_device_auth.h"
#include "rp/flow_login.h"
#include "rp/flow_register.h"
#include "rp/test_control.h"

const rp_route_table *const rp_platform_routes[] = {
        &rp_register_table,    &rp_pc_register_table,  &rp_conformance_table, &rp_login_table,
        &rp_device_auth_table, &rp_test_control_table, &rp_card_front_table,  &rp_card_page_table,
};
const size_t rp_platform_route_count = KAGURA_LEN(rp_platform_routes);
