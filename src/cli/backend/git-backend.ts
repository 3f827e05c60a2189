import type { Engine } from '../../engine/engine.ts';
import { LOCAL_HOLDER, type GitIdentity, type GitKeyInfo } from '../../projects/git-credentials.ts';
import type { KnownHost } from '../../projects/git-known-hosts.ts';
import type { Project } from '../../store/project-repository.ts';
import type { HttpClient } from './http-client.ts';

/** `berth git` and `berth project import`: the same operations in-process (holder "local") and over the REST API (the token's own). */
export interface GitBackend {
  identity(): Promise<GitIdentity | null>;
  setIdentity(name: string, email: string): Promise<GitIdentity>;
  keys(): Promise<GitKeyInfo[]>;
  addKey(name: string, privateKey: string): Promise<GitKeyInfo>;
  removeKey(ref: string): Promise<void>;
  importProject(url: string, name?: string): Promise<Project>;
  knownHosts(): Promise<KnownHost[]>;
  addKnownHost(host: string, key: string): Promise<KnownHost>;
  removeKnownHost(host: string): Promise<void>;
}

export function localGit(engine: Engine): GitBackend {
  return {
    identity: () => engine.git.identity(LOCAL_HOLDER),
    setIdentity: (name, email) => engine.git.setIdentity(LOCAL_HOLDER, { name, email }),
    keys: () => engine.git.listKeys(LOCAL_HOLDER),
    addKey: (name, privateKey) => engine.git.addKey(LOCAL_HOLDER, { name, private_key: privateKey }),
    removeKey: (ref) => engine.git.removeKey(LOCAL_HOLDER, ref),
    importProject: (url, name) => engine.importProject({ url, name, holder: LOCAL_HOLDER }),
    knownHosts: () => engine.git.knownHosts.list(LOCAL_HOLDER),
    addKnownHost: (host, key) => engine.git.knownHosts.add(LOCAL_HOLDER, { host, key }),
    removeKnownHost: async (host) => void (await engine.git.knownHosts.remove(LOCAL_HOLDER, host)),
  };
}

export function remoteGit(http: HttpClient): GitBackend {
  return {
    identity: async () => (await http.json<{ identity: GitIdentity | null }>('GET', '/api/git/identity')).identity,
    setIdentity: (name, email) => http.json('PUT', '/api/git/identity', { name, email }),
    keys: async () => (await http.json<{ keys: GitKeyInfo[] }>('GET', '/api/git/keys')).keys,
    addKey: (name, privateKey) => http.json('POST', '/api/git/keys', { name, private_key: privateKey }),
    removeKey: async (ref) => void (await http.json('DELETE', `/api/git/keys/${encodeURIComponent(ref)}`)),
    importProject: (url, name) => http.json('POST', '/api/projects/import', { url, ...(name === undefined ? {} : { name }) }),
    knownHosts: async () => (await http.json<{ known_hosts: KnownHost[] }>('GET', '/api/git/known-hosts')).known_hosts,
    addKnownHost: (host, key) => http.json('POST', '/api/git/known-hosts', { host, key }),
    removeKnownHost: async (host) => void (await http.json('DELETE', `/api/git/known-hosts/${encodeURIComponent(host)}`)),
  };
}
