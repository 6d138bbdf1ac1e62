export { default } from '@toolgate/eslint-config';
