import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from './sse-parser.ts';

function parse(chunks: string[]): { events: SseEvent[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return { events, parser };
}

describe('SseParser', () => {
  it('parses events with names, ids and multi-line data', () => {
    const { events, parser } = parse([
      'event: endpoint\ndata: /message?sessionId=1\n\n',
      'id: 7\ndata: a\ndata: b\n\n',
    ]);
    expect(events).toEqual([
      { event: 'endpoint', data: '/message?sessionId=1', id: undefined },
      { event: 'message', data: 'a\nb', id: '7' },
    ]);
    expect(parser.lastEventId).toBe('7');
  });

  it('reassembles events split at any character', () => {
    const stream =
      'event: message\r\nid: 1\r\ndata: {"jsonrpc":"2.0","id":1,"result":{"ü":true}}\r\n\r\n:comment\n\ndata: x\n\n';
    const whole = parse([stream]).events;
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parse([stream.slice(0, cut), stream.slice(cut)]).events).toEqual(whole);
    }
    expect(parse(stream.split('')).events).toEqual(whole);
    expect(whole).toHaveLength(2);
  });

  it('accepts bare CR line ends, a BOM, and a space-less colon', () => {
    const { events } = parse(['\uFEFFdata:one\r\rdata: two\r', '\n\r\n']);
    expect(events.map((event) => event.data)).toEqual(['one', 'two']);
  });

  it('keeps id and retry of data-less priming events without dispatching them', () => {
    const { events, parser } = parse(['id: prime-1\nretry: 250\ndata: \n\n']);
    expect(events).toEqual([{ event: 'message', data: '', id: 'prime-1' }]);
    expect(parser.lastEventId).toBe('prime-1');
    expect(parser.retryMs).toBe(250);
    expect(parse(['id: 3\n\n']).events).toEqual([]);
    expect(parse(['id: 3\n\n']).parser.lastEventId).toBe('3');
  });

  it('refuses a message over the size limit instead of buffering it', () => {
    const parser = new SseParser(() => undefined, 100);
    expect(() => {
      for (let i = 0; i < 20; i++) parser.push(i === 0 ? 'data: ' : 'xxxxxxxxxx');
    }).toThrow(/size limit/);
  });
});
