/*
 * reverb.c - the reverb return: an 8-line feedback delay network (FDN).
 *
 * Why algorithmic and not FFT convolution: a 2-3 s tail at 48 kHz is a
 * 100k-tap impulse response; even partitioned FFT convolution of a 3-minute
 * bus costs several times this whole module's budget, and a synthesized IR
 * has no character an FDN cannot give. An FDN (Jot and Chaigne's design:
 * delay lines mixed through an orthogonal matrix, a loss filter per line
 * set from the wanted decay time) gives a dense, colourless tail at a fixed
 * cost per sample, with T60 and HF damping as direct parameters.
 *
 * Design:
 *   send (L+R)/2 -> predelay -> 2 Schroeder allpasses (input diffusion)
 *     -> injected with alternating signs into 8 delay lines of mutually
 *        prime lengths (30-54 ms at size 1)
 *   each line's output -> loss filter: the 2-tap FIR a + c z^-1 whose DC
 *        gain is the line's decay gain g = 10^(-3 len / (T60 fs)) and whose
 *        Nyquist gain is the same for T60 * hf (so highs die faster)
 *     -> 8x8 Hadamard matrix (orthogonal, scaled by 1/sqrt 8) -> lines
 *   left = lines 0 - 2 + 4 - 6, right = 1 - 3 + 5 - 7 (decorrelated)
 *
 * The loss filter is FIR, not the usual one-pole, on purpose: with no
 * sample-to-sample recursion anywhere (the shortest loop is a whole delay
 * line), the network can be computed a chunk at a time, up to the shortest
 * line's length, with every step a vector operation across the chunk.
 * That is what keeps the reverb at a few ns per frame.
 *
 * A constant 1e-18 is added to the input so the decaying tail never reaches
 * subnormal floats (a -340 dBFS DC offset).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define LINES 8
#define MAX_CHUNK 1024

static const uint32_t base_len[LINES] = {1447, 1601, 1789, 1931,
                                         2083, 2251, 2399, 2579};

struct reverb {
    float *line[LINES];
    uint32_t len[LINES], pos[LINES];
    v4f a[LINES], c[LINES]; /* loss FIR taps, times 1/sqrt(8) */
    float *pre;
    uint32_t pre_len, pre_pos;
    float *ap[2];
    uint32_t ap_len[2], ap_pos[2];
    float ap_g, out_gain;
    uint32_t chunk;  /* frames per step: <= shortest line, multiple of 4 */
    uint32_t stride; /* floats per work row: 4 in front, chunk + 4 (the
                      * last 8-frame step may run 4 past the chunk) */
    int isa;         /* ISA_*: which build of the network loop runs */
    float *o;        /* LINES rows of line outputs, row[-1] = previous */
    float *d;        /* LINES rows of filtered, mixed values */
    float *u;        /* the diffused input */
};

static uint32_t scaled(uint32_t n, double k)
{
    uint32_t v = (uint32_t)(n * k + 0.5);
    return v < 8 ? 8 : v | 1u;
}

reverb *reverb_new(uint32_t rate, float t60, float hf_share,
                   float predelay_ms, float size)
{
    reverb *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    double k = size * (double)rate / 48000.0;
    if (t60 < 0.1f)
        t60 = 0.1f;
    if (hf_share < 0.05f || hf_share > 1)
        hf_share = hf_share < 0.05f ? 0.05f : 1;
    uint32_t shortest = UINT32_MAX;
    double g2 = 0;
    for (int i = 0; i < LINES; i++) {
        r->len[i] = scaled(base_len[i], k);
        if (r->len[i] < shortest)
            shortest = r->len[i];
        r->line[i] = calloc(r->len[i], sizeof(float));
        if (!r->line[i])
            goto fail;
        double g = pow(10.0, -3.0 * r->len[i] / (t60 * rate));
        double gh = pow(10.0, -3.0 * r->len[i] / (t60 * hf_share * rate));
        float a = (float)((g + gh) / 2 / sqrt(8.0));
        float c = (float)((g - gh) / 2 / sqrt(8.0));
        r->a[i] = (v4f){a, a, a, a};
        r->c[i] = (v4f){c, c, c, c};
        g2 += g * g / LINES;
    }
    r->chunk = shortest < MAX_CHUNK ? shortest & ~3u : MAX_CHUNK;
    r->stride = r->chunk + 8;
    r->isa = isa_detect();
    r->pre_len = (uint32_t)(predelay_ms * 1e-3 * rate + 0.5);
    if (r->pre_len && !(r->pre = calloc(r->pre_len, sizeof(float))))
        goto fail;
    r->ap_len[0] = scaled(142, rate / 48000.0);
    r->ap_len[1] = scaled(379, rate / 48000.0);
    r->ap_g = 0.6f;
    for (int i = 0; i < 2; i++)
        if (!(r->ap[i] = calloc(r->ap_len[i], sizeof(float))))
            goto fail;
    r->o = calloc((size_t)LINES * r->stride, sizeof(float));
    r->d = calloc((size_t)LINES * r->stride, sizeof(float));
    r->u = calloc(r->stride, sizeof(float));
    if (!r->o || !r->d || !r->u)
        goto fail;
    /* Steady-state line energy grows as 1 / (1 - g^2); the output taps sum
     * four lines. Calibrated so a broadband send comes back at about its
     * own level. */
    r->out_gain = (float)(0.5 * sqrt(1.0 - g2) * sqrt(8.0));
    return r;
fail:
    reverb_free(r);
    return NULL;
}

void reverb_free(reverb *r)
{
    if (!r)
        return;
    for (int i = 0; i < LINES; i++)
        free(r->line[i]);
    free(r->pre);
    free(r->ap[0]);
    free(r->ap[1]);
    free(r->o);
    free(r->d);
    free(r->u);
    free(r);
}

/* Copy n samples of a ring starting at pos into dst, or back. */
static void ring_read(const float *ring, uint32_t len, uint32_t pos, float *dst,
                      uint32_t n)
{
    uint32_t first = len - pos < n ? len - pos : n;
    memcpy(dst, ring + pos, first * sizeof(float));
    memcpy(dst + first, ring, (n - first) * sizeof(float));
}

static void ring_write(float *ring, uint32_t len, uint32_t pos, const float *src,
                       uint32_t n)
{
    uint32_t first = len - pos < n ? len - pos : n;
    memcpy(ring + pos, src, first * sizeof(float));
    memcpy(ring, src + first, (n - first) * sizeof(float));
}

/* In place over a ring, a contiguous segment at a time (no wrap test per
 * sample): predelay swaps the input with the ring's contents ... */
static void predelay(reverb *r, float *u, uint32_t n)
{
    for (uint32_t done = 0; done < n;) {
        uint32_t seg = r->pre_len - r->pre_pos < n - done ? r->pre_len - r->pre_pos : n - done;
        float *b = r->pre + r->pre_pos, *v = u + done;
        uint32_t i = 0;
        for (; i + 4 <= seg; i += 4) {
            v4f t = v4_load(b + i);
            v4_store(b + i, v4_load(v + i));
            v4_store(v + i, t);
        }
        for (; i < seg; i++) {
            float t = b[i];
            b[i] = v[i];
            v[i] = t;
        }
        done += seg;
        r->pre_pos = (r->pre_pos + seg) % r->pre_len;
    }
}

/* ... and a Schroeder allpass v = u + g b, y = b - g v (b = v delayed by
 * the ring length). A segment is at most one ring length, so everything
 * it reads was written by an earlier segment or call, and its samples are
 * independent: four at a time. */
static void allpass(float *ring, uint32_t len, uint32_t *pos, float g, float *u,
                    uint32_t n)
{
    for (uint32_t done = 0; done < n;) {
        uint32_t seg = len - *pos < n - done ? len - *pos : n - done;
        float *b = ring + *pos, *x = u + done;
        uint32_t i = 0;
        for (; i + 4 <= seg; i += 4) {
            v4f bi = v4_load(b + i), v = v4_load(x + i) + g * bi;
            v4_store(x + i, bi - g * v);
            v4_store(b + i, v);
        }
        for (; i < seg; i++) {
            float v = x[i] + g * b[i];
            x[i] = b[i] - g * v;
            b[i] = v;
        }
        done += seg;
        *pos = (*pos + seg) % len;
    }
}

/* Per eight frames of a chunk: the loss filters on the line outputs (o
 * rows), the stereo outputs into x, then the Hadamard mix plus the input u
 * back into the d rows. Steps past n (at most 4 frames, inside the rows)
 * work on stale values that go nowhere. */
static inline __attribute__((always_inline)) void network_body(reverb *r, float *x, uint32_t n)
{
    uint32_t S = r->stride;
    const float *o0 = r->o + 4, *u = r->u;
    float *d0 = r->d + 4, og = r->out_gain;
    for (uint32_t k = 0; k < n; k += 8) {
        v8f v[LINES];
        for (int i = 0; i < LINES; i++) {
            const float *o = o0 + (size_t)i * S + k;
            v[i] = r->a[i][0] * V8(o) + r->c[i][0] * V8(o - 1);
        }
        v8f yl = (v[0] - v[2] + v[4] - v[6]) * og;
        v8f yr = (v[1] - v[3] + v[5] - v[7]) * og;
        if (k + 8 <= n) {
            V8(x + 2 * k) = __builtin_shufflevector(yl, yr, 0, 8, 1, 9, 2, 10, 3, 11);
            V8(x + 2 * k + 8) = __builtin_shufflevector(yl, yr, 4, 12, 5, 13, 6, 14, 7, 15);
        } else { /* the chunk's ragged end */
            for (uint32_t j = 0; k + j < n; j++)
                x[2 * (k + j)] = yl[j], x[2 * (k + j) + 1] = yr[j];
        }
        /* 8-point fast Walsh-Hadamard transform (the 1/sqrt 8 is in a, c). */
        v8f a0 = v[0] + v[1], a1 = v[0] - v[1], a2 = v[2] + v[3], a3 = v[2] - v[3];
        v8f a4 = v[4] + v[5], a5 = v[4] - v[5], a6 = v[6] + v[7], a7 = v[6] - v[7];
        v8f b0 = a0 + a2, b2 = a0 - a2, b1 = a1 + a3, b3 = a1 - a3;
        v8f b4 = a4 + a6, b6 = a4 - a6, b5 = a5 + a7, b7 = a5 - a7;
        v8f in = V8(u + k);
        V8(d0 + k) = b0 + b4 + in;
        V8(d0 + S + k) = b1 + b5 - in;
        V8(d0 + 2 * S + k) = b2 + b6 + in;
        V8(d0 + 3 * S + k) = b3 + b7 - in;
        V8(d0 + 4 * S + k) = b0 - b4 + in;
        V8(d0 + 5 * S + k) = b1 - b5 + in;
        V8(d0 + 6 * S + k) = b2 - b6 - in;
        V8(d0 + 7 * S + k) = b3 - b7 - in;
    }
}

static void network_base(reverb *r, float *x, uint32_t n)
{
    network_body(r, x, n);
}
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static void network_avx2(reverb *r, float *x, uint32_t n)
{
    network_body(r, x, n);
}
static void (*const networks[N_ISA])(reverb *, float *, uint32_t) = {network_base, network_avx2};
#else
static void (*const networks[N_ISA])(reverb *, float *, uint32_t) = {network_base, network_base};
#endif

/* One chunk (n <= the shortest line): every line's output is read whole
 * before any is written, so each step below is a vector loop over the
 * chunk. */
static void step(reverb *r, float *x, uint32_t n)
{
    uint32_t S = r->stride;
    float *u = r->u;

    /* Input: mono sum, predelay, two allpasses. */
    uint32_t k = 0;
    for (; k + 4 <= n; k += 4)
        v4_store(u + k, v4_send_mid(x + 2 * k));
    for (; k < n; k++)
        u[k] = 0.5f * (x[2 * k] + x[2 * k + 1]) + 1e-18f;
    if (r->pre_len)
        predelay(r, u, n);
    allpass(r->ap[0], r->ap_len[0], &r->ap_pos[0], r->ap_g, u, n);
    allpass(r->ap[1], r->ap_len[1], &r->ap_pos[1], r->ap_g, u, n);

    /* Line outputs (row[-1] holds the previous chunk's last). */
    float *o0 = r->o + 4, *d0 = r->d + 4;
    for (int i = 0; i < LINES; i++)
        ring_read(r->line[i], r->len[i], r->pos[i], o0 + (size_t)i * S, n);

    networks[r->isa](r, x, n);
    for (int i = 0; i < LINES; i++) {
        float *o = o0 + (size_t)i * S;
        o[-1] = o[n - 1];
        ring_write(r->line[i], r->len[i], r->pos[i], d0 + (size_t)i * S, n);
        r->pos[i] = (r->pos[i] + n) % r->len[i];
    }
}

void reverb_process(reverb *r, float *x, uint32_t n)
{
    while (n) {
        uint32_t m = n < r->chunk ? n : r->chunk;
        step(r, x, m);
        x += 2 * (size_t)m;
        n -= m;
    }
}
