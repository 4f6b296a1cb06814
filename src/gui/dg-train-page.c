/* dg-train-page.c: training and fine-tuning in the background, with live plots.
 *
 * The recipe runs unchanged from the core (nn_recipe_run) in a job-runner thread.
 * Its batch and epoch callbacks copy the NnFitProgress into a message for the GUI
 * thread, which appends the points to the current run's charts. Every run of the
 * session keeps its charts, so its plots can be shown again from the runs list.
 */
#include "dg-config.h"
#include "dg-train-page.h"
#include "dg-data-gate.h"
#include "dg-file-chooser.h"
#include "dg-job-runner.h"
#include "dg-model-list.h"
#include "dg-model-files.h"
#include "dg-page-util.h"
#include "dg-plot.h"
#include "dg-reflow-box.h"
#include "nn-error.h"
#include "nn-recipe.h"

#include <adwaita.h>
#include <math.h>
#include <glib/gstdio.h>

enum { CHART_BATCH, CHART_LR, CHART_LOSS, CHART_ACC, N_CHARTS };

typedef struct {
  int id;
  NnRecipeKind kind;
  char *title;
  char *path;
  PlotLineChart *charts[N_CHARTS];
  double ema;              /* smoothed batch loss */
  int ema_n;
  gint64 last_step;
  gint64 step_offset;      /* fine-tuning: phase 2's steps go on from phase 1's */
  int phase;               /* fine-tuning: 1 or 2; 0 for the others */
  int planned_epochs;      /* of every phase together */
  int last_epoch;          /* the last one reported */
  double fraction;         /* the progress bar's, never less than before */
  int batches_seen;
  char *summary;           /* markup, once finished */
  gboolean ok;
  GtkWidget *row;
} Run;

struct _DgTrainPage {
  GtkWidget parent_instance;

  /* template */
  DgDataGate *data_gate;
  GtkWidget *reflow;
  GtkWidget *form;
  AdwComboRow *recipe_row;
  GtkSpinButton *epochs_spin;
  GtkSpinButton *batch_spin;
  GtkSpinButton *lr_spin;
  GtkSpinButton *seed_spin;
  GtkSpinButton *limit_spin;
  AdwEntryRow *name_row;
  GtkLabel *name_problem_label;
  GtkWidget *finetune_group;
  AdwComboRow *base_row;
  AdwActionRow *folder_row;
  GtkWidget *folder_button;
  GtkLabel *folder_summary;
  GtkWidget *start_button;
  GtkWidget *cancel_button;
  GtkListBox *runs_list;
  GtkWidget *runs_button;
  GtkWidget *runs_popover;
  GtkLabel *status_label;
  GtkLabel *rate_label;
  GtkProgressBar *progress_bar;
  GtkRevealer *summary_revealer;
  GtkLabel *summary_label;
  GtkWidget *use_button;
  DgPlot *batch_plot;
  DgPlot *lr_plot;
  DgPlot *loss_plot;
  DgPlot *acc_plot;

  /* owned */
  DgContext *context;
  DgModelList *base_models;
  GPtrArray *runs;         /* Run*, oldest first */
  Run *current;            /* the run in progress, or NULL */
  Run *shown;              /* whose plots are on screen */
  Run *empty;              /* axes and titles before the first run */
  DgJob *job;
  char *folder;            /* fine-tuning data */
  gboolean folder_ok;
  guint folder_serial;
  gboolean start_pending;  /* start once the stopped job has ended */
  gboolean disposed;
  gboolean built;          /* the template is built on the first visit */
  char *tab_title;         /* the Train tab's own title, while it shows progress */
  char *name_problem;      /* why the model name typed cannot be used, or NULL */
  int next_run_id;
  NnFitProgress latest;    /* the last batch's progress */
  gboolean latest_pending; /* not shown yet */
  guint progress_id;       /* on_progress_interval, while batches come in */
};

G_DEFINE_FINAL_TYPE (DgTrainPage, dg_train_page, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CONTEXT, PROP_NAME_PROBLEM, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { RUN_STARTED, BATCH, EPOCH, STAGE, RUN_FINISHED, RUN_SHOWN, FOLDER_READ, NOTIFIED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *batch_names[] = { NULL, N_("smoothed") };
static const char *lr_names[] = { N_("learning rate") };
static const char *epoch_names[] = { N_("training"), N_("validation") };

/* ---- runs and their charts ------------------------------------------------------ */

static void
run_free (gpointer p)
{
  Run *run = p;
  for (int i = 0; i < N_CHARTS; i++)
    plot_line_chart_free (run->charts[i]);
  g_free (run->title);
  g_free (run->path);
  g_free (run->summary);
  g_free (run);
}

static PlotLineChart *
new_chart (const char *title, const char *x_label, const char *y_label)
{
  PlotLineChart *c = plot_line_chart_new ();
  plot_line_chart_set_title (c, title, NULL);
  plot_line_chart_set_axis_labels (c, x_label, y_label);
  plot_line_chart_set_legend (c, PLOT_LEGEND_INSIDE);
  return c;
}

static Run *
run_new (DgTrainPage *self, NnRecipeKind kind, const char *path)
{
  Run *run = g_new0 (Run, 1);
  g_autofree char *base = g_path_get_basename (path);
  PlotLineChart *c;

  run->id = ++self->next_run_id;
  run->kind = kind;
  run->path = g_strdup (path);
  run->title = g_strdup_printf ("%d · %s", run->id, base);

  c = run->charts[CHART_BATCH] = new_chart (_("Training loss per batch"), _("step"), _("loss"));
  plot_line_chart_add_series (c, NULL, 0, PLOT_SERIES_FAINT);
  plot_line_chart_add_series (c, _(batch_names[1]), 0, PLOT_SERIES_LINE);
  plot_line_chart_set_y_range (c, 0, NAN);

  c = run->charts[CHART_LR] = new_chart (_("Learning rate"), _("step"), _("rate"));
  plot_line_chart_set_log_y (c, TRUE);
  if (kind == NN_RECIPE_FINETUNE)
    {
      /* one step axis for both phases; each phase its own line and legend entry */
      plot_line_chart_add_series (c, _("phase 1: head"), 3, PLOT_SERIES_LINE);
      plot_line_chart_add_series (c, _("phase 2: deeper layers"), 4, PLOT_SERIES_LINE);
      run->phase = 1;
    }
  else
    {
      plot_line_chart_add_series (c, _(lr_names[0]), 3, PLOT_SERIES_LINE);
      plot_line_chart_set_legend (c, PLOT_LEGEND_NONE);
    }

  c = run->charts[CHART_LOSS] = new_chart (_("Loss per epoch"), _("epoch"), _("loss"));
  plot_line_chart_add_series (c, _(epoch_names[0]), 0, PLOT_SERIES_MARKERS);
  plot_line_chart_add_series (c, _(epoch_names[1]), 1, PLOT_SERIES_MARKERS | PLOT_SERIES_DASHED);
  plot_line_chart_set_y_range (c, 0, NAN);

  c = run->charts[CHART_ACC] = new_chart (_("Accuracy per epoch"), _("epoch"), _("accuracy"));
  plot_line_chart_add_series (c, _(epoch_names[0]), 0, PLOT_SERIES_MARKERS);
  plot_line_chart_add_series (c, _(epoch_names[1]), 1, PLOT_SERIES_MARKERS | PLOT_SERIES_DASHED);
  plot_line_chart_set_y_format (c, PLOT_FORMAT_PERCENT);

  return run;
}

static void
show_run (DgTrainPage *self, Run *run)
{
  const char *b[2] = { NULL, _(batch_names[1]) };
  const char *l[1] = { _(lr_names[0]) };
  const char *e[2] = { _(epoch_names[0]), _(epoch_names[1]) };

  self->shown = run;
  dg_plot_set_chart (self->batch_plot, run ? run->charts[CHART_BATCH] : NULL, b, 2);
  dg_plot_set_chart (self->lr_plot, run ? run->charts[CHART_LR] : NULL, l, 1);
  dg_plot_set_chart (self->loss_plot, run ? run->charts[CHART_LOSS] : NULL, e, 2);
  dg_plot_set_chart (self->acc_plot, run ? run->charts[CHART_ACC] : NULL, e, 2);
  if (run && run->summary)
    {
      gtk_label_set_markup (self->summary_label, run->summary);
      gtk_widget_set_visible (self->use_button, run->ok);
      gtk_revealer_set_reveal_child (self->summary_revealer, TRUE);
    }
  else
    gtk_revealer_set_reveal_child (self->summary_revealer, FALSE);
}

static void
redraw_plots (DgTrainPage *self)
{
  dg_plot_changed (self->batch_plot);
  dg_plot_changed (self->lr_plot);
  dg_plot_changed (self->loss_plot);
  dg_plot_changed (self->acc_plot);
}

static void
on_run_row_activated (GtkListBox *box, GtkListBoxRow *row, DgTrainPage *self)
{
  int id = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "run-id"));

  gtk_popover_popdown (GTK_POPOVER (self->runs_popover));
  for (guint i = 0; i < self->runs->len; i++)
    {
      Run *run = g_ptr_array_index (self->runs, i);
      if (run->id == id)
        {
          show_run (self, run);
          g_signal_emit (self, signals[RUN_SHOWN], 0, run->id);
        }
    }
}

static void
add_run_row (DgTrainPage *self, Run *run, const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), run->title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data (G_OBJECT (row), "run-id", GINT_TO_POINTER (run->id));
  gtk_list_box_prepend (self->runs_list, row);
  gtk_widget_set_sensitive (self->runs_button, TRUE);
  run->row = row;
}

/* ---- the form --------------------------------------------------------------------- */

/* The recipe list holds the recipes in NnRecipeKind's order, Quick last. */
static NnRecipeKind
selected_kind (DgTrainPage *self)
{
  guint i = adw_combo_row_get_selected (self->recipe_row);
  return i <= NN_RECIPE_QUICK ? (NnRecipeKind) i : NN_RECIPE_CNN;
}

static void
update_start_sensitivity (DgTrainPage *self)
{
  gboolean finetune = selected_kind (self) == NN_RECIPE_FINETUNE;
  gboolean ok = !finetune || (self->folder_ok && adw_combo_row_get_selected (self->base_row)
                                                   != GTK_INVALID_LIST_POSITION);
  ok = ok && self->name_problem == NULL;
  gtk_widget_set_sensitive (self->start_button, ok && self->current == NULL);
  gtk_widget_set_sensitive (self->cancel_button, self->current != NULL);
  /* what a run uses is fixed when it starts: the form says so */
  gtk_widget_set_sensitive (self->form, self->current == NULL);
}

/* ---- the Train tab and telling the user ------------------------------------------ */

static AdwViewStackPage *
tab (DgTrainPage *self)
{
  return dg_page_stack_page (GTK_WIDGET (self));
}

/* fraction < 0: the tab's own title again */
static void
set_tab_progress (DgTrainPage *self, double fraction)
{
  AdwViewStackPage *page = tab (self);
  g_autofree char *title = NULL;

  if (!page)
    return;
  if (!self->tab_title)
    self->tab_title = g_strdup (adw_view_stack_page_get_title (page));
  if (fraction < 0)
    {
      adw_view_stack_page_set_title (page, self->tab_title);
      g_clear_pointer (&self->tab_title, g_free);
      return;
    }
  /* TRANSLATORS: the Train tab while a model trains, "Train 42%"; write the percent
   * as your language does, e.g. "%s %d %%" */
  title = g_strdup_printf (_("%s %d%%"), self->tab_title, (int) (fraction * 100));
  adw_view_stack_page_set_title (page, title);
}

/* The run ended: a page the user is not looking at shows it on its tab and in a
 * toast, and a window in the background sends a desktop notification. */
static void
announce_finished (DgTrainPage *self, Run *run, const char *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwViewStackPage *page = tab (self);
  GApplication *app = g_application_get_default ();
  gboolean seen = gtk_widget_get_mapped (GTK_WIDGET (self));

  set_tab_progress (self, -1);
  if (!seen && page)
    adw_view_stack_page_set_needs_attention (page, TRUE);
  if (!seen)
    {
      g_autofree char *base = g_path_get_basename (run->path);
      /* TRANSLATORS: a toast: "Training finished: my_cnn.keras" */
      g_autofree char *toast = g_strdup_printf (_("%s: %s"), text, base);
      if (run->ok)
        dg_context_toast_action (self->context, toast, _("Use This Model"), "app.use-model",
                                 g_variant_new_string (run->path));
      else
        dg_context_toast (self->context, toast, NULL);
    }
  if (app && GTK_IS_WINDOW (root) && !gtk_window_is_active (GTK_WINDOW (root)))
    {
      g_autoptr(GNotification) n = g_notification_new (text);
      g_autofree char *base = g_path_get_basename (run->path);

      g_notification_set_body (n, base);
      if (run->ok)
        {
          g_notification_set_default_action_and_target (n, "app.use-model", "s", run->path);
          g_notification_add_button_with_target (n, _("Use This Model"), "app.use-model", "s",
                                                 run->path);
        }
      g_application_send_notification (app, "training-finished", n);
      g_signal_emit (self, signals[NOTIFIED], 0, text);
    }
}

static void
on_recipe_changed (AdwComboRow *row, GParamSpec *pspec, DgTrainPage *self)
{
  NnRecipeKind kind = selected_kind (self);
  NnRecipeOptions o;
  GSettings *gsettings = dg_settings_get_gsettings (dg_context_get_settings (self->context));
  g_autofree char *name = g_strdup_printf (kind == NN_RECIPE_FINETUNE ? "my_%sd" : "my_%s",
                                           nn_recipe_name (kind));

  nn_recipe_options_init (&o, kind);
  gtk_spin_button_set_value (self->epochs_spin, o.epochs);
  gtk_spin_button_set_value (self->batch_spin, o.batch_size);
  gtk_spin_button_set_value (self->lr_spin, o.learning_rate);
  gtk_spin_button_set_value (self->seed_spin, (double) o.seed);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
  gtk_widget_set_visible (self->finetune_group, kind == NN_RECIPE_FINETUNE);
  update_start_sensitivity (self);
  /* the page offers it first next time */
  if (gsettings)
    g_settings_set_string (gsettings, "train-recipe", nn_recipe_name (kind));
}

/* A name that would be a path or a hidden file is refused with the reason, not
 * changed behind the user's back; an empty one stands for "my_model". */
static void
on_name_changed (GtkEditable *row, DgTrainPage *self)
{
  g_autofree char *clean = dg_model_name_clean (gtk_editable_get_text (row));
  char *problem = *clean ? dg_model_name_problem (clean) : NULL;

  if (g_strcmp0 (problem, self->name_problem) == 0)
    {
      g_free (problem);
      return;
    }
  g_free (self->name_problem);
  self->name_problem = problem;
  gtk_label_set_text (self->name_problem_label, problem ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->name_problem_label), problem != NULL);
  if (problem)
    gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
  update_start_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME_PROBLEM]);
}

static void
on_limit_changed (GtkSpinButton *spin, DgTrainPage *self)
{
  GSettings *gsettings = dg_settings_get_gsettings (dg_context_get_settings (self->context));

  if (gsettings)
    g_settings_set_int (gsettings, "train-images", gtk_spin_button_get_value_as_int (spin));
}

/* ---- the fine-tuning folder ---------------------------------------------------------- */

typedef struct {
  DgTrainPage *page;
  guint serial;
  char *dir;
  NnFolderReport report;
  GError *error;
} FolderScan;

static void
folder_scan_free (FolderScan *scan)
{
  g_object_unref (scan->page);
  g_free (scan->dir);
  nn_folder_report_clear (&scan->report);
  g_clear_error (&scan->error);
  g_free (scan);
}

static void
scan_folder_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  FolderScan *scan = data;
  g_autoptr(NnDataset) ds = nn_folder_load (scan->dir, FALSE, &scan->report, &scan->error);
  g_task_return_boolean (task, TRUE);
}

static void
append_warning (GString *s, const char *color, const char *text)
{
  g_autofree char *e = g_markup_escape_text (text, -1);
  g_string_append_printf (s, "\n<span foreground=\"%s\">⚠ %s</span>", color, e);
}

static void
show_folder_report (DgTrainPage *self, const NnFolderReport *r, const GError *error)
{
  GString *s = g_string_new ("<b>");
  int total = 0, lo = G_MAXINT, hi = 0, missing = 0;
  guint skipped = r->skipped ? r->skipped->len : 0;

  for (int c = 0; c < 10; c++)
    {
      total += r->per_class[c];
      lo = MIN (lo, r->per_class[c]);
      hi = MAX (hi, r->per_class[c]);
      missing += r->per_class[c] == 0;
    }
  /* TRANSLATORS: fine-tuning folder summary: usable images */
  g_string_append_printf (s, ngettext ("%'d image", "%'d images", total), total);
  if (total > 0)
    {
      /* as the recipe splits it: a fifth of each digit, none of a digit with one image */
      int n_val = 0;
      for (int c = 0; c < 10; c++)
        n_val += r->per_class[c] >= 2 ? MAX (1, (int) lround (r->per_class[c] * 0.2)) : 0;
      /* TRANSLATORS: after "60 images": how many the fine-tuning holds out */
      g_string_append_printf (s, ngettext (", %d to validate on", ", %d to validate on", n_val), n_val);
    }
  g_string_append (s, "</b>\n<tt>");
  for (int c = 0; c < 10; c++)
    g_string_append_printf (s, "%d: %-5d%s", c, r->per_class[c], c == 4 ? "\n" : "");
  g_string_append (s, "</tt>");
  if (skipped)
    {
      g_string_append (s, "\n");
      g_string_append_printf (s, ngettext ("%u file skipped:", "%u files skipped:", skipped), skipped);
      for (guint i = 0; i < skipped && i < 8; i++)
        {
          NnSkippedFile *f = g_ptr_array_index (r->skipped, i);
          g_autofree char *base = g_path_get_basename (f->path);
          g_autofree char *line = g_markup_printf_escaped ("\n• %s: %s", base, f->reason);
          g_string_append (s, line);
        }
      if (skipped > 8)
        g_string_append (s, "\n• …");
    }
  if (error)
    append_warning (s, "#c01c28", error->message);
  else if (missing)
    {
      g_autofree char *t = g_strdup_printf (ngettext ("%d digit has no images; fine-tuning needs all ten.",
                                                      "%d digits have no images; fine-tuning needs all ten.",
                                                      missing), missing);
      append_warning (s, "#c01c28", t);
    }
  else if (hi > 2 * lo)
    append_warning (s, "#9c6e03", _("The classes are unbalanced: the largest has more than twice "
                                    "the images of the smallest."));
  gtk_label_set_markup (self->folder_summary, s->str);
  g_string_free (s, TRUE);
  self->folder_ok = !error && missing == 0 && total > 0;
  update_start_sensitivity (self);

  g_signal_emit (self, signals[FOLDER_READ], 0, self->folder, r, self->folder_ok);
}

static void
on_folder_scanned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FolderScan *scan = g_task_get_task_data (G_TASK (result));
  DgTrainPage *self = scan->page;

  if (!self->disposed && scan->serial == self->folder_serial)
    show_folder_report (self, &scan->report, scan->error);
}

static void
set_folder (DgTrainPage *self, const char *path)
{
  FolderScan *scan;
  GTask *task;

  g_free (self->folder);
  self->folder = g_strdup (path);
  self->folder_ok = FALSE;
  adw_action_row_set_subtitle (self->folder_row, path);
  gtk_label_set_text (self->folder_summary, _("Reading the folder…"));
  update_start_sensitivity (self);

  scan = g_new0 (FolderScan, 1);
  scan->page = g_object_ref (self);
  scan->serial = ++self->folder_serial;
  scan->dir = g_strdup (path);
  task = g_task_new (NULL, NULL, on_folder_scanned, NULL);
  g_task_set_task_data (task, scan, (GDestroyNotify) folder_scan_free);
  g_task_run_in_thread (task, scan_folder_thread);
  g_object_unref (task);
}

static void
on_folder_chosen (gpointer object, const char *path)
{
  DgTrainPage *self = object;

  if (!self->disposed)
    set_folder (self, path);
}

static void
on_folder_button_clicked (GtkButton *button, DgTrainPage *self)
{
  dg_file_chooser_run (dg_file_chooser_new (GTK_WIDGET (self), _("Choose a Data Folder"),
                                            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"),
                                            self->folder),
                       on_folder_chosen, self);
}

/* ---- the job ------------------------------------------------------------------------ */

typedef struct {
  DgTrainPage *page;        /* a reference */
  DgJob *job;               /* set by the worker */
  Run *run;                 /* owned by the page's runs */
  NnRecipeOptions opts;
  char *out, *data_dir, *base, *mnist_dir;
  NnRecipeReport report;
  gboolean report_filled;
} TrainJob;

typedef struct {
  TrainJob *tj;
  NnFitProgress p;
  gboolean epoch;
} ProgressMsg;

typedef struct {
  TrainJob *tj;
  char *text;
  gboolean phase2;          /* the core began fine-tuning's phase 2 */
} StageMsg;

static void
train_job_free (gpointer data)
{
  TrainJob *tj = data;
  if (tj->report_filled)
    nn_recipe_report_clear (&tj->report);
  g_free (tj->out);
  g_free (tj->data_dir);
  g_free (tj->base);
  g_free (tj->mnist_dir);
  g_object_unref (tj->page);
  g_free (tj);
}

/* The speed line under the bar takes no room while nothing trains. */
static void
set_rate (DgTrainPage *self, const char *text)
{
  gtk_label_set_text (self->rate_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->rate_label), *text != '\0');
}

static void
show_progress (DgTrainPage *self, const NnFitProgress *p)
{
  double per_epoch = p->images_per_second > 0 ? p->images_total / p->images_per_second : 0;
  double eta = p->eta_seconds + per_epoch * MAX (0, p->epochs - p->epoch);
  Run *run = self->current;
  /* fine-tuning's phase 1 reports its own 3 epochs: the bar counts every phase's */
  int epochs = run && run->planned_epochs > p->epochs ? run->planned_epochs : p->epochs;
  double fraction = epochs > 0 ? ((p->epoch - 1) + (double) p->batch / MAX (1, p->batches)) / epochs : 0;
  g_autofree char *left = NULL;
  /* TRANSLATORS: training progress: epoch 2 of 15 */
  g_autofree char *text = g_strdup_printf (_("Epoch %d of %d"), p->epoch, epochs);
  if (run)
    fraction = run->fraction = MAX (run->fraction, fraction);   /* it never goes back */
  eta += per_epoch * MAX (0, epochs - MAX (p->epochs, p->epoch));
  left = dg_page_format_duration (eta);
  /* TRANSLATORS: training speed and time left, e.g. "1850 images/s · 1:23 left" */
  g_autofree char *rate = g_strdup_printf (_("%.0f images/s · %s left"), p->images_per_second, left);

  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
  set_tab_progress (self, CLAMP (fraction, 0, 1));
  gtk_progress_bar_set_text (self->progress_bar, text);
  gtk_progress_bar_set_show_text (self->progress_bar, TRUE);
  set_rate (self, rate);
}

/* What a batch changes on screen (the progress bar, the tab's title, the live
 * plots) is shown at most ten times a second: a batch that comes within
 * PROGRESS_INTERVAL_MS of the last one shown waits for the interval's end,
 * unless it ends an epoch. Shown for every batch, about 40 times a second for
 * the Quick recipe, it took layout and plot drawing on a core that the training
 * threads needed: a whole Quick run in the window took 48.9 and 52.5 s that way,
 * and 33.8 and 39.5 s this way (two rounds alternating, 2 cores). */
#define PROGRESS_INTERVAL_MS 100

static void
show_latest_progress (DgTrainPage *self)
{
  self->latest_pending = FALSE;
  if (self->current == NULL)
    return;
  show_progress (self, &self->latest);
  if (self->shown == self->current)
    {
      dg_plot_changed (self->batch_plot);
      dg_plot_changed (self->lr_plot);
    }
}

static gboolean
on_progress_interval (gpointer data)
{
  DgTrainPage *self = data;

  if (!self->latest_pending)
    {
      self->progress_id = 0;
      return G_SOURCE_REMOVE;
    }
  show_latest_progress (self);
  return G_SOURCE_CONTINUE;
}

static void
queue_progress (DgTrainPage *self, const NnFitProgress *p)
{
  self->latest = *p;
  self->latest_pending = TRUE;
  if (self->progress_id != 0 && p->batch < p->batches)
    return;
  show_latest_progress (self);
  if (self->progress_id == 0)
    self->progress_id = g_timeout_add (PROGRESS_INTERVAL_MS, on_progress_interval, self);
}

static gboolean
on_progress_msg (gpointer data)
{
  ProgressMsg *m = data;
  DgTrainPage *self = m->tj->page;
  Run *run = m->tj->run;
  const NnFitProgress *p = &m->p;

  if (self->disposed)
    return G_SOURCE_REMOVE;
  if (!m->epoch)
    {
      /* each fine-tuning phase counts its steps from 0: the plots go on */
      NnFitProgress shown = *p;
      double x;

      shown.step = p->step + run->step_offset;
      x = (double) shown.step;
      run->last_step = shown.step;
      run->ema = run->ema_n++ == 0 ? p->batch_loss : 0.9 * run->ema + 0.1 * p->batch_loss;
      plot_line_chart_append (run->charts[CHART_BATCH], 0, x, p->batch_loss);
      plot_line_chart_append (run->charts[CHART_BATCH], 1, x, run->ema);
      plot_line_chart_append (run->charts[CHART_LR], run->phase == 2 ? 1 : 0, x, p->lr);
      run->batches_seen++;
      queue_progress (self, p);
      g_signal_emit (self, signals[BATCH], 0, &shown);
    }
  else
    {
      run->last_epoch = p->epoch;
      plot_line_chart_append (run->charts[CHART_LOSS], 0, p->epoch, p->loss);
      plot_line_chart_append (run->charts[CHART_ACC], 0, p->epoch, p->accuracy);
      if (!isnan (p->val_loss))
        {
          plot_line_chart_append (run->charts[CHART_LOSS], 1, p->epoch, p->val_loss);
          plot_line_chart_append (run->charts[CHART_ACC], 1, p->epoch, p->val_accuracy);
        }
      if (self->shown == run)
        redraw_plots (self);
      g_signal_emit (self, signals[EPOCH], 0, p);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_stage_msg (gpointer data)
{
  StageMsg *m = data;
  DgTrainPage *self = m->tj->page;

  if (!self->disposed)
    {
      Run *run = m->tj->run;
      if (run->phase == 1 && m->phase2)
        {
          g_autofree char *sub = NULL;
          run->phase = 2;
          run->step_offset = run->last_step;
          /* TRANSLATORS: the batch loss plot's subtitle when fine-tuning */
          sub = g_strdup_printf (_("phase 1: head · phase 2 from step %d: deeper layers"),
                                 (int) run->step_offset);
          plot_line_chart_set_title (run->charts[CHART_BATCH], _("Training loss per batch"), sub);
          if (self->shown == run)
            dg_plot_changed (self->batch_plot);
        }
      gtk_label_set_text (self->status_label, m->text);
      g_signal_emit (self, signals[STAGE], 0, m->text);
    }
  return G_SOURCE_REMOVE;
}

static void
stage_msg_free (gpointer data)
{
  StageMsg *m = data;
  g_free (m->text);
  g_free (m);
}

static void
post_progress (const NnFitProgress *p, gpointer user_data, gboolean epoch)
{
  TrainJob *tj = user_data;
  ProgressMsg *m = g_new (ProgressMsg, 1);
  m->tj = tj;
  m->p = *p;
  m->epoch = epoch;
  dg_job_post (tj->job, on_progress_msg, m, g_free);
}

static void
on_batch (const NnFitProgress *p, gpointer user_data)
{
  post_progress (p, user_data, FALSE);
}

static void
on_epoch (const NnFitProgress *p, gpointer user_data)
{
  post_progress (p, user_data, TRUE);
}

static void
on_stage (const char *stage, gpointer user_data)
{
  TrainJob *tj = user_data;
  gboolean finetune = tj->opts.kind == NN_RECIPE_FINETUNE;
  StageMsg *m;

  /* the last seconds of a run from scratch, after its last epoch */
  if (!finetune && strcmp (stage, "calibrating") != 0)
    return;
  m = g_new (StageMsg, 1);
  m->tj = tj;
  m->phase2 = g_str_has_prefix (stage, "phase 2");
  /* the core's stage names are short English phrases: "phase 1: head only" */
  m->text = finetune ? g_strdup_printf (_("Fine-tuning: %s"), stage)
                     : g_strdup (_("Calibrating the confidence and the not-a-digit check…"));
  dg_job_post (tj->job, on_stage_msg, m, stage_msg_free);
}

static gboolean
train_worker (DgJob *job, gpointer data, GError **error)
{
  TrainJob *tj = data;

  tj->job = job;
  tj->opts.cancellable = dg_job_get_cancellable (job);
  tj->report_filled = TRUE;
  return nn_recipe_run (&tj->opts, &tj->report, error);
}

/* Fine-tuning: what the held-out images say about the change, in words, and a
 * warning when they are too few to say much. */
static void
append_before_after (GString *s, const NnRecipeReport *r)
{
  double before = r->val_before * 100.0, after = r->val_after * 100.0;
  /* one image moves the accuracy by this much */
  double step = r->n_val > 0 ? 100.0 / r->n_val : 100.0;

  g_string_append (s, "\n");
  if (fabs (after - before) < step / 2 && before > 99.99)
    g_string_append_printf (s, ngettext ("The base model already read all %d held-out image correctly, "
                                         "and the new one does too: this folder cannot show a gain.",
                                         "The base model already read all %d held-out images correctly, "
                                         "and the new one does too: this folder cannot show a gain.",
                                         r->n_val), r->n_val);
  else if (fabs (after - before) < step / 2)
    g_string_append_printf (s, ngettext ("Validation accuracy unchanged at %.1f%% (%d held-out image).",
                                         "Validation accuracy unchanged at %.1f%% (%d held-out images).",
                                         r->n_val), after, r->n_val);
  else if (after > before)
    g_string_append_printf (s, ngettext ("Validation accuracy rose from %.1f%% to %.1f%% (%d held-out image).",
                                         "Validation accuracy rose from %.1f%% to %.1f%% (%d held-out images).",
                                         r->n_val), before, after, r->n_val);
  else
    g_string_append_printf (s, ngettext ("Validation accuracy fell from %.1f%% to %.1f%% (%d held-out image): "
                                         "the base model may suit this folder better.",
                                         "Validation accuracy fell from %.1f%% to %.1f%% (%d held-out images): "
                                         "the base model may suit this folder better.",
                                         r->n_val), before, after, r->n_val);
  if (r->n_val < 50)
    {
      g_autofree char *t = g_strdup_printf (_("Too few images to validate on: one image is %.0f%% of "
                                              "the %d held out (a fifth of each digit's images; a digit "
                                              "with one image is only trained on). Add samples for a "
                                              "reliable figure."), step, r->n_val);
      append_warning (s, "#9c6e03", t);
    }
}

static void
finish_summary (DgTrainPage *self, TrainJob *tj)
{
  Run *run = tj->run;
  const NnRecipeReport *r = &tj->report;
  GString *s = g_string_new (NULL);
  g_autofree char *base = g_path_get_basename (run->path);
  g_autofree char *base_e = g_markup_escape_text (base, -1);
  g_autofree char *secs = dg_page_format_duration (r->seconds);

  g_string_append_printf (s, "<b>%s</b>\n", base_e);
  if (!isnan (r->fit.best_val_accuracy))
    /* TRANSLATORS: run summary; %.2f%% is an accuracy (write the percent as your
     * language does, e.g. "%.2f %%"), %d the epoch */
    g_string_append_printf (s, _("Best validation accuracy %.2f%% (epoch %d)"),
                            r->fit.best_val_accuracy * 100.0, r->fit.best_epoch);
  if (!isnan (r->test_accuracy))
    g_string_append_printf (s, _(" · test accuracy %.2f%%"), r->test_accuracy * 100.0);
  g_string_append_printf (s, " · %s", secs);
  if (!isnan (r->val_before) && !isnan (r->val_after))
    append_before_after (s, r);
  if (r->fit.stopped_by_time)
    {
      g_string_append (s, "\n");
      g_string_append_printf (s, _("Stopped at the time limit after epoch %d; the best epoch (%d) is kept."),
                              run->last_epoch, r->fit.best_epoch);
    }
  else if (r->fit.stopped_early)
    {
      g_string_append (s, "\n");
      g_string_append_printf (s, _("Stopped early after epoch %d of %d: the validation accuracy had "
                                   "not improved for several epochs, so more would not have helped. "
                                   "The best epoch (%d) is kept."),
                              run->last_epoch, run->planned_epochs, r->fit.best_epoch);
    }
  run->summary = g_string_free (s, FALSE);
}

static void start_training (DgTrainPage *self);

static void
on_train_done (DgJob *job, const GError *error, gpointer data)
{
  TrainJob *tj = data;
  DgTrainPage *self = tj->page;
  Run *run = tj->run;
  gboolean exists = g_file_test (run->path, G_FILE_TEST_IS_REGULAR);

  g_clear_pointer (&self->job, dg_job_unref);
  if (self->disposed)
    return;
  self->current = NULL;
  g_clear_handle_id (&self->progress_id, g_source_remove);
  set_rate (self, "");

  if (!error)
    {
      run->ok = TRUE;
      finish_summary (self, tj);
      gtk_label_set_text (self->status_label, _("Training finished"));
      gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
      add_run_row (self, run, _("finished"));
      dg_context_add_model (self->context, run->path);
      dg_model_list_add (self->base_models, run->path);
      announce_finished (self, run, _("Training finished"));
      if (self->shown == run)
        show_run (self, run);
      g_signal_emit (self, signals[RUN_FINISHED], 0, run->id, run->path, exists, &tj->report, NULL);
    }
  else
    {
      gboolean cancelled = g_error_matches (error, NN_ERROR, NN_ERROR_CANCELLED);
      g_autofree char *msg = NULL;
      if (cancelled && exists)
        msg = g_strdup (_("Training was stopped. The best checkpoint so far is kept."));
      else if (cancelled)
        msg = g_strdup (_("Training was stopped before the first checkpoint; no model was written."));
      else
        /* TRANSLATORS: %s is the engine's message, e.g. "Loss became NaN at epoch 2" */
        msg = g_strdup_printf (_("Training failed: %s"), error->message);
      run->summary = g_markup_escape_text (msg, -1);
      run->ok = cancelled && exists;
      gtk_label_set_text (self->status_label, cancelled ? _("Training stopped") : _("Training failed"));
      add_run_row (self, run, cancelled ? _("stopped") : _("failed"));
      if (run->ok)
        dg_context_add_model (self->context, run->path);
      if (!cancelled)
        announce_finished (self, run, _("Training failed"));
      else
        set_tab_progress (self, -1);
      if (self->shown == run)
        show_run (self, run);
      g_signal_emit (self, signals[RUN_FINISHED], 0, run->id, run->path, exists, NULL, error);
    }
  update_start_sensitivity (self);

  if (self->start_pending)
    {
      self->start_pending = FALSE;
      start_training (self);
    }
}

static char *
unique_output_path (DgTrainPage *self)
{
  g_autofree char *dir = dg_page_models_dir ();
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  char *path;
  int first = 2;

  if (!*name)
    {
      g_free (name);
      name = g_strdup ("my_model");
    }
  if (g_str_has_suffix (name, ".keras"))
    name[strlen (name) - 6] = '\0';
  /* Start is insensitive while the name has a problem (on_name_changed) */
  g_return_val_if_fail (strchr (name, '/') == NULL && strchr (name, '\\') == NULL && name[0] != '.',
                        NULL);
  path = g_strdup_printf ("%s/%s.keras", dir, name);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      /* the field shows the last name written (my_cnn-2): count on from it */
      char *dash = strrchr (name, '-');
      char *end = NULL;
      gint64 n = dash && dash != name && dash[1] ? g_ascii_strtoll (dash + 1, &end, 10) : 0;
      if (end && *end == '\0' && n >= 2 && n < 100000)
        {
          *dash = '\0';
          first = (int) n + 1;
        }
    }
  /* never overwrite an earlier model: my_cnn-2.keras, my_cnn-3.keras ... */
  for (int i = first; g_file_test (path, G_FILE_TEST_EXISTS); i++)
    {
      g_free (path);
      path = g_strdup_printf ("%s/%s-%d.keras", dir, name, i);
    }
  return path;
}

static void
start_training (DgTrainPage *self)
{
  TrainJob *tj;
  NnRecipeKind kind = selected_kind (self);
  guint base_pos = adw_combo_row_get_selected (self->base_row);
  char *out;

  if (self->name_problem || !(out = unique_output_path (self)))
    return;
  tj = g_new0 (TrainJob, 1);
  tj->page = g_object_ref (self);
  tj->out = out;
  {
    /* the field shows the name the model is written under (my_cnn-2) */
    g_autofree char *name = g_path_get_basename (tj->out);
    name[strlen (name) - strlen (".keras")] = '\0';
    gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
  }
  nn_recipe_options_init (&tj->opts, kind);
  tj->opts.epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  tj->opts.batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  tj->opts.learning_rate = (float) gtk_spin_button_get_value (self->lr_spin);
  tj->opts.seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  /* every core: the job's threads run at a lower priority (dg-job-runner.c), so
   * the window's thread still gets a core the moment it needs one */
  tj->opts.threads = (int) g_get_num_processors ();
  tj->opts.limit = gtk_spin_button_get_value_as_int (self->limit_spin);
  tj->opts.out = tj->out;
  tj->mnist_dir = g_strdup (dg_context_get_data_dir (self->context));
  tj->opts.mnist_dir = tj->mnist_dir;
  if (kind == NN_RECIPE_FINETUNE)
    {
      tj->data_dir = g_strdup (self->folder);
      tj->base = g_strdup (base_pos != GTK_INVALID_LIST_POSITION
                           ? dg_model_list_get_path (self->base_models, base_pos) : NULL);
      tj->opts.data_dir = tj->data_dir;
      tj->opts.base = tj->base;
    }
  tj->opts.on_stage = on_stage;
  tj->opts.on_batch = on_batch;
  tj->opts.on_epoch = on_epoch;
  tj->opts.user_data = tj;
  tj->run = self->current = run_new (self, kind, tj->out);
  /* fine-tuning: 3 head epochs, then the form's epochs (see nn-recipe.h) */
  tj->run->planned_epochs = tj->opts.epochs + (kind == NN_RECIPE_FINETUNE ? 3 : 0);
  g_ptr_array_add (self->runs, tj->run);
  show_run (self, tj->run);

  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, _("Loading the data…"));
  gtk_progress_bar_set_show_text (self->progress_bar, TRUE);
  set_rate (self, "");
  {
    /* TRANSLATORS: status while training: "Training cnn → my_cnn.keras" */
    g_autofree char *base = g_path_get_basename (tj->out);
    g_autofree char *status = g_strdup_printf (_("Training %s → %s"), nn_recipe_name (kind), base);
    gtk_label_set_text (self->status_label, status);
  }
  self->job = dg_job_start (DG_JOB_TRAINING, nn_recipe_name (kind), train_worker, on_train_done,
                            tj, train_job_free);
  update_start_sensitivity (self);
  g_signal_emit (self, signals[RUN_STARTED], 0, tj->run->id, &tj->opts);
}

static void
on_replace_response (AdwMessageDialog *dialog, const char *response, DgTrainPage *self)
{
  if (g_strcmp0 (response, "stop") == 0 && !self->disposed)
    {
      DgJob *running = dg_job_runner_get_training ();
      self->start_pending = TRUE;
      if (running)
        dg_job_cancel (running);
    }
  g_object_unref (self);
}

static void
on_start_clicked (GtkButton *button, DgTrainPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (!dg_job_runner_get_training ())
    {
      start_training (self);
      return;
    }
  /* only one training at a time: the user decides whether the old one goes */
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Stop the Running Training?"),
                                   _("Only one model trains at a time. Stopping keeps the best "
                                     "checkpoint saved so far."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "keep", _("_Keep Training"),
                                    "stop", _("_Stop and Start New"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect (dialog, "response", G_CALLBACK (on_replace_response), g_object_ref (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
dg_train_page_cancel (DgTrainPage *self)
{
  g_return_if_fail (DG_IS_TRAIN_PAGE (self));
  if (self->job)
    {
      dg_job_cancel (self->job);
      gtk_label_set_text (self->status_label, _("Stopping…"));
    }
}

static void
on_cancel_clicked (GtkButton *button, DgTrainPage *self)
{
  dg_train_page_cancel (self);
}

static void
on_use_clicked (GtkButton *button, DgTrainPage *self)
{
  if (!self->shown)
    return;
  /* opens it and shows the Draw page */
  gtk_widget_activate_action (GTK_WIDGET (self), "app.use-model", "s", self->shown->path);
}

static void build (DgTrainPage *self);

static void
dg_train_page_map (GtkWidget *widget)
{
  DgTrainPage *self = DG_TRAIN_PAGE (widget);

  /* before chaining up, so that the new children are mapped with the page */
  build (self);
  GTK_WIDGET_CLASS (dg_train_page_parent_class)->map (widget);
  if (tab (self))
    adw_view_stack_page_set_needs_attention (tab (self), FALSE);   /* seen now */
  if (!self->folder)
    {
      g_autofree char *samples = dg_settings_dup_samples_folder (dg_context_get_settings (self->context));
      set_folder (self, samples);
    }
}

/* ---- life cycle ------------------------------------------------------------------------- */

static char *
base_title_closure (GtkStringObject *item)
{
  return dg_model_title_from_path (gtk_string_object_get_string (item));
}

static void
dg_train_page_dispose (GObject *object)
{
  DgTrainPage *self = DG_TRAIN_PAGE (object);

  self->disposed = TRUE;
  g_clear_handle_id (&self->progress_id, g_source_remove);
  if (self->job)
    dg_job_cancel (self->job);
  if (self->batch_plot)
    show_run (self, NULL);
  if (self->built)
    gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_TRAIN_PAGE);
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (dg_train_page_parent_class)->dispose (object);
}

static void
dg_train_page_finalize (GObject *object)
{
  DgTrainPage *self = DG_TRAIN_PAGE (object);

  g_clear_pointer (&self->job, dg_job_unref);
  g_ptr_array_unref (self->runs);
  g_clear_pointer (&self->empty, run_free);
  g_clear_object (&self->base_models);
  g_clear_object (&self->context);
  g_free (self->folder);
  g_free (self->tab_title);
  g_free (self->name_problem);
  G_OBJECT_CLASS (dg_train_page_parent_class)->finalize (object);
}

static void
dg_train_page_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTEXT: g_value_set_object (value, DG_TRAIN_PAGE (object)->context); break;
    case PROP_NAME_PROBLEM: g_value_set_string (value, DG_TRAIN_PAGE (object)->name_problem); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_train_page_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTEXT: DG_TRAIN_PAGE (object)->context = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_train_page_class_init (DgTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dg_train_page_get_property;
  object_class->set_property = dg_train_page_set_property;
  props[PROP_CONTEXT] = g_param_spec_object ("context", NULL, NULL, DG_TYPE_CONTEXT,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                             | G_PARAM_STATIC_STRINGS);
  /* why the model name typed cannot be used (Start waits), or NULL */
  props[PROP_NAME_PROBLEM] = g_param_spec_string ("name-problem", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* what the page does, for whoever watches it (the test probe, tools) */
  signals[RUN_STARTED] = g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT,
                                       G_TYPE_POINTER /* const NnRecipeOptions * */);
  signals[BATCH] = g_signal_new ("batch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER /* const NnFitProgress * */);
  signals[EPOCH] = g_signal_new ("epoch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER /* const NnFitProgress * */);
  signals[STAGE] = g_signal_new ("stage", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[RUN_FINISHED] = g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 5, G_TYPE_INT, G_TYPE_STRING,
                                        G_TYPE_BOOLEAN,
                                        G_TYPE_POINTER /* const NnRecipeReport *, NULL on error */,
                                        G_TYPE_ERROR);
  signals[RUN_SHOWN] = g_signal_new ("run-shown", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[NOTIFIED] = g_signal_new ("notified", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[FOLDER_READ] = g_signal_new ("folder-read", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
                                       G_TYPE_POINTER /* const NnFolderReport * */, G_TYPE_BOOLEAN);

  object_class->dispose = dg_train_page_dispose;
  object_class->finalize = dg_train_page_finalize;
  widget_class->map = dg_train_page_map;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  g_type_ensure (DG_TYPE_PLOT);
  g_type_ensure (DG_TYPE_DATA_GATE);
  g_type_ensure (DG_TYPE_REFLOW_BOX);
  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-train-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DgTrainPage, name)
  BIND (data_gate);
  BIND (reflow);
  BIND (form);
  BIND (recipe_row);
  BIND (epochs_spin);
  BIND (batch_spin);
  BIND (lr_spin);
  BIND (seed_spin);
  BIND (limit_spin);
  BIND (name_row);
  BIND (name_problem_label);
  BIND (finetune_group);
  BIND (base_row);
  BIND (folder_row);
  BIND (folder_button);
  BIND (folder_summary);
  BIND (start_button);
  BIND (cancel_button);
  BIND (runs_list);
  BIND (runs_button);
  BIND (runs_popover);
  BIND (status_label);
  BIND (rate_label);
  BIND (progress_bar);
  BIND (summary_revealer);
  BIND (summary_label);
  BIND (use_button);
  BIND (batch_plot);
  BIND (lr_plot);
  BIND (loss_plot);
  BIND (acc_plot);
#undef BIND
}

/* The page is built when it is first shown, not with the window: its template,
 * charts and model scan cost about a sixth of the start-up's CPU time, and most
 * sessions only draw. */
static void
build (DgTrainPage *self)
{
  g_autoptr(GtkExpression) title = NULL;
  GSettings *gsettings = dg_settings_get_gsettings (dg_context_get_settings (self->context));
  g_autofree char *recipe = gsettings ? g_settings_get_string (gsettings, "train-recipe") : NULL;
  NnRecipeKind kind = NN_RECIPE_CNN;
  int base_pos;

  if (self->built || self->disposed)
    return;
  self->built = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  dg_data_gate_set_context (self->data_gate, self->context);

  self->base_models = dg_model_list_new ();
  title = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                       G_CALLBACK (base_title_closure), NULL, NULL);
  adw_combo_row_set_expression (self->base_row, title);
  adw_combo_row_set_model (self->base_row, G_LIST_MODEL (self->base_models));
  base_pos = dg_model_list_default_position (self->base_models);
  adw_combo_row_set_selected (self->base_row, base_pos >= 0 ? (guint) base_pos : GTK_INVALID_LIST_POSITION);

  g_signal_connect (self->recipe_row, "notify::selected", G_CALLBACK (on_recipe_changed), self);
  g_signal_connect_swapped (self->base_row, "notify::selected", G_CALLBACK (update_start_sensitivity), self);
  g_signal_connect (self->folder_button, "clicked", G_CALLBACK (on_folder_button_clicked), self);
  g_signal_connect (self->start_button, "clicked", G_CALLBACK (on_start_clicked), self);
  g_signal_connect (self->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), self);
  g_signal_connect (self->use_button, "clicked", G_CALLBACK (on_use_clicked), self);
  g_signal_connect (self->runs_list, "row-activated", G_CALLBACK (on_run_row_activated), self);
  g_signal_connect (self->name_row, "changed", G_CALLBACK (on_name_changed), self);

  if (recipe)
    nn_recipe_from_name (recipe, &kind);
  if (gsettings)
    gtk_spin_button_set_value (self->limit_spin, g_settings_get_int (gsettings, "train-images"));
  g_signal_connect (self->limit_spin, "value-changed", G_CALLBACK (on_limit_changed), self);
  adw_combo_row_set_selected (self->recipe_row, kind);
  on_recipe_changed (self->recipe_row, NULL, self);

  /* an empty run shows the axes and titles before the first training */
  self->empty = run_new (self, kind, "none");
  self->next_run_id = 0;
  show_run (self, self->empty);
}

static void
dg_train_page_init (DgTrainPage *self)
{
  self->runs = g_ptr_array_new_with_free_func (run_free);
}

GtkWidget *
dg_train_page_new (DgContext *context)
{
  g_return_val_if_fail (DG_IS_CONTEXT (context), NULL);
  return g_object_new (DG_TYPE_TRAIN_PAGE, "context", context, NULL);
}

void
dg_train_page_set_default_folder (DgTrainPage *self, const char *path)
{
  g_return_if_fail (DG_IS_TRAIN_PAGE (self));
  build (self);
  if (!self->folder && path)
    set_folder (self, path);
}
