/** The consent page looks like the sign-in pages it follows. */
export { default } from '../(auth)/layout';
