// Who is calling, from the Node of a stream's first request: the id, the user agent (name and
// version: the client's profile) and the metadata Struct turned into plain JSON, which is all
// proxyFromNode reads.
import type { Locality, NodeInfo } from '../../model/proxy.js';
import type { NodeObject, StructObject, ValueObject } from './ads-service.js';

/** The node's NodeInfo, or undefined when it has no id (such a stream cannot be served). */
export function nodeInfoFromNode(node: NodeObject | undefined): NodeInfo | undefined {
  if (!node?.id) return undefined;
  const version = node.user_agent_build_version?.version;
  const buildVersion = version
    ? { major: version.major_number ?? 0, minor: version.minor_number ?? 0, patch: version.patch ?? 0 }
    : undefined;
  return {
    id: node.id,
    ...(node.metadata ? { metadata: structToJson(node.metadata) } : {}),
    ...(node.user_agent_name ? { userAgentName: node.user_agent_name } : {}),
    ...(node.user_agent_version ? { userAgentVersion: node.user_agent_version } : {}),
    ...(buildVersion ? { userAgentBuildVersion: buildVersion } : {}),
    ...(node.client_features?.length ? { clientFeatures: node.client_features } : {}),
    ...(node.locality ? { locality: localityOf(node.locality) } : {}),
  };
}

function localityOf(locality: NonNullable<NodeObject['locality']>): Locality {
  return {
    ...(locality.region ? { region: locality.region } : {}),
    ...(locality.zone ? { zone: locality.zone } : {}),
    ...(locality.sub_zone ? { subZone: locality.sub_zone } : {}),
  };
}

export function structToJson(struct: StructObject): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(struct.fields ?? {})) json[key] = valueToJson(value);
  return json;
}

function valueToJson(value: ValueObject): unknown {
  if (!value.kind) return null;
  const member = value[value.kind];
  // protobufjs names these members in camelCase; accept snake_case too should the protos be loaded that way.
  switch (value.kind.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())) {
    case 'numberValue':
    case 'stringValue':
    case 'boolValue':
      return member;
    case 'structValue':
      return structToJson(member as StructObject);
    case 'listValue':
      return ((member as { values?: readonly ValueObject[] }).values ?? []).map(valueToJson);
    default:
      return null;
  }
}
