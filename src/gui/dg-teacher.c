/* dg-teacher.c: corrections become samples and a personal model (see dg-teacher.h). */
#include "dg-config.h"
#include "dg-teacher.h"
#include "dg-job-runner.h"
#include "dg-sample-dialog.h"
#include "nn-error.h"
#include "nn-personal.h"

#include <errno.h>
#include <glib/gstdio.h>

struct _DgTeacher {
  GObject parent_instance;

  DgContext *context;
  char *personal_path;
  char *base_path;         /* the model the corrections were made on (not the personal one) */
  char *previous_path;     /* in use before the personal model: where Undo goes */
  NnDataset *replay;       /* MNIST training images, read by the first fine-tune */
  DgJob *job;
  guint generation;        /* a reset makes older runs' results void */
  guint64 runs;
  gint64 pending_since;    /* monotonic µs of the oldest correction no run has taken, or 0 */
  gint64 activating_since; /* of the run whose model is loading, or 0 */
  gboolean activating_alone; /* that run had no MNIST to replay */
  gboolean has_personal;
  gboolean unlist;         /* reset: take it out of the model list once it is not in use */
};

G_DEFINE_FINAL_TYPE (DgTeacher, dg_teacher, G_TYPE_OBJECT)

enum { PROP_0, PROP_CONTEXT, PROP_BUSY, PROP_HAS_PERSONAL, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { CORRECTED, TUNED, ACTIVATED, FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

char *
dg_teacher_dup_personal_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "digits", "models", "personal.keras", NULL);
}

gboolean
dg_teacher_get_busy (DgTeacher *self)
{
  g_return_val_if_fail (DG_IS_TEACHER (self), FALSE);
  return self->job != NULL || self->pending_since != 0;
}

gboolean
dg_teacher_get_has_personal (DgTeacher *self)
{
  g_return_val_if_fail (DG_IS_TEACHER (self), FALSE);
  return self->has_personal;
}

static void
set_has_personal (DgTeacher *self, gboolean has)
{
  if (self->has_personal == has)
    return;
  self->has_personal = has;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HAS_PERSONAL]);
}

static void
set_title (DgTeacher *self, const char *base_name)
{
  /* TRANSLATORS: the personal model in the model list; %s is the model it started from */
  g_autofree char *title = base_name ? g_strdup_printf (_("Personal (based on %s)"), base_name)
                                     : g_strdup (_("Personal"));

  dg_model_title_set (self->personal_path, title);
}

/* ---- the fine-tune, in a worker thread ------------------------------------------- */

typedef struct {
  DgTeacher *self;         /* a reference */
  guint generation;
  gint64 since;            /* the oldest correction this run learns from */
  guint64 seed;
  char *base, *samples_dir, *out, *mnist_dir;
  const NnDataset *replay;  /* the teacher's, or NULL */
  NnDataset *new_replay;    /* read by this run */
  NnPersonalReport report;
  gboolean ok;
} TuneJob;

static void
tune_job_free (gpointer data)
{
  TuneJob *t = data;

  g_object_unref (t->self);
  g_free (t->base);
  g_free (t->samples_dir);
  g_free (t->out);
  g_free (t->mnist_dir);
  g_clear_pointer (&t->new_replay, nn_dataset_free);
  nn_personal_report_clear (&t->report);
  g_free (t);
}

/* The first run reads MNIST once and keeps a random pool of it: the whole
 * training set is 47 MB, and a run replays a few hundred images. */
static void
read_replay (TuneJob *t)
{
  g_autoptr(NnDataset) train = t->mnist_dir ? nn_mnist_load (t->mnist_dir, NN_MNIST_TRAIN, NULL)
                                            : NULL;

  if (train)
    t->new_replay = nn_personal_pick (train, NN_PERSONAL_REPLAY_POOL, NN_PERSONAL_REPLAY_SEED);
}

static gboolean
tune_worker (DgJob *job, gpointer data, GError **error)
{
  TuneJob *t = data;
  g_autofree char *folder = g_path_get_dirname (t->out);
  NnPersonalOptions o;

  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, _("Could not create the folder %s: %s"), folder,
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (!t->replay)
    read_replay (t);
  nn_personal_options_init (&o);
  o.base = t->base;
  o.samples_dir = t->samples_dir;
  o.out = t->out;
  o.replay = t->replay ? t->replay : t->new_replay;
  o.seed = t->seed;
  o.cancellable = dg_job_get_cancellable (job);
  t->ok = nn_personal_tune (&o, &t->report, error);
  return t->ok;
}

/* ---- in the GUI thread -------------------------------------------------------------- */

static void start_run (DgTeacher *self);

static void
notify_busy (DgTeacher *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

static void
use_personal (DgTeacher *self, TuneJob *t)
{
  const char *current = dg_context_get_model_path (self->context);

  if (g_strcmp0 (current, self->personal_path) != 0)
    {
      g_free (self->previous_path);
      self->previous_path = g_strdup (current);
    }
  self->activating_since = t->since;
  self->activating_alone = t->report.n_replay == 0;
  dg_context_open_model (self->context, self->personal_path);
}

static void
on_tune_done (DgJob *job, const GError *error, gpointer data)
{
  TuneJob *t = data;
  DgTeacher *self = t->self;
  const char *current;

  g_clear_pointer (&self->job, dg_job_unref);
  if (!self->context)
    return;  /* the window went while it ran */
  current = dg_context_get_model_path (self->context);
  if (t->new_replay && !self->replay)
    self->replay = g_steal_pointer (&t->new_replay);
  if (t->generation != self->generation)
    {
      /* reset while it ran: what it wrote goes too */
      if (t->ok)
        g_unlink (t->out);
    }
  else if (error)
    {
      if (!g_error_matches (error, NN_ERROR, NN_ERROR_CANCELLED))
        {
          dg_context_toast_about (self->context, "teach", _("Could not teach the personal model"),
                                  error->message);
          g_signal_emit (self, signals[FAILED], 0, error->message);
        }
    }
  else
    {
      self->unlist = FALSE;
      set_title (self, t->report.base_name);
      dg_context_add_model (self->context, self->personal_path);
      set_has_personal (self, TRUE);
      g_signal_emit (self, signals[TUNED], 0, t->report.n_samples, t->report.n_replay,
                     (int) (t->report.train_seconds * 1000));
      /* the user may have chosen another model meanwhile: then it only waits in the list */
      if (!current || g_strcmp0 (current, t->base) == 0
          || g_strcmp0 (current, self->personal_path) == 0)
        use_personal (self, t);
      else
        dg_context_toast_action (self->context, _("Your personal model is ready"), _("_Use"),
                                 "app.use-model", g_variant_new_string (self->personal_path));
    }
  if (self->pending_since)
    start_run (self);
  notify_busy (self);
}

static void
start_run (DgTeacher *self)
{
  const char *current = dg_context_get_model_path (self->context);
  TuneJob *t;

  if (self->job || !current)
    return;
  /* the personal model is the base plus the corrections: each run starts from the base */
  if (g_strcmp0 (current, self->personal_path) != 0)
    {
      g_free (self->base_path);
      self->base_path = g_strdup (current);
    }
  t = g_new0 (TuneJob, 1);
  t->self = g_object_ref (self);
  t->generation = self->generation;
  t->since = self->pending_since;
  t->seed = ++self->runs;
  t->base = g_strdup (self->base_path && g_file_test (self->base_path, G_FILE_TEST_IS_REGULAR)
                        ? self->base_path : current);
  t->samples_dir = dg_settings_dup_samples_folder (dg_context_get_settings (self->context));
  t->out = g_strdup (self->personal_path);
  t->mnist_dir = g_strdup (dg_context_get_data_dir (self->context));
  t->replay = self->replay;
  self->pending_since = 0;
  self->job = dg_job_start (DG_JOB_PERSONAL, "personal", tune_worker, on_tune_done, t,
                            tune_job_free);
}

gboolean
dg_teacher_correct (DgTeacher *self, const guint8 *grey, int width, int height, int label,
                    GError **error)
{
  g_autoptr(NnGreyImage) image = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (DG_IS_TEACHER (self), FALSE);
  g_return_val_if_fail (grey != NULL && width > 0 && height > 0, FALSE);
  g_return_val_if_fail (label >= 0 && label <= 9, FALSE);

  image = nn_grey_image_new (width, height);
  memcpy (image->pixels, grey, (gsize) width * height);
  path = dg_sample_save (dg_context_get_settings (self->context), image, label, error);
  if (!path)
    return FALSE;
  g_signal_emit (self, signals[CORRECTED], 0, path, label);
  if (self->pending_since == 0)
    self->pending_since = g_get_monotonic_time ();
  start_run (self);
  /* the spinner beside "It's a…" says it is learning; a toast now would only hold
   * back the one that says it is done */
  notify_busy (self);
  return TRUE;
}

static void
unlist_personal (DgTeacher *self)
{
  self->unlist = FALSE;
  dg_model_list_remove (dg_context_get_models (self->context), self->personal_path);
  dg_model_title_set (self->personal_path, NULL);
}

static gboolean
unlist_idle (gpointer data)
{
  DgTeacher *self = data;

  if (self->unlist && self->context)
    unlist_personal (self);
  return G_SOURCE_REMOVE;
}

static void
on_model_changed (DgTeacher *self)
{
  DgModel *model = self->context ? dg_context_get_model (self->context) : NULL;
  NnModel *nn = model ? dg_model_get_nn (model) : NULL;
  const char *base = nn && nn->metadata ? g_hash_table_lookup (nn->metadata, "personal_base") : NULL;
  const char *text;
  gint64 ms;

  /* after the window has selected the model in its selector */
  if (model && self->unlist && g_strcmp0 (dg_model_get_path (model), self->personal_path) != 0)
    g_idle_add_full (G_PRIORITY_DEFAULT, unlist_idle, g_object_ref (self), g_object_unref);
  if (!model || g_strcmp0 (dg_model_get_path (model), self->personal_path) != 0)
    return;
  if (base)
    set_title (self, base);
  if (!self->activating_since)
    return;
  ms = (g_get_monotonic_time () - self->activating_since) / 1000;
  self->activating_since = 0;
  text = self->activating_alone
           ? _("Now reading with your personal model, taught on your samples alone (MNIST was "
               "not found to keep what it knew)")
           : _("Now reading with your personal model");
  if (self->previous_path)
    dg_context_toast_action (self->context, text, _("_Undo"), "app.open-model",
                             g_variant_new_string (self->previous_path));
  else
    dg_context_toast_about (self->context, "teach", text, NULL);
  g_signal_emit (self, signals[ACTIVATED], 0, ms);
}

static void
on_load_failed (DgTeacher *self, const char *path)
{
  if (g_strcmp0 (path, self->personal_path) == 0)
    self->activating_since = 0;
}

void
dg_teacher_reset (DgTeacher *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *text = NULL;
  const char *current;
  const char *back;

  g_return_if_fail (DG_IS_TEACHER (self));
  self->generation++;
  if (self->job)
    dg_job_cancel (self->job);
  self->pending_since = 0;
  self->activating_since = 0;
  current = dg_context_get_model_path (self->context);
  if (g_strcmp0 (current, self->personal_path) == 0)
    {
      DgModelList *models = dg_context_get_models (self->context);
      int fallback = dg_model_list_default_position (models);

      back = self->base_path ? self->base_path : self->previous_path;
      if (!back && fallback >= 0)
        back = dg_model_list_get_path (models, (guint) fallback);
      if (back && g_strcmp0 (back, self->personal_path) != 0)
        dg_context_open_model (self->context, back);
    }
  file = g_file_new_for_path (self->personal_path);
  if (!g_file_trash (file, NULL, NULL))
    g_unlink (self->personal_path);
  /* while it is selected, taking it out of the list would make the selector choose
   * a neighbour: it goes once the model it was based on is back */
  self->unlist = TRUE;
  if (g_strcmp0 (current, self->personal_path) != 0)
    unlist_personal (self);
  set_has_personal (self, FALSE);
  notify_busy (self);
  folder = dg_settings_dup_samples_folder (dg_context_get_settings (self->context));
  /* TRANSLATORS: a toast after Reset Personal Model; %s is the samples folder */
  text = g_strdup_printf (_("The personal model is gone; your samples stay in %s"), folder);
  dg_context_toast_about (self->context, "teach", text, NULL);
}

/* ---- life cycle ------------------------------------------------------------------- */

static void
dg_teacher_constructed (GObject *object)
{
  DgTeacher *self = DG_TEACHER (object);

  G_OBJECT_CLASS (dg_teacher_parent_class)->constructed (object);
  g_return_if_fail (DG_IS_CONTEXT (self->context));
  g_signal_connect_object (self->context, "notify::model", G_CALLBACK (on_model_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->context, "load-failed", G_CALLBACK (on_load_failed), self,
                           G_CONNECT_SWAPPED);
  if (g_file_test (self->personal_path, G_FILE_TEST_IS_REGULAR))
    {
      /* what it is based on is in its metadata, read when it is loaded */
      set_title (self, NULL);
      self->has_personal = TRUE;
    }
}

static void
dg_teacher_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  DgTeacher *self = DG_TEACHER (object);

  switch (id)
    {
    case PROP_CONTEXT: g_value_set_object (value, self->context); break;
    case PROP_BUSY: g_value_set_boolean (value, dg_teacher_get_busy (self)); break;
    case PROP_HAS_PERSONAL: g_value_set_boolean (value, self->has_personal); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_teacher_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  DgTeacher *self = DG_TEACHER (object);

  switch (id)
    {
    case PROP_CONTEXT: self->context = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_teacher_dispose (GObject *object)
{
  DgTeacher *self = DG_TEACHER (object);

  /* a running job holds a reference and ends within a batch; its result is dropped */
  if (self->job)
    dg_job_cancel (self->job);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (dg_teacher_parent_class)->dispose (object);
}

static void
dg_teacher_finalize (GObject *object)
{
  DgTeacher *self = DG_TEACHER (object);

  g_free (self->personal_path);
  g_free (self->base_path);
  g_free (self->previous_path);
  g_clear_pointer (&self->replay, nn_dataset_free);
  G_OBJECT_CLASS (dg_teacher_parent_class)->finalize (object);
}

static void
dg_teacher_class_init (DgTeacherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = dg_teacher_constructed;
  object_class->get_property = dg_teacher_get_property;
  object_class->set_property = dg_teacher_set_property;
  object_class->dispose = dg_teacher_dispose;
  object_class->finalize = dg_teacher_finalize;

  props[PROP_CONTEXT] = g_param_spec_object ("context", NULL, NULL, DG_TYPE_CONTEXT,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                             | G_PARAM_STATIC_STRINGS);
  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                           | G_PARAM_STATIC_STRINGS);
  props[PROP_HAS_PERSONAL] = g_param_spec_boolean ("has-personal", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                   | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[CORRECTED] = g_signal_new ("corrected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
  signals[TUNED] = g_signal_new ("tuned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  signals[ACTIVATED] = g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
dg_teacher_init (DgTeacher *self)
{
  self->personal_path = dg_teacher_dup_personal_path ();
}

DgTeacher *
dg_teacher_new (DgContext *context)
{
  g_return_val_if_fail (DG_IS_CONTEXT (context), NULL);
  return g_object_new (DG_TYPE_TEACHER, "context", context, NULL);
}
