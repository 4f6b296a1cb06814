/* dg-application.c */
#include "dg-config.h"
#include "dg-application.h"
#include "dg-job-runner.h"
#include "dg-preferences.h"
#include "dg-settings.h"
#include "dg-test-hooks.h"
#include "dg-test-probe.h"
#include "dg-window.h"

#include <stdio.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

struct _DgApplication {
  AdwApplication parent_instance;

  DgSettings *settings;
  char *model_path;      /* --model */
  char *screenshot_path; /* --screenshot */
  char *page;            /* --page */
};

G_DEFINE_FINAL_TYPE (DgApplication, dg_application, ADW_TYPE_APPLICATION)

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* closing the windows first lets them save their state */
  while (windows)
    {
      GList *next = windows->next;
      gtk_window_destroy (GTK_WINDOW (windows->data));
      windows = next;
    }
  g_application_quit (G_APPLICATION (app));
}

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Digits contributors", NULL };
  const char *mnist_authors[] = { "Yann LeCun", "Corinna Cortes", "Christopher J. C. Burges", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Digits"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Digits contributors"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Draw a digit and watch a neural network read it: the "
                                      "prediction, the probabilities and where the model looked."),
                        "website", "https://github.com/digits-app/digits",
                        "issue-url", "https://github.com/digits-app/digits/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        /* TRANSLATORS: your name, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  /* TRANSLATORS: the heading of the About window's credits for the training data */
  adw_about_window_add_credit_section (ADW_ABOUT_WINDOW (about), _("MNIST Database of Handwritten Digits"),
                                       mnist_authors);
  adw_about_window_add_legal_section (ADW_ABOUT_WINDOW (about), _("MNIST"),
                                      "© Yann LeCun, Corinna Cortes, Christopher J. C. Burges",
                                      GTK_LICENSE_CUSTOM,
                                      _("The models were trained on the MNIST database by Yann LeCun, "
                                        "Corinna Cortes and Christopher J. C. Burges, made available "
                                        "under the terms of the Creative Commons Attribution-Share "
                                        "Alike 3.0 license."));
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DgApplication *self = DG_APPLICATION (user_data);
  DgPreferences *prefs = dg_preferences_new (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                             self->settings);

  gtk_window_present (GTK_WINDOW (prefs));
}

static GtkWindow *ensure_window (DgApplication *self);

/* app.open-model('PATH'): opens a model file by its path, in the running window. It
 * is what `digits FILE.keras` does, and what scripts and other programs can call
 * over D-Bus (org.gtk.Actions.Activate). A bad file gets the usual toast. */
static void
open_model_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DgApplication *self = DG_APPLICATION (user_data);
  g_autofree char *path = g_canonicalize_filename (g_variant_get_string (param, NULL), NULL);
  GtkWindow *window = ensure_window (self);

  dg_window_open_model (DG_WINDOW (window), path);
  gtk_window_present (window);
}

/* app.open-image('PATH'): reads a PNG or JPEG on the Draw page, as opening it from
 * the menu or dropping it on the canvas does; callable over D-Bus like open-model. */
static void
open_image_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DgApplication *self = DG_APPLICATION (user_data);
  GtkWindow *window = ensure_window (self);

  dg_window_open_image (DG_WINDOW (window), g_variant_get_string (param, NULL));
  gtk_window_present (window);
}

/* app.use-model('PATH'): opens a model file and shows the Draw page with it (the
 * Train page's "Use This Model"). */
static void
use_model_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DgApplication *self = DG_APPLICATION (user_data);
  GtkWindow *window = ensure_window (self);

  dg_window_open_model (DG_WINDOW (window), g_variant_get_string (param, NULL));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "draw");
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_activated },
  { .name = "about", .activate = about_activated },
  { .name = "preferences", .activate = preferences_activated },
  { .name = "open-model", .activate = open_model_activated, .parameter_type = "s" },
  { .name = "open-image", .activate = open_image_activated, .parameter_type = "s" },
  { .name = "use-model", .activate = use_model_activated, .parameter_type = "s" },
};

static void
screenshot_done (gpointer path, gpointer user_data)
{
  dg_test_print ("SCREENSHOT %s", (const char *) path);
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);
}

static gboolean
screenshot_when_ready (gpointer data)
{
  DgApplication *self = data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (!window || !gtk_widget_get_mapped (GTK_WIDGET (window))
      || !dg_context_get_model (dg_window_get_context (DG_WINDOW (window))))
    return G_SOURCE_CONTINUE;
  dg_test_screenshot_after_next_frame (GTK_WIDGET (window), self->screenshot_path,
                                       screenshot_done, self);
  return G_SOURCE_REMOVE;
}

/* The window, made on first use with what the command line asked for. */
static GtkWindow *
ensure_window (DgApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window)
    return window;
  dg_test_stamp ("activate");
  window = GTK_WINDOW (dg_window_new (ADW_APPLICATION (self), self->settings));
  dg_test_probe_attach (DG_WINDOW (window));
  if (self->page)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", self->page);
  if (self->model_path)
    dg_window_open_model (DG_WINDOW (window), self->model_path);
  if (self->screenshot_path)
    g_timeout_add (50, screenshot_when_ready, self);
  return window;
}

static void
dg_application_activate (GApplication *app)
{
  gtk_window_present (ensure_window (DG_APPLICATION (app)));
  dg_test_stamp ("present");
}

/* `digits FILE.keras`: the file opens as the model, in the running window if any. */
static void
dg_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;

  if (path)
    g_action_group_activate_action (G_ACTION_GROUP (app), "open-model",
                                    g_variant_new_string (path));
  else
    dg_application_activate (app);
}

/* Every frame allocates and frees window-sized Cairo buffers. Above glibc's
 * default threshold (128 KiB, moving up to 32 MiB) each one is a fresh mmap
 * whose pages fault in and are zeroed again: in the latency benchmark that
 * made one frame in ten take 20-36 ms instead of 6. Keeping such blocks in
 * the heap brings the frame work's p95 from 22 to 8 ms for 8 MB more RSS. */
void
dg_application_keep_frame_buffers_in_heap (void)
{
#ifdef __GLIBC__
  mallopt (M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt (M_TRIM_THRESHOLD, 64 * 1024 * 1024);
#endif
}

/* ---- the renderer ------------------------------------------------------------------ */

static gboolean gl_disabled_by_us;

/* A GPU whose render node this user may open, unless Mesa is told to render in
 * software. NVIDIA's own driver may run without a DRM node. */
static gboolean
have_gpu (void)
{
  const char *software = g_getenv ("LIBGL_ALWAYS_SOFTWARE");
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (software && *software && strcmp (software, "0") != 0
      && g_ascii_strcasecmp (software, "false") != 0)
    return FALSE;
  dir = g_dir_open ("/dev/dri", 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename ("/dev/dri", name, NULL);
      if (g_str_has_prefix (name, "renderD") && access (path, R_OK | W_OK) == 0)
        return TRUE;
    }
  return g_file_test ("/dev/nvidiactl", G_FILE_TEST_EXISTS);
}

/* Without a GPU, Mesa runs OpenGL on the CPU (llvmpipe). For this app's 2-D
 * drawing that buys nothing and costs, on the 2-core reference machine, about
 * 350 ms of start-up CPU time (GDK sets GL up at display open on X11 to pick its
 * visual, GSK then compiles its shaders) and 130 MB of resident memory. GDK skips
 * all of it only if GDK_DEBUG=gl-disable is set when GTK starts, so it is set
 * here, and taken out of the environment again once GTK has read it (see
 * startup), so that programs started from the app do not inherit it. A user who
 * chose a renderer keeps it; one who chose Cairo gets Cairo without GL set-up. */
gboolean
dg_application_choose_renderer (void)
{
  const char *renderer = g_getenv ("GSK_RENDERER");

  if (g_getenv ("GDK_DEBUG"))
    return FALSE;
  if (renderer ? g_strcmp0 (renderer, "cairo") != 0 : have_gpu ())
    return FALSE;
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  gl_disabled_by_us = TRUE;
  return TRUE;
}

/* ---- life cycle ------------------------------------------------------------------------ */

static void
dg_application_startup (GApplication *app)
{
  DgApplication *self = DG_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };

  dg_test_stamp ("startup");
  G_APPLICATION_CLASS (dg_application_parent_class)->startup (app);
  dg_test_stamp ("gtk-init");
  if (gl_disabled_by_us)
    {
      /* GSK would try GL first and log its failure; ask for Cairo directly */
      g_object_set_data (G_OBJECT (gdk_display_get_default ()), "gsk-renderer", (gpointer) "cairo");
      g_unsetenv ("GDK_DEBUG");
    }

  /* run from the build tree, the app's icon is in the source tree's data/icons
   * (the About window and the shortcuts window show it) */
  if (dg_running_uninstalled ())
    gtk_icon_theme_add_search_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    DIGITS_SOURCE_ICONS_DIR);

  self->settings = dg_settings_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", prefs_accels);
}

static int
dg_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  DgApplication *self = DG_APPLICATION (app);
  const char *value;

  if (g_variant_dict_lookup (options, "version", "b", NULL))
    {
      printf ("digits %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "model", "^&ay", &value))
    self->model_path = g_canonicalize_filename (value, NULL);
  if (g_variant_dict_lookup (options, "screenshot", "^&ay", &value))
    self->screenshot_path = g_canonicalize_filename (value, NULL);
  if (g_variant_dict_lookup (options, "page", "s", &value))
    self->page = g_strdup (value);
  /* a screenshot run is its own instance, never a remote call */
  if (self->model_path || self->screenshot_path)
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
  return -1;
}

static void
dg_application_dispose (GObject *object)
{
  DgApplication *self = DG_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->model_path, g_free);
  g_clear_pointer (&self->screenshot_path, g_free);
  g_clear_pointer (&self->page, g_free);
  G_OBJECT_CLASS (dg_application_parent_class)->dispose (object);
}

/* The windows are gone; background jobs (a personal fine-tune, a training run the
 * user chose to stop) end before the program does. */
static void
dg_application_shutdown (GApplication *app)
{
  dg_job_runner_stop_all ();
  G_APPLICATION_CLASS (dg_application_parent_class)->shutdown (app);
}

static void
dg_application_class_init (DgApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dg_application_dispose;
  app_class->activate = dg_application_activate;
  app_class->open = dg_application_open;
  app_class->startup = dg_application_startup;
  app_class->shutdown = dg_application_shutdown;
  app_class->handle_local_options = dg_application_handle_local_options;
}

static void
dg_application_init (DgApplication *self)
{
  static const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, NULL, N_("Open this .keras model"), N_("FILE") },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Save a PNG of the window once the model is loaded, then quit"), N_("FILE") },
    { "page", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Open on this page: draw, train or evaluate"),
      N_("PAGE") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and quit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

DgApplication *
dg_application_new (void)
{
  GApplicationFlags flags = G_APPLICATION_HANDLES_OPEN;

  /* Several instances on one session bus, each its own app (no D-Bus actions then). */
  if (g_getenv ("DIGITS_NON_UNIQUE"))
    flags |= G_APPLICATION_NON_UNIQUE;
  return g_object_new (DG_TYPE_APPLICATION, "application-id", APP_ID, "flags", flags,
                       "resource-base-path", DG_RESOURCE_PATH, NULL);
}
