// Test-only: a seeded generator of hostile manifest directories (issue 11). Each case is a small
// directory: the anchor file (a valid Service and EndpointSlice that must always be served) and a few
// files mixing the classes of hostile and careless input with valid documents. Every file says what
// must become of it (its fate) and, where its class is precise, the issue it must raise: the reason,
// the document, the field path and the words of the message (the measured value, the limit, its flag).
// The limits are small (HOSTILE_LIMITS) so that every case is a few KiB and 2,000 of them run quickly.
import { badPeerAuthentication, ERROR_MISTAKES } from '../apis/istio/bad-peer-authentications.js';
import { seededRandom } from '../apis/shared/fuzz-mutations.js';
import type { ManifestLimits } from './limits.js';

export const HOSTILE_LIMITS: ManifestLimits = {
  maxFileBytes: 32 * 1024,
  maxDocumentBytes: 16 * 1024,
  maxDepth: 20,
  maxAliases: 30,
  maxKeysPerMapping: 50,
  maxDocumentsPerFile: 20,
};

export const ANCHOR_FILE = '0-anchor.yaml';
export const ANCHOR_SERVICE = 'web';
export const ANCHOR_NAMESPACE = 'shop';
export const ANCHOR_PORT = 8080;
export const ANCHOR_LISTENER = `${ANCHOR_SERVICE}.${ANCHOR_NAMESPACE}.svc.cluster.local:${ANCHOR_PORT}`;

export const anchorYaml = (endpointPort = 9000): string => `apiVersion: v1
kind: Service
metadata: { name: ${ANCHOR_SERVICE}, namespace: ${ANCHOR_NAMESPACE} }
spec:
  clusterIP: 10.96.0.10
  ports: [{ name: grpc, port: ${ANCHOR_PORT}, appProtocol: grpc }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${ANCHOR_SERVICE}-1
  namespace: ${ANCHOR_NAMESPACE}
  labels: { kubernetes.io/service-name: ${ANCHOR_SERVICE} }
addressType: IPv4
ports: [{ name: grpc, port: ${endpointPort} }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
`;

export const CLASSES = [
  'deep-json',
  'deep-yaml',
  'very-deep-yaml',
  'alias-expansion',
  'alias-count',
  'alias-file-expansion',
  'too-many-keys',
  'too-many-keys-json',
  'too-many-documents',
  'too-many-list-items',
  'document-too-big',
  'file-too-big',
  'invalid-utf8',
  'yaml-tab',
  'yaml-unclosed-quote',
  'yaml-unclosed-bracket',
  'yaml-duplicate-key',
  'json-syntax',
  'duplicate-of-anchor',
  'garbage-bytes',
  'garbage-text',
  'truncated',
  'wrong-type',
  'huge-string',
  're2-refused',
  're2-too-large',
  'bad-peer-authentication',
  'valid',
] as const;
export type HostileClass = (typeof CLASSES)[number];

/**
 * What must become of a file: `rejected`, a file-level failure, nothing of it served; `partial`, one
 * document refused and the file's valid documents served; `served`, no issue; `unknown`, any verdict
 * (random garbage, truncation) as long as serve and validate agree and every message is precise.
 */
export type Fate = 'rejected' | 'partial' | 'served' | 'unknown';

export interface ExpectedIssue {
  readonly reason: string;
  /** The document index; undefined for an issue about the whole file. */
  readonly documentIndex: number | undefined;
  /** The exact field path, when the class has one. */
  readonly fieldPath?: string;
  /** Words the message must contain: the measured value, the limit and its flag... */
  readonly includes: readonly string[];
  /** The document may also be accepted, or ignored (a kind not read); if it has issues, they match. */
  readonly optional?: boolean;
}

export interface HostileFile {
  readonly name: string;
  readonly content: string | Uint8Array;
  readonly kind: HostileClass;
  readonly fate: Fate;
  readonly expected?: ExpectedIssue;
  /** The valid Services in the file: served unless the file is rejected. */
  readonly services: readonly string[];
}

export interface HostileCase {
  readonly index: number;
  readonly files: readonly HostileFile[];
}

const limitText = (key: keyof ManifestLimits, flag: string): string => {
  const value = HOSTILE_LIMITS[key];
  const shown =
    key === 'maxFileBytes' || key === 'maxDocumentBytes'
      ? `${value} bytes (${value / 1024} KiB)`
      : `${value}`;
  return `the limit of ${shown} (--${flag})`;
};

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number): number => {
  if (lo > hi) throw new Error(`int(${lo}, ${hi}): an empty range`);
  return lo + Math.floor(rng() * (hi - lo + 1));
};
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

const service = (name: string, port = 80): string =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: shop }\nspec: { clusterIP: None, ports: [{ port: ${port} }] }\n`;

const configMap = (name: string, data: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, namespace: shop }\n${data}`;

/** Documents joined by "---" lines; the hostile one at `at` among `valid` valid Services. */
function withValid(
  rng: Rng,
  prefix: string,
  hostile: string,
  maxValid = 3,
): { text: string; at: number; services: string[] } {
  const count = int(rng, 0, maxValid);
  const at = int(rng, 0, count);
  const services: string[] = [];
  const docs: string[] = [];
  for (let i = 0; i <= count; i++) {
    if (i === at) docs.push(hostile);
    else {
      const name = `${prefix}-d${i}`;
      services.push(name);
      docs.push(service(name));
    }
  }
  return { text: docs.join('---\n'), at, services };
}

/** The file `withValid` made, with the fate and the issue its hostile document raises. */
function madeWith(
  made: ReturnType<typeof withValid>,
  fate: Fate,
  issue: Omit<ExpectedIssue, 'documentIndex'>,
): Made {
  return {
    content: made.text,
    fate,
    services: made.services,
    expected: { ...issue, documentIndex: made.at },
  };
}

interface Made {
  readonly content: string | Uint8Array;
  readonly fate: Fate;
  readonly expected?: ExpectedIssue;
  readonly services: readonly string[];
  readonly json?: boolean;
}

const makers: Record<HostileClass, (rng: Rng, prefix: string) => Made> = {
  'deep-json': (rng) => {
    const objects = rng() < 0.5;
    // Under the document limit (an object level is 6 bytes), so that the depth limit is the one broken.
    const depth = int(rng, HOSTILE_LIMITS.maxDepth + 1, objects ? 2500 : 5000);
    const content = objects
      ? `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`
      : `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const column = objects ? HOSTILE_LIMITS.maxDepth * 5 + 1 : HOSTILE_LIMITS.maxDepth + 1;
    return {
      content,
      json: true,
      fate: 'rejected',
      services: [],
      expected: {
        reason: 'LimitExceeded',
        documentIndex: 0,
        fieldPath: (objects
          ? ['a', ...Array(HOSTILE_LIMITS.maxDepth - 1).fill('.a')]
          : Array(HOSTILE_LIMITS.maxDepth).fill('[0]')
        ).join(''),
        includes: [
          `at line 1, column ${column}: nests ${depth} levels deep, more than ${limitText('maxDepth', 'max-depth')}`,
        ],
      },
    };
  },
  'deep-yaml': (rng, prefix) => {
    const depth = int(rng, HOSTILE_LIMITS.maxDepth + 1, 300);
    const block = rng() < 0.5 && depth < 120;
    // data is level 1; the nested value adds depth - 1 levels.
    const nested = block
      ? `data:\n${Array.from({ length: depth - 1 }, (_, i) => `${' '.repeat(2 * i + 2)}k${i}:`).join('\n')} 1\n`
      : `data: ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}\n`;
    const made = withValid(rng, prefix, configMap(`${prefix}-deep`, nested));
    const path = block
      ? ['data', ...Array.from({ length: HOSTILE_LIMITS.maxDepth - 1 }, (_, i) => `k${i}`)].join('.')
      : `data${'[0]'.repeat(HOSTILE_LIMITS.maxDepth - 1)}`;
    return madeWith(made, 'rejected', {
      reason: 'LimitExceeded',
      fieldPath: path,
      includes: [`nests ${depth} levels deep, more than ${limitText('maxDepth', 'max-depth')}`],
    });
  },
  'very-deep-yaml': (rng, prefix) => {
    const depth = int(rng, 1500, 6000);
    const made = withValid(rng, prefix, `${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    return madeWith(made, 'rejected', {
      reason: 'LimitExceeded',
      includes: ['levels deep, more than', limitText('maxDepth', 'max-depth'), 'at line'],
    });
  },
  'alias-expansion': (rng, prefix) => {
    // Under the alias limit (one anchor and count aliases), over the document limit expanded.
    const size = int(rng, 700, 2000);
    const count = int(
      rng,
      Math.ceil(HOSTILE_LIMITS.maxDocumentBytes / size) + 1,
      HOSTILE_LIMITS.maxAliases - 1,
    );
    const bomb = configMap(
      `${prefix}-bomb`,
      `data:\n  a: &a "${'x'.repeat(size)}"\n  list: [${Array(count).fill('*a').join(', ')}]\n`,
    );
    const made = withValid(rng, prefix, bomb);
    return madeWith(made, 'rejected', {
      reason: 'LimitExceeded',
      fieldPath: '',
      includes: [
        'with its aliases expanded, the document is',
        limitText('maxDocumentBytes', 'max-document-bytes'),
      ],
    });
  },
  'alias-count': (rng, prefix) => {
    const count = int(rng, HOSTILE_LIMITS.maxAliases, 200);
    const made = withValid(
      rng,
      prefix,
      configMap(`${prefix}-aliases`, `data:\n  a: &a x\n  list: [${Array(count).fill('*a').join(', ')}]\n`),
    );
    return madeWith(made, 'rejected', {
      reason: 'LimitExceeded',
      fieldPath: '',
      includes: [
        `has 1 anchors and ${count} aliases, more than ${limitText('maxAliases', 'max-aliases')} anchors and aliases together`,
      ],
    });
  },
  'alias-file-expansion': (rng, prefix) => {
    // Each document stays under the document limit expanded; together they pass the file limit.
    const docs = int(rng, 3, 6);
    const each = Math.ceil(HOSTILE_LIMITS.maxFileBytes / docs / 1000) * 1000 + 1000;
    const size = 1000;
    const count = Math.ceil(each / size);
    if (count * size >= HOSTILE_LIMITS.maxDocumentBytes - 500)
      throw new Error('alias-file-expansion: bad sizes');
    const text = Array.from({ length: docs }, (_, i) =>
      configMap(
        `${prefix}-f${i}`,
        `data:\n  a: &a "${'y'.repeat(size)}"\n  list: [${Array(count).fill('*a').join(', ')}]\n`,
      ),
    ).join('---\n');
    return {
      content: text,
      fate: 'rejected',
      services: [],
      expected: {
        reason: 'LimitExceeded',
        documentIndex: undefined,
        fieldPath: '',
        includes: ['with its aliases expanded, is', limitText('maxFileBytes', 'max-file-bytes')],
      },
    };
  },
  'too-many-keys': (rng, prefix) => {
    const keys = int(rng, HOSTILE_LIMITS.maxKeysPerMapping + 1, 400);
    const data = `data:\n${Array.from({ length: keys }, (_, i) => `  k${i}: v`).join('\n')}\n`;
    const made = withValid(rng, prefix, configMap(`${prefix}-wide`, data));
    return madeWith(made, 'rejected', {
      reason: 'LimitExceeded',
      fieldPath: 'data',
      includes: [
        `is a mapping of ${keys} keys, more than ${limitText('maxKeysPerMapping', 'max-keys-per-mapping')}`,
      ],
    });
  },
  'too-many-keys-json': (rng) => {
    const keys = int(rng, HOSTILE_LIMITS.maxKeysPerMapping + 1, 400);
    const data = Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, 'v']));
    return {
      content: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wide' }, data }),
      json: true,
      fate: 'rejected',
      services: [],
      expected: {
        reason: 'LimitExceeded',
        documentIndex: 0,
        fieldPath: 'data',
        includes: [
          `is a mapping of ${keys} keys, more than ${limitText('maxKeysPerMapping', 'max-keys-per-mapping')}`,
        ],
      },
    };
  },
  'too-many-documents': (rng, prefix) => {
    const count = int(rng, HOSTILE_LIMITS.maxDocumentsPerFile + 1, 80);
    // Comment-only documents count, but not a first one: its comment is the stream's, before the first "---".
    const docs = Array.from({ length: count }, (_, i) =>
      i > 0 && rng() < 0.5 ? `# empty ${i}\n` : service(`${prefix}-n${i}`),
    );
    return {
      content: docs.join('---\n'),
      fate: 'rejected',
      services: [],
      expected: {
        reason: 'LimitExceeded',
        documentIndex: undefined,
        fieldPath: '',
        includes: [
          `holds ${count} documents, more than ${limitText('maxDocumentsPerFile', 'max-documents-per-file')}`,
        ],
      },
    };
  },
  'too-many-list-items': (rng, prefix) => {
    const count = int(rng, HOSTILE_LIMITS.maxDocumentsPerFile + 1, 80);
    const items = Array.from(
      { length: count },
      (_, i) => `  - { apiVersion: v1, kind: ConfigMap, metadata: { name: ${prefix}-i${i} } }`,
    );
    return {
      content: `apiVersion: v1\nkind: List\nitems:\n${items.join('\n')}\n`,
      fate: 'rejected',
      services: [],
      expected: {
        reason: 'LimitExceeded',
        documentIndex: undefined,
        fieldPath: '',
        includes: [
          `holds ${count} documents, counting the items of Lists, more than ${limitText('maxDocumentsPerFile', 'max-documents-per-file')}`,
        ],
      },
    };
  },
  'document-too-big': (rng, prefix) => {
    const size = int(rng, HOSTILE_LIMITS.maxDocumentBytes + 1, HOSTILE_LIMITS.maxFileBytes - 2000);
    const made = withValid(rng, prefix, configMap(`${prefix}-big`, `data:\n  big: "${'z'.repeat(size)}"\n`));
    return madeWith(made, 'rejected', {
      reason: 'LimitExceeded',
      fieldPath: '',
      includes: ['the document is', `more than ${limitText('maxDocumentBytes', 'max-document-bytes')}`],
    });
  },
  'file-too-big': (rng, prefix) => {
    const size = int(rng, HOSTILE_LIMITS.maxFileBytes + 1, HOSTILE_LIMITS.maxFileBytes + 4000);
    const body = `# ${'p'.repeat(size)}\n${service(`${prefix}-big`)}`;
    const bytes = Buffer.byteLength(body);
    return {
      content: body,
      fate: 'rejected',
      services: [],
      expected: {
        reason: 'LimitExceeded',
        documentIndex: undefined,
        fieldPath: '',
        includes: [
          `is ${bytes} bytes (`,
          `more than ${limitText('maxFileBytes', 'max-file-bytes')}; it is not read`,
        ],
      },
    };
  },
  'invalid-utf8': (rng, prefix) => {
    const made = withValid(rng, prefix, service(`${prefix}-u`));
    const good = Buffer.from(made.text, 'utf8');
    const offset = int(rng, 0, good.length);
    const bad = pick(rng, [
      [0xff],
      [0xfe],
      [0x80],
      [0xc3, 0x28],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe9],
    ]);
    // Not at the very start with 0xef 0xbb 0xbf: none of the above is a byte order mark.
    const content = Buffer.concat([good.subarray(0, offset), Buffer.from(bad), good.subarray(offset)]);
    let line = 1;
    for (let i = 0; i < offset; i++) if (good[i] === 0x0a) line++;
    return {
      content,
      fate: 'rejected',
      services: [],
      expected: {
        reason: 'InvalidUTF8',
        documentIndex: undefined,
        fieldPath: '',
        includes: [
          `is not valid UTF-8: the byte at offset ${offset} (line ${line}) starts no valid UTF-8 sequence`,
        ],
      },
    };
  },
  'yaml-tab': (rng, prefix) => {
    const made = withValid(rng, prefix, `apiVersion: v1\nkind: Service\nmetadata:\n\tname: ${prefix}-tab\n`);
    return badYaml(made, 'Tabs are not allowed as indentation');
  },
  'yaml-unclosed-quote': (rng, prefix) => {
    const made = withValid(
      rng,
      prefix,
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: "${prefix}-quote\n`,
    );
    return badYaml(made, 'Missing closing "quote');
  },
  'yaml-unclosed-bracket': (rng, prefix) => {
    const made = withValid(
      rng,
      prefix,
      `apiVersion: v1\nkind: Service\nmetadata: { name: ${prefix}-brace\nspec: [\n`,
    );
    return badYaml(made);
  },
  'yaml-duplicate-key': (rng, prefix) => {
    const made = withValid(
      rng,
      prefix,
      `apiVersion: v1\nkind: Service\nkind: Service\nmetadata: { name: ${prefix}-dup }\n`,
    );
    return badYaml(made, 'Map keys must be unique');
  },
  'json-syntax': (rng) => {
    const text = pick(rng, [
      '{"apiVersion": "v1", "kind": ',
      '{"a": [1, 2,, 3]}',
      '{"a" 1}',
      '[1, 2',
      '{"a": tru}',
      '{"a": "\\x"}',
    ]);
    return {
      content: text,
      json: true,
      fate: 'rejected',
      services: [],
      expected: {
        reason: 'BadJSON',
        documentIndex: 0,
        fieldPath: '',
        includes: ['invalid JSON at line 1, column '],
      },
    };
  },
  'duplicate-of-anchor': (rng, prefix) => {
    const made = withValid(rng, prefix, service(ANCHOR_SERVICE, int(rng, 1, 65535)));
    return madeWith(made, 'partial', {
      reason: 'DuplicateResource',
      fieldPath: 'metadata.name',
      includes: [`duplicates the Service defined at ${ANCHOR_FILE}[doc 0]; that first definition is used`],
    });
  },
  'garbage-bytes': (rng) => {
    const bytes = new Uint8Array(int(rng, 1, 2000));
    for (let i = 0; i < bytes.length; i++) bytes[i] = int(rng, 0, 255);
    return { content: bytes, fate: 'unknown', services: [] };
  },
  'garbage-text': (rng) => {
    const alphabet = 'ab: -[]{}"\'\n\t&*!|>%@`#,?\\0123456789';
    let text = '';
    const length = int(rng, 1, 2000);
    for (let i = 0; i < length; i++) text += alphabet[int(rng, 0, alphabet.length - 1)];
    return { content: text, fate: 'unknown', services: [] };
  },
  truncated: (rng, prefix) => {
    const docs = Array.from({ length: int(rng, 1, 4) }, (_, i) => service(`${prefix}-t${i}`, 80 + i));
    const text = docs.join('---\n');
    return { content: text.slice(0, int(rng, 1, text.length - 1)), fate: 'unknown', services: [] };
  },
  'wrong-type': (rng, prefix) => {
    const name = `${prefix}-wt`;
    const [body, path] = pick(rng, [
      [`metadata: { name: ${name}, namespace: shop }\nspec: { ports: "eighty" }\n`, 'spec.ports'],
      [
        `metadata: { name: ${name}, namespace: shop }\nspec: { ports: [{ port: "eighty" }] }\n`,
        'spec.ports[0].port',
      ],
      [
        `metadata: { name: ${name}, namespace: shop }\nspec: { ports: [{ port: 99999 }] }\n`,
        'spec.ports[0].port',
      ],
      [`metadata: { name: ${name}, namespace: shop }\nspec: [1, 2]\n`, 'spec'],
      [
        `metadata: { name: ${name}, namespace: shop }\nspec: { ports: [{ port: 80, protocol: 7 }] }\n`,
        'spec.ports[0].protocol',
      ],
    ] as const);
    const made = withValid(rng, prefix, `apiVersion: v1\nkind: Service\n${body}`);
    return madeWith(made, 'partial', { reason: 'any', fieldPath: path, includes: [] });
  },
  'huge-string': (rng, prefix) => {
    const huge = 'H'.repeat(int(rng, 4000, HOSTILE_LIMITS.maxDocumentBytes - 1000));
    const [doc, path] = pick(rng, [
      [`apiVersion: v1\nkind: ${huge}\nmetadata: { name: ${prefix}-h }\n`, undefined],
      [`apiVersion: ${huge}\nkind: Service\nmetadata: { name: ${prefix}-h }\n`, undefined],
      [
        `apiVersion: v1\nkind: Service\nmetadata: { name: ${huge.toLowerCase()}, namespace: shop }\nspec: { ports: [{ port: 80 }] }\n`,
        'metadata.name',
      ],
      [
        `apiVersion: v1\nkind: Service\nmetadata: { name: ${prefix}-h, namespace: shop }\nspec: { ports: [{ port: 80, name: ${huge} }] }\n`,
        'spec.ports[0].name',
      ],
      [
        `apiVersion: v1\nkind: Service\nmetadata: { name: ${prefix}-h, namespace: ${huge} }\nspec: { ports: [{ port: 80 }] }\n`,
        'metadata.namespace',
      ],
    ] as const);
    const made = withValid(rng, prefix, doc);
    return madeWith(made, 'partial', {
      reason: 'any',
      ...(path ? { fieldPath: path } : {}),
      includes: [],
      optional: true,
    });
  },
  're2-refused': (rng, prefix) =>
    regexRoute(rng, prefix, pick(rng, ['(?<=a)b', 'a(?!b)', '(a', 'a{2,1}', '\\8', 'x**', '[z-a]'])),
  're2-too-large': (rng, prefix) =>
    regexRoute(
      rng,
      prefix,
      pick(rng, [
        '\\pL{50}',
        '(a{10}){100}',
        '[a-z]{1000}',
        '(((a{100}){100}){100})',
        `${'(ab|cd)'.repeat(40)}`,
      ]),
    ),
  'bad-peer-authentication': (rng, prefix) => {
    // Named after the file, so that two such files of one case are not duplicates of each other.
    const bad = badPeerAuthentication(
      rng,
      ERROR_MISTAKES.filter((m) => m !== 'bad name'),
    );
    (bad.value.metadata as Record<string, unknown>).name = `${prefix}-pa`;
    const made = withValid(rng, prefix, `${JSON.stringify(bad.value)}\n`);
    return madeWith(made, 'partial', {
      reason: bad.expected.reason,
      fieldPath: bad.expected.fieldPath,
      includes: [],
    });
  },
  valid: (rng, prefix) => {
    const made = withValid(rng, prefix, service(`${prefix}-ok`), 4);
    return { content: made.text, fate: 'served', services: [...made.services, `${prefix}-ok`] };
  },
};

function badYaml(made: { text: string; at: number; services: string[] }, words?: string): Made {
  return madeWith(made, 'rejected', {
    reason: 'BadYAML',
    fieldPath: '',
    includes: ['invalid YAML at line ', ...(words ? [words] : [])],
  });
}

function regexRoute(rng: Rng, prefix: string, pattern: string): Made {
  const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${prefix}-re, namespace: shop }
spec:
  parentRefs: [{ kind: Service, group: "", name: ${ANCHOR_SERVICE}, port: ${ANCHOR_PORT} }]
  rules:
    - matches: [{ path: { type: RegularExpression, value: '${pattern.replaceAll("'", "''")}' } }]
      backendRefs: [{ name: ${ANCHOR_SERVICE}, port: ${ANCHOR_PORT} }]
`;
  const made = withValid(rng, prefix, route);
  return madeWith(made, 'partial', {
    reason: 'any',
    fieldPath: 'spec.rules[0].matches[0].path.value',
    includes: [],
  });
}

/** Case `index` of the run with `seed`: the anchor file and 1 to 4 files of random classes. */
export function generateCase(seed: number, index: number): HostileCase {
  const rng = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const files: HostileFile[] = [];
  const count = int(rng, 1, 4);
  for (let f = 0; f < count; f++) {
    const kind = pick(rng, CLASSES);
    // Names sort after the anchor file, so that at startup the anchor is the first definition.
    const prefix = `c${index}-f${f}`;
    const made = makers[kind](rng, prefix);
    const name = `${prefix}-${kind}.${made.json ? 'json' : 'yaml'}`;
    files.push({
      name,
      content: made.content,
      kind,
      fate: made.fate,
      ...(made.expected ? { expected: made.expected } : {}),
      services: made.services,
    });
  }
  return { index, files };
}
