/* dg-explain-popover.c: the heat map's method and layer (see the header). */
#include "dg-config.h"
#include "dg-explain-popover.h"
#include "nn-explain.h"

struct _DgExplainPopover {
  GtkPopover parent_instance;

  /* template */
  GtkLabel *method_note;
  GtkWidget *layer_box;
  GtkDropDown *layer_dropdown;

  /* owned */
  DgContext *context;
  GSettings *gsettings;
  GPtrArray *layer_names; /* beside the dropdown's items: "" (the default), then names */
  gboolean updating;      /* the list is being rebuilt: no setting changes */
};

G_DEFINE_FINAL_TYPE (DgExplainPopover, dg_explain_popover, GTK_TYPE_POPOVER)

enum { PROP_0, PROP_CONTEXT, N_PROPS };
static GParamSpec *props[N_PROPS];

static NnExplainMethod
current_method (DgExplainPopover *self)
{
  g_autofree char *name = g_settings_get_string (self->gsettings, "explain-method");
  NnExplainMethod method = NN_EXPLAIN_DEFAULT_METHOD;

  nn_explain_method_from_name (name, &method);
  return method;
}

static void
update_method (DgExplainPopover *self)
{
  const char *notes[NN_EXPLAIN_N_METHODS] = {
    _("The feature maps of a layer, weighted by how much the digit’s score rises with each. "
      "Quick; as coarse as the layer’s grid."),
    _("Grad-CAM with a weight for every place of the layer’s grid, so that several parts "
      "of the digit can show. Quick."),
    _("Each pixel’s share of the digit’s score, summed along the way from a black picture to "
      "this one. The most faithful; computed in the background."),
    _("How much the digit’s score drops when a small black patch covers each place. "
      "Computed in the background."),
  };
  NnExplainMethod method = current_method (self);

  gtk_label_set_text (self->method_note, notes[method]);
  gtk_widget_set_sensitive (self->layer_box, nn_explain_method_uses_layer (method));
}

/* The model's spatial layers, the chosen method's default first; the setting's
 * layer selected. */
static void
update_layers (DgExplainPopover *self)
{
  DgModel *model = dg_context_get_model (self->context);
  g_autoptr(GtkStringList) items = gtk_string_list_new (NULL);
  g_autofree char *wanted = g_settings_get_string (self->gsettings, "explain-layer");
  guint selected = 0;

  self->updating = TRUE;
  g_ptr_array_set_size (self->layer_names, 0);
  if (model)
    {
      NnModel *nn = dg_model_get_nn (model);
      /* each Grad-CAM has its own measured layer; the input-space methods take none */
      NnExplainMethod method = current_method (self);
      int def = nn_explain_default_layer (nn, nn_explain_method_uses_layer (method)
                                                ? method : NN_EXPLAIN_GRADCAM_PP);
      g_autofree char *first = NULL;

      /* TRANSLATORS: the first choice of layer; %s is the layer the model uses by default */
      first = g_strdup_printf (_("Default (%s)"), def > 0 ? nn->layers[def].name : "—");
      gtk_string_list_append (items, first);
      g_ptr_array_add (self->layer_names, g_strdup (""));
      for (int i = 1; i <= nn->output; i++)
        {
          NnShape s = nn->layers[i].out_shape;
          g_autofree char *label = NULL;

          if (!nn_layer_is_spatial (&nn->layers[i]))
            continue;
          label = g_strdup_printf ("%s · %d × %d", nn->layers[i].name, s.h, s.w);
          if (g_strcmp0 (wanted, nn->layers[i].name) == 0)
            selected = self->layer_names->len;
          gtk_string_list_append (items, label);
          g_ptr_array_add (self->layer_names, g_strdup (nn->layers[i].name));
        }
    }
  gtk_drop_down_set_model (self->layer_dropdown, G_LIST_MODEL (items));
  gtk_drop_down_set_selected (self->layer_dropdown, selected);
  self->updating = FALSE;
}

static void
on_layer_selected (DgExplainPopover *self)
{
  guint i = gtk_drop_down_get_selected (self->layer_dropdown);

  if (self->updating || i >= self->layer_names->len)
    return;
  g_settings_set_string (self->gsettings, "explain-layer", g_ptr_array_index (self->layer_names, i));
}

static void
dg_explain_popover_constructed (GObject *object)
{
  DgExplainPopover *self = DG_EXPLAIN_POPOVER (object);
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GAction) action = NULL;

  G_OBJECT_CLASS (dg_explain_popover_parent_class)->constructed (object);
  g_return_if_fail (DG_IS_CONTEXT (self->context));
  self->gsettings = g_object_ref (dg_settings_get_gsettings (dg_context_get_settings (self->context)));
  /* the radio buttons act on the setting itself */
  action = g_settings_create_action (self->gsettings, "explain-method");
  g_action_map_add_action (G_ACTION_MAP (group), action);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "explain", G_ACTION_GROUP (group));

  g_signal_connect_object (self->gsettings, "changed::explain-method", G_CALLBACK (update_method),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->gsettings, "changed::explain-method", G_CALLBACK (update_layers),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->gsettings, "changed::explain-layer", G_CALLBACK (update_layers),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->context, "notify::model", G_CALLBACK (update_layers), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->layer_dropdown, "notify::selected",
                            G_CALLBACK (on_layer_selected), self);
  update_method (self);
  update_layers (self);
}

static void
dg_explain_popover_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTEXT: g_value_set_object (value, DG_EXPLAIN_POPOVER (object)->context); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_explain_popover_set_property (GObject *object, guint id, const GValue *value,
                                 GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTEXT: DG_EXPLAIN_POPOVER (object)->context = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_explain_popover_dispose (GObject *object)
{
  DgExplainPopover *self = DG_EXPLAIN_POPOVER (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_EXPLAIN_POPOVER);
  g_clear_object (&self->gsettings);
  g_clear_object (&self->context);
  g_clear_pointer (&self->layer_names, g_ptr_array_unref);
  G_OBJECT_CLASS (dg_explain_popover_parent_class)->dispose (object);
}

static void
dg_explain_popover_class_init (DgExplainPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = dg_explain_popover_constructed;
  object_class->get_property = dg_explain_popover_get_property;
  object_class->set_property = dg_explain_popover_set_property;
  object_class->dispose = dg_explain_popover_dispose;

  props[PROP_CONTEXT] = g_param_spec_object ("context", NULL, NULL, DG_TYPE_CONTEXT,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                             | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               DG_RESOURCE_PATH "/dg-explain-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, DgExplainPopover, method_note);
  gtk_widget_class_bind_template_child (widget_class, DgExplainPopover, layer_box);
  gtk_widget_class_bind_template_child (widget_class, DgExplainPopover, layer_dropdown);
  /* named for tests, not kept */
  gtk_widget_class_bind_template_child_full (widget_class, "ig_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "gradcam_pp_button", FALSE, 0);
}

static void
dg_explain_popover_init (DgExplainPopover *self)
{
  self->layer_names = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
dg_explain_popover_new (DgContext *context)
{
  g_return_val_if_fail (DG_IS_CONTEXT (context), NULL);
  return g_object_new (DG_TYPE_EXPLAIN_POPOVER, "context", context, NULL);
}
