import * as k8s from '@kubernetes/client-node';

interface TypedObject {
  apiVersion?: string;
  kind?: string;
}

type AttributeTypeMap = Array<{ name: string; baseName: string; type: string }>;

/**
 * Validates a Kubernetes object twice: against the Kubernetes OpenAPI schema (the kubernetes-models
 * package's validators: types, required fields, formats, enums), and for unknown fields against
 * the OpenAPI-generated models of @kubernetes/client-node (what `kubectl --validate=strict` rejects,
 * and the OpenAPI JSON schemas allow). Throws naming every problem.
 */
export async function validateKubeObject(object: TypedObject): Promise<void> {
  const { apiVersion, kind } = object;
  if (!apiVersion || !kind) throw new Error(`object without apiVersion/kind: ${JSON.stringify(object).slice(0, 200)}`);
  const models = (await import(`kubernetes-models/${apiVersion}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[kind];
  if (!Model) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  new Model(object).validate();
  const version = apiVersion.split('/').pop()!;
  const typeName = `${version[0]!.toUpperCase()}${version.slice(1)}${kind}`;
  const unknown: string[] = [];
  walk(object, typeName, kind, unknown);
  if (unknown.length > 0) throw new Error(`${apiVersion} ${kind} has fields its schema does not know: ${unknown.join(', ')}`);
}

function walk(value: unknown, type: string, path: string, unknown: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    (value as unknown[]).forEach((item, i) => walk(item, array[1]!, `${path}[${i}]`, unknown));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) walk(item, map[1]!, `${path}.${key}`, unknown);
    return;
  }
  const model = (k8s as unknown as Record<string, { attributeTypeMap?: AttributeTypeMap } | undefined>)[type];
  if (!model?.attributeTypeMap || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const attribute = model.attributeTypeMap.find((a) => a.baseName === key);
    if (!attribute) unknown.push(`${path}.${key}`);
    else walk(item, attribute.type, `${path}.${key}`, unknown);
  }
}
