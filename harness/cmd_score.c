/* cmd_score.c - `fewshot score`: scores a predictions file against official annotation files.
 *
 *   fewshot score vqa --questions Q --annotations A --results R
 *                     [--variant official|openflamingo|official-pre2021] [--okvqa-stem] [--json]
 *   fewshot score caption --annotations A --results R [--json]
 *
 * Bad input (missing file, wrong shape, unknown or duplicate ids) is one line on stderr and exit 2.
 * The loading and scoring live in score_*.c (score.h); this file only parses the command line. */
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "score.h"

static const char usage[] =
    "usage: fewshot score vqa --questions Q --annotations A --results R\n"
    "                         [--variant official|openflamingo|official-pre2021] [--okvqa-stem] [--json]\n"
    "       fewshot score caption --annotations A --results R [--json]\n"
    "\n"
    "Scores a predictions file against official annotation files.\n"
    "  vqa      VQA accuracy. Q: questions JSON {\"questions\": [...]}, A: annotations JSON\n"
    "           {\"annotations\": [...]}, R: results JSON [{\"question_id\", \"answer\"}].\n"
    "           --variant official (default): GT-Vision-Lab vqaEval.py (2021); every annotated\n"
    "             question needs a result. openflamingo: OpenFlamingo's copy (always normalises;\n"
    "             scores only the questions in R). official-pre2021: the 2016 version, informative.\n"
    "           --okvqa-stem: stem each answer as OpenFlamingo's OK-VQA post-processing does.\n"
    "  caption  CIDEr-D, BLEU-1..4, ROUGE-L as pycocoevalcap. A: COCO captions JSON\n"
    "           {\"images\", \"annotations\"}, R: results JSON [{\"image_id\", \"caption\"}].\n"
    "           Only the images in R are scored (and give the CIDEr document frequencies).\n"
    "  --json   machine-readable output (README \"score\" gives the shapes).\n";

static int score_vqa_cmd(int argc, char **argv) {
  score_vqa_opts o = {0};
  o.variant = VQA_OFFICIAL;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **dst = NULL;
    if (!strcmp(a, "--questions")) dst = &o.questions_path;
    else if (!strcmp(a, "--annotations")) dst = &o.annotations_path;
    else if (!strcmp(a, "--results")) dst = &o.results_path;
    else if (!strcmp(a, "--json")) {
      json = 1;
      continue;
    } else if (!strcmp(a, "--okvqa-stem")) {
      o.okvqa_stem = 1;
      continue;
    } else if (!strcmp(a, "--variant")) {
      if (i + 1 >= argc) return cli_usage_error("score", usage, "--variant needs a value");
      if (vqa_variant_parse(argv[++i], &o.variant))
        return cli_usage_error("score", usage, "--variant: unknown variant '%s'", argv[i]);
      continue;
    } else {
      return cli_usage_error("score", usage, "vqa: unknown argument '%s'", a);
    }
    if (i + 1 >= argc) return cli_usage_error("score", usage, "%s needs a file", a);
    *dst = argv[++i];
  }
  if (!o.questions_path || !o.annotations_path || !o.results_path)
    return cli_usage_error("score", usage, "vqa needs --questions, --annotations and --results");
  char err[512];
  score_vqa_report r;
  if (score_vqa_run(&o, &r, err, sizeof err)) {
    cli_error("score", "%s", err);
    return FS_EXIT_USAGE;
  }
  if (json) score_vqa_write_json(stdout, &r);
  else score_vqa_write_text(stdout, &r);
  score_vqa_report_free(&r);
  if (fflush(stdout)) {
    cli_error("score", "cannot write the report to stdout");
    return FS_EXIT_RUNTIME;
  }
  return FS_EXIT_OK;
}

static int score_caption_cmd(int argc, char **argv) {
  score_caption_opts o = {0};
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **dst = NULL;
    if (!strcmp(a, "--annotations")) dst = &o.annotations_path;
    else if (!strcmp(a, "--results")) dst = &o.results_path;
    else if (!strcmp(a, "--json")) {
      json = 1;
      continue;
    } else {
      return cli_usage_error("score", usage, "caption: unknown argument '%s'", a);
    }
    if (i + 1 >= argc) return cli_usage_error("score", usage, "%s needs a file", a);
    *dst = argv[++i];
  }
  if (!o.annotations_path || !o.results_path)
    return cli_usage_error("score", usage, "caption needs --annotations and --results");
  char err[512];
  score_caption_report r;
  if (score_caption_run(&o, &r, err, sizeof err)) {
    cli_error("score", "%s", err);
    return FS_EXIT_USAGE;
  }
  if (json) score_caption_write_json(stdout, &r);
  else score_caption_write_text(stdout, &r);
  score_caption_report_free(&r);
  if (fflush(stdout)) {
    cli_error("score", "cannot write the report to stdout");
    return FS_EXIT_RUNTIME;
  }
  return FS_EXIT_OK;
}

int cmd_score(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  if (argc < 2) return cli_usage_error("score", usage, "which metric: vqa or caption?");
  if (!strcmp(argv[1], "vqa")) return score_vqa_cmd(argc - 1, argv + 1);
  if (!strcmp(argv[1], "caption")) return score_caption_cmd(argc - 1, argv + 1);
  return cli_usage_error("score", usage, "unknown metric '%s' (vqa or caption)", argv[1]);
}
