/* dg-number-view.c: a number's reading, its chips and the selected digit (see
 * dg-number-view.h). */
#include "dg-config.h"
#include "dg-number-view.h"
#include "dg-draw-layout.h"
#include "dg-number-reader.h"
#include "dg-prob-bars.h"

struct _DgNumberView {
  GtkWidget parent_instance;

  /* template */
  GtkWidget *number_card;
  GtkLabel *number_label;
  GtkLabel *status_label;
  GtkWidget *chips;

  /* not references: the page holds them */
  DgCanvas *canvas;
  DgNumberBoxes *boxes;
  DgPredictionView *prediction_view;

  DgModel *model;          /* the reading's */
  gboolean with_cam;
  DgNumberRead read;
  int selected;
  gboolean pinned;         /* the user chose the digit: keep it while drawing */
  gboolean updating;       /* chips being set from code */
  int shown;               /* the digit shown below, or -1 */
  double confidence, cam_sum;
  gint64 read_us, show_us, explain_us; /* the last read's parts, wall time */
};

G_DEFINE_FINAL_TYPE (DgNumberView, dg_number_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SELECTED, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { READ, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The selected digit below: its probabilities, what the model saw, Grad-CAM. */
static void
show_selected (DgNumberView *self)
{
  const NnNumberReading *r = &self->read.reading;
  float input[28 * 28] = { 0 }, heat[28 * 28];
  double placement[3] = { 0 };
  gboolean has_cam = FALSE;
  const NnNumberDigit *d;

  self->shown = -1;
  self->confidence = self->cam_sum = 0;
  if (!self->prediction_view)
    return;
  if (self->selected < 0 || self->selected >= r->n || !self->model)
    {
      dg_prediction_view_show_prompt (self->prediction_view);
      dg_canvas_set_heatmap (self->canvas, NULL, NULL);
      return;
    }
  d = &r->digits[self->selected];
  if (dg_number_read_input (&self->read, self->selected, input, placement)
      && self->with_cam && dg_model_has_gradcam (self->model))
    has_cam = dg_model_gradcam (self->model, input, d->digit, heat, NULL);
  dg_prediction_view_show_result (self->prediction_view, d->probs, input, has_cam ? heat : NULL,
                                  NULL);
  dg_prediction_view_set_heat_caption (self->prediction_view, _("Grad-CAM"));
  dg_prediction_view_set_verdict (self->prediction_view, d->verdict);
  dg_canvas_set_heatmap_at (self->canvas, has_cam ? heat : NULL, placement);
  self->shown = d->digit;
  self->confidence = d->confidence;
  for (int i = 0; has_cam && i < 28 * 28; i++)
    self->cam_sum += heat[i];
}

static void
sync_chips (DgNumberView *self)
{
  int i = 0;

  self->updating = TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (self->chips); c; c = gtk_widget_get_next_sibling (c))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (c), i++ == self->selected);
  self->updating = FALSE;
}

/* Shows digit selected (-1: none) below, even when it was selected already: the
 * reading may be new. */
static void
select_digit (DgNumberView *self, int selected)
{
  gboolean changed = selected != self->selected;

  self->selected = selected;
  sync_chips (self);
  if (self->boxes)
    dg_number_boxes_set_selected (self->boxes, selected);
  show_selected (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SELECTED]);
}

void
dg_number_view_set_selected (DgNumberView *self, int selected)
{
  g_return_if_fail (DG_IS_NUMBER_VIEW (self));
  if (selected < -1 || selected >= self->read.reading.n || selected == self->selected)
    return;
  self->pinned = selected >= 0;
  select_digit (self, selected);
}

int
dg_number_view_get_selected (DgNumberView *self)
{
  g_return_val_if_fail (DG_IS_NUMBER_VIEW (self), -1);
  return self->selected;
}

static void
on_chip_toggled (GtkToggleButton *chip, DgNumberView *self)
{
  if (self->updating || !gtk_toggle_button_get_active (chip))
    return;
  dg_number_view_set_selected (self, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chip), "index")));
}

static void
on_box_selected (DgNumberBoxes *boxes, GParamSpec *pspec, DgNumberView *self)
{
  dg_number_view_set_selected (self, dg_number_boxes_get_selected (boxes));
}

static void
set_class (GtkWidget *widget, const char *name, gboolean on)
{
  if (on)
    gtk_widget_add_css_class (widget, name);
  else
    gtk_widget_remove_css_class (widget, name);
}

static GtkWidget *
make_chip (const NnNumberDigit *d, int index, int n, GtkWidget *group)
{
  GtkWidget *chip = gtk_toggle_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  char text[2] = { (char) ('0' + d->digit), 0 };
  gboolean digit = d->verdict == NN_VERDICT_DIGIT;
  GtkWidget *digit_label = gtk_label_new (digit ? text : "?");
  g_autofree char *p = dg_format_probability (d->confidence);
  GtkWidget *percent = gtk_label_new (p);
  g_autofree char *name = NULL;

  gtk_widget_add_css_class (digit_label, "chip-digit");
  gtk_widget_add_css_class (percent, "caption");
  gtk_widget_add_css_class (percent, "numeric");
  gtk_box_append (GTK_BOX (box), digit_label);
  gtk_box_append (GTK_BOX (box), percent);
  gtk_button_set_child (GTK_BUTTON (chip), box);
  gtk_widget_add_css_class (chip, "number-chip");
  set_class (chip, "not-a-digit", !digit);
  set_class (chip, "unsure", digit && d->confidence < DG_UNSURE_BELOW);
  if (group)
    gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (chip), GTK_TOGGLE_BUTTON (group));
  g_object_set_data (G_OBJECT (chip), "index", GINT_TO_POINTER (index));
  if (digit)
    /* TRANSLATORS: a chip's name for screen readers: "Digit 2 of 3: 4, 97 % sure" */
    name = g_strdup_printf (_("Digit %d of %d: %d, %s sure"), index + 1, n, d->digit, p);
  else
    /* TRANSLATORS: a chip's name for screen readers: "Digit 2 of 3: not a digit" */
    name = g_strdup_printf (_("Digit %d of %d: not a digit"), index + 1, n);
  gtk_accessible_update_property (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  return chip;
}

static void
show_reading (DgNumberView *self)
{
  const NnNumberReading *r = &self->read.reading;
  char number[NN_NUMBER_MAX_DIGITS + 1];
  gboolean unsure = FALSE;
  GtkWidget *c, *first = NULL;

  while ((c = gtk_widget_get_first_child (self->chips)))
    gtk_box_remove (GTK_BOX (self->chips), c);
  for (int i = 0; i < r->n; i++)
    {
      const NnNumberDigit *d = &r->digits[i];
      number[i] = d->verdict == NN_VERDICT_DIGIT ? (char) ('0' + d->digit) : '?';
      unsure |= d->confidence < DG_UNSURE_BELOW;
      c = make_chip (d, i, r->n, first);
      first = first ? first : c;
      g_signal_connect (c, "toggled", G_CALLBACK (on_chip_toggled), self);
      gtk_box_append (GTK_BOX (self->chips), c);
    }
  number[r->n] = '\0';
  gtk_label_set_text (self->number_label, number);
  gtk_widget_set_visible (GTK_WIDGET (self->number_label), r->n > 0);
  gtk_widget_set_visible (self->chips, r->n > 0);
  set_class (self->number_card, "not-a-number", r->verdict == NN_NUMBER_NOT_A_NUMBER);
  set_class (self->number_card, "unsure", r->verdict == NN_NUMBER_NUMBER && unsure);
  if (r->verdict == NN_NUMBER_BLANK)
    gtk_label_set_text (self->status_label,
                        _("Draw a number: its digits side by side, on one line."));
  else if (r->verdict == NN_NUMBER_NOT_A_NUMBER)
    gtk_label_set_text (self->status_label,
                        _("That doesn’t look like a number: what is marked “?” is not a digit."));
  else if (unsure)
    gtk_label_set_text (self->status_label,
                        _("Not sure of the dimmed digits. Click a digit to see how the model read it."));
  else
    gtk_label_set_text (self->status_label, _("Click a digit to see how the model read it."));
  if (self->boxes)
    dg_number_boxes_set_reading (self->boxes, r);
  if (self->prediction_view)
    gtk_widget_set_visible (GTK_WIDGET (self->prediction_view), r->n > 0);
}

gboolean
dg_number_view_read (DgNumberView *self, DgModel *model, gboolean with_cam, int *digit,
                     double *confidence, double *cam_sum, GError **error)
{
  int n;

  g_return_val_if_fail (DG_IS_NUMBER_VIEW (self), FALSE);
  g_return_val_if_fail (DG_IS_MODEL (model) && self->canvas, FALSE);
  g_set_object (&self->model, model);
  self->with_cam = with_cam;
  gint64 t0 = g_get_monotonic_time ();
  if (!dg_number_read_canvas (&self->read, model, self->canvas, error))
    {
      dg_number_view_reset (self);
      return FALSE;
    }
  gint64 t1 = g_get_monotonic_time ();
  n = self->read.reading.n;
  show_reading (self);
  gint64 t2 = g_get_monotonic_time ();
  self->pinned = self->pinned && self->selected >= 0 && self->selected < n;
  select_digit (self, self->pinned ? self->selected : n - 1);
  self->read_us = t1 - t0, self->show_us = t2 - t1;
  self->explain_us = g_get_monotonic_time () - t2;
  *digit = self->shown;
  *confidence = self->confidence;
  *cam_sum = self->cam_sum;
  g_signal_emit (self, signals[READ], 0);
  return TRUE;
}

void
dg_number_view_get_last_timings (DgNumberView *self, gint64 *read_us, gint64 *show_us,
                                 gint64 *explain_us)
{
  g_return_if_fail (DG_IS_NUMBER_VIEW (self));
  *read_us = self->read_us, *show_us = self->show_us, *explain_us = self->explain_us;
}

void
dg_number_view_reset (DgNumberView *self)
{
  g_return_if_fail (DG_IS_NUMBER_VIEW (self));
  dg_number_read_clear (&self->read);
  g_clear_object (&self->model);
  self->pinned = FALSE;
  show_reading (self);
  select_digit (self, -1);
  if (self->prediction_view)
    gtk_widget_set_visible (GTK_WIDGET (self->prediction_view), TRUE);
}

const NnNumberReading *
dg_number_view_get_reading (DgNumberView *self)
{
  g_return_val_if_fail (DG_IS_NUMBER_VIEW (self), NULL);
  return &self->read.reading;
}

void
dg_number_view_attach (DgNumberView *self, DgCanvas *canvas, DgNumberBoxes *boxes,
                       DgPredictionView *prediction_view)
{
  g_return_if_fail (DG_IS_NUMBER_VIEW (self));
  self->canvas = canvas;
  self->boxes = boxes;
  self->prediction_view = prediction_view;
  dg_number_boxes_set_canvas (boxes, canvas);
  g_signal_connect_object (boxes, "notify::selected", G_CALLBACK (on_box_selected), self, 0);
}

static void
dg_number_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_SELECTED)
    g_value_set_int (value, DG_NUMBER_VIEW (object)->selected);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
dg_number_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id == PROP_SELECTED)
    dg_number_view_set_selected (DG_NUMBER_VIEW (object), g_value_get_int (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
dg_number_view_dispose (GObject *object)
{
  DgNumberView *self = DG_NUMBER_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_NUMBER_VIEW);
  dg_number_read_clear (&self->read);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (dg_number_view_parent_class)->dispose (object);
}

static void
dg_number_view_class_init (DgNumberViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dg_number_view_get_property;
  object_class->set_property = dg_number_view_set_property;
  object_class->dispose = dg_number_view_dispose;

  props[PROP_SELECTED] = g_param_spec_int ("selected", NULL, NULL, -1, NN_NUMBER_MAX_DIGITS - 1, -1,
                                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                           | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  /* after each reading of the canvas */
  signals[READ] = g_signal_new ("read", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-number-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DgNumberView, number_card);
  gtk_widget_class_bind_template_child (widget_class, DgNumberView, number_label);
  gtk_widget_class_bind_template_child (widget_class, DgNumberView, status_label);
  gtk_widget_class_bind_template_child (widget_class, DgNumberView, chips);
  gtk_widget_class_set_css_name (widget_class, "dg-number-view");
}

static void
dg_number_view_init (DgNumberView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->selected = -1;
  self->shown = -1;
  /* the chips wrap into lines on narrow pages */
  gtk_widget_set_layout_manager (self->chips, dg_wrap_layout_new (6, 6));
  show_reading (self);
}

GtkWidget *
dg_number_view_new (void)
{
  return g_object_new (DG_TYPE_NUMBER_VIEW, NULL);
}
