/**
 * fast-check arbitraries for hostile HTTP requests against any route (issue 10 fuzz tier). A
 * request carries `refused: true` when it holds at least one element that docs/API.md "Limits on
 * client input" refuses for every route (so it must be a 4xx whatever the route does); the other
 * requests are merely odd (wrong types, unknown fields, bad ids) and must just never be a 5xx.
 */
import fc from 'fast-check';

export interface Route {
  method: string;
  /** Express path with `:param` placeholders, e.g. /api/v1/hosts/:id */
  path: string;
}

export interface FuzzRequest {
  /** the route it was drawn for: `METHOD /template` */
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  refused: boolean;
  /** what made it hostile, for the counter-example message */
  why: string[];
}

export interface FuzzContext {
  /** real ids that exist in the database (hosts, operations, rooms, configs, users) */
  ids: string[];
  auth: Array<Record<string, string>>;
}

interface Part<T> {
  value: T;
  refused: string | null;
}

const ok = <T>(value: T): Part<T> => ({ value, refused: null });
const bad = <T>(value: T, why: string): Part<T> => ({ value, refused: why });

/** percent-encodes every byte that is not unreserved (so the client never rewrites the path) */
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);

const oddText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', ' ', 'null', 'true', '-1', '0', '1.5', 'é', '😀', '..', 'a'.repeat(300), 'pc01', 'DHCP'),
);

/** path segment for a `:param`: real ids, UUIDs, odd text (encoded) or refused encodings */
function segment(ctx: FuzzContext): fc.Arbitrary<Part<string>> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ctx.ids).map(ok) },
    { weight: 2, arbitrary: fc.uuid().map(ok) },
    { weight: 2, arbitrary: oddText.map((s) => ok(enc(s) || 'x')) },
    { weight: 1, arbitrary: fc.constantFrom('99999999999999999999', '-0', '1e400').map(ok) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('%00', 'a%00b', '%FF', '%C3%28', '%E0%A4%A', '%').map((s) => bad(s, `path ${s}`)),
    },
  );
}

const queryKey = fc.constantFrom(
  'page',
  'limit',
  'search',
  'status',
  'hostname',
  'roomId',
  'sort',
  'order',
  'dryRun',
  'x',
);
const queryValue = fc.oneof(oddText, fc.integer().map(String), fc.constantFrom('1', '20', '100', '101', 'asc', 'true'));

/** a query string: odd pairs, plus maybe one refused element */
const query: fc.Arbitrary<Part<string>> = fc
  .tuple(
    fc.uniqueArray(fc.tuple(queryKey, queryValue), { maxLength: 4, selector: ([k]) => k }),
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.oneof(
          fc.constantFrom('search=%00', 'page=99999999999999999999', 'limit=1e400', 'page=1&page=2', 'search=%FF'),
          fc.constantFrom('__proto__=1', 'constructor=x', 'a[b]=1', 'roomId[]=1', `q=${'a'.repeat(1100)}`),
          fc.constant(Array.from({ length: 33 }, (_, i) => `p${i}=1`).join('&')),
        ),
      },
    ),
  )
  .map(([pairs, hostile]) => {
    const parts = pairs.map(([k, v]) => `${k}=${enc(v)}`);
    // a hostile `page=…` beside a generated `page` would be refused for repetition anyway: still refused
    if (hostile) parts.push(hostile);
    const text = parts.join('&');
    return hostile ? bad(text, `query ${hostile.slice(0, 40)}`) : ok(text);
  });

const FIELDS = ['hostname', 'macAddress', 'ipAddress', 'name', 'status', 'csv', 'ids', 'username', 'password', 'role'];

/** JSON-ish values of the wrong or right type for any field */
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('pc01', '00:11:22:33:44:55', '10.0.0.1', 'running', 'admin', null, [], {}, -1, 3, 2 ** 31),
);

const jsonObject = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), fieldValue, {
  maxKeys: 5,
});

const deep = (n: number, open: string, close: string, inner: string) => open.repeat(n) + inner + close.repeat(n);

/** a body with its content type: odd JSON, or JSON/text with one refused element */
const body: fc.Arbitrary<Part<{ type: string; bytes: Buffer }>> = fc.oneof(
  {
    weight: 4,
    arbitrary: jsonObject.map((o) => ok({ type: 'application/json', bytes: Buffer.from(JSON.stringify(o)) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue()
      .map((v) => ok({ type: 'application/json', bytes: Buffer.from(JSON.stringify(v) ?? 'null') })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        jsonObject,
        fc.constantFrom(
          ['"__proto__"', '{"x":1}'],
          ['"constructor"', '1'],
          ['"prototype"', '{}'],
          ['"name"', '"a\\u0000b"'],
          ['"a\\u0000"', '1'],
          ['"hostname"', '"\\udc00x"'],
          ['"pxeFlag"', '9007199254740993'],
          ['"attempt"', '1e400'],
          ['"result"', '{"__proto__":{"admin":true}}'],
          ['"ids"', '["x\\u0000"]'],
        ),
      )
      .map(([o, [k, v]]) => {
        // the hostile pair goes last and alone under its key (JSON.parse keeps the last duplicate)
        const rest = { ...o };
        delete rest[JSON.parse(k) as string];
        const text = JSON.stringify(rest);
        const sep = text === '{}' ? '' : ',';
        return bad(
          { type: 'application/json', bytes: Buffer.from(`${text.slice(0, -1)}${sep}${k}:${v}}`) },
          `body ${k}:${v}`,
        );
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 33, max: 20_000 }),
        fc.constantFrom<[string, string, string]>(['[', ']', '1'], ['{"a":', '}', '1']),
      )
      .map(([n, [o, c, i]]) => bad({ type: 'application/json', bytes: Buffer.from(deep(n, o, c, i)) }, `depth ${n}`)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('application/json', 'text/csv', 'text/plain'),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
      )
      .map(([type, raw]) =>
        bad(
          { type, bytes: Buffer.concat([Buffer.from('{"csv":"'), Buffer.from([0xff, 0xfe]), Buffer.from(raw)]) },
          'invalid UTF-8',
        ),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('text/csv', 'text/plain'), fc.string({ maxLength: 40 }))
      .map(([type, s]) =>
        bad({ type, bytes: Buffer.from(`r1;pc01;${s}\0;00:11:22:33:44:55;10.0.0.1\n`) }, 'NUL in text'),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('application/json; charset=latin1', 'text/csv; charset=utf-16le')
      .map((type) => bad({ type, bytes: Buffer.from('{}') }, type)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('text/csv', 'text/plain', 'application/xml'), fc.string({ maxLength: 200 }))
      .map(([type, s]) => ok({ type, bytes: Buffer.from(s) })),
  },
);

/** One request for one of `routes`; every part is drawn independently. */
export function fuzzRequest(routes: readonly Route[], ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(
      fc.constantFrom(...routes),
      fc.array(segment(ctx), { minLength: 4, maxLength: 4 }),
      query,
      fc.option(body, { nil: undefined, freq: 4 }),
      fc.constantFrom(...ctx.auth),
    )
    .map(([route, segments, q, b, auth]) => {
      const why: string[] = [];
      let i = 0;
      const path = route.path.replace(/[{}]/g, '').replace(/[:*][A-Za-z_]+/g, () => {
        const s = segments[i++ % segments.length];
        if (s.refused) why.push(s.refused);
        return s.value;
      });
      if (q.refused) why.push(q.refused);
      if (b?.refused) why.push(b.refused);
      const headers: Record<string, string> = { ...auth };
      if (b) headers['Content-Type'] = b.value.type;
      return {
        route: `${route.method} ${route.path}`,
        method: route.method,
        path: q.value ? `${path}?${q.value}` : path,
        headers,
        body: b?.value.bytes,
        refused: why.length > 0,
        why,
      };
    });
}
