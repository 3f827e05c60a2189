import { useEffect, useState } from 'react';
import { jsonPath } from '../../../src/core/json-path.ts';
import { SERVICE_SCOPES, type ServiceDefinition, type ServiceScope } from '../../../src/core/pipeline-types.ts';
import { api, errorText, type Ok } from '../api/client.ts';
import { JsonObjectField } from './JsonObjectField.tsx';
import { ListField } from './ListField.tsx';

type Problem = { path: string; message: string; fix?: string };
type Template = Ok<'/api/projects/{project}/service-templates', 'get'>['templates'][number];
type TextField = 'name' | 'image' | 'command' | 'args';
const TEXT_FIELDS: Array<[TextField, string]> = [['name', 'Name'], ['image', 'Image'], ['command', 'Command'], ['args', 'Arguments']];
const FLAGS: Array<['exposed' | 'requires_authentication', string]> = [['exposed', 'Exposed (reachable through the proxy)'], ['requires_authentication', 'Requires authentication']];

/**
 * The pipeline's session services: add one from a built-in template in one click, edit the fields
 * Orchest's format has, remove; every field shows the validator's message for it.
 */
export function ServicesEditor({ project, services, problems, onAdd, onChange, onRemove }: {
  project: string;
  services: Record<string, ServiceDefinition>;
  problems: Problem[];
  onAdd: (definition: ServiceDefinition) => void;
  onChange: (key: string, patch: Partial<ServiceDefinition>) => void;
  onRemove: (key: string) => void;
}) {
  const [templates, setTemplates] = useState<Template[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    void api.GET('/api/projects/{project}/service-templates', { params: { path: { project } } }).then((r) => (r.data ? setTemplates(r.data.templates) : setError(errorText(r.error))));
  }, [project]);
  return (
    <section aria-label="services">
      <h3>Services</h3>
      <div className="template-buttons" role="group" aria-label="add a service from a template">
        {templates.map((t) => (
          <button key={t.name} type="button" title={t.description} onClick={() => onAdd(t.definition as unknown as ServiceDefinition)}>Add {t.name}</button>
        ))}
        <button type="button" onClick={() => onAdd({ name: 'service', image: '', ports: [], exposed: false, requires_authentication: true, scope: ['interactive'] })}>Add empty service</button>
      </div>
      {Object.keys(services).length === 0 && <p className="help">No session services in this pipeline.</p>}
      {/* Keyed by position so renaming (which changes the key) keeps the field's focus. */}
      {Object.entries(services).map(([key, s], i) => <ServiceFields key={i} serviceKey={key} service={s} problems={problems} onChange={(patch) => onChange(key, patch)} onRemove={() => onRemove(key)} />)}
      {error && <p role="alert" className="error">{error}</p>}
    </section>
  );
}

function ServiceFields({ serviceKey, service, problems, onChange, onRemove }: { serviceKey: string; service: ServiceDefinition; problems: Problem[]; onChange: (patch: Partial<ServiceDefinition>) => void; onRemove: () => void }) {
  const base = (field: string) => jsonPath('services', serviceKey, field);
  const messages = (field: string) => problems.filter((p) => p.path === base(field) || p.path.startsWith(`${base(field)}.`) || p.path.startsWith(`${base(field)}[`)).map((p) => `${p.message}${p.fix ? ` — ${p.fix}` : ''}`).join('; ');
  const id = (field: string) => `service-${serviceKey.replace(/[^A-Za-z0-9_-]/g, '_')}-${field}`;
  const scope = new Set(service.scope ?? []);
  const toggleScope = (s: ServiceScope, on: boolean) => onChange({ scope: SERVICE_SCOPES.filter((x) => (x === s ? on : scope.has(x))) });
  const scopeError = messages('scope');
  return (
    <fieldset className="service-fields" aria-label={`Service ${serviceKey}`}>
      <legend>{serviceKey}</legend>
      {TEXT_FIELDS.map(([field, label]) => {
        const error = messages(field);
        const value = service[field];
        return (
          <div className="field" key={field}>
            <label htmlFor={id(field)}>{label}</label>
            <input
              id={id(field)}
              value={typeof value === 'string' ? value : ''}
              onChange={(e) => onChange({ [field]: e.target.value === '' && (field === 'command' || field === 'args') ? undefined : e.target.value })}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id(field)}-error` : undefined}
            />
            {error && <p id={`${id(field)}-error`} className="error field-error" role="alert">{error}</p>}
          </div>
        );
      })}
      <ListField id={id('ports')} label="Ports (comma-separated)" value={service.ports ?? []} problem={messages('ports')} onChange={(ports) => onChange({ ports: ports as number[] })} />
      <JsonObjectField id={id('env_variables')} label="Environment variables (JSON)" value={service.env_variables ?? {}} problem={messages('env_variables')} onChange={(env) => onChange({ env_variables: Object.keys(env).length ? (env as Record<string, string>) : undefined })} />
      <div className="field" role="group" aria-label={`Scope of ${serviceKey}`} aria-describedby={scopeError ? `${id('scope')}-error` : undefined}>
        <span>Scope</span>
        {SERVICE_SCOPES.map((s) => (
          <label key={s} className="check"><input type="checkbox" checked={scope.has(s)} onChange={(e) => toggleScope(s, e.target.checked)} /> {s}</label>
        ))}
        {scopeError && <p id={`${id('scope')}-error`} className="error field-error" role="alert">{scopeError}</p>}
      </div>
      {FLAGS.map(([field, label]) => {
        const error = messages(field);
        return (
          <div className="field" key={field}>
            <label className="check"><input type="checkbox" checked={service[field] === true} onChange={(e) => onChange({ [field]: e.target.checked })} /> {label}</label>
            {error && <p className="error field-error" role="alert">{error}</p>}
          </div>
        );
      })}
      <div className="actions"><button type="button" className="danger" onClick={onRemove}>Remove service {serviceKey}</button></div>
    </fieldset>
  );
}
