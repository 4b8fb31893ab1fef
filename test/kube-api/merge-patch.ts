// The patch formats the fake API server applies: JSON merge patch (RFC 7386), JSON patch (RFC 6902,
// applied by fast-json-patch), and strategic merge patch applied as a merge patch (lists are
// replaced, not merged by key; a patch using a `$` directive is refused rather than misapplied).
// Errors are the API server's: a patch that does not decode is a 400, one that does not apply a 422.
import jsonpatch from 'fast-json-patch';
import { badRequest, StatusError } from './status.js';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

/** RFC 7386: `patch` merged into `target` (neither is changed); null deletes a member. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isRecord(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    // defineProperty: a `__proto__` member is data, as it is to the API server, not a prototype.
    else
      Object.defineProperty(result, key, {
        value: mergePatch(result[key], value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return result;
}

/** The document after the patch of `contentType` (one of the three above); throws a StatusError. */
export function applyPatch(contentType: string, document: unknown, patch: unknown): unknown {
  if (contentType === JSON_PATCH) return applyJsonPatch(document, patch);
  if (!isRecord(patch)) throw badRequest(`the patch is not a JSON object: ${JSON.stringify(patch)}`);
  if (contentType === STRATEGIC_MERGE_PATCH) {
    const directive = findDirective(patch, '');
    if (directive !== undefined)
      throw badRequest(`the fake API server does not implement the strategic merge directive ${directive}`);
  }
  return mergePatch(document, patch);
}

function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const invalid = jsonpatch.validate(patch as jsonpatch.Operation[]);
  if (invalid) throw badRequest(`invalid JSON patch: ${invalid.message.split('\n')[0]}`);
  try {
    return jsonpatch.applyPatch(structuredClone(document), patch as jsonpatch.Operation[], true, true)
      .newDocument;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new StatusError(422, 'Invalid', `the JSON patch does not apply: ${message}`);
  }
}

function findDirective(value: unknown, at: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findDirective(item, `${at}[${index}]`);
      if (found) return found;
    }
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key.startsWith('$')) return `${key} (at ${at || '.'})`;
      const found = findDirective(item, `${at}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
