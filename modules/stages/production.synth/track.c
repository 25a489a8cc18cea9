/*
 * track.c - one score track as a voice allocator and block scheduler.
 *
 * Notes become sample-accurate on/off events (sorted: time, then offs
 * before ons so a repeated pitch frees its voice first, then score order).
 * The renderer splits each chunk at every event and every SY_BLOCK frames
 * and runs the engine on the packs that hold a sounding voice, then sums
 * the lanes of the accumulators into the track's chunk.
 *
 * Half-rate tracks (halfrate.c) place their events at voice-rate frames:
 * a note that starts between two of them starts at the later one with
 * half a sample period already elapsed (its phases and envelope
 * advanced), so onsets stay exact to the output sample; a note-off lands
 * within one output frame. Their voices run SY_UPK frames ahead of the
 * output, and the chunk is the upsampled sum.
 *
 * Voices: at most `poly` voices sound (held or releasing). A note beyond
 * that steals one: the quietest released voice, or failing that the oldest
 * held one; the victim is not cut but faded to silence over 4 ms in one of
 * the spare slots kept for fades (a quarter of the polyphony, at least 4),
 * so stealing never clicks. Only if every spare slot is still fading is
 * the quietest fading voice cut (counted in hard_steals; needs more than
 * poly/4 notes within 4 ms). On drum tracks a closed or pedal hat fades a
 * ringing open hat in 12 ms (the choke).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#define SY_STEAL_FADE_S 0.004f
#define SY_CHOKE_FADE_S 0.012f

double sy_pitch_hz(double pitch)
{
    return 440.0 * pow(2.0, (pitch - 69.0) / 12.0);
}

static int ev_cmp(const void *a, const void *b)
{
    const sy_event *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->on != y->on)
        return x->on < y->on ? -1 : 1;
    return x->note < y->note ? -1 : x->note > y->note;
}

static void apply_variation(sy_preset *p, int program)
{
    float bright, tm;
    sy_program_variation(program, &bright, &tm);
    p->cutoff *= sy_exp2f(bright);
    if (p->engine == SY_E_KS) {
        float b = p->ks_bright * sy_exp2f(bright * 0.5f);
        p->ks_bright = b > 1.0f ? 1.0f : b;
        p->ks_t60 *= tm;
    }
    p->amp.a *= tm;
    p->amp.d *= tm;
    p->amp.r *= tm;
    p->fenv.a *= tm;
    p->fenv.d *= tm;
    p->fenv.r *= tm;
    for (int q = 0; q < 2; q++)
        p->fm[q].idx_t *= tm;
}

static void unison_layout(sy_track *t)
{
    const sy_preset *p = &t->p;
    t->stereo = 0;
    for (int o = 0; o < 2; o++) {
        const sy_oscp *op = &p->osc[o];
        int u = op->unison ? op->unison : 1;
        if (u > SY_MAXUNI)
            u = SY_MAXUNI;
        float norm = op->level / sqrtf((float)u);
        t->uni_margin[o] = 1.0f;
        for (int i = 0; i < u; i++) {
            float x = u > 1 ? (float)i / (float)(u - 1) * 2.0f - 1.0f : 0.0f; /* -1..1 */
            float r = sy_exp2f(x * 0.5f * op->spread / 1200.0f);
            t->uni_ratio[o][i] = r;
            if (r > t->uni_margin[o])
                t->uni_margin[o] = r;
            float pan = x * op->width;
            float a = (pan + 1.0f) * (float)(M_PI / 4);
            t->uni_gl[o][i] = norm * cosf(a) * (float)M_SQRT2;
            t->uni_gr[o][i] = norm * sinf(a) * (float)M_SQRT2;
            if (u > 1 && op->width > 0.0f && op->wave != SY_W_OFF)
                t->stereo = 1;
        }
        switch (op->wave) {
        case SY_W_SAW:
        case SY_W_PULSE: t->tab[o] = &t->sh->saw; break;
        case SY_W_SQUARE: t->tab[o] = &t->sh->square; break;
        case SY_W_TRI: t->tab[o] = &t->sh->tri; break;
        case SY_W_SPEC: {
            int i = sy_preset_index(sy_preset_for_program(t->src->program));
            t->tab[o] = i >= 0 && i < t->sh->n_spec && t->sh->spec[i].data ? &t->sh->spec[i]
                                                                          : &t->sh->saw;
            break;
        }
        default: t->tab[o] = NULL; break;
        }
    }
    /* a mono voice's unison gains are the plain level */
    if (!t->stereo)
        for (int o = 0; o < 2; o++)
            for (int i = 0; i < SY_MAXUNI; i++)
                t->uni_gr[o][i] = t->uni_gl[o][i] =
                    (t->uni_gl[o][i] + t->uni_gr[o][i]) * 0.5f;
}

int sy_track_init(sy_track *t, const cz_track *src, const sy_shared *sh,
                  const sy_style *style, uint32_t rate, int polyphony,
                  double frames_per_tick, uint64_t song_frames, uint64_t seed,
                  int allow_half, cz_error *err)
{
    memset(t, 0, sizeof *t);
    t->src = src;
    t->sh = sh;
    t->style = style;
    t->isa = sh->isa;
    t->out_rate = rate;
    int drums = src->channel == CZ_DRUM_CHANNEL;
    sy_preset_styled(&t->p, drums ? sy_drum_preset() : sy_preset_for_program(src->program),
                     style);
    if (!drums)
        apply_variation(&t->p, src->program);
    t->half = allow_half && !drums && sy_halfrate_ok(&t->p, src, rate);
    t->rate = t->half ? (float)rate * 0.5f : (float)rate;
    t->inv_rate = 1.0f / t->rate;
    switch (t->p.engine) {
    case SY_E_FM: t->eng = &sy_engine_fm; break;
    case SY_E_KS: t->eng = &sy_engine_ks; break;
    case SY_E_DRUM: t->eng = &sy_engine_drum; break;
    default: t->eng = &sy_engine_sub; break;
    }
    t->render = t->eng->render[t->isa];
    cz_rng_init(&t->rng, seed, src->name);
    if (t->eng == &sy_engine_sub)
        unison_layout(t);

    t->poly = polyphony < 1 ? 1 : polyphony;
    int spare = t->poly / 4 > 4 ? t->poly / 4 : 4;
    t->npacks = (t->poly + spare + SY_LANES - 1) / SY_LANES;
    t->nslots = t->npacks * SY_LANES;
    size_t psz = (t->eng->pack_size + 63) & ~(size_t)63;
    t->slots = calloc((size_t)t->nslots, sizeof *t->slots);
    t->pack_active = calloc((size_t)t->npacks, sizeof *t->pack_active);
    t->packs = aligned_alloc(64, psz * (size_t)t->npacks);
    if (!t->slots || !t->pack_active || !t->packs)
        goto oom;
    memset(t->packs, 0, psz * (size_t)t->npacks);
    if (t->half) {
        /* The lane sums store whole vectors at upL + 2*SY_UPK: both halves
         * must be 64-byte aligned (calloc only promises 16, and a vector
         * store to a misaligned address faults). */
        size_t up = (2 * SY_UPK + SY_CHUNK / 2 + SY_LANES + 15) & ~(size_t)15;
        t->upL = aligned_alloc(64, 2 * up * sizeof(float));
        if (!t->upL)
            goto oom;
        memset(t->upL, 0, 2 * up * sizeof(float));
        t->upR = t->upL + up;
    }

    /* events, at the voices' rate */
    t->ev = malloc(((size_t)src->n_notes * 2 + 1) * sizeof *t->ev);
    if (!t->ev)
        goto oom;
    for (uint32_t i = 0; i < src->n_notes; i++) {
        const cz_note *n = &src->notes[i];
        uint64_t on = (uint64_t)llround(n->tick * frames_per_tick);
        uint64_t off = (uint64_t)llround(((double)n->tick + n->len) * frames_per_tick);
        if (on >= song_frames || n->velocity == 0 || n->pitch > 127)
            continue;
        if (off > song_frames)
            off = song_frames;
        uint8_t pre = 0;
        if (t->half) {
            /* A full-rate voice's first sample, at frame f, is one sample
             * into the note; a voice-rate sample j sounds at frame 2j.
             * Onsets on even frames start one voice-rate sample later with
             * half of it elapsed, odd ones on the next even frame. */
            pre = !(on & 1);
            on = on / 2 + 1;
            off = off / 2;
        }
        if (off <= on)
            off = on + 1;
        t->ev[t->n_ev++] = (sy_event){.at = on, .note = i, .on = 1, .pre = pre};
        t->ev[t->n_ev++] = (sy_event){.at = off, .note = i, .on = 0};
    }
    qsort(t->ev, t->n_ev, sizeof *t->ev, ev_cmp);

    /* output stage */
    float vol = src->volume < 0.0f ? 0.0f : src->volume > 1.0f ? 1.0f : src->volume;
    float pan = src->pan < -1.0f ? -1.0f : src->pan > 1.0f ? 1.0f : src->pan;
    if (!(vol == vol))
        vol = 0.8f;
    if (!(pan == pan))
        pan = 0.0f;
    float a = (pan + 1.0f) * (float)(M_PI / 4);
    t->gl = vol * vol * cosf(a);
    t->gr = vol * vol * sinf(a);
    if (t->p.drive > 0.0f) {
        t->drive = t->p.drive;
        t->drive_norm = 0.25f / sy_tanh(0.25f * t->drive);
    }
    t->tone_c = t->p.tone_hz > 0.0f
                    ? 1.0f - (float)exp(-2.0 * M_PI * t->p.tone_hz / rate)
                    : 0.0f;

    if (t->eng->setup) {
        int rc = t->eng->setup(t, err);
        if (rc)
            return rc;
    }
    return 0;
oom:
    return cz_err(err, CZ_ENOMEM, "production.synth: out of memory for track '%s'", src->name);
}

void sy_track_free(sy_track *t)
{
    if (t->eng && t->eng->cleanup)
        t->eng->cleanup(t);
    free(t->slots);
    free(t->pack_active);
    free(t->packs);
    free(t->ev);
    free(t->upL);
    memset(t, 0, sizeof *t);
}

#define pack_at sy_track_pack

static void kill_slot(sy_track *t, int s, float seconds)
{
    sy_slot *sl = &t->slots[s];
    t->eng->kill(t, pack_at(t, s / SY_LANES), s % SY_LANES, seconds);
    if (sl->state == SY_SLOT_ON || sl->state == SY_SLOT_OFF)
        t->sounding--;
    sl->state = SY_SLOT_FADE;
}

static void steal_one(sy_track *t)
{
    int best = -1;
    for (int s = 0; s < t->nslots; s++) {
        const sy_slot *c = &t->slots[s];
        if (c->state != SY_SLOT_OFF)
            continue;
        if (best < 0 || c->level < t->slots[best].level ||
            (c->level == t->slots[best].level && c->age < t->slots[best].age))
            best = s;
    }
    if (best < 0)
        for (int s = 0; s < t->nslots; s++)
            if (t->slots[s].state == SY_SLOT_ON &&
                (best < 0 || t->slots[s].age < t->slots[best].age))
                best = s;
    if (best >= 0) {
        kill_slot(t, best, SY_STEAL_FADE_S);
        t->steals++;
    }
}

static void note_on(sy_track *t, uint32_t idx, float pre)
{
    const cz_note *n = &t->src->notes[idx];
    int drums = t->eng == &sy_engine_drum;
    if (drums) {
        int g = sy_drum_chokes(n->pitch);
        if (g)
            for (int s = 0; s < t->nslots; s++)
                if ((t->slots[s].state == SY_SLOT_ON || t->slots[s].state == SY_SLOT_OFF) &&
                    t->slots[s].choke == g)
                    kill_slot(t, s, SY_CHOKE_FADE_S);
    }
    while (t->sounding >= t->poly) {
        int before = t->sounding;
        steal_one(t);
        if (t->sounding == before)
            break;
    }
    int s = -1;
    for (int i = 0; i < t->nslots; i++)
        if (t->slots[i].state == SY_SLOT_FREE) {
            s = i;
            break;
        }
    if (s < 0) {
        /* every spare slot is still fading: cut the quietest fade */
        for (int i = 0; i < t->nslots; i++)
            if (t->slots[i].state == SY_SLOT_FADE &&
                (s < 0 || t->slots[i].level < t->slots[s].level))
                s = i;
        if (s < 0)
            return;
        t->hard_steals++;
    }
    sy_slot *sl = &t->slots[s];
    sl->state = SY_SLOT_ON;
    sl->pitch = n->pitch;
    sl->vel = n->velocity;
    sl->note = idx;
    sl->age = t->age++;
    sl->level = 1.0f;
    sl->choke = drums ? (uint8_t)sy_drum_choke_group(n->pitch) : 0;
    t->eng->note_on(t, pack_at(t, s / SY_LANES), s % SY_LANES, n->pitch, n->velocity, pre);
    t->pack_active[s / SY_LANES] |= 1u << (s % SY_LANES);
    t->sounding++;
}

static void note_off(sy_track *t, uint32_t idx)
{
    for (int s = 0; s < t->nslots; s++) {
        sy_slot *sl = &t->slots[s];
        if (sl->state == SY_SLOT_ON && sl->note == idx) {
            t->eng->note_off(t, pack_at(t, s / SY_LANES), s % SY_LANES);
            sl->state = SY_SLOT_OFF;
            return;
        }
    }
}

static void advance_lfo(float *ph, float rate_hz, int n, float inv_rate)
{
    if (rate_hz > 0.0f) {
        *ph += rate_hz * (float)n * inv_rate;
        *ph -= sy_floorf(*ph);
    }
}

/* Run the voices for n voice-rate frames into the lane accumulators
 * (rounded up to whole vectors of frames; the first pack of a block
 * stores, stretches no pack wrote are cleared). Returns 0, writing
 * nothing, when no voice sounds. */
static int run_voices(sy_track *t, int n, float *accL, float *accR)
{
    int any = 0, off = 0, clean = 0; /* acc is valid up to frame `clean` */
    const size_t fb = SY_LANES * sizeof(float);
    while (off < n) {
        uint64_t now = t->pos + (uint64_t)off;
        while (t->ev_i < t->n_ev && t->ev[t->ev_i].at <= now) {
            const sy_event *e = &t->ev[t->ev_i++];
            if (e->on)
                note_on(t, e->note, e->pre ? 0.5f : 0.0f);
            else
                note_off(t, e->note);
        }
        int len = n - off < SY_BLOCK ? n - off : SY_BLOCK;
        if (t->ev_i < t->n_ev && t->ev[t->ev_i].at - now < (uint64_t)len)
            len = (int)(t->ev[t->ev_i].at - now);
        int store = 1;
        for (int p = 0; p < t->npacks; p++) {
            unsigned act = t->pack_active[p];
            if (!act)
                continue;
            if (store && clean < off) {
                /* an earlier stretch no voice wrote */
                memset(accL + (size_t)clean * SY_LANES, 0, (size_t)(off - clean) * fb);
                if (t->stereo)
                    memset(accR + (size_t)clean * SY_LANES, 0, (size_t)(off - clean) * fb);
            }
            unsigned done = t->render(t, pack_at(t, p), p, act, len, store,
                                      accL + (size_t)off * SY_LANES,
                                      accR + (size_t)off * SY_LANES);
            store = 0;
            any = 1;
            clean = off + len;
            for (int l = 0; l < SY_LANES; l++) {
                if (!(done & (1u << l)))
                    continue;
                sy_slot *sl = &t->slots[p * SY_LANES + l];
                if (sl->state == SY_SLOT_ON || sl->state == SY_SLOT_OFF)
                    t->sounding--;
                sl->state = SY_SLOT_FREE;
                sl->level = 0.0f;
            }
            t->pack_active[p] = act & ~done;
        }
        advance_lfo(&t->lfo_vib, t->p.vib_rate, len, t->inv_rate);
        advance_lfo(&t->lfo_trem, t->p.trem_rate, len, t->inv_rate);
        advance_lfo(&t->lfo_pwm, t->p.pwm_rate, len, t->inv_rate);
        off += len;
    }
    t->pos += (uint64_t)n;
    if (any) {
        int end = (n + SY_LANES - 1) & ~(SY_LANES - 1);
        memset(accL + (size_t)clean * SY_LANES, 0, (size_t)(end - clean) * fb);
        if (t->stereo)
            memset(accR + (size_t)clean * SY_LANES, 0, (size_t)(end - clean) * fb);
    }
    return any;
}

/* ---- lane sums ----------------------------------------------------------- */

/* [x0+x1, x2+x3, y0+y1, y2+y3 | x4+x5, x6+x7, y4+y5, y6+y7] */
SY_INL vf hadd_p(const vf *x, const vf *y)
{
    return __builtin_shufflevector(*x, *y, 0, 2, 8, 10, 4, 6, 12, 14) +
           __builtin_shufflevector(*x, *y, 1, 3, 9, 11, 5, 7, 13, 15);
}
#define hadd(x, y) hadd_p(VP(x), VP(y))

/* Eight frames at a time; each frame's sum is
 * ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) in both builds. */
SY_INL int lanes_sum_body(const float *acc, int n, float *out)
{
    const vf *a = (const vf *)acc;
    for (int i = 0; i < n; i += SY_LANES, a += SY_LANES) {
        vf q0 = hadd(hadd(a[0], a[1]), hadd(a[2], a[3]));
        vf q1 = hadd(hadd(a[4], a[5]), hadd(a[6], a[7]));
        /* out need not be vector-aligned */
        *(vfu *)(out + i) = __builtin_shufflevector(q0, q1, 0, 1, 2, 3, 8, 9, 10, 11) +
                            __builtin_shufflevector(q0, q1, 4, 5, 6, 7, 12, 13, 14, 15);
    }
    return 0;
}

SY_ISA_PAIR(int, lanes_sum, (const float *acc, int n, float *out), (acc, n, out))

void sy_lanes_sum(int isa, const float *acc, int n, float *out)
{
    static int (*const fn[SY_NISA])(const float *, int, float *) = SY_ISA_FNS(lanes_sum);
    fn[isa](acc, n, out);
}

/* ---- a chunk --------------------------------------------------------------- */

static int render_half(sy_track *t, sy_scratch *s, int n)
{
    const int hist = 2 * SY_UPK;
    int h = (n + 1) / 2;
    if (!t->up_primed) {
        /* the voices run SY_UPK frames ahead: x[0 .. SY_UPK) first */
        t->up_primed = 1;
        if (run_voices(t, SY_UPK, s->accL, s->accR)) {
            float tmp[SY_UPK + SY_LANES] __attribute__((aligned(64)));
            sy_lanes_sum(t->isa, s->accL, SY_UPK, tmp);
            memcpy(t->upL + SY_UPK, tmp, SY_UPK * sizeof(float));
            if (t->stereo) {
                sy_lanes_sum(t->isa, s->accR, SY_UPK, tmp);
                memcpy(t->upR + SY_UPK, tmp, SY_UPK * sizeof(float));
            }
            t->up_was_live = 1;
        }
    }
    int any = run_voices(t, h, s->accL, s->accR);
    if (!any && !t->up_was_live)
        return 0; /* the history is silent too, and stays so */
    if (any) {
        sy_lanes_sum(t->isa, s->accL, h, t->upL + hist);
        if (t->stereo)
            sy_lanes_sum(t->isa, s->accR, h, t->upR + hist);
    } else {
        memset(t->upL + hist, 0, (size_t)h * sizeof(float));
        memset(t->upR + hist, 0, (size_t)h * sizeof(float));
    }
    sy_upsample(t->isa, t->sh->up_c, t->upL, h, s->L);
    if (t->stereo)
        sy_upsample(t->isa, t->sh->up_c, t->upR, h, s->R);
    memmove(t->upL, t->upL + h, hist * sizeof(float));
    memmove(t->upR, t->upR + h, hist * sizeof(float));
    t->up_was_live = any;
    return 1;
}

int sy_track_render(sy_track *t, sy_scratch *s, int n)
{
    if (t->half)
        return render_half(t, s, n);
    if (!run_voices(t, n, s->accL, s->accR))
        return 0;
    sy_lanes_sum(t->isa, s->accL, n, s->L);
    if (t->stereo)
        sy_lanes_sum(t->isa, s->accR, n, s->R);
    return 1;
}
