import { stringify } from 'yaml';

/** Objects as one multi-document YAML stream (`kubectl apply -f -` reads it), after a comment header. */
export function kubeYaml(objects: object[], header: string[] = []): string {
  const comments = header.map((line) => `# ${line}\n`).join('');
  return comments + objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}
