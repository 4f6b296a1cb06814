/* dg-context.c: the state the window and its pages share (see dg-context.h). */
#include "dg-config.h"
#include "dg-context.h"
#include "dg-job-runner.h"
#include "nn-mnist-location.h"

struct _DgContext {
  GObject parent_instance;

  DgSettings *settings;
  DgModelList *models;
  DgModel *model;
  char *data_dir;
  char *data_problem;      /* why no MNIST was found, every place looked in */
  guint load_serial;       /* a load's result counts only if no newer one started */
  guint n_jobs;
  guint jobs_watch;
  const char *toast_topic; /* while a "toast" about a topic is emitted */
};

G_DEFINE_FINAL_TYPE (DgContext, dg_context, G_TYPE_OBJECT)

enum { PROP_0, PROP_SETTINGS, PROP_MODELS, PROP_MODEL, PROP_DATA_DIR, PROP_DATA_PROBLEM, PROP_N_JOBS, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { LOAD_STARTED, LOAD_FAILED, TOAST, TOAST_ACTION, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- models ---------------------------------------------------------------------- */

typedef struct {
  DgContext *context; /* a reference */
  guint serial;
  char *path;
} LoadData;

static void
on_model_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoadData *data = user_data;
  DgContext *self = data->context;
  g_autoptr(GError) error = NULL;
  g_autoptr(DgModel) model = dg_model_load_finish (result, &error);

  if (data->serial == self->load_serial)
    {
      if (model)
        {
          if (g_set_object (&self->model, model))
            g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MODEL]);
        }
      else
        g_signal_emit (self, signals[LOAD_FAILED], 0, data->path, error->message);
    }
  g_object_unref (data->context);
  g_free (data->path);
  g_free (data);
}

void
dg_context_open_model (DgContext *self, const char *path)
{
  LoadData *data;

  g_return_if_fail (DG_IS_CONTEXT (self));
  g_return_if_fail (path != NULL);

  data = g_new0 (LoadData, 1);
  data->context = g_object_ref (self);
  data->serial = ++self->load_serial;
  data->path = g_strdup (path);
  g_signal_emit (self, signals[LOAD_STARTED], 0, path);
  dg_model_load_async (path, NULL, on_model_loaded, data);
}

DgModel *
dg_context_get_model (DgContext *self)
{
  g_return_val_if_fail (DG_IS_CONTEXT (self), NULL);
  return self->model;
}

const char *
dg_context_get_model_path (DgContext *self)
{
  g_return_val_if_fail (DG_IS_CONTEXT (self), NULL);
  return self->model ? dg_model_get_path (self->model) : NULL;
}

DgModelList *
dg_context_get_models (DgContext *self)
{
  g_return_val_if_fail (DG_IS_CONTEXT (self), NULL);
  return self->models;
}

void
dg_context_add_model (DgContext *self, const char *path)
{
  g_return_if_fail (DG_IS_CONTEXT (self));
  g_return_if_fail (path != NULL);
  dg_model_list_add (self->models, path);
}

DgSettings *
dg_context_get_settings (DgContext *self)
{
  g_return_val_if_fail (DG_IS_CONTEXT (self), NULL);
  return self->settings;
}

const char *
dg_context_get_data_dir (DgContext *self)
{
  g_return_val_if_fail (DG_IS_CONTEXT (self), NULL);
  return self->data_dir;
}

void
dg_context_set_data_dir (DgContext *self, const char *dir)
{
  g_return_if_fail (DG_IS_CONTEXT (self));
  if (g_strcmp0 (self->data_dir, dir) == 0)
    return;
  g_free (self->data_dir);
  self->data_dir = g_strdup (dir);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DATA_DIR]);
}

const char *
dg_context_get_data_problem (DgContext *self)
{
  g_return_val_if_fail (DG_IS_CONTEXT (self), NULL);
  return self->data_problem;
}

void
dg_context_find_data (DgContext *self)
{
  GSettings *gsettings;
  g_autofree char *chosen = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (DG_IS_CONTEXT (self));
  gsettings = self->settings ? dg_settings_get_gsettings (self->settings) : NULL;
  chosen = gsettings ? g_settings_get_string (gsettings, "mnist-folder") : NULL;
  dir = nn_mnist_find (chosen, &error);
  /* the problem first: a watcher of "data-dir" reads it */
  if (g_strcmp0 (self->data_problem, dir ? NULL : error->message) != 0)
    {
      g_free (self->data_problem);
      self->data_problem = dir ? NULL : g_strdup (error->message);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DATA_PROBLEM]);
    }
  dg_context_set_data_dir (self, dir);
}

guint
dg_context_get_n_jobs (DgContext *self)
{
  g_return_val_if_fail (DG_IS_CONTEXT (self), 0);
  return self->n_jobs;
}

void
dg_context_toast (DgContext *self, const char *text, const char *details)
{
  g_return_if_fail (DG_IS_CONTEXT (self));
  g_return_if_fail (text != NULL);
  g_signal_emit (self, signals[TOAST], 0, text, details);
}

void
dg_context_toast_action (DgContext *self, const char *text, const char *button_label,
                         const char *action_name, GVariant *target)
{
  g_autoptr(GVariant) sunk = target ? g_variant_ref_sink (target) : NULL;

  g_return_if_fail (DG_IS_CONTEXT (self));
  g_return_if_fail (text != NULL && button_label != NULL && action_name != NULL);
  g_signal_emit (self, signals[TOAST_ACTION], 0, text, button_label, action_name, sunk);
}

void
dg_context_toast_about (DgContext *self, const char *topic, const char *text, const char *details)
{
  const char *outer;

  g_return_if_fail (DG_IS_CONTEXT (self));
  g_return_if_fail (text != NULL);
  outer = self->toast_topic;
  self->toast_topic = topic;
  g_signal_emit (self, signals[TOAST], 0, text, details);
  self->toast_topic = outer;
}

const char *
dg_context_get_toast_topic (DgContext *self)
{
  g_return_val_if_fail (DG_IS_CONTEXT (self), NULL);
  return self->toast_topic;
}

static void
on_jobs_changed (gpointer data)
{
  DgContext *self = data;
  guint n = dg_job_runner_n_running ();

  if (n != self->n_jobs)
    {
      self->n_jobs = n;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_JOBS]);
    }
}

/* ---- life cycle ---------------------------------------------------------------------- */

static void
dg_context_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  DgContext *self = DG_CONTEXT (object);

  switch (id)
    {
    case PROP_SETTINGS: g_value_set_object (value, self->settings); break;
    case PROP_MODELS: g_value_set_object (value, self->models); break;
    case PROP_MODEL: g_value_set_object (value, self->model); break;
    case PROP_DATA_DIR: g_value_set_string (value, self->data_dir); break;
    case PROP_DATA_PROBLEM: g_value_set_string (value, self->data_problem); break;
    case PROP_N_JOBS: g_value_set_uint (value, self->n_jobs); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_context_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  DgContext *self = DG_CONTEXT (object);

  switch (id)
    {
    case PROP_SETTINGS: self->settings = g_value_dup_object (value); break;
    case PROP_DATA_DIR: dg_context_set_data_dir (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_context_constructed (GObject *object)
{
  DgContext *self = DG_CONTEXT (object);
  GSettings *gsettings = self->settings ? dg_settings_get_gsettings (self->settings) : NULL;

  G_OBJECT_CLASS (dg_context_parent_class)->constructed (object);
  if (gsettings)
    g_signal_connect_object (gsettings, "changed::mnist-folder", G_CALLBACK (dg_context_find_data),
                             self, G_CONNECT_SWAPPED);
  dg_context_find_data (self);
}

static void
dg_context_dispose (GObject *object)
{
  DgContext *self = DG_CONTEXT (object);

  if (self->jobs_watch)
    dg_job_runner_remove_watch (self->jobs_watch);
  self->jobs_watch = 0;
  g_clear_object (&self->model);
  g_clear_object (&self->models);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dg_context_parent_class)->dispose (object);
}

static void
dg_context_finalize (GObject *object)
{
  g_free (DG_CONTEXT (object)->data_dir);
  g_free (DG_CONTEXT (object)->data_problem);
  G_OBJECT_CLASS (dg_context_parent_class)->finalize (object);
}

static void
dg_context_class_init (DgContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = dg_context_get_property;
  object_class->set_property = dg_context_set_property;
  object_class->constructed = dg_context_constructed;
  object_class->dispose = dg_context_dispose;
  object_class->finalize = dg_context_finalize;

  props[PROP_SETTINGS] = g_param_spec_object ("settings", NULL, NULL, DG_TYPE_SETTINGS,
                                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                              | G_PARAM_STATIC_STRINGS);
  props[PROP_MODELS] = g_param_spec_object ("models", NULL, NULL, DG_TYPE_MODEL_LIST,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_MODEL] = g_param_spec_object ("model", NULL, NULL, DG_TYPE_MODEL,
                                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                           | G_PARAM_STATIC_STRINGS);
  props[PROP_DATA_DIR] = g_param_spec_string ("data-dir", NULL, NULL, NULL,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                              | G_PARAM_STATIC_STRINGS);
  props[PROP_DATA_PROBLEM] = g_param_spec_string ("data-problem", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                  | G_PARAM_STATIC_STRINGS);
  props[PROP_N_JOBS] = g_param_spec_uint ("n-jobs", NULL, NULL, 0, G_MAXUINT, 0,
                                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                          | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[LOAD_STARTED] = g_signal_new ("load-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[LOAD_FAILED] = g_signal_new ("load-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                       G_TYPE_STRING);
  signals[TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[TOAST_ACTION] = g_signal_new ("toast-action", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING,
                                        G_TYPE_STRING, G_TYPE_STRING, G_TYPE_VARIANT);
}

static void
dg_context_init (DgContext *self)
{
  self->models = dg_model_list_new ();
  self->jobs_watch = dg_job_runner_add_watch (on_jobs_changed, self);
}

DgContext *
dg_context_new (DgSettings *settings)
{
  g_return_val_if_fail (DG_IS_SETTINGS (settings), NULL);
  return g_object_new (DG_TYPE_CONTEXT, "settings", settings, NULL);
}
