/** Delivery receipts: `sending` before a send, `sent` after; a repeat of an unconfirmed send is flagged. */
import { DeliveryReceipts, receiptKey } from '../../src/alerts/delivery-receipts';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';

const TTL = 14 * 24 * 3600;

describe('DeliveryReceipts', () => {
  it('a destination is sent once: begin, confirm, then skipped', async () => {
    const receipts = new DeliveryReceipts(new MemoryStateStore(), TTL);
    const mark = await receipts.begin('n1', 'soc');
    expect(mark).toMatchObject({ repeated: false });
    await receipts.confirm(mark!);
    expect(await receipts.begin('n1', 'soc')).toBeUndefined();
    // Another destination, another notification: their own receipts.
    expect(await receipts.begin('n1', 'pager')).toMatchObject({ repeated: false });
    expect(await receipts.begin('n2', 'soc')).toMatchObject({ repeated: false });
  });

  it('a send begun and never confirmed (the run died) is sent again, flagged as a possible duplicate', async () => {
    const receipts = new DeliveryReceipts(new MemoryStateStore(), TTL);
    await receipts.begin('n3', 'soc');
    const again = await receipts.begin('n3', 'soc');
    expect(again).toMatchObject({ repeated: true });
    await receipts.confirm(again!);
    expect(await receipts.begin('n3', 'soc')).toBeUndefined();
  });

  it('a receipt written before `sending` existed counts as sent', async () => {
    const store = new MemoryStateStore();
    await store.putIfAbsent(receiptKey('old', 'soc'), { seenAt: 1 }, Date.now() / 1000 + 3600);
    expect(await new DeliveryReceipts(store, TTL).begin('old', 'soc')).toBeUndefined();
  });
});
