import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillServiceOrder } from './service-order.ts';

const orders = (services: Record<string, any>) => Object.fromEntries(Object.entries(services).map(([k, s]) => [k, s.order]));

test('services without an order get 0, 1… in name order', () => {
  const services: Record<string, any> = { c: {}, a: {}, b: {} };
  fillServiceOrder(services, { bumpDuplicates: true });
  assert.deepEqual(orders(services), { c: 2, a: 0, b: 1 });
});

test('with bumpDuplicates, repeated orders move up and stay unique', () => {
  const services: Record<string, any> = { a: { order: 1 }, b: { order: 1 }, c: { order: 1 }, d: { order: 2 }, e: {} };
  fillServiceOrder(services, { bumpDuplicates: true });
  assert.deepEqual(orders(services), { a: 1, b: 2, c: 3, d: 4, e: 5 });
});

test('without bumpDuplicates, existing orders are kept and only missing ones filled', () => {
  const services: Record<string, any> = { a: { order: 4 }, b: { order: 4 }, c: { order: null } };
  fillServiceOrder(services, { bumpDuplicates: false });
  assert.deepEqual(orders(services), { a: 4, b: 4, c: 5 });
});

test('non-objects and non-integer orders are left alone', () => {
  const services: Record<string, any> = { a: 'x', b: { order: 'first' }, c: {} };
  fillServiceOrder(services, { bumpDuplicates: true });
  assert.deepEqual(services, { a: 'x', b: { order: 'first' }, c: { order: 0 } });
});
