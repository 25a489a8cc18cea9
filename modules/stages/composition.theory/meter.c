/*
 * meter.c - the rhythmic grid: a bar as pulse groups on a 16th-note grid.
 *
 * Everything rhythmic in the module (chord changes, comping, bass and
 * melody rhythms) is placed on 16th steps of ppq/4 ticks and grouped into
 * the beats a musician counts:
 *
 *   x/4, x/2, x/1   quarter-note groups of 4 steps (2/2 counts as 4/4)
 *   6/8, 9/8, 12/8  compound: dotted-quarter groups of 6 steps
 *   5/8, 7/8, ...   one dotted group first, then quarter groups (3+2+2)
 *   x/16            groups of 4 steps, a shorter remainder group last
 *
 * Metric levels: 3 = the downbeat, 2 = the strong mid-bar beat (group n/2
 * of an even number of groups, (n+1)/2 of five or more: beat 3 of 4/4,
 * beat 2 of 6/8, beat 4 of 5/4; none in 3/4, 9/8 or 7/8), 1 = other beats,
 * 0 = off the beat. "Strong beat" in this module and its tests means
 * level >= 2.
 */
#include "cmp.h"

void cmp_meter_init(cmp_meter *m, uint32_t ppq, int num, int den)
{
    int steps = num * 16 / den;
    int len[CMP_MAX_GROUPS], n = 0;
    m->step_ticks = ppq / 4;
    m->steps_per_bar = steps;
    m->bar_ticks = (uint32_t)steps * m->step_ticks;
    if (den == 8 && num % 3 == 0) {
        for (int i = 0; i < num / 3 && n < CMP_MAX_GROUPS; i++)
            len[n++] = 6;
    } else if (den == 8) {
        int left = steps;
        if (num % 2) {
            len[n++] = 6;
            left -= 6;
        }
        while (left > 0 && n < CMP_MAX_GROUPS) {
            len[n++] = left >= 4 ? 4 : left;
            left -= 4;
        }
    } else {
        int left = steps;
        while (left > 0 && n < CMP_MAX_GROUPS) {
            int l = left >= 4 ? 4 : left;
            if (left - l == 1) /* no 1-step group: 5 steps at the end */
                l = left;
            len[n++] = l;
            left -= l;
        }
    }
    int pos = 0;
    int mid = n % 2 == 0 ? n / 2 : n >= 5 ? (n + 1) / 2 : -1;
    for (int i = 0; i < n; i++) {
        m->g[i].step = (uint16_t)pos;
        m->g[i].len = (uint16_t)len[i];
        m->g[i].level = i == 0 ? 3 : 1;
        pos += len[i];
    }
    if (mid > 0)
        m->g[mid].level = 2;
    m->n_groups = n;
}

int cmp_meter_group_at(const cmp_meter *m, int step)
{
    for (int i = m->n_groups - 1; i >= 0; i--)
        if (step >= m->g[i].step)
            return i;
    return 0;
}

int cmp_meter_level(const cmp_meter *m, int step)
{
    int g = cmp_meter_group_at(m, step);
    return m->g[g].step == step ? m->g[g].level : 0;
}
