/*
 * text.c - from prompt bytes to word tokens, safely.
 *
 * The prompt is arbitrary bytes: it may be empty, 10 KB of text, contain
 * invalid UTF-8, emoji or accents. The splitter walks it one code point at
 * a time and never cuts a UTF-8 sequence:
 *
 *   - ASCII letters and digits make words, lower-cased.
 *   - Apostrophes (' and U+2019) vanish, so "drum 'n' bass" reads
 *     "drum n bass" and "90's" reads "90s".
 *   - '-', '/', '.', ':' stay inside numbers ("90-100", "4/4", "92.5",
 *     "3:30") and split words otherwise ("lo-fi" -> "lo fi").
 *   - '&' stays inside a short word ("r&b", "d&b") and reads "and" alone.
 *   - '#', U+266F (sharp) and U+266D (flat) after a note letter make
 *     "f#", "bb".
 *   - Latin-1 accented letters fold to ASCII ("café" -> "cafe"); other
 *     letters (Greek, CJK, ...) are kept whole inside words.
 *   - Some emoji read as words (a piano emoji is "piano"); other symbols
 *     separate words.
 *   - Invalid bytes separate words and are counted.
 *   - Punctuation and line breaks set ID_TOK_BREAK on the next word, so a
 *     negation's scope ("no drums, just piano") ends there.
 */
#include <stdlib.h>
#include <string.h>

#include "ideation.h"

/* ---- UTF-8 --------------------------------------------------------------- */

/* Length of the valid sequence at s (1..4) and its code point; 0 when the
 * bytes there are not valid UTF-8 (stray continuation, overlong, surrogate,
 * above U+10FFFF, or cut short). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        v = v << 6 | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

char *id_utf8_clean(const char *s, size_t len)
{
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t l = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (l == 0) {
            memcpy(out + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i++;
        } else {
            memcpy(out + k, s + i, l);
            k += l;
            i += l;
        }
    }
    out[k] = 0;
    return out;
}

size_t id_utf8_prefix(const char *s, size_t len, size_t cap)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t l = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (l == 0)
            l = 1; /* an invalid byte is one unit: never joined */
        if (i + l > cap)
            break;
        i += l;
    }
    return i;
}

void id_copy(char *dst, size_t cap, const char *s, size_t len)
{
    if (!cap)
        return;
    size_t n = id_utf8_prefix(s, len, cap - 1);
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* ---- emoji that read as words ----------------------------------------- */

typedef struct emoji_word {
    uint32_t cp;
    const char *words;
} emoji_word;

static const emoji_word emoji_words[] = {
    {0x1F3B9, "piano"},     {0x1F3B8, "guitar"},     {0x1F941, "drums"},
    {0x1F3B7, "saxophone"}, {0x1F3BA, "trumpet"},    {0x1F3BB, "violin"},
    {0x1FA95, "banjo"},     {0x1FA97, "accordion"},  {0x1F3A4, "vocals"},
    {0x1FA98, "drums"},     {0x1F514, "bells"},      {0x1FA88, "flute"},
    {0x1F622, "sad"},       {0x1F62D, "sad"},        {0x1F494, "heartbroken"},
    {0x1F614, "sad"},       {0x1F60A, "happy"},      {0x1F600, "happy"},
    {0x1F604, "happy"},     {0x1F601, "happy"},      {0x1F642, "happy"},
    {0x2600, "sunny"},      {0x1F31E, "sunny"},      {0x1F525, "energetic"},
    {0x26A1, "energetic"},  {0x1F60E, "chill"},      {0x1F319, "night"},
    {0x1F303, "night"},     {0x2764, "romantic"},    {0x1F495, "romantic"},
    {0x1F60D, "romantic"},  {0x1F498, "romantic"},   {0x1F47B, "spooky"},
    {0x1F480, "dark"},      {0x1F608, "dark"},       {0x1F697, "driving"},
    {0x1F3CE, "driving"},   {0x1F3CB, "workout"},    {0x1F4AA, "workout"},
    {0x1F3C3, "running"},   {0x1F4DA, "studying"},   {0x1F4D6, "studying"},
    {0x1F634, "sleep"},     {0x1F4A4, "sleep"},      {0x1F3AE, "video game"},
    {0x1F579, "video game"}, {0x1F389, "party"},     {0x1F973, "party"},
    {0x1F483, "dance"},     {0x1F57A, "dance"},      {0x1F30C, "dreamy"},
    {0x2728, "dreamy"},     {0x1F680, "epic"},       {0x2694, "epic"},
    {0x1F409, "epic"},      {0x1F920, "country"},    {0x1F384, "christmas"},
    {0x1F621, "angry"},     {0x1F620, "angry"},      {0x1F631, "tense"},
    {0x1F630, "tense"},     {0x1F9D8, "meditation"}, {0x2615, "cafe"},
    {0x1F3AC, "film"},      {0x1F3A5, "film"},       {0x1F52E, "mysterious"},
    {0x1F60C, "peaceful"},  {0x1F54A, "peaceful"},   {0x1F334, "tropical"},
    {0x1F30A, "ocean waves"}, {0x1F327, "rainy"},    {0x2614, "rainy"},
};

static const char *emoji_lookup(uint32_t cp)
{
    for (size_t i = 0; i < sizeof emoji_words / sizeof emoji_words[0]; i++)
        if (emoji_words[i].cp == cp)
            return emoji_words[i].words;
    return NULL;
}

/* Latin-1 letters folded to ASCII (lower case); NULL for other code points. */
static const char *fold_latin1(uint32_t cp)
{
    static const char *const tab[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", /* C0-C7 */
        "e", "e", "e", "e", "i", "i", "i", "i",  /* C8-CF */
        "d", "n", "o", "o", "o", "o", "o", NULL, /* D0-D7 (D7 = ×) */
        "o", "u", "u", "u", "u", "y", "th", "ss", /* D8-DF */
        "a", "a", "a", "a", "a", "a", "ae", "c", /* E0-E7 */
        "e", "e", "e", "e", "i", "i", "i", "i",  /* E8-EF */
        "d", "n", "o", "o", "o", "o", "o", NULL, /* F0-F7 (F7 = ÷) */
        "o", "u", "u", "u", "u", "y", "th", "y", /* F8-FF */
    };
    if (cp >= 0xC0 && cp <= 0xFF)
        return tab[cp - 0xC0];
    if (cp == 0x152 || cp == 0x153)
        return "oe";
    return NULL;
}

/* Code points that separate words (symbols, punctuation, spaces). */
static int is_separator_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
           (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x2E00 && cp <= 0x2E7F) ||
           (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
           (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0x1F000 && cp <= 0x1FAFF);
}

/* Code points that vanish (joiners, variation selectors, skin tones). */
static int is_invisible_cp(uint32_t cp)
{
    return cp == 0x200D || cp == 0x200C || cp == 0xFE0F || cp == 0xFE0E ||
           cp == 0x00AD || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
           cp == 0x20E3;
}

/* ---- the splitter ------------------------------------------------------- */

typedef struct splitter {
    id_text *t;
    size_t cur_start;   /* offset of the current word in buf, or SIZE_MAX */
    size_t cur_off;     /* prompt offset of its first byte */
    size_t cur_end;     /* prompt offset after its last byte */
    unsigned cur_flags;
    unsigned pending;   /* flags for the next word (ID_TOK_BREAK) */
    int oom;
} splitter;

static int buf_put(id_text *t, const char *s, size_t n)
{
    if (t->buf_len + n + 1 > t->buf_cap) {
        size_t cap = t->buf_cap ? t->buf_cap : 256;
        while (t->buf_len + n + 1 > cap)
            cap *= 2;
        char *b = realloc(t->buf, cap);
        if (!b)
            return CZ_ENOMEM;
        t->buf = b;
        t->buf_cap = cap;
    }
    memcpy(t->buf + t->buf_len, s, n);
    t->buf_len += n;
    return 0;
}

static void word_start(splitter *sp, size_t off)
{
    if (sp->cur_start != SIZE_MAX)
        return;
    sp->cur_start = sp->t->buf_len;
    sp->cur_off = off;
    sp->cur_flags = sp->pending | ID_TOK_ASCII;
    sp->pending = 0;
}

static void word_append(splitter *sp, const char *s, size_t n, size_t off,
                        size_t end)
{
    word_start(sp, off);
    if (buf_put(sp->t, s, n))
        sp->oom = 1;
    sp->cur_end = end;
}

static size_t word_len(const splitter *sp)
{
    return sp->cur_start == SIZE_MAX ? 0 : sp->t->buf_len - sp->cur_start;
}

static char word_last(const splitter *sp)
{
    size_t n = word_len(sp);
    return n ? sp->t->buf[sp->t->buf_len - 1] : 0;
}

static void word_end(splitter *sp)
{
    id_text *t = sp->t;
    if (sp->cur_start == SIZE_MAX)
        return;
    if (buf_put(t, "", 1)) { /* the NUL */
        sp->oom = 1;
        return;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        id_tok *nt = realloc(t->tok, cap * sizeof *nt);
        if (!nt) {
            sp->oom = 1;
            return;
        }
        t->tok = nt;
        t->cap = cap;
    }
    id_tok *k = &t->tok[t->n++];
    k->s = (const char *)(uintptr_t)sp->cur_start; /* fixed up at the end */
    k->off = sp->cur_off;
    k->len = sp->cur_end - sp->cur_off;
    k->flags = sp->cur_flags;
    if (t->buf[sp->cur_start] >= '0' && t->buf[sp->cur_start] <= '9')
        k->flags |= ID_TOK_NUM;
    sp->cur_start = SIZE_MAX;
}

static void separate(splitter *sp, int is_break)
{
    word_end(sp);
    if (is_break)
        sp->pending |= ID_TOK_BREAK;
}

/* Emit words that stand for an emoji at prompt bytes [off, end). */
static void emit_words(splitter *sp, const char *words, size_t off, size_t end)
{
    word_end(sp);
    const char *p = words;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        word_append(sp, p, n, off, end);
        sp->cur_flags |= ID_TOK_EMOJI;
        word_end(sp);
        p += n;
        while (*p == ' ')
            p++;
    }
}

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* The current word is a single note letter a..g. */
static int word_is_note_letter(const splitter *sp)
{
    if (word_len(sp) != 1)
        return 0;
    char c = word_last(sp);
    return c >= 'a' && c <= 'g';
}

int id_text_split(id_text *t, const char *prompt, size_t len)
{
    memset(t, 0, sizeof *t);
    t->src = prompt ? prompt : "";
    t->src_len = prompt ? len : 0;
    splitter sp = {.t = t, .cur_start = SIZE_MAX, .pending = ID_TOK_BREAK};
    const unsigned char *s = (const unsigned char *)t->src;
    size_t n = t->src_len;

    for (size_t i = 0; i < n && !sp.oom;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            char nx = i + 1 < n ? (char)s[i + 1] : 0;
            char pv = word_last(&sp);
            if (is_alpha((char)c) || is_digit((char)c)) {
                char l = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
                int starting = sp.cur_start == SIZE_MAX;
                word_append(&sp, &l, 1, i, i + 1);
                if (starting && c >= 'A' && c <= 'Z')
                    sp.cur_flags |= ID_TOK_UPPER;
            } else if (c == '\'' || c == '`') {
                /* dropped: joins "don't", "90's", "rock'n'roll" */
                if (sp.cur_start != SIZE_MAX)
                    sp.cur_end = i + 1;
            } else if (c == '#') {
                if (word_is_note_letter(&sp))
                    word_append(&sp, "#", 1, i, i + 1);
                else
                    separate(&sp, 0);
            } else if ((c == '.' || c == ':' || c == '/' || c == '-') &&
                       is_digit(pv) && is_digit(nx)) {
                char ch = (char)c;
                word_append(&sp, &ch, 1, i, i + 1);
            } else if (c == '&') {
                if (is_alpha(pv) && is_alpha(nx) && word_len(&sp) <= 5) {
                    word_append(&sp, "&", 1, i, i + 1);
                } else {
                    word_end(&sp);
                    word_append(&sp, "and", 3, i, i + 1);
                    word_end(&sp);
                }
            } else if (c == ' ' || c == '\t' || c == '-' || c == '/' ||
                       c == '_' || c == '+' || c == '~' || c == '*' ||
                       c == '=' || c == '^' || c == '|' || c == '\\' ||
                       c == '<' || c == '>' || c == '@' || c == '$' ||
                       c == '%') {
                separate(&sp, 0);
            } else {
                /* . , ; : ! ? ( ) [ ] { } " newline, control bytes */
                separate(&sp, 1);
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = utf8_decode(s + i, n - i, &cp);
        if (l == 0) {
            t->invalid++;
            separate(&sp, 0);
            i++;
            continue;
        }
        const char *fold, *words;
        if (cp == 0x266F || cp == 0x266D) { /* sharp, flat signs */
            if (word_is_note_letter(&sp))
                word_append(&sp, cp == 0x266F ? "#" : "b", 1, i, i + l);
            else
                separate(&sp, 0);
        } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x02BC) {
            if (sp.cur_start != SIZE_MAX)
                sp.cur_end = i + l;
        } else if ((cp == 0x2013 || cp == 0x2014) && is_digit(word_last(&sp)) &&
                   i + l < n && is_digit((char)s[i + l])) {
            word_append(&sp, "-", 1, i, i + l);
        } else if (is_invisible_cp(cp)) {
            if (sp.cur_start != SIZE_MAX)
                sp.cur_end = i + l;
        } else if ((words = emoji_lookup(cp))) {
            t->emoji++;
            emit_words(&sp, words, i, i + l);
        } else if ((fold = fold_latin1(cp))) {
            word_append(&sp, fold, strlen(fold), i, i + l);
        } else if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B) ||
                   cp == 0x3000 || cp == 0x2028 || cp == 0x2029) {
            separate(&sp, cp == 0x2028 || cp == 0x2029);
        } else if (cp < 0xA0 || is_separator_cp(cp)) {
            separate(&sp, cp == 0x2026 || cp == 0x201C || cp == 0x201D ||
                              cp == 0xAB || cp == 0xBB || cp < 0xA0);
        } else {
            word_append(&sp, (const char *)s + i, l, i, i + l);
            sp.cur_flags &= ~ID_TOK_ASCII;
        }
        i += l;
    }
    word_end(&sp);
    if (sp.oom)
        return CZ_ENOMEM;
    for (size_t k = 0; k < t->n; k++)
        t->tok[k].s = t->buf + (uintptr_t)t->tok[k].s;
    return 0;
}

void id_text_free(id_text *t)
{
    free(t->buf);
    free(t->tok);
    memset(t, 0, sizeof *t);
}

void id_text_words(const id_text *t, size_t i, size_t j, char *out, size_t cap)
{
    size_t k = 0;
    if (!cap)
        return;
    out[0] = 0;
    for (size_t x = i; x < j && x < t->n; x++) {
        size_t wl = strlen(t->tok[x].s);
        size_t need = wl + (k ? 1 : 0);
        if (k + need + 1 > cap)
            break;
        if (k)
            out[k++] = ' ';
        memcpy(out + k, t->tok[x].s, wl);
        k += wl;
        out[k] = 0;
    }
}

void id_text_span(const id_text *t, size_t i, size_t j, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = 0;
    if (i >= j || j > t->n)
        return;
    /* emoji words have no prompt text worth quoting: use the words */
    for (size_t x = i; x < j; x++)
        if (t->tok[x].flags & ID_TOK_EMOJI) {
            id_text_words(t, i, j, out, cap);
            return;
        }
    size_t a = t->tok[i].off, b = t->tok[j - 1].off + t->tok[j - 1].len;
    const unsigned char *s = (const unsigned char *)t->src;
    size_t k = 0;
    int space = 0;
    for (size_t p = a; p < b;) {
        uint32_t cp;
        size_t l = utf8_decode(s + p, b - p, &cp);
        if (l == 0 || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
            cp < 0x20) {
            space = k > 0;
            p += l ? l : 1;
            continue;
        }
        size_t need = l + (space ? 1 : 0);
        if (k + need + 1 > cap)
            break;
        if (space)
            out[k++] = ' ';
        space = 0;
        memcpy(out + k, s + p, l);
        k += l;
        p += l;
    }
    out[k] = 0;
}

void id_ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}
