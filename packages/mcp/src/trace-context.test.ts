import { describe, expect, it } from 'vitest';
import { forwardedTraceHeaders, formatTraceparent, parseTraceparent } from './trace-context.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('trace context', () => {
  it('parses version 00 and keeps the fields', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({
      traceId: TRACE,
      parentId: SPAN,
      flags: '01',
    });
    expect(parseTraceparent([`00-${TRACE}-${SPAN}-00`, 'ignored'])?.flags).toBe('00');
  });

  it('refuses what the spec calls invalid', () => {
    for (const bad of [
      undefined,
      '',
      'garbage',
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01\r\nx-injected: 1`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
  });

  it('accepts a later version with more fields, forwarding it as version 00', () => {
    expect(forwardedTraceHeaders({ traceparent: `01-${TRACE}-${SPAN}-01-future` })).toEqual({
      traceparent: `00-${TRACE}-${SPAN}-01`,
    });
  });

  it('forwards tracestate only with a valid traceparent, and only printable', () => {
    expect(forwardedTraceHeaders({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'a=1,b=2' })).toEqual({
      traceparent: `00-${TRACE}-${SPAN}-01`,
      tracestate: 'a=1,b=2',
    });
    expect(forwardedTraceHeaders({ tracestate: 'a=1' })).toBeUndefined();
    expect(
      forwardedTraceHeaders({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'a=1\u0000' })?.tracestate,
    ).toBeUndefined();
  });

  it('formats flags from a number', () => {
    expect(formatTraceparent(TRACE, SPAN, 1)).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent(TRACE, SPAN, 0)).toBe(`00-${TRACE}-${SPAN}-00`);
  });
});
