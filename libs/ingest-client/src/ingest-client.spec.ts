import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { IngestClient } from './ingest-client';

describe('IngestClient', () => {
  let server: Server;
  let requests = 0;
  let dropFirst = 0;
  let baseUrl = '';

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests += 1;
      request.resume();
      request.on('end', () => {
        // A connection the server closes without answering: a keep-alive socket gone stale.
        if (requests <= dropFirst) return void request.socket.destroy();
        response.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    requests = 0;
  });

  const event = { id: 'evt-1', type: 'deal_won', data: {} };

  it('sends again a POST whose connection closed before any answer', async () => {
    dropFirst = 2;
    const result = await new IngestClient(baseUrl, { crm: 's' }).post('crm', event);
    expect(result).toMatchObject({ status: 202, body: { accepted: true } });
    expect(requests).toBe(3);
  });

  it('gives up after three sends and says why', async () => {
    dropFirst = 3;
    await expect(new IngestClient(baseUrl, { crm: 's' }).post('crm', event)).rejects.toThrow(
      'other side closed',
    );
    expect(requests).toBe(3);
  });
});
