/*
 * sidechain.c - where the kicks are, and the ducking envelope they cause.
 *
 * The kick is found from the score when there is one: notes 35/36 (GM
 * acoustic bass drum, bass drum 1) of the drum tracks give exact onsets,
 * with no detection errors. Without a score, the drums stem is analysed:
 * its mono sum goes through a 120 Hz low-pass, the low band's peak per
 * control period is held with a 30 ms decay and followed in dB, and an onset is a rise of 9 dB over the
 * previous 5 ms that reaches within 30 dB of the loudest kick, at least
 * 60 ms after the previous one.
 *
 * The envelope is the classic "pumping" shape: the gain falls to -depth dB
 * over 3 ms after the kick, then recovers along a quadratic curve over the
 * release time (tempo-synced by the caller); overlapping kicks take the
 * deeper value. One value per control period, in dB.
 */
#include <math.h>
#include <stdlib.h>

#include "console.h"

static int push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        uint64_t *nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return CZ_ENOMEM;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = x;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int sc_kicks_from_score(const cz_score *s, uint32_t rate, uint64_t frames,
                        uint64_t **kicks, size_t *n)
{
    size_t cap = 0;
    *kicks = NULL;
    *n = 0;
    double bpm = s->bpm > 0 ? s->bpm : 120.0;
    double ppq = s->ppq ? s->ppq : CZ_PPQ_DEFAULT;
    double frames_per_tick = 60.0 / (bpm * ppq) * rate;
    for (uint32_t t = 0; t < s->n_tracks; t++) {
        const cz_track *tr = &s->tracks[t];
        if (tr->role != CZ_ROLE_DRUMS)
            continue;
        for (uint32_t i = 0; i < tr->n_notes; i++) {
            const cz_note *nt = &tr->notes[i];
            if (nt->pitch != 35 && nt->pitch != 36)
                continue;
            uint64_t f = (uint64_t)llround(nt->tick * frames_per_tick);
            if (f < frames && push(kicks, n, &cap, f))
                return CZ_ENOMEM;
        }
    }
    if (*n > 1)
        qsort(*kicks, *n, sizeof **kicks, cmp_u64);
    return 0;
}

int sc_kicks_from_audio(const cz_audio *drums, uint64_t **kicks, size_t *n)
{
    size_t cap = 0;
    *kicks = NULL;
    *n = 0;
    uint64_t frames = drums->frames;
    uint32_t ch = drums->channels, rate = drums->rate;
    size_t periods = (size_t)((frames + CTL - 1) / CTL);
    float *lvl = malloc((periods + 1) * sizeof *lvl);
    if (!lvl)
        return CZ_ENOMEM;
    /* 2nd-order Butterworth low-pass at 120 Hz (RBJ, Q = 0.7071), TDF2. */
    double w0 = 2 * M_PI * 120.0 / rate, cw = cos(w0);
    double alpha = sin(w0) / (2 * M_SQRT1_2), a0 = 1 + alpha;
    double b0 = (1 - cw) / 2 / a0, b1 = (1 - cw) / a0, b2 = b0;
    double a1 = -2 * cw / a0, a2 = (1 - alpha) / a0, z1 = 0, z2 = 0;
    float loudest = 0, env = 0;
    /* Peak hold with a 30 ms decay: the low band's per-period peak dips at
     * every zero crossing of a 50 Hz kick; the held envelope does not. */
    float hold = expf(-(float)CTL / (0.030f * (float)rate));
    for (size_t p = 0; p < periods; p++) {
        uint64_t f0 = (uint64_t)p * CTL, f1 = f0 + CTL < frames ? f0 + CTL : frames;
        float pk = 0;
        for (uint64_t f = f0; f < f1; f++) {
            const float *x = drums->samples + f * ch;
            double in = ch > 1 ? 0.5 * (x[0] + x[1]) : x[0];
            double y = b0 * in + z1;
            z1 = b1 * in - a1 * y + z2;
            z2 = b2 * in - a2 * y;
            float ay = (float)fabs(y);
            pk = ay > pk ? ay : pk;
        }
        if (fabs(z1) < 1e-30)
            z1 = 0;
        if (fabs(z2) < 1e-30)
            z2 = 0;
        env = pk > env * hold ? pk : env * hold;
        lvl[p] = 6.0206f * fast_log2(env + 1e-9f);
        loudest = pk > loudest ? pk : loudest;
    }
    float floor_db = 6.0206f * fast_log2(loudest + 1e-9f) - 30.0f;
    size_t look = (size_t)(0.005 * rate / CTL) + 1;
    size_t gap = (size_t)(0.060 * rate / CTL) + 1;
    size_t last = 0;
    int have = 0;
    for (size_t p = look; p < periods; p++) {
        if (lvl[p] < floor_db || lvl[p] - lvl[p - look] < 9.0f)
            continue;
        if (have && p - last < gap)
            continue;
        /* onset: the first period of the rise */
        size_t q = p;
        while (q > p - look && lvl[q - 1] > lvl[p - look] + 3.0f)
            q--;
        if (push(kicks, n, &cap, (uint64_t)q * CTL)) {
            free(lvl);
            return CZ_ENOMEM;
        }
        last = p;
        have = 1;
    }
    free(lvl);
    return 0;
}

void sc_envelope(const uint64_t *kicks, size_t n, uint32_t rate,
                 float depth_db, float release_s, float *env, size_t periods)
{
    for (size_t i = 0; i < periods; i++)
        env[i] = 0;
    if (depth_db > 0)
        depth_db = -depth_db;
    double per = (double)CTL / rate;
    size_t att = (size_t)(0.003 / per + 0.5);
    if (att < 1)
        att = 1;
    size_t rel = (size_t)(release_s / per + 0.5);
    if (rel < 1)
        rel = 1;
    for (size_t k = 0; k < n; k++) {
        size_t p0 = (size_t)(kicks[k] / CTL);
        for (size_t i = 0; i < att + rel && p0 + i < periods; i++) {
            float shape;
            if (i < att) {
                shape = (float)(i + 1) / (float)att;
            } else {
                float t = 1.0f - (float)(i - att + 1) / (float)rel;
                shape = t * t;
            }
            float v = depth_db * shape;
            if (v < env[p0 + i])
                env[p0 + i] = v;
        }
    }
}
