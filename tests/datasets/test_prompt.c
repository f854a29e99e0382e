/* test_prompt.c - every task's prompt against the protocol strings (protocol.md §3.1, §3.2), byte for
 * byte, in every template / zero-shot / separator variant; image order; the <image> expansion.
 * (The prompts OpenFlamingo itself built on the mini datasets are compared in test_sampler.c.) */
#include "prompt.h"
#include "test_util.h"

static dataset_sample vqa(const char *id, const char *q, const char *a, const char *img) {
  dataset_sample s;
  memset(&s, 0, sizeof s);
  s.id = id;
  s.question = q;
  s.demo_text = a;
  s.image_path = img;
  return s;
}

static dataset_sample cap(const char *id, const char *c, const char *img) {
  dataset_sample s;
  memset(&s, 0, sizeof s);
  s.id = id;
  s.demo_text = c;
  s.image_path = img;
  return s;
}

/* Builds and compares text and images ("|"-separated). */
static void expect(test_ctx *t, const prompt_options *o, dataset_task task, int shots, const dataset_sample *q,
                   const dataset_sample *const *demos, int n, const char *want_text, const char *want_images, const char *what) {
  prompt p;
  char err[256];
  if (!TEST_CHECK(t, prompt_build(o, task, shots, q, demos, n, &p, err, sizeof err) == 0, "%s: %s", what, err)) return;
  test_streq(t, p.text, want_text, "%s: text", what);
  char imgs[512] = "";
  for (size_t i = 0; i < p.n_images; i++) {
    if (i) strcat(imgs, "|");
    strcat(imgs, p.images[i]);
  }
  test_streq(t, imgs, want_images, "%s: images", what);
  prompt_free(&p);
}

int main(void) {
  test_ctx t = test_begin("datasets_prompt");
  prompt_options main_o = prompt_options_default(), rsm = main_o, none = main_o, nosep = main_o;
  rsm.template_variant = PROMPT_TEMPLATE_OF_RSM;
  rsm.zero_shot = PROMPT_ZERO_SHOT_OF_RSM;
  none.zero_shot = PROMPT_ZERO_SHOT_NONE;
  nosep.demo_separator = "";

  dataset_sample d1 = vqa("1", "What is it?", "a rocket", "d1.jpg"), d2 = vqa("2", "Is it day?", "no", "d2.jpg");
  dataset_sample q = vqa("9", "What color is the sky?", NULL, "q.jpg");
  const dataset_sample *vd[] = {&d1, &d2};

  /* VQAv2 and TextVQA (both branches), OK-VQA (main). */
  const char *vqa2 = "<image>Question:What is it? Short answer:a rocket<|endofchunk|>\n"
                     "<image>Question:Is it day? Short answer:no<|endofchunk|>\n"
                     "<image>Question:What color is the sky? Short answer:";
  expect(&t, &main_o, DATASET_VQAV2, 2, &q, vd, 2, vqa2, "d1.jpg|d2.jpg|q.jpg", "vqav2 2-shot");
  expect(&t, &main_o, DATASET_TEXTVQA, 2, &q, vd, 2, vqa2, "d1.jpg|d2.jpg|q.jpg", "textvqa 2-shot");
  expect(&t, &main_o, DATASET_OKVQA, 2, &q, vd, 2, vqa2, "d1.jpg|d2.jpg|q.jpg", "okvqa 2-shot (of-main)");
  expect(&t, &rsm, DATASET_TEXTVQA, 2, &q, vd, 2, vqa2, "d1.jpg|d2.jpg|q.jpg", "textvqa 2-shot (of-rsm template)");
  /* OK-VQA, reduce-scope-mllm's template. */
  expect(&t, &rsm, DATASET_OKVQA, 2, &q, vd, 2,
         "<image>Instruct: What is it? Short answer:a rocket<|endofchunk|>\n"
         "<image>Instruct: Is it day? Short answer:no<|endofchunk|>\n"
         "<image>Instruct: What color is the sky? Short answer:",
         "d1.jpg|d2.jpg|q.jpg", "okvqa 2-shot (of-rsm)");
  /* Zero-shot, OpenFlamingo main: two text-only demos, the query image only. */
  expect(&t, &main_o, DATASET_VQAV2, 0, &q, vd, 2,
         "Question:What is it? Short answer:a rocket<|endofchunk|>\n"
         "Question:Is it day? Short answer:no<|endofchunk|>\n"
         "<image>Question:What color is the sky? Short answer:",
         "q.jpg", "vqav2 0-shot (of-main)");
  expect(&t, &rsm, DATASET_OKVQA, 0, &q, vd, 2,
         "Instruct: What is it? Short answer:a rocket<|endofchunk|>\nInstruct: Is it day? Short answer:no<|endofchunk|>\n"
         "<image>Instruct: What color is the sky? Short answer:",
         "q.jpg", "okvqa 0-shot with 2 drawn demos (of-rsm template)");
  /* Zero-shot with no demos (reduce-scope-mllm VQA, or "none"). */
  expect(&t, &rsm, DATASET_VQAV2, 0, &q, NULL, 0, "<image>Question:What color is the sky? Short answer:", "q.jpg",
         "vqav2 0-shot (of-rsm: bare)");
  expect(&t, &none, DATASET_TEXTVQA, 0, &q, NULL, 0, "<image>Question:What color is the sky? Short answer:", "q.jpg",
         "textvqa 0-shot none");

  /* Captioning: COCO, NoCaps, TextCaps. */
  dataset_sample c1 = cap("11", "A rocket on a pad.", "c1.jpg"), c2 = cap("12", "A cat.", "c2.jpg"), cq = cap("19", NULL, "cq.jpg");
  const dataset_sample *cd[] = {&c1, &c2};
  const char *cap2 = "<image>Output:A rocket on a pad.<|endofchunk|>\n<image>Output:A cat.<|endofchunk|>\n<image>Output:";
  expect(&t, &main_o, DATASET_COCO, 2, &cq, cd, 2, cap2, "c1.jpg|c2.jpg|cq.jpg", "coco 2-shot");
  expect(&t, &main_o, DATASET_NOCAPS, 2, &cq, cd, 2, cap2, "c1.jpg|c2.jpg|cq.jpg", "nocaps 2-shot");
  expect(&t, &rsm, DATASET_TEXTCAPS, 2, &cq, cd, 2, cap2, "c1.jpg|c2.jpg|cq.jpg", "textcaps 2-shot");
  expect(&t, &main_o, DATASET_COCO, 0, &cq, cd, 2,
         "Output:A rocket on a pad.<|endofchunk|>\nOutput:A cat.<|endofchunk|>\n<image>Output:", "cq.jpg", "coco 0-shot");
  expect(&t, &rsm, DATASET_COCO, 0, &cq, cd, 2,
         "Output:A rocket on a pad.<|endofchunk|>\nOutput:A cat.<|endofchunk|>\n<image>Output:", "cq.jpg",
         "coco 0-shot (of-rsm keeps 2 text demos for captions)");
  expect(&t, &none, DATASET_NOCAPS, 0, &cq, NULL, 0, "<image>Output:", "cq.jpg", "nocaps 0-shot none");
  /* OpenFlamingo hm_eval's NoCaps: no separator between demos. */
  expect(&t, &nosep, DATASET_NOCAPS, 2, &cq, cd, 2,
         "<image>Output:A rocket on a pad.<|endofchunk|><image>Output:A cat.<|endofchunk|><image>Output:",
         "c1.jpg|c2.jpg|cq.jpg", "nocaps without separator");

  /* Demo draws per shots and variant (compute_effective_num_shots). */
  TEST_CHECK(&t, prompt_num_draws(&main_o, DATASET_VQAV2, 0) == 2 && prompt_num_draws(&main_o, DATASET_COCO, 0) == 2,
             "of-main: 2 draws at 0 shots");
  TEST_CHECK(&t, prompt_num_draws(&rsm, DATASET_OKVQA, 0) == 0 && prompt_num_draws(&rsm, DATASET_NOCAPS, 0) == 2,
             "of-rsm: 0 for VQA, 2 for captions");
  TEST_CHECK(&t, prompt_num_draws(&none, DATASET_TEXTCAPS, 0) == 0 && prompt_num_draws(&none, DATASET_TEXTCAPS, 8) == 8,
             "none: 0 at 0 shots; shots otherwise");

  /* A literal "<image>" in a question would shift the images: refused when demos carry images,
   * removed like OpenFlamingo does (str.replace) in zero-shot demo text. */
  dataset_sample bad = vqa("5", "What is <image> here?", "x", "b.jpg");
  const dataset_sample *bd[] = {&bad, &d2};
  prompt p;
  char err[256];
  TEST_CHECK(&t, prompt_build(&main_o, DATASET_VQAV2, 2, &q, bd, 2, &p, err, sizeof err) != 0 && strstr(err, "sample 9"),
             "marker in a demo question refused: %s", err);
  expect(&t, &main_o, DATASET_VQAV2, 0, &q, bd, 2,
         "Question:What is  here? Short answer:x<|endofchunk|>\nQuestion:Is it day? Short answer:no<|endofchunk|>\n"
         "<image>Question:What color is the sky? Short answer:", "q.jpg", "zero-shot removes every <image> from demo text");
  dataset_sample noans = vqa("6", "Why?", NULL, "n.jpg");
  const dataset_sample *nd[] = {&noans};
  TEST_CHECK(&t, prompt_build(&main_o, DATASET_VQAV2, 1, &q, nd, 1, &p, err, sizeof err) != 0 && strstr(err, "demo 6"),
             "demo without an answer refused: %s", err);

  /* Image expansion: <image> + 127 x <image placeholder>. */
  char *x = prompt_expand_images("<image>Output:", 128);
  if (TEST_CHECK(&t, x != NULL, "expand")) {
    size_t want = strlen("<image>") + 127 * strlen("<image placeholder>") + strlen("Output:");
    TEST_CHECK(&t, strlen(x) == want, "expanded length %zu, want %zu", strlen(x), want);
    TEST_CHECK(&t, strncmp(x, "<image><image placeholder><image placeholder>", 45) == 0, "expansion starts right");
    TEST_CHECK(&t, strcmp(x + want - strlen("<image placeholder>Output:"), "<image placeholder>Output:") == 0, "expansion ends right");
    free(x);
  }
  x = prompt_expand_images("a<image>b<image>", 3);
  test_streq(&t, x, "a<image><image placeholder><image placeholder>b<image><image placeholder><image placeholder>", "two markers");
  free(x);
  x = prompt_expand_images("no markers", 128);
  test_streq(&t, x, "no markers", "no markers");
  free(x);
  x = prompt_expand_images("<image>", 1);
  test_streq(&t, x, "<image>", "one token per image");
  free(x);
  TEST_CHECK(&t, prompt_expand_images("x", 0) == NULL, "0 tokens per image refused");

  prompt_template tv;
  prompt_zero_shot zv;
  TEST_CHECK(&t, prompt_template_parse("of-rsm", &tv) == 0 && tv == PROMPT_TEMPLATE_OF_RSM && prompt_template_parse("rsm", &tv) != 0,
             "template names");
  TEST_CHECK(&t, prompt_zero_shot_parse("none", &zv) == 0 && zv == PROMPT_ZERO_SHOT_NONE && prompt_zero_shot_parse("2", &zv) != 0,
             "zero-shot names");
  test_streq(&t, prompt_zero_shot_name(PROMPT_ZERO_SHOT_OF_RSM), "of-rsm", "zero-shot name");
  return test_report(&t);
}
