/*
 * SHA-256 and HMAC-SHA256, written from FIPS 180-4 and RFC 2104 for one use: the keyed
 * hash of each distinct client address, computed in the scanner's pass instead of one
 * Python call per address. Its output equals Python's hmac.digest(key, msg, "sha256");
 * tests/logparse/test_native_digests.py checks it on the RFC 4231 vectors and many more.
 */
#include "hmac_sha256.h"

#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void compress_portable(uint32_t state[8], const uint8_t block[64]) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
               (uint32_t)block[4 * i + 2] << 8 | (uint32_t)block[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

/* The same compression with the CPU's SHA extensions (Intel since Goldmont and Ice Lake,
 * AMD since Zen): four rounds per pair of instructions, about 8x the portable code. */
__attribute__((target("sha,sse4.1,ssse3"))) static void compress_sha_ni(uint32_t state[8],
                                                                        const uint8_t block[64]) {
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i cdab = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
    const __m128i abef_start = abef, cdgh_start = cdgh;
    __m128i w[16];
    for (int i = 0; i < 16; i++) {
        if (i < 4) {
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * i)), byte_swap);
        } else {
            __m128i sum = _mm_add_epi32(_mm_sha256msg1_epu32(w[i - 4], w[i - 3]),
                                        _mm_alignr_epi8(w[i - 1], w[i - 2], 4));
            w[i] = _mm_sha256msg2_epu32(sum, w[i - 1]);
        }
        __m128i message = _mm_add_epi32(w[i], _mm_loadu_si128((const __m128i *)&K[4 * i]));
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(message, 0x0E));
    }
    abef = _mm_add_epi32(abef, abef_start);
    cdgh = _mm_add_epi32(cdgh, cdgh_start);
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

static int sha_ni_allowed = 1;

static int has_sha_ni(void) {
    static int known = -1;
    if (!sha_ni_allowed)
        return 0;
    if (known < 0) {
        unsigned a, b, c, d;
        int sse = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3);
        known = sse && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
    }
    return known;
}

static void compress(uint32_t state[8], const uint8_t block[64]) {
    if (has_sha_ni())
        compress_sha_ni(state, block);
    else
        compress_portable(state, block);
}
#else
static void compress(uint32_t state[8], const uint8_t block[64]) {
    compress_portable(state, block);
}
#endif

/* 1 when compress uses the CPU's SHA extensions; allowed = 0 makes it use the portable
 * code from then on (so that tests compare the two), 1 lets it use them where present. */
int64_t hmac_sha256_use_sha_ni(int64_t allowed) {
#if defined(__x86_64__) || defined(__i386__)
    sha_ni_allowed = (int)allowed;
    return has_sha_ni();
#else
    (void)allowed;
    return 0;
#endif
}

/* SHA-256 of (the 64-byte block already in state, counted as `prefix` bytes) + message. */
static void finish(uint32_t state[8], uint64_t prefix, const uint8_t *message, size_t length,
                   uint8_t out[32]) {
    size_t whole = length / 64 * 64;
    for (size_t i = 0; i < whole; i += 64) compress(state, message + i);
    uint8_t tail[128];
    size_t rest = length - whole;
    memcpy(tail, message + whole, rest);
    tail[rest] = 0x80;
    size_t padded = rest + 1 + 8 <= 64 ? 64 : 128;
    memset(tail + rest + 1, 0, padded - rest - 1 - 8);
    uint64_t bits = (prefix + length) * 8;
    for (int i = 0; i < 8; i++) tail[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
    compress(state, tail);
    if (padded == 128) compress(state, tail + 64);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(state[i] >> 24);
        out[4 * i + 1] = (uint8_t)(state[i] >> 16);
        out[4 * i + 2] = (uint8_t)(state[i] >> 8);
        out[4 * i + 3] = (uint8_t)state[i];
    }
}

void hmac_sha256_init(hmac_sha256_key *key, const uint8_t *secret, size_t length) {
    uint8_t block[64] = {0};
    if (length > 64) {
        uint32_t state[8];
        memcpy(state, H0, sizeof state);
        finish(state, 0, secret, length, block); /* a long key is hashed first */
    } else {
        memcpy(block, secret, length);
    }
    uint8_t pad[64];
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    memcpy(key->inner, H0, sizeof key->inner);
    compress(key->inner, pad);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    memcpy(key->outer, H0, sizeof key->outer);
    compress(key->outer, pad);
}

void hmac_sha256(const hmac_sha256_key *key, const uint8_t *message, size_t length,
                 uint8_t out[32]) {
    uint32_t state[8];
    uint8_t inner[32];
    memcpy(state, key->inner, sizeof state);
    finish(state, 64, message, length, inner);
    memcpy(state, key->outer, sizeof state);
    finish(state, 64, inner, 32, out);
}

/* For tests: HMAC-SHA256 of one message. */
void hmac_sha256_once(const uint8_t *secret, int64_t secret_length, const uint8_t *message,
                      int64_t length, uint8_t *out) {
    hmac_sha256_key key;
    hmac_sha256_init(&key, secret, (size_t)secret_length);
    hmac_sha256(&key, message, (size_t)length, out);
}
