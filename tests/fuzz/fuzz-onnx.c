/* fuzz-onnx.c: a whole .onnx file through nn_onnx_load (protobuf-c, then the graph
 * reader), in-process as digits-cli reads it; a model that loads also classifies one
 * image, so odd but accepted graphs run too. Seeds: exports of the shipped baseline
 * and of tests/onnx's test models (one of which the reader refuses at an Erf node). */
#include "fuzz-util.h"
#include "nn-onnx.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  NnModel *m = nn_onnx_load (fuzz_memfd_path (0, data, size), &error);
  /* Either a model or an error, never both or neither. */
  g_assert ((m == NULL) != (error == NULL));
  fuzz_report ("onnx", error);
  if (m)
    {
      NnWorkspace *ws = nn_workspace_new_checked (m, 1, NN_MODE_INFERENCE, NULL);
      if (ws)
        {
          float x[28 * 28] = { 0 }, probs[64];
          if (m->n_classes <= 64)
            nn_model_predict (m, ws, x, 1, probs);
          nn_workspace_free (ws);
        }
      nn_model_free (m);
    }
  g_clear_error (&error);
  return 0;
}
