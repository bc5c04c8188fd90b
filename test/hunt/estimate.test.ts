/** The hunt estimate: the worker's network and CPU bounds, a plan's objects, duration and cost, GuardDuty's tiers. */
import {
  CPU_OBJECTS_PER_SECOND,
  estimateHunt,
  estimatePlanObjects,
  guardDutyCost,
  workerRate,
} from '../../src/hunt/estimate';

describe('workerRate', () => {
  it('is bounded by GETs in flight over the latency, then by the CPU', () => {
    expect(workerRate({ getsInFlight: 1, latencyMs: 40 })).toBe(25);
    expect(workerRate({ getsInFlight: 8, latencyMs: 40 })).toBe(200);
    expect(workerRate({ getsInFlight: 32, latencyMs: 40 })).toBe(CPU_OBJECTS_PER_SECOND);
    expect(workerRate({ getsInFlight: 32, latencyMs: 40, cpuObjectsPerSecond: 1000, cpuShare: 0.5 })).toBe(
      500,
    );
  });
});

describe('estimatePlanObjects', () => {
  it('counts the part of each day folder the worker lists, margins included', () => {
    const prefixes = ['a/2026/08/02/', 'a/2026/08/03/', 'b/2026/08/02/'];
    // 10:00-11:00 with 15 minutes before and an hour after: 2h15 of 08/02, nothing of 08/03.
    expect(
      estimatePlanObjects({ since: '2026-08-02T10:00:00.000Z', until: '2026-08-02T11:00:00.000Z', prefixes }),
    ).toBe(2 * Math.round((288 * 2.25) / 24));
  });
});

describe('estimateHunt', () => {
  it('gives the 173 M-object month of a 5,000-account organization in under 6 hours at 200 workers', () => {
    const month = { objects: 5000 * 4 * 30 * 288, prefixes: 5000 * 4 * 30, recordsPerObject: 50 };
    const perWorker = workerRate({ getsInFlight: 16, latencyMs: 40 });
    const e = estimateHunt(month, { workers: 200, objectsPerSecondPerWorker: perWorker });
    expect(e.objects).toBe(172_800_000);
    expect(e.batches).toBe(60_000);
    expect(e.hours).toBeLessThan(6);
    expect(e.hours).toBeCloseTo(172_800_000 / (perWorker * 200) / 3600, 6);
    // GETs at $0.0004 per 1,000 and one LIST per prefix at $0.005 per 1,000.
    expect(e.cost.s3).toBeCloseTo(69.12 + 3, 6);
    expect(e.cost.stepFunctions).toBeCloseTo(4.5, 6);
    expect(e.cost.total).toBeCloseTo(e.cost.lambda + e.cost.s3 + e.cost.stepFunctions, 9);
    expect(e.guardDuty).toBeGreaterThan(50 * e.cost.total);
  });
});

describe('guardDutyCost', () => {
  it('prices a month of management events by tier', () => {
    expect(guardDutyCost(1e6)).toBeCloseTo(4, 9);
    expect(guardDutyCost(500e6)).toBeCloseTo(2000, 6);
    expect(guardDutyCost(1e9)).toBeCloseTo(2000 + 500 * 0.8, 6);
    expect(guardDutyCost(6e9)).toBeCloseTo(2000 + 4500 * 0.8 + 1000 * 0.4, 6);
  });
});
