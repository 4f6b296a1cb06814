/* dg-history-button.c: the last drawings, reopenable (see dg-history-button.h). */
#include "dg-config.h"
#include "dg-history-button.h"
#include "dg-image-reader.h"
#include "dg-prob-bars.h"
#include "nn-image.h"

/* how long the drawing must stay still before its picture is taken */
#define STILL_MS 250

typedef struct {
  guint8 *grey;          /* 280 x 280, white ink on black */
  int digit;             /* -1: not read */
  double confidence;
  GdkTexture *texture;   /* the thumbnail's */
} Entry;

struct _DgHistoryButton {
  GtkWidget parent_instance;

  /* template */
  GtkMenuButton *menu_button;
  GtkPopover *popover;
  GtkListBox *list;
  GtkStack *stack;

  /* owned */
  DgContext *context;
  DgCanvas *canvas;      /* not a reference: the page holds both */
  GQueue entries;        /* of Entry *, the newest first */
  Entry *current;        /* the drawing on the canvas, once captured */
  gboolean stale;        /* the canvas changed since current was captured */
  guint still_timeout;
  int last_digit;        /* the page's latest reading (-1: blank), which a drawing */
  double last_confidence; /* captured after it was read starts with */
};

G_DEFINE_FINAL_TYPE (DgHistoryButton, dg_history_button, GTK_TYPE_WIDGET)

enum { CHANGED, REOPENED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
entry_free (Entry *e)
{
  if (!e)
    return;
  g_free (e->grey);
  g_clear_object (&e->texture);
  g_free (e);
}

static GdkTexture *
grey_texture (const guint8 *grey)
{
  gsize n = DG_CANVAS_UNITS * DG_CANVAS_UNITS;
  guint8 *rgb = g_malloc (n * 3);
  g_autoptr(GBytes) bytes = NULL;

  for (gsize i = 0; i < n; i++)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = grey[i];
  bytes = g_bytes_new_take (rgb, n * 3);
  return gdk_memory_texture_new (DG_CANVAS_UNITS, DG_CANVAS_UNITS, GDK_MEMORY_R8G8B8, bytes,
                                 DG_CANVAS_UNITS * 3);
}

static GtkWidget *
make_row (Entry *e)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  /* an image at a fixed size: a picture would ask for the drawing's own 280 px */
  GtkWidget *picture = gtk_image_new_from_paintable (GDK_PAINTABLE (e->texture));
  GtkWidget *label;
  g_autofree char *text = NULL;

  gtk_image_set_pixel_size (GTK_IMAGE (picture), 48);
  if (e->digit >= 0)
    {
      g_autofree char *number = g_strdup_printf ("%.0f", 100.0 * e->confidence);
      g_autofree char *percent = dg_percent_text (number);
      /* TRANSLATORS: a drawing in the history: the digit read · how sure the model was */
      text = g_strdup_printf (_("%d · %s"), e->digit, percent);
    }
  else
    text = g_strdup (_("Not read"));
  label = gtk_label_new (text);
  gtk_widget_add_css_class (label, "title-4");
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  return box;
}

static void
rebuild (DgHistoryButton *self)
{
  GtkWidget *c;

  while ((c = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, c);
  for (GList *l = self->entries.head; l; l = l->next)
    gtk_list_box_append (self->list, make_row (l->data));
  gtk_stack_set_visible_child_name (self->stack, self->entries.length ? "list" : "empty");
  g_signal_emit (self, signals[CHANGED], 0, self->entries.length);
}

/* The drawing leaves the canvas: into the history, unless it is the newest there. */
static void
push_current (DgHistoryButton *self)
{
  Entry *e = g_steal_pointer (&self->current), *newest = g_queue_peek_head (&self->entries);

  if (!e)
    return;
  if (newest && memcmp (newest->grey, e->grey, DG_CANVAS_UNITS * DG_CANVAS_UNITS) == 0)
    {
      newest->digit = e->digit;
      newest->confidence = e->confidence;
      entry_free (e);
    }
  else
    {
      e->texture = grey_texture (e->grey);
      g_queue_push_head (&self->entries, e);
      while (self->entries.length > DG_HISTORY_MAX)
        entry_free (g_queue_pop_tail (&self->entries));
    }
  rebuild (self);
}

static void
capture (DgHistoryButton *self)
{
  if (!self->current)
    {
      /* the stroke's last points may have been read before it ended */
      self->current = g_new0 (Entry, 1);
      self->current->digit = self->last_digit;
      self->current->confidence = self->last_confidence;
      self->current->grey = g_malloc (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
    }
  dg_canvas_render_grey (self->canvas, self->current->grey);
  self->stale = FALSE;
}

static gboolean
still_timeout (gpointer data)
{
  DgHistoryButton *self = data;

  self->still_timeout = 0;
  if (self->stale && !dg_canvas_is_empty (self->canvas))
    capture (self);
  return G_SOURCE_REMOVE;
}

static void
on_stroke_finished (DgCanvas *canvas, DgHistoryButton *self)
{
  g_clear_handle_id (&self->still_timeout, g_source_remove);
  capture (self);
}

static void
on_canvas_changed (DgCanvas *canvas, DgHistoryButton *self)
{
  self->stale = TRUE;
}

static void
on_predicted (GtkWidget *page, int digit, double confidence, double cam_sum, gint64 latency_us,
              DgHistoryButton *self)
{
  self->last_digit = digit;
  self->last_confidence = confidence;
  if (digit < 0)
    {
      g_clear_handle_id (&self->still_timeout, g_source_remove);
      push_current (self);
      return;
    }
  if (self->stale)
    {
      g_clear_handle_id (&self->still_timeout, g_source_remove);
      self->still_timeout = g_timeout_add (STILL_MS, still_timeout, self);
    }
  if (!self->current)
    return;
  self->current->digit = digit;
  self->current->confidence = confidence;
}

/* A picture replaced the drawing: the drawing goes into the history. */
static void
on_image_opened (GtkWidget *page, const char *name, gboolean ok, DgHistoryButton *self)
{
  if (ok)
    push_current (self);
}

void
dg_history_button_reopen (DgHistoryButton *self, guint position)
{
  Entry *e;
  DgReadImage *image;

  g_return_if_fail (DG_IS_HISTORY_BUTTON (self));
  e = g_queue_peek_nth (&self->entries, position);
  if (!e)
    return;
  image = dg_read_image_from_grey (e->grey, DG_CANVAS_UNITS, DG_CANVAS_UNITS, NN_BACKGROUND_DARK,
                                   NULL);
  if (!image)
    return;
  g_signal_emit (self, signals[REOPENED], 0, (int) position, e->digit);
  /* what is on the canvas now goes into the history first, e may move down */
  g_clear_handle_id (&self->still_timeout, g_source_remove);
  if (self->stale && !dg_canvas_is_empty (self->canvas))
    capture (self);
  push_current (self);
  dg_canvas_set_image (self->canvas, image->ink, image->placement, image,
                       (GDestroyNotify) dg_read_image_free);
  gtk_popover_popdown (self->popover);
}

static void
on_row_activated (GtkListBox *list, GtkListBoxRow *row, DgHistoryButton *self)
{
  dg_history_button_reopen (self, (guint) gtk_list_box_row_get_index (row));
}

guint
dg_history_button_get_n_entries (DgHistoryButton *self)
{
  g_return_val_if_fail (DG_IS_HISTORY_BUTTON (self), 0);
  return self->entries.length;
}

int
dg_history_button_get_digit (DgHistoryButton *self, guint position)
{
  Entry *e;

  g_return_val_if_fail (DG_IS_HISTORY_BUTTON (self), -1);
  e = g_queue_peek_nth (&self->entries, position);
  return e ? e->digit : -1;
}

void
dg_history_button_attach (DgHistoryButton *self, GtkWidget *page, DgContext *context,
                          DgCanvas *canvas)
{
  g_return_if_fail (DG_IS_HISTORY_BUTTON (self));
  g_return_if_fail (GTK_IS_WIDGET (page) && DG_IS_CONTEXT (context) && DG_IS_CANVAS (canvas));
  g_return_if_fail (self->canvas == NULL);

  self->context = g_object_ref (context);
  self->canvas = canvas;
  g_signal_connect_object (canvas, "stroke-finished", G_CALLBACK (on_stroke_finished), self, 0);
  g_signal_connect_object (canvas, "changed", G_CALLBACK (on_canvas_changed), self, 0);
  g_signal_connect_object (page, "predicted", G_CALLBACK (on_predicted), self, 0);
  g_signal_connect_object (page, "image-opened", G_CALLBACK (on_image_opened), self, 0);
}

static void
dg_history_button_dispose (GObject *object)
{
  DgHistoryButton *self = DG_HISTORY_BUTTON (object);

  g_clear_handle_id (&self->still_timeout, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_HISTORY_BUTTON);
  g_queue_clear_full (&self->entries, (GDestroyNotify) entry_free);
  g_clear_pointer (&self->current, entry_free);
  g_clear_object (&self->context);
  self->canvas = NULL;
  G_OBJECT_CLASS (dg_history_button_parent_class)->dispose (object);
}

static void
dg_history_button_class_init (DgHistoryButtonClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dg_history_button_dispose;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[REOPENED] = g_signal_new ("reopened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               DG_RESOURCE_PATH "/dg-history-button.ui");
  gtk_widget_class_bind_template_child (widget_class, DgHistoryButton, menu_button);
  gtk_widget_class_bind_template_child (widget_class, DgHistoryButton, popover);
  gtk_widget_class_bind_template_child (widget_class, DgHistoryButton, list);
  gtk_widget_class_bind_template_child (widget_class, DgHistoryButton, stack);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
}

static void
dg_history_button_init (DgHistoryButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_queue_init (&self->entries);
  self->last_digit = -1;
  gtk_stack_set_visible_child_name (self->stack, "empty");
}
