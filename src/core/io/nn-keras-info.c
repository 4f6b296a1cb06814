/* nn-keras-info.c: the Keras-only metadata of a loaded model (NnKerasInfo): a plain
 * structure with a table of per-layer config items. Uses nothing else in src/core/io. */
#include "nn-keras-info.h"

NnKerasInfo *
nn_keras_info_new (void)
{
  return g_new0 (NnKerasInfo, 1);
}

void
nn_keras_info_free (NnKerasInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->keras_version);
  g_free (info->date_saved);
  g_free (info->compile_config_json);
  if (info->layer_configs)
    g_hash_table_unref (info->layer_configs);
  g_free (info);
}

NnKerasInfo *
nn_keras_info_copy (const NnKerasInfo *info)
{
  if (info == NULL)
    return NULL;
  NnKerasInfo *c = nn_keras_info_new ();
  c->keras_version = g_strdup (info->keras_version);
  c->date_saved = g_strdup (info->date_saved);
  c->compile_config_json = g_strdup (info->compile_config_json);
  if (info->layer_configs)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, info->layer_configs);
      while (g_hash_table_iter_next (&it, &k, &v))
        nn_keras_info_take_layer_config (c, k, g_strdup (v));
    }
  return c;
}

const char *
nn_keras_info_layer_config (const NnKerasInfo *info, const char *layer_name)
{
  if (info == NULL || info->layer_configs == NULL || layer_name == NULL)
    return NULL;
  return g_hash_table_lookup (info->layer_configs, layer_name);
}

void
nn_keras_info_take_layer_config (NnKerasInfo *info, const char *layer_name, char *json)
{
  g_return_if_fail (info != NULL && layer_name != NULL);
  if (json == NULL)
    {
      if (info->layer_configs)
        g_hash_table_remove (info->layer_configs, layer_name);
      return;
    }
  if (info->layer_configs == NULL)
    info->layer_configs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (info->layer_configs, g_strdup (layer_name), json);
}
