import { SettlingOffsets } from './settling-offsets';

describe('SettlingOffsets', () => {
  it('commits a partition only past its oldest unbroken stretch of settled runs', () => {
    const offsets = new SettlingOffsets();
    const first = offsets.open('t', 0, '10');
    const second = offsets.open('t', 0, '20');
    const third = offsets.open('t', 0, '30');
    // Later runs settling first commit nothing: the first one's records are not durable yet.
    expect(offsets.settle(third)).toBeUndefined();
    expect(offsets.settle(second)).toBeUndefined();
    // The first one settles: all three are durable, the partition is committed past the third.
    expect(offsets.settle(first)).toEqual({ topic: 't', partition: 0, offset: '30' });
    // The next run starts a new stretch.
    expect(offsets.settle(offsets.open('t', 0, '31'))).toEqual({ topic: 't', partition: 0, offset: '31' });
  });

  it('keeps partitions apart', () => {
    const offsets = new SettlingOffsets();
    const a = offsets.open('t', 0, '5');
    const b = offsets.open('t', 1, '7');
    const other = offsets.open('u', 0, '9');
    expect(offsets.settle(b)).toEqual({ topic: 't', partition: 1, offset: '7' });
    expect(offsets.settle(other)).toEqual({ topic: 'u', partition: 0, offset: '9' });
    expect(offsets.settle(a)).toEqual({ topic: 't', partition: 0, offset: '5' });
  });

  it('drops a failed run with its partition’s later runs, which then commit nothing; earlier runs still do', () => {
    const offsets = new SettlingOffsets();
    const before = offsets.open('t', 0, '10');
    const failed = offsets.open('t', 0, '20');
    const after = offsets.open('t', 0, '30');
    offsets.drop(failed);
    expect(failed.dropped && after.dropped).toBe(true);
    expect(offsets.settle(after)).toBeUndefined();
    expect(offsets.settle(before)).toEqual({ topic: 't', partition: 0, offset: '10' });
    // The records read again open runs of their own, committed as usual.
    expect(offsets.settle(offsets.open('t', 0, '30'))).toEqual({ topic: 't', partition: 0, offset: '30' });
  });

  it('drops every run after a rebalance', () => {
    const offsets = new SettlingOffsets();
    const a = offsets.open('t', 0, '10');
    const b = offsets.open('t', 1, '10');
    offsets.dropAll();
    expect(offsets.settle(a)).toBeUndefined();
    expect(offsets.settle(b)).toBeUndefined();
    expect(offsets.settle(offsets.open('t', 0, '12'))).toEqual({ topic: 't', partition: 0, offset: '12' });
  });
});
