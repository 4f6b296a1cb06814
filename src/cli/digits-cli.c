/* digits-cli: the core's pipelines, headless. This file only dispatches. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-common.h"
#include "plot-common.h"

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} CliCommand;

static const CliCommand commands[] = {
  { "info",       cli_info,       "MODEL               layers, shapes, parameters, Keras version" },
  { "evaluate",   cli_evaluate,   "MODEL [--data DIR]  accuracy, per-class scores, confusion matrix" },
  { "predict",    cli_predict,    "MODEL IMAGE...      classify PNG or JPEG images" },
  { "explain",    cli_explain,    "MODEL IMAGE...      where the model looked (4 methods); --score: how faithfully" },
  { "activations", cli_activations, "MODEL IMAGE -o OUT  every layer's feature maps and the first filters" },
  { "train",      cli_train,      "RECIPE              baseline, cnn, advanced, quick or finetune DIR" },
  { "read",       cli_read,       "MODEL IMAGE...      read numbers of several digits" },
  { "calibrate",  cli_calibrate,  "MODEL -o OUT        temperature and not-a-digit rule fitted on MNIST" },
  { "robustness", cli_robustness, "MODEL               accuracy under noise, blur, rotation, shift, thickening" },
  { "bench",      cli_bench,      "[--train]           inference and training speed" },
  { "download-mnist", cli_download_mnist, "[--to DIR]          fetch MNIST and check its SHA-256 sums" },
#ifdef NN_HAVE_ONNX
  { "export",     cli_export,     "MODEL OUT.onnx      the model as ONNX, for ONNX Runtime" },
#endif
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: digits-cli COMMAND [OPTION...]\n\nCommands:\n");
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-14s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'digits-cli COMMAND --help' for the options of a command.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  cli_signals_init ();
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        int status = commands[i].run (argc - 1, argv + 1);
        plot_shutdown (); /* font caches: a clean exit for leak checkers */
        return cli_finish_stdout (status); /* a full disk under > is a failure too */
      }
  g_autofree char *shown = cli_escape (argv[1], FALSE);
  fprintf (stderr, "digits-cli: unknown command '%s'\n\n", shown);
  print_usage (stderr);
  return 2;
}
