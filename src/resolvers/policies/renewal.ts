/** Licenses for a while: requestLicenseRenewal. */
export const renewalResolvers = [] as const;
