// Test support: seeded PeerAuthentication documents with one mistake each, and the issue that
// mistake must raise (its field path, reason and severity). Used by the family's fuzz test and the
// hostile manifest generator (src/sources/files/hostile-cases.ts); lives beside the parser, not in a
// test file, so both can import it.

export interface ExpectedPeerAuthenticationIssue {
  readonly fieldPath: string;
  readonly reason: string;
  readonly severity: 'error' | 'warning';
  /** True when the mistake rejects the whole policy; false when the rest of it is served. */
  readonly rejected: boolean;
}

export interface BadPeerAuthentication {
  readonly mistake: string;
  readonly value: Record<string, unknown>;
  readonly expected: ExpectedPeerAuthenticationIssue;
}

type Rng = () => number;

/** A key under `prefix` as issues write it: `.key` for identifiers, `["key"]` otherwise. */
const keyPath = (prefix: string, key: string): string =>
  /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${prefix}.${key}` : `${prefix}[${JSON.stringify(key)}]`;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

export const FUZZ_ROOT_NAMESPACE = 'trellis-system';

const BAD_MODES: readonly unknown[] = [
  'STRICTLY',
  'strict',
  'Permissive',
  '',
  'ISTIO_MUTUAL',
  'MUTUAL',
  'OFF',
  0,
  1,
  true,
  ['STRICT'],
  { mode: 'STRICT' },
  'x'.repeat(300),
];
const BAD_PORT_KEYS: readonly string[] = [
  '0',
  '65536',
  '70000',
  '99999',
  '-1',
  'http',
  '8o80',
  '80.5',
  ' 80',
  '1e3',
];
const NOT_STRINGS: readonly unknown[] = [1, 0, -3, 1.5, true, false, [], ['a'], { a: 'b' }];
const BAD_LABEL_KEYS: readonly string[] = ['-app', 'app-', 'a b', 'x/', '/x', 'UPPER/x', 'a'.repeat(64), 'ü'];
const BAD_LABEL_VALUES: readonly string[] = ['-v1', 'v1-', 'a b', 'v'.repeat(64), 'ü'];
const NOT_MAPPINGS: readonly unknown[] = ['STRICT', 8080, true, ['STRICT'], [{ mode: 'STRICT' }]];
const NAMESPACES = ['shop', 'db', 'front'];

function base(rng: Rng, selector: boolean): Record<string, unknown> {
  const namespace = pick(rng, NAMESPACES);
  return {
    apiVersion: `security.istio.io/${pick(rng, ['v1', 'v1beta1'])}`,
    kind: 'PeerAuthentication',
    metadata: { name: pick(rng, ['default', 'strict', 'web-mtls']), namespace },
    spec: {
      ...(selector ? { selector: { matchLabels: { app: pick(rng, ['web', 'api', 'db']) } } } : {}),
      mtls: { mode: pick(rng, ['STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET']) },
      ...(selector
        ? { portLevelMtls: { [String(8000 + Math.floor(rng() * 100))]: { mode: 'DISABLE' } } }
        : {}),
    },
  };
}

const error = (fieldPath: string, reason: string, rejected: boolean): ExpectedPeerAuthenticationIssue => ({
  fieldPath,
  reason,
  severity: 'error',
  rejected,
});

type Maker = (rng: Rng) => { value: Record<string, unknown>; expected: ExpectedPeerAuthenticationIssue };

const spec = (doc: Record<string, unknown>) => doc.spec as Record<string, unknown>;

/** Every kind of mistake, each making its own document. `errorsOnly`: those raising an error. */
const MAKERS: Readonly<Record<string, Maker>> = {
  'bad mode': (rng) => {
    const value = base(rng, rng() < 0.5);
    const mode = pick(rng, BAD_MODES);
    spec(value).mtls = { mode };
    return {
      value,
      expected: error('spec.mtls.mode', typeof mode === 'string' ? 'InvalidValue' : 'InvalidType', true),
    };
  },
  'bad port mode': (rng) => {
    const value = base(rng, true);
    const mode = pick(rng, BAD_MODES);
    spec(value).portLevelMtls = { '9090': { mode } };
    return {
      value,
      expected: error(
        'spec.portLevelMtls["9090"].mode',
        typeof mode === 'string' ? 'InvalidValue' : 'InvalidType',
        false,
      ),
    };
  },
  'port out of range': (rng) => {
    const value = base(rng, true);
    const key = pick(rng, BAD_PORT_KEYS);
    spec(value).portLevelMtls = { [key]: { mode: 'STRICT' } };
    return { value, expected: error(keyPath('spec.portLevelMtls', key), 'InvalidValue', false) };
  },
  'port without a mode mapping': (rng) => {
    const value = base(rng, true);
    const entry = pick(rng, [...NOT_MAPPINGS, null]);
    spec(value).portLevelMtls = { '8443': entry };
    return {
      value,
      expected: error('spec.portLevelMtls["8443"]', entry === null ? 'MissingField' : 'InvalidType', false),
    };
  },
  'portLevelMtls not a mapping': (rng) => {
    const value = base(rng, true);
    spec(value).portLevelMtls = pick(rng, NOT_MAPPINGS);
    return { value, expected: error('spec.portLevelMtls', 'InvalidType', false) };
  },
  'portLevelMtls without a selector': (rng) => {
    const value = base(rng, false);
    if (rng() < 0.5) spec(value).selector = { matchLabels: {} };
    spec(value).portLevelMtls = { '8080': { mode: pick(rng, ['STRICT', 'DISABLE']) } };
    return { value, expected: error('spec.portLevelMtls', 'InvalidValue', false) };
  },
  'label value not a string': (rng) => {
    const value = base(rng, true);
    spec(value).selector = { matchLabels: { app: 'web', tier: pick(rng, NOT_STRINGS) } };
    return { value, expected: error('spec.selector.matchLabels.tier', 'InvalidType', true) };
  },
  'bad label key': (rng) => {
    const value = base(rng, true);
    const key = pick(rng, BAD_LABEL_KEYS);
    spec(value).selector = { matchLabels: { [key]: 'web' } };
    return { value, expected: error(keyPath('spec.selector.matchLabels', key), 'InvalidValue', true) };
  },
  'bad label value': (rng) => {
    const value = base(rng, true);
    spec(value).selector = { matchLabels: { app: pick(rng, BAD_LABEL_VALUES) } };
    return { value, expected: error('spec.selector.matchLabels.app', 'InvalidValue', true) };
  },
  'selector not a mapping': (rng) => {
    const value = base(rng, true);
    spec(value).selector = pick(rng, NOT_MAPPINGS);
    return { value, expected: error('spec.selector', 'InvalidType', true) };
  },
  'matchLabels not a mapping': (rng) => {
    const value = base(rng, true);
    spec(value).selector = { matchLabels: pick(rng, ['app=web', 3, ['app']]) };
    return { value, expected: error('spec.selector.matchLabels', 'InvalidType', true) };
  },
  'mtls not a mapping': (rng) => {
    const value = base(rng, false);
    spec(value).mtls = pick(rng, NOT_MAPPINGS);
    return { value, expected: error('spec.mtls', 'InvalidType', true) };
  },
  'spec not a mapping': (rng) => {
    const value = base(rng, false);
    value.spec = pick(rng, NOT_MAPPINGS);
    return { value, expected: error('spec', 'InvalidType', true) };
  },
  'bad name': (rng) => {
    const value = base(rng, false);
    (value.metadata as Record<string, unknown>).name = pick(rng, ['Web', 'a_b', '-x', 'x'.repeat(254)]);
    return { value, expected: error('metadata.name', 'InvalidValue', true) };
  },
  'mesh-wide with a selector': (rng) => {
    const value = base(rng, true);
    (value.metadata as Record<string, unknown>).namespace = FUZZ_ROOT_NAMESPACE;
    return {
      value,
      expected: {
        fieldPath: 'spec.selector',
        reason: 'UnsupportedValue',
        severity: 'warning',
        rejected: false,
      },
    };
  },
  'unknown field': (rng) => {
    const value = base(rng, true);
    const [container, path] = pick(rng, [
      [spec(value), 'spec'],
      [spec(value).mtls as Record<string, unknown>, 'spec.mtls'],
      [spec(value).selector as Record<string, unknown>, 'spec.selector'],
    ] as const);
    const key = pick(rng, ['targetRef', 'mode2', 'matchExpressions', 'extra']);
    container[key] = pick(rng, ['x', 1, { a: 1 }]);
    return {
      value,
      expected: {
        fieldPath: `${path}.${key}`,
        reason: 'UnsupportedField',
        severity: 'warning',
        rejected: false,
      },
    };
  },
};

export const MISTAKES: readonly string[] = Object.keys(MAKERS);

/** The mistakes that raise an error (the others raise a warning). */
export const ERROR_MISTAKES: readonly string[] = MISTAKES.filter(
  (m) => m !== 'mesh-wide with a selector' && m !== 'unknown field',
);

/** One bad document, of a mistake chosen among `mistakes`. */
export function badPeerAuthentication(
  rng: Rng,
  mistakes: readonly string[] = MISTAKES,
): BadPeerAuthentication {
  const mistake = pick(rng, mistakes);
  const made = MAKERS[mistake]!(rng);
  return { mistake, ...made };
}
