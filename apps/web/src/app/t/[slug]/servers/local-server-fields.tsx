'use client';

import { useId } from 'react';
import { SelectField, TextField } from '~/components/ui/field';
import type { RegistryEntryForm } from './registry-entry-form';

/** What a local (stdio) server entry adds to the registry form: a package to run, and the network. */

export function RunsFieldset({ draft }: { draft: RegistryEntryForm }) {
  const name = useId();
  const options = [
    {
      value: 'package',
      label: 'npm package',
      hint: 'Installed at an exact version, without install scripts.',
    },
    { value: 'command', label: 'Command', hint: 'A program the runner can see, such as node.' },
  ] as const;
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1.5 text-sm font-medium text-slate-800">What runs</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {options.map((option) => (
          <label
            key={option.value}
            className="flex cursor-pointer items-start gap-3 rounded-lg px-3 py-2 ring-1 ring-slate-200 has-checked:bg-brand-50/60 has-checked:ring-brand-500"
          >
            <input
              type="radio"
              name={name}
              value={option.value}
              checked={draft.runs === option.value}
              onChange={() => {
                draft.setRuns(option.value);
                for (const key of ['command', 'package', 'version', 'bin']) draft.clear(key);
              }}
              className="mt-1 accent-brand-600"
            />
            <span className="text-sm">
              <span className="font-medium text-slate-900">{option.label}</span>
              <span className="block text-slate-500">{option.hint}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function PackageFields({ draft }: { draft: RegistryEntryForm }) {
  const { errors, clear } = draft;
  return (
    <>
      <TextField
        label="Package"
        name="package"
        autoComplete="off"
        spellCheck={false}
        placeholder="@modelcontextprotocol/server-everything"
        maxLength={214}
        value={draft.pkg}
        onChange={(e) => {
          draft.setPkg(e.target.value);
          clear('package');
        }}
        error={errors.package}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Version"
          name="version"
          autoComplete="off"
          spellCheck={false}
          placeholder="2026.8.31"
          maxLength={100}
          value={draft.version}
          onChange={(e) => {
            draft.setVersion(e.target.value);
            clear('version');
          }}
          error={errors.version}
          hint="Exact: installations run this version unless an admin pins another."
        />
        <TextField
          label="Bin (optional)"
          name="bin"
          autoComplete="off"
          spellCheck={false}
          maxLength={100}
          value={draft.bin}
          onChange={(e) => {
            draft.setBin(e.target.value);
            clear('bin');
          }}
          error={errors.bin}
          hint="Which of the package's commands runs, when it has several."
        />
      </div>
    </>
  );
}

export function NetworkField({ draft }: { draft: RegistryEntryForm }) {
  return (
    <SelectField
      label="Network"
      name="network"
      value={draft.network}
      onChange={(e) => {
        draft.setNetwork(e.target.value === 'egress' ? 'egress' : 'none');
        draft.clear('network');
      }}
      options={[
        { value: 'none', label: 'None: the server cannot open connections' },
        { value: 'egress', label: "Egress: the server reaches the runner host's network" },
      ]}
      error={draft.errors.network}
    />
  );
}
