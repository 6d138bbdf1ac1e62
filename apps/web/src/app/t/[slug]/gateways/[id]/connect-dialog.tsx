'use client';

import { useState } from 'react';
import { CopyableValue, CopyButton } from '~/components/copy-button';
import { Dialog } from '~/components/ui/dialog';
import { cx } from '~/components/ui/cx';

const TOKEN = '<your token>';

function snippets(name: string, url: string): { id: string; label: string; note: string; code: string }[] {
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  const headers = { Authorization: `Bearer ${TOKEN}` };
  return [
    {
      id: 'claude',
      label: 'Claude Desktop',
      note: 'Settings → Developer → Edit config (claude_desktop_config.json). Uses mcp-remote to bridge to stdio.',
      code: json({
        mcpServers: {
          [name]: {
            command: 'npx',
            args: ['-y', 'mcp-remote', url, '--header', `Authorization: Bearer ${TOKEN}`],
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
      code: json([{ type: 'mcp', url, auth_type: 'bearer', key: TOKEN, info: { id: name, name } }]),
    },
    {
      id: 'inspector',
      label: 'MCP Inspector',
      note: 'Opens the Inspector UI connected to this gateway.',
      code: `npx @modelcontextprotocol/inspector --transport http --server-url ${url} \\\n  --header "Authorization: Bearer ${TOKEN}"`,
    },
    {
      id: 'curl',
      label: 'curl',
      note: 'Initialize a session by hand.',
      code: `curl -sS ${url} \\\n  -H "Authorization: Bearer ${TOKEN}" \\\n  -H "Content-Type: application/json" \\\n  -H "Accept: application/json, text/event-stream" \\\n  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'`,
    },
  ];
}

export function ConnectDialog({
  open,
  onClose,
  name,
  url,
  clientAuthMethods,
}: {
  open: boolean;
  onClose: () => void;
  name: string;
  url: string;
  clientAuthMethods: readonly string[];
}) {
  const oauth = clientAuthMethods.includes('oauth');
  const tokens = clientAuthMethods.includes('api_token');
  const all = snippets(name, url);
  const [tab, setTab] = useState(all[0]!.id);
  const current = all.find((s) => s.id === tab) ?? all[0]!;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Connect a client"
      description={
        tokens ? (
          <>
            Create a token on the Tokens page and put it where you see{' '}
            <code className="font-mono">{TOKEN}</code>.
          </>
        ) : (
          'API tokens are not accepted by this gateway; the configurations below show where a bearer token goes.'
        )
      }
    >
      <div className="flex flex-col gap-4">
        {oauth && (
          <p
            role="note"
            data-testid="connect-oauth-note"
            className="rounded-lg bg-brand-50 px-3.5 py-3 text-sm text-brand-700 ring-1 ring-brand-600/20 ring-inset"
          >
            OAuth is on: clients that support MCP sign-in (Claude Desktop, Cursor, VS Code, the MCP Inspector)
            need only the URL below — leave out the <code className="font-mono">Authorization</code> header
            and they will open a sign-in page in the browser.
          </p>
        )}
        <div>
          <p className="text-sm font-medium text-slate-800">Gateway URL</p>
          <CopyableValue value={url} label="Copy URL" testId="gateway-url" truncate className="mt-1.5" />
        </div>
        <div role="tablist" aria-label="Client" className="flex flex-wrap gap-1">
          {all.map((s) => (
            <button
              key={s.id}
              type="button"
              role="tab"
              aria-selected={s.id === tab}
              onClick={() => setTab(s.id)}
              className={cx(
                'rounded-md px-2.5 py-1 text-sm font-medium',
                s.id === tab ? 'bg-brand-50 text-brand-700' : 'text-slate-600 hover:bg-slate-100',
              )}
            >
              {s.label}
            </button>
          ))}
        </div>
        <div role="tabpanel" aria-label={current.label}>
          <p className="text-sm text-slate-600">{current.note}</p>
          <div className="relative mt-2 rounded-lg bg-slate-900">
            <div className="absolute top-1.5 right-1.5">
              <CopyButton value={current.code} label={`Copy ${current.label} config`} />
            </div>
            <pre className="max-h-72 overflow-auto p-3 pr-10 font-mono text-xs leading-relaxed text-slate-100">
              {current.code}
            </pre>
          </div>
        </div>
      </div>
    </Dialog>
  );
}
