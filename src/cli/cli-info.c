/* digits-cli info MODEL: what a .keras file holds. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-keras.h"

/* Keras writes flat outputs as (None, D) and images as (None, H, W, C); our
 * shapes are always (H, W, C), so remember per layer which rank Keras would show. */
typedef enum { RANK_IMAGE, RANK_MATRIX, RANK_FLAT } Rank;

static Rank
layer_rank (const NnModel *m, int i, const Rank *ranks)
{
  const NnLayer *l = &m->layers[i];

  switch (l->kind)
    {
    case NN_LAYER_INPUT:
      return m->input_layout == NN_INPUT_FLAT ? RANK_FLAT
             : m->input_layout == NN_INPUT_MATRIX ? RANK_MATRIX : RANK_IMAGE;
    case NN_LAYER_DENSE:
    case NN_LAYER_FLATTEN:
    case NN_LAYER_GLOBAL_AVG_POOL:
      return RANK_FLAT;
    case NN_LAYER_RESHAPE:
      return l->cfg.reshape.h == 1 && l->cfg.reshape.w == 1 ? RANK_FLAT : RANK_IMAGE;
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D:
    case NN_LAYER_MAX_POOL:
    case NN_LAYER_AVG_POOL:
      return RANK_IMAGE;
    default: /* elementwise layers keep their input's rank */
      return l->n_inputs > 0 ? ranks[l->inputs[0]] : RANK_IMAGE;
    }
}

static void
format_shape (char *buf, size_t size, NnShape s, Rank rank)
{
  if (rank == RANK_FLAT)
    g_snprintf (buf, size, "(None, %d)", s.h * s.w * s.c);
  else if (rank == RANK_MATRIX)
    g_snprintf (buf, size, "(None, %d, %d)", s.h, s.w * s.c);
  else
    g_snprintf (buf, size, "(None, %d, %d, %d)", s.h, s.w, s.c);
}

/* The settings a reader looks for first: "32, 3×3, same, relu". */
static char *
describe_config (const NnLayer *l)
{
  const char *times = cli_utf8 () ? "×" : "x";

  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
      {
        const NnConvConfig *c = &l->cfg.conv;
        GString *s = g_string_new (NULL);
        if (l->kind == NN_LAYER_DEPTHWISE_CONV2D)
          g_string_append_printf (s, "×%d", c->depth_multiplier);
        else
          g_string_append_printf (s, "%d", c->filters);
        g_string_append_printf (s, ", %d%s%d", c->kh, times, c->kw);
        if (c->stride_h != 1 || c->stride_w != 1)
          g_string_append_printf (s, "/%d", c->stride_h);
        g_string_append_printf (s, ", %s", c->padding == NN_PAD_SAME ? "same" : "valid");
        if (c->activation != NN_ACT_LINEAR)
          g_string_append_printf (s, ", %s", nn_activation_to_keras (c->activation));
        if (!c->use_bias)
          g_string_append (s, ", no bias");
        return g_string_free (s, FALSE);
      }
    case NN_LAYER_DENSE:
      return g_strdup_printf ("%d%s%s", l->cfg.dense.units,
                              l->cfg.dense.activation != NN_ACT_LINEAR ? ", " : "",
                              l->cfg.dense.activation != NN_ACT_LINEAR
                                ? nn_activation_to_keras (l->cfg.dense.activation) : "");
    case NN_LAYER_MAX_POOL:
    case NN_LAYER_AVG_POOL:
      return g_strdup_printf ("%d%s%d", l->cfg.pool.pool_h, times, l->cfg.pool.pool_w);
    case NN_LAYER_DROPOUT:
      return g_strdup_printf ("%g", l->cfg.dropout.rate);
    case NN_LAYER_ACTIVATION:
      return g_strdup (nn_activation_to_keras (l->cfg.act.activation));
    case NN_LAYER_BATCH_NORM:
      return g_strdup_printf ("momentum %g, ε %g", l->cfg.bn.momentum, l->cfg.bn.epsilon);
    case NN_LAYER_RESCALING:
      return g_strdup_printf ("%s%.6g + %g", times, l->cfg.rescaling.scale,
                              l->cfg.rescaling.offset);
    default:
      return g_strdup ("");
    }
}

static void
print_layers (const NnModel *m)
{
  g_autofree Rank *ranks = g_new0 (Rank, m->n_layers);
  gboolean functional = m->style == NN_MODEL_FUNCTIONAL;
  int name_w = 4, class_w = 5, shape_w = 12;
  char shape[64];

  for (int i = 0; i < m->n_layers; i++)
    {
      name_w = MAX (name_w, (int) strlen (m->layers[i].name));
      class_w = MAX (class_w, (int) strlen (nn_layer_kind_to_keras (m->layers[i].kind)));
      ranks[i] = layer_rank (m, i, ranks);
      format_shape (shape, sizeof shape, m->layers[i].out_shape, ranks[i]);
      shape_w = MAX (shape_w, (int) strlen (shape));
    }
  cli_print ("\n  %3s  %-*s  %-*s  %-*s  %10s  %-9s  %s\n", "#", name_w, "name", class_w, "class",
          shape_w, "output shape", "params", "trainable",
          functional ? "[← inputs;] config" : "config");
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      g_autofree char *config = describe_config (l);
      char params[32];
      size_t n_params = nn_layer_count_params (l);

      format_shape (shape, sizeof shape, l->out_shape, ranks[i]);
      cli_print ("  %3d  %-*s  %-*s  %-*s  %10s  %-9s  ", i, name_w, l->name, class_w,
              nn_layer_kind_to_keras (l->kind), shape_w, shape,
              cli_format_count (params, sizeof params, (gint64) n_params),
              n_params == 0 ? "" : l->trainable ? "yes" : "frozen");
      /* A Functional graph's wiring, where it is not simply the previous layer. */
      if (functional && l->n_inputs > 0 && (l->n_inputs > 1 || l->inputs[0] != i - 1))
        {
          for (int k = 0; k < l->n_inputs; k++)
            cli_print ("%s%s", k > 0 ? ", " : "← ", m->layers[l->inputs[k]].name);
          if (config[0] != '\0')
            fputs ("; ", stdout);
        }
      cli_print ("%s\n", config);
    }
}

static void
print_metadata (const NnModel *m)
{
  g_autoptr (GList) keys = NULL;

  if (m->metadata == NULL || g_hash_table_size (m->metadata) == 0)
    return;
  keys = g_list_sort (g_hash_table_get_keys (m->metadata), (GCompareFunc) strcmp);
  cli_print ("\nMetadata\n");
  for (GList *k = keys; k != NULL; k = k->next)
    {
      const char *v = g_hash_table_lookup (m->metadata, k->data);
      /* Lists of numbers (a not-a-digit rule's class centres) would fill screens. */
      if (v != NULL && strlen (v) > 72)
        {
          g_autofree char *head = g_utf8_validate (v, -1, NULL) ? g_utf8_substring (v, 0, 40)
                                                                : g_strndup (v, 40);
          cli_print ("  %-22s %s… (%u bytes)\n", (const char *) k->data, head,
                     (unsigned) strlen (v));
        }
      else
        cli_print ("  %-22s %s\n", (const char *) k->data, v);
    }
}

int
cli_info (int argc, char **argv)
{
  g_autoptr (NnModel) m = NULL;
  g_autoptr (NnKerasInfo) info = NULL;
  const GOptionEntry entries[] = { { NULL } };
  char total[32], trainable[32], frozen[32], shape[64];
  size_t n_total, n_trainable;
  int status;
  Rank in_rank;

  if (!cli_parse_options ("info", "MODEL", "Layers, output shapes, parameter counts, input "
                          "shape and Keras version of a .keras file.",
                          entries, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return cli_usage_error ("info", argc < 2 ? "a MODEL file is required"
                                             : "one MODEL file at a time");

  m = cli_load_model_with_info (argv[1], 1, &info);
  if (m == NULL)
    return 1;

  n_total = nn_model_count_params (m, FALSE);
  n_trainable = nn_model_count_params (m, TRUE);
  in_rank = m->input_layout == NN_INPUT_FLAT ? RANK_FLAT
            : m->input_layout == NN_INPUT_MATRIX ? RANK_MATRIX : RANK_IMAGE;
  format_shape (shape, sizeof shape, m->layers[0].out_shape, in_rank);

  cli_print ("Model           %s\n", argv[1]);
  cli_print ("Name            %s (%s, %d layers)\n", m->name,
          m->style == NN_MODEL_SEQUENTIAL ? "Sequential" : "Functional", m->n_layers);
  cli_print ("Keras version   %s\n", info->keras_version != NULL ? info->keras_version : "unknown");
  cli_print ("Date saved      %s\n", info->date_saved != NULL ? info->date_saved : "unknown");
  cli_print ("Input           %s, %s\n", shape,
          m->input_layout == NN_INPUT_FLAT     ? "784 flat pixels"
          : m->input_layout == NN_INPUT_MATRIX ? "28 x 28 matrix"
                                               : "28 x 28 x 1 image (NHWC)");
  cli_print ("Output          %d classes%s (layer %s)\n", m->n_classes,
          m->output_softmax ? ", softmax" : ", logits", m->layers[m->output].name);
  print_layers (m);
  cli_print ("\nTotal params          %s (%.2f MB as float32)\n",
          cli_format_count (total, sizeof total, (gint64) n_total), n_total * 4.0 / 1e6);
  cli_print ("Trainable params      %s\n",
          cli_format_count (trainable, sizeof trainable, (gint64) n_trainable));
  cli_print ("Non-trainable params  %s\n",
          cli_format_count (frozen, sizeof frozen, (gint64) (n_total - n_trainable)));
  print_metadata (m);
  return 0;
}
