// The version of a manifest file that is served: what it read as, or, when that read failed as a
// whole, its last good version (see FileEntry in file-source.ts).
import type { OriginVersion } from '../state/build-state.js';
import type { ManifestText } from './yaml-documents.js';

/**
 * The served version of a file that was read as `text`. A file-level failure (text.failed) serves
 * the file's last good version when it has one, and says so in every issue; without one (at startup,
 * in `trellis validate`, for a new file) nothing of the file is served.
 */
export function versionOf(
  origin: string,
  text: ManifestText,
  lastGood?: { readonly text: ManifestText; readonly at: string },
): OriginVersion {
  if (!text.failed) return { origin, documents: text.documents, issues: text.issues };
  if (!lastGood) {
    return {
      origin,
      documents: [],
      issues: text.issues.map((issue) => ({
        ...issue,
        message: `${issue.message}; nothing of the file is served`,
      })),
    };
  }
  return {
    origin,
    documents: lastGood.text.documents,
    issues: [
      ...lastGood.text.issues,
      ...text.issues.map((issue) => ({
        ...issue,
        message: `serving the last good version of ${origin} from ${lastGood.at} because: ${issue.message}`,
      })),
    ],
  };
}
