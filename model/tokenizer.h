/* tokenizer.h - the model's text tokenizer: Hugging Face tokenizer.json (BPE with byte fallback), text
 * <-> token ids, bit-exact with Hugging Face `tokenizers` (model.md §5-6, docs/tokenizer.md).
 *
 * Loading reads a model directory: tokenizer.json (required), and when present
 * tokenizer_config.json, special_tokens_map.json and added_tokens.json. What is implemented is what
 * the Llama / Phi-3 / xGen-MM tokenizer.json uses, and anything else is refused at load time with a
 * clear error, never silently mis-tokenised:
 *   - added tokens split out of the raw text first (leftmost-longest), with their lstrip / rstrip
 *     flags (Unicode White_Space), normalized=false and single_word=false only;
 *   - the normaliser (a Sequence of Prepend and string Replace) applied to every remaining non-empty
 *     text segment separately, so every segment gets its own leading "▁";
 *   - no pre-tokenizer; BPE by merge rank (lowest rank first, leftmost on ties) with byte fallback
 *     (<0xXX> tokens) and unk fusion; O(n log n) in the length of the longest word;
 *   - the post-processor's special tokens (none for xGen-MM: no BOS, no EOS), overridden by
 *     tokenizer_config.json add_bos_token / add_eos_token when those are given;
 *   - decoding through Replace("▁" -> " "), ByteFallback (invalid UTF-8 becomes one U+FFFD per byte
 *     token), Fuse and Strip (one leading space), optionally skipping special tokens.
 *
 * A loaded tokenizer is immutable: every function taking a `const tokenizer *` may be called from
 * several threads at once on the same tokenizer (each call allocates its own scratch).
 *
 * Ids are int32_t. Text is UTF-8 given as (pointer, byte length); it may contain NUL bytes. */
#ifndef FEWSHOT_TOKENIZER_H
#define FEWSHOT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

typedef struct tokenizer tokenizer;

/* Flags for tokenizer_load(). */
enum {
  /* Add "<image>", "<image placeholder>", "<|endofchunk|>" as additional special tokens, in that
   * order, the way xGen-MM's update_special_tokens() does (tokenizer.add_special_tokens with
   * additional_special_tokens): ids 32012, 32013, 32014 on the shipped files, tokenizer length 32015. */
  TOKENIZER_ADD_XGENMM_TOKENS = 1u << 0
};

/* The special-token roles of special_tokens_map.json (tokenizer_config.json as fallback). */
typedef enum {
  TOKENIZER_BOS = 0, /* bos_token: "<s>" = 1 for xGen-MM (never inserted by encode) */
  TOKENIZER_EOS,     /* eos_token: "<|endoftext|>" = 32000 */
  TOKENIZER_PAD,     /* pad_token: "<pad>" = 32011 */
  TOKENIZER_UNK,     /* unk_token: "<unk>" = 0 */
  TOKENIZER_N_ROLES
} tokenizer_role;

/* Loads the tokenizer of the model directory `model_dir` (tokenizer.json is required; the other
 * three files are read when present). `flags` is a mask of TOKENIZER_ADD_* values; pass
 * TOKENIZER_ADD_XGENMM_TOKENS to get the tokenizer as the xGen-MM model code builds it.
 * Returns a tokenizer owned by the caller (release with tokenizer_free), or NULL with a one-line
 * reason naming the file and item at fault in err (e.g. "DIR/tokenizer.json: model.merges[17]: token
 * 'xy' is not in model.vocab"). */
tokenizer *tokenizer_load(const char *model_dir, unsigned flags, char *err, size_t err_size);

/* Releases everything the tokenizer owns. NULL is allowed. */
void tokenizer_free(tokenizer *tok);

/* Encodes `n_text` bytes of UTF-8 `text` into token ids, as Hugging Face's
 * tokenizer.encode(text).ids (add_special_tokens=True, which adds nothing for xGen-MM).
 * Returns a malloc'd array of *n_ids ids that the caller frees (a non-NULL pointer even when
 * *n_ids is 0), or NULL with a reason in err (invalid UTF-8 names its byte offset; out of memory). */
int32_t *tokenizer_encode(const tokenizer *tok, const char *text, size_t n_text, size_t *n_ids,
                          char *err, size_t err_size);

/* As tokenizer_encode, into the caller's buffer `ids` of `cap` entries. Returns 0 on success with
 * *n_ids ids written. When the ids do not fit it returns non-zero, sets *n_ids to the number
 * needed (the first `cap` are written) and says so in err; on any other failure *n_ids is 0.
 * 2 * n_text + 8 entries always suffice. */
int tokenizer_encode_into(const tokenizer *tok, const char *text, size_t n_text, int32_t *ids,
                          size_t cap, size_t *n_ids, char *err, size_t err_size);

/* Decodes ids to text as Hugging Face's tokenizer.decode(ids, skip_special_tokens=skip_special):
 * "▁" -> " ", runs of byte tokens fused into UTF-8 (one U+FFFD per byte token when a run is not
 * valid UTF-8), one leading space stripped; with skip_special non-zero the special added tokens
 * (<unk>, <s>, <|endoftext|>, <pad>, the chat and xGen-MM tokens, but not "</s>") are left out.
 * Returns a malloc'd NUL-terminated string (caller frees) whose byte length is *n_text (it may hold
 * NUL bytes from <0x00>; n_text may be NULL), or NULL with a reason in err. Unlike Hugging Face,
 * which drops unknown ids silently, an id outside [0, tokenizer_vocab_size) is an error. */
char *tokenizer_decode(const tokenizer *tok, const int32_t *ids, size_t n_ids, int skip_special,
                       size_t *n_text, char *err, size_t err_size);

/* The id of the token whose string is `token` (NUL-terminated): added tokens first, then the BPE
 * vocabulary ("<image>" -> 32012, "▁Hello" -> 15043). Returns -1 when there is none. */
int32_t tokenizer_token_to_id(const tokenizer *tok, const char *token);

/* The string of token `id` as stored in the files ("▁Hello", "<0x0A>", "<image>"), owned by the
 * tokenizer and valid until tokenizer_free. Returns NULL for an id with no token. */
const char *tokenizer_id_to_token(const tokenizer *tok, int32_t id);

/* Number of ids: 1 + the largest id of the vocabulary and the added tokens (32015 for xGen-MM with
 * its three tokens, 32012 without; Hugging Face's len(tokenizer)). */
int32_t tokenizer_vocab_size(const tokenizer *tok);

/* 1 when `id` is a special added token (skipped by decode with skip_special), else 0. */
int tokenizer_is_special(const tokenizer *tok, int32_t id);

/* The id of a special-token role, or -1 when the files name none. */
int32_t tokenizer_role_id(const tokenizer *tok, tokenizer_role role);

#endif
