/* digits-cli export MODEL OUT.onnx: a model as an ONNX file (nn-onnx.h), for ONNX
 * Runtime and the other runtimes. Built when meson found protobuf-c (NN_HAVE_ONNX). */
#include <stdio.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-onnx.h"

int
cli_export (int argc, char **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr (GError) error = NULL;
  int status;

  if (!cli_parse_options ("export", "MODEL OUT.onnx",
                          "Writes MODEL as an ONNX file (opset " G_STRINGIFY (NN_ONNX_OPSET)
                          ") that takes NHWC images [N, 28, 28, 1] with values in [0, 1] and "
                          "returns the probabilities of the ten digits.",
                          entries, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return cli_usage_error ("export", argc < 3 ? "a MODEL and an OUT.onnx file are required"
                                               : "one MODEL and one OUT.onnx file");

  g_autoptr (NnModel) m = cli_load_model (argv[1], 1);
  if (m == NULL)
    return 1;
  if (!nn_onnx_save (m, argv[2], &error))
    return cli_error_gerror (argv[2], error);
  cli_print ("Wrote %s (ONNX opset %d, %d layers of %s)\n", argv[2], NN_ONNX_OPSET,
             m->n_layers, argv[1]);
  return 0;
}
