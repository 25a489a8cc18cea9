/*
 * delay.c - the delay return: a tempo-synced stereo ping-pong delay.
 *
 * The send's mono sum enters the left line; each line's output feeds the
 * other through the feedback gain and a 2-tap low-pass (0.7, 0.3: each
 * repeat a little darker, -8 dB at Nyquist), so echoes alternate left,
 * right, left... every `seconds` (the caller derives it from the score's
 * tempo). No recursion shorter than the delay itself, so the loop runs at
 * memory speed. A 1e-18 offset keeps the repeats out of subnormal floats.
 */
#include <stdlib.h>

#include "console.h"

struct delay {
    float *l, *r;
    uint32_t len, pos;
    float fb, pl, pr;
};

delay *delay_new(uint32_t rate, double seconds, float feedback)
{
    delay *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (seconds < 0.02)
        seconds = 0.02;
    if (seconds > 2.0)
        seconds = 2.0;
    d->len = (uint32_t)(seconds * rate + 0.5);
    d->fb = feedback < 0 ? 0 : feedback > 0.9f ? 0.9f : feedback;
    d->l = calloc(d->len, sizeof(float));
    d->r = calloc(d->len, sizeof(float));
    if (!d->l || !d->r) {
        delay_free(d);
        return NULL;
    }
    return d;
}

void delay_free(delay *d)
{
    if (!d)
        return;
    free(d->l);
    free(d->r);
    free(d);
}

/* Frames of a stretch where the ring does not wrap: four at a time (the
 * previous output of each line, pl/pr, is the lane before), then one. */
static void delay_run(delay *d, float *x, uint32_t n)
{
    float *bl = d->l + d->pos, *br = d->r + d->pos, fb = d->fb;
    v4f lastl = v4_splat(d->pl), lastr = v4_splat(d->pr);
    uint32_t k = 0;
    for (; k + 4 <= n; k += 4) {
        v4f in = v4_send_mid(x + 2 * k);
        v4f yl = v4_load(bl + k), yr = v4_load(br + k);
        v4f pl = __builtin_shufflevector(lastl, yl, 3, 4, 5, 6);
        v4f pr = __builtin_shufflevector(lastr, yr, 3, 4, 5, 6);
        v4_store(bl + k, in + fb * (0.7f * yr + 0.3f * pr));
        v4_store(br + k, fb * (0.7f * yl + 0.3f * pl));
        v4_interleave(x + 2 * k, yl, yr);
        lastl = yl, lastr = yr;
    }
    float pl = lastl[3], pr = lastr[3];
    for (; k < n; k++) {
        float in = 0.5f * (x[2 * k] + x[2 * k + 1]) + 1e-18f;
        float yl = bl[k], yr = br[k];
        bl[k] = in + fb * (0.7f * yr + 0.3f * pr);
        br[k] = fb * (0.7f * yl + 0.3f * pl);
        pl = yl;
        pr = yr;
        x[2 * k] = yl;
        x[2 * k + 1] = yr;
    }
    d->pl = pl;
    d->pr = pr;
    d->pos = d->pos + n == d->len ? 0 : d->pos + n;
}

void delay_process(delay *d, float *x, uint32_t n)
{
    while (n) {
        uint32_t m = d->len - d->pos < n ? d->len - d->pos : n;
        delay_run(d, x, m);
        x += 2 * (size_t)m;
        n -= m;
    }
}
