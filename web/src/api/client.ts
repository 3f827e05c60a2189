import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

/** The typed API client (types generated from the server's OpenAPI); the session cookie authenticates. */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });

export type Schemas = components['schemas'];
type Responses<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R } ? R : never;
/** The JSON body of an operation's success response (200 or 201). */
export type Ok<P extends keyof paths, M extends keyof paths[P]> =
  Responses<P, M> extends { 200: { content: { 'application/json': infer T } } } ? T
  : Responses<P, M> extends { 201: { content: { 'application/json': infer T } } } ? T
  : never;
export type Session = Ok<'/api/session', 'get'>;
export type RunReport = Ok<'/api/runs/{run}', 'get'>;
type Problem = { path: string; message: string; fix?: string };
export type ApiError = { error: { code: string; message: string; problems: Problem[] } };

/** The message of an API error body, for display. */
export function errorText(e: unknown): string {
  const err = (e as ApiError | undefined)?.error;
  if (!err) return String(e);
  const first = err.problems[0];
  return first?.fix ? `${err.message} (${first.fix})` : err.message;
}

/** Throws the API error body; returns the data otherwise. */
export function must<T>(res: { data?: T; error?: unknown }): T {
  if (res.error !== undefined || res.data === undefined) throw new Error(errorText(res.error));
  return res.data;
}
