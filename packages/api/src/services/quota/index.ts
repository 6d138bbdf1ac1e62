export {
  getQuotaStatus,
  quotaLevel,
  quotaPeriod,
  WARNING_PERCENT,
  ZQuotaStatus,
  type QuotaLevel,
  type QuotaStatus,
} from './get-quota-status.ts';
export { monthlyToolCalls, monthlyToolCallsByTenant, type QuotaPeriod } from './monthly-tool-calls.ts';
export { quotaWarningMail, type QuotaWarning } from './quota-mail.ts';
export {
  sendQuotaNotices,
  type SendQuotaNoticesOptions,
  type SentQuotaNotice,
} from './send-quota-notices.ts';
