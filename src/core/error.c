/* error.c - names and messages for ty_err, generated from TY_ERR_LIST. */
#include "tianyan/error.h"

static const char *const err_names[] = {
#define TY_ERR_NAME(code, name, msg) name,
    TY_ERR_LIST(TY_ERR_NAME)
#undef TY_ERR_NAME
};

static const char *const err_msgs[] = {
#define TY_ERR_MSG(code, name, msg) msg,
    TY_ERR_LIST(TY_ERR_MSG)
#undef TY_ERR_MSG
};

const char *ty_err_name(ty_err e)
{
    if ((unsigned)e >= TY_ERR__COUNT)
        return "unknown";
    return err_names[e];
}

const char *ty_err_message(ty_err e)
{
    if ((unsigned)e >= TY_ERR__COUNT)
        return "unknown error";
    return err_msgs[e];
}
