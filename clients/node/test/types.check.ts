// Compiled by tsc (npm test) to check that index.d.ts types a real use.
import { startMock, findBinary, MockNotFoundError, type Mock, type JournalEntry, type Message } from '../index.js';

async function use(): Promise<void> {
  const mock: Mock = await startMock({ seed: 3, lenient: false, args: ['--max-body', '2048'] });
  const slug: string = mock.bootstrap?.app_slug ?? '';
  const when: Date = await mock.advance('15m');
  await mock.advance(1000);
  await mock.setTime(new Date());
  await mock.freeze();
  const mails: Message[] = await mock.outbox({ to: 'a@example.com', kind: 'verification' });
  const token: string = await mock.mintToken({ sub: 'u', ttl: '-1h', claims: { tenant: 't' } });
  const fault = await mock.addFault({ operation_id: 'X', status: 503, times: 1 });
  const id: string = fault.id;
  const reqs: JournalEntry[] = await mock.requests({ status: 503, limit: 5 });
  const marked: 'fault' | 'prefer' | undefined = reqs[0]?.answered_by;
  const byFault: string | undefined = reqs[0]?.fault_id;
  const tokens = await mock.signUp('a@example.com', 'pw', { username: 'a' });
  const access: string = tokens.access_token;
  await mock.reset();
  await mock.stop();
  const bin: string = findBinary({ env: {} });
  const err = new MockNotFoundError('x');
  void [slug, when, mails, token, id, marked, byFault, access, bin, err];
  // @ts-expect-error advance takes milliseconds or a duration string
  await mock.advance(new Date());
}
void use;
