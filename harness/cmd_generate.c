/* cmd_generate.c - `fewshot generate`: one interleaved prompt with images -> the model's continuation,
 * like the model card's demo. Each `<image>` in the prompt becomes the image block (<image> + n_latents-1
 * <image placeholder> tokens, 128 for the real model), filled with the --image files in order.
 * Decoding: greedy (--beams 1) or beam search with transformers 4.41.1 semantics (model/generate.h);
 * stops at <|endoftext|> (the config's eos) or <|endofchunk|> unless --stop says otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "engine.h"
#include "image.h"
#include "tokenizer.h"

static const char usage[] =
    "usage: fewshot generate --model DIR --image A.jpg [--image B.jpg ...] --prompt \"...<image>...\"\n"
    "                        [--max-new-tokens N] [--beams K] [--min-new-tokens N] [--length-penalty X]\n"
    "                        [--stop ID,ID,...] [--device cpu|cuda|cuda-f32] [--threads N] [--ids]\n"
    "Prints the continuation of one interleaved prompt. Each <image> in the prompt is replaced by the\n"
    "image block of the next --image (in order); write no space after <image> (the tokenizer would\n"
    "add one). Defaults: --max-new-tokens 20, --beams 1 (greedy), --stop <eos of config.json>,32014\n"
    "(<|endofchunk|>), --device cpu. --device cuda runs on the GPU with bf16 weights, cuda-f32 in float32\n"
    "(docs/cuda.md). --ids also prints the generated token ids on stderr.\n"
    "Example:\n"
    "  fewshot generate --model xgen-mm-phi3-mini-base-r-v1.5 --image cat.jpg \\\n"
    "      --prompt \"<image>A short description of this image in one sentence:\"\n";

#define MAX_IMAGES 64

/* Replaces every "<image>" of text by "<image>" followed by n-1 "<image placeholder>"; counts them. */
static char *expand_images(const char *text, int n_latents, int *n_found) {
  const char *tag = "<image>", *ph = "<image placeholder>";
  size_t tl = strlen(tag), pl = strlen(ph), count = 0;
  for (const char *p = strstr(text, tag); p; p = strstr(p + tl, tag)) count++;
  *n_found = (int)count;
  size_t len = strlen(text) + count * (size_t)(n_latents - 1) * pl + 1;
  char *out = malloc(len), *o = out;
  if (!out) return NULL;
  for (const char *p = text;;) {
    const char *q = strstr(p, tag);
    if (!q) {
      strcpy(o, p);
      break;
    }
    memcpy(o, p, (size_t)(q - p) + tl);
    o += (q - p) + tl;
    for (int i = 1; i < n_latents; i++, o += pl) memcpy(o, ph, pl);
    p = q + tl;
  }
  return out;
}

int cmd_generate(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  const char *model = NULL, *prompt = NULL, *device = "cpu", *stop = NULL;
  const char *images[MAX_IMAGES];
  int n_images = 0, print_ids = 0;
  long max_new = 20, beams = 1, min_new = 0, threads = 0;
  double length_penalty = 1.0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--ids")) {
      print_ids = 1;
      continue;
    }
    if (!v) return cli_usage_error("generate", usage, "%s: missing value", a);
    i++;
    if (!strcmp(a, "--model")) model = v;
    else if (!strcmp(a, "--prompt")) prompt = v;
    else if (!strcmp(a, "--device")) device = v;
    else if (!strcmp(a, "--stop")) stop = v;
    else if (!strcmp(a, "--image")) {
      if (n_images == MAX_IMAGES) return cli_usage_error("generate", usage, "more than %d images", MAX_IMAGES);
      images[n_images++] = v;
    } else if (!strcmp(a, "--max-new-tokens")) {
      if (cli_parse_long("generate", a, v, 1, 4096, &max_new)) return FS_EXIT_USAGE;
    } else if (!strcmp(a, "--min-new-tokens")) {
      if (cli_parse_long("generate", a, v, 0, 4096, &min_new)) return FS_EXIT_USAGE;
    } else if (!strcmp(a, "--beams")) {
      if (cli_parse_long("generate", a, v, 1, 64, &beams)) return FS_EXIT_USAGE;
    } else if (!strcmp(a, "--threads")) {
      if (cli_parse_long("generate", a, v, 0, 1024, &threads)) return FS_EXIT_USAGE;
    } else if (!strcmp(a, "--length-penalty")) {
      char *end;
      length_penalty = strtod(v, &end);
      if (*end || end == v) return cli_usage_error("generate", usage, "--length-penalty: not a number: '%s'", v);
    } else {
      return cli_usage_error("generate", usage, "unknown option '%s'", a);
    }
  }
  if (!model || !prompt) return cli_usage_error("generate", usage, "--model and --prompt are required");
  engine_device dev;
  char why[160];
  if (engine_device_parse(device, &dev, why, sizeof why)) return cli_usage_error("generate", usage, "--device: %s", why);
  if (min_new > max_new) return cli_usage_error("generate", usage, "--min-new-tokens exceeds --max-new-tokens");

  char err[512];
  int rc = FS_EXIT_RUNTIME;
  model_config cfg;
  tokenizer *tok = NULL;
  char *text = NULL;
  int32_t *ids = NULL;
  float *pixels = NULL, *emb = NULL;
  engine *e = NULL;
  gen_output out = {0};
  if (model_config_load(&cfg, model, err, sizeof err)) {
    cli_error("generate", "%s", err);
    return FS_EXIT_USAGE;
  }
  if (!(tok = tokenizer_load(model, TOKENIZER_ADD_XGENMM_TOKENS, err, sizeof err))) {
    cli_error("generate", "%s", err);
    return FS_EXIT_USAGE;
  }
  gen_params gp = {.num_beams = (int)beams, .max_new_tokens = (int)max_new, .min_new_tokens = (int)min_new,
                   .length_penalty = length_penalty, .pad_id = cfg.lm.pad_token_id};
  if (stop) {
    for (const char *p = stop; *p;) {
      char *end;
      long id = strtol(p, &end, 10);
      if (end == p || gp.n_eos == GEN_MAX_EOS || id < 0 || id >= cfg.lm.n_logits || (*end && *end != ',')) {
        rc = cli_usage_error("generate", usage, "--stop: expected up to %d token ids separated by commas", GEN_MAX_EOS);
        goto done;
      }
      gp.eos[gp.n_eos++] = (int32_t)id;
      p = *end ? end + 1 : end;
    }
  } else {
    gp.eos[gp.n_eos++] = cfg.lm.eos_token_id;
    int32_t eoc = tokenizer_token_to_id(tok, "<|endofchunk|>");
    if (eoc >= 0 && eoc != cfg.lm.eos_token_id) gp.eos[gp.n_eos++] = eoc;
  }

  int n_blocks;
  if (!(text = expand_images(prompt, cfg.resampler.n_latents, &n_blocks))) {
    cli_error("generate", "out of memory");
    goto done;
  }
  if (n_blocks != n_images) {
    rc = cli_usage_error("generate", usage, "the prompt has %d <image> but %d --image were given", n_blocks, n_images);
    goto done;
  }
  size_t n_ids;
  if (!(ids = tokenizer_encode(tok, text, strlen(text), &n_ids, err, sizeof err))) {
    cli_error("generate", "prompt: %s", err);
    rc = FS_EXIT_USAGE;
    goto done;
  }

  const size_t px = (size_t)cfg.vision.n_channels * cfg.vision.image_size * cfg.vision.image_size;
  pixels = malloc((size_t)(n_images ? n_images : 1) * px * sizeof *pixels);
  image_options opt;
  image_options_default(&opt);
  opt.size = cfg.vision.image_size;
  for (int i = 0; pixels && i < n_images; i++)
    if (image_load_chw(images[i], &opt, pixels + i * px, err, sizeof err)) {
      cli_error("generate", "%s", err);
      rc = FS_EXIT_USAGE;
      goto done;
    }
  engine_limits lim = {.max_batch = 1, .max_images = n_images ? n_images : 1, .max_prompt_tokens = (int)n_ids,
                       .max_new_tokens = (int)max_new, .max_beams = (int)beams, .n_threads = (int)threads};
  if (!pixels || !(e = engine_load(model, dev, &lim, err, sizeof err))) {
    cli_error("generate", "%s", pixels ? err : "out of memory");
    goto done;
  }
  const size_t per = engine_image_floats(e);
  emb = malloc((size_t)(n_images ? n_images : 1) * per * sizeof *emb);
  if (!emb || (n_images && engine_encode_images(e, pixels, n_images, emb, err, sizeof err))) {
    cli_error("generate", "%s", emb ? err : "out of memory");
    goto done;
  }
  const float *img_ptrs[MAX_IMAGES];
  for (int i = 0; i < n_images; i++) img_ptrs[i] = emb + i * per;
  engine_prompt pr = {.ids = ids, .n_ids = (int)n_ids, .images = img_ptrs, .n_images = n_images};
  if (engine_check_prompt(e, &pr, err, sizeof err)) {
    cli_error("generate", "%s", err);
    rc = FS_EXIT_USAGE;
    goto done;
  }
  if (engine_generate(e, &pr, 1, &gp, &out, NULL, err, sizeof err)) {
    cli_error("generate", "%s", err);
    goto done;
  }
  char *s = tokenizer_decode(tok, out.ids, (size_t)out.n, 1, NULL, err, sizeof err);
  if (!s) {
    cli_error("generate", "decode: %s", err);
    goto done;
  }
  printf("%s\n", s);
  free(s);
  if (print_ids) {
    for (int i = 0; i < out.n; i++) fprintf(stderr, "%s%d", i ? " " : "", out.ids[i]);
    fputc('\n', stderr);
  }
  rc = FS_EXIT_OK;
done:
  gen_output_free(&out, 1);
  engine_free(e);
  free(emb), free(pixels), free(ids), free(text);
  tokenizer_free(tok);
  return rc;
}
