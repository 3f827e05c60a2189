/** Common schedules; the raw field takes any 5-field cron expression (the server validates it). */
export const CRON_PRESETS: ReadonlyArray<{ label: string; cron: string }> = [
  { label: 'Run once now', cron: '' },
  { label: 'Every hour', cron: '0 * * * *' },
  { label: 'Every day at 00:00', cron: '0 0 * * *' },
  { label: 'Every Monday at 09:00', cron: '0 9 * * 1' },
  { label: 'First day of the month', cron: '0 0 1 * *' },
];

function timezones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  return intl.supportedValuesOf ? ['UTC', ...intl.supportedValuesOf('timeZone')] : ['UTC'];
}

/** The cron builder: presets that fill the raw cron field, and the timezone the schedule is read in. */
export function CronField({ cron, timezone, problem, onChange }: { cron: string; timezone: string; problem?: string; onChange: (v: { cron: string; timezone: string }) => void }) {
  return (
    <fieldset>
      <legend>Schedule</legend>
      <div className="presets" role="group" aria-label="schedule presets">
        {CRON_PRESETS.map((p) => (
          <button key={p.label} type="button" aria-pressed={cron === p.cron} onClick={() => onChange({ cron: p.cron, timezone })}>{p.label}</button>
        ))}
      </div>
      <label>Cron expression <input value={cron} onChange={(e) => onChange({ cron: e.target.value, timezone })} placeholder="empty: run once now" aria-describedby="job-cron-help" aria-invalid={problem ? true : undefined} /></label>
      <small id="job-cron-help">minute hour day-of-month month day-of-week, e.g. <code>*/15 * * * *</code></small>
      <label>Timezone <input list="job-timezones" value={timezone} onChange={(e) => onChange({ cron, timezone: e.target.value })} /></label>
      <datalist id="job-timezones">{timezones().map((z) => <option key={z} value={z} />)}</datalist>
    </fieldset>
  );
}
