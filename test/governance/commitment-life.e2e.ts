import { join } from 'node:path';
import type { EventStore } from '../../libs/event-store/src/port.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { AGREEMENT, at, BODY, commitmentBody, officials, seed, startGovernance, tempDir, testConfig, type Officials } from './support.js';

describe('a commitment between two cities under a body, on a SQLite file', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('lives from promise through dispute to fulfilment, and reads the same after a restart', async () => {
    const config = testConfig('sqlite', join(temp.dir, 'ledger.sqlite'));
    const who: Officials = await officials();
    const suzhou = await who.officerOf('suzhou');
    const hangzhou = await who.officerOf('hangzhou');

    const first = await startGovernance(config);
    let detailBefore: unknown;
    let listBefore: unknown;
    let last: string;
    try {
      await seed(first, who);
      const made = await first.http().post('/commitments').set('Authorization', who.coordinator).send(commitmentBody('sandbags-1')).expect(201);
      expect(made.body).toEqual({ stream: 'commitment-sandbags-1', revision: '0', position: expect.stringMatching(/^\d+$/) });

      const partial = await first.http().post('/commitments/sandbags-1/deliveries').set('Authorization', suzhou).send({ deliveryId: 'd1', quantity: '40', evidenceRef: 'waybill 1' }).expect(201);
      const open = await first.http().get(`/commitments/sandbags-1?atLeast=${partial.body.position}`).set('Authorization', who.auditor).expect(200);
      expect(open.body).toMatchObject({ status: 'open', delivered: '40' });

      await first.http().post('/commitments/sandbags-1/deliveries').set('Authorization', suzhou).send({ deliveryId: 'd2', quantity: '30', evidenceRef: 'waybill 2' }).expect(201);
      await first.http().post('/commitments/sandbags-1/disputes').set('Authorization', hangzhou).send({ deliveryId: 'd2', disputeId: 'wet-bags', reason: 'the bags arrived soaked' }).expect(201);
      const upheld = await first
        .http()
        .post('/commitments/sandbags-1/disputes/wet-bags/resolution')
        .set('Authorization', who.coordinator)
        .send({ outcome: 'upheld', note: 'inspection confirmed the damage' })
        .expect(201);
      const struck = await first.http().get(`/commitments/sandbags-1?atLeast=${upheld.body.position}`).set('Authorization', hangzhou).expect(200);
      expect(struck.body).toMatchObject({ status: 'open', delivered: '40', disputes: [{ disputeId: 'wet-bags', deliveryId: 'd2', outcome: 'upheld' }] });

      const completing = await first.http().post('/commitments/sandbags-1/deliveries').set('Authorization', suzhou).send({ deliveryId: 'd3', quantity: '60', evidenceRef: 'waybill 3' }).expect(201);
      expect(completing.body.revision).toBe('6');
      last = completing.body.position as string;

      const fulfilled = await first.http().get(`/commitments/sandbags-1?atLeast=${last}`).set('Authorization', who.auditor).expect(200);
      expect(fulfilled.body).toMatchObject({
        status: 'fulfilled_on_time',
        delivered: '100',
        fulfilment: { completingDeliveryId: 'd3', onTime: true },
        agreementId: AGREEMENT,
        bodyId: BODY,
        obligor: 'suzhou',
        obligee: { kind: 'city', id: 'hangzhou' },
        dueAt: at(48),
      });
      expect(fulfilled.body.timeline.map((e: { type: string }) => e.type)).toEqual([
        'CommitmentMade',
        'DeliveryRecorded',
        'DeliveryRecorded',
        'DeliveryDisputed',
        'DisputeResolved',
        'DeliveryRecorded',
        'CommitmentFulfilled',
      ]);
      expect(fulfilled.body.timeline[3]).toMatchObject({ actor: 'officer-hangzhou', role: 'city-officer' });

      const [madeEvent] = await first.app.get<EventStore>(EVENT_STORE).readStream('commitment-sandbags-1', { maxCount: 1 });
      expect(madeEvent.metadata).toMatchObject({ actor: 'yrd-officer', role: 'coordinator', scope: `body:${BODY}` });

      const listed = await first.http().get(`/commitments?obligor=suzhou&status=fulfilled_on_time&atLeast=${last}`).set('Authorization', who.auditor).expect(200);
      expect(listed.body.items.map((c: { commitmentId: string }) => c.commitmentId)).toEqual(['sandbags-1']);
      detailBefore = fulfilled.body;
      listBefore = listed.body;
    } finally {
      await first.app.close();
    }

    const second = await startGovernance(config);
    try {
      const detail = await second.http().get(`/commitments/sandbags-1?atLeast=${last}`).set('Authorization', who.auditor).expect(200);
      expect(detail.body).toEqual(detailBefore);
      const listed = await second.http().get(`/commitments?obligor=suzhou&status=fulfilled_on_time&atLeast=${last}`).set('Authorization', who.auditor).expect(200);
      expect(listed.body).toEqual(listBefore);
      const refused = await second.http().post('/commitments/sandbags-1/deliveries').set('Authorization', suzhou).send({ deliveryId: 'd4', quantity: '1', evidenceRef: 'late extra' }).expect(409);
      expect(refused.body).toMatchObject({ code: 'delivery_after_fulfilment', type: 'https://concordat.dev/problems/delivery_after_fulfilment' });
    } finally {
      await second.app.close();
    }
  });
});
