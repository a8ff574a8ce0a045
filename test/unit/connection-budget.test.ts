import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from '../../src/extract/connection-budget.js';

describe('ConnectionBudget', () => {
  it('hands out at most `limit` slots; a waiter gets the next one released, in the order asked', async () => {
    const budget = new ConnectionBudget(2);
    const a = await budget.acquire();
    const b = await budget.acquire();
    const order: string[] = [];
    const c = budget.acquire().then((release) => {
      order.push('c');
      return release;
    });
    const d = budget.acquire().then((release) => {
      order.push('d');
      return release;
    });
    expect(budget.inUse).toBe(2);
    a();
    a(); // a second call gives nothing back twice
    const releaseC = await c;
    expect(budget.inUse).toBe(2);
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    expect(budget.inUse).toBe(0);
    expect(budget.peak).toBe(2);
  });

  it('tryAcquire never waits and never jumps the queue', async () => {
    const budget = new ConnectionBudget(1);
    const first = budget.tryAcquire();
    expect(first).toBeDefined();
    expect(budget.tryAcquire()).toBeUndefined();
    const waiting = budget.acquire();
    first?.();
    // the slot went to the waiter, not to a later tryAcquire
    expect(budget.tryAcquire()).toBeUndefined();
    (await waiting)();
    expect(budget.tryAcquire()).toBeDefined();
  });

  it('an aborted wait leaves the queue with the abort reason', async () => {
    const budget = new ConnectionBudget(1);
    const held = await budget.acquire();
    const controller = new AbortController();
    const waiting = budget.acquire(controller.signal);
    controller.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    held();
    expect(budget.tryAcquire()).toBeDefined();
  });

  it('refuses a limit below one', () => {
    expect(() => new ConnectionBudget(0)).toThrow('≥ 1');
  });
});
