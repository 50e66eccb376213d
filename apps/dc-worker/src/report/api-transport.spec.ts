// ApiTransport over a fake `fetch`: the key header, what counts as unavailable, the retry loop.
import { INTERNAL_KEY_HEADER } from '@app/provisioning';

import { WorkerConfig } from '../config/worker-config';
import { createWorkerLogger } from '../logging/worker-logger';
import { ApiTransport, ApiUnavailableError, FetchFn, ReportAbortedError } from './api-transport';

const config = { apiUrl: 'http://api.test', internalApiKey: 'secret', reportRetryMaxDelayMs: 5 } as WorkerConfig;
const logger = createWorkerLogger('silent');

function scripted(answers: Array<number | Error>): { fetchFn: FetchFn; calls: Array<[string, RequestInit]> } {
  const calls: Array<[string, RequestInit]> = [];
  const fetchFn: FetchFn = (url, init) => {
    calls.push([url, init]);
    const next = answers.length > 1 ? answers.shift()! : answers[0];
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(new Response(JSON.stringify({ data: { n: calls.length } }), { status: next }));
  };
  return { fetchFn, calls };
}

describe('ApiTransport', () => {
  it('sends the internal key and JSON, and parses the answer', async () => {
    const { fetchFn, calls } = scripted([200]);
    const res = await new ApiTransport(config, logger, fetchFn).request('POST', '/x', { a: 1 });
    expect(res).toEqual({ status: 200, body: { data: { n: 1 } } });
    const [url, init] = calls[0];
    expect(url).toBe('http://api.test/x');
    expect(init.headers).toMatchObject({ [INTERNAL_KEY_HEADER]: 'secret', 'content-type': 'application/json' });
    expect(init.body).toBe('{"a":1}');
  });

  it('a 5xx or a network error is ApiUnavailableError (naming the cause); a 4xx is an answer', async () => {
    await expect(new ApiTransport(config, logger, scripted([503]).fetchFn).request('GET', '/x')).rejects.toThrow(
      new ApiUnavailableError('GET /x: HTTP 503'),
    );
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    await expect(new ApiTransport(config, logger, scripted([refused]).fetchFn).request('GET', '/x')).rejects.toThrow(
      'GET /x: ECONNREFUSED',
    );
    expect((await new ApiTransport(config, logger, scripted([409]).fetchFn).request('GET', '/x')).status).toBe(409);
  });

  it('untilAnswered retries 5xx, 429 and network errors until a final answer', async () => {
    const { fetchFn, calls } = scripted([503, 429, new TypeError('reset'), 409]);
    const res = await new ApiTransport(config, logger, fetchFn).untilAnswered('op', 'PATCH', '/x', {});
    expect(res.status).toBe(409);
    expect(calls).toHaveLength(4);
  });

  it('abort ends the retry pause with ReportAbortedError', async () => {
    const transport = new ApiTransport({ ...config, reportRetryMaxDelayMs: 60_000 }, logger, scripted([503]).fetchFn);
    const pending = transport.untilAnswered('op', 'PATCH', '/x', {});
    await new Promise((r) => setTimeout(r, 20));
    transport.abort();
    await expect(pending).rejects.toBeInstanceOf(ReportAbortedError);
  });
});
