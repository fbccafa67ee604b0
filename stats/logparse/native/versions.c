/* Each fact's version counts as one JSON object, {"1.0": 3, "1.1": 1}, for all facts in
 * one call: the rows come sorted by fact, each version already JSON-quoted once. */
#include <stdint.h>
#include <string.h>

static char *write_count(char *out, int64_t n) {
    char digits[24];
    int len = 0;
    uint64_t v = n < 0 ? (uint64_t)(-(n + 1)) + 1 : (uint64_t)n;
    do {
        digits[len++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (n < 0)
        *out++ = '-';
    while (len)
        *out++ = digits[--len];
    return out;
}

/* rows: (fact[i], code[i], n[i]) sorted by fact; quoted: the versions' JSON strings back
 * to back, version k at quoted[starts[k]:starts[k + 1]]. Writes facts objects to out
 * (room: 2 * facts + sum over rows of the quoted length + 24) and each one's end to
 * ends. Returns the bytes written. */
int64_t version_objects(const uint32_t *fact, const int32_t *code, const int64_t *n, int64_t rows,
                        const char *quoted, const int64_t *starts, int64_t facts, char *out,
                        int64_t *ends) {
    char *p = out;
    int64_t r = 0;
    for (int64_t f = 0; f < facts; f++) {
        *p++ = '{';
        int first = 1;
        while (r < rows && fact[r] == (uint32_t)f) {
            if (!first) {
                *p++ = ',';
                *p++ = ' ';
            }
            first = 0;
            int64_t len = starts[code[r] + 1] - starts[code[r]];
            memcpy(p, quoted + starts[code[r]], (size_t)len);
            p += len;
            *p++ = ':';
            *p++ = ' ';
            p = write_count(p, n[r]);
            r++;
        }
        *p++ = '}';
        ends[f] = p - out;
    }
    return p - out;
}
