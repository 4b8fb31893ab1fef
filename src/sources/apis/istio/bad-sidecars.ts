// Test support: seeded Sidecar documents with one mistake each, and the issue that mistake must raise
// (its field path, reason and severity). Used by the Sidecar fuzz test; lives beside the parser, not
// in a test file, so that other generators of hostile input can import it as they do
// bad-peer-authentications.ts.

export interface ExpectedSidecarIssue {
  readonly fieldPath: string;
  readonly reason: string;
  readonly severity: 'error' | 'warning';
  /** True when the mistake keeps the Sidecar from being served; false when it is served. */
  readonly rejected: boolean;
}

export interface BadSidecar {
  readonly mistake: string;
  readonly value: Record<string, unknown>;
  readonly expected: ExpectedSidecarIssue;
}

type Rng = () => number;

/** A key under `prefix` as issues write it: `.key` for identifiers, `["key"]` otherwise. */
const keyPath = (prefix: string, key: string): string =>
  /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${prefix}.${key}` : `${prefix}[${JSON.stringify(key)}]`;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

export const FUZZ_SIDECAR_ROOT_NAMESPACE = 'trellis-system';

const NAMESPACES = ['shop', 'db', 'front'];
const GOOD_HOSTS = [
  './*',
  'trellis-system/*',
  '*/reviews.shop.svc.cluster.local',
  'db/*.db.svc.cluster.local',
  '~/*',
  '*/*',
  'front/web.front.svc.cluster.local',
  '*/*.example.com',
];
const NO_SLASH = ['foo', '*', '.', '~', 'reviews.shop.svc.cluster.local', ''];
const BAD_NAMESPACES = ['Shop', 'a_b', '-x', 'x-', '**', '..', 'a.b', 'n'.repeat(64), 'ü'];
const BAD_DNS_NAMES = [
  'a..b',
  '*.*.com',
  'foo.com.',
  '.foo',
  'a_b.com',
  '*foo.com',
  'foo*.com',
  '-a.com',
  `${'l'.repeat(64)}.com`,
  `${'a.'.repeat(130)}com`,
  'a b',
  'ü.com',
];
const NOT_STRINGS: readonly unknown[] = [1, 0, -3, 1.5, true, false, null, [], ['./*'], { host: './*' }];
const NOT_LISTS: readonly unknown[] = ['./*', 1, true, { hosts: ['./*'] }];
const NOT_MAPPINGS: readonly unknown[] = ['./*', 8080, true, ['./*'], null];
const BAD_LABEL_KEYS: readonly string[] = ['-app', 'app-', 'a b', 'x/', '/x', 'UPPER/x', 'a'.repeat(64), 'ü'];
const BAD_LABEL_VALUES: readonly string[] = ['-v1', 'v1-', 'a b', 'v'.repeat(64), 'ü'];
const UNSUPPORTED: readonly (readonly [where: 'spec' | 'listener', key: string])[] = [
  ['spec', 'ingress'],
  ['spec', 'outboundTrafficPolicy'],
  ['spec', 'inboundConnectionPool'],
  ['listener', 'port'],
  ['listener', 'bind'],
  ['listener', 'captureMode'],
];

function base(rng: Rng, selector: boolean): Record<string, unknown> {
  const namespace = pick(rng, NAMESPACES);
  const listeners = 1 + Math.floor(rng() * 3);
  return {
    apiVersion: `networking.istio.io/${pick(rng, ['v1', 'v1beta1', 'v1alpha3'])}`,
    kind: 'Sidecar',
    metadata: { name: pick(rng, ['default', 'web', 'narrow']), namespace },
    spec: {
      ...(selector ? { workloadSelector: { labels: { app: pick(rng, ['web', 'api', 'db']) } } } : {}),
      egress: Array.from({ length: listeners }, () => ({
        hosts: Array.from({ length: 1 + Math.floor(rng() * 3) }, () => pick(rng, GOOD_HOSTS)),
      })),
    },
  };
}

const spec = (doc: Record<string, unknown>) => doc.spec as Record<string, unknown>;
const listeners = (doc: Record<string, unknown>) => spec(doc).egress as Record<string, unknown>[];

/** A host slot of the document: a listener and a position in its hosts, where a mistake goes. */
function hostSlot(rng: Rng, doc: Record<string, unknown>): { at: string; put: (value: unknown) => void } {
  const i = Math.floor(rng() * listeners(doc).length);
  const hosts = listeners(doc)[i]!.hosts as unknown[];
  const j = Math.floor(rng() * (hosts.length + 1));
  return { at: `spec.egress[${i}].hosts[${j}]`, put: (value) => hosts.splice(j, 0, value) };
}

const error = (fieldPath: string, reason: string): ExpectedSidecarIssue => ({
  fieldPath,
  reason,
  severity: 'error',
  rejected: true,
});
const warning = (fieldPath: string, reason: string): ExpectedSidecarIssue => ({
  fieldPath,
  reason,
  severity: 'warning',
  rejected: false,
});

type Maker = (rng: Rng) => { value: Record<string, unknown>; expected: ExpectedSidecarIssue };

/** A bad host string at one slot: an InvalidValue there. */
const badHost =
  (make: (rng: Rng) => string): Maker =>
  (rng) => {
    const value = base(rng, rng() < 0.5);
    const slot = hostSlot(rng, value);
    slot.put(make(rng));
    return { value, expected: error(slot.at, 'InvalidValue') };
  };

const MAKERS: Readonly<Record<string, Maker>> = {
  'host without a slash': badHost((rng) => pick(rng, NO_SLASH)),
  'empty namespace': badHost((rng) => `/${pick(rng, GOOD_HOSTS).split('/')[1]}`),
  'empty dnsName': badHost((rng) => `${pick(rng, ['.', '*', '~', 'shop'])}/`),
  'bad namespace': badHost((rng) => `${pick(rng, BAD_NAMESPACES)}/*`),
  'bad dnsName': badHost((rng) => `${pick(rng, ['.', '*', '~', 'db'])}/${pick(rng, BAD_DNS_NAMES)}`),
  'host not a string': (rng) => {
    const value = base(rng, rng() < 0.5);
    const slot = hostSlot(rng, value);
    slot.put(pick(rng, NOT_STRINGS));
    return { value, expected: error(slot.at, 'InvalidType') };
  },
  'hosts missing': (rng) => {
    const value = base(rng, false);
    const i = Math.floor(rng() * listeners(value).length);
    if (rng() < 0.5) delete listeners(value)[i]!.hosts;
    else listeners(value)[i]!.hosts = null;
    return { value, expected: error(`spec.egress[${i}].hosts`, 'MissingField') };
  },
  'hosts empty': (rng) => {
    const value = base(rng, false);
    const i = Math.floor(rng() * listeners(value).length);
    listeners(value)[i]!.hosts = [];
    return { value, expected: error(`spec.egress[${i}].hosts`, 'InvalidValue') };
  },
  'hosts not a list': (rng) => {
    const value = base(rng, false);
    const i = Math.floor(rng() * listeners(value).length);
    listeners(value)[i]!.hosts = pick(rng, NOT_LISTS);
    return { value, expected: error(`spec.egress[${i}].hosts`, 'InvalidType') };
  },
  'listener not a mapping': (rng) => {
    const value = base(rng, false);
    const i = Math.floor(rng() * listeners(value).length);
    (listeners(value) as unknown[])[i] = pick(rng, NOT_MAPPINGS);
    return { value, expected: error(`spec.egress[${i}]`, 'InvalidType') };
  },
  'egress not a list': (rng) => {
    const value = base(rng, false);
    spec(value).egress = pick(rng, ['./*', 3, true, { hosts: ['./*'] }]);
    return { value, expected: error('spec.egress', 'InvalidType') };
  },
  'selector without labels': (rng) => {
    const value = base(rng, false);
    spec(value).workloadSelector = pick(rng, [{}, { labels: {} }, { labels: null }]);
    return { value, expected: error('spec.workloadSelector.labels', 'MissingField') };
  },
  'label value not a string': (rng) => {
    const value = base(rng, true);
    const bad = pick(
      rng,
      NOT_STRINGS.filter((v) => v !== null),
    );
    spec(value).workloadSelector = { labels: { app: 'web', tier: bad } };
    return { value, expected: error('spec.workloadSelector.labels.tier', 'InvalidType') };
  },
  'bad label key': (rng) => {
    const value = base(rng, true);
    const key = pick(rng, BAD_LABEL_KEYS);
    spec(value).workloadSelector = { labels: { [key]: 'web' } };
    return { value, expected: error(keyPath('spec.workloadSelector.labels', key), 'InvalidValue') };
  },
  'bad label value': (rng) => {
    const value = base(rng, true);
    spec(value).workloadSelector = { labels: { app: pick(rng, BAD_LABEL_VALUES) } };
    return { value, expected: error('spec.workloadSelector.labels.app', 'InvalidValue') };
  },
  'workloadSelector not a mapping': (rng) => {
    const value = base(rng, true);
    spec(value).workloadSelector = pick(
      rng,
      NOT_MAPPINGS.filter((v) => v !== null),
    );
    return { value, expected: error('spec.workloadSelector', 'InvalidType') };
  },
  'spec not a mapping': (rng) => {
    const value = base(rng, false);
    value.spec = pick(
      rng,
      NOT_MAPPINGS.filter((v) => v !== null),
    );
    return { value, expected: error('spec', 'InvalidType') };
  },
  'bad name': (rng) => {
    const value = base(rng, false);
    (value.metadata as Record<string, unknown>).name = pick(rng, ['Web', 'a_b', '-x', 'x'.repeat(254)]);
    return { value, expected: error('metadata.name', 'InvalidValue') };
  },
  'short host name': (rng) => {
    const value = base(rng, false);
    const slot = hostSlot(rng, value);
    slot.put(`${pick(rng, ['.', '*', 'shop'])}/${pick(rng, ['reviews', 'db', 'web-1'])}`);
    return { value, expected: warning(slot.at, 'UnsupportedValue') };
  },
  'service of another namespace': (rng) => {
    const value = base(rng, false);
    const own = (value.metadata as Record<string, string>).namespace!;
    const other = NAMESPACES.find((n) => n !== own)!;
    const slot = hostSlot(rng, value);
    slot.put(`${pick(rng, ['.', own])}/api.${other}.svc.cluster.local`);
    return { value, expected: warning(slot.at, 'UnsupportedValue') };
  },
  'mesh-wide with a selector': (rng) => {
    const value = base(rng, true);
    (value.metadata as Record<string, unknown>).namespace = FUZZ_SIDECAR_ROOT_NAMESPACE;
    return { value, expected: warning('spec.workloadSelector', 'UnsupportedValue') };
  },
  'unsupported field': (rng) => {
    const value = base(rng, rng() < 0.5);
    const [where, key] = pick(rng, UNSUPPORTED);
    const content = pick(rng, [{ number: 9080, protocol: 'HTTP' }, 'x', { mode: 'REGISTRY_ONLY' }, 1]);
    if (where === 'spec') {
      spec(value)[key] = content;
      return { value, expected: warning(`spec.${key}`, 'UnsupportedField') };
    }
    const i = Math.floor(rng() * listeners(value).length);
    listeners(value)[i]![key] = content;
    return { value, expected: warning(`spec.egress[${i}].${key}`, 'UnsupportedField') };
  },
  'unknown field': (rng) => {
    const value = base(rng, true);
    const i = Math.floor(rng() * listeners(value).length);
    const [container, path] = pick(rng, [
      [spec(value), 'spec'],
      [listeners(value)[i]!, `spec.egress[${i}]`],
      [spec(value).workloadSelector as Record<string, unknown>, 'spec.workloadSelector'],
    ] as const);
    const key = pick(rng, ['hots', 'matchLabels', 'extra', 'egressHosts']);
    container[key] = pick(rng, ['x', 1, { a: 1 }]);
    return { value, expected: warning(`${path}.${key}`, 'UnsupportedField') };
  },
};

export const SIDECAR_MISTAKES: readonly string[] = Object.keys(MAKERS);

/** One bad document, of a mistake chosen among `mistakes`. */
export function badSidecar(rng: Rng, mistakes: readonly string[] = SIDECAR_MISTAKES): BadSidecar {
  const mistake = pick(rng, mistakes);
  const made = MAKERS[mistake]!(rng);
  return { mistake, ...made };
}
