/* nn-model-file.c: .keras or .onnx by the file's name, for every program that opens
 * or saves a model (nn-model-file.h). */
#include <string.h>

#include "nn-error.h"
#include "nn-keras.h"
#include "nn-keras-isolated.h"
#include "nn-model-file.h"
#ifdef NN_HAVE_ONNX
#include "nn-onnx.h"
#endif

static gboolean
has_suffix_nocase (const char *name, const char *suffix)
{
  size_t n = strlen (name), k = strlen (suffix);
  return n >= k && g_ascii_strcasecmp (name + n - k, suffix) == 0;
}

gboolean
nn_model_file_is_onnx (const char *name)
{
  return name && has_suffix_nocase (name, ".onnx");
}

gboolean
nn_model_file_is_model (const char *name)
{
  return name && (g_str_has_suffix (name, ".keras") || nn_model_file_is_onnx (name));
}

char *
nn_model_file_title (const char *path)
{
  char *base = g_path_get_basename (path);
  size_t n = strlen (base);

  if (g_str_has_suffix (base, ".keras") && n > strlen (".keras"))
    base[n - strlen (".keras")] = '\0';
  else if (nn_model_file_is_onnx (base) && n > strlen (".onnx"))
    base[n - strlen (".onnx")] = '\0';
  return base;
}

#ifndef NN_HAVE_ONNX
static void
set_no_onnx (const char *path, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED,
               "%s: this build of Digits has no ONNX support (it needs protobuf-c and "
               "libonnx-dev at build time)", display);
}
#endif

NnModel *
nn_model_file_load (const char *path, gboolean trusted, NnKerasInfo **info, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  if (nn_model_file_is_onnx (path))
    {
#ifdef NN_HAVE_ONNX
      NnModel *m = nn_onnx_load (path, error);
      if (m && info)
        *info = nn_keras_info_new ();
      return m;
#else
      set_no_onnx (path, error);
      return NULL;
#endif
    }
  if (trusted)
    return info ? nn_keras_load_with_info (path, info, error) : nn_keras_load (path, error);
  return info ? nn_keras_load_isolated_with_info (path, info, error)
              : nn_keras_load_isolated (path, error);
}

gboolean
nn_model_file_save (const NnModel *model, const char *path,
                    const NnKerasSaveOptions *options, GError **error)
{
  g_return_val_if_fail (model != NULL && path != NULL, FALSE);

  if (nn_model_file_is_onnx (path))
    {
#ifdef NN_HAVE_ONNX
      return nn_onnx_save (model, path, error);
#else
      set_no_onnx (path, error);
      return FALSE;
#endif
    }
  return nn_keras_save (model, path, options, error);
}
