/**
 * WebSocket fan-out across two API replicas (issue 13 target: 200 subscribers on 2 replicas, p95 ≤
 * 250 ms): half the sockets on each replica, hosts created through the first one; the latency of a
 * delivery is from the start of the POST to the socket's message.
 */
import { WebSocket } from 'ws';

export interface FanoutResult {
  subscribers: number;
  events: number;
  deliveries: number;
  p50: number;
  p95: number;
  max: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

function open(url: string, token: string, onHost: (name: string) => void): Promise<WebSocket> {
  return new Promise((done, fail) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
    socket.on('open', () => done(socket));
    socket.on('error', fail);
    socket.on('message', (raw: Buffer) => {
      const msg = JSON.parse(raw.toString()) as { type: string; data: { hostname?: string } };
      if (msg.type === 'host.created' && msg.data.hostname) onHost(msg.data.hostname);
    });
  });
}

export async function measureFanout(
  urls: [string, string],
  token: string,
  subscribers = 200,
  events = 20,
): Promise<FanoutResult> {
  const started = new Map<string, number>();
  const latencies: number[] = [];
  const onHost = (name: string) => {
    const t0 = started.get(name);
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  };
  const sockets = await Promise.all(Array.from({ length: subscribers }, (_, i) => open(urls[i % 2], token, onHost)));
  // let every socket finish authenticating
  await new Promise((r) => setTimeout(r, 500));
  try {
    for (let i = 0; i < events; i += 1) {
      const hostname = `fan${i}`;
      const mac = `02:46:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      const expected = latencies.length + subscribers;
      started.set(hostname, performance.now());
      const res = await fetch(`${urls[0]}/api/v1/hosts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ hostname, macAddress: mac }),
      });
      if (res.status !== 201) throw new Error(`POST /hosts answered ${res.status}`);
      const deadline = Date.now() + 5_000;
      while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    for (const s of sockets) s.close();
  }
  return {
    subscribers,
    events,
    deliveries: latencies.length,
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    max: Math.max(...latencies),
  };
}
