'use client';

import type { Invoice } from '@toolgate/api/services/billing';
import { useMemo } from 'react';
import { DataTable, dataTableColumnHelper, DateCell } from '~/components/data-table';
import { LogsIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { formatMoney } from './format';

const column = dataTableColumnHelper<Invoice>();

const STATUS_TONES: Record<string, 'green' | 'amber' | 'red' | 'slate'> = {
  paid: 'green',
  open: 'amber',
  uncollectible: 'red',
};

const linkClass = 'font-medium text-brand-700 hover:text-brand-800 hover:underline';

/** The latest invoices Stripe has for the workspace (every one is in the portal). */
export function InvoicesTable({ invoices, hasCustomer }: { invoices: Invoice[]; hasCustomer: boolean }) {
  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((i) => i.number ?? i.id, { id: 'number', header: 'Invoice', sortFn: 'text' }),
        column.accessor('createdAt', {
          header: 'Date',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-36' },
          cell: (info) => <DateCell value={info.getValue()} />,
        }),
        column.accessor((i) => i.status ?? '', {
          id: 'status',
          header: 'Status',
          sortFn: 'text',
          meta: { className: 'w-32', skeleton: 'badge' },
          cell: (info) =>
            info.getValue() ? (
              <Badge tone={STATUS_TONES[info.getValue()] ?? 'slate'}>{info.getValue()}</Badge>
            ) : null,
        }),
        column.accessor('total', {
          header: 'Total',
          sortFn: 'basic',
          enableGlobalFilter: false,
          meta: { className: 'w-32 tabular-nums' },
          cell: (info) => formatMoney(info.getValue(), info.row.original.currency),
        }),
        column.display({
          id: 'links',
          header: () => <span className="sr-only">Links</span>,
          meta: { className: 'w-40 text-right' },
          cell: (info) => {
            const invoice = info.row.original;
            return (
              <span className="flex justify-end gap-3">
                {invoice.hostedUrl && (
                  <a href={invoice.hostedUrl} target="_blank" rel="noreferrer" className={linkClass}>
                    View
                  </a>
                )}
                {invoice.pdfUrl && (
                  <a href={invoice.pdfUrl} target="_blank" rel="noreferrer" className={linkClass}>
                    PDF
                  </a>
                )}
              </span>
            );
          },
        }),
      ]),
    [],
  );
  return (
    <section aria-labelledby="billing-invoices-title" className="mt-8">
      <h2 id="billing-invoices-title" className="mb-3 text-sm font-semibold text-slate-900">
        Invoices
      </h2>
      <DataTable
        noun="invoices"
        columns={columns}
        data={invoices}
        getRowId={(i) => i.id}
        searchPlaceholder="Search by invoice number"
        initialSorting={[{ id: 'createdAt', desc: true }]}
        empty={{
          icon: LogsIcon,
          title: 'No invoices yet',
          description: hasCustomer
            ? 'Stripe lists an invoice here once one is issued.'
            : 'Invoices appear here after you upgrade to a paid plan.',
        }}
      />
    </section>
  );
}
