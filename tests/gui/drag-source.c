/* drag-source FILE: a small window titled "Drag Source" whose label can be
 * dragged; the drag carries FILE, as a file manager's does, so that a GUI test can
 * drop a picture onto the app through the real drag and drop (XDND under X11). It
 * prints "DRAG begin" and "DRAG end" and quits after one drag. */
#include <gtk/gtk.h>

static GdkContentProvider *
on_prepare (GtkDragSource *source, double x, double y, GFile *file)
{
  GSList list = { file, NULL };

  return gdk_content_provider_new_union ((GdkContentProvider *[]){
      gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, gdk_file_list_new_from_list (&list)),
      gdk_content_provider_new_typed (G_TYPE_FILE, file) }, 2);
}

static void
on_begin (GtkDragSource *source, GdkDrag *drag)
{
  g_print ("DRAG begin\n");
}

static void
on_end (GtkDragSource *source, GdkDrag *drag, gboolean delete_data, GApplication *app)
{
  g_print ("DRAG end\n");
  g_application_quit (app);
}

static void
on_activate (GtkApplication *app, GFile *file)
{
  GtkWidget *window = gtk_application_window_new (app);
  GtkWidget *label = gtk_label_new ("drag me");
  GtkDragSource *source = gtk_drag_source_new ();

  gtk_window_set_title (GTK_WINDOW (window), "Drag Source");
  gtk_window_set_default_size (GTK_WINDOW (window), 160, 120);
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (on_prepare), file);
  g_signal_connect (source, "drag-begin", G_CALLBACK (on_begin), NULL);
  g_signal_connect (source, "drag-end", G_CALLBACK (on_end), app);
  gtk_widget_add_controller (label, GTK_EVENT_CONTROLLER (source));
  gtk_window_set_child (GTK_WINDOW (window), label);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      g_printerr ("usage: drag-source FILE\n");
      return 2;
    }
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (argv[1]);
  g_autoptr(GtkApplication) app = gtk_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  char *args[] = { argv[0], NULL };

  g_signal_connect (app, "activate", G_CALLBACK (on_activate), file);
  return g_application_run (G_APPLICATION (app), 1, args);
}
