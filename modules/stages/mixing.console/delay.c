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

void delay_process(delay *d, float *x, uint32_t n)
{
    float *bl = d->l, *br = d->r, fb = d->fb, pl = d->pl, pr = d->pr;
    uint32_t p = d->pos, len = d->len;
    for (uint32_t k = 0; k < n; k++) {
        float in = 0.5f * (x[2 * k] + x[2 * k + 1]) + 1e-18f;
        float yl = bl[p], yr = br[p];
        bl[p] = in + fb * (0.7f * yr + 0.3f * pr);
        br[p] = fb * (0.7f * yl + 0.3f * pl);
        pl = yl;
        pr = yr;
        x[2 * k] = yl;
        x[2 * k + 1] = yr;
        if (++p == len)
            p = 0;
    }
    d->pos = p;
    d->pl = pl;
    d->pr = pr;
}
