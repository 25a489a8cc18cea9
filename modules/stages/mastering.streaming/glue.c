/*
 * glue.c - the gentle bus ("glue") compressor.
 *
 * Stereo-linked: one gain for all channels, driven by the mean power across
 * channels, so the image never shifts. The detector is an RMS envelope
 * (one-pole attack/release on power) stepped once per block of a few
 * dozen frames, so level detection costs a sum of squares. The
 * threshold follows the programme: it sits `threshold_rel` dB above the
 * song's gated RMS level, so the same settings give the same light touch
 * (typically 1-3 dB on the loudest passages) whatever level the mix
 * arrives at. Gain is computed once per block with a soft knee and ramped
 * linearly across the block, so there are no steps.
 */
#include <math.h>
#include <string.h>

#include "mst.h"

typedef float v4f __attribute__((vector_size(16)));

/* Sum of squares of n floats: four running lanes, then the tail, in a
 * fixed order (so the result is the same wherever it runs). */
static double sumsq(const float *p, size_t n)
{
    v4f acc = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f v;
        memcpy(&v, p + i, sizeof v);
        acc += v * v;
    }
    double s = ((double)acc[0] + acc[1]) + ((double)acc[2] + acc[3]);
    for (; i < n; i++)
        s += (double)p[i] * p[i];
    return s;
}

static double knee_gr(double over, double ratio, double knee)
{
    double slope = 1.0 - 1.0 / ratio;
    if (over <= -knee / 2)
        return 0.0;
    if (over < knee / 2)
        return slope * (over + knee / 2) * (over + knee / 2) / (2 * knee);
    return slope * over;
}

double mst_programme_power(const float *x, uint64_t frames, uint32_t ch,
                           uint32_t blk, int *finite)
{
    double sum = 0;
    size_t n = 0;
    *finite = 1;
    for (uint64_t start = 0; start < frames; start += blk) {
        uint64_t end = start + blk < frames ? start + blk : frames;
        size_t cnt = (size_t)(end - start) * ch;
        double ms = sumsq(x + start * ch, cnt) / (double)cnt;
        if (!isfinite(ms))
            *finite = 0;
        if (ms > 1e-7) {
            sum += ms;
            n++;
        }
    }
    return n ? sum / (double)n : 0.0;
}

void mst_glue_init(mst_glue *g, const mst_glue_cfg *cfg, double rate,
                   uint32_t blk, double programme_power)
{
    double step = (double)blk / rate;
    *g = (mst_glue){
        .on = cfg->ratio > 1.0 && programme_power > 0,
        .blk = blk,
        .ratio = cfg->ratio,
        .knee = cfg->knee_db,
        .thr = programme_power > 0
                   ? 10.0 * log10(programme_power) + cfg->threshold_rel : 0.0,
        .aa = 1.0 - exp(-step / (cfg->attack_ms * 1e-3)),
        .ar = 1.0 - exp(-step / (cfg->release_ms * 1e-3)),
        .env = programme_power,
        .gain = -1.0f, /* not yet known: the first block takes its own gain */
    };
}

void mst_glue_run(mst_glue *g, float *x, uint64_t frames, uint32_t ch)
{
    if (!g->on)
        return;
    const uint32_t blk = g->blk;
    for (uint64_t start = 0; start < frames; start += blk) {
        uint32_t nf = (uint32_t)(start + blk < frames ? blk : frames - start);
        float *p = x + start * ch;
        size_t cnt = (size_t)nf * ch;
        double pw = sumsq(p, cnt) / (double)cnt;
        g->env += (pw > g->env ? g->aa : g->ar) * (pw - g->env);
        double gr = knee_gr(10.0 * log10(g->env + 1e-30) - g->thr, g->ratio, g->knee);
        if (gr > g->max_gr)
            g->max_gr = gr;
        /* The block's gain is reached at its end, ramping from the last. */
        float g1 = (float)pow(10.0, -gr / 20.0);
        float g0 = g->gain < 0 ? g1 : g->gain;
        float d = (g1 - g0) / (float)blk;
        mst_ramp(p, ch, 1, nf + 1, g0, d);
        g->gain = g1;
    }
}
