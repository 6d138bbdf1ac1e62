import { resultMessage, type JsonRpcRequestMessage } from '@toolgate/mcp/jsonrpc';
import type { SnapshotTool } from '@toolgate/core/snapshot';
import type { McpCall } from '../mcp-call.ts';
import type { GuardrailGate } from './guardrail-gate.ts';
import type { HeldOwner } from './input-bridge.ts';
import type { Responder } from './responder.ts';

/** A tools/call result that reports a failure to the model (`isError`), not a protocol error. */
export const toolError = (id: JsonRpcRequestMessage['id'], text: string) =>
  resultMessage(id, { content: [{ type: 'text', text }], isError: true });

/**
 * The final result to the client, through the guardrails on results: a result that is not final
 * (a task created, input required) goes as it is; one they block becomes a tool error.
 */
export async function finishToolCall(
  guardrails: GuardrailGate | undefined,
  call: McpCall,
  tool: SnapshotTool,
  id: JsonRpcRequestMessage['id'],
  responder: Responder,
  result: Record<string, unknown>,
): Promise<void> {
  if (
    !guardrails?.applies(call.caller.gateway, 'results') ||
    result.task !== undefined ||
    result.resultType === 'input_required'
  )
    return responder.reply(resultMessage(id, result));
  const guarded = await guardrails.check(call, tool, 'results', result);
  responder.reply(
    guarded.go ? resultMessage(id, guarded.value as Record<string, unknown>) : toolError(id, guarded.text),
  );
}

/** Who may resume a held call: the same caller, on the same gateway, for the same tool. */
export const ownerOf = (call: McpCall, tool: string): HeldOwner => ({
  tenantId: call.caller.gateway.snapshot.tenant.id,
  gatewayId: call.caller.gateway.snapshot.gateway.id,
  principalId: call.caller.principal.id,
  tool,
});
