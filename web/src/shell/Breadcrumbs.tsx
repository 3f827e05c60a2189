import { href } from '../use-hash-route.ts';

const SECTION_NAMES: Record<string, string> = { pipelines: 'Pipelines', runs: 'Runs', jobs: 'Jobs', services: 'Services', environments: 'Environments', settings: 'Settings', tokens: 'Tokens', webhooks: 'Webhooks', instances: 'Instances' };

/** Where you are: Projects › project › section › item, each a link but the last (the current page). */
export function Breadcrumbs({ route }: { route: string[] }) {
  const [section, project, kind, ...rest] = route;
  const crumbs: Array<[string, string]> = [];
  if (section === 'settings') {
    crumbs.push(['Settings', href('settings')]);
    if (project) crumbs.push([SECTION_NAMES[project] ?? project, href('settings', project)]);
  } else {
    crumbs.push(['Projects', href()]);
    if (section === 'projects' && project) {
      crumbs.push([project, href('projects', project)]);
      const k = kind ?? 'pipelines';
      crumbs.push([SECTION_NAMES[k] ?? k, href('projects', project, k)]);
      if (rest.length > 0) crumbs.push([k === 'runs' ? `${rest[0]!.slice(0, 8)}${rest[1] === 'compare' && rest[2] ? ` vs ${rest[2].slice(0, 8)}` : ''}` : rest.join('/'), href('projects', project, k, ...rest)]);
    }
  }
  return (
    <nav className="crumbs" aria-label="breadcrumb">
      <ol>
        {crumbs.map(([label, to], i) => (
          <li key={to}>{i === crumbs.length - 1 ? <span aria-current="page">{label}</span> : <a href={to}>{label}</a>}</li>
        ))}
      </ol>
    </nav>
  );
}
