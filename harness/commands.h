/* commands.h - entry points of the fewshot subcommands, one file each (harness/cmd_<name>.c).
 * Each takes argc/argv with argv[0] = the subcommand name and returns an exit code (cli.h). */
#ifndef FEWSHOT_COMMANDS_H
#define FEWSHOT_COMMANDS_H

int cmd_eval(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_table(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_prompts(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_preprocess(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
