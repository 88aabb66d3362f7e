/*
** sha256.c: SHA-256, by the CPU's SHA instructions where it has them, else by
** OpenSSL's libcrypto loaded on first use, or by the portable code below for
** short inputs.
**
** Linked the usual way, libcrypto's 19,000 relocations were most of the
** dynamic loader's work at every start of inspirec (LD_DEBUG=statistics),
** `check` of a small schema included, though only the ledger's checksums and
** the record of verified migrations hash anything.  Loaded with dlopen, only
** they pay, and with the CPU's SHA instructions as before.
**
** Most of what the record hashes is short: the identity of a file, a key
** made of digests, an outline's name.  For those, loading libcrypto and its
** first use (its configuration read) were 4 to 10 ms on the history's
** thread, beside the compile, in every `check` and `plan` of a project with
** migrations.  So a digest starts in a buffer of IR_SHA256_SMALL bytes and is
** finished by the portable code (FIPS 180-4) when it stays there; past it,
** the SHA instructions (x86's SHA extensions) take the buffer and the rest,
** or libcrypto on a CPU without them.  Every `plan` hashes the snapshot it
** writes: loading libcrypto for it was 2 ms and 3.4 MB of the process.  All
** give the same digest; test_frontend compares them.
*/
#include "ir.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#define CRYPTO(X)                                                                                  \
  X(EVP_MD_CTX_new)                                                                                \
  X(EVP_MD_CTX_free)                                                                               \
  X(EVP_sha256)                                                                                    \
  X(EVP_DigestInit_ex)                                                                             \
  X(EVP_DigestUpdate)                                                                              \
  X(EVP_DigestFinal_ex)

static struct {
#define X(f) __typeof__(&f) f;
  CRYPTO(X)
#undef X
  bool ok;
} crypto;

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

/* The library stays open for the life of the process. */
static void crypto_load(void) {
  void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return;
#define X(f)                                                                                       \
  if (!(crypto.f = (__typeof__(&f))dlsym(lib, #f))) return;
  CRYPTO(X)
#undef X
  crypto.ok = true;
}

/* ---- the portable code ---------------------------------------------------- */

/* The constants are worked out rather than copied: the first 32 bits of the
** fractional parts of the square roots of the first 8 primes (the initial
** hash) and of the cube roots of the first 64 (the round constants), by
** integer roots, so that no table can hold a typo. */
static uint32_t round_k[64], initial_h[8];
static pthread_once_t constants_once = PTHREAD_ONCE_INIT;

/* floor(p^(1/k) * 2^32) mod 2^32, for k 2 or 3 and a small prime p. */
static uint32_t root_fraction(uint64_t p, int k) {
  typedef unsigned __int128 u128;
  u128 target = (u128)p << (32 * k); /* the root of this is p^(1/k) * 2^32 */
  uint64_t lo = 0, hi = (uint64_t)1 << 36;
  while (lo < hi) { /* the largest x with x^k <= target */
    uint64_t mid = lo + (hi - lo + 1) / 2;
    u128 power = (u128)mid * mid;
    if (k == 3) power *= mid;
    if (power <= target)
      lo = mid;
    else
      hi = mid - 1;
  }
  return (uint32_t)lo;
}

static void constants_make(void) {
  int found = 0;
  for (uint64_t n = 2; found < 64; n++) {
    bool prime = true;
    for (uint64_t d = 2; d * d <= n && prime; d++)
      prime = n % d != 0;
    if (!prime) continue;
    if (found < 8) initial_h[found] = root_fraction(n, 2);
    round_k[found++] = root_fraction(n, 3);
  }
}

static uint32_t rotr(uint32_t x, int n) {
  return x >> n | x << (32 - n);
}

static void compress(uint32_t h[8], const unsigned char block[64]) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
           (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ w[i - 15] >> 3;
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ w[i - 2] >> 10;
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 =
        k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + round_k[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void ir_sha256_portable(const void *data, size_t n, unsigned char out[32]) {
  pthread_once(&constants_once, constants_make);
  uint32_t h[8];
  memcpy(h, initial_h, sizeof h);
  const unsigned char *p = data;
  size_t left = n;
  for (; left >= 64; p += 64, left -= 64)
    compress(h, p);
  unsigned char tail[128] = {0}; /* the rest, 0x80, zeros, the length in bits */
  memcpy(tail, p, left);
  tail[left] = 0x80;
  size_t blocks = left + 9 > 64 ? 2 : 1;
  uint64_t bits = (uint64_t)n * 8;
  for (int i = 0; i < 8; i++)
    tail[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
  for (size_t b = 0; b < blocks; b++)
    compress(h, tail + 64 * b);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(h[i] >> 8);
    out[4 * i + 3] = (unsigned char)h[i];
  }
}

/* ---- the SHA instructions ------------------------------------------------- */

static int way_asked = IR_SHA256_AUTO;
static bool have_instructions;
static pthread_once_t instructions_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__)
static void instructions_probe(void) {
  unsigned a, b, c, d;
  /* SHA (leaf 7, EBX bit 29), with SSSE3 and SSE4.1 (leaf 1, ECX bits 9 and
  ** 19) for the shuffles and blends around it */
  have_instructions = __get_cpuid(1, &a, &b, &c, &d) && (c >> 9 & 1) && (c >> 19 & 1) &&
                      __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 29 & 1);
  pthread_once(&constants_once, constants_make);
}

/* n blocks of 64 bytes at p into the state h.  The instructions keep the
** state as two registers, ABEF and CDGH, and do two rounds a call; the
** message schedule is sha256msg1, the words four back, and sha256msg2. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
blocks_instructions(uint32_t h[8], const unsigned char *p, size_t n) {
  const __m128i big_endian = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
  for (; n > 0; n--, p += 64) {
    __m128i abef_was = abef, cdgh_was = cdgh, w[4];
    for (int i = 0; i < 4; i++)
      w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), big_endian);
    for (int g = 0; g < 16; g++) {
      if (g >= 4) { /* words 4g to 4g + 3, from the four groups before */
        __m128i t = _mm_sha256msg1_epu32(w[g % 4], w[(g + 1) % 4]);
        t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) % 4], w[(g + 2) % 4], 4));
        w[g % 4] = _mm_sha256msg2_epu32(t, w[(g + 3) % 4]);
      }
      __m128i k = _mm_loadu_si128((const __m128i *)&round_k[4 * g]);
      __m128i m = _mm_add_epi32(w[g % 4], k);
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
    }
    abef = _mm_add_epi32(abef, abef_was);
    cdgh = _mm_add_epi32(cdgh, cdgh_was);
  }
  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}
#else
static void instructions_probe(void) {
  have_instructions = false;
}

static void blocks_instructions(uint32_t h[8], const unsigned char *p, size_t n) {
  for (; n > 0; n--, p += 64) /* never called: no instructions here */
    compress(h, p);
}
#endif

bool ir_sha256_instructions(void) {
  pthread_once(&instructions_once, instructions_probe);
  return have_instructions;
}

void ir_sha256_use(int way) {
  way_asked = way;
}

/* Bytes into the state: whole blocks as they come, the rest kept in small. */
static void instructions_add(ir_sha256 *h, const unsigned char *p, size_t n) {
  h->total += n;
  if (h->n) {
    size_t take = 64 - h->n < n ? 64 - h->n : n;
    memcpy(h->small + h->n, p, take);
    h->n += take, p += take, n -= take;
    if (h->n < 64) return;
    blocks_instructions(h->state, h->small, 1);
    h->n = 0;
  }
  blocks_instructions(h->state, p, n / 64);
  memcpy(h->small, p + n / 64 * 64, n % 64);
  h->n = n % 64;
}

/* The bytes so far (in small) go to the instructions, which take the rest. */
static void to_instructions(ir_sha256 *h) {
  size_t n = h->n;
  h->instructions = true;
  memcpy(h->state, initial_h, sizeof h->state);
  h->total = 0;
  h->n = 0;
  unsigned char was[IR_SHA256_SMALL];
  memcpy(was, h->small, n);
  instructions_add(h, was, n);
}

static void instructions_end(ir_sha256 *h, unsigned char out[32]) {
  unsigned char tail[128] = {0}; /* the rest, 0x80, zeros, the length in bits */
  memcpy(tail, h->small, h->n);
  tail[h->n] = 0x80;
  size_t blocks = h->n + 9 > 64 ? 2 : 1;
  uint64_t bits = h->total * 8;
  for (int i = 0; i < 8; i++)
    tail[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
  blocks_instructions(h->state, tail, blocks);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(h->state[i] >> 24);
    out[4 * i + 1] = (unsigned char)(h->state[i] >> 16);
    out[4 * i + 2] = (unsigned char)(h->state[i] >> 8);
    out[4 * i + 3] = (unsigned char)h->state[i];
  }
}

/* ---- the digest ----------------------------------------------------------- */

bool ir_sha256_libcrypto(void) {
  pthread_once(&crypto_once, crypto_load);
  return crypto.ok;
}

/* A digest that failed: end says so, rather than give the digest of part
** of the bytes. */
static bool give_up(ir_sha256 *h) {
  if (h->ctx) crypto.EVP_MD_CTX_free(h->ctx);
  h->ctx = NULL;
  h->failed = true;
  return false;
}

/* The bytes so far go to libcrypto, which takes the rest. */
static bool to_crypto(ir_sha256 *h) {
  pthread_once(&crypto_once, crypto_load);
  h->ctx = crypto.ok ? crypto.EVP_MD_CTX_new() : NULL;
  if (h->ctx && crypto.EVP_DigestInit_ex(h->ctx, crypto.EVP_sha256(), NULL) == 1 &&
      (!h->n || crypto.EVP_DigestUpdate(h->ctx, h->small, h->n) == 1))
    return true;
  return give_up(h);
}

bool ir_sha256_begin(ir_sha256 *h) {
  h->ctx = NULL;
  h->n = 0;
  h->failed = false;
  h->instructions = false;
  return true;
}

bool ir_sha256_add(ir_sha256 *h, const void *p, size_t n) {
  if (h->failed) return false;
  if (h->instructions) {
    instructions_add(h, p, n);
    return true;
  }
  if (!h->ctx && h->n + n <= IR_SHA256_SMALL) {
    if (n) memcpy(h->small + h->n, p, n);
    h->n += n;
    return true;
  }
  if (!h->ctx && way_asked != IR_SHA256_LIBCRYPTO && ir_sha256_instructions()) {
    to_instructions(h);
    instructions_add(h, p, n);
    return true;
  }
  if (!h->ctx && !to_crypto(h)) return false;
  return !n || crypto.EVP_DigestUpdate(h->ctx, p, n) == 1 || give_up(h);
}

bool ir_sha256_end(ir_sha256 *h, unsigned char out[32]) {
  bool ok = !h->failed && out;
  if (h->instructions) {
    if (ok) instructions_end(h, out);
  } else if (!h->ctx) {
    if (ok) ir_sha256_portable(h->small, h->n, out);
  } else {
    unsigned int n = 0;
    ok = ok && crypto.EVP_DigestFinal_ex(h->ctx, out, &n) == 1 && n == 32;
    crypto.EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
  }
  h->failed = true; /* ended */
  return ok;
}
