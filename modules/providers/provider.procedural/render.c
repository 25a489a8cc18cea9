/*
 * provider.procedural - the offline audio render: a short band playing a
 * chord progression in the requested key, mode, tempo and meter.
 *
 * Not a replacement for production.synth (which plays a whole arranged
 * score); this is what a router falls back to when no model can be
 * reached, so it must always work, quickly, and sound like music:
 *
 *   pad    the chord, two detuned band-limited saws per note (polyBLEP),
 *          a one-pole low-pass whose cutoff follows the caption's mood
 *   bass   the chord root two octaves down, sine plus second harmonic,
 *          on every pulse
 *   arp    chord tones over two octaves in eighth notes, triangle plucks,
 *          panned left and right in turn
 *   drums  kick (pitch-swept sine) on the strong pulses, a noise clap on
 *          the back beats, closed hats on the eighths; absent for calm
 *          captions, in the four intro bars and the two outro bars
 *
 * The progression (four chords, one per bar, or per two bars when bars are
 * short) and the arpeggio shape are drawn from the seed; noise comes from
 * cz_rng. The output is peak-normalised to -3 dBFS, with a 1.5 s fade out.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proc.h"

/* ---- the request ------------------------------------------------------------ */

static int tonic_of(const char *key, int *minor_hint)
{
    static const int letter[7] = {9, 11, 0, 2, 4, 5, 7}; /* A..G */
    *minor_hint = 0;
    while (key && isspace((unsigned char)*key))
        key++;
    if (!key || toupper((unsigned char)key[0]) < 'A' || toupper((unsigned char)key[0]) > 'G')
        return -1;
    int pc = letter[toupper((unsigned char)key[0]) - 'A'];
    const char *p = key + 1;
    for (; *p == '#' || *p == 'b'; p++)
        pc += *p == '#' ? 1 : -1;
    while (isspace((unsigned char)*p))
        p++;
    *minor_hint = (p[0] == 'm' && (!p[1] || isspace((unsigned char)p[1]))) || !strncasecmp(p, "min", 3);
    return ((pc % 12) + 12) % 12;
}

static int has_word(const char *text, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = text; p && (p = strcasestr(p, w)); p++)
        if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]))
            return 1;
    return 0;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int proc_parse(const json_t *body, uint64_t seed, proc_song *s, cz_error *err)
{
    *s = (proc_song){.bpm = 110, .tonic = 0, .mode = CZ_MODE_MAJOR, .beats = 4, .unit = 4, .seconds = 30,
                     .rate = 48000, .drums = 1, .brightness = 0.5, .seed = seed};
    if (body && !json_is_object(body))
        return cz_err(err, CZ_EINVAL, "provider.procedural: the audio request must be a JSON object");
    const json_t *v;
    if ((v = json_object_get(body, "bpm"))) {
        if (!json_is_number(v))
            return cz_err(err, CZ_EINVAL, "provider.procedural: audio request field 'bpm' must be a number");
        s->bpm = clampd(json_number_value(v), 40, 240);
    }
    if ((v = json_object_get(body, "duration_s"))) {
        if (!json_is_number(v))
            return cz_err(err, CZ_EINVAL, "provider.procedural: audio request field 'duration_s' must be a number");
        s->seconds = clampd(json_number_value(v), 1, 900);
    }
    if ((v = json_object_get(body, "rate"))) {
        if (!json_is_integer(v))
            return cz_err(err, CZ_EINVAL, "provider.procedural: audio request field 'rate' must be an integer");
        s->rate = (uint32_t)clampd((double)json_integer_value(v), 8000, 192000);
    }
    if ((v = json_object_get(body, "seed")) && json_is_integer(v))
        s->seed = (uint64_t)json_integer_value(v);
    int minor_hint = 0;
    const char *key = json_string_value(json_object_get(body, "key"));
    if (key) {
        int t = tonic_of(key, &minor_hint);
        if (t < 0)
            return cz_err(err, CZ_EINVAL, "provider.procedural: key '%s' is not a note name (C, F#, Bb ...)", key);
        s->tonic = t;
    }
    const char *mode = json_string_value(json_object_get(body, "mode"));
    int m = mode ? cz_mode_parse(mode) : -1;
    if (mode && m < 0)
        return cz_err(err, CZ_EINVAL, "provider.procedural: mode '%s' is not a mode name (major, minor, dorian ...)", mode);
    s->mode = m >= 0 ? (cz_mode)m : minor_hint ? CZ_MODE_MINOR : CZ_MODE_MAJOR;
    const char *meter = json_string_value(json_object_get(body, "meter"));
    if (meter) {
        int b = 0, u = 0;
        if (sscanf(meter, "%d/%d", &b, &u) != 2 || b < 1 || b > 16 || (u != 2 && u != 4 && u != 8 && u != 16))
            return cz_err(err, CZ_EINVAL, "provider.procedural: meter '%s' is not N/D (D one of 2, 4, 8, 16)", meter);
        s->beats = b;
        s->unit = u;
    }
    const char *cap = json_string_value(json_object_get(body, "caption"));
    if (cap) {
        static const char *const calm[] = {"ambient", "calm", "drumless", "lullaby", "meditation", "sleep", NULL};
        for (int i = 0; calm[i]; i++)
            s->drums &= !has_word(cap, calm[i]);
        if (strcasestr(cap, "no drums") || strcasestr(cap, "without drums"))
            s->drums = 0;
        if (has_word(cap, "dark") || has_word(cap, "sad") || has_word(cap, "warm"))
            s->brightness = 0.2;
        else if (has_word(cap, "bright") || has_word(cap, "happy") || has_word(cap, "sunny") ||
                 has_word(cap, "upbeat"))
            s->brightness = 0.85;
    }
    return 0;
}

/* ---- voices ---------------------------------------------------------------------- */

typedef struct mixbuf {
    float *buf; /* interleaved stereo */
    uint64_t frames;
    double rate;
} mixbuf;

static double mtof(double midi)
{
    return 440.0 * pow(2.0, (midi - 69.0) / 12.0);
}

/* Equal-power pan, p in [-1, 1]. */
static void pan_gains(double p, double g, float *l, float *r)
{
    double a = (p + 1) * M_PI / 4;
    *l = (float)(g * cos(a));
    *r = (float)(g * sin(a));
}

static double polyblep(double t, double dt)
{
    if (t < dt) {
        t /= dt;
        return t + t - t * t - 1.0;
    }
    if (t > 1.0 - dt) {
        t = (t - 1.0) / dt;
        return t * t + t + t + 1.0;
    }
    return 0.0;
}

/* A pad note: two detuned saws through a one-pole low-pass, with attack
 * and release; [start, start+len) is the held part. */
static void pad_note(mixbuf *m, double start_s, double len_s, double midi, double cutoff, double pan, double gain)
{
    const double att = 0.08, rel = 0.25;
    uint64_t a = (uint64_t)(start_s * m->rate);
    uint64_t n = (uint64_t)((len_s + rel) * m->rate);
    double f1 = mtof(midi) * 1.0012, f2 = mtof(midi) / 1.0012;
    double p1 = 0, p2 = 0.37, y = 0;
    double k = 1.0 - exp(-2 * M_PI * cutoff / m->rate);
    float gl, gr;
    pan_gains(pan, gain, &gl, &gr);
    for (uint64_t i = 0; i < n && a + i < m->frames; i++) {
        double t = i / m->rate;
        double env = t < att ? t / att : t < len_s ? 1.0 : exp(-(t - len_s) / (rel / 4));
        double dt1 = f1 / m->rate, dt2 = f2 / m->rate;
        double x = (2 * p1 - 1 - polyblep(p1, dt1)) + (2 * p2 - 1 - polyblep(p2, dt2));
        p1 += dt1;
        p1 -= floor(p1);
        p2 += dt2;
        p2 -= floor(p2);
        y += k * (x - y);
        float v = (float)(y * env);
        m->buf[2 * (a + i)] += v * gl;
        m->buf[2 * (a + i) + 1] += v * gr;
    }
}

/* A plucked or struck tone: sine (+ second harmonic) or triangle with an
 * exponential decay. */
static void tone(mixbuf *m, double start_s, double decay_s, double midi, int triangle, double h2, double pan,
                 double gain)
{
    uint64_t a = (uint64_t)(start_s * m->rate);
    uint64_t n = (uint64_t)(decay_s * 6 * m->rate);
    double f = mtof(midi), ph = 0;
    float gl, gr;
    pan_gains(pan, gain, &gl, &gr);
    for (uint64_t i = 0; i < n && a + i < m->frames; i++) {
        double t = i / m->rate;
        double env = (t < 0.004 ? t / 0.004 : 1.0) * exp(-t / decay_s);
        double x = triangle ? 1.0 - 4.0 * fabs(ph - 0.5) : sin(2 * M_PI * ph) + h2 * sin(4 * M_PI * ph);
        ph += f / m->rate;
        ph -= floor(ph);
        float v = (float)(x * env);
        m->buf[2 * (a + i)] += v * gl;
        m->buf[2 * (a + i) + 1] += v * gr;
    }
}

static void kick(mixbuf *m, double start_s, double gain)
{
    uint64_t a = (uint64_t)(start_s * m->rate);
    uint64_t n = (uint64_t)(0.45 * m->rate);
    double ph = 0;
    for (uint64_t i = 0; i < n && a + i < m->frames; i++) {
        double t = i / m->rate;
        double f = 45 + 110 * exp(-t / 0.035);
        ph += f / m->rate;
        float v = (float)(gain * sin(2 * M_PI * ph) * exp(-t / 0.22) * (t < 0.002 ? t / 0.002 : 1.0));
        m->buf[2 * (a + i)] += v;
        m->buf[2 * (a + i) + 1] += v;
    }
}

/* Noise burst through a one-pole high-pass: clap (long) or hat (short). */
static void noise_hit(mixbuf *m, cz_rng *r, double start_s, double decay_s, double hp_hz, double pan, double gain)
{
    uint64_t a = (uint64_t)(start_s * m->rate);
    uint64_t n = (uint64_t)(decay_s * 6 * m->rate);
    double k = exp(-2 * M_PI * hp_hz / m->rate), lp = 0;
    float gl, gr;
    pan_gains(pan, gain, &gl, &gr);
    for (uint64_t i = 0; i < n && a + i < m->frames; i++) {
        double t = i / m->rate;
        double x = cz_rng_range(r, -1, 1);
        lp = k * lp + (1 - k) * x;
        float v = (float)((x - lp) * exp(-t / decay_s));
        m->buf[2 * (a + i)] += v * gl;
        m->buf[2 * (a + i) + 1] += v * gr;
    }
}

/* ---- the song ------------------------------------------------------------------------ */

/* Scale degrees (0 = tonic) of each chord of a four-chord progression. */
static const int major_prog[][4] = {{0, 4, 5, 3}, {0, 5, 3, 4}, {0, 3, 4, 3}, {5, 3, 0, 4}, {0, 3, 5, 4}};
static const int minor_prog[][4] = {{0, 5, 2, 6}, {0, 3, 5, 4}, {0, 6, 5, 6}, {0, 5, 3, 4}, {0, 3, 6, 2}};

/* MIDI note of scale degree d (any integer, octaves by 7) with the tonic
 * in octave base. */
static int degree_note(const proc_song *s, int d, int base)
{
    const uint8_t *st = cz_mode_steps(s->mode);
    int oct = d >= 0 ? d / 7 : -((-d + 6) / 7);
    int idx = d - oct * 7;
    return base + s->tonic + st[idx] + 12 * oct;
}

cz_audio *proc_render(const proc_song *s, cz_job *job)
{
    uint64_t frames = (uint64_t)llround(s->seconds * s->rate);
    cz_audio *out = cz_audio_new(s->rate, 2, frames);
    if (!out)
        return NULL;
    mixbuf m = {out->samples, frames, s->rate};
    cz_rng r;
    cz_rng_init(&r, s->seed, "provider.procedural");
    int minorish = s->mode != CZ_MODE_IONIAN && s->mode != CZ_MODE_LYDIAN && s->mode != CZ_MODE_MIXOLYDIAN;
    const int *prog = minorish ? minor_prog[cz_rng_below(&r, 5)] : major_prog[cz_rng_below(&r, 5)];
    int arp_shape = (int)cz_rng_below(&r, 3); /* up, down, up-down */

    const int compound = s->unit == 8 && s->beats % 3 == 0 && s->beats > 3;
    const double unit_s = 60.0 / s->bpm * 4.0 / s->unit; /* one beat as written */
    const double bar_s = unit_s * s->beats;
    const int pulses = compound ? s->beats / 3 : s->beats;
    const double pulse_s = bar_s / pulses;
    const int subs = compound ? 3 : (s->unit >= 8 ? 1 : 2); /* eighths per pulse */
    const double sub_s = pulse_s / subs;
    const int bars_per_chord = bar_s < 1.2 ? 2 : 1;
    const int bars = (int)ceil(s->seconds / bar_s);
    const double cutoff = 500 + 3000 * s->brightness;

    for (int b = 0; b < bars; b++) {
        if (job && cz_job_cancelled(job))
            break;
        double t0 = b * bar_s;
        int deg = prog[(b / bars_per_chord) % 4];
        int full = b >= 4 && b < bars - 2;
        /* pad: a chord per bar, voiced near middle C */
        for (int v = 0; v < 3; v++) {
            int note = degree_note(s, deg + 2 * v, 48);
            while (note < 53)
                note += 12;
            while (note > 67)
                note -= 12;
            pad_note(&m, t0, bar_s, note, cutoff, (v - 1) * 0.5, 0.05);
        }
        /* bass on every pulse, louder on the first */
        int root = degree_note(s, deg, 36);
        while (root > 47)
            root -= 12;
        for (int p = 0; p < pulses && b > 0; p++)
            tone(&m, t0 + p * pulse_s, pulse_s * 0.35, root, 0, 0.3, 0, p ? 0.22 : 0.3);
        /* arpeggio in eighths over two octaves of chord tones */
        for (int i = 0; i < pulses * subs; i++) {
            int step = i % 6, idx = arp_shape == 0 ? step : arp_shape == 1 ? 5 - step : (step < 3 ? step : 6 - step);
            int note = degree_note(s, deg + 2 * (idx % 3), 72) + 12 * (idx / 3) - 12;
            tone(&m, t0 + i * sub_s, 0.12, note, 1, 0, (i & 1) ? 0.35 : -0.35, full ? 0.07 : 0.05);
        }
        if (!s->drums || !full)
            continue;
        for (int p = 0; p < pulses; p++) {
            double tp = t0 + p * pulse_s;
            if (p == 0 || (pulses >= 4 && p == pulses / 2) || (pulses == 2 && p == 1 && compound))
                kick(&m, tp, 0.75);
            if ((pulses == 4 && (p == 1 || p == 3)) || (pulses == 2 && p == 1 && !compound))
                noise_hit(&m, &r, tp, 0.07, 1200, 0.1, 0.22);
            for (int k = 0; k < subs; k++)
                noise_hit(&m, &r, tp + k * sub_s, 0.018, 7000, 0.25, k ? 0.05 : 0.07);
        }
    }

    /* fade in 20 ms, out 1.5 s, normalise to -3 dBFS */
    uint64_t fin = (uint64_t)(0.02 * s->rate), fout = (uint64_t)(1.5 * s->rate);
    if (fout > frames / 3)
        fout = frames / 3;
    float peak = 0;
    for (uint64_t i = 0; i < frames; i++) {
        double g = 1;
        if (i < fin)
            g = (double)i / fin;
        if (fout && i >= frames - fout)
            g *= (double)(frames - i) / fout;
        for (int c = 0; c < 2; c++) {
            float *x = &out->samples[2 * i + c];
            *x *= (float)g;
            if (fabsf(*x) > peak)
                peak = fabsf(*x);
        }
    }
    if (peak > 0) {
        float g = 0.7079f / peak;
        for (uint64_t i = 0; i < 2 * frames; i++)
            out->samples[i] *= g;
    }
    return out;
}
