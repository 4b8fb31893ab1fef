// The HTTP methods a match or a CORS policy may name: RFC 9110's, in its order, then PATCH. One list,
// so the messages that enumerate them read the same in every family that uses it.
export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;
