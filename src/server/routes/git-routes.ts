import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { closeProjectFolder } from '../../projects/close-project-folder.ts';
import { errorResponses, Nullable, Project } from '../api-schemas.ts';
import type { ServerContext } from '../server-context.ts';

const Identity = Type.Object({ name: Type.String(), email: Type.String(), updated_at: Type.String() });
const KeyInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  fingerprint: Type.String({ description: 'SHA256:<base64>, as ssh-keygen -l prints it' }),
  type: Type.String(),
  public_key: Type.String(),
  created_at: Type.String(),
});

const KnownHostInfo = Type.Object({
  id: Type.String(),
  host: Type.String({ description: 'as known_hosts writes it: "name", or "[name]:port" off port 22' }),
  type: Type.String(),
  fingerprint: Type.String({ description: 'SHA256:<base64>, as ssh-keygen -l prints it' }),
  public_key: Type.String({ description: '"type base64"' }),
  created_at: Type.String(),
});

/**
 * Git as Orchest had it: every token holder's own git identity and SSH keys (private keys are
 * accepted, sealed, and never returned: only fingerprints and public keys), and project import by
 * `git clone` with those keys (admin: it creates a project).
 */
export async function gitRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['git'];
  const config = { auth: 'token' as const };
  app.get('/api/git/identity', {
    config,
    schema: { summary: "This token's git identity (null when unset)", tags, response: { 200: Type.Object({ identity: Type.Union([Identity, Type.Null()]) }), ...errorResponses } },
  }, async (request) => ({ identity: await ctx.engine.git.identity(request.principal!.tokenId) }));
  app.put('/api/git/identity', {
    config,
    schema: { summary: "Set this token's git identity (shells get it as GIT_AUTHOR_* / GIT_COMMITTER_*)", tags, body: Type.Object({ name: Type.String({ maxLength: 200 }), email: Type.String({ maxLength: 254 }) }, { additionalProperties: false }), response: { 200: Identity, ...errorResponses } },
  }, async (request) => ctx.engine.git.setIdentity(request.principal!.tokenId, request.body));
  app.get('/api/git/keys', {
    config,
    schema: { summary: "This token's SSH keys for git (fingerprints and public keys only)", tags, response: { 200: Type.Object({ keys: Type.Array(KeyInfo) }), ...errorResponses } },
  }, async (request) => ({ keys: await ctx.engine.git.listKeys(request.principal!.tokenId) }));
  app.post('/api/git/keys', {
    config,
    schema: {
      summary: 'Store an SSH private key (unencrypted, OpenSSH or PEM) for git: sealed at rest, never returned',
      tags,
      body: Type.Object({ name: Type.String({ maxLength: 64 }), private_key: Type.String({ maxLength: 16384 }) }, { additionalProperties: false }),
      response: { 201: KeyInfo, ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(await ctx.engine.git.addKey(request.principal!.tokenId, request.body)));
  app.delete('/api/git/keys/:key', {
    config,
    schema: { summary: 'Remove one of this token\'s SSH keys (by id or name)', tags, params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await ctx.engine.git.removeKey(request.principal!.tokenId, request.params.key);
    return reply.status(204).send(null);
  });
  app.get('/api/git/known-hosts', {
    config,
    schema: { summary: "The SSH host keys this token's git trusts (first seen on an import, or added)", tags, response: { 200: Type.Object({ known_hosts: Type.Array(KnownHostInfo) }), ...errorResponses } },
  }, async (request) => ({ known_hosts: await ctx.engine.git.knownHosts.list(request.principal!.tokenId) }));
  app.post('/api/git/known-hosts', {
    config,
    schema: {
      summary: 'Trust an SSH host key for git (a line of ssh-keyscan HOST without its host); the same key again changes nothing, another key of its type is 409',
      tags,
      body: Type.Object({ host: Type.String({ maxLength: 300 }), key: Type.String({ maxLength: 16384 }) }, { additionalProperties: false }),
      response: { 201: KnownHostInfo, ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(await ctx.engine.git.knownHosts.add(request.principal!.tokenId, request.body)));
  app.delete('/api/git/known-hosts/:host', {
    config,
    schema: { summary: "Forget every key this token trusts for a host (e.g. [git.example.com]:2222)", tags, params: Type.Object({ host: Type.String({ minLength: 1, maxLength: 300 }) }), response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    await ctx.engine.git.knownHosts.remove(request.principal!.tokenId, request.params.host);
    return reply.status(204).send(null);
  });
  app.post('/api/projects/import', {
    config: { auth: 'admin' },
    schema: {
      summary: "Import a project from git: clone URL (with this token's SSH keys) into BERTH_HOME/projects/<name> and register it",
      tags: ['projects', ...tags],
      body: Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048 }), name: Type.Optional(Nullable(Type.String({ maxLength: 63 }))) }, { additionalProperties: false }),
      response: { 201: Project, ...errorResponses },
    },
  }, async (request, reply) => {
    const project = await ctx.engine.importProject({ url: request.body.url, name: request.body.name ?? undefined, holder: request.principal!.tokenId });
    if (ctx.hostPolicy === 'workload-user') closeProjectFolder(project.path);
    return reply.status(201).send(project);
  });
}
