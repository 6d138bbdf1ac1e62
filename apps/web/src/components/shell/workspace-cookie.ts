/** Names the workspace last in view, so /t (where sign-in lands) returns to it. */
export const LAST_WORKSPACE_COOKIE = 'tg-workspace';
