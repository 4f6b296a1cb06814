/* cli.h: the subcommands of digits-cli. Each lives in its own cli-<name>.c and
 * returns the process exit status: 0 on success, 1 on a failure already reported
 * on stderr, 2 on a usage error. */
#pragma once

#include <glib.h>

int cli_info (int argc, char **argv);
int cli_evaluate (int argc, char **argv);
int cli_predict (int argc, char **argv);
int cli_explain (int argc, char **argv);
int cli_activations (int argc, char **argv);
int cli_bench (int argc, char **argv);
int cli_bench_train (int argc, char **argv); /* "bench --train", in cli-bench-train.c */
int cli_bench_time_to_accuracy (int argc, char **argv); /* in cli-bench-tta.c */
int cli_train (int argc, char **argv);
int cli_robustness (int argc, char **argv);
int cli_calibrate (int argc, char **argv);
int cli_read (int argc, char **argv);
int cli_download_mnist (int argc, char **argv); /* in cli-mnist.c */
int cli_export (int argc, char **argv);     /* only with NN_HAVE_ONNX */
