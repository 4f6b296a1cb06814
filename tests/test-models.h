/* test-models.h: the model files the tests read, and how they are found.
 *
 * The Keras-written fixture (mnist_cnn.keras, saved by Keras 3.12) lives in the shared
 * folder beside the checkout (../shared/fixtures), never in the repository, and a fresh
 * clone has no such folder. meson sets DIGITS_SHARED_DIR only when it found that folder
 * at configure time. So:
 *   - DIGITS_SHARED_DIR set: the fixture must be there; a test that needs it fails
 *     without it (a silent skip would hide lost coverage);
 *   - DIGITS_SHARED_DIR unset: the tests that compare against the fixture skip, with
 *     TEST_NO_FIXTURE as the printed reason.
 * Every other test reads the project's own shipped models (DIGITS_SOURCE_DIR/models),
 * which were written by our own writer and share the fixture's architecture. */
#pragma once

#include <glib.h>

#define TEST_NO_FIXTURE "needs ../shared/fixtures/mnist_cnn.keras (a Keras-written file), " \
                        "and this checkout has no ../shared beside it"

/* The fixture's path, or NULL when this build has no shared folder. */
static inline char *
test_fixture_path (void)
{
  const char *shared = g_getenv ("DIGITS_SHARED_DIR");
  if (shared == NULL || *shared == '\0')
    return NULL;
  return g_build_filename (shared, "fixtures", "mnist_cnn.keras", NULL);
}

/* In a GTest case: the fixture's path, or NULL after marking the case skipped. */
static inline char *
test_fixture_or_skip (void)
{
  char *path = test_fixture_path ();
  if (path == NULL)
    g_test_skip (TEST_NO_FIXTURE);
  return path;
}

/* A shipped model of the source tree, e.g. "mnist_cnn.keras". */
static inline char *
test_shipped_model (const char *name)
{
  const char *src = g_getenv ("DIGITS_SOURCE_DIR");
  return g_build_filename (src ? src : ".", "models", name, NULL);
}
