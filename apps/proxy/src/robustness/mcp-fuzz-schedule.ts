import { BODY_GENERATORS } from './mcp-fuzz-bodies.ts';
import {
  authorization,
  contentLengths,
  malformedHeaders,
  mediaTypes,
  protocolVersions,
  sessionIds,
} from './mcp-fuzz-headers.ts';
import { samplingAnswers } from './mcp-fuzz-exchanges.ts';
import { legacyBodies, legacyEndpoints, legacySessions } from './mcp-fuzz-legacy.ts';
import { httpMethods, statelessRequests } from './mcp-fuzz-methods.ts';
import { post, type CaseGenerator } from './mcp-fuzz-world.ts';

/** Every body mutation, POSTed on the session of the gateway under test. */
function streamableBodies(name: string): CaseGenerator {
  const generate = BODY_GENERATORS[name]!;
  return (rng, w, index) => {
    const { what, body } = generate(rng, w.names, rng.chance(0.5) ? index : `s${index}`);
    return { transport: 'streamable', generator: name, what, request: post(w, body) };
  };
}

/**
 * The order generators take turns in: every body mutation over Streamable HTTP, every header and
 * method family (each cycling through its variants, so a run of 30 rounds meets them all), and the
 * legacy transport (its bodies four times as often as the rest).
 */
export function schedule(): { name: string; generate: CaseGenerator }[] {
  const legacy = legacyBodies();
  return [
    ...Object.keys(BODY_GENERATORS).map((name) => ({ name, generate: streamableBodies(name) })),
    { name: 'authorization', generate: authorization() },
    { name: 'session ids', generate: sessionIds() },
    { name: 'protocol versions', generate: protocolVersions() },
    { name: 'content type and accept', generate: mediaTypes() },
    { name: 'content length', generate: contentLengths() },
    { name: 'malformed headers', generate: malformedHeaders() },
    { name: 'HTTP methods', generate: httpMethods() },
    { name: 'stateless requests', generate: statelessRequests },
    { name: 'answers to server requests', generate: samplingAnswers() },
    ...Array.from({ length: 4 }, () => ({ name: 'legacy bodies', generate: legacy })),
    { name: 'legacy session ids', generate: legacySessions() },
    { name: 'legacy endpoints', generate: legacyEndpoints() },
  ];
}
