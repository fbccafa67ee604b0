/* HMAC-SHA256 (FIPS 180-4, RFC 2104) for the scanner's client digests. */
#ifndef STATS_HMAC_SHA256_H
#define STATS_HMAC_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t inner[8]; /* state after the key XOR ipad block */
    uint32_t outer[8]; /* state after the key XOR opad block */
} hmac_sha256_key;

void hmac_sha256_init(hmac_sha256_key *key, const uint8_t *secret, size_t length);
void hmac_sha256(const hmac_sha256_key *key, const uint8_t *message, size_t length,
                 uint8_t out[32]);

#endif
