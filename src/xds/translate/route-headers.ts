// Header edits on a route. Envoy refuses a configuration that adds or removes a pseudo-header
// (":path") or Host, so those are never emitted; a request "set Host" is what users mean by a host
// rewrite and becomes one (route-entry.ts reads requestHost).
import type { HeaderValueOption } from '../../generated/envoy/config/core/v3/HeaderValueOption.js';
import type { Route } from '../../generated/envoy/config/route/v3/Route.js';
import type { HeaderEdits, HeaderValue } from '../../model/routing.js';

const modifiable = (name: string): boolean => !name.startsWith(':') && name.toLowerCase() !== 'host';

function option(header: HeaderValue, action: HeaderValueOption['append_action']): HeaderValueOption {
  return {
    header: { key: header.name, value: header.value },
    append_action: action,
    // Envoy silently skips a header whose value is empty unless told to keep it.
    ...(header.value === '' ? { keep_empty_value: true } : {}),
  };
}

function toAdd(edits: HeaderEdits): HeaderValueOption[] {
  return [
    ...(edits.set ?? [])
      .filter((h) => modifiable(h.name))
      .map((h) => option(h, 'OVERWRITE_IF_EXISTS_OR_ADD')),
    ...(edits.add ?? []).filter((h) => modifiable(h.name)).map((h) => option(h, 'APPEND_IF_EXISTS_OR_ADD')),
  ];
}

const toRemove = (edits: HeaderEdits): string[] => (edits.remove ?? []).filter(modifiable);

type HeaderFields = Pick<
  Route,
  | 'request_headers_to_add'
  | 'request_headers_to_remove'
  | 'response_headers_to_add'
  | 'response_headers_to_remove'
>;

export function headerEditFields(
  request: HeaderEdits | undefined,
  response: HeaderEdits | undefined,
): HeaderFields {
  const fields: HeaderFields = {};
  if (request) {
    const add = toAdd(request);
    const remove = toRemove(request);
    if (add.length > 0) fields.request_headers_to_add = add;
    if (remove.length > 0) fields.request_headers_to_remove = remove;
  }
  if (response) {
    const add = toAdd(response);
    const remove = toRemove(response);
    if (add.length > 0) fields.response_headers_to_add = add;
    if (remove.length > 0) fields.response_headers_to_remove = remove;
  }
  return fields;
}

/** The value of a request "set Host" (the last one wins, as a later set would overwrite). */
export function requestHost(request: HeaderEdits | undefined): string | undefined {
  return (request?.set ?? []).filter((h) => h.name.toLowerCase() === 'host').at(-1)?.value;
}
