/** Only a path inside the console may be returned to after sign-in (no open redirect). */
export const safeRedirect = (target: string | undefined) =>
  target && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/sign-in')
    ? target
    : '/';
