/* dg-settings.c: typed GSettings.
 *
 * When the app runs from the build tree its schema is not installed; it is then
 * read from the build folder, where src/gui/meson.build compiles it.
 */
#include "dg-config.h"
#include "dg-settings.h"

struct _DgSettings {
  GObject parent_instance;

  GSettings *settings;
  int brush_size;
  gboolean dark_canvas;
  gboolean show_gradcam;
  gboolean gradcam_on_canvas;
  char *last_model;
  char *samples_folder;
};

G_DEFINE_FINAL_TYPE (DgSettings, dg_settings, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BRUSH_SIZE,
  PROP_DARK_CANVAS,
  PROP_SHOW_GRADCAM,
  PROP_GRADCAM_ON_CANVAS,
  PROP_LAST_MODEL,
  PROP_SAMPLES_FOLDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GSettingsSchema *
lookup_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  GSettingsSchema *schema = NULL;

  if (source)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (!schema && g_file_test (DIGITS_BUILD_SCHEMA_DIR "/gschemas.compiled", G_FILE_TEST_EXISTS))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSettingsSchemaSource) build_source =
        g_settings_schema_source_new_from_directory (DIGITS_BUILD_SCHEMA_DIR, source, FALSE, &error);
      if (build_source)
        schema = g_settings_schema_source_lookup (build_source, APP_ID, FALSE);
    }
  return schema;
}

static void
set_string (char **field, const char *value, DgSettings *self, int prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value ? value : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_bool (gboolean *field, gboolean value, DgSettings *self, int prop)
{
  value = !!value;
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
dg_settings_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DgSettings *self = DG_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_BRUSH_SIZE:        g_value_set_int (value, self->brush_size); break;
    case PROP_DARK_CANVAS:       g_value_set_boolean (value, self->dark_canvas); break;
    case PROP_SHOW_GRADCAM:      g_value_set_boolean (value, self->show_gradcam); break;
    case PROP_GRADCAM_ON_CANVAS: g_value_set_boolean (value, self->gradcam_on_canvas); break;
    case PROP_LAST_MODEL:        g_value_set_string (value, self->last_model); break;
    case PROP_SAMPLES_FOLDER:    g_value_set_string (value, self->samples_folder); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dg_settings_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DgSettings *self = DG_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_BRUSH_SIZE:        dg_settings_set_brush_size (self, g_value_get_int (value)); break;
    case PROP_DARK_CANVAS:       set_bool (&self->dark_canvas, g_value_get_boolean (value), self, prop_id); break;
    case PROP_SHOW_GRADCAM:      set_bool (&self->show_gradcam, g_value_get_boolean (value), self, prop_id); break;
    case PROP_GRADCAM_ON_CANVAS: set_bool (&self->gradcam_on_canvas, g_value_get_boolean (value), self, prop_id); break;
    case PROP_LAST_MODEL:        set_string (&self->last_model, g_value_get_string (value), self, prop_id); break;
    case PROP_SAMPLES_FOLDER:    set_string (&self->samples_folder, g_value_get_string (value), self, prop_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dg_settings_dispose (GObject *object)
{
  DgSettings *self = DG_SETTINGS (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dg_settings_parent_class)->dispose (object);
}

static void
dg_settings_finalize (GObject *object)
{
  DgSettings *self = DG_SETTINGS (object);

  g_free (self->last_model);
  g_free (self->samples_folder);
  G_OBJECT_CLASS (dg_settings_parent_class)->finalize (object);
}

static void
dg_settings_class_init (DgSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = dg_settings_get_property;
  object_class->set_property = dg_settings_set_property;
  object_class->dispose = dg_settings_dispose;
  object_class->finalize = dg_settings_finalize;

  properties[PROP_BRUSH_SIZE] =
    g_param_spec_int ("brush-size", NULL, NULL, DG_BRUSH_MIN, DG_BRUSH_MAX, DG_BRUSH_DEFAULT, flags);
  properties[PROP_DARK_CANVAS] = g_param_spec_boolean ("dark-canvas", NULL, NULL, TRUE, flags);
  properties[PROP_SHOW_GRADCAM] = g_param_spec_boolean ("show-gradcam", NULL, NULL, TRUE, flags);
  properties[PROP_GRADCAM_ON_CANVAS] =
    g_param_spec_boolean ("gradcam-on-canvas", NULL, NULL, FALSE, flags);
  properties[PROP_LAST_MODEL] = g_param_spec_string ("last-model", NULL, NULL, "", flags);
  properties[PROP_SAMPLES_FOLDER] = g_param_spec_string ("samples-folder", NULL, NULL, "", flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dg_settings_init (DgSettings *self)
{
  g_autoptr(GSettingsSchema) schema = lookup_schema ();
  static const char *const keys[] = {
    "brush-size", "dark-canvas", "show-gradcam", "gradcam-on-canvas", "last-model", "samples-folder",
  };

  self->brush_size = DG_BRUSH_DEFAULT;
  self->dark_canvas = TRUE;
  self->show_gradcam = TRUE;
  self->last_model = g_strdup ("");
  self->samples_folder = g_strdup ("");

  if (!schema)
    {
      g_message ("GSettings schema %s not found; settings will not be kept", APP_ID);
      return;
    }
  self->settings = g_settings_new_full (schema, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_bind (self->settings, keys[i], self, keys[i], G_SETTINGS_BIND_DEFAULT);
}

DgSettings *
dg_settings_new (void)
{
  return g_object_new (DG_TYPE_SETTINGS, NULL);
}

GSettings *
dg_settings_get_gsettings (DgSettings *self)
{
  g_return_val_if_fail (DG_IS_SETTINGS (self), NULL);
  return self->settings;
}

int
dg_settings_get_brush_size (DgSettings *self)
{
  g_return_val_if_fail (DG_IS_SETTINGS (self), DG_BRUSH_DEFAULT);
  return self->brush_size;
}

void
dg_settings_set_brush_size (DgSettings *self, int size)
{
  g_return_if_fail (DG_IS_SETTINGS (self));
  size = CLAMP (size, DG_BRUSH_MIN, DG_BRUSH_MAX);
  if (self->brush_size == size)
    return;
  self->brush_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BRUSH_SIZE]);
}

gboolean
dg_settings_get_dark_canvas (DgSettings *self)
{
  g_return_val_if_fail (DG_IS_SETTINGS (self), TRUE);
  return self->dark_canvas;
}

void
dg_settings_set_dark_canvas (DgSettings *self, gboolean dark)
{
  g_return_if_fail (DG_IS_SETTINGS (self));
  set_bool (&self->dark_canvas, dark, self, PROP_DARK_CANVAS);
}

gboolean
dg_settings_get_show_gradcam (DgSettings *self)
{
  g_return_val_if_fail (DG_IS_SETTINGS (self), TRUE);
  return self->show_gradcam;
}

void
dg_settings_set_show_gradcam (DgSettings *self, gboolean show)
{
  g_return_if_fail (DG_IS_SETTINGS (self));
  set_bool (&self->show_gradcam, show, self, PROP_SHOW_GRADCAM);
}

gboolean
dg_settings_get_gradcam_on_canvas (DgSettings *self)
{
  g_return_val_if_fail (DG_IS_SETTINGS (self), FALSE);
  return self->gradcam_on_canvas;
}

void
dg_settings_set_gradcam_on_canvas (DgSettings *self, gboolean on)
{
  g_return_if_fail (DG_IS_SETTINGS (self));
  set_bool (&self->gradcam_on_canvas, on, self, PROP_GRADCAM_ON_CANVAS);
}

const char *
dg_settings_get_last_model (DgSettings *self)
{
  g_return_val_if_fail (DG_IS_SETTINGS (self), "");
  return self->last_model;
}

void
dg_settings_set_last_model (DgSettings *self, const char *path)
{
  g_return_if_fail (DG_IS_SETTINGS (self));
  set_string (&self->last_model, path, self, PROP_LAST_MODEL);
}

char *
dg_settings_dup_samples_folder (DgSettings *self)
{
  g_return_val_if_fail (DG_IS_SETTINGS (self), NULL);
  if (self->samples_folder && *self->samples_folder)
    return g_strdup (self->samples_folder);
  return g_build_filename (g_get_user_data_dir (), "digits", "my_digits", NULL);
}

void
dg_settings_set_samples_folder (DgSettings *self, const char *path)
{
  g_return_if_fail (DG_IS_SETTINGS (self));
  set_string (&self->samples_folder, path, self, PROP_SAMPLES_FOLDER);
}
