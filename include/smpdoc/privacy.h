/* What leaves the clinic: consent gate, pseudonyms, and the metadata each
 * kind of output carries (portfolio: an sRGB ICC profile and nothing
 * else; clinical: capture date and orientation, no GPS or serials unless
 * the pipeline keeps them), checked by reading every output back.
 * SPDX-License-Identifier: MIT
 */
#ifndef SMPDOC_PRIVACY_H
#define SMPDOC_PRIVACY_H

#include <glib.h>
#include <vips/vips.h>

#include "smpdoc/pipeline.h"

G_BEGIN_DECLS

/* A clinic secret shorter than this is refused: a short key makes the
 * pseudonyms guessable from a list of client ids.
 */
#define SMP_SECRET_MIN_BYTES 16
/* Hex digits of the HMAC kept in a pseudonym (64 bits). */
#define SMP_PSEUDONYM_HEX 16

/* NULL when @have (a manifest consent: 0 none, 1 clinical, 2 marketing)
 * satisfies the pipeline's [consent] require, else (transfer full) the
 * reason ("consent is clinical, marketing required"). Marketing satisfies
 * clinical; none satisfies only none.
 */
char *smp_consent_refusal(const SmpPipeline *p, int have);

/* The clinic secret: the environment variable the pipeline names, else
 * the file it names (surrounding white space dropped). Returns:
 * (transfer full) the secret, or NULL with @error (SMP_ERROR_CONFIG)
 * saying how to give one.
 */
char *smp_privacy_secret(const SmpPipeline *p, GError **error);

/* "p" + SMP_PSEUDONYM_HEX hex digits of HMAC-SHA-256(@secret, @client):
 * stable for a client and a secret, and not reversible without the
 * secret. Returns: (transfer full).
 */
char *smp_privacy_pseudonym(const char *secret, const char *client);

/* Write @image to @path atomically with the metadata @p's purpose
 * allows; @path's extension picks the format (.jpg, .png, .webp) and
 * @quality applies to JPEG and WebP. Every output carries the sRGB ICC
 * profile. Portfolio: nothing else. JPEG is encoded with every field
 * stripped and the profile inserted as the standard APP2 ICC_PROFILE
 * segment (libvips 8.14 drops the profile with strip, and without strip
 * always writes an EXIF block); WebP likewise, the ICCP chunk added with
 * libwebpmux; PNG gets an iCCP chunk. Clinical: also the EXIF of
 * @exif_source (an original photo, may be NULL) filtered by the [output]
 * keep_* keys (capture date, GPS, serials), orientation 1, no thumbnail,
 * XMP, IPTC or comments: JPEG APP1, PNG eXIf chunk, WebP EXIF chunk. The
 * file is then read back with smp_privacy_check(); when that fails it is
 * removed and FALSE returned.
 */
gboolean smp_privacy_save(VipsImage *image, const char *path, int quality,
	const SmpPipeline *p, const char *exif_source, GError **error);

/* Read @path back and fail (SMP_ERROR_INTERNAL, naming the field) when it
 * carries metadata @p's purpose does not allow. Portfolio: libvips' field
 * list may hold only format fields and the ICC profile (which must be
 * there), and libexif must find no EXIF at all. Clinical: no GPS, serial
 * numbers or maker notes unless kept, never a thumbnail, XMP or IPTC.
 */
gboolean smp_privacy_check(
	const char *path, const SmpPipeline *p, GError **error);

G_END_DECLS

#endif /* SMPDOC_PRIVACY_H */
