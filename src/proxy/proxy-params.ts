import { Type } from 'typebox';

/** The path parameters of a proxied service route: `/api/projects/{project}/services/{name}/{port}/…`. */
export const ProxyParams = Type.Object({
  project: Type.String({ minLength: 1, maxLength: 100, description: 'project name or uuid' }),
  name: Type.String({ minLength: 1, maxLength: 63 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
});
