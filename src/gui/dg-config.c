/* dg-config.c: paths that differ between the build tree and an installation. */
#include "dg-config.h"

gboolean
dg_running_uninstalled (void)
{
  static int uninstalled = -1;

  if (uninstalled < 0)
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      uninstalled = exe && g_str_has_prefix (exe, DIGITS_BUILD_ROOT "/");
    }
  return uninstalled;
}

const char *
dg_locale_dir (void)
{
  return dg_running_uninstalled () ? DIGITS_BUILD_ROOT "/po" : LOCALEDIR;
}
