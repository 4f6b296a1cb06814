/* dg-number-boxes.c: the boxes and tags over a number's digits (see
 * dg-number-boxes.h). */
#include "dg-config.h"
#include "dg-number-boxes.h"

#define TAG_W 26.0   /* px */
#define TAG_H 22.0

struct _DgNumberBoxes {
  GtkWidget parent_instance;

  DgCanvas *canvas;        /* not a reference: the page holds both */
  NnNumberReading reading;
  int selected;
};

G_DEFINE_FINAL_TYPE (DgNumberBoxes, dg_number_boxes, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SELECTED, N_PROPS };
static GParamSpec *props[N_PROPS];

/* Digit i's box in widget pixels. */
static graphene_rect_t
box_rect (DgNumberBoxes *self, int i)
{
  const NnNumberDigit *d = &self->reading.digits[i];
  graphene_rect_t area;
  double scale;

  dg_canvas_get_area (self->canvas, &area);
  scale = area.size.height / DG_CANVAS_UNITS;
  return GRAPHENE_RECT_INIT (area.origin.x + d->x * scale - 3, area.origin.y + d->y * scale - 3,
                             d->w * scale + 6, d->h * scale + 6);
}

gboolean
dg_number_boxes_get_tag (DgNumberBoxes *self, int i, graphene_rect_t *tag)
{
  graphene_rect_t box, area;
  double y;

  g_return_val_if_fail (DG_IS_NUMBER_BOXES (self), FALSE);
  if (!self->canvas || i < 0 || i >= self->reading.n)
    return FALSE;
  box = box_rect (self, i);
  dg_canvas_get_area (self->canvas, &area);
  /* above the box, or inside its top when the box touches the canvas's top */
  y = box.origin.y - TAG_H >= area.origin.y ? box.origin.y - TAG_H : box.origin.y;
  *tag = GRAPHENE_RECT_INIT (box.origin.x, y, TAG_W, TAG_H);
  return TRUE;
}

static int
tag_at (DgNumberBoxes *self, double x, double y)
{
  graphene_rect_t tag;

  for (int i = self->reading.n - 1; i >= 0; i--)
    if (dg_number_boxes_get_tag (self, i, &tag)
        && graphene_rect_contains_point (&tag, &GRAPHENE_POINT_INIT (x, y)))
      return i;
  return -1;
}

/* Only the tags are this widget's: elsewhere the pointer reaches the canvas. */
static gboolean
dg_number_boxes_contains (GtkWidget *widget, double x, double y)
{
  return tag_at (DG_NUMBER_BOXES (widget), x, y) >= 0;
}

static void
dg_number_boxes_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DgNumberBoxes *self = DG_NUMBER_BOXES (widget);
  GdkRGBA accent = { 0.21, 0.52, 0.89, 1 }, warn = { 0.90, 0.38, 0, 1 }, white = { 1, 1, 1, 1 };

  if (!self->canvas)
    return;
  for (int i = 0; i < self->reading.n; i++)
    {
      const NnNumberDigit *d = &self->reading.digits[i];
      gboolean digit = d->verdict == NN_VERDICT_DIGIT, chosen = i == self->selected;
      GdkRGBA colour = digit ? accent : warn;
      graphene_rect_t box = box_rect (self, i), tag;
      GskRoundedRect outline;
      float width = chosen ? 3 : 1.5f;
      GdkRGBA colours[4];
      float widths[4] = { width, width, width, width };
      char text[2] = { (char) ('0' + d->digit), 0 };
      g_autoptr(PangoLayout) layout = NULL;
      int tw, th;

      if (!chosen)
        colour.alpha = 0.75f;
      for (int k = 0; k < 4; k++)
        colours[k] = colour;
      gsk_rounded_rect_init_from_rect (&outline, &box, 6);
      gtk_snapshot_append_border (snapshot, &outline, widths, colours);

      dg_number_boxes_get_tag (self, i, &tag);
      gsk_rounded_rect_init_from_rect (&outline, &tag, 4);
      gtk_snapshot_push_rounded_clip (snapshot, &outline);
      gtk_snapshot_append_color (snapshot, &colour, &tag);
      gtk_snapshot_pop (snapshot);
      layout = gtk_widget_create_pango_layout (widget, digit ? text : "?");
      pango_layout_get_pixel_size (layout, &tw, &th);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (tag.origin.x + (TAG_W - tw) / 2,
                                                             tag.origin.y + (TAG_H - th) / 2));
      gtk_snapshot_append_layout (snapshot, layout, &white);
      gtk_snapshot_restore (snapshot);
    }
}

static void
on_released (GtkGestureClick *gesture, int n_press, double x, double y, DgNumberBoxes *self)
{
  int i = tag_at (self, x, y);

  if (i >= 0)
    dg_number_boxes_set_selected (self, i);
}

void
dg_number_boxes_set_canvas (DgNumberBoxes *self, DgCanvas *canvas)
{
  g_return_if_fail (DG_IS_NUMBER_BOXES (self));
  self->canvas = canvas;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dg_number_boxes_set_reading (DgNumberBoxes *self, const NnNumberReading *reading)
{
  g_return_if_fail (DG_IS_NUMBER_BOXES (self));
  if (reading)
    self->reading = *reading;
  else
    self->reading.n = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
dg_number_boxes_get_selected (DgNumberBoxes *self)
{
  g_return_val_if_fail (DG_IS_NUMBER_BOXES (self), -1);
  return self->selected;
}

void
dg_number_boxes_set_selected (DgNumberBoxes *self, int selected)
{
  g_return_if_fail (DG_IS_NUMBER_BOXES (self));
  if (self->selected == selected)
    return;
  self->selected = selected;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SELECTED]);
}

static void
dg_number_boxes_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_SELECTED)
    g_value_set_int (value, DG_NUMBER_BOXES (object)->selected);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
dg_number_boxes_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id == PROP_SELECTED)
    dg_number_boxes_set_selected (DG_NUMBER_BOXES (object), g_value_get_int (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
dg_number_boxes_class_init (DgNumberBoxesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dg_number_boxes_get_property;
  object_class->set_property = dg_number_boxes_set_property;
  widget_class->snapshot = dg_number_boxes_snapshot;
  widget_class->contains = dg_number_boxes_contains;

  /* the digit shown in the reading below, or -1 */
  props[PROP_SELECTED] = g_param_spec_int ("selected", NULL, NULL, -1, NN_NUMBER_MAX_DIGITS - 1, -1,
                                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                           | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_css_name (widget_class, "dg-number-boxes");
}

static void
dg_number_boxes_init (DgNumberBoxes *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  self->selected = -1;
  g_signal_connect (click, "released", G_CALLBACK (on_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "pointer");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), _("Show how the model read this digit"));
}

GtkWidget *
dg_number_boxes_new (void)
{
  return g_object_new (DG_TYPE_NUMBER_BOXES, NULL);
}
