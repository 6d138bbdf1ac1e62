'use client';

import { GUARDRAIL_SIGNATURE_HEADER } from '@toolgate/core/dlp';
import { useEffect, useRef } from 'react';
import { CopyableValue } from '~/components/copy-button';
import { Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';

const REQUEST_EXAMPLE = `{
  "version": 1,
  "guardrail": { "id": "…", "name": "…" },
  "direction": "arguments",          // or "results"
  "tenant": { "id": "…", "slug": "…" },
  "gateway": { "id": "…", "slug": "…" },
  "tool": { "name": "…", "exposedName": "…", "server": "…" },
  "caller": { "userId": "…", "email": "…", "client": "…" },
  "value": { … }                     // the call's arguments, or its result
}`;

/** What an external guardrail is sent, how it is signed and what it answers. */
export function SigningProtocol() {
  return (
    <details className="group rounded-lg bg-slate-50 px-3.5 py-2.5 text-sm text-slate-700 ring-1 ring-slate-200 ring-inset">
      <summary className="cursor-pointer font-medium text-slate-800">
        What the endpoint receives and must answer
      </summary>
      <div className="mt-3 flex flex-col gap-3">
        <p>
          For each call the guardrail applies to, after the detectors (so it sees what they let through,
          already redacted), Toolgate sends the endpoint a JSON body:
        </p>
        <pre className="overflow-x-auto rounded-md bg-white px-3 py-2 font-mono text-xs text-slate-800 ring-1 ring-slate-200 ring-inset">
          {REQUEST_EXAMPLE}
        </pre>
        <p>
          Every request is signed in the header{' '}
          <code className="font-mono text-xs">
            {GUARDRAIL_SIGNATURE_HEADER}: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;
          </code>
          , where the hex is the HMAC-SHA256 of <code className="font-mono text-xs">t.body</code> (the
          timestamp, a dot, and the raw body) keyed with the signing secret. Check it, and refuse old
          timestamps, before trusting a request.
        </p>
        <p>It answers with status 200 and one of:</p>
        <ul className="flex flex-col gap-1 pl-4">
          <li>
            <code className="font-mono text-xs">{'{"action":"allow"}'}</code>: the call goes on.
          </li>
          <li>
            <code className="font-mono text-xs">{'{"action":"deny","message":"…"}'}</code>: the call is
            refused with the message.
          </li>
          <li>
            <code className="font-mono text-xs">{'{"action":"modify","value":…}'}</code>: the value is
            replaced by the one answered.
          </li>
        </ul>
        <p>
          Any other answer, an error or no answer within the timeout is a failure, handled by the fail mode.
        </p>
      </div>
    </details>
  );
}

/**
 * A signing secret just made (an endpoint added, or rotated): the only time it is shown. The
 * server keeps it sealed and never answers it again.
 */
export function SigningSecretPanel({
  guardrailName,
  secret,
  doneLabel,
  onDone,
}: {
  guardrailName: string;
  secret: string;
  doneLabel: string;
  onDone: () => void;
}) {
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    panel.current?.scrollIntoView({ block: 'start' });
    panel.current?.focus();
  }, []);
  return (
    <section
      ref={panel}
      tabIndex={-1}
      aria-labelledby="signing-secret-heading"
      className="flex flex-col gap-4 rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200 outline-none"
    >
      <div>
        <h2 id="signing-secret-heading" className="text-base font-semibold text-slate-900">
          Signing secret for “{guardrailName}”
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Give it to your endpoint: it verifies that requests come from Toolgate with this secret.
        </p>
      </div>
      <CopyableValue value={secret} label="Copy signing secret" testId="signing-secret" />
      <Notice>
        <strong>Shown once.</strong> Copy it now and store it with your endpoint: Toolgate keeps it sealed and
        will not show it again. If it is lost, rotate it to make a new one.
      </Notice>
      <SigningProtocol />
      <div className="flex justify-end">
        <Button onClick={onDone}>{doneLabel}</Button>
      </div>
    </section>
  );
}
