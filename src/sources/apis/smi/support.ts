// What Trellis reads of SMI, field by field: the source of docs/support.md and of the
// UnsupportedField warnings (unknown-fields.ts), so the two cannot drift apart.
import type { SupportRow } from '../routing-family.js';
import type { FieldWalk } from '../shared/unsupported-fields.js';

export const SMI_VERSIONS = ['v1alpha2', 'v1alpha3', 'v1alpha4'] as const;

/** A support row that applies only to some versions of its kind (all when `versions` is absent). */
export interface VersionedSupportRow extends SupportRow {
  readonly versions?: readonly string[];
}

const FROM_V1ALPHA3 = ['v1alpha3', 'v1alpha4'];
const V1ALPHA2 = ['v1alpha2'];

const SERVICE_NAME =
  "in the TrafficSplit's namespace, written as its name, name.<namespace>, name.<namespace>.svc or its full hostname";

/** HTTPRouteGroup match fields; v1alpha2 has them at the top level, later versions under spec. */
function routeGroupRows(prefix: string, versions: readonly string[], label: string): VersionedSupportRow[] {
  const kind = 'HTTPRouteGroup';
  return [
    {
      kind,
      field: `${prefix}matches[].name`,
      supported: true,
      versions,
      note: `${label}Required, unique within the group.`,
    },
    {
      kind,
      field: `${prefix}matches[].pathRegex`,
      supported: true,
      versions,
      note: `${label}RE2, anchored at the start of the path only, as SMI specifies: "/api" also matches "/api/v1".`,
    },
    {
      kind,
      field: `${prefix}matches[].methods`,
      supported: true,
      versions,
      note: `${label}Absent, empty or containing "*" means any method; several methods become one route each.`,
    },
    {
      kind,
      field: `${prefix}matches[].headers`,
      supported: true,
      versions,
      note: `${label}Header name to RE2 regex (whole value), all must match. A list of such maps (as the SMI examples write it) is accepted too.`,
    },
  ];
}

export const SMI_SUPPORT: readonly VersionedSupportRow[] = [
  {
    kind: 'TrafficSplit',
    field: 'spec.service',
    supported: true,
    note: `The root Service, ${SERVICE_NAME}.`,
  },
  {
    kind: 'TrafficSplit',
    field: 'spec.backends[].service',
    supported: true,
    note: `A Service ${SERVICE_NAME}. Naming the root service means the endpoints its own selector selects.`,
  },
  {
    kind: 'TrafficSplit',
    field: 'spec.backends[].weight',
    supported: true,
    note: 'An integer 0..1000000 (v1alpha1 quantities are not read). If every weight is 0, the requests the split carries are answered with HTTP 500.',
  },
  {
    kind: 'TrafficSplit',
    field: 'spec.matches[].kind',
    supported: true,
    versions: FROM_V1ALPHA3,
    note: 'HTTPRouteGroup only. Only requests matching a referenced group are split; the others go to the root service.',
  },
  {
    kind: 'TrafficSplit',
    field: 'spec.matches[].name',
    supported: true,
    versions: FROM_V1ALPHA3,
    note: 'An HTTPRouteGroup in the same namespace; a missing or invalid group is reported and that match is skipped.',
  },
  {
    kind: 'TrafficSplit',
    field: 'spec.matches[].apiGroup',
    supported: true,
    versions: FROM_V1ALPHA3,
    note: 'specs.smi-spec.io when given.',
  },
  ...routeGroupRows('spec.', FROM_V1ALPHA3, ''),
  ...routeGroupRows('', V1ALPHA2, 'v1alpha2 (top-level matches). '),
];

/** The rows that apply to one kind in one version. */
export function rowsFor(kind: string, version: string): VersionedSupportRow[] {
  return SMI_SUPPORT.filter((row) => row.kind === kind && (!row.versions || row.versions.includes(version)));
}

/**
 * How UnsupportedField warnings about `kind` in `apiVersion` read. A field that is not part of that
 * version names the versions that have it.
 */
export function smiFieldWalk(kind: string, apiVersion: string): FieldWalk {
  return {
    from: 'document',
    unset: 'reported',
    notAField: (field) => {
      const elsewhere = SMI_SUPPORT.find(
        (row) =>
          row.kind === kind &&
          row.versions &&
          (row.field === field || row.field.startsWith(`${field}.`) || row.field.startsWith(`${field}[]`)),
      );
      const hint = elsewhere?.versions ? ` (it is read in ${elsewhere.versions.join(', ')})` : '';
      return `is not a field of ${kind} ${apiVersion}${hint}; ignored`;
    },
    unsupported: (note) => note ?? 'is not supported; ignored',
  };
}
