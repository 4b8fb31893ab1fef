// What Trellis reads of its own LocalRateLimitPolicy, field by field: the source of docs/support.md,
// of the UnsupportedField warnings, and (by test) of the CRD's schema, so the three agree.
import type { SupportRow } from '../routing-family.js';

const KIND = 'LocalRateLimitPolicy';

export const TRELLIS_SUPPORT: readonly SupportRow[] = [
  { kind: KIND, field: 'spec.targetRef.group', supported: true, note: 'Must be "" (the core API group).' },
  { kind: KIND, field: 'spec.targetRef.kind', supported: true, note: 'Must be Service.' },
  {
    kind: KIND,
    field: 'spec.targetRef.name',
    supported: true,
    note: "A Service in the policy's namespace; the limit applies on the inbound side of its workloads.",
  },
  {
    kind: KIND,
    field: 'spec.targetRef.port',
    supported: true,
    note: 'Trellis extension: limit one service port only (1..65535); absent = every port.',
  },
  {
    kind: KIND,
    field: 'spec.targetRef.sectionName',
    supported: false,
    note: 'not supported: use targetRef.port (the port number); without it the policy applies to every port of the Service',
  },
  {
    kind: KIND,
    field: 'spec.tokensPerFill',
    supported: true,
    note: 'Tokens added each fill interval, 1..4294967295.',
  },
  {
    kind: KIND,
    field: 'spec.fillInterval',
    supported: true,
    note: 'Gateway API duration ("1s", "500ms", "1m30s"), at least 50ms.',
  },
  {
    kind: KIND,
    field: 'spec.maxTokens',
    supported: true,
    note: 'Bucket size, at least tokensPerFill; defaults to tokensPerFill.',
  },
  {
    kind: KIND,
    field: 'spec.match.path.type',
    supported: true,
    note: 'Exact, PathPrefix (whole segments, the default) or RegularExpression (RE2, whole path).',
  },
  { kind: KIND, field: 'spec.match.path.value', supported: true, note: 'Starts with "/" unless a regex.' },
  {
    kind: KIND,
    field: 'spec.match.headers[].name',
    supported: true,
    note: 'At most 16 headers, names unique (case-insensitive); all must match.',
  },
  {
    kind: KIND,
    field: 'spec.match.headers[].type',
    supported: true,
    note: 'Exact (the default) or RegularExpression (RE2, whole value).',
  },
  { kind: KIND, field: 'spec.match.headers[].value', supported: true },
  { kind: KIND, field: 'spec.match.method', supported: true, note: 'Absent = every method.' },
  {
    kind: KIND,
    field: 'spec.responseStatus',
    supported: true,
    note: 'Status of a limited request, 400..599; default 429.',
  },
];
