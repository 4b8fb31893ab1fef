// The flags of the manifest reader, shared by `trellis serve` and `trellis validate` so that the two
// always read a directory the same way: the CLI spreads MANIFEST_FLAGS into its parseArgs options
// and USAGE, and gives the values to readManifestFlags.
import { fail, ok, type Result } from '../../model/result.js';
import {
  DEFAULT_LIMITS,
  LIMIT_FLAG_DEFAULTS,
  LIMIT_FLAGS,
  type ManifestLimits,
  parseLimit,
} from './limits.js';

export interface ManifestReadFlags {
  readonly limits: ManifestLimits;
  readonly followExternalLinks: boolean;
}

const LIMIT_KEYS = Object.keys(LIMIT_FLAGS) as (keyof ManifestLimits)[];

/** The parseArgs options of these flags; the limits have no default here, DEFAULT_LIMITS has them. */
export const MANIFEST_FLAGS: Readonly<Record<string, { readonly type: 'string' | 'boolean' }>> = {
  ...Object.fromEntries(LIMIT_KEYS.map((key) => [LIMIT_FLAGS[key], { type: 'string' as const }])),
  'follow-external-links': { type: 'boolean' },
};

/** `[--flag default]` for each, as usage lines starting with `indent`. */
export function manifestFlagsUsage(indent: string, perLine = 3): string {
  const items = [
    ...LIMIT_KEYS.map((key) => `[--${LIMIT_FLAGS[key]} ${LIMIT_FLAG_DEFAULTS[key]}]`),
    '[--follow-external-links]',
  ];
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(indent + items.slice(i, i + perLine).join(' '));
  return lines.join('\n');
}

/** The limits and link policy the given flags set; each error names its flag. */
export function readManifestFlags(
  values: Readonly<Record<string, string | boolean | undefined>>,
): Result<ManifestReadFlags, string> {
  const limits: Record<keyof ManifestLimits, number> = { ...DEFAULT_LIMITS };
  const errors: string[] = [];
  for (const key of LIMIT_KEYS) {
    const text = values[LIMIT_FLAGS[key]];
    if (typeof text !== 'string') continue;
    const read = parseLimit(key, text);
    if (read.ok) limits[key] = read.value;
    else errors.push(`--${LIMIT_FLAGS[key]}: ${read.errors.join('; ')}`);
  }
  if (errors.length > 0) return fail(errors);
  return ok({ limits, followExternalLinks: values['follow-external-links'] === true });
}
