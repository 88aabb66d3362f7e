/*
** sha256.c: SHA-256 by OpenSSL's libcrypto, loaded on first use.
**
** Linked the usual way, libcrypto's 19,000 relocations were most of the
** dynamic loader's work at every start of inspirec (LD_DEBUG=statistics),
** `check` of a small schema included, though only the ledger's checksums and
** the record of verified migrations hash anything.  Loaded with dlopen, only
** they pay, and with the CPU's SHA instructions as before.
*/
#include "ir.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <pthread.h>

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

bool ir_sha256_begin(ir_sha256 *h) {
  pthread_once(&crypto_once, crypto_load);
  h->ctx = crypto.ok ? crypto.EVP_MD_CTX_new() : NULL;
  if (h->ctx && crypto.EVP_DigestInit_ex(h->ctx, crypto.EVP_sha256(), NULL) == 1) return true;
  ir_sha256_end(h, NULL);
  return false;
}

/* A failed add ends the digest: end then says so, rather than give the
** digest of part of the bytes. */
bool ir_sha256_add(ir_sha256 *h, const void *p, size_t n) {
  if (!h->ctx) return false;
  if (!n || crypto.EVP_DigestUpdate(h->ctx, p, n) == 1) return true;
  crypto.EVP_MD_CTX_free(h->ctx);
  h->ctx = NULL;
  return false;
}

bool ir_sha256_end(ir_sha256 *h, unsigned char out[32]) {
  unsigned int n = 0;
  bool ok = h->ctx && out && crypto.EVP_DigestFinal_ex(h->ctx, out, &n) == 1 && n == 32;
  if (h->ctx) crypto.EVP_MD_CTX_free(h->ctx);
  h->ctx = NULL;
  return ok;
}
