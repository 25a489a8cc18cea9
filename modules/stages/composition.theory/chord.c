/*
 * chord.c - roman numerals, chord qualities and chord names.
 *
 * Progression tables are written as roman numerals so a musician can read
 * and edit them. A token is
 *
 *     [b|#] NUMERAL [QUALITY] [^1|^2] [/ [b|#] NUMERAL]
 *
 * NUMERAL is I..VII; upper case is a major chord, lower case a minor one.
 * The degree is counted in a reference scale: the major scale for modes
 * with a major third (ionian, lydian, mixolydian) and the natural minor
 * scale for the others, which is how songwriters write them ("bVII" in
 * C major is Bb, "VII" in A minor is G). b/# shift the root a semitone.
 * QUALITY: o (diminished), o7, h7 (half-diminished), + (augmented), 7, 9,
 * maj7, maj9, add6, add9, sus2, sus4, 7sus4. ^1/^2 are first and second
 * inversions (the bass takes the third or fifth: "V^1" is G/B in C).
 * "/X" makes a secondary function: "V7/vi" is the dominant seventh of vi,
 * its root a fifth above vi's root.
 */
#include <string.h>
#include <stdio.h>

#include "cmp.h"

static const struct {
    int n;
    int iv[5];
    const char *sym; /* chord symbol suffix */
    const char *rom; /* roman numeral suffix */
    int minor;       /* written lower case */
} Q[Q_COUNT] = {
    [Q_MAJ] = {3, {0, 4, 7}, "", "", 0},
    [Q_MIN] = {3, {0, 3, 7}, "m", "", 1},
    [Q_DIM] = {3, {0, 3, 6}, "dim", "o", 1},
    [Q_AUG] = {3, {0, 4, 8}, "aug", "+", 0},
    [Q_DOM7] = {4, {0, 4, 7, 10}, "7", "7", 0},
    [Q_MIN7] = {4, {0, 3, 7, 10}, "m7", "7", 1},
    [Q_MAJ7] = {4, {0, 4, 7, 11}, "maj7", "maj7", 0},
    [Q_HDIM7] = {4, {0, 3, 6, 10}, "m7b5", "\xc3\xb8" "7", 1},
    [Q_DIM7] = {4, {0, 3, 6, 9}, "dim7", "o7", 1},
    [Q_DOM9] = {5, {0, 4, 7, 10, 14}, "9", "9", 0},
    [Q_MIN9] = {5, {0, 3, 7, 10, 14}, "m9", "9", 1},
    [Q_MAJ9] = {5, {0, 4, 7, 11, 14}, "maj9", "maj9", 0},
    [Q_SIX] = {4, {0, 4, 7, 9}, "6", "add6", 0},
    [Q_MIN6] = {4, {0, 3, 7, 9}, "m6", "add6", 1},
    [Q_SUS4] = {3, {0, 5, 7}, "sus4", "sus4", 0},
    [Q_SUS2] = {3, {0, 2, 7}, "sus2", "sus2", 0},
    [Q_7SUS4] = {4, {0, 5, 7, 10}, "7sus4", "7sus4", 0},
    [Q_ADD9] = {4, {0, 4, 7, 14}, "add9", "add9", 0},
    [Q_MADD9] = {4, {0, 3, 7, 14}, "madd9", "add9", 1},
};

static const int MAJOR_STEPS[7] = {0, 2, 4, 5, 7, 9, 11};
static const int MINOR_STEPS[7] = {0, 2, 3, 5, 7, 8, 10};
static const char *const NUMERAL_UP[7] = {"I", "II", "III", "IV", "V", "VI", "VII"};
static const char *const NUMERAL_LO[7] = {"i", "ii", "iii", "iv", "v", "vi", "vii"};
static const char *const SHARP_NAMES[12] = {"C", "C#", "D", "D#", "E", "F",
                                            "F#", "G", "G#", "A", "A#", "B"};
static const char *const FLAT_NAMES[12] = {"C", "Db", "D", "Eb", "E", "F",
                                           "Gb", "G", "Ab", "A", "Bb", "B"};

int cmp_quality_ntones(cmp_quality q)
{
    return Q[q].n;
}

const int *cmp_quality_intervals(cmp_quality q)
{
    return Q[q].iv;
}

int cmp_quality_is_minor(cmp_quality q)
{
    return Q[q].minor;
}

const char *cmp_pc_name(int pc, int flats)
{
    return (flats ? FLAT_NAMES : SHARP_NAMES)[cmp_pc(pc)];
}

static int mode_major_third(cz_mode m)
{
    return m == CZ_MODE_IONIAN || m == CZ_MODE_LYDIAN || m == CZ_MODE_MIXOLYDIAN;
}

void cmp_key_init(cmp_key *k, int tonic, cz_mode mode, int flats)
{
    k->tonic = cmp_pc(tonic);
    k->mode = mode;
    k->scale = cz_scale_mask((uint8_t)k->tonic, mode);
    k->flats = flats;
    memcpy(k->ref, mode_major_third(mode) ? MAJOR_STEPS : MINOR_STEPS,
           sizeof k->ref);
}

/* Match the longest numeral at *p, all in one case. */
static int parse_numeral(const char **p, int8_t *deg, int8_t *upper)
{
    for (int up = 1; up >= 0; up--) {
        int best = -1;
        size_t blen = 0;
        for (int d = 0; d < 7; d++) {
            const char *n = up ? NUMERAL_UP[d] : NUMERAL_LO[d];
            size_t l = strlen(n);
            if (strncmp(*p, n, l) == 0 && l > blen) {
                best = d;
                blen = l;
            }
        }
        if (best >= 0) {
            *deg = (int8_t)best;
            *upper = (int8_t)up;
            *p += blen;
            return 0;
        }
    }
    return -1;
}

static int parse_acc(const char **p)
{
    if (**p == 'b' && (*p)[1] && strchr("IViv", (*p)[1])) {
        (*p)++;
        return -1;
    }
    if (**p == '#') {
        (*p)++;
        return 1;
    }
    return 0;
}

int cmp_rn_parse(const char *tok, cmp_rn *out)
{
    static const struct {
        const char *s;
        int up, lo; /* quality for upper / lower case numerals */
    } SUF[] = {
        {"7sus4", Q_7SUS4, Q_7SUS4}, {"maj9", Q_MAJ9, Q_MAJ9},
        {"maj7", Q_MAJ7, Q_MAJ7},    {"sus4", Q_SUS4, Q_SUS4},
        {"sus2", Q_SUS2, Q_SUS2},    {"add9", Q_ADD9, Q_MADD9},
        {"add6", Q_SIX, Q_MIN6},     {"o7", Q_DIM7, Q_DIM7},
        {"h7", Q_HDIM7, Q_HDIM7},    {"o", Q_DIM, Q_DIM},
        {"+", Q_AUG, Q_AUG},         {"9", Q_DOM9, Q_MIN9},
        {"7", Q_DOM7, Q_MIN7},
    };
    const char *p = tok;
    int8_t upper;
    memset(out, 0, sizeof *out);
    out->acc = (int8_t)parse_acc(&p);
    if (parse_numeral(&p, &out->deg, &upper) != 0)
        return -1;
    out->qual = (int8_t)(upper ? Q_MAJ : Q_MIN);
    for (size_t i = 0; i < sizeof SUF / sizeof SUF[0]; i++) {
        size_t l = strlen(SUF[i].s);
        if (strncmp(p, SUF[i].s, l) == 0) {
            out->qual = (int8_t)(upper ? SUF[i].up : SUF[i].lo);
            p += l;
            break;
        }
    }
    if (p[0] == '^' && (p[1] == '1' || p[1] == '2')) {
        out->inv = (int8_t)(p[1] - '0');
        p += 2;
    }
    if (*p == '/') {
        p++;
        out->has_target = 1;
        out->tacc = (int8_t)parse_acc(&p);
        if (parse_numeral(&p, &out->tdeg, &out->tupper) != 0)
            return -1;
    }
    return *p ? -1 : 0;
}

int cmp_rn_root(const cmp_key *k, const cmp_rn *rn)
{
    if (rn->has_target) {
        int t = k->tonic + k->ref[rn->tdeg] + rn->tacc;
        return cmp_pc(t + MAJOR_STEPS[rn->deg] + rn->acc);
    }
    return cmp_pc(k->tonic + k->ref[rn->deg] + rn->acc);
}

uint16_t cmp_rn_tones(const cmp_key *k, const cmp_rn *rn)
{
    int r = cmp_rn_root(k, rn);
    uint16_t m = 0;
    for (int i = 0; i < Q[rn->qual].n; i++)
        m |= (uint16_t)(1u << cmp_pc(r + Q[rn->qual].iv[i]));
    return m;
}

int cmp_rn_bass(const cmp_key *k, const cmp_rn *rn)
{
    int r = cmp_rn_root(k, rn);
    int i = rn->inv < Q[rn->qual].n ? rn->inv : 0;
    return cmp_pc(r + Q[rn->qual].iv[i]);
}

/* The scale tone a seventh above root (6 scale steps up), or -1 when the
 * root is not in the scale. */
static int diatonic_seventh(const cmp_key *k, int root)
{
    const uint8_t *st = cz_mode_steps(k->mode);
    for (int i = 0; i < 7; i++)
        if (cmp_pc(k->tonic + st[i]) == root)
            return cmp_pc(k->tonic + st[(i + 6) % 7] - root);
    return -1;
}

int cmp_rn_add_seventh(const cmp_key *k, cmp_rn *rn)
{
    if (rn->inv)
        return -1;
    int root = cmp_rn_root(k, rn);
    uint16_t tones = cmp_rn_tones(k, rn);
    int seventh = -1;
    if (!rn->has_target && !(tones & ~k->scale))
        seventh = diatonic_seventh(k, root);
    if (seventh < 0)
        seventh = 10; /* chromatic chord: dominant / minor seventh */
    switch (rn->qual) {
    case Q_MAJ:
        rn->qual = (int8_t)(seventh == 11 ? Q_MAJ7 : seventh == 10 ? Q_DOM7 : Q_MAJ);
        break;
    case Q_MIN:
        rn->qual = (int8_t)(seventh == 10 ? Q_MIN7 : Q_MIN);
        break;
    case Q_DIM:
        rn->qual = (int8_t)(seventh == 10 ? Q_HDIM7 : seventh == 9 ? Q_DIM7 : Q_DIM);
        break;
    case Q_SUS4:
        rn->qual = (int8_t)(seventh == 10 ? Q_7SUS4 : Q_SUS4);
        break;
    default:
        return -1;
    }
    return Q[rn->qual].n == 4 ? 0 : -1;
}

int cmp_rn_add_ninth(const cmp_key *k, cmp_rn *rn)
{
    if (rn->inv || rn->has_target)
        return -1;
    int root = cmp_rn_root(k, rn);
    if (!cmp_in(k->scale, root + 2) || (cmp_rn_tones(k, rn) & ~k->scale))
        return -1;
    switch (rn->qual) {
    case Q_DOM7: rn->qual = Q_DOM9; return 0;
    case Q_MIN7: rn->qual = Q_MIN9; return 0;
    case Q_MAJ7: rn->qual = Q_MAJ9; return 0;
    default: return -1;
    }
}

static int spell_flats(const cmp_key *k, const cmp_rn *rn)
{
    int acc = rn->has_target ? rn->tacc : rn->acc;
    if (acc < 0)
        return 1;
    if (acc > 0)
        return 0;
    return k->flats;
}

void cmp_rn_symbol(const cmp_key *k, const cmp_rn *rn, char *buf, size_t n)
{
    int root = cmp_rn_root(k, rn);
    int fl = spell_flats(k, rn);
    if (rn->inv)
        snprintf(buf, n, "%s%s/%s", cmp_pc_name(root, fl), Q[rn->qual].sym,
                 cmp_pc_name(cmp_rn_bass(k, rn), fl));
    else
        snprintf(buf, n, "%s%s", cmp_pc_name(root, fl), Q[rn->qual].sym);
}

void cmp_rn_roman(const cmp_rn *rn, char *buf, size_t n)
{
    const char *acc = rn->acc < 0 ? "b" : rn->acc > 0 ? "#" : "";
    const char *num = (Q[rn->qual].minor ? NUMERAL_LO : NUMERAL_UP)[rn->deg];
    const char *suf = Q[rn->qual].rom;
    const char *fig = "";
    if (rn->inv) {
        int seventh = Q[rn->qual].n >= 4;
        fig = seventh ? (rn->inv == 1 ? "65" : "43") : (rn->inv == 1 ? "6" : "64");
        if (seventh && strcmp(suf, "7") == 0)
            suf = "";
    }
    char target[8] = "";
    if (rn->has_target)
        snprintf(target, sizeof target, "/%s%s",
                 rn->tacc < 0 ? "b" : rn->tacc > 0 ? "#" : "",
                 (rn->tupper ? NUMERAL_UP : NUMERAL_LO)[rn->tdeg]);
    snprintf(buf, n, "%s%s%s%s%s", acc, num, suf, fig, target);
}

int cmp_nearest(int target, uint16_t mask, int lo, int hi, int dir)
{
    if (!mask || lo > hi)
        return -1;
    if (target < lo)
        target = lo;
    if (target > hi)
        target = hi;
    for (int d = 0; d <= hi - lo; d++) {
        int a = dir >= 0 ? target + d : target - d;
        int b = dir >= 0 ? target - d : target + d;
        if (a >= lo && a <= hi && cmp_in(mask, a))
            return a;
        if (b >= lo && b <= hi && cmp_in(mask, b))
            return b;
    }
    return -1;
}
