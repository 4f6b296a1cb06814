/* dg-data-gate.c: a page's content, or the way to MNIST when it is missing
 * (see the header). */
#include "dg-config.h"
#include "dg-data-gate.h"
#include "dg-file-chooser.h"
#include "dg-job-runner.h"
#include "dg-reflow-box.h"
#include "nn-error.h"
#include "nn-mnist-location.h"

#include <adwaita.h>

struct _DgDataGate {
  GtkWidget parent_instance;

  /* template */
  GtkStack *stack;
  AdwStatusPage *status_page;
  GtkWidget *buttons_box;
  GtkWidget *download_button;
  GtkWidget *choose_button;
  GtkWidget *progress_box;
  GtkProgressBar *progress_bar;
  GtkWidget *cancel_button;
  GtkLabel *error_label;
  GtkLabel *places_label;

  DgContext *context;
  GtkWidget *content;
};

G_DEFINE_FINAL_TYPE (DgDataGate, dg_data_gate, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CONTENT, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { DOWNLOAD_FINISHED, FOLDER_REJECTED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- the one download, shown by every gate ---------------------------------------- */

static struct {
  DgJob *job;              /* NULL when none runs */
  NnMnistDownloadPhase phase;
  double fraction;         /* -1: no measure, the bar pulses */
  guint pulse_id;
  char *error;             /* the last failure, until the next attempt */
} download;

static GPtrArray *gates;   /* DgDataGate*, not referenced */

typedef struct {
  NnMnistDownloadPhase phase;
  double fraction;
} Progress;

static void gate_update (DgDataGate *self);

static void
update_all (void)
{
  for (guint i = 0; gates && i < gates->len; i++)
    gate_update (g_ptr_array_index (gates, i));
}

static const char *
phase_text (NnMnistDownloadPhase phase)
{
  switch (phase)
    {
    case NN_MNIST_DOWNLOAD_FETCHING: return _("Downloading MNIST…");
    case NN_MNIST_DOWNLOAD_UNPACKING: return _("Unpacking…");
    case NN_MNIST_DOWNLOAD_VERIFYING: return _("Checking the files…");
    case NN_MNIST_DOWNLOAD_DONE: return _("Done");
    default: return "";
    }
}

static gboolean
pulse (gpointer data)
{
  for (guint i = 0; gates && i < gates->len; i++)
    gtk_progress_bar_pulse (((DgDataGate *) g_ptr_array_index (gates, i))->progress_bar);
  return G_SOURCE_CONTINUE;
}

static gboolean
show_progress (gpointer data)
{
  Progress *p = data;

  download.phase = p->phase;
  download.fraction = p->fraction;
  if (p->fraction < 0 && !download.pulse_id)
    download.pulse_id = g_timeout_add (120, pulse, NULL);
  else if (p->fraction >= 0)
    g_clear_handle_id (&download.pulse_id, g_source_remove);
  update_all ();
  return G_SOURCE_REMOVE;
}

/* on the downloading thread */
static void
on_download_progress (NnMnistDownloadPhase phase, double fraction, const char *text, gpointer data)
{
  Progress *p = g_new (Progress, 1);

  p->phase = phase;
  p->fraction = fraction;
  dg_job_post (data, show_progress, p, g_free);
}

static gboolean
download_worker (DgJob *job, gpointer data, GError **error)
{
  g_autofree char *dir = nn_mnist_download (NULL, NULL, on_download_progress, job,
                                            dg_job_get_cancellable (job), error);
  return dir != NULL;
}

static void
on_download_done (DgJob *job, const GError *error, gpointer data)
{
  gboolean cancelled = error && g_error_matches (error, NN_ERROR, NN_ERROR_CANCELLED);
  g_autoptr(GPtrArray) now = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; gates && i < gates->len; i++)   /* a handler may close a window */
    g_ptr_array_add (now, g_object_ref (g_ptr_array_index (gates, i)));

  g_clear_handle_id (&download.pulse_id, g_source_remove);
  g_clear_pointer (&download.job, dg_job_unref);
  g_clear_pointer (&download.error, g_free);
  if (error && !cancelled)
    /* TRANSLATORS: %s is the reason, e.g. "npm is not installed" */
    download.error = g_strdup_printf (_("The download failed: %s"), error->message);
  for (guint i = 0; i < now->len; i++)
    {
      DgDataGate *gate = g_ptr_array_index (now, i);
      if (gate->context)
        dg_context_find_data (gate->context);
      gate_update (gate);
      g_signal_emit (gate, signals[DOWNLOAD_FINISHED], 0,
                     error == NULL ? NULL : cancelled ? "" : download.error);
    }
}

static void
on_download_clicked (DgDataGate *self)
{
  if (download.job)
    return;
  g_clear_pointer (&download.error, g_free);
  download.phase = NN_MNIST_DOWNLOAD_FETCHING;
  download.fraction = -1;
  download.pulse_id = g_timeout_add (120, pulse, NULL);
  download.job = dg_job_start (DG_JOB_DOWNLOAD, "mnist-download", download_worker, on_download_done,
                               NULL, NULL);
  update_all ();
}

static void
on_cancel_clicked (DgDataGate *self)
{
  if (download.job)
    dg_job_cancel (download.job);
}

/* ---- choosing a folder ------------------------------------------------------------ */

static void
on_folder_chosen (gpointer object, const char *path)
{
  DgDataGate *self = object;
  g_autoptr(GError) error = NULL;
  GSettings *gsettings;

  if (!nn_mnist_folder_check (path, &error))
    {
      g_autofree char *text = g_strdup_printf (_("That folder cannot be used: %s"), error->message);
      gtk_label_set_text (self->error_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      g_signal_emit (self, signals[FOLDER_REJECTED], 0, path, error->message);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gsettings = self->context ? dg_settings_get_gsettings (dg_context_get_settings (self->context)) : NULL;
  if (gsettings)
    g_settings_set_string (gsettings, "mnist-folder", path);   /* the context looks again */
  else if (self->context)
    dg_context_set_data_dir (self->context, path);             /* no settings kept: this session */
}

static void
on_choose_clicked (DgDataGate *self)
{
  GtkFileChooserNative *chooser =
    dg_file_chooser_new (GTK_WIDGET (self), _("Choose the MNIST Folder"),
                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Choose"), g_get_home_dir ());
  dg_file_chooser_run (chooser, on_folder_chosen, self);
}

/* ---- showing ------------------------------------------------------------------------ */

static void
gate_update (DgDataGate *self)
{
  gboolean missing = self->context && dg_context_get_data_dir (self->context) == NULL;
  gboolean running = download.job != NULL;
  const char *problem = self->context ? dg_context_get_data_problem (self->context) : NULL;

  gtk_stack_set_visible_child_name (self->stack, missing || !self->content ? "missing" : "content");
  adw_status_page_set_description (self->status_page,
    _("Training and evaluating need the MNIST handwritten digits (55 MB). "
      "Download them, or choose a folder that already holds them."));
  gtk_label_set_text (self->places_label, problem ? problem : "");
  gtk_widget_set_sensitive (self->buttons_box, !running);
  gtk_widget_set_visible (self->progress_box, running);
  if (running)
    {
      gtk_progress_bar_set_text (self->progress_bar, phase_text (download.phase));
      if (download.fraction >= 0)
        gtk_progress_bar_set_fraction (self->progress_bar, download.fraction);
    }
  if (download.error)
    {
      gtk_label_set_text (self->error_label, download.error);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
    }
  else if (running)
    gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

gboolean
dg_data_gate_get_missing (DgDataGate *self)
{
  g_return_val_if_fail (DG_IS_DATA_GATE (self), FALSE);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "missing") == 0;
}

void
dg_data_gate_set_context (DgDataGate *self, DgContext *context)
{
  g_return_if_fail (DG_IS_DATA_GATE (self));
  g_return_if_fail (DG_IS_CONTEXT (context));
  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  g_signal_connect_swapped (context, "notify::data-dir", G_CALLBACK (gate_update), self);
  gate_update (self);
}

static void
set_content (DgDataGate *self, GtkWidget *content)
{
  if (self->content)
    gtk_stack_remove (self->stack, self->content);
  self->content = content;
  if (content)
    gtk_stack_add_named (self->stack, content, "content");
  gate_update (self);
}

/* ---- life cycle ---------------------------------------------------------------------- */

static void
dg_data_gate_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTENT: set_content (DG_DATA_GATE (object), g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_data_gate_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTENT: g_value_set_object (value, DG_DATA_GATE (object)->content); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_data_gate_dispose (GObject *object)
{
  DgDataGate *self = DG_DATA_GATE (object);

  if (gates)
    g_ptr_array_remove (gates, self);
  if (self->context)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_clear_object (&self->context);
  self->content = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_DATA_GATE);
  G_OBJECT_CLASS (dg_data_gate_parent_class)->dispose (object);
}

static void
dg_data_gate_class_init (DgDataGateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->set_property = dg_data_gate_set_property;
  object_class->get_property = dg_data_gate_get_property;
  object_class->dispose = dg_data_gate_dispose;

  props[PROP_CONTENT] = g_param_spec_object ("content", NULL, NULL, GTK_TYPE_WIDGET,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[DOWNLOAD_FINISHED] = g_signal_new ("download-finished", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                             1, G_TYPE_STRING);
  signals[FOLDER_REJECTED] = g_signal_new ("folder-rejected", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  g_type_ensure (DG_TYPE_REFLOW_BOX);
  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-data-gate.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DgDataGate, name)
  BIND (stack);
  BIND (status_page);
  BIND (buttons_box);
  BIND (download_button);
  BIND (choose_button);
  BIND (progress_box);
  BIND (progress_bar);
  BIND (cancel_button);
  BIND (error_label);
  BIND (places_label);
#undef BIND
}

static void
dg_data_gate_init (DgDataGate *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  if (!gates)
    gates = g_ptr_array_new ();
  g_ptr_array_add (gates, self);
  g_signal_connect_swapped (self->download_button, "clicked", G_CALLBACK (on_download_clicked), self);
  g_signal_connect_swapped (self->choose_button, "clicked", G_CALLBACK (on_choose_clicked), self);
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), self);
}
