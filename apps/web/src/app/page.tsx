const FEATURES = [
  {
    title: 'Private registry',
    body: 'Curate remote and local MCP servers for your organisation, with credentials encrypted at rest.',
  },
  {
    title: 'Named gateways',
    body: 'Expose exactly the tools each team needs through one URL per gateway, for any MCP client.',
  },
  {
    title: 'Every call accounted for',
    body: 'Authentication, authorization, credential injection, usage metering and audit logs on every call.',
  },
];

export default function HomePage() {
  return (
    <main className="mx-auto flex max-w-5xl flex-col gap-16 px-6 py-20">
      <header className="flex items-center justify-between">
        <span className="text-lg font-semibold tracking-tight">
          <span className="text-brand-600">Tool</span>gate
        </span>
        <nav className="flex gap-3 text-sm">
          <a className="rounded-md px-3 py-2 text-slate-600 hover:text-slate-900" href="/signin">
            Sign in
          </a>
          <a
            className="bg-brand-600 hover:bg-brand-700 rounded-md px-3 py-2 font-medium text-white"
            href="/signup"
          >
            Create a workspace
          </a>
        </nav>
      </header>
      <section className="flex flex-col gap-6">
        <h1 className="max-w-3xl text-5xl font-semibold tracking-tight">
          One governed endpoint for all your MCP servers.
        </h1>
        <p className="max-w-2xl text-lg text-slate-600">
          Toolgate connects Claude Desktop, Cursor, VS Code and your agents to the tools your organisation
          approves — authenticated, authorized, metered and logged.
        </p>
      </section>
      <section className="grid gap-6 sm:grid-cols-3">
        {FEATURES.map((f) => (
          <article key={f.title} className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 className="font-medium">{f.title}</h2>
            <p className="mt-2 text-sm text-slate-600">{f.body}</p>
          </article>
        ))}
      </section>
    </main>
  );
}
