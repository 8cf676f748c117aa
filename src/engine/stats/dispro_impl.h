/*
 * dispro_impl.h - what dispro.c and mgps.c share inside the disproportionality
 * module (not part of the public contract in include/tianyan/dispro.h).
 */
#ifndef TIANYAN_DISPRO_IMPL_H
#define TIANYAN_DISPRO_IMPL_H

#include <gsl/gsl_roots.h>

#include "tianyan/dispro.h"

struct ty_dispro_work {
    gsl_root_fsolver *brent; /* GSL's Brent solver, reused for every quantile */
};

/* Switches GSL's abort-on-error handler off, once per process: this module
 * checks every GSL status and result itself. */
void dispro_gsl_init(void);

#endif
