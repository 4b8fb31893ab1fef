// Bounds on what one manifest file may ask of the parser. `trellis serve` and `trellis validate` read
// files through the same code with the same limits, so they always agree on a file. A file that
// breaks a limit is a file-level failure (see file-source.ts): nothing of its new text is used.
//
// The defaults are far above anything a real mesh writes, and low enough that one hostile file costs
// a bounded amount of memory and CPU. Figures measured on this repository's machine with the `yaml`
// package: it reads Kubernetes YAML at about 1 MiB per second of CPU (lexing, parsing, composing),
// and a document is composed in one go, so a document's size bounds the longest pause it can cause.
import { fail, ok, type Result } from '../../model/result.js';

export interface ManifestLimits {
  /**
   * Bytes per file, and also the file's size with its YAML aliases expanded. 4 MiB: manifest files
   * are written per application or rendered per release; 4 MiB is some 35,000 small Services, and
   * already about 4 s of parser CPU (spread over short slices, see FileSource) and a few hundred MB of
   * parser memory. A file over the limit is not even read.
   */
  readonly maxFileBytes: number;
  /**
   * Bytes per YAML document (a JSON file is one document), as written and with its aliases expanded.
   * 1 MiB: the largest object of a kind Trellis reads, an EndpointSlice with its 1,000 endpoints, is
   * about 250 KiB of YAML, and etcd refuses any object over 1.5 MiB. A `kind: List` is one document,
   * so a big List must be split or the limit raised. One document is composed in one go, which
   * takes up to a few hundred ms at this size.
   */
  readonly maxDocumentBytes: number;
  /**
   * Nesting of mappings and sequences. 100: Kubernetes objects nest about 10 levels; the deepest
   * manifests in real directories are CRD schemas (about 20 for Gateway API's, 16 for ours). The
   * `yaml` composer is recursive, and a few thousand levels crash the process (an out-of-memory abort
   * that cannot be caught), so depth is checked on the concrete syntax tree, before composing.
   */
  readonly maxDepth: number;
  /**
   * Anchors (`&name`) and aliases (`*name`) together, per YAML document that has an alias. 1,000:
   * Kubernetes manifests rarely use any. What an alias expands to is bounded by the size limits,
   * which count aliases expanded; this bounds the `yaml` package's alias resolution, which scans
   * every anchor and alias before each alias (1,000 aliases after 80,000 anchors: over a second).
   */
  readonly maxAliases: number;
  /** Keys per mapping. 10,000: the widest real mappings (labels, annotations) hold tens. */
  readonly maxKeysPerMapping: number;
  /**
   * Documents per file, each item of a `kind: List` counted as one. 10,000: a file holds an
   * application's objects, tens of them; a generated dump of a large namespace stays under it.
   */
  readonly maxDocumentsPerFile: number;
}

export const DEFAULT_LIMITS: ManifestLimits = {
  maxFileBytes: 4 * 1024 * 1024,
  maxDocumentBytes: 1024 * 1024,
  maxDepth: 100,
  maxAliases: 1000,
  maxKeysPerMapping: 10_000,
  maxDocumentsPerFile: 10_000,
};

/** The command-line flag of each limit, named in every error about it so a person can raise it. */
export const LIMIT_FLAGS: { readonly [K in keyof ManifestLimits]: string } = {
  maxFileBytes: 'max-file-bytes',
  maxDocumentBytes: 'max-document-bytes',
  maxDepth: 'max-depth',
  maxAliases: 'max-aliases',
  maxKeysPerMapping: 'max-keys-per-mapping',
  maxDocumentsPerFile: 'max-documents-per-file',
};

/** The flags' default values as a person writes them (--max-file-bytes 4Mi). */
export const LIMIT_FLAG_DEFAULTS: { readonly [K in keyof ManifestLimits]: string } = {
  maxFileBytes: '4Mi',
  maxDocumentBytes: '1Mi',
  maxDepth: '100',
  maxAliases: '1000',
  maxKeysPerMapping: '10000',
  maxDocumentsPerFile: '10000',
};

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** Reads one limit flag: a count ("10000"), or for the byte limits also a size ("4Mi", "512Ki"). */
export function parseLimit(key: keyof ManifestLimits, text: string): Result<number, string> {
  const bytes = key === 'maxFileBytes' || key === 'maxDocumentBytes';
  const match = (bytes ? /^(\d+)(Ki|Mi|Gi)?$/ : /^(\d+)$/).exec(text.trim());
  if (!match) return fail([`"${text}" is not ${bytes ? 'a size like 4Mi, 512Ki or 1048576' : 'a count'}`]);
  const value = Number(match[1]) * (BYTE_UNITS[match[2] ?? ''] ?? 1);
  if (!Number.isSafeInteger(value)) return fail([`"${text}" is too large`]);
  if (value < 1) return fail([`"${text}" is less than 1`]);
  return ok(value);
}

/** "1048576 bytes (1 MiB)": a size as measured, and what a person would write. */
export function describeBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more bytes than can be counted';
  const whole = Math.round(bytes);
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (whole >= size) {
      const scaled = whole / size;
      return `${whole} bytes (${Number.isInteger(scaled) ? scaled : scaled.toFixed(1)} ${unit})`;
    }
  }
  return `${whole} bytes`;
}

/** "the limit of 1048576 bytes (1 MiB), --max-document-bytes": the tail of every limit error. */
export function describeLimit(limits: ManifestLimits, key: keyof ManifestLimits): string {
  const value = limits[key];
  const shown = key === 'maxFileBytes' || key === 'maxDocumentBytes' ? describeBytes(value) : String(value);
  return `the limit of ${shown} (--${LIMIT_FLAGS[key]})`;
}
