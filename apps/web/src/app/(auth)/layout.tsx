import type { ReactNode } from 'react';
import { CheckIcon } from '~/components/icons';
import { Logo } from '~/components/logo';

const POINTS = [
  'A private registry of the MCP servers your organisation approves',
  'One URL per gateway for Claude, Cursor, VS Code and your agents',
  'Credentials encrypted at rest, every call authorized and logged',
];

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="grid min-h-screen lg:grid-cols-[minmax(0,1fr)_minmax(0,0.9fr)]">
      <div className="flex flex-col px-6 py-8 sm:px-10">
        <Logo />
        <main className="flex flex-1 items-center justify-center py-12">
          <div className="w-full max-w-md">{children}</div>
        </main>
        <p className="text-xs text-slate-400">© Toolgate · One governed endpoint for all your MCP servers</p>
      </div>
      <aside className="relative hidden overflow-hidden bg-brand-700 lg:block" aria-hidden="true">
        <div className="absolute inset-0 bg-[radial-gradient(circle_at_20%_15%,oklch(0.6_0.2_265),transparent_55%),radial-gradient(circle_at_85%_90%,oklch(0.35_0.16_275),transparent_50%)]" />
        <svg className="absolute inset-0 size-full opacity-[0.08]">
          <defs>
            <pattern id="grid" width="32" height="32" patternUnits="userSpaceOnUse">
              <path d="M32 0H0v32" fill="none" stroke="white" strokeWidth="1" />
            </pattern>
          </defs>
          <rect width="100%" height="100%" fill="url(#grid)" />
        </svg>
        <div className="relative flex h-full flex-col justify-center px-14 text-white xl:px-20">
          <p className="text-sm font-medium tracking-wide text-white/70 uppercase">Toolgate</p>
          <h2 className="mt-3 max-w-md text-3xl font-semibold tracking-tight text-balance">
            Give every team the tools they need — and nothing more.
          </h2>
          <ul className="mt-8 flex max-w-md flex-col gap-4">
            {POINTS.map((point) => (
              <li key={point} className="flex gap-3 text-[0.9375rem] text-white/85">
                <span className="mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full bg-white/15">
                  <CheckIcon className="size-3.5" />
                </span>
                {point}
              </li>
            ))}
          </ul>
          <div className="mt-12 max-w-md rounded-xl bg-white/10 p-4 ring-1 ring-white/15 backdrop-blur">
            <p className="text-xs font-medium text-white/60">Gateway URL</p>
            <p className="mt-1 font-mono text-sm text-white">https://mcp.example.com/mcp/acme/engineering</p>
            <div className="mt-3 flex gap-2 text-xs text-white/70">
              <span className="rounded-md bg-white/10 px-2 py-0.5">github · 12 tools</span>
              <span className="rounded-md bg-white/10 px-2 py-0.5">linear · 8 tools</span>
              <span className="rounded-md bg-white/10 px-2 py-0.5">postgres · 4 tools</span>
            </div>
          </div>
        </div>
      </aside>
    </div>
  );
}
