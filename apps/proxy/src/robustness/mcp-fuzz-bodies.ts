import {
  DEEP_LEVELS,
  damageText,
  deepFragment,
  hostileFragment,
  longString,
  ODD_STRINGS,
  oddFragment,
  preview,
  valuePaths,
  withFragment,
  without,
  WRONG_FRAGMENTS,
  type JsonPath,
  type Rng,
} from './fuzz-kit.ts';

/** Names the gateway under test exposes, learned from it at set-up. */
export interface GatewayNames {
  echo: string;
  /** A tool whose upstream asks the client for sampling before it answers. */
  sampling: string;
  sum: string;
  prompt: string;
  completablePrompt: string;
  resourceUri: string;
  templateUri: string;
}

type Id = string | number;
type Message = Record<string, unknown>;

/** Well-formed messages of every kind a client sends, the starting points of every mutation. */
export function baseMessages(names: GatewayNames, id: Id): [string, Message][] {
  const request = (method: string, params?: Message): Message => ({
    jsonrpc: '2.0',
    id,
    method,
    ...(params ? { params } : {}),
  });
  return [
    [
      'initialize',
      request('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: { roots: { listChanged: true }, sampling: {}, experimental: { x: { y: 1 } } },
        clientInfo: { name: 'fuzz', version: '1.0.0' },
      }),
    ],
    [
      'tools/call echo',
      request('tools/call', {
        name: names.echo,
        arguments: { message: 'hello' },
        _meta: { progressToken: 'p1' },
      }),
    ],
    ['tools/call sum', request('tools/call', { name: names.sum, arguments: { a: 1, b: 2 } })],
    ['tools/list', request('tools/list', { cursor: 'bzA' })],
    ['prompts/get', request('prompts/get', { name: names.prompt, arguments: {} })],
    [
      'completion/complete',
      request('completion/complete', {
        ref: { type: 'ref/prompt', name: names.completablePrompt },
        argument: { name: 'department', value: 'E' },
        context: { arguments: { name: 'A' } },
      }),
    ],
    ['resources/read', request('resources/read', { uri: names.resourceUri })],
    ['resources/subscribe', request('resources/subscribe', { uri: names.templateUri })],
    ['ping', request('ping')],
    ['logging/setLevel', request('logging/setLevel', { level: 'debug' })],
    ['notifications/initialized', { jsonrpc: '2.0', method: 'notifications/initialized' }],
    [
      'notifications/cancelled',
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'r1', reason: 'bored' } },
    ],
    ['response', { jsonrpc: '2.0', id: `srv-${String(id)}`, result: { roots: [] } }],
    ['error response', { jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'no', data: { x: 1 } } }],
  ];
}

export interface FuzzBody {
  what: string;
  body: string | Buffer;
}

export type BodyGenerator = (rng: Rng, names: GatewayNames, id: Id) => FuzzBody;

const pickMessage = (rng: Rng, names: GatewayNames, id: Id) => rng.pick(baseMessages(names, id));

const pathText = (path: JsonPath) => (path.length === 0 ? '(root)' : path.join('.'));

const NOT_JSON = [
  '',
  ' ',
  '{',
  '}',
  '[',
  'nul',
  'undefined',
  'NaN',
  "{'jsonrpc':'2.0','id':1,'method':'ping'}",
  '{"jsonrpc":"2.0","id":1,"method":"ping",}',
  '{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}',
  '{"jsonrpc":"2.0","id":1,"method":"ping"}\n\u0000',
  '/* hi */{"jsonrpc":"2.0","id":1,"method":"ping"}',
  '"\\ud800',
  '0x10',
  '{"a":"\u0000"}',
  '\u0000',
];

const invalidJson: BodyGenerator = (rng, names, id) => {
  if (rng.chance(0.3)) {
    const text = rng.pick(NOT_JSON);
    return { what: `not JSON: "${preview(text, 40)}"`, body: text };
  }
  if (rng.chance(0.15)) {
    const bytes = Buffer.from(Array.from({ length: 1 + rng.int(96) }, () => rng.int(256)));
    return { what: `${bytes.length} random bytes`, body: bytes };
  }
  const [name, message] = pickMessage(rng, names, id);
  const damaged = damageText(JSON.stringify(message), rng);
  return { what: `${name}, ${damaged.what}`, body: damaged.body };
};

const ENVELOPE: JsonPath[] = [['jsonrpc'], ['id'], ['method'], ['params'], ['result'], ['error']];

const wrongType: BodyGenerator = (rng, names, id) => {
  const [name, message] = pickMessage(rng, names, id);
  const path = rng.chance(0.5) ? rng.pick(ENVELOPE) : rng.pick(valuePaths(message));
  const fragment = hostileFragment(rng);
  return {
    what: `${name} with ${pathText(path)} = ${preview(fragment, 40)}`,
    body: withFragment(message, path, fragment),
  };
};

const missingField: BodyGenerator = (rng, names, id) => {
  const [name, message] = pickMessage(rng, names, id);
  const paths = valuePaths(message).filter((p) => p.length > 0);
  const path = rng.pick(paths);
  return { what: `${name} without ${pathText(path)}`, body: without(message, path) };
};

const batch: BodyGenerator = (rng, names, id) => {
  const [name, message] = pickMessage(rng, names, id);
  const one = JSON.stringify(message);
  const variants: [string, string][] = [
    ['a batch of one', `[${one}]`],
    ['a batch of two', `[${one},${one}]`],
    ['an empty batch', '[]'],
    ['a batch of junk', '[1,"a",null,{}]'],
    ['a nested batch', `[[${one}]]`],
    ['a batch of 2000', `[${Array.from({ length: 2000 }, () => one).join(',')}]`],
  ];
  const [what, body] = rng.pick(variants);
  return { what: `${what} (${name})`, body };
};

const DEEP_PLACES: JsonPath[] = [
  ['params'],
  ['params', 'arguments'],
  ['params', 'arguments', 'message'],
  ['params', '_meta'],
  ['params', 'capabilities'],
  ['params', 'requestId'],
  ['id'],
  ['result'],
  ['error', 'data'],
];

const deepNesting: BodyGenerator = (rng, names, id) => {
  const depth = rng.pick(DEEP_LEVELS);
  const kind = rng.pick(['array', 'object', 'mixed'] as const);
  const closed = rng.chance(0.85);
  const fragment = deepFragment(depth, kind, closed);
  const label = `${depth} levels of ${kind}${closed ? '' : ' (unclosed)'}`;
  if (rng.chance(0.15)) return { what: `a body of ${label}`, body: fragment };
  const [name, message] = pickMessage(rng, names, id);
  const path = rng.pick(DEEP_PLACES);
  return { what: `${name} with ${pathText(path)} = ${label}`, body: withFragment(message, path, fragment) };
};

const oddUnicode: BodyGenerator = (rng, names, id) => {
  const [name, message] = pickMessage(rng, names, id);
  const strings = valuePaths(message).filter((p) => {
    const value = p.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], message);
    return typeof value === 'string';
  });
  if (rng.chance(0.25)) {
    // An odd member name rather than value.
    const key = JSON.stringify(rng.pick(ODD_STRINGS));
    const text = JSON.stringify(message).replace(/^\{/, `{${key}:${oddFragment(rng)},`);
    return { what: `${name} with an odd member name ${preview(key, 30)}`, body: text };
  }
  const path = rng.pick(strings);
  const fragment = oddFragment(rng);
  return {
    what: `${name} with ${pathText(path)} = ${preview(fragment, 40)}`,
    body: withFragment(message, path, fragment),
  };
};

const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '1.7976931348623157e308',
  '5e-324',
  '-0',
  '123456789012345678901234567890',
  '9007199254740993',
  `1${'0'.repeat(400)}`,
  `0.${'0'.repeat(400)}1`,
  `-${'9'.repeat(2000)}`,
  '1E+2',
];

const NUMBER_PLACES: JsonPath[] = [
  ['id'],
  ['params', 'arguments', 'a'],
  ['params', 'arguments', 'b'],
  ['params', '_meta', 'progressToken'],
  ['params', 'requestId'],
  ['params', 'cursor'],
  ['error', 'code'],
  ['params', 'protocolVersion'],
];

const hugeNumber: BodyGenerator = (rng, names, id) => {
  const [name, message] = pickMessage(rng, names, id);
  const path = rng.pick(NUMBER_PLACES);
  const fragment = rng.pick(HUGE_NUMBERS);
  return {
    what: `${name} with ${pathText(path)} = ${preview(fragment, 30)}`,
    body: withFragment(message, path, fragment),
  };
};

const ODD_METHODS = [
  'foo',
  'rpc.discover',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'tools/call/',
  'TOOLS/CALL',
  'tools/call\u0000',
  '$/cancelRequest',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'notifications/message',
  'server/discover',
  'resources/unsubscribe',
  'completion/complete',
  '\ud800',
  '\u202etools/list',
  'x'.repeat(100_000),
];

const unknownMethod: BodyGenerator = (rng, _names, id) => {
  const method = rng.pick(ODD_METHODS);
  const params = rng.chance(0.5) ? `,"params":${hostileFragment(rng)}` : '';
  const envelope = rng.chance(0.3) ? '' : `"id":${JSON.stringify(id)},`;
  return {
    what: `${envelope ? 'request' : 'notification'} ${preview(method, 30)}${params ? ' with odd params' : ''}`,
    body: `{"jsonrpc":"2.0",${envelope}"method":${JSON.stringify(method)}${params}}`,
  };
};

const toolsCall: BodyGenerator = (rng, names, id) => {
  const name = rng.pick([
    JSON.stringify(names.echo),
    JSON.stringify(names.sum),
    JSON.stringify(`${names.echo}\u0000`),
    JSON.stringify(`${names.echo} `),
    JSON.stringify(names.echo.toUpperCase()),
    '"nope"',
    '""',
    '"__proto__"',
    '"../../etc/passwd"',
    hostileFragment(rng),
  ]);
  const argumentsText = rng.pick([
    () => hostileFragment(rng),
    () => `{"message":${hostileFragment(rng)}}`,
    () => `{"a":${rng.pick(WRONG_FRAGMENTS)},"b":${rng.pick(HUGE_NUMBERS)}}`,
    () => `{"message":"hi","extra":${hostileFragment(rng)}}`,
    () => `{"message":${deepFragment(60, 'mixed')}}`,
    () => `{"message":"x","list":[${Array.from({ length: 20_000 }, (_, i) => i).join(',')}]}`,
    () => `{${Array.from({ length: 5_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
    () => `{"message":${JSON.stringify(longString(rng))}}`,
  ])();
  const params = rng.chance(0.1) ? `{"name":${name}}` : `{"name":${name},"arguments":${argumentsText}}`;
  return {
    what: `tools/call name=${preview(name, 30)} arguments=${preview(argumentsText, 50)}`,
    body: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":${params}}`,
  };
};

const cancellationsAndResponses: BodyGenerator = (rng, _names, id) => {
  const variants: [string, string][] = [
    [
      'cancel with odd requestId',
      `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":${hostileFragment(rng)}}}`,
    ],
    [
      'cancel with odd reason',
      `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":${hostileFragment(rng)}}}`,
    ],
    [
      'cancel of an unknown request',
      `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"never-sent"}}`,
    ],
    ['cancel without params', '{"jsonrpc":"2.0","method":"notifications/cancelled"}'],
    [
      'cancel with an id',
      `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"notifications/cancelled","params":{"requestId":1}}`,
    ],
    [
      'progress for nothing',
      `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":${hostileFragment(rng)},"progress":${rng.pick(HUGE_NUMBERS)}}}`,
    ],
    ['response with an odd id', `{"jsonrpc":"2.0","id":${hostileFragment(rng)},"result":{}}`],
    ['response with an odd result', `{"jsonrpc":"2.0","id":"srv-1","result":${hostileFragment(rng)}}`],
    ['response with an odd error', `{"jsonrpc":"2.0","id":"srv-1","error":${hostileFragment(rng)}}`],
    [
      'response with result and error',
      '{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}',
    ],
    [
      'response to nobody',
      `{"jsonrpc":"2.0","id":${rng.pick(['0', '1', '"1"', '9007199254740991'])},"result":{"content":[]}}`,
    ],
    [
      'error with odd code',
      `{"jsonrpc":"2.0","id":1,"error":{"code":${hostileFragment(rng)},"message":${hostileFragment(rng)}}}`,
    ],
  ];
  const [what, body] = rng.pick(variants);
  return { what, body };
};

const initialize: BodyGenerator = (rng, _names, id) => {
  const version = rng.pick([
    '"2025-11-25"',
    '"2026-07-28"',
    '"2024-11-05"',
    '"9999-99-99"',
    '""',
    JSON.stringify('2025-11-25\u0000'),
    hostileFragment(rng),
  ]);
  const capabilities = rng.pick([
    () => '{}',
    () => hostileFragment(rng),
    () => `{"sampling":${hostileFragment(rng)},"roots":${hostileFragment(rng)}}`,
    () => `{"experimental":{${JSON.stringify(rng.pick(ODD_STRINGS))}:${oddFragment(rng)}}}`,
    () => `{"experimental":{"blob":${JSON.stringify('x'.repeat(rng.pick([4_000, 4_097, 60_000])))}}}`,
    () => `{"experimental":${deepFragment(rng.pick([60, 70]), 'object')}}`,
  ])();
  const clientInfo = rng.pick([
    () => '{"name":"fuzz","version":"1"}',
    () => hostileFragment(rng),
    () => `{"name":${oddFragment(rng)},"version":${hostileFragment(rng)}}`,
    () => `{"name":${JSON.stringify('n'.repeat(100_000))}}`,
  ])();
  return {
    what: `initialize protocolVersion=${preview(version, 20)} capabilities=${preview(capabilities, 40)} clientInfo=${preview(clientInfo, 30)}`,
    body: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"initialize","params":{"protocolVersion":${version},"capabilities":${capabilities},"clientInfo":${clientInfo}}}`,
  };
};

/** Every body mutation, by name: the same set goes over both transports. */
export const BODY_GENERATORS: Record<string, BodyGenerator> = {
  'invalid JSON': invalidJson,
  'wrong types': wrongType,
  'missing fields': missingField,
  batches: batch,
  'deep nesting': deepNesting,
  'odd Unicode': oddUnicode,
  'huge numbers': hugeNumber,
  'unknown methods': unknownMethod,
  'tools/call arguments': toolsCall,
  'cancellations and responses': cancellationsAndResponses,
  initialize,
};
