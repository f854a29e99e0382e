/* test_sha256.c - SHA-256 against the FIPS 180-4 / NIST example vectors, split across updates of
 * every size so the block buffering is exercised. */
#include <string.h>

#include "sha256.h"
#include "test_util.h"

static void hash_in_pieces(const char *msg, size_t len, size_t piece, char hex[65]) {
  sha256_ctx c;
  sha256_init(&c);
  for (size_t i = 0; i < len; i += piece) sha256_update(&c, msg + i, len - i < piece ? len - i : piece);
  unsigned char d[32];
  sha256_final(&c, d);
  sha256_hex(d, hex);
}

int main(void) {
  test_ctx t = test_begin("harness_sha256");
  const char *msgs[] = {"", "abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"};
  const char *want[] = {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"};
  char hex[65];
  for (int i = 0; i < 3; i++)
    for (size_t piece = 1; piece <= 70; piece += 23) {
      hash_in_pieces(msgs[i], strlen(msgs[i]), piece, hex);
      test_streq(&t, hex, want[i], "vector %d in pieces of %zu", i, piece);
    }
  static char million[1000000];
  memset(million, 'a', sizeof million);
  hash_in_pieces(million, sizeof million, 4097, hex);
  test_streq(&t, hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "one million 'a'");
  return test_report(&t);
}
