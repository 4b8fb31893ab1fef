import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { re2Problem } from '../../re2.js';
import { envoyType } from './proto-root.js';
import {
  IMPLEMENTED_RULE_KINDS,
  reachableTypes,
  ruleKindsIn,
  rulePatterns,
  unimplementedRuleKinds,
  VALIDATED_ROOTS,
} from './rule-coverage.js';
import { testProtoRoot } from './test-proto-root.js';

const envoyTypes = () => reachableTypes(VALIDATED_ROOTS.map(envoyType));

describe('PGV rule coverage', () => {
  it('implements every rule kind used by the messages Trellis sends', () => {
    const missing = [...unimplementedRuleKinds(envoyTypes())].map(
      ([kind, where]) => `${kind} (e.g. ${where.slice(0, 3).join(', ')})`,
    );
    expect(missing).toEqual([]);
  });

  it('finds the rule kinds Envoy is known to use, so the walk itself is not vacuous', () => {
    const kinds = ruleKindsIn(envoyTypes());
    for (const kind of [
      'string.min_len',
      'string.well_known_regex',
      'repeated.items',
      'message.required',
      'oneof.required',
      'duration.gt',
      'any.required',
      'enum.defined_only',
    ]) {
      expect(kinds.has(kind), kind).toBe(true);
    }
    expect(envoyTypes().length).toBeGreaterThan(250);
  });

  it('can evaluate every RE2 pattern those messages use', () => {
    const patterns = rulePatterns(envoyTypes());
    expect(patterns.length).toBeGreaterThan(0);
    const broken = patterns.filter((p) => re2Problem(p.pattern) !== undefined);
    expect(broken).toEqual([]);
  });

  it('has a test case in testdata/pgv-cases.proto for every implemented rule kind', () => {
    const ns = testProtoRoot().lookup('trellis.test.pgv');
    const types =
      ns instanceof protobuf.Namespace ? ns.nestedArray.filter((t) => t instanceof protobuf.Type) : [];
    const covered = ruleKindsIn(types);
    expect([...IMPLEMENTED_RULE_KINDS].filter((k) => !covered.has(k))).toEqual([]);
  });

  it('reports a rule kind the checker does not know', () => {
    const root = protobuf.parse(
      `syntax = "proto3"; package t;
       message M { string s = 1 [(validate.rules).string.shiny = true, (validate.frobnicate) = true]; }`,
      { keepCase: true },
    ).root;
    root.resolveAll();
    expect([...unimplementedRuleKinds([root.lookupType('t.M')]).keys()]).toEqual([
      'string.shiny',
      'field option (validate.frobnicate)',
    ]);
  });
});
