/* dg-teach-button.c: the Draw page's "It's a…" (see dg-teach-button.h). */
#include "dg-config.h"
#include "dg-teach-button.h"

struct _DgTeachButton {
  GtkWidget parent_instance;

  /* template */
  GtkWidget *box;
  GtkMenuButton *menu_button;
  GtkPopover *popover;
  GtkGrid *digit_grid;
  GtkLabel *status_label;
  GtkSpinner *spinner;

  /* owned */
  DgContext *context;
  DgCanvas *canvas;   /* not a reference: the page holds both */
  DgTeacher *teacher;
};

G_DEFINE_FINAL_TYPE (DgTeachButton, dg_teach_button, GTK_TYPE_WIDGET)

static void
update (DgTeachButton *self)
{
  gboolean busy = self->teacher && dg_teacher_get_busy (self->teacher);
  gboolean personal = self->teacher && dg_teacher_get_has_personal (self->teacher);
  /* only while the page shows: the digits must not touch a hidden drawing */
  gboolean can = gtk_widget_get_mapped (GTK_WIDGET (self)) && self->canvas
                 && !dg_canvas_is_empty (self->canvas) && self->context
                 && dg_context_get_model (self->context);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "teach.correct", can);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "teach.reset", personal || busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->menu_button), can || personal || busy);
  /* a spinner at rest draws nothing and keeps its place: the tools do not move */
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_label_set_text (self->status_label,
                      busy ? _("Your personal model is learning from your samples…")
                      : personal ? _("Your personal model learns from every correction.")
                      : _("The drawing is saved as a sample of that digit, and a personal "
                          "model learns from your samples in a few seconds."));
}

static void
correct_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DgTeachButton *self = DG_TEACH_BUTTON (widget);
  g_autofree guint8 *grey = g_malloc (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
  g_autoptr(GError) error = NULL;
  int label = g_variant_get_int32 (param);

  gtk_popover_popdown (self->popover);
  if (label < 0 || label > 9 || dg_canvas_is_empty (self->canvas))
    return;
  dg_canvas_render_grey (self->canvas, grey);
  if (!dg_teacher_correct (self->teacher, grey, DG_CANVAS_UNITS, DG_CANVAS_UNITS, label, &error))
    dg_context_toast_about (self->context, "teach", _("Could not save the sample"), error->message);
}

static void
reset_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DgTeachButton *self = DG_TEACH_BUTTON (widget);

  gtk_popover_popdown (self->popover);
  dg_teacher_reset (self->teacher);
}

/* 0 … 9 (and the keypad's) while the Draw page shows, wherever the focus is in the
 * window, like the page's other shortcuts: the canvas takes no keyboard focus, so
 * that Ctrl+Page Up and the like keep working after drawing. */
static void
add_digit_shortcuts (DgTeachButton *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  for (int d = 0; d < 10; d++)
    for (int pad = 0; pad < 2; pad++)
      {
        GtkShortcut *shortcut =
          gtk_shortcut_new (gtk_keyval_trigger_new ((pad ? GDK_KEY_KP_0 : GDK_KEY_0) + d, 0),
                            gtk_named_action_new ("teach.correct"));
        gtk_shortcut_set_arguments (shortcut, g_variant_new_int32 (d));
        gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
      }
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

void
dg_teach_button_attach (DgTeachButton *self, DgContext *context, DgCanvas *canvas)
{
  g_return_if_fail (DG_IS_TEACH_BUTTON (self));
  g_return_if_fail (DG_IS_CONTEXT (context) && DG_IS_CANVAS (canvas));
  g_return_if_fail (self->context == NULL);

  self->context = g_object_ref (context);
  self->canvas = canvas;
  self->teacher = dg_teacher_new (context);
  g_signal_connect_object (canvas, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::model", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->teacher, "notify::busy", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->teacher, "notify::has-personal", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  update (self);
}

DgTeacher *
dg_teach_button_get_teacher (DgTeachButton *self)
{
  g_return_val_if_fail (DG_IS_TEACH_BUTTON (self), NULL);
  return self->teacher;
}

static void
dg_teach_button_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (dg_teach_button_parent_class)->map (widget);
  update (DG_TEACH_BUTTON (widget));
}

static void
dg_teach_button_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (dg_teach_button_parent_class)->unmap (widget);
  update (DG_TEACH_BUTTON (widget));
}

static void
dg_teach_button_dispose (GObject *object)
{
  DgTeachButton *self = DG_TEACH_BUTTON (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_TEACH_BUTTON);
  if (self->teacher)
    g_object_run_dispose (G_OBJECT (self->teacher));  /* stops its fine-tune */
  g_clear_object (&self->teacher);
  g_clear_object (&self->context);
  self->canvas = NULL;
  G_OBJECT_CLASS (dg_teach_button_parent_class)->dispose (object);
}

static void
dg_teach_button_class_init (DgTeachButtonClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dg_teach_button_dispose;
  widget_class->map = dg_teach_button_map;
  widget_class->unmap = dg_teach_button_unmap;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-teach-button.ui");
  gtk_widget_class_bind_template_child (widget_class, DgTeachButton, box);
  gtk_widget_class_bind_template_child (widget_class, DgTeachButton, menu_button);
  gtk_widget_class_bind_template_child (widget_class, DgTeachButton, popover);
  gtk_widget_class_bind_template_child (widget_class, DgTeachButton, digit_grid);
  gtk_widget_class_bind_template_child (widget_class, DgTeachButton, status_label);
  gtk_widget_class_bind_template_child (widget_class, DgTeachButton, spinner);
  /* named for tests and tools, not kept */
  gtk_widget_class_bind_template_child_full (widget_class, "reset_button", FALSE, 0);
  gtk_widget_class_install_action (widget_class, "teach.correct", "i", correct_activated);
  gtk_widget_class_install_action (widget_class, "teach.reset", NULL, reset_activated);
}

static void
dg_teach_button_init (DgTeachButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  for (int d = 0; d < 10; d++)
    {
      char text[2] = { (char) ('0' + d), 0 };
      GtkWidget *button = gtk_button_new_with_label (text);

      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "teach.correct");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int32 (d));
      gtk_widget_set_name (button, text);
      gtk_grid_attach (self->digit_grid, button, d % 5, d / 5, 1, 1);
    }
  add_digit_shortcuts (self);
  update (self);
}
