import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchUp, checkCron, nextTick } from './job-schedule.ts';

describe('job schedules (croner)', () => {
  it('computes the next tick in the job timezone, across a DST change', () => {
    // 03:00 in Paris: 02:00 UTC in winter, 01:00 UTC in summer (DST starts 2026-03-29).
    assert.equal(nextTick('0 3 * * *', 'Europe/Paris', new Date('2026-03-27T12:00:00Z'))!.toISOString(), '2026-03-28T02:00:00.000Z');
    assert.equal(nextTick('0 3 * * *', 'Europe/Paris', new Date('2026-03-29T12:00:00Z'))!.toISOString(), '2026-03-30T01:00:00.000Z');
    assert.equal(nextTick('*/15 * * * *', 'UTC', new Date('2026-01-01T10:07:00Z'))!.toISOString(), '2026-01-01T10:15:00.000Z');
  });

  it('missed ticks fold into one catch-up run and the next tick is after now', () => {
    const due = new Date('2026-01-01T10:00:00Z');
    const plan = catchUp('0 * * * *', 'UTC', due, new Date('2026-01-01T15:30:00Z'));
    assert.equal(plan.missed, 5);
    assert.equal(plan.next!.toISOString(), '2026-01-01T16:00:00.000Z');
    assert.equal(catchUp('0 * * * *', 'UTC', due, new Date('2026-01-01T10:00:05Z')).missed, 0);
    assert.equal(catchUp('* * * * *', 'UTC', due, new Date('2027-01-01T00:00:00Z'), 50).missed, 50, 'counting is capped');
  });

  it('rejects bad expressions and unknown timezones with a fix', () => {
    assert.equal(checkCron('0 * * * *', 'UTC').ok, true);
    const bad = checkCron('61 * * * *', 'UTC');
    assert.ok(!bad.ok && /not a cron expression/.test(bad.message));
    const tz = checkCron('0 * * * *', 'Nowhere/City');
    assert.ok(!tz.ok && /IANA timezone/.test(tz.message));
  });
});
