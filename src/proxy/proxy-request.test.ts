import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceHostAlias } from '../core/service-host-alias.ts';
import { JUPYTER_SERVICE, serviceHostname } from '../core/session-naming.ts';
import { localPath, MAX_HOST_LABEL, parseHostUrl, parseProxyUrl, rewriteLocation, scopeSetCookies, serviceHostLabel, serviceResponseHeaders, upstreamHeaders, upstreamPath } from './proxy-request.ts';

describe('proxy request rewriting (pure)', () => {
  it('parses a service URL and removes only the token parameter', () => {
    assert.deepEqual(parseProxyUrl('/api/projects/my%20proj/services/web/8080/a/b%2Fc?x=1&berth_token=s3cr%2Bt&y=a+b'), {
      project: 'my proj', name: 'web', port: 8080, prefix: '/api/projects/my%20proj/services/web/8080', rest: '/a/b%2Fc', query: '?x=1&y=a+b', queryToken: 's3cr+t',
    });
    assert.equal(parseProxyUrl('/api/projects/p/services/web/x/'), null);
    assert.equal(parseProxyUrl('/api/projects/p/services/web/8080')?.rest, '');
  });

  it('keeps or strips the prefix', () => {
    const u = parseProxyUrl('/api/projects/p/services/web/80/x?q=1')!;
    assert.equal(upstreamPath(u, true), '/api/projects/p/services/web/80/x?q=1');
    assert.equal(upstreamPath(u, false), '/x?q=1');
  });

  it('drops Bearer authorization and the Berth cookie, and sets X-Forwarded-* instead of appending', () => {
    const out = upstreamHeaders(
      { authorization: 'Bearer abc', cookie: 'berth_token=abc; a=1', 'x-forwarded-for': '1.2.3.4', forwarded: 'for=1.2.3.4', host: 'h' },
      { ip: '10.0.0.1', proto: 'https', host: 'h', prefix: '/p' },
    );
    assert.deepEqual(out, { cookie: 'a=1', host: 'h', 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'h', 'x-forwarded-prefix': '/p', 'x-berth-hops': '1' });
    assert.equal(upstreamHeaders({ authorization: 'Basic dTpw' }, { ip: '', proto: 'http', host: undefined, prefix: '' }).authorization, 'Basic dTpw');
    for (const sent of ['Bearer berth-token', 'token guessed', undefined]) {
      assert.equal(upstreamHeaders({ authorization: sent }, { ip: '', proto: 'http', host: undefined, prefix: '' }, 'token upstream').authorization, 'token upstream', "Berth's upstream credential replaces the caller's");
    }
  });

  it('removes hop-by-hop headers in the same pass, never letting Connection name away what Berth sets or strips', () => {
    const seen = { ip: '10.0.0.1', proto: 'http', host: 'h', prefix: '' };
    const out = upstreamHeaders(
      { connection: 'keep-alive, x-berth-hops, x-forwarded-for, x-custom', 'keep-alive': 'timeout=5', te: 'trailers', upgrade: 'h2c', 'x-custom': '1', 'x-berth-hops': '2', 'x-berth-forward': 'sig', forwarded: 'for=x', authorization: 'Bearer t', cookie: 'berth_service_session=s', accept: '*/*' },
      seen,
      undefined,
      { withoutHopByHop: true },
    );
    assert.deepEqual(out, { accept: '*/*', 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'h', 'x-forwarded-prefix': '', 'x-berth-hops': '3' }, 'the hop count comes from what the client sent, named in Connection or not');
    assert.equal(upstreamHeaders({ connection: 'authorization', authorization: 'Basic dTpw' }, seen, undefined, { withoutHopByHop: true }).authorization, undefined);
    assert.equal(upstreamHeaders({ connection: 'authorization', authorization: 'Basic dTpw' }, seen, 'token upstream', { withoutHopByHop: true }).authorization, 'token upstream');
    assert.equal(upstreamHeaders({ connection: 'Upgrade', upgrade: 'websocket' }, seen).upgrade, 'websocket', 'a websocket handshake keeps them');
  });

  it("scopes a service's response headers and removes hop-by-hop ones when asked", () => {
    const got = { connection: 'keep-alive, x-internal', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'x-internal': '1', 'clear-site-data': '"*"', 'set-cookie': ['a=1; Path=/', 'berth_token=x; Path=/'], 'content-type': 'text/plain' };
    assert.deepEqual(serviceResponseHeaders(got, '/p', { withoutHopByHop: true }), { 'content-type': 'text/plain', 'set-cookie': ['a=1; Path=/p/'] });
    assert.deepEqual(serviceResponseHeaders(got, '', { withoutHopByHop: true }), { 'clear-site-data': '"*"', 'content-type': 'text/plain', 'set-cookie': ['a=1; Path=/'] });
    assert.equal(serviceResponseHeaders(got, '').connection, 'keep-alive, x-internal');
  });

  it('points redirects of a prefix-stripping service back under the prefix', () => {
    const up = { host: '127.0.0.1', port: 8080 };
    assert.equal(rewriteLocation('/login?next=1', '/svc', up), '/svc/login?next=1');
    assert.equal(rewriteLocation('http://127.0.0.1:8080/x', '/svc', up), '/svc/x');
    assert.equal(rewriteLocation('https://example.org/x', '/svc', up), 'https://example.org/x');
    assert.equal(rewriteLocation('next', '/svc', up), 'next');
  });

  it('reads service hosts of the services domain and nothing else', () => {
    assert.deepEqual(parseHostUrl('Web--Proj.Svc.Example.org:8443', '/a?berth_token=t&b=1', 'svc.example.org'), {
      project: 'proj', name: 'web', port: 0, prefix: '', rest: '/a', query: '?b=1', queryToken: 't',
    });
    assert.equal(parseHostUrl('web--proj--8080.svc.example.org', '/', 'svc.example.org')?.port, 8080);
    for (const host of ['svc.example.org', 'web.svc.example.org', 'a--b--c--d.svc.example.org', 'web--proj.evil.org', 'x.web--proj.svc.example.org', undefined]) {
      assert.equal(parseHostUrl(host, '/', 'svc.example.org'), null, String(host));
    }
    for (const host of ['web--proj--0x50.svc.example.org', 'web--proj--080.svc.example.org', 'web--proj--1e3.svc.example.org', 'web--proj--70000.svc.example.org', 'w%65b--proj.svc.example.org', 'web--a/b.svc.example.org', 'web---proj.svc.example.org', '-web--proj.svc.example.org']) {
      assert.equal(parseHostUrl(host, '/', 'svc.example.org'), null, `${host}: not the canonical form`);
    }
    assert.equal(parseHostUrl('web--proj.svc.example.org', '/api/projects#x', 'svc.example.org')?.rest, '/api/projects', 'a "#" ends the target');
  });

  it('keeps redirects to a path of the request on the same origin', () => {
    assert.equal(rewriteLocation('http://127.0.0.1:8080//evil.example/x', '', { host: '127.0.0.1', port: 8080 }), '/evil.example/x', "a service's absolute self-redirect on its own host");
    assert.equal(rewriteLocation('http://127.0.0.1:8080//evil.example/x', '/api/projects/p/services/s/80', { host: '127.0.0.1', port: 8080 }), '/api/projects/p/services/s/80//evil.example/x');
    for (const [path, local] of [['//evil.example/x', '/evil.example/x'], ['/\\evil.example', '/evil.example'], ['/\\/x', '/x'], ['/a//b', '/a//b'], ['/', '/']]) assert.equal(localPath(path!), local);
  });

  it("scopes a path-routed service's cookies under its prefix and drops Berth's", () => {
    const p = '/api/projects/p/services/s/80';
    assert.deepEqual(scopeSetCookies(['berth_token=x; Path=/', ' berth_service_session=y', 'a=1; Path=/; Domain=example.org; HttpOnly', `b=2; path=${p}/x`, 'c=3', `d=4; Path=${p}x`], p), [
      `a=1; HttpOnly; Path=${p}/`, `b=2; Path=${p}/x`, `c=3; Path=${p}/`, `d=4; Path=${p}/`,
    ]);
    assert.deepEqual(scopeSetCookies(undefined, p), []);
  });

  it('gives every service a host label of at most 63 characters, the canonical one when it fits (issue 16)', () => {
    const uuid = '868bed50-ed47-464d-9c2e-0123456789ab';
    const projects = [{ name: 'p', uuid }, { name: 'a'.repeat(63), uuid }, { name: 'Not_Host_Safe', uuid }, { name: 'x'.repeat(20), uuid }];
    const names = ['web', 'a'.repeat(26), serviceHostname(JUPYTER_SERVICE, uuid), serviceHostname('a'.repeat(26), uuid), 'Upper_Case', 'trailing-'];
    for (const project of projects) {
      for (const name of names) {
        for (const port of [1, 8888, 65535]) {
          const label = serviceHostLabel({ name, project, port }) ?? serviceHostAlias(project.uuid, name, port);
          assert.ok(label.length <= MAX_HOST_LABEL, `${label} (${label.length})`);
          const parsed = parseHostUrl(`${label}.svc.example.org`, '/x', 'svc.example.org');
          assert.ok(parsed, `${label} is read back as a service host`);
          if (parsed.alias === undefined) assert.deepEqual([parsed.name, parsed.port], [name, port]);
          else assert.equal(parsed.alias, label);
        }
      }
    }
    assert.equal(serviceHostLabel({ name: 'web', project: { name: 'p', uuid }, port: 80 }), 'web--p--80', 'short names keep their readable form (old links work)');
    assert.equal(serviceHostLabel({ name: serviceHostname(JUPYTER_SERVICE, uuid), project: { name: 'demo2', uuid }, port: 36103 }), null, "a session's Jupyter in project demo2: 64 characters, too long");
  });

  it('derives short host labels stably from project uuid, service and port, and reads only their exact form', () => {
    const a = serviceHostAlias('u1', 'berth-jupyter-x', 8888);
    assert.match(a, /^s-[a-z2-7]{26}$/);
    assert.equal(serviceHostAlias('u1', 'berth-jupyter-x', 8888), a);
    assert.notEqual(serviceHostAlias('u2', 'berth-jupyter-x', 8888), a);
    assert.notEqual(serviceHostAlias('u1', 'berth-jupyter-x', 8889), a);
    assert.notEqual(serviceHostAlias('u1', 'berth-jupyter-x', 8888, 1), a, 'the next candidate after a collision');
    assert.deepEqual(parseHostUrl(`${a.toUpperCase()}.svc.example.org:8443`, '/lab?x=1', 'svc.example.org'), {
      project: a, name: a, port: 0, prefix: '', rest: '/lab', query: '?x=1', queryToken: undefined, alias: a,
    });
    for (const host of [`${a}x.svc.example.org`, `${a.slice(0, -1)}.svc.example.org`, `${a.slice(0, -1)}1.svc.example.org`, `x.${a}.svc.example.org`]) {
      assert.equal(parseHostUrl(host, '/', 'svc.example.org'), null, host);
    }
  });
});
