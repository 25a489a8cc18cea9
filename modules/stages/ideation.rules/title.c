/*
 * title.c - a short title and a one-line caption.
 *
 * Title, first that applies:
 *   1. the words after "called", "titled", "named" or "title" (up to six,
 *      up to the next punctuation): the user's own title;
 *   2. the words after "about" (up to five), without leading articles;
 *   3. up to three words of the prompt that no extractor read and that are
 *      not filler ("rainy tokyo streets lofi" -> "Tokyo Streets");
 *   4. an adjective from the first mood and a noun from the use or genre,
 *      drawn from the seed ("Midnight Highway"); with enhance off,
 *      "Untitled".
 * Words keep their letters (accents, other scripts); ASCII initials are
 * capitalised. The caption is for audio models: moods, (sub)genre, tempo,
 * key, meter, instruments, what is excluded, and the use.
 */
#include <stdio.h>
#include <string.h>

#include "ideation.h"

static const char *const stop[] = {
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for",
    "from", "with", "without", "by", "about", "into", "over", "under", "song",
    "songs", "track", "tracks", "tune", "tunes", "music", "piece", "make", "create",
    "generate", "write", "compose", "produce", "give", "me", "i", "im", "want",
    "need", "would", "like", "please", "some", "something", "that", "this", "it",
    "its", "is", "be", "are", "was", "feel", "feeling", "vibe", "vibes", "style",
    "type", "kind", "sort", "just", "really", "very", "so", "too", "more", "much",
    "bit", "little", "quite", "kinda", "sorta", "maybe", "also", "plus", "can",
    "could", "should", "will", "my", "your", "our", "their", "his", "her", "we",
    "you", "they", "us", "them", "one", "two", "three", "minutes", "minute",
    "seconds", "second", "bpm", "key", "time", "signature", "tempo", "version",
    "mix", "remix", "sound", "sounds", "sounding", "inspired", "influenced",
    "featuring", "feat", "ft", "mood", "genre", "energy", "using", "use", "has",
    "have", "having", "around", "approximately", "approx", "ish", "etc", "lets",
    "let", "do", "does", "dont", "not", "no", "any", "all", "what", "which", "who",
    "where", "when", "how", "why", "if", "then", "than", "as", "up", "out", "get",
    "got", "go", "going", "lot", "lots", "beat", "beats", "instrumental", "tone",
    "here", "there", "want", "wanna", "gonna", "should", "must", "may", "might",
    "yes", "ok", "okay", "hey", "hi", "hello", "thanks", "thank", "lyrics", "its",
    "an", "per", "very", "while", "during", "where", "being", "been", "were",
    "these", "those", "such", "same", "other", "another", "each", "every", "both",
    "few", "many", "most", "only", "own", "again", "further", "once", "ever",
    "long", "short", "called", "titled", "named", "title", "sort", "level",
    "ill", "ive", "youre", "thats", "wont", "cant", "id", "made", "making",
    "play", "playing", "played", "listen", "listening", "hear", "needs",
    "wanted", "looking", "look", "try", "anything", "perfect", "good", "great",
    "nice", "best", "totally", "super", "vibing", "fit", "fits", "suitable",
    "ideal", "feels", "create", "creating", "generate", "compose", "write",
    "written", "produced", "somewhat", "slightly", "full", "whole", "part",
    "instead", "rather", "only", "except", "add", "adding", "added", "lot",
    NULL,
};

static const char *const lead_skip[] = {
    "a", "an", "the", "my", "our", "your", "his", "her", "their", "some", "this",
    "that", NULL,
};

static int is_word(const id_tok *k)
{
    if (k->flags & (ID_TOK_EMOJI | ID_TOK_NUM))
        return 0;
    unsigned char c = (unsigned char)k->s[0];
    return (c >= 'a' && c <= 'z') || c >= 0x80;
}

/* Append the prompt's own bytes of token k, initial capitalised. */
static int title_append(char *out, size_t cap, const id_text *t, const id_tok *k)
{
    size_t l = strlen(out);
    /* the prompt's bytes, minus apostrophes kept out of the token */
    char w[64];
    id_text_span(t, (size_t)(k - t->tok), (size_t)(k - t->tok) + 1, w, sizeof w);
    size_t wl = strlen(w);
    if (!wl || l + wl + (l ? 1 : 0) + 1 > cap)
        return 0;
    static const char *const small[] = {"a", "an", "the", "at", "of", "in", "on", "to",
                                        "for", "and", "or", "but", "by", "with", NULL};
    int keep_small = l > 0 && id_word_in(k->s, small);
    if (l)
        out[l++] = ' ';
    memcpy(out + l, w, wl + 1);
    if (!keep_small && out[l] >= 'a' && out[l] <= 'z')
        out[l] = (char)(out[l] - 'a' + 'A');
    return 1;
}

/* Words from token i on, stopping at punctuation, a number, a word read as
 * a musical setting (genre, key, instrument; `any_word` lets those in too)
 * or max words. */
static int phrase_title(const id_text *t, size_t i, int max, int any_word,
                        char *out, size_t cap)
{
    out[0] = 0;
    int n = 0;
    size_t j = i;
    while (j < t->n && id_word_in(t->tok[j].s, lead_skip))
        j++;
    size_t last_good = 0;
    char best[64] = "";
    for (; j < t->n && n < max; j++) {
        const id_tok *k = &t->tok[j];
        if ((k->flags & ID_TOK_BREAK) && !(any_word && j == i))
            break;
        if (!is_word(k) || (k->flags & ID_TOK_NEG) ||
            ((k->flags & ID_TOK_USED) && !(k->flags & ID_TOK_SOFT) && !any_word))
            break;
        if (!title_append(out, cap, t, k))
            break;
        n++;
        if (!id_word_in(k->s, stop)) { /* never end on a small word */
            last_good = (size_t)n;
            snprintf(best, sizeof best, "%s", out);
        }
    }
    snprintf(out, cap, "%s", last_good ? best : "");
    return out[0] != 0;
}

static int content_title(const id_text *t, char *out, size_t cap)
{
    out[0] = 0;
    int n = 0;
    const char *taken[3];
    for (size_t j = 0; j < t->n && n < 3; j++) {
        const id_tok *k = &t->tok[j];
        if ((k->flags & (ID_TOK_USED | ID_TOK_NEG)) || !is_word(k) ||
            id_word_in(k->s, stop) || strlen(k->s) < 3)
            continue;
        int dup = 0;
        for (int x = 0; x < n; x++)
            dup |= !strcmp(taken[x], k->s);
        if (dup)
            continue;
        taken[n] = k->s;
        if (n && (k->flags & ID_TOK_BREAK))
            break; /* keep to one phrase */
        if (!title_append(out, cap, t, k))
            break;
        n++;
    }
    return n > 0;
}

void id_title_build(id_facts *f, const id_text *t, id_trace *tr, const id_opts *o,
                    uint64_t seed)
{
    char out[48];
    for (size_t i = 0; i + 1 < t->n; i++) {
        const char *w = t->tok[i].s;
        if (!strcmp(w, "called") || !strcmp(w, "titled") || !strcmp(w, "named") ||
            (!strcmp(w, "title") && i + 1 < t->n)) {
            if (phrase_title(t, i + 1, 6, 1, out, sizeof out)) {
                snprintf(f->title, sizeof f->title, "%s", out);
                f->title_src = ID_SRC_PROMPT;
                id_trace_add(tr, "title", ID_SRC_PROMPT, json_string(f->title),
                             "the prompt names the song");
                return;
            }
        }
    }
    for (size_t i = 0; i + 1 < t->n; i++) {
        if (strcmp(t->tok[i].s, "about"))
            continue;
        if (phrase_title(t, i + 1, 5, 0, out, sizeof out)) {
            snprintf(f->title, sizeof f->title, "%s", out);
            f->title_src = ID_SRC_PROMPT;
            id_trace_add(tr, "title", ID_SRC_PROMPT, json_string(f->title),
                         "from what the prompt says the song is about");
            return;
        }
    }
    if (content_title(t, out, sizeof out)) {
        snprintf(f->title, sizeof f->title, "%s", out);
        f->title_src = ID_SRC_PROMPT;
        id_trace_add(tr, "title", ID_SRC_PROMPT, json_string(f->title),
                     "from the prompt's own words that name no musical setting");
        return;
    }
    if (!o->enhance) {
        snprintf(f->title, sizeof f->title, "Untitled");
        f->title_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "title", ID_SRC_DEFAULT, json_string(f->title),
                     "enhance is off and the prompt has no words for a title");
        return;
    }
    cz_rng r;
    cz_rng_init(&r, seed, "ideation.title");
    const id_genre *g = &id_genres[f->genre >= 0 ? f->genre : G_POP];
    int mood = f->n_moods ? f->moods[0] : (g->moods[0] ? g->moods[0] - 1 : M_CHILL);
    const char *nouns = f->use >= 0 ? id_uses[f->use].nouns : g->nouns;
    char adj[32], noun[32];
    id_pick_word(&r, id_moods[mood].adjs, adj, sizeof adj);
    id_pick_word(&r, nouns, noun, sizeof noun);
    if (!strcmp(adj, noun) || strstr(noun, adj))
        snprintf(f->title, sizeof f->title, "%s", noun);
    else
        snprintf(f->title, sizeof f->title, "%s %s", adj, noun);
    f->title_src = ID_SRC_RULES;
    id_trace_add(tr, "title", ID_SRC_RULES, json_string(f->title),
                 "no title words in the prompt: a %s word and a %s word, drawn from the seed",
                 id_moods[mood].id, f->use >= 0 ? id_uses[f->use].id : g->name);
}

/* ---- caption ------------------------------------------------------------ */

static void cat(char *buf, size_t cap, const char *s)
{
    size_t l = strlen(buf);
    if (l + 1 >= cap)
        return;
    size_t sl = strlen(s);
    size_t room = cap - 1 - l;
    size_t n = sl <= room ? sl : id_utf8_prefix(s, sl, room);
    memcpy(buf + l, s, n);
    buf[l + n] = 0;
}

void id_caption_build(id_facts *f)
{
    char *c = f->caption;
    size_t cap = sizeof f->caption;
    char tmp[96];
    c[0] = 0;
    for (int k = 0; k < f->n_moods; k++) {
        cat(c, cap, k ? ", " : "");
        cat(c, cap, id_moods[f->moods[k]].id);
    }
    if (f->n_moods)
        cat(c, cap, " ");
    cat(c, cap, f->subgenre[0] ? f->subgenre : id_genres[f->genre].name);
    snprintf(tmp, sizeof tmp, ", %g bpm, %s %s", f->tempo, f->key, id_mode_words(f->mode));
    cat(c, cap, tmp);
    if (f->meter_num != 4 || f->meter_den != 4) {
        snprintf(tmp, sizeof tmp, ", %d/%d", f->meter_num, f->meter_den);
        cat(c, cap, tmp);
    }
    if (f->swing >= 0.3)
        cat(c, cap, ", swung");
    int shown = 0;
    for (int k = 0; k < f->n_band && shown < 5; k++) {
        if (f->band[k].role == CZ_ROLE_FX)
            continue;
        cat(c, cap, ", ");
        cat(c, cap, f->band[k].name);
        shown++;
    }
    int drums = 0;
    for (int k = 0; k < f->n_band; k++)
        drums |= f->band[k].role == CZ_ROLE_DRUMS || f->band[k].role == CZ_ROLE_PERC;
    if (!drums)
        cat(c, cap, ", no drums");
    if (f->vocals > 0)
        cat(c, cap, ", with vocals");
    else
        cat(c, cap, ", instrumental");
    if (f->use >= 0) {
        snprintf(tmp, sizeof tmp, ", for %s", id_uses[f->use].id);
        cat(c, cap, tmp);
    }
}
