/*
 * strip.c - the per-sample parts of a channel strip: level measurement,
 * staging copy, and the dynamics/fader/pan/sends pass.
 *
 * The order in a strip is: gain staging -> EQ (dsp module) -> compressor ->
 * sidechain ducking -> fader -> pan -> post-fader sends. Compressor, ducking,
 * fader and pan are all gains, so they are folded into one gain per channel
 * per control period and ramped linearly over it: one multiply per sample,
 * and the mix and the send buses are accumulated in the same pass while the
 * samples are in cache.
 */
#include <math.h>
#include <stdlib.h>

#include "console.h"

static float window_ms(const float *x, size_t count)
{
    v4f acc = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        v4f v = v4_load(x + i);
        acc += v * v;
    }
    double s = (double)acc[0] + acc[1] + acc[2] + acc[3];
    for (; i < count; i++)
        s += (double)x[i] * x[i];
    return count ? (float)(s / (double)count) : 0.0f;
}

float strip_level_db(const cz_audio *a)
{
    uint64_t win = a->rate / 10 ? a->rate / 10 : 1;
    size_t nw = (size_t)((a->frames + win - 1) / win);
    if (!nw)
        return -200;
    float *ms = malloc(nw * sizeof *ms);
    if (!ms)
        return -200;
    double sum = 0;
    size_t used = 0;
    for (size_t w = 0; w < nw; w++) {
        uint64_t f0 = w * win, f1 = f0 + win < a->frames ? f0 + win : a->frames;
        ms[w] = window_ms(a->samples + f0 * a->channels,
                          (size_t)(f1 - f0) * a->channels);
        if (ms[w] > 1e-7f) { /* -70 dBFS */
            sum += ms[w];
            used++;
        }
    }
    float db = -200;
    if (used) {
        double rel = sum / used * 0.01; /* -20 dB below the gated mean */
        double s2 = 0;
        size_t n2 = 0;
        for (size_t w = 0; w < nw; w++)
            if (ms[w] > 1e-7f && ms[w] > rel) {
                s2 += ms[w];
                n2++;
            }
        db = (float)(10.0 * log10(s2 / n2));
    }
    free(ms);
    return db;
}

void strip_load(const strip *s, float *y, uint64_t pos, uint32_t n)
{
    const cz_audio *in = s->in;
    uint64_t have = in->frames > pos ? in->frames - pos : 0;
    uint32_t m = have < n ? (uint32_t)have : n;
    float g = s->trim;
    if (in->channels == 2) {
        const float *x = in->samples + pos * 2;
        uint32_t i = 0, c = 2 * m;
        v4f gv = {g, g, g, g};
        for (; i + 4 <= c; i += 4)
            v4_store(y + i, v4_load(x + i) * gv);
        for (; i < c; i++)
            y[i] = x[i] * g;
    } else {
        uint32_t ch = in->channels;
        const float *x = in->samples + pos * ch;
        for (uint32_t i = 0; i < m; i++)
            y[2 * i] = y[2 * i + 1] = x[(size_t)i * ch] * g;
    }
    for (uint32_t i = 2 * m; i < 2 * n; i++)
        y[i] = 0;
}

void strip_dynamics(strip *s, float *y, uint32_t n, const float *duck,
                    float *mix, float *rv, float *dl)
{
    for (uint32_t k0 = 0, p = 0; k0 < n; k0 += CTL, p++) {
        uint32_t m = n - k0 < CTL ? n - k0 : CTL;
        float *x = y + 2 * (size_t)k0;
        float gdb = comp_period(&s->comp, x, m) + s->fader_db;
        if (duck)
            gdb += s->duck * duck[p];
        float g = db_to_lin(gdb);
        float tl = g * s->pan_l, tr = g * s->pan_r;
        if (!s->started) {
            s->gl = tl, s->gr = tr;
            s->started = 1;
        }
        float dL = (tl - s->gl) / (float)m, dR = (tr - s->gr) / (float)m;
        v4f base = {s->gl + dL, s->gr + dR, s->gl + 2 * dL, s->gr + 2 * dR};
        v4f inc = {2 * dL, 2 * dR, 2 * dL, 2 * dR};
        float *mx = mix + 2 * (size_t)k0;
        uint32_t pairs = m / 2;
        for (uint32_t i = 0; i < pairs; i++) {
            v4f gv = base + inc * (float)i;
            v4f v = v4_load(x + 4 * i) * gv;
            v4_store(x + 4 * i, v);
            v4_store(mx + 4 * i, v4_load(mx + 4 * i) + v);
        }
        if (m & 1) {
            x[2 * m - 2] *= tl;
            x[2 * m - 1] *= tr;
            mx[2 * m - 2] += x[2 * m - 2];
            mx[2 * m - 1] += x[2 * m - 1];
        }
        s->gl = tl, s->gr = tr;
    }
    /* Post-fader sends, over the block while it is still in cache. */
    struct { float *bus; float amt; } sends[2] = {{rv, s->send_rv},
                                                  {dl, s->send_dl}};
    for (int j = 0; j < 2; j++) {
        if (!sends[j].bus || sends[j].amt <= 0)
            continue;
        float a = sends[j].amt, *b = sends[j].bus;
        v4f av = {a, a, a, a};
        uint32_t i = 0, c = 2 * n;
        for (; i + 4 <= c; i += 4)
            v4_store(b + i, v4_load(b + i) + v4_load(y + i) * av);
        for (; i < c; i++)
            b[i] += y[i] * a;
    }
}
