/*
 * writer.c - the simulator's output files: exchange-spec JSON Lines written
 * through yajl's generator (which escapes strings and, with validation on,
 * refuses invalid UTF-8), so no JSON is ever assembled by hand.
 *
 * A feed is written to "<name>.tmp" and only renamed over "<name>" after it
 * was flushed and fsynced, and the folder is fsynced after the rename: a crash
 * leaves either the previous complete file or the new complete file, never a
 * truncated feed that an ingest run would take as the whole submission.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_impl.h"
#include "tianyan/timeutil.h"

static void fail(sim_out *o, ty_err e, const char *what)
{
    if (o->err != TY_OK)
        return;
    o->err = e;
    snprintf(o->why, sizeof o->why, "%s: %s", o->tmp, what);
}

static void gen_check(sim_out *o, yajl_gen_status st)
{
    if (st == yajl_gen_status_ok)
        return;
    fail(o, st == yajl_gen_invalid_string ? TY_EINVAL : TY_EIO,
         st == yajl_gen_invalid_string ? "the generator refused a string that is not UTF-8"
                                       : "JSON generator error");
}

ty_err sim_mkdirs(const char *dir, char *err, size_t errn)
{
    char p[512];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p) {
        snprintf(err, errn, "output folder name is empty or too long");
        return TY_EINVAL;
    }
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errn, "cannot create %s: %s", p, strerror(errno));
            return TY_EIO;
        }
        p[i] = c;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errn, "%s is not a folder", dir);
        return TY_EIO;
    }
    return TY_OK;
}

ty_err sim_out_open(sim_out *o, const char *dir, const char *name, char *err, size_t errn)
{
    memset(o, 0, sizeof *o);
    int n = snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof o->path) {
        snprintf(err, errn, "output path too long: %s/%s", dir, name);
        return TY_EINVAL;
    }
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp", o->path);
    o->f = fopen(o->tmp, "wb");
    if (!o->f) {
        snprintf(err, errn, "cannot create %s: %s", o->tmp, strerror(errno));
        return TY_EIO;
    }
    o->g = yajl_gen_alloc(NULL);
    if (!o->g) {
        sim_out_abort(o);
        return TY_ENOMEM;
    }
    yajl_gen_config(o->g, yajl_gen_validate_utf8, 1);
    return TY_OK;
}

ty_err sim_out_commit(sim_out *o, char *err, size_t errn)
{
    FILE *f = o->f;
    if (o->err == TY_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        fail(o, TY_EIO, strerror(errno));
    o->f = NULL;
    if (fclose(f) != 0)
        fail(o, TY_EIO, strerror(errno));
    if (o->err == TY_OK && rename(o->tmp, o->path) != 0)
        fail(o, TY_EIO, strerror(errno));
    if (o->err != TY_OK) {
        snprintf(err, errn, "%s", o->why);
        unlink(o->tmp);
        yajl_gen_free(o->g);
        o->g = NULL;
        return o->err;
    }
    yajl_gen_free(o->g);
    o->g = NULL;
    /* the rename is durable only once the folder entry is on disk */
    char dir[512];
    snprintf(dir, sizeof dir, "%s", o->path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        int rc = fsync(fd);
        close(fd);
        if (rc != 0) {
            snprintf(err, errn, "fsync %s: %s", dir, strerror(errno));
            return TY_EIO;
        }
    }
    return TY_OK;
}

void sim_out_abort(sim_out *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
        unlink(o->tmp);
    }
    if (o->g) {
        yajl_gen_free(o->g);
        o->g = NULL;
    }
}

/* k == NULL writes no key: an array item */
static void key(sim_out *o, const char *k)
{
    if (o->err == TY_OK && k)
        gen_check(o, yajl_gen_string(o->g, (const unsigned char *)k, strlen(k)));
}

void sim_put_strn(sim_out *o, const char *k, const char *v, size_t n)
{
    key(o, k);
    if (o->err == TY_OK)
        gen_check(o, yajl_gen_string(o->g, (const unsigned char *)v, n));
}

void sim_put_str(sim_out *o, const char *k, const char *v)
{
    sim_put_strn(o, k, v, strlen(v));
}

void sim_val_str(sim_out *o, const char *v)
{
    if (o->err == TY_OK)
        gen_check(o, yajl_gen_string(o->g, (const unsigned char *)v, strlen(v)));
}

void sim_put_int(sim_out *o, const char *k, int64_t v)
{
    key(o, k);
    if (o->err == TY_OK)
        gen_check(o, yajl_gen_integer(o->g, (long long)v));
}

void sim_put_time(sim_out *o, const char *k, int64_t t_ms)
{
    char t[TY_TIME_TEXT_MAX];
    ty_time_format(t_ms, SIM_TZ_MIN, 0, t);
    sim_put_str(o, k, t);
}

void sim_put_date(sim_out *o, const char *k, int32_t day)
{
    char d[11];
    ty_date_format(day, d);
    sim_put_str(o, k, d);
}

void sim_put_key(sim_out *o, const char *k)
{
    key(o, k);
}

void sim_open_array(sim_out *o)
{
    if (o->err == TY_OK)
        gen_check(o, yajl_gen_array_open(o->g));
}

void sim_close_array(sim_out *o)
{
    if (o->err == TY_OK)
        gen_check(o, yajl_gen_array_close(o->g));
}

void sim_open_map(sim_out *o)
{
    if (o->err == TY_OK)
        gen_check(o, yajl_gen_map_open(o->g));
}

void sim_close_map(sim_out *o)
{
    if (o->err == TY_OK)
        gen_check(o, yajl_gen_map_close(o->g));
}

void sim_rec_begin(sim_out *o, const char *type, const char *id, int64_t t_ms)
{
    sim_open_map(o);
    if (type) { /* the ground truth has no envelope */
        sim_put_str(o, "spec_version", TY_SPEC_VERSION);
        sim_put_str(o, "type", type);
        sim_put_str(o, "id", id);
        sim_put_time(o, "time", t_ms);
    }
}

void sim_rec_end(sim_out *o)
{
    sim_close_map(o);
    if (o->err != TY_OK)
        return;
    const unsigned char *buf;
    size_t len;
    gen_check(o, yajl_gen_get_buf(o->g, &buf, &len));
    if (o->err != TY_OK)
        return;
    if (fwrite(buf, 1, len, o->f) != len || fputc('\n', o->f) == EOF)
        fail(o, TY_EIO, strerror(errno));
    yajl_gen_clear(o->g);
    yajl_gen_reset(o->g, NULL); /* the next line is a new top-level value */
}
