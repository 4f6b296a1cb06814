/* dg-model-list.c: model discovery. */
#include "dg-config.h"
#include "dg-model-list.h"
#include "nn-keras.h"
#include "nn-model-file.h"

struct _DgModelList {
  GObject parent_instance;

  GListStore *store;      /* of GtkStringObject (path) */
  GHashTable *accuracies; /* path -> stored test accuracy, "" for none: read once, again
                           * after the path is added anew (a file just written) */
};

static void dg_model_list_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DgModelList, dg_model_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, dg_model_list_iface_init))

static GType
dg_model_list_get_item_type (GListModel *model)
{
  return GTK_TYPE_STRING_OBJECT;
}

static guint
dg_model_list_get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (DG_MODEL_LIST (model)->store));
}

static gpointer
dg_model_list_get_item (GListModel *model, guint position)
{
  return g_list_model_get_item (G_LIST_MODEL (DG_MODEL_LIST (model)->store), position);
}

static void
dg_model_list_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = dg_model_list_get_item_type;
  iface->get_n_items = dg_model_list_get_n_items;
  iface->get_item = dg_model_list_get_item;
}

static void
on_store_items_changed (GListModel *store, guint position, guint removed, guint added,
                        DgModelList *self)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
dg_model_list_dispose (GObject *object)
{
  DgModelList *self = DG_MODEL_LIST (object);

  if (self->store)
    g_signal_handlers_disconnect_by_func (self->store, on_store_items_changed, self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->accuracies, g_hash_table_unref);
  G_OBJECT_CLASS (dg_model_list_parent_class)->dispose (object);
}

static void
dg_model_list_class_init (DgModelListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dg_model_list_dispose;
}

static void
dg_model_list_init (DgModelList *self)
{
  self->store = g_list_store_new (GTK_TYPE_STRING_OBJECT);
  self->accuracies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_signal_connect (self->store, "items-changed", G_CALLBACK (on_store_items_changed), self);
}

DgModelList *
dg_model_list_new (void)
{
  DgModelList *self = g_object_new (DG_TYPE_MODEL_LIST, NULL);

  dg_model_list_refresh (self);
  return self;
}

GStrv
dg_model_list_dup_search_dirs (void)
{
  const char *env = g_getenv ("DIGITS_MODELS_PATH");
  g_autoptr(GStrvBuilder) dirs = NULL;
  g_autofree char *user_dir = NULL;
  g_autofree char *cwd_dir = NULL;

  if (env && *env)
    return g_strsplit (env, ":", -1);

  dirs = g_strv_builder_new ();
  g_strv_builder_add (dirs, DIGITS_MODELS_DIR);
  user_dir = g_build_filename (g_get_user_data_dir (), "digits", "models", NULL);
  g_strv_builder_add (dirs, user_dir);
  if (dg_running_uninstalled ())
    {
      cwd_dir = g_canonicalize_filename ("models", NULL);
      g_strv_builder_add (dirs, cwd_dir);
      g_strv_builder_add (dirs, DIGITS_SOURCE_MODELS_DIR);
    }
  return g_strv_builder_end (dirs);
}

/* Natural order of the names without ".keras", as a file manager sorts them:
 * my_cnn, my_cnn-2, my_cnn-10 (a plain sort puts my_cnn-10 and my_cnn-2 before
 * my_cnn, since '-' sorts before '.'). */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  g_autofree char *ta = dg_model_title_from_path (*(char **) a);
  g_autofree char *tb = dg_model_title_from_path (*(char **) b);
  g_autofree char *ka = g_utf8_collate_key_for_filename (ta, -1);
  g_autofree char *kb = g_utf8_collate_key_for_filename (tb, -1);
  int c = strcmp (ka, kb);

  return c ? c : g_strcmp0 (*(char **) a, *(char **) b);
}

void
dg_model_list_refresh (DgModelList *self)
{
  g_auto(GStrv) dirs = dg_model_list_dup_search_dirs ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (DG_IS_MODEL_LIST (self));

  g_hash_table_remove_all (self->accuracies); /* a file may have been replaced */
  for (guint d = 0; dirs[d]; d++)
    {
      g_autoptr(GDir) dir = g_dir_open (dirs[d], 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (!dir)
        continue;
      while ((name = g_dir_read_name (dir)))
        if (nn_model_file_is_model (name))
          g_ptr_array_add (names, g_build_filename (dirs[d], name, NULL));
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; i < names->len; i++)
        {
          const char *path = g_ptr_array_index (names, i);
          char *real = realpath (path, NULL);
          char *key = g_strdup (real ? real : path);

          free (real);
          if (!g_hash_table_add (seen, key))
            continue;
          g_ptr_array_add (items, gtk_string_object_new (path));
        }
    }

  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items->pdata, items->len);
}

const char *
dg_model_list_get_stored_accuracy (DgModelList *self, const char *path)
{
  const char *known;

  g_return_val_if_fail (DG_IS_MODEL_LIST (self) && path != NULL, NULL);
  known = g_hash_table_lookup (self->accuracies, path);
  if (!known)
    {
      /* metadata.json only (no config, no weights): a small read from the zip */
      char *value = g_str_has_suffix (path, ".keras")
                      ? nn_keras_read_metadata_value (path, "test_accuracy", NULL)
                      : NULL;
      known = value ? value : g_strdup ("");
      g_hash_table_insert (self->accuracies, g_strdup (path), (char *) known);
    }
  return *known ? known : NULL;
}

int
dg_model_list_find (DgModelList *self, const char *path)
{
  guint n;

  g_return_val_if_fail (DG_IS_MODEL_LIST (self), -1);
  g_return_val_if_fail (path != NULL, -1);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (dg_model_list_get_path (self, i), path) == 0)
      return (int) i;
  return -1;
}

guint
dg_model_list_add (DgModelList *self, const char *path)
{
  g_autoptr(GtkStringObject) item = NULL;
  int pos;

  g_return_val_if_fail (DG_IS_MODEL_LIST (self), 0);
  g_return_val_if_fail (path != NULL, 0);

  g_hash_table_remove (self->accuracies, path); /* the file may be new, or written anew */
  pos = dg_model_list_find (self, path);
  if (pos >= 0)
    return (guint) pos;
  item = gtk_string_object_new (path);
  g_list_store_append (self->store, item);
  return g_list_model_get_n_items (G_LIST_MODEL (self->store)) - 1;
}

gboolean
dg_model_list_remove (DgModelList *self, const char *path)
{
  int pos;

  g_return_val_if_fail (DG_IS_MODEL_LIST (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_hash_table_remove (self->accuracies, path);
  pos = dg_model_list_find (self, path);
  if (pos < 0)
    return FALSE;
  g_list_store_remove (self->store, (guint) pos);
  return TRUE;
}

const char *
dg_model_list_get_path (DgModelList *self, guint position)
{
  g_autoptr(GtkStringObject) item = NULL;

  g_return_val_if_fail (DG_IS_MODEL_LIST (self), NULL);

  item = g_list_model_get_item (G_LIST_MODEL (self->store), position);
  /* The store keeps a reference, so the string outlives this function. */
  return item ? gtk_string_object_get_string (item) : NULL;
}

int
dg_model_list_default_position (DgModelList *self)
{
  static const char *const preferred[] = {
    DG_DEFAULT_MODEL, "mnist_cnn.keras", "mnist_baseline.keras",
  };
  guint n;

  g_return_val_if_fail (DG_IS_MODEL_LIST (self), -1);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  for (guint p = 0; p < G_N_ELEMENTS (preferred); p++)
    for (guint i = 0; i < n; i++)
      {
        g_autofree char *base = g_path_get_basename (dg_model_list_get_path (self, i));
        if (g_str_equal (base, preferred[p]))
          return (int) i;
      }
  return n > 0 ? 0 : -1;
}

/* path -> the title shown instead of its file name (dg_model_title_set) */
static GHashTable *titles;

void
dg_model_title_set (const char *path, const char *title)
{
  g_return_if_fail (path != NULL);
  if (!titles)
    titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (title)
    g_hash_table_replace (titles, g_strdup (path), g_strdup (title));
  else
    g_hash_table_remove (titles, path);
}

char *
dg_model_title_from_path (const char *path)
{
  const char *title;

  if (!path)
    return g_strdup ("");
  title = titles ? g_hash_table_lookup (titles, path) : NULL;
  if (title)
    return g_strdup (title);
  return nn_model_file_title (path);
}
