/*
 * drums.c - drum kit and percussion: genre grooves, fills, crashes, builds.
 *
 * A groove is a set of lines, one GM percussion note each, written on a
 * sixteenth-note grid ('X' accent, 'x' hit, 'o' ghost, '.' rest) with the
 * range of section drum levels it plays at (1 light, 2 groove, 3 full).
 * Genres have hand-written one- or two-bar patterns in 4/4 (and 2/2);
 * every other meter gets a groove built from its beats (waltz, 6/8, 12/8,
 * 5/4, 7/8 ...), flavoured by the genre (four-on-the-floor, half-time,
 * one-drop, ride).
 *
 * On top: a fill in the last beat or two of a section that leads into
 * another drummed section, a crash with the kick on section downbeats (and
 * every 8 bars in long full sections), snare rolls through builds (kick out
 * in the last bar before a drop in dance music) and trap hi-hat rolls.
 * Everything lands on CZ_DRUM_CHANNEL with GM note numbers only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"

enum {
    KICK = 36, RIM = 37, SNARE = 38, CLAP = 39, HAT = 42, PEDAL = 44,
    OHAT = 46, CRASH = 49, RIDE = 51, TAMB = 54, COWBELL = 56,
    CONGA_MUTE = 62, CONGA_HI = 63, CONGA_LO = 64, MARACAS = 70,
    TOM_LO_FLOOR = 41, TOM_HI_FLOOR = 43, TOM_LO = 45, TOM_LO_MID = 47,
    TOM_HI_MID = 48, TOM_HI = 50
};

typedef struct drum_line {
    uint8_t note, lo, hi;
    const char *pat;
} drum_line;

typedef struct groove_def {
    uint8_t steps; /* 16 (one bar) or 32 (two bars) */
    drum_line l[7];
} groove_def;

static const groove_def grooves[GRV_COUNT] = {
    [GRV_POP] = {16, {{KICK, 1, 1, "x.......x......."},
                      {KICK, 2, 3, "x......x..x....."},
                      {SNARE, 2, 3, "....x.......x..."},
                      {CLAP, 3, 3, "....x.......x..."},
                      {HAT, 1, 3, "x.x.x.x.x.x.x.x."},
                      {OHAT, 3, 3, "..............x."}}},
    [GRV_ROCK] = {16, {{KICK, 1, 3, "x.......x.x....."},
                       {RIM, 1, 1, "....o.......o..."},
                       {SNARE, 2, 3, "....X.......X..."},
                       {HAT, 1, 2, "x.x.x.x.x.x.x.x."},
                       {RIDE, 3, 3, "x.x.x.x.x.x.x.x."}}},
    [GRV_METAL] = {16, {{KICK, 1, 1, "x.......x......."},
                        {KICK, 2, 2, "x.x.x.x.x.x.x.x."},
                        {KICK, 3, 3, "xxxxxxxxxxxxxxxx"},
                        {SNARE, 1, 3, "....X.......X..."},
                        {HAT, 1, 2, "x.x.x.x.x.x.x.x."},
                        {RIDE, 3, 3, "x...x...x...x..."}}},
    [GRV_HOUSE] = {16, {{KICK, 1, 3, "X...X...X...X..."},
                        {CLAP, 2, 3, "....x.......x..."},
                        {HAT, 1, 2, "..x...x...x...x."},
                        {HAT, 3, 3, "oooooooooooooooo"},
                        {OHAT, 3, 3, "..x...x...x...x."}}},
    [GRV_TECHNO] = {16, {{KICK, 1, 3, "X...X...X...X..."},
                         {CLAP, 3, 3, "....x.......x..."},
                         {RIM, 2, 3, "...o..o....o..o."},
                         {HAT, 1, 1, "..x...x...x...x."},
                         {HAT, 2, 3, "ooxoooxoooxoooxo"},
                         {OHAT, 3, 3, "..x...x...x...x."}}},
    [GRV_TRANCE] = {16, {{KICK, 1, 3, "X...X...X...X..."},
                         {CLAP, 2, 3, "....x.......x..."},
                         {HAT, 1, 2, "..x...x...x...x."},
                         {HAT, 3, 3, "oooooooooooooooo"},
                         {OHAT, 3, 3, "..x...x...x...x."}}},
    [GRV_DISCO] = {16, {{KICK, 1, 3, "x...x...x...x..."},
                        {SNARE, 2, 3, "....x.......x..."},
                        {HAT, 1, 1, "x.x.x.x.x.x.x.x."},
                        {HAT, 2, 3, "x.o.x.o.x.o.x.o."},
                        {OHAT, 2, 3, "..x...x...x...x."}}},
    [GRV_BOOMBAP] = {32, {{KICK, 1, 3, "x.........x.....x......x..x....."},
                          {RIM, 1, 1, "....o.......o.......o.......o..."},
                          {SNARE, 2, 3, "....x.......x.......x.......x..."},
                          {HAT, 1, 3, "x.x.x.xox.x.x.x.x.x.x.xox.x.x.xo"}}},
    [GRV_LOFI] = {32, {{KICK, 1, 3, "x.........x.......x.....x.x....."},
                       {RIM, 1, 1, "....x.......x.......x.......x..."},
                       {SNARE, 2, 3, "....x.......x.......x.......x..."},
                       {HAT, 1, 3, "x.x.x.x.x.x.x.xox.x.x.x.x.x.x.x."}}},
    [GRV_TRAP] = {32, {{KICK, 1, 3, "x......x..x.....x.x.......x....."},
                       {CLAP, 2, 3, "........x...............x......."},
                       {SNARE, 3, 3, "........x...............x......."},
                       {HAT, 1, 3, "x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x."},
                       {OHAT, 3, 3, "..............................x."}}},
    [GRV_DNB] = {32, {{KICK, 1, 3, "x.........x.......x.......x....."},
                      {SNARE, 2, 3, "....X.......X.......X.......X..."},
                      {SNARE, 3, 3, ".......o.o.............o.o......"},
                      {HAT, 1, 2, "x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x."},
                      {RIDE, 3, 3, "x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x."}}},
    [GRV_ONEDROP] = {16, {{KICK, 1, 3, "........x......."},
                          {RIM, 1, 3, "........x......."},
                          {HAT, 1, 3, "x.x.x.x.x.x.x.x."},
                          {OHAT, 3, 3, "......x........."}}},
    [GRV_JAZZ] = {16, {{RIDE, 1, 3, "x...x.x.x...x.x."},
                       {PEDAL, 1, 3, "....x.......x..."},
                       {KICK, 2, 3, "o...o...o...o..."},
                       {SNARE, 3, 3, "......o.......o."}}},
    [GRV_FUNK] = {16, {{KICK, 1, 3, "x.....x...x..x.."},
                       {RIM, 1, 1, "....x.......x..."},
                       {SNARE, 2, 3, "....X..o.o..X..o"},
                       {HAT, 1, 3, "xoxoxoxoxoxoxoxo"},
                       {OHAT, 3, 3, "..............x."}}},
    [GRV_RNB] = {16, {{KICK, 1, 3, "x......x..x....."},
                      {RIM, 1, 1, "....x.......x..."},
                      {SNARE, 2, 3, "....x.......x..."},
                      {SNARE, 3, 3, "..o......o....o."},
                      {HAT, 1, 3, "x.x.x.xox.x.x.xo"}}},
    [GRV_SHUFFLE] = {16, {{KICK, 1, 3, "x.......x......."},
                          {SNARE, 2, 3, "....x.......x..."},
                          {HAT, 1, 2, "x.x.x.x.x.x.x.x."},
                          {RIDE, 3, 3, "x.x.x.x.x.x.x.x."}}},
    [GRV_SYNTHWAVE] = {16, {{KICK, 1, 2, "x.......x.x....."},
                            {KICK, 3, 3, "x...x...x...x..."},
                            {SNARE, 2, 3, "....X.......X..."},
                            {HAT, 1, 2, "x.x.x.x.x.x.x.x."},
                            {HAT, 3, 3, "xoxoxoxoxoxoxoxo"}}},
    [GRV_AMBIENT] = {16, {{KICK, 1, 3, "o..............."},
                          {RIM, 2, 3, "........o......."},
                          {HAT, 1, 3, "..o...o...o...o."}}},
    [GRV_CINEMATIC] = {16, {{KICK, 1, 3, "x.......x......."},
                            {TOM_LO_FLOOR, 2, 3, "......o.......o."},
                            {SNARE, 3, 3, "........X......."},
                            {TOM_LO_MID, 3, 3, "...........o.o.."}}},
    [GRV_BOSSA] = {16, {{KICK, 1, 1, "x.......x......."},
                        {KICK, 2, 3, "x..xx..xx..xx..x"},
                        {RIM, 1, 3, "x..x..x...x..x.."},
                        {HAT, 1, 3, "x.x.x.x.x.x.x.x."}}},
    [GRV_DUBSTEP] = {32, {{KICK, 1, 3, "x.........x.....x.....x........."},
                          {SNARE, 2, 3, "........X...............X......."},
                          {CLAP, 3, 3, "........x...............x......."},
                          {HAT, 1, 2, "x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x."},
                          {HAT, 3, 3, "xoxoxoxoxoxoxoxoxoxoxoxoxoxoxoxo"}}},
    [GRV_FOLK] = {16, {{KICK, 1, 3, "x.......x......."},
                       {RIM, 1, 1, "....x.......x..."},
                       {SNARE, 2, 3, "....x.......x..."},
                       {HAT, 1, 3, "x.x.x.x.x.x.x.x."}}},
};

typedef struct perc_def {
    drum_line l[4];
} perc_def;

static const perc_def percs[] = {
    [PERC_TAMB] = {{{MARACAS, 2, 3, "oxoxoxoxoxoxoxox"},
                    {TAMB, 3, 3, "....x.......x..."}}},
    [PERC_CONGA] = {{{CONGA_LO, 2, 3, "x.......x.....x."},
                     {CONGA_HI, 2, 3, "...x..x....x.x.."},
                     {CONGA_MUTE, 3, 3, "......o.......o."},
                     {MARACAS, 3, 3, "oxoxoxoxoxoxoxox"}}},
    [PERC_SHAKER] = {{{MARACAS, 2, 3, "oxoxoxoxoxoxoxox"}}},
    [PERC_COWBELL] = {{{COWBELL, 3, 3, "x...x...x...x..."},
                       {CONGA_HI, 2, 3, "..x..x....x..x.."},
                       {MARACAS, 2, 3, "oxoxoxoxoxoxoxox"}}},
};

/* A groove as used at run time: pattern text for this meter. */
typedef struct rt_line {
    uint8_t note, lo, hi;
    char *pat; /* steps chars */
} rt_line;

typedef struct rt_groove {
    uint32_t steps;     /* pattern length (one or two bars) */
    uint32_t bar_steps; /* sixteenths per bar */
    rt_line l[10];
    uint32_t n;
    char *buf;
} rt_groove;

static int rt_init(rt_groove *g, uint32_t bar_steps, uint32_t steps,
                   uint32_t lines)
{
    memset(g, 0, sizeof *g);
    g->bar_steps = bar_steps;
    g->steps = steps;
    g->buf = calloc((size_t)lines, (size_t)steps + 1);
    if (!g->buf)
        return CZ_ENOMEM;
    for (uint32_t i = 0; i < lines; i++) {
        g->l[i].pat = g->buf + (size_t)i * (steps + 1);
        memset(g->l[i].pat, '.', steps);
    }
    return 0;
}

static rt_line *rt_line_add(rt_groove *g, uint8_t note, uint8_t lo,
                            uint8_t hi)
{
    rt_line *l = &g->l[g->n++];
    l->note = note;
    l->lo = lo;
    l->hi = hi;
    return l;
}

/* Copy hand-written patterns (4/4 grooves, percussion). */
static int rt_from_lines(rt_groove *g, uint32_t bar_steps, uint32_t steps,
                         const drum_line *src, uint32_t max)
{
    int rc = rt_init(g, bar_steps, steps, max);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < max && src[i].pat; i++) {
        rt_line *l = rt_line_add(g, src[i].note, src[i].lo, src[i].hi);
        memcpy(l->pat, src[i].pat, steps);
    }
    return 0;
}

static int four_floor(groove_id id)
{
    return id == GRV_HOUSE || id == GRV_TECHNO || id == GRV_TRANCE ||
           id == GRV_DISCO;
}

/* Beat onsets (in sixteenths) of one bar of this meter. */
static uint32_t beat_steps(const arr_ctx *c, uint32_t bar_steps,
                           uint32_t *out, uint32_t max)
{
    uint32_t n = 0;
    if (c->compound) {
        for (uint32_t s = 0; s < bar_steps && n < max; s += 6)
            out[n++] = s;
    } else if (c->mat->meter_den == 8) {
        /* eighths grouped 2+2+...+3 (5/8 = 2+3, 7/8 = 2+2+3) */
        uint32_t eighths = bar_steps / 2, s = 0;
        while (s < eighths && n < max) {
            out[n++] = s * 2;
            s += (eighths - s == 3) ? 3 : 2;
        }
    } else {
        for (uint32_t s = 0; s < bar_steps && n < max; s += 4)
            out[n++] = s;
    }
    if (!n)
        out[n++] = 0;
    return n;
}

/* A groove for a meter without hand-written patterns. */
static int rt_generic(const arr_ctx *c, rt_groove *g, uint32_t bar_steps)
{
    int rc = rt_init(g, bar_steps, bar_steps, 8);
    if (rc)
        return rc;
    groove_id id = c->genre->groove;
    uint32_t beats[64];
    uint32_t nb = beat_steps(c, bar_steps, beats, 64);
    uint32_t mid = nb / 2; /* the bar's second strong beat */
    int waltz = !c->compound && nb == 3;
    int half = id == GRV_TRAP || id == GRV_CINEMATIC || id == GRV_DUBSTEP;
    int onedrop = id == GRV_ONEDROP;
    int jazz = id == GRV_JAZZ;
    uint8_t back = (id == GRV_HOUSE || id == GRV_TRANCE || id == GRV_TECHNO ||
                    id == GRV_TRAP) ? CLAP : SNARE;

    rt_line *kick = rt_line_add(g, KICK, 1, 3);
    rt_line *kick2 = rt_line_add(g, KICK, 2, 3);
    rt_line *snare = rt_line_add(g, back, 2, 3);
    rt_line *rim = rt_line_add(g, RIM, 1, 1);
    rt_line *hat1 = rt_line_add(g, jazz ? RIDE : HAT, 1, 1);
    rt_line *hat = rt_line_add(g, jazz ? RIDE : HAT, 2, 3);
    rt_line *ohat = rt_line_add(g, jazz ? PEDAL : OHAT, jazz ? 1 : 3, 3);

    for (uint32_t b = 0; b < nb; b++) {
        uint32_t s = beats[b];
        if (four_floor(id))
            kick->pat[s] = 'x';
        if (onedrop) {
            if (b == mid && nb > 1) {
                kick->pat[s] = 'x';
                rim->pat[s] = 'x';
                rim->hi = 3;
            }
            continue;
        }
        if (b == 0)
            kick->pat[s] = jazz ? 'o' : 'x';
        else if (b == mid && nb >= 4 && !half)
            kick2->pat[s] = 'x';
        if (waltz && b > 0) {
            snare->pat[s] = 'o';
            rim->pat[s] = 'o';
        } else if (half ? (b == mid && nb > 1) : (b % 2 == 1)) {
            snare->pat[s] = jazz ? 'o' : 'x';
            rim->pat[s] = 'o';
        }
        if (jazz && b % 2 == 1)
            ohat->pat[s] = 'x'; /* pedal hat on the off beats */
    }
    /* hats on every eighth, accented on the beat */
    for (uint32_t s = 0; s < bar_steps; s += 2) {
        int on = 0;
        for (uint32_t b = 0; b < nb; b++)
            on |= beats[b] == s;
        if (jazz && !on && !(c->compound))
            continue;
        hat->pat[s] = on ? 'x' : 'o';
        if (on)
            hat1->pat[s] = 'x'; /* light: the beats only */
    }
    if (!jazz && bar_steps >= 4)
        ohat->pat[bar_steps - 2] = 'x';
    return 0;
}

static void rt_free(rt_groove *g)
{
    free(g->buf);
    g->buf = NULL;
}

static int vel_of(char ch)
{
    return ch == 'X' ? 118 : ch == 'x' ? 96 : 54;
}

static uint8_t flags_of(char ch)
{
    return ch == 'X' ? CZ_NOTE_ACCENT : ch == 'o' ? CZ_NOTE_GHOST : 0;
}

static int is_hand(uint8_t note)
{
    return note == HAT || note == OHAT || note == RIDE;
}

static int add_hit(arr_ctx *c, arr_part *p, uint32_t tick, uint8_t note,
                   int vel, uint8_t flags)
{
    if (tick >= c->total)
        return 0;
    uint32_t len = c->step;
    if (note == CRASH || note == OHAT)
        len = c->ppq;
    return arr_part_add(p, tick, len, note, vel, flags);
}

/* Play the groove's lines for one bar at `level`, skipping steps >= cut
 * (where a fill takes over) except for the kick when keep_kick. */
static int play_bar(arr_ctx *c, arr_part *p, const rt_groove *g, uint32_t bar,
                    uint32_t bar_index, int level, uint32_t cut, int keep_kick,
                    uint64_t skip_hands, int no_kick, int no_back)
{
    uint32_t bars_in = g->steps / g->bar_steps;
    uint32_t base = (bar_index % (bars_in ? bars_in : 1)) * g->bar_steps;
    for (uint32_t i = 0; i < g->n; i++) {
        const rt_line *l = &g->l[i];
        if (level < l->lo || level > l->hi)
            continue;
        if (no_kick && l->note == KICK)
            continue;
        if (no_back && (l->note == SNARE || l->note == CLAP || l->note == RIM))
            continue;
        for (uint32_t s = 0; s < g->bar_steps; s++) {
            char ch = l->pat[base + s];
            if (ch == '.')
                continue;
            if (s >= cut && !(keep_kick && l->note == KICK))
                continue;
            if (is_hand(l->note) && s < 64 && (skip_hands >> s & 1))
                continue;
            /* open hat replaces the closed hat on its step */
            if (l->note == HAT) {
                int open = 0;
                for (uint32_t k = 0; k < g->n; k++)
                    if (g->l[k].note == OHAT && level >= g->l[k].lo &&
                        level <= g->l[k].hi && g->l[k].pat[base + s] != '.')
                        open = 1;
                if (open)
                    continue;
            }
            uint32_t t = arr_swing(c, bar + s * c->step);
            int rc = add_hit(c, p, t, l->note, vel_of(ch), flags_of(ch));
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* A fill over [start, end): the genre's kind, crescendo into the next
 * section. */
static int play_fill(arr_ctx *c, arr_part *p, uint32_t start, uint32_t end,
                     cz_rng *r)
{
    static const uint8_t toms[] = {TOM_HI, TOM_HI_MID, TOM_LO_MID, TOM_LO,
                                   TOM_HI_FLOOR, TOM_LO_FLOOR};
    fill_style st = c->genre->fill;
    uint32_t span = end - start;
    uint32_t dt = c->compound ? 2 * c->step : c->step;
    if (st == FILL_JAZZ)
        dt = c->ppq / 3 ? c->ppq / 3 : 1;
    else if (st == FILL_TRAP)
        dt = c->step / 2 ? c->step / 2 : 1;
    else if (st == FILL_SOFT)
        dt = c->ppq / 2 ? c->ppq / 2 : 1;
    uint32_t n = span / dt;
    if (!n)
        return 0;
    int variant = (int)cz_rng_below(r, 3);
    for (uint32_t j = 0; j < n; j++) {
        uint32_t t = start + j * dt;
        int vel = 70 + (int)(40 * j / (n > 1 ? n - 1 : 1));
        uint8_t note;
        switch (st) {
        case FILL_SNARE:
            note = c->genre->groove == GRV_HOUSE ? CLAP : SNARE;
            break;
        case FILL_TRAP:
            note = j + 1 == n ? SNARE : HAT;
            break;
        case FILL_JAZZ:
            if (cz_rng_chance(r, 0.4))
                continue;
            note = j + 1 == n ? TOM_LO : SNARE;
            vel -= 20;
            break;
        case FILL_SOFT:
            note = j + 1 == n ? TOM_LO : (j % 2 ? SNARE : RIM);
            vel -= 15;
            break;
        default: /* toms */
            if (variant == 0)
                note = toms[j * 6 / n];
            else if (variant == 1)
                note = j < n / 2 ? SNARE : toms[2 + (j - n / 2) * 4 / (n - n / 2)];
            else
                note = j % 2 ? toms[j * 6 / n] : SNARE;
            break;
        }
        int rc = add_hit(c, p, st == FILL_JAZZ ? t : arr_swing(c, t), note,
                         vel, 0);
        if (rc)
            return rc;
    }
    return 0;
}

/* Snare roll through a build: quarters, eighths, then sixteenths in the
 * last bar, rising from soft to loud. */
static int play_build_roll(arr_ctx *c, arr_part *p, const arr_item *it,
                           uint32_t b)
{
    uint32_t sec0 = it->start_bar * c->tpb;
    uint32_t span = it->bars * c->tpb;
    uint32_t bar = sec0 + b * c->tpb;
    uint32_t dt = b + 1 == it->bars ? c->step
                  : 2 * b >= it->bars ? 2 * c->step : 4 * c->step;
    if (c->compound && dt == 4 * c->step)
        dt = 6 * c->step;
    uint8_t note = c->genre->groove == GRV_HOUSE || c->genre->groove ==
                   GRV_TRANCE ? CLAP : SNARE;
    for (uint32_t t = bar; t < bar + c->tpb; t += dt) {
        int vel = 40 + (int)(80.0 * (t - sec0) / span);
        int rc = add_hit(c, p, t, note, vel, 0);
        if (rc)
            return rc;
    }
    return 0;
}

/* Trap: one beat of the bar's hats becomes a roll (32nds or triplets). */
static int trap_roll(arr_ctx *c, arr_part *p, uint32_t start, cz_rng *r)
{
    uint32_t div = cz_rng_below(r, 2) ? 8 : 6; /* 32nds or 16th triplets */
    uint32_t dt = c->ppq / div ? c->ppq / div : 1;
    for (uint32_t j = 0; j < div; j++) {
        int rc = add_hit(c, p, start + j * dt, HAT, 60 + (int)(j * 40 / div),
                         0);
        if (rc)
            return rc;
    }
    return 0;
}

static int drums_section(arr_ctx *c, arr_part *p, const rt_groove *g,
                         uint32_t idx, cz_rng *r)
{
    const arr_item *it = &c->items[idx];
    const arr_item *next = idx + 1 < c->n_items ? &c->items[idx + 1] : NULL;
    int lvl = it->plan.drums;
    if (!lvl)
        return 0;
    int build = it->type == SEC_BUILD;
    int next_peak = next && (next->type == SEC_CHORUS || next->type == SEC_DROP);
    for (uint32_t b = 0; b < it->bars; b++) {
        uint32_t bar = (it->start_bar + b) * c->tpb;
        int last = b + 1 == it->bars;
        int fill = c->opt.fills && last && next && next->plan.drums > 0 &&
                   !build && (it->bars >= 2 || next_peak);
        uint32_t cut = g->bar_steps;
        if (fill) {
            uint32_t beat_st = c->beat / c->step;
            uint32_t fs = beat_st * ((next_peak || lvl >= 3) ? 2 : 1);
            if (fs > g->bar_steps / 2)
                fs = g->bar_steps / 2 ? g->bar_steps / 2 : 1;
            cut = g->bar_steps - fs;
        }
        int crash = c->opt.crashes && lvl >= 2 && b % 8 == 0 &&
                    (b > 0 ? lvl >= 3 : (idx > 0 || it->type == SEC_CHORUS ||
                                         it->type == SEC_DROP));
        /* trap hi-hat roll on one beat of some bars */
        uint64_t skip = crash ? 1 : 0;
        uint32_t roll_at = UINT32_MAX;
        if (c->genre->groove == GRV_TRAP && lvl >= 2 && !build &&
            cz_rng_chance(r, 0.5)) {
            uint32_t beat_st = c->beat / c->step;
            uint32_t nb = cut / (beat_st ? beat_st : 1);
            if (nb > 1) {
                uint32_t k = 1 + cz_rng_below(r, nb - 1);
                roll_at = k * beat_st;
                for (uint32_t s = roll_at; s < roll_at + beat_st && s < 64; s++)
                    skip |= 1ull << s;
            }
        }
        int no_kick = build && c->genre->edm && last && it->bars >= 2;
        int rc = play_bar(c, p, g, bar, b, build && lvl > 2 ? 2 : lvl, cut,
                          c->genre->fill == FILL_SNARE, skip, no_kick, build);
        if (!rc && build)
            rc = play_build_roll(c, p, it, b);
        if (!rc && roll_at != UINT32_MAX)
            rc = trap_roll(c, p, bar + roll_at * c->step, r);
        if (!rc && fill)
            rc = play_fill(c, p, bar + cut * c->step, bar + c->tpb, r);
        if (!rc && crash) {
            rc = add_hit(c, p, bar, CRASH, 110, CZ_NOTE_ACCENT);
            if (!rc)
                rc = add_hit(c, p, bar, KICK, 110, CZ_NOTE_ACCENT);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int perc_section(arr_ctx *c, arr_part *p, const rt_groove *g,
                        uint32_t idx)
{
    const arr_item *it = &c->items[idx];
    if (!it->plan.perc || !it->plan.drums)
        return 0;
    int lvl = it->plan.drums < 2 ? 2 : it->plan.drums;
    for (uint32_t b = 0; b < it->bars; b++) {
        int rc = play_bar(c, p, g, (it->start_bar + b) * c->tpb, b, lvl,
                          g->bar_steps, 0, 0, 0, 0);
        if (rc)
            return rc;
    }
    return 0;
}

static int perc_generic(const arr_ctx *c, rt_groove *g, uint32_t bar_steps)
{
    int rc = rt_init(g, bar_steps, bar_steps, 2);
    if (rc)
        return rc;
    uint32_t beats[64];
    uint32_t nb = beat_steps(c, bar_steps, beats, 64);
    rt_line *sh = rt_line_add(g, MARACAS, 2, 3);
    rt_line *tb = rt_line_add(g, TAMB, 3, 3);
    for (uint32_t s = 0; s < bar_steps; s += 2)
        sh->pat[s] = 'o';
    for (uint32_t b = 0; b < nb; b++) {
        sh->pat[beats[b]] = 'x';
        if (b % 2 == 1 || (nb == 3 && b > 0))
            tb->pat[beats[b]] = 'x';
    }
    return 0;
}

int arr_drums(arr_ctx *c, arr_part *drums, arr_part *perc)
{
    uint32_t bar_steps = c->tpb / c->step;
    if (!bar_steps)
        return 0;
    int four4 = bar_steps == 16 && !c->compound;
    int rc = 0;
    if (drums) {
        rt_groove g;
        const groove_def *d = &grooves[c->genre->groove];
        rc = four4 ? rt_from_lines(&g, 16, d->steps, d->l, 7)
                   : rt_generic(c, &g, bar_steps);
        if (rc)
            return rc;
        cz_rng r;
        cz_rng_init(&r, c->seed, "arrangement.drums");
        for (uint32_t i = 0; i < c->n_items && !rc; i++)
            rc = drums_section(c, drums, &g, i, &r);
        rt_free(&g);
        arr_part_sort(drums);
    }
    if (perc && !rc) {
        rt_groove g;
        rc = four4 ? rt_from_lines(&g, 16, 16, percs[c->genre->perc].l, 4)
                   : perc_generic(c, &g, bar_steps);
        if (rc)
            return rc;
        for (uint32_t i = 0; i < c->n_items && !rc; i++)
            rc = perc_section(c, perc, &g, i);
        rt_free(&g);
        arr_part_sort(perc);
    }
    return rc;
}
