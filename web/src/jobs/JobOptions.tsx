/** The job's environment variables (NAME=value lines) and how many of its pipeline runs are kept. */
export function JobOptions({ env, retention, onChange }: { env: string; retention: string; onChange: (v: { env?: string; retention?: string }) => void }) {
  return (
    <fieldset>
      <legend>Run options</legend>
      <label htmlFor="job-env">Environment variables</label>
      <textarea id="job-env" rows={3} value={env} onChange={(e) => onChange({ env: e.target.value })} placeholder="NAME=value, one per line" aria-describedby="job-env-help" />
      <small id="job-env-help">Given to every step of the job's runs.</small>
      <label>Pipeline runs to keep <input type="number" min={-1} step={1} value={retention} onChange={(e) => onChange({ retention: e.target.value })} aria-describedby="job-retention-help" /></label>
      <small id="job-retention-help">-1 keeps every run; N keeps the newest N and removes older ones with their outputs.</small>
    </fieldset>
  );
}
