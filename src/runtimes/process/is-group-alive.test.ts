import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { hasEnded, readProcStat } from '../../leases/proc-stat.ts';
import { isGroupAlive } from './is-group-alive.ts';

const T = { timeout: 30_000 };

/**
 * A group like an orphaned workload's: its leader (sh) has ended but is not reaped — its parent is
 * `sleep`, which never waits — while a member it started (`sleep 300`) runs on. Resolves with the
 * group's id and the member's pid.
 */
async function groupWithZombieLeader(): Promise<{ pgid: number; member: number; parent: number }> {
  // setsid: the background job is no group leader, so it becomes the leader of a new group at once.
  const parent = spawn('/bin/sh', ['-c', 'setsid /bin/sh -c \'sleep 300 & echo "$$ $!"; exit 0\' & exec sleep 300'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
  const [pgid, member] = line.toString().trim().split(' ').map(Number) as [number, number];
  for (let i = 0; i < 500 && readProcStat(pgid)?.state !== 'Z'; i++) await delay(10);
  return { pgid, member, parent: parent.pid! };
}

describe('isGroupAlive', () => {
  it('counts a live member of a group whose leader is an unreaped zombie; zombies alone are gone', T, async () => {
    const { pgid, member, parent } = await groupWithZombieLeader();
    try {
      assert.equal(readProcStat(pgid)?.state, 'Z', 'the leader is a zombie');
      assert.equal(readProcStat(member)?.pgrp, pgid, 'the member is in the group');
      assert.equal(isGroupAlive(pgid), true);
      process.kill(member, 'SIGKILL');
      // The member is gone (or a zombie of whoever adopted it); the leader stays a zombie.
      const ended = (): boolean => {
        const stat = readProcStat(member);
        return stat === undefined || hasEnded(stat);
      };
      for (let i = 0; i < 500 && !ended(); i++) await delay(10);
      assert.equal(readProcStat(pgid)?.state, 'Z');
      assert.equal(isGroupAlive(pgid), false);
    } finally {
      for (const pid of [member, parent]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    }
  });
});
