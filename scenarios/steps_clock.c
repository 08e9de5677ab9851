/* The platform's clock (test control): what a shared platform had is put back at cleanup. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/world_impl.h"

#define SECONDS_PER_MINUTE 60

sc_status step_clock_advance(sc_world *w, const sc_step *st, sc_outcome *out)
{
	uint64_t minutes;

	if (!world_number(sc_step_word(st, 0), SC_NUMBER_MINUTES, &minutes, out))
		return out->status;
	return sc_world_advance_clock(w, (json_int_t)minutes * SECONDS_PER_MINUTE, out);
}

sc_status sc_world_advance_clock(sc_world *w, json_int_t seconds, sc_outcome *out)
{
	json_t *a = sc_world_control(w, SC_CTL_CLOCK,
	                             json_pack("{s:I}", "advance_seconds", seconds), out);

	if (a == NULL)
		return out->status;
	/* the offset before the first change: what a shared platform gets back at cleanup */
	if (!w->clock_changed && json_is_integer(json_object_get(a, "offset_seconds"))) {
		w->clock_before =
		        json_integer_value(json_object_get(a, "offset_seconds")) - seconds;
		w->clock_changed = true;
	}
	json_decref(a);
	return SC_PASS;
}
