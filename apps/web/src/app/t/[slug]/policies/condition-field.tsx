'use client';

import { useEffect, useId, useRef } from 'react';
import { cx } from '~/components/ui/cx';
import { problemMarker, problemText, type ConditionProblem } from './condition-problem';

/** The variables a condition reads (docs/policies.md has their meaning and examples). */
const VARIABLES: [string, string][] = [
  ['tool.name', 'the server’s name for the tool'],
  ['tool.exposedName', 'the name clients see'],
  ['tool.server', 'the server’s slug'],
  [
    'tool.annotations',
    'the tool’s MCP annotations (readOnlyHint, destructiveHint, …): test with has() first',
  ],
  ['tool.labels', 'labels admins set on the tool'],
  ['args', 'the call’s arguments: test with has(args.x) first'],
  ['caller.userId, caller.email, caller.emailDomain, caller.role', 'who calls ("" for org and team tokens)'],
  ['caller.teams', 'slugs of the caller’s teams'],
  ['caller.authMethod', 'api_token, oauth, idp_jwt or passthrough'],
  ['caller.client', 'the agent: the OAuth client, else the name the client declared'],
  ['caller.tokenId', 'the API token used'],
  ['gateway.slug', 'the gateway called'],
  [
    'session.tainted, session.labels',
    'whether an untrusted-output tool was called in this session; labels called',
  ],
  ['request.time', 'when the call arrived (request.time.getHours("UTC"), …)'],
];

/**
 * A CEL condition in a monospace text area. A problem (found in the browser or by the server)
 * shows its message and the offending line with a caret under the column; `focusRequest` moves
 * the text cursor to the problem's position each time it changes.
 */
export function ConditionField({
  value,
  onChange,
  onBlur,
  problem,
  error,
  focusRequest,
  readOnly,
}: {
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  /** A position to mark; `error` is shown instead when there is none (e.g. "must not be empty"). */
  problem: ConditionProblem | null;
  error?: string;
  focusRequest: number;
  readOnly?: boolean;
}) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const problemRef = useRef(problem);
  problemRef.current = problem;
  useEffect(() => {
    const at = problemRef.current;
    if (focusRequest === 0 || !at || !area.current) return;
    area.current.focus();
    area.current.setSelectionRange(at.offset, at.offset);
  }, [focusRequest]);

  const message = problem ? problemText(problem) : error;
  const marker = problem ? problemMarker(value, problem) : null;
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex items-baseline justify-between gap-3">
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          Condition
        </label>
        <span className="text-xs text-slate-500">
          <a href="https://cel.dev" target="_blank" rel="noreferrer" className="hover:underline">
            CEL
          </a>
          , true when the policy applies
        </span>
      </div>
      <textarea
        ref={area}
        id={id}
        name="condition"
        rows={4}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        readOnly={readOnly}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onBlur}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : `${id}-hint`}
        placeholder={'"external-send" in tool.labels && session.tainted'}
        className={cx(
          'rounded-lg bg-white px-3 py-2 font-mono text-sm text-slate-900 shadow-xs ring-1 outline-none focus:ring-2',
          message ? 'ring-red-400 focus:ring-red-500' : 'ring-slate-300 focus:ring-brand-500',
        )}
      />
      {message ? (
        <div id={`${id}-error`} className="flex flex-col gap-1" data-testid="condition-error">
          <p className="text-sm text-red-600">{message}</p>
          {marker && (
            <pre
              aria-label={`Line ${problem!.line}, column ${problem!.column}`}
              className="overflow-x-auto rounded-md bg-red-50 px-3 py-2 font-mono text-xs leading-5 text-slate-800 ring-1 ring-red-600/15 ring-inset"
            >
              <code data-testid="condition-error-line">{marker.text}</code>
              {'\n'}
              <code data-testid="condition-caret" className="font-bold text-red-600">
                {marker.caret}
              </code>
            </pre>
          )}
        </div>
      ) : (
        <details id={`${id}-hint`} className="text-sm text-slate-500">
          <summary className="cursor-pointer select-none">Variables a condition can read</summary>
          <dl className="mt-2 grid gap-x-4 gap-y-1 sm:grid-cols-[auto_1fr]">
            {VARIABLES.map(([name, meaning]) => (
              <div key={name} className="contents">
                <dt>
                  <code className="font-mono text-xs text-slate-800">{name}</code>
                </dt>
                <dd className="text-xs">{meaning}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </div>
  );
}
