/*
 * changestat_impl.h - what cusum.c, ewma.c, ebrate.c and robust.c share inside
 * the change-over-time and rate statistics (not part of the public contracts
 * in include/tianyan/changestat.h, ebrate.h and robust.h).
 */
#ifndef TIANYAN_CHANGESTAT_IMPL_H
#define TIANYAN_CHANGESTAT_IMPL_H

/* Switches GSL's abort-on-error handler off, once per process: these modules
 * check every GSL status and result themselves (the same switch as
 * dispro_gsl_init in the disproportionality module; either may run first). */
void changestat_gsl_init(void);

#endif
