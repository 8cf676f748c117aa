/* TEMPORARY stub so the tree links while the simulator is written; to be deleted. */
#include "tianyan/sim.h"
#include <stdio.h>
ty_err ty_simulate(const ty_sim_opts *o, ty_sim_summary *sum, char *err, size_t errn)
{
    (void)o;
    (void)sum;
    snprintf(err, errn, "simulator not built yet");
    return TY_EINVAL;
}
