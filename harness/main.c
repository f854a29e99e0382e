/* main.c - the fewshot binary: dispatches to one subcommand (design.md §6).
 *
 *   fewshot <subcommand> [options]      run a subcommand (each has --help)
 *   fewshot --help | --version
 *
 * This is the only place that exits with the subcommand's status. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "version.h"

static const cli_command commands[] = {
    {"eval", cmd_eval, "run a config: tasks x shots x seeds, per-sample records, resumable", 1},
    {"merge", cmd_merge, "join the outputs of shards (eval --shard I/N) into one run", 0},
    {"table", cmd_table, "the model card's table from run summaries, with reference rows", 0},
    {"compare", cmd_compare, "two runs side by side with confidence intervals; exit 1 on a significant drop", 0},
    {"score", cmd_score, "score a predictions file against official annotations (score vqa | score caption)", 0},
    {"prompts", cmd_prompts, "dry run: print the interleaved prompts and demo ids a config would use", 0},
    {"generate", cmd_generate, "one prompt with images -> text", 1},
    {"tokenize", cmd_tokenize, "text -> ids and back with the model's tokenizer", 0},
    {"preprocess", cmd_preprocess, "decode and resize images exactly as the reference does", 0},
    {"inspect", cmd_inspect, "summarise and validate a checkpoint against the architecture", 0},
    {"demo", cmd_demo, "the embedded demo: a tiny bundled model on bundled mini datasets", 1},
    {"bench", cmd_bench, "performance benchmarks", 1},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void print_usage(FILE *out) {
  fprintf(out,
          "fewshot %s - few-shot evaluation harness for xGen-MM (BLIP-3) models\n\n"
          "usage: fewshot <subcommand> [options]\n"
          "       fewshot <subcommand> --help\n"
          "       fewshot --version\n\nsubcommands:\n",
          fewshot_version_string());
  for (int i = 0; i < N_COMMANDS; i++) fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\nexit codes: 0 ok, 1 a check failed, 2 bad usage or bad input, 3 runtime failure\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return FS_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    if (strcmp(name, "help") == 0 && argc > 2) {
      for (int i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].name, argv[2]) == 0) {
          char *sub_argv[] = {argv[2], "--help", NULL};
          return commands[i].run(2, sub_argv);
        }
      }
      fprintf(stderr, "fewshot: unknown subcommand '%s'\n", argv[2]);
      return FS_EXIT_USAGE;
    }
    print_usage(stdout);
    return FS_EXIT_OK;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    printf("fewshot %s (commit %s, cuda %s)\n", fewshot_version_string(), fewshot_build_commit(),
           fewshot_built_with_cuda() ? "yes" : "no");
    return FS_EXIT_OK;
  }
  for (int i = 0; i < N_COMMANDS; i++) {
    if (strcmp(commands[i].name, name) != 0) continue;
    if (commands[i].runs_model && !cli_wants_help(argc - 1, argv + 1)) cli_prefer_passive_wait(argv);
    return commands[i].run(argc - 1, argv + 1);
  }
  fprintf(stderr, "fewshot: unknown subcommand '%s' (try fewshot --help)\n", name);
  return FS_EXIT_USAGE;
}
