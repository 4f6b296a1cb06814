/* main.c: the digits executable; everything else lives in the GUI library. */
#include "dg-config.h"
#include "dg-application.h"
#include "dg-test-hooks.h"

#include <locale.h>
#include <stdio.h>

int
main (int argc, char *argv[])
{
  g_autoptr(DgApplication) app = NULL;
  int rc;

  dg_test_mark_main ();
  dg_application_keep_frame_buffers_in_heap ();
  /* tests read state lines from a pipe or file: one write per line */
  setvbuf (stdout, NULL, _IOLBF, 0);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dg_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  dg_application_choose_renderer ();
  app = dg_application_new ();
  rc = g_application_run (G_APPLICATION (app), argc, argv);
  dg_test_print ("EXIT rc=%d", rc);
  return rc;
}
