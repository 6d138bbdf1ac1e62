/** Money and dates as the Billing page shows them. */

/** An amount in the currency's smallest unit (Stripe's convention), e.g. 2000 usd → "$20.00". */
export function formatMoney(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  let digits: number;
  try {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
        .maximumFractionDigits ?? 2;
  } catch {
    return `${amount} ${code}`;
  }
  return new Intl.NumberFormat('en', { style: 'currency', currency: code }).format(amount / 10 ** digits);
}

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

export const formatDate = (value: Date): string => dateFormat.format(value);

export const formatCount = (value: number): string => new Intl.NumberFormat('en').format(value);
