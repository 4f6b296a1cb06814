/* fake-notifications: a desktop notification server for the GUI tests.
 *
 * Owns org.freedesktop.Notifications on the session bus, as a desktop's
 * notification daemon does, and prints one line per notification received:
 *   NOTIFY summary=SUMMARY body=BODY actions=ID,LABEL,...
 * (line-buffered, to stdout). It runs until killed.
 */
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>

static const char introspection[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  "  <method name='Notify'>"
  "    <arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
  "    <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "    <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "    <arg type='u' direction='out'/>"
  "  </method>"
  "  <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "  <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "  <method name='GetServerInformation'>"
  "    <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "  </method>"
  "  <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "  <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "</interface></node>";

static guint32 next_id = 1;

static void
on_call (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
         const char *method, GVariant *params, GDBusMethodInvocation *invocation, gpointer data)
{
  if (g_strcmp0 (method, "Notify") == 0)
    {
      const char *summary, *body;
      g_autofree const char **actions = NULL;
      g_autofree char *joined = NULL;

      g_variant_get (params, "(&su&s&s&s^a&s@a{sv}i)", NULL, NULL, NULL, &summary, &body, &actions,
                     NULL, NULL);
      joined = g_strjoinv (",", (char **) actions);
      printf ("NOTIFY summary=%s body=%s actions=%s\n", summary, body, joined);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", next_id++));
    }
  else if (g_strcmp0 (method, "GetCapabilities") == 0)
    {
      const char *caps[] = { "actions", "body", NULL };
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_strcmp0 (method, "GetServerInformation") == 0)
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "fake", "digits", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
on_bus (GDBusConnection *connection, const char *name, gpointer data)
{
  static const GDBusInterfaceVTable vtable = { on_call, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection, NULL);

  g_dbus_connection_register_object (connection, "/org/freedesktop/Notifications",
                                     info->interfaces[0], &vtable, NULL, NULL, NULL);
}

static void
on_name (GDBusConnection *connection, const char *name, gpointer data)
{
  printf ("READY %s\n", name);
}

static void
on_lost (GDBusConnection *connection, const char *name, gpointer data)
{
  fprintf (stderr, "fake-notifications: could not own %s\n", name);
  exit (1);
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  setvbuf (stdout, NULL, _IOLBF, 0);
  g_bus_own_name (G_BUS_TYPE_SESSION, "org.freedesktop.Notifications", G_BUS_NAME_OWNER_FLAGS_NONE,
                  on_bus, on_name, on_lost, NULL, NULL);
  g_main_loop_run (loop);
  return 0;
}
