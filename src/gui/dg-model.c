/* dg-model.c: a .keras file, its workspace and what the info popover shows. */
#include <stdlib.h>
#include "dg-config.h"
#include "dg-model.h"
#include "nn-explain.h"
#include "nn-error.h"
#include "nn-gradcam.h"
#include "nn-keras.h"
#include "nn-keras-isolated.h"
#include "nn-number.h"
#include "nn-model-file.h"
#include "dg-test-hooks.h"

struct _DgModel {
  GObject parent_instance;

  char *path;
  char *title;
  NnModel *nn;
  NnWorkspace *ws; /* inference, batch NN_NUMBER_BATCH */
  NnVerdictRule rule; /* not a digit: the file's rule, or the default one */
  NnNumberPieces *pieces; /* reads numbers' candidate digits in place; NULL without */
};

G_DEFINE_FINAL_TYPE (DgModel, dg_model, G_TYPE_OBJECT)

static void
dg_model_finalize (GObject *object)
{
  DgModel *self = DG_MODEL (object);

  g_clear_pointer (&self->ws, nn_workspace_free);
  g_clear_pointer (&self->pieces, nn_number_pieces_free);
  nn_verdict_rule_clear (&self->rule);
  g_clear_pointer (&self->nn, nn_model_free);
  g_free (self->path);
  g_free (self->title);
  G_OBJECT_CLASS (dg_model_parent_class)->finalize (object);
}

static void
dg_model_class_init (DgModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dg_model_finalize;
}

static void
dg_model_init (DgModel *self)
{
}

/* TRUE for a model in the folder the app ships its models in (or, run from the
 * build tree, the source tree's models folder): those are as trusted as the app. */
static gboolean
is_shipped (const char *path)
{
  g_autofree char *real = realpath (path, NULL);
  g_autofree char *dir = real ? g_path_get_dirname (real) : NULL;
  g_autofree char *shipped = realpath (DIGITS_MODELS_DIR, NULL);
  g_autofree char *source = dg_running_uninstalled ()
                            ? realpath (DIGITS_SOURCE_MODELS_DIR, NULL) : NULL;
  return dir && (g_strcmp0 (dir, shipped) == 0 || g_strcmp0 (dir, source) == 0);
}

/* A model whose weights overflow float arithmetic answers NaN for every drawing:
 * one look at a blank and a grey input finds it before it replaces a good model. */
static gboolean
answers_finitely (NnModel *nn, NnWorkspace *ws, const char *path, GError **error)
{
  enum { PIXELS = 28 * 28 }; /* every model the app takes reads one 28 x 28 image */
  float x[2][PIXELS], probs[2 * DG_N_CLASSES];
  g_autoptr(GError) local = NULL;

  for (int i = 0; i < PIXELS; i++)
    x[0][i] = 0.f, x[1][i] = 0.5f;
  for (int k = 0; k < 2; k++)
    if (!nn_model_predict_checked (nn, ws, x[k], 1, probs + k * DG_N_CLASSES, &local))
      {
        g_autofree char *display = g_filename_display_name (path);
        g_set_error (error, NN_ERROR, NN_ERROR_NUMERIC, "%s: %s", display, local->message);
        return FALSE;
      }
  return TRUE;
}

/* The shipped pieces model, for a model with a not-a-digit detector (the
 * weights that read with it are fitted with one). Without the file numbers are
 * read as before, touching digits less well. */
static NnNumberPieces *
load_pieces (const NnVerdictRule *rule)
{
  g_autoptr(GError) error = NULL;
  NnModel *model;
  NnNumberPieces *pieces;

  if (rule->weights == NULL)
    return NULL;
  model = nn_model_file_load (nn_number_pieces_shipped_path (), TRUE, NULL, &error);
  pieces = model != NULL ? nn_number_pieces_new (model, &error) : NULL;
  if (pieces == NULL)
    g_message ("%s: %s; numbers are read without it", nn_number_pieces_shipped_path (),
               error->message);
  return pieces;
}

DgModel *
dg_model_load (const char *path, GError **error)
{
  g_autoptr(NnModel) nn = NULL;
  NnWorkspace *ws;
  DgModel *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Any other .keras file is parsed in the sandboxed reader; the shipped ones load
   * here, which saves the reader's start (about 25 ms) at every start-up. An .onnx
   * file is read here, with caps on every size (nn-model-file.h). */
  nn = nn_model_file_load (path, is_shipped (path), NULL, error);
  if (!nn)
    return NULL;
  if (nn->n_classes != DG_N_CLASSES)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   _("%s: the model has %d outputs; a digit model needs 10"), path, nn->n_classes);
      return NULL;
    }

  ws = nn_workspace_new_checked (nn, NN_NUMBER_BATCH, NN_MODE_INFERENCE, error);
  if (!ws || !answers_finitely (nn, ws, path, error))
    {
      g_clear_pointer (&ws, nn_workspace_free);
      return NULL;
    }

  self = g_object_new (DG_TYPE_MODEL, NULL);
  self->path = g_strdup (path);
  self->title = nn_model_file_title (path);
  self->ws = ws;
  self->nn = g_steal_pointer (&nn);
  nn_verdict_rule_from_model (self->nn, &self->rule);
  self->pieces = load_pieces (&self->rule);
  return self;
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  DgModel *model;

  dg_test_stamp ("load-start");
  model = dg_model_load (task_data, &error);
  dg_test_stamp ("load-end");

  if (model)
    g_task_return_pointer (task, model, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
dg_model_load_async (const char *path, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dg_model_load_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, load_thread);
}

DgModel *
dg_model_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
dg_model_get_path (DgModel *self)
{
  g_return_val_if_fail (DG_IS_MODEL (self), NULL);
  return self->path;
}

const char *
dg_model_get_title (DgModel *self)
{
  g_return_val_if_fail (DG_IS_MODEL (self), NULL);
  return self->title;
}

NnModel *
dg_model_get_nn (DgModel *self)
{
  g_return_val_if_fail (DG_IS_MODEL (self), NULL);
  return self->nn;
}

gsize
dg_model_get_n_params (DgModel *self)
{
  g_return_val_if_fail (DG_IS_MODEL (self), 0);
  return nn_model_count_params (self->nn, FALSE);
}

const char *
dg_model_get_test_accuracy (DgModel *self)
{
  g_return_val_if_fail (DG_IS_MODEL (self), NULL);
  if (!self->nn->metadata)
    return NULL;
  return g_hash_table_lookup (self->nn->metadata, "test_accuracy");
}

char *
dg_model_describe_layers (DgModel *self)
{
  GString *text;

  g_return_val_if_fail (DG_IS_MODEL (self), NULL);

  text = g_string_new (NULL);
  for (int i = 0; i < self->nn->n_layers; i++)
    {
      const NnLayer *layer = &self->nn->layers[i];
      NnShape s = layer->out_shape;

      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, "%s\t%s\t", layer->name ? layer->name : "",
                              nn_layer_kind_to_keras (layer->kind));
      if (s.h == 1 && s.w == 1)
        g_string_append_printf (text, "(%d)", s.c);
      else
        g_string_append_printf (text, "(%d, %d, %d)", s.h, s.w, s.c);
      g_string_append_printf (text, "\t%" G_GSIZE_FORMAT, nn_layer_count_params (layer));
    }
  return g_string_free (text, FALSE);
}

gboolean
dg_model_has_gradcam (DgModel *self)
{
  g_return_val_if_fail (DG_IS_MODEL (self), FALSE);
  return nn_gradcam_default_layer (self->nn) >= 0;
}

gboolean
dg_model_predict (DgModel *self, const float *input, float *probs, GError **error)
{
  g_return_val_if_fail (DG_IS_MODEL (self), FALSE);
  return nn_model_predict_checked (self->nn, self->ws, input, 1, probs, error);
}

gboolean
dg_model_gradcam (DgModel *self, const float *input, int class_index, float *heat,
                  GError **error)
{
  NnGradCam cam;

  g_return_val_if_fail (DG_IS_MODEL (self), FALSE);
  /* the layer measured as the most faithful for this model (nn-explain.h) */
  int layer = nn_explain_default_layer (self->nn, NN_EXPLAIN_GRADCAM);
  if (!nn_gradcam_compute (self->nn, self->ws, input, class_index, layer, &cam, error))
    return FALSE;
  memcpy (heat, cam.heatmap, sizeof cam.heatmap);
  return TRUE;
}

/* A pass for the logits and the feature layer the rule reads, as digits-cli
 * predict does (nn_model_forward_logits keeps the output layer's input). */
NnVerdict
dg_model_judge (DgModel *self, const float *input)
{
  NnVerdictFeatures f;
  const float *logits, *feat = NULL;

  g_return_val_if_fail (DG_IS_MODEL (self), NN_VERDICT_DIGIT);
  logits = nn_model_forward_logits (self->nn, self->ws, input, 1);
  if (self->rule.dim > 0)
    feat = nn_workspace_layer_output (self->ws, nn_verdict_feature_layer (self->nn));
  nn_verdict_features (&self->rule, input, logits, self->nn->n_classes, feat, &f);
  return nn_verdict_judge (&self->rule, &f);
}

gboolean
dg_model_read_number (DgModel *self, const guint8 *grey, int width, int height, int stride,
                      gboolean in_place, NnNumberReading *out, GError **error)
{
  g_return_val_if_fail (DG_IS_MODEL (self), FALSE);
  return nn_number_read (self->nn, self->ws, &self->rule, in_place ? self->pieces : NULL, grey,
                         width, height, stride, NN_BACKGROUND_DARK, out, error);
}
