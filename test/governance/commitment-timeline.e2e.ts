/** A commitment's timeline over HTTP: read from its stream on demand, whole by default, paged when asked. */
import { commitmentBody, officials, seed, startGovernance, testConfig, type GovernanceApp, type Officials } from './support.js';

interface Entry {
  type: string;
  revision: string;
  actor: string;
  data: { deliveryId?: string };
}

describe("a commitment's timeline", () => {
  let g: GovernanceApp;
  let who: Officials;
  let last: string;

  beforeAll(async () => {
    g = await startGovernance(testConfig('memory'));
    who = await officials();
    await seed(g, who);
    const suzhou = await who.officerOf('suzhou');
    await g.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody('sandbags-1')).expect(201);
    for (let n = 1; n <= 5; n++) {
      const written = await g.http().post('/commitments/sandbags-1/deliveries').set('Authorization', suzhou).send({ deliveryId: `d${n}`, quantity: '10', evidenceRef: `waybill ${n}` }).expect(201);
      last = written.body.position as string;
    }
  });
  afterAll(async () => {
    await g.app.close();
  });

  const detail = (query = '') => g.http().get(`/commitments/sandbags-1?atLeast=${last}${query}`).set('Authorization', who.auditor);

  it('is whole by default: every event of the stream up to the revision shown, with who recorded it', async () => {
    const read = await detail().expect(200);
    expect(read.body).toMatchObject({ commitmentId: 'sandbags-1', delivered: '50', revision: '5', timelineNextCursor: null });
    const timeline = read.body.timeline as Entry[];
    expect(timeline.map((e) => [e.type, e.revision])).toEqual([
      ['CommitmentMade', '0'],
      ...[1, 2, 3, 4, 5].map((n) => ['DeliveryRecorded', String(n)]),
    ]);
    expect(timeline.map((e) => e.actor)).toEqual(['yrd-officer', ...Array.from({ length: 5 }, () => 'officer-suzhou')]);
    expect(timeline[3].data.deliveryId).toBe('d3');
  });

  it('comes in pages of timelineLimit, and the pages together are the whole timeline', async () => {
    const whole = (await detail().expect(200)).body.timeline as Entry[];
    const pages: Entry[][] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < whole.length; guard++) {
      const read = await detail(`&timelineLimit=4${cursor === null ? '' : `&timelineCursor=${cursor}`}`).expect(200);
      expect(read.body).toMatchObject({ commitmentId: 'sandbags-1', delivered: '50' });
      pages.push(read.body.timeline as Entry[]);
      cursor = read.body.timelineNextCursor as string | null;
      if (cursor === null) break;
    }
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(pages.flat()).toEqual(whole);
  });

  it('refuses a page size out of bounds and a cursor it did not issue', async () => {
    await detail('&timelineLimit=0').expect(400);
    await detail('&timelineLimit=501').expect(400);
    const forged = await detail('&timelineCursor=not-a-cursor').expect(422);
    expect(forged.body.code).toBe('invalid_cursor');
  });
});
