'use client';

import type { CreatedApiToken } from '@toolgate/api/schemas/tokens';
import { useState } from 'react';
import { CopyableValue, CopyButton } from '~/components/copy-button';
import { Dialog } from '~/components/ui/dialog';
import { cx } from '~/components/ui/cx';
import { ConnectToken } from './connect-token';

const PLACEHOLDER = '<your token>';

type Method = 'oauth' | 'token';

interface Snippet {
  id: string;
  label: string;
  note: string;
  code: string;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Configurations with a bearer token: every client, any gateway that takes API tokens. */
function tokenSnippets(name: string, url: string, token: string): Snippet[] {
  const headers = { Authorization: `Bearer ${token}` };
  return [
    {
      id: 'claude',
      label: 'Claude Desktop',
      note: 'Settings → Developer → Edit config (claude_desktop_config.json). Uses mcp-remote to bridge to stdio.',
      code: json({
        mcpServers: {
          [name]: {
            command: 'npx',
            args: ['-y', 'mcp-remote', url, '--header', `Authorization: Bearer ${token}`],
          },
        },
      }),
    },
    {
      id: 'cursor',
      label: 'Cursor',
      note: '~/.cursor/mcp.json (or .cursor/mcp.json in a project).',
      code: json({ mcpServers: { [name]: { url, headers } } }),
    },
    {
      id: 'vscode',
      label: 'VS Code',
      note: '.vscode/mcp.json in your workspace.',
      code: json({ servers: { [name]: { type: 'http', url, headers } } }),
    },
    {
      id: 'openwebui',
      label: 'Open WebUI',
      note: 'Admin Settings → External Tools → Add connection, type “MCP (Streamable HTTP)”, or import this JSON.',
      code: json([{ type: 'mcp', url, auth_type: 'bearer', key: token, info: { id: name, name } }]),
    },
    {
      id: 'inspector',
      label: 'MCP Inspector',
      note: 'Opens the Inspector UI connected to this gateway.',
      code: `npx @modelcontextprotocol/inspector --transport http --server-url ${url} \\\n  --header "Authorization: Bearer ${token}"`,
    },
    {
      id: 'curl',
      label: 'curl',
      note: 'Initialize a session by hand.',
      code: `curl -sS ${url} \\\n  -H "Authorization: Bearer ${token}" \\\n  -H "Content-Type: application/json" \\\n  -H "Accept: application/json, text/event-stream" \\\n  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'`,
    },
  ];
}

/** Configurations for clients that sign in with MCP OAuth themselves: only the URL. */
function oauthSnippets(name: string, url: string): Snippet[] {
  return [
    {
      id: 'claude',
      label: 'Claude Desktop',
      note: 'Settings → Connectors → Add custom connector: paste the URL. Claude opens the sign-in page.',
      code: url,
    },
    {
      id: 'claude-code',
      label: 'Claude Code',
      note: 'Then run /mcp in Claude Code and choose Authenticate.',
      code: `claude mcp add --transport http ${name} ${url}`,
    },
    {
      id: 'cursor',
      label: 'Cursor',
      note: '~/.cursor/mcp.json: Cursor shows “Needs login” and opens the sign-in page.',
      code: json({ mcpServers: { [name]: { url } } }),
    },
    {
      id: 'vscode',
      label: 'VS Code',
      note: '.vscode/mcp.json: VS Code asks to sign in when the server starts.',
      code: json({ servers: { [name]: { type: 'http', url } } }),
    },
    {
      id: 'inspector',
      label: 'MCP Inspector',
      note: 'Choose “Open Auth Settings” → Quick OAuth Flow in the Inspector.',
      code: `npx @modelcontextprotocol/inspector --transport http --server-url ${url}`,
    },
  ];
}

export function ConnectDialog({
  open,
  onClose,
  gatewayId,
  name,
  url,
  clientAuthMethods,
}: {
  open: boolean;
  onClose: () => void;
  gatewayId: string;
  name: string;
  url: string;
  clientAuthMethods: readonly string[];
}) {
  // Pass-through: clients sign in at the fronted server's authorization server, also URL only.
  const passthrough = clientAuthMethods.includes('passthrough');
  const oauth = clientAuthMethods.includes('oauth') || passthrough;
  const tokens = clientAuthMethods.includes('api_token');
  // Tokens work in every client, so they come first where both are accepted.
  const [method, setMethod] = useState<Method>(tokens || !oauth ? 'token' : 'oauth');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const all =
    method === 'oauth' ? oauthSnippets(name, url) : tokenSnippets(name, url, created?.token ?? PLACEHOLDER);
  const [tab, setTab] = useState(all[0]!.id);
  const current = all.find((s) => s.id === tab) ?? all[0]!;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Connect a client"
      description={
        passthrough
          ? "Clients sign in at the server's own authorization server: they need only the URL."
          : oauth && tokens
            ? 'Clients that support MCP sign-in need only the URL; others use an API token.'
            : oauth
              ? 'Clients sign in with OAuth: they need only the URL.'
              : tokens
                ? 'Clients authenticate with an API token: create one here or on the Tokens page.'
                : 'This gateway accepts neither OAuth nor API tokens; the configurations below show where a bearer token goes.'
      }
    >
      <div className="flex min-w-0 flex-col gap-4">
        <div>
          <p className="text-sm font-medium text-slate-800">Gateway URL</p>
          <CopyableValue value={url} label="Copy URL" testId="gateway-url" className="mt-1.5" />
        </div>
        {oauth && (
          <div role="radiogroup" aria-label="How the client signs in" className="flex flex-wrap gap-2">
            {(
              [
                ...(tokens ? [{ value: 'token', label: 'API token' }] : []),
                { value: 'oauth', label: 'OAuth sign-in (URL only)' },
              ] as { value: Method; label: string }[]
            ).map((m) => (
              <button
                key={m.value}
                type="button"
                role="radio"
                aria-checked={method === m.value}
                onClick={() => setMethod(m.value)}
                className={cx(
                  'rounded-lg px-3 py-1.5 text-sm font-medium ring-1',
                  method === m.value
                    ? 'bg-brand-50 text-brand-700 ring-brand-500'
                    : 'text-slate-600 ring-slate-200 hover:bg-slate-50',
                )}
              >
                {m.label}
              </button>
            ))}
          </div>
        )}
        {method === 'oauth' && passthrough ? (
          <p role="note" data-testid="connect-oauth-note" className="text-sm text-slate-600">
            Clients that support MCP sign-in find the server&apos;s authorization server from this URL, sign
            their user in there and get a token for this gateway, which the gateway checks and passes on to
            the server. Toolgate tokens are not accepted here.
          </p>
        ) : method === 'oauth' ? (
          <p role="note" data-testid="connect-oauth-note" className="text-sm text-slate-600">
            Clients that support MCP sign-in open a Toolgate sign-in page in the browser and get a token of
            their own: no <code className="font-mono">Authorization</code> header to copy.
          </p>
        ) : (
          tokens && <ConnectToken gatewayId={gatewayId} token={created} onCreated={setCreated} />
        )}
        <div role="tablist" aria-label="Client" className="flex flex-wrap gap-1">
          {all.map((s) => (
            <button
              key={s.id}
              type="button"
              role="tab"
              aria-selected={s.id === current.id}
              onClick={() => setTab(s.id)}
              className={cx(
                'rounded-md px-2.5 py-1 text-sm font-medium',
                s.id === current.id ? 'bg-brand-50 text-brand-700' : 'text-slate-600 hover:bg-slate-100',
              )}
            >
              {s.label}
            </button>
          ))}
        </div>
        <div role="tabpanel" aria-label={current.label} className="min-w-0">
          <p className="text-sm text-slate-600">{current.note}</p>
          <div className="relative mt-2 rounded-lg bg-slate-900">
            <div className="absolute top-1.5 right-1.5">
              <CopyButton value={current.code} label={`Copy ${current.label} config`} />
            </div>
            {/* Long commands and URLs wrap rather than scroll out of the dialog. */}
            <pre
              data-testid="connect-snippet"
              className="max-h-72 overflow-y-auto p-3 pr-10 font-mono text-xs leading-relaxed break-all whitespace-pre-wrap text-slate-100"
            >
              {current.code}
            </pre>
          </div>
        </div>
      </div>
    </Dialog>
  );
}
