import { useTestApp } from './helpers/app';
import { API, createHost, LIVE_ENV } from './provisioning.fixtures';

/** The value of one sample line `name{labels} value` of a Prometheus text body, or undefined. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of body.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ? match[2].split(/,(?=[a-zA-Z_]\w*=")/) : [];
    if (wanted.length === have.length && wanted.every((l) => have.includes(l))) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics (Prometheus, docs/API.md)', () => {
  // provisioning on, Redis on a closed port: nothing can be published, the backlog stays
  const t = useTestApp({ ...LIVE_ENV, REDIS_URL: 'redis://127.0.0.1:1/1' }, { reset: false });

  const scrape = async () => {
    const res = await t.http.get('/metrics').expect(200);
    return res.text;
  };

  it('is public, outside the /api/v1 prefix, in the Prometheus text format', async () => {
    const res = await t.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;/);
    expect(res.headers['content-type']).toContain('version=0.0.4');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('# TYPE linbo_api_http_requests_total counter');
    expect(res.text).toContain('# TYPE linbo_api_outbox_backlog gauge');
    expect(sample(res.text, 'linbo_api_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    const prefixed = await t.http.get(`${API}/metrics`).expect(404);
    expect(prefixed.body.error.code).toBe('NOT_FOUND');
  });

  it('counts a request by its route pattern, not by the raw id, and unmatched paths under one label', async () => {
    const viewer = await t.authHeader('viewer');
    const a = await createHost(t, { hostname: 'pc-metrics-a' });
    const b = await createHost(t, { hostname: 'pc-metrics-b' });
    const before = sample(await scrape(), 'linbo_api_http_requests_total', {
      method: 'GET',
      route: '/api/v1/hosts/:id',
      status: '200',
    });
    await t.http.get(`${API}/hosts/${a.id}`).set(viewer).expect(200);
    await t.http.get(`${API}/hosts/${b.id}`).set(viewer).expect(200);
    await t.http.get(`${API}/hosts/00000000-0000-4000-8000-000000000000`).set(viewer).expect(404);
    await t.http.get(`${API}/no-such-route/${a.id}`).set(viewer).expect(404);
    await t.http.get(`${API}/hosts/${a.id}`).expect(401);

    const body = await scrape();
    const ok = sample(body, 'linbo_api_http_requests_total', {
      method: 'GET',
      route: '/api/v1/hosts/:id',
      status: '200',
    });
    expect(ok).toBe((before ?? 0) + 2);
    expect(
      sample(body, 'linbo_api_http_requests_total', { method: 'GET', route: '/api/v1/hosts/:id', status: '404' }),
    ).toBe(1);
    expect(
      sample(body, 'linbo_api_http_requests_total', { method: 'GET', route: '/api/v1/hosts/:id', status: '401' }),
    ).toBe(1);
    expect(
      sample(body, 'linbo_api_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(body).not.toContain(a.id);
    expect(body).not.toContain('no-such-route');
    expect(
      sample(body, 'linbo_api_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/hosts/:id' }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('reports operations by type and status, and the unpublished ones as the outbox backlog', async () => {
    await t.resetDb();
    const hosts = [];
    for (const hostname of ['pc-m1', 'pc-m2', 'pc-m3']) hosts.push(await createHost(t, { hostname }));
    // a published and a cancelled operation are no backlog (new rows: the relay may hold the
    // others locked while its XADD to the closed port fails)
    const repair = { type: 'macct_repair' as const, action: 'repair', targetHost: 'pc-m1', options: {} };
    await t.prisma.operation.create({ data: { ...repair, publishedAt: new Date(), streamId: '1-0' } });
    await t.prisma.operation.create({ data: { ...repair, status: 'cancelled' } });

    const body = await scrape();
    expect(sample(body, 'linbo_api_operations', { type: 'provision_host', status: 'pending' })).toBe(3);
    expect(sample(body, 'linbo_api_operations', { type: 'macct_repair', status: 'pending' })).toBe(1);
    expect(sample(body, 'linbo_api_operations', { type: 'macct_repair', status: 'cancelled' })).toBe(1);
    expect(sample(body, 'linbo_api_outbox_backlog')).toBe(3);
    expect(sample(body, 'linbo_api_hosts', { provision_status: 'pending' })).toBe(3);
    // nothing went out: the three creates are exactly what the backlog counts
    const unpublished = await t.prisma.operation.findMany({ where: { publishedAt: null, status: 'pending' } });
    expect(unpublished.map((o) => o.id).sort()).toEqual(hosts.map((h) => h.provisionOpId).sort());
  });
});
