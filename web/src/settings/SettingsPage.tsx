import { GitSettings } from '../git/GitSettings.tsx';
import { InstancesPage } from '../instances/InstancesPage.tsx';
import { href } from '../use-hash-route.ts';
import { WebhooksPage } from '../webhooks/WebhooksPage.tsx';
import { TokensPage } from './TokensPage.tsx';

const TABS: Array<[string, string]> = [['tokens', 'Tokens'], ['webhooks', 'Webhooks'], ['instances', 'Instances'], ['git', 'Git']];

/** Server settings, apart from the projects (admin): project tokens, webhooks, instances, the token's git identity and SSH keys. */
export function SettingsPage({ tab }: { tab: string }) {
  const current = TABS.some(([t]) => t === tab) ? tab : 'tokens';
  return (
    <div className="settings">
      <nav className="tabs page-tabs" aria-label="settings sections">
        {TABS.map(([t, label]) => <a key={t} href={href('settings', t)} aria-current={t === current ? 'page' : undefined}>{label}</a>)}
      </nav>
      {current === 'webhooks' ? <WebhooksPage /> : current === 'instances' ? <InstancesPage /> : current === 'git' ? <GitSettings /> : <TokensPage />}
    </div>
  );
}
