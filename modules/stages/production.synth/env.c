/*
 * env.c - ADSR envelopes for the eight voices of a pack.
 *
 * Each stage is a one-pole glide towards a target, the analogue way:
 * attack aims at 1.2 and is cut at 1.0 (so it reaches full level in the
 * attack time with a slightly convex curve), decay aims at the sustain
 * level, release aims just below zero (-0.01) so the voice reaches true
 * silence in a finite time, after which it is freed. Times are "to
 * silence" (or to within 1% of sustain): 4.6 time constants.
 *
 * Amplitude envelopes run per sample in the voice loops (the closed form
 * v_i = tgt + (v_0 - tgt) * m^i, one multiply carried from sample to
 * sample); filter envelopes advance per block
 * (sy_env_advance: the exact closed form for n samples). Stage changes are
 * checked once per block; a block is at most 64 voice-rate frames (1.5 ms;
 * 2.9 ms on a half-rate track at 44.1 kHz), and the level is
 * clamped to [0, 1] in between, so late transitions are inaudible.
 */
#include <math.h>

#include "synth.h"

#define SY_TAUS_ATT 1.7917595f /* ln 6: 0 -> 1 on the way to 1.2 */
#define SY_TAUS_DEC 4.6151205f /* ln 101: 1 -> 0 on the way to -0.01 */
#define SY_UNDERSHOOT (-0.01f)

float sy_env_coef(float seconds, float taus, float rate)
{
    if (!(seconds > 0.0f))
        return 1.0f;
    double c = 1.0 - exp(-(double)taus / ((double)seconds * rate));
    return c > 1.0 ? 1.0f : (float)c;
}

static void set_stage(sy_env *e, int lane, int st, float tgt, float c)
{
    e->st[lane] = (uint8_t)st;
    e->tgt[lane] = tgt;
    e->c[lane] = c;
    e->lc[lane] = c >= 1.0f ? -100.0f : (float)log2(1.0 - (double)c);
}

void sy_env_start(sy_env *e, int lane, const sy_envp *p, float time_mul,
                  float rate, float pre)
{
    e->ac[lane] = sy_env_coef(p->a, SY_TAUS_ATT, rate);
    e->dc[lane] = sy_env_coef(p->d * time_mul, SY_TAUS_DEC, rate);
    e->rc[lane] = sy_env_coef(p->r * time_mul, SY_TAUS_DEC, rate);
    e->s[lane] = p->s;
    set_stage(e, lane, SY_ENV_ATT, 1.2f, e->ac[lane]);
    /* the part of a sample period that passed before the first sample */
    float v = pre > 0.0f ? 1.2f * (1.0f - (float)exp2((double)pre * e->lc[lane])) : 0.0f;
    e->v[lane] = v > 1.0f ? 1.0f : v;
}

void sy_env_release(sy_env *e, int lane)
{
    if (e->st[lane] == SY_ENV_OFF || e->st[lane] == SY_ENV_FADE)
        return;
    set_stage(e, lane, SY_ENV_REL, SY_UNDERSHOOT, e->rc[lane]);
}

void sy_env_fade(sy_env *e, int lane, float seconds, float rate)
{
    if (e->st[lane] == SY_ENV_OFF)
        return;
    set_stage(e, lane, SY_ENV_FADE, SY_UNDERSHOOT,
              sy_env_coef(seconds, SY_TAUS_DEC, rate));
}

unsigned sy_env_control(sy_env *e, unsigned lanes)
{
    /* most blocks change nothing: a stage ends only at the top (attack) or
     * at the bottom (decay to zero, release, fade, off) */
    vi edge = vge(e->v, vs(0.99999f)) | vle(e->v, vs(0.0f));
    unsigned any = 0;
    for (int l = 0; l < SY_LANES; l++)
        any |= (unsigned)(edge[l] & 1) << l;
    if (!(any & lanes))
        return 0;
    unsigned done = 0;
    for (int l = 0; l < SY_LANES; l++) {
        if (!(lanes & (1u << l)))
            continue;
        float v = e->v[l];
        switch (e->st[l]) {
        case SY_ENV_ATT:
            if (v >= 0.99999f) {
                float s = e->s[l];
                set_stage(e, l, SY_ENV_DEC, s > 0.0f ? s : SY_UNDERSHOOT, e->dc[l]);
            }
            break;
        case SY_ENV_DEC:
            if (e->s[l] <= 0.0f && v <= 0.0f)
                done |= 1u << l;
            break;
        case SY_ENV_REL:
        case SY_ENV_FADE:
            if (v <= 0.0f)
                done |= 1u << l;
            break;
        default:
            done |= 1u << l;
            break;
        }
        if (done & (1u << l)) {
            /* park the lane at exact silence */
            e->v[l] = 0.0f;
            set_stage(e, l, SY_ENV_OFF, 0.0f, 0.0f);
        }
    }
    return done;
}

