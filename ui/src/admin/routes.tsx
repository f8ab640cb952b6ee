/** The tenant administration pages (users, keys, security, access log), under `authenticated`. */
export const adminRoutes = [] as const;
