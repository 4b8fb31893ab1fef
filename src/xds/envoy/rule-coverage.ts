// Which protoc-gen-validate rules the messages Trellis sends actually use, so a test can hold the
// checker to them: an Envoy proto update that brings a new rule kind fails loudly instead of
// letting config through unchecked.
import protobuf from 'protobufjs';
import { IMPLEMENTED_RULE_KINDS } from './pgv.js';
import {
  asFieldRules,
  type FieldRules,
  fieldRules,
  messageValidationOff,
  oneofRequired,
  ruleKinds,
} from './pgv-rules.js';

export { IMPLEMENTED_RULE_KINDS };

/** The resources Trellis serves and the typed_configs it places inside them. */
export const VALIDATED_ROOTS = [
  'envoy.config.listener.v3.Listener',
  'envoy.config.route.v3.RouteConfiguration',
  'envoy.config.cluster.v3.Cluster',
  'envoy.config.endpoint.v3.ClusterLoadAssignment',
  'envoy.extensions.transport_sockets.tls.v3.Secret',
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.extensions.filters.http.router.v3.Router',
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  'envoy.extensions.filters.http.fault.v3.HTTPFault',
  'envoy.extensions.filters.http.cors.v3.Cors',
  'envoy.extensions.filters.http.cors.v3.CorsPolicy',
  'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
] as const;

const KNOWN_FIELD_OPTIONS = new Set(['(validate.rules)']);
const KNOWN_ONEOF_OPTIONS = new Set(['(validate.required)']);
const KNOWN_MESSAGE_OPTIONS = new Set(['(validate.disabled)', '(validate.ignored)']);

/** Every message type reachable through fields (map values and repeated elements included). */
export function reachableTypes(roots: readonly protobuf.Type[]): protobuf.Type[] {
  const seen = new Set<protobuf.Type>();
  const queue = [...roots];
  for (let t = queue.shift(); t; t = queue.shift()) {
    if (seen.has(t)) continue;
    seen.add(t);
    for (const f of t.fieldsArray) {
      f.resolve();
      if (f.resolvedType instanceof protobuf.Type) queue.push(f.resolvedType);
    }
  }
  return [...seen];
}

function validateOptionKeys(obj: protobuf.ReflectionObject): string[] {
  const parsed: unknown = (obj as { parsedOptions?: unknown }).parsedOptions;
  const entries = Array.isArray(parsed) ? parsed : [];
  return [...Object.keys(obj.options ?? {}), ...entries.flatMap((e) => Object.keys(e ?? {}))]
    .map((k) => k.replace(/^(\(validate\.[a-z_]+\)).*$/, '$1'))
    .filter((k) => k.startsWith('(validate.'));
}

/** Rule kind → where it is used (`Type.field`), over the given types. */
export function ruleKindsIn(types: readonly protobuf.Type[]): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (kind: string, where: string) => {
    const list = uses.get(kind) ?? [];
    list.push(where);
    uses.set(kind, list);
  };
  for (const type of types) {
    const name = type.fullName.replace(/^\./, '');
    const off = messageValidationOff(type);
    if (off) add(off, name);
    for (const key of validateOptionKeys(type))
      if (!KNOWN_MESSAGE_OPTIONS.has(key)) add(`message option ${key}`, name);
    for (const oneof of type.oneofsArray) {
      if (oneofRequired(oneof)) add('oneof.required', `${name}.${oneof.name}`);
      for (const key of validateOptionKeys(oneof))
        if (!KNOWN_ONEOF_OPTIONS.has(key)) add(`oneof option ${key}`, `${name}.${oneof.name}`);
    }
    for (const field of type.fieldsArray) {
      const where = `${name}.${field.name}`;
      const rules = fieldRules(field);
      if (rules) for (const kind of ruleKinds(rules)) add(kind, where);
      for (const key of validateOptionKeys(field))
        if (!KNOWN_FIELD_OPTIONS.has(key)) add(`field option ${key}`, where);
    }
  }
  return uses;
}

/** Kinds used but not implemented, with where each is used. */
export function unimplementedRuleKinds(types: readonly protobuf.Type[]): Map<string, string[]> {
  return new Map([...ruleKindsIn(types)].filter(([kind]) => !IMPLEMENTED_RULE_KINDS.has(kind)));
}

function patternsOf(rules: FieldRules, where: string, out: { where: string; pattern: string }[]): void {
  for (const [kind, set] of Object.entries(rules)) {
    if ((kind === 'string' || kind === 'bytes') && set.pattern !== undefined)
      out.push({ where, pattern: String(set.pattern) });
    for (const nested of ['items', 'keys', 'values']) {
      const inner = asFieldRules(set[nested]);
      if (inner) patternsOf(inner, where, out);
    }
  }
}

/** Every RE2 pattern rule in the given types, so a test can check each one translates. */
export function rulePatterns(types: readonly protobuf.Type[]): { where: string; pattern: string }[] {
  const out: { where: string; pattern: string }[] = [];
  for (const type of types) {
    for (const field of type.fieldsArray) {
      const rules = fieldRules(field);
      if (rules) patternsOf(rules, `${type.fullName.replace(/^\./, '')}.${field.name}`, out);
    }
  }
  return out;
}
