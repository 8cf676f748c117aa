/*
 * ratelimit.c - request rate limits per client address and per principal
 * (a user or an API key): token buckets of `rate` requests per second holding
 * at most `burst`, in a table of fixed size, so that the memory they take does
 * not grow with the number of clients.
 *
 * The table has RL_SLOTS slots found by a keyed hash (libsodium's SipHash with
 * a key drawn at start, so that no client can aim at another's slot). A slot
 * holds one name; a new name takes it over only when the old one's bucket is
 * full again (its client was quiet for burst/rate seconds), otherwise the two
 * share the bucket - limiting a colliding client early, never letting one
 * through late.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "server_impl.h"

#define RL_SLOTS   4096
#define RL_LOCKS   16
#define RL_NAMEMAX 80

typedef struct slot {
    char name[RL_NAMEMAX];
    double tokens;
    int64_t at_us; /* last refill, monotonic */
} slot;

static struct {
    slot s[2][RL_SLOTS]; /* 0: addresses, 1: principals */
    pthread_mutex_t mu[RL_LOCKS];
    unsigned char key[crypto_shorthash_KEYBYTES];
    pthread_once_t once;
} rl = {.once = PTHREAD_ONCE_INIT};

static void rl_init(void)
{
    for (int i = 0; i < RL_LOCKS; i++)
        pthread_mutex_init(&rl.mu[i], NULL);
    crypto_shorthash_keygen(rl.key);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int srv_rate_take(int which, const char *name, int64_t rate, int64_t burst, int *retry_s)
{
    if (rate <= 0 || !name || !*name)
        return 1;
    pthread_once(&rl.once, rl_init);
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)name, strlen(name), rl.key);
    uint64_t x;
    memcpy(&x, h, sizeof x);
    size_t i = (size_t)(x % RL_SLOTS);
    slot *sl = &rl.s[which != 0][i];
    int64_t t = now_us();
    pthread_mutex_t *mu = &rl.mu[i % RL_LOCKS];
    pthread_mutex_lock(mu);
    if (sl->at_us) {
        sl->tokens += (double)(t - sl->at_us) / 1e6 * (double)rate;
        if (sl->tokens > (double)burst)
            sl->tokens = (double)burst;
    }
    if (!sl->at_us ||
        (strncmp(sl->name, name, RL_NAMEMAX - 1) != 0 && sl->tokens >= (double)burst)) {
        snprintf(sl->name, sizeof sl->name, "%s", name);
        sl->tokens = (double)burst;
    }
    sl->at_us = t;
    int ok = sl->tokens >= 1;
    if (ok)
        sl->tokens -= 1;
    else if (retry_s)
        *retry_s = (int)ceil((1 - sl->tokens) / (double)rate);
    pthread_mutex_unlock(mu);
    if (retry_s && !ok && *retry_s < 1)
        *retry_s = 1;
    return ok;
}
