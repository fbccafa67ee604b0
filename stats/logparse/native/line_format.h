/*
 * One access-log line, as the regexes of stats/logparse/formats.py read it: the bytes
 * the C pass leaves to the regex path, VALID_LINE's fields, AGENT_FIELD, the rule's
 * literals and lists, and the time stamp as seconds since the epoch. Static functions,
 * included by scan.c only, so that the compiler inlines them into its loop.
 */
#ifndef STATS_LINE_FORMAT_H
#define STATS_LINE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static inline int is_space(uint8_t c) { return c == ' ' || (c >= 9 && c <= 13); }
static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static inline int is_alpha(uint8_t c) { return (uint8_t)((c | 32) - 'a') < 26; }

static const uint64_t ONES = 0x0101010101010101ULL, HIGHS = 0x8080808080808080ULL;

/* True when one of the 8 bytes of w equals c (the classic SWAR zero-byte test). */
static inline int has_byte(uint64_t w, uint8_t c) {
    uint64_t x = w ^ (ONES * c);
    return ((x - ONES) & ~x & HIGHS) != 0;
}

enum { NEEDS_REGEX_PATH = 1, HAS_BACKSLASH = 2 };

/* NEEDS_REGEX_PATH when the line has a byte this scanner leaves to the regex path;
 * HAS_BACKSLASH when it has a backslash anywhere. 16 bytes at a time with SSE2 (every
 * x86-64), 8 at a time elsewhere. */
static int line_bytes(const uint8_t *s, const uint8_t *e) {
    const uint8_t *p = s;
    int flags = 0;
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128(), cr = _mm_set1_epi8('\r'), bs = _mm_set1_epi8('\\');
    while (p + 16 <= e) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        if (_mm_movemask_epi8(v) | _mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)) |
            _mm_movemask_epi8(_mm_cmpeq_epi8(v, cr)))
            return NEEDS_REGEX_PATH;
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs))) flags = HAS_BACKSLASH;
        p += 16;
    }
#endif
    while (p + 8 <= e) {
        uint64_t w;
        memcpy(&w, p, 8);
        if ((w & HIGHS) || has_byte(w, 0) || has_byte(w, '\r')) return NEEDS_REGEX_PATH;
        if (has_byte(w, '\\')) flags = HAS_BACKSLASH;
        p += 8;
    }
    for (; p < e; p++) {
        if (*p >= 0x80 || *p == 0 || *p == '\r') return NEEDS_REGEX_PATH;
        if (*p == '\\') flags = HAS_BACKSLASH;
    }
    return flags;
}

/* The first of two bytes at or after p, or e: 16 bytes at a time where SSE2 is. */
static inline const uint8_t *find2(const uint8_t *p, const uint8_t *e, uint8_t a, uint8_t b) {
#ifdef __SSE2__
    const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
    while (p + 16 <= e) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)));
        if (m) return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#endif
    while (p + 8 <= e) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (has_byte(w, a) || has_byte(w, b)) break;
        p += 8;
    }
    while (p < e && *p != a && *p != b) p++;
    return p;
}

/* The first of three bytes in [p, e), or e: 16 bytes at a time where SSE2 is. */
static inline const uint8_t *find3(const uint8_t *p, const uint8_t *e, uint8_t a, uint8_t b,
                                   uint8_t c) {
#ifdef __SSE2__
    const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b),
                  vc = _mm_set1_epi8((char)c);
    while (p + 16 <= e) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)),
                                   _mm_cmpeq_epi8(v, vc));
        int m = _mm_movemask_epi8(hit);
        if (m) return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#endif
    while (p < e && *p != a && *p != b && *p != c) p++;
    return p;
}

/* A quoted field (?:[^"\\]|\\.)*" from just after its opening quote; returns the
 * closing quote, or NULL. Sets *backslash when the field holds an escape. */
static const uint8_t *quoted_end(const uint8_t *p, const uint8_t *e, int *backslash) {
    for (;;) {
        p = find2(p, e, '"', '\\');
        if (p >= e) return NULL;
        if (*p == '"') return p;
        if (p + 1 >= e) return NULL; /* a backslash needs a character after it */
        *backslash = 1;
        p += 2;
    }
}

/* \S+ followed by one space; returns the position after the space, or NULL. */
static const uint8_t *word_then_space(const uint8_t *p, const uint8_t *e) {
    const uint8_t *s = p;
    while (p < e && !is_space(*p)) p++;
    if (p == s || p >= e || *p != ' ') return NULL;
    return p + 1;
}

typedef struct {
    const uint8_t *host_end;
    const uint8_t *time; /* the '[' */
    const uint8_t *request;     /* after the opening quote */
    const uint8_t *request_end; /* the closing quote */
    int request_backslash;
    int status;
    const uint8_t *agent; /* Combined format: the user agent field, after its quote */
    const uint8_t *agent_end;
} line_fields;

/* VALID_LINE of formats.py, for a line line_bytes found no NEEDS_REGEX_PATH byte in. */
static int valid_line(const uint8_t *s, const uint8_t *e, line_fields *f) {
    const uint8_t *p = word_then_space(s, e);
    if (!p) return 0;
    f->host_end = p - 1;
    if (!(p = word_then_space(p, e))) return 0;
    if (!(p = word_then_space(p, e))) return 0;
    /* [dd/Mon/yyyy:HH:MM:SS +zzzz] " */
    if (e - p < 30) return 0;
    const uint8_t *t = p;
    if (t[0] != '[' || !is_digit(t[1]) || !is_digit(t[2]) || t[3] != '/' || !is_alpha(t[4]) ||
        !is_alpha(t[5]) || !is_alpha(t[6]) || t[7] != '/' || !is_digit(t[8]) || !is_digit(t[9]) ||
        !is_digit(t[10]) || !is_digit(t[11]) || t[12] != ':' || !is_digit(t[13]) ||
        !is_digit(t[14]) || t[15] != ':' || !is_digit(t[16]) || !is_digit(t[17]) || t[18] != ':' ||
        !is_digit(t[19]) || !is_digit(t[20]) || t[21] != ' ' || (t[22] != '+' && t[22] != '-') ||
        !is_digit(t[23]) || !is_digit(t[24]) || !is_digit(t[25]) || !is_digit(t[26]) ||
        t[27] != ']' || t[28] != ' ' || t[29] != '"')
        return 0;
    f->time = t;
    f->request = t + 30;
    f->request_backslash = 0;
    f->request_end = quoted_end(f->request, e, &f->request_backslash);
    if (!f->request_end) return 0;
    p = f->request_end + 1;
    /*  \d{3} (?:\d+|-) */
    if (e - p < 6 || p[0] != ' ' || !is_digit(p[1]) || !is_digit(p[2]) || !is_digit(p[3]) ||
        p[4] != ' ')
        return 0;
    f->status = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    f->agent = f->agent_end = NULL;
    p += 5;
    if (*p == '-') {
        p++;
    } else {
        if (!is_digit(*p)) return 0;
        while (p < e && is_digit(*p)) p++;
    }
    /* (?: "q" "q")? */
    if (e - p >= 2 && p[0] == ' ' && p[1] == '"') {
        int ignored = 0;
        const uint8_t *q = quoted_end(p + 2, e, &ignored);
        if (!q || e - q < 3 || q[1] != ' ' || q[2] != '"') return 0;
        f->agent = q + 3;
        q = quoted_end(q + 3, e, &ignored);
        if (!q) return 0;
        f->agent_end = q;
        p = q + 1;
    }
    /* \s*$ */
    while (p < e && is_space(*p)) p++;
    return p == e;
}

/* AGENT_FIELD's leftmost match: "((?:[^"\\]|\\.)*)"\s*$ tried from every quote. */
static int agent_field(const uint8_t *s, const uint8_t *e, const uint8_t **as, const uint8_t **ae) {
    for (const uint8_t *q = s; q < e; q++) {
        if (*q != '"') continue;
        int ignored = 0;
        const uint8_t *close = quoted_end(q + 1, e, &ignored);
        if (!close) continue;
        const uint8_t *r = close + 1;
        while (r < e && is_space(*r)) r++;
        if (r == e) {
            *as = q + 1;
            *ae = close;
            return 1;
        }
    }
    return 0;
}

/* The items of a '\0'-separated list, one per call: the item at *p (its length in *n),
 * moving *p past it; NULL after the last. */
static const uint8_t *list_item(const uint8_t **p, const uint8_t *end, size_t *n) {
    if (*p >= end) return NULL;
    const uint8_t *item = *p, *z = memchr(item, 0, (size_t)(end - item));
    if (!z) z = end;
    *n = (size_t)(z - item);
    *p = z + 1;
    return item;
}

/* Equal bytes, for the few-byte comparisons of every line (a loop the compiler keeps
 * inline costs less than a call to memcmp there). */
static inline int same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static int listed(const uint8_t *s, size_t n, const uint8_t *list, int64_t list_len) {
    const uint8_t *p = list, *item;
    size_t length;
    while ((item = list_item(&p, list + list_len, &length)))
        if (length == n && same_bytes(item, s, n)) return 1;
    return 0;
}

/* A literal in a short text: memchr to each place its first byte is, then memcmp
 * (memmem's set-up costs more than the search on a 60-byte path). */
static int contains(const uint8_t *s, size_t n, const uint8_t *lit, size_t lit_len) {
    if (lit_len == 0) return 1;
    if (n < lit_len) return 0;
    const uint8_t *p = s, *last = s + (n - lit_len);
    while (p <= last) {
        p = memchr(p, lit[0], (size_t)(last - p) + 1);
        if (!p) return 0;
        if (same_bytes(p + 1, lit + 1, lit_len - 1)) return 1;
        p++;
    }
    return 0;
}

static int contains_any(const uint8_t *s, size_t n, const uint8_t *list, int64_t list_len) {
    const uint8_t *p = list, *item;
    size_t length;
    while ((item = list_item(&p, list + list_len, &length)))
        if (contains(s, n, item, length)) return 1;
    return 0;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static const char MONTHS[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* lines.py's EPOCH_MIN and EPOCH_END: 1970-01-01 and 2100-01-01 UTC. */
#define EPOCH_MIN 0LL
#define EPOCH_END 4102444800LL

/* Seconds since the epoch of [dd/Mon/yyyy:HH:MM:SS +zzzz], or 0 with *ok = 0 when the
 * time is not a plain calendar time or falls outside [EPOCH_MIN, EPOCH_END) (left to
 * the regex path, which treats those as times that do not parse). */
static int64_t epoch_seconds(const uint8_t *t, int *ok) {
#define D2(i) ((t[i] - '0') * 10 + (t[i + 1] - '0'))
    int month = 0;
    for (int m = 0; m < 12 && !month; m++)
        if (same_bytes(t + 4, (const uint8_t *)MONTHS + 3 * m, 3)) month = m + 1;
    int day = D2(1), year = D2(8) * 100 + D2(10), hour = D2(13), minute = D2(16), second = D2(19);
    int off_h = D2(23), off_m = D2(25);
    static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    *ok = month && year >= 1900 && day >= 1 && day <= DAYS[month - 1] + (month == 2 && leap) &&
          hour < 24 && minute < 60 && second < 60 && off_h < 24 && off_m < 60;
    if (!*ok) return 0;
    int64_t offset = (int64_t)off_h * 3600 + off_m * 60;
    if (t[22] == '-') offset = -offset;
    int64_t seconds =
        days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    *ok = seconds >= EPOCH_MIN && seconds < EPOCH_END;
    return *ok ? seconds : 0;
#undef D2
}

#endif
